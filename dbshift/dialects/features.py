"""What each backend can do, as data, so code and tests ask for a capability, not a name."""

from __future__ import annotations

from dataclasses import dataclass


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
    needs_full_column_for_alter: bool = False
    """MySQL: a MODIFY repeats the whole column definition, so unchanged parts must be known."""
    concurrent_index: bool = False


SQLITE = Features(
    alter_column=False,
    alter_constraints=False,
    comments=False,
    if_exists_column=False,
)
POSTGRESQL = Features(concurrent_index=True)
MYSQL = Features(transactional_ddl=False, needs_full_column_for_alter=True)
DEFAULT = Features(transactional_ddl=False)


def features_for(dialect_name: str) -> Features:
    return {
        "sqlite": SQLITE,
        "postgresql": POSTGRESQL,
        "mysql": MYSQL,
        "mariadb": MYSQL,
    }.get(dialect_name, DEFAULT)
