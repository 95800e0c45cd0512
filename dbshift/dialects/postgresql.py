"""PostgreSQL: transactional DDL and the generic ALTER COLUMN forms, plus what PostgreSQL adds.

* **Native ENUM types.** Creating a table, adding a column or changing a column's type emits
  ``CREATE TYPE`` first for each named enum type the database does not have yet (in ``--sql``
  mode, where the database cannot be asked: unless the same run created it already, also with
  ``op.execute(CreateEnumType(...))``; an enum with ``create_type=False`` is left to its
  author). No operation drops a type: ``drop_table``, ``drop_column`` and a type change do
  exactly what they say, so a later revision's own ``DROP TYPE`` finds the type. Types come and
  go explicitly: ``op.execute(postgresql.CreateEnumType(...))`` / ``DropEnumType(...)``, which
  autogenerate writes (:mod:`dbshift.operations.types`). A change of a type's values
  (``op.alter_enum_values``) is ``ALTER TYPE ... ADD VALUE`` when values are only added, run
  outside the revision's transaction (a value added by a transaction is unusable until it
  commits, and before PostgreSQL 12 cannot be added in one at all); any other change replaces
  the type in the transaction: renamed aside, created anew, each column cast over, dropped.
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
from sqlalchemy.dialects.postgresql import ARRAY, ENUM, CreateEnumType, DropEnumType
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.expression import Executable

from dbshift.dialects import ddl
from dbshift.dialects.base import DialectImpl, SchemaLookup, UnsupportedOperation
from dbshift.dialects.postgresql_generated import generated_dependents
from dbshift.errors import MigrationError
from dbshift.operations.base import UNCHANGED
from dbshift.operations.column import AddColumnOp, AlterColumnOp
from dbshift.operations.constraint import AddConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.sql import ExecuteOp
from dbshift.operations.table import CreateTableOp
from dbshift.operations.types import AlterEnumValuesOp, CreateEnumTypeOp, DropEnumTypeOp, EnumColumn
from dbshift.schema.enums import TypeKey, enum_additions, native_enum, sa_enum
from dbshift.schema.model import ColumnDef, ConstraintDef, DialectOptions, EnumTypeDef, IndexDef
from dbshift.schema.names import fit_name
from dbshift.schema.to_sa import sa_column, sa_index, stub_table

CONCURRENTLY = "postgresql_concurrently"

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


# -- enum values ----------------------------------------------------------------------------------
class AddEnumValue(ExecutableDDLElement):
    """``ALTER TYPE <type> ADD VALUE IF NOT EXISTS '<value>' [BEFORE | AFTER '<other>']``.

    ``IF NOT EXISTS``: the statement commits on its own (outside the revision's transaction),
    so a revision that failed after it must be able to run it again.
    """

    def __init__(self, enum: ENUM, value: str, before: str | None = None, after: str | None = None) -> None:
        self.enum = enum
        self.value = value
        self.before = before
        self.after = after


class RenameEnumType(ExecutableDDLElement):
    """``ALTER TYPE <type> RENAME TO <name>`` (its array type follows)."""

    def __init__(self, enum: ENUM, new_name: str) -> None:
        self.enum = enum
        self.new_name = new_name


def _literal(compiler: DDLCompiler, value: str) -> str:
    return str(compiler.sql_compiler.render_literal_value(value, sa.String()))


@compiles(AddEnumValue, "postgresql")
def _add_enum_value(element: AddEnumValue, compiler: DDLCompiler, **kw: Any) -> str:
    position = ""
    if element.before is not None:
        position = f" BEFORE {_literal(compiler, element.before)}"
    elif element.after is not None:
        position = f" AFTER {_literal(compiler, element.after)}"
    name = compiler.preparer.format_type(element.enum)  # type: ignore[attr-defined]
    return f"ALTER TYPE {name} ADD VALUE IF NOT EXISTS {_literal(compiler, element.value)}{position}"


@compiles(RenameEnumType, "postgresql")
def _rename_enum_type(element: RenameEnumType, compiler: DDLCompiler, **kw: Any) -> str:
    name = compiler.preparer.format_type(element.enum)  # type: ignore[attr-defined]
    return f"ALTER TYPE {name} RENAME TO {compiler.preparer.quote(element.new_name)}"


class EnumValueCheck(ExecutableDDLElement):
    """A query for one row of a column holding a value the type is about to lose: run before the
    type is replaced, so that the failure names the table, column and value."""

    def __init__(self, column: EnumColumn, type_label: str, removed: tuple[str, ...], array: bool) -> None:
        self.column = column
        self.type_label = type_label
        col: sa.ColumnClause[Any] = sa.column(column.column)
        table = sa.table(column.table, col, schema=column.schema)
        if array:
            items = sa.func.unnest(sa.cast(col, ARRAY(sa.Text))).label("value")
            values = sa.select(items).select_from(table).subquery()
            self.query = sa.select(values.c.value).where(values.c.value.in_(removed)).limit(1)
        else:
            text = sa.cast(col, sa.Text)
            self.query = sa.select(text).select_from(table).where(text.in_(removed)).limit(1)

    def verify(self, result: CursorResult[Any]) -> None:
        row = result.first()
        if row is not None:
            raise MigrationError(
                f"column {self.column.label} holds '{row[0]}', which enum type {self.type_label} would no "
                "longer have: update or delete those rows first"
            )


@compiles(EnumValueCheck, "postgresql")
def _enum_value_check(element: EnumValueCheck, compiler: DDLCompiler, **kw: Any) -> str:
    return str(compiler.sql_compiler.process(element.query, literal_binds=True))


class PostgresqlImpl(DialectImpl):
    name = "postgresql"

    def __init__(self, dialect: Dialect, lookup: SchemaLookup | None = None) -> None:
        super().__init__(dialect, lookup)
        self._offline_types: dict[TypeKey, bool] = {}
        """--sql mode: enum types this run created (True) or dropped (False)."""
        self._offline_sequences: set[tuple[str | None, str]] = set()

    @property
    def _connection(self) -> Connection | None:
        """The live database (the revision's own transaction); None in --sql mode."""
        return self.lookup.connection if self.lookup is not None else None

    def _qualified(self, table: str, schema: str | None) -> str:
        return self.dialect.identifier_preparer.format_table(stub_table(table, schema))

    # -- enum types ---------------------------------------------------------------------------
    def _create_enums(self, types: Iterable[Any], table_schema: str | None) -> list[Executable]:
        """CREATE TYPE for each named enum type the columns need that is not there yet."""
        out: list[Executable] = []
        seen: set[TypeKey] = set()
        for type_ in types:
            found = native_enum(type_, table_schema)
            if found is None or found[0] in seen:
                continue
            key, enum = found
            seen.add(key)
            if self.lookup is not None and self.lookup.has_type(key[1], key[0]):
                continue
            if self.lookup is None:
                if self._offline_types.get(key):
                    continue
                self._offline_types[key] = True
            out.append(CreateEnumType(enum))
        return out

    def do_CreateEnumTypeOp(self, op: CreateEnumTypeOp) -> list[Executable]:
        self._offline_types[op.enum.key] = True
        return [CreateEnumType(sa_enum(op.enum))]

    def do_DropEnumTypeOp(self, op: DropEnumTypeOp) -> list[Executable]:
        self._offline_types[op.enum.key] = False
        return [DropEnumType(sa_enum(op.enum))]

    def do_AlterEnumValuesOp(self, op: AlterEnumValuesOp) -> list[Executable]:
        enum = sa_enum(EnumTypeDef(op.name, op.values, op.schema))
        if op.adds_only:
            added: list[Executable] = [
                AddEnumValue(enum, value, before, after)
                for value, before, after in enum_additions(op.existing_values, op.values)[0]
            ]
            return _outside_transaction(added) if op.autocommit else added
        return self._replace_enum(op, enum)

    def _replace_enum(self, op: AlterEnumValuesOp, enum: ENUM) -> list[Executable]:
        """Values removed, renamed or moved: PostgreSQL cannot do it in place, so the old type is
        renamed aside, the new one created, every column cast over through text (its default
        dropped and set again around the cast, as the old default is of the old type), and the
        old type dropped. Online, each column is first checked for rows holding a value that
        goes, and asked for its default and whether it is an array."""
        old_name = fit_name(f"{op.name}_dbshift_old", self.dialect)
        label = f"'{op.name}'" if op.schema is None else f"'{op.schema}.{op.name}'"
        removed = tuple(v for v in op.existing_values if v not in op.values)
        checks: list[Executable] = []
        moves: list[Executable] = []
        type_sql = self.dialect.type_compiler_instance.process(enum)
        for col in op.columns:
            default, array = col.server_default, col.array
            if self.lookup is not None:
                found = self.lookup.column(col.table, col.column, col.schema)
                if found is not None:
                    default, array = found.server_default, isinstance(found.type, sa.ARRAY)
            if removed and self.lookup is not None:
                checks.append(EnumValueCheck(col, label, removed, array))
            table = stub_table(col.table, col.schema)
            quoted = self.dialect.identifier_preparer.quote(col.column)
            using = f"{quoted}::text[]::{type_sql}[]" if array else f"{quoted}::text::{type_sql}"
            if default is not None:
                moves.append(ddl.AlterColumnDefault(table, col.column, None))
            moves.append(ddl.AlterColumnType(table, col.column, sa.ARRAY(enum) if array else enum, using))
            if default is not None:
                moves.append(ddl.AlterColumnDefault(table, col.column, default))
        return [
            *checks,
            RenameEnumType(enum, old_name),
            CreateEnumType(enum),
            *moves,
            DropEnumType(ENUM(name=old_name, schema=op.schema)),
        ]

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
        # --sql mode: a sequence or enum type the revision creates itself is not created again
        # for a column, and one it drops is created again when a later column needs it.
        statement = op.sqltext
        if isinstance(statement, (sa.schema.CreateSequence, sa.schema.DropSequence)):
            key = (statement.element.schema, statement.element.name)
            if isinstance(statement, sa.schema.CreateSequence):
                self._offline_sequences.add(key)
            else:
                self._offline_sequences.discard(key)
        if isinstance(statement, (CreateEnumType, DropEnumType)):
            element = statement.element
            self._offline_types[(element.schema, element.name)] = isinstance(statement, CreateEnumType)
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

    def do_AddColumnOp(self, op: AddColumnOp) -> list[Executable]:
        lookup = self.lookup
        if op.if_not_exists and lookup is not None and lookup.column(op.table_name, op.column.name, op.schema):
            return super().do_AddColumnOp(op)
        enums = self._create_enums((op.column.type,), op.schema)
        sequences, owned = self._sequences(op.table_name, op.schema, (op.column,))
        return [*enums, *sequences, *super().do_AddColumnOp(op), *owned]

    def do_AlterColumnOp(self, op: AlterColumnOp) -> list[Executable]:
        statements = [*self._generation(op), *super().do_AlterColumnOp(op)]
        if op.identity is not UNCHANGED:
            table = stub_table(op.table_name, op.schema)
            existing = None if op.existing_identity is UNCHANGED else op.existing_identity
            statements.append(AlterColumnIdentity(table, op.column_name, op.identity, existing))
        if op.type is None:
            return statements
        cast = self._explicit_cast(op)
        for statement in statements:
            if cast and isinstance(statement, ddl.AlterColumnType) and statement.using is None:
                statement.using = cast
        return self._around_generated(op, [*self._create_enums((op.type,), op.schema), *statements])

    def _explicit_cast(self, op: AlterColumnOp) -> str | None:
        """``USING col::type`` for a type change PostgreSQL has no assignment cast for (text to
        uuid, boolean, bytea, a range, a native enum; integer to boolean...), which it refuses
        without one ("cannot be cast automatically"): the explicit cast runs where the values
        convert. Never towards a string type: every type has an assignment cast to text, which
        fails on a value too long where an explicit ``::varchar(n)`` would cut it silently; and
        not where the revision gives ``postgresql_using`` or the old type is unknown."""
        new, old = op.type, op.existing_type
        if new is None or old is None or dict(op.dialect_options).get("postgresql_using"):
            return None
        if isinstance(new, sa.types.NullType) or isinstance(old, sa.types.NullType):
            return None
        to_enum = isinstance(new, sa.Enum) and new.native_enum
        to_other_enum = to_enum and not (isinstance(old, sa.Enum) and old.name == getattr(new, "name", None))
        kept_kind = new._type_affinity is old._type_affinity or new._type_affinity is sa.String
        if kept_kind and not to_other_enum:
            return None
        column = self.dialect.identifier_preparer.quote(op.column_name)
        return f"{column}::{self.dialect.type_compiler_instance.process(new)}"

    def _around_generated(self, op: AlterColumnOp, statements: list[Executable]) -> list[Executable]:
        """A type change under generated columns: drop them, change, add them back
        (:mod:`dbshift.dialects.postgresql_generated`); a rename in ``op`` comes last, once
        they are back, so PostgreSQL rewrites their expressions itself."""
        if self.lookup is None:
            return statements
        found = generated_dependents(self.lookup.connection, op.table_name, op.column_name, op.schema)
        if found is None:
            return statements
        table, schema = op.table_name, op.schema
        drops: list[Executable] = [ddl.DropColumn(stub_table(table, schema), c.name, False) for c in found.columns]
        back: list[Executable] = [s for c in found.columns for s in self.do_AddColumnOp(AddColumnOp(table, c, schema))]
        back += [s for ix in found.indexes for s in self.do_CreateIndexOp(CreateIndexOp(table, ix, schema))]
        constraints: tuple[ConstraintDef, ...] = (*found.uniques, *found.checks, *found.foreign_keys)
        back += [s for con in constraints for s in self.do_AddConstraintOp(AddConstraintOp(table, con, schema))]
        renames = [s for s in statements if isinstance(s, ddl.RenameColumn)]
        rest = [s for s in statements if not isinstance(s, ddl.RenameColumn)]
        return [*drops, *rest, *back, *renames]

    def _generation(self, op: AlterColumnOp) -> list[Executable]:
        """A generated column made plain keeps its values (``DROP EXPRESSION``, PostgreSQL 13+);
        a plain column made generated is dropped and added (nothing before PostgreSQL 17 makes
        one generated in place, and its values are computed anyway)."""
        if op.computed is UNCHANGED:
            return []
        table = stub_table(op.table_name, op.schema)
        if op.computed is None:
            return [DropExpression(table, op.column_name)]
        type_ = op.existing_type
        if type_ is None:
            raise UnsupportedOperation(f"{op.describe()}: needs existing_type to add the generated column back")
        expression, persisted = op.computed
        version = self.dialect.server_version_info or ()
        if persisted is None and tuple(version[:1]) < (18,):
            persisted = True  # STORED: the only kind before PostgreSQL 18
        nullable = op.existing_nullable if op.existing_nullable is not None else True
        column = ColumnDef(op.column_name, type_, nullable, computed=expression, computed_persisted=persisted)
        table.append_column(sa_column(column))
        return [ddl.DropColumn(table, op.column_name), ddl.AddColumn(table, table.c[op.column_name])]

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


class AlterColumnIdentity(ddl.TableAlter):
    """``GENERATED ... AS IDENTITY`` added (``ADD GENERATED``), dropped (``DROP IDENTITY``) or
    changed in place (``SET GENERATED``, ``SET INCREMENT BY``...: the sequence keeps its place,
    where dropping and adding it would start it over). ``identity``: the ``sa.Identity``
    arguments, or None for none."""

    def __init__(
        self, table: sa.Table, column_name: str, identity: DialectOptions | None, existing: DialectOptions | None
    ) -> None:
        super().__init__(table)
        self.column_name = column_name
        self.identity = identity
        self.existing = existing


@compiles(AlterColumnIdentity, "postgresql")
def _alter_identity(element: AlterColumnIdentity, compiler: DDLCompiler, **kw: Any) -> str:
    column = f"{ddl.alter_table(compiler, element.table)} ALTER COLUMN {ddl.quote(compiler, element.column_name)}"
    if element.identity is None:
        return f"{column} DROP IDENTITY IF EXISTS"
    options = dict(element.identity)
    generated = "ALWAYS" if options.get("always") else "BY DEFAULT"
    if element.existing is None:
        spelled = compiler.get_identity_options(sa.Identity(**options))
        return f"{column} ADD GENERATED {generated} AS IDENTITY" + (f" ({spelled})" if spelled else "")
    # Every option restated: one left out of the models goes back to PostgreSQL's default.
    increment = options.get("increment") or 1
    start = options.get("start")
    if start is None:
        bound = options.get("minvalue") if increment > 0 else options.get("maxvalue")
        start = bound if bound is not None else (1 if increment > 0 else -1)
    parts = [f"SET GENERATED {generated}", f"SET INCREMENT BY {increment}", f"SET START WITH {start}"]
    for name in ("minvalue", "maxvalue"):
        value = options.get(name)
        parts.append(f"SET {name.upper()} {value}" if value is not None else f"SET NO {name.upper()}")
    parts.append(f"SET CACHE {options.get('cache') or 1}")
    parts.append("SET CYCLE" if options.get("cycle") else "SET NO CYCLE")
    return f"{column} {' '.join(parts)}"


class DropExpression(ddl.TableAlter):
    def __init__(self, table: sa.Table, column_name: str) -> None:
        super().__init__(table)
        self.column_name = column_name


@compiles(DropExpression, "postgresql")
def _drop_expression(element: DropExpression, compiler: DDLCompiler, **kw: Any) -> str:
    column = ddl.quote(compiler, element.column_name)
    return f"{ddl.alter_table(compiler, element.table)} ALTER COLUMN {column} DROP EXPRESSION"
