"""MySQL and MariaDB: DDL commits implicitly, and a column change restates the whole column."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.sql.expression import Executable

from dbshift.dialects import ddl
from dbshift.dialects.base import DialectImpl, UnsupportedOperation
from dbshift.operations.base import UNCHANGED
from dbshift.operations.column import AlterColumnOp
from dbshift.schema.model import ColumnDef
from dbshift.schema.to_sa import sa_column, stub_table


class MySQLImpl(DialectImpl):
    name = "mysql"

    def _current_column(self, op: AlterColumnOp) -> ColumnDef:
        """The column before the change, from the ``existing_*`` hints or else the live database."""
        hinted = (
            op.existing_type is not None
            and op.existing_nullable is not None
            and op.existing_server_default is not UNCHANGED
        )
        if hinted:
            return ColumnDef(
                name=op.column_name,
                type=op.existing_type,  # type: ignore[arg-type]
                nullable=bool(op.existing_nullable),
                server_default=op.existing_server_default,  # type: ignore[arg-type]
                comment=None if op.existing_comment is UNCHANGED else op.existing_comment,
                autoincrement=False,
            )
        if self.lookup is None:
            raise UnsupportedOperation(
                f"alter_column on '{op.table_name}.{op.column_name}' in --sql mode on {self.dialect.name} "
                "needs existing_type, existing_nullable and existing_server_default"
            )
        found = self.lookup.column(op.table_name, op.column_name, op.schema)
        if found is None:
            raise UnsupportedOperation(f"column '{op.table_name}.{op.column_name}' does not exist")
        return found

    def do_AlterColumnOp(self, op: AlterColumnOp) -> list[Executable]:
        table = stub_table(op.table_name, op.schema)
        only_default = op.changes() == ["server_default"]
        if only_default:
            return [ddl.AlterColumnDefault(table, op.column_name, op.server_default)]  # type: ignore[arg-type]
        current = self._current_column(op)
        changes: dict[str, object] = {"name": op.final_name}
        if op.type is not None:
            changes["type"] = op.type
        if op.nullable is not None:
            changes["nullable"] = op.nullable
        if op.server_default is not UNCHANGED:
            changes["server_default"] = op.server_default
        if op.comment is not UNCHANGED:
            changes["comment"] = op.comment
        if current.autoincrement is not True:
            changes["autoincrement"] = False
        target = replace(current, **changes)  # type: ignore[arg-type]
        column = sa_column(target)
        table.append_column(column)
        return [ddl.ModifyColumn(table, op.column_name, column)]
