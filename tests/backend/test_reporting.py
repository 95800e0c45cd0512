"""Reporting and repair on a branched history, on every backend: heads, current, history,
show, stamp and merge.

    a1 -- b2 -- c3
            \\
             -- d4
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dbshift.commands import migrate, revision, status
from dbshift.config import Config, load_config
from dbshift.errors import TargetError
from dbshift.util import mask_url
from tests.cli_helpers import ScratchProject
from tests.conftest import Database


def _quiet(_line: str) -> None:
    pass


@pytest.fixture
def branched(database: Database, tmp_path: Path) -> tuple[ScratchProject, Config]:
    project = ScratchProject(tmp_path / "project", database.url)
    project.add_table_revision("a1", None, "t_a")
    project.add_table_revision("b2", "a1", "t_b")
    project.add_table_revision("c3", "b2", "t_c")
    project.add_table_revision("d4", "b2", "t_d")
    return project, load_config(project.config_path, cwd=project.root, environ={})


def test_heads_current_history_show_on_a_branch(database: Database, branched: tuple[ScratchProject, Config]) -> None:
    _project, config = branched
    assert [line.split()[0] for line in status.heads(config)] == ["c3", "d4"]

    with pytest.raises(TargetError, match="multiple heads .*'heads'.*merge"):
        migrate.upgrade(config, "head", report=_quiet)
    assert "dbshift_version" not in database.tables()  # refused before anything was written

    migrate.upgrade(config, "heads", report=_quiet)
    assert database.version_rows() == ["c3", "d4"]
    current = status.current(config)
    assert current.heads == ("c3", "d4")
    assert all("(head)" in line for line in current.lines)

    history = status.history(config)
    # Alembic's order: the first-listed head's line first.
    assert [line.split(" -> ")[1].split()[0].rstrip(",") for line in history] == ["c3", "d4", "b2", "a1"]
    assert "(head) (current)" in history[0] and "(head) (current)" in history[1]
    assert history[-1].startswith("<base> -> a1")
    assert [line.split(" -> ")[1].split()[0].rstrip(",") for line in status.history(config, "a1:b2")] == ["b2", "a1"]
    assert len(status.history(config, "b2:")) == 3
    assert len(status.history(config, ":b2")) == 2
    assert len(status.history(config, "current:")) == 2

    shown = status.show(config, "b2")
    assert "Rev: b2 (branchpoint)" in shown and "Parent: a1" in shown and "Branches into: c3, d4" in shown


def test_merge_joins_heads_and_upgrades_to_one_row(database: Database, branched: tuple[ScratchProject, Config]) -> None:
    project, config = branched
    migrate.upgrade(config, "heads", report=_quiet)
    result = revision.merge(config, [], "join branches", rev_id="e5", report=_quiet)
    assert result.path is not None and 'down_revision = ("c3", "d4")' in result.path.read_text()
    config = load_config(project.config_path, cwd=project.root, environ={})
    assert [line.split()[0] for line in status.heads(config)] == ["e5"]
    migrate.upgrade(config, "head", report=_quiet)
    assert database.version_rows() == ["e5"]
    migrate.downgrade(config, "-1", report=_quiet)
    assert database.version_rows() == ["c3", "d4"]


def test_stamp_writes_only_the_version_table(database: Database, branched: tuple[ScratchProject, Config]) -> None:
    _project, config = branched
    assert migrate.stamp(config, "c3") == ("c3",)
    assert database.version_rows() == ["c3"]
    assert database.tables() == {"dbshift_version"}  # no migration ran
    migrate.stamp(config, "heads")
    assert database.version_rows() == ["c3", "d4"]
    migrate.stamp(config, "base")
    assert database.version_rows() == []
    before = database.snapshot()
    out = io.StringIO()
    migrate.stamp(config, "a1", sql=True, output=out)
    assert "INSERT INTO dbshift_version" in out.getvalue() and "'a1'" in out.getvalue()
    assert database.snapshot() == before


def test_current_is_read_only(database: Database, branched: tuple[ScratchProject, Config]) -> None:
    _project, config = branched
    result = status.current(config)
    assert not result.under_version_control
    assert "not under version control" in result.lines[0]
    assert database.tables() == set()


def test_revision_with_rev_id_and_head(database: Database, branched: tuple[ScratchProject, Config]) -> None:
    """`--rev-id` names the file and revision; `--head` picks the parent, `base` starts a branch."""
    project, config = branched
    with pytest.raises(TargetError, match="multiple heads"):
        revision.revision(config, "needs a head", report=_quiet)
    on_c3 = revision.revision(config, "after c3", rev_id="f6", head="c3", report=_quiet)
    assert on_c3.path is not None and on_c3.path.name == "f6_after_c3.py"
    assert 'down_revision = "c3"' in on_c3.path.read_text()
    fresh = revision.revision(config, "new branch", head="base", report=_quiet)
    assert fresh.revision is not None and len(fresh.revision) == 12
    assert "down_revision = None" in fresh.path.read_text()  # type: ignore[union-attr]
    config = load_config(project.config_path, cwd=project.root, environ={})
    assert sorted(line.split()[0] for line in status.heads(config)) == sorted(["d4", "f6", fresh.revision])
    from dbshift.errors import ScriptError

    with pytest.raises(ScriptError, match="already exists"):
        revision.revision(config, "again", rev_id="f6", head="f6", report=_quiet)
    assert database.tables() == set()  # writing revisions never touches the database


# --------------------------------------------------------------------------- --json


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def test_current_json(database: Database, branched: tuple[ScratchProject, Config]) -> None:
    project, config = branched
    fresh = project.run("current", "--json")
    assert fresh.returncode == 0, fresh.stderr
    assert _json(fresh) == {
        "database": mask_url(database.url),
        "under_version_control": False,
        "heads": [],
        "revisions": [],
        "problem": None,
    }
    migrate.upgrade(config, "c3", report=_quiet)
    at_c3 = project.run("current", "--json")
    assert at_c3.returncode == 0 and at_c3.stderr == ""
    assert _json(at_c3) == {
        "database": mask_url(database.url),
        "under_version_control": True,
        "heads": ["c3"],
        "revisions": [{"revision": "c3", "message": "create t_c", "is_head": True, "in_folder": True}],
        "problem": None,
    }
    migrate.downgrade(config, "b2", report=_quiet)
    assert _json(project.run("current", "--json", "-v"))["revisions"] == [
        {"revision": "b2", "message": "create t_b", "is_head": False, "in_folder": True}
    ]


def test_current_json_with_a_problem_keeps_the_exit_code_and_the_error(
    database: Database, branched: tuple[ScratchProject, Config]
) -> None:
    project, config = branched
    migrate.upgrade(config, "heads", report=_quiet)
    engine = database.engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE dbshift_version SET version_num = 'zz9' WHERE version_num = 'd4'"))
    finally:
        engine.dispose()
    result = project.run("current", "--json")
    assert result.returncode == 1
    data = _json(result)
    assert data["heads"] == ["c3", "zz9"]
    assert data["revisions"] == [
        {"revision": "c3", "message": "create t_c", "is_head": True, "in_folder": True},
        {"revision": "zz9", "message": None, "is_head": False, "in_folder": False},
    ]
    assert data["problem"].startswith("the database is at revision zz9, which is not in migrations/versions")
    assert result.stderr.splitlines() == [f"error: {data['problem']}"]


def test_current_json_on_a_missing_sqlite_file(tmp_path: Path) -> None:
    db_file = tmp_path / "project" / "app.sqlite"
    project = ScratchProject(tmp_path / "project", f"sqlite:///{db_file}")
    project.add_table_revision("a1", None, "t_a")
    result = project.run("current", "--json")
    assert result.returncode == 0, result.stderr
    assert _json(result) == {
        "database": f"sqlite:///{db_file}",
        "under_version_control": False,
        "heads": [],
        "revisions": [],
        "problem": None,
    }
    assert not db_file.exists()


def test_history_json(database: Database, branched: tuple[ScratchProject, Config]) -> None:
    project, config = branched
    migrate.upgrade(config, "c3", report=_quiet)
    text = project.run("history").stdout.splitlines()
    result = project.run("history", "--json")
    assert result.returncode == 0 and result.stderr == ""
    data = _json(result)
    assert [entry["revision"] for entry in data] == [line.split(" -> ")[1].split()[0].rstrip(",") for line in text]
    by_id = {entry["revision"]: entry for entry in data}
    assert by_id["c3"] == {
        "revision": "c3",
        "down_revisions": ["b2"],
        "depends_on": [],
        "branch_labels": [],
        "message": "create t_c",
        "is_head": True,
        "is_current": True,
        "path": "migrations/versions/c3_create_t_c.py",  # as -v shows it: from the working folder
    }
    assert by_id["a1"]["down_revisions"] == [] and not by_id["a1"]["is_current"]
    assert [entry["revision"] for entry in _json(project.run("history", "--json", "-r", "b2:"))] == ["c3", "d4", "b2"]


def test_heads_json(branched: tuple[ScratchProject, Config]) -> None:
    project, _config = branched
    result = project.run("heads", "--json")
    assert result.returncode == 0 and result.stderr == ""
    assert _json(result) == [
        {"revision": rid, "message": f"create t_{rid[0]}", "branch_labels": [], "path": f"migrations/versions/{name}"}
        for rid, name in (("c3", "c3_create_t_c.py"), ("d4", "d4_create_t_d.py"))
    ]


def test_history_json_keeps_stdout_for_json_when_the_database_is_unreachable(tmp_path: Path) -> None:
    project = ScratchProject(tmp_path / "project", "postgresql+psycopg://dbshift@127.0.0.1:1/app")
    project.add_table_revision("a1", None, "t_a")
    result = project.run("history", "--json")
    assert result.returncode == 0
    assert [entry["revision"] for entry in _json(result)] == ["a1"]
    (note,) = result.stderr.splitlines()
    assert note.startswith("note: current revision not shown: cannot connect to")
    assert project.run("history").stdout.splitlines()[-1].startswith("(current revision not shown: cannot connect")
