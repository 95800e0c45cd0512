"""``dbshift check`` through the real CLI, on every backend.

Like Alembic's ``check`` ("Target database is not up to date"), it refuses to compare a
database that is not at head: the models describe the head, so comparing an older schema would
report the pending revisions' work as differences, or "No differences" while revisions wait.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import ScratchProject, assert_one_line_error
from tests.conftest import Database

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("orders", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("invoices", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("refunds", metadata, sa.Column("id", sa.Integer, primary_key=True))
"""


@pytest.fixture
def project(database: Database, tmp_path: Path) -> ScratchProject:
    """aaa111 -> bbb222 -> ccc333 creating orders, invoices, refunds; models describing all three."""
    p = ScratchProject(tmp_path / "project", database.url)
    p.add_table_revision("aaa111", None, "orders")
    p.add_table_revision("bbb222", "aaa111", "invoices")
    p.add_table_revision("ccc333", "bbb222", "refunds")
    p.write("app/__init__.py", "")
    p.write("app/models.py", MODELS)
    p.write_config(url=database.url, target_metadata="app.models:metadata")
    return p


def test_check_refuses_a_database_behind_head(database: Database, project: ScratchProject) -> None:
    project.upgrade_in_process("aaa111")
    before = database.snapshot()
    result = project.run("check")
    assert_one_line_error(
        result,
        "the database is not at head: it is at aaa111, the migration folder's head is ccc333 "
        "(2 revisions pending); run 'dbshift upgrade head' first, then check",
        code=1,
    )
    assert result.stdout == ""
    assert database.snapshot() == before


def test_check_refuses_an_empty_database_when_revisions_exist(database: Database, project: ScratchProject) -> None:
    before = database.snapshot()
    result = project.run("check")
    assert_one_line_error(
        result,
        "the database is not at head: it is at base, the migration folder's head is ccc333 (3 revisions pending)",
        "dbshift upgrade head",
        code=1,
    )
    assert database.snapshot() == before
    assert database.tables() == set()


def test_check_refuses_a_database_behind_one_of_several_heads(database: Database, project: ScratchProject) -> None:
    project.add_table_revision("ddd444", "aaa111", "credits")
    project.upgrade_in_process("ccc333")
    result = project.run("check")
    assert_one_line_error(
        result,
        "it is at ccc333, the migration folder's heads are ccc333, ddd444 (1 revision pending)",
        code=1,
    )


def test_check_at_head_with_a_depends_on_head(database: Database, project: ScratchProject) -> None:
    """A head that another branch depends on is applied once that branch is: at head, no error."""
    project.add_revision("lib111", None, message="library branch", header="")
    text = project.versions.joinpath("ccc333_create_refunds.py").read_text(encoding="utf-8")
    project.versions.joinpath("ccc333_create_refunds.py").write_text(
        text.replace("depends_on = None", 'depends_on = "lib111"'), encoding="utf-8"
    )
    project.upgrade_in_process("heads")
    result = project.run("check")
    assert result.returncode == 0, result.stderr
    assert "No differences" in result.stdout


def test_check_at_head_with_matching_models(database: Database, project: ScratchProject) -> None:
    project.upgrade_in_process("head")
    result = project.run("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["No differences: the database matches the models."]


def test_check_at_head_lists_a_model_change(database: Database, project: ScratchProject) -> None:
    project.upgrade_in_process("head")
    project.write(
        "app/models.py", MODELS + 'sa.Table("payments", metadata, sa.Column("id", sa.Integer, primary_key=True))\n'
    )
    before = database.snapshot()
    result = project.run("check")
    assert result.returncode == 1, result.stderr
    assert "1 difference(s) between the models and the database:" in result.stdout
    assert "payments" in result.stdout
    assert database.snapshot() == before


def test_check_without_revisions_on_an_empty_database(database: Database, tmp_path: Path) -> None:
    """No revisions and no version table: compared as today (the models' tables are missing)."""
    engine = database.engine()
    with engine.connect():  # a SQLite file must exist: check never creates one
        pass
    engine.dispose()
    p = ScratchProject(tmp_path / "project", database.url)
    p.write("app/__init__.py", "")
    p.write("app/models.py", MODELS)
    p.write_config(url=database.url, target_metadata="app.models:metadata")
    result = p.run("check")
    assert result.returncode == 1, result.stderr
    assert "3 difference(s)" in result.stdout
    assert database.tables() == set()


# -- what the backend cannot compare ------------------------------------------------------------
NOTED_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(start=START), primary_key=True),
    sa.Column("email", sa.String(100), comment="COMMENT"),
    comment="people who log in",
    mysql_engine="InnoDB",
)
sa.Index("ix_accounts_email", accounts.c.email, postgresql_tablespace="pg_default", mysql_using="hash")
"""


def noted_models(start: int = 10, comment: str = "login") -> str:
    return NOTED_MODELS.replace("START", str(start)).replace("COMMENT", comment)


def expected_notes(database: Database) -> list[str]:
    """The notes the backend's capabilities call for (capabilities, not backend names)."""
    from dbshift.dialects.features import backend_name, features_of

    engine = database.engine()
    with engine.connect():  # MariaDB is told from MySQL once connected
        dialect = engine.dialect
    engine.dispose()
    features, name = features_of(dialect), backend_name(dialect)
    notes = []
    if not features.comments:
        notes.append(f"Note: not compared on {name}: 2 comments in the models (accounts, accounts.email)")
    if not features.identity_columns:
        notes.append(f"Note: not compared on {name}: 1 identity columns in the models (accounts.id)")
    unreported = sorted({"postgresql_tablespace", "mysql_using"} & features.unreported_index_options)
    if unreported:
        places = ", ".join(f"ix_accounts_email {key}" for key in unreported)
        notes.append(f"Note: not compared on {name}: {len(unreported)} index options in the models ({places})")
    if any("mysql_engine".startswith(prefix) for prefix in features.option_prefixes):
        notes.append(f"Note: not compared on {name}: 1 table options in the models (accounts mysql_engine)")
    return notes


@pytest.fixture
def noted(database: Database, tmp_path: Path) -> ScratchProject:
    """A project at head whose models hold comments, an identity, index and table options."""
    p = ScratchProject(tmp_path / "project", database.url, target_metadata="app.models:metadata")
    p.write("app/__init__.py", "")
    p.write("app/models.py", noted_models())
    created = p.run("revision", "--autogenerate", "-m", "initial", "--rev-id", "aaa111")
    assert created.returncode == 0, created.stderr
    notes = expected_notes(database)
    assert [line for line in created.stdout.splitlines() if line.startswith("Note:")] == notes
    p.upgrade_in_process("head")
    return p


def test_check_names_what_the_backend_cannot_compare(database: Database, noted: ScratchProject) -> None:
    result = noted.run("check")
    assert result.returncode == 0, result.stdout + result.stderr
    notes = expected_notes(database)
    if notes:
        assert result.stdout.splitlines() == [
            "No differences: the database matches the models (except what could not be compared, below).",
            *notes,
        ]
    else:
        assert result.stdout.splitlines() == ["No differences: the database matches the models."]


def test_a_change_the_backend_cannot_see_is_named_not_hidden(database: Database, noted: ScratchProject) -> None:
    """Changing only what the backend cannot compare: still no difference, but the note says
    that it was not compared (and on backends that can compare all of it, check sees it)."""
    noted.write("app/models.py", noted_models(start=20, comment="sign-in address"))
    result = noted.run("check")
    notes = expected_notes(database)
    if not any("comments" in note for note in notes):
        assert result.returncode == 1, result.stdout + result.stderr  # the column comment changed
        assert "accounts.email" in result.stdout
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[1:] == notes


def test_autogenerate_prints_the_notes_too(database: Database, noted: ScratchProject) -> None:
    result = noted.run("revision", "--autogenerate", "-m", "nothing", "--rev-id", "bbb222")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["No changes detected", *expected_notes(database)]
