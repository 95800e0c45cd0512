"""compare_schemas on hand-built schema models: what it finds, in which order, and that the
downgrade it implies is the exact reverse. No database: applying operations to the schema model
stands in for running them (``Operation.apply``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from dbshift.autogenerate.compare import compare_schemas, compare_tables, dependency_order, reverse_ops
from dbshift.operations.base import Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.table import CreateTableOp, DropTableOp
from dbshift.operations.types import CreateEnumTypeOp, DropEnumTypeOp
from dbshift.schema.from_metadata import schema_from_metadata
from dbshift.schema.model import (
    ColumnDef,
    EnumTypeDef,
    ForeignKeyDef,
    IndexDef,
    PrimaryKeyDef,
    SchemaDef,
    TableDef,
    UniqueDef,
)

PG = sa.create_engine("postgresql+psycopg://").dialect
MYSQL = sa.create_engine("mysql+pymysql://").dialect
SQLITE = sa.create_engine("sqlite://").dialect


def col(name: str, type_: sa.types.TypeEngine[Any] | None = None, **kw: Any) -> ColumnDef:
    return ColumnDef(name, type_ if type_ is not None else sa.Integer(), **kw)


def table(name: str, *columns: ColumnDef | str, **kw: Any) -> TableDef:
    cols = tuple(c if isinstance(c, ColumnDef) else col(c) for c in columns)
    return TableDef(name, (col("id", nullable=False), *cols), primary_key=PrimaryKeyDef(("id",)), **kw)


def fk(column: str, referred: str, **kw: Any) -> ForeignKeyDef:
    return ForeignKeyDef((column,), referred, ("id",), **kw)


def described(ops: Sequence[Operation]) -> list[str]:
    return [op.describe() for op in ops]


def applied(schema: SchemaDef, ops: Sequence[Operation]) -> SchemaDef:
    for op in ops:
        schema = op.apply(schema)
    return schema


def assert_round_trip(target: SchemaDef, current: SchemaDef, dialect: Dialect) -> list[Operation]:
    """The upgrade brings ``current`` to ``target``; its reverse brings it back."""
    ops = compare_schemas(target, current, dialect)
    upgraded = applied(current, ops)
    assert described(compare_schemas(target, upgraded, dialect)) == []
    downgraded = applied(upgraded, reverse_ops(ops))
    assert described(compare_schemas(current, downgraded, dialect)) == []
    return ops


# -- ordering -----------------------------------------------------------------------------------
def test_indexes_and_foreign_keys_are_dropped_before_their_columns() -> None:
    current = SchemaDef.of(
        [
            table("parent"),
            table(
                "child",
                "parent_id",
                "code",
                foreign_keys=(fk("parent_id", "parent", name="fk_child_parent"),),
                indexes=(IndexDef("ix_child_code", ("code",)),),
                uniques=(UniqueDef(("code", "parent_id"), "uq_child"),),
            ),
        ]
    )
    target = SchemaDef.of([table("parent"), table("child")])
    ops = assert_round_trip(target, current, PG)
    assert described(ops) == [
        "removed foreign key 'fk_child_parent' on child (parent_id) -> parent (id)",
        "removed index 'ix_child_code' on child (code)",
        "removed unique constraint 'uq_child' on child (code, parent_id)",
        "removed column 'child.parent_id'",
        "removed column 'child.code'",
    ]
    # The downgrade adds the columns back before what uses them.
    assert described(reverse_ops(ops)) == [
        "added column 'child.code'",
        "added column 'child.parent_id'",
        "added unique constraint 'uq_child' on child (code, parent_id)",
        "added index 'ix_child_code' on child (code)",
        "added foreign key 'fk_child_parent' on child (parent_id) -> parent (id)",
    ]


def test_columns_are_added_before_their_indexes_and_keys() -> None:
    current = SchemaDef.of([table("parent"), table("child")])
    target = SchemaDef.of(
        [
            table("parent"),
            table(
                "child",
                "parent_id",
                foreign_keys=(fk("parent_id", "parent"),),
                indexes=(IndexDef("ix_child_parent_id", ("parent_id",)),),
            ),
        ]
    )
    ops = assert_round_trip(target, current, PG)
    assert [type(op) for op in ops] == [AddColumnOp, CreateIndexOp, AddConstraintOp]


def test_tables_are_created_before_their_indexes_referred_tables_first() -> None:
    child = table(
        "a_child",
        "b_parent_id",
        "name",
        foreign_keys=(fk("b_parent_id", "b_parent"),),
        indexes=(IndexDef("ix_a_child_name", ("name",)), IndexDef("ix_a_child_parent", ("b_parent_id", "name"))),
    )
    parent = table("b_parent", "title", indexes=(IndexDef("ix_b_parent_title", ("title",), unique=True),))
    ops = assert_round_trip(SchemaDef.of([child, parent]), SchemaDef(), PG)
    assert described(ops) == [
        "added table 'b_parent'",
        "added unique index 'ix_b_parent_title' on b_parent (title)",
        "added table 'a_child'",
        "added index 'ix_a_child_name' on a_child (name)",
    ]
    # An index serving a foreign key is created with its table: MySQL would not let it be
    # dropped on its own while the foreign key exists.
    create_child = ops[2]
    assert isinstance(create_child, CreateTableOp)
    assert [ix.name for ix in create_child.table.indexes] == ["ix_a_child_parent"]
    assert described(reverse_ops(ops)) == [
        "removed index 'ix_a_child_name' on a_child (name)",
        "removed table 'a_child'",
        "removed unique index 'ix_b_parent_title' on b_parent (title)",
        "removed table 'b_parent'",
    ]


def test_dropped_tables_referring_tables_first() -> None:
    current = SchemaDef.of(
        [
            table("a_root"),
            table("b_leaf", "c_id", "a_id", foreign_keys=(fk("c_id", "c_middle"), fk("a_id", "a_root"))),
            table("c_middle", "a_id", foreign_keys=(fk("a_id", "a_root"),)),
            table("d_alone", indexes=(IndexDef("ix_d_alone_id", ("id",)),)),
        ]
    )
    ops = assert_round_trip(SchemaDef(), current, PG)
    assert described(ops) == [
        "removed table 'b_leaf'",
        "removed table 'c_middle'",
        "removed table 'a_root'",
        "removed index 'ix_d_alone_id' on d_alone (id)",
        "removed table 'd_alone'",
    ]
    assert all(isinstance(op, DropTableOp) and op.table is not None for op in ops if isinstance(op, DropTableOp))


def test_a_self_reference_is_no_cycle() -> None:
    tree = table("tree", "parent_id", foreign_keys=(fk("parent_id", "tree"),))
    assert described(assert_round_trip(SchemaDef.of([tree]), SchemaDef(), PG)) == ["added table 'tree'"]
    assert described(assert_round_trip(SchemaDef(), SchemaDef.of([tree]), PG)) == ["removed table 'tree'"]


def test_reference_cycles_are_broken_by_a_separate_foreign_key() -> None:
    a = table("a", "b_id", foreign_keys=(fk("b_id", "b", name="fk_a_b"),))
    b = table("b", "a_id", foreign_keys=(fk("a_id", "a", name="fk_b_a"),))
    cycle = SchemaDef.of([a, b])
    created = assert_round_trip(cycle, SchemaDef(), PG)
    assert described(created) == [
        "added table 'a'",
        "added table 'b'",
        "added foreign key 'fk_a_b' on a (b_id) -> b (id)",
    ]
    dropped = assert_round_trip(SchemaDef(), cycle, PG)
    assert described(dropped) == [
        "removed foreign key 'fk_b_a' on b (a_id) -> a (id)",
        "removed table 'a'",
        "removed table 'b'",
    ]


def test_an_unnamed_foreign_key_closing_a_cycle_gets_a_name() -> None:
    a = table("a", "b_id", foreign_keys=(fk("b_id", "b"),))
    b = table("b", "a_id", foreign_keys=(fk("a_id", "a"),))
    ops = assert_round_trip(SchemaDef.of([a, b]), SchemaDef(), PG)
    assert described(ops)[-1] == "added foreign key 'a_b_id_fkey' on a (b_id) -> b (id)"


def test_sqlite_keeps_reference_cycles_inside_the_tables() -> None:
    a = table("a", "b_id", foreign_keys=(fk("b_id", "b"),))
    b = table("b", "a_id", foreign_keys=(fk("a_id", "a"),))
    ops = compare_schemas(SchemaDef.of([a, b]), SchemaDef(), SQLITE)
    assert described(ops) == ["added table 'a'", "added table 'b'"]
    assert all(isinstance(op, CreateTableOp) and op.table.foreign_keys for op in ops)


def test_dependency_order_keeps_the_given_order_where_it_can() -> None:
    tables = [table("z"), table("y", "z_id", foreign_keys=(fk("z_id", "z"),)), table("x")]
    ordered, deferred = dependency_order(tables)
    assert [t.name for t in ordered] == ["z", "y", "x"]
    assert deferred == []
    ordered, _ = dependency_order(tables[::-1])
    assert [t.name for t in ordered] == ["x", "z", "y"]


def _scan_order(tables: Sequence[TableDef]) -> tuple[list[TableDef], list[tuple[TableDef, ForeignKeyDef]]]:
    """The plain definition of dependency_order: again and again, the first remaining table whose
    references are all placed; none (a cycle): the first remaining one, its open references deferred."""
    keys = {t.key for t in tables}
    remaining, done = list(tables), set[str]()
    ordered: list[TableDef] = []
    deferred: list[tuple[TableDef, ForeignKeyDef]] = []

    def open_refs(t: TableDef) -> tuple[ForeignKeyDef, ...]:
        return tuple(f for f in t.foreign_keys if f.referred_table in keys - {t.key} - done)

    while remaining:
        ready = next((t for t in remaining if not open_refs(t)), None)
        if ready is None:
            ready = remaining[0]
            waiting = open_refs(ready)
            deferred.extend((ready, f) for f in waiting)
            ready = ready.replace(foreign_keys=tuple(f for f in ready.foreign_keys if f not in waiting))
        remaining = [t for t in remaining if t.key != ready.key]
        done.add(ready.key)
        ordered.append(ready)
    return ordered, deferred


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 11), max_size=3), min_size=1, max_size=12))
def test_dependency_order_is_the_first_ready_table_each_time(references: list[list[int]]) -> None:
    """Random reference graphs (cycles, self-references, references outside the tables): the
    order and the deferred foreign keys are those of the plain quadratic scan."""
    tables = [
        table(
            f"t{i}",
            *(f"r{j}" for j, _ in enumerate(refs)),
            foreign_keys=tuple(fk(f"r{j}", f"t{r}") for j, r in enumerate(refs)),
        )
        for i, refs in enumerate(references)
    ]
    assert dependency_order(tables) == _scan_order(tables)


def test_names_free_before_they_are_taken() -> None:
    """An index moving from a dropped table to a new one: the drop comes first."""
    current = SchemaDef.of([table("old", "v", indexes=(IndexDef("ix_v", ("v",)),))])
    target = SchemaDef.of([table("new", "v", indexes=(IndexDef("ix_v", ("v",)),))])
    ops = assert_round_trip(target, current, PG)
    assert described(ops) == [
        "removed index 'ix_v' on old (v)",
        "removed table 'old'",
        "added table 'new'",
        "added index 'ix_v' on new (v)",
    ]


# -- what is compared ---------------------------------------------------------------------------
def test_column_changes() -> None:
    current = SchemaDef.of(
        [
            table(
                "t",
                col("a", sa.String(10)),
                col("b", nullable=True),
                col("c", server_default="1"),
                col("d", comment="x"),
            )
        ]
    )
    target = SchemaDef.of(
        [table("t", col("a", sa.String(20)), col("b", nullable=False), col("c", server_default="2"), col("d"))]
    )
    ops = assert_round_trip(target, current, PG)
    assert [op.changes() for op in ops if isinstance(op, AlterColumnOp)] == [
        ["type"],
        ["nullable"],
        ["server_default"],
        ["comment"],
    ]
    alter = ops[0]
    assert isinstance(alter, AlterColumnOp)
    assert repr(alter.existing_type) == "String(length=10)"  # what the downgrade restores


def test_comments_are_not_compared_on_sqlite() -> None:
    current = SchemaDef.of([table("t", col("a", comment="old"), comment="old")])
    target = SchemaDef.of([table("t", col("a", comment="new"), comment=None)])
    assert compare_schemas(target, current, SQLITE) == []
    assert described(compare_schemas(target, current, PG)) == [
        "modified column 't.a': comment",
        "removed comment on table 't'",
    ]


def test_foreign_keys_compare_by_columns_target_and_actions_not_names() -> None:
    parent = table("p")
    current = SchemaDef.of([parent, table("t", "p_id", foreign_keys=(fk("p_id", "p", name="t_p_id_fkey"),))])
    renamed = SchemaDef.of([parent, table("t", "p_id", foreign_keys=(fk("p_id", "p", name="fk_other"),))])
    assert compare_schemas(renamed, current, PG) == []
    cascade = SchemaDef.of([parent, table("t", "p_id", foreign_keys=(fk("p_id", "p", ondelete="cascade"),))])
    current_cascade = SchemaDef.of(
        [parent, table("t", "p_id", foreign_keys=(fk("p_id", "p", name="x", ondelete="CASCADE"),))]
    )
    assert compare_schemas(cascade, current_cascade, PG) == []
    ops = assert_round_trip(cascade, current, PG)
    assert [type(op) for op in ops] == [DropConstraintOp, AddConstraintOp]
    no_action = SchemaDef.of([parent, table("t", "p_id", foreign_keys=(fk("p_id", "p", ondelete="NO ACTION"),))])
    assert compare_schemas(no_action, current, PG) == []
    restrict = SchemaDef.of([parent, table("t", "p_id", foreign_keys=(fk("p_id", "p", ondelete="RESTRICT"),))])
    assert len(compare_schemas(restrict, current, PG)) == 2
    assert compare_schemas(restrict, current, SQLITE) != []
    # MySQL does not report RESTRICT, its default.
    mysql_current = SchemaDef.of(
        [
            parent,
            table(
                "t", "p_id", foreign_keys=(fk("p_id", "p", name="t_ibfk_1"),), indexes=(IndexDef("p_id", ("p_id",)),)
            ),
        ]
    )
    assert compare_schemas(restrict, mysql_current, MYSQL) == []


def test_unnamed_constraints_added_to_a_table_get_a_name() -> None:
    current = SchemaDef.of([table("p"), table("items", "p_id", "code")])
    target = SchemaDef.of(
        [
            table("p"),
            table("items", "p_id", "code", foreign_keys=(fk("p_id", "p"),), uniques=(UniqueDef(("code", "p_id")),)),
        ]
    )
    ops = assert_round_trip(target, current, PG)
    assert described(ops) == [
        "added unique constraint 'items_code_p_id_key' on items (code, p_id)",
        "added foreign key 'items_p_id_fkey' on items (p_id) -> p (id)",
    ]
    drops = reverse_ops(ops)
    assert [op.constraint_name for op in drops if isinstance(op, DropConstraintOp)] == [
        "items_p_id_fkey",
        "items_code_p_id_key",
    ]


def test_generated_names_fit_the_backend() -> None:
    long_column = "c" * 70
    current = SchemaDef.of([table("t", long_column)])
    target = SchemaDef.of([table("t", long_column, uniques=(UniqueDef((long_column,)),))])
    (op,) = compare_schemas(target, current, PG)
    assert isinstance(op, AddConstraintOp)
    # As SQLAlchemy shortens a naming-convention name: the limit minus 8, "_", 4 hex of the md5.
    full = f"t_{long_column}_key"
    assert op.constraint.name == f"{full[:55]}_{hashlib.md5(full.encode()).hexdigest()[-4:]}"


def test_models_long_names_are_compared_as_the_backend_holds_them() -> None:
    """A naming convention's long names are shortened by create_all; the models' schema holds
    them shortened the same way, so a database made by create_all shows no difference."""
    md = sa.MetaData(naming_convention={"ix": "ix_%(column_0_N_label)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s"})
    sa.Table("t" * 30, md, sa.Column("c" * 30, sa.Integer, index=True), sa.Column("d" * 30, sa.Integer, unique=True))
    (table_model,) = schema_from_metadata(md, PG)
    ddl = [str(sa.schema.CreateIndex(i).compile(dialect=PG)) for i in md.sorted_tables[0].indexes]
    (uq,) = table_model.uniques
    (ix,) = table_model.indexes
    assert len(ix.name) == len(uq.name or "") == 60
    assert ix.name in ddl[0]
    assert uq.name is not None and uq.name in str(sa.schema.CreateTable(md.sorted_tables[0]).compile(dialect=PG))


def test_indexes_compare_by_name_columns_and_uniqueness() -> None:
    current = SchemaDef.of([table("t", "a", "b", indexes=(IndexDef("ix", ("a", "b")),))])
    assert (
        compare_schemas(SchemaDef.of([table("t", "a", "b", indexes=(IndexDef("ix", ("a", "b")),))]), current, PG) == []
    )
    for changed in (IndexDef("ix", ("b", "a")), IndexDef("ix", ("a", "b"), unique=True), IndexDef("ix", ("a",))):
        ops = assert_round_trip(SchemaDef.of([table("t", "a", "b", indexes=(changed,))]), current, PG)
        assert [type(op) for op in ops] == [DropIndexOp, CreateIndexOp]


def test_expression_indexes_compare_as_normalized_sql() -> None:
    model = IndexDef("ix_lower", ("lower(name)",), expressions=(True,))
    reflected = IndexDef("ix_lower", ("lower((name)::text)",), expressions=(True,))
    target = SchemaDef.of([table("t", col("name", sa.String(10)), indexes=(model,))])
    current = SchemaDef.of([table("t", col("name", sa.String(10)), indexes=(reflected,))])
    assert compare_schemas(target, current, PG) == []
    upper = IndexDef("ix_lower", ("upper(name)",), expressions=(True,))
    assert (
        len(compare_schemas(SchemaDef.of([table("t", col("name", sa.String(10)), indexes=(upper,))]), current, PG)) == 2
    )


# -- MySQL: unique indexes reported as constraints, indexes made for foreign keys ---------------
def test_mysql_unique_index_reported_as_unique_constraint() -> None:
    target = SchemaDef.of([table("t", "a", indexes=(IndexDef("ix_a", ("a",), unique=True),))])
    current = SchemaDef.of([table("t", "a", uniques=(UniqueDef(("a",), "ix_a"),))])
    assert compare_schemas(target, current, MYSQL) == []
    assert compare_schemas(target, current, PG) != []  # PostgreSQL tells them apart


def test_mysql_index_made_for_a_foreign_key_is_no_difference() -> None:
    target = SchemaDef.of([table("p"), table("t", "p_id", foreign_keys=(fk("p_id", "p"),))])
    current = SchemaDef.of(
        [
            table("p"),
            table(
                "t", "p_id", foreign_keys=(fk("p_id", "p", name="t_ibfk_1"),), indexes=(IndexDef("p_id", ("p_id",)),)
            ),
        ]
    )
    assert compare_schemas(target, current, MYSQL) == []
    # Without the foreign key, the index goes too (after the foreign key).
    bare = SchemaDef.of([table("p"), table("t", "p_id")])
    ops = assert_round_trip(bare, current, MYSQL)
    assert described(ops) == [
        "removed foreign key 't_ibfk_1' on t (p_id) -> p (id)",
        "removed index 'p_id' on t (p_id)",
    ]


def test_mysql_foreign_key_added_with_its_own_index() -> None:
    current = SchemaDef.of([table("p"), table("t", "p_id", "q_id")])
    target = SchemaDef.of(
        [
            table("p"),
            table(
                "t",
                "p_id",
                "q_id",
                foreign_keys=(fk("p_id", "p"), fk("q_id", "p", name="fk_q")),
                indexes=(IndexDef("ix_t_q", ("q_id", "id")),),
            ),
        ]
    )
    ops = assert_round_trip(target, current, MYSQL)
    assert described(ops) == [
        "added index 'ix_t_q' on t (q_id, id)",
        "added index 't_p_id_fkey' on t (p_id)",  # so that the downgrade removes it too
        "added foreign key 't_p_id_fkey' on t (p_id) -> p (id)",
        "added foreign key 'fk_q' on t (q_id) -> p (id)",  # ix_t_q serves it
    ]
    assert described(compare_schemas(target, current, PG)) == [
        "added index 'ix_t_q' on t (q_id, id)",
        "added foreign key 't_p_id_fkey' on t (p_id) -> p (id)",
        "added foreign key 'fk_q' on t (q_id) -> p (id)",
    ]


# -- excluded tables ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("patterns", "dropped"),
    [
        ((), ["audit_2020", "legacy_orders", "legacy_users", "spatial_ref_sys"]),
        (("legacy_*",), ["audit_2020", "spatial_ref_sys"]),
        (("legacy_*", "spatial_ref_sys"), ["audit_2020"]),
        (("audit_20??", "*_sys"), ["legacy_orders", "legacy_users"]),
        (("*",), []),
        (("LEGACY_*",), ["audit_2020", "legacy_orders", "legacy_users", "spatial_ref_sys"]),  # case matters
    ],
)
def test_exclude_tables(patterns: tuple[str, ...], dropped: list[str]) -> None:
    current = SchemaDef.of(
        [table(n) for n in ("legacy_users", "legacy_orders", "audit_2020", "spatial_ref_sys", "kept")]
    )
    target = SchemaDef.of([table("kept")])
    ops = compare_schemas(target, current, PG, exclude=patterns)
    assert described(ops) == [f"removed table '{name}'" for name in dropped]


def test_excluded_tables_in_the_models_are_still_compared() -> None:
    current = SchemaDef.of([table("legacy_users")])
    target = SchemaDef.of([table("legacy_users", "email")])
    assert described(compare_schemas(target, current, PG, exclude=["legacy_*"])) == [
        "added column 'legacy_users.email'"
    ]


# -- enum types ---------------------------------------------------------------------------------
def enum(name: str, *values: str, schema: str | None = None) -> sa.Enum:
    return sa.Enum(*values, name=name, schema=schema)


def test_postgresql_enum_types_created_first_and_dropped_last() -> None:
    mood, gone, left = EnumTypeDef("mood", ("a",)), EnumTypeDef("gone", ("x", "y")), EnumTypeDef("left", ("l",))
    current = SchemaDef.of(
        [
            table("t", col("g", enum("gone", "x", "y")), col("kept", enum("left", "l"))),
            table("old", col("m", enum("mood", "a"))),
        ],
        [mood, gone, left, EnumTypeDef("orphan", ("o",))],
    )
    target = SchemaDef.of(
        [
            table("t", col("kept", enum("left", "l")), col("m", enum("mood", "a"))),
            table("new", col("n", postgresql.ARRAY(enum("fresh", "f"))), col("o", enum("orphan", "o"))),
        ]
    )
    ops = assert_round_trip(target, current, PG)
    assert described(ops) == [
        "added enum type 'fresh'",  # 'orphan' exists unused: used as it is; 'mood' moves to another table
        "removed table 'old'",
        "added column 't.m'",
        "removed column 't.g'",
        "added table 'new'",
        "removed enum type 'gone'",  # last: after the column that used it
    ]
    assert ops[-1] == DropEnumTypeOp(gone)  # with its values, for the downgrade to create it again
    assert described(reverse_ops(ops))[0] == "added enum type 'gone'"
    for dialect in (MYSQL, SQLITE):  # an enum lives in its column there
        assert not any(
            isinstance(o, (CreateEnumTypeOp, DropEnumTypeOp)) for o in compare_schemas(target, current, dialect)
        )


def test_enum_types_in_a_schema_and_in_arrays_compare_by_schema_and_name() -> None:
    current = SchemaDef.of([table("t", "a")], [EnumTypeDef("e", ("x",))])
    target = SchemaDef.of([table("t", "a", col("b", enum("e", "x", schema="app")))])
    assert described(compare_schemas(target, current, PG)) == ["added enum type 'app.e'", "added column 't.b'"]


# -- the downgrade ------------------------------------------------------------------------------
def test_reverse_ops_is_the_exact_reverse() -> None:
    current = SchemaDef.of(
        [
            table("p"),
            table("gone", "x", indexes=(IndexDef("ix_gone_x", ("x",)),)),
            table("t", col("a", sa.String(10)), "old", foreign_keys=(fk("old", "p", name="fk_old"),)),
        ]
    )
    target = SchemaDef.of(
        [
            table("p"),
            table("t", col("a", sa.String(30), nullable=False), "new", uniques=(UniqueDef(("new",), "uq_new"),)),
            table("fresh", "p_id", foreign_keys=(fk("p_id", "p"),), indexes=(IndexDef("ix_fresh", ("id", "p_id")),)),
        ]
    )
    ops = assert_round_trip(target, current, PG)
    back = reverse_ops(ops)
    assert len(back) == len(ops)
    assert reverse_ops(back) == ops
    for op, undo in zip(ops, reversed(back)):
        assert undo == op.reverse()
    assert isinstance(back[-1], AddConstraintOp)  # the foreign key dropped first comes back last
    # Columns are added before others are dropped, both ways.
    assert [type(op) for op in ops if isinstance(op, (AddColumnOp, DropColumnOp))] == [AddColumnOp, DropColumnOp]
    assert [type(op) for op in back if isinstance(op, (AddColumnOp, DropColumnOp))] == [AddColumnOp, DropColumnOp]


def test_compare_tables_alone() -> None:
    ops = compare_tables(table("t", "a", "b"), table("t", "a", "c"), PG)
    assert described(ops) == ["added column 't.b'", "removed column 't.c'"]


# -- random schema pairs ------------------------------------------------------------------------
TYPES = [sa.Integer(), sa.BigInteger(), sa.String(10), sa.String(40), sa.Text(), sa.Boolean(), sa.Numeric(10, 2)]


@st.composite
def schema_defs(draw: st.DrawFn) -> SchemaDef:
    names = sorted(draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True, max_size=4)))
    tables = []
    for name in names:
        columns = draw(st.lists(st.sampled_from(["c0", "c1", "c2", "c3"]), unique=True, max_size=4))
        defs = tuple(
            ColumnDef(
                c,
                draw(st.sampled_from(TYPES)),
                nullable=draw(st.booleans()),
                server_default=draw(st.sampled_from([None, "0", "'x'"])),
                comment=draw(st.sampled_from([None, "note"])),
            )
            for c in columns
        )
        indexed = draw(st.lists(st.sampled_from(columns), unique=True, max_size=2)) if columns else []
        unique = draw(st.lists(st.sampled_from(columns), unique=True, max_size=1)) if columns else []
        refs = draw(st.lists(st.sampled_from(names), unique=True, max_size=2))
        tables.append(
            TableDef(
                name,
                (col("id", nullable=False), *defs, *(col(f"ref_{r}") for r in refs)),
                primary_key=PrimaryKeyDef(("id",)),
                foreign_keys=tuple(fk(f"ref_{r}", r, name=f"fk_{name}_{r}") for r in refs),
                indexes=tuple(IndexDef(f"ix_{name}_{c}", (c,)) for c in indexed),
                uniques=tuple(UniqueDef((c,), f"uq_{name}_{c}") for c in unique if c not in indexed),
                comment=draw(st.sampled_from([None, "table"])),
            )
        )
    return SchemaDef.of(tables)


@settings(max_examples=200, deadline=None)
@given(target=schema_defs(), current=schema_defs(), dialect=st.sampled_from([PG, MYSQL]))
def test_random_pairs_round_trip(target: SchemaDef, current: SchemaDef, dialect: Dialect) -> None:
    """Any two schemas (reference cycles included): the upgrade reaches the target, the downgrade
    comes back, and every operation finds the schema as it expects (``apply`` checks)."""
    assert_round_trip(target, current, dialect)
