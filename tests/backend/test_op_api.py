"""Every ``op`` function on every backend, run the way users run it.

Each test starts from a database that already holds tables and rows (made with plain
SQLAlchemy, not dbshift) and is stamped at an empty baseline revision ``r0``. It writes a real
revision file ``r1`` doing one operation into a scratch migration folder, upgrades to it with
:func:`dbshift.commands.migrate.upgrade`, checks the reflected schema and that every row and
value the operation does not drop is still there, downgrades, and checks that schema and rows
are exactly what they were.

Where SQLite cannot do an operation in place (changing a column's type, nullability or
default; adding or dropping constraints), the upgrade must fail with a clear error naming the
column or constraint, leave the database untouched and the version table at ``r0``. Comments
do not exist on SQLite: comment operations succeed and do nothing.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dbshift.commands import journal, migrate
from dbshift.config import Config, build_config
from dbshift.errors import MigrationError
from tests.conftest import OWN_TABLES, Database

ITEMS = ("id", "name", "qty", "note", "parent_id")
ITEM_ROWS = [(1, "apple", 3, "red", 1), (2, "pear", None, None, 2), (3, "plum", 7, "sweet", None)]
PARENT_ROWS = [(1, "p1"), (2, "p2")]
LOG_ROWS = [(1, "started"), (2, "stopped")]

REVISION = '''"""{message}

Revision ID: {rev}
Revises: {down}
"""
import sqlalchemy as sa

from dbshift import op

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''

# Table definitions usable inside revision bodies (the same as the fixture's tables).
ITEMS_TABLE = """items = sa.table(
    "items", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("qty", sa.Integer),
    sa.column("note", sa.String),
)"""


def base_metadata() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "parent",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(10), nullable=False),
        sa.UniqueConstraint("code", name="uq_parent_code"),
    )
    sa.Table(
        "items",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("qty", sa.Integer, server_default=sa.text("0")),
        sa.Column("note", sa.String(100)),
        sa.Column("parent_id", sa.Integer),
    )
    sa.Table("log", md, sa.Column("id", sa.Integer, nullable=False), sa.Column("msg", sa.String(20)))
    return md


class Project:
    """A scratch migration folder on one test database, driven through the library commands."""

    def __init__(self, root: Path, database: Database) -> None:
        self.root = root
        self.db = database
        self.versions = root / "migrations" / "versions"
        self.versions.mkdir(parents=True)
        self.config: Config = build_config({"url": database.url}, root=root, environ={})
        self.lines: list[str] = []
        # The test's own queries share one pooled autocommit connection (it holds no locks
        # between statements, so dbshift's DDL never waits for it): new connections cost ~0.1 s
        # on the local MariaDB, and one engine's statement cache keeps reflection fast.
        self.engine = sa.create_engine(database.url, isolation_level="AUTOCOMMIT", pool_size=1)

    @property
    def backend(self) -> str:
        return self.db.backend

    def add(
        self,
        rev: str,
        down: str | tuple[str, ...] | None,
        upgrade: str = "pass",
        downgrade: str = "pass",
        message: str = "",
    ) -> Path:
        path = self.versions / f"{rev}_{message.replace(' ', '_') or 'step'}.py"
        path.write_text(
            REVISION.format(
                rev=rev,
                down=down,
                message=message or f"step {rev}",
                upgrade=textwrap.indent(textwrap.dedent(upgrade).strip() or "pass", "    "),
                downgrade=textwrap.indent(textwrap.dedent(downgrade).strip() or "pass", "    "),
            ),
            encoding="utf-8",
        )
        return path

    def upgrade(self, target: str = "head") -> None:
        migrate.upgrade(self.config, target, report=self.lines.append)

    def downgrade(self, target: str) -> None:
        migrate.downgrade(self.config, target, report=self.lines.append)

    def accept(self, *revisions: str) -> None:
        """Take applied revision files the test edited as they are now (``dbshift accept``)."""
        journal.accept(self.config, list(revisions))

    def versions_in_db(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(sa.text("SELECT version_num FROM dbshift_version")))

    # -- what is in the database ---------------------------------------------------------
    def execute(self, sql: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql))

    def rows(self, table: str, columns: tuple[str, ...] | None = None) -> list[tuple[Any, ...]]:
        with self.engine.connect() as conn:
            cols = ", ".join(columns) if columns else "*"
            return [tuple(r) for r in conn.execute(sa.text(f"SELECT {cols} FROM {table} ORDER BY 1"))]

    def shape(self) -> dict[str, dict[str, Any]]:
        """The reflected schema of every table but the version table, as plain comparable data."""
        with self.engine.connect() as conn:
            insp = sa.inspect(conn)
            names = sorted(n for n in insp.get_table_names() if n not in OWN_TABLES)
            return _shapes(insp, names, conn.dialect) if names else {}

    def state(self) -> tuple[dict[str, dict[str, Any]], dict[str, list[tuple[Any, ...]]]]:
        shape = self.shape()
        return shape, {name: self.rows(name) for name in shape}

    def columns(self, table: str) -> dict[str, dict[str, Any]]:
        return {c["name"]: c for c in self.shape()[table]["columns"]}


def _shapes(insp: sa.Inspector, names: list[str], dialect: sa.Dialect) -> dict[str, dict[str, Any]]:
    """Bulk reflection (one query per kind, not per table): backend tests run it often."""

    def multi(call: Any) -> Any:
        try:
            return call(filter_names=names)
        except NotImplementedError:
            return {}

    columns, pks, fks = (
        multi(insp.get_multi_columns),
        multi(insp.get_multi_pk_constraint),
        multi(insp.get_multi_foreign_keys),
    )
    uniques, indexes = multi(insp.get_multi_unique_constraints), multi(insp.get_multi_indexes)
    checks, comments = multi(insp.get_multi_check_constraints), multi(insp.get_multi_table_comment)
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        key = (None, name)
        pk = pks.get(key) or {"constrained_columns": [], "name": None}
        out[name] = {
            "columns": [
                {
                    "name": c["name"],
                    "type": str(c["type"].compile(dialect=dialect)),
                    "nullable": c["nullable"],
                    "default": None if c.get("default") is None else str(c["default"]),
                    "comment": c.get("comment"),
                    "autoincrement": c.get("autoincrement"),
                }
                for c in columns.get(key, [])
            ],
            "pk": (tuple(pk["constrained_columns"]), pk.get("name")),
            "fks": sorted(
                (
                    f.get("name") or "",
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                )
                for f in fks.get(key, [])
            ),
            "uniques": sorted((u.get("name") or "", tuple(u["column_names"])) for u in uniques.get(key, [])),
            "indexes": sorted(
                (i["name"] or "", tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
                for i in indexes.get(key, [])
            ),
            "checks": sorted(c.get("name") or c["sqltext"] for c in checks.get(key, [])),
            "comment": (comments.get(key) or {}).get("text"),
        }
    return out


# --------------------------------------------------------------------------- databases


@pytest.fixture
def project(database: Database, tmp_path: Path) -> Iterator[Project]:
    """Tables ``parent``, ``items`` and ``log`` holding rows; the database at revision ``r0``."""
    yield from start_project(database, tmp_path)


def start_project(database: Database, tmp_path: Path) -> Iterator[Project]:
    """The ``project`` fixture's work, for other modules' fixtures."""
    p = Project(tmp_path / "project", database)
    md = base_metadata()
    md.create_all(p.engine)
    with p.engine.begin() as conn:
        conn.execute(md.tables["parent"].insert(), [dict(zip(("id", "code"), r)) for r in PARENT_ROWS])
        conn.execute(md.tables["items"].insert(), [dict(zip(ITEMS, r)) for r in ITEM_ROWS])
        conn.execute(md.tables["log"].insert(), [dict(zip(("id", "msg"), r)) for r in LOG_ROWS])
        if database.backend == "postgresql":  # explicit ids do not move the sequence
            conn.execute(sa.text("SELECT setval('items_id_seq', 3)"))
    p.add("r0", None, message="baseline")
    p.upgrade("r0")
    assert p.versions_in_db() == ["r0"]
    try:
        yield p
    finally:
        p.engine.dispose()


def round_trip(project: Project, upgrade: str, downgrade: str) -> tuple[Any, Any]:
    """Write r1, upgrade to it; returns (state before, state after). Call :func:`back` after checking."""
    project.add("r1", "r0", upgrade, downgrade, message="the operation")
    before = project.state()
    project.upgrade()
    assert project.versions_in_db() == ["r1"]
    return before, project.state()


def back(project: Project, before: Any) -> None:
    """Downgrade to r0 and check that schema and rows are exactly as they were."""
    project.downgrade("r0")
    assert project.versions_in_db() == ["r0"]
    after = project.state()
    assert after[0] == before[0], "schema differs after downgrade"
    assert after[1] == before[1], "rows differ after downgrade"


def refused(project: Project, upgrade: str, *needles: str) -> str:
    """The upgrade fails with a clear one-line error; nothing changed, still at r0."""
    project.add("r1", "r0", upgrade, message="the operation")
    before = project.state()
    with pytest.raises(MigrationError) as info:
        project.upgrade()
    message = str(info.value)
    assert "\n" not in message
    for needle in ("revision r1", *needles):
        assert needle in message, message
    assert project.state() == before
    assert project.versions_in_db() == ["r0"]
    return message


def unchanged_except(before: Any, after: Any, *tables: str) -> None:
    """Tables other than ``tables`` kept schema and rows."""
    for i in (0, 1):
        assert {k: v for k, v in before[i].items() if k not in tables} == {
            k: v for k, v in after[i].items() if k not in tables
        }


# --------------------------------------------------------------------------- tables


CREATE_TAGS = """
tags = op.create_table(
    "tags",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(30), nullable=False, unique=True, comment="shown label"),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", name="fk_tags_parent"), index=True),
    sa.Column("weight", sa.Integer, server_default=sa.text("1")),
    sa.CheckConstraint("weight >= 0", name="ck_tags_weight"),
    comment="labels",
)
op.bulk_insert(tags, [{"id": 1, "label": "new", "parent_id": 2}, {"id": 2, "label": "old", "weight": 0}])
"""


def test_create_table(project: Project) -> None:
    before, after = round_trip(project, CREATE_TAGS, 'op.drop_table("tags")')
    unchanged_except(before, after, "tags")
    assert after[1]["tags"] == [(1, "new", 2, 1), (2, "old", None, 0)]  # the table op.create_table returned
    tags = after[0]["tags"]
    assert [c["name"] for c in tags["columns"]] == ["id", "label", "parent_id", "weight"]
    assert tags["pk"][0] == ("id",)
    assert [fk[1:] for fk in tags["fks"]] == [(("parent_id",), "parent", ("id",))]
    assert ("ix_tags_parent_id", ("parent_id",), False) in tags["indexes"]
    assert [u[1] for u in tags["uniques"]] == [("label",)]
    assert tags["checks"] == ["ck_tags_weight"]
    if project.backend == "sqlite":
        assert tags["comment"] is None  # no comments on SQLite
    else:
        assert tags["comment"] == "labels"
        assert {c["name"]: c["comment"] for c in tags["columns"]}["label"] == "shown label"
    back(project, before)


def test_create_table_if_not_exists(project: Project) -> None:
    upgrade = """
    op.create_table("items", sa.Column("other", sa.Integer), if_not_exists=True)
    op.create_table("fresh", sa.Column("id", sa.Integer, primary_key=True), sa.Column("x", sa.Integer, index=True),
                    if_not_exists=True)
    """
    downgrade = """
    op.drop_table("fresh", if_exists=True)
    op.drop_table("fresh", if_exists=True)
    """
    before, after = round_trip(project, upgrade, downgrade)
    unchanged_except(before, after, "fresh")
    assert after[0]["fresh"]["indexes"] == [("ix_fresh_x", ("x",), False)]
    back(project, before)


def test_drop_table(project: Project) -> None:
    upgrade = """
    op.drop_table("log")
    op.drop_table("no_such_table", if_exists=True)
    """
    downgrade = """
    op.create_table("log", sa.Column("id", sa.Integer, nullable=False), sa.Column("msg", sa.String(20)))
    op.bulk_insert(sa.table("log", sa.column("id", sa.Integer), sa.column("msg", sa.String)),
                   [{"id": 1, "msg": "started"}, {"id": 2, "msg": "stopped"}])
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert "log" not in after[0]
    unchanged_except(before, after, "log")
    back(project, before)


def test_rename_table(project: Project) -> None:
    before, after = round_trip(project, 'op.rename_table("items", "stock")', 'op.rename_table("stock", "items")')
    assert "items" not in after[0]
    assert after[1]["stock"] == before[1]["items"]
    assert [c["name"] for c in after[0]["stock"]["columns"]] == list(ITEMS)
    back(project, before)


def test_table_comments(project: Project) -> None:
    upgrade = """
    op.create_table_comment("items", "things in stock")
    op.create_table_comment("log", "first")
    op.create_table_comment("log", "second", existing_comment="first")
    """
    downgrade = """
    op.drop_table_comment("items", existing_comment="things in stock")
    op.create_table_comment("log", None, existing_comment="second")
    """
    before, after = round_trip(project, upgrade, downgrade)
    if project.backend == "sqlite":
        assert after == before  # documented no-op
    else:
        assert after[0]["items"]["comment"] == "things in stock"
        assert after[0]["log"]["comment"] == "second"
        assert after[1] == before[1]
    back(project, before)


# --------------------------------------------------------------------------- columns


def test_add_column(project: Project) -> None:
    upgrade = """
    op.add_column("items", sa.Column("color", sa.String(20), nullable=False, server_default="none", comment="hue"))
    op.add_column("items", sa.Column("note", sa.String(5)), if_not_exists=True)
    op.add_column("items", sa.Column("size", sa.Integer), if_not_exists=True)
    """
    downgrade = """
    op.drop_column("items", "size", if_exists=True)
    op.drop_column("items", "size", if_exists=True)
    op.drop_column("items", "color")
    """
    before, after = round_trip(project, upgrade, downgrade)
    unchanged_except(before, after, "items")
    cols = project.columns("items")
    assert list(cols) == [*ITEMS, "color", "size"]
    assert cols["note"]["type"] == before[0]["items"]["columns"][3]["type"]  # if_not_exists left it alone
    assert cols["color"]["nullable"] is False
    assert cols["color"]["comment"] == (None if project.backend == "sqlite" else "hue")
    assert project.rows("items", (*ITEMS, "color", "size")) == [(*r, "none", None) for r in ITEM_ROWS]
    back(project, before)


def test_add_column_with_foreign_key(project: Project) -> None:
    upgrade = (
        'op.add_column("log", sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", name="fk_log_parent")))'
    )
    downgrade = f"""
    op.drop_constraint("fk_log_parent", "log", type_="foreignkey")
    {implicit_index_drop(project, "log", "fk_log_parent")}
    op.drop_column("log", "parent_id")
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert [fk[:2] for fk in after[0]["log"]["fks"]] == [("fk_log_parent", ("parent_id",))]
    assert project.rows("log") == [(*r, None) for r in LOG_ROWS]
    back(project, before)


def implicit_index_drop(project: Project, table: str, fk_name: str) -> str:
    """MariaDB gives a foreign key an index of the key's name when none covers its columns, and
    keeps that index when the key is dropped: a downgrade that must leave the schema as it was
    drops it too (dbshift emits exactly the DDL asked for)."""
    return f'op.drop_index("{fk_name}", "{table}")' if project.backend == "mariadb" else ""


def test_drop_column(project: Project) -> None:
    upgrade = """
    op.drop_column("items", "note")
    op.drop_column("items", "nothing_here", if_exists=True)
    """
    downgrade = 'op.add_column("items", sa.Column("note", sa.String(100)))'
    before, after = round_trip(project, upgrade, downgrade)
    assert project.rows("items") == [(r[0], r[1], r[2], r[4]) for r in ITEM_ROWS]
    unchanged_except(before, after, "items")
    project.downgrade("r0")
    # The column comes back at the end of the table, as ADD COLUMN does; its values are gone.
    assert columns_by_name(project.shape()) == columns_by_name(before[0])
    assert project.rows("items", ITEMS) == [(*r[:3], None, r[4]) for r in ITEM_ROWS]


def columns_by_name(shape: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {t: {**s, "columns": sorted(s["columns"], key=lambda c: c["name"])} for t, s in shape.items()}


ALTER_NULLABLE = 'op.alter_column("items", "name", nullable=True, existing_type=sa.String(50))'


def test_alter_column_nullable(project: Project) -> None:
    downgrade = 'op.alter_column("items", "name", nullable=False, existing_type=sa.String(50))'
    before, after = round_trip(project, ALTER_NULLABLE, downgrade)
    assert project.columns("items")["name"]["nullable"] is True
    assert after[1] == before[1]
    back(project, before)


def test_alter_column_type(project: Project) -> None:
    upgrade = """
    op.alter_column("items", "note", type_=sa.String(200), existing_type=sa.String(100))
    op.alter_column("items", "qty", type_=sa.BigInteger, existing_type=sa.Integer, existing_nullable=True,
                    existing_server_default=sa.text("0"))
    """
    downgrade = """
    op.alter_column("items", "qty", type_=sa.Integer, existing_type=sa.BigInteger, existing_nullable=True,
                    existing_server_default=sa.text("0"))
    op.alter_column("items", "note", type_=sa.String(100), existing_type=sa.String(200))
    """
    before, after = round_trip(project, upgrade, downgrade)
    cols = project.columns("items")
    assert cols["note"]["type"] == "VARCHAR(200)"
    assert cols["qty"]["type"].startswith("BIGINT")
    assert cols["qty"]["default"] == before[0]["items"]["columns"][2]["default"]  # default kept
    assert after[1] == before[1]
    back(project, before)


def test_alter_column_type_with_postgresql_using(project: Project) -> None:
    upgrade = """
    op.alter_column("log", "msg", type_=sa.Integer, existing_type=sa.String(20), postgresql_using="length(msg)")
    """
    if project.backend != "postgresql":
        pytest.skip("USING is PostgreSQL's")
    downgrade = 'op.alter_column("log", "msg", type_=sa.String(20), existing_type=sa.Integer)'
    before, _ = round_trip(project, upgrade, downgrade)
    assert project.rows("log") == [(1, 7), (2, 7)]
    project.downgrade("r0")
    assert project.shape() == before[0]
    assert project.rows("log") == [(1, "7"), (2, "7")]


def test_alter_column_server_default(project: Project) -> None:
    upgrade = """
    op.alter_column("items", "qty", server_default="5", existing_server_default=sa.text("0"), existing_type=sa.Integer)
    op.alter_column("items", "note", server_default="n/a", existing_server_default=None)
    """
    downgrade = """
    op.alter_column("items", "note", server_default=None, existing_server_default="n/a")
    op.alter_column("items", "qty", server_default=sa.text("0"), existing_server_default="5", existing_type=sa.Integer)
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert after[1] == before[1]
    project.execute("INSERT INTO items (id, name) VALUES (9, 'new')")
    assert project.rows("items", ("id", "qty", "note"))[-1] == (9, 5, "n/a")
    project.execute("DELETE FROM items WHERE id = 9")
    back(project, before)


def test_alter_column_comment(project: Project) -> None:
    upgrade = (
        'op.alter_column("items", "note", comment="free text", existing_comment=None, existing_type=sa.String(100))'
    )
    downgrade = (
        'op.alter_column("items", "note", comment=None, existing_comment="free text", existing_type=sa.String(100))'
    )
    before, after = round_trip(project, upgrade, downgrade)
    if project.backend == "sqlite":
        assert after == before  # documented no-op
    else:
        cols = project.columns("items")
        assert cols["note"]["comment"] == "free text"
        assert cols["note"]["type"] == "VARCHAR(100)" and cols["note"]["nullable"] is True
    back(project, before)


def test_alter_column_rename(project: Project) -> None:
    upgrade = 'op.alter_column("items", "note", new_column_name="remark", existing_type=sa.String(100))'
    downgrade = 'op.alter_column("items", "remark", new_column_name="note", existing_type=sa.String(100))'
    before, after = round_trip(project, upgrade, downgrade)
    assert list(project.columns("items")) == ["id", "name", "qty", "remark", "parent_id"]
    assert after[1]["items"] == before[1]["items"]
    back(project, before)


def test_alter_column_everything_with_existing_hints(project: Project) -> None:
    upgrade = """
    op.alter_column("items", "name", new_column_name="title", type_=sa.String(80), nullable=True,
                    server_default="?", comment="display name",
                    existing_type=sa.String(50), existing_nullable=False, existing_server_default=None,
                    existing_comment=None)
    """
    downgrade = """
    op.alter_column("items", "title", new_column_name="name", type_=sa.String(50), nullable=False,
                    server_default=None, comment=None,
                    existing_type=sa.String(80), existing_nullable=True, existing_server_default="?",
                    existing_comment="display name")
    """
    before, after = round_trip(project, upgrade, downgrade)
    title = project.columns("items")["title"]
    comment = None if project.backend == "sqlite" else "display name"  # no comments on SQLite
    assert (title["type"], title["nullable"], title["comment"]) == ("VARCHAR(80)", True, comment)
    assert "?" in str(title["default"])
    assert after[1] == before[1]
    back(project, before)


def test_alter_column_without_hints_keeps_the_rest_of_the_column(project: Project) -> None:
    """No existing_* hints: MariaDB reads the column from the database, so its NOT NULL, default,
    comment and AUTO_INCREMENT survive the MODIFY."""
    project.add("r1", "r0", 'op.alter_column("items", "name", comment="keep me")', message="comment")
    project.upgrade()
    upgrade = """
    op.alter_column("items", "qty", type_=sa.BigInteger)
    op.alter_column("items", "name", type_=sa.String(60))
    op.alter_column("items", "id", comment="key")
    """
    downgrade = """
    op.alter_column("items", "id", comment=None)
    op.alter_column("items", "name", type_=sa.String(50))
    op.alter_column("items", "qty", type_=sa.Integer)
    """
    project.add("r2", "r1", upgrade, downgrade, message="without hints")
    before = project.state()
    project.upgrade()
    cols = project.columns("items")
    old = {c["name"]: c for c in before[0]["items"]["columns"]}
    assert cols["qty"]["type"].startswith("BIGINT") and cols["qty"]["default"] == old["qty"]["default"]
    assert cols["name"]["type"] == "VARCHAR(60)"
    no_comments = project.backend == "sqlite"
    assert (cols["name"]["nullable"], cols["name"]["comment"]) == (False, None if no_comments else "keep me")
    assert cols["id"]["comment"] == (None if no_comments else "key")
    assert cols["id"]["autoincrement"] == old["id"]["autoincrement"]
    project.execute("INSERT INTO items (name) VALUES ('auto')")  # id still generated
    assert project.rows("items", ("id", "name"))[-1] == (4, "auto")
    project.execute("DELETE FROM items WHERE name = 'auto'")
    project.downgrade("r1")
    assert project.state() == before


# --------------------------------------------------------------------------- indexes


def test_create_and_drop_index(project: Project) -> None:
    upgrade = """
    op.create_index(op.f("ix_items_name_qty"), "items", ["name", "qty"])
    op.create_index("ux_items_note", "items", ["note"], unique=True)
    op.create_index("ix_log_msg", "log", ["msg"], if_not_exists=True)
    op.create_index("ix_log_msg", "log", ["msg"], if_not_exists=True)
    """
    downgrade = """
    op.drop_index("ix_log_msg", "log", if_exists=True)
    op.drop_index("ix_log_msg", "log", if_exists=True)
    op.drop_index("ux_items_note", "items")
    op.drop_index(op.f("ix_items_name_qty"), table_name="items")
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert after[0]["items"]["indexes"] == sorted(
        [
            *before[0]["items"]["indexes"],
            ("ix_items_name_qty", ("name", "qty"), False),
            ("ux_items_note", ("note",), True),
        ]
    )
    assert ("ix_log_msg", ("msg",), False) in after[0]["log"]["indexes"]
    assert after[1] == before[1]
    back(project, before)


def test_unique_index_refused_by_duplicate_rows_leaves_nothing(project: Project) -> None:
    project.execute("UPDATE items SET note = 'same'")
    message = refused(project, 'op.create_index("ux_items_note", "items", ["note"], unique=True)', "ux_items_note")
    assert "CREATE UNIQUE INDEX" in message


# --------------------------------------------------------------------------- constraints


def constraint_case(project: Project, upgrade: str, downgrade: str, name: str) -> tuple[Any, Any] | None:
    """The round trip (on SQLite a table rebuild)."""
    return round_trip(project, upgrade, downgrade)


def test_create_unique_constraint(project: Project) -> None:
    result = constraint_case(
        project,
        'op.create_unique_constraint("uq_items_name", "items", ["name"])',
        'op.drop_constraint("uq_items_name", "items", type_="unique")',
        "uq_items_name",
    )
    if result is None:
        return
    before, after = result
    assert ("uq_items_name", ("name",)) in after[0]["items"]["uniques"]
    assert after[1] == before[1]
    back(project, before)


def test_create_foreign_key(project: Project) -> None:
    result = constraint_case(
        project,
        'op.create_foreign_key("fk_items_parent", "items", "parent", ["parent_id"], ["id"], ondelete="SET NULL")',
        'op.drop_constraint("fk_items_parent", "items", type_="foreignkey")\n'
        + implicit_index_drop(project, "items", "fk_items_parent"),
        "fk_items_parent",
    )
    if result is None:
        return
    before, after = result
    assert ("fk_items_parent", ("parent_id",), "parent", ("id",)) in after[0]["items"]["fks"]
    assert after[1] == before[1]
    back(project, before)


def test_create_check_constraint(project: Project) -> None:
    result = constraint_case(
        project,
        'op.create_check_constraint("ck_items_qty", "items", sa.column("qty", sa.Integer) >= 0)',
        'op.drop_constraint("ck_items_qty", "items", type_="check")',
        "ck_items_qty",
    )
    if result is None:
        return
    before, after = result
    assert "ck_items_qty" in after[0]["items"]["checks"]
    assert after[1] == before[1]
    back(project, before)


def test_create_primary_key(project: Project) -> None:
    result = constraint_case(
        project,
        'op.create_primary_key("pk_log", "log", ["id"])',
        'op.drop_constraint("pk_log", "log", type_="primary")',
        "pk_log",
    )
    if result is None:
        return
    before, after = result
    assert after[0]["log"]["pk"][0] == ("id",)
    assert after[1] == before[1]
    back(project, before)


def test_drop_constraint_without_type(project: Project) -> None:
    """MySQL-family DDL depends on the constraint's kind; MariaDB looks it up when not given."""
    result = constraint_case(
        project,
        'op.drop_constraint("uq_parent_code", "parent")',
        'op.create_unique_constraint("uq_parent_code", "parent", ["code"])',
        "uq_parent_code",
    )
    if result is None:
        return
    before, after = result
    assert after[0]["parent"]["uniques"] == [] and ("code",) not in [i[1] for i in after[0]["parent"]["indexes"]]
    assert after[1] == before[1]
    back(project, before)


def test_check_constraint_refused_by_rows_leaves_nothing(project: Project) -> None:
    upgrade = """
    op.create_index("ix_items_qty", "items", ["qty"])
    op.create_check_constraint("ck_items_big", "items", "qty > 5")
    """
    if project.backend == "mariadb":
        project.add("r1", "r0", upgrade, 'op.drop_index("ix_items_qty", "items")', message="the operation")
        with pytest.raises(MigrationError) as info:
            project.upgrade()
        message = str(info.value)
        assert "ck_items_big" in message and "CREATE INDEX ix_items_qty ON items (qty)" in message
        assert "MariaDB" in message and "not rolled back" in message
        assert project.versions_in_db() == ["r0"]
        return
    refused(project, upgrade, "ck_items_big", "rolled back")


# --------------------------------------------------------------------------- SQL and data


def test_execute_text_and_statement(project: Project) -> None:
    upgrade = f"""
    op.execute("UPDATE items SET qty = qty + 10 WHERE qty IS NOT NULL")
    {textwrap.indent(ITEMS_TABLE, "    ").strip()}
    op.execute(items.update().where(items.c.note.is_(None)).values(note="none"))
    """
    downgrade = f"""
    {textwrap.indent(ITEMS_TABLE, "    ").strip()}
    op.execute(items.update().where(items.c.note == "none").values(note=None))
    op.execute(sa.text("UPDATE items SET qty = qty - 10 WHERE qty IS NOT NULL"))
    """
    before, _ = round_trip(project, upgrade, downgrade)
    assert project.rows("items", ITEMS) == [
        (1, "apple", 13, "red", 1),
        (2, "pear", None, "none", 2),
        (3, "plum", 17, "sweet", None),
    ]
    back(project, before)


@pytest.mark.parametrize("multiinsert", [True, False])
def test_bulk_insert(project: Project, multiinsert: bool) -> None:
    upgrade = f"""
    {textwrap.indent(ITEMS_TABLE, "    ").strip()}
    op.bulk_insert(items, [{{"id": 4, "name": "fig", "qty": 1}}, {{"id": 5, "name": "o'live", "note": "x"}}],
                   multiinsert={multiinsert})
    """
    downgrade = 'op.execute("DELETE FROM items WHERE id > 3")'
    before, _ = round_trip(project, upgrade, downgrade)
    assert project.rows("items", ITEMS) == [*ITEM_ROWS, (4, "fig", 1, None, None), (5, "o'live", 0, "x", None)]
    back(project, before)


def test_inline_literal(project: Project) -> None:
    upgrade = f"""
    {textwrap.indent(ITEMS_TABLE, "    ").strip()}
    op.execute(items.update().where(items.c.name == op.inline_literal("apple"))
               .values(note=op.inline_literal("green"), qty=op.inline_literal(4)))
    """
    downgrade = f"""
    {textwrap.indent(ITEMS_TABLE, "    ").strip()}
    op.execute(items.update().where(items.c.name == op.inline_literal("apple"))
               .values(note=op.inline_literal("red"), qty=op.inline_literal(3)))
    """
    before, _ = round_trip(project, upgrade, downgrade)
    assert project.rows("items", ITEMS)[0] == (1, "apple", 4, "green", 1)
    back(project, before)


def test_get_bind_sees_the_revision_so_far(project: Project) -> None:
    upgrade = """
    op.create_table("counts", sa.Column("n", sa.Integer))
    conn = op.get_bind()
    n = conn.execute(sa.text("SELECT count(*) FROM items")).scalar_one()
    conn.execute(sa.text("INSERT INTO counts (n) VALUES (:n)"), {"n": n})
    """
    before, after = round_trip(project, upgrade, 'op.drop_table("counts")')
    assert after[1]["counts"] == [(3,)]
    back(project, before)


def test_f_keeps_the_name_as_given(project: Project) -> None:
    upgrade = 'op.create_index(op.f("IX_Items_Qty_Final"), "items", ["qty"])'
    downgrade = 'op.drop_index(op.f("IX_Items_Qty_Final"), "items")'
    before, after = round_trip(project, upgrade, downgrade)
    names = {i[0] for i in after[0]["items"]["indexes"]}
    assert "IX_Items_Qty_Final" in names
    back(project, before)


# --------------------------------------------------------------------------- batch blocks


def test_batch_f_and_the_other_op_helpers(project: Project) -> None:
    """``batch_op.f()``, ``inline_literal()``, ``get_bind()``, ``get_context()``, as in Alembic."""
    upgrade = """
    with op.batch_alter_table("items") as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_items_name"), ["name"])
        batch_op.create_index(batch_op.f("IX_Items_Qty"), ["qty"])
        assert batch_op.get_bind() is op.get_bind() and batch_op.get_context() is op.get_context()
        batch_op.execute(sa.table("items", sa.column("note")).update().values(note=batch_op.inline_literal("n")))
    """
    downgrade = """
    with op.batch_alter_table("items") as batch_op:
        batch_op.drop_index(batch_op.f("IX_Items_Qty"))
        batch_op.drop_constraint(batch_op.f("uq_items_name"), type_="unique")
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert ("uq_items_name", ("name",)) in after[0]["items"]["uniques"]
    assert ("IX_Items_Qty", ("qty",), False) in after[0]["items"]["indexes"]
    assert project.rows("items", ("note",)) == [("n",)] * 3
    project.execute("UPDATE items SET note = CASE id WHEN 1 THEN 'red' WHEN 3 THEN 'sweet' END")
    back(project, before)


# --------------------------------------------------------------------------- long names

LONG = "x" * 70


def fitted(project: Project, name: str) -> str:
    """A name longer than the backend allows, as SQLAlchemy shortens an over-long naming
    convention name: the allowed length minus 8 characters, "_", 4 hex digits of its md5."""
    limit = {"postgresql": 63, "mariadb": 64}.get(project.backend)
    if limit is None or len(name) <= limit:
        return name
    return f"{name[: limit - 8]}_{hashlib.md5(name.encode()).hexdigest()[-4:]}"


def test_long_names_are_shortened_not_refused(project: Project) -> None:
    upgrade = f"""
    op.create_index(op.f("ix_{LONG}"), "items", ["qty"])
    op.create_index("ix_plain_{LONG}", "items", ["note"])
    op.create_unique_constraint(op.f("uq_{LONG}"), "items", ["name"])
    op.create_check_constraint("ck_{LONG}", "items", "qty >= 0")
    op.create_foreign_key(op.f("fk_{LONG}"), "items", "parent", ["parent_id"], ["id"])
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(20)),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", name=op.f("fk_tags_{LONG}"))),
        sa.UniqueConstraint("label", name="uq_tags_{LONG}"),
        sa.Index(op.f("ix_tags_{LONG}"), "parent_id"),
    )
    op.add_column("log", sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", name="fk_log_{LONG}")))
    """
    downgrade = f"""
    op.drop_constraint("fk_log_{LONG}", "log", type_="foreignkey")
    {implicit_index_drop(project, "log", fitted(project, "fk_log_" + LONG))}
    op.drop_column("log", "parent_id")
    op.drop_table("tags")
    op.drop_constraint(op.f("fk_{LONG}"), "items", type_="foreignkey")
    {implicit_index_drop(project, "items", fitted(project, "fk_" + LONG))}
    op.drop_constraint("ck_{LONG}", "items", type_="check")
    op.drop_constraint(op.f("uq_{LONG}"), "items", type_="unique")
    op.drop_index("ix_plain_{LONG}", "items")
    op.drop_index(op.f("ix_{LONG}"), "items")
    """
    before, after = round_trip(project, upgrade, downgrade)
    items, tags = after[0]["items"], after[0]["tags"]
    index_names = {i[0] for i in items["indexes"]}
    assert {fitted(project, f"ix_{LONG}"), fitted(project, f"ix_plain_{LONG}")} <= index_names
    assert (fitted(project, f"uq_{LONG}"), ("name",)) in items["uniques"]
    assert fitted(project, f"ck_{LONG}") in items["checks"]
    assert fitted(project, f"fk_{LONG}") in [f[0] for f in items["fks"]]
    assert [f[0] for f in tags["fks"]] == [fitted(project, f"fk_tags_{LONG}")]
    assert [u[0] for u in tags["uniques"]] == [fitted(project, f"uq_tags_{LONG}")]
    assert fitted(project, f"ix_tags_{LONG}") in [i[0] for i in tags["indexes"]]
    assert [f[0] for f in after[0]["log"]["fks"]] == [fitted(project, f"fk_log_{LONG}")]
    assert after[1] == {**before[1], "tags": [], "log": [(*r, None) for r in LOG_ROWS]}
    back(project, before)


# --------------------------------------------------------------------------- use_alter


def test_tables_referring_to_each_other_with_use_alter(project: Project) -> None:
    """A ``use_alter`` foreign key is added after its table (SQLite, which cannot ALTER one in,
    keeps it inline, as SQLAlchemy and Alembic do), so both tables are created in one revision."""
    upgrade = """
    op.create_table(
        "authors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("best_book_id", sa.Integer),
        sa.ForeignKeyConstraint(["best_book_id"], ["books.id"], name="fk_authors_best_book", use_alter=True),
    )
    op.create_table(
        "books",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id", name="fk_books_author", use_alter=True)),
        sa.Column("sequel_id", sa.Integer, sa.ForeignKey("books.id", name="fk_books_sequel", use_alter=True)),
    )
    op.execute("INSERT INTO authors (id) VALUES (1)")
    op.execute("INSERT INTO books (id, author_id, sequel_id) VALUES (10, 1, NULL), (11, 1, 10)")
    op.execute("UPDATE authors SET best_book_id = 11")
    """
    downgrade = f"""
    op.drop_constraint("fk_authors_best_book", "authors", type_="foreignkey")
    {implicit_index_drop(project, "authors", "fk_authors_best_book")}
    op.drop_table("books")
    op.drop_table("authors")
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert after[0]["authors"]["fks"] == [("fk_authors_best_book", ("best_book_id",), "books", ("id",))]
    assert after[0]["books"]["fks"] == [
        ("fk_books_author", ("author_id",), "authors", ("id",)),
        ("fk_books_sequel", ("sequel_id",), "books", ("id",)),
    ]
    assert after[1]["authors"] == [(1, 11)] and after[1]["books"] == [(10, 1, None), (11, 1, 10)]
    if project.backend != "sqlite":  # SQLite enforces foreign keys only when asked to
        with pytest.raises(sa.exc.IntegrityError):
            project.execute("UPDATE authors SET best_book_id = 99")
    back(project, before)


def test_adding_a_constraint_whose_name_exists_is_an_error_naming_it(project: Project) -> None:
    project.add("r1", "r0", 'op.create_foreign_key("fk_items_parent", "items", "parent", ["parent_id"], ["id"])')
    project.upgrade()
    for upgrade, name in [
        ('op.create_foreign_key("fk_items_parent", "items", "parent", ["id"], ["id"])', "fk_items_parent"),
        ('op.create_unique_constraint("uq_parent_code", "parent", ["id"])', "uq_parent_code"),
    ]:
        project.add("r2", "r1", upgrade, message="again")  # the same file each time, rewritten
        before = project.state()
        with pytest.raises(MigrationError) as info:
            project.upgrade()
        assert name in str(info.value) and "\n" not in str(info.value)
        assert project.versions_in_db() == ["r1"] and project.state() == before
