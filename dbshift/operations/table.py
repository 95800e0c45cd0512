"""Operations on whole tables: create, drop, rename, comment."""

from __future__ import annotations

from dataclasses import dataclass, replace

from dbshift.operations.base import IrreversibleOperation, Operation, SchemaStateError, require_table
from dbshift.schema.model import DialectOptions, SchemaDef, TableDef, table_key


@dataclass(frozen=True)
class CreateTableOp(Operation):
    table: TableDef
    if_not_exists: bool = False

    def reverse(self) -> Operation:
        return DropTableOp(self.table.name, self.table.schema, table=self.table, if_exists=self.if_not_exists)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        if self.table.key in schema:
            if self.if_not_exists:
                return schema
            raise SchemaStateError(f"table '{self.table.key}' already exists")
        return schema.with_table(self.table)

    def describe(self) -> str:
        return f"added table '{self.table.key}'"


@dataclass(frozen=True)
class DropTableOp(Operation):
    table_name: str
    schema: str | None = None
    table: TableDef | None = None
    """The dropped table's definition, which the reverse needs to create it again."""
    if_exists: bool = False
    dialect_options: DialectOptions = ()
    """Dialect keywords given to ``drop_table`` (the dialect refuses its own: none has an effect)."""

    def reverse(self) -> Operation:
        if self.table is None:
            raise IrreversibleOperation(f"cannot reverse {self.describe()}: its definition is unknown")
        return CreateTableOp(self.table, if_not_exists=self.if_exists)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        if not self.if_exists:
            require_table(schema, self.table_name, self.schema)
        return schema.without_table(self.table_name, self.schema)

    def describe(self) -> str:
        return f"removed table '{table_key(self.table_name, self.schema)}'"


@dataclass(frozen=True)
class RenameTableOp(Operation):
    old_table_name: str
    new_table_name: str
    schema: str | None = None

    def reverse(self) -> Operation:
        return RenameTableOp(self.new_table_name, self.old_table_name, self.schema)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        """The table under its new name; foreign keys pointing at it follow, as databases do."""
        table = require_table(schema, self.old_table_name, self.schema)
        if schema.get(self.new_table_name, self.schema) is not None:
            raise SchemaStateError(f"table '{table_key(self.new_table_name, self.schema)}' already exists")
        result = schema.without_table(self.old_table_name, self.schema).with_table(
            table.replace(name=self.new_table_name)
        )
        for other in result:
            fks = tuple(
                replace(fk, referred_table=self.new_table_name)
                if fk.referred_table == self.old_table_name and fk.referred_schema == self.schema
                else fk
                for fk in other.foreign_keys
            )
            if fks != other.foreign_keys:
                result = result.with_table(other.replace(foreign_keys=fks))
        return result

    def describe(self) -> str:
        return f"renamed table '{table_key(self.old_table_name, self.schema)}' to '{self.new_table_name}'"


@dataclass(frozen=True)
class CreateTableCommentOp(Operation):
    table_name: str
    comment: str
    existing_comment: str | None = None
    schema: str | None = None

    def reverse(self) -> Operation:
        if self.existing_comment is None:
            return DropTableCommentOp(self.table_name, existing_comment=self.comment, schema=self.schema)
        return CreateTableCommentOp(self.table_name, self.existing_comment, self.comment, self.schema)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        table = require_table(schema, self.table_name, self.schema)
        return schema.with_table(table.replace(comment=self.comment))

    def describe(self) -> str:
        return f"changed comment on table '{table_key(self.table_name, self.schema)}'"


@dataclass(frozen=True)
class DropTableCommentOp(Operation):
    table_name: str
    existing_comment: str | None = None
    schema: str | None = None

    def reverse(self) -> Operation:
        if self.existing_comment is None:
            raise IrreversibleOperation(f"cannot reverse {self.describe()}: the old comment is unknown")
        return CreateTableCommentOp(self.table_name, self.existing_comment, schema=self.schema)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        table = require_table(schema, self.table_name, self.schema)
        return schema.with_table(table.replace(comment=None))

    def describe(self) -> str:
        return f"removed comment on table '{table_key(self.table_name, self.schema)}'"
