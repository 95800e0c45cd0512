"""Build SQLAlchemy ``Table`` objects from the schema model, so DDL is compiled by SQLAlchemy.

Each call builds into a throwaway ``MetaData``. Tables named by foreign keys get stub tables
holding just the referred columns, so SQLAlchemy can compile the references without the whole
schema.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import NullType

from dbshift.schema.model import (
    CheckDef,
    ColumnDef,
    ConstraintDef,
    DialectOptions,
    ForeignKeyDef,
    IndexDef,
    PrimaryKeyDef,
    TableDef,
    UniqueDef,
)


def sa_column(col: ColumnDef, *, primary_key: bool = False) -> sa.Column[Any]:
    args: list[Any] = []
    if col.computed is not None:
        args.append(sa.Computed(sa.text(col.computed), persisted=col.computed_persisted))
    if col.identity:
        args.append(sa.Identity(**dict(col.identity_options)))
    return sa.Column(
        col.name,
        _without_own_constraint(col.type),
        *args,
        nullable=col.nullable,
        primary_key=primary_key,
        server_default=sa.text(col.server_default) if col.server_default is not None else None,
        comment=col.comment,
        autoincrement=col.autoincrement,  # type: ignore[arg-type]
        **sa_options(col.dialect_options),
    )


def _without_own_constraint(type_: Any) -> Any:
    """A type that makes no CHECK of its own (a non-native Enum, a Boolean with
    ``create_constraint=True``): the table's checks already hold that constraint, once."""
    if not getattr(type_, "create_constraint", False):
        return type_
    plain = type_.copy()
    plain.create_constraint = False
    return plain


def _referred_target(fk: ForeignKeyDef, column: str) -> str:
    prefix = f"{fk.referred_schema}." if fk.referred_schema else ""
    return f"{prefix}{fk.referred_table}.{column}"


def ensure_referred_tables(metadata: sa.MetaData, fks: tuple[ForeignKeyDef, ...]) -> None:
    """Stub tables for what foreign keys point at, unless they are already in ``metadata``."""
    for fk in fks:
        key = f"{fk.referred_schema}.{fk.referred_table}" if fk.referred_schema else fk.referred_table
        existing = metadata.tables.get(key)
        if existing is None:
            existing = sa.Table(fk.referred_table, metadata, schema=fk.referred_schema)
        for name in fk.referred_columns:
            if name not in existing.c:
                existing.append_column(sa.Column(name, NullType()))


def sa_options(options: DialectOptions) -> dict[str, Any]:
    """Dialect keywords as SQLAlchemy takes them: an SQL condition (``postgresql_where``,
    ``sqlite_where``) held as text becomes ``sa.text()``; SQLite's compiler takes no plain string."""
    return {k: sa.text(v) if k.endswith("_where") and isinstance(v, str) else v for k, v in options}


def sa_constraint(con: ConstraintDef) -> sa.Constraint:
    options = sa_options(con.dialect_options)
    if isinstance(con, PrimaryKeyDef):
        return sa.PrimaryKeyConstraint(*con.columns, name=con.name, **options)
    if isinstance(con, UniqueDef):
        return sa.UniqueConstraint(
            *con.columns, name=con.name, deferrable=con.deferrable, initially=con.initially, **options
        )
    if isinstance(con, CheckDef):
        return sa.CheckConstraint(
            sa.text(con.sqltext), name=con.name, deferrable=con.deferrable, initially=con.initially, **options
        )
    return sa.ForeignKeyConstraint(
        list(con.columns),
        [_referred_target(con, c) for c in con.referred_columns],
        name=con.name,
        ondelete=con.ondelete,
        onupdate=con.onupdate,
        deferrable=con.deferrable,
        initially=con.initially,
        match=con.match,
        **options,
    )


def sa_table(table: TableDef, metadata: sa.MetaData | None = None, *, with_indexes: bool = True) -> sa.Table:
    md = metadata if metadata is not None else sa.MetaData()
    ensure_referred_tables(md, tuple(f for f in table.foreign_keys if f.referred_table != table.name))
    items: list[Any] = [sa_column(c) for c in table.columns]
    constraints: tuple[ConstraintDef, ...] = (*table.foreign_keys, *table.uniques, *table.checks)
    if table.primary_key is not None:
        constraints = (table.primary_key, *constraints)
    items.extend(sa_constraint(c) for c in constraints)
    result = sa.Table(
        table.name,
        md,
        *items,
        schema=table.schema,
        comment=table.comment,
        prefixes=list(table.prefixes),
        **dict(table.dialect_options),
    )
    if with_indexes:
        for ix in table.indexes:
            sa_index(ix, result)
    return result


def stub_table(name: str, schema: str | None, columns: tuple[str, ...] = ()) -> sa.Table:
    """A table holding only what a statement needs to name (for ALTER, DROP, constraints)."""
    return sa.Table(name, sa.MetaData(), *(sa.Column(c, NullType()) for c in columns), schema=schema)


def sa_index(ix: IndexDef, table: sa.Table) -> sa.Index:
    options = sa_options(ix.dialect_options)
    ops = dict(options.get("postgresql_ops") or {})
    # An expression's operator class: the models key it by the expression's label, which the
    # schema model does not keep, the database by its text. Keys naming no column go to the
    # expressions in turn; SQLAlchemy finds it by the element's key, a literal column's text.
    spare = iter(k for k in list(ops) if k not in ix.columns)
    elements: list[Any] = []
    for pos, name in enumerate(ix.columns):
        if ix.is_expression(pos):
            if ops and name not in ops:
                key = next(spare, None)
                if key is not None:
                    ops[name] = ops.pop(key)
            elements.append(sa.literal_column(name) if name in ops else sa.text(name))
        else:
            if name not in table.c:
                table.append_column(sa.Column(name, NullType()))
            elements.append(table.c[name])
    if ops:
        options["postgresql_ops"] = ops
    index = sa.Index(ix.name, *elements, unique=ix.unique, **options)
    if index.table is None:
        index._set_parent(table)  # expression-only index: attach explicitly
    return index
