"""upgrade, downgrade and stamp: move the database (or just its version table) to a target.

Each builds a job for the one runner (:mod:`dbshift.runtime.runner`) and hands it to the
project's environment, which connects (or, with --sql, only picks a dialect) and runs it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TextIO

import sqlalchemy as sa

from dbshift.commands.common import lock_timeout as wait_for_lock
from dbshift.commands.common import script_directory
from dbshift.config import Config
from dbshift.errors import DbshiftError, TargetError
from dbshift.runtime.context import MigrationContext
from dbshift.runtime.environment import Request, run_request
from dbshift.runtime.progress import Progress
from dbshift.runtime.runner import Runner, StampResult
from dbshift.script.plan import Step
from dbshift.script.targets import validate_target

Report = Callable[[str], None]


def _split_range(target: str, sql: bool) -> tuple[str | None, str]:
    if ":" not in target:
        return None, target
    if not sql:
        raise TargetError(f"a range '{target}' is only accepted with --sql; give a single target")
    start, _, end = target.partition(":")
    if not end:
        raise TargetError(f"range '{target}' has no end revision")
    return start or None, end


def upgrade(
    config: Config,
    target: str = "head",
    *,
    sql: bool = False,
    output: TextIO | None = None,
    report: Report = print,
    tag: str | None = None,
    progress: Progress | None = None,
    lock_timeout: float | None = None,
) -> list[Step]:
    """Run the pending revisions up to ``target``; the steps run ([] when there was nothing to do).

    ``progress`` receives each event (default: plain lines through ``report``; none with
    ``sql``, whose script names each revision itself); ``lock_timeout`` overrides the
    configured wait for the migration lock (seconds).
    """
    return _migrate(
        config,
        target,
        "upgrade",
        sql=sql,
        output=output,
        progress=progress or Progress(report),
        tag=tag,
        lock_timeout=lock_timeout,
    )


def downgrade(
    config: Config,
    target: str,
    *,
    sql: bool = False,
    output: TextIO | None = None,
    report: Report = print,
    tag: str | None = None,
    progress: Progress | None = None,
    lock_timeout: float | None = None,
) -> list[Step]:
    """Undo applied revisions down to ``target``; the steps run. Options as for :func:`upgrade`."""
    if sql and ":" not in target:
        raise TargetError("downgrade --sql needs a range FROM:TO (e.g. head:base), as there is no database to read")
    return _migrate(
        config,
        target,
        "downgrade",
        sql=sql,
        output=output,
        progress=progress or Progress(report),
        tag=tag,
        lock_timeout=lock_timeout,
    )


def _rows_after_failure(context: MigrationContext) -> frozenset[str] | None:
    """The version table's rows once a failed run has rolled back what it rolls back; None
    when that is not known yet (a transaction env.py opened is still open: its owner decides)
    or the read fails (the run's own error must not be hidden)."""
    if context.scope != "none":
        return None
    with contextlib.suppress(sa.exc.SQLAlchemyError, DbshiftError):
        return frozenset(context.get_current_heads())
    return None


def _migrate(
    config: Config,
    target: str,
    direction: Literal["upgrade", "downgrade"],
    *,
    sql: bool,
    output: TextIO | None,
    progress: Progress,
    tag: str | None,
    lock_timeout: float | None,
) -> list[Step]:
    start, end = _split_range(target, sql)
    script = script_directory(config)
    graph = script.graph()  # a broken history is reported before any env script or connection
    validate_target(graph, end, direction)  # and so is a target that cannot resolve
    if start is not None:
        validate_target(graph, start)

    def job(context: MigrationContext, kw: Mapping[str, Any]) -> list[Step]:
        runner = Runner(
            context, script, progress=progress, fn_kwargs=kw, lock_timeout=wait_for_lock(config, lock_timeout)
        )
        try:
            return runner.run(direction, end, start=start)
        except Exception:
            if not context.as_sql:
                progress.stopped(_rows_after_failure(context))
            raise

    request = Request(
        direction,
        job,
        as_sql=sql,
        destination=end,
        starting=start,
        tag=tag,
        output=output,
        cmd_opts={"cmd": direction, "revision": target, "sql": sql, "tag": tag},
    )
    steps: list[Step] = []
    for result in run_request(config, request, script):  # one list per database the environment visits
        assert isinstance(result, list)
        steps += result
    return steps


def stamp(
    config: Config,
    target: str | Sequence[str],
    *,
    sql: bool = False,
    output: TextIO | None = None,
    purge: bool = False,
    tag: str | None = None,
    lock_timeout: float | None = None,
    report: Report = print,
) -> tuple[str, ...]:
    """Write the version table to say ``target`` without running any migration; the rows after.

    Several targets (Alembic's ``stamp a b``) stamp each branch; with --sql the only target may
    be a range ``FROM:TO``.
    """
    targets = [target] if isinstance(target, str) else list(target)
    start: str | None = None
    if len(targets) == 1:
        start, end_one = _split_range(targets[0], sql)
        targets = [end_one]
    end = targets
    script = script_directory(config)
    graph = script.graph()
    for one in [*end, *([start] if start is not None else [])]:
        validate_target(graph, one)  # before any env script or connection

    def job(context: MigrationContext, kw: Mapping[str, Any]) -> StampResult:
        runner = Runner(context, script, report=report, fn_kwargs=kw, lock_timeout=wait_for_lock(config, lock_timeout))
        return runner.stamp(end, start=start, purge=purge)

    request = Request(
        "stamp",
        job,
        as_sql=sql,
        destination=end[0] if len(end) == 1 else None,
        starting=start,
        tag=tag,
        output=output,
        cmd_opts={"cmd": "stamp", "revisions": list(targets), "sql": sql, "tag": tag, "purge": purge},
    )
    results = run_request(config, request, script)
    last = results[-1]
    assert isinstance(last, StampResult)
    return last.after


def ensure_version(config: Config, *, sql: bool = False, output: TextIO | None = None) -> bool:
    """Create the version table if the database has none; whether it was created (``--sql``: printed)."""
    script = script_directory(config)

    def job(context: MigrationContext, kw: Mapping[str, Any]) -> bool:
        return Runner(context, script, lock_timeout=config.lock_timeout).ensure_version_table()

    request = Request("ensure_version", job, as_sql=sql, output=output, cmd_opts={"cmd": "ensure_version", "sql": sql})
    return bool(run_request(config, request, script)[-1])
