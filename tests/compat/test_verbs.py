"""The verbs and options Alembic users type, through the CLI, on every backend.

History (labels in brackets)::

    a1 -> b2 [feature] -> c3 ---> m5 (merge)
      \\-> d4 -------------/
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import assert_one_line_error, run_cli
from tests.compat.project import AlembicProject
from tests.conftest import Database

TAG_ENV = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
print("tag:", context.get_tag_argument(), "x:", context.get_x_argument(as_dictionary=True))
engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"))
    with context.begin_transaction():
        context.run_migrations()
else:
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
"""


@pytest.fixture
def project(database: Database, tmp_path: Path) -> Iterator[AlembicProject]:
    p = AlembicProject(tmp_path, database.url)
    p.add("a1", None, message="start")
    p.add("b2", "a1", message="feature work", labels="feature")
    p.add("c3", "b2", message="more feature")
    p.add("d4", "a1", message="side line")
    p.add("m5", ("c3", "d4"), message="join")
    try:
        yield p
    finally:
        p.engine.dispose()


def dbshift(p: AlembicProject, *args: str, code: int = 0) -> str:
    result = run_cli(p.root, *args)
    assert result.returncode == code, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


def test_history_marks_branch_points_merge_points_labels_and_current(project: AlembicProject) -> None:
    dbshift(project, "upgrade", "c3")
    lines = dbshift(project, "history", "--indicate-current").splitlines()
    # Alembic's order too: down the merge's first parent's line, then the other.
    assert lines == [
        "c3, d4 -> m5 (head) (mergepoint), join",
        "b2 -> c3 (current), more feature",
        "a1 -> b2 (feature), feature work",
        "a1 -> d4, side line",
        "<base> -> a1 (branchpoint), start",
    ]
    # Without -i an Alembic project's env.py is not run, as `alembic history` does not.
    assert "(current)" not in dbshift(project, "history")


def test_verbose_listings_show_the_whole_docstring(project: AlembicProject) -> None:
    dbshift(project, "upgrade", "heads")
    out = dbshift(project, "history", "-v", "-r", "a1:b2")
    assert "Rev: b2\nParent: a1\nBranch names: feature\nPath: " in out
    assert "Rev: a1 (branchpoint)\nParent: <base>\nBranches into: b2, d4\n" in out
    assert "    Revision ID: a1\n" in out
    current = dbshift(project, "current", "-v")
    assert current.startswith("Rev: m5 (head) (current) (mergepoint)\nMerges: c3, d4\n")
    assert dbshift(project, "heads", "-v").startswith("Rev: m5 (head) (mergepoint)\n")


def test_branches(project: AlembicProject) -> None:
    out = dbshift(project, "branches")
    # Alembic's layout; the branches are listed in the folder's order (Alembic's is arbitrary).
    assert out.splitlines()[:3] == ["a1 (branchpoint)", "   -> b2 (feature)", "   -> d4"]


def test_stamp_several_targets_purge_and_ensure_version(project: AlembicProject) -> None:
    assert dbshift(project, "ensure_version") == "Created the version table\n"
    assert dbshift(project, "ensure_version") == "The version table exists already\n"
    assert project.versions_in_db() == []
    dbshift(project, "stamp", "c3", "d4")
    assert project.versions_in_db() == ["c3", "d4"]
    with project.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('zz9')")
    assert_one_line_error(run_cli(project.root, "stamp", "a1"), "zz9", "not in the migration folder")
    dbshift(project, "stamp", "--purge", "a1")
    assert project.versions_in_db() == ["a1"]
    assert "CREATE TABLE alembic_version" in dbshift(project, "ensure_version", "--sql")


def test_tag_and_x_arguments_reach_env_py(project: AlembicProject) -> None:
    project.write("migrations/env.py", textwrap.dedent(TAG_ENV))
    out = dbshift(project, "-x", "tenant=acme", "-x", "dry", "upgrade", "a1", "--tag", "release-7")
    assert "tag: release-7 x: {'tenant': 'acme', 'dry': ''}" in out
    assert project.versions_in_db() == ["a1"]
    assert "tag: nightly" in dbshift(project, "stamp", "b2", "--tag", "nightly")
    assert "tag: back" in dbshift(project, "downgrade", "base", "--tag", "back")


def test_edit_opens_the_revision_in_the_editor(project: AlembicProject, tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\necho "$1" > {seen}\n', encoding="utf-8")
    editor.chmod(0o755)
    env = {"EDITOR": str(editor), "VISUAL": ""}
    assert run_cli(project.root, "edit", "b2", env=env).returncode == 0
    assert seen.read_text(encoding="utf-8").strip().endswith("b2_feature_work.py")
    dbshift(project, "stamp", "d4")
    assert run_cli(project.root, "edit", "current", env=env).returncode == 0
    assert seen.read_text(encoding="utf-8").strip().endswith("d4_side_line.py")
    assert_one_line_error(run_cli(project.root, "edit", "nope", env=env), "unknown revision 'nope'")
