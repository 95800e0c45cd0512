"""Reporting and repair on a branched history, on every backend: heads, current, history,
show, stamp and merge.

    a1 -- b2 -- c3
            \\
             -- d4
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.commands import migrate, revision, status
from dbshift.config import Config, load_config
from dbshift.errors import TargetError
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


def _rows(database: Database) -> list[str]:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(sa.text("SELECT version_num FROM dbshift_version")).scalars())
    finally:
        engine.dispose()


def test_heads_current_history_show_on_a_branch(database: Database, branched: tuple[ScratchProject, Config]) -> None:
    _project, config = branched
    assert [line.split()[0] for line in status.heads(config)] == ["c3", "d4"]

    with pytest.raises(TargetError, match="multiple heads .*'heads'.*merge"):
        migrate.upgrade(config, "head", report=_quiet)
    assert "dbshift_version" not in database.tables()  # refused before anything was written

    migrate.upgrade(config, "heads", report=_quiet)
    assert _rows(database) == ["c3", "d4"]
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
    assert _rows(database) == ["e5"]
    migrate.downgrade(config, "-1", report=_quiet)
    assert _rows(database) == ["c3", "d4"]


def test_stamp_writes_only_the_version_table(database: Database, branched: tuple[ScratchProject, Config]) -> None:
    _project, config = branched
    assert migrate.stamp(config, "c3") == ("c3",)
    assert _rows(database) == ["c3"]
    assert database.tables() == {"dbshift_version"}  # no migration ran
    migrate.stamp(config, "heads")
    assert _rows(database) == ["c3", "d4"]
    migrate.stamp(config, "base")
    assert _rows(database) == []
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
