"""Engines for dbshift: clear errors for bad URLs, and truly transactional DDL on SQLite.

Python's sqlite3 driver opens transactions only before DML and commits implicitly around DDL,
so a failed ``CREATE TABLE`` could not be rolled back. The engine here turns the driver's own
transaction handling off and issues ``BEGIN`` itself, as SQLAlchemy's documentation prescribes.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from dbshift.errors import ConfigError, DatabaseError
from dbshift.util import mask_url, one_line

_KNOWN = "postgresql+psycopg://, mysql+pymysql:// or sqlite:///"
_URL_SHAPE = f"dialect+driver://user:password@host/dbname, e.g. {_KNOWN}"


def create_engine(url: str, source: str | None = None) -> Engine:
    """An engine for ``url``; a URL that cannot be used is a one-line ConfigError.

    ``source`` says where the URL was set (``--url``, ``DBSHIFT_URL``, ``dbshift.toml: 'url'``)
    and starts the message. The password never appears in it.
    """
    where = f"{source}: " if source else ""
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigError(f"{where}not a valid database URL (expected {_URL_SHAPE}): {mask_url(url)}") from None
    try:
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
    except sa.exc.NoSuchModuleError:
        raise ConfigError(
            f"{where}unknown database dialect or driver '{parsed.drivername}' in {mask_url(parsed)}; "
            f"expected e.g. {_KNOWN}"
        ) from None
    except ImportError as exc:
        raise ConfigError(
            f"{where}the driver for '{parsed.drivername}' is not installed ({one_line(exc)}): {mask_url(parsed)}"
        ) from None
    except (sa.exc.ArgumentError, TypeError, ValueError) as exc:  # e.g. a bad query-string option
        raise ConfigError(f"{where}cannot use database URL {mask_url(parsed)}: {one_line(exc)}") from None
    if engine.dialect.name == "sqlite":
        _make_sqlite_transactional(engine)
    return engine


def _make_sqlite_transactional(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # A table rebuild drops the old table; with enforcement on, that would fire ON DELETE
        # actions. SQLite's procedure runs with it off and checks with foreign_key_check.
        dbapi_connection.execute("PRAGMA foreign_keys = OFF")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def begin_real_transaction(connection: Connection) -> None:
    """On a SQLite connection whose driver still handles transactions itself (an engine an
    env.py made), issue ``BEGIN`` now: the driver would begin only before the first DML, so
    DDL before it — a table rebuild's CREATE — could not be rolled back."""
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.dbapi_connection
    if isinstance(dbapi, sqlite3.Connection) and dbapi.isolation_level is not None and not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN")


def connect(engine: Engine) -> Connection:
    """Open a connection, turning driver errors into one line naming the (masked) URL."""
    try:
        return engine.connect()
    except sa.exc.DBAPIError as exc:
        reason = " ".join(str(exc.orig).split()) if exc.orig is not None else str(exc)
        raise DatabaseError(f"cannot connect to {mask_url(engine.url)}: {reason}") from None
