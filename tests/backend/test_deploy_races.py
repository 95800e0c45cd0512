"""Deploy races (issue 8): many deploys at once, and deploys SIGKILLed at random moments.

Real servers, real processes, the real entry point:

1. :func:`test_concurrent_upgrades_migrate_once`: eight ``dbshift upgrade head`` processes
   start together against one empty database, 20 revisions each inserting its id into
   ``counter`` (some create a small table too). Every process exits 0, exactly one migrates,
   the others print ``Nothing to do``; each revision's row is there once, the version table is
   at the head, and the log holds exactly one ``upgrade``/``success`` row per revision.
2. :func:`test_killed_upgrades_leave_a_consistent_database`: ``upgrade head`` (20 revisions,
   each creating ``t_<n>``, inserting one row into it and indexing it) is SIGKILLed after a
   seeded random delay spread over a clean run's duration (measured first, on a database of
   its own). After each kill: the migration lock is free at once (taken within 5 s); the
   version table matches the schema (every table at or below it exists with its one row, none
   above it does), except for the one step MariaDB's log shows half done, whose table may
   exist, holding its row exactly when the log lists the INSERT as done (the CREATE INDEX
   after it commits it). Half the time the next run is killed too, from wherever this one
   stopped (resuming the half-done step; the operator first resolves a pending statement).
   Otherwise the next ``upgrade head`` (``lock_timeout = 5``) resumes, or refuses in one line
   naming the revision and ``dbshift resolve``, and the test then plays the operator (checks
   whether the pending statement took effect, resolves with ``--pending-ran`` /
   ``--pending-not-run``, upgrades). It ends at the head with every table and index once and
   every row once; ``downgrade base`` then readies the same database for the next kill.
3. :func:`test_a_resume_killed_as_its_step_starts_leaves_the_step_resumable`: the regression
   test for a window the random kills rarely hit (see its docstring).

Each child is a fresh interpreter running :data:`LAUNCHER`: it imports dbshift and
SQLAlchemy, says it is ready, waits for the start signal (its stdin closing) and then runs
``dbshift/__main__.py`` as ``python -m dbshift`` does. So the eight processes are released
within microseconds of each other rather than an import time apart, and a kill delay measures
dbshift's work, not the interpreter's start-up. On failure every child's output is shown.

Environment variables (the defaults are CI's; the module then takes about a minute on two busy
cores, some 60 s of CPU, most of it the interpreters' start-up):

- ``DBSHIFT_RACE_ROUNDS`` (3): rounds of concurrent upgrades per backend, each on a fresh database;
- ``DBSHIFT_RACE_PROCESSES`` (8): processes started at once in each round;
- ``DBSHIFT_RACE_KILLS`` (8): SIGKILLed runs per backend;
- ``DBSHIFT_RACE_SEED`` (8): seeds the kill delays (with the backend's name): the same delays on
  every run, though where a kill lands in the run still depends on the machine's speed. A run
  that finishes before its kill shortens the delays that follow (the clean run was slowed down).

e.g. ``DBSHIFT_RACE_ROUNDS=30 DBSHIFT_RACE_KILLS=200 pytest tests/backend/test_deploy_races.py``.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.dialects.features import features_for
from dbshift.errors import LockError
from dbshift.runtime.lock import migration_lock
from tests.cli_helpers import ScratchProject, assert_one_line_error
from tests.conftest import Database, DatabaseFactory

ROOT = Path(__file__).resolve().parents[2]
REVISIONS = 20
ROUNDS = int(os.environ.get("DBSHIFT_RACE_ROUNDS", "3"))
PROCESSES = int(os.environ.get("DBSHIFT_RACE_PROCESSES", "8"))
KILLS = int(os.environ.get("DBSHIFT_RACE_KILLS", "8"))
SEED = os.environ.get("DBSHIFT_RACE_SEED", "8")
DBSHIFT_TABLES = frozenset({"dbshift_version", "dbshift_version_log"})
CHILD_TIMEOUT = 120.0
"""Seconds a child may take (functional bound only: a hung child fails the test, with its output)."""
LOCK_TIMEOUT = 5
"""Seconds the command after a kill may wait for the migration lock."""
CHAIN = 0.5
"""How often a killed run is followed by another killed run, from wherever the first one stopped."""
SERVER_SETTLE = 15.0
"""Seconds the server may take to end a killed process's sessions (finishing a running statement)."""

LAUNCHER = """
import runpy, sys
import sqlalchemy, dbshift.cli.main, dbshift.commands.migrate
__import__(sys.argv[2])
open(sys.argv[1], "w").close()
sys.stdin.read()
sys.argv = ["dbshift", *sys.argv[3:]]
runpy.run_module("dbshift", run_name="__main__", alter_sys=True)
"""
"""``python -c LAUNCHER READY_FILE DRIVER ARGS...``: import dbshift, SQLAlchemy and the DRIVER module,
create READY_FILE, wait for stdin to close, then run dbshift's entry point with ARGS."""
DRIVERS = {"sqlite": "sqlite3", "postgresql": "psycopg", "mariadb": "pymysql"}


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DBSHIFT_URL"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return env


class Child:
    """One ``dbshift ARGS`` process in a fresh interpreter, held at the start line until :meth:`start`."""

    def __init__(self, project: ScratchProject, args: Sequence[str], folder: Path, name: str, driver: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.args = list(args)
        self.ready_file = folder / f"{name}.ready"
        self.out_file = folder / f"{name}.out"
        self.err_file = folder / f"{name}.err"
        self.killed = False
        with self.out_file.open("wb") as out, self.err_file.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, str(self.ready_file), driver, *args],
                cwd=project.root,
                env=_child_env(),
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
            )

    @property
    def stdout(self) -> str:
        return self.out_file.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_file.read_text(encoding="utf-8", errors="replace")

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def is_ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited before its start signal\n{self.describe()}")
        return self.ready_file.exists()

    def start(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()

    def wait(self, timeout: float = CHILD_TIMEOUT) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"{self.name} did not finish within {timeout:g} s\n{self.describe()}") from None

    def kill(self) -> None:
        self.killed = True
        self.process.kill()

    def describe(self) -> str:
        return (
            f"--- {self.name}: dbshift {' '.join(self.args)} -> exit {self.returncode}"
            f"{' (SIGKILLed by the test)' if self.killed else ''}\n"
            f"stdout:\n{self.stdout}stderr:\n{self.stderr}"
        )


def describe_all(children: Sequence[Child]) -> str:
    return "\n".join(child.describe() for child in children)


class Children:
    """Every child a test starts; whatever still runs (or waits at the start line) is killed at the end."""

    def __init__(self, folder: Path, backend: str) -> None:
        self.folder = folder
        self.driver = DRIVERS[backend]
        self.all: list[Child] = []

    def new(self, project: ScratchProject, args: Sequence[str], name: str) -> Child:
        child = Child(project, args, self.folder, name, self.driver)
        self.all.append(child)
        return child

    def close(self) -> None:
        for child in self.all:
            if child.process.poll() is None:
                child.process.kill()
                child.process.wait()
            if child.process.stdin is not None and not child.process.stdin.closed:
                child.process.stdin.close()


@pytest.fixture
def children(tmp_path: Path, backend: str) -> Iterator[Children]:
    made = Children(tmp_path / "children", backend)
    try:
        yield made
    finally:
        made.close()


def start_together(children: Sequence[Child]) -> float:
    """Wait until every child has imported what it needs, then release them all; the moment released."""
    deadline = time.monotonic() + CHILD_TIMEOUT
    while not all(child.is_ready() for child in children):
        if time.monotonic() > deadline:
            raise AssertionError(f"children not ready within {CHILD_TIMEOUT:g} s\n{describe_all(children)}")
        time.sleep(0.01)
    started = time.monotonic()
    for child in children:
        child.start()
    return started


# -- the database, seen from outside ---------------------------------------------------------------


def versions(database: Database) -> list[str]:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("dbshift_version"):
                return []
            return sorted(conn.execute(sa.text("SELECT version_num FROM dbshift_version")).scalars())
    finally:
        engine.dispose()


def log_entries(project: ScratchProject) -> list[dict[str, object]]:
    result = project.run("log", "--json")
    assert result.returncode == 0, f"log --json failed\nstdout:\n{result.stdout}stderr:\n{result.stderr}"
    entries: list[dict[str, object]] = json.loads(result.stdout)["entries"]
    return entries


def outstanding(entries: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """Log rows of steps left partly done (as the journal defines them)."""
    return [
        e
        for e in entries
        if e["resolution"] is None
        and (e["outcome"] in ("running", "interrupted") or (e["outcome"] == "failed" and e["statements"]))
    ]


def unsettled_steps(database: Database) -> list[tuple[object, ...]]:
    """The log's outstanding rows, read with SQL (cheaper than ``dbshift log --json``)."""
    engine = database.engine()
    try:
        with engine.connect() as conn:
            query = (
                "SELECT id, revision, outcome FROM dbshift_version_log WHERE resolution IS NULL AND"
                " (outcome IN ('running', 'interrupted') OR (outcome = 'failed' AND statements IS NOT NULL))"
            )
            return [tuple(row) for row in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def settle(database: Database) -> float:
    """Wait until no session but ours is on the database: a killed process's sessions end once
    the server has finished the statement they were running. The seconds waited."""
    if database.backend == "sqlite":
        return 0.0
    if database.backend == "postgresql":
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
    else:
        query = "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
    engine = database.engine()
    started = time.monotonic()
    try:
        with engine.connect() as conn:
            while conn.execute(sa.text(query)).scalar():
                if time.monotonic() - started > SERVER_SETTLE:
                    raise AssertionError(
                        f"the killed process's sessions are still on the server after {SERVER_SETTLE:g} s"
                    )
                time.sleep(0.05)
                conn.rollback()
    finally:
        engine.dispose()
    return time.monotonic() - started


def lock_free_within(database: Database, seconds: float) -> float:
    """Take and release the migration lock as the next run would; the seconds it took."""
    engine = database.engine()
    try:
        with engine.connect() as conn:
            started = time.monotonic()
            with migration_lock(conn, "dbshift_version", timeout=seconds):
                return time.monotonic() - started
    finally:
        engine.dispose()


# -- 1. eight processes at once ---------------------------------------------------------------------


def counter_project(root: Path, url: str) -> tuple[ScratchProject, list[str]]:
    """20 revisions, each inserting its id into ``counter`` (the first creates it); every
    fourth also creates a small table, so that a run takes a little while."""
    project = ScratchProject(root, url=url)
    revs = [f"c{n:02d}" for n in range(1, REVISIONS + 1)]
    for n, rev in enumerate(revs, start=1):
        up, down = [], [f"op.execute(\"DELETE FROM counter WHERE revision = '{rev}'\")"]
        if n == 1:
            up.append(
                "op.create_table('counter', sa.Column('id', sa.Integer, primary_key=True),"
                " sa.Column('revision', sa.String(32), nullable=False))"
            )
            down = ["op.drop_table('counter')"]
        if n % 4 == 0:
            up.append(f"op.create_table('extra_{n:02d}', sa.Column('id', sa.Integer, primary_key=True))")
            down.insert(0, f"op.drop_table('extra_{n:02d}')")
        up.append(f"op.execute(\"INSERT INTO counter (revision) VALUES ('{rev}')\")")
        project.add_revision(rev, revs[n - 2] if n > 1 else None, upgrade="\n".join(up), downgrade="\n".join(down))
    return project, revs


def counter_rows(database: Database) -> list[str]:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(sa.text("SELECT revision FROM counter")).scalars())
    finally:
        engine.dispose()


@dataclass
class Round:
    database: Database
    project: ScratchProject
    revs: list[str]
    children: list[Child]


def test_concurrent_upgrades_migrate_once(
    backend: str, database_factory: DatabaseFactory, children: Children, tmp_path: Path
) -> None:
    began = time.monotonic()
    waited = 0
    run_times: list[float] = []

    def prepare(number: int) -> Round:
        database = database_factory.new()
        project, revs = counter_project(tmp_path / f"round{number}", database.url)
        return Round(
            database,
            project,
            revs,
            [children.new(project, ["upgrade", "head"], f"r{number}p{i}") for i in range(PROCESSES)],
        )

    upcoming = prepare(0)
    for number in range(ROUNDS):
        now = upcoming
        released = start_together(now.children)
        if number + 1 < ROUNDS:  # its interpreters start up (and wait) while this round runs
            upcoming = prepare(number + 1)
        codes = [child.wait() for child in now.children]
        run_times.append(time.monotonic() - released)
        shown = f"round {number} on {backend}\n{describe_all(now.children)}"
        assert codes == [0] * PROCESSES, shown
        assert not any("Traceback" in child.stdout + child.stderr for child in now.children), shown
        migrated = [child for child in now.children if f"[{REVISIONS}/{REVISIONS}]" in child.stdout]
        assert len(migrated) == 1, f"expected exactly one process to migrate\n{shown}"
        (winner,) = migrated
        for rev in now.revs:  # started and finished once each
            assert winner.stdout.count(f"-> {rev}:") == 2, f"{rev} not run once\n{shown}"
        for child in now.children:
            if child is not winner:
                assert f"Nothing to do: the database is at {now.revs[-1]}" in child.stdout, shown
                assert "Upgrading" not in child.stdout, shown
        waited += sum("waiting for the migration lock" in child.stdout for child in now.children)
        assert counter_rows(now.database) == now.revs, shown
        assert versions(now.database) == [now.revs[-1]], shown
        entries = log_entries(now.project)
        assert sorted((e["direction"], e["revision"], e["outcome"]) for e in entries) == [
            ("upgrade", rev, "success") for rev in now.revs
        ], f"{json.dumps(entries, indent=1)}\n{shown}"
        expected = {f"extra_{n:02d}" for n in range(4, REVISIONS + 1, 4)} | {"counter", *DBSHIFT_TABLES}
        assert now.database.tables(with_log=True) == expected, shown
    print(
        f"\n[{backend}] {ROUNDS} rounds x {PROCESSES} processes: one migrated {REVISIONS} revisions each round, "
        f"{waited} of {ROUNDS * PROCESSES} waited for the lock; from the start signal to the last exit "
        f"{', '.join(f'{t:.2f}' for t in run_times)} s; {time.monotonic() - began:.1f} s in all"
    )


# -- 2. SIGKILL at random moments -------------------------------------------------------------------


def table_project(root: Path, url: str) -> tuple[ScratchProject, list[str]]:
    """20 revisions: ``k<n>`` creates ``t_<n>``, inserts one row naming itself, then indexes it
    (on MariaDB that CREATE INDEX commits the row: a step cut short there has its row in, and a
    resume must not insert it again)."""
    project = ScratchProject(root, url=url)
    revs = [f"k{n:02d}" for n in range(1, REVISIONS + 1)]
    for n, rev in enumerate(revs, start=1):
        table = f"t_{n:02d}"
        up = (
            f"op.create_table({table!r}, sa.Column('id', sa.Integer, primary_key=True),"
            f" sa.Column('revision', sa.String(32), nullable=False))\n"
            f"op.execute(\"INSERT INTO {table} (revision) VALUES ('{rev}')\")\n"
            f"op.create_index('ix_{table}', {table!r}, ['revision'])"
        )
        project.add_revision(rev, revs[n - 2] if n > 1 else None, upgrade=up, downgrade=f"op.drop_table({table!r})")
    return project, revs


@dataclass
class Schema:
    """What the database holds: the version rows, tables, and each ``t_<n>``'s rows."""

    versions: list[str]
    tables: set[str]
    rows: dict[str, list[str]]

    @classmethod
    def read(cls, database: Database) -> Schema:
        engine = database.engine()
        try:
            with engine.connect() as conn:
                tables = set(sa.inspect(conn).get_table_names())
                rows = {
                    name: sorted(conn.execute(sa.text(f"SELECT revision FROM {name}")).scalars())
                    for name in sorted(tables)
                    if name.startswith("t_")
                }
                heads = (
                    sorted(conn.execute(sa.text("SELECT version_num FROM dbshift_version")).scalars())
                    if "dbshift_version" in tables
                    else []
                )
        finally:
            engine.dispose()
        return cls(heads, tables - DBSHIFT_TABLES, rows)


def table_of(rev: str) -> str:
    return f"t_{rev[1:]}"


def indexes(database: Database, table: str) -> set[str]:
    engine = database.engine()
    try:
        return {str(ix["name"]) for ix in sa.inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


def check_matches_version(schema: Schema, revs: list[str], entry: dict[str, object] | None, shown: str) -> int:
    """The schema is what the version table says, but for the table of the step the log shows
    half done (``entry``), whose row is there if and only if the log lists its INSERT as done;
    the level (revisions applied)."""
    half_done = str(entry["revision"]) if entry is not None else None
    statements = entry["statements"] if entry is not None else None
    done = [str(line) for line in statements] if isinstance(statements, list) else []
    assert len(schema.versions) <= 1, shown
    level = revs.index(schema.versions[0]) + 1 if schema.versions else 0
    if half_done is not None:
        assert half_done == revs[level], f"the half-done step is not the one after the version table\n{shown}"
    for number, rev in enumerate(revs, start=1):
        table = table_of(rev)
        if number <= level:
            assert schema.rows.get(table) == [rev], f"{table} should hold one row {rev!r}\n{shown}"
        elif rev == half_done:
            # Its CREATE TABLE may have committed (implicitly), and its row with the CREATE INDEX.
            inserted = any(line.startswith(f"INSERT INTO {table} ") for line in done)
            expected = [rev] if inserted else []
            assert schema.rows.get(table, []) == expected, f"{table} of the half-done step: rows != {expected}\n{shown}"
        else:
            assert table not in schema.tables, f"{table} exists above the version table's {level}\n{shown}"
    assert schema.tables <= {table_of(rev) for rev in revs}, shown
    return level


@dataclass
class Tally:
    kills: int = 0
    finished_first: int = 0
    levels: list[int] = field(default_factory=list)
    half_done: int = 0
    resumed: int = 0
    chained: int = 0
    resumed_killed: int = 0
    resolved: dict[str, int] = field(default_factory=dict)
    lock_waits: list[float] = field(default_factory=list)
    settle_waits: list[float] = field(default_factory=list)


def play_operator(project: ScratchProject, database: Database, entry: dict[str, object], shown: str) -> str:
    """What an operator does with a step stopped mid-statement: see whether the statement took
    effect and say so with ``dbshift resolve``; the flag used."""
    pending = str(entry["pending_statement"])
    table = re.match(r"CREATE TABLE (\w+) ", pending)
    index = re.match(r"CREATE INDEX (\w+) ON (\w+) ", pending)
    if table:
        ran = table[1] in database.tables()
    else:
        assert index, f"unexpected pending statement {pending!r}\n{shown}"
        ran = index[1] in indexes(database, index[2])
    how = "--pending-ran" if ran else "--pending-not-run"
    resolved = project.run("resolve", str(entry["revision"]), how)
    assert resolved.returncode == 0, f"resolve {how}: {resolved.stdout}{resolved.stderr}\n{shown}"
    return how


def test_killed_upgrades_leave_a_consistent_database(
    backend: str, database_factory: DatabaseFactory, children: Children, tmp_path: Path
) -> None:
    began = time.monotonic()
    rng = random.Random(f"{SEED}-{backend}")
    transactional = features_for(backend).transactional_ddl

    # One clean run, on a database of its own, to scale the delays.
    clean = database_factory.new()
    project, revs = table_project(tmp_path / "proj", clean.url)
    probe = children.new(project, ["upgrade", "head"], "clean")
    released = start_together([probe])
    code = probe.wait()
    duration = time.monotonic() - released
    assert code == 0, probe.describe()

    database = database_factory.new()
    project.write_config(url=database.url, lock_timeout=LOCK_TIMEOUT)
    tally = Tally()
    upcoming = children.new(project, ["upgrade", "head"], "kill0")
    left = REVISIONS  # revisions the next killed run has to apply: all from base, fewer after a kill
    for kill in range(KILLS):
        from_base = left == REVISIONS
        # A run from halfway is shorter, but for what every run does (start, connect, lock, read).
        delay = rng.uniform(0, duration * (0.25 + 0.75 * left / REVISIONS))
        child = upcoming
        released = start_together([child])
        time.sleep(delay)
        if child.returncode is None:
            child.kill()
        code = child.wait()
        took = time.monotonic() - released
        if kill + 1 < KILLS:  # its interpreter starts up (and waits) during the checks
            upcoming = children.new(project, ["upgrade", "head"], f"kill{kill + 1}")
        start = "base" if from_base else "where the last kill left it"
        shown = (
            f"kill {kill} after {delay:.3f} s (delays up to {duration:.3f} s), from {start}, on {backend}\n"
            f"{child.describe()}"
        )
        if code == 0:
            tally.finished_first += 1
            if from_base:
                duration = min(duration, took)  # the clean run was slowed down (a busy machine): aim earlier
        else:
            assert code == -9, shown
            tally.kills += 1
        tally.resumed_killed += code == -9 and "Resuming" in child.stdout

        # (a) the lock died with the process.
        try:
            tally.lock_waits.append(lock_free_within(database, LOCK_TIMEOUT))
        except LockError as exc:
            raise AssertionError(f"the lock outlived the killed process: {exc}\n{shown}") from None
        tally.settle_waits.append(settle(database))

        # (b) the version table says what the schema is.
        entries = log_entries(project)
        half = outstanding(entries)
        shown += f"\nlog:\n{json.dumps(entries[:5], indent=1)}"
        if transactional:
            assert not half and {e["outcome"] for e in entries} <= {"success"}, shown
        assert len(half) <= 1, shown
        entry = half[0] if half else None
        schema = Schema.read(database)
        shown += f"\nschema: {schema}"
        level = check_matches_version(schema, revs, entry, shown)
        tally.levels.append(level)
        tally.half_done += entry is not None

        # Now and then the next run is killed too, from wherever this one stopped (a half-done
        # step: while resuming it, once the operator has said whether its pending statement ran).
        if code == -9 and level < REVISIONS and kill + 1 < KILLS and rng.random() < CHAIN:
            if entry is not None and entry["pending_statement"]:
                how = play_operator(project, database, entry, shown)
                tally.resolved[how] = tally.resolved.get(how, 0) + 1
            left = REVISIONS - level
            tally.chained += 1
            continue

        # The next run resumes, or refuses naming the revision; then the operator resolves.
        nxt = project.run("upgrade", "head")
        shown += f"\nnext upgrade head -> exit {nxt.returncode}\nstdout:\n{nxt.stdout}stderr:\n{nxt.stderr}"
        assert "migration lock" not in nxt.stderr, shown
        if nxt.returncode != 0:
            assert entry is not None and entry["pending_statement"], f"a refusal without a half-done step\n{shown}"
            assert_one_line_error(nxt, f"revision {entry['revision']}", "dbshift resolve", "may or may not")
            how = play_operator(project, database, entry, shown)
            tally.resolved[how] = tally.resolved.get(how, 0) + 1
            nxt = project.run("upgrade", "head")
            shown += f"\nafter resolve {how}, upgrade head -> exit {nxt.returncode}\n{nxt.stdout}{nxt.stderr}"
            assert nxt.returncode == 0, shown
        elif entry is not None:
            assert "Resuming" in nxt.stdout, shown
            tally.resumed += 1
        assert "Traceback" not in nxt.stdout + nxt.stderr, shown

        # At the head, every table once, every row once, nothing outstanding.
        final = Schema.read(database)
        assert final.versions == [revs[-1]], f"{shown}\nfinal: {final}"
        assert final.rows == {table_of(rev): [rev] for rev in revs}, f"{shown}\nfinal: {final}"
        for rev in revs:
            assert indexes(database, table_of(rev)) == {f"ix_{table_of(rev)}"}, f"{shown}\nfinal: {final}"
        assert not unsettled_steps(database), shown

        # Back to base on the same database for the next kill.
        down = project.run("downgrade", "base")
        assert down.returncode == 0, f"{shown}\ndowngrade base: {down.stdout}{down.stderr}"
        assert Schema.read(database).tables == set(), shown
        left = REVISIONS
    print(
        f"\n[{backend}] delays up to {duration:.2f} s; {KILLS} runs: {tally.kills} killed ({tally.chained} of them "
        f"followed by another killed run, {tally.resumed_killed} while resuming), {tally.finished_first} finished "
        f"before the kill; version at the kill (revisions applied: runs) {dict(sorted(Counter(tally.levels).items()))}; "
        f"half done {tally.half_done}, resumed {tally.resumed}, resolved {tally.resolved}; lock taken within "
        f"{max(tally.lock_waits):.2f} s, server settled within {max(tally.settle_waits):.2f} s; "
        f"{time.monotonic() - began:.1f} s"
    )


# -- kills at chosen moments (regressions) ----------------------------------------------------------

SELF_KILL = """
import os, signal
from pathlib import Path
marker = Path(__file__).with_name("kill.marker")
"""

KILLED_AS_THE_STEP_STARTS = """
import os, signal
from pathlib import Path
from dbshift.commands.migrate import upgrade
from dbshift.config import load_config
from dbshift.runtime.progress import Progress

class KilledAsTheStepStarts(Progress):
    def step_started(self, step, number, total):
        super().step_started(step, number, total)
        os.kill(os.getpid(), signal.SIGKILL)

upgrade(load_config(Path("dbshift.toml"), cwd=Path.cwd(), environ={}), "head", progress=KilledAsTheStepStarts())
"""
"""``upgrade head`` through the library, SIGKILLed once it has planned and taken over the log,
just before the first step's own work: the moment between a resume's bookkeeping and its step."""


def test_a_resume_killed_as_its_step_starts_leaves_the_step_resumable(
    tmp_path: Path, database: Database, backend: str
) -> None:
    """A resume marked the old row resumed and committed that before writing its own running
    row; killed in between, the log showed nothing half done and the next run started the step
    afresh (CREATE TABLE a2: already exists). Both are now written in one commit."""
    if features_for(backend).transactional_ddl:
        pytest.skip("only a backend whose DDL commits implicitly leaves a step half done")
    project = ScratchProject(tmp_path / "proj", url=database.url)
    project.add_table_revision("r1", None, "t1")
    body = "\n".join(
        [
            "op.create_table('a2', sa.Column('id', sa.Integer, primary_key=True))",
            "if marker.exists():",
            "    marker.unlink()",
            "    os.kill(os.getpid(), signal.SIGKILL)",
            "op.execute('INSERT INTO a2 (id) VALUES (1)')",
            "op.create_table('b2', sa.Column('id', sa.Integer, primary_key=True))",
        ]
    )
    project.add_revision("r2", "r1", upgrade=body, header=SELF_KILL)
    (project.versions / "kill.marker").write_text("")
    assert project.run("upgrade", "head").returncode == -9  # r2 half done: a2 created
    resume = subprocess.run(
        [sys.executable, "-c", KILLED_AS_THE_STEP_STARTS],
        check=False,
        cwd=project.root,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
    )
    shown = f"exit {resume.returncode}\nstdout:\n{resume.stdout}stderr:\n{resume.stderr}"
    assert resume.returncode == -9 and "Resuming the upgrade of revision r2" in resume.stdout, shown
    # The killed resume must leave r2 as half done as it found it...
    half = outstanding(log_entries(project))
    assert [(e["revision"], len(e["statements"])) for e in half] == [("r2", 1)], f"{half}\n{shown}"  # type: ignore[arg-type]
    # ... so that the next run resumes it again, rather than running CREATE TABLE a2 a second time.
    resumed = project.run("upgrade", "head")
    assert resumed.returncode == 0 and "Resuming" in resumed.stdout, f"{resumed.stdout}{resumed.stderr}"
    assert versions(database) == ["r2"]
    engine = database.engine()
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM a2")).scalar() == 1
    finally:
        engine.dispose()
    assert {"a2", "b2"} <= database.tables()
