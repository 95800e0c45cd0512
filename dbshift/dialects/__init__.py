"""Per-backend DDL, capabilities and reflection normalization."""

from __future__ import annotations

from sqlalchemy.engine import Dialect

from dbshift.dialects.base import DialectImpl, SchemaLookup


def impl_for(dialect: Dialect, lookup: SchemaLookup | None = None) -> DialectImpl:
    from dbshift.dialects.mysql import MySQLImpl
    from dbshift.dialects.postgresql import PostgresqlImpl
    from dbshift.dialects.sqlite import SQLiteImpl

    cls: type[DialectImpl] = {
        "sqlite": SQLiteImpl,
        "postgresql": PostgresqlImpl,
        "mysql": MySQLImpl,
        "mariadb": MySQLImpl,
    }.get(dialect.name, DialectImpl)
    return cls(dialect, lookup)
