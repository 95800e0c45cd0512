"""Named enum types (PostgreSQL's ``CREATE TYPE ... AS ENUM``) as the schema model sees them.

A column's ``sa.Enum(name=...)`` (or ``postgresql.ENUM``, also as an ``ARRAY`` item) names a
type that lives apart from the table: created before the first table or column that uses it
and outliving them until something drops it explicitly. Here are the rules that say which type
a column needs (SQLAlchemy's: the enum's own ``schema=``, else the table's with
``inherit_schema``, else the search path), shared by the dialect, which creates a missing type
before a table or column needs it, and by autogenerate, which writes a type's creation and drop
when the models start or stop using it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ENUM

from dbshift.schema.model import ColumnDef, EnumTypeDef, SchemaDef, TableDef

TypeKey = tuple[str | None, str]
"""A named type: (schema or None for the search path, name)."""


def native_enum(type_: Any, table_schema: str | None) -> tuple[TypeKey, ENUM] | None:
    """The named enum type a column type (or an array of it) needs, with its schema, as a
    PostgreSQL ``ENUM``; None for other types, unnamed or non-native enums, and enums whose
    type their author creates (``create_type=False``)."""
    if isinstance(type_, sa.ARRAY):
        type_ = type_.item_type
    if not isinstance(type_, sa.Enum) or not type_.native_enum or not type_.name:
        return None
    enum: ENUM = type_ if isinstance(type_, ENUM) else type_.adapt(ENUM)  # type: ignore[no-untyped-call]
    if not getattr(enum, "create_type", True):
        return None
    # SQLAlchemy 2.1 deprecates the inherit_schema property (and resolves it when the column
    # joins a table); a column given alone to add_column still asks for the table's schema.
    inherit = vars(type_).get("_inherit_schema", vars(type_).get("inherit_schema", False))
    schema = enum.schema or (table_schema if inherit else None)
    if schema != enum.schema:
        enum = enum.adapt(ENUM)  # type: ignore[no-untyped-call]
        enum.schema = schema
    return (schema, type_.name), enum


def enum_type_def(type_: Any, table_schema: str | None) -> EnumTypeDef | None:
    """The enum type a column type needs, as the schema model holds it."""
    found = native_enum(type_, table_schema)
    if found is None:
        return None
    (schema, name), enum = found
    return EnumTypeDef(name, tuple(enum.enums), schema)


def enum_types_used(schema: SchemaDef) -> dict[TypeKey, EnumTypeDef]:
    """The enum types the schema's columns use, by key, in table and column order."""
    found: dict[TypeKey, EnumTypeDef] = {}
    for table in schema:
        for col in table.columns:
            enum = enum_type_def(col.type, table.schema)
            if enum is not None:
                found.setdefault(enum.key, enum)
    return found


def sa_enum(enum: EnumTypeDef) -> ENUM:
    """The PostgreSQL ``ENUM`` for a type of the schema model, to compile its DDL."""
    return ENUM(*enum.values, name=enum.name, schema=enum.schema)


def reflected_enum_types(enums: Iterable[dict[str, Any]], schema: str | None) -> list[EnumTypeDef]:
    """``Inspector.get_enums()`` entries as the schema model holds them: a type on the search
    path of the default schema keeps no schema, as a reflected column's ``ENUM`` does."""
    return [
        EnumTypeDef(
            str(e["name"]),
            tuple(e.get("labels") or ()),
            None if schema is None and e.get("visible") else e.get("schema"),
        )
        for e in enums
    ]


def columns_using(
    schema: SchemaDef, key: TypeKey, tables: Iterable[TableDef] | None = None
) -> list[tuple[TableDef, ColumnDef]]:
    """The columns (of ``tables``, default all the schema's) whose type, or array item type, is the
    enum type ``key``, in table and column order."""
    found: list[tuple[TableDef, ColumnDef]] = []
    for table in schema if tables is None else tables:
        for col in table.columns:
            enum = enum_type_def(col.type, table.schema)
            if enum is not None and enum.key == key:
                found.append((table, col))
    return found


EnumAddition = tuple[str, "str | None", "str | None"]
"""One ``ALTER TYPE ... ADD VALUE``: (the value, the value it goes before, the one it goes after);
neither: at the end."""


def enum_additions(existing: tuple[str, ...], values: tuple[str, ...]) -> tuple[list[EnumAddition], tuple[str, ...]]:
    """The ``ADD VALUE`` steps that bring ``existing`` closest to ``values``, and the values after
    them: each new value goes right after the value it follows in ``values`` (before the first
    one if it leads), so when ``values`` only adds to ``existing`` the result is ``values``."""
    current = list(existing)
    steps: list[EnumAddition] = []
    for position, value in enumerate(values):
        if value in current:
            continue
        previous = values[position - 1] if position else None
        if not current or (previous is not None and previous == current[-1]):
            steps.append((value, None, None))
            current.append(value)
        elif previous is None:
            steps.append((value, current[0], None))
            current.insert(0, value)
        else:
            steps.append((value, None, previous))
            current.insert(current.index(previous) + 1, value)
    return steps, tuple(current)
