"""The order a batch block's steps run in (:func:`dbshift.operations.batch_order.batch_order`),
without a database; the backend property test is ``tests/backend/test_batch_order.py``."""

from __future__ import annotations

import sqlalchemy as sa

from dbshift.operations.base import UNCHANGED
from dbshift.operations.batch_order import batch_order
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.schema.model import CheckDef, ColumnDef, ForeignKeyDef, IndexDef, UniqueDef


def test_drops_first_columns_in_order_creations_last() -> None:
    steps = [
        CreateIndexOp("t", IndexDef("ix_n", ("n",))),
        DropColumnOp("t", "b"),
        AddColumnOp("t", ColumnDef("n", sa.Integer())),
        DropConstraintOp("t", "uq_b", "unique"),
        DropIndexOp("ix_b", "t"),
    ]
    assert batch_order(steps) == [steps[3], steps[4], steps[1], steps[2], steps[0]]


def test_creations_follow_renames_written_after_them() -> None:
    steps = [
        AddConstraintOp("t", UniqueDef(("a", "d"), "uq_a_d")),
        AddConstraintOp("t", ForeignKeyDef(("a",), "t", ("d",), "fk_self")),
        AlterColumnOp("t", "a", new_column_name="a2"),
        CreateIndexOp("t", IndexDef("ix_d", ("d", "lower(a)"), expressions=(False, True))),
        AlterColumnOp("t", "d", new_column_name="d2"),
    ]
    ordered = batch_order(steps)
    assert ordered[:2] == [steps[2], steps[4]]
    unique, fk, index = (op for op in ordered[2:])
    assert isinstance(unique, AddConstraintOp) and unique.constraint == UniqueDef(("a2", "d2"), "uq_a_d")
    assert isinstance(fk, AddConstraintOp) and fk.constraint == ForeignKeyDef(("a2",), "t", ("d2",), "fk_self")
    assert isinstance(index, CreateIndexOp) and index.index.columns == ("d2", "lower(a)")  # SQL left alone


def test_a_check_naming_a_column_renamed_later_stays_in_place() -> None:
    check = AddConstraintOp("t", CheckDef("a > 0", "ck_a"))
    rename = AlterColumnOp("t", "a", new_column_name="a2")
    add = AddColumnOp("t", ColumnDef("n", sa.Integer()))
    assert batch_order([check, rename, add]) == [check, rename, add]


def test_an_unnamed_unique_dropped_by_its_columns_is_named_as_at_the_start() -> None:
    rename = AlterColumnOp("t", "a", new_column_name="a2")
    drop = DropConstraintOp("t", None, "unique", constraint=UniqueDef(("a2",)))
    assert batch_order([rename, drop]) == [DropConstraintOp("t", None, "unique", constraint=UniqueDef(("a",))), rename]


def test_created_then_dropped_does_neither() -> None:
    steps = [
        CreateIndexOp("t", IndexDef("ix_n", ("n",))),
        AddColumnOp("t", ColumnDef("n", sa.Integer())),
        DropIndexOp("ix_n", "t"),
    ]
    assert batch_order(steps) == [steps[1]]


def test_alters_of_one_column_become_one() -> None:
    steps = [
        AlterColumnOp("t", "c", server_default="5", existing_server_default=None, existing_type=sa.Integer()),
        AlterColumnOp("t", "x", nullable=False),
        AlterColumnOp("t", "c", type=sa.BigInteger(), existing_type=sa.Integer(), dialect_options=(("k", 1),)),
        AlterColumnOp("t", "c", new_column_name="c2"),
        AlterColumnOp("t", "c2", nullable=False, existing_nullable=True),
    ]
    merged, other = batch_order(steps)
    assert other == steps[1]
    assert isinstance(merged, AlterColumnOp)
    assert (merged.column_name, merged.new_column_name, merged.nullable, merged.server_default) == (
        "c",
        "c2",
        False,
        "5",
    )
    assert repr(merged.type) == "BigInteger()" and repr(merged.existing_type) == "Integer()"
    assert (merged.existing_server_default, merged.existing_nullable, merged.dialect_options) == (
        None,
        True,
        (("k", 1),),
    )
    assert merged.comment is UNCHANGED


def test_alters_are_not_joined_across_a_step_on_the_same_column() -> None:
    steps = [
        AlterColumnOp("t", "c", new_column_name="old"),
        AddColumnOp("t", ColumnDef("c", sa.Integer())),
        AlterColumnOp("t", "c", nullable=False),
    ]
    assert batch_order(steps) == steps
