"""What upgrade and downgrade show while they run: plain lines, ``-v`` statements, the live
terminal line and ``--json``, on every backend.

History (``aaa111`` is the base)::

    aaa111 -> bbb222 -> ccc333

each creating a table; :func:`failing` replaces ``ccc333`` by a revision whose second
statement the database refuses.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dbshift.cli.progress import REWRITE, JsonProgress, LiveProgress, choose, is_live_terminal
from dbshift.commands import migrate
from dbshift.config import Config, load_config
from dbshift.dialects.features import features_for
from dbshift.runtime.progress import Progress, Recorder
from tests.backend.test_lock import holder
from tests.cli_helpers import ScratchProject, assert_one_line_error
from tests.conftest import Database
from tests.run_output import parse_runs

ROOT = Path(__file__).resolve().parents[2]
"""The checkout under test: a fresh interpreter must import this dbshift, not an installed one."""
HISTORY = ("aaa111", "bbb222", "ccc333")
STEP_KEYS = {"revision", "direction", "from", "to", "message", "duration_ms", "outcome"}
REFUSED = "INSERT INTO no_such_table (id) VALUES (1)"


@pytest.fixture
def project(database: Database, tmp_path: Path) -> ScratchProject:
    p = ScratchProject(tmp_path / "project", database.url)
    down = None
    for rev in HISTORY:
        p.add_table_revision(rev, down, f"t_{rev}")
        down = rev
    return p


def failing(project: ScratchProject) -> Path:
    """``ccc333`` creates a table, then runs a statement the database refuses."""
    (project.versions / "ccc333_create_t_ccc333.py").unlink()
    return project.add_revision(
        "ccc333",
        "bbb222",
        upgrade=f"""
            op.create_table("made_first", sa.Column("id", sa.Integer, primary_key=True))
            op.execute("{REFUSED}")
        """,
        message="refused insert",
    )


def transactional(database: Database) -> bool:
    return features_for(sa.engine.make_url(database.url).get_backend_name()).transactional_ddl


def version_rows(database: Database) -> list[str]:
    engine = database.engine()
    try:
        if not sa.inspect(engine).has_table("dbshift_version"):
            return []  # rolled back with the run that created it
        with engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(sa.text("SELECT version_num FROM dbshift_version")))
    finally:
        engine.dispose()


def config_of(project: ScratchProject) -> Config:
    return load_config(project.config_path, cwd=project.root, environ={})


def document(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one JSON document ``--json`` prints on stdout (nothing else may be there)."""
    parsed = json.loads(result.stdout)
    assert isinstance(parsed, dict)
    assert set(parsed) == {"command", "outcome", "from", "to", "steps", "error"}
    for step in parsed["steps"]:
        assert set(step) == STEP_KEYS
    return parsed


# --------------------------------------------------------------------------- plain lines


def test_each_revision_prints_a_start_line_then_an_end_line(project: ScratchProject) -> None:
    result = project.run("upgrade")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "[1/3] Upgrading base -> aaa111: create t_aaa111 ...",
        lines[1],  # the same revision's end line, before the next start line
    ]
    (run,) = parse_runs(lines)  # every start line before its end line, counted [n/3], then the summary
    assert [(s.source, s.destination, s.message) for s in run.steps] == [
        ("base", "aaa111", "create t_aaa111"),
        ("aaa111", "bbb222", "create t_bbb222"),
        ("bbb222", "ccc333", "create t_ccc333"),
    ]
    assert all(step.ms is not None and not step.statements for step in run.steps)
    assert run.at == "ccc333"
    assert re.fullmatch(r"Upgraded to ccc333: 3 revisions in \d+ ms", lines[-1])

    result = project.run("downgrade", "aaa111")
    (run,) = parse_runs(result.stdout.splitlines())
    assert [(s.verb, s.source, s.destination) for s in run.steps] == [
        ("Downgrading", "ccc333", "bbb222"),
        ("Downgrading", "bbb222", "aaa111"),
    ]
    assert result.stdout.splitlines()[-1].startswith("Downgraded to aaa111: 2 revisions in ")
    result = project.run("downgrade", "base")
    assert re.fullmatch(r"Downgraded to base: 1 revision in \d+ ms", result.stdout.splitlines()[-1])

    assert project.run("downgrade", "base").stdout == "Nothing to do: the database is at base\n"


def test_verbose_prints_each_statement_inside_its_revision(project: ScratchProject) -> None:
    result = project.run("upgrade", "-v", "bbb222")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("    CREATE TABLE t_aaa111 (")
    (run,) = parse_runs(lines)
    for step in run.steps:
        assert step.statements[0].startswith(f"CREATE TABLE t_{step.destination} (")
    result = project.run("downgrade", "--verbose", "base")
    (run,) = parse_runs(result.stdout.splitlines())
    assert [step.statements[0] for step in run.steps] == ["DROP TABLE t_bbb222", "DROP TABLE t_aaa111"]


@pytest.mark.parametrize("verbose", [False, True], ids=["plain", "verbose"])
def test_a_failing_revision_is_shown_failed_and_its_error_names_the_statement(
    project: ScratchProject, verbose: bool
) -> None:
    path = failing(project)
    result = project.run("upgrade", *(["-v"] if verbose else []))
    line = assert_one_line_error(result, f"revision ccc333 ({path.relative_to(project.root)})")
    assert f"failed at statement: {REFUSED}: " in line
    lines = result.stdout.splitlines()
    assert lines[-1] == "[3/3] Upgrading bbb222 -> ccc333: refused insert failed"
    (run,) = parse_runs(lines)
    assert run.at is None and [step.ms is None for step in run.steps] == [False, False, True]
    if verbose:  # the statement it was on is the last one shown
        assert run.steps[-1].statements[-1] == REFUSED
        assert run.steps[-1].statements[0].startswith("CREATE TABLE made_first (")
    else:
        assert not run.steps[-1].statements


def test_sql_mode_prints_only_the_script(project: ScratchProject) -> None:
    result = project.run("upgrade", "--sql", "-v")
    assert result.returncode == 0, result.stderr
    assert "[1/3]" not in result.stdout and "Upgraded" not in result.stdout
    assert result.stdout.count("-- Upgrading ") == 3


# --------------------------------------------------------------------------- --json


def test_json_success_then_nothing_to_do(project: ScratchProject) -> None:
    result = project.run("upgrade", "--json", "bbb222")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    doc = document(result)
    assert {k: v for k, v in doc.items() if k != "steps"} == {
        "command": "upgrade",
        "outcome": "success",
        "from": [],
        "to": ["bbb222"],
        "error": None,
    }
    assert [{k: v for k, v in step.items() if k != "duration_ms"} for step in doc["steps"]] == [
        {
            "revision": "aaa111",
            "direction": "upgrade",
            "from": [],
            "to": ["aaa111"],
            "message": "create t_aaa111",
            "outcome": "success",
        },
        {
            "revision": "bbb222",
            "direction": "upgrade",
            "from": ["aaa111"],
            "to": ["bbb222"],
            "message": "create t_bbb222",
            "outcome": "success",
        },
    ]
    assert all(isinstance(step["duration_ms"], float) and step["duration_ms"] >= 0 for step in doc["steps"])

    doc = document(project.run("upgrade", "--json", "bbb222"))
    assert doc == {
        "command": "upgrade",
        "outcome": "nothing_to_do",
        "from": ["bbb222"],
        "to": ["bbb222"],
        "steps": [],
        "error": None,
    }

    result = project.run("downgrade", "--json", "-v", "base")  # -v: the statements go to stderr
    doc = document(result)
    assert (doc["command"], doc["outcome"], doc["from"], doc["to"]) == ("downgrade", "success", ["bbb222"], [])
    assert [(s["revision"], s["direction"], s["from"], s["to"]) for s in doc["steps"]] == [
        ("bbb222", "downgrade", ["bbb222"], ["aaa111"]),
        ("aaa111", "downgrade", ["aaa111"], []),
    ]
    assert result.stderr.splitlines() == ["    DROP TABLE t_bbb222", "    DROP TABLE t_aaa111"]


@pytest.mark.parametrize("per_migration", [True, False], ids=["per-revision", "one-transaction"])
def test_json_failure(database: Database, project: ScratchProject, per_migration: bool) -> None:
    """The document is printed on failure too; ``to`` is where the database really stands."""
    project.write_config(url=database.url, transaction_per_migration=per_migration)
    failing(project)
    result = project.run("upgrade", "--json")
    line = assert_one_line_error(result, f"failed at statement: {REFUSED}")
    doc = document(result)
    assert (doc["command"], doc["outcome"], doc["error"]) == ("upgrade", "failed", line.removeprefix("error: "))
    assert [(s["revision"], s["outcome"]) for s in doc["steps"]] == [
        ("aaa111", "success"),
        ("bbb222", "success"),
        ("ccc333", "failed"),
    ]
    assert isinstance(doc["steps"][-1]["duration_ms"], float)
    rolled_back_whole_run = transactional(database) and not per_migration
    assert doc["from"] == []
    assert doc["to"] == ([] if rolled_back_whole_run else ["bbb222"]) == version_rows(database)


def test_json_failure_before_any_revision(project: ScratchProject) -> None:
    project.upgrade_in_process("aaa111")
    result = project.run("upgrade", "--json", "zzz999")
    line = assert_one_line_error(result, "zzz999")
    assert document(result) == {
        "command": "upgrade",
        "outcome": "failed",
        "from": None,  # the target was refused before the database was read
        "to": None,
        "steps": [],
        "error": line.removeprefix("error: "),
    }
    project.add_revision("ddd444", "nope00", message="orphan")
    result = project.run("upgrade", "--json")
    line = assert_one_line_error(result, "nope00")
    doc = document(result)
    assert (doc["outcome"], doc["from"], doc["to"], doc["error"]) == (
        "failed",
        None,  # the history was refused before the database was read
        None,
        line.removeprefix("error: "),
    )


def test_json_with_sql_is_a_usage_error(tmp_path: Path) -> None:
    project = ScratchProject(tmp_path, "sqlite:////nonexistent-dbshift-dir/never.sqlite")
    project.add_table_revision("aaa111", None, "t")
    for command in (["upgrade", "--json", "--sql"], ["downgrade", "--sql", "--json", "aaa111:base"]):
        result = project.run(*command)
        assert result.returncode == 2 and result.stdout == ""
        assert_one_line_error(result, "--json cannot be combined with --sql", code=2)


def test_json_sends_the_lock_wait_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    progress = JsonProgress("upgrade")
    progress.waiting_for_lock("pid 42 on build-7")
    progress.note("Resuming the upgrade of revision aaa111")
    progress.print_document()
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "waiting for the migration lock held by pid 42 on build-7 ...",
        "Resuming the upgrade of revision aaa111",
    ]
    assert json.loads(out)["outcome"] == "success"


# --------------------------------------------------------------------------- --lock-timeout


def test_lock_timeout_option(project: ScratchProject) -> None:
    assert project.run("upgrade", "--lock-timeout", "2.5", "aaa111").returncode == 0
    assert project.run("downgrade", "--lock-timeout", "0", "base").returncode == 0
    done = project.run("stamp", "--lock-timeout", "1", "bbb222")
    assert done.returncode == 0 and done.stdout == "Stamped the database at bbb222\n"
    refused = project.run("upgrade", "--lock-timeout", "-1")
    assert refused.returncode == 2 and "--lock-timeout" in refused.stderr
    assert "--lock-timeout SECONDS" in project.run("upgrade", "--help").stdout


def test_lock_timeout_gives_up_on_a_held_lock(database: Database, project: ScratchProject) -> None:
    """Another process holds the migration lock: the wait is announced once (stdout, or stderr
    with --json, whose stdout stays one document), then the run gives up after the timeout."""
    project.upgrade_in_process("aaa111")
    with holder(database.url, "dbshift_version", 60):
        plain = project.run("upgrade", "--lock-timeout", "0.2")
        as_json = project.run("upgrade", "--json", "--lock-timeout", "0.2")
    gave_up = "error: gave up after 0.2 s waiting for the migration lock on dbshift_version, held by "
    assert plain.returncode != 0 and plain.stderr.startswith(gave_up), plain.stderr
    assert len(plain.stderr.splitlines()) == 1
    assert re.fullmatch(r"waiting for the migration lock held by .+ \.\.\.\n", plain.stdout), plain.stdout
    assert as_json.returncode != 0
    waiting, error = as_json.stderr.splitlines()
    assert waiting.startswith("waiting for the migration lock held by ") and error.startswith(gave_up)
    assert document(as_json) == {
        "command": "upgrade",
        "outcome": "failed",
        "from": ["aaa111"],
        "to": ["aaa111"],
        "steps": [],
        "error": error.removeprefix("error: "),
    }
    assert version_rows(database) == ["aaa111"]


# --------------------------------------------------------------------------- terminal


class Terminal(io.StringIO):
    """What the CLI writes to when stdout is a terminal (a stream that says it is a tty)."""

    def isatty(self) -> bool:
        return True


def end(n: int, rev: str, down: str) -> str:
    return rf"\[{n}/3\] Upgrading {down} -> {rev}: create t_{rev} \(\d+ ms\)\n"


def start(n: int, rev: str, down: str) -> str:
    return rf"\[{n}/3\] Upgrading {down} -> {rev}: create t_{rev} \.\.\."


R = re.escape(REWRITE)


def test_terminal_rewrites_each_start_line_with_its_end_line(
    project: ScratchProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    screen = Terminal()
    migrate.upgrade(config_of(project), progress=LiveProgress(screen))
    expected = "".join(
        start(n, rev, down) + R + end(n, rev, down)
        for n, rev, down in ((1, "aaa111", "base"), (2, "bbb222", "aaa111"), (3, "ccc333", "bbb222"))
    )
    assert re.fullmatch(expected + r"Upgraded to ccc333: 3 revisions in \d+ ms\n", screen.getvalue()), screen.getvalue()
    # What stays on screen: one line per revision.
    shown = [line.rpartition(REWRITE)[2] for line in screen.getvalue().split("\n")]
    assert [line.rpartition(" (")[0] for line in shown[:3]] == [
        "[1/3] Upgrading base -> aaa111: create t_aaa111",
        "[2/3] Upgrading aaa111 -> bbb222: create t_bbb222",
        "[3/3] Upgrading bbb222 -> ccc333: create t_ccc333",
    ]


def test_terminal_with_statements_and_failure(project: ScratchProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Statements get lines of their own: the start line is ended, and the end line follows
    them instead of rewriting it; a failure ends the live line before the error is printed."""
    monkeypatch.setenv("COLUMNS", "200")
    failing(project)
    project.upgrade_in_process("aaa111")
    screen = Terminal()
    with pytest.raises(Exception, match="failed at statement"):
        migrate.upgrade(config_of(project), progress=LiveProgress(screen, verbose=True))
    text = screen.getvalue()
    assert re.fullmatch(
        r"\[1/2\] Upgrading aaa111 -> bbb222: create t_bbb222 \.\.\.\n"
        r"    CREATE TABLE t_bbb222 \([^\n]*\)\n"
        r"\[1/2\] Upgrading aaa111 -> bbb222: create t_bbb222 \(\d+ ms\)\n"
        r"\[2/2\] Upgrading bbb222 -> ccc333: refused insert \.\.\.\n"
        r"    CREATE TABLE made_first \([^\n]*\)\n"
        rf"    {re.escape(REFUSED)}\n"
        r"\[2/2\] Upgrading bbb222 -> ccc333: refused insert failed\n",
        text,
    ), text


def test_terminal_failure_rewrites_the_live_line(tmp_path: Path) -> None:
    project = ScratchProject(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    project.add_revision("aaa111", upgrade='raise RuntimeError("no")', message="boom")
    screen = Terminal()
    with pytest.raises(Exception, match="RuntimeError: no"):
        migrate.upgrade(config_of(project), progress=LiveProgress(screen))
    assert (
        screen.getvalue()
        == "[1/1] Upgrading base -> aaa111: boom ..." + REWRITE + "[1/1] Upgrading base -> aaa111: boom failed\n"
    )


def test_terminal_live_line_fits_the_width(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A start line wider than the terminal would wrap, and could not be rewritten in place."""
    monkeypatch.setenv("COLUMNS", "40")
    project = ScratchProject(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    project.add_table_revision("aaa111", None, "t", message="a message much longer than the terminal is wide")
    screen = Terminal()
    migrate.upgrade(config_of(project), progress=LiveProgress(screen))
    live, rest = screen.getvalue().split(REWRITE)
    assert live == "[1/1] Upgrading base -> aaa111: a me..." and len(live) == 39
    assert rest.startswith("[1/1] Upgrading base -> aaa111: a message much longer than the terminal is wide (")


@pytest.mark.parametrize(
    "tty, environ, live",
    [
        (True, {"TERM": "xterm-256color"}, True),
        (True, {}, True),
        (True, {"TERM": "xterm", "CI": "false"}, True),
        (True, {"TERM": "xterm", "CI": "0"}, True),
        (True, {"TERM": "xterm", "CI": "true"}, False),
        (True, {"TERM": "xterm", "CI": "1"}, False),
        (True, {"TERM": "dumb"}, False),
        (False, {"TERM": "xterm"}, False),
    ],
)
def test_when_the_line_is_live(tty: bool, environ: dict[str, str], live: bool) -> None:
    stream = Terminal() if tty else io.StringIO()
    assert is_live_terminal(stream, environ) is live


def test_choose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert isinstance(choose("upgrade", verbose=False, as_json=True), JsonProgress)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    plain = choose("upgrade", verbose=True, as_json=False)
    assert type(plain) is Progress and plain.verbose
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert isinstance(choose("upgrade", verbose=False, as_json=False), LiveProgress)
    monkeypatch.setenv("CI", "true")
    assert type(choose("upgrade", verbose=False, as_json=False)) is Progress


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_the_cli_uses_the_live_line_on_a_real_terminal(tmp_path: Path) -> None:
    project = ScratchProject(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    project.add_table_revision("aaa111", None, "t")
    leader, follower = os.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "DBSHIFT_URL")}
    environ["TERM"] = "xterm"
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    environ["COLUMNS"] = "200"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dbshift", "upgrade"],
            cwd=tmp_path,
            env=environ,
            stdout=follower,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
        os.close(follower)
        follower = -1
        screen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed (Linux)
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"\[1/1\] Upgrading base -> aaa111: create t \.\.\."
        + R
        + r"\[1/1\] Upgrading base -> aaa111: create t \(\d+ ms\)\r\n"
        r"Upgraded to aaa111: 1 revision in \d+ ms\r\n",
        screen.decode(),
    ), screen


# --------------------------------------------------------------------------- library


def test_library_callers_get_the_same_record(project: ScratchProject) -> None:
    recorder = Recorder(report=lambda _line: None)
    steps = migrate.upgrade(config_of(project), "bbb222", progress=recorder)
    assert [s.revision.revision for s in steps] == ["aaa111", "bbb222"]
    record = recorder.as_dict("upgrade")
    assert (record["outcome"], record["from"], record["to"]) == ("success", [], ["bbb222"])
    lines: list[str] = []
    migrate.downgrade(config_of(project), "base", report=lines.append)
    (run,) = parse_runs(lines)
    assert run.at == "base" and len(run.steps) == 2
