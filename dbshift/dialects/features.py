"""What each backend can do, as data, so code and tests ask for a capability, not a name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import Dialect


@dataclass(frozen=True)
class Features:
    transactional_ddl: bool = True
    """DDL can be rolled back; a failed revision leaves nothing behind."""
    alter_column: bool = True
    """ALTER COLUMN can change type, nullability and default in place."""
    alter_constraints: bool = True
    """Constraints can be added to and dropped from an existing table."""
    comments: bool = True
    if_exists_column: bool = True
    """``ADD COLUMN IF NOT EXISTS`` / ``DROP COLUMN IF EXISTS``."""
    if_exists_index: bool = True
    """``CREATE INDEX IF NOT EXISTS`` / ``DROP INDEX IF EXISTS``."""
    needs_full_column_for_alter: bool = False
    """MySQL: a MODIFY repeats the whole column definition, so unchanged parts must be known."""
    concurrent_index: bool = False
    migration_lock: Literal["advisory", "named", "file", "none"] = "none"
    """How ``runtime/lock.py`` keeps two runs apart: a session-level advisory lock (PostgreSQL),
    a server-wide named lock (``GET_LOCK``, MySQL/MariaDB), a lock file beside the database
    file (SQLite), or nothing for a backend we know no lock for."""
    # What autogenerate cannot compare (see autogenerate/blind_spots.py): verified against
    # the servers' reflection, not assumed.
    deferrable_constraints: bool = True
    """DEFERRABLE / INITIALLY on foreign keys; MariaDB and MySQL have no such clause."""
    identity_columns: bool = True
    """``GENERATED ... AS IDENTITY`` whose options (start, increment...) are reported back."""
    unreported_index_options: frozenset[str] = frozenset()
    """Index keywords the database keeps no trace of (a build option, an ignored method)."""
    compared_table_options: frozenset[str] = frozenset()
    """Table keywords (``mysql_engine``...) autogenerate compares; none so far."""
    option_prefixes: tuple[str, ...] = ()
    """The prefixes of this backend's SQLAlchemy keywords (``postgresql_``)."""


SQLITE = Features(
    alter_column=False,
    alter_constraints=False,
    comments=False,
    if_exists_column=False,
    migration_lock="file",
    identity_columns=False,
    option_prefixes=("sqlite_",),
)
POSTGRESQL = Features(
    concurrent_index=True,
    migration_lock="advisory",
    unreported_index_options=frozenset({"postgresql_tablespace", "postgresql_concurrently"}),
    option_prefixes=("postgresql_",),
)
MARIADB = Features(
    transactional_ddl=False,
    needs_full_column_for_alter=True,
    migration_lock="named",
    deferrable_constraints=False,
    identity_columns=False,
    unreported_index_options=frozenset({"mysql_using", "mariadb_using"}),
    option_prefixes=("mysql_", "mariadb_"),
)
MYSQL = Features(
    transactional_ddl=False,
    needs_full_column_for_alter=True,
    if_exists_column=False,
    if_exists_index=False,
    migration_lock="named",
    deferrable_constraints=False,
    identity_columns=False,
    option_prefixes=("mysql_",),
)
DEFAULT = Features(transactional_ddl=False)


def features_for(dialect_name: str) -> Features:
    """Capabilities by backend name; ``"mysql"`` means MySQL proper (see :func:`features_of`)."""
    return {
        "sqlite": SQLITE,
        "postgresql": POSTGRESQL,
        "mysql": MYSQL,
        "mariadb": MARIADB,
    }.get(dialect_name, DEFAULT)


def is_mariadb(dialect: Dialect) -> bool:
    """True for MariaDB, also when reached through a ``mysql+...`` URL."""
    return dialect.name == "mariadb" or bool(getattr(dialect, "is_mariadb", False))


def backend_name(dialect: Dialect) -> str:
    """The backend as users know it, for messages: ``MariaDB`` rather than ``mysql``."""
    if is_mariadb(dialect):
        return "MariaDB"
    return {"mysql": "MySQL", "postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(dialect.name, dialect.name)


def features_of(dialect: Dialect) -> Features:
    """Capabilities of a dialect, telling MariaDB from MySQL whatever the URL's scheme."""
    return features_for("mariadb" if is_mariadb(dialect) else dialect.name)
