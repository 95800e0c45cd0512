"""Run a plan of steps: each revision in its own transaction, the version table kept in step.

On backends with transactional DDL (SQLite, PostgreSQL) a failing revision is rolled back
whole and the version table still names the revision before it. Where DDL commits implicitly
(MySQL, MariaDB) the version table is written after every revision, and a failure reports which
statements had already taken effect.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TextIO

from sqlalchemy.engine import Connection, Dialect

from dbshift.errors import DbshiftError, MigrationError
from dbshift.operations.api import using_context
from dbshift.runtime.context import MigrationContext, StatementFailed, one_line
from dbshift.runtime.version_table import VersionTable
from dbshift.script.directory import ScriptDirectory
from dbshift.script.plan import Step

Report = Callable[[str], None]


def heads_label(heads: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(heads)) if heads else "base"


def step_line(step: Step) -> str:
    verb = "Upgrading" if step.direction == "upgrade" else "Downgrading"
    message = f": {step.revision.message}" if step.revision.message else ""
    return f"{verb} {step.source} -> {step.destination}{message}"


def load_modules(script: ScriptDirectory, steps: Sequence[Step]) -> dict[str, ModuleType]:
    """Import every revision of the plan before touching the database, so a broken file fails first."""
    modules: dict[str, ModuleType] = {}
    for step in steps:
        rev = step.revision
        if rev.revision in modules:
            continue
        module = script.load_module(rev)
        if not callable(getattr(module, step.direction, None)):
            raise DbshiftError(f"{rev.path or rev.revision}: no {step.direction}() function")
        modules[rev.revision] = module
    return modules


def _where(step: Step) -> str:
    rev = step.revision
    return f"revision {rev.revision} ({rev.path})" if rev.path else f"revision {rev.revision}"


def run_steps(
    connection: Connection,
    script: ScriptDirectory,
    steps: Sequence[Step],
    version_table: VersionTable,
    report: Report,
) -> None:
    modules = load_modules(script, steps)
    dialect = connection.dialect
    if steps and steps[0].direction == "upgrade":
        with connection.begin():
            if not version_table.exists(connection):
                connection.execute(version_table.create_statement())
    for step in steps:
        context = MigrationContext(dialect, connection=connection)
        transactional = context.impl.features.transactional_ddl
        started = time.perf_counter()
        connection.begin()
        try:
            with using_context(context):
                getattr(modules[step.revision.revision], step.direction)()
                context.flush()
            for statement in version_table.transition(step.heads_before, step.heads_after):
                context.execute(statement)
            connection.commit()  # the current transaction: an autocommit block may have replaced it
        except BaseException as exc:
            connection.rollback()
            raise _failure(step, exc, context, transactional) from exc
        elapsed = (time.perf_counter() - started) * 1000
        report(f"{step_line(step)} ({elapsed:.0f} ms)")


def _failure(step: Step, exc: BaseException, context: MigrationContext, transactional: bool) -> BaseException:
    if isinstance(exc, KeyboardInterrupt):
        return exc
    if isinstance(exc, StatementFailed):
        what = f"failed at statement: {exc.sql}: {exc.reason}"
    elif isinstance(exc, DbshiftError):
        what = f"failed: {exc}"
    else:
        what = f"failed: {step.direction}() raised {type(exc).__name__}: {one_line(str(exc))}"
    before = heads_label(step.heads_before)
    if transactional and context.committed:
        kept = "; ".join(context.executed_sql(0, context.committed))
        outcome = (
            f"what ran before its autocommit block stays committed: {kept}; the rest was rolled back;"
            f" the version table still says {before}"
        )
    elif transactional:
        outcome = f"its changes were rolled back; the database stays at {before}"
    else:
        done, undone = context.executed_sql(0, context.committed), context.executed_sql(context.committed)
        outcome = (
            f"already applied by this revision and not rolled back ({context.impl.backend} commits DDL"
            f" implicitly): {'; '.join(done) if done else 'nothing'}"
        )
        if undone:
            outcome += f"; rolled back: {'; '.join(undone)}"
        outcome += f"; the version table still says {before}"
    return MigrationError(f"{_where(step)} {what}; {outcome}")


def write_steps_sql(
    dialect: Dialect,
    script: ScriptDirectory,
    steps: Sequence[Step],
    version_table: VersionTable,
    output: TextIO,
    *,
    create_version_table: bool,
    reader: Connection | None = None,
) -> None:
    """Offline mode: the SQL the steps would run, DDL and version-table changes, to ``output``.

    ``reader`` is a connection that is only read from, for what the SQL depends on (the
    current definition of a SQLite table being rebuilt); nothing is written through it.
    """
    modules = load_modules(script, steps)
    context = MigrationContext(dialect, output=output, reader=reader)
    transactional = context.impl.features.transactional_ddl
    if create_version_table:
        context.execute(version_table.create_statement())
    for step in steps:
        output.write(f"-- {step_line(step)}\n\n")
        if transactional:
            output.write("BEGIN;\n\n")
        try:
            with using_context(context):
                getattr(modules[step.revision.revision], step.direction)()
                context.flush()
        except DbshiftError as exc:
            raise MigrationError(f"{_where(step)}: {exc}") from exc
        for statement in version_table.transition(step.heads_before, step.heads_after):
            context.execute(statement)
        if transactional:
            output.write("COMMIT;\n\n")
