"""What every writing command does before it touches anything: lock, look, and refuse if unsafe.

Under the migration lock the version table and the log are read afresh (a process that waited
sees the work of the one before it), and the run is refused when the log shows a step left half
done, or an applied revision's file no longer has the checksum it ran with.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dbshift.errors import DbshiftError, MigrationError, TargetError
from dbshift.runtime.context import MigrationContext
from dbshift.runtime.journal import FAILED, Entry, Journal
from dbshift.runtime.lock import migration_lock
from dbshift.script.checksum import short
from dbshift.script.directory import ScriptDirectory
from dbshift.script.revision import RevisionGraph
from dbshift.script.targets import current_heads, inconsistent_rows


class ChecksumError(DbshiftError):
    """An applied revision's file changed after it ran."""


@dataclass(frozen=True)
class Mismatch:
    revision: str
    path: str
    recorded: str
    now: str

    def line(self) -> str:
        return (
            f"{self.path}: revision {self.revision} was applied from a different version of this file "
            f"(checksum {short(self.recorded)} when applied, {short(self.now)} now)"
        )


@contextlib.contextmanager
def locked(
    context: MigrationContext, *, timeout: float | None, on_wait: Callable[[str], None]
) -> Iterator[Journal | None]:
    """Hold the migration lock for the block; the database's log (None when turned off)."""
    connection = context.connection
    assert connection is not None
    table = context.version_table
    with migration_lock(connection, table.key, timeout=timeout, on_wait=on_wait):
        context.fresh_snapshot()
        if table.log is None:
            yield None
            return
        yield Journal(
            connection,
            table.log,
            transactional=context.impl.features.transactional_ddl,
            can_commit=not context.external_transaction,
        )


def checksum_mismatches(
    script: ScriptDirectory, graph: RevisionGraph, rows: frozenset[str], recorded: dict[str, str]
) -> list[Mismatch]:
    """Applied revisions (the rows and all they need) whose file's checksum is not the one recorded."""
    applied = graph.ancestors(row for row in rows if row in graph)
    found = []
    for rev_id in graph.topological(applied & set(recorded)):
        rev = graph.get(rev_id)
        now = script.checksum_of(rev)
        if rev.path is not None and now is not None and now != recorded[rev_id]:
            found.append(Mismatch(rev_id, rev.path, recorded[rev_id], now))
    return found


def refuse_changed(mismatches: list[Mismatch]) -> None:
    if not mismatches:
        return
    first = mismatches[0]
    more = f" ({len(mismatches) - 1} more: dbshift log --verify)" if len(mismatches) > 1 else ""
    raise ChecksumError(
        f"{first.line()}{more}; an applied revision must not change: if the change is intended and the "
        f"database matches it, run 'dbshift accept {first.revision}'"
    )


def describe_outstanding(entry: Entry, path: str | None, *, resumable_by: str | None) -> str:
    """The one-line refusal for a step the log shows half done, with the ways out."""
    where = f"revision {entry.revision}" + (f" ({path})" if path else "")
    who = f"{entry.user_name or '?'}@{entry.host or '?'} pid {entry.pid}" if entry.pid else "an earlier run"
    when = entry.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    if entry.outcome == FAILED:
        what = f"{where}: its {entry.direction} failed ({entry.error or 'no message'}) after"
    else:  # running (its process died) or interrupted
        what = f"{where}: its {entry.direction} started {when} by {who} was interrupted after"
    count = len(entry.statements)
    done = "; ".join(entry.statements)
    text = f"{what} {count} statement{'s' if count != 1 else ''} had taken effect" + (f": {done}" if done else "")
    ways = []
    if entry.pending_statement:
        text += (
            f"; this statement was running when it stopped and may or may not have taken effect: "
            f"{entry.pending_statement}"
        )
        ways.append(
            f"check whether it took effect, then run 'dbshift resolve {entry.revision} --pending-ran' or "
            f"'--pending-not-run' and 'dbshift {entry.direction}' resumes after or from it"
        )
    elif resumable_by:
        ways.append(f"'dbshift {resumable_by}' resumes it from statement {count + 1}")
    ways.append(
        f"once you have completed or undone it by hand, 'dbshift resolve {entry.revision} --applied' or "
        "'--rolled-back' records that"
    )
    return text + "; " + "; or ".join(ways)


def refuse_inconsistent(graph: RevisionGraph, rows: frozenset[str], table: str) -> None:
    """A version table naming a revision and its own ancestor cannot say what to run next."""
    conflict = inconsistent_rows(graph, rows)
    if conflict is None:
        return
    heads = " ".join(sorted(current_heads(graph, rows)))
    raise TargetError(
        f"the version table '{table}' is inconsistent: {conflict}; nothing was run; if the database is at "
        f"{heads}, run 'dbshift stamp --purge {heads}'"
    )


def refuse_outstanding(entry: Entry | None, graph: RevisionGraph, *, resumable_by: str | None = None) -> None:
    if entry is None:
        return
    path = graph.get(entry.revision).path if entry.revision in graph else None
    raise MigrationError(describe_outstanding(entry, path, resumable_by=resumable_by))
