"""PostgreSQL: transactional DDL and the generic ALTER COLUMN forms, plus what PostgreSQL adds.

* **Native ENUM types.** Creating a table, adding a column or changing a column's type emits
  ``CREATE TYPE`` first for each named enum type the database does not have yet (in ``--sql``
  mode, where the database cannot be asked: unless the same run created it already; an enum
  with ``create_type=False`` is left to its author). A type is dropped at the end of the
  revision once the last column using it is gone (``drop_table``, ``drop_column``, a type
  change): online, when ``pg_depend`` shows nothing else (a column, array column, default,
  domain, function, view, or an extension owning it) still depends on it; in ``--sql`` mode
  only when the operation carries the dropped table's or column's definition and that names
  the enum (operations dbshift builds itself, never a hand-written ``op.drop_table("t")``), as
  ``DROP TYPE IF EXISTS``. A type the revision drops itself (``op.execute("DROP TYPE ...")``)
  is simply gone by then.
* **Concurrent index builds.** ``CREATE INDEX CONCURRENTLY`` / ``DROP INDEX CONCURRENTLY``
  (``postgresql_concurrently=True``) cannot run inside a transaction: they are wrapped in
  :class:`~dbshift.dialects.ddl.OutsideTransaction`, which the migration context runs in
  autocommit mode between the revision's transactions. An index of a table being created is
  built plainly (nobody else can see the table yet).
* **Sequence-backed columns.** A column whose server default is ``nextval('<sequence>')``
  (``op.create_table`` / ``op.add_column`` give a column with a ``sa.Sequence`` that default)
  gets its sequence created first when it does not exist, owned by the column
  (``ALTER SEQUENCE ... OWNED BY``, when both are in the same schema, as PostgreSQL requires),
  so it goes with the column or table, as a SERIAL's does. A sequence that already existed (in
  ``--sql`` mode: that the run created with ``op.execute(CreateSequence(...))``) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.dialects.postgresql.named_types import CreateEnumType
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.expression import Executable

from dbshift.dialects import ddl
from dbshift.dialects.base import DialectImpl, SchemaLookup
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.sql import ExecuteOp
from dbshift.operations.table import CreateTableOp, DropTableOp
from dbshift.schema.model import ColumnDef, DialectOptions, IndexDef
from dbshift.schema.to_sa import sa_index, stub_table

TypeKey = tuple[str | None, str]
"""A named type: (schema or None for the search path, name)."""

CONCURRENTLY = "postgresql_concurrently"

# The enum types (also as array element types) that a table's columns, or one column, and
# their defaults depend on.
_ENUMS_USED = sa.text(
    """
    SELECT DISTINCT n.nspname, e.typname
    FROM pg_depend d
    JOIN pg_type t ON t.oid = d.refobjid
    JOIN pg_type e ON e.oid = CASE WHEN t.typtype = 'e' THEN t.oid ELSE t.typelem END
    JOIN pg_namespace n ON n.oid = e.typnamespace
    WHERE d.refclassid = 'pg_type'::regclass AND d.deptype = 'n' AND e.typtype = 'e'
      AND (
        (d.classid = 'pg_class'::regclass AND d.objid = to_regclass(:rel)
         AND (CAST(:col AS text) IS NULL OR d.objsubid = (
             SELECT a.attnum FROM pg_attribute a
             WHERE a.attrelid = to_regclass(:rel) AND a.attname = CAST(:col AS text))))
        OR (d.classid = 'pg_attrdef'::regclass AND d.objid IN (
             SELECT ad.oid FROM pg_attrdef ad JOIN pg_attribute a
               ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
             WHERE ad.adrelid = to_regclass(:rel) AND (CAST(:col AS text) IS NULL OR a.attname = CAST(:col AS text))))
      )
    ORDER BY 1, 2
    """
)

# Whether an enum type exists and whether anything still needs it: an object depending on the
# type or its array type, or an extension owning it.
_ENUM_STILL_USED = sa.text(
    """
    SELECT EXISTS (
             SELECT 1 FROM pg_depend d
             WHERE d.refclassid = 'pg_type'::regclass AND d.refobjid IN (t.oid, t.typarray) AND d.deptype = 'n')
        OR EXISTS (
             SELECT 1 FROM pg_depend d
             WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = :schema AND t.typname = :name AND t.typtype = 'e'
    """
)

_NEXTVAL = re.compile(r"\s*nextval\(\s*'((?:[^']|'')+)'(?:::regclass)?\s*\)\s*", re.IGNORECASE)
_NAME_PART = re.compile(r'\s*(?:"((?:[^"]|"")*)"|([^."\s]+))\s*(\.|$)')


def sequence_of(default: str | None) -> tuple[str, sa.Sequence] | None:
    """The sequence a ``nextval('<name>')`` default draws from: (the name as written, the
    sequence); None for any other default."""
    match = _NEXTVAL.fullmatch(default or "")
    if match is None:
        return None
    written = match.group(1).replace("''", "'")
    parts: list[str] = []
    position = 0
    while position < len(written):
        part = _NAME_PART.match(written, position)
        if part is None or part.end() == position:
            return None
        quoted, plain = part.group(1), part.group(2)
        parts.append(quoted.replace('""', '"') if quoted is not None else plain.lower())
        position = part.end()
    if len(parts) == 1:
        return written, sa.Sequence(parts[0])
    if len(parts) == 2:
        return written, sa.Sequence(parts[1], schema=parts[0])
    return None


def _is_concurrent(options: DialectOptions) -> bool:
    return bool(dict(options).get(CONCURRENTLY))


def _plain_build(index: IndexDef) -> IndexDef:
    return replace(index, dialect_options=tuple((k, v) for k, v in index.dialect_options if k != CONCURRENTLY))


def _outside_transaction(statements: list[Executable]) -> list[Executable]:
    out: list[Executable] = []
    for statement in statements:
        assert isinstance(statement, ExecutableDDLElement)
        out.append(ddl.OutsideTransaction(statement))
    return out


def _native_enum(type_: Any, table_schema: str | None) -> tuple[TypeKey, ENUM] | None:
    """The named PostgreSQL enum type a column type (or array of it) needs, with its schema."""
    if isinstance(type_, sa.ARRAY):
        type_ = type_.item_type
    if not isinstance(type_, sa.Enum) or not type_.native_enum or not type_.name:
        return None
    enum: ENUM = type_ if isinstance(type_, ENUM) else type_.adapt(ENUM)  # type: ignore[no-untyped-call]
    if not getattr(enum, "create_type", True):
        return None
    # SQLAlchemy 2.1 deprecates the inherit_schema property (and resolves it when the column
    # joins a table); a column given alone to add_column still asks for the table's schema.
    inherit = vars(type_).get("_inherit_schema", vars(type_).get("inherit_schema", False))
    schema = enum.schema or (table_schema if inherit else None)
    if schema != enum.schema:
        enum = enum.adapt(ENUM)  # type: ignore[no-untyped-call]
        enum.schema = schema
    return (schema, type_.name), enum


class PostgresqlImpl(DialectImpl):
    name = "postgresql"

    def __init__(self, dialect: Dialect, lookup: SchemaLookup | None = None) -> None:
        super().__init__(dialect, lookup)
        self._drop_candidates: dict[TypeKey, None] = {}
        """Enum types whose last user may have gone: checked (online) and dropped at flush."""
        self._offline_types: dict[TypeKey, bool] = {}
        """--sql mode: enum types this run created or knows to exist (True) or dropped (False)."""
        self._offline_sequences: set[tuple[str | None, str]] = set()

    @property
    def _connection(self) -> Connection | None:
        """The live database (the revision's own transaction); None in --sql mode."""
        return self.lookup.connection if self.lookup is not None else None

    def _qualified(self, table: str, schema: str | None) -> str:
        return self.dialect.identifier_preparer.format_table(stub_table(table, schema))

    # -- enum types ---------------------------------------------------------------------------
    def _create_enums(self, types: Iterable[Any], table_schema: str | None) -> list[Executable]:
        out: list[Executable] = []
        seen: set[TypeKey] = set()
        for type_ in types:
            found = _native_enum(type_, table_schema)
            if found is None or found[0] in seen:
                continue
            key, enum = found
            seen.add(key)
            self._drop_candidates.pop(key, None)
            if self.lookup is not None and self.lookup.has_type(key[1], key[0]):
                continue
            if self.lookup is None:
                if self._offline_types.get(key):
                    continue
                self._offline_types[key] = True
            out.append(CreateEnumType(enum))
        return out

    def _note_enums_in_use(self, table: str, schema: str | None, column: str | None) -> None:
        """Online: remember the enum types the table (or column) uses, before it goes."""
        connection = self._connection
        if connection is None:
            return
        rows = connection.execute(_ENUMS_USED, {"rel": self._qualified(table, schema), "col": column})
        for type_schema, type_name in rows:
            self._drop_candidates[(type_schema, type_name)] = None

    def _note_known_enums(self, columns: Iterable[ColumnDef], table_schema: str | None) -> None:
        """--sql mode: the enum types a dropped table's or column's known definition names."""
        if self.lookup is not None:
            return
        for col in columns:
            found = _native_enum(col.type, table_schema)
            if found is not None:
                self._drop_candidates[found[0]] = None
                self._offline_types[found[0]] = True

    def flush(self) -> list[Executable]:
        out = super().flush()
        candidates, self._drop_candidates = list(self._drop_candidates), {}
        connection = self._connection
        for schema, name in candidates:
            if connection is None:
                self._offline_types[(schema, name)] = False
                out.append(ddl.DropNamedType(name, schema, if_exists=True))
                continue
            used = connection.execute(_ENUM_STILL_USED, {"schema": schema, "name": name}).scalar()
            if used is False:  # None: the type is gone already
                out.append(ddl.DropNamedType(name, schema))
        return out

    # -- sequences ----------------------------------------------------------------------------
    def _sequences(
        self, table: str, schema: str | None, columns: Iterable[ColumnDef]
    ) -> tuple[list[Executable], list[Executable]]:
        """CREATE SEQUENCE for each missing sequence a ``nextval`` default needs, and the
        OWNED BY statements to run once the columns exist."""
        before: list[Executable] = []
        after: list[Executable] = []
        for col in columns:
            found = sequence_of(col.server_default)
            if found is None:
                continue
            written, sequence = found
            key = (sequence.schema, sequence.name)
            connection = self._connection
            if connection is not None:
                exists = connection.execute(sa.select(sa.func.to_regclass(written))).scalar() is not None
                if exists:
                    continue
            elif key in self._offline_sequences:
                continue
            self._offline_sequences.add(key)
            before.append(sa.schema.CreateSequence(sequence))
            if self._same_schema(sequence.schema, schema):  # OWNED BY demands it
                after.append(ddl.SequenceOwnedBy(sequence, stub_table(table, schema), col.name))
        return before, after

    def _same_schema(self, one: str | None, other: str | None) -> bool:
        """Whether two schemas are the same; None is the search path's first schema, which only
        the live database can name."""
        if one == other:
            return True
        connection = self._connection
        if connection is None:
            return False
        current = connection.execute(sa.select(sa.func.current_schema())).scalar()
        return (one or current) == (other or current)

    def do_ExecuteOp(self, op: ExecuteOp) -> list[Executable]:
        # --sql mode: a sequence the revision creates itself is not created again for a column.
        statement = op.sqltext
        if isinstance(statement, (sa.schema.CreateSequence, sa.schema.DropSequence)):
            key = (statement.element.schema, statement.element.name)
            if isinstance(statement, sa.schema.CreateSequence):
                self._offline_sequences.add(key)
            else:
                self._offline_sequences.discard(key)
        return super().do_ExecuteOp(op)

    # -- tables and columns -------------------------------------------------------------------
    def do_CreateTableOp(self, op: CreateTableOp) -> list[Executable]:
        table = op.table
        if any(_is_concurrent(ix.dialect_options) for ix in table.indexes):
            op = replace(op, table=table.replace(indexes=tuple(_plain_build(ix) for ix in table.indexes)))
        if op.if_not_exists and self.lookup is not None and self.lookup.has_table(table.name, table.schema):
            return super().do_CreateTableOp(op)
        enums = self._create_enums((c.type for c in table.columns), table.schema)
        sequences, owned = self._sequences(table.name, table.schema, table.columns)
        return [*enums, *sequences, *super().do_CreateTableOp(op), *owned]

    def do_DropTableOp(self, op: DropTableOp) -> list[Executable]:
        self._note_enums_in_use(op.table_name, op.schema, None)
        if op.table is not None:
            self._note_known_enums(op.table.columns, op.schema)
        return super().do_DropTableOp(op)

    def do_AddColumnOp(self, op: AddColumnOp) -> list[Executable]:
        lookup = self.lookup
        if op.if_not_exists and lookup is not None and lookup.column(op.table_name, op.column.name, op.schema):
            return super().do_AddColumnOp(op)
        enums = self._create_enums((op.column.type,), op.schema)
        sequences, owned = self._sequences(op.table_name, op.schema, (op.column,))
        return [*enums, *sequences, *super().do_AddColumnOp(op), *owned]

    def do_DropColumnOp(self, op: DropColumnOp) -> list[Executable]:
        self._note_enums_in_use(op.table_name, op.schema, op.column_name)
        if op.column is not None:
            self._note_known_enums((op.column,), op.schema)
        return super().do_DropColumnOp(op)

    def do_AlterColumnOp(self, op: AlterColumnOp) -> list[Executable]:
        statements = super().do_AlterColumnOp(op)
        if op.type is None:
            return statements
        self._note_enums_in_use(op.table_name, op.schema, op.column_name)
        return [*self._create_enums((op.type,), op.schema), *statements]

    # -- indexes ------------------------------------------------------------------------------
    def do_CreateIndexOp(self, op: CreateIndexOp) -> list[Executable]:
        # The table stub names the INCLUDE columns too, for SQLAlchemy to compile them.
        included = tuple(str(c) for c in dict(op.index.dialect_options).get("postgresql_include") or ())
        table = stub_table(op.table_name, op.schema, included)
        statements: list[Executable] = [
            sa.schema.CreateIndex(sa_index(op.index, table), if_not_exists=op.if_not_exists)
        ]
        if _is_concurrent(op.index.dialect_options):
            return _outside_transaction(statements)
        return statements

    def do_DropIndexOp(self, op: DropIndexOp) -> list[Executable]:
        options = dict(op.index.dialect_options) if op.index is not None else {}
        options.update(getattr(op, "dialect_options", ()) or ())
        if not options.get(CONCURRENTLY):
            return super().do_DropIndexOp(op)
        table = stub_table(op.table_name or "_unknown", op.schema, ("_dbshift_stub",))
        index = sa.Index(op.index_name, table.c._dbshift_stub, postgresql_concurrently=True)
        return _outside_transaction([sa.schema.DropIndex(index, if_exists=op.if_exists)])
