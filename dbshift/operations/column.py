"""Operations on columns: add, drop, alter (type, nullability, default, comment, name)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.types import TypeEngine

from dbshift.operations.base import (
    UNCHANGED,
    IrreversibleOperation,
    Operation,
    SchemaStateError,
    Unchanged,
    column_label,
    in_order,
    require_table,
)
from dbshift.schema.model import (
    ColumnDef,
    DialectOptions,
    IndexDef,
    SchemaDef,
    TableDef,
    rename_identifier,
    sql_mentions,
)


def _rename_in(names: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(new if n == old else n for n in names)


def _rename_in_index(ix: IndexDef, old: str, new: str) -> IndexDef:
    columns = tuple(
        rename_identifier(n, old, new) if ix.is_expression(i) else new if n == old else n
        for i, n in enumerate(ix.columns)
    )
    options = tuple(
        (key, rename_identifier(value, old, new) if key.endswith("_where") and isinstance(value, str) else value)
        for key, value in ix.dialect_options
    )
    return replace(ix, columns=columns, dialect_options=options)


def rename_column_refs(table: TableDef, old: str, new: str) -> TableDef:
    """The table with every index and constraint following a column's new name, SQL text that
    names it too (CHECKs, partial-index conditions, expressions), as the database rewrites it."""
    pk = table.primary_key
    return in_order(
        table.replace(
            primary_key=replace(pk, columns=_rename_in(pk.columns, old, new)) if pk else None,
            indexes=tuple(_rename_in_index(i, old, new) for i in table.indexes),
            uniques=tuple(replace(u, columns=_rename_in(u.columns, old, new)) for u in table.uniques),
            foreign_keys=tuple(replace(f, columns=_rename_in(f.columns, old, new)) for f in table.foreign_keys),
            checks=tuple(replace(c, sqltext=rename_identifier(c.sqltext, old, new)) for c in table.checks),
            columns=tuple(
                replace(c, computed=rename_identifier(c.computed, old, new)) if c.computed else c for c in table.columns
            ),
        )
    )


def rename_referring_columns(schema: SchemaDef, table: TableDef, old: str, new: str) -> SchemaDef:
    """Foreign keys (in any table, this one included) that point at a renamed column follow it."""
    result = schema
    for other in schema:
        fks = tuple(
            replace(fk, referred_columns=_rename_in(fk.referred_columns, old, new))
            if fk.referred_table == table.name and fk.referred_schema == table.schema
            else fk
            for fk in other.foreign_keys
        )
        if fks != other.foreign_keys:
            result = result.with_table(other.replace(foreign_keys=fks))
    return result


@dataclass(frozen=True)
class AddColumnOp(Operation):
    table_name: str
    column: ColumnDef
    schema: str | None = None
    if_not_exists: bool = False

    def reverse(self) -> Operation:
        return DropColumnOp(
            self.table_name, self.column.name, self.schema, column=self.column, if_exists=self.if_not_exists
        )

    def apply(self, schema: SchemaDef) -> SchemaDef:
        table = require_table(schema, self.table_name, self.schema)
        if table.column(self.column.name) is not None:
            if self.if_not_exists:
                return schema
            raise SchemaStateError(f"column {self._label()} already exists")
        return schema.with_table(table.replace(columns=(*table.columns, self.column)))

    def _label(self) -> str:
        return column_label(self.table_name, self.column.name, self.schema)

    def describe(self) -> str:
        return f"added column {self._label()}"


@dataclass(frozen=True)
class DropColumnOp(Operation):
    table_name: str
    column_name: str
    schema: str | None = None
    column: ColumnDef | None = None
    """The dropped column's definition, which the reverse needs to add it back."""
    if_exists: bool = False
    dialect_options: DialectOptions = ()
    """Dialect keywords given to ``drop_column`` (``mssql_drop_check``...; ignored elsewhere)."""

    def reverse(self) -> Operation:
        if self.column is None:
            raise IrreversibleOperation(f"cannot reverse {self.describe()}: its definition is unknown")
        return AddColumnOp(self.table_name, self.column, self.schema, if_not_exists=self.if_exists)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        table = require_table(schema, self.table_name, self.schema)
        if table.column(self.column_name) is None:
            if self.if_exists:
                return schema
            raise SchemaStateError(
                f"column {column_label(self.table_name, self.column_name, self.schema)} does not exist"
            )
        name = self.column_name
        pk = table.primary_key
        return schema.with_table(
            table.replace(
                columns=tuple(c for c in table.columns if c.name != name),
                # Databases drop a key, index or constraint with any column it covers.
                primary_key=None if pk is not None and name in pk.columns else pk,
                indexes=tuple(i for i in table.indexes if name not in i.columns),
                uniques=tuple(u for u in table.uniques if name not in u.columns),
                foreign_keys=tuple(f for f in table.foreign_keys if name not in f.columns),
                checks=tuple(c for c in table.checks if not sql_mentions(c.sqltext, name)),
            )
        )

    def describe(self) -> str:
        return f"removed column {column_label(self.table_name, self.column_name, self.schema)}"


Generation = tuple[str, "bool | None"]
"""A generated column's expression and ``persisted`` (True STORED, False VIRTUAL, None the default)."""


def _reversed_options(options: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
    """An alter_column's keywords for its reverse: MySQL's ``autoincrement`` (the change) and
    ``existing_autoincrement`` (the hint) swap; a conversion expression (``postgresql_using``)
    converts to the new type, not back, so it goes."""
    given = dict(options)
    swapped = {"autoincrement": "existing_autoincrement", "existing_autoincrement": "autoincrement"}
    if not all(k in given for k in swapped):
        swapped = {}
    return tuple((swapped.get(k, k), v) for k, v in options if not k.endswith("_using"))


@dataclass(frozen=True)
class AlterColumnOp(Operation):
    """Change one column; ``existing_*`` describe it before the change (needed by MySQL and reverse)."""

    table_name: str
    column_name: str
    schema: str | None = None
    nullable: bool | None = None
    type: TypeEngine[Any] | None = field(default=None, compare=False)
    server_default: str | None | Unchanged = UNCHANGED
    comment: str | None | Unchanged = UNCHANGED
    new_column_name: str | None = None
    existing_type: TypeEngine[Any] | None = field(default=None, compare=False)
    existing_nullable: bool | None = None
    existing_server_default: str | None | Unchanged = UNCHANGED
    existing_comment: str | None | Unchanged = UNCHANGED
    dialect_options: tuple[tuple[str, Any], ...] = ()
    identity: DialectOptions | None | Unchanged = UNCHANGED
    """PostgreSQL's ``GENERATED ... AS IDENTITY``: the non-default ``sa.Identity`` arguments the
    column gets (``()``: all defaults), or None to drop it. ``op.alter_column`` takes it as
    Alembic does, ``server_default=sa.Identity(...)``."""
    existing_identity: DialectOptions | None | Unchanged = UNCHANGED
    computed: Generation | None | Unchanged = UNCHANGED
    """A generated column's ``(expression, persisted)`` (``sa.Computed``), or None: a plain
    column that keeps the values it holds (PostgreSQL's ``DROP EXPRESSION``)."""
    existing_computed: Generation | None | Unchanged = UNCHANGED

    @property
    def final_name(self) -> str:
        return self.new_column_name or self.column_name

    def changes(self) -> list[str]:
        """Names of the attributes this operation changes."""
        found = []
        if self.type is not None:
            found.append("type")
        if self.nullable is not None:
            found.append("nullable")
        if self.server_default is not UNCHANGED:
            found.append("server_default")
        if self.comment is not UNCHANGED:
            found.append("comment")
        if self.new_column_name is not None:
            found.append("name")
        if "autoincrement" in dict(self.dialect_options):  # MySQL's AUTO_INCREMENT on or off
            found.append("autoincrement")
        if self.identity is not UNCHANGED:
            found.append("identity")
        if self.computed is not UNCHANGED:
            found.append("computed")
        return found

    def reverse(self) -> Operation:
        missing = []
        if self.type is not None and self.existing_type is None:
            missing.append("existing_type")
        if self.nullable is not None and self.existing_nullable is None:
            missing.append("existing_nullable")
        if self.server_default is not UNCHANGED and self.existing_server_default is UNCHANGED:
            missing.append("existing_server_default")
        if self.comment is not UNCHANGED and self.existing_comment is UNCHANGED:
            missing.append("existing_comment")
        if self.identity is not UNCHANGED and self.existing_identity is UNCHANGED:
            missing.append("existing_server_default (the identity)")
        if self.computed is not UNCHANGED and self.existing_computed is UNCHANGED:
            missing.append("existing_computed")
        if missing:
            raise IrreversibleOperation(f"cannot reverse {self.describe()}: {', '.join(missing)} not given")
        return AlterColumnOp(
            table_name=self.table_name,
            column_name=self.final_name,
            schema=self.schema,
            nullable=self.existing_nullable if self.nullable is not None else None,
            type=self.existing_type if self.type is not None else None,
            server_default=self.existing_server_default if self.server_default is not UNCHANGED else UNCHANGED,
            comment=self.existing_comment if self.comment is not UNCHANGED else UNCHANGED,
            new_column_name=self.column_name if self.new_column_name else None,
            existing_type=self.type if self.type is not None else self.existing_type,
            existing_nullable=self.nullable if self.nullable is not None else self.existing_nullable,
            existing_server_default=self.server_default
            if self.server_default is not UNCHANGED
            else self.existing_server_default,
            existing_comment=self.comment if self.comment is not UNCHANGED else self.existing_comment,
            # A conversion expression (postgresql_using) converts to the new type, not back.
            dialect_options=_reversed_options(self.dialect_options),
            identity=self.existing_identity if self.identity is not UNCHANGED else UNCHANGED,
            existing_identity=self.identity if self.identity is not UNCHANGED else self.existing_identity,
            computed=self.existing_computed if self.computed is not UNCHANGED else UNCHANGED,
            existing_computed=self.computed if self.computed is not UNCHANGED else self.existing_computed,
        )

    def apply(self, schema: SchemaDef) -> SchemaDef:
        table = require_table(schema, self.table_name, self.schema)
        col = table.column(self.column_name)
        if col is None:
            raise SchemaStateError(
                f"column {column_label(self.table_name, self.column_name, self.schema)} does not exist"
            )
        if (
            self.new_column_name
            and self.new_column_name != self.column_name
            and table.column(self.new_column_name) is not None
        ):
            raise SchemaStateError(
                f"column {column_label(self.table_name, self.new_column_name, self.schema)} already exists"
            )
        changes: dict[str, Any] = {}
        if self.type is not None:
            changes["type"] = self.type
        if self.nullable is not None:
            changes["nullable"] = self.nullable
        if self.server_default is not UNCHANGED:
            changes["server_default"] = self.server_default
        if self.comment is not UNCHANGED:
            changes["comment"] = self.comment
        if self.new_column_name:
            changes["name"] = self.new_column_name
        if self.identity is not UNCHANGED:
            changes["identity"] = self.identity is not None
            changes["identity_options"] = self.identity or ()
        if self.computed is not UNCHANGED:
            changes["computed"] = self.computed[0] if self.computed is not None else None
            changes["computed_persisted"] = self.computed[1] if self.computed is not None else None
        new_col = replace(col, **changes)
        table = table.replace(columns=tuple(new_col if c is col else c for c in table.columns))
        if self.new_column_name:
            table = rename_column_refs(table, self.column_name, self.new_column_name)
            renamed = schema.with_table(table)
            return rename_referring_columns(renamed, table, self.column_name, self.new_column_name)
        return schema.with_table(table)

    def describe(self) -> str:
        label = column_label(self.table_name, self.column_name, self.schema)
        parts = []
        if self.type is not None:
            parts.append(
                f"type {self.existing_type!r} -> {self.type!r}"
                if self.existing_type is not None
                else f"type -> {self.type!r}"
            )
        if self.nullable is not None:
            parts.append("NOT NULL" if not self.nullable else "NULL")
        if self.server_default is not UNCHANGED:
            parts.append(f"server default {_show(self.existing_server_default)} -> {_show(self.server_default)}")
        if self.comment is not UNCHANGED:
            parts.append("comment")
        if self.new_column_name:
            parts.append(f"name -> '{self.new_column_name}'")
        if self.computed is not UNCHANGED:
            parts.append(f"generated {_generation(self.existing_computed)} -> {_generation(self.computed)}")
        if self.identity is not UNCHANGED:
            parts.append(f"identity {_identity(self.existing_identity)} -> {_identity(self.identity)}")
        if "autoincrement" in dict(self.dialect_options):
            parts.append("AUTO_INCREMENT " + ("on" if dict(self.dialect_options)["autoincrement"] else "off"))
        return f"modified column {label}: " + ", ".join(parts)


def _generation(value: Generation | None | Unchanged) -> str:
    if value is UNCHANGED:
        return "?"
    return "none" if value is None else f"({value[0]})"


def _identity(value: DialectOptions | None | Unchanged) -> str:
    if value is UNCHANGED:
        return "?"
    if value is None:
        return "none"
    return "(" + ", ".join(f"{k}={v!r}" for k, v in value) + ")"


def _show(value: str | None | Unchanged) -> str:
    if value is UNCHANGED:
        return "?"
    return "none" if value is None else str(value)
