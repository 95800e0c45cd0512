"""Operations on named types of their own: PostgreSQL's enum types, and their values.

No other operation drops a type: a table or column that goes leaves the types it used, as in
Alembic, so that a later revision's own ``DROP TYPE`` still finds them. Autogenerate writes
these operations where the models start or stop using an enum type; a revision file spells them
``op.execute(postgresql.CreateEnumType(...))`` / ``op.execute(postgresql.DropEnumType(...))``,
SQLAlchemy's own statements, which also work in ``--sql`` mode. A change of a type's values is
``op.alter_enum_values(...)`` (:class:`AlterEnumValuesOp`).
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


@dataclass(frozen=True)
class EnumColumn:
    """A column of an enum type, which the type's replacement moves over to the new type.

    ``server_default`` (the default's SQL text) and ``array`` (an ``ARRAY`` of the type) are
    only needed in ``--sql`` mode: a live database is asked for both.
    """

    table: str
    column: str
    schema: str | None = None
    server_default: str | None = None
    array: bool = False

    @property
    def label(self) -> str:
        return f"'{table_key(self.table, self.schema)}.{self.column}'"


def values_added_only(existing: tuple[str, ...], values: tuple[str, ...]) -> bool:
    """Whether ``values`` keeps ``existing`` in its order and only adds to it (anywhere): what
    ``ALTER TYPE ... ADD VALUE`` can do."""
    remaining = iter(values)
    return len(set(values)) == len(values) and all(v in remaining for v in existing)


@dataclass(frozen=True)
class AlterEnumValuesOp(Operation):
    """A named enum type's values changing from ``existing_values`` to ``values``.

    Values only added become ``ALTER TYPE ... ADD VALUE``, run outside the revision's
    transaction unless ``autocommit`` is False (PostgreSQL cannot use a value added by a
    transaction before it commits). Any other change (a value removed, renamed or moved)
    replaces the type: the old one renamed aside, the new one created, each of ``columns``
    cast over (``USING col::text::type``), the old one dropped, all in the transaction.
    """

    name: str
    values: tuple[str, ...]
    existing_values: tuple[str, ...]
    schema: str | None = None
    columns: tuple[EnumColumn, ...] = ()
    """The columns that use the type when the operation runs (the replacement moves them)."""
    autocommit: bool = True

    @property
    def adds_only(self) -> bool:
        return values_added_only(self.existing_values, self.values)

    def reverse(self) -> Operation:
        return AlterEnumValuesOp(
            self.name, self.existing_values, self.values, self.schema, self.columns, self.autocommit
        )

    def apply(self, schema: SchemaDef) -> SchemaDef:
        """The type with its new values; a type the schema does not hold (one in another schema,
        known only by the columns using it) is added, as reflection would see it now."""
        return schema.with_enum_type(EnumTypeDef(self.name, self.values, self.schema))

    def describe(self) -> str:
        added = [v for v in self.values if v not in self.existing_values]
        removed = [v for v in self.existing_values if v not in self.values]
        parts = [
            f"{word} " + ", ".join(f"'{v}'" for v in found)
            for word, found in (("added", added), ("removed", removed))
            if found
        ]
        kept_now = [v for v in self.values if v in self.existing_values]
        kept_then = [v for v in self.existing_values if v in self.values]
        if kept_now != kept_then:
            parts.append("reordered")
        label = _label(EnumTypeDef(self.name, self.values, self.schema))
        return f"changed values of enum type {label}: {'; '.join(parts) or 'unchanged'}"
