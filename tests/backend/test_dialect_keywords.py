"""Dialect keywords (``postgresql_*``, ``mysql_*``/``mariadb_*``, ``sqlite_*``) on every ``op``
function: each one of the running backend either takes effect or stops the revision with a
one-line error naming the keyword and the operation; another backend's keywords are ignored, as
SQLAlchemy ignores them. Nothing is dropped silently.

Runs on the tables and rows of :mod:`tests.backend.test_op_api` (``parent``, ``items``, ``log``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.backend.test_op_api import Project, back, refused, round_trip, start_project
from tests.conftest import Database

pytestmark = pytest.mark.backend


@pytest.fixture
def project(database: Database, tmp_path: Path) -> Iterator[Project]:
    yield from start_project(database, tmp_path)


OWN = {"sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mysql"}
OTHERS = {
    "sqlite": ("postgresql", "mysql"),
    "postgresql": ("mysql", "sqlite"),
    "mariadb": ("postgresql", "sqlite"),
}

# An operation given a keyword of the running backend's own prefix ({p}) that does nothing there.
WITHOUT_EFFECT = {
    "drop_table": 'op.drop_table("log", {p}_cascade=True)',
    "drop_column": 'op.drop_column("items", "note", {p}_cascade=True)',
    "drop_constraint": 'op.drop_constraint("uq_parent_code", "parent", type_="unique", {p}_cascade=True)',
    "drop_index": 'op.drop_index("ix_n", "items", {p}_where="x")',
    "alter_column": 'op.alter_column("items", "note", nullable=True, existing_type=sa.String(100), {p}_using="x")',
    "create_index": 'op.create_index("ix_n", "items", ["note"], {p}_bogus=1)',
    "create_unique_constraint": 'op.create_unique_constraint("uq_n", "items", ["note"], {p}_bogus=1)',
    "create_check_constraint": 'op.create_check_constraint("ck_n", "items", "qty > 0", {p}_bogus=1)',
    "create_foreign_key": 'op.create_foreign_key("fk_n", "items", "parent", ["parent_id"], ["id"], {p}_bogus=1)',
}
# (A column's keywords are checked by sa.Column itself, in the revision's own code.)


@pytest.mark.parametrize("function", sorted(WITHOUT_EFFECT))
def test_own_keyword_without_effect_is_an_error_naming_it(project: Project, function: str) -> None:
    if function == "alter_column" and project.backend == "postgresql":
        pytest.skip("postgresql_using is PostgreSQL's conversion expression: it takes effect there")
    prefix = OWN[project.backend]
    keyword = "where" if function == "drop_index" else "using" if function == "alter_column" else ""
    keyword = keyword or ("cascade" if function.startswith("drop_") else "bogus")
    refused(project, WITHOUT_EFFECT[function].format(p=prefix), function, f"{prefix}_{keyword}")


@pytest.mark.parametrize(
    ("backend_only", "upgrade", "needles"),
    [
        (
            "postgresql",
            'op.create_table("t2", sa.Column("id", sa.Integer), postgresql_ignore_search_path=True)',
            ("create_table", "postgresql_ignore_search_path"),
        ),
        (
            "sqlite",
            'op.create_foreign_key("fk_n", "items", "parent", ["parent_id"], ["id"], sqlite_on_conflict="IGNORE")',
            ("create_foreign_key", "sqlite_on_conflict"),
        ),
        (
            "mariadb",
            'op.drop_index("uq_parent_code", "parent", mariadb_using="hash")',
            ("drop_index", "mariadb_using"),
        ),
        ("sqlite", 'op.alter_column("items", "qty", autoincrement=True)', ("alter_column", "autoincrement")),
        ("postgresql", 'op.alter_column("items", "qty", autoincrement=True)', ("alter_column", "autoincrement")),
    ],
)
def test_keyword_sqlalchemy_accepts_but_nothing_uses_is_an_error(
    project: Project, backend_only: str, upgrade: str, needles: tuple[str, ...]
) -> None:
    if project.backend != backend_only:
        pytest.skip(f"{backend_only}'s keyword")
    refused(project, upgrade, *needles)


def test_unknown_keyword_is_an_error_naming_it(project: Project) -> None:
    refused(project, 'op.drop_table("log", cascade=True)', "drop_table", "'cascade'")
    refused(project, 'op.drop_constraint("uq_parent_code", "parent", "unique", cascade=True)', "drop_constraint")
    refused(project, 'op.create_unique_constraint("uq_n", "items", ["note"], nulls="no")', "create_unique_constraint")
    refused(project, 'op.alter_column("items", "note", nullable=True, colation="x")', "alter_column", "colation")


def test_other_backends_keywords_are_ignored(project: Project) -> None:
    one, two = OTHERS[project.backend]
    options = {
        "postgresql": 'postgresql_using="x"',
        "mysql": 'mysql_charset="x"',
        "sqlite": 'sqlite_x="x"',
    }
    both = f"{options[one]}, {options[two]}"
    upgrade = f"""
    op.drop_column("items", "note", {both}, mssql_drop_check=True, mssql_drop_default=True)
    op.alter_column("items", "qty", nullable=True, existing_type=sa.Integer, {both})
    op.drop_table("log", {both})
    op.create_index("ix_items_name", "items", ["name"], **{{"{one}_where" if "{one}" != "mysql" else "mysql_length": 5}})
    op.drop_index("ix_items_name", "items", **{{"{two}_concurrently": True}})
    op.drop_constraint("uq_parent_code", "parent", type_="unique", **{{"{one}_x": 1}})
    """
    before, after = round_trip(
        project,
        upgrade.replace('"postgresql_where": 5', '"postgresql_where": sa.text("qty > 0")').replace(
            '"sqlite_where": 5', '"sqlite_where": sa.text("qty > 0")'
        ),
        """
        op.create_unique_constraint("uq_parent_code", "parent", ["code"])
        op.create_table("log", sa.Column("id", sa.Integer, nullable=False), sa.Column("msg", sa.String(20)))
        op.execute("INSERT INTO log VALUES (1, 'started'), (2, 'stopped')")
        op.add_column("items", sa.Column("note", sa.String(100)))
        """,
    )
    assert "log" not in after[0] and "note" not in [c["name"] for c in after[0]["items"]["columns"]]
    project.downgrade("r0")
    assert project.shape()["parent"] == before[0]["parent"]


def test_own_keywords_take_effect(project: Project) -> None:
    """The same revision on every backend: each one's keywords shape what it creates."""
    upgrade = """
    op.create_index(
        "ix_items_note", "items", ["note"],
        postgresql_where=sa.text("note IS NOT NULL"), sqlite_where=sa.text("note IS NOT NULL"), mysql_length=10,
    )
    op.create_unique_constraint(
        "uq_items_note", "items", ["note"], postgresql_nulls_not_distinct=True, sqlite_on_conflict="IGNORE"
    )
    """
    downgrade = """
    op.drop_constraint("uq_items_note", "items", type_="unique")
    op.drop_index("ix_items_note", "items")
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert ("uq_items_note", ("note",)) in after[0]["items"]["uniques"]
    with project.engine.connect() as conn:
        if project.backend == "sqlite":
            sql = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master").all())
            assert "WHERE note IS NOT NULL" in sql["ix_items_note"]
            assert "CONSTRAINT uq_items_note UNIQUE (note) ON CONFLICT IGNORE" in sql["items"]
        elif project.backend == "postgresql":
            index = conn.exec_driver_sql("SELECT pg_get_indexdef('ix_items_note'::regclass)").scalar_one()
            assert index.endswith("WHERE (note IS NOT NULL)")
            unique = conn.exec_driver_sql(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'uq_items_note'"
            ).scalar_one()
            assert unique == "UNIQUE NULLS NOT DISTINCT (note)"
        else:
            create = conn.exec_driver_sql("SHOW CREATE TABLE items").one()[1]
            assert "KEY `ix_items_note` (`note`(10))" in create
    if project.backend == "sqlite":
        project.execute("INSERT INTO items (id, name, note) VALUES (9, 'fig', 'red')")  # ON CONFLICT IGNORE
        assert [r[0] for r in project.rows("items")] == [1, 2, 3]
    elif project.backend == "postgresql":
        with pytest.raises(sa.exc.IntegrityError):  # NULLS NOT DISTINCT: a second NULL is a duplicate
            project.execute("INSERT INTO items (id, name, note) VALUES (9, 'fig', NULL)")
    back(project, before)


def test_drop_constraint_if_exists(project: Project) -> None:
    """Alembic 1.16's ``if_exists``: a constraint that is not there is no error (it was ignored)."""
    upgrade = """
    op.drop_constraint("uq_nothing_here", "parent", type_="unique", if_exists=True)
    op.drop_constraint("uq_parent_code", "parent", type_="unique", if_exists=True)
    """
    before, after = round_trip(project, upgrade, 'op.create_unique_constraint("uq_parent_code", "parent", ["code"])')
    assert after[0]["parent"]["uniques"] == []
    back(project, before)


def test_sqlite_column_keywords_take_effect(project: Project) -> None:
    if project.backend != "sqlite":
        pytest.skip("SQLite's ON CONFLICT clauses")
    upgrade = """
    op.add_column("items", sa.Column("n", sa.Integer, nullable=False, server_default="0",
                                     sqlite_on_conflict_not_null="REPLACE"))
    op.create_table("t2", sa.Column("id", sa.Integer, primary_key=True, sqlite_on_conflict_primary_key="IGNORE"))
    """
    before, _ = round_trip(project, upgrade, 'op.drop_table("t2")\nop.drop_column("items", "n")')
    with project.engine.connect() as conn:
        sql = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master").all())
    assert "n INTEGER DEFAULT '0' NOT NULL ON CONFLICT REPLACE" in sql["items"]
    assert "PRIMARY KEY (id) ON CONFLICT IGNORE" in sql["t2"]
    project.execute("UPDATE items SET n = NULL WHERE id = 1")  # REPLACE: the default instead
    assert project.rows("items", ("id", "n"))[0] == (1, 0)
    back(project, before)
