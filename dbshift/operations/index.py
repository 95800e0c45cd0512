"""Operations on indexes."""

from __future__ import annotations

from dataclasses import dataclass

from dbshift.operations.base import IrreversibleOperation, Operation, SchemaStateError, in_order, require_table
from dbshift.schema.model import DialectOptions, IndexDef, SchemaDef


@dataclass(frozen=True)
class CreateIndexOp(Operation):
    table_name: str
    index: IndexDef
    schema: str | None = None
    if_not_exists: bool = False

    def reverse(self) -> Operation:
        return DropIndexOp(
            self.index.name, self.table_name, self.schema, index=self.index, if_exists=self.if_not_exists
        )

    def apply(self, schema: SchemaDef) -> SchemaDef:
        table = require_table(schema, self.table_name, self.schema)
        if table.index(self.index.name) is not None:
            if self.if_not_exists:
                return schema
            raise SchemaStateError(f"index '{self.index.name}' already exists")
        ix = self.index
        missing = [c for i, c in enumerate(ix.columns) if not ix.is_expression(i) and table.column(c) is None]
        if missing:
            raise SchemaStateError(f"index '{ix.name}' on {self.table_name}: no column {', '.join(missing)}")
        return schema.with_table(in_order(table.replace(indexes=(*table.indexes, self.index))))

    def describe(self) -> str:
        kind = "unique index" if self.index.unique else "index"
        return f"added {kind} '{self.index.name}' on {self.table_name} ({', '.join(self.index.columns)})"


@dataclass(frozen=True)
class DropIndexOp(Operation):
    index_name: str
    table_name: str | None = None
    schema: str | None = None
    index: IndexDef | None = None
    if_exists: bool = False
    dialect_options: DialectOptions = ()
    """Keywords for the dialect (``postgresql_concurrently``)."""

    def reverse(self) -> Operation:
        if self.index is None or self.table_name is None:
            raise IrreversibleOperation(f"cannot reverse {self.describe()}: its definition is unknown")
        return CreateIndexOp(self.table_name, self.index, self.schema, if_not_exists=self.if_exists)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        for table in schema:
            if (self.table_name is None or table.name == self.table_name) and table.index(self.index_name):
                return schema.with_table(
                    table.replace(indexes=tuple(i for i in table.indexes if i.name != self.index_name))
                )
        if self.if_exists:
            return schema
        raise SchemaStateError(f"index '{self.index_name}' does not exist")

    def describe(self) -> str:
        kind = "unique index" if self.index is not None and self.index.unique else "index"
        where = f" on {self.table_name}" if self.table_name else ""
        cols = f" ({', '.join(self.index.columns)})" if self.index is not None else ""
        return f"removed {kind} '{self.index_name}'{where}{cols}"
