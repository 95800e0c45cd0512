"""SQLite: what ``ALTER TABLE`` cannot do is done by rebuilding the table, merged per table.

SQLite's ALTER TABLE can add, drop and rename columns and rename tables. Adding a column whose
default is not a constant (``CURRENT_TIMESTAMP``, ``(datetime('now'))``: ``ADD COLUMN`` refuses
it on a table holding rows), changing a column's type, nullability or default, adding or
dropping a constraint, or dropping a column that an index or constraint uses needs a table
rebuild (:mod:`dbshift.dialects.sqlite_rebuild`).
Consecutive operations on one table are applied to its schema model and carried out by a
single rebuild, emitted when an operation on something else arrives or the revision ends.
``create_primary_key`` replaces the table's primary key, as Alembic's batch mode does (SQLite
has no ``ALTER TABLE ... ADD PRIMARY KEY`` to refuse a second one). Comments do not exist on
SQLite: comment operations do nothing.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.expression import Executable

from dbshift.dialects import ddl
from dbshift.dialects.base import DialectImpl, SchemaLookup, UnsupportedOperation
from dbshift.dialects.sqlite_disk import TableOnDisk, read_table
from dbshift.dialects.sqlite_rebuild import PendingRebuild
from dbshift.operations.base import Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.schema.model import PrimaryKeyDef, SchemaDef, TableDef, sql_mentions
from dbshift.schema.to_sa import stub_table

_CONSTANT_DEFAULT = re.compile(
    r"""\(*\s*(?:[+-]?\s*(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|0x[0-9a-f]+|'(?:[^']|'')*'|x'[0-9a-f]*'|null|true|false)\s*\)*""",
    re.IGNORECASE,
)
"""A default ``ALTER TABLE ... ADD COLUMN`` accepts: a number, a string or blob literal, NULL,
TRUE or FALSE. Anything else (``CURRENT_TIMESTAMP``, a function call, an expression) is not a
constant, and SQLite refuses to add such a column to a table holding rows."""

TABLE_OPS = (AddColumnOp, DropColumnOp, AlterColumnOp, AddConstraintOp, DropConstraintOp, CreateIndexOp, DropIndexOp)


def _uses_column(table: TableDef, column: str) -> bool:
    """Whether SQLite's native DROP COLUMN would refuse: an index or constraint needs the column."""
    pk = table.primary_key.columns if table.primary_key else ()
    return (
        column in pk
        or any(column in ix.columns or any(sql_mentions(c, column) for c in ix.columns) for ix in table.indexes)
        or any(column in u.columns for u in table.uniques)
        or any(column in f.columns for f in table.foreign_keys)
        or any(sql_mentions(c.sqltext, column) for c in table.checks)
    )


def is_constant_default(sql: str) -> bool:
    """Whether ``ADD COLUMN`` takes ``DEFAULT <sql>``, rows or not."""
    return _CONSTANT_DEFAULT.fullmatch(sql.strip()) is not None and sql.count("(") == sql.count(")")


class SQLiteImpl(DialectImpl):
    name = "sqlite"

    def __init__(self, dialect: Dialect, lookup: SchemaLookup | None = None) -> None:
        super().__init__(dialect, lookup)
        self._pending: PendingRebuild | None = None

    # -- merging ------------------------------------------------------------------------------
    def statements(self, op: Operation) -> list[Executable]:
        self.check_keywords(op)
        table_name = getattr(op, "table_name", None)
        pending = self._pending
        if pending is not None and isinstance(op, TABLE_OPS) and table_name == pending.table.name:
            self._merge(pending, op)
            return []
        out = self.flush()
        disk = self._rebuild_source(op)
        if disk is not None:
            self._pending = PendingRebuild.start(disk)
            self._merge(self._pending, op)
            return out
        return out + super().statements(op)

    def flush(self) -> list[Executable]:
        pending, self._pending = self._pending, None
        return pending.statements() if pending is not None else []

    def _connection(self, op: Operation) -> Connection:
        lookup = self._require_lookup(f"SQLite's table rebuild ({op.describe()})")
        return lookup.connection

    def _merge(self, pending: PendingRebuild, op: Operation) -> None:
        if getattr(op, "schema", None):
            raise UnsupportedOperation(f"SQLite table rebuild with schema= is not supported ({op.describe()})")
        if isinstance(op, AddConstraintOp) and isinstance(op.constraint, PrimaryKeyDef):
            # As Alembic's batch mode: the new primary key replaces the table's one.
            pending.table = pending.table.replace(primary_key=None)
        after = op.apply(SchemaDef.of([pending.table]))
        new_table = after.get(pending.table.name)
        assert new_table is not None
        if isinstance(op, AlterColumnOp):
            if op.new_column_name:
                pending.sources[op.new_column_name] = pending.sources.pop(op.column_name)
            if op.type is not None and op.final_name in pending.sources:
                pending.casts.add(op.final_name)
        elif isinstance(op, DropColumnOp):
            pending.sources.pop(op.column_name, None)
            pending.casts.discard(op.column_name)
        pending.table = new_table

    def _rebuild_source(self, op: Operation) -> TableOnDisk | None:
        """The table as it is on disk when ``op`` needs a rebuild (read once), else None."""
        if isinstance(op, AddColumnOp) and op.column.computed is not None and op.column.computed_persisted:
            return read_table(self._connection(op), op.table_name)  # "cannot add a STORED column"
        if isinstance(op, AddColumnOp) and op.column.server_default is not None:
            if is_constant_default(op.column.server_default):
                return None
            disk = read_table(self._connection(op), op.table_name)
            return None if op.if_not_exists and disk.table.column(op.column.name) is not None else disk
        if isinstance(op, AlterColumnOp) and any(c not in ("name", "comment") for c in op.changes()):
            return read_table(self._connection(op), op.table_name)
        if isinstance(op, (AddConstraintOp, DropConstraintOp)):
            return read_table(self._connection(op), op.table_name)
        if (
            isinstance(op, DropColumnOp)
            and not op.if_exists
            and self.lookup is not None
            and op.schema is None
            and self.lookup.has_table(op.table_name, None)
        ):
            disk = read_table(self.lookup.connection, op.table_name)
            return disk if _uses_column(disk.table, op.column_name) else None
        return None

    # -- what ALTER TABLE can do --------------------------------------------------------------
    def do_AlterColumnOp(self, op: AlterColumnOp) -> list[Executable]:
        if op.new_column_name:
            table = stub_table(op.table_name, op.schema)
            return [ddl.RenameColumn(table, op.column_name, op.new_column_name)]
        return []
