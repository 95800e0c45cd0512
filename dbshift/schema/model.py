"""The immutable schema model every part of dbshift speaks.

Models (``MetaData``) and live databases are both turned into these values, so comparing,
planning and linting never depend on where a schema came from. Values are frozen: a change is
a new value (``dataclasses.replace``), which lets operations be applied to a schema without a
database and makes "the schema after this chain of revisions" a pure computation.

Column types are kept as SQLAlchemy ``TypeEngine`` objects (needed for DDL and rendering) but
excluded from ``==``: whether two types are "the same" depends on the dialect, and is decided
by :mod:`dbshift.dialects.normalize`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Union

from sqlalchemy.types import NULLTYPE, TypeEngine

DialectOptions = tuple[tuple[str, Any], ...]


def freeze_options(options: Mapping[str, Any] | None) -> DialectOptions:
    """Dialect keyword arguments as a sorted tuple, so definitions stay hashable and comparable."""
    if not options:
        return ()
    return tuple(sorted((k, v) for k, v in options.items() if v is not None))


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: TypeEngine[Any] = field(default=NULLTYPE, compare=False, hash=False)
    nullable: bool = True
    server_default: str | None = None
    """The SQL text after DEFAULT, as the database would hold it (e.g. ``'abc'``, ``now()``)."""
    comment: str | None = None
    autoincrement: bool | str = "auto"
    computed: str | None = None
    """SQL expression of a generated column (``GENERATED ALWAYS AS``), if any."""
    computed_persisted: bool | None = field(default=None, compare=False)
    """``sa.Computed(persisted=)``: True for STORED, False for VIRTUAL, None for the backend's
    default. Not compared (not every backend reports it); kept so a rebuild keeps STORED."""
    identity: bool = False
    identity_options: DialectOptions = ()
    """Non-default ``sa.Identity`` arguments (``always``, ``start``, ``increment``...)."""
    dialect_options: DialectOptions = field(default=(), compare=False)
    """``sa.Column`` dialect keywords (``sqlite_on_conflict_not_null``...). Like every
    constraint's below, not compared: the database does not report them back."""


@dataclass(frozen=True)
class PrimaryKeyDef:
    columns: tuple[str, ...]
    name: str | None = None
    dialect_options: DialectOptions = field(default=(), compare=False)
    """Dialect keywords (``postgresql_include``, ``mysql_using``, ``sqlite_on_conflict``)."""


@dataclass(frozen=True)
class ForeignKeyDef:
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    name: str | None = None
    referred_schema: str | None = None
    ondelete: str | None = None
    onupdate: str | None = None
    deferrable: bool | None = None
    initially: str | None = None
    match: str | None = None
    """``MATCH FULL`` / ``PARTIAL`` / ``SIMPLE``; None for the backend's default."""
    dialect_options: DialectOptions = field(default=(), compare=False)
    """Dialect keywords (``postgresql_not_valid``)."""
    use_alter: bool = field(default=False, compare=False)
    """SQLAlchemy's ``use_alter``: added by ``ALTER TABLE`` after the table is created (where the
    backend can), so that tables referring to each other can be created. How the key is made,
    not what it is: not compared (a database does not remember it)."""

    @property
    def signature(self) -> tuple[object, ...]:
        """What makes two foreign keys the same, whatever the database named them."""
        return (
            self.columns,
            self.referred_schema,
            self.referred_table,
            self.referred_columns,
        )


@dataclass(frozen=True)
class UniqueDef:
    columns: tuple[str, ...]
    name: str | None = None
    deferrable: bool | None = field(default=None, compare=False)
    initially: str | None = field(default=None, compare=False)
    dialect_options: DialectOptions = field(default=(), compare=False)
    """Dialect keywords (``postgresql_nulls_not_distinct``, ``postgresql_include``,
    ``sqlite_on_conflict``); autogenerate compares those the database reports back
    (:func:`dbshift.autogenerate.compare`)."""


@dataclass(frozen=True)
class CheckDef:
    sqltext: str
    name: str | None = None
    deferrable: bool | None = field(default=None, compare=False)
    initially: str | None = field(default=None, compare=False)
    dialect_options: DialectOptions = field(default=(), compare=False)
    """Dialect keywords (``postgresql_not_valid``, ``sqlite_on_conflict``)."""


@dataclass(frozen=True)
class IndexDef:
    name: str
    columns: tuple[str, ...]
    """Column names; an element that is an expression holds its SQL text."""
    unique: bool = False
    dialect_options: DialectOptions = ()
    expressions: tuple[bool, ...] = ()
    """Parallel to ``columns``: True where the element is an SQL expression, not a column."""

    def is_expression(self, position: int) -> bool:
        return bool(self.expressions) and self.expressions[position]


ConstraintDef = Union[PrimaryKeyDef, ForeignKeyDef, UniqueDef, CheckDef]  # noqa: UP007 - a runtime alias on 3.10


@dataclass(frozen=True)
class TableDef:
    name: str
    columns: tuple[ColumnDef, ...] = ()
    schema: str | None = None
    primary_key: PrimaryKeyDef | None = None
    foreign_keys: tuple[ForeignKeyDef, ...] = ()
    uniques: tuple[UniqueDef, ...] = ()
    checks: tuple[CheckDef, ...] = ()
    indexes: tuple[IndexDef, ...] = ()
    comment: str | None = None
    dialect_options: DialectOptions = ()
    prefixes: tuple[str, ...] = field(default=(), compare=False)
    """Words between ``CREATE`` and ``TABLE`` (``sa.Table(..., prefixes=["UNLOGGED"])``)."""

    @property
    def key(self) -> str:
        return table_key(self.name, self.schema)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnDef | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def index(self, name: str) -> IndexDef | None:
        for ix in self.indexes:
            if ix.name == name:
                return ix
        return None

    def constraint(self, name: str) -> ConstraintDef | None:
        candidates: Iterable[ConstraintDef] = (
            *self.foreign_keys,
            *self.uniques,
            *self.checks,
            *((self.primary_key,) if self.primary_key else ()),
        )
        for con in candidates:
            if con.name == name:
                return con
        return None

    def replace(self, **changes: Any) -> TableDef:
        return replace(self, **changes)


def sql_mentions(sql: str, name: str) -> bool:
    """Whether SQL text names an identifier (bare or quoted), e.g. a column in a CHECK."""
    pattern = rf"""(?<![\w$])["'`\[]?{re.escape(name)}["'`\]]?(?![\w$])"""
    return re.search(pattern, sql, re.IGNORECASE) is not None


_SQL_LITERAL = re.compile(r"('(?:[^']|'')*')")


def rename_identifier(sql: str, old: str, new: str) -> str:
    """SQL text (a CHECK, a partial index's WHERE, an index expression, a generated column's
    expression) with the identifier ``old`` (bare or quoted) called ``new``, as databases
    rewrite them when a column is renamed; text inside string literals is left alone."""
    pattern = re.compile(rf"""(?<![\w$])(["`\[]?){re.escape(old)}(["`\]]?)(?![\w$])""", re.IGNORECASE)
    parts = _SQL_LITERAL.split(sql)
    return "".join(
        part if i % 2 else pattern.sub(lambda m: f"{m.group(1)}{new}{m.group(2)}", part) for i, part in enumerate(parts)
    )


def table_key(name: str, schema: str | None = None) -> str:
    return f"{schema}.{name}" if schema else name


@dataclass(frozen=True)
class EnumTypeDef:
    """A named enum type of its own (PostgreSQL's ``CREATE TYPE ... AS ENUM``)."""

    name: str
    values: tuple[str, ...] = ()
    schema: str | None = None
    """None: the type is found on the search path (in the schema of the tables that use it)."""

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class SchemaDef:
    """A whole database schema: tables keyed by ``schema.name`` (or ``name``), and the named
    enum types it holds (PostgreSQL; reflected from the database, or those the models' columns
    use). Equality compares the tables only: no operation but the explicit enum type ones
    creates or drops a type, so a schema applied from operations and one reflected from the
    database agree on tables even where the database has a type the operations never named.
    """

    tables: Mapping[str, TableDef] = field(default_factory=lambda: MappingProxyType({}))
    enum_types: tuple[EnumTypeDef, ...] = ()

    @classmethod
    def of(cls, tables: Iterable[TableDef], enum_types: Iterable[EnumTypeDef] = ()) -> SchemaDef:
        return cls(MappingProxyType({t.key: t for t in tables}), tuple(sorted(enum_types, key=_enum_order)))

    def enum_type(self, name: str, schema: str | None = None) -> EnumTypeDef | None:
        return next((e for e in self.enum_types if e.key == (schema, name)), None)

    def with_enum_type(self, enum: EnumTypeDef) -> SchemaDef:
        kept = (e for e in self.enum_types if e.key != enum.key)
        return replace(self, enum_types=tuple(sorted((*kept, enum), key=_enum_order)))

    def without_enum_type(self, name: str, schema: str | None = None) -> SchemaDef:
        return replace(self, enum_types=tuple(e for e in self.enum_types if e.key != (schema, name)))

    def __iter__(self) -> Iterator[TableDef]:
        return iter(self.tables.values())

    def __contains__(self, key: object) -> bool:
        return key in self.tables

    def get(self, name: str, schema: str | None = None) -> TableDef | None:
        return self.tables.get(table_key(name, schema))

    def with_table(self, table: TableDef) -> SchemaDef:
        tables = dict(self.tables)
        tables[table.key] = table
        return replace(self, tables=MappingProxyType(tables))

    def without_table(self, name: str, schema: str | None = None) -> SchemaDef:
        tables = dict(self.tables)
        tables.pop(table_key(name, schema), None)
        return replace(self, tables=MappingProxyType(tables))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SchemaDef):
            return NotImplemented
        return dict(self.tables) == dict(other.tables)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.tables)))


def _enum_order(enum: EnumTypeDef) -> tuple[str, str]:
    return (enum.schema or "", enum.name)
