"""SQLite: ALTER TABLE can add, drop and rename columns and rename tables, nothing more.

Changing a column's type, nullability or default, or adding and dropping constraints, needs a
table rebuild; until dbshift rebuilds tables itself these raise a clear error instead of a raw
``near "ALTER": syntax error``. Comments do not exist on SQLite: comment operations do nothing.
"""

from __future__ import annotations

from sqlalchemy.sql.expression import Executable

from dbshift.dialects import ddl
from dbshift.dialects.base import DialectImpl, UnsupportedOperation
from dbshift.operations.column import AlterColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.schema.to_sa import stub_table

REBUILD_NEEDED = "SQLite cannot {what} with ALTER TABLE; it needs a table rebuild, which dbshift does not do yet"


class SQLiteImpl(DialectImpl):
    name = "sqlite"

    def do_AlterColumnOp(self, op: AlterColumnOp) -> list[Executable]:
        changes = [c for c in op.changes() if c not in ("name", "comment")]
        if changes:
            what = f"change {', '.join(changes)} of column '{op.table_name}.{op.column_name}'"
            raise UnsupportedOperation(REBUILD_NEEDED.format(what=what))
        if op.new_column_name:
            table = stub_table(op.table_name, op.schema)
            return [ddl.RenameColumn(table, op.column_name, op.new_column_name)]
        return []

    def do_AddConstraintOp(self, op: AddConstraintOp) -> list[Executable]:
        raise UnsupportedOperation(REBUILD_NEEDED.format(what=f"alter constraints in place ({op.describe()})"))

    def do_DropConstraintOp(self, op: DropConstraintOp) -> list[Executable]:
        raise UnsupportedOperation(REBUILD_NEEDED.format(what=f"alter constraints in place ({op.describe()})"))
