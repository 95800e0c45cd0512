"""Changes of an enum type's values, without a server: the SQL dbshift writes for PostgreSQL
(``ADD VALUE`` outside the transaction, the replacement recipe), what autogenerate detects and
where it puts it, the operation's reverse and wording, and its rendering in a revision file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, sqlite

from dbshift.autogenerate.compare import compare_schemas, reverse_ops
from dbshift.autogenerate.render import render_ops
from dbshift.dialects import ddl, impl_for
from dbshift.dialects.postgresql import EnumValueCheck
from dbshift.errors import DbshiftError
from dbshift.operations import api as op
from dbshift.operations.base import Operation
from dbshift.operations.column import AlterColumnOp
from dbshift.operations.types import AlterEnumValuesOp, EnumColumn
from dbshift.schema.enums import enum_additions
from dbshift.schema.from_metadata import schema_from_metadata
from dbshift.schema.model import CheckDef, ColumnDef, EnumTypeDef, SchemaDef, TableDef
from tests.unit.test_postgresql_sql import PG, offline, one_line, statements


# -- the values ADD VALUE reaches ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("existing", "values", "steps", "result"),
    [
        (("a", "b"), ("a", "b", "c"), [("c", None, None)], ("a", "b", "c")),
        (("a", "b"), ("x", "a", "b"), [("x", "a", None)], ("x", "a", "b")),
        (("a", "b"), ("a", "x", "y", "b"), [("x", None, "a"), ("y", None, "x")], ("a", "x", "y", "b")),
        (("a", "b"), ("x", "y", "a", "b", "z"), [("x", "a", None), ("y", None, "x"), ("z", None, None)], None),
        (("a", "b", "c"), ("a", "c"), [], ("a", "b", "c")),  # removal: nothing to add
        (("a", "b", "c"), ("a", "x", "c"), [("x", None, "a")], ("a", "x", "b", "c")),  # the rest replaces
        (("a", "b"), ("b", "a", "c"), [("c", None, "a")], ("a", "c", "b")),
    ],
)
def test_enum_additions(
    existing: tuple[str, ...], values: tuple[str, ...], steps: list[Any], result: tuple[str, ...] | None
) -> None:
    found, after = enum_additions(existing, values)
    assert found == steps
    assert after == (result or values)


# -- SQL ----------------------------------------------------------------------------------------
def test_added_values_run_outside_the_transaction_with_their_position() -> None:
    change = AlterEnumValuesOp("status", ("new", "a", "mid", "b", "last"), ("a", "b"))
    out = impl_for(PG).statements(change)
    assert all(isinstance(s, ddl.OutsideTransaction) for s in out)
    assert statements(change) == [
        "ALTER TYPE status ADD VALUE IF NOT EXISTS 'new' BEFORE 'a'",
        "ALTER TYPE status ADD VALUE IF NOT EXISTS 'mid' AFTER 'a'",
        "ALTER TYPE status ADD VALUE IF NOT EXISTS 'last'",
    ]
    inside = impl_for(PG).statements(AlterEnumValuesOp("status", ("a", "b", "c"), ("a", "b"), autocommit=False))
    assert not any(isinstance(s, ddl.OutsideTransaction) for s in inside)


def test_names_and_values_are_quoted_by_the_dialect() -> None:
    change = AlterEnumValuesOp("Order Status", ("it's", "b", "x"), ("it's", "b"), schema="App")
    assert statements(change) == ["""ALTER TYPE "App"."Order Status" ADD VALUE IF NOT EXISTS 'x'"""]
    change = AlterEnumValuesOp("Order Status", ("b",), ("it's", "b"), "App", (EnumColumn("My Table", "St"),))
    assert statements(change) == [
        '''ALTER TYPE "App"."Order Status" RENAME TO "Order Status_dbshift_old"''',
        """CREATE TYPE "App"."Order Status" AS ENUM ('b')""",
        '''ALTER TABLE "My Table" ALTER COLUMN "St" TYPE "App"."Order Status" USING "St"::text::"App"."Order Status"''',
        '''DROP TYPE "App"."Order Status_dbshift_old"''',
    ]


def test_offline_add_value_commits_and_begins_around_it() -> None:
    def body() -> None:
        op.execute("UPDATE t SET a = 1")
        op.alter_enum_values("status", ["a", "b", "c"], existing_values=["a", "b"])
        op.execute("UPDATE t SET s = 'c'")

    assert offline(body) == [
        "UPDATE t SET a = 1",
        "COMMIT",
        "ALTER TYPE status ADD VALUE IF NOT EXISTS 'c'",
        "BEGIN",
        "UPDATE t SET s = 'c'",
    ]


def test_removed_values_replace_the_type_and_move_every_column() -> None:
    columns = (
        EnumColumn("orders", "status", server_default="'a'::status"),
        EnumColumn("audit", "seen", schema="logs", array=True),
        EnumColumn("plain", "s"),
    )

    def body() -> None:
        op.alter_enum_values("status", ["b", "a"], existing_values=["a", "b", "c"], columns=columns)

    assert offline(body) == [
        "ALTER TYPE status RENAME TO status_dbshift_old",
        "CREATE TYPE status AS ENUM ('b', 'a')",
        "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT",
        "ALTER TABLE orders ALTER COLUMN status TYPE status USING status::text::status",
        "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'a'::status",
        "ALTER TABLE logs.audit ALTER COLUMN seen TYPE status[] USING seen::text[]::status[]",
        "ALTER TABLE plain ALTER COLUMN s TYPE status USING s::text::status",
        "DROP TYPE status_dbshift_old",
    ]


def test_enum_values_change_nothing_elsewhere_and_bad_arguments_are_one_line_errors() -> None:
    change = AlterEnumValuesOp("status", ("a",), ("a", "b"))
    for dialect in (mysql.dialect(), sqlite.dialect()):
        assert impl_for(dialect).statements(change) == []
    assert offline(lambda: op.alter_enum_values("s", ["a"], existing_values=["a"])) == []
    with pytest.raises(DbshiftError, match=r"^alter_enum_values\('s'\): values must be distinct strings$"):
        offline(lambda: op.alter_enum_values("s", ["a", "a"], existing_values=["a"]))
    with pytest.raises(DbshiftError, match="needs at least one value"):
        offline(lambda: op.alter_enum_values("s", [], existing_values=["a"]))


# -- the operation ------------------------------------------------------------------------------
def test_describe_reverse_and_apply() -> None:
    change = AlterEnumValuesOp("status", ("a", "b", "c"), ("a", "b"), columns=(EnumColumn("t", "s"),))
    assert change.describe() == "changed values of enum type 'status': added 'c'"
    assert change.reverse().describe() == "changed values of enum type 'status': removed 'c'"
    assert change.reverse().reverse() == change
    moved = AlterEnumValuesOp("status", ("b", "x", "a"), ("a", "b", "c"), schema="app")
    assert moved.describe() == "changed values of enum type 'app.status': added 'x'; removed 'c'; reordered"
    schema = SchemaDef.of([], [EnumTypeDef("status", ("a", "b"))])
    assert change.apply(schema).enum_type("status") == EnumTypeDef("status", ("a", "b", "c"))
    assert moved.apply(schema).enum_type("status", "app") == EnumTypeDef("status", ("b", "x", "a"), "app")


# -- autogenerate -------------------------------------------------------------------------------
def orders(type_: sa.types.TypeEngine[Any], default: str | None = None, **kw: Any) -> TableDef:
    return TableDef("orders", (ColumnDef("id", sa.Integer()), ColumnDef("status", type_, server_default=default)), **kw)


def test_added_values_come_first_removed_ones_last() -> None:
    current = SchemaDef.of(
        [orders(sa.Enum("a", "b", "c", name="status"), "'a'::status")], [EnumTypeDef("status", ("a", "b", "c"))]
    )
    target = SchemaDef.of(
        [
            orders(sa.Enum("a", "x", "c", name="status"), "'a'::status"),
            TableDef("new", (ColumnDef("id", sa.Integer()), ColumnDef("s", sa.Enum("a", "x", "c", name="status")))),
        ]
    )
    ops = compare_schemas(target, current, PG)
    assert [o.describe() for o in ops] == [
        "changed values of enum type 'status': added 'x'",
        "added table 'new'",
        "changed values of enum type 'status': removed 'b'",
    ]
    first, last = ops[0], ops[-1]
    assert isinstance(first, AlterEnumValuesOp) and isinstance(last, AlterEnumValuesOp)
    assert first.values == ("a", "x", "b", "c")
    assert first.columns == (EnumColumn("orders", "status", server_default="'a'::status"),)  # the database's
    assert last.columns == (EnumColumn("orders", "status", server_default="'a'::status"), EnumColumn("new", "s"))
    down = reverse_ops(ops)
    assert down[0].describe() == "changed values of enum type 'status': added 'b'"
    for dialect in (mysql.dialect(), sqlite.dialect()):
        assert not any(isinstance(o, AlterEnumValuesOp) for o in compare_schemas(target, current, dialect))


def test_only_values_added_is_one_operation_and_the_same_values_none() -> None:
    current = SchemaDef.of([orders(sa.Enum("a", "b", name="status"))], [EnumTypeDef("status", ("a", "b"))])
    target = SchemaDef.of([orders(sa.Enum("a", "b", "c", name="status"))])
    assert [o.describe() for o in compare_schemas(target, current, PG)] == [
        "changed values of enum type 'status': added 'c'"
    ]
    assert compare_schemas(current, current, PG) == []


def test_rendered_call_runs_back_to_the_same_operation() -> None:
    change = AlterEnumValuesOp(
        "status",
        ("b", "a"),
        ("a", "b", "c"),
        "app",
        (EnumColumn("orders", "status", "app", "'a'::app.status"), EnumColumn("log", "seen", array=True)),
        autocommit=False,
    )
    body = render_ops([change]).body
    assert body.startswith(
        'op.alter_enum_values(\n    "status",\n    ["b", "a"],\n    existing_values=["a", "b", "c"],'
    )
    assert 'op.EnumColumn("log", "seen", array=True)' in body
    recorded: list[Operation] = []

    class Recording:
        dialect = PG

        def invoke(self, operation: Operation) -> None:
            recorded.append(operation)

    with op.using_context(Recording()):  # type: ignore[arg-type]
        exec(compile(body, "<rendered>", "exec"), {"op": op})
    assert recorded == [change]


def test_rendered_call_is_formatter_clean() -> None:
    columns = tuple(EnumColumn(f"table_{n}", "status", server_default="'new'::status") for n in range(3))
    few = AlterEnumValuesOp("status", ("new", "paid"), ("new",), columns=columns[:1])
    many = AlterEnumValuesOp("status", ("new", "paid"), ("new",), columns=columns)
    assert render_ops([few]).body == (
        "op.alter_enum_values(\n"
        '    "status",\n'
        '    ["new", "paid"],\n'
        '    existing_values=["new"],\n'
        """    columns=[op.EnumColumn("table_0", "status", server_default="'new'::status")],\n"""
        ")"
    )
    assert render_ops([many]).body == (
        "op.alter_enum_values(\n"
        '    "status",\n'
        '    ["new", "paid"],\n'
        '    existing_values=["new"],\n'
        "    columns=[\n"
        + "".join(
            f"""        op.EnumColumn("table_{n}", "status", server_default="'new'::status"),\n""" for n in range(3)
        )
        + "    ],\n"
        ")"
    )
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed beside this Python")
    for op_ in (few, many):
        body = render_ops([op_]).body
        run = subprocess.run(
            [str(ruff), "format", "--line-length", "104", "-"], input=body, capture_output=True, text=True, check=True
        )
        assert run.stdout.rstrip("\n") == body, run.stderr


def test_rows_holding_a_removed_value_are_looked_for_first_against_a_live_database() -> None:
    """Online, each column is queried for one row holding a value that goes (the failure then
    names it); the query's text, for plain and array columns."""
    plain = EnumValueCheck(EnumColumn("orders", "status", "app"), "'status'", ("held", "void"), array=False)
    array = EnumValueCheck(EnumColumn("history", "path"), "'status'", ("held",), array=True)
    compile_ = {"dialect": PG, "compile_kwargs": {"literal_binds": True}}
    assert one_line(str(plain.compile(**compile_))) == (  # type: ignore[arg-type]
        "SELECT CAST(app.orders.status AS TEXT) AS status FROM app.orders"
        " WHERE CAST(app.orders.status AS TEXT) IN ('held', 'void') LIMIT 1"
    )
    assert one_line(str(array.compile(**compile_))) == (  # type: ignore[arg-type]
        "SELECT anon_1.value FROM (SELECT unnest(CAST(history.path AS TEXT[])) AS value FROM history) AS anon_1"
        " WHERE anon_1.value IN ('held') LIMIT 1"
    )


@pytest.mark.parametrize(
    ("dialect", "reflected"),
    [
        (PG, "((status)::text = ANY ((ARRAY['new'::character varying, 'it''s'::character varying])::text[]))"),
        (mysql.dialect(), "`status` in ('new','it''s')"),
        (sqlite.dialect(), "status IN ('new', 'it''s')"),
    ],
    ids=["postgresql", "mariadb", "sqlite"],
)
def test_non_native_enum_type_change_drops_the_check_the_database_has(dialect: Any, reflected: str) -> None:
    """The existing type of the ``alter_column`` is the enum the database's CHECK of the same
    name lists (however the backend spells it), so the CHECK goes with it."""
    md = sa.MetaData()
    new = sa.Enum("new", "it's", "refunded", name="status", native_enum=False, create_constraint=True)
    sa.Table("orders", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("status", new))
    target = schema_from_metadata(md, dialect)
    table = target.tables["orders"]
    old_column = ColumnDef("status", sa.VARCHAR(4))
    current = SchemaDef.of(
        [table.replace(columns=(table.columns[0], old_column), checks=(CheckDef(reflected, "status"),))]
    )
    (alter,) = [o for o in compare_schemas(target, current, dialect) if isinstance(o, AlterColumnOp)]
    assert isinstance(alter, AlterColumnOp)
    assert isinstance(alter.existing_type, sa.Enum)
    assert alter.existing_type.enums == ["new", "it's"]
    assert alter.existing_type.create_constraint and alter.existing_type.length == 4
    unnamed = SchemaDef.of([table.replace(columns=(table.columns[0], old_column), checks=(CheckDef(reflected),))])
    # No CHECK of that name: the type is left as reflected.
    (plain,) = [o for o in compare_schemas(target, unnamed, dialect) if isinstance(o, AlterColumnOp)]
    assert isinstance(plain, AlterColumnOp) and isinstance(plain.existing_type, sa.VARCHAR)


def test_replacement_moves_columns_of_tables_left_out_of_the_comparison() -> None:
    """A table the comparison excludes keeps using the type: the replacement moves it too."""
    status = sa.Enum("a", "b", name="status")
    legacy = TableDef("legacy_orders", (ColumnDef("id", sa.Integer()), ColumnDef("s", status)))
    current = SchemaDef.of([orders(status), legacy], [EnumTypeDef("status", ("a", "b"))])
    target = SchemaDef.of([orders(sa.Enum("b", "a", name="status"))])
    (change,) = compare_schemas(target, current, PG, exclude=["legacy_*"])
    assert isinstance(change, AlterEnumValuesOp)
    assert change.columns == (EnumColumn("orders", "status"), EnumColumn("legacy_orders", "s"))
    dropped = compare_schemas(target, current, PG)  # not excluded: dropped first, not moved
    assert [o.describe() for o in dropped] == [
        "removed table 'legacy_orders'",
        "changed values of enum type 'status': reordered",
    ]
    last = dropped[-1]
    assert isinstance(last, AlterEnumValuesOp) and last.columns == (EnumColumn("orders", "status"),)
