"""The applied-migration log on real databases: what each run records, checksums of applied
revisions, and steps cut short (a revision that kills its own process at a known point)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.dialects.features import features_for
from dbshift.script.checksum import file_checksum
from tests.cli_helpers import ScratchProject, assert_one_line_error
from tests.conftest import Database

LOG = "dbshift_version_log"


def _ddl_commits(backend: str) -> bool:
    """Whether DDL commits implicitly there, so that a step can be left half done."""
    return not features_for(backend).transactional_ddl


HALF_DONE = "only a backend whose DDL commits implicitly leaves a step half done"


def _project(tmp_path: Path, database: Database) -> ScratchProject:
    project = ScratchProject(tmp_path / "proj", url=database.url)
    project.add_table_revision("r1", None, "t1")
    project.add_table_revision("r2", "r1", "t2")
    project.add_table_revision("r3", "r2", "t3")
    return project


def _log(project: ScratchProject) -> list[dict[str, object]]:
    result = project.run("log", "--json")
    assert result.returncode == 0, result.stderr
    entries: list[dict[str, object]] = json.loads(result.stdout)["entries"]
    return entries


def test_every_step_and_stamp_is_logged(tmp_path: Path, database: Database) -> None:
    project = _project(tmp_path, database)
    assert project.run("upgrade", "head").returncode == 0
    assert project.run("downgrade", "-1").returncode == 0
    assert project.run("stamp", "r1").returncode == 0
    entries = _log(project)
    assert [(e["direction"], e["revision"], e["outcome"]) for e in entries] == [
        ("stamp", "r1", "success"),
        ("downgrade", "r3", "success"),
        ("upgrade", "r3", "success"),
        ("upgrade", "r2", "success"),
        ("upgrade", "r1", "success"),
    ]
    first = entries[-1]
    assert first["checksum"] == file_checksum(next(project.versions.glob("r1_*.py")))
    assert (first["from_heads"], first["to_heads"]) == ("", "r1")
    assert first["pid"] and first["host"] and first["user_name"] and first["dbshift_version"]
    assert first["finished_at"] and isinstance(first["duration_ms"], int)
    assert entries[0]["from_heads"] == "r2" and entries[0]["to_heads"] == "r1"
    assert LOG in database.tables(with_log=True)


def test_log_table_can_be_renamed_or_turned_off(tmp_path: Path, database: Database) -> None:
    project = _project(tmp_path, database)
    project.write_config(url=database.url, log_table="deploy_log")
    assert project.run("upgrade", "head").returncode == 0
    assert "deploy_log" in database.tables(with_log=True) and LOG not in database.tables(with_log=True)
    project.write_config(url=database.url, log_table="")
    assert project.run("downgrade", "base").returncode == 0
    result = project.run("log")
    assert result.returncode == 0 and "turned off" in result.stdout


def test_log_and_check_are_read_only(tmp_path: Path, database: Database, backend: str) -> None:
    project = _project(tmp_path, database)
    result = project.run("log")
    assert result.returncode == 0, result.stderr
    expected = "No log: there is no database file" if backend == "sqlite" else "empty or does not exist"
    assert expected in result.stdout
    assert project.run("log", "--verify").returncode == 0
    assert LOG not in database.tables(with_log=True) and "dbshift_version" not in database.tables(with_log=True)


def test_a_failed_step_is_logged_with_its_error(tmp_path: Path, database: Database) -> None:
    project = _project(tmp_path, database)
    project.add_revision("r4", "r3", upgrade="op.execute('SELECT * FROM no_such_table')")
    result = project.run("upgrade", "head")
    assert result.returncode == 1
    entries = _log(project)
    assert (entries[0]["revision"], entries[0]["outcome"]) == ("r4", "failed")
    assert "no_such_table" in str(entries[0]["error"])
    assert [e["outcome"] for e in entries[1:]] == ["success"] * 3
    # Nothing of r4 stayed (its only statement failed), so fixing it lets the next run go on.
    project.add_revision("r4", "r3", upgrade="op.create_table('t4', sa.Column('id', sa.Integer, primary_key=True))")
    assert project.run("upgrade", "head").returncode == 0
    assert database.version_rows() == ["r4"]


def test_an_edited_applied_revision_is_refused_until_accepted(tmp_path: Path, database: Database) -> None:
    project = _project(tmp_path, database)
    project.add_table_revision("r4", "r3", "t4")
    assert project.run("upgrade", "r3").returncode == 0
    r2 = next(project.versions.glob("r2_*.py"))
    # Line endings and trailing blanks are not changes.
    r2.write_bytes(r2.read_bytes().replace(b"\n", b"   \r\n") + b"\r\n\r\n")
    assert project.run("upgrade", "head").returncode == 0
    assert project.run("downgrade", "r3").returncode == 0
    # A real edit is.
    r2.write_text(r2.read_text().replace("op.create_table", "op.execute('SELECT 1')\n    op.create_table"))
    before = database.snapshot()
    for args in (("upgrade", "head"), ("downgrade", "base")):
        result = project.run(*args)
        assert_one_line_error(result, r2.name, "revision r2", "dbshift accept r2")
    assert database.snapshot() == before
    verify = project.run("log", "--verify")
    assert verify.returncode == 1 and r2.name in verify.stdout
    project.write("models.py", "import sqlalchemy as sa\nmetadata = sa.MetaData()\n")
    project.write_config(url=database.url, target_metadata="models:metadata")
    check = project.run("check")
    assert check.returncode != 0 and r2.name in check.stdout + check.stderr
    accepted = project.run("accept", "r2")
    assert accepted.returncode == 0 and "r2" in accepted.stdout
    assert project.run("log", "--verify").returncode == 0
    assert project.run("upgrade", "head").returncode == 0
    assert database.version_rows() == ["r4"]


def test_accept_refuses_a_revision_that_is_not_applied(tmp_path: Path, database: Database) -> None:
    project = _project(tmp_path, database)
    assert project.run("upgrade", "r1").returncode == 0
    assert_one_line_error(project.run("accept", "r3"), "r3", "not applied")


KILL_AFTER = """
import os, signal
from pathlib import Path
marker = Path(__file__).with_name("kill.marker")
"""


def _killing_revision(
    project: ScratchProject, rev: str, down: str, before: list[str], after: list[str], downgrade: str = "pass"
) -> None:
    """A revision that runs ``before``, kills its own process once (while kill.marker exists), then ``after``."""
    body = "\n".join(
        [
            *before,
            "if marker.exists():",
            "    marker.unlink()",
            "    os.kill(os.getpid(), signal.SIGKILL)",
            *after,
        ]
    )
    project.add_revision(rev, down, upgrade=body, header=KILL_AFTER, downgrade=downgrade)
    (project.versions / "kill.marker").write_text("")


def _table(name: str) -> str:
    return f"op.create_table({name!r}, sa.Column('id', sa.Integer, primary_key=True))"


def test_a_killed_step_is_rerun_or_resumed(tmp_path: Path, database: Database, backend: str) -> None:
    project = _project(tmp_path, database)
    _killing_revision(project, "r4", "r3", [_table("a4"), _table("b4")], [_table("c4")])
    killed = project.run("upgrade", "head")
    assert killed.returncode == -9, killed
    assert database.version_rows() == ["r3"]
    transactional = not _ddl_commits(backend)
    tables = database.tables(with_log=True)
    if transactional:
        # Nothing of r4 stayed and nothing is outstanding: the next run simply runs it.
        assert "a4" not in tables and "b4" not in tables
        assert [e["revision"] for e in _log(project)] == ["r3", "r2", "r1"]
        rerun = project.run("upgrade", "head")
        assert rerun.returncode == 0, rerun.stderr
    else:
        assert {"a4", "b4"} <= tables and "c4" not in tables
        entry = _log(project)[0]
        assert (entry["revision"], entry["outcome"]) == ("r4", "running")
        assert len(entry["statements"]) == 2  # type: ignore[arg-type]
        # Another writing command is refused, naming the revision and the way out.
        refused = project.run("downgrade", "-1")
        assert_one_line_error(refused, "revision r4", "interrupted", "2 statements", "dbshift upgrade", "resolve r4")
        resumed = project.run("upgrade", "head")
        assert resumed.returncode == 0, resumed.stderr
        assert "Resuming" in resumed.stdout
        entries = _log(project)
        assert (entries[0]["revision"], entries[0]["outcome"]) == ("r4", "success")
        assert (entries[1]["outcome"], entries[1]["resolution"]) == ("interrupted", "resumed")
    assert {"a4", "b4", "c4"} <= database.tables(with_log=True)
    assert database.version_rows() == ["r4"]


def test_resolve_settles_a_half_done_step(tmp_path: Path, database: Database, backend: str) -> None:
    if not _ddl_commits(backend):
        pytest.skip(HALF_DONE)
    project = _project(tmp_path, database)
    drop = "op.drop_table('c4')\nop.drop_table('a4')"
    _killing_revision(project, "r4", "r3", [_table("a4")], [_table("c4")], downgrade=drop)
    assert project.run("upgrade", "head").returncode == -9
    assert_one_line_error(project.run("stamp", "r1"), "revision r4", "interrupted")
    assert_one_line_error(project.run("resolve", "r2", "--applied"), "r4")
    # The user finished it by hand.
    engine = database.engine()
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE c4 (id INTEGER PRIMARY KEY)")
    engine.dispose()
    result = project.run("resolve", "r4", "--applied")
    assert result.returncode == 0, result.stderr
    assert database.version_rows() == ["r4"]
    assert project.run("upgrade", "head").stdout.startswith("Nothing to do")
    assert project.run("log", "--verify").returncode == 0
    # rolled back: the user undid it; the next run starts it afresh
    assert project.run("downgrade", "r3").returncode == 0
    (project.versions / "kill.marker").write_text("")
    assert project.run("upgrade", "head").returncode == -9
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE a4")
    engine.dispose()
    assert project.run("resolve", "r4", "--rolled-back").returncode == 0
    assert project.run("upgrade", "head").returncode == 0
    assert database.version_rows() == ["r4"]


def test_a_step_that_failed_after_a_commit_resumes_once_fixed(tmp_path: Path, database: Database, backend: str) -> None:
    project = _project(tmp_path, database)
    project.add_revision("r4", "r3", upgrade=f"{_table('a4')}\nop.execute('SELECT * FROM no_such_table')")
    assert project.run("upgrade", "head").returncode == 1
    entry = _log(project)[0]
    assert entry["outcome"] == "failed"
    if not _ddl_commits(backend):
        assert not entry["statements"]
        assert "a4" not in database.tables(with_log=True)
        return
    # MariaDB committed the CREATE TABLE: the step is half done, and said so.
    assert len(entry["statements"]) == 1  # type: ignore[arg-type]
    assert_one_line_error(project.run("downgrade", "-1"), "revision r4", "failed", "1 statement", "dbshift upgrade")
    # Fixed: the statement that took effect is checked and skipped, the rest runs.
    project.add_revision("r4", "r3", upgrade=f"{_table('a4')}\n{_table('b4')}")
    resumed = project.run("upgrade", "head")
    assert resumed.returncode == 0, resumed.stderr
    assert {"a4", "b4"} <= database.tables(with_log=True) and database.version_rows() == ["r4"]


def test_resume_refuses_a_revision_whose_statements_changed(tmp_path: Path, database: Database, backend: str) -> None:
    if not _ddl_commits(backend):
        pytest.skip(HALF_DONE)
    project = _project(tmp_path, database)
    project.add_revision("r4", "r3", upgrade=f"{_table('a4')}\nop.execute('SELECT * FROM no_such_table')")
    assert project.run("upgrade", "head").returncode == 1
    project.add_revision("r4", "r3", upgrade=f"{_table('x4')}\n{_table('b4')}")
    assert_one_line_error(project.run("upgrade", "head"), "cannot resume", "CREATE TABLE x4")
    assert "x4" not in database.tables(with_log=True)


def test_a_statement_running_when_killed_is_named(tmp_path: Path, database: Database, backend: str) -> None:
    """A kill during a slow DDL statement on MariaDB: the log knows which statement was running."""
    if not _ddl_commits(backend):
        pytest.skip(HALF_DONE)
    import subprocess
    import sys
    import time

    project = _project(tmp_path, database)
    slow = "op.execute('CREATE TABLE slow4 AS SELECT SLEEP(2) AS s')"
    project.add_revision("r4", "r3", upgrade=f"{_table('a4')}\n{slow}\n{_table('c4')}")
    child = subprocess.Popen(
        [sys.executable, "-m", "dbshift", "upgrade", "head"],
        cwd=project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = database.engine()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if sa.inspect(conn).has_table(LOG):
                    pending = conn.execute(
                        sa.text(f"SELECT pending_statement FROM {LOG} WHERE revision = 'r4'")
                    ).scalar()
                    if pending and "slow4" in pending:
                        break
            time.sleep(0.05)
        child.kill()
        child.wait()
    finally:
        engine.dispose()
    refused = project.run("upgrade", "head")
    assert_one_line_error(refused, "revision r4", "slow4", "may or may not", "--pending-ran", "--pending-not-run")
    # The server finishes the statement on its own; once the user sees it did:
    deadline = time.monotonic() + 30
    while "slow4" not in database.tables(with_log=True) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert project.run("resolve", "r4", "--pending-ran").returncode == 0
    resumed = project.run("upgrade", "head")
    assert resumed.returncode == 0, resumed.stderr
    assert {"a4", "slow4", "c4"} <= database.tables(with_log=True) and database.version_rows() == ["r4"]


def test_a_long_step_lists_its_first_statements(tmp_path: Path, database: Database) -> None:
    from dbshift.runtime.journal import KEPT_STATEMENTS

    project = _project(tmp_path, database)
    inserts = "\n".join(f'op.execute("INSERT INTO t3 (id) VALUES ({i})")' for i in range(1, KEPT_STATEMENTS + 6))
    project.add_revision("r4", "r3", upgrade=inserts)
    assert project.run("upgrade", "head").returncode == 0
    statements = _log(project)[0]["statements"]
    assert isinstance(statements, list) and len(statements) == KEPT_STATEMENTS + 1
    assert statements[-1] == "... and 5 more statements"
