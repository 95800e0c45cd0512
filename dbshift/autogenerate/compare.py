"""Compare the models' schema with the database's and produce the operations between them.

A pure function of two schema models and a dialect: no connection, no prompts. The resulting
upgrade operations are ordered so they run (drop what depends on a column before the column,
create a table before its indexes); the downgrade is their reverses in reverse order.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Dialect

from dbshift.dialects.features import features_for
from dbshift.dialects.normalize import defaults_equal, types_equal
from dbshift.operations.base import UNCHANGED, Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.table import CreateTableCommentOp, CreateTableOp, DropTableCommentOp, DropTableOp
from dbshift.schema.model import ColumnDef, IndexDef, SchemaDef, TableDef, UniqueDef
from dbshift.schema.reflect import is_excluded


def compare_schemas(
    target: SchemaDef,
    current: SchemaDef,
    dialect: Dialect,
    *,
    exclude: Iterable[str] = (),
) -> list[Operation]:
    """Operations turning ``current`` (the database) into ``target`` (the models)."""
    patterns = tuple(exclude)
    ops: list[Operation] = []
    for table in target:
        if table.key not in current:
            ops.append(CreateTableOp(table.replace(indexes=())))
            ops.extend(CreateIndexOp(table.name, ix, table.schema) for ix in table.indexes)
    for table in target:
        existing = current.tables.get(table.key)
        if existing is not None:
            ops.extend(compare_tables(table, existing, dialect))
    removed = [t for t in current if t.key not in target and not is_excluded(t.name, patterns)]
    for table in _drop_order(removed):
        ops.extend(DropIndexOp(ix.name, table.name, table.schema, index=ix) for ix in table.indexes)
        ops.append(DropTableOp(table.name, table.schema, table=table.replace(indexes=())))
    return ops


def reverse_ops(ops: Iterable[Operation]) -> list[Operation]:
    return [op.reverse() for op in reversed(list(ops))]


def _drop_order(tables: list[TableDef]) -> list[TableDef]:
    """Tables that others (among those dropped) refer to are dropped last."""
    names = {t.name for t in tables}
    remaining = {t.name: t for t in tables}
    ordered: list[TableDef] = []
    while remaining:
        referenced = {
            fk.referred_table
            for t in remaining.values()
            for fk in t.foreign_keys
            if fk.referred_table in names and fk.referred_table != t.name
        }
        ready = [t for name, t in sorted(remaining.items()) if name not in referenced] or [
            remaining[sorted(remaining)[0]]
        ]
        for t in ready:
            ordered.append(t)
            remaining.pop(t.name)
    return ordered


def _mysql_like(dialect: Dialect) -> bool:
    return dialect.name in ("mysql", "mariadb")


def _db_indexes(target: TableDef, current: TableDef, dialect: Dialect) -> tuple[list[IndexDef], list[UniqueDef]]:
    """The database's indexes and unique constraints as the models would spell them.

    MySQL reports a unique index as a unique constraint too, and creates an index for each
    foreign key by itself; neither should show up as a difference.
    """
    indexes = list(current.indexes)
    uniques = list(current.uniques)
    if _mysql_like(dialect):
        model_index_names = {ix.name for ix in target.indexes}
        for uq in list(uniques):
            if uq.name in model_index_names:
                uniques.remove(uq)
                indexes.append(IndexDef(uq.name, uq.columns, unique=True))
        fk_columns = [fk.columns for fk in current.foreign_keys]
        indexes = [
            ix
            for ix in indexes
            if ix.name in model_index_names
            or not any(ix.columns[: len(cols)] == cols for cols in fk_columns)
        ]
    return indexes, uniques


def compare_tables(target: TableDef, current: TableDef, dialect: Dialect) -> list[Operation]:
    features = features_for(dialect.name)
    name, schema = target.name, target.schema
    drops: list[Operation] = []
    adds: list[Operation] = []

    target_fks = {fk.signature: fk for fk in target.foreign_keys}
    current_fks = {fk.signature: fk for fk in current.foreign_keys}
    for sig, fk in current_fks.items():
        if sig not in target_fks:
            drops.append(DropConstraintOp(name, fk.name, "foreignkey", schema, constraint=fk))
    for sig, fk in target_fks.items():
        if sig not in current_fks:
            adds.append(AddConstraintOp(name, fk, schema))

    db_indexes, db_uniques = _db_indexes(target, current, dialect)
    current_ix = {ix.name: ix for ix in db_indexes}
    target_ix = {ix.name: ix for ix in target.indexes}
    for ix_name, ix in current_ix.items():
        other = target_ix.get(ix_name)
        if other is None or (other.columns, other.unique) != (ix.columns, ix.unique):
            drops.append(DropIndexOp(ix_name, name, schema, index=ix))
    for ix_name, ix in target_ix.items():
        other = current_ix.get(ix_name)
        if other is None or (other.columns, other.unique) != (ix.columns, ix.unique):
            adds.append(CreateIndexOp(name, ix, schema))

    current_uq = {uq.columns: uq for uq in db_uniques}
    target_uq = {uq.columns: uq for uq in target.uniques}
    for cols, uq in current_uq.items():
        if cols not in target_uq:
            drops.append(DropConstraintOp(name, uq.name, "unique", schema, constraint=uq))
    for cols, uq in target_uq.items():
        if cols not in current_uq:
            adds.append(AddConstraintOp(name, uq, schema))

    added_columns: list[Operation] = []
    altered: list[Operation] = []
    dropped_columns: list[Operation] = []
    current_cols = {c.name: c for c in current.columns}
    target_names = set(target.column_names)
    for col in target.columns:
        existing = current_cols.get(col.name)
        if existing is None:
            added_columns.append(AddColumnOp(name, col, schema))
        else:
            alter = compare_columns(name, schema, col, existing, dialect, comments=features.comments)
            if alter is not None:
                altered.append(alter)
    for col in current.columns:
        if col.name not in target_names:
            dropped_columns.append(DropColumnOp(name, col.name, schema, column=col))

    comment_ops: list[Operation] = []
    if features.comments and (target.comment or None) != (current.comment or None):
        if target.comment:
            comment_ops.append(CreateTableCommentOp(name, target.comment, current.comment, schema))
        else:
            comment_ops.append(DropTableCommentOp(name, current.comment, schema))
    return [*drops, *added_columns, *altered, *dropped_columns, *adds, *comment_ops]


def compare_columns(
    table: str,
    schema: str | None,
    target: ColumnDef,
    current: ColumnDef,
    dialect: Dialect,
    *,
    comments: bool = True,
) -> AlterColumnOp | None:
    type_changed = not types_equal(target.type, current.type, dialect)
    nullable_changed = target.nullable != current.nullable
    default_changed = target.computed is None and not defaults_equal(
        target.server_default, current.server_default, dialect.name
    )
    comment_changed = comments and (target.comment or None) != (current.comment or None)
    if not (type_changed or nullable_changed or default_changed or comment_changed):
        return None
    return AlterColumnOp(
        table,
        target.name,
        schema,
        nullable=target.nullable if nullable_changed else None,
        type=target.type if type_changed else None,
        server_default=target.server_default if default_changed else UNCHANGED,
        comment=target.comment if comment_changed else UNCHANGED,
        existing_type=current.type,
        existing_nullable=current.nullable,
        existing_server_default=current.server_default,
        existing_comment=current.comment if comments else UNCHANGED,
    )
