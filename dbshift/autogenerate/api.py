"""Autogenerate's entry points: what differs between the models and a live database."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from types import MappingProxyType

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dbshift.autogenerate.compare import compare_schemas
from dbshift.autogenerate.options import CompareOptions
from dbshift.autogenerate.questioner import Questioner
from dbshift.autogenerate.renames import match_renames
from dbshift.operations.base import Operation
from dbshift.schema.from_metadata import schema_from_metadata
from dbshift.schema.model import SchemaDef
from dbshift.schema.reflect import reflect_schema


def diff_database(
    connection: Connection,
    metadata: sa.MetaData,
    *,
    version_table: str | Sequence[str],
    exclude: Iterable[str] = (),
    options: CompareOptions | None = None,
    questioner: Questioner | None = None,
) -> list[Operation]:
    """Upgrade operations that make the database match ``metadata``: the default schema, or
    every schema with ``options.include_schemas``; ``options`` also carries an env script's
    include_object / include_name / compare_* choices. A table or column that may have been
    renamed is asked of ``questioner`` (by default none answers: drop + add); confirmed renames
    come first, the candidates left unanswered are handed to ``questioner.left_unanswered``."""
    options = options or CompareOptions()
    patterns = tuple(exclude)
    # The version table and the applied log are dbshift's own: never compared, even if the
    # models declare them.
    # A bare version table name brings its log's default name along (``<version_table>_log``).
    own = (version_table, f"{version_table}_log") if isinstance(version_table, str) else tuple(version_table)
    target = schema_from_metadata(metadata, connection.dialect)
    for name in own:
        target = target.without_table(name)
    current = reflect_schema(connection, exclude=tuple(_glob_escape(name) for name in own))
    if options.include_schemas:
        current = _with_other_schemas(connection, current, options, own)
    target, current = options.filter_schemas(target, current, metadata)
    renames = match_renames(target, current, questioner or Questioner(), connection.dialect, exclude=patterns)
    if questioner is not None:
        questioner.left_unanswered(renames.unanswered)
    ops = compare_schemas(target, renames.current, connection.dialect, exclude=patterns)
    return [*renames.ops, *options.filter_ops(ops, target, renames.current)]


def _with_other_schemas(
    connection: Connection, current: SchemaDef, options: CompareOptions, own: tuple[str, ...]
) -> SchemaDef:
    """The default schema's tables plus those of every other schema the options keep."""
    inspector = sa.inspect(connection)
    default = inspector.default_schema_name
    tables = dict(current.tables)
    for name in inspector.get_schema_names():
        if name == default or not options.keep_schema(name):
            continue
        tables.update(reflect_schema(connection, schema=name, exclude=tuple(_glob_escape(t) for t in own)).tables)
    return dataclasses.replace(current, tables=MappingProxyType(tables))


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
