"""The layout of rendered revision bodies: the rules, and ``ruff format --check`` on whole files.

ruff (installed in the test environment, never needed by dbshift) is the judge: every file
written from a kitchen-sink set of operations, in plain and batch mode, must be left unchanged
by ``ruff format`` with its default settings.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from dbshift.autogenerate.compare import reverse_ops
from dbshift.autogenerate.layout import WIDTH, layout_body, normalize_string
from dbshift.autogenerate.render import render_ops
from dbshift.operations.base import Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.sql import ExecuteOp
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
    TableDef,
    UniqueDef,
)
from dbshift.script.writer import DEFAULT_TEMPLATE, RevisionSource, write_revision


def laid(source: str) -> list[str]:
    return layout_body(source).splitlines()


# -- the rules ----------------------------------------------------------------------------------
def test_a_statement_that_fits_stays_on_one_line() -> None:
    assert laid('op.drop_column("t", "c")') == ['op.drop_column("t", "c")']


def test_arguments_that_fit_on_their_own_line_go_there() -> None:
    line = 'op.drop_column("packages", "' + "x" * 50 + '", schema="app")'
    assert laid(line) == ["op.drop_column(", '    "packages", "' + "x" * 50 + '", schema="app"', ")"]


def test_otherwise_one_argument_per_line_with_a_trailing_comma() -> None:
    args = ", ".join(f'"{c * 20}"' for c in "abcd")
    assert laid(f"op.f({args})") == ["op.f(", *(f'    "{c * 20}",' for c in "abcd"), ")"]


def test_nested_calls_are_laid_out_by_the_same_rules() -> None:
    column = 'sa.Column("' + "c" * 30 + '", sa.String(length=50), nullable=False, server_default=sa.text("x"))'
    assert laid(f'op.add_column("t", {column})') == [
        "op.add_column(",
        '    "t",',
        "    sa.Column(",
        '        "' + "c" * 30 + '",',
        "        sa.String(length=50),",
        "        nullable=False,",
        '        server_default=sa.text("x"),',
        "    ),",
        ")",
    ]


def test_a_single_argument_that_cannot_fit_is_alone_without_a_comma() -> None:
    text = '"' + "s" * 100 + '"'
    assert laid(f"op.execute({text})") == ["op.execute(", f"    {text}", ")"]
    assert laid(f"op.execute(sa.text({text}))") == ["op.execute(", "    sa.text(", f"        {text}", "    )", ")"]


def test_a_split_literal_has_one_item_per_line() -> None:
    items = ", ".join(f'"{c * 40}"' for c in "ab")
    assert laid(f'op.create_index("ix", "t", [{items}], unique=False)') == [
        "op.create_index(",
        '    "ix",',
        '    "t",',
        "    [",
        f'        "{"a" * 40}",',
        f'        "{"b" * 40}",',
        "    ],",
        "    unique=False,",
        ")",
    ]


def test_a_magic_trailing_comma_keeps_a_call_exploded() -> None:
    assert laid('op.create_table("t", sa.Column("id", sa.Integer()),)') == [
        "op.create_table(",
        '    "t",',
        '    sa.Column("id", sa.Integer()),',
        ")",
    ]
    assert laid('op.execute(("a",))') == ['op.execute(("a",))']  # a one-item tuple's comma is no magic


def test_a_trailing_comment_counts_and_goes_after_the_closing_bracket() -> None:
    fits_alone = 'op.drop_table("' + "t" * 60 + '")'
    assert len(fits_alone) + 4 <= WIDTH
    assert laid(fits_alone + "  # data loss: drops table t") == [
        "op.drop_table(",
        '    "' + "t" * 60 + '"',
        ")  # data loss: drops table t",
    ]


def test_a_call_chain_breaks_before_each_dot_inside_brackets() -> None:
    """ruff's "fluent" layout for two or more ``.name(...)`` after a call (``with_variant``)."""
    chain = 'sa.String(length=20).with_variant(sa.VARCHAR(length=20), "postgresql").with_variant(mysql.VARCHAR(length=20), "mysql")'
    assert laid(f'op.add_column("t", sa.Column("c", {chain}, nullable=True))') == [
        "op.add_column(",
        '    "t",',
        "    sa.Column(",
        '        "c",',
        "        sa.String(length=20)",
        '        .with_variant(sa.VARCHAR(length=20), "postgresql")',
        '        .with_variant(mysql.VARCHAR(length=20), "mysql"),',
        "        nullable=True,",
        "    ),",
        ")",
    ]


def test_comments_on_their_own_line_are_kept_before_their_statement() -> None:
    source = '# data loss: drops column t.c\nop.drop_column("t", "c")\n# it\'s "quoted"\nop.drop_table("t")'
    assert laid(source) == source.splitlines()


def test_batch_blocks_count_their_indent() -> None:
    call = 'batch_op.add_column(sa.Column("' + "c" * 20 + '", sa.Integer(), nullable=True))'
    assert len(call) + 4 <= WIDTH < len(call) + 8
    assert laid(f'with op.batch_alter_table("t") as batch_op:\n    {call}') == [
        'with op.batch_alter_table("t") as batch_op:',
        "    batch_op.add_column(",
        '        sa.Column("' + "c" * 20 + '", sa.Integer(), nullable=True)',
        "    )",
    ]


def test_a_long_with_statement_splits_its_call() -> None:
    opener = 'with op.batch_alter_table("packages", schema="' + "s" * 50 + '") as batch_op:'
    assert laid(opener + "\n    batch_op.drop_column('x')") == [
        "with op.batch_alter_table(",
        '    "packages", schema="' + "s" * 50 + '"',
        ") as batch_op:",
        '    batch_op.drop_column("x")',
    ]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("'abc'", '"abc"'),
        ("'it\\'s'", '"it\'s"'),
        ("'say \"hi\"'", "'say \"hi\"'"),
        ("'one \\' and one \"'", '"one \' and one \\""'),
        ("'two \\'\\' and one \"'", '"two \'\' and one \\""'),
        ("'one \\' and two \"\"'", "'one \\' and two \"\"'"),
        ('"already"', '"already"'),
        ("r'\\d+'", 'r"\\d+"'),
        ("b'bytes'", 'b"bytes"'),
        ("'back\\\\slash'", '"back\\\\slash"'),
    ],
)
def test_string_quotes(literal: str, expected: str) -> None:
    assert normalize_string(literal) == expected
    assert eval(expected) == eval(literal)


def test_source_tokenize_cannot_read_is_returned_unchanged() -> None:
    assert layout_body("op.f(") == "op.f("


def test_a_comment_inside_brackets_keeps_the_statement_as_written() -> None:
    source = 'op.create_table(\n    "t",  # the table\n    sa.Column("id", sa.Integer()),\n)'
    assert layout_body(source) == source


# -- whole files through ruff -------------------------------------------------------------------
def _kitchen_sink() -> list[Operation]:
    long_default = "'" + "a very long server default value " * 3 + "'"
    table = TableDef(
        "kitchen_sink_with_a_rather_long_table_name",
        columns=(
            ColumnDef("id", sa.BigInteger(), nullable=False, identity=True, identity_options=(("start", 10),)),
            ColumnDef("name", sa.String(length=200), nullable=False, comment='the "name" it\'s known by'),
            ColumnDef("status", sa.Enum("draft", "published", "archived", name="status_enum")),
            ColumnDef("price", sa.Numeric(precision=12, scale=4), server_default="0"),
            ColumnDef("total", sa.Integer(), computed="price * 2", computed_persisted=True),
            ColumnDef("tags", postgresql.ARRAY(sa.String(length=30)), server_default=long_default),
            ColumnDef("flags", mysql.TINYINT(display_width=1, unsigned=True)),
            ColumnDef("owner_id", sa.Integer(), nullable=False),
            ColumnDef("created_at", sa.DateTime(timezone=True), nullable=False, server_default="CURRENT_TIMESTAMP"),
            ColumnDef("data", postgresql.JSONB()),
            ColumnDef(
                "label",
                sa.String(40)
                .with_variant(postgresql.VARCHAR(40), "postgresql")
                .with_variant(mysql.VARCHAR(40, charset="utf8mb4"), "mysql"),
            ),
        ),
        primary_key=PrimaryKeyDef(("id",), "pk_kitchen_sink"),
        foreign_keys=(
            ForeignKeyDef(
                ("owner_id",),
                "owners",
                ("id",),
                "fk_kitchen_sink_owner_id_owners",
                ondelete="CASCADE",
                onupdate="SET NULL",
                deferrable=True,
                initially="DEFERRED",
            ),
        ),
        uniques=(UniqueDef(("name", "status"), "uq_kitchen_sink_name_status"),),
        checks=(CheckDef("price >= 0 AND name <> 'it''s'", "ck_kitchen_sink_price_positive"),),
        indexes=(
            IndexDef(
                "ix_kitchen_sink_name_lower",
                ("lower(name)", "status"),
                unique=True,
                expressions=(True, False),
                dialect_options=(("postgresql_where", "status <> 'archived'"), ("postgresql_using", "btree")),
            ),
        ),
        comment='everything at once, it\'s "all" here',
        dialect_options=(("mysql_engine", "InnoDB"), ("mysql_charset", "utf8mb4")),
    )
    name = "kitchen_sink_with_a_rather_long_table_name"
    old = TableDef(
        "old_table_with_a_name_long_enough_to_push_the_comment_past_the_limit",
        columns=(ColumnDef("id", sa.Integer(), nullable=False), ColumnDef("label", sa.Unicode(length=20))),
    )
    return [
        CreateEnumTypeOp(EnumTypeDef("mood_with_a_long_name", ("sad", "it's", "happy", "very happy"), "app")),
        CreateTableOp(table),
        AddColumnOp(name, ColumnDef("note", sa.Text(), server_default=long_default, comment="a 'quoted' note")),
        AddColumnOp(name, ColumnDef("short", sa.Integer())),
        AlterColumnOp(
            name,
            "name",
            type=sa.String(length=50),
            existing_type=sa.String(length=200),
            nullable=True,
            existing_nullable=False,
            server_default="'unnamed'",
            existing_server_default=None,
            comment="new comment",
            existing_comment='the "name" it\'s known by',
        ),
        AlterColumnOp(name, "short", nullable=False, existing_type=sa.Integer(), existing_nullable=True),
        CreateIndexOp(
            name,
            IndexDef(
                "ix_kitchen_sink_created_at_partial",
                ("created_at", "status", "owner_id"),
                dialect_options=(
                    ("postgresql_where", "created_at > now() - interval '1 day'"),
                    ("postgresql_include", ["name"]),
                    ("mysql_length", {"status": 10}),
                ),
            ),
        ),
        DropIndexOp("ix_kitchen_sink_name_lower", name, index=table.indexes[0]),
        AddConstraintOp(
            name,
            ForeignKeyDef(
                ("owner_id", "status"),
                "owners",
                ("id", "status"),
                "fk_kitchen_sink_owner_status",
                ondelete="SET NULL",
                deferrable=True,
                initially="IMMEDIATE",
                referred_schema="accounts",
            ),
        ),
        AddConstraintOp(name, CheckDef("length(name) > 0 AND note <> 'it''s \"x\"'", "ck_kitchen_sink_name")),
        AddConstraintOp(name, UniqueDef(("note",), "uq_kitchen_sink_note")),
        DropConstraintOp(name, "uq_kitchen_sink_name_status", "unique", constraint=table.uniques[0]),
        CreateTableCommentOp(name, "a new comment that is long enough to need a line of its own", "old"),
        DropTableCommentOp(name, existing_comment="gone"),
        DropColumnOp(name, "flags", column=table.columns[6]),
        ExecuteOp("UPDATE kitchen_sink_with_a_rather_long_table_name SET note = 'x' WHERE note IS NULL"),
        RenameTableOp(name, "kitchen_sink_renamed_to_something_even_longer_than_before"),
        DropTableOp(old.name, table=old),
        DropEnumTypeOp(EnumTypeDef("old_mood", ("a",))),
    ]


def _ruff_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "--check", "--diff", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("as_batch", [False, True], ids=["plain", "batch"])
def test_a_kitchen_sink_revision_is_formatter_clean(tmp_path: Path, as_batch: bool) -> None:
    ops = _kitchen_sink()
    upgrade = render_ops(ops, as_batch=as_batch)
    downgrade = render_ops(reverse_ops(op for op in ops if not isinstance(op, ExecuteOp)), as_batch=as_batch)
    source = RevisionSource(
        rev_id="abc123",
        message='kitchen sink: "every" op kind, it\'s long  ',
        down_revisions=(),
        create_date=datetime(2026, 1, 2, 3, 4, 5),
        imports=tuple(sorted({*upgrade.imports, *downgrade.imports})),
        upgrade_body=upgrade.body,
        downgrade_body=downgrade.body,
    )
    path = write_revision(tmp_path, "%(rev)s_%(slug)s", DEFAULT_TEMPLATE, source)
    result = _ruff_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    text = path.read_text()
    assert "# data loss: drops column kitchen_sink_with_a_rather_long_table_name.flags" in text
    assert "batch_op." in text if as_batch else "batch_op." not in text
    long_lines = [line for line in text.splitlines() if len(line) > WIDTH]
    # Only what cannot wrap may be longer: a string literal or a comment after a bracket.
    assert all(line.strip().startswith(('"', "'", ")")) or "sa.text(" in line for line in long_lines), long_lines


def test_bodies_keep_to_the_width_where_they_can(tmp_path: Path) -> None:
    body = render_ops(_kitchen_sink()).body
    for line in textwrap.indent(body, "    ").splitlines():
        if len(line) > WIDTH:
            stripped = line.strip()
            assert stripped.startswith(('"', ")", "sa.text(", "server_default=")), line


def _random_expression(rng: random.Random, depth: int) -> str:
    """A call, list, dict, string, name or number, nested up to ``depth``."""
    kind = rng.choice(["call", "call", "list", "dict", "str", "name", "num"] if depth else ["str", "name", "num"])
    if kind == "str":
        return '"' + "s" * rng.choice([1, 5, 20, 40, 90]) + '"'
    if kind == "name":
        return rng.choice(["sa.Integer()", "True", "None", "x" * rng.randint(1, 30), "f(1).a(2).b(3)"])
    if kind == "num":
        return str(rng.randint(0, 10**6))
    items = [_random_expression(rng, depth - 1) for _ in range(rng.choice([0, 1, 1, 2, 3, 5]))]
    if kind == "list":
        return "[" + ", ".join(items) + "]"
    if kind == "dict":
        return "{" + ", ".join(f'"k{i}": {item}' for i, item in enumerate(items)) + "}"
    keywords = rng.randint(0, len(items))  # the last ones, after the positional arguments
    args = [f"{'kw' * rng.randint(1, 6)}{i}={item}" if i >= keywords else item for i, item in enumerate(items)]
    call = f"{rng.choice(['sa.Column', 'op.f', 'batch_op.create_index', 'g'])}({', '.join(args)})"
    for _ in range(rng.choice([0, 0, 0, 1, 2, 3])):  # with_variant chains
        call += f".with_variant({_random_expression(rng, depth - 1)}, {_random_expression(rng, 0)})"
    return call


def test_random_nested_calls_are_laid_out_as_ruff_would(tmp_path: Path) -> None:
    """Hundreds of random statements (nesting, long strings, empty calls, literals, comments)."""
    rng = random.Random(9)
    statements = []
    for number in range(400):
        statement = f"op.f{number}({', '.join(_random_expression(rng, 3) for _ in range(rng.randint(0, 4)))})"
        if rng.random() < 0.2:
            statement += "  # data loss: " + "c" * rng.randint(1, 40)
        statements.append(statement)
    body = layout_body("\n".join(statements))
    path = tmp_path / "random.py"
    path.write_text("def upgrade() -> None:\n" + textwrap.indent(body, "    ") + "\n")
    result = _ruff_check(path)
    assert result.returncode == 0, result.stdout[:4000]
