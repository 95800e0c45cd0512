"""Operations on constraints: primary key, foreign key, unique, check."""

from __future__ import annotations

from dataclasses import dataclass

from dbshift.operations.base import IrreversibleOperation, Operation, SchemaStateError, in_order, require_table
from dbshift.schema.model import (
    CheckDef,
    ConstraintDef,
    DialectOptions,
    ForeignKeyDef,
    PrimaryKeyDef,
    SchemaDef,
    TableDef,
    UniqueDef,
)

CONSTRAINT_KINDS: dict[type, str] = {
    PrimaryKeyDef: "primary",
    ForeignKeyDef: "foreignkey",
    UniqueDef: "unique",
    CheckDef: "check",
}


def describe_constraint(table_name: str, con: ConstraintDef) -> str:
    name = f" '{con.name}'" if con.name else ""
    if isinstance(con, ForeignKeyDef):
        return (
            f"foreign key{name} on {table_name} ({', '.join(con.columns)})"
            f" -> {con.referred_table} ({', '.join(con.referred_columns)})"
        )
    if isinstance(con, CheckDef):
        return f"check constraint{name} on {table_name} ({con.sqltext})"
    kind = "primary key" if isinstance(con, PrimaryKeyDef) else "unique constraint"
    return f"{kind}{name} on {table_name} ({', '.join(con.columns)})"


def _with(table: TableDef, con: ConstraintDef) -> TableDef:
    if isinstance(con, PrimaryKeyDef):
        return table.replace(primary_key=con)
    if isinstance(con, ForeignKeyDef):
        return table.replace(foreign_keys=(*table.foreign_keys, con))
    if isinstance(con, UniqueDef):
        return table.replace(uniques=(*table.uniques, con))
    return table.replace(checks=(*table.checks, con))


def _all(table: TableDef) -> tuple[ConstraintDef, ...]:
    pk: tuple[ConstraintDef, ...] = (table.primary_key,) if table.primary_key is not None else ()
    return (*pk, *table.foreign_keys, *table.uniques, *table.checks)


def _without(table: TableDef, con: ConstraintDef) -> TableDef:
    return table.replace(
        primary_key=None if table.primary_key == con else table.primary_key,
        foreign_keys=tuple(c for c in table.foreign_keys if c != con),
        uniques=tuple(c for c in table.uniques if c != con),
        checks=tuple(c for c in table.checks if c != con),
    )


@dataclass(frozen=True)
class AddConstraintOp(Operation):
    table_name: str
    constraint: ConstraintDef
    schema: str | None = None

    def reverse(self) -> Operation:
        return DropConstraintOp(
            self.table_name,
            self.constraint.name,
            CONSTRAINT_KINDS[type(self.constraint)],
            self.schema,
            constraint=self.constraint,
        )

    def apply(self, schema: SchemaDef) -> SchemaDef:
        table = require_table(schema, self.table_name, self.schema)
        con = self.constraint
        if isinstance(con, PrimaryKeyDef) and table.primary_key is not None:
            raise SchemaStateError(f"table '{self.table_name}' already has a primary key")
        if con.name is not None and table.constraint(con.name) is not None:
            raise SchemaStateError(f"constraint '{con.name}' on '{self.table_name}' already exists")
        missing = [c for c in getattr(con, "columns", ()) if table.column(c) is None]
        if missing:
            raise SchemaStateError(
                f"cannot add {describe_constraint(self.table_name, con)}: no column {', '.join(missing)}"
            )
        return schema.with_table(in_order(_with(table, con)))

    def describe(self) -> str:
        return "added " + describe_constraint(self.table_name, self.constraint)


@dataclass(frozen=True)
class DropConstraintOp(Operation):
    table_name: str
    constraint_name: str | None
    type_: str | None = None
    """"foreignkey", "unique", "check" or "primary"; MySQL needs it to choose the DDL."""
    schema: str | None = None
    constraint: ConstraintDef | None = None
    if_exists: bool = False
    dialect_options: DialectOptions = ()
    """Dialect keywords given to ``drop_constraint`` (the dialect refuses its own: none has an effect)."""

    def reverse(self) -> Operation:
        if self.constraint is None:
            raise IrreversibleOperation(f"cannot reverse {self.describe()}: its definition is unknown")
        return AddConstraintOp(self.table_name, self.constraint, self.schema)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        table = require_table(schema, self.table_name, self.schema)
        con: ConstraintDef | None = None
        if self.constraint_name is not None:
            con = table.constraint(self.constraint_name)
        elif self.constraint is not None and self.constraint in _all(table):
            con = self.constraint
        elif self.type_ == "primary":  # a table has one primary key: unnamed (SQLite's), it is that one
            con = table.primary_key
        if con is None:
            if self.if_exists:
                return schema
            raise SchemaStateError(f"constraint '{self.constraint_name}' on '{self.table_name}' does not exist")
        return schema.with_table(_without(table, con))

    def describe(self) -> str:
        if self.constraint is not None:
            return "removed " + describe_constraint(self.table_name, self.constraint)
        return f"removed constraint '{self.constraint_name}' on {self.table_name}"
