"""The two ways out the guard offers: ``accept`` an edited applied revision, ``resolve`` a step
left half done. Both are writing commands: they run under the migration lock and are logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from dbshift.errors import DbshiftError, MigrationError, TargetError
from dbshift.runtime.guard import checksum_mismatches
from dbshift.runtime.journal import INTERRUPTED, Journal
from dbshift.runtime.runner import Runner
from dbshift.script.revision import RevisionGraph

Resolution = Literal["applied", "rolled-back", "pending-ran", "pending-not-run"]


def _names(graph: RevisionGraph, ident: str, rev_id: str) -> bool:
    """Whether ``ident`` (an id, a prefix, a label) names ``rev_id``."""
    if rev_id.startswith(ident):
        return True
    try:
        return graph.resolve(ident).revision == rev_id
    except DbshiftError:
        return False


def _journal(runner: Runner) -> Journal:
    if runner.journal is None:
        raise MigrationError('the applied-migration log is turned off (log_table = ""): nothing to accept or resolve')
    return runner.journal


def accept(runner: Runner, revisions: Sequence[str]) -> list[str]:
    """Record the current checksum of applied revisions whose file changed; the ids accepted.

    With no revision named, every mismatch is accepted. Naming a revision whose file did not
    change, or one that is not applied, is an error: nothing is written.
    """
    graph = runner.script.graph()
    context = runner.context
    with runner.guarded():
        journal = _journal(runner)
        current = frozenset(context.get_current_heads())
        mismatched = {m.revision: m for m in checksum_mismatches(runner.script, graph, current, journal.checksums())}
        applied = graph.ancestors(row for row in current if row in graph)
        chosen = [graph.resolve(ident).revision for ident in revisions] if revisions else sorted(mismatched)
        for rev_id in chosen:
            if rev_id not in applied:
                raise TargetError(f"revision {rev_id} is not applied to this database: there is no checksum to accept")
        with context.begin_transaction(), context.begin_transaction(_per_migration=True):
            journal.ensure()
            for rev_id in chosen:
                journal.record(rev_id, "accept", "", "", runner.script.checksum_of(graph.get(rev_id)))
    return chosen


def resolve(runner: Runner, revision: str, how: Resolution) -> str:
    """Settle the step the log shows half done, after the user checked the database by hand.

    ``applied``: the revision's work is all there, the version table moves past it;
    ``rolled-back``: none of it is, the next run starts it afresh; ``pending-ran`` /
    ``pending-not-run``: the statement that was running did / did not take effect, and the
    next run resumes after / from it. Returns a line saying what was recorded.
    """
    graph = runner.script.graph()
    context = runner.context
    with runner.guarded():
        journal = _journal(runner)
        entry = journal.outstanding()
        if entry is None:
            raise TargetError("the log shows no interrupted or half-done step: nothing to resolve")
        if not _names(graph, revision, entry.revision):
            raise TargetError(f"the half-done step is revision {entry.revision}'s {entry.direction}, not {revision}")
        if how in ("pending-ran", "pending-not-run") and not entry.pending_statement:
            raise TargetError(f"revision {entry.revision}'s {entry.direction} had no statement running when it stopped")
        before = frozenset(filter(None, entry.from_heads.split(",")))
        after = frozenset(filter(None, entry.to_heads.split(",")))
        with context.begin_transaction(), context.begin_transaction(_per_migration=True):
            if how == "applied":
                current = frozenset(context.get_current_heads())
                if current != before:
                    raise MigrationError(
                        f"the version table says {','.join(sorted(current)) or 'base'}, not "
                        f"{entry.from_heads or 'base'} as when revision {entry.revision} started: resolve by hand"
                    )
                runner.write_versions(before, after)
            applied_now = how == "applied" and entry.direction == "upgrade" and entry.revision in graph
            checksum = runner.script.checksum_of(graph.get(entry.revision)) if applied_now else None
            journal.mark(entry, outcome=INTERRUPTED if entry.outcome == "running" else None, resolution=how)
            journal.record(entry.revision, "resolve", entry.from_heads, entry.to_heads, checksum, resolution=how)
            if how in ("pending-ran", "pending-not-run"):
                done = list(entry.statements)
                if how == "pending-ran" and entry.pending_statement:
                    done.append(entry.pending_statement)
                journal.reopen(entry, done)
    if how == "applied":
        return f"Recorded revision {entry.revision}'s {entry.direction} as applied: the database is at {entry.to_heads or 'base'}"
    if how == "rolled-back":
        return f"Recorded revision {entry.revision}'s {entry.direction} as rolled back: the next run starts it afresh"
    return f"Recorded; 'dbshift {entry.direction}' resumes revision {entry.revision} {'after' if how == 'pending-ran' else 'from'} that statement"
