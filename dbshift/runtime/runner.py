"""The one run loop: lock, read where the database stands, plan, run and record.

``upgrade``, ``downgrade`` and ``stamp`` all go through :class:`Runner`, online or in --sql
mode, whoever opened the connection (dbshift itself or a project's env.py). Online, the whole
command runs under the migration lock (:mod:`dbshift.runtime.guard`), and the version table
and the applied log are read only once it is held. The runner never begins or commits on its
own account: it asks the migration context for a transaction block around the run and around
each revision, and the context's policy decides which of them is real (see
:meth:`MigrationContext.begin_transaction`). The version table and the log are written right
after each revision's own statements and inside the same transaction, so a failure leaves
them naming the last revision whose work is kept.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType, ModuleType
from typing import Any, Literal

import sqlalchemy as sa

from dbshift.errors import DatabaseError, DbshiftError, MigrationError, ScriptError
from dbshift.operations.api import using_context
from dbshift.runtime.context import MigrationContext, Scope, StatementFailed, one_line
from dbshift.runtime.guard import (
    checksum_mismatches,
    locked,
    refuse_changed,
    refuse_inconsistent,
    refuse_outstanding,
)
from dbshift.runtime.journal import Entry, Journal
from dbshift.runtime.progress import Progress, Report, heads_label, step_line
from dbshift.script.directory import ScriptDirectory
from dbshift.script.plan import Step, plan_downgrade, plan_upgrade, resolve_heads
from dbshift.script.revision import RevisionGraph
from dbshift.script.targets import current_heads

Direction = Literal["upgrade", "downgrade"]

__all__ = ["Runner", "StampResult", "heads_label", "step_line"]


def _where(step: Step) -> str:
    rev = step.revision
    return f"revision {rev.revision} ({rev.path})" if rev.path else f"revision {rev.revision}"


def _rows(heads: frozenset[str] | set[str]) -> str:
    return ",".join(sorted(heads))


@dataclass(frozen=True)
class StampResult:
    """What ``stamp`` changed: the rows before and after."""

    before: tuple[str, ...]
    after: tuple[str, ...]


class Runner:
    """Moves one database (or one --sql script) through the revisions of one script directory.

    ``fn_kwargs`` are passed to every ``upgrade()`` / ``downgrade()`` (Alembic's
    ``context.run_migrations(**kw)``: the multidb template passes ``engine_name``).
    ``lock_timeout``: seconds to wait for the migration lock (None: as long as it takes).
    """

    def __init__(
        self,
        context: MigrationContext,
        script: ScriptDirectory,
        *,
        report: Report = print,
        progress: Progress | None = None,
        fn_kwargs: Mapping[str, Any] = MappingProxyType({}),
        lock_timeout: float | None = None,
    ) -> None:
        self.context = context
        self.script = script
        self.progress = progress if progress is not None else Progress(report)
        self.fn_kwargs = dict(fn_kwargs)
        self.lock_timeout = lock_timeout
        self.journal: Journal | None = None

    # -- where the database stands -----------------------------------------------------------
    def current_rows(self, graph: RevisionGraph, start: str | None = None) -> frozenset[str]:
        """The version table's rows; in --sql mode, the rows ``start`` (a range's left end) denotes."""
        if self.context.as_sql:
            return resolve_heads(graph, start) if start else frozenset()
        return frozenset(self.context.get_current_heads())

    @contextlib.contextmanager
    def guarded(self) -> Iterator[None]:
        """Online: hold the migration lock (and know the log) for the block; --sql: nothing."""
        if self.context.as_sql:
            yield
            return
        with locked(self.context, timeout=self.lock_timeout, on_wait=self.progress.waiting_for_lock) as journal:
            self.journal = journal
            try:
                yield
            finally:
                self.journal = None

    def _check_applied(self, graph: RevisionGraph, current: frozenset[str]) -> None:
        """Refuse when an applied revision's file changed since it ran."""
        if self.journal is not None:
            refuse_changed(checksum_mismatches(self.script, graph, current, self.journal.checksums()))

    def _ensure_tables(self, *, created_in_script: bool) -> None:
        self._ensure_version_table(created_in_script=created_in_script)
        if self.journal is not None:
            with self.context.begin_transaction(_per_migration=True):
                self.journal.ensure()

    # -- upgrade and downgrade ---------------------------------------------------------------
    def run(self, direction: Direction, target: str, *, start: str | None = None) -> list[Step]:
        """Plan from the current rows to ``target`` and run the steps; [] when there is nothing to do."""
        graph = self.script.graph()
        with self.guarded():
            current = self.current_rows(graph, start)
            refuse_inconsistent(graph, current, self.context.version_table.key)
            self._check_applied(graph, current)
            planner = plan_upgrade if direction == "upgrade" else plan_downgrade
            steps = planner(graph, current, target)
            resuming = self._resumable(graph, direction, steps)
            if not steps:
                if not self.context.as_sql:
                    self.progress.nothing_to_do(current)
                return steps
            modules = self._load_modules(steps)  # a broken file fails before anything is written
            context = self.context
            with context.begin_transaction():
                self._ensure_tables(created_in_script=not current)
                for number, step in enumerate(steps):
                    self._run_step(steps, number, modules[step.revision.revision], resuming if number == 0 else None)
            if not context.as_sql:
                self.progress.finished(steps, steps[-1].heads_after)
        return steps

    def _resumable(self, graph: RevisionGraph, direction: Direction, steps: Sequence[Step]) -> Entry | None:
        """The log row of a step cut short that the first step resumes; refuses when a step is
        left half done and this run is not its continuation."""
        journal = self.journal
        entry = journal.outstanding() if journal is not None else None
        if entry is None or journal is None:
            return None
        resumes = (
            entry.direction == direction
            and entry.pending_statement is None
            and bool(steps)
            and steps[0].revision.revision == entry.revision
        )
        if not resumes:
            refuse_outstanding(entry, graph, resumable_by=entry.direction if entry.pending_statement is None else None)
        count = len(entry.statements)
        self.progress.note(
            f"Resuming the {direction} of revision {entry.revision}: {count} of its statements had taken effect "
            "before it stopped; they are checked and skipped"
        )
        return entry

    def _load_modules(self, steps: Sequence[Step]) -> dict[str, ModuleType]:
        modules: dict[str, ModuleType] = {}
        for step in steps:
            rev = step.revision
            if rev.revision in modules:
                continue
            module = self.script.load_module(rev)
            if not callable(getattr(module, step.direction, None)):
                raise ScriptError(
                    f"{rev.path or rev.revision}: revision '{rev.revision}' has no {step.direction}() function"
                )
            modules[rev.revision] = module
        return modules

    def _ensure_version_table(self, *, created_in_script: bool) -> None:
        """Create the version table when it is missing (in --sql mode: when starting from base).
        Online the lock is held, so no other process can be creating it at the same time."""
        context = self.context
        table = context.version_table
        if context.as_sql:
            if created_in_script:
                context.execute(table.create_statement())
            return
        assert context.connection is not None
        if table.exists(context.connection):
            return
        with context.begin_transaction(_per_migration=True):
            try:
                context.connection.execute(table.create_statement())
            except sa.exc.DBAPIError as exc:
                reason = one_line(str(exc.orig if exc.orig is not None else exc))
                raise DatabaseError(
                    f"the database refused to create the version table '{table.key}': {reason}"
                ) from exc

    def _run_step(self, steps: Sequence[Step], number: int, module: ModuleType, resuming: Entry | None) -> None:
        step = steps[number]
        context = self.context
        journal = self.journal
        replay = list(resuming.statements) if resuming is not None else []
        context.begin_step()
        context.step_number = number
        context.replay = list(replay)
        if context.as_sql:  # the script is the output: no progress lines mixed into it
            assert context.output is not None
            context.output.write(f"-- {step_line(step)}\n\n")
        else:
            self.progress.step_started(step, number, len(steps))
            if self.progress.verbose:
                context.on_statement = self.progress.statement
        if journal is not None:
            journal.begin_step(
                step.revision.revision,
                step.direction,
                _rows(step.heads_before),
                _rows(step.heads_after),
                self.script.checksum_of(step.revision),
                done=replay,
                resumes=resuming,
            )
            context.checkpoint = journal.checkpoint
        started = time.perf_counter()
        scope: Scope = context.scope
        try:
            with context.begin_transaction(_per_migration=True):
                scope = context.scope
                with using_context(context):
                    getattr(module, step.direction)(**self.fn_kwargs)
                    context.flush()
                if context.replay:
                    raise MigrationError(
                        f"cannot resume: the interrupted run had made {len(replay)} statements permanent, "
                        f"the revision now runs only {len(replay) - len(context.replay)}; the file changed since"
                    )
                self.write_versions(step.heads_before, step.heads_after)
                if journal is not None:
                    journal.step_succeeded(context.done_sql())
        except BaseException as exc:
            failure = self._failure(steps, number, exc, scope)
            if journal is not None and not isinstance(exc, KeyboardInterrupt):
                kept = context.done_sql()[: context.committed]
                with contextlib.suppress(sa.exc.SQLAlchemyError):  # the log must not hide the real error
                    journal.step_failed(kept, str(failure))
            if not context.as_sql:
                self.progress.step_failed(step, number, len(steps), str(failure))
            raise failure from exc
        finally:
            context.checkpoint = None
            context.on_statement = None
            context.replay = []
        if not context.as_sql:
            elapsed = (time.perf_counter() - started) * 1000
            self.progress.step_finished(step, number, len(steps), elapsed)

    def write_versions(self, before: frozenset[str], after: frozenset[str]) -> None:
        """The version-table statements for one move; online, an UPDATE or DELETE that matches
        no row means somebody else changed the table meanwhile, which must not go unnoticed."""
        context = self.context
        table = context.version_table
        for statement in table.transition(before, after):
            if context.connection is None:
                context.execute(statement)
                continue
            # Straight to the connection: the version rows are not the revision's statements
            # (the log's record of those is what a resumed run replays).
            result = context.connection.execute(statement)
            if not isinstance(statement, sa.Insert) and result.rowcount != 1:
                raise MigrationError(
                    f"another process moved the database: the version table '{table.key}' no longer holds "
                    f"{heads_label(before)} (expected one row to move to {heads_label(after)}, matched "
                    f"{result.rowcount}); this revision's transaction was rolled back"
                )

    # -- failure reports ---------------------------------------------------------------------
    def _failure(self, steps: Sequence[Step], number: int, exc: BaseException, scope: Scope) -> BaseException:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        step = steps[number]
        context = self.context
        if context.as_sql:
            return MigrationError(f"{_where(step)}: {exc}")
        if isinstance(exc, StatementFailed):
            what = f"failed at statement: {exc.sql}: {exc.reason}"
        elif isinstance(exc, DbshiftError):
            what = f"failed: {exc}"
        else:
            what = f"failed: {step.direction}() raised {type(exc).__name__}: {one_line(str(exc))}"
        return MigrationError(f"{_where(step)} {what}; {self._outcome(steps, number, scope)}")

    def _outcome(self, steps: Sequence[Step], number: int, scope: Scope) -> str:
        """What is kept and what the version table says, in the words of the transaction used."""
        context = self.context
        step = steps[number]
        before = heads_label(step.heads_before)
        if scope == "external":
            return (
                "the transaction env.py opened before configure() holds the run's changes; dbshift neither "
                "commits nor rolls it back"
            )
        if not context.impl.features.transactional_ddl:
            done, undone = context.executed_sql(0, context.committed), context.executed_sql(context.committed)
            outcome = (
                f"already applied by this revision and not rolled back ({context.impl.backend} commits DDL"
                f" implicitly): {'; '.join(done) if done else 'nothing'}"
            )
            if undone:
                outcome += f"; rolled back: {'; '.join(undone)}"
            return outcome + f"; the version table still says {before}"
        if context.committed:
            kept = "; ".join(context.executed_sql(0, context.committed))
            earlier = " (and everything before it in this run)" if scope == "run" and number else ""
            return (
                f"what ran before its autocommit block{earlier} stays committed: {kept}; the rest was rolled back;"
                f" the version table still says {before}"
            )
        last = context.last_commit_step
        if scope == "run" and last is not None and last < number:
            kept_at = heads_label(steps[last].heads_before)
            return (
                f"the run's transaction was rolled back to the end of the autocommit block in revision "
                f"{steps[last].revision.revision}; the version table still says {kept_at}"
            )
        if scope == "run" and number:
            initial = heads_label(steps[0].heads_before)
            count = f"{number} revision{'s' if number > 1 else ''}"
            return (
                f"the run is one transaction: its changes and those of the {count} before it were rolled back;"
                f" the database stays at {initial}"
            )
        return f"its changes were rolled back; the database stays at {before}"

    def ensure_version_table(self) -> bool:
        """Create the version table if it is missing (``ensure_version``); whether it was created."""
        context = self.context
        with self.guarded():
            existed = context.connection is not None and context.version_table.exists(context.connection)
            with context.begin_transaction():
                self._ensure_version_table(created_in_script=True)
        return not existed

    # -- stamp -------------------------------------------------------------------------------
    def stamp(self, target: str | Sequence[str], *, start: str | None = None, purge: bool = False) -> StampResult:
        """Write the version table to say ``target`` without running any revision.

        As in Alembic, rows on other branches stay: stamping a revision replaces only the rows
        of its own line of descent (its ancestors and descendants), or adds a row for a branch
        not represented yet; ``base`` empties the table and ``purge`` starts from an empty one.
        Refused while the log shows a step left half done (``resolve`` first).
        """
        graph = self.script.graph()
        context = self.context
        with self.guarded():
            if self.journal is not None:
                refuse_outstanding(self.journal.outstanding(), graph)
            if purge:
                current: frozenset[str] = frozenset()
                raw: tuple[str, ...] = () if context.as_sql else context.get_current_heads()  # unknown ones too
            else:
                current = self.current_rows(graph, start)
                raw = tuple(sorted(current))
            targets = [target] if isinstance(target, str) else list(target)
            wanted = frozenset(rid for one in targets for rid in resolve_heads(graph, one, current))
            after = set(current)
            if any(one.strip() == "base" for one in targets):
                after = set()
            for dest in sorted(wanted):
                if dest in after:
                    continue
                related = graph.ancestors([dest]) | graph.descendants([dest])
                after = {row for row in after if row not in related}
                after.add(dest)
            # Only the rows nothing else stamped needs, as Alembic writes them ("heads" may name a
            # head that another head depends on).
            after = set(current_heads(graph, after))
            with context.begin_transaction():
                self._ensure_tables(created_in_script=not current)
                with context.begin_transaction(_per_migration=True):
                    if purge and raw:
                        context.execute(sa.delete(context.version_table.table))
                        self.write_versions(frozenset(), frozenset(after))
                    else:
                        self.write_versions(current, frozenset(after))
                    if self.journal is not None:
                        self.journal.record(_rows(after) or "base", "stamp", _rows(set(raw)), _rows(after))
        return StampResult(raw, tuple(sorted(after)))
