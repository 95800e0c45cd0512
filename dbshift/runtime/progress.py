"""What a run tells its operator while it goes: one object the runner calls at each event.

The runner never prints: it calls a :class:`Progress`. The base class writes plain lines
through a ``report`` callable (stdout by default), which is what a log collector, CI, or a
library caller wants; the command line swaps in a live terminal line or a JSON collector
without the runner knowing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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


class Progress:
    """Plain lines: each revision when it starts and when it ends, statements with ``verbose``.

    ``number`` is 0-based; ``total`` is the number of steps in the run.
    """

    def __init__(self, report: Report = print, *, verbose: bool = False) -> None:
        self.report = report
        self.verbose = verbose

    def waiting_for_lock(self, holder: str) -> None:
        """Called once, when another process holds the migration lock."""
        self.report(f"waiting for the migration lock held by {holder} ...")

    def nothing_to_do(self, heads: frozenset[str]) -> None:
        self.report(f"Nothing to do: the database is at {heads_label(heads)}")

    def note(self, message: str) -> None:
        """Something the operator should know that is not a step (e.g. a resumed revision)."""
        self.report(message)

    def step_started(self, step: Step, number: int, total: int) -> None:
        self.report(f"[{number + 1}/{total}] {step_line(step)}")

    def statement(self, sql: str) -> None:
        """A statement about to run (one line of SQL); shown only when verbose."""
        if self.verbose:
            self.report(f"    {sql}")

    def step_finished(self, step: Step, number: int, total: int, elapsed_ms: float) -> None:
        self.report(f"[{number + 1}/{total}] {step_line(step)} ({elapsed_ms:.0f} ms)")

    def step_failed(self, step: Step, number: int, total: int, message: str) -> None:
        """The step failed; ``message`` is the error the command will raise (printed by the CLI)."""

    def finished(self, steps: list[Step], heads: frozenset[str]) -> None:
        """The run ended well; ``heads`` is where the database now stands."""
