"""The migration context: one per run, what a running revision's ``op`` calls talk to.

It turns operations into statements through the dialect, then either runs them on the
connection (remembering what ran, for error messages) or, in offline mode, writes their SQL to
a stream. Revision files reach it through :mod:`dbshift.operations.api`.

It also owns the run's transactions (:meth:`MigrationContext.begin_transaction`), following
the policy it was given: one transaction per revision, or one for the whole run (with
transactional DDL), or none at all when the connection arrived inside a transaction that
somebody else (an env.py) opened and will end. Its public attributes are the ones Alembic's
``MigrationContext`` has, so env.py files and revisions that use them keep working.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.expression import Executable

from dbshift.dialects import impl_for
from dbshift.dialects.ddl import OutsideTransaction
from dbshift.errors import DbshiftError, MigrationError, TargetError
from dbshift.operations.base import Operation
from dbshift.operations.sql import BulkInsertOp, ExecuteOp
from dbshift.runtime.connection import begin_real_transaction
from dbshift.runtime.version_table import VersionTable
from dbshift.schema.model import ColumnDef, ForeignKeyDef
from dbshift.schema.reflect import column_from_reflection

Scope = Literal["revision", "run", "external", "none"]
"""Which transaction a revision's statements run in: its own, the run's, one that env.py
opened before handing the connection over, or none (DDL that commits itself, or --sql)."""


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
        version_table: VersionTable | None = None,
        transaction_per_migration: bool = True,
        opts: Mapping[str, Any] | None = None,
    ) -> None:
        """``connection`` runs statements; without it they are written to ``output`` and
        ``reader``, if given, is a connection only read from (SQLite's rebuild in --sql mode).

        A connection already in a transaction when it arrives belongs to whoever began it:
        the context then never begins, commits or rolls back (as Alembic does).
        """
        self._dialect = dialect
        self.connection = connection
        self.output = output
        source = connection if connection is not None else reader
        self.impl = impl_for(dialect, InspectorLookup(source) if source is not None else None)
        self.version_table = version_table or VersionTable()
        self.transaction_per_migration = transaction_per_migration
        self.script: Any = None
        """The run's script directory (Alembic's ``MigrationContext.script``), set by the environment."""
        self.opts: dict[str, Any] = dict(opts or {})
        """The options the context was configured with (Alembic's ``MigrationContext.opts``)."""
        self.external_transaction = connection is not None and connection.in_transaction()
        self._block: Scope | None = None
        """The transaction block this context has open, if any."""
        self.step_number = 0
        """Position in the run of the revision running now (set by the runner)."""
        self.last_commit_step: int | None = None
        """The step whose autocommit block last committed the run's transaction, if any."""
        self._in_autocommit = False
        self._mock: Any = None
        self.executed: list[Executable | str] = []
        """Statements run so far; rendered as SQL only if a failure report needs them."""
        self.committed = 0
        """How many of ``executed`` are permanent whatever happens next: where DDL commits
        implicitly (MySQL, MariaDB), each DDL statement commits everything before it."""
        self.checkpoint: Callable[[Sequence[str], str | None], None] | None = None
        """Told the statements run so far (one line each) just before and after a statement
        that makes them permanent, with the one about to run (the applied log's per-statement
        record; set by the runner)."""
        self.on_statement: Callable[[str], None] | None = None
        """Told each statement (one line of SQL) as it is about to run (``-v``)."""
        self.replay: list[str] = []
        """Statements an interrupted run of this revision already made permanent: they are
        checked against what the revision asks for and skipped, not run again (resume)."""
        self._done_sql: list[str] = []

    # -- Alembic's public attributes ----------------------------------------------------------
    @property
    def dialect(self) -> Dialect:
        return self._dialect

    @property
    def offline(self) -> bool:
        return self.connection is None

    @property
    def as_sql(self) -> bool:
        """True in offline (``--sql``) mode, where statements are written instead of run."""
        return self.connection is None

    @property
    def bind(self) -> Connection | None:
        """The connection (Alembic's ``MigrationContext.bind``); the writing stand-in in --sql mode."""
        return self.get_bind()

    def get_current_heads(self) -> tuple[str, ...]:
        """The version table's rows (none in --sql mode, or when it does not exist yet)."""
        if self.connection is None:
            return ()
        return self.version_table.read(self.connection)

    def get_current_revision(self) -> str | None:
        """The single current revision, None at base; several heads are an error, as in Alembic."""
        heads = self.get_current_heads()
        if len(heads) > 1:
            raise TargetError(
                f"the version table '{self.version_table.name}' holds several heads ({', '.join(heads)}); "
                "use get_current_heads()"
            )
        return heads[0] if heads else None

    # -- transactions -------------------------------------------------------------------------
    @property
    def scope(self) -> Scope:
        """The transaction a revision running now would be in."""
        if self.external_transaction:
            return "external"
        if self._block is not None:
            return self._block
        return "none"

    def begin_transaction(self, _per_migration: bool = False) -> contextlib.AbstractContextManager[None]:
        """A transaction block for the whole run (``_per_migration=False``) or for one revision.

        Which of the two really begins follows Alembic's rule: with transactional DDL, the one
        matching ``transaction_per_migration``; without it, one per revision (online) and none
        in --sql mode. A block inside an open block, or on a connection that arrived inside a
        transaction, does nothing. On leaving, whatever transaction is current is committed (an
        autocommit block may have replaced the one begun), or rolled back on an exception.
        """
        transactional = self.impl.features.transactional_ddl
        if transactional:
            now = _per_migration == self.transaction_per_migration
        else:
            now = _per_migration and self.connection is not None
        if not now or self.external_transaction or self._block is not None:
            return contextlib.nullcontext()
        return self._transaction_block("revision" if _per_migration else "run")

    @contextlib.contextmanager
    def _transaction_block(self, scope: Scope) -> Iterator[None]:
        self._block = scope
        connection = self.connection
        try:
            if connection is None:
                assert self.output is not None
                self.output.write("BEGIN;\n\n")
                yield
                self.output.write("COMMIT;\n\n")
                return
            if not connection.in_transaction():  # else: begun by a read (autobegin); adopt it
                connection.begin()
            begin_real_transaction(connection)
            try:
                yield
            except BaseException:
                if connection.in_transaction():
                    connection.rollback()
                raise
            if connection.in_transaction():
                connection.commit()
        finally:
            self._block = None

    def fresh_snapshot(self) -> None:
        """End the transaction the connection has open (nothing is written yet) and, if it was
        this context's run block, begin it again: a snapshot taken before the migration lock
        (MariaDB's REPEATABLE READ, SQLite) would not see what the previous holder committed.
        A transaction env.py opened is left alone."""
        connection = self.connection
        if connection is None or self.external_transaction or not connection.in_transaction():
            return
        connection.commit()
        if self._block is not None:
            connection.begin()
            begin_real_transaction(connection)

    def begin_step(self) -> None:
        """Forget the statements of the previous revision: failure reports name this one's."""
        self.executed = []
        self.committed = 0
        self._done_sql = []

    def get_bind(self) -> Connection:
        """The connection; in --sql mode a stand-in that writes what is executed on it (as
        Alembic's does), so ``sa.Enum(...).create(op.get_bind())`` still becomes SQL. It cannot
        return rows: a revision that reads data needs the database."""
        if self.connection is None:
            if self._mock is None:

                def write(statement: Any, *multiparams: Any, **params: Any) -> None:
                    self.execute(statement)

                self._mock = sa.create_mock_engine(sa.engine.URL.create(self._dialect.name), write)
            mock: Connection = self._mock
            return mock
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
        if self.external_transaction:
            raise DbshiftError(
                "autocommit_block() cannot commit the transaction env.py opened before configure(); "
                "let context.begin_transaction() open it instead"
            )
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
        if self.checkpoint is not None:
            self.checkpoint(self.done_sql(), None)
        if connection.in_transaction():
            connection.commit()
        self.committed = len(self.executed)
        self.last_commit_step = self.step_number
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
            begin_real_transaction(connection)

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
        permanent = commits or self._in_autocommit
        line = self._line(statement) if self.replay or self.on_statement or self.checkpoint else ""
        if self._replayed(statement, line):
            return
        if self.on_statement is not None:
            self.on_statement(line)
        if permanent and self.checkpoint is not None:
            self.checkpoint(self.done_sql(), line)
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
        self._ran(statement, line)
        if commits:
            self.committed = len(self.executed)
        if permanent and self.checkpoint is not None:
            self.checkpoint(self.done_sql(), None)

    def _line(self, statement: Executable | str) -> str:
        return statement if isinstance(statement, str) else one_line(self._display(statement))

    def _ran(self, statement: Executable | str, line: str) -> None:
        self.executed.append(statement)
        if self.checkpoint is not None:
            self._done_sql.append(line or self._line(statement))

    def done_sql(self) -> list[str]:
        """One line per statement this revision ran so far (kept only while a log is written)."""
        return list(self._done_sql)

    def _replayed(self, statement: Executable | str, line: str) -> bool:
        """Skip a statement an interrupted run already made permanent, after checking it is
        the same one; False when nothing is left to replay."""
        if not self.replay:
            return False
        expected = self.replay.pop(0)
        if line != expected:
            position = len(self.executed) + 1
            raise MigrationError(
                f"cannot resume: statement {position} of this revision is now `{line}`, but the interrupted "
                f"run had made `{expected}` permanent; the file changed since"
            )
        self._ran(statement, line)
        self.committed = len(self.executed)
        return True

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
                if self._replayed(label, label):
                    continue
                if self.on_statement is not None:
                    self.on_statement(label)
                try:
                    self.connection.execute(sa.insert(table), run)
                except sa.exc.DBAPIError as exc:
                    raise StatementFailed(label, one_line(str(exc.orig))) from exc
                self._ran(label, label)
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
