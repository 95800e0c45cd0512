"""Operations as values: how each one reverses, and how it changes a schema model.

``op.reverse().reverse() == op`` wherever the operation carries what its reverse needs, and a
clear :class:`IrreversibleOperation` naming what is missing where it does not. ``apply`` is
checked on a small schema for every operation, and a Hypothesis property drives random
sequences of valid operations over random schemas: applying the operations and then their
reverses, last first, must give back exactly the schema it started from (column types
included, which dataclass ``==`` leaves out).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.types import TypeEngine

from dbshift.operations.base import UNCHANGED, IrreversibleOperation, Operation, SchemaStateError
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.sql import BulkInsertOp, ExecuteOp
from dbshift.operations.table import (
    CreateTableCommentOp,
    CreateTableOp,
    DropTableCommentOp,
    DropTableOp,
    RenameTableOp,
)
from dbshift.operations.types import CreateEnumTypeOp, DropEnumTypeOp
from dbshift.schema.model import (
    CheckDef,
    ColumnDef,
    ConstraintDef,
    EnumTypeDef,
    ForeignKeyDef,
    IndexDef,
    PrimaryKeyDef,
    SchemaDef,
    TableDef,
    UniqueDef,
)


def fingerprint(schema: SchemaDef) -> tuple[SchemaDef, dict[str, tuple[tuple[str, str], ...]]]:
    """The schema plus its column types (by repr), which ``ColumnDef.__eq__`` ignores.

    Columns are taken in name order: a dropped column comes back at the end of its table, in
    the model as in a database (``ADD COLUMN`` appends), so position is not part of the promise.
    So are check constraints, which have no canonical order; indexes, unique constraints and
    foreign keys must come back in their canonical order (the one reflection gives).
    """

    def ordered(t: TableDef) -> TableDef:
        return t.replace(
            columns=tuple(sorted(t.columns, key=lambda c: c.name)), checks=tuple(sorted(t.checks, key=repr))
        )

    return SchemaDef.of(ordered(t) for t in schema), {
        t.key: tuple(sorted((c.name, repr(c.type)) for c in t.columns)) for t in schema
    }


PARENT = TableDef(
    "parent",
    columns=(ColumnDef("id", sa.Integer(), nullable=False), ColumnDef("code", sa.String(10))),
    primary_key=PrimaryKeyDef(("id",), "pk_parent"),
)
CHILD = TableDef(
    "child",
    columns=(
        ColumnDef("id", sa.Integer(), nullable=False),
        ColumnDef("parent_id", sa.Integer()),
        ColumnDef("name", sa.String(50), nullable=False, server_default="'x'", comment="the name"),
        ColumnDef("qty", sa.Integer()),
    ),
    primary_key=PrimaryKeyDef(("id",), "pk_child"),
    foreign_keys=(ForeignKeyDef(("parent_id",), "parent", ("id",), "fk_child_parent"),),
    uniques=(UniqueDef(("name",), "uq_child_name"),),
    checks=(CheckDef("qty > 0", "ck_child_qty"),),
    indexes=(IndexDef("ix_child_name_qty", ("name", "qty")), IndexDef("ix_child_qty", ("qty",))),
    comment="children",
)
SCHEMA = SchemaDef.of([PARENT, CHILD])


def table(schema: SchemaDef, name: str) -> TableDef:
    found = schema.get(name)
    assert found is not None, name
    return found


# --------------------------------------------------------------------------- reverse


ALTER_FULL = AlterColumnOp(
    "child",
    "qty",
    nullable=False,
    type=sa.BigInteger(),
    server_default="'1'",
    comment="count",
    new_column_name="quantity",
    existing_type=sa.Integer(),
    existing_nullable=True,
    existing_server_default=None,
    existing_comment=None,
)

REVERSIBLE: list[Operation] = [
    CreateTableOp(CHILD),
    CreateTableOp(CHILD, if_not_exists=True),
    DropTableOp("child", table=CHILD),
    DropTableOp("child", table=CHILD, if_exists=True),
    RenameTableOp("child", "kid"),
    RenameTableOp("child", "kid", "app"),
    CreateTableCommentOp("child", "new"),
    CreateTableCommentOp("child", "new", existing_comment="old"),
    DropTableCommentOp("child", existing_comment="old"),
    AddColumnOp("child", ColumnDef("note", sa.Text())),
    AddColumnOp("child", ColumnDef("note", sa.Text()), if_not_exists=True),
    DropColumnOp("child", "qty", column=ColumnDef("qty", sa.Integer())),
    DropColumnOp("child", "qty", column=ColumnDef("qty", sa.Integer()), if_exists=True),
    ALTER_FULL,
    AlterColumnOp("child", "qty", new_column_name="quantity"),
    AlterColumnOp("child", "qty", nullable=False, existing_nullable=True),
    AlterColumnOp("child", "qty", server_default=None, existing_server_default="'3'"),
    CreateIndexOp("child", IndexDef("ix_note", ("note",))),
    CreateIndexOp("child", IndexDef("ix_note", ("note",), unique=True), if_not_exists=True),
    DropIndexOp("ix_child_qty", "child", index=IndexDef("ix_child_qty", ("qty",))),
    AddConstraintOp("child", UniqueDef(("qty",), "uq_qty")),
    AddConstraintOp("child", ForeignKeyDef(("qty",), "parent", ("id",), "fk_qty", ondelete="CASCADE")),
    AddConstraintOp("child", CheckDef("qty < 10", "ck_small")),
    AddConstraintOp("child", PrimaryKeyDef(("id", "qty"), "pk2")),
    AddConstraintOp("child", UniqueDef(("qty",))),
    DropConstraintOp("child", "uq_child_name", "unique", constraint=UniqueDef(("name",), "uq_child_name")),
    CreateEnumTypeOp(EnumTypeDef("mood", ("sad", "happy"))),
    DropEnumTypeOp(EnumTypeDef("mood", ("sad", "happy"), "app")),
]


@pytest.mark.parametrize("operation", REVERSIBLE, ids=lambda o: o.describe())
def test_reverse_round_trip(operation: Operation) -> None:
    back = operation.reverse()
    assert type(back) is not type(operation) or isinstance(
        operation, (RenameTableOp, AlterColumnOp, CreateTableCommentOp)
    )
    assert back.reverse() == operation
    if isinstance(operation, AlterColumnOp):
        again = back.reverse()
        assert isinstance(again, AlterColumnOp)
        assert repr(again.type) == repr(operation.type)
        assert repr(again.existing_type) == repr(operation.existing_type)


def test_reverse_swaps_what_each_operation_carries() -> None:
    assert CreateTableOp(CHILD).reverse() == DropTableOp("child", None, table=CHILD)
    assert DropTableOp("child", table=CHILD, if_exists=True).reverse() == CreateTableOp(CHILD, if_not_exists=True)
    assert RenameTableOp("a", "b", "s").reverse() == RenameTableOp("b", "a", "s")
    col = ColumnDef("note", sa.Text())
    assert AddColumnOp("t", col, "s").reverse() == DropColumnOp("t", "note", "s", column=col)
    assert CreateTableCommentOp("t", "new", "old").reverse() == CreateTableCommentOp("t", "old", "new")
    assert CreateTableCommentOp("t", "new").reverse() == DropTableCommentOp("t", existing_comment="new")
    assert DropTableCommentOp("t", "old").reverse() == CreateTableCommentOp("t", "old")
    ix = IndexDef("ix", ("a",))
    assert CreateIndexOp("t", ix).reverse() == DropIndexOp("ix", "t", index=ix)
    fk = ForeignKeyDef(("a",), "p", ("id",), "fk")
    assert AddConstraintOp("t", fk).reverse() == DropConstraintOp("t", "fk", "foreignkey", constraint=fk)
    assert AddConstraintOp("t", PrimaryKeyDef(("a",))).reverse() == DropConstraintOp(
        "t", None, "primary", constraint=PrimaryKeyDef(("a",))
    )


def test_alter_column_reverse() -> None:
    back = ALTER_FULL.reverse()
    assert isinstance(back, AlterColumnOp)
    assert back.column_name == "quantity" and back.new_column_name == "qty"
    assert back.nullable is True and back.existing_nullable is False
    assert repr(back.type) == "Integer()" and repr(back.existing_type) == "BigInteger()"
    assert back.server_default is None and back.existing_server_default == "'1'"
    assert back.comment is None and back.existing_comment == "count"
    # only what changed is changed back
    only_rename = AlterColumnOp("t", "a", new_column_name="b", existing_type=sa.Integer()).reverse()
    assert isinstance(only_rename, AlterColumnOp)
    assert only_rename.changes() == ["name"] and only_rename.server_default is UNCHANGED


def test_alter_column_reverse_drops_the_conversion_expression() -> None:
    op_ = AlterColumnOp(
        "t",
        "a",
        type=sa.Integer(),
        existing_type=sa.String(5),
        dialect_options=(("existing_autoincrement", False), ("postgresql_using", "a::integer")),
    )
    back = op_.reverse()
    assert isinstance(back, AlterColumnOp)
    assert back.dialect_options == (("existing_autoincrement", False),)


IRREVERSIBLE: list[tuple[Operation, str]] = [
    (DropTableOp("child"), "cannot reverse removed table 'child': its definition is unknown"),
    (DropColumnOp("child", "qty"), "cannot reverse removed column 'child.qty': its definition is unknown"),
    (DropIndexOp("ix", "child"), "cannot reverse removed index 'ix' on child: its definition is unknown"),
    (
        DropIndexOp("ix", index=IndexDef("ix", ("a",))),
        "cannot reverse removed index 'ix' (a): its definition is unknown",
    ),
    (DropConstraintOp("child", "fk", "foreignkey"), "cannot reverse removed constraint 'fk' on child"),
    (DropTableCommentOp("child"), "cannot reverse removed comment on table 'child': the old comment is unknown"),
    (
        AlterColumnOp("child", "qty", type=sa.BigInteger(), nullable=False),
        "cannot reverse modified column 'child.qty': type -> BigInteger(), NOT NULL: "
        "existing_type, existing_nullable not given",
    ),
    (
        AlterColumnOp("child", "qty", server_default="'1'", comment="c"),
        "existing_server_default, existing_comment not given",
    ),
    (ExecuteOp("UPDATE child SET qty = 1"), "cannot reverse execute UPDATE child SET qty = 1: not enough information"),
    (BulkInsertOp(sa.table("child"), [{"qty": 1}]), "cannot reverse insert 1 rows into 'child'"),
]


@pytest.mark.parametrize(
    "operation, message", IRREVERSIBLE, ids=lambda v: v.describe() if isinstance(v, Operation) else ""
)
def test_irreversible(operation: Operation, message: str) -> None:
    with pytest.raises(IrreversibleOperation) as info:
        operation.reverse()
    assert message in str(info.value)


# --------------------------------------------------------------------------- apply: tables


def test_create_and_drop_table() -> None:
    new = TableDef("new", columns=(ColumnDef("a", sa.Integer()),))
    after = CreateTableOp(new).apply(SCHEMA)
    assert after.get("new") == new and len(after.tables) == 3
    assert SCHEMA.get("new") is None  # values are immutable
    with pytest.raises(SchemaStateError, match="table 'child' already exists"):
        CreateTableOp(CHILD).apply(SCHEMA)
    assert CreateTableOp(CHILD.replace(comment="other"), if_not_exists=True).apply(SCHEMA) == SCHEMA
    assert DropTableOp("child").apply(SCHEMA) == SchemaDef.of([PARENT])
    with pytest.raises(SchemaStateError, match="table 'nope' does not exist"):
        DropTableOp("nope").apply(SCHEMA)
    assert DropTableOp("nope", if_exists=True).apply(SCHEMA) == SCHEMA


def test_tables_in_schemas_are_keyed_by_schema() -> None:
    other = TableDef("child", columns=(ColumnDef("a"),), schema="app")
    after = CreateTableOp(other).apply(SCHEMA)
    assert after.get("child", "app") == other and after.get("child") == CHILD
    assert DropTableOp("child", "app").apply(after) == SCHEMA


def test_rename_table_moves_referring_foreign_keys() -> None:
    after = RenameTableOp("parent", "holder").apply(SCHEMA)
    assert after.get("parent") is None
    assert table(after, "holder").columns == PARENT.columns
    assert table(after, "child").foreign_keys[0].referred_table == "holder"
    assert RenameTableOp("holder", "parent").apply(after) == SCHEMA
    with pytest.raises(SchemaStateError, match="table 'child' already exists"):
        RenameTableOp("parent", "child").apply(SCHEMA)
    with pytest.raises(SchemaStateError, match="table 'nope' does not exist"):
        RenameTableOp("nope", "x").apply(SCHEMA)


def test_rename_self_referencing_table() -> None:
    node = TableDef(
        "node",
        columns=(ColumnDef("id"), ColumnDef("up")),
        foreign_keys=(ForeignKeyDef(("up",), "node", ("id",), "fk_up"),),
    )
    after = RenameTableOp("node", "tree").apply(SchemaDef.of([node]))
    assert table(after, "tree").foreign_keys[0].referred_table == "tree"


def test_table_comments() -> None:
    after = CreateTableCommentOp("child", "kids", existing_comment="children").apply(SCHEMA)
    assert table(after, "child").comment == "kids"
    assert table(DropTableCommentOp("child").apply(SCHEMA), "child").comment is None
    with pytest.raises(SchemaStateError):
        CreateTableCommentOp("nope", "x").apply(SCHEMA)


# --------------------------------------------------------------------------- apply: columns


def test_add_column() -> None:
    after = AddColumnOp("child", ColumnDef("note", sa.Text())).apply(SCHEMA)
    assert table(after, "child").column_names == ("id", "parent_id", "name", "qty", "note")
    with pytest.raises(SchemaStateError, match="column 'child.qty' already exists"):
        AddColumnOp("child", ColumnDef("qty")).apply(SCHEMA)
    assert AddColumnOp("child", ColumnDef("qty", sa.Text()), if_not_exists=True).apply(SCHEMA) == SCHEMA
    with pytest.raises(SchemaStateError, match="table 'nope' does not exist"):
        AddColumnOp("nope", ColumnDef("a")).apply(SCHEMA)


def test_drop_column_takes_what_covers_it() -> None:
    after = table(DropColumnOp("child", "qty").apply(SCHEMA), "child")
    assert after.column_names == ("id", "parent_id", "name")
    assert after.indexes == ()  # both indexes cover qty
    assert after.uniques == CHILD.uniques and after.foreign_keys == CHILD.foreign_keys
    assert table(DropColumnOp("child", "parent_id").apply(SCHEMA), "child").foreign_keys == ()
    assert table(DropColumnOp("child", "id").apply(SCHEMA), "child").primary_key is None
    assert table(DropColumnOp("child", "name").apply(SCHEMA), "child").uniques == ()
    with pytest.raises(SchemaStateError, match="column 'child.nope' does not exist"):
        DropColumnOp("child", "nope").apply(SCHEMA)
    assert DropColumnOp("child", "nope", if_exists=True).apply(SCHEMA) == SCHEMA


def test_alter_column_attributes() -> None:
    after = table(ALTER_FULL.apply(SCHEMA), "child")
    col = after.column("quantity")
    assert col is not None and after.column("qty") is None
    assert (col.nullable, col.server_default, col.comment, repr(col.type)) == (False, "'1'", "count", "BigInteger()")
    assert after.column_names == ("id", "parent_id", "name", "quantity")  # position kept
    assert [ix.columns for ix in after.indexes] == [("name", "quantity"), ("quantity",)]
    untouched = table(AlterColumnOp("child", "name", comment=None).apply(SCHEMA), "child").column("name")
    assert untouched == ColumnDef("name", nullable=False, server_default="'x'", comment=None)


def test_alter_column_rename_follows_keys_constraints_and_referring_foreign_keys() -> None:
    after = AlterColumnOp("parent", "id", new_column_name="pid").apply(SCHEMA)
    assert table(after, "parent").primary_key == PrimaryKeyDef(("pid",), "pk_parent")
    assert table(after, "child").foreign_keys[0].referred_columns == ("pid",)
    child = table(AlterColumnOp("child", "name", new_column_name="title").apply(SCHEMA), "child")
    assert child.uniques == (UniqueDef(("title",), "uq_child_name"),)
    assert child.indexes[0].columns == ("title", "qty")
    child = table(AlterColumnOp("child", "parent_id", new_column_name="p").apply(SCHEMA), "child")
    assert child.foreign_keys[0].columns == ("p",)


def test_alter_column_rename_follows_into_expressions() -> None:
    t = TableDef(
        "t", columns=(ColumnDef("a"),), indexes=(IndexDef("ix", ("a", "lower(a) || 'a'"), expressions=(False, True)),)
    )
    after = table(AlterColumnOp("t", "a", new_column_name="b").apply(SchemaDef.of([t])), "t")
    assert after.indexes[0].columns == ("b", "lower(b) || 'a'")


def test_alter_column_errors() -> None:
    with pytest.raises(SchemaStateError, match="column 'child.nope' does not exist"):
        AlterColumnOp("child", "nope", nullable=False).apply(SCHEMA)
    with pytest.raises(SchemaStateError, match="column 'child.name' already exists"):
        AlterColumnOp("child", "qty", new_column_name="name").apply(SCHEMA)


# --------------------------------------------------------------------------- apply: indexes


def test_create_index() -> None:
    ix = IndexDef("ix_pid", ("parent_id",), unique=True)
    after = table(CreateIndexOp("child", ix).apply(SCHEMA), "child")
    assert after.index("ix_pid") == ix
    with pytest.raises(SchemaStateError, match="index 'ix_child_qty' already exists"):
        CreateIndexOp("child", IndexDef("ix_child_qty", ("id",))).apply(SCHEMA)
    assert CreateIndexOp("child", IndexDef("ix_child_qty", ("id",)), if_not_exists=True).apply(SCHEMA) == SCHEMA
    with pytest.raises(SchemaStateError, match="no column nope"):
        CreateIndexOp("child", IndexDef("ix_x", ("nope",))).apply(SCHEMA)
    first = CreateIndexOp("child", IndexDef("aa", ("id",))).apply(SCHEMA)
    assert [i.name for i in table(first, "child").indexes] == ["aa", "ix_child_name_qty", "ix_child_qty"]
    expr = IndexDef("ix_lower", ("lower(name)",), expressions=(True,))
    assert table(CreateIndexOp("child", expr).apply(SCHEMA), "child").index("ix_lower") == expr


def test_drop_index() -> None:
    after = table(DropIndexOp("ix_child_qty", "child").apply(SCHEMA), "child")
    assert [i.name for i in after.indexes] == ["ix_child_name_qty"]
    assert DropIndexOp("ix_child_qty").apply(SCHEMA) == DropIndexOp("ix_child_qty", "child").apply(SCHEMA)
    with pytest.raises(SchemaStateError, match="index 'nope' does not exist"):
        DropIndexOp("nope", "child").apply(SCHEMA)
    with pytest.raises(SchemaStateError):
        DropIndexOp("ix_child_qty", "parent").apply(SCHEMA)
    assert DropIndexOp("nope", if_exists=True).apply(SCHEMA) == SCHEMA


# --------------------------------------------------------------------------- apply: constraints


def test_add_constraints() -> None:
    bare = CHILD.replace(primary_key=None, foreign_keys=(), uniques=(), checks=())
    schema = SchemaDef.of([PARENT, bare])
    for con in (*CHILD.foreign_keys, *CHILD.uniques, *CHILD.checks, CHILD.primary_key):
        assert con is not None
        schema = AddConstraintOp("child", con).apply(schema)
    assert schema == SCHEMA


def test_add_constraint_errors() -> None:
    with pytest.raises(SchemaStateError, match="already has a primary key"):
        AddConstraintOp("child", PrimaryKeyDef(("qty",), "pk_other")).apply(SCHEMA)
    with pytest.raises(SchemaStateError, match="constraint 'uq_child_name' on 'child' already exists"):
        AddConstraintOp("child", UniqueDef(("qty",), "uq_child_name")).apply(SCHEMA)
    with pytest.raises(SchemaStateError, match="no column nope"):
        AddConstraintOp("child", UniqueDef(("nope",), "uq_x")).apply(SCHEMA)


@pytest.mark.parametrize("name", ["fk_child_parent", "uq_child_name", "ck_child_qty", "pk_child"])
def test_drop_constraint_by_name(name: str) -> None:
    after = table(DropConstraintOp("child", name).apply(SCHEMA), "child")
    assert after.constraint(name) is None
    remaining = [c for c in (*after.foreign_keys, *after.uniques, *after.checks, after.primary_key) if c is not None]
    assert len(remaining) == 3


def test_drop_unnamed_constraint_by_definition() -> None:
    con: ConstraintDef = UniqueDef(("qty",))
    added = AddConstraintOp("child", con).apply(SCHEMA)
    assert DropConstraintOp("child", None, "unique", constraint=con).apply(added) == SCHEMA
    with pytest.raises(SchemaStateError, match=r"^no unique constraint on child \(id\) to drop$"):
        DropConstraintOp("child", None, "unique", constraint=UniqueDef(("id",))).apply(SCHEMA)
    with pytest.raises(SchemaStateError, match="an unnamed constraint is found by its definition"):
        DropConstraintOp("child", None, "unique").apply(added)
    check = CheckDef("qty >= 0")
    with_check = AddConstraintOp("child", check).apply(SCHEMA)
    assert DropConstraintOp("child", None, "check", constraint=CheckDef("(QTY>=0)")).apply(with_check) == SCHEMA
    two = AddConstraintOp("child", CheckDef("qty>=0")).apply(with_check)
    with pytest.raises(SchemaStateError, match="more than one check constraint on child"):
        DropConstraintOp("child", None, "check", constraint=CheckDef("qty >=  0 ")).apply(two)
    with pytest.raises(SchemaStateError, match="constraint 'nope' on 'child' does not exist"):
        DropConstraintOp("child", "nope").apply(SCHEMA)


def test_enum_types() -> None:
    mood = EnumTypeDef("mood", ("sad", "happy"))
    with_mood = CreateEnumTypeOp(mood).apply(SCHEMA)
    assert with_mood.enum_types == (mood,) and with_mood.tables == SCHEMA.tables
    with pytest.raises(SchemaStateError, match="enum type 'mood' already exists"):
        CreateEnumTypeOp(mood).apply(with_mood)
    assert DropEnumTypeOp(mood).apply(with_mood).enum_types == ()
    assert CreateEnumTypeOp(EnumTypeDef("m", schema="app")).describe() == "added enum type 'app.m'"
    # Tables keep the types they do not name; no table operation adds or removes one.
    assert DropTableOp("child").apply(with_mood).enum_types == (mood,)


def test_raw_sql_and_data_leave_the_schema_alone() -> None:
    assert ExecuteOp("DROP TABLE child").apply(SCHEMA) == SCHEMA
    assert BulkInsertOp(sa.table("child"), []).apply(SCHEMA) == SCHEMA


def test_describe() -> None:
    assert ALTER_FULL.describe() == (
        "modified column 'child.qty': type Integer() -> BigInteger(), NOT NULL, server default none -> '1', "
        "comment, name -> 'quantity'"
    )
    assert AddConstraintOp("child", CHILD.foreign_keys[0]).describe() == (
        "added foreign key 'fk_child_parent' on child (parent_id) -> parent (id)"
    )
    assert DropIndexOp("ix", "t", index=IndexDef("ix", ("a",), unique=True)).describe() == (
        "removed unique index 'ix' on t (a)"
    )
    assert RenameTableOp("a", "b", "s").describe() == "renamed table 's.a' to 'b'"


# --------------------------------------------------------------------------- property

NAMES = st.sampled_from(["a", "b", "c", "d", "e", "f"])
TYPES: st.SearchStrategy[TypeEngine[Any]] = st.sampled_from(
    [sa.Integer(), sa.BigInteger(), sa.String(20), sa.Text(), sa.Boolean()]
)
DEFAULTS = st.sampled_from([None, "'0'", "1", "now()"])
COMMENTS = st.sampled_from([None, "note", "other"])


@st.composite
def columns(draw: st.DrawFn, name: str) -> ColumnDef:
    return ColumnDef(name, draw(TYPES), draw(st.booleans()), draw(DEFAULTS), draw(COMMENTS))


@st.composite
def tables(draw: st.DrawFn, name: str) -> TableDef:
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    cols = tuple(draw(columns(n)) for n in names)
    pk = PrimaryKeyDef((names[0],), f"pk_{name}") if draw(st.booleans()) else None
    indexes = tuple(
        sorted(
            (IndexDef(f"ix_{name}_{n}", (n,), unique=draw(st.booleans())) for n in names[1:] if draw(st.booleans())),
            key=lambda i: i.name,
        )
    )
    return TableDef(name, columns=cols, primary_key=pk, indexes=indexes, comment=draw(COMMENTS))


@st.composite
def schemas(draw: st.DrawFn) -> SchemaDef:
    names = draw(st.lists(st.sampled_from(["t1", "t2", "t3"]), min_size=1, max_size=3, unique=True))
    return SchemaDef.of(draw(tables(n)) for n in names)


def _used_columns(schema: SchemaDef, t: TableDef) -> set[str]:
    """Columns an index, key or constraint covers, here or as the target of a foreign key."""
    used = {c for ix in t.indexes for c in ix.columns}
    used |= {c for u in t.uniques for c in u.columns} | {c for f in t.foreign_keys for c in f.columns}
    used |= set(t.primary_key.columns) if t.primary_key else set()
    for other in schema:
        for fk in other.foreign_keys:
            if fk.referred_table == t.name:
                used |= set(fk.referred_columns)
    if t.checks:  # a check's columns are only known as SQL text: keep them all
        used |= set(t.column_names)
    return used


def _referred(schema: SchemaDef, name: str) -> bool:
    return any(fk.referred_table == name for t in schema if t.name != name for fk in t.foreign_keys)


def _fresh(draw: st.DrawFn, taken: set[str], prefix: str) -> str:
    n = draw(st.integers(0, 50))
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


@st.composite
def next_operation(draw: st.DrawFn, schema: SchemaDef, counter: list[int]) -> Operation | None:
    """One operation that is valid on ``schema``, carrying what autogenerate would give it."""
    counter[0] += 1
    uid = counter[0]
    kind = draw(
        st.sampled_from(
            [
                "create_table",
                "drop_table",
                "rename_table",
                "comment",
                "add_column",
                "drop_column",
                "alter_column",
                "create_index",
                "drop_index",
                "add_constraint",
                "drop_constraint",
            ]
        )
    )
    all_tables = sorted(schema, key=lambda t: t.key)
    table_names = {t.name for t in all_tables}
    if kind == "create_table" or not all_tables:
        return CreateTableOp(draw(tables(_fresh(draw, table_names, "n"))))
    t = draw(st.sampled_from(all_tables))
    if kind == "drop_table":
        return None if _referred(schema, t.name) else DropTableOp(t.name, table=t)
    if kind == "rename_table":
        return RenameTableOp(t.name, _fresh(draw, table_names, "r"))
    if kind == "comment":
        new = draw(COMMENTS)
        if new is None:
            return DropTableCommentOp(t.name, existing_comment=t.comment) if t.comment is not None else None
        return CreateTableCommentOp(t.name, new, existing_comment=t.comment)
    if kind == "add_column":
        return AddColumnOp(t.name, draw(columns(_fresh(draw, set(t.column_names), "c"))))
    if kind == "drop_column":
        free = [c for c in t.columns if c.name not in _used_columns(schema, t)]
        if len(t.columns) < 2 or not free:
            return None
        col = draw(st.sampled_from(free))
        return DropColumnOp(t.name, col.name, column=col)
    if kind == "alter_column":
        col = draw(st.sampled_from(t.columns))
        changes: dict[str, Any] = {}
        if draw(st.booleans()):
            changes["type"] = draw(TYPES)
        if draw(st.booleans()):
            changes["nullable"] = not col.nullable
        if draw(st.booleans()):
            changes["server_default"] = draw(DEFAULTS)
        if draw(st.booleans()):
            changes["comment"] = draw(COMMENTS)
        if draw(st.booleans()):
            changes["new_column_name"] = _fresh(draw, set(t.column_names), "m")
        return AlterColumnOp(
            t.name,
            col.name,
            existing_type=col.type,
            existing_nullable=col.nullable,
            existing_server_default=col.server_default,
            existing_comment=col.comment,
            **changes,
        )
    if kind == "create_index":
        picked = draw(st.lists(st.sampled_from(t.column_names), min_size=1, max_size=2, unique=True))
        taken = {ix.name for other in all_tables for ix in other.indexes}
        return CreateIndexOp(t.name, IndexDef(_fresh(draw, taken, "ix"), tuple(picked), draw(st.booleans())))
    if kind == "drop_index":
        if not t.indexes:
            return None
        ix = draw(st.sampled_from(t.indexes))
        return DropIndexOp(ix.name, t.name, index=ix)
    if kind == "add_constraint":
        cols = tuple(draw(st.lists(st.sampled_from(t.column_names), min_size=1, max_size=2, unique=True)))
        name = f"con{uid}" if draw(st.booleans()) else None
        choice = draw(st.sampled_from(["unique", "check", "foreignkey", "primary"]))
        con: ConstraintDef
        if choice == "primary":
            if t.primary_key is not None:
                return None
            con = PrimaryKeyDef(cols, name)
        elif choice == "foreignkey":
            target = draw(st.sampled_from(all_tables))
            refs = tuple(target.column_names[: len(cols)])
            if len(refs) != len(cols):
                return None
            con = ForeignKeyDef(cols, target.name, refs, name or f"fk{uid}")
        elif choice == "check":
            con = CheckDef(f"{cols[0]} IS NOT NULL", name or f"ck{uid}")
        else:
            con = UniqueDef(cols, name)
            if con in t.uniques:
                return None
        return AddConstraintOp(t.name, con)
    # drop_constraint
    cons = [c for c in (*t.foreign_keys, *t.uniques, *t.checks, t.primary_key) if c is not None]
    if not cons:
        return None
    con = draw(st.sampled_from(cons))
    kinds = {ForeignKeyDef: "foreignkey", UniqueDef: "unique", CheckDef: "check", PrimaryKeyDef: "primary"}
    return DropConstraintOp(t.name, con.name, kinds[type(con)], constraint=con)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=schemas(), data=st.data())
def test_operations_then_their_reverses_give_back_the_schema(start: SchemaDef, data: st.DataObject) -> None:
    schema = start
    applied: list[Operation] = []
    counter = [0]
    for _ in range(data.draw(st.integers(1, 12), label="length")):
        operation = data.draw(next_operation(schema, counter))
        if operation is None:
            continue
        schema = operation.apply(schema)
        applied.append(operation)
        event(type(operation).__name__)
    event(f"{len(applied)} operations" if len(applied) < 5 else "5+ operations")
    for operation in reversed(applied):
        schema = operation.reverse().apply(schema)
    assert fingerprint(schema) == fingerprint(start)


@settings(max_examples=150, deadline=None)
@given(start=schemas(), data=st.data())
def test_reverse_of_reverse_is_the_operation(start: SchemaDef, data: st.DataObject) -> None:
    operation = data.draw(next_operation(start, [0]))
    if operation is None:
        return
    assert operation.reverse().reverse() == operation


def test_a_renamed_column_is_renamed_in_the_sql_that_names_it() -> None:
    """PostgreSQL, SQLite and MariaDB rewrite CHECKs, partial-index conditions, index
    expressions and generated columns when a column is renamed; the schema model follows, or a
    comparison after a rename would see them all as changed (found by the A->B->A property)."""
    from dbshift.operations.column import AlterColumnOp
    from dbshift.schema.model import CheckDef, ColumnDef, IndexDef, SchemaDef, TableDef

    table = TableDef(
        "t",
        columns=(ColumnDef("c0"), ColumnDef("twice", computed="c0 * 2"), ColumnDef("c01")),
        checks=(CheckDef("c0 > 0 AND c01 <> 'c0'", "ck_t_c0"),),
        indexes=(
            IndexDef("ix_where", ("c0",), dialect_options=(("sqlite_where", '"c0" > -1000'),)),
            IndexDef("ix_expr", ("lower(c0)", "c01"), expressions=(True, False)),
        ),
    )
    after = AlterColumnOp("t", "c0", new_column_name="r0").apply(SchemaDef.of([table])).get("t")
    assert after is not None
    assert after.column_names == ("r0", "twice", "c01")
    assert after.column("twice") is not None and after.column("twice").computed == "r0 * 2"  # type: ignore[union-attr]
    assert after.checks == (CheckDef("r0 > 0 AND c01 <> 'c0'", "ck_t_c0"),)
    assert after.index("ix_where") == IndexDef("ix_where", ("r0",), dialect_options=(("sqlite_where", '"r0" > -1000'),))
    assert after.index("ix_expr") == IndexDef("ix_expr", ("lower(r0)", "c01"), expressions=(True, False))
