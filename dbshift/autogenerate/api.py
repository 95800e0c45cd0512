"""Autogenerate's entry points: what differs between the models and a live database."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dbshift.autogenerate.compare import compare_schemas
from dbshift.operations.base import Operation
from dbshift.schema.from_metadata import schema_from_metadata
from dbshift.schema.reflect import reflect_schema


def diff_database(
    connection: Connection,
    metadata: sa.MetaData,
    *,
    version_table: str,
    exclude: Iterable[str] = (),
) -> list[Operation]:
    """Upgrade operations that make the database match ``metadata`` (default schema only)."""
    patterns = tuple(exclude)
    # The version table is dbshift's own: never compared, even if the models declare it.
    target = schema_from_metadata(metadata, connection.dialect).without_table(version_table)
    current = reflect_schema(connection, exclude=(_glob_escape(version_table),))
    return compare_schemas(target, current, connection.dialect, exclude=patterns)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
