"""The migration context: what a running revision's ``op`` calls talk to.

It turns operations into statements through the dialect, then either runs them on the
connection (remembering what ran, for error messages) or, in offline mode, writes their SQL to
a stream. Revision files reach it through :mod:`dbshift.operations.api`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.expression import Executable

from dbshift.dialects import impl_for
from dbshift.errors import DbshiftError
from dbshift.operations.base import Operation
from dbshift.operations.sql import BulkInsertOp, ExecuteOp
from dbshift.schema.model import ColumnDef
from dbshift.schema.reflect import column_from_reflection


def one_line(sql: str) -> str:
    return " ".join(sql.split())


class StatementFailed(Exception):
    """A statement was refused by the database; carries the SQL and the database's message."""

    def __init__(self, sql: str, reason: str) -> None:
        super().__init__(f"{sql}: {reason}")
        self.sql = sql
        self.reason = reason


class InspectorLookup:
    """Answers the dialect's questions from the live database, seeing this transaction's changes."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def column(self, table: str, column: str, schema: str | None) -> ColumnDef | None:
        insp = sa.inspect(self.connection)
        if not insp.has_table(table, schema=schema):
            return None
        for col in insp.get_columns(table, schema=schema):
            if col["name"] == column:
                return column_from_reflection(col)
        return None

    def has_table(self, table: str, schema: str | None) -> bool:
        return sa.inspect(self.connection).has_table(table, schema=schema)

    def has_index(self, table: str | None, index: str, schema: str | None) -> bool:
        if table is None:
            return False
        return any(ix["name"] == index for ix in sa.inspect(self.connection).get_indexes(table, schema=schema))


class MigrationContext:
    def __init__(
        self,
        dialect: Dialect,
        *,
        connection: Connection | None = None,
        output: TextIO | None = None,
    ) -> None:
        self._dialect = dialect
        self.connection = connection
        self.output = output
        self.impl = impl_for(dialect, InspectorLookup(connection) if connection is not None else None)
        self.executed: list[str] = []

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    @property
    def offline(self) -> bool:
        return self.connection is None

    def get_bind(self) -> Connection:
        if self.connection is None:
            raise DbshiftError("op.get_bind() has no connection in --sql mode")
        return self.connection

    def invoke(self, operation: Operation) -> None:
        if isinstance(operation, BulkInsertOp):
            self._bulk_insert(operation)
            return
        options = operation.execution_options if isinstance(operation, ExecuteOp) else None
        for statement in self.impl.statements(operation):
            self.execute(statement, options)

    def render(self, statement: Executable) -> str:
        compiled = statement.compile(dialect=self._dialect, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
        return str(compiled).strip()

    def execute(self, statement: Executable, execution_options: Mapping[str, Any] | None = None) -> None:
        if self.connection is None:
            assert self.output is not None
            self.output.write(self.render(statement) + ";\n\n")
            return
        try:
            self.connection.execute(statement, execution_options=execution_options or {})  # type: ignore[call-overload]
        except sa.exc.DBAPIError as exc:
            reason = one_line(str(exc.orig)) if exc.orig is not None else one_line(str(exc))
            raise StatementFailed(one_line(self._display(statement)), reason) from exc
        self.executed.append(one_line(self._display(statement)))

    def _display(self, statement: Executable) -> str:
        try:
            return self.render(statement)
        except Exception:  # a statement whose values cannot be inlined: show it with placeholders
            return str(statement)

    def _bulk_insert(self, op: BulkInsertOp) -> None:
        table = op.table
        if not op.rows:
            return
        if self.connection is not None and op.multiinsert:
            try:
                self.connection.execute(sa.insert(table), list(op.rows))
            except sa.exc.DBAPIError as exc:
                reason = one_line(str(exc.orig))
                raise StatementFailed(f"INSERT INTO {table.name} ({len(op.rows)} rows)", reason) from exc
            self.executed.append(f"INSERT INTO {table.name} ({len(op.rows)} rows)")
            return
        for row in op.rows:
            self.execute(sa.insert(table).values(**row))
