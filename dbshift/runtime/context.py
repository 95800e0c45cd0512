"""The migration context: what a running revision's ``op`` calls talk to.

It turns operations into statements through the dialect, then either runs them on the
connection (remembering what ran, for error messages) or, in offline mode, writes their SQL to
a stream. Revision files reach it through :mod:`dbshift.operations.api`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.expression import Executable

from dbshift.dialects import impl_for
from dbshift.dialects.ddl import OutsideTransaction
from dbshift.errors import DbshiftError
from dbshift.operations.base import Operation
from dbshift.operations.sql import BulkInsertOp, ExecuteOp
from dbshift.schema.model import ColumnDef, ForeignKeyDef
from dbshift.schema.reflect import column_from_reflection


def one_line(sql: str) -> str:
    return " ".join(sql.split())


_DDL_KEYWORDS = re.compile(r"\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE|COMMENT)\b", re.IGNORECASE)


def is_ddl(statement: Executable) -> bool:
    """Whether a statement changes structure (and so commits implicitly on MySQL and MariaDB)."""
    if isinstance(statement, ExecutableDDLElement):
        return True
    if isinstance(statement, sa.TextClause):
        return _DDL_KEYWORDS.match(statement.text) is not None
    return False


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
        insp = sa.inspect(self.connection)
        if not insp.has_table(table, schema=schema):
            return False
        return any(ix["name"] == index for ix in insp.get_indexes(table, schema=schema))

    def foreign_keys(self, table: str, schema: str | None) -> list[ForeignKeyDef]:
        insp = sa.inspect(self.connection)
        if not insp.has_table(table, schema=schema):
            return []
        return [
            ForeignKeyDef(
                tuple(f["constrained_columns"]),
                f["referred_table"],
                tuple(f["referred_columns"]),
                name=f.get("name"),
                referred_schema=f.get("referred_schema"),
            )
            for f in insp.get_foreign_keys(table, schema=schema)
        ]

    def has_type(self, name: str, schema: str | None) -> bool:
        has_type = getattr(self.connection.dialect, "has_type", None)
        return bool(has_type(self.connection, name, schema=schema)) if has_type else False

    def constraint_type(self, table: str, name: str, schema: str | None) -> str | None:
        insp = sa.inspect(self.connection)
        if not insp.has_table(table, schema=schema):
            return None
        if any(fk.get("name") == name for fk in insp.get_foreign_keys(table, schema=schema)):
            return "foreignkey"
        if any(uq.get("name") == name for uq in insp.get_unique_constraints(table, schema=schema)):
            return "unique"
        if any(ck.get("name") == name for ck in insp.get_check_constraints(table, schema=schema)):
            return "check"
        pk = insp.get_pk_constraint(table, schema=schema)
        if pk.get("constrained_columns") and (pk.get("name") == name or name.upper() == "PRIMARY"):
            return "primary"
        return None


class MigrationContext:
    def __init__(
        self,
        dialect: Dialect,
        *,
        connection: Connection | None = None,
        output: TextIO | None = None,
        reader: Connection | None = None,
    ) -> None:
        """``connection`` runs statements; without it they are written to ``output`` and
        ``reader``, if given, is a connection only read from (SQLite's rebuild in --sql mode)."""
        self._dialect = dialect
        self.connection = connection
        self.output = output
        source = connection if connection is not None else reader
        self.impl = impl_for(dialect, InspectorLookup(source) if source is not None else None)
        self._in_autocommit = False
        self.executed: list[Executable | str] = []
        """Statements run so far; rendered as SQL only if a failure report needs them."""
        self.committed = 0
        """How many of ``executed`` are permanent whatever happens next: where DDL commits
        implicitly (MySQL, MariaDB), each DDL statement commits everything before it."""

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
            self.flush()
            self._bulk_insert(operation)
            return
        options = operation.execution_options if isinstance(operation, ExecuteOp) else None
        for statement in self.impl.statements(operation):
            self.execute(statement, options)

    def render(self, statement: Executable) -> str:
        """The statement as SQL text with its values inlined, without a trailing semicolon."""
        compiled = statement.compile(  # type: ignore[attr-defined]
            dialect=self._dialect, compile_kwargs={"literal_binds": True}
        )
        return str(compiled).strip().rstrip(";").rstrip()

    @contextlib.contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Run the enclosed statements outside the revision's transaction.

        What the revision did so far is committed first (and stays committed if a later
        statement fails); a new transaction opens afterwards for the rest of the revision.
        A block inside a block is already outside the transaction.
        """
        if self._in_autocommit:
            yield
            return
        self.flush()
        transactional = self.impl.features.transactional_ddl
        if self.connection is None:
            assert self.output is not None
            if transactional:
                self.output.write("COMMIT;\n\n")
            self._in_autocommit = True
            try:
                yield
            finally:
                self._in_autocommit = False
            if transactional:
                self.output.write("BEGIN;\n\n")
            return
        connection = self.connection
        if connection.in_transaction():
            connection.commit()
        self.committed = len(self.executed)
        previous = connection.get_isolation_level()
        connection.execution_options(isolation_level="AUTOCOMMIT")
        self._in_autocommit = True
        try:
            yield
            self.committed = len(self.executed)
        finally:
            self._in_autocommit = False
            if connection.in_transaction():
                connection.commit()  # in AUTOCOMMIT mode only SQLAlchemy's own bookkeeping
            connection.execution_options(isolation_level=previous)
            connection.begin()

    def flush(self) -> None:
        """Run what the dialect is still holding (e.g. a SQLite table rebuild being merged)."""
        for statement in self.impl.flush():
            self.execute(statement)

    def execute(self, statement: Executable, execution_options: Mapping[str, Any] | None = None) -> None:
        if isinstance(statement, OutsideTransaction):
            with self.autocommit_block():
                self.execute(statement.statement, execution_options)
            return
        if self.connection is None:
            assert self.output is not None
            try:
                sql = self.render(statement)
            except sa.exc.SQLAlchemyError as exc:
                raise DbshiftError(
                    f"cannot write {one_line(str(statement))} as SQL text in --sql mode: {one_line(str(exc))}"
                    " (give values a type, e.g. with op.inline_literal())"
                ) from exc
            self.output.write(sql + ";\n\n")
            return
        # Where DDL commits implicitly it does so before it runs, even when it then fails.
        commits = not self.impl.features.transactional_ddl and is_ddl(statement)
        try:
            result = self.connection.execute(statement, execution_options=execution_options or {})
            verify = getattr(statement, "verify", None)
            if verify is not None:  # e.g. SQLite's foreign_key_check after a table rebuild
                verify(result)
        except sa.exc.DBAPIError as exc:
            if commits:
                self.committed = len(self.executed)
            reason = one_line(str(exc.orig)) if exc.orig is not None else one_line(str(exc))
            raise StatementFailed(one_line(self._display(statement)), reason) from exc
        self.executed.append(statement)
        if commits:
            self.committed = len(self.executed)

    def executed_sql(self, start: int = 0, stop: int | None = None) -> list[str]:
        """One-line SQL of ``executed[start:stop]``, for failure reports."""
        return [item if isinstance(item, str) else one_line(self._display(item)) for item in self.executed[start:stop]]

    def _display(self, statement: Executable) -> str:
        try:
            return self.render(statement)
        except Exception:  # noqa: BLE001 - a statement whose values cannot be inlined: show it with placeholders
            return str(statement)

    def _bulk_insert(self, op: BulkInsertOp) -> None:
        table = op.table
        if not op.rows:
            return
        if self.connection is not None and op.multiinsert:
            # One executemany per run of rows naming the same columns, in the rows' order: a
            # single executemany would demand every row name every column.
            for run in _runs_with_same_keys(op.rows):
                label = f"INSERT INTO {table.name} ({len(run)} rows)"
                try:
                    self.connection.execute(sa.insert(table), run)
                except sa.exc.DBAPIError as exc:
                    raise StatementFailed(label, one_line(str(exc.orig))) from exc
                self.executed.append(label)
            return
        for row in op.rows:
            self.execute(sa.insert(table).values(**row))


def _runs_with_same_keys(rows: Sequence[Mapping[str, Any]]) -> list[list[dict[str, Any]]]:
    runs: list[list[dict[str, Any]]] = []
    for row in rows:
        if runs and runs[-1][0].keys() == row.keys():
            runs[-1].append(dict(row))
        else:
            runs.append([dict(row)])
    return runs
