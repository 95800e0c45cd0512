"""Autogenerate against real databases: what it detects, and that what it writes really works.

Each change test builds the "before" schema with ``create_all``, declares the "after" models and
checks the exact list of detected changes. Then it runs them the way a revision does (rendered
to source, executed through ``op`` in a migration context) and expects a second comparison to
find nothing; then it runs the downgrade (``reverse_ops``) and expects the database to match the
"before" models again.

SQLite changes a table in place only by adding or dropping columns and indexes; type,
nullability and default changes and constraints added to or dropped from an existing table need
a table rebuild, which dbshift does not do yet: those tests are skipped on SQLite. SQLite has no
comments, so comments are not compared there.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql, postgresql

from dbshift.autogenerate.api import diff_database
from dbshift.autogenerate.compare import reverse_ops
from dbshift.autogenerate.render import render_ops
from dbshift.operations import api as op_api
from dbshift.operations.base import Operation
from dbshift.runtime.context import MigrationContext
from tests.backend import random_schemas
from tests.cli_helpers import ScratchProject
from tests.conftest import Database

VERSION_TABLE = "dbshift_version"


class Db:
    """One test database: create models, compare, and run operations as a revision would."""

    def __init__(self, database: Database) -> None:
        self.backend = database.backend
        # Pooled: a new MariaDB connection costs PyMySQL ~50 ms (an SSL context each time).
        self.engine = sa.create_engine(database.url)

    def create(self, metadata: sa.MetaData) -> None:
        metadata.create_all(self.engine, checkfirst=False)

    def diff(self, metadata: sa.MetaData, exclude: Sequence[str] = ()) -> list[Operation]:
        with self.engine.connect() as conn:
            return diff_database(conn, metadata, version_table=VERSION_TABLE, exclude=exclude)

    def run(self, ops: Sequence[Operation]) -> None:
        """Render ``ops`` as a revision body and execute it through ``op``, in one transaction."""
        rendered = render_ops(ops)
        source = "\n".join(["import sqlalchemy as sa", "from dbshift import op", *rendered.imports, rendered.body])
        code = compile(source, "<revision>", "exec")
        with self.engine.begin() as conn:
            context = MigrationContext(conn.dialect, connection=conn)
            with op_api.using_context(context):
                exec(code, {"postgresql": postgresql, "mysql": mysql})
                context.flush()  # SQLite merges a table's changes into one rebuild until here

    def reset(self) -> None:
        """Drop every table (and PostgreSQL enum type): an empty database for the next example."""
        with self.engine.begin() as conn:
            if self.backend == "postgresql":  # each test has a schema of its own (conftest)
                schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            elif self.backend == "mariadb":  # faster than dropping table by table
                name = self.engine.url.database
                conn.exec_driver_sql(f"DROP DATABASE {name}")
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
                conn.exec_driver_sql(f"USE {name}")
            else:
                names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars().all()
                for name in names:
                    conn.exec_driver_sql(f'DROP TABLE "{name}"')

    def roundtrip(
        self,
        before: sa.MetaData,
        after: sa.MetaData,
        expected: list[str],
        *,
        exclude: Sequence[str] = (),
    ) -> list[Operation]:
        """Before -> detect (exactly ``expected``) -> upgrade -> no diff -> downgrade -> no diff."""
        self.create(before)
        assert self.diff(before, exclude) == [], "the 'before' models must match what create_all made"
        ops = self.diff(after, exclude)
        assert [o.describe() for o in ops] == expected
        self.run(ops)
        assert [o.describe() for o in self.diff(after, exclude)] == [], "upgrade left differences"
        self.run(reverse_ops(ops))
        assert [o.describe() for o in self.diff(before, exclude)] == [], "downgrade is not the exact reverse"
        return ops


@pytest.fixture
def db(database: Database) -> Iterator[Db]:
    helper = Db(database)
    yield helper
    helper.engine.dispose()


def per_backend(db: Db, **values: Any) -> Any:
    """The value for this backend (``default`` when not named)."""
    return values.get(db.backend, values.get("default"))


def parent_table(md: sa.MetaData) -> sa.Table:
    return sa.Table(
        "parent",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
    )


# -- tables -------------------------------------------------------------------------------------
def child_table(md: sa.MetaData) -> sa.Table:
    return sa.Table(
        "child",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="CASCADE"), nullable=False),
        sa.Column("other_id", sa.Integer, sa.ForeignKey("parent.id", name="fk_child_other"), index=True),
        sa.Column("name", sa.String(50), nullable=False, server_default="unnamed", comment="display name"),
        sa.Column("email", sa.String(100)),
        sa.Column("score", sa.Numeric(10, 2), server_default="0"),
        sa.Column("created", sa.DateTime, server_default=sa.func.now()),
        sa.UniqueConstraint("email", name="uq_child_email"),
        sa.Index("ix_child_name", "name"),
        sa.Index("ix_child_name_score", "name", "score", unique=True),
        comment="children",
    )


def test_added_table_with_columns_keys_and_indexes(db: Db) -> None:
    before = sa.MetaData()
    parent_table(before)
    after = sa.MetaData()
    parent_table(after)
    child_table(after)
    # ix_child_other_id serves a foreign key: it is created with its table (see compare.py).
    db.roundtrip(
        before,
        after,
        [
            "added table 'child'",
            "added index 'ix_child_name' on child (name)",
            "added unique index 'ix_child_name_score' on child (name, score)",
        ],
    )


def test_removed_table_with_its_indexes(db: Db) -> None:
    before = sa.MetaData()
    parent_table(before)
    child = child_table(before)
    child.indexes.discard(next(ix for ix in child.indexes if ix.name == "ix_child_name_score"))
    after = sa.MetaData()
    parent_table(after)
    ops = db.roundtrip(before, after, ["removed index 'ix_child_name' on child (name)", "removed table 'child'"])
    # The downgrade creates the table again from what was reflected: keys, defaults, comments.
    assert [o.describe() for o in reverse_ops(ops)] == [
        "added table 'child'",
        "added index 'ix_child_name' on child (name)",
    ]


def test_removed_tables_referring_tables_first(db: Db) -> None:
    before = sa.MetaData()
    sa.Table("a_root", before, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "b_middle",
        before,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("root_id", sa.Integer, sa.ForeignKey("a_root.id")),
    )
    sa.Table(
        "c_leaf",
        before,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("middle_id", sa.Integer, sa.ForeignKey("b_middle.id")),
        sa.Column("root_id", sa.Integer, sa.ForeignKey("a_root.id")),
    )
    db.roundtrip(
        before,
        sa.MetaData(),
        ["removed table 'c_leaf'", "removed table 'b_middle'", "removed table 'a_root'"],
    )


def test_tables_referring_to_each_other(db: Db) -> None:
    cycle = sa.MetaData()
    sa.Table(
        "a_first",
        cycle,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("b_id", sa.Integer, sa.ForeignKey("b_second.id", name="fk_a_b", use_alter=True)),
    )
    sa.Table(
        "b_second",
        cycle,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a_id", sa.Integer, sa.ForeignKey("a_first.id", name="fk_b_a")),
    )
    if db.backend == "sqlite":  # no ALTER for constraints: the cycle stays inside the tables
        expected = ["added table 'a_first'", "added table 'b_second'"]
    else:
        expected = [
            "added table 'a_first'",
            "added table 'b_second'",
            "added foreign key 'fk_a_b' on a_first (b_id) -> b_second (id)",
        ]
    db.roundtrip(sa.MetaData(), cycle, expected)


def test_unknown_tables_dropped_unless_excluded(db: Db) -> None:
    before = sa.MetaData()
    parent_table(before)
    for name in ("legacy_orders", "legacy_users", "audit_2020"):
        sa.Table(name, before, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(VERSION_TABLE, before, sa.Column("version_num", sa.String(32), primary_key=True))
    after = sa.MetaData()
    parent_table(after)
    sa.Table(VERSION_TABLE, after, sa.Column("version_num", sa.String(32), primary_key=True))
    db.create(before)
    with db.engine.connect() as conn:
        everything = diff_database(conn, after, version_table=VERSION_TABLE)
        kept = diff_database(conn, after, version_table=VERSION_TABLE, exclude=["legacy_*"])
        # The version table is never compared, whether or not the models declare it.
        models_only = sa.MetaData()
        parent_table(models_only)
        for name in ("legacy_orders", "legacy_users", "audit_2020"):
            sa.Table(name, models_only, sa.Column("id", sa.Integer, primary_key=True))
        assert diff_database(conn, models_only, version_table=VERSION_TABLE) == []
    assert [o.describe() for o in everything] == [
        "removed table 'audit_2020'",
        "removed table 'legacy_orders'",
        "removed table 'legacy_users'",
    ]
    assert [o.describe() for o in kept] == ["removed table 'audit_2020'"]
    db.run(kept)
    assert db.diff(after, ["legacy_*"]) == []
    assert {"legacy_orders", "legacy_users", VERSION_TABLE} <= set(sa.inspect(db.engine).get_table_names())


# -- columns ------------------------------------------------------------------------------------
def items_table(md: sa.MetaData, *columns: sa.schema.SchemaItem, **kw: Any) -> sa.Table:
    return sa.Table("items", md, sa.Column("id", sa.Integer, primary_key=True), *columns, **kw)


def test_added_and_removed_columns(db: Db) -> None:
    before = sa.MetaData()
    items_table(before, sa.Column("old", sa.String(30), server_default="gone"), sa.Column("keep", sa.Integer))
    after = sa.MetaData()
    items_table(
        after,
        sa.Column("keep", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("flag", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    db.roundtrip(
        before,
        after,
        ["added column 'items.note'", "added column 'items.flag'", "removed column 'items.old'"],
    )


def test_nullability(db: Db) -> None:
    before = sa.MetaData()
    items_table(before, sa.Column("a", sa.String(10), nullable=True), sa.Column("b", sa.Integer, nullable=False))
    after = sa.MetaData()
    items_table(after, sa.Column("a", sa.String(10), nullable=False), sa.Column("b", sa.Integer, nullable=True))
    db.roundtrip(
        before,
        after,
        ["modified column 'items.a': NOT NULL", "modified column 'items.b': NULL"],
    )


def test_type_changes(db: Db) -> None:
    before = sa.MetaData()
    items_table(
        before,
        sa.Column("name", sa.String(20)),
        sa.Column("counter", sa.Integer, server_default="0"),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("body", sa.String(200)),
    )
    after = sa.MetaData()
    items_table(
        after,
        sa.Column("name", sa.String(50)),
        sa.Column("counter", sa.BigInteger, server_default="0"),
        sa.Column("price", sa.Numeric(12, 4)),
        sa.Column("body", sa.Text),
    )
    integer = per_backend(db, mariadb="INTEGER(display_width=11)", default="INTEGER()")
    decimal = per_backend(db, mariadb="DECIMAL", default="NUMERIC")
    db.roundtrip(
        before,
        after,
        [
            "modified column 'items.name': type VARCHAR(length=20) -> String(length=50)",
            f"modified column 'items.counter': type {integer} -> BigInteger()",
            f"modified column 'items.price': type {decimal}(precision=10, scale=2) -> Numeric(precision=12, scale=4)",
            "modified column 'items.body': type VARCHAR(length=200) -> Text()",
        ],
    )


def test_server_defaults(db: Db) -> None:
    before = sa.MetaData()
    items_table(
        before,
        sa.Column("status", sa.String(20)),
        sa.Column("qty", sa.Integer, server_default="1"),
        sa.Column("created", sa.DateTime, server_default=sa.func.now()),
        sa.Column("active", sa.Boolean, server_default=sa.true()),
    )
    after = sa.MetaData()
    items_table(
        after,
        sa.Column("status", sa.String(20), server_default="new"),
        sa.Column("qty", sa.Integer, server_default="5"),
        sa.Column("created", sa.DateTime),
        sa.Column("active", sa.Boolean, server_default=sa.false()),
    )
    now = per_backend(db, mariadb="current_timestamp()", sqlite="CURRENT_TIMESTAMP", default="now()")
    was_true = per_backend(db, mariadb="1", sqlite="1", default="true")
    was_one = per_backend(db, sqlite="'1'", default="1")  # SQLite keeps the default as declared
    false = per_backend(db, sqlite="0", default="false")
    db.roundtrip(
        before,
        after,
        [
            "modified column 'items.status': server default none -> 'new'",
            f"modified column 'items.qty': server default {was_one} -> '5'",
            f"modified column 'items.created': server default {now} -> none",
            f"modified column 'items.active': server default {was_true} -> {false}",
        ],
    )


# -- indexes and constraints --------------------------------------------------------------------
def test_indexes(db: Db) -> None:
    before = sa.MetaData()
    items_table(
        before,
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.String(20)),
        sa.Column("c", sa.Integer),
        sa.Index("ix_items_a", "a"),
        sa.Index("ix_items_moved", "a", "b"),
        sa.Index("ix_items_c_unique", "c", unique=True),
    )
    after = sa.MetaData()
    items_table(
        after,
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.String(20)),
        sa.Column("c", sa.Integer),
        sa.Index("ix_items_moved", "b", "a"),
        sa.Index("ix_items_b_unique", "b", unique=True),
        sa.Index("ix_items_ac", "a", "c"),
    )
    expected = [
        "removed index 'ix_items_a' on items (a)",
        "removed unique index 'ix_items_c_unique' on items (c)",
        "removed index 'ix_items_moved' on items (a, b)",
        "added index 'ix_items_ac' on items (a, c)",
        "added unique index 'ix_items_b_unique' on items (b)",
        "added index 'ix_items_moved' on items (b, a)",
    ]
    if db.backend == "mariadb":
        # A unique index the models no longer name is, to MySQL, a unique constraint like any other.
        del expected[1]
        expected.insert(2, "removed unique constraint 'ix_items_c_unique' on items (c)")
    db.roundtrip(before, after, expected)


def test_expression_index(db: Db) -> None:
    if db.backend == "mariadb":
        pytest.skip("MariaDB has no indexes on expressions")

    def models(with_index: bool) -> sa.MetaData:
        md = sa.MetaData()
        table = items_table(md, sa.Column("name", sa.String(40)))
        if with_index:
            sa.Index("ix_items_lower_name", sa.func.lower(table.c.name))
        return md

    db.roundtrip(models(False), models(True), ["added index 'ix_items_lower_name' on items (lower(name))"])


def test_index_on_a_new_column(db: Db) -> None:
    before = sa.MetaData()
    items_table(before)
    after = sa.MetaData()
    items_table(after, sa.Column("sku", sa.String(30), index=True))
    db.roundtrip(
        before,
        after,
        ["added column 'items.sku'", "added index 'ix_items_sku' on items (sku)"],
    )


def test_unique_constraints(db: Db) -> None:
    before = sa.MetaData()
    items_table(
        before,
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer),
        sa.Column("c", sa.String(10), unique=True),
        sa.UniqueConstraint("a", name="uq_items_a"),
    )
    after = sa.MetaData()
    items_table(
        after,
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer),
        sa.Column("c", sa.String(10)),
        sa.UniqueConstraint("a", "b", name="uq_items_a_b"),
    )
    c_name = per_backend(db, postgresql=" 'items_c_key'", mariadb=" 'c'", sqlite="")  # SQLite: unnamed
    db.roundtrip(
        before,
        after,
        [
            "removed unique constraint 'uq_items_a' on items (a)",
            f"removed unique constraint{c_name} on items (c)",
            "added unique constraint 'uq_items_a_b' on items (a, b)",
        ],
    )


def test_foreign_keys(db: Db) -> None:

    def models(*fks: sa.ForeignKeyConstraint) -> sa.MetaData:
        md = sa.MetaData()
        parent_table(md)
        items_table(
            md,
            sa.Column("p_dropped", sa.Integer),
            sa.Column("p_changed", sa.Integer),
            sa.Column("p_added", sa.Integer),
            sa.Column("p_self", sa.Integer),
            *fks,
        )
        return md

    before = models(
        sa.ForeignKeyConstraint(["p_dropped"], ["parent.id"], name="fk_dropped"),
        sa.ForeignKeyConstraint(["p_changed"], ["parent.id"], name="fk_changed", ondelete="CASCADE"),
    )
    after = models(
        sa.ForeignKeyConstraint(["p_changed"], ["parent.id"], name="fk_changed", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["p_added"], ["parent.id"]),
        sa.ForeignKeyConstraint(["p_self"], ["items.id"], name="fk_self", ondelete="CASCADE"),
    )
    # An unnamed foreign key gets the name PostgreSQL would give it, so the downgrade can drop it.
    expected = [
        "removed foreign key 'fk_changed' on items (p_changed) -> parent (id)",
        "removed foreign key 'fk_dropped' on items (p_dropped) -> parent (id)",
        "added foreign key 'items_p_added_fkey' on items (p_added) -> parent (id)",
        "added foreign key 'fk_changed' on items (p_changed) -> parent (id)",
        "added foreign key 'fk_self' on items (p_self) -> items (id)",
    ]
    if db.backend == "mariadb":
        # MariaDB created an index for fk_dropped by itself; it goes with the foreign key
        # (fk_changed's stays, for the foreign key added back).
        expected.insert(2, "removed index 'fk_dropped' on items (p_dropped)")
        # A foreign key it adds gets its index explicitly, so that the downgrade removes it too.
        expected[3:3] = [
            "added index 'items_p_added_fkey' on items (p_added)",
            "added index 'fk_self' on items (p_self)",
        ]
    db.roundtrip(before, after, expected)


# -- comments -----------------------------------------------------------------------------------
def test_comments(db: Db) -> None:
    before = sa.MetaData()
    items_table(
        before,
        sa.Column("a", sa.Integer, comment="old a"),
        sa.Column("b", sa.Integer, comment="gone"),
        sa.Column("c", sa.String(10)),
        comment="old table comment",
    )
    after = sa.MetaData()
    items_table(
        after,
        sa.Column("a", sa.Integer, comment="new a"),
        sa.Column("b", sa.Integer),
        sa.Column("c", sa.String(10), comment="it's new"),
        comment="new table comment",
    )
    expected = [
        "modified column 'items.a': comment",
        "modified column 'items.b': comment",
        "modified column 'items.c': comment",
        "changed comment on table 'items'",
    ]
    if db.backend == "sqlite":  # SQLite has no comments: nothing to compare
        expected = []
    db.roundtrip(before, after, expected)
    no_comment = sa.MetaData()
    items_table(no_comment, sa.Column("a", sa.Integer), sa.Column("b", sa.Integer), sa.Column("c", sa.String(10)))
    ops = db.diff(no_comment)
    if db.backend != "sqlite":
        assert [o.describe() for o in ops][-1] == "removed comment on table 'items'"


# -- no false positives -------------------------------------------------------------------------
def rich_models(backend: str) -> sa.MetaData:
    """A little of everything a real application declares."""
    md = sa.MetaData()
    sa.Table(
        "owner",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True, comment="the name"),
        sa.Column("manager_id", sa.Integer, sa.ForeignKey("owner.id", ondelete="SET NULL")),
        comment="people",
    )
    everything = sa.Table(
        "everything",
        md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("i", sa.Integer, server_default="5"),
        sa.Column("i2", sa.Integer, server_default=sa.text("-7")),
        sa.Column("si", sa.SmallInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("bi", sa.BigInteger),
        sa.Column("s", sa.String(20), server_default="abc"),
        sa.Column("s2", sa.String(30), server_default=sa.text("'it''s'")),
        sa.Column("s3", sa.String(10), server_default=""),
        sa.Column("tx", sa.Text),
        sa.Column("b", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("b2", sa.Boolean, server_default=sa.text("false" if backend == "postgresql" else "0")),
        sa.Column("b3", sa.Boolean, server_default=sa.false()),
        sa.Column("dt", sa.DateTime, server_default=sa.func.now()),
        sa.Column("dt2", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("dtz", sa.DateTime(timezone=True), server_default=sa.func.current_timestamp()),
        sa.Column("d", sa.Date, server_default="2020-01-31"),
        sa.Column("tm", sa.Time),
        sa.Column("n", sa.Numeric(10, 2), server_default="1.5"),
        sa.Column("n0", sa.Numeric),
        sa.Column("n5", sa.Numeric(5)),
        sa.Column("f", sa.Float, server_default="2.5"),
        sa.Column("f53", sa.Float(precision=53)),
        sa.Column("dbl", sa.Double),
        sa.Column("e", sa.Enum("small", "Medium", "LARGE", name="size_enum"), server_default="small"),
        sa.Column("lb", sa.LargeBinary),
        sa.Column("j", sa.JSON),
        sa.Column("u", sa.Uuid),
        sa.Column("u2", sa.Uuid(as_uuid=False)),
        sa.Column("ch", sa.CHAR),
        sa.Column("uni", sa.Unicode(40)),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("owner.id", name="fk_everything_owner", ondelete="CASCADE")),
        sa.Column("co_owner_id", sa.Integer, sa.ForeignKey("owner.id", ondelete="cascade", onupdate="CASCADE")),
        sa.Column("restricted_id", sa.Integer, sa.ForeignKey("owner.id", ondelete="RESTRICT")),
        sa.Column("indexed_fk", sa.Integer, sa.ForeignKey("owner.id"), index=True),
        sa.Column("uq1", sa.Integer, unique=True),
        sa.Column("a1", sa.Integer),
        sa.Column("a2", sa.String(10)),
        sa.Column("ix1", sa.Integer, index=True),
        sa.Column("ix2", sa.String(40)),
        sa.Column("ux", sa.String(40), unique=True, index=True),
        sa.Column("commented", sa.Integer, comment="a column comment"),
        sa.Column("doubled", sa.Integer, sa.Computed("i * 2", persisted=True)),
        sa.UniqueConstraint("a1", "a2", name="uq_a1_a2"),
        sa.UniqueConstraint("ix1", "bi"),
        sa.Index("ix_multi", "ix2", "i"),
        sa.Index("ix_unique_s", "s", unique=True),
        comment="all types",
    )
    if backend != "mariadb":
        everything.append_column(sa.Column("vs", sa.String))
        sa.Index("ix_lower_s2", sa.func.lower(everything.c.s2))
    if backend == "postgresql":
        everything.append_column(sa.Column("arr", postgresql.ARRAY(sa.Integer), server_default=sa.text("'{}'")))
        everything.append_column(sa.Column("jb", postgresql.JSONB, server_default=sa.text("'{}'::jsonb")))
        everything.append_column(sa.Column("iv", sa.Interval))
        everything.append_column(sa.Column("r", sa.REAL))
        everything.append_column(
            sa.Column("utc", sa.DateTime(timezone=True), server_default=sa.text("timezone('utc', now())"))
        )
        everything.append_column(sa.Column("ts3", postgresql.TIMESTAMP(precision=3)))
        sa.Table("numbered", md, sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True))
    if backend == "mariadb":
        everything.append_column(sa.Column("r", sa.REAL))
        everything.append_column(sa.Column("unsigned", mysql.INTEGER(unsigned=True)))
        everything.append_column(sa.Column("tiny", mysql.TINYINT))
        everything.append_column(
            sa.Column("fsp", mysql.DATETIME(fsp=6), server_default=sa.text("CURRENT_TIMESTAMP(6)"))
        )
        everything.append_column(
            sa.Column("touched", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"))
        )
        everything.append_column(sa.Column("today", sa.Date, server_default=sa.text("(curdate())")))
    return md


def test_rich_models_match_what_create_all_made(db: Db) -> None:
    md = rich_models(db.backend)
    db.create(md)
    assert [o.describe() for o in db.diff(md)] == []


# dbshift's schema model keeps a generated column's expression, not whether it is STORED, so the
# table created back from reflection lets SQLAlchemy choose (and warn): see the report on model.py.
@pytest.mark.filterwarnings("ignore:Computed column .* is being created as 'STORED'")
def test_dropping_everything_and_back(db: Db) -> None:
    """The downgrade of dropping every table creates them again from their reflection alone: the
    result must still match the models, type for type and default for default."""
    md = rich_models(db.backend)
    db.create(md)
    ops = db.diff(sa.MetaData())
    db.run(ops)
    assert db.diff(sa.MetaData()) == []
    db.run(reverse_ops(ops))
    assert [o.describe() for o in db.diff(md)] == []


LONG_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


def test_long_names_from_a_naming_convention(db: Db) -> None:
    """Names longer than the backend allows come out of a naming convention shortened
    (SQLAlchemy's create_all does it): compared as the database holds them, created that way."""
    before = sa.MetaData(naming_convention=LONG_CONVENTION)
    parent_table(before)
    after = sa.MetaData(naming_convention=LONG_CONVENTION)
    parent_table(after)
    sa.Table(
        "a_table_with_a_rather_long_name_for_a_table",
        after,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a_column_with_a_long_name_too", sa.Integer, sa.ForeignKey("parent.id"), index=True),
        sa.Column("another_column_with_a_long_name", sa.String(20), unique=True),
        sa.CheckConstraint("another_column_with_a_long_name <> ''", name="not_empty_and_then_some_more_words"),
    )
    db.roundtrip(
        before,
        after,
        ["added table 'a_table_with_a_rather_long_name_for_a_table'"],
    )
    db.reset()
    db.create(after)  # create_all names them the same way: no difference
    assert [o.describe() for o in db.diff(after)] == []


def enum_type_names(db: Db) -> list[str]:
    with db.engine.connect() as conn:
        return sorted(e["name"] for e in sa.inspect(conn).get_enums())  # type: ignore[attr-defined]


def test_new_table_with_a_postgresql_enum(db: Db) -> None:
    if db.backend != "postgresql":
        pytest.skip("only PostgreSQL has enum types")
    after = sa.MetaData()
    items_table(after, sa.Column("size", sa.Enum("s", "m", name="size_kind")))
    db.roundtrip(sa.MetaData(), after, ["added enum type 'size_kind'", "added table 'items'"])
    assert enum_type_names(db) == []  # the downgrade dropped the type it created


def test_postgresql_enum_types_created_and_dropped_explicitly(db: Db) -> None:
    """No operation drops a type on its own: autogenerate writes the type's creation when the
    models start using it and its drop when they stop (and the reverses for the downgrade)."""
    if db.backend != "postgresql":
        pytest.skip("only PostgreSQL has enum types")
    before = sa.MetaData()
    items_table(
        before,
        sa.Column("size", sa.Enum("s", "m", name="size_kind")),
        sa.Column("tone", sa.Enum("low", "high", name="tone")),
    )
    sa.Table("moods", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("m", sa.Enum("a", name="mood")))
    after = sa.MetaData()
    items_table(
        after,
        sa.Column("tone", sa.Enum("low", "high", name="tone")),
        sa.Column("feel", sa.Enum("a", name="mood")),
    )
    sa.Table(
        "tags", after, sa.Column("id", sa.Integer, primary_key=True), sa.Column("k", sa.Enum("x", name="tag_kind"))
    )
    ops = db.roundtrip(
        before,
        after,
        [
            "added enum type 'tag_kind'",
            "removed table 'moods'",
            "added column 'items.feel'",
            "removed column 'items.size'",
            "added table 'tags'",
            "removed enum type 'size_kind'",
        ],
    )
    assert enum_type_names(db) == ["mood", "size_kind", "tone"]
    body = render_ops(ops).body
    assert 'op.execute(postgresql.CreateEnumType(postgresql.ENUM("x", name="tag_kind")))' in body
    assert 'op.execute(postgresql.DropEnumType(postgresql.ENUM("s", "m", name="size_kind")))' in body

    # The same revision in --sql mode: each type created once, before its table; dropped after its column.
    sql = offline_sql(ops, db.engine.dialect)
    assert sql.count("CREATE TYPE tag_kind AS ENUM ('x')") == 1
    assert sql.index("CREATE TYPE tag_kind") < sql.index("CREATE TABLE tags")
    assert sql.index("ALTER TABLE items DROP COLUMN size") < sql.index("DROP TYPE size_kind")
    down = offline_sql(reverse_ops(ops), db.engine.dialect)
    assert down.count("CREATE TYPE size_kind AS ENUM ('s', 'm')") == 1
    assert down.index("CREATE TYPE size_kind") < down.index("ALTER TABLE items ADD COLUMN size")
    assert down.index("DROP TABLE tags") < down.index("DROP TYPE tag_kind")


def test_postgresql_enum_type_that_exists_unused_is_used_as_it_is(db: Db) -> None:
    if db.backend != "postgresql":
        pytest.skip("only PostgreSQL has enum types")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TYPE leftover AS ENUM ('a', 'b')")  # e.g. left by an Alembic downgrade
    after = sa.MetaData()
    items_table(after, sa.Column("k", sa.Enum("a", "b", name="leftover")))
    db.roundtrip(sa.MetaData(), after, ["added table 'items'"])
    assert enum_type_names(db) == ["leftover"]


def offline_sql(ops: Sequence[Operation], dialect: sa.Dialect) -> str:
    """The SQL the rendered revision body writes in --sql mode."""
    rendered = render_ops(ops)
    source = "\n".join(["import sqlalchemy as sa", "from dbshift import op", *rendered.imports, rendered.body])
    out = io.StringIO()
    context = MigrationContext(dialect, output=out)
    with op_api.using_context(context):
        exec(compile(source, "<revision>", "exec"), {})
        context.flush()
    return " ".join(out.getvalue().split())


# -- random schemas -----------------------------------------------------------------------------
# The strategies live in tests/backend/random_schemas.py; the A->B->A property (autogenerate
# from an empty database, rows kept across upgrade and downgrade) in test_autogenerate_property.py.
RANDOM = settings(
    # Each example touches a real database; DBSHIFT_RANDOM_EXAMPLES=500 for a longer hunt.
    max_examples=int(os.environ.get("DBSHIFT_RANDOM_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@RANDOM
@given(data=st.data())
def test_random_models_match_what_create_all_made(db: Db, data: st.DataObject) -> None:
    spec = data.draw(random_schemas.schemas(db.backend))
    md = random_schemas.build(spec, db.backend)
    db.reset()
    db.create(md)
    assert [o.describe() for o in db.diff(md)] == []


# --------------------------------------------------------------------------- data loss
SHRUNK_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
packages = sa.Table(
    "packages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(50)),
)
"""


def test_revision_autogenerate_warns_of_data_loss_and_marks_the_file(database: Database, tmp_path: Path) -> None:
    """``revision --autogenerate`` says what the revision can destroy (a dropped table and column,
    a shorter VARCHAR) after its Detected lines, marks those calls in the file, and the file runs."""
    before = sa.MetaData()
    packages = sa.Table(
        "packages",
        before,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
        sa.Column("title", sa.String(200)),
    )
    sa.Table("old_items", before, sa.Column("id", sa.Integer, primary_key=True))
    engine = database.engine()
    try:
        before.create_all(engine)
        with engine.begin() as conn:
            conn.execute(sa.insert(packages), [{"name": "dbshift", "title": "Migrations"}])
    finally:
        engine.dispose()
    project = ScratchProject(tmp_path / "project", database.url, target_metadata="app.models:metadata")
    project.write("app/__init__.py", "")
    project.write("app/models.py", SHRUNK_MODELS)

    result = project.run("revision", "--autogenerate", "-m", "shrink")
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    reported = [line for line in out if line.startswith(("Detected", "Warning"))]
    assert reported == [
        "Detected removed table 'old_items'",
        "Detected modified column 'packages.title': type VARCHAR(length=200) -> String(length=50)",
        "Detected removed column 'packages.name'",
        "Warning: data loss: drops table old_items (and its rows)",
        "Warning: data loss: packages.title VARCHAR(200) -> VARCHAR(50) may truncate values",
        "Warning: data loss: drops column packages.name",
    ]
    assert out.index(reported[-1]) < next(i for i, line in enumerate(out) if line.startswith("Generated"))
    (name,) = project.revision_files()
    text = (project.versions / name).read_text(encoding="utf-8")
    upgrade, downgrade = text.split("def upgrade()")[1].split("def downgrade()")
    assert 'op.drop_table("old_items")  # data loss: drops table old_items (and its rows)' in upgrade
    assert 'op.drop_column("packages", "name")  # data loss: drops column packages.name' in upgrade
    assert ")  # data loss: packages.title VARCHAR(200) -> VARCHAR(50) may truncate values" in upgrade
    assert "data loss" not in downgrade  # it adds back and widens

    result = project.run("upgrade", "head")
    assert result.returncode == 0, result.stderr
    engine = database.engine()
    try:
        columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("packages")}
        assert set(columns) == {"id", "title"} and getattr(columns["title"], "length", None) == 50
        assert "old_items" not in sa.inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT title FROM packages")).scalars().all() == ["Migrations"]
    finally:
        engine.dispose()
    result = project.run("downgrade", "base")
    assert result.returncode == 0, result.stderr
    assert {"packages", "old_items"} <= database.tables()
