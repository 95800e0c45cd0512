"""Autogenerate of CHECK constraints, primary keys, generated and identity columns, comments and
client-side defaults, round trip on real databases (see :mod:`tests.backend.test_autogenerate`):
create "before", no diff; diff "after" gives exactly the expected changes; upgrade; no diff;
downgrade; no diff against "before"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from dbshift.autogenerate.compare import reverse_ops
from dbshift.errors import MigrationError
from dbshift.operations.column import AlterColumnOp
from tests.backend.test_autogenerate import Db, per_backend
from tests.conftest import Database


@pytest.fixture
def db(database: Database) -> Iterator[Db]:
    helper = Db(database)
    yield helper
    helper.engine.dispose()


def items(md: sa.MetaData, *extra: sa.SchemaItem, price: sa.Column[int] | None = None) -> sa.Table:
    return sa.Table(
        "items",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        price if price is not None else sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("name", sa.String(20)),
        *extra,
    )


# -- CHECK constraints --------------------------------------------------------------------------
def test_unchanged_checks_of_every_spelling_find_nothing(db: Db) -> None:
    """What each backend rewrites (casts, IN, LIKE, BETWEEN, lower(), parentheses) is no change."""
    md = sa.MetaData()
    items(
        md,
        sa.CheckConstraint("price > 0", name="ck_positive"),
        sa.CheckConstraint("length(name) > 2 AND name <> 'x'"),
        sa.CheckConstraint("price IN (1, 2) OR price BETWEEN 5 AND 7", name="ck_in"),
        sa.CheckConstraint("lower(name) != 'x' AND name LIKE 'a%'", name="ck_like"),
        sa.CheckConstraint("(price * 2) > (10 - price)", name="ck_math"),
        sa.Column("flag", sa.Boolean, sa.CheckConstraint("flag = true")),
        sa.Column("doc", sa.JSON),  # MariaDB adds CHECK (json_valid(doc)) by itself
        sa.Column("status", sa.Enum("new", "done", native_enum=False, create_constraint=True)),
        sa.Column("kind", sa.Enum("a", "b", name="kind", native_enum=False, create_constraint=True)),
        sa.Column("on", sa.Boolean(create_constraint=True)),  # a CHECK only where no native boolean
    )
    db.create(md)
    assert db.diff(md) == []


def test_named_check_added_and_dropped(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    items(before, sa.CheckConstraint("price < 1000", name="ck_cap"))
    items(after, sa.CheckConstraint("price > 0", name="ck_positive"))
    db.roundtrip(
        before,
        after,
        [
            "removed check constraint 'ck_cap' on items ("
            + per_backend(db, postgresql="price < 1000::numeric", mariadb="`price` < 1000", sqlite="price < 1000")
            + ")",
            "added check constraint 'ck_positive' on items (price > 0)",
        ],
    )


def test_changed_check_is_dropped_and_added(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    items(before, sa.CheckConstraint("price > 0", name="ck_price"))
    items(after, sa.CheckConstraint("price >= 0 AND price < 1000", name="ck_price"))
    was = per_backend(db, postgresql="price > 0::numeric", mariadb="`price` > 0", sqlite="price > 0")
    db.roundtrip(
        before,
        after,
        [
            f"removed check constraint 'ck_price' on items ({was})",
            "added check constraint 'ck_price' on items (price >= 0 AND price < 1000)",
        ],
    )


def test_unnamed_check_added_gets_postgresql_name(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    items(before)
    items(
        after,
        sa.CheckConstraint("length(name) > 2"),
        sa.CheckConstraint("price > 0 OR name IS NULL"),
    )
    db.roundtrip(
        before,
        after,
        [
            "added check constraint 'items_name_check' on items (length(name) > 2)",
            "added check constraint 'items_check' on items (price > 0 OR name IS NULL)",
        ],
    )


def test_unnamed_check_added_is_named_by_convention(db: Db) -> None:
    convention = {"ck": "ck_%(table_name)s_%(column_0_name)s"}
    before, after = sa.MetaData(naming_convention=convention), sa.MetaData(naming_convention=convention)
    items(before)
    table = items(after)
    table.append_constraint(sa.CheckConstraint(table.c.price > 0))
    db.roundtrip(before, after, ["added check constraint 'ck_items_price' on items (price > 0)"])


def test_unnamed_check_dropped_whatever_the_database_named_it(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    items(before, sa.CheckConstraint("length(name) > 2"))
    items(after)
    name = per_backend(db, postgresql=" 'items_name_check'", mariadb=" 'CONSTRAINT_1'", sqlite="")  # SQLite: none
    text = per_backend(
        db, postgresql="length(name::text) > 2", mariadb="octet_length(`name`) > 2", sqlite="length(name) > 2"
    )
    db.roundtrip(before, after, [f"removed check constraint{name} on items ({text})"])


def test_column_check_added_and_changed(db: Db) -> None:
    """Checks given to a Column (unnamed: MariaDB takes no name there)."""
    if db.backend == "sqlite":
        pytest.skip("an unnamed SQLite check is dropped by its text: the rebuild of unnamed constraints")
    before, after = sa.MetaData(), sa.MetaData()
    items(before, price=sa.Column("price", sa.Numeric(10, 2), sa.CheckConstraint("price > 0")))
    items(
        after,
        sa.Column("qty", sa.Integer, sa.CheckConstraint("qty >= 0")),
        price=sa.Column("price", sa.Numeric(10, 2), sa.CheckConstraint("price > 1")),
    )
    was = per_backend(
        db, postgresql="'items_price_check' on items (price > 0::numeric)", mariadb="'price' on items (`price` > 0)"
    )
    db.roundtrip(
        before,
        after,
        [
            f"removed check constraint {was}",
            "added column 'items.qty'",
            "added check constraint 'items_qty_check' on items (qty >= 0)",  # models' order
            "added check constraint 'items_price_check' on items (price > 1)",
        ],
    )


def test_check_dropped_with_its_column(db: Db) -> None:
    """The check goes before the column it names; the downgrade adds it back after the column."""
    before, after = sa.MetaData(), sa.MetaData()
    items(before, sa.Column("qty", sa.Integer), sa.CheckConstraint("qty >= 0", name="ck_qty"))
    items(after)
    text = per_backend(db, postgresql="qty >= 0", mariadb="`qty` >= 0", sqlite="qty >= 0")
    db.roundtrip(
        before,
        after,
        [f"removed check constraint 'ck_qty' on items ({text})", "removed column 'items.qty'"],
    )


# -- primary keys -------------------------------------------------------------------------------
def keyed(md: sa.MetaData, *key: str, nullable_code: bool = True) -> sa.Table:
    """A table whose primary key is ``key`` (no AUTO_INCREMENT: see test_primary_key_off_auto_increment)."""
    return sa.Table(
        "keyed",
        md,
        sa.Column("id", sa.Integer, primary_key="id" in key, autoincrement=False, nullable="id" not in key),
        sa.Column("code", sa.String(10), primary_key="code" in key, nullable="code" not in key and nullable_code),
        sa.Column("note", sa.String(20)),
    )


def pk_name(db: Db, table: str = "keyed") -> str:
    """How a primary key the database named itself is described."""
    return per_backend(db, postgresql=f" '{table}_pkey'", default="")


def test_primary_key_gains_a_column(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    keyed(before, "id")
    keyed(after, "id", "code")
    db.roundtrip(
        before,
        after,
        [
            f"removed primary key{pk_name(db)} on keyed (id)",
            "modified column 'keyed.code': NOT NULL",
            "added primary key 'keyed_pkey' on keyed (id, code)",
        ],
    )


def test_primary_key_moves_to_another_column(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    keyed(before, "id")
    keyed(after, "code")
    db.roundtrip(
        before,
        after,
        [
            f"removed primary key{pk_name(db)} on keyed (id)",
            "modified column 'keyed.id': NULL",
            "modified column 'keyed.code': NOT NULL",
            "added primary key 'keyed_pkey' on keyed (code)",
        ],
    )


def test_primary_key_added_and_dropped(db: Db) -> None:
    without, keyed_md = sa.MetaData(), sa.MetaData()
    keyed(without, nullable_code=False)
    keyed(keyed_md, "code")
    db.roundtrip(without, keyed_md, ["added primary key 'keyed_pkey' on keyed (code)"])
    db.reset()
    db.roundtrip(keyed_md, without, [f"removed primary key{pk_name(db)} on keyed (code)"])


def test_primary_key_off_an_autoincrement_column(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    sa.Table(
        "auto", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("code", sa.String(10), nullable=False)
    )
    sa.Table(
        "auto", after, sa.Column("id", sa.Integer, nullable=False), sa.Column("code", sa.String(10), primary_key=True)
    )
    db.roundtrip(
        before,
        after,
        [
            # MariaDB refuses to drop the key of an AUTO_INCREMENT column
            *(["modified column 'auto.id': AUTO_INCREMENT off"] if db.backend == "mariadb" else []),
            f"removed primary key{pk_name(db, 'auto')} on auto (id)",
            "added primary key 'auto_pkey' on auto (code)",
        ],
    )


# -- generated columns --------------------------------------------------------------------------
def sums(md: sa.MetaData, total: sa.Column[int] | None = None, *extra: sa.SchemaItem) -> sa.Table:
    return sa.Table(
        "sums",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer),
        *((total,) if total is not None else ()),
        *extra,
    )


def test_unchanged_generated_columns_find_nothing(db: Db) -> None:
    md = sa.MetaData()
    sums(
        md,
        sa.Column("total", sa.Integer, sa.Computed("a + b * 2", persisted=True)),
        sa.Column("name", sa.String(20)),
        sa.Column("upper_name", sa.String(20), sa.Computed("upper(name)")),
    )
    db.create(md)
    assert db.diff(md) == []


def test_generated_expression_changed(db: Db) -> None:
    """Dropped and added again, with the index on it; the rows' values are computed again."""
    before, after = sa.MetaData(), sa.MetaData()
    sums(before, sa.Column("total", sa.Integer, sa.Computed("a + b", persisted=True)), sa.Index("ix_total", "total"))
    sums(after, sa.Column("total", sa.Integer, sa.Computed("a - b", persisted=True)), sa.Index("ix_total", "total"))
    db.roundtrip(
        before,
        after,
        [
            "removed index 'ix_total' on sums (total)",
            "removed column 'sums.total'",
            "added column 'sums.total'",
            "added index 'ix_total' on sums (total)",
        ],
    )


def test_column_made_generated_and_plain(db: Db) -> None:
    plain, generated = sa.MetaData(), sa.MetaData()
    sums(plain, sa.Column("total", sa.Integer))
    sums(generated, sa.Column("total", sa.Integer, sa.Computed("a + b")))
    recreated = ["removed column 'sums.total'", "added column 'sums.total'"]
    db.roundtrip(plain, generated, recreated)
    db.reset()
    # Made plain in place where the backend keeps the values (MariaDB: a STORED column only)
    expression = per_backend(db, postgresql="((a + b))", sqlite="(a + b)")
    in_place = [f"modified column 'sums.total': generated {expression} -> none"]
    db.roundtrip(generated, plain, recreated if db.backend == "mariadb" else in_place)


def test_generated_column_made_plain_keeps_its_values(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    sums(before, sa.Column("total", sa.Integer, sa.Computed("a + b", persisted=True)))
    table = sums(after, sa.Column("total", sa.Integer))
    db.create(before)
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(table).from_select(["id", "a", "b"], sa.select(sa.literal(1), sa.literal(2), sa.literal(5)))
        )
    ops = db.diff(after)
    assert [o.describe().split(":")[0] for o in ops] == ["modified column 'sums.total'"]
    db.run(ops)
    assert db.diff(after) == []
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(table.c.total)).scalar_one() == 7
    db.run(reverse_ops(ops))
    assert db.diff(before) == []
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(table.c.total)).scalar_one() == 7


def test_generated_column_made_stored(db: Db) -> None:
    """VIRTUAL to STORED (PostgreSQL before 18 has STORED only)."""
    if db.backend == "postgresql":
        pytest.skip("PostgreSQL 15 has no VIRTUAL generated columns")
    before, after = sa.MetaData(), sa.MetaData()
    sums(before, sa.Column("total", sa.Integer, sa.Computed("a + b")))
    sums(after, sa.Column("total", sa.Integer, sa.Computed("a + b", persisted=True)))
    db.roundtrip(before, after, ["removed column 'sums.total'", "added column 'sums.total'"])


def test_generated_values_are_computed_again(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    sums(before, sa.Column("total", sa.Integer, sa.Computed("a + b", persisted=True)))
    table = sums(after, sa.Column("total", sa.Integer, sa.Computed("a * b", persisted=True)))
    db.create(before)
    with db.engine.begin() as conn:
        conn.execute(sa.insert(table), [{"a": 2, "b": 5}, {"a": 3, "b": 4}])
    db.run(db.diff(after))
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(table.c.total).order_by(table.c.id)).scalars().all() == [10, 12]


# -- identity columns (PostgreSQL) ----------------------------------------------------------------
def counters(md: sa.MetaData, *n: sa.SchemaItem) -> sa.Table:
    return sa.Table(
        "counters",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", sa.BigInteger, *n, nullable=False),
    )


def only_postgresql(db: Db) -> None:
    if db.backend != "postgresql":
        pytest.skip("identity columns: PostgreSQL (MariaDB and SQLite have none; not compared there)")


def test_unchanged_identity_finds_nothing(db: Db) -> None:
    only_postgresql(db)
    md = sa.MetaData()
    counters(md, sa.Identity(always=True, start=1, increment=1, minvalue=1, cache=1, cycle=False))
    sa.Table("plain", md, sa.Column("id", sa.Integer, sa.Identity(start=-10, increment=-2), primary_key=True))
    db.create(md)
    assert db.diff(md) == []


def test_identity_added_and_removed(db: Db) -> None:
    only_postgresql(db)
    plain, identity = sa.MetaData(), sa.MetaData()
    counters(plain)
    counters(identity, sa.Identity(start=100))
    db.roundtrip(plain, identity, ["modified column 'counters.n': identity none -> (start=100)"])
    db.reset()
    db.roundtrip(identity, plain, ["modified column 'counters.n': identity (start=100) -> none"])


def test_identity_options_changed(db: Db) -> None:
    only_postgresql(db)
    before, after = sa.MetaData(), sa.MetaData()
    counters(before, sa.Identity(start=5, increment=2, cycle=True, maxvalue=1000))
    counters(after, sa.Identity(always=True, start=5, cache=20))
    db.roundtrip(
        before,
        after,
        [
            "modified column 'counters.n': identity (start=5, increment=2, maxvalue=1000, cycle=True)"
            " -> (always=True, start=5, cache=20)"
        ],
    )


def test_identity_with_every_default_added(db: Db) -> None:
    only_postgresql(db)
    plain, identity = sa.MetaData(), sa.MetaData()
    counters(plain)
    counters(identity, sa.Identity())
    db.roundtrip(plain, identity, ["modified column 'counters.n': identity none -> ()"])


# -- SQLite's rowid key -------------------------------------------------------------------------
def test_sqlite_integer_primary_key_written_without_not_null(db: Db) -> None:
    """``id INTEGER PRIMARY KEY`` (the rowid's alias, never NULL) is what ``primary_key=True``
    declares: no ``alter_column ... nullable`` on it. ``INT PRIMARY KEY`` may hold NULL on
    SQLite: there the difference is real."""
    md = sa.MetaData()
    sa.Table("notes", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.String(20)))
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(20))")
    assert db.diff(md) == []
    if db.backend == "sqlite":
        db.reset()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(20))")
        assert [o.describe() for o in db.diff(md)] == ["modified column 'notes.id': NOT NULL"]


# -- comments -----------------------------------------------------------------------------------
def notes(md: sa.MetaData, table_comment: str | None, column_comment: str | None) -> sa.Table:
    return sa.Table(
        "notes",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.String(20), comment=column_comment),
        comment=table_comment,
    )


@pytest.mark.parametrize(
    ("was", "now", "expected"),
    [
        (
            (None, None),
            ("the notes", "its text"),
            ["modified column 'notes.body': comment", "changed comment on table 'notes'"],
        ),
        (
            ("the notes", "its text"),
            ("all notes", "the text"),
            ["modified column 'notes.body': comment", "changed comment on table 'notes'"],
        ),
        (
            ("the notes", "its text"),
            (None, None),
            ["modified column 'notes.body': comment", "removed comment on table 'notes'"],
        ),
    ],
    ids=["added", "changed", "removed"],
)
def test_comments(
    db: Db, was: tuple[str | None, str | None], now: tuple[str | None, str | None], expected: list[str]
) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    notes(before, *was)
    notes(after, *now)
    if db.backend == "sqlite":  # SQLite has no comments: nothing to compare
        db.create(before)
        assert db.diff(after) == []
        return
    db.roundtrip(before, after, expected)


# -- client-side defaults -----------------------------------------------------------------------
def test_client_side_defaults_are_not_schema(db: Db) -> None:
    """``default=`` and ``onupdate=`` run in Python on insert/update: nothing in the database."""
    before, after = sa.MetaData(), sa.MetaData()
    sa.Table("stamps", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Integer))
    sa.Table(
        "stamps",
        after,
        sa.Column("id", sa.Integer, primary_key=True, default=7),
        sa.Column("n", sa.Integer, default=lambda: 1, onupdate=sa.func.length("x")),
    )
    db.create(before)
    assert db.diff(after) == []


def test_primary_key_moved_under_a_foreign_key(db: Db) -> None:
    """The foreign key referring to the old key's column goes first and comes back last."""
    if db.backend == "sqlite":
        pytest.skip("SQLite checks no reference when a key changes: the foreign key stays")

    def tables(md: sa.MetaData, key: str) -> None:
        sa.Table(
            "parent",
            md,
            sa.Column("id", sa.Integer, primary_key=key == "id", autoincrement=False, nullable=False),
            sa.Column("code", sa.String(10), primary_key=key == "code", nullable=False),
            *([sa.UniqueConstraint("id", name="uq_parent_id")] if key == "code" else []),
        )
        sa.Table(
            "child",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", name="fk_child_parent")),
        )

    before, after = sa.MetaData(), sa.MetaData()
    tables(before, "id")
    tables(after, "code")
    db.roundtrip(
        before,
        after,
        [
            "removed foreign key 'fk_child_parent' on child (parent_id) -> parent (id)",
            f"removed primary key{pk_name(db, 'parent')} on parent (id)",
            "added unique constraint 'uq_parent_id' on parent (id)",
            "added primary key 'parent_pkey' on parent (code)",
            "added foreign key 'fk_child_parent' on child (parent_id) -> parent (id)",
        ],
    )


def test_identity_elsewhere_is_refused(db: Db) -> None:
    if db.backend == "postgresql":
        pytest.skip("PostgreSQL has identity columns")
    md = sa.MetaData()
    counters(md)
    db.create(md)
    op = AlterColumnOp("counters", "n", identity=(), existing_identity=None)
    with pytest.raises(MigrationError, match="has no identity columns"):
        db.run([op])
