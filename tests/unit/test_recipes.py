"""The pure parts of the backend recipes: no database."""

from __future__ import annotations

import sqlalchemy as sa

from dbshift.autogenerate.compare import reverse_ops
from dbshift.autogenerate.naming import invented_name
from dbshift.autogenerate.render import render_ops
from dbshift.dialects.postgresql_generated import dependents_in
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.schema.model import CheckDef, ColumnDef, ForeignKeyDef, IndexDef, TableDef, UniqueDef

LINE = TableDef(
    "line",
    columns=(
        ColumnDef("id", sa.Integer()),
        ColumnDef("price", sa.Integer()),
        ColumnDef("qty", sa.Integer()),
        ColumnDef("total", sa.Integer(), computed="(price * qty)"),
        ColumnDef("pricey", sa.Boolean(), computed="(price > 100)"),
    ),
    indexes=(
        IndexDef("ix_total", ("total",)),
        IndexDef("ix_expr", ("(total + id)",), expressions=(True,)),
        IndexDef("ix_price", ("price",)),
    ),
    uniques=(UniqueDef(("id", "pricey"), "uq_pricey"),),
    checks=(CheckDef("total >= 0", "ck_total"), CheckDef("price > 0", "ck_price")),
)


def test_generated_dependents_of_a_column() -> None:
    found = dependents_in(LINE, "qty")
    assert found is not None
    assert [c.name for c in found.columns] == ["total"]
    assert [ix.name for ix in found.indexes] == ["ix_total", "ix_expr"]
    assert found.uniques == () and [c.name for c in found.checks] == ["ck_total"]
    found = dependents_in(LINE, "price")
    assert found is not None and [c.name for c in found.columns] == ["total", "pricey"]
    assert [u.name for u in found.uniques] == ["uq_pricey"]
    assert dependents_in(LINE, "id") is None  # no generated column is computed from it


def test_unnamed_drops_render_their_definition_and_reverse_to_unnamed_adds() -> None:
    fk = ForeignKeyDef(("owner_id",), "owner", ("id",), referred_schema="app")
    ops = [
        DropConstraintOp("pet", None, "foreignkey", constraint=fk),
        DropConstraintOp("pet", None, "unique", constraint=UniqueDef(("tag",))),
        DropConstraintOp("pet", None, "check", constraint=CheckDef("age >= 0")),
    ]
    assert render_ops(ops).body.splitlines() == [
        "op.drop_constraint(",
        "    None,",
        '    "pet",',
        '    type_="foreignkey",',
        '    columns=["owner_id"],',
        '    referent_table="owner",',
        '    remote_cols=["id"],',
        '    referent_schema="app",',
        ")",
        'op.drop_constraint(None, "pet", type_="unique", columns=["tag"])',
        'op.drop_constraint(None, "pet", type_="check", condition="age >= 0")',
    ]
    assert all(isinstance(op, AddConstraintOp) and op.constraint.name is None for op in reverse_ops(ops))


def test_an_invented_name_is_announced_on_its_line() -> None:
    unique = UniqueDef(("email",), "child_email_key")
    invented = AddConstraintOp("child", unique, invented_name=True)
    note = invented_name(invented)
    assert note == (
        "no name in the models: named child_email_key as PostgreSQL would;"
        " give the constraint a name or the MetaData a naming_convention"
    )
    assert render_ops([invented]).body.rstrip().endswith(f"  # {note}")
    assert invented_name(AddConstraintOp("child", unique)) is None
    assert "#" not in render_ops([AddConstraintOp("child", unique)]).body
