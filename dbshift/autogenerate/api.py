"""Autogenerate's entry points: what differs between the models and a live database.

Schemas compared: the default one, every schema the models name (a table's or an enum type's
``schema=``), those of the ``schemas`` setting, and with env.py's ``include_schemas`` every
schema the database has (but the system ones); an ``include_name`` hook that refuses a schema
leaves it out on both sides. A model whose ``schema=`` names the default schema is the default
schema's (compared and written without ``schema=``). A schema the models or the setting name
that the database lacks is an error: autogenerate does not create schemas (nor does Alembic),
and the tables it would write there could not be created.

A table the models do not declare is dropped in the default schema (the everyday "I deleted a
model"), but in any other schema it is kept and reported (:class:`UnknownTables`): such schemas
often hold tables that other programs own. Alembic drops them silently.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dbshift.autogenerate.blind_spots import BlindSpot, blind_spots
from dbshift.autogenerate.compare import compare_schemas
from dbshift.autogenerate.options import CompareOptions
from dbshift.autogenerate.questioner import Questioner
from dbshift.autogenerate.renames import match_renames
from dbshift.dialects.features import backend_name, features_of
from dbshift.errors import AutogenerateError
from dbshift.operations.base import Operation
from dbshift.schema.enums import enum_types_used
from dbshift.schema.from_metadata import schema_from_metadata
from dbshift.schema.model import EnumTypeDef, SchemaDef, TableDef
from dbshift.schema.reflect import is_excluded, reflect_schema


@dataclass(frozen=True)
class UnknownTables:
    """What to do with the tables of a schema other than the default one that the models do not
    declare: kept and reported, unless ``drop_all`` (``--drop-unknown``) or named in ``drop``
    (``--drop-table SCHEMA.TABLE``, exact names)."""

    drop_all: bool = False
    drop: tuple[str, ...] = ()


def diff_database(
    connection: Connection,
    metadata: sa.MetaData,
    *,
    version_table: str | Sequence[str],
    exclude: Iterable[str] = (),
    options: CompareOptions | None = None,
    schemas: Iterable[str] = (),
    unknown: UnknownTables | None = None,
    notes: list[str] | None = None,
    questioner: Questioner | None = None,
    uncompared: list[BlindSpot] | None = None,
) -> list[Operation]:
    """Upgrade operations that make the database match ``metadata`` in the schemas compared (see
    the module docstring; ``schemas`` is the setting); ``options`` also carries an env script's
    include_object / include_name / compare_* choices. A ``Note: ...`` line for each table kept
    by :class:`UnknownTables` is appended to ``notes``. A table or column that may have been
    renamed is asked of ``questioner`` (by default none answers: drop + add); confirmed renames
    come first, the candidates left unanswered are handed to ``questioner.left_unanswered``.
    ``uncompared``, if given, receives what the compared models hold that this backend cannot
    compare (see :mod:`.blind_spots`)."""
    options = options or CompareOptions()
    unknown = unknown or UnknownTables()
    patterns = tuple(exclude)
    # The version table and the applied log are dbshift's own: never compared, even if the
    # models declare them.
    # A bare version table name brings its log's default name along (``<version_table>_log``).
    own = (version_table, f"{version_table}_log") if isinstance(version_table, str) else tuple(version_table)
    default = sa.inspect(connection).default_schema_name
    target = _in_default_schema(schema_from_metadata(metadata, connection.dialect), default)
    for name in own:
        target = target.without_table(name)
    drops = tuple(_in_default(name, default) for name in unknown.drop)
    others = _schemas_to_compare(connection, target, tuple(schemas), drops, options, default)
    path = _search_path(connection)
    # Which tables each schema of a search_path of several holds: what an unqualified name means.
    inspector = sa.inspect(connection)
    holding = {schema: set(inspector.get_table_names(schema=schema)) for schema in path} if len(path) > 1 else {}
    current = _with_schemas(connection, _reflect_default(connection, own, path, holding), others, own, path, holding)
    target = _only_schemas(target, others)
    target, current = options.filter_schemas(target, current, metadata)
    # Tables of other schemas that stay are out before renames are matched: never candidates.
    current, kept = _unknown_tables(target, current, dataclasses.replace(unknown, drop=drops), patterns)
    if notes is not None:
        notes.extend(kept)
    if uncompared is not None:
        compared = SchemaDef.of(t for t in target.tables.values() if not is_excluded(t.name, patterns))
        uncompared.extend(blind_spots(compared, features_of(connection.dialect), backend_name(connection.dialect)))
    renames = match_renames(target, current, questioner or Questioner(), connection.dialect, exclude=patterns)
    if questioner is not None:
        questioner.left_unanswered(renames.unanswered)
    ops = compare_schemas(target, renames.current, connection.dialect, exclude=patterns)
    return [*renames.ops, *options.filter_ops(ops, target, renames.current)]


# -- which schemas ------------------------------------------------------------------------------
def _schemas_to_compare(
    connection: Connection,
    target: SchemaDef,
    setting: tuple[str, ...],
    drops: tuple[str, ...],
    options: CompareOptions,
    default: str | None,
) -> tuple[str, ...]:
    """The schemas besides the default one to compare, each checked to exist."""
    # Where each schema comes from, for the message when the database lacks it.
    wanted: dict[str, str] = {}
    for table in target:
        if table.schema is not None:
            wanted.setdefault(table.schema, f"the models put table {table.key} in schema '{table.schema}'")
    for enum in _model_enum_types(target):
        if enum.schema is not None:
            wanted.setdefault(enum.schema, f"the models put enum type {enum.name} in schema '{enum.schema}'")
    for name in setting:
        wanted.setdefault(name, f"the 'schemas' setting names schema '{name}'")
    for name in drops:
        if "." in name:
            schema = name.rsplit(".", 1)[0]
            wanted.setdefault(schema, f"--drop-table {name} names schema '{schema}'")
    if not wanted and not options.include_schemas:
        return ()  # the everyday case: no query for the database's schemas
    present = set(sa.inspect(connection).get_schema_names())
    if options.include_schemas:
        for name in sorted(present):
            if options.keep_schema(name):
                wanted.setdefault(name, "")
    wanted.pop(default or "", None)
    chosen = tuple(sorted(name for name in wanted if options.include_name is None or options.keep_schema(name)))
    for name in chosen:
        if name not in present:
            raise AutogenerateError(_missing_schema(wanted[name], name, connection.dialect.name))
    return chosen


def _missing_schema(why: str, name: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"{why}, but SQLite has no schemas (attached databases are not supported by autogenerate)"
    return (
        f"{why}, which the database does not have; autogenerate does not create schemas: write a revision "
        f'with op.execute(sa.schema.CreateSchema("{name}")), upgrade, then autogenerate again'
    )


def _model_enum_types(target: SchemaDef) -> list[EnumTypeDef]:
    return list(enum_types_used(target).values())


def _reflect_default(
    connection: Connection, own: tuple[str, ...], path: list[str], holding: dict[str, set[str]]
) -> SchemaDef:
    """The default schema's tables. On PostgreSQL with more than one schema on the search_path
    (``"$user", public`` for a role named like its schema), the tables of the others are
    visible without a schema too: left out, and a foreign key to one of them (which PostgreSQL
    names without its schema) gets the schema that holds it."""
    if len(path) < 2:
        return reflect_schema(connection, exclude=_escaped(own))
    found = reflect_schema(connection, exclude=_escaped(own), only=holding[path[0]])
    return _with_fk_schemas(found, path, holding)


def _search_path(connection: Connection) -> list[str]:
    """PostgreSQL's schemas on the search_path that exist, the default one first; [] elsewhere."""
    if connection.dialect.name != "postgresql":
        return []
    return [str(name) for name in connection.execute(sa.select(sa.func.current_schemas(False))).scalar_one()]


def _with_fk_schemas(current: SchemaDef, path: list[str], holding: dict[str, set[str]]) -> SchemaDef:
    """Foreign keys named without a schema, given the first schema of the search_path holding
    their target (none for the default schema, as the models spell it)."""

    def where(table: str) -> str | None:
        schema = next((s for s in path if table in holding[s]), None)
        return None if schema == path[0] else schema

    tables = []
    for table in current:
        fks = tuple(
            f if f.referred_schema is not None else dataclasses.replace(f, referred_schema=where(f.referred_table))
            for f in table.foreign_keys
        )
        tables.append(table.replace(foreign_keys=fks))
    return SchemaDef.of(tables, current.enum_types)


def _with_schemas(
    connection: Connection,
    current: SchemaDef,
    others: Iterable[str],
    own: tuple[str, ...],
    path: list[str],
    holding: dict[str, set[str]],
) -> SchemaDef:
    """The default schema's tables and enum types plus those of each other schema given."""
    tables = dict(current.tables)
    enums = {e.key: e for e in current.enum_types}
    for name in others:
        found = reflect_schema(connection, schema=name, exclude=_escaped(own))
        if len(path) > 1:
            found = _with_fk_schemas(found, path, holding)
        tables.update(found.tables)
        enums.update((e.key, e) for e in found.enum_types)
    return SchemaDef.of(tables.values(), enums.values())


def _only_schemas(target: SchemaDef, others: Iterable[str]) -> SchemaDef:
    """The models' tables without those in a schema an include_name hook left out."""
    kept = set(others)
    tables = {key: t for key, t in target.tables.items() if t.schema is None or t.schema in kept}
    return dataclasses.replace(target, tables=MappingProxyType(tables))


def _in_default_schema(target: SchemaDef, default: str | None) -> SchemaDef:
    """The models' schema with ``schema=<the default schema>`` spelled as no schema, as the
    database's reflection of the default schema spells it (tables and foreign keys)."""
    if default is None:
        return target

    def local(schema: str | None) -> str | None:
        return None if schema == default else schema

    tables: list[TableDef] = []
    for table in target:
        fks = tuple(dataclasses.replace(f, referred_schema=local(f.referred_schema)) for f in table.foreign_keys)
        columns = tuple(dataclasses.replace(c, type=_local_enum(c.type, default)) for c in table.columns)
        tables.append(table.replace(schema=local(table.schema), foreign_keys=fks, columns=columns))
    enums = (dataclasses.replace(e, schema=local(e.schema)) for e in target.enum_types)
    return SchemaDef.of(tables, enums)


def _local_enum(type_: Any, default: str) -> Any:
    """An enum type (or an array of one) in the default schema, without its schema, as the
    database reflects it; any other type as it is."""
    item = type_.item_type if isinstance(type_, sa.ARRAY) else type_
    if not isinstance(item, sa.Enum) or item.schema != default:
        return type_
    local = item.copy()  # type: ignore[no-untyped-call]
    local.schema = None
    if item is type_:
        return local
    array = copy.copy(type_)
    array.item_type = local
    return array


def _in_default(name: str, default: str | None) -> str:
    """``--drop-table public.audit`` on a database whose default schema is public: ``audit``."""
    return name.split(".", 1)[1] if default and name.startswith(f"{default}.") else name


# -- tables the models do not declare ---------------------------------------------------------------
def _unknown_tables(
    target: SchemaDef, current: SchemaDef, unknown: UnknownTables, patterns: tuple[str, ...]
) -> tuple[SchemaDef, list[str]]:
    """The database's schema without the other schemas' tables that stay, and a note for each
    one kept; an ``unknown.drop`` name that is no such table is an error."""
    tables = dict(current.tables)
    notes: list[str] = []
    for key, table in sorted(current.tables.items()):
        if key in target:
            continue
        if table.schema is None:
            continue  # the default schema: dropped by compare_schemas unless excluded
        if is_excluded(table.name, patterns) or is_excluded(key, patterns):
            del tables[key]
        elif not (unknown.drop_all or key in unknown.drop):
            del tables[key]
            notes.append(
                f"Note: table {key} is in the database but not in the models: kept; "
                f"pass --drop-unknown to drop such tables, or --drop-table {key}"
            )
    for name in unknown.drop:
        _check_drop_name(name, target, current, patterns)
    return dataclasses.replace(current, tables=MappingProxyType(tables)), notes


def _check_drop_name(name: str, target: SchemaDef, current: SchemaDef, patterns: tuple[str, ...]) -> None:
    if name in target:
        raise AutogenerateError(f"--drop-table {name}: the models declare {name}; remove it from the models to drop it")
    table = current.tables.get(name)
    if table is None:
        raise AutogenerateError(f"--drop-table {name}: the database has no table {name} (give SCHEMA.TABLE exactly)")
    if is_excluded(table.name, patterns) or is_excluded(name, patterns):
        raise AutogenerateError(
            f"--drop-table {name}: {name} matches exclude_tables, whose tables autogenerate never drops"
        )


def _escaped(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(_glob_escape(name) for name in names)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
