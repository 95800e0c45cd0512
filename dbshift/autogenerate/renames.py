"""Which drops and adds are renames: a pure function over two schema models and a questioner.

Without it a renamed table or column is compared as one dropped and one added, and the upgrade
loses its values. :func:`match_renames` finds the candidates and asks the questioner about each:

* **tables**: a table the database has and the models lack (not excluded) and one the models
  have and the database lacks, in the same schema, with the same column names and a compatible
  type for each column;
* **columns**: within a table both sides have, a column the database has and the models lack
  and one the models have and the database lacks, of compatible types.

Two types are *compatible* when the dialect sees them as equal
(:func:`dbshift.dialects.normalize.types_equal`: ``BOOLEAN`` and MariaDB's ``TINYINT(1)``) or
SQLAlchemy gives them the same type affinity (its family of values: every string type, ``Text``
and non-native ``Enum`` included; every integer; ``Numeric``; ``Float``; ``DateTime``; ``Date``;
JSON...). So ``VARCHAR(50)`` renamed and widened to ``String(200)`` is offered, an ``INTEGER``
that disappears beside a new ``VARCHAR`` is not.

Candidates are taken in a fixed order (tables by key, then columns in the database's order,
each against the new ones in the models' order); a pair is asked at most once, and a table or
column once paired is not offered again. The confirmed renames are applied to the database's
schema, so that the ordinary comparison then finds whatever else changed (a renamed column's
new type or nullability, a renamed table's indexes) and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from dbshift.autogenerate.questioner import ColumnRename, Questioner, TableRename
from dbshift.dialects.normalize import types_equal
from dbshift.operations.base import UNCHANGED, Operation
from dbshift.operations.column import AlterColumnOp
from dbshift.operations.table import RenameTableOp
from dbshift.schema.model import ColumnDef, SchemaDef, TableDef, table_key
from dbshift.schema.reflect import is_excluded


@dataclass(frozen=True)
class RenameMatch:
    ops: tuple[Operation, ...]
    """The confirmed renames, tables first: the upgrade's first operations."""
    current: SchemaDef
    """The database's schema with those renames applied: what to compare with the models."""
    unanswered: tuple[TableRename | ColumnRename, ...]
    """Candidates left without an answer (neither side paired otherwise): written as drop + add."""


def compatible(new: TypeEngine[Any], old: TypeEngine[Any], dialect: Dialect) -> bool:
    """Whether a column of type ``old`` may have become one of type ``new`` (see the module doc)."""
    return types_equal(new, old, dialect) or new._type_affinity is old._type_affinity


def match_renames(
    target: SchemaDef,
    current: SchemaDef,
    questioner: Questioner,
    dialect: Dialect,
    *,
    exclude: Iterable[str] = (),
) -> RenameMatch:
    """The renames the questioner confirms between ``current`` (database) and ``target`` (models)."""
    patterns = tuple(exclude)
    ops: list[Operation] = []
    pending: list[TableRename | ColumnRename] = []

    dropped = sorted(
        (t for t in current if t.key not in target and not is_excluded(t.name, patterns)), key=lambda t: t.key
    )
    added = sorted((t for t in target if t.key not in current), key=lambda t: t.key)
    taken: set[str] = set()
    for old in dropped:
        for new in added:
            if new.key in taken or not _same_table(old, new, dialect):
                continue
            answer = questioner.rename_table(old, new)
            if answer is None:
                pending.append(TableRename(old.name, new.name, old.schema))
            elif answer:
                rename = RenameTableOp(old.name, new.name, old.schema)
                ops.append(rename)
                current = rename.apply(current)
                taken.add(new.key)
                break

    for new_table in sorted(target, key=lambda t: t.key):
        old_table = current.tables.get(new_table.key)
        if old_table is None:
            continue
        for op in _column_renames(new_table, old_table, questioner, dialect, pending):
            ops.append(op)
            current = op.apply(current)

    unanswered = tuple(c for c in pending if _still_open(c, target, current))
    return RenameMatch(tuple(ops), current, unanswered)


def _same_table(old: TableDef, new: TableDef, dialect: Dialect) -> bool:
    """A table candidate: the same schema, column names, and compatible types."""
    if old.schema != new.schema or set(old.column_names) != set(new.column_names):
        return False
    for column in new.columns:
        before = old.column(column.name)
        if before is None or not compatible(column.type, before.type, dialect):
            return False
    return True


def _column_renames(
    target: TableDef,
    current: TableDef,
    questioner: Questioner,
    dialect: Dialect,
    pending: list[TableRename | ColumnRename],
) -> list[AlterColumnOp]:
    new_names = set(target.column_names)
    old_names = set(current.column_names)
    dropped = [c for c in current.columns if c.name not in new_names]
    added = [c for c in target.columns if c.name not in old_names]
    taken: set[str] = set()
    ops: list[AlterColumnOp] = []
    for old in dropped:
        for new in added:
            if new.name in taken or not compatible(new.type, old.type, dialect):
                continue
            answer = questioner.rename_column(current, old, new)
            if answer is None:
                pending.append(ColumnRename(current.name, old.name, new.name, current.schema))
            elif answer:
                ops.append(_rename_column(current, old, new))
                taken.add(new.name)
                break
    return ops


def _rename_column(table: TableDef, old: ColumnDef, new: ColumnDef) -> AlterColumnOp:
    """The rename alone, with what the column is (MySQL without RENAME COLUMN restates it)."""
    return AlterColumnOp(
        table.name,
        old.name,
        table.schema,
        new_column_name=new.name,
        existing_type=old.type,
        existing_nullable=old.nullable,
        existing_server_default=old.server_default,
        existing_comment=old.comment if old.comment is not None else UNCHANGED,
    )


def _still_open(candidate: TableRename | ColumnRename, target: SchemaDef, current: SchemaDef) -> bool:
    """Whether both sides of an unanswered candidate are still a drop and an add."""
    if isinstance(candidate, TableRename):
        old_key = table_key(candidate.old, candidate.schema)
        new_key = table_key(candidate.new, candidate.schema)
        return old_key in current and old_key not in target and new_key in target and new_key not in current
    db_table = current.get(candidate.table, candidate.schema)
    model_table = target.get(candidate.table, candidate.schema)
    if db_table is None or model_table is None:
        return False
    return (
        db_table.column(candidate.old) is not None
        and model_table.column(candidate.old) is None
        and model_table.column(candidate.new) is not None
        and db_table.column(candidate.new) is None
    )
