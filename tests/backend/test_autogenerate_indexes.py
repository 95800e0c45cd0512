"""Autogenerate and the options of indexes, foreign keys and unique constraints, on real databases.

Each backend reports back only some of what the models can say about an index or a foreign key
(:data:`dbshift.dialects.normalize.INDEX_OPTIONS`): those are compared, and a change is a drop
and a create (an add, for a foreign key); the rest never makes a difference. Every test runs a
change through :meth:`Db.roundtrip`: detected exactly, upgraded, a second comparison clean,
downgraded, clean again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa

from tests.backend.test_autogenerate import Db
from tests.conftest import Database

Models = Callable[..., sa.MetaData]


F = TypeVar("F", bound=Callable[..., None])


def only(*backends: str) -> Callable[[F], F]:
    """Run a test on these backends alone (skipped before any database is made)."""

    def mark(test: F) -> F:
        test.only_backends = backends  # type: ignore[attr-defined]
        return test

    return mark


@pytest.fixture
def db(backend: str, request: pytest.FixtureRequest) -> Iterator[Db]:
    backends = getattr(request.function, "only_backends", None)
    if backends is not None and backend not in backends:
        pytest.skip(f"{', '.join(backends)} only")
    database: Database = request.getfixturevalue("database")
    helper = Db(database)
    yield helper
    helper.engine.dispose()


def items(md: sa.MetaData, *extra: Any) -> sa.Table:
    return sa.Table(
        "items",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40)),
        sa.Column("code", sa.String(40)),
        sa.Column("qty", sa.Integer),
        sa.Column("status", sa.String(10)),
        *extra,
    )


def with_index(*args: Any, **kw: Any) -> sa.MetaData:
    """The items table with one index ``ix_items`` built by ``make(table)``."""
    md = sa.MetaData()
    table = items(md)
    make = args[0]
    sa.Index("ix_items", *make(table), **kw)
    return md


def change(db: Db, before: sa.MetaData, after: sa.MetaData, dropped: str, added: str) -> None:
    db.roundtrip(before, after, [f"removed {dropped}", f"added {added}"])


def no_difference(db: Db, before: sa.MetaData, after: sa.MetaData) -> None:
    db.create(before)
    assert [o.describe() for o in db.diff(after)] == []


# -- on every backend ---------------------------------------------------------------------------
def test_index_becomes_unique(db: Db) -> None:
    before = with_index(lambda t: [t.c.name])
    after = with_index(lambda t: [t.c.name], unique=True)
    change(db, before, after, "index 'ix_items' on items (name)", "unique index 'ix_items' on items (name)")


def test_index_columns_reordered(db: Db) -> None:
    before = with_index(lambda t: [t.c.name, t.c.qty])
    after = with_index(lambda t: [t.c.qty, t.c.name])
    change(db, before, after, "index 'ix_items' on items (name, qty)", "index 'ix_items' on items (qty, name)")


def test_descending_index_is_no_difference(db: Db) -> None:
    md = with_index(lambda t: [t.c.name.desc(), t.c.qty.asc()])
    no_difference(db, md, md)


def test_descending_index_changed(db: Db) -> None:
    before = with_index(lambda t: [t.c.name, t.c.qty])
    after = with_index(lambda t: [t.c.name.desc(), t.c.qty])
    change(db, before, after, "index 'ix_items' on items (name, qty)", "index 'ix_items' on items (name DESC, qty)")
    db.reset()
    if db.backend != "postgresql":  # and back, from what SQLite and MariaDB report
        change(db, after, before, "index 'ix_items' on items (name DESC, qty)", "index 'ix_items' on items (name, qty)")


@only("postgresql")
def test_nulls_first_index_changed(db: Db) -> None:
    before = with_index(lambda t: [t.c.qty.desc()])
    after = with_index(lambda t: [t.c.qty.desc().nulls_last()])
    no_difference(db, before, with_index(lambda t: [t.c.qty.desc().nulls_first()]))  # the default after DESC
    db.reset()
    change(db, before, after, "index 'ix_items' on items (qty DESC)", "index 'ix_items' on items (qty DESC NULLS LAST)")


EXPRESSIONS: list[Callable[[sa.Table], list[Any]]] = [
    lambda t: [sa.func.lower(t.c.name)],
    lambda t: [sa.func.coalesce(t.c.status, "n/a"), t.c.qty],
    lambda t: [t.c.qty + 1],
    lambda t: [sa.func.lower(t.c.name).desc(), t.c.code],
    lambda t: [sa.func.substr(t.c.code, 1, 3)],
    lambda t: [sa.text("lower(code)")],
    lambda t: [sa.func.lower(t.c.name + t.c.code)],
]


@only("sqlite", "postgresql")
@pytest.mark.parametrize("number", range(len(EXPRESSIONS)))
def test_expression_index_is_no_difference(db: Db, number: int) -> None:
    md = with_index(EXPRESSIONS[number])
    no_difference(db, md, md)


@only("postgresql")
def test_string_partial_condition_and_column_options(db: Db) -> None:
    """Options given as plain strings and columns compare like SQL expressions and names."""
    md = sa.MetaData()
    table = items(md)
    sa.Index("ix_items", table.c.name, postgresql_where=sa.text("status <> 'x'"), postgresql_include=[table.c.code])
    no_difference(db, md, md)


@only("sqlite", "postgresql")  # MariaDB has no indexes on expressions
def test_expression_index_changed(db: Db) -> None:
    before = with_index(lambda t: [sa.func.lower(t.c.name), t.c.qty])
    after = with_index(lambda t: [sa.func.upper(t.c.name), t.c.qty])
    no_difference(db, before, before)
    db.reset()
    change(
        db,
        before,
        after,
        f"index 'ix_items' on items (lower({'name::text' if db.backend == 'postgresql' else 'name'}), qty)",
        "index 'ix_items' on items (upper(name), qty)",
    )


def where_kw(db: Db, condition: Callable[[sa.Table], Any]) -> dict[str, Any]:
    return {f"{db.backend}_where": condition}


def partial(db: Db, condition: Callable[[sa.Table], Any] | None, **kw: Any) -> sa.MetaData:
    md = sa.MetaData()
    table = items(md)
    options = {f"{db.backend}_where": condition(table)} if condition else {}
    sa.Index("ix_items", table.c.name, **options, **kw)
    return md


CONDITIONS: list[Callable[[sa.Table], Any]] = [
    lambda t: t.c.qty > 5,
    lambda t: sa.and_(t.c.qty > 5, sa.or_(t.c.status == "new", t.c.status.is_(None))),
    lambda t: sa.and_(t.c.status != "gone", t.c.code.is_not(None)),
    lambda t: sa.text("qty >= 0 AND status = 'x'"),
    lambda t: sa.or_(t.c.qty.between(1, 9), sa.not_(t.c.name.like("a%"))),
]


@only("sqlite", "postgresql")  # MariaDB has no partial indexes
@pytest.mark.parametrize("number", range(len(CONDITIONS)))
def test_partial_index_is_no_difference(db: Db, number: int) -> None:
    md = partial(db, CONDITIONS[number])
    no_difference(db, md, md)


@only("sqlite", "postgresql")
def test_partial_index_condition_changed(db: Db) -> None:
    before = partial(db, lambda t: t.c.qty > 5)
    after = partial(db, lambda t: t.c.qty > 6)
    change(db, before, after, "index 'ix_items' on items (name)", "index 'ix_items' on items (name)")
    db.reset()
    change(db, partial(db, None), before, "index 'ix_items' on items (name)", "index 'ix_items' on items (name)")
    db.reset()
    change(db, before, partial(db, None), "index 'ix_items' on items (name)", "index 'ix_items' on items (name)")


# -- PostgreSQL ---------------------------------------------------------------------------------
def pg_index(**kw: Any) -> sa.MetaData:
    md = sa.MetaData()
    table = items(md)
    sa.Index("ix_items", table.c.name, table.c.qty, **kw)
    return md


PG_CHANGES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "using": ({}, {"postgresql_using": "brin"}),
    "using_btree_to_brin": ({"postgresql_using": "btree"}, {"postgresql_using": "brin"}),
    "ops": ({}, {"postgresql_ops": {"name": "text_pattern_ops"}}),
    "ops_changed": (
        {"postgresql_ops": {"name": "text_pattern_ops"}},
        {"postgresql_ops": {"name": "varchar_pattern_ops"}},
    ),
    "include": ({}, {"postgresql_include": ["code"]}),
    "include_changed": ({"postgresql_include": ["code"]}, {"postgresql_include": ["code", "status"]}),
    "nulls_not_distinct": ({"unique": True}, {"unique": True, "postgresql_nulls_not_distinct": True}),
    "with": ({}, {"postgresql_with": {"fillfactor": 50}}),
    "with_changed": ({"postgresql_with": {"fillfactor": 50}}, {"postgresql_with": {"fillfactor": 70}}),
}


@only("postgresql")
@pytest.mark.parametrize("option", sorted(PG_CHANGES))
def test_postgresql_index_option_changed(db: Db, option: str) -> None:
    before_kw, after_kw = PG_CHANGES[option]
    before, after = pg_index(**before_kw), pg_index(**after_kw)
    no_difference(db, before, before)
    db.reset()
    kind = "unique index" if before_kw.get("unique") else "index"
    change(db, before, after, f"{kind} 'ix_items' on items (name, qty)", f"{kind} 'ix_items' on items (name, qty)")


@only("postgresql")
def test_postgresql_options_not_reported_are_no_difference(db: Db) -> None:
    before = pg_index(postgresql_using="btree", postgresql_include=[], postgresql_nulls_not_distinct=False)
    db.create(before)
    for kw in (
        {"postgresql_concurrently": True},
        {"postgresql_tablespace": "pg_default"},
        {"postgresql_using": "BTREE"},
    ):
        assert [o.describe() for o in db.diff(pg_index(**kw))] == [], kw


# -- MariaDB ------------------------------------------------------------------------------------
def my_index(*columns: str, **kw: Any) -> sa.MetaData:
    md = sa.MetaData()
    table = items(md)
    sa.Index("ix_items", *(table.c[c] for c in columns), **kw)
    return md


@only("mariadb")
def test_mariadb_prefix_length(db: Db) -> None:
    before = my_index("name", "code", mysql_length=10)
    no_difference(db, before, my_index("name", "code", mysql_length={"name": 10, "code": 10}))
    db.reset()
    after = my_index("name", "code", mysql_length={"name": 10, "code": 5})
    described = "index 'ix_items' on items (name, code)"
    change(db, before, after, described, described)
    db.reset()
    change(db, my_index("name", "code"), after, described, described)
    db.reset()
    change(db, after, my_index("name", "code"), described, described)


@only("mariadb")
def test_mariadb_fulltext_and_using(db: Db) -> None:
    before = my_index("name", mysql_using="btree")
    # InnoDB keeps no HASH index: USING is not reported back, so never a difference.
    no_difference(db, before, my_index("name", mysql_using="hash"))
    db.reset()
    described = "index 'ix_items' on items (name)"
    change(db, before, my_index("name", mysql_prefix="FULLTEXT"), described, described)


# -- foreign keys -------------------------------------------------------------------------------
def with_fk(name: str | None, **kw: Any) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table("parent", md, sa.Column("id", sa.Integer, primary_key=True))
    items(
        md, sa.Column("parent_id", sa.Integer), sa.ForeignKeyConstraint(["parent_id"], ["parent.id"], name=name, **kw)
    )
    return md


ALL = ("sqlite", "postgresql", "mariadb")
FK_CHANGES: dict[str, tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]] = {
    # name: (before, after, the backends that see the change; on the others it is no difference)
    "ondelete_added": ({}, {"ondelete": "CASCADE"}, ALL),
    "ondelete_changed": ({"ondelete": "CASCADE"}, {"ondelete": "SET NULL"}, ALL),
    "ondelete_removed": ({"ondelete": "SET NULL"}, {}, ALL),
    "onupdate_added": ({}, {"onupdate": "CASCADE"}, ALL),
    "onupdate_changed": ({"onupdate": "CASCADE"}, {"onupdate": "SET NULL"}, ALL),
    "restrict": ({}, {"ondelete": "RESTRICT"}, ("sqlite", "postgresql")),  # MySQL: RESTRICT is NO ACTION
    "no_action_spelled_out": ({}, {"ondelete": "NO ACTION", "onupdate": "no action"}, ()),
    "action_case": ({"ondelete": "cascade"}, {"ondelete": "CASCADE"}, ()),
    "deferrable": ({}, {"deferrable": True}, ("postgresql",)),
    "initially_deferred": ({"deferrable": True}, {"deferrable": True, "initially": "DEFERRED"}, ("postgresql",)),
    "not_deferrable": ({"deferrable": True, "initially": "DEFERRED"}, {}, ("postgresql",)),
    "initially_immediate_spelled_out": ({"deferrable": True}, {"deferrable": True, "initially": "IMMEDIATE"}, ()),
    "match_full": ({}, {"match": "FULL"}, ("postgresql",)),
    "match_simple_spelled_out": ({}, {"match": "SIMPLE"}, ()),
}
FK_BACKENDS = {  # what the backends accept at all
    "deferrable": ("sqlite", "postgresql"),
    "initially_deferred": ("sqlite", "postgresql"),
    "not_deferrable": ("sqlite", "postgresql"),
    "initially_immediate_spelled_out": ("sqlite", "postgresql"),
}


def _fk_change(db: Db, change: str, name: str | None) -> None:
    before_kw, after_kw, detected = FK_CHANGES[change]
    if db.backend not in FK_BACKENDS.get(change, ALL):
        pytest.skip(f"{db.backend} has no such foreign key")
    before, after = with_fk(name, **before_kw), with_fk(name, **after_kw)
    if db.backend not in detected:
        no_difference(db, before, after)
        return
    # An unnamed one is dropped by the name the database gave it and added back under that name;
    # SQLite keeps no name: it is found by its definition and added back named as PostgreSQL would.
    reflected = name or {"postgresql": "items_parent_id_fkey", "mariadb": "items_ibfk_1"}.get(db.backend)
    dropped = f" '{reflected}'" if reflected else ""
    added = reflected or "items_parent_id_fkey"
    db.roundtrip(
        before,
        after,
        [
            f"removed foreign key{dropped} on items (parent_id) -> parent (id)",
            f"added foreign key '{added}' on items (parent_id) -> parent (id)",
        ],
    )


@pytest.mark.parametrize("change", sorted(FK_CHANGES))
def test_named_foreign_key_option(db: Db, change: str) -> None:
    _fk_change(db, change, "fk_items_parent")


@pytest.mark.parametrize("change", sorted(FK_CHANGES))
def test_unnamed_foreign_key_option(db: Db, change: str) -> None:
    _fk_change(db, change, None)


# -- unique constraints -------------------------------------------------------------------------
def with_unique(*uniques: tuple[str | None, tuple[str, ...]]) -> sa.MetaData:
    md = sa.MetaData()
    items(md, *(sa.UniqueConstraint(*columns, name=name) for name, columns in uniques))
    return md


def unnamed_unique(db: Db, column: str) -> str:
    """The name the database gives ``UNIQUE (column)`` on items, as described (none on SQLite)."""
    name = per_backend(db, postgresql=f"items_{column}_key", mariadb=column, sqlite=None)
    return f" '{name}'" if name else ""


def per_backend(db: Db, **values: Any) -> Any:
    return values.get(db.backend, values.get("default"))


UNIQUE_CHANGES: dict[str, tuple[tuple[tuple[str | None, tuple[str, ...]], ...], ...]] = {
    "added_named": ((), (("uq_items_name", ("name",)),)),
    "added_unnamed": ((), ((None, ("name",)),)),
    "dropped_named": ((("uq_items_name", ("name",)),), ()),
    "dropped_unnamed": (((None, ("name",)),), ()),
    "columns_changed_named": ((("uq_items_name", ("name",)),), (("uq_items_name", ("name", "code")),)),
    "columns_changed_unnamed": (((None, ("name",)),), ((None, ("name", "code")),)),
    "renamed_only": ((("uq_items_name", ("name",)),), (("uq_items_other", ("name",)),)),
}


@pytest.mark.parametrize("change", sorted(UNIQUE_CHANGES))
def test_unique_constraint_change(db: Db, change: str) -> None:
    before, after = UNIQUE_CHANGES[change]
    expected = []
    for name, columns in before:
        if (name, columns) not in after and change != "renamed_only":  # names do not count
            label = f" '{name}'" if name else unnamed_unique(db, columns[0])
            expected.append(f"removed unique constraint{label} on items ({', '.join(columns)})")
    for name, columns in after:
        if (name, columns) not in before and change != "renamed_only":
            label = name or f"items_{'_'.join(columns)}_key"  # named as PostgreSQL would
            expected.append(f"added unique constraint '{label}' on items ({', '.join(columns)})")
    db.roundtrip(with_unique(*before), with_unique(*after), expected)


def test_unique_constraint_and_unique_index_side_by_side(db: Db) -> None:
    """MariaDB cannot tell the two apart: each is what the models call it, and no difference."""
    md = with_unique(("uq_items_name", ("name",)))
    sa.Index("ix_items_code", md.tables["items"].c.code, unique=True)
    no_difference(db, md, md)


@only("mariadb")
def test_mariadb_unique_index_with_prefix_length(db: Db) -> None:
    """MariaDB reports a unique index as a unique constraint too: its options stay with it."""
    before = my_index("name", "code", unique=True, mysql_length={"name": 10})
    no_difference(db, before, before)
    db.reset()
    described = "unique index 'ix_items' on items (name, code)"
    change(db, before, my_index("name", "code", unique=True, mysql_length={"name": 12}), described, described)


def ops_on_expression(ops: str) -> sa.MetaData:
    md = sa.MetaData()
    table = items(md)
    sa.Index("ix_items", sa.func.lower(table.c.name).label("lower_name"), postgresql_ops={"lower_name": ops})
    return md


@only("postgresql")
def test_operator_class_on_an_expression_is_no_difference(db: Db) -> None:
    no_difference(db, ops_on_expression("text_pattern_ops"), ops_on_expression("text_pattern_ops"))


@only("postgresql")
def test_operator_class_on_an_expression_changed(db: Db) -> None:
    models = ops_on_expression
    described = "index 'ix_items' on items (lower(name))"
    db.roundtrip(
        models("text_pattern_ops"),
        models("varchar_pattern_ops"),
        ["removed index 'ix_items' on items (lower(name::text))", f"added {described}"],
    )


@only("mariadb")
def test_mariadb_prefix_as_long_as_the_column(db: Db) -> None:
    """MariaDB keeps no prefix length that covers the whole column: it is no prefix."""
    no_difference(db, my_index("name", mysql_length=40), my_index("name"))
    db.reset()
    no_difference(db, my_index("name"), my_index("name", mysql_length={"name": 40}))


def with_composite_fk(**kw: Any) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table("pair", md, sa.Column("a", sa.Integer, primary_key=True), sa.Column("b", sa.Integer, primary_key=True))
    items(
        md,
        sa.Column("pa", sa.Integer),
        sa.Column("pb", sa.Integer),
        sa.ForeignKeyConstraint(["pa", "pb"], ["pair.a", "pair.b"], name="fk_items_pair", **kw),
    )
    return md


def test_composite_foreign_key_option(db: Db) -> None:
    described = "foreign key 'fk_items_pair' on items (pa, pb) -> pair (a, b)"
    no_difference(db, with_composite_fk(ondelete="CASCADE"), with_composite_fk(ondelete="cascade"))
    db.reset()
    db.roundtrip(
        with_composite_fk(ondelete="CASCADE"),
        with_composite_fk(ondelete="SET NULL", onupdate="CASCADE"),
        [f"removed {described}", f"added {described}"],
    )
