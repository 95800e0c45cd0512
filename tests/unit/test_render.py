"""Rendering operations as revision source: exact text, and round trips through the ``op`` API.

A round trip renders operations, executes the source against a fake operation context (the
same ``dbshift.operations.api`` functions a revision calls) and compares what was recorded with
what was rendered. Types are excluded from dataclass ``==``, so they are compared by ``repr``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect

from dbshift.autogenerate.render import (
    RenderedOps,
    RenderError,
    quote,
    render_ops,
    render_type,
)
from dbshift.operations import api
from dbshift.operations.base import Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import (
    CONSTRAINT_KINDS,
    AddConstraintOp,
    DropConstraintOp,
)
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
    EnumTypeDef,
    ForeignKeyDef,
    IndexDef,
    PrimaryKeyDef,
    SchemaDef,
    TableDef,
    UniqueDef,
)


class FakeContext:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.recorded: list[Operation] = []

    def invoke(self, operation: Operation) -> None:
        self.recorded.append(operation)

    def get_bind(self) -> Any:
        raise AssertionError("rendered code must not need a connection")


def namespace() -> dict[str, Any]:
    return {"sa": sa, "op": api, "postgresql": postgresql, "mysql": mysql}


def run(rendered: RenderedOps, dialect: Dialect | None = None) -> list[Operation]:
    context = FakeContext(dialect or sqlite.dialect())
    source = "\n".join([*rendered.imports, rendered.body])
    with api.using_context(context):
        exec(compile(source, "<rendered>", "exec"), namespace())
    return context.recorded


def eval_type(source: str) -> Any:
    return eval(source, namespace())


def fold(ops: Sequence[Operation]) -> SchemaDef:
    schema = SchemaDef()
    for op in ops:
        schema = op.apply(schema)
    return schema


def normalized(table: TableDef) -> TableDef:
    """Orders the recorded table cannot keep: indexes are created one by one, FKs and uniques
    sorted by ``table_def`` only by columns, checks not at all, and ``Table.constraints`` is a set."""
    return table.replace(
        checks=tuple(sorted(table.checks, key=repr)),
        indexes=tuple(sorted(table.indexes, key=lambda i: i.name)),
        foreign_keys=tuple(sorted(table.foreign_keys, key=repr)),
        uniques=tuple(sorted(table.uniques, key=repr)),
    )


def assert_same_column_types(expected: TableDef, actual: TableDef) -> None:
    assert [repr(c.type) for c in actual.columns] == [repr(c.type) for c in expected.columns]
    assert [type(c.type) for c in actual.columns] == [type(c.type) for c in expected.columns]


def roundtrip_table(op: CreateTableOp, dialect: Dialect | None = None) -> TableDef:
    recorded = run(render_ops([op]), dialect)
    assert isinstance(recorded[0], CreateTableOp)
    assert recorded[0].if_not_exists == op.if_not_exists
    assert all(isinstance(r, CreateIndexOp) for r in recorded[1:])
    table = fold(recorded).get(op.table.name, op.table.schema)
    assert table is not None
    return table


USERS = TableDef(
    "users",
    columns=(
        ColumnDef("id", sa.Integer(), nullable=False),
        ColumnDef("org_id", sa.Integer(), nullable=True),
        ColumnDef("email", sa.String(length=200), nullable=False, comment="login"),
        ColumnDef("created", sa.DateTime(timezone=True), nullable=False, server_default="now()"),
        ColumnDef("score", sa.Numeric(precision=10, scale=2), server_default="0"),
    ),
    primary_key=PrimaryKeyDef(("id",), "pk_users"),
    foreign_keys=(ForeignKeyDef(("org_id",), "users", ("id",), name="fk_users_org", ondelete="CASCADE"),),
    uniques=(UniqueDef(("email",), "uq_users_email"),),
    checks=(CheckDef("score >= 0", "ck_users_score"),),
    indexes=(
        IndexDef("ix_users_created", ("created",)),
        IndexDef("ix_users_lower_email", ("lower(email)",), unique=True, expressions=(True,)),
    ),
    comment="people",
)

USERS_SOURCE = """op.create_table(
    "users",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("org_id", sa.Integer(), nullable=True),
    sa.Column("email", sa.String(length=200), nullable=False, comment="login"),
    sa.Column(
        "created",
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.text("now()"),
    ),
    sa.Column(
        "score",
        sa.Numeric(precision=10, scale=2),
        nullable=True,
        server_default=sa.text("0"),
    ),
    sa.PrimaryKeyConstraint("id", name="pk_users"),
    sa.ForeignKeyConstraint(
        ["org_id"], ["users.id"], name="fk_users_org", ondelete="CASCADE"
    ),
    sa.UniqueConstraint("email", name="uq_users_email"),
    sa.CheckConstraint("score >= 0", name="ck_users_score"),
    comment="people",
)
op.create_index("ix_users_created", "users", ["created"], unique=False)
op.create_index(
    "ix_users_lower_email", "users", [sa.text("lower(email)")], unique=True
)"""


# -- strings ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", '"abc"'),
        ("it's", '"it\'s"'),
        ('say "hi"', "'say \"hi\"'"),
        ("both ' and \"", "'both \\' and \"'"),
        ("back\\slash", '"back\\\\slash"'),
        ("new\nline\ttab", '"new\\nline\\ttab"'),
        ("", '""'),
        ("ünïcode ☃", '"ünïcode ☃"'),
    ],
)
def test_quote(text: str, expected: str) -> None:
    assert quote(text) == expected
    assert eval(quote(text)) == text


@given(st.text())
def test_quote_any_text_evaluates_back(text: str) -> None:
    assert eval(quote(text)) == text


# -- types --------------------------------------------------------------------------------------
TYPES: list[tuple[Any, str, set[str]]] = [
    (sa.String(), "sa.String()", set()),
    (sa.String(length=50), "sa.String(length=50)", set()),
    (sa.String(length=50, collation="C"), "sa.String(length=50, collation='C')", set()),
    (sa.Text(), "sa.Text()", set()),
    (sa.Integer(), "sa.Integer()", set()),
    (sa.BigInteger(), "sa.BigInteger()", set()),
    (sa.SmallInteger(), "sa.SmallInteger()", set()),
    (sa.Boolean(), "sa.Boolean()", set()),
    (sa.DateTime(), "sa.DateTime()", set()),
    (sa.DateTime(timezone=True), "sa.DateTime(timezone=True)", set()),
    (sa.Numeric(precision=10, scale=2), "sa.Numeric(precision=10, scale=2)", set()),
    (sa.Float(), "sa.Float()", set()),
    (sa.Float(precision=53), "sa.Float(precision=53)", set()),
    (sa.Enum("a", "b", name="x"), "sa.Enum('a', 'b', name='x')", set()),
    (sa.JSON(), "sa.JSON()", set()),
    (sa.Uuid(), "sa.Uuid()", set()),
    (sa.Uuid(as_uuid=False), "sa.Uuid(as_uuid=False)", set()),
    (sa.LargeBinary(), "sa.LargeBinary()", set()),
    (sa.Date(), "sa.Date()", set()),
    (sa.Time(), "sa.Time()", set()),
    (sa.Interval(), "sa.Interval()", set()),
    (sa.VARCHAR(length=50), "sa.VARCHAR(length=50)", set()),
    (sa.CHAR(length=2), "sa.CHAR(length=2)", set()),
    (sa.TIMESTAMP(timezone=True), "sa.TIMESTAMP(timezone=True)", set()),
    (sa.ARRAY(sa.Integer()), "sa.ARRAY(sa.Integer())", set()),
    (sa.types.NullType(), "sa.types.NullType()", set()),
    (postgresql.TIMESTAMP(), "postgresql.TIMESTAMP()", {"from sqlalchemy.dialects import postgresql"}),
    (
        postgresql.ARRAY(sa.String(length=5), dimensions=2),
        "postgresql.ARRAY(sa.String(length=5), dimensions=2)",
        {"from sqlalchemy.dialects import postgresql"},
    ),
    (postgresql.JSONB(), "postgresql.JSONB(astext_type=sa.Text())", {"from sqlalchemy.dialects import postgresql"}),
    (
        postgresql.ARRAY(postgresql.JSONB()),
        "postgresql.ARRAY(postgresql.JSONB(astext_type=sa.Text()))",
        {"from sqlalchemy.dialects import postgresql"},
    ),
    (postgresql.UUID(), "sa.UUID()", set()),
    (
        postgresql.INTERVAL(fields="DAY"),
        "postgresql.INTERVAL(fields='DAY')",
        {"from sqlalchemy.dialects import postgresql"},
    ),
    (mysql.INTEGER(display_width=11), "mysql.INTEGER(display_width=11)", {"from sqlalchemy.dialects import mysql"}),
    (mysql.TINYINT(display_width=1), "mysql.TINYINT(display_width=1)", {"from sqlalchemy.dialects import mysql"}),
    (
        mysql.VARCHAR(length=50, charset="utf8mb4", collation="utf8mb4_bin"),
        "mysql.VARCHAR(charset='utf8mb4', collation='utf8mb4_bin', length=50)",
        {"from sqlalchemy.dialects import mysql"},
    ),
    (mysql.BIGINT(unsigned=True), "mysql.BIGINT(unsigned=True)", {"from sqlalchemy.dialects import mysql"}),
    (mysql.ENUM("a", "b"), "mysql.ENUM('a', 'b')", {"from sqlalchemy.dialects import mysql"}),
    (
        sa.String().with_variant(mysql.VARCHAR(length=10), "mysql"),
        'sa.String().with_variant(mysql.VARCHAR(length=10), "mysql")',
        {"from sqlalchemy.dialects import mysql"},
    ),
]


@pytest.mark.parametrize(("type_", "source", "imports"), TYPES, ids=[t[1] for t in TYPES])
def test_render_type(type_: Any, source: str, imports: set[str]) -> None:
    assert render_type(type_) == (source, imports)
    rebuilt = eval_type(source)
    assert type(rebuilt) is type(type_)
    assert repr(rebuilt) == repr(type_)
    assert dict(rebuilt._variant_mapping).keys() == dict(type_._variant_mapping).keys()


class Money(sa.types.TypeDecorator[Any]):
    impl = sa.Numeric
    cache_ok = True


def test_user_type_is_imported_by_module() -> None:
    source, imports = render_type(Money())
    assert source == f"{__name__}.Money()"
    assert imports == {f"import {__name__}"}


# -- exact text ---------------------------------------------------------------------------------
def body(*ops: Operation) -> str:
    return render_ops(ops).body


def test_no_ops_render_pass() -> None:
    assert render_ops([]) == RenderedOps("pass", ())


def test_create_table_text() -> None:
    assert body(CreateTableOp(USERS)) == USERS_SOURCE


def test_create_table_schema_options_and_column_extras() -> None:
    table = TableDef(
        "t",
        columns=(
            ColumnDef("id", sa.Integer(), nullable=False, identity=True, autoincrement=False),
            ColumnDef("total", sa.Integer(), computed="a + b"),
        ),
        schema="app",
        foreign_keys=(
            ForeignKeyDef(("id",), "other", ("id",), referred_schema="ref", deferrable=True, initially="DEFERRED"),
        ),
        dialect_options=(("mysql_engine", "InnoDB"),),
        indexes=(IndexDef("ix_t_total", ("total",), dialect_options=(("postgresql_using", "btree"),)),),
    )
    assert body(CreateTableOp(table, if_not_exists=True)) == (
        "op.create_table(\n"
        '    "t",\n'
        "    sa.Column(\n"
        '        "id", sa.Integer(), sa.Identity(), nullable=False, autoincrement=False\n'
        "    ),\n"
        '    sa.Column("total", sa.Integer(), sa.Computed("a + b"), nullable=True),\n'
        "    sa.ForeignKeyConstraint(\n"
        '        ["id"], ["ref.other.id"], deferrable=True, initially="DEFERRED"\n'
        "    ),\n"
        '    schema="app",\n'
        '    mysql_engine="InnoDB",\n'
        "    if_not_exists=True,\n"
        ")\n"
        "op.create_index(\n"
        '    "ix_t_total",\n'
        '    "t",\n'
        '    ["total"],\n'
        "    unique=False,\n"
        '    schema="app",\n'
        "    if_not_exists=True,\n"
        '    postgresql_using="btree",\n'
        ")"
    )


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (DropTableOp("users", table=USERS), 'op.drop_table("users")  # data loss: drops table users (and its rows)'),
        (
            DropTableOp("users", "app", if_exists=True),
            'op.drop_table(\n    "users", schema="app", if_exists=True\n)  # data loss: drops table app.users (and its rows)',
        ),
        (RenameTableOp("a", "b", "app"), 'op.rename_table("a", "b", schema="app")'),
        (
            CreateTableCommentOp("t", "new", existing_comment="old"),
            'op.create_table_comment("t", "new", existing_comment="old")',
        ),
        (CreateTableCommentOp("t", "it's"), 'op.create_table_comment("t", "it\'s")'),
        (DropTableCommentOp("t", existing_comment="c"), 'op.drop_table_comment("t", existing_comment="c")'),
        (
            AddColumnOp("t", ColumnDef("c", sa.String(length=5), server_default="'x'")),
            (
                'op.add_column(\n    "t",\n    sa.Column(\n'
                '        "c", sa.String(length=5), nullable=True, server_default=sa.text("\'x\'")\n'
                "    ),\n)"
            ),
        ),
        (DropColumnOp("t", "c", column=ColumnDef("c")), 'op.drop_column("t", "c")  # data loss: drops column t.c'),
        (
            DropColumnOp("t", "c", "app", if_exists=True),
            'op.drop_column(\n    "t", "c", schema="app", if_exists=True\n)  # data loss: drops column app.t.c',
        ),
        (CreateIndexOp("a", IndexDef("ix_a_b", ("b",))), 'op.create_index("ix_a_b", "a", ["b"], unique=False)'),
        (DropIndexOp("ix_a_b", "a", index=IndexDef("ix_a_b", ("b",))), 'op.drop_index("ix_a_b", table_name="a")'),
        (DropIndexOp("ix"), 'op.drop_index("ix")'),
        (
            AddConstraintOp("t", UniqueDef(("a", "b"), "uq")),
            'op.create_unique_constraint("uq", "t", ["a", "b"])',
        ),
        (AddConstraintOp("t", UniqueDef(("a",))), 'op.create_unique_constraint(None, "t", ["a"])'),
        (
            AddConstraintOp(
                "t", ForeignKeyDef(("a",), "other", ("id",), "fk", referred_schema="s", ondelete="CASCADE")
            ),
            'op.create_foreign_key(\n    "fk", "t", "other", ["a"], ["id"], ondelete="CASCADE", referent_schema="s"\n)',
        ),
        (AddConstraintOp("t", CheckDef("x > 0", "ck")), 'op.create_check_constraint("ck", "t", "x > 0")'),
        (AddConstraintOp("t", PrimaryKeyDef(("id",), "pk")), 'op.create_primary_key("pk", "t", ["id"])'),
        (DropConstraintOp("t", "uq", "unique"), 'op.drop_constraint("uq", "t", type_="unique")'),
        (
            DropConstraintOp("t", "fk", constraint=ForeignKeyDef(("a",), "o", ("id",), "fk")),
            'op.drop_constraint("fk", "t", type_="foreignkey")',
        ),
        (DropConstraintOp("t", "x"), 'op.drop_constraint("x", "t")'),
        (ExecuteOp("UPDATE t SET a = 'b'"), "op.execute(\"UPDATE t SET a = 'b'\")"),
        (ExecuteOp(sa.text("SELECT 1")), 'op.execute(sa.text("SELECT 1"))'),
        (
            AlterColumnOp("t", "c", nullable=False, existing_type=sa.Integer(), existing_nullable=True),
            'op.alter_column(\n    "t", "c", existing_type=sa.Integer(), nullable=False, existing_nullable=True\n)',
        ),
        (
            AlterColumnOp("t", "c", server_default=None, existing_server_default="0"),
            'op.alter_column("t", "c", server_default=None, existing_server_default=sa.text("0"))',
        ),
        (
            AlterColumnOp("t", "c", new_column_name="d", schema="app"),
            'op.alter_column("t", "c", new_column_name="d", schema="app")',
        ),
    ],
)
def test_operation_text(operation: Operation, expected: str) -> None:
    assert body(operation) == expected


def test_alter_column_full_text() -> None:
    operation = AlterColumnOp(
        "t",
        "c",
        type=sa.String(length=50),
        existing_type=sa.String(length=20),
        nullable=False,
        existing_nullable=True,
        server_default="'x'",
        existing_server_default=None,
        comment="new",
        existing_comment="old",
    )
    assert body(operation) == (
        "op.alter_column(\n"
        '    "t",\n'
        '    "c",\n'
        "    existing_type=sa.String(length=20),\n"
        "    type_=sa.String(length=50),\n"
        "    nullable=False,\n"
        "    existing_nullable=True,\n"
        "    server_default=sa.text(\"'x'\"),\n"
        "    existing_server_default=None,\n"
        '    comment="new",\n'
        '    existing_comment="old",\n'
        ")"
    )


def test_ops_render_in_order_with_sorted_deduplicated_imports() -> None:
    rendered = render_ops(
        [
            AddColumnOp("t", ColumnDef("a", postgresql.TIMESTAMP())),
            AddColumnOp("t", ColumnDef("b", mysql.TINYINT(display_width=1))),
            AddColumnOp("t", ColumnDef("c", postgresql.JSONB())),
        ]
    )
    assert rendered.imports == ("from sqlalchemy.dialects import mysql", "from sqlalchemy.dialects import postgresql")
    assert [line.split('"')[1] for line in rendered.body.split("sa.Column(")[1:]] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "operation",
    [ExecuteOp(sa.select(sa.literal(1))), BulkInsertOp(sa.table("t"), [{"a": 1}])],
    ids=["execute-select", "bulk-insert"],
)
def test_unrenderable_operations_raise(operation: Operation) -> None:
    with pytest.raises(RenderError):
        render_ops([operation])


# -- round trips --------------------------------------------------------------------------------
def test_create_table_round_trip() -> None:
    table = roundtrip_table(CreateTableOp(USERS))
    assert normalized(table) == normalized(USERS)
    assert_same_column_types(USERS, table)


def test_create_table_round_trip_with_extras_on_postgresql() -> None:
    original = TableDef(
        "t",
        columns=(
            ColumnDef("id", sa.BigInteger(), nullable=False, identity=True, autoincrement=True),
            ColumnDef("tags", postgresql.ARRAY(sa.String(length=5)), comment='a "quoted"\ncomment'),
            ColumnDef("doubled", sa.Integer(), computed="id * 2"),
            ColumnDef("flag", mysql.TINYINT(display_width=1), server_default="'it''s'"),
        ),
        schema="app",
        primary_key=PrimaryKeyDef(("id", "flag")),
        uniques=(UniqueDef(("doubled", "flag")), UniqueDef(("tags",), "uq_tags")),
        checks=(CheckDef("doubled > 0"),),
        indexes=(
            IndexDef("ix_b", ("tags",), dialect_options=(("postgresql_using", "gin"),)),
            IndexDef("ix_a", ("flag", "lower(tags)"), unique=True, expressions=(False, True)),
        ),
        comment="t's",
    )
    table = roundtrip_table(CreateTableOp(original, if_not_exists=True), postgresql.dialect())
    assert normalized(table) == normalized(original)
    assert_same_column_types(original, table)


def test_create_table_with_foreign_key_to_another_table() -> None:
    original = TableDef(
        "child",
        columns=(ColumnDef("parent_id", sa.Integer()),),
        foreign_keys=(ForeignKeyDef(("parent_id",), "parent", ("id",), "fk_child_parent", referred_schema="s"),),
    )
    assert roundtrip_table(CreateTableOp(original)) == original


def test_create_table_keeps_use_alter() -> None:
    fk = ForeignKeyDef(("b_id",), "b", ("id",), "fk_a_b", use_alter=True)
    original = TableDef("a", columns=(ColumnDef("b_id", sa.Integer()),), foreign_keys=(fk,))
    assert (
        'sa.ForeignKeyConstraint(["b_id"], ["b.id"], name="fk_a_b", use_alter=True)'
        in render_ops([CreateTableOp(original)]).body
    )
    (recorded,) = roundtrip_table(CreateTableOp(original)).foreign_keys
    assert recorded.use_alter is True


def without_reverse_info(op: Operation) -> Operation:
    """What the ``op`` functions can record: drops carry no definition for their reverse."""
    if isinstance(op, DropTableOp):
        return dataclasses.replace(op, table=None)
    if isinstance(op, DropColumnOp):
        return dataclasses.replace(op, column=None)
    if isinstance(op, DropIndexOp):
        return dataclasses.replace(op, index=None)
    if isinstance(op, DropConstraintOp) and op.constraint is not None:
        kind = CONSTRAINT_KINDS[type(op.constraint)]
        return dataclasses.replace(op, constraint=None, type_=op.type_ or kind)
    return op


ROUND_TRIP_OPS: list[Operation] = [
    DropTableOp("users", table=USERS),
    DropTableOp("users", "app", if_exists=True),
    RenameTableOp("a", "b"),
    RenameTableOp("a", "b", "app"),
    CreateTableCommentOp("t", "new", existing_comment="old", schema="app"),
    CreateTableCommentOp("t", "new"),
    DropTableCommentOp("t", existing_comment="c"),
    DropTableCommentOp("t", schema="app"),
    AddColumnOp("t", ColumnDef("c", sa.String(length=5), nullable=False, server_default="'x'", comment="c")),
    AddColumnOp("t", ColumnDef("c", sa.Integer(), autoincrement=True), "app", if_not_exists=True),
    DropColumnOp("t", "c", column=ColumnDef("c")),
    DropColumnOp("t", "c", "app", if_exists=True),
    AlterColumnOp(
        "t",
        "c",
        type=sa.String(length=50),
        existing_type=sa.String(length=20),
        nullable=False,
        existing_nullable=True,
        server_default="'x'",
        existing_server_default=None,
        comment="new",
        existing_comment="old",
    ),
    AlterColumnOp("t", "c", server_default=None, existing_server_default="0", existing_type=sa.Integer()),
    AlterColumnOp("t", "c", comment=None, existing_comment="old", schema="app"),
    AlterColumnOp("t", "c", new_column_name="d", existing_type=postgresql.TIMESTAMP(), existing_nullable=False),
    AlterColumnOp("t", "c", nullable=True, dialect_options=(("mysql_charset", "utf8"),)),
    CreateIndexOp("a", IndexDef("ix_a_b", ("b", "c"), unique=True)),
    CreateIndexOp("a", IndexDef("ix_a_l", ("lower(b)",), expressions=(True,)), "app", if_not_exists=True),
    CreateIndexOp("a", IndexDef("ix_g", ("b",), dialect_options=(("postgresql_using", "gin"),))),
    DropIndexOp("ix_a_b", "a", index=IndexDef("ix_a_b", ("b",))),
    DropIndexOp("ix", schema="app", if_exists=True),
    AddConstraintOp("t", UniqueDef(("a", "b"), "uq")),
    AddConstraintOp("t", UniqueDef(("a",)), "app"),
    AddConstraintOp(
        "t",
        ForeignKeyDef(
            ("a", "b"),
            "other",
            ("x", "y"),
            "fk",
            referred_schema="s",
            ondelete="CASCADE",
            onupdate="SET NULL",
            deferrable=True,
            initially="DEFERRED",
        ),
        "app",
    ),
    AddConstraintOp("t", CheckDef("x > 0 AND y <> 'it''s'", "ck")),
    AddConstraintOp("t", PrimaryKeyDef(("id", "k"), "pk")),
    DropConstraintOp("t", "uq", "unique", "app"),
    DropConstraintOp("t", "ck", constraint=CheckDef("x > 0", "ck")),
    DropConstraintOp("t", "x"),
]


@pytest.mark.parametrize("operation", ROUND_TRIP_OPS, ids=lambda o: o.describe())
def test_operation_round_trip(operation: Operation) -> None:
    recorded = run(render_ops([operation]), postgresql.dialect())
    assert recorded == [without_reverse_info(operation)]
    if isinstance(operation, AddColumnOp):
        assert isinstance(recorded[0], AddColumnOp)
        assert repr(recorded[0].column.type) == repr(operation.column.type)
    if isinstance(operation, AlterColumnOp):
        assert isinstance(recorded[0], AlterColumnOp)
        assert repr(recorded[0].type) == repr(operation.type)
        assert repr(recorded[0].existing_type) == repr(operation.existing_type)


def test_execute_round_trip() -> None:
    sql = "UPDATE t SET a = 'x\"y' -- \\ done\n"
    (recorded,) = run(render_ops([ExecuteOp(sql, {"autocommit": True})]))
    assert isinstance(recorded, ExecuteOp)
    assert recorded.sqltext == sql
    assert recorded.execution_options == {"autocommit": True}


def test_enum_types_render_as_sqlalchemys_own_statements() -> None:
    """Not part of the op round trip: the revision runs SQLAlchemy's statement through
    op.execute (which --sql mode can write), so what it records is an ExecuteOp of it."""
    created = CreateEnumTypeOp(EnumTypeDef("mood", ("sad", "it's"), "app"))
    rendered = render_ops([created, DropEnumTypeOp(EnumTypeDef("tone", ("low",)))])
    assert rendered.imports == ("from sqlalchemy.dialects import postgresql",)
    assert rendered.body.splitlines() == [
        "op.execute(",
        "    postgresql.CreateEnumType(",
        '        postgresql.ENUM("sad", "it\'s", name="mood", schema="app")',
        "    )",
        ")",
        'op.execute(postgresql.DropEnumType(postgresql.ENUM("low", name="tone")))',
    ]
    create, drop = run(rendered, postgresql.dialect())
    assert isinstance(create, ExecuteOp) and isinstance(create.sqltext, postgresql.CreateEnumType)
    assert isinstance(drop, ExecuteOp) and isinstance(drop.sqltext, postgresql.DropEnumType)
    enum = create.sqltext.element
    assert (enum.name, enum.schema, tuple(enum.enums)) == ("mood", "app", ("sad", "it's"))


def test_alter_column_comment_added_where_there_was_none() -> None:
    operation = AlterColumnOp("t", "c", comment="new", existing_comment=None)
    assert run(render_ops([operation])) == [operation]


# -- property: random tables ---------------------------------------------------------------------
NAMES = st.text(alphabet="ab_'\" \\", min_size=1, max_size=3)
GENERIC_TYPES: list[Any] = [
    sa.Integer(),
    sa.BigInteger(),
    sa.String(),
    sa.String(length=20),
    sa.Text(),
    sa.Boolean(),
    sa.DateTime(),
    sa.DateTime(timezone=True),
    sa.Date(),
    sa.Numeric(precision=10, scale=2),
    sa.Float(),
    sa.JSON(),
    sa.Uuid(),
    sa.LargeBinary(),
    sa.Enum("a", "b'", name="e"),
]
DEFAULTS = st.sampled_from([None, "0", "'abc'", "'it''s'", "now()", "CURRENT_TIMESTAMP"])


@st.composite
def tables(draw: st.DrawFn) -> TableDef:
    column_names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    columns = tuple(
        ColumnDef(
            name,
            draw(st.sampled_from(GENERIC_TYPES)),
            nullable=draw(st.booleans()),
            server_default=draw(DEFAULTS),
            comment=draw(st.one_of(st.none(), st.text(max_size=5))),
        )
        for name in column_names
    )
    subsets = st.lists(st.sampled_from(column_names), min_size=1, max_size=3, unique=True).map(tuple)
    # Constraint and index names are unique, as a database requires.
    names = iter(draw(st.lists(NAMES, min_size=12, max_size=12, unique=True)))

    def maybe_name() -> str | None:
        return next(names) if draw(st.booleans()) else None

    schema = draw(st.sampled_from([None, "s"]))
    pk = PrimaryKeyDef(draw(subsets), maybe_name()) if draw(st.booleans()) else None
    # Foreign keys refer to the table itself, the only table op.create_table's MetaData can resolve.
    fks = []
    for _ in range(draw(st.integers(0, 2))):
        cols = draw(subsets)
        referred = tuple(draw(st.permutations(column_names))[: len(cols)])
        ondelete = draw(st.sampled_from([None, "CASCADE", "SET NULL"]))
        fks.append(ForeignKeyDef(cols, "t", referred, maybe_name(), referred_schema=schema, ondelete=ondelete))
    uniques = [UniqueDef(draw(subsets), maybe_name()) for _ in range(draw(st.integers(0, 2)))]
    check_sql = st.sampled_from(["x > 0", "y <> 'a''b'", 'z LIKE "%\\%"'])
    checks = [CheckDef(draw(check_sql), maybe_name()) for _ in range(draw(st.integers(0, 2)))]
    indexes = []
    for _ in range(draw(st.integers(0, 3))):
        elements = draw(subsets)
        expression = draw(st.booleans())
        indexes.append(
            IndexDef(
                next(names),
                (*elements, "lower(x)") if expression else elements,
                unique=draw(st.booleans()),
                expressions=(*(False for _ in elements), True) if expression else (),
            )
        )
    return TableDef(
        "t",
        columns=columns,
        schema=schema,
        primary_key=pk,
        foreign_keys=tuple(fks),
        uniques=tuple(uniques),
        checks=tuple(checks),
        indexes=tuple(indexes),
        comment=draw(st.one_of(st.none(), st.text(max_size=5))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_random_tables_round_trip(table: TableDef) -> None:
    recorded = roundtrip_table(CreateTableOp(table))
    assert normalized(recorded) == normalized(table)
    assert_same_column_types(table, recorded)


def test_identity_options_render() -> None:
    from dbshift.autogenerate.render import render_ops
    from dbshift.operations.column import AddColumnOp
    from dbshift.schema.model import ColumnDef

    col = ColumnDef(
        "id", sa.Integer(), nullable=False, identity=True, identity_options=(("always", True), ("start", 100))
    )
    assert "sa.Identity(always=True, start=100)" in render_ops([AddColumnOp("t", col)]).body


def test_render_as_batch_groups_consecutive_operations_on_one_table() -> None:
    ops: list[Operation] = [
        AddColumnOp("item", ColumnDef("price", sa.Integer())),
        AlterColumnOp("item", "name", nullable=False, existing_type=sa.String(40), existing_nullable=True),
        CreateIndexOp("item", IndexDef("ix_item_price", ("price",))),
        AddColumnOp("order", ColumnDef("note", sa.Text()), schema="sales"),
        DropIndexOp("ix_order_old", "order", "sales"),
        CreateTableOp(TableDef("fresh", (ColumnDef("id", sa.Integer(), nullable=False),))),
        DropConstraintOp("item", "uq_item_name", "unique"),
    ]
    body = render_ops(ops, as_batch=True).body
    lines = body.splitlines()
    assert lines[:3] == [
        'with op.batch_alter_table("item") as batch_op:',
        '    batch_op.add_column(sa.Column("price", sa.Integer(), nullable=True))',
        "    batch_op.alter_column(",
    ]
    assert '        "name",' in lines and '    batch_op.create_index("ix_item_price", ["price"], unique=False)' in lines
    assert 'with op.batch_alter_table("order", schema="sales") as batch_op:' in body
    assert '    batch_op.drop_index("ix_order_old")' in body
    assert "op.create_table(" in body.split('with op.batch_alter_table("order"')[1]
    assert body.rstrip().endswith('    batch_op.drop_constraint("uq_item_name", type_="unique")')
    compile(body, "body", "exec")
