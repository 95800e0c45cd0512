"""Engines for dbshift: clear errors for bad URLs, and truly transactional DDL on SQLite.

Python's sqlite3 driver opens transactions only before DML and commits implicitly around DDL,
so a failed ``CREATE TABLE`` could not be rolled back. The engine here turns the driver's own
transaction handling off and issues ``BEGIN`` itself, as SQLAlchemy's documentation prescribes.

Reporting commands ask for a read-only engine: on SQLite it opens the file with
``mode=ro``, so it can neither create a missing file nor write to one. Engines a project's
env.py makes are its own; :func:`no_new_empty_sqlite_files` removes a file such an engine
created for a command that only read, or that failed, and left empty.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect, Engine

from dbshift.errors import ConfigError, DatabaseError, MissingDatabaseFile
from dbshift.runtime.drivers import missing_driver
from dbshift.util import display_path, mask_url, one_line

_KNOWN = "postgresql+psycopg://, mysql+pymysql:// or sqlite:///"
_URL_SHAPE = f"dialect+driver://user:password@host/dbname, e.g. {_KNOWN}"


def create_engine(url: str, source: str | None = None, *, read_only: bool = False) -> Engine:
    """An engine for ``url``; a URL that cannot be used is a one-line ConfigError.

    ``source`` says where the URL was set (``--url``, ``DBSHIFT_URL``, ``dbshift.toml: 'url'``)
    and starts the message. The password never appears in it. ``read_only`` opens a SQLite
    file read-only; connecting to one that does not exist raises :class:`MissingDatabaseFile`.
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
        advice = missing_driver(exc)
        if advice is not None:
            raise ConfigError(f"{where}{advice}") from None
        raise ConfigError(
            f"{where}the driver for '{parsed.drivername}' is not installed ({one_line(exc)}): {mask_url(parsed)}"
        ) from None
    except (sa.exc.ArgumentError, TypeError, ValueError) as exc:  # e.g. a bad query-string option
        raise ConfigError(f"{where}cannot use database URL {mask_url(parsed)}: {one_line(exc)}") from None
    if engine.dialect.name == "sqlite":
        _make_sqlite_transactional(engine)
        if read_only:
            event.listen(engine, "do_connect", _open_read_only)
    return engine


def _open_read_only(_dialect: Dialect, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
    """Open the SQLite file as a ``file:`` URI with ``mode=ro`` (in-memory databases as they are).

    A hot journal beside the file (a process died inside a transaction) must be rolled back
    before anything can be read, which a read-only connection cannot do: then the file is
    opened ``mode=rw`` — still never created — and SQLite's own recovery runs, as it would for
    the next writer."""
    uri = _sqlite_uri(cargs, cparams)
    if uri is None:
        return
    path = _uri_path(uri)
    if not os.path.exists(path):
        raise MissingDatabaseFile(path, display_path(Path(path)))
    query = [(key, value) for key, value in urllib.parse.parse_qsl(urllib.parse.urlsplit(uri).query) if key != "mode"]
    base = uri.split("?", 1)[0].split("#", 1)[0]
    mode = "rw" if _has_hot_journal(path) else "ro"
    cargs[0] = f"{base}?{urllib.parse.urlencode([*query, ('mode', mode)])}"
    cparams["uri"] = True


def _has_hot_journal(path: str) -> bool:
    """Whether a rollback journal with content lies beside the database file."""
    try:
        return os.path.getsize(f"{path}-journal") > 0
    except OSError:
        return False


def _sqlite_uri(cargs: list[Any], cparams: dict[str, Any]) -> str | None:
    """The ``file:`` URI of what the sqlite3 driver is about to open; None for an in-memory
    database. (With ``uri=True`` a name not starting with ``file:`` is still a plain path.)"""
    name = str(cargs[0]) if cargs else ""
    if cparams.get("uri") and name.startswith("file:"):
        memory = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(name).query)).get("mode") == "memory"
        return None if memory or _uri_path(name) in ("", ":memory:") else name
    return None if name in ("", ":memory:") else Path(os.path.abspath(name)).as_uri()


def _uri_path(uri: str) -> str:
    """The file a ``file:`` URI names, absolute."""
    path = urllib.request.url2pathname(urllib.parse.urlsplit(uri).path)
    return os.path.abspath(path) if path not in ("", ":memory:") else path


@contextlib.contextmanager
def no_new_empty_sqlite_files(*, keep_on_success: bool) -> Iterator[None]:
    """Remove the SQLite files that engines (anyone's: an env.py makes its own) create in this
    thread during the block and that are still empty at its end: when the block fails, or
    always unless ``keep_on_success``. A read-only or failing command leaves no empty file."""
    thread = threading.get_ident()
    created: set[str] = set()

    def observe(dialect: Dialect, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        if threading.get_ident() != thread or dialect.name != "sqlite":
            return
        uri = _sqlite_uri(cargs, cparams)
        if uri is not None and not os.path.exists(_uri_path(uri)):
            created.add(_uri_path(uri))

    event.listen(Engine, "do_connect", observe)
    succeeded = False
    try:
        yield
        succeeded = True
    finally:
        event.remove(Engine, "do_connect", observe)
        if not (succeeded and keep_on_success):
            for path in created:
                with contextlib.suppress(OSError):
                    if os.path.getsize(path) == 0:
                        os.remove(path)


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
