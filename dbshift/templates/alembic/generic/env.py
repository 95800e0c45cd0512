"""How migrations connect and run; executed by dbshift (or Alembic) for every command.

Online, it connects with the settings of alembic.ini's main section; with --sql it only
needs the URL and writes the SQL instead.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config

# Logging as alembic.ini describes it.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# The models' MetaData, for `revision --autogenerate` and `check`, e.g.:
#     from myapp.models import Base
#     target_metadata = Base.metadata
target_metadata = None


def run_migrations_offline() -> None:
    """--sql: configure with the URL alone; statements are written, not run."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Connect and run, in one transaction where the database allows it."""
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
