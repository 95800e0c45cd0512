"""The migration lock (``dbshift.runtime.lock``) on real servers and files, against real processes.

A holder runs in a child process (``python -c``) that takes the lock on the same URL, prints
``locked`` and sleeps; the test process then tries the same lock. What is checked: the waiter
gives up with one line naming the lock and the holder (and ``on_wait`` saw the same holder
once); a SIGKILLed holder leaves nothing behind; the migration connection keeps working (DDL,
DML, commit, ``CREATE INDEX CONCURRENTLY``) while the lock is held; ``with`` blocks release on
exit, also on an exception; ``timeout=None`` waits; in-memory SQLite takes no lock at all.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from dbshift.dialects.features import features_of
from dbshift.errors import LockError
from dbshift.runtime.connection import create_engine
from dbshift.runtime.lock import migration_lock
from tests.compat.corpus import async_url
from tests.conftest import Database

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
import sqlalchemy as sa
from dbshift.runtime.lock import migration_lock

engine = sa.create_engine(sys.argv[1], poolclass=sa.pool.NullPool)
with engine.connect() as connection, migration_lock(connection, sys.argv[2], timeout=10):
    print("locked", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def lock_name() -> str:
    """A name of its own per test: PostgreSQL's advisory locks are per database, and the
    backend tests share one database (a schema each)."""
    return f"dbshift_version_{uuid.uuid4().hex[:8]}"


def lock_kind(database: Database) -> str:
    engine = database.engine()
    try:
        return features_of(engine.dialect).migration_lock
    finally:
        engine.dispose()


@contextmanager
def holder(url: str, name: str, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """A child process holding the lock on ``name`` for ``seconds``; killed on exit."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, name, str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None and child.stderr is not None
        line = child.stdout.readline()
        if line.strip() != "locked":
            child.wait(10)
            pytest.fail(f"the holder did not take the lock: {child.stderr.read()}")
        yield child
    finally:
        child.kill()
        child.wait(10)


@contextmanager
def connected(database: Database) -> Iterator[sa.Connection]:
    engine = database.engine()
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def test_giving_up_names_the_lock_and_the_holder_in_another_process(database: Database) -> None:
    name = lock_name()
    seen: list[str] = []
    with holder(database.url, name, 30) as child, connected(database) as connection:
        started = time.monotonic()
        with pytest.raises(LockError) as caught, migration_lock(connection, name, timeout=0.5, on_wait=seen.append):
            pytest.fail("took a lock that another process holds")
        waited = time.monotonic() - started
        others = set()
        if lock_kind(database) == "named":
            others = set(
                connection.execute(
                    sa.text(
                        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
                    )
                ).scalars()
            )
    assert len(seen) == 1
    message = str(caught.value)
    assert message == f"gave up after 0.5 s waiting for the migration lock on {name}, held by {seen[0]}"
    assert waited >= 0.5
    if lock_kind(database) == "named":
        found = re.fullmatch(r"connection (\d+) from (\w+)@\S+", seen[0])
        assert found, seen[0]
        assert int(found[1]) in others  # one of the child's connections
        assert found[2] == sa.make_url(database.url).username
    else:
        assert seen[0].startswith(f"pid {child.pid} on host {socket.gethostname()[:20]}")
        assert seen[0].endswith(" (dbshift)")


def test_a_killed_holder_leaves_no_lock_behind(database: Database) -> None:
    name = lock_name()
    with holder(database.url, name, 30) as child, connected(database) as connection:
        with pytest.raises(LockError), migration_lock(connection, name, timeout=0):
            pass
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        with migration_lock(connection, name, timeout=10):  # a functional bound, not a speed check
            pass


def test_the_migration_connection_keeps_working_while_the_lock_is_held(database: Database) -> None:
    engine = create_engine(database.url)
    features = features_of(engine.dialect)
    try:
        with engine.connect() as connection, migration_lock(connection, lock_name(), timeout=5):
            assert not connection.in_transaction()  # the lock took nothing from this connection
            if features.migration_lock == "advisory":
                # A deadlock must fail the test, not hang it.
                connection.exec_driver_sql("SET statement_timeout = '30s'")
                mine = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                assert connection.exec_driver_sql(mine).scalar() == 0
            connection.execute(sa.text("CREATE TABLE locked_items (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
            connection.execute(sa.text("INSERT INTO locked_items (id, name) VALUES (1, 'one'), (2, 'two')"))
            connection.commit()
            connection.execute(sa.text("UPDATE locked_items SET name = 'uno' WHERE id = 1"))
            connection.commit()
            if features.concurrent_index:
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                autocommit.exec_driver_sql("CREATE INDEX CONCURRENTLY ix_locked_items_name ON locked_items (name)")
                autocommit.exec_driver_sql("DROP INDEX CONCURRENTLY ix_locked_items_name")
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT id, name FROM locked_items ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, "uno"), (2, "two")]
    finally:
        engine.dispose()


def test_leaving_the_block_releases_the_lock_also_on_an_exception(database: Database) -> None:
    name = lock_name()
    with connected(database) as connection, connected(database) as other:
        # Not re-entrant: another session of this same process is refused, so the takes below
        # prove that each block released the lock.
        with (
            migration_lock(connection, name, timeout=0),
            pytest.raises(LockError),
            migration_lock(other, name, timeout=0),
        ):
            pass
        with migration_lock(other, name, timeout=0):
            pass
        with pytest.raises(ValueError, match="inside"), migration_lock(connection, name, timeout=0):
            raise ValueError("inside the block")
        with migration_lock(other, name, timeout=0):
            pass


def test_without_a_timeout_the_waiter_waits_for_the_holder(database: Database) -> None:
    name = lock_name()
    seen: list[str] = []
    with (
        holder(database.url, name, 1.0) as child,
        connected(database) as connection,
        migration_lock(connection, name, timeout=None, on_wait=seen.append),
    ):
        assert child.wait(10) == 0  # the holder finished its block normally
    assert len(seen) == 1
    assert seen[0] != ""


def test_different_names_are_different_locks(database: Database) -> None:
    if lock_kind(database) == "file":
        pytest.skip("SQLite's lock is one per database file, whatever the name")
    long_name = "a_schema_with_a_rather_long_name." + "x" * 80  # past GET_LOCK's 64 characters
    with (
        connected(database) as connection,
        connected(database) as other,
        connected(database) as third,
        migration_lock(connection, lock_name(), timeout=0),
        migration_lock(other, long_name, timeout=0),  # another name: not refused
        pytest.raises(LockError),
        migration_lock(third, long_name, timeout=0),
    ):
        pass


def test_sqlite_lock_file_sits_beside_a_relative_database_and_is_left_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = create_engine("sqlite:///relative.sqlite")
    lock_file = tmp_path / "relative.sqlite-dbshift-lock"
    try:
        with engine.connect() as connection, migration_lock(connection, "dbshift_version", timeout=0):
            assert lock_file.read_text() == f"pid={os.getpid()} host={socket.gethostname()} app=dbshift\n"
        assert lock_file.read_text() == ""
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:lockmem?mode=memory&uri=true"])
def test_sqlite_in_memory_takes_no_lock(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    engine = create_engine(url)
    seen: list[str] = []
    try:
        with (
            engine.connect() as connection,
            engine.connect() as other,
            migration_lock(connection, "dbshift_version", timeout=0, on_wait=seen.append),
            migration_lock(other, "dbshift_version", timeout=0, on_wait=seen.append),  # a real lock refuses this
        ):
            pass
    finally:
        engine.dispose()
    assert seen == []
    assert list(tmp_path.iterdir()) == []


def test_a_lock_taken_by_hand_as_documented_keeps_a_run_out(database: Database, tmp_path: Path) -> None:
    """docs/production.md says how an operator holds the lock to keep migrations out; the run
    must then refuse, naming the operator's session."""
    name = lock_name()
    kind = lock_kind(database)
    with ExitStack() as stack:
        connection = stack.enter_context(connected(database))
        if kind == "file":
            path = f"{sa.make_url(database.url).database}-dbshift-lock"
            by_hand = os.open(path, os.O_RDWR | os.O_CREAT)
            stack.callback(os.close, by_hand)
            fcntl.flock(by_hand, fcntl.LOCK_EX)
            expected = f"an unknown process (lock file {path})"
        else:
            operator = stack.enter_context(connected(database)).execution_options(isolation_level="AUTOCOMMIT")
            if kind == "advisory":
                key = int.from_bytes(hashlib.sha256(f"dbshift:{name}".encode()).digest()[:8], "big", signed=True)
                operator.exec_driver_sql("SET application_name = 'ops-console'")
                assert operator.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
                pid = operator.execute(sa.text("SELECT pg_backend_pid()")).scalar()
                expected = f"PostgreSQL backend pid {pid} (application_name 'ops-console', client "
            else:
                lock = operator.execute(sa.text("SELECT CONCAT('dbshift:', DATABASE(), ':', :n)"), {"n": name}).scalar()
                assert operator.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": lock}).scalar() == 1
                ident = operator.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
                expected = f"connection {ident} from {sa.make_url(database.url).username}@"
        with pytest.raises(LockError) as caught, migration_lock(connection, name, timeout=0):
            pass
    assert str(caught.value).startswith(f"the migration lock on {name} is held by {expected}")


def test_the_lock_works_under_an_asyncio_driver(database: Database) -> None:
    """An async env.py runs the migration through ``run_sync``: the lock's own session is opened
    from the same (async) engine there."""
    name = lock_name()
    held: list[bool] = []

    def inside(connection: sa.Connection) -> None:
        with migration_lock(connection, name, timeout=0), connected(database) as other:
            with pytest.raises(LockError), migration_lock(other, name, timeout=0):
                pass
            held.append(True)

    async def run() -> None:
        engine = create_async_engine(async_url(database.url), poolclass=sa.pool.NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(inside)
        finally:
            await engine.dispose()

    asyncio.run(run())
    assert held == [True]
    with connected(database) as connection, migration_lock(connection, name, timeout=0):
        pass  # released
