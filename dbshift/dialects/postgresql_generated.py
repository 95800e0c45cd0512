"""PostgreSQL refuses to change the type of a column a generated column is computed from.

``ALTER COLUMN price TYPE BIGINT`` fails with "cannot alter type of a column used by a generated
column" while ``total GENERATED ALWAYS AS (price * qty) STORED`` exists. The recipe that works,
in the revision's transaction: drop the generated columns that mention the column (PostgreSQL
drops their indexes and constraints with them), change the type, add them back with the same
expression, type, nullability and comment, then the indexes and constraints that were built on
them. They come back as the table's last columns; their values are computed again from the rows.

The dependents are read from the live database (they are what the server refuses on), so in
``--sql`` mode the type change is written as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from dbshift.schema.model import CheckDef, ColumnDef, ForeignKeyDef, IndexDef, TableDef, UniqueDef, sql_mentions
from dbshift.schema.reflect import reflect_schema


@dataclass(frozen=True)
class GeneratedDependents:
    """What dropping the generated columns built on one column takes with it."""

    columns: tuple[ColumnDef, ...]
    indexes: tuple[IndexDef, ...]
    uniques: tuple[UniqueDef, ...]
    checks: tuple[CheckDef, ...]
    foreign_keys: tuple[ForeignKeyDef, ...]


def _uses(names: set[str], columns: tuple[str, ...], expressions: bool = False) -> bool:
    return any(c in names or (expressions and any(sql_mentions(c, n) for n in names)) for c in columns)


def dependents_in(table: TableDef, column: str) -> GeneratedDependents | None:
    """The generated columns whose expression mentions ``column``, and what is built on them."""
    generated = tuple(
        c for c in table.columns if c.computed is not None and c.name != column and sql_mentions(c.computed, column)
    )
    if not generated:
        return None
    names = {c.name for c in generated}
    return GeneratedDependents(
        columns=generated,
        indexes=tuple(ix for ix in table.indexes if _uses(names, ix.columns, expressions=True)),
        uniques=tuple(u for u in table.uniques if _uses(names, u.columns)),
        checks=tuple(ck for ck in table.checks if any(sql_mentions(ck.sqltext, n) for n in names)),
        foreign_keys=tuple(fk for fk in table.foreign_keys if _uses(names, fk.columns)),
    )


def generated_dependents(
    connection: Connection, table: str, column: str, schema: str | None
) -> GeneratedDependents | None:
    """:func:`dependents_in` the table as the database holds it now (this transaction included)."""
    found = reflect_schema(connection, schema=schema, only=[table]).get(table, schema)
    return dependents_in(found, column) if found is not None else None
