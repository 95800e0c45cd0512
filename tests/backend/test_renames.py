"""Renames through the real CLI on every backend: the values stay where a rename is confirmed.

Each test creates ``packages`` (with a ``name`` column) and ``old_items`` with rows in place,
then changes the models: ``packages.name`` becomes ``packages.title`` (wider, NOT NULL) and
``old_items`` becomes ``items``. ``revision --autogenerate`` is answered by flag, on a
pseudo-terminal, or not at all (drop + add, and a warning naming the flag); a flag that names
no candidate is a one-line error and writes nothing.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli_helpers import ScratchProject, assert_one_line_error, run_cli
from tests.compat.project import AlembicProject, forget_package
from tests.conftest import Database

RENAMED_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
packages = sa.Table(
    "packages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("downloads", sa.Integer),
)
items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(30)),
)
"""

PACKAGES = [(1, "dbshift", 10), (2, "alembic", 20)]
ITEMS = [(1, "first"), (2, "second")]

COLUMN_FLAG = "--rename packages.name=packages.title"
TABLE_FLAG = "--rename-table old_items=items"


def create_before(database: Database) -> None:
    """The schema before the change, with rows: what a rename must keep."""
    before = sa.MetaData()
    packages = sa.Table(
        "packages",
        before,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
        sa.Column("downloads", sa.Integer),
    )
    old_items = sa.Table(
        "old_items", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("label", sa.String(30))
    )
    engine = database.engine()
    try:
        before.create_all(engine)
        with engine.begin() as conn:
            conn.execute(sa.insert(packages), [dict(zip(("id", "name", "downloads"), r)) for r in PACKAGES])
            conn.execute(sa.insert(old_items), [dict(zip(("id", "label"), r)) for r in ITEMS])
    finally:
        engine.dispose()


def rows(database: Database, table: str, *columns: str) -> list[tuple[object, ...]]:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            t = sa.Table(table, sa.MetaData(), autoload_with=conn)
            return [tuple(r) for r in conn.execute(sa.select(*(t.c[c] for c in columns)).order_by(t.c.id))]
    finally:
        engine.dispose()


def column_info(database: Database, table: str) -> dict[str, dict[str, object]]:
    engine = database.engine()
    try:
        return {c["name"]: dict(c) for c in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def project_for(database: Database, tmp_path: Path) -> ScratchProject:
    create_before(database)
    project = ScratchProject(tmp_path / "project", database.url, target_metadata="app.models:metadata")
    project.write("app/__init__.py", "")
    project.write("app/models.py", RENAMED_MODELS)
    return project


def assert_renamed_with_values(database: Database) -> None:
    assert {"packages", "items"} <= database.tables() and "old_items" not in database.tables()
    columns = column_info(database, "packages")
    assert set(columns) == {"id", "title", "downloads"}
    assert columns["title"]["nullable"] is False
    assert getattr(columns["title"]["type"], "length", None) == 200
    assert rows(database, "packages", "id", "title", "downloads") == PACKAGES
    assert rows(database, "items", "id", "label") == ITEMS


def assert_back_as_before(database: Database) -> None:
    assert {"packages", "old_items"} <= database.tables() and "items" not in database.tables()
    assert set(column_info(database, "packages")) == {"id", "name", "downloads"}
    assert rows(database, "packages", "id", "name", "downloads") == PACKAGES
    assert rows(database, "old_items", "id", "label") == ITEMS


def test_renames_answered_by_flag_keep_every_value_both_ways(database: Database, tmp_path: Path) -> None:
    """A column rename with a further change of that column and a table rename, by flag: the
    upgrade keeps every value, the downgrade brings the old names and values back."""
    project = project_for(database, tmp_path)

    result = project.run("revision", "--autogenerate", "-m", "rename", *COLUMN_FLAG.split(), *TABLE_FLAG.split())

    assert result.returncode == 0, result.stderr
    reported = [line for line in result.stdout.splitlines() if line.startswith(("Detected", "Warning"))]
    assert reported[:2] == [
        "Detected renamed table 'old_items' to 'items'",
        "Detected modified column 'packages.name': name -> 'title'",
    ]
    (further,) = reported[2:]  # the type and nullability of the renamed column, and no warning
    assert further.startswith("Detected modified column 'packages.title': type ") and further.endswith("NOT NULL")
    (name,) = project.revision_files()
    text = (project.versions / name).read_text(encoding="utf-8")
    upgrade = text.split("def upgrade()")[1].split("def downgrade()")[0]
    assert 'op.rename_table("old_items", "items")' in upgrade
    assert 'new_column_name="title"' in upgrade and "data loss" not in upgrade  # nothing dropped

    result = project.run("upgrade", "head")
    assert result.returncode == 0, result.stderr
    assert_renamed_with_values(database)
    result = project.run("check")
    assert result.returncode == 0, result.stdout + result.stderr

    result = project.run("downgrade", "base")
    assert result.returncode == 0, result.stderr
    assert_back_as_before(database)


def test_without_an_answer_it_is_drop_and_add_with_a_warning_naming_the_flag(
    database: Database, tmp_path: Path
) -> None:
    """No terminal and no flag: never a guess. Drop + add, as before, with the data-loss
    warnings and one line per candidate saying which flag records the rename."""
    project = project_for(database, tmp_path)

    result = project.run("revision", "--autogenerate", "-m", "rename")

    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stdout.splitlines() if line.startswith("Warning")]
    assert warnings == [
        "Warning: data loss: drops table old_items (and its rows)",
        "Warning: data loss: drops column packages.name",
        "Warning: table old_items disappeared and table items appeared: written as drop + create, which loses "
        f"the rows; if it is a rename, run again with {TABLE_FLAG}",
        "Warning: packages.name disappeared and packages.title appeared: written as drop + add, which loses "
        f"the values; if it is a rename, run again with {COLUMN_FLAG}",
    ]
    (name,) = project.revision_files()
    text = (project.versions / name).read_text(encoding="utf-8")
    assert 'op.drop_column("packages", "name")  # data loss: drops column packages.name' in text
    assert "rename_table" not in text and "new_column_name" not in text


@pytest.mark.parametrize(
    ("flag", "value", "needle"),
    [
        ("--rename", "packages.nme=packages.title", f"{COLUMN_FLAG.replace('name=', 'nme=')}: names no rename"),
        ("--rename", "packages.name=packages.downloads", "--rename packages.name=packages.downloads: names no"),
        ("--rename", "packages.name", "--rename 'packages.name': expected TABLE.OLD=TABLE.NEW"),
        ("--rename-table", "items=old_items", "--rename-table items=old_items: names no rename candidate"),
        ("--rename-table", "old_items", "--rename-table 'old_items': expected OLD=NEW"),
    ],
)
def test_a_flag_that_names_no_candidate_is_a_one_line_error_and_writes_nothing(
    database: Database, tmp_path: Path, flag: str, value: str, needle: str
) -> None:
    project = project_for(database, tmp_path)
    files = project.files()
    before = database.snapshot()

    result = project.run("revision", "--autogenerate", "-m", "rename", flag, value)

    assert_one_line_error(result, needle)
    assert project.files() == files and project.revision_files() == []
    assert database.snapshot() == before


def run_on_terminal(cwd: Path, *args: str, answer: str = "y") -> tuple[int, str]:
    """``python -m dbshift ARGS`` with a pseudo-terminal as stdin/stdout/stderr, answering each
    ``[y/N]`` prompt with ``answer``; the exit status and everything it wrote."""
    environ = {k: v for k, v in os.environ.items() if k != "DBSHIFT_URL"}
    leader, follower = os.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "dbshift", *args], cwd=cwd, env=environ, stdin=follower, stdout=follower, stderr=follower
    )
    os.close(follower)
    output = b""
    answered = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                if child.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if output.count(b"[y/N]: ") > answered:
                answered += 1
                os.write(leader, answer.encode() + b"\n")
        code = child.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(leader)
    return code, output.decode("utf-8", "replace").replace("\r\n", "\n")


def test_renames_answered_on_a_terminal_keep_every_value(database: Database, tmp_path: Path) -> None:
    """On a terminal each candidate is asked with a [y/N] prompt; answered y, the revision renames."""
    project = project_for(database, tmp_path)

    code, output = run_on_terminal(project.root, "revision", "--autogenerate", "-m", "rename")

    assert code == 0, output
    assert "Did you rename table old_items to items? [y/N]: y\n" in output
    assert "Did you rename column packages.name to packages.title? [y/N]: y\n" in output
    assert "Warning" not in output
    result = project.run("upgrade", "head")
    assert result.returncode == 0, result.stderr
    assert_renamed_with_values(database)


def test_an_alembic_project_takes_the_flags_through_its_env_py(database: Database, tmp_path: Path) -> None:
    """An Alembic project (alembic.ini + env.py) compares through its env.py: the flags reach it."""
    create_before(database)
    project = AlembicProject(tmp_path / "alembic_project", database.url, metadata="app_renames.models.metadata")
    project.write("app_renames/__init__.py", "")
    project.write("app_renames/models.py", RENAMED_MODELS)
    project.import_in_env("app_renames.models")
    try:
        result = run_cli(
            project.root, "revision", "--autogenerate", "-m", "rename", *COLUMN_FLAG.split(), *TABLE_FLAG.split()
        )
        assert result.returncode == 0, result.stderr
        assert "Warning" not in result.stdout
        result = run_cli(project.root, "upgrade", "head")
        assert result.returncode == 0, result.stderr
        assert_renamed_with_values(database)
        result = run_cli(project.root, "downgrade", "base")
        assert result.returncode == 0, result.stderr
        assert_back_as_before(database)
    finally:
        project.engine.dispose()
        forget_package("app_renames")


def test_a_rename_flag_without_autogenerate_is_a_one_line_error(database: Database, tmp_path: Path) -> None:
    project = project_for(database, tmp_path)
    files = project.files()

    result = project.run("revision", "-m", "empty", *COLUMN_FLAG.split())

    assert_one_line_error(result, "--rename answers autogenerate's rename questions: use it with --autogenerate")
    assert project.files() == files


def test_renamed_json_column_leaves_no_difference(database: Database) -> None:
    """MariaDB names a JSON column's json_valid() check after the column and keeps that name
    when the column is renamed; found by the A->B->A property test."""
    from dbshift.autogenerate.api import diff_database
    from dbshift.autogenerate.questioner import FlagQuestioner
    from tests.backend.test_autogenerate import Db

    before, after = sa.MetaData(), sa.MetaData()
    sa.Table("docs", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.JSON))
    sa.Table("docs", after, sa.Column("id", sa.Integer, primary_key=True), sa.Column("content", sa.JSON))
    db = Db(database)
    try:
        db.create(before)
        questioner = FlagQuestioner.from_flags(["docs.body=docs.content"])
        with db.engine.connect() as conn:
            ops = diff_database(conn, after, version_table="dbshift_version", questioner=questioner)
        assert [op.describe() for op in ops] == ["modified column 'docs.body': name -> 'content'"]
        db.run(ops)
        assert db.diff(after) == []
    finally:
        db.engine.dispose()
