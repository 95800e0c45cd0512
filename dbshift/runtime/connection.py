"""Engines for dbshift: clear errors for bad URLs, and truly transactional DDL on SQLite.

Python's sqlite3 driver opens transactions only before DML and commits implicitly around DDL,
so a failed ``CREATE TABLE`` could not be rolled back. The engine here turns the driver's own
transaction handling off and issues ``BEGIN`` itself, as SQLAlchemy's documentation prescribes.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from dbshift.errors import ConfigError, DatabaseError
from dbshift.util import mask_url


def create_engine(url: str) -> Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"invalid database URL {url!r}: {exc}") from None
    try:
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise ConfigError(f"cannot use database URL {mask_url(parsed)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        _make_sqlite_transactional(engine)
    return engine


def _make_sqlite_transactional(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def connect(engine: Engine) -> Connection:
    """Open a connection, turning driver errors into one line naming the (masked) URL."""
    try:
        return engine.connect()
    except sa.exc.DBAPIError as exc:
        reason = " ".join(str(exc.orig).split()) if exc.orig is not None else str(exc)
        raise DatabaseError(f"cannot connect to {mask_url(engine.url)}: {reason}") from None
