"""The order a batch block's steps run in, so that the result does not depend on how they were
written down.

Alembic's batch mode collects a block's steps and builds the table at the end, so a revision
may create an index on a column it adds further down, or drop a column before the constraint
on it. dbshift runs the steps as operations (merged into one rebuild on SQLite), in this order:

1. drops of indexes and constraints, first: a constraint is gone before a column it covers,
   whichever was written first (dropping the column first would have dropped it already);
2. column changes (add, alter, rename, drop) and comments, in the order written, since they
   depend on one another (a column is altered after it is added, under the name it has then);
3. indexes and constraints created, last, after every column they cover exists, under the
   names their columns have at the end of the block (a rename written after them is followed).

Several ``alter_column`` steps on one column become one (the last value given for each
attribute wins), so the column's changes are carried out in the dialect's own order whatever the
order written: PostgreSQL, for one, keeps a default set before a type change with the old type's
cast (``'5'::integer``) and one set after it with the new one's.

An index or constraint created and dropped again in the same block does neither. A check
constraint or expression index whose SQL names a column renamed after it stays where it was
written: its SQL cannot be rewritten safely (SQLite's RENAME COLUMN rewrites it there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dbshift.operations.base import UNCHANGED, Operation
from dbshift.operations.column import (
    AddColumnOp,
    AlterColumnOp,
    DropColumnOp,
    rename_column_refs,
    rename_referring_columns,
)
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.schema.model import (
    CheckDef,
    ConstraintDef,
    ForeignKeyDef,
    PrimaryKeyDef,
    SchemaDef,
    TableDef,
    UniqueDef,
    sql_mentions,
)

Rename = tuple[str, str]


def _renames(steps: Sequence[Operation]) -> list[tuple[int, Rename]]:
    return [
        (position, (op.column_name, op.new_column_name))
        for position, op in enumerate(steps)
        if isinstance(op, AlterColumnOp) and op.new_column_name and op.new_column_name != op.column_name
    ]


def _holding(table_name: str, con: ConstraintDef) -> TableDef:
    """A table holding nothing but ``con``, to rename its columns with the column operations' rules."""
    if isinstance(con, PrimaryKeyDef):
        return TableDef(table_name, primary_key=con)
    if isinstance(con, ForeignKeyDef):
        return TableDef(table_name, foreign_keys=(con,))
    if isinstance(con, UniqueDef):
        return TableDef(table_name, uniques=(con,))
    return TableDef(table_name, checks=(con,))


def _renamed_constraint(table_name: str, con: ConstraintDef, old: str, new: str) -> ConstraintDef:
    table = rename_column_refs(_holding(table_name, con), old, new)
    if isinstance(con, ForeignKeyDef) and con.referred_table == table_name:  # refers to its own table
        table = rename_referring_columns(SchemaDef.of([table]), table, old, new).get(table_name) or table
    found: tuple[ConstraintDef, ...] = (
        *((table.primary_key,) if table.primary_key else ()),
        *table.foreign_keys,
        *table.uniques,
        *table.checks,
    )
    return found[0]


def _mentions(op: Operation, column: str) -> bool:
    """Whether a created object names the column in SQL text (a CHECK, an index expression)."""
    if isinstance(op, AddConstraintOp) and isinstance(op.constraint, CheckDef):
        return sql_mentions(op.constraint.sqltext, column)
    if isinstance(op, CreateIndexOp):
        return any(op.index.is_expression(i) and sql_mentions(c, column) for i, c in enumerate(op.index.columns))
    return False


def _renamed(op: Operation, old: str, new: str) -> Operation:
    """A created index or constraint with a column's new name (or a dropped one's old name)."""
    if isinstance(op, CreateIndexOp):
        (index,) = rename_column_refs(TableDef(op.table_name, indexes=(op.index,)), old, new).indexes
        return replace(op, index=index)
    if isinstance(op, AddConstraintOp):
        return replace(op, constraint=_renamed_constraint(op.table_name, op.constraint, old, new))
    if isinstance(op, DropConstraintOp) and op.constraint is not None:
        return replace(op, constraint=_renamed_constraint(op.table_name, op.constraint, old, new))
    return op


def _created_name(op: Operation) -> tuple[str, str] | None:
    if isinstance(op, CreateIndexOp):
        return ("index", op.index.name)
    if isinstance(op, AddConstraintOp) and op.constraint.name:
        return ("constraint", op.constraint.name)
    return None


def _dropped_name(op: Operation) -> tuple[str, str] | None:
    if isinstance(op, DropIndexOp):
        return ("index", op.index_name)
    if isinstance(op, DropConstraintOp) and op.constraint_name:
        return ("constraint", op.constraint_name)
    return None


def _column_names(op: Operation) -> set[str] | None:
    """The column names a column step involves; None for a step of another kind."""
    if isinstance(op, AddColumnOp):
        return {op.column.name}
    if isinstance(op, DropColumnOp):
        return {op.column_name}
    if isinstance(op, AlterColumnOp):
        return {op.column_name, op.final_name}
    return None


def _merged(first: AlterColumnOp, then: AlterColumnOp) -> AlterColumnOp:
    """One alter_column doing what ``first`` and then ``then`` do: the later value of each
    attribute, the earlier ``existing_*`` hints (they describe the column before both)."""
    new_name = then.new_column_name or first.new_column_name
    return replace(
        first,
        nullable=then.nullable if then.nullable is not None else first.nullable,
        type=then.type if then.type is not None else first.type,
        server_default=first.server_default if then.server_default is UNCHANGED else then.server_default,
        comment=first.comment if then.comment is UNCHANGED else then.comment,
        new_column_name=None if new_name == first.column_name else new_name,
        existing_type=first.existing_type if first.existing_type is not None else then.existing_type,
        existing_nullable=first.existing_nullable if first.existing_nullable is not None else then.existing_nullable,
        existing_server_default=then.existing_server_default
        if first.existing_server_default is UNCHANGED
        else first.existing_server_default,
        existing_comment=then.existing_comment if first.existing_comment is UNCHANGED else first.existing_comment,
        dialect_options=tuple(sorted({**dict(first.dialect_options), **dict(then.dialect_options)}.items())),
    )


def _joinable(out: Sequence[Operation], op: AlterColumnOp) -> int | None:
    """Where in ``out`` the alter_column is that ``op`` can join: the previous one on the same
    column, when only steps on other columns come between (they commute with it)."""
    for at in range(len(out) - 1, -1, -1):
        earlier = out[at]
        if isinstance(earlier, AlterColumnOp) and earlier.final_name == op.column_name:
            names = {earlier.column_name, op.column_name, op.final_name}
            between = [_column_names(o) for o in out[at + 1 :]]
            return at if all(b is not None and not b & names for b in between) else None
        touched = _column_names(earlier)
        if touched is None or op.column_name in touched:
            return None
    return None


def _with_alters_merged(changes: Sequence[Operation]) -> list[Operation]:
    out: list[Operation] = []
    for op in changes:
        at = _joinable(out, op) if isinstance(op, AlterColumnOp) else None
        earlier = out[at] if at is not None else None
        if isinstance(earlier, AlterColumnOp) and isinstance(op, AlterColumnOp) and at is not None:
            out[at] = _merged(earlier, op)
        else:
            out.append(op)
    return out


def batch_order(steps: Sequence[Operation]) -> list[Operation]:
    """The steps of one batch block in the order they run (see the module docstring)."""
    renames = _renames(steps)
    drops: list[Operation] = []
    changes: list[tuple[int, Operation]] = []
    creates: list[tuple[int, Operation]] = []
    for position, op in enumerate(steps):
        dropped = _dropped_name(op)
        if dropped is not None and any(_created_name(c) == dropped for _, c in creates):
            creates = [(p, c) for p, c in creates if _created_name(c) != dropped]  # made and dropped: neither
            continue
        if isinstance(op, (DropIndexOp, DropConstraintOp)):
            for _, (old, new) in reversed([r for r in renames if r[0] < position]):
                op = _renamed(op, new, old)  # named by its columns: as they were named at the start
            drops.append(op)
        elif isinstance(op, (CreateIndexOp, AddConstraintOp)):
            later = [rename for at, rename in renames if at > position]
            if any(_mentions(op, old) for old, _ in later):
                changes.append((position, op))
                continue
            for old, new in later:
                op = _renamed(op, old, new)
            creates.append((position, op))
        else:
            changes.append((position, op))
    return [*drops, *_with_alters_merged([op for _, op in changes]), *(op for _, op in creates)]
