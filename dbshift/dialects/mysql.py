"""MySQL and MariaDB: DDL commits implicitly, and a column change restates the whole column.

``MODIFY``/``CHANGE`` replace a column's whole definition: whatever the statement leaves out
(a default, a comment, ``AUTO_INCREMENT``, ``NOT NULL``) is lost. Against a live database the
column is therefore read back first, so only what the operation changes changes; in ``--sql``
mode the ``existing_*`` hints must describe it.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.sql.expression import Executable

from dbshift.dialects import ddl
from dbshift.dialects.base import DialectImpl, UnsupportedOperation
from dbshift.operations.base import UNCHANGED
from dbshift.operations.column import AlterColumnOp
from dbshift.operations.constraint import DropConstraintOp
from dbshift.operations.index import DropIndexOp
from dbshift.schema.model import ColumnDef
from dbshift.schema.to_sa import sa_column, stub_table

HINTS = ("existing_type", "existing_nullable", "existing_server_default")


class MySQLImpl(DialectImpl):
    name = "mysql"

    def _current_column(self, op: AlterColumnOp) -> ColumnDef:
        """The column before the change: read from the live database, else from the ``existing_*`` hints."""
        label = f"'{op.table_name}.{op.column_name}'"
        if self.lookup is not None:
            found = self.lookup.column(op.table_name, op.column_name, op.schema)
            if found is None:
                raise UnsupportedOperation(f"alter_column: column {label} does not exist")
            return found
        missing = [
            hint
            for hint, known in zip(
                HINTS,
                (
                    op.existing_type is not None,
                    op.existing_nullable is not None,
                    op.existing_server_default is not UNCHANGED,
                ),
            )
            if not known
        ]
        if missing:
            raise UnsupportedOperation(
                f"alter_column on {label} in --sql mode on {self.backend} restates the whole column "
                f"and needs {', '.join(HINTS)} (missing: {', '.join(missing)})"
            )
        assert op.existing_type is not None and op.existing_server_default is not UNCHANGED
        return ColumnDef(
            name=op.column_name,
            type=op.existing_type,
            nullable=bool(op.existing_nullable),
            server_default=op.existing_server_default,
            comment=None if op.existing_comment is UNCHANGED else op.existing_comment,
            autoincrement=bool(dict(op.dialect_options).get("existing_autoincrement", False)),
        )

    def do_AlterColumnOp(self, op: AlterColumnOp) -> list[Executable]:
        table = stub_table(op.table_name, op.schema)
        if op.changes() == ["server_default"]:
            return [ddl.AlterColumnDefault(table, op.column_name, op.server_default)]  # type: ignore[arg-type]
        current = self._current_column(op)
        target = replace(
            current,
            name=op.final_name,
            type=op.type if op.type is not None else current.type,
            nullable=op.nullable if op.nullable is not None else current.nullable,
            server_default=current.server_default if op.server_default is UNCHANGED else op.server_default,
            comment=current.comment if op.comment is UNCHANGED else op.comment,
            autoincrement=current.autoincrement is True,
        )
        # AUTO_INCREMENT is only rendered for a table's autoincrement column, i.e. a primary key.
        column = sa_column(target, primary_key=target.autoincrement is True)
        table.append_column(column)
        return [ddl.ModifyColumn(table, op.column_name, column)]

    def do_DropIndexOp(self, op: DropIndexOp) -> list[Executable]:
        if op.table_name is None:
            raise UnsupportedOperation(
                f"drop_index '{op.index_name}' on {self.backend} needs the table name (DROP INDEX ... ON <table>)"
            )
        return super().do_DropIndexOp(op)

    def do_DropConstraintOp(self, op: DropConstraintOp) -> list[Executable]:
        """MySQL drops each kind differently (FOREIGN KEY, INDEX, CHECK, PRIMARY KEY): know which."""
        if op.type_ is None and op.constraint is None:
            what = f"drop_constraint '{op.constraint_name}' on '{op.table_name}'"
            if self.lookup is None or op.constraint_name is None:
                raise UnsupportedOperation(
                    f"{what} on {self.backend} needs type_ ('foreignkey', 'unique', 'check' or 'primary')"
                )
            kind = self.lookup.constraint_type(op.table_name, op.constraint_name, op.schema)
            if kind is None:
                raise UnsupportedOperation(f"{what}: no such constraint")
            op = replace(op, type_=kind)
        return super().do_DropConstraintOp(op)
