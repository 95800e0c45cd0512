"""How migrations connect and run, for several databases migrated together.

Each name in alembic.ini's `databases` has a section with its URL. Online, every database is
connected and migrated in turn, each within its own transaction, and all are committed at the
end only if all succeeded. Revisions have one upgrade_<name>()/downgrade_<name>() pair per
database; `engine_name` tells which one runs.
"""

import logging
import re
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

db_names = config.get_main_option("databases", "")

# One MetaData per database, for `revision --autogenerate` and `check`, e.g.:
#     from myapp import models
#     target_metadata = {"engine1": models.metadata1, "engine2": models.metadata2}
target_metadata = {}


def run_migrations_offline() -> None:
    """--sql: write one SQL script per database, <name>.sql."""
    for name in re.split(r",\s*", db_names):
        logger.info("Writing output to %s.sql", name)
        with open(f"{name}.sql", "w") as buffer:
            context.configure(
                url=config.get_section_option(name, "sqlalchemy.url"),
                output_buffer=buffer,
                target_metadata=target_metadata.get(name),
                literal_binds=True,
                dialect_opts={"paramstyle": "named"},
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def run_migrations_online() -> None:
    engines = {}
    for name in re.split(r",\s*", db_names):
        engine = engine_from_config(config.get_section(name, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
        connection = engine.connect()
        engines[name] = {"engine": engine, "connection": connection, "transaction": connection.begin()}
    try:
        for name, held in engines.items():
            logger.info("Migrating database %s", name)
            context.configure(
                connection=held["connection"],
                upgrade_token=f"{name}_upgrades",
                downgrade_token=f"{name}_downgrades",
                target_metadata=target_metadata.get(name),
            )
            context.run_migrations(engine_name=name)
        for held in engines.values():
            held["transaction"].commit()
    except BaseException:
        for held in engines.values():
            held["transaction"].rollback()
        raise
    finally:
        for held in engines.values():
            held["connection"].close()
            held["engine"].dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
