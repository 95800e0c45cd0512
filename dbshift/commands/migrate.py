"""upgrade, downgrade and stamp: move the database (or just its version table) to a target."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Connection, Engine

from dbshift.commands.common import (
    database,
    read_heads,
    script_directory,
    version_table,
)
from dbshift.config import Config
from dbshift.errors import DbshiftError, TargetError
from dbshift.runtime.connection import connect, create_engine
from dbshift.runtime.runner import run_steps, write_steps_sql
from dbshift.script.plan import Step, plan_downgrade, plan_upgrade, resolve_heads

Report = Callable[[str], None]


def _split_range(target: str, command: str, sql: bool) -> tuple[str | None, str]:
    if ":" not in target:
        return None, target
    if not sql:
        raise TargetError(f"a range '{target}' is only accepted with --sql; give a single target")
    start, _, end = target.partition(":")
    if not end:
        raise TargetError(f"range '{target}' has no end revision")
    return start or None, end


@contextlib.contextmanager
def _reader(engine: Engine) -> Iterator[Connection | None]:
    """A read-only look at the database for --sql mode on SQLite, whose table rebuild needs
    the table's current definition; None when it cannot be reached (or is not SQLite), so
    --sql keeps working without a database. Nothing is written: the transaction is rolled back.
    """
    database_file = engine.url.database
    if engine.dialect.name != "sqlite" or not database_file or not Path(database_file).is_file():
        yield None  # connecting would create the file
        return
    try:
        connection = connect(engine)
    except DbshiftError:
        yield None
        return
    try:
        yield connection
    finally:
        connection.rollback()
        connection.close()


def upgrade(
    config: Config, target: str = "head", *, sql: bool = False, output: TextIO | None = None, report: Report = print
) -> list[Step]:
    return _migrate(config, target, "upgrade", sql=sql, output=output, report=report)


def downgrade(
    config: Config, target: str, *, sql: bool = False, output: TextIO | None = None, report: Report = print
) -> list[Step]:
    if sql and ":" not in target:
        raise TargetError("downgrade --sql needs a range FROM:TO (e.g. head:base), as there is no database to read")
    return _migrate(config, target, "downgrade", sql=sql, output=output, report=report)


def _migrate(
    config: Config, target: str, direction: str, *, sql: bool, output: TextIO | None, report: Report
) -> list[Step]:
    script = script_directory(config)
    graph = script.graph()
    table = version_table(config)
    planner = plan_upgrade if direction == "upgrade" else plan_downgrade
    if sql:
        start, end = _split_range(target, direction, sql)
        current = resolve_heads(graph, start) if start else frozenset()
        steps = planner(graph, current, end)
        engine = create_engine(config.require_url(), config.url_label())
        with _reader(engine) as reader:
            write_steps_sql(
                engine.dialect,
                script,
                steps,
                table,
                output or sys.stdout,
                create_version_table=direction == "upgrade" and not current,
                reader=reader,
            )
        return steps
    with database(config) as connection:
        current_heads = read_heads(connection, table)
        steps = planner(graph, current_heads, target)
        if not steps:
            report(f"Nothing to do: the database is at {', '.join(current_heads) or 'base'}")
            return steps
        run_steps(connection, script, steps, table, report)
    return steps


def stamp(config: Config, target: str, *, sql: bool = False, output: TextIO | None = None) -> tuple[str, ...]:
    """Write the version table to say ``target`` without running any migration."""
    script = script_directory(config)
    graph = script.graph()
    table = version_table(config)
    heads = resolve_heads(graph, target)
    if sql:
        from dbshift.runtime.context import MigrationContext

        engine = create_engine(config.require_url(), config.url_label())
        context = MigrationContext(engine.dialect, output=output or sys.stdout)
        context.execute(table.create_statement())
        for statement in table.transition((), heads):
            context.execute(statement)
        return tuple(sorted(heads))
    with database(config) as connection, connection.begin():
        if not table.exists(connection):
            connection.execute(table.create_statement())
        before = table.read(connection)
        for statement in table.transition(before, heads):
            connection.execute(statement)
    return tuple(sorted(heads))
