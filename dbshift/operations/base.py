"""The contract every operation follows.

An operation is a small frozen value describing one schema change. It can

* ``reverse()`` itself, so a downgrade is derived from an upgrade instead of written twice;
  an operation that lacks the information to reverse (a ``drop_column`` written by hand without
  the column's definition) raises :class:`IrreversibleOperation`;
* ``apply(schema)`` to the schema model, giving the schema after it without a database;
  operations that do not change structure (raw SQL, data) return the schema unchanged;
* ``describe()`` itself in one line for users ("added column 'packages.last_updated'").

Turning an operation into DDL is the dialect's job (:mod:`dbshift.dialects`), never the
operation's, so one operation runs on every backend.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from dbshift.errors import DbshiftError
from dbshift.schema.model import SchemaDef, TableDef, table_key


class Unchanged(enum.Enum):
    """Marks an ``alter_column`` attribute that is not being changed (distinct from None)."""

    UNCHANGED = "UNCHANGED"

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = Unchanged.UNCHANGED


class IrreversibleOperation(DbshiftError):
    """The operation does not carry what its reverse needs."""


class SchemaStateError(DbshiftError):
    """Applying an operation to the schema model found the schema not as the operation expects."""


@dataclass(frozen=True)
class Operation:
    """Base of all operations; subclasses are frozen dataclasses."""

    def reverse(self) -> Operation:
        raise IrreversibleOperation(f"cannot reverse {self.describe()}: not enough information")

    def apply(self, schema: SchemaDef) -> SchemaDef:
        return schema

    def describe(self) -> str:
        return type(self).__name__


def require_table(schema: SchemaDef, name: str, schema_name: str | None) -> TableDef:
    table = schema.get(name, schema_name)
    if table is None:
        raise SchemaStateError(f"table '{table_key(name, schema_name)}' does not exist")
    return table


def in_order(table: TableDef) -> TableDef:
    """The table with indexes, unique constraints and foreign keys in the order reflection and
    ``from_metadata`` give them (by name, by columns), so an applied schema compares equal."""
    return table.replace(
        indexes=tuple(sorted(table.indexes, key=lambda i: i.name)),
        uniques=tuple(sorted(table.uniques, key=lambda u: (u.columns, u.name or ""))),
        foreign_keys=tuple(sorted(table.foreign_keys, key=lambda f: (f.columns, f.name or ""))),
    )


def column_label(table: str, column: str, schema: str | None = None) -> str:
    return f"'{table_key(table, schema)}.{column}'"
