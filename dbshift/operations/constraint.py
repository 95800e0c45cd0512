"""Operations on constraints: primary key, foreign key, unique, check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
        referred = f"{con.referred_schema}.{con.referred_table}" if con.referred_schema else con.referred_table
        remote = f" ({', '.join(con.referred_columns)})" if con.referred_columns else ""
        return f"foreign key{name} on {table_name} ({', '.join(con.columns)}) -> {referred}{remote}"
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


def _squeezed(sql: str) -> str:
    """A CHECK expression compared loosely: no spaces, no identifier quotes (MariaDB reports
    `` `age` >= 0``), one case, no outer parentheses."""
    text = re.sub(r"[\s`\"]+", "", sql).lower()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def same_definition(wanted: ConstraintDef, con: ConstraintDef) -> bool:
    """Whether ``con`` is the constraint ``wanted`` describes, names aside: the same kind and
    columns; for a foreign key the same target (and referred columns, when ``wanted`` gives
    them); for a CHECK the same expression (spaces, case and outer parentheses aside)."""
    if type(wanted) is not type(con):
        return False
    if isinstance(wanted, ForeignKeyDef):
        assert isinstance(con, ForeignKeyDef)
        return (
            wanted.columns == con.columns
            and wanted.referred_table == con.referred_table
            and wanted.referred_schema in (None, con.referred_schema)
            and (not wanted.referred_columns or wanted.referred_columns == con.referred_columns)
        )
    if isinstance(wanted, CheckDef):
        assert isinstance(con, CheckDef)
        return _squeezed(wanted.sqltext) == _squeezed(con.sqltext)
    return wanted.columns == con.columns  # type: ignore[union-attr]


def needs_definition(table_name: str) -> str:
    return (
        f"drop_constraint on '{table_name}' without a name: an unnamed constraint is found by its"
        " definition (columns= for a unique, columns= and referent_table= for a foreign key,"
        " condition= for a CHECK)"
    )


def find_by_definition(table: TableDef, wanted: ConstraintDef) -> ConstraintDef:
    """The table's constraint that ``wanted`` (an unnamed constraint's definition) describes:
    an exact match first, else the only one with the same definition. Never matched by a None
    name: a table may hold several unnamed constraints."""
    found = [c for c in _all(table) if c == wanted] or [c for c in _all(table) if same_definition(wanted, c)]
    what = describe_constraint(table.name, wanted)
    if not found:
        raise SchemaStateError(f"no {what} to drop")
    if len(found) > 1:
        raise SchemaStateError(f"more than one {what}: name the one to drop")
    return found[0]


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
    invented_name: bool = field(default=False, compare=False)
    """Autogenerate named it, the models having given it no name and no naming convention
    (:mod:`dbshift.autogenerate.naming` says so in the output and the file)."""

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
        elif self.type_ == "primary" and self.constraint is None:
            con = table.primary_key  # a table has one primary key: unnamed (SQLite's), it is that one
        elif self.constraint is None:
            raise SchemaStateError(needs_definition(self.table_name))
        else:
            try:
                con = find_by_definition(table, self.constraint)
            except SchemaStateError:
                if self.if_exists:
                    return schema
                raise
        if con is None:
            if self.if_exists:
                return schema
            raise SchemaStateError(f"constraint '{self.constraint_name}' on '{self.table_name}' does not exist")
        return schema.with_table(_without(table, con))

    def describe(self) -> str:
        if self.constraint is not None:
            return "removed " + describe_constraint(self.table_name, self.constraint)
        return f"removed constraint '{self.constraint_name}' on {self.table_name}"
