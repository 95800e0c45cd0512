"""Turn SQLAlchemy models (a ``MetaData``) into the schema model.

Server defaults and generated-column expressions are kept as SQL text compiled for the target
dialect, because that is what a database reflects back and what comparison needs; constraint and
index names as the backend will hold them (an over-long one shortened, :mod:`dbshift.schema.names`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.schema import DefaultClause

from dbshift.schema.enums import enum_types_used
from dbshift.schema.model import (
    CheckDef,
    ColumnDef,
    DialectOptions,
    ForeignKeyDef,
    IndexDef,
    PrimaryKeyDef,
    SchemaDef,
    TableDef,
    UniqueDef,
    freeze_options,
)
from dbshift.schema.names import fit_optional


def sql_text(element: Any, dialect: Dialect) -> str:
    """SQL for a default, check or index expression, with literal values inlined and columns
    unqualified, as in DDL (SQLite refuses ``lower(t.name)`` in an index)."""
    if isinstance(element, str):
        return element
    if isinstance(element, sa.TextClause):
        return element.text
    compiled = element.compile(dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False})
    text = str(compiled)
    if dialect.paramstyle in ("format", "pyformat"):
        # psycopg / PyMySQL statements double '%' (LIKE 'a%' compiles to LIKE 'a%%'); the SQL
        # itself has one, and sa.text() doubles it again when the revision runs.
        text = text.replace("%%", "%")
    return text


def server_default_text(default: Any, dialect: Dialect) -> str | None:
    if default is None:
        return None
    if isinstance(default, DefaultClause):
        arg = default.arg
        if isinstance(arg, str):
            return "'" + arg.replace("'", "''") + "'"
        return sql_text(arg, dialect)
    if isinstance(default, (str, sa.ClauseElement)):
        return server_default_text(DefaultClause(default), dialect)
    return None


def sequence_default_text(column: sa.Column[Any], dialect: Dialect) -> str | None:
    """``nextval('<sequence>')`` for a column whose values come from a ``sa.Sequence``, on
    PostgreSQL; None elsewhere, or for an optional sequence (a plain SERIAL column there)."""
    sequence = column.default
    if dialect.name != "postgresql" or not isinstance(sequence, sa.Sequence) or sequence.optional:
        return None
    return sql_text(sequence.next_value(), dialect)


def column_def(column: sa.Column[Any], dialect: Dialect, *, sequence_default: bool = False) -> ColumnDef:
    """The column as the schema model holds it.

    ``sequence_default`` (the ``op`` functions set it): a column filled from a ``sa.Sequence``
    gets ``nextval('<sequence>')`` as its server default (unless it has one), so the database
    fills it by itself, as SQLAlchemy would on insert; the dialect creates the sequence. Models
    compared by autogenerate leave it off: SQLAlchemy's ``create_all`` sets no such default.
    """
    computed = column.computed
    server_default = server_default_text(column.server_default, dialect)
    if server_default is None and sequence_default:
        server_default = sequence_default_text(column, dialect)
    return ColumnDef(
        name=column.name,
        type=column.type,
        nullable=bool(column.nullable),
        server_default=server_default,
        comment=column.comment,
        autoincrement=column.autoincrement,
        computed=sql_text(computed.sqltext, dialect) if computed is not None else None,
        computed_persisted=computed.persisted if computed is not None else None,
        identity=column.identity is not None,
        identity_options=identity_options(column.identity),
        dialect_options=dialect_options(column, dialect),
    )


_IDENTITY_DEFAULTS = sa.Identity()


def identity_options(identity: sa.Identity | None) -> tuple[tuple[str, Any], ...]:
    """The arguments of an ``sa.Identity`` that differ from its defaults, to recreate it."""
    if identity is None:
        return ()
    names = ("always", "on_null", "start", "increment", "minvalue", "maxvalue", "cycle", "cache", "order")
    return tuple(
        (name, getattr(identity, name))
        for name in names
        if getattr(identity, name, None) != getattr(_IDENTITY_DEFAULTS, name, None)
    )


def _option_value(value: Any, dialect: Dialect) -> Any:
    """A dialect option as plain data: SQL expressions as text, columns by name, sequences as
    tuples, mappings as dicts sorted by key (as reflection reports them)."""
    if isinstance(value, sa.Column):
        return value.name
    if isinstance(value, sa.ClauseElement):
        return sql_text(value, dialect)
    if isinstance(value, (list, tuple)):
        return tuple(_option_value(v, dialect) for v in value)
    if isinstance(value, Mapping):
        return {str(k): _option_value(v, dialect) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return value


def dialect_options(item: Any, dialect: Dialect) -> DialectOptions:
    """The dialect keywords of a table, column, index or constraint (``postgresql_where``,
    ``postgresql_nulls_not_distinct``, ``mysql_length``, ``sqlite_on_conflict``...) as plain
    data that renders into a revision; every dialect's, as SQLAlchemy keeps them."""
    return freeze_options({key: _option_value(value, dialect) for key, value in item.dialect_kwargs.items()})


def index_options(index: sa.Index, dialect: Dialect) -> DialectOptions:
    """An index's dialect keywords (``postgresql_where``, ``postgresql_using``,
    ``postgresql_include``, ``postgresql_ops``...) as plain data that renders into a revision."""
    return dialect_options(index, dialect)


def index_def(index: sa.Index, dialect: Dialect) -> IndexDef:
    columns: list[str] = []
    flags: list[bool] = []
    for expr in index.expressions:
        if isinstance(expr, sa.Column):
            columns.append(expr.name)
            flags.append(False)
        else:
            columns.append(sql_text(expr, dialect))
            flags.append(True)
    return IndexDef(
        name=fit_optional(index.name, dialect, index=True) or "",
        columns=tuple(columns),
        unique=bool(index.unique),
        dialect_options=index_options(index, dialect),
        expressions=tuple(flags) if any(flags) else (),
    )


def table_def(table: sa.Table, dialect: Dialect, *, sequence_defaults: bool = False) -> TableDef:
    pk = table.primary_key
    fks: list[ForeignKeyDef] = []
    uniques: list[UniqueDef] = []
    checks: list[CheckDef] = []
    # A CHECK given to a Column is the column's own, not in ``table.constraints``; it is still the
    # table's CHECK the database reports.
    column_checks = [con for col in table.columns for con in col.constraints if isinstance(con, sa.CheckConstraint)]
    for con in sorted((*table.constraints, *column_checks), key=lambda c: c._creation_order):
        if isinstance(con, sa.ForeignKeyConstraint):
            # target_fullname names the referred column without resolving it, so a foreign key
            # to a table outside this MetaData (as in op.create_table) works too.
            targets = [e.target_fullname.split(".") for e in con.elements]
            fks.append(
                ForeignKeyDef(
                    columns=tuple(c.name for c in con.columns),
                    referred_table=targets[0][-2],
                    # A MetaData(schema=...) gives its schema to a target named without one.
                    referred_schema=".".join(targets[0][:-2]) or con.table.metadata.schema or None,
                    referred_columns=tuple(t[-1] for t in targets),
                    name=fit_optional(con.name, dialect),
                    ondelete=con.ondelete,
                    onupdate=con.onupdate,
                    deferrable=con.deferrable,
                    initially=con.initially,
                    match=con.match,
                    dialect_options=dialect_options(con, dialect),
                    use_alter=bool(con.use_alter),
                )
            )
        elif isinstance(con, sa.UniqueConstraint):
            uniques.append(
                UniqueDef(
                    tuple(c.name for c in con.columns),
                    fit_optional(con.name, dialect),
                    deferrable=con.deferrable,
                    initially=con.initially,
                    dialect_options=dialect_options(con, dialect),
                )
            )
        elif isinstance(con, sa.CheckConstraint) and is_created(con, dialect):
            checks.append(
                CheckDef(
                    sqltext=sql_text(con.sqltext, dialect),
                    name=fit_optional(con.name, dialect),
                    deferrable=con.deferrable,
                    initially=con.initially,
                    dialect_options=dialect_options(con, dialect),
                )
            )
    return TableDef(
        name=table.name,
        schema=table.schema,
        columns=tuple(column_def(c, dialect, sequence_default=sequence_defaults) for c in table.columns),
        primary_key=PrimaryKeyDef(
            tuple(c.name for c in pk.columns), fit_optional(pk.name, dialect), dialect_options(pk, dialect)
        )
        if pk.columns
        else None,
        foreign_keys=tuple(sorted(fks, key=lambda f: f.columns)),
        uniques=tuple(sorted(uniques, key=lambda u: u.columns)),
        checks=tuple(checks),
        indexes=tuple(sorted((index_def(i, dialect) for i in table.indexes), key=lambda i: i.name)),
        comment=table.comment,
        dialect_options=freeze_options(dict(table.dialect_kwargs)),
        prefixes=tuple(str(p) for p in table._prefixes),
    )


def is_created(constraint: sa.Constraint, dialect: Dialect) -> bool:
    """Whether SQLAlchemy would write the constraint for this dialect: a type's own CHECK has a
    rule (a Boolean's, for one, only where there is no native boolean, so not on PostgreSQL)."""
    rule = getattr(constraint, "_create_rule", None)
    return rule is None or bool(rule(dialect.ddl_compiler(dialect, None)))  # type: ignore[arg-type]


def schema_from_metadata(metadata: sa.MetaData, dialect: Dialect) -> SchemaDef:
    """The models' tables; on PostgreSQL also the named enum types their columns use."""
    schema = SchemaDef.of(table_def(t, dialect) for t in metadata.sorted_tables)
    if dialect.name != "postgresql":
        return schema
    return SchemaDef.of(schema, enum_types_used(schema).values())
