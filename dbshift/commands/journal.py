"""The applied-migration log: ``log`` (and ``log --verify``) read it; ``accept`` and ``resolve``
write to it, under the migration lock like every writing command."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from dbshift.commands.common import lock_timeout as wait_for_lock
from dbshift.commands.common import script_directory, with_database
from dbshift.config import Config
from dbshift.errors import MissingDatabaseFile

if TYPE_CHECKING:
    from dbshift.runtime.context import MigrationContext
    from dbshift.runtime.guard import Mismatch
    from dbshift.runtime.journal import Entry
    from dbshift.runtime.repair import Resolution
    from dbshift.runtime.runner import Runner

T = TypeVar("T")


@dataclass(frozen=True)
class LogReport:
    """The log's rows (newest first) and, with ``verify``, the applied revisions whose file changed."""

    table: str | None
    entries: list[Entry] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    checked: int = 0
    """How many applied revisions have a recorded checksum (what ``verify`` compared)."""
    missing_file: str | None = None
    """The SQLite file that does not exist (so neither does a log), as shown in messages."""


def log(config: Config, *, limit: int | None = None, verify: bool = False) -> LogReport:
    """Read the applied-migration log; never creates it."""
    from dbshift.runtime.guard import checksum_mismatches
    from dbshift.runtime.journal import read_checksums, read_entries

    script = script_directory(config)

    def job(context: MigrationContext) -> LogReport:
        table = context.version_table
        assert context.connection is not None
        if table.log is None:
            return LogReport(None)
        everything = read_entries(context.connection, table.log)
        report = LogReport(table.log.key, everything[:limit] if limit is not None else everything)
        if not verify:
            return report
        graph = script.graph()
        rows = frozenset(table.read(context.connection))
        recorded = read_checksums(context.connection, table.log)
        applied = graph.ancestors(row for row in rows if row in graph)
        mismatches = checksum_mismatches(script, graph, rows, recorded)
        return LogReport(report.table, report.entries, mismatches, len(applied & set(recorded)))

    try:
        results = with_database(config, "log", job, script, {"cmd": "log", "verify": verify}, read_only=True)
    except MissingDatabaseFile as missing:  # nothing ever ran there: an empty log, and no file made
        return LogReport(None, missing_file=missing.shown)
    return results[-1]


def _writing(
    config: Config, cmd_opts: Mapping[str, Any], given_timeout: float | None, work: Callable[[Runner], T]
) -> T:
    """Run ``work`` with a runner on each database the environment visits; the last result."""
    from dbshift.runtime.environment import Request, run_request
    from dbshift.runtime.runner import Runner

    script = script_directory(config)
    script.graph()
    timeout = wait_for_lock(config, given_timeout)

    def job(context: MigrationContext, _kw: Mapping[str, Any]) -> T:
        return work(Runner(context, script, lock_timeout=timeout))

    return run_request(config, Request(str(cmd_opts["cmd"]), job, cmd_opts=cmd_opts), script)[-1]  # type: ignore[return-value]


def accept(config: Config, revisions: Sequence[str], *, lock_timeout: float | None = None) -> list[str]:
    """Record the current checksum of edited applied revisions (all mismatches when none named)."""
    from dbshift.runtime.repair import accept as run

    opts = {"cmd": "accept", "revisions": list(revisions)}
    return _writing(config, opts, lock_timeout, lambda runner: run(runner, revisions))


def resolve(config: Config, revision: str, how: Resolution, *, lock_timeout: float | None = None) -> str:
    """Settle a step the log shows half done; the line saying what was recorded."""
    from dbshift.runtime.repair import resolve as run

    opts = {"cmd": "resolve", "revision": revision, "how": how}
    return _writing(config, opts, lock_timeout, lambda runner: run(runner, revision, how))
