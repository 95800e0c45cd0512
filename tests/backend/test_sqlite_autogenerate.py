"""Autogenerate on SQLite, through to a real upgrade: what is detected must also run.

Specific to SQLite. Each test starts from a SQLite file holding rows, compares it with models,
writes the rendered operations as a revision file and runs ``upgrade`` (and ``upgrade --sql``)
through the library, as ``dbshift revision --autogenerate`` and ``dbshift upgrade`` do.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.autogenerate.api import diff_database
from dbshift.autogenerate.render import render_ops
from dbshift.commands import migrate
from dbshift.config import Config, load_config
from dbshift.errors import MigrationError
from dbshift.operations.base import Operation
from tests.cli_helpers import ScratchProject

VERSION_TABLE = "dbshift_version"


def _quiet(_line: str) -> None:
    pass


class Project:
    def __init__(self, root: Path, setup: str) -> None:
        self.db = root / "app.sqlite"
        self.project = ScratchProject(root, f"sqlite:///{self.db}")
        with sqlite3.connect(self.db) as conn:
            conn.executescript(setup)
        self.project.add_revision("r0", None, message="start")
        self.upgrade("r0")

    @property
    def config(self) -> Config:
        return load_config(self.project.config_path, cwd=self.project.root, environ={})

    def diff(self, metadata: sa.MetaData) -> list[Operation]:
        engine = sa.create_engine(f"sqlite:///{self.db}", poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                return diff_database(conn, metadata, version_table=VERSION_TABLE)
        finally:
            engine.dispose()

    def autogenerate(self, rev: str, down: str, metadata: sa.MetaData) -> str:
        """Write the revision autogenerate would for ``metadata``; return its upgrade body."""
        ops = self.diff(metadata)
        assert ops, "autogenerate found no change"
        rendered = render_ops(ops)
        self.project.add_revision(rev, down, upgrade=rendered.body, header="\n".join(rendered.imports))
        return rendered.body

    def upgrade(self, target: str = "head") -> None:
        migrate.upgrade(self.config, target, report=_quiet)

    def upgrade_sql(self, target: str) -> str:
        out = io.StringIO()
        migrate.upgrade(self.config, target, sql=True, output=out)
        return out.getvalue()

    def query(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]


ITEMS = """
CREATE TABLE item (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL);
CREATE INDEX ix_item_name ON item (name);
INSERT INTO item (name) VALUES ('a'), ('b'), ('c');
"""


def _items(metadata: sa.MetaData, *extra: sa.Column[object] | sa.Index) -> sa.Table:
    return sa.Table(
        "item",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Index("ix_item_name", "name"),
        *extra,
    )


# --------------------------------------------------------------------- non-constant defaults


def test_added_column_with_a_function_default_is_a_rebuild(tmp_path: Path) -> None:
    """SQLite refuses ADD COLUMN with a non-constant default: the table is rebuilt instead, and
    the rows already there get the default's value."""
    p = Project(tmp_path / "p", ITEMS)
    md = sa.MetaData()
    _items(md, sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False))
    p.autogenerate("r1", "r0", md)
    sql = p.upgrade_sql("r0:r1")
    assert "INSERT INTO _dbshift_new_item" in sql and "ADD COLUMN" not in sql, sql
    p.upgrade()
    rows = p.query("SELECT id, name, created_at FROM item ORDER BY id")
    assert [r[:2] for r in rows] == [(1, "a"), (2, "b"), (3, "c")]
    assert all(isinstance(r[2], str) and r[2][:2] == "20" for r in rows), rows
    assert "ix_item_name" in {r[0] for r in p.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert p.diff(md) == []


@pytest.mark.parametrize(
    ("default", "expected_rebuild"),
    [
        ("sa.text(\"(datetime('now'))\")", True),
        ('sa.text("(random())")', True),
        ('sa.text("CURRENT_DATE")', True),
        ('sa.text("7")', False),
        ('sa.text("-1.5")', False),
        ('"it\'s"', False),
        ('sa.text("NULL")', False),
    ],
)
def test_only_non_constant_defaults_need_a_rebuild(tmp_path: Path, default: str, expected_rebuild: bool) -> None:
    p = Project(tmp_path / "p", ITEMS)
    p.project.add_revision(
        "r1", "r0", upgrade=f'op.add_column("item", sa.Column("extra", sa.Text, server_default={default}))'
    )
    sql = p.upgrade_sql("r0:r1")
    assert ("INSERT INTO _dbshift_new_item" in sql) == expected_rebuild, sql
    assert ("ADD COLUMN" in sql) != expected_rebuild, sql
    p.upgrade()
    rows = p.query("SELECT id, extra FROM item ORDER BY id")
    assert [r[0] for r in rows] == [1, 2, 3]
    if default == '"it\'s"':
        assert {r[1] for r in rows} == {"it's"}
    elif default.startswith('sa.text("7'):
        assert {r[1] for r in rows} == {"7"}
    elif expected_rebuild:
        assert all(r[1] is not None for r in rows), rows


def test_added_column_with_a_function_default_offline_without_the_database(tmp_path: Path) -> None:
    """--sql against a database file that does not exist cannot read the table to rebuild it:
    one error saying so, never an ADD COLUMN that SQLite would refuse."""
    project = ScratchProject(tmp_path / "p", f"sqlite:///{tmp_path / 'missing.sqlite'}")
    project.add_revision(
        "r1", None, upgrade='op.add_column("t", sa.Column("at", sa.DateTime, server_default=sa.func.now()))'
    )
    config = load_config(project.config_path, cwd=project.root, environ={})
    with pytest.raises(MigrationError, match="table rebuild.*--sql") as info:
        migrate.upgrade(config, "base:r1", sql=True, output=io.StringIO())
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------- partial indexes


def test_partial_index_is_rendered_as_sql_and_upgrades(tmp_path: Path) -> None:
    """``sqlite_where`` is written as ``sa.text(...)``: the revision runs, and once it has run
    autogenerate finds nothing more to do."""
    p = Project(tmp_path / "p", ITEMS)
    md = sa.MetaData()
    _items(
        md,
        sa.Column("note", sa.Text),
        sa.Index("ix_item_note", "note", sqlite_where=sa.text("note IS NOT NULL")),
    )
    body = p.autogenerate("r1", "r0", md)
    assert "sqlite_where=sa.text(" in body, body
    p.upgrade()
    index_sql = p.query("SELECT sql FROM sqlite_master WHERE name = 'ix_item_note'")
    assert index_sql == [("CREATE INDEX ix_item_note ON item (note) WHERE note IS NOT NULL",)]
    assert p.diff(md) == []


def test_create_index_takes_sqlite_where_as_a_string(tmp_path: Path) -> None:
    """A hand-written (or older, string-rendered) ``sqlite_where="..."`` is taken as SQL."""
    p = Project(tmp_path / "p", ITEMS)
    p.project.add_revision(
        "r1", "r0", upgrade='op.create_index("ix_item_odd", "item", ["id"], sqlite_where="id % 2 = 1")'
    )
    assert "WHERE id % 2 = 1" in p.upgrade_sql("r0:r1")
    p.upgrade()
    index_sql = p.query("SELECT sql FROM sqlite_master WHERE name = 'ix_item_odd'")
    assert index_sql == [("CREATE INDEX ix_item_odd ON item (id) WHERE id % 2 = 1",)]
