"""Autogenerate for enums: the values of PostgreSQL's named types, and the CHECK of non-native ones.

Kept apart from :mod:`dbshift.autogenerate.compare`, which calls these at its steps: the
operations for a type's values come first (values added) and last (the type replaced), and a
column type change of a non-native enum gets the existing type that carries its CHECK.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import sqlalchemy as sa

from dbshift.operations.base import Operation
from dbshift.operations.column import AlterColumnOp
from dbshift.operations.types import AlterEnumValuesOp, EnumColumn
from dbshift.schema.enums import TypeKey, columns_using, enum_additions
from dbshift.schema.model import EnumTypeDef, SchemaDef, TableDef, sql_mentions


def enum_value_changes(
    enum: EnumTypeDef,
    existing: EnumTypeDef,
    target: SchemaDef,
    current: SchemaDef,
    kept: Sequence[TableDef] = (),
) -> tuple[list[Operation], list[Operation]]:
    """A type whose values change. New values are added first (``ADD VALUE``), so that new
    columns and defaults can use them; whatever adding cannot do (values removed or moved)
    replaces the type last, after the columns holding values that go were dropped or changed.
    Each operation names the columns using the type when it runs (the downgrade runs its
    reverse at the same point): the database's at the start, the models' (and the database's
    tables excluded from the comparison) at the end."""
    first: list[Operation] = []
    last: list[Operation] = []
    _, middle = enum_additions(existing.values, enum.values)
    if middle != existing.values:
        columns = _enum_columns(current, enum.key)
        first.append(AlterEnumValuesOp(enum.name, middle, existing.values, enum.schema, columns))
    if middle != enum.values:
        columns = _enum_columns(target, enum.key) + _enum_columns(current, enum.key, kept)
        last.append(AlterEnumValuesOp(enum.name, enum.values, middle, enum.schema, columns))
    return first, last


def _enum_columns(schema: SchemaDef, key: TypeKey, tables: Sequence[TableDef] | None = None) -> tuple[EnumColumn, ...]:
    return tuple(
        EnumColumn(t.name, c.name, t.schema, c.server_default, isinstance(c.type, sa.ARRAY))
        for t, c in columns_using(schema, key, tables)
    )


_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def _literals(sql: str) -> tuple[str, ...]:
    return tuple(v.replace("''", "'") for v in _LITERAL.findall(sql))


def with_enum_checks(alter_columns: Sequence[Operation], target: SchemaDef, current: SchemaDef) -> list[Operation]:
    """A non-native enum with ``create_constraint=True`` whose values change the column's
    ``VARCHAR`` length: ``alter_column`` drops the CHECK its ``existing_type`` makes and adds
    the one of its new type (Alembic's rule), but the database reports a plain ``VARCHAR``,
    which makes none, so the old CHECK would stay and the new one clash with its name. The
    existing type becomes the enum the database's CHECK of that name lists (its quoted values),
    so the upgrade replaces the CHECK and the downgrade puts it back."""
    out: list[Operation] = []
    for op in alter_columns:
        if isinstance(op, AlterColumnOp) and op.type is not None:
            target_table, current_table = target.get(op.table_name, op.schema), current.get(op.table_name, op.schema)
            old = (
                _old_enum(op, target_table, current_table)
                if target_table is not None and current_table is not None
                else None
            )
            if old is not None:
                op = replace(op, existing_type=old)
        out.append(op)
    return out


def _old_enum(op: AlterColumnOp, target: TableDef, current: TableDef) -> sa.Enum | None:
    new = op.type
    if not isinstance(new, sa.Enum) or not new.create_constraint:
        return None
    values = tuple(new.enums)
    mine = next(
        (
            c
            for c in target.checks
            if c.name and _literals(c.sqltext) == values and sql_mentions(c.sqltext, op.column_name)
        ),
        None,
    )
    theirs = next((c for c in current.checks if mine is not None and c.name == mine.name), None)
    old_values = _literals(theirs.sqltext) if theirs is not None else ()
    if not old_values or old_values == values:
        return None
    length = getattr(op.existing_type, "length", None)
    return sa.Enum(*old_values, name=new.name, native_enum=False, create_constraint=True, length=length)
