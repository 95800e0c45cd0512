"""The migration lock: one run at a time per version table, on every backend.

Every lock here belongs to something the process owns, so it cannot go stale: a PostgreSQL
session-level advisory lock and a MySQL/MariaDB named lock (``GET_LOCK``) live in a database
session of their own, which the server ends when the process dies; the SQLite lock is an
``flock`` on a file beside the database, which the kernel drops with the process. There is no
row to clean up after a crash and nothing to expire. ``Features.migration_lock`` picks the kind.

The lock never lives on the migration connection: that connection commits, rolls back and runs
autocommit blocks (``CREATE INDEX CONCURRENTLY``), none of which may end the lock or wait for it.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dbshift.dialects.features import features_of
from dbshift.errors import LockError
from dbshift.runtime.connection import connect
from dbshift.util import one_line

if sys.platform != "win32":
    import fcntl

POLL = 0.2
"""Seconds between tries where the server cannot wait for us (advisory lock, flock)."""
NAMED_POLL = 1.0
"""Longest single ``GET_LOCK`` wait, so the timeout and Ctrl-C are honoured within a second."""


def migration_lock(
    connection: Connection,
    name: str,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], None] = lambda holder: None,
) -> AbstractContextManager[None]:
    """Hold the migration lock on ``name`` (the version table's key) for a ``with`` block.

    ``timeout``: None waits forever, 0 does not wait, else seconds; giving up raises a one-line
    :class:`LockError` naming the holder. ``on_wait`` is called once, with the holder's
    description, when the lock is not free at once. In-memory SQLite databases and backends
    without a lock get a no-op.
    """
    kind = features_of(connection.dialect).migration_lock
    if kind == "advisory":
        return _held(lambda: _AdvisoryLock(connection, name), name, timeout, on_wait)
    if kind == "named":
        return _held(lambda: _NamedLock(connection, name), name, timeout, on_wait)
    if kind == "file" and sys.platform != "win32":
        database = _sqlite_file(connection)
        if database:
            return _held(lambda: _FileLock(f"{database}-dbshift-lock"), name, timeout, on_wait)
    return nullcontext()


class _Lock(Protocol):
    poll: float

    def attempt(self, wait: float) -> bool:
        """Take the lock within ``wait`` seconds; False if another holds it still."""

    def holder(self) -> str:
        """Who holds the lock, as messages show it."""

    def close(self) -> None:
        """Release the lock if taken and free what was opened for it."""


@contextmanager
def _reported(name: str) -> Iterator[None]:
    """A driver or file error while taking the lock becomes one line naming the lock."""
    try:
        yield
    except (sa.exc.DBAPIError, OSError) as exc:
        reason = one_line(exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc)
        raise LockError(f"cannot take the migration lock on {name}: {reason}") from None


@contextmanager
def _held(
    open_lock: Callable[[], _Lock], name: str, timeout: float | None, on_wait: Callable[[str], None]
) -> Iterator[None]:
    with _reported(name):
        lock = open_lock()
    try:
        with _reported(name):
            _acquire(lock, name, timeout, on_wait)
        yield  # the block's own errors pass through untouched
    finally:
        lock.close()


def _acquire(lock: _Lock, name: str, timeout: float | None, on_wait: Callable[[str], None]) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    if lock.attempt(0):
        return
    holder = lock.holder()
    on_wait(holder)
    while True:
        left = lock.poll if deadline is None else min(lock.poll, deadline - time.monotonic())
        if left <= 0:
            if timeout is not None and timeout > 0:
                raise LockError(
                    f"gave up after {timeout:g} s waiting for the migration lock on {name}, held by {holder}"
                )
            raise LockError(f"the migration lock on {name} is held by {holder} (timeout 0: not waiting)")
        if lock.attempt(left):
            return


def _whoami() -> str:
    return f"pid={os.getpid()} host={socket.gethostname()}"


class _SessionLock:
    """A lock owned by a database session of its own, opened from the migration connection's
    engine in AUTOCOMMIT so that it never holds a transaction open."""

    poll = POLL
    release = ""
    """The statement that releases the lock, with ``params`` (the lock's name or key)."""
    params: dict[str, object]

    def __init__(self, connection: Connection, setup: str, **setup_params: object) -> None:
        self.held = False
        self.session = connect(connection.engine.execution_options(isolation_level="AUTOCOMMIT"))
        try:
            self.session.execute(sa.text(setup), setup_params)
        except BaseException:
            self.close()
            raise

    def scalar(self, sql: str, **extra: object) -> Any:
        return self.session.execute(sa.text(sql), {**self.params, **extra}).scalar()

    def close(self) -> None:
        """Release, then close the physical connection (never back to a pool), which frees the
        lock in any case: a release failing on a dead session had nothing left to release."""
        try:
            if self.held:
                with suppress(sa.exc.DBAPIError):
                    self.scalar(self.release)
        finally:
            self.session.invalidate()
            self.session.close()


_PG_SETTINGS = (
    # The idle session is the lock: no idle timeout may end it, and TCP keepalives let the
    # server end it (and free the lock) within minutes when the holder's host vanishes.
    "SELECT set_config(w.name, w.value, false) FROM (VALUES ('application_name', :app),"
    " ('idle_session_timeout', '0'), ('tcp_keepalives_idle', '60'), ('tcp_keepalives_interval', '10'),"
    " ('tcp_keepalives_count', '6')) AS w(name, value) WHERE w.name IN (SELECT name FROM pg_settings)"
)
_PG_HOLDER = (
    "SELECT a.pid, a.application_name, host(a.client_addr) FROM pg_locks l"
    " JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND l.classid::bigint = :classid AND l.objid::bigint = :objid"
)
_DBSHIFT_APP = re.compile(r"dbshift pid=(\d+) host=(\S*)")


class _AdvisoryLock(_SessionLock):
    """PostgreSQL: a session-level advisory lock (per database) keyed by a hash of the name."""

    release = "SELECT pg_advisory_unlock(CAST(:k AS bigint))"

    def __init__(self, connection: Connection, name: str) -> None:
        digest = hashlib.sha256(f"dbshift:{name}".encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)
        self.params = {"k": self.key}
        super().__init__(connection, _PG_SETTINGS, app=f"dbshift {_whoami()}")

    def attempt(self, wait: float) -> bool:
        time.sleep(wait)
        self.held = bool(self.scalar("SELECT pg_try_advisory_lock(CAST(:k AS bigint))"))
        return self.held

    def holder(self) -> str:
        # pg_locks shows a bigint key as two unsigned halves: classid (high), objid (low).
        split = {"classid": (self.key >> 32) & 0xFFFFFFFF, "objid": self.key & 0xFFFFFFFF}
        row = self.session.execute(sa.text(_PG_HOLDER), split).first()
        if row is None:
            return "a session that has just released it"
        pid, app, client = row
        ours = _DBSHIFT_APP.fullmatch(app or "")
        if ours:
            return f"pid {ours[1]} on host {ours[2]} (dbshift)"
        return f"PostgreSQL backend pid {pid} (application_name {app!r}, client {client or 'local socket'})"


class _NamedLock(_SessionLock):
    """MySQL/MariaDB: ``GET_LOCK`` on a name made of the current database and the lock's name,
    since named locks are server-wide; hashed past MySQL's 64 characters."""

    poll = NAMED_POLL
    release = "SELECT RELEASE_LOCK(:n)"

    def __init__(self, connection: Connection, name: str) -> None:
        # The session waits idle while the migration runs: a short server wait_timeout must
        # not end it (and free the lock) halfway.
        self.params = {}
        super().__init__(connection, "SET SESSION wait_timeout = 31536000")
        try:
            full = f"dbshift:{self.scalar('SELECT DATABASE()') or ''}:{name}"
        except BaseException:
            self.close()
            raise
        if len(full) > 64:
            full = "dbshift:" + hashlib.sha256(full.encode()).hexdigest()[:56]
        self.params = {"n": full}

    def attempt(self, wait: float) -> bool:
        self.held = self.scalar("SELECT GET_LOCK(:n, :t)", t=wait) == 1
        return self.held

    def holder(self) -> str:
        query = (
            "SELECT u.id, p.USER, p.HOST FROM (SELECT IS_USED_LOCK(:n) AS id) u"
            " LEFT JOIN information_schema.PROCESSLIST p ON p.ID = u.id"
        )
        row = self.session.execute(sa.text(query), self.params).first()
        if row is None or row[0] is None:
            return "a session that has just released it"
        ident, user, host = row
        return f"connection {ident} from {user}@{host}" if user is not None else f"connection {ident}"


def _sqlite_file(connection: Connection) -> str:
    """The main database's file as SQLite itself resolved it ('' in memory), asked on the raw
    driver connection so that no transaction begins on the migration connection."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute("PRAGMA database_list")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return next((str(row[2] or "") for row in rows if row[1] == "main"), "")


class _FileLock:
    """SQLite: ``flock`` on ``<database>-dbshift-lock``; the holder writes who it is into it.

    The file is never deleted (a waiter may have it open: deleting would let two runs lock two
    different files); it is left empty when released."""

    poll = POLL

    def __init__(self, path: str) -> None:
        self.path = path
        self.held = False
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)

    def attempt(self, wait: float) -> bool:
        time.sleep(wait)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.held = True
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{_whoami()} app=dbshift\n".encode(), 0)
        return True

    def holder(self) -> str:
        text = os.pread(self.fd, 4096, 0).decode("utf-8", "replace")
        fields = {key: value for key, _, value in (item.partition("=") for item in text.split())}
        if "pid" in fields:
            return f"pid {fields['pid']} on host {fields.get('host', '?')} ({fields.get('app', '?')})"
        return f"an unknown process (lock file {self.path})"

    def close(self) -> None:
        try:
            if self.held:
                os.ftruncate(self.fd, 0)
        finally:
            os.close(self.fd)  # closing the only descriptor releases the flock
