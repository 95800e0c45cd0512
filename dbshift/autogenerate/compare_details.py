"""What :mod:`dbshift.autogenerate.compare` asks of one existing table beyond columns, indexes,
unique constraints and foreign keys: CHECK constraints, the primary key, generated columns and
PostgreSQL identity columns.

Each function returns the operations for the steps of that module's order: what is dropped
(step 3, before columns change) and what is added (step 5, after), or the column changes of
step 4. Pure functions of two table models and a dialect, as the rest of the comparison.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from dbshift.dialects.normalize import MYSQL_LIKE
from dbshift.dialects.normalize_check import checks_equal, normalize_check
from dbshift.operations.base import Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.schema.from_metadata import is_created, sql_text
from dbshift.schema.model import CheckDef, ColumnDef, DialectOptions, IndexDef, TableDef, sql_mentions
from dbshift.schema.names import fit_name
from dbshift.schema.reflect import identity_without_defaults

Changes = tuple[list[Operation], list[Operation]]
"""(dropped before columns change, added after)."""


# -- CHECK constraints --------------------------------------------------------------------------
def check_changes(target: TableDef, current: TableDef, dialect: Dialect) -> Changes:
    """CHECK constraints: a check the models name is the database's of that name, and differs
    when its condition does (:func:`dbshift.dialects.normalize.checks_equal`); an unnamed one is
    any of the database's left over with the same condition, whatever name the database gave it
    (PostgreSQL's ``<table>_<column>_check``, MariaDB's ``CONSTRAINT_1``, none on SQLite). A
    changed check is dropped and added."""
    name, schema = target.name, target.schema
    drops: list[Operation] = []
    adds: list[Operation] = []
    left = list(current.checks)
    unmatched: list[CheckDef] = []
    for check in target.checks:
        same = next((c for c in left if check.name is not None and c.name == check.name), None)
        if same is not None:
            left.remove(same)
            if not checks_equal(check.sqltext, same.sqltext, dialect.name):
                drops.append(DropConstraintOp(name, same.name, "check", schema, constraint=same))
                adds.append(AddConstraintOp(name, check, schema))
            continue
        unmatched.append(check)
    for check in unmatched:
        same = next((c for c in left if checks_equal(check.sqltext, c.sqltext, dialect.name)), None)
        if same is not None and (check.name is None or same.name is None):
            left.remove(same)
            continue
        named = _named_check(check, target, dialect)
        adds.append(AddConstraintOp(name, named, schema, invented_name=check.name is None))
    drops.extend(DropConstraintOp(name, check.name, "check", schema, constraint=check) for check in left)
    return drops, adds


def leave_type_checks_to_alter_column(
    steps: Sequence[Operation], ops: list[Operation], dialect: Dialect
) -> list[Operation]:
    """``ops`` (CHECK drops or adds) without those an ``alter_column`` among ``steps`` makes
    itself: a type change drops the named CHECK its ``existing_type`` makes (a non-native enum's,
    a Boolean's with ``create_constraint=True``) and adds its new type's (Alembic's rule, see
    :mod:`dbshift.autogenerate.enums`)."""
    made: set[tuple[str, str | None, str]] = set()
    for op in steps:
        if not isinstance(op, AlterColumnOp) or op.type is None:
            continue
        for type_, named_only in ((op.existing_type, True), (op.type, False)):
            for check in type_checks(op.final_name, type_, dialect):
                if check.name is not None or not named_only:
                    made.add((op.table_name, op.schema, check.name or normalize_check(check.sqltext, dialect.name)))

    def key(op: Operation) -> tuple[str, str | None, str] | None:
        if not isinstance(op, (AddConstraintOp, DropConstraintOp)) or not isinstance(op.constraint, CheckDef):
            return None
        con = op.constraint
        name = con.name if con.name is not None and (op.table_name, op.schema, con.name) in made else None
        return (op.table_name, op.schema, name or normalize_check(con.sqltext, dialect.name))

    return [op for op in ops if key(op) not in made]


def type_checks(column: str, type_: TypeEngine[Any] | None, dialect: Dialect) -> list[CheckDef]:
    """The CHECK constraints a column of this type makes by itself on this dialect."""
    if type_ is None or not getattr(type_, "create_constraint", False):
        return []
    table = sa.Table("_dbshift_type", sa.MetaData(), sa.Column(column, type_.copy()))
    return [
        CheckDef(sql_text(c.sqltext, dialect), c.name if isinstance(c.name, str) else None)
        for c in table.constraints
        if isinstance(c, sa.CheckConstraint) and is_created(c, dialect)
    ]


def _named_check(check: CheckDef, table: TableDef, dialect: Dialect) -> CheckDef:
    """A check added to an existing table, named if the models leave it unnamed (so that the
    downgrade can drop it): PostgreSQL's own choice, ``<table>_<column>_check`` when the condition
    names one column, ``<table>_check`` otherwise. (A MetaData naming convention with a ``ck``
    entry has named it already.)"""
    if check.name is not None:
        return check
    columns = [c for c in table.column_names if sql_mentions(check.sqltext, c)]
    parts = (table.name, columns[0], "check") if len(columns) == 1 else (table.name, "check")
    return replace(check, name=fit_name("_".join(parts), dialect))


# -- primary keys -------------------------------------------------------------------------------
def primary_key_changes(target: TableDef, current: TableDef, dialect: Dialect) -> Changes:
    """The primary key differs when its columns (or their order) do; names do not count (MariaDB
    names every key PRIMARY). The old key is dropped before columns change (so that its columns
    can go) and the new one added after (once its columns exist); unnamed in the models, it gets
    PostgreSQL's name, ``<table>_pkey``, so that the downgrade can drop it."""
    old, new = current.primary_key, target.primary_key
    if (old.columns if old else ()) == (new.columns if new else ()):
        return [], []
    name, schema = target.name, target.schema
    drops: list[Operation] = []
    adds: list[Operation] = []
    if old is not None:
        if dialect.name in MYSQL_LIKE:
            drops.extend(_auto_increment_off(target, current, old.columns))
        drops.append(DropConstraintOp(name, old.name, "primary", schema, constraint=old))
    if new is not None:
        invented = new.name is None
        if invented:
            new = replace(new, name=fit_name(f"{name}_pkey", dialect))
        adds.append(AddConstraintOp(name, new, schema, invented_name=invented))
    return drops, adds


def _auto_increment_off(target: TableDef, current: TableDef, key: Sequence[str]) -> list[AlterColumnOp]:
    """MySQL refuses to drop the primary key of an AUTO_INCREMENT column ("there can be only one
    auto column and it must be defined as a key"): a key column the models no longer make
    autoincrementing loses AUTO_INCREMENT first (and the downgrade gives it back after the key)."""
    new_key = target.primary_key.columns if target.primary_key else ()
    ops = []
    for column in key:
        now, then = current.column(column), target.column(column)
        if now is None or now.autoincrement is not True:
            continue
        if then is not None and column in new_key and then.autoincrement in (True, "auto"):
            continue
        ops.append(
            AlterColumnOp(
                target.name,
                column,
                target.schema,
                existing_type=now.type,
                existing_nullable=now.nullable,
                existing_server_default=now.server_default,
                existing_comment=now.comment,
                dialect_options=(("autoincrement", False), ("existing_autoincrement", True)),
            )
        )
    return ops


# -- generated columns --------------------------------------------------------------------------
def computed_changed(target: ColumnDef, current: ColumnDef, dialect: Dialect) -> bool:
    """Whether a generated column's expression (normalized as a CHECK's is), or the column being
    generated at all, differs; or STORED/VIRTUAL, where the database reports it (``persisted``
    left out in the models is the backend's default: STORED on PostgreSQL before 18, VIRTUAL on
    MariaDB and SQLite)."""
    if (target.computed is None) != (current.computed is None):
        return True
    if target.computed is None or current.computed is None:
        return False
    if not checks_equal(target.computed, current.computed, dialect.name):
        return True
    if current.computed_persisted is None:
        return False
    version = dialect.server_version_info or ()
    default = dialect.name == "postgresql" and tuple(version[:1]) < (18,)
    wanted = default if target.computed_persisted is None else target.computed_persisted
    return wanted != current.computed_persisted


def made_plain_in_place(target: ColumnDef, current: ColumnDef, dialect: Dialect) -> bool:
    """Whether a generated column the models make plain is changed in place, keeping its
    values: PostgreSQL's ``DROP EXPRESSION`` and MariaDB's ``MODIFY`` for a STORED one; SQLite's
    rebuild copies the values of either kind. Otherwise it is dropped and added."""
    if target.computed is not None or current.computed is None:
        return False
    return dialect.name == "sqlite" or current.computed_persisted is True


def made_plain(
    table: str, schema: str | None, alter: AlterColumnOp | None, target: ColumnDef, current: ColumnDef
) -> AlterColumnOp:
    """The column's other changes (``alter``, if any), and its generation dropped."""
    base = alter or AlterColumnOp(
        table,
        target.name,
        schema,
        existing_type=current.type,
        existing_nullable=current.nullable,
        existing_server_default=current.server_default,
    )
    return replace(base, computed=None, existing_computed=(current.computed or "", current.computed_persisted))


def recreated_column(
    target: TableDef,
    current: TableDef,
    column: ColumnDef,
    dropped_indexes: Collection[str],
    added_indexes: Collection[str],
) -> tuple[list[Operation], list[Operation], list[Operation]]:
    """A column whose generation changed, dropped and added again, which loses nothing when both
    are generated (the values are computed again): (the indexes on it and the column, dropped
    before columns are added so that the name is free; the column added; its indexes created
    again). Indexes already being dropped or added are left to that."""
    name, schema = target.name, target.schema
    existing = current.column(column.name)
    assert existing is not None

    def uses(index: IndexDef) -> bool:
        return any(
            sql_mentions(c, column.name) if index.is_expression(i) else c == column.name
            for i, c in enumerate(index.columns)
        )

    drops: list[Operation] = [
        DropIndexOp(ix.name, name, schema, index=ix)
        for ix in current.indexes
        if uses(ix) and ix.name not in dropped_indexes
    ]
    drops.append(DropColumnOp(name, column.name, schema, column=existing))
    indexes: list[Operation] = [
        CreateIndexOp(name, ix, schema) for ix in target.indexes if uses(ix) and ix.name not in added_indexes
    ]
    return drops, [AddColumnOp(name, column, schema)], indexes


# -- identity columns ---------------------------------------------------------------------------
def identity_of(column: ColumnDef) -> DialectOptions | None:
    """PostgreSQL's identity as compared: None for none, else its options other than the defaults
    (which the database reports spelled out and a model leaves out)."""
    if not column.identity:
        return None
    return identity_without_defaults(dict(column.identity_options), column.type)
