"""What a run tells its operator while it goes: one object the runner calls at each event.

The runner never prints: it calls a :class:`Progress`. The base class writes plain lines
through a ``report`` callable (stdout by default), which is what a log collector, CI, or a
library caller wants; :class:`Recorder` keeps the events as data instead (what ``--json``
prints). The command line swaps in a live terminal line or the JSON document without the
runner knowing.

The plain lines, one per event, each revision counted ``[n/total]``::

    [1/2] Upgrading base -> aaa111: create t ...
        CREATE TABLE t (id INTEGER NOT NULL, PRIMARY KEY (id))     (verbose only)
    [1/2] Upgrading base -> aaa111: create t (12 ms)
    [2/2] Upgrading aaa111 -> bbb222: add v ...
    [2/2] Upgrading aaa111 -> bbb222: add v (9 ms)
    Upgraded to bbb222: 2 revisions in 31 ms

and a revision that fails ends with ``[2/2] Upgrading aaa111 -> bbb222: add v failed`` (the
error itself is the command's to print: the CLI's one ``error:`` line on stderr).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from dbshift.script.plan import Step

Report = Callable[[str], None]


def heads_label(heads: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    return ", ".join(sorted(heads)) if heads else "base"


def step_line(step: Step) -> str:
    """``Upgrading a -> b: message``: how every output names one step."""
    verb = "Upgrading" if step.direction == "upgrade" else "Downgrading"
    message = f": {step.revision.message}" if step.revision.message else ""
    return f"{verb} {step.source} -> {step.destination}{message}"


def started_line(step: Step, number: int, total: int) -> str:
    """``[1/4] Upgrading a -> b: message ...``: a revision begins (``number`` is 0-based)."""
    return f"[{number + 1}/{total}] {step_line(step)} ..."


def finished_line(step: Step, number: int, total: int, elapsed_ms: float) -> str:
    """``[1/4] Upgrading a -> b: message (12 ms)``: a revision is done, with its own time."""
    return f"[{number + 1}/{total}] {step_line(step)} ({elapsed_ms:.0f} ms)"


def failed_line(step: Step, number: int, total: int) -> str:
    """``[2/4] Upgrading a -> b: message failed``: the error itself is the command's to print."""
    return f"[{number + 1}/{total}] {step_line(step)} failed"


def summary_line(steps: list[Step], heads: frozenset[str], elapsed_ms: float | None) -> str:
    """``Upgraded to ddd444: 4 revisions in 53 ms``: where a run that went well left the database."""
    verb = "Upgraded" if steps and steps[0].direction == "upgrade" else "Downgraded"
    count = f"{len(steps)} revision{'' if len(steps) == 1 else 's'}"
    took = f" in {elapsed_ms:.0f} ms" if elapsed_ms is not None else ""
    return f"{verb} to {heads_label(heads)}: {count}{took}"


class Progress:
    """Plain lines: each revision when it starts and when it ends, statements with ``verbose``,
    and a summary when the run ends well.

    ``number`` is 0-based; ``total`` is the number of steps in the run. Every hook has a safe
    default, so a subclass overrides only the events it shows differently.
    """

    def __init__(self, report: Report = print, *, verbose: bool = False) -> None:
        self.report = report
        self.verbose = verbose
        self._run_started: float | None = None

    def waiting_for_lock(self, holder: str) -> None:
        """Called once, when another process holds the migration lock."""
        self.report(f"waiting for the migration lock held by {holder} ...")

    def nothing_to_do(self, heads: frozenset[str]) -> None:
        self.report(f"Nothing to do: the database is at {heads_label(heads)}")

    def note(self, message: str) -> None:
        """Something the operator should know that is not a step (e.g. a resumed revision)."""
        self.report(message)

    def step_started(self, step: Step, number: int, total: int) -> None:
        self._clock(number)
        self.report(started_line(step, number, total))

    def statement(self, sql: str) -> None:
        """A statement about to run (one line of SQL); shown only when verbose."""
        if self.verbose:
            self.report(f"    {sql}")

    def step_finished(self, step: Step, number: int, total: int, elapsed_ms: float) -> None:
        self.report(finished_line(step, number, total, elapsed_ms))

    def step_failed(self, step: Step, number: int, total: int, message: str) -> None:
        """The step failed; ``message`` is the error the command will raise (printed by the CLI)."""
        self.report(failed_line(step, number, total))

    def finished(self, steps: list[Step], heads: frozenset[str]) -> None:
        """The run ended well; ``heads`` is where the database now stands."""
        self.report(summary_line(steps, heads, self._elapsed_ms()))

    def stopped(self, heads: frozenset[str] | None) -> None:
        """The run is ending on an error (raised next); ``heads``: the version table's rows read
        after it, None when they cannot be known (a transaction env.py still holds, a failed
        read). Called by the command (online only), not the runner; plain output shows
        nothing, the error line says where the database stands."""

    def _clock(self, number: int) -> None:
        """Start the run's clock at its first step (for the summary's time)."""
        if number == 0:
            self._run_started = time.perf_counter()

    def _elapsed_ms(self) -> float | None:
        started = self._run_started
        return (time.perf_counter() - started) * 1000 if started is not None else None


StepOutcome = Literal["success", "failed"]
RunOutcome = Literal["success", "nothing_to_do", "failed"]


@dataclass
class StepRecord:
    """One revision as a run went through it; ``source``/``destination`` are the ids on each
    side (empty: base), as in ``Upgrading a -> b``."""

    revision: str
    direction: Literal["upgrade", "downgrade"]
    source: tuple[str, ...]
    destination: tuple[str, ...]
    message: str
    duration_ms: float | None = None
    outcome: StepOutcome = "failed"
    """Until the step finishes, it counts as failed: a run only leaves a step unfinished by failing."""
    _started: float = field(default_factory=time.perf_counter, repr=False)

    @classmethod
    def of(cls, step: Step) -> StepRecord:
        rev = step.revision
        ids = (rev.revision,)
        down = tuple(rev.down_revisions)
        up = step.direction == "upgrade"
        return cls(rev.revision, step.direction, down if up else ids, ids if up else down, rev.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "direction": self.direction,
            "from": list(self.source),
            "to": list(self.destination),
            "message": self.message,
            "duration_ms": None if self.duration_ms is None else round(self.duration_ms, 1),
            "outcome": self.outcome,
        }


class Recorder(Progress):
    """Keeps a run's events as data instead of printing lines (``--json``); the lock wait,
    notes and (``verbose``) statements, which are not part of the record, still go to ``report``.

    ``before``/``after`` are the version table's rows before and after the run (None: not
    known, e.g. the run failed before reading them).
    """

    def __init__(self, report: Report = print, *, verbose: bool = False) -> None:
        super().__init__(report, verbose=verbose)
        self.before: frozenset[str] | None = None
        self.after: frozenset[str] | None = None
        self.steps: list[StepRecord] = []
        self.idle = False

    def nothing_to_do(self, heads: frozenset[str]) -> None:
        self.idle = True
        if self.before is None:
            self.before = heads
        self.after = heads

    def step_started(self, step: Step, number: int, total: int) -> None:
        if self.before is None:
            self.before = step.heads_before
        self.steps.append(StepRecord.of(step))

    def step_finished(self, step: Step, number: int, total: int, elapsed_ms: float) -> None:
        record = self.steps[-1]
        record.duration_ms = elapsed_ms
        record.outcome = "success"

    def step_failed(self, step: Step, number: int, total: int, message: str) -> None:
        record = self.steps[-1]
        record.duration_ms = (time.perf_counter() - record._started) * 1000

    def finished(self, steps: list[Step], heads: frozenset[str]) -> None:
        self.after = heads

    def stopped(self, heads: frozenset[str] | None) -> None:
        if self.before is None and not self.steps:
            self.before = heads  # nothing ran: the rows read now are the rows it started from
        self.after = heads

    def as_dict(self, command: str, error: str | None = None) -> dict[str, Any]:
        """The run as one JSON-ready document; ``error``: the message the run failed with."""
        outcome: RunOutcome
        if error is not None:
            outcome = "failed"
        else:
            outcome = "nothing_to_do" if self.idle and not self.steps else "success"
        return {
            "command": command,
            "outcome": outcome,
            "from": None if self.before is None else sorted(self.before),
            "to": None if self.after is None else sorted(self.after),
            "steps": [record.as_dict() for record in self.steps],
            "error": error,
        }
