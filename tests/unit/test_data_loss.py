"""Which operations can lose data (:mod:`dbshift.autogenerate.data_loss`), and how the
renderer marks them in a revision's body: the cases as data, no database."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from dbshift.autogenerate.compare import reverse_ops
from dbshift.autogenerate.data_loss import data_loss
from dbshift.autogenerate.render import MAX_WIDTH, render_ops
from dbshift.operations.base import Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.table import CreateTableOp, DropTableOp, RenameTableOp
from dbshift.schema.model import ColumnDef, IndexDef, TableDef


def retype(old: Any, new: Any) -> AlterColumnOp:
    return AlterColumnOp("packages", "title", type=new, existing_type=old, existing_nullable=True)


class Money(sa.TypeDecorator[Any]):
    impl = sa.Numeric(12, 2)
    cache_ok = True


OLD_ITEMS = TableDef("old_items", (ColumnDef("id", sa.Integer(), nullable=False),))

LOSSES: list[tuple[Operation, str]] = [
    (DropTableOp("old_items", table=OLD_ITEMS), "drops table old_items (and its rows)"),
    (DropTableOp("old_items", "archive"), "drops table archive.old_items (and its rows)"),
    (DropColumnOp("packages", "name"), "drops column packages.name"),
    (
        AlterColumnOp("sums", "total", computed=("a + b", None), existing_computed=None),
        "sums.total made generated: its values are replaced by computed ones",
    ),
    (
        DropColumnOp("sums", "total", column=ColumnDef("total", sa.Integer(), computed="a + b")),
        "drops generated column sums.total (its values come back only if it is added back generated)",
    ),
    (DropColumnOp("packages", "name", "app"), "drops column app.packages.name"),
    (retype(sa.VARCHAR(200), sa.String(50)), "packages.title VARCHAR(200) -> VARCHAR(50) may truncate values"),
    (retype(sa.Text(), sa.String(50)), "packages.title TEXT -> VARCHAR(50) may truncate values"),
    (retype(sa.String(), sa.String(50)), "packages.title VARCHAR -> VARCHAR(50) may truncate values"),
    (retype(sa.Unicode(20), sa.String(10)), "packages.title VARCHAR(20) -> VARCHAR(10) may truncate values"),
    (retype(sa.LargeBinary(100), sa.LargeBinary(10)), "packages.title BLOB -> BLOB may truncate values"),
    (
        retype(sa.Numeric(10, 2), sa.Numeric(8, 2)),
        "packages.title NUMERIC(10, 2) -> NUMERIC(8, 2) may truncate values",
    ),
    (
        retype(sa.Numeric(10, 4), sa.Numeric(12, 2)),
        "packages.title NUMERIC(10, 4) -> NUMERIC(12, 2) may truncate values",
    ),
    (retype(sa.Numeric(), sa.Numeric(10, 2)), "packages.title NUMERIC -> NUMERIC(10, 2) may truncate values"),
    (retype(sa.Numeric(10, 2), sa.Integer()), "packages.title NUMERIC(10, 2) -> INTEGER may truncate values"),
    (retype(sa.BigInteger(), sa.Integer()), "packages.title BIGINT -> INTEGER may truncate values"),
    (retype(sa.Integer(), sa.SmallInteger()), "packages.title INTEGER -> SMALLINT may truncate values"),
    (
        retype(mysql.INTEGER(display_width=11), mysql.TINYINT()),
        "packages.title INTEGER(11) -> TINYINT may truncate values",
    ),
    (
        retype(mysql.INTEGER(unsigned=True), mysql.INTEGER()),
        "packages.title INTEGER UNSIGNED -> INTEGER may truncate values",
    ),
    (
        retype(sa.Integer(), mysql.INTEGER(unsigned=True)),
        "packages.title INTEGER -> INTEGER UNSIGNED may truncate values",
    ),
    (retype(sa.Integer(), sa.Numeric(6, 2)), "packages.title INTEGER -> NUMERIC(6, 2) may truncate values"),
    (retype(sa.Double(), sa.REAL()), "packages.title DOUBLE -> REAL may truncate values"),
    (retype(sa.Float(), sa.Integer()), "packages.title FLOAT -> INTEGER may truncate values"),
    (retype(sa.DateTime(), sa.Date()), "packages.title DATETIME -> DATE may truncate values"),
    (
        retype(postgresql.TIMESTAMP(), sa.Time()),
        "packages.title TIMESTAMP WITHOUT TIME ZONE -> TIME may truncate values",
    ),
    (retype(sa.String(20), sa.Integer()), "packages.title VARCHAR(20) -> INTEGER may truncate values"),
    (retype(sa.Integer(), sa.String(20)), "packages.title INTEGER -> VARCHAR(20) may truncate values"),
    (retype(sa.Integer(), sa.Boolean()), "packages.title INTEGER -> BOOLEAN may truncate values"),
    (retype(sa.String(20), sa.Enum("a", "b")), "packages.title VARCHAR(20) -> VARCHAR(1) may truncate values"),
    (retype(sa.Enum("a", "bb"), sa.Enum("a")), "packages.title VARCHAR(2) -> VARCHAR(1) may truncate values"),
    (retype(sa.Enum("long", "b"), sa.String(3)), "packages.title VARCHAR(4) -> VARCHAR(3) may truncate values"),
    (retype(Money(), sa.Numeric(10, 2)), "packages.title NUMERIC(12, 2) -> NUMERIC(10, 2) may truncate values"),
    (retype(postgresql.JSONB(), sa.String(100)), "packages.title JSONB -> VARCHAR(100) may truncate values"),
]

SAFE: list[Operation] = [
    CreateTableOp(OLD_ITEMS),
    RenameTableOp("old_items", "items"),
    AddColumnOp("packages", ColumnDef("name", sa.String(50))),
    CreateIndexOp("packages", IndexDef("ix_packages_name", ("name",))),
    DropIndexOp("ix_packages_name", "packages"),  # an index holds no data of its own
    AlterColumnOp("packages", "title", new_column_name="headline"),
    AlterColumnOp("packages", "title", nullable=False, existing_nullable=True, existing_type=sa.String(50)),
    AlterColumnOp("packages", "title", server_default=None, existing_server_default="'x'"),
    AlterColumnOp("packages", "title", type=sa.String(10)),  # the old type is unknown: cannot tell
    retype(sa.VARCHAR(50), sa.String(200)),
    retype(sa.VARCHAR(50), sa.Text()),
    retype(sa.String(50), sa.String()),
    retype(sa.VARCHAR(50), sa.String(50, collation="C")),
    retype(sa.Integer(), sa.BigInteger()),
    retype(mysql.INTEGER(display_width=11), sa.Integer()),
    retype(sa.SmallInteger(), sa.Integer()),
    retype(mysql.INTEGER(unsigned=True), sa.BigInteger()),
    retype(sa.Integer(), sa.Numeric(12, 2)),
    retype(sa.Integer(), sa.Numeric()),
    retype(sa.Numeric(10, 2), sa.Numeric(12, 4)),
    retype(sa.Numeric(10, 2), sa.Numeric()),
    retype(sa.REAL(), sa.Double()),
    retype(postgresql.DOUBLE_PRECISION(), sa.Float()),
    retype(sa.Date(), sa.DateTime()),
    retype(sa.DateTime(), sa.DateTime(timezone=True)),
    retype(postgresql.TIMESTAMP(), sa.DateTime()),
    retype(sa.Enum("a"), sa.Enum("a", "b")),
    retype(sa.Enum("a", "bb"), sa.String(10)),
    retype(sa.JSON(), postgresql.JSONB()),
    retype(sa.Text(), mysql.MEDIUMTEXT()),
    retype(sa.LargeBinary(10), sa.LargeBinary()),
    retype(Money(), sa.Numeric(14, 2)),
    AlterColumnOp("sums", "total", computed=None, existing_computed=("a + b", True)),  # keeps the values
]


@pytest.mark.parametrize(("operation", "expected"), LOSSES, ids=[e for _, e in LOSSES])
def test_operations_that_lose_data(operation: Operation, expected: str) -> None:
    assert data_loss(operation) == expected


@pytest.mark.parametrize("operation", SAFE, ids=lambda o: o.describe())
def test_operations_that_keep_data(operation: Operation) -> None:
    assert data_loss(operation) is None


# -- rendering ------------------------------------------------------------------------------------
def test_a_destructive_operation_gets_a_comment_on_its_line() -> None:
    ops: list[Operation] = [
        AddColumnOp("packages", ColumnDef("summary", sa.String(100))),
        DropColumnOp("packages", "name", column=ColumnDef("name", sa.String(50))),
        retype(sa.VARCHAR(200), sa.String(50)),
    ]
    assert render_ops(ops).body.splitlines() == [
        "op.add_column(",
        '    "packages", sa.Column("summary", sa.String(length=100), nullable=True)',
        ")",
        'op.drop_column("packages", "name")  # data loss: drops column packages.name',
        "op.alter_column(",
        '    "packages",',
        '    "title",',
        "    existing_type=sa.VARCHAR(length=200),",
        "    type_=sa.String(length=50),",
        "    existing_nullable=True,",
        ")  # data loss: packages.title VARCHAR(200) -> VARCHAR(50) may truncate values",
    ]
    # The downgrade marks its own destructive operations: the reverse of the add is a drop.
    assert render_ops(reverse_ops(ops)).body.splitlines() == [
        "op.alter_column(",
        '    "packages",',
        '    "title",',
        "    existing_type=sa.String(length=50),",
        "    type_=sa.VARCHAR(length=200),",
        "    existing_nullable=True,",
        ")",
        'op.add_column("packages", sa.Column("name", sa.String(length=50), nullable=True))',
        'op.drop_column("packages", "summary")  # data loss: drops column packages.summary',
    ]


def test_a_call_that_fits_only_without_its_comment_is_split() -> None:
    table = "t" * (MAX_WIDTH - len('op.drop_table("")'))
    (line,) = render_ops([DropTableOp(table)]).body.splitlines()[-1:]
    assert line == f")  # data loss: drops table {table} (and its rows)"
    assert render_ops([DropTableOp(table)]).body.startswith("op.drop_table(\n")


def test_batch_operations_are_marked_too() -> None:
    ops: list[Operation] = [DropColumnOp("item", "price"), AddColumnOp("item", ColumnDef("note", sa.Text()))]
    assert render_ops(ops, as_batch=True).body.splitlines()[:2] == [
        'with op.batch_alter_table("item") as batch_op:',
        '    batch_op.drop_column("price")  # data loss: drops column item.price',
    ]


def test_marked_bodies_are_left_alone_by_ruff_format(tmp_path: Path) -> None:
    """The comments sit where a formatter keeps them: ``ruff format`` changes nothing."""
    ops: list[Operation] = [
        DropTableOp("old_items"),
        DropColumnOp("packages", "name"),
        retype(sa.VARCHAR(200), sa.String(50)),
        DropTableOp("t" * (MAX_WIDTH - len('op.drop_table("")'))),
    ]
    body = textwrap.indent(render_ops(ops).body, "    ")
    source = f"import sqlalchemy as sa\nfrom dbshift import op\n\n\ndef upgrade() -> None:\n{body}\n"
    path = tmp_path / "rev.py"
    path.write_text(source, encoding="utf-8")
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed beside this Python")
    result = subprocess.run(
        [str(ruff), "format", "--isolated", "--diff", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
