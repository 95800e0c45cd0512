"""Operations on named types of their own: PostgreSQL's enum types.

No other operation drops a type: a table or column that goes leaves the types it used, as in
Alembic, so that a later revision's own ``DROP TYPE`` still finds them. Autogenerate writes
these operations where the models start or stop using an enum type; a revision file spells them
``op.execute(postgresql.CreateEnumType(...))`` / ``op.execute(postgresql.DropEnumType(...))``,
SQLAlchemy's own statements, which also work in ``--sql`` mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbshift.operations.base import Operation, SchemaStateError
from dbshift.schema.model import EnumTypeDef, SchemaDef, table_key


def _label(enum: EnumTypeDef) -> str:
    return f"'{table_key(enum.name, enum.schema)}'"


@dataclass(frozen=True)
class CreateEnumTypeOp(Operation):
    enum: EnumTypeDef

    def reverse(self) -> Operation:
        return DropEnumTypeOp(self.enum)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        if schema.enum_type(self.enum.name, self.enum.schema) is not None:
            raise SchemaStateError(f"enum type {_label(self.enum)} already exists")
        return schema.with_enum_type(self.enum)

    def describe(self) -> str:
        return f"added enum type {_label(self.enum)}"


@dataclass(frozen=True)
class DropEnumTypeOp(Operation):
    enum: EnumTypeDef
    """The type's definition (its values), which the reverse needs to create it again."""

    def reverse(self) -> Operation:
        return CreateEnumTypeOp(self.enum)

    def apply(self, schema: SchemaDef) -> SchemaDef:
        return schema.without_enum_type(self.enum.name, self.enum.schema)

    def describe(self) -> str:
        return f"removed enum type {_label(self.enum)}"
