"""Reading what an upgrade or downgrade printed (the plain lines of ``dbshift.runtime.progress``).

:func:`parse_runs` checks the shape of the whole output and returns each run's revisions, so a
test asserts the facts (which revisions, in which order, with a time) in one line, and every
test checks on the way that each revision's start line comes before its end line, both
counted ``[n/total]``, with ``-v`` statements only between them, and that a run that went
well ends with its summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

STARTED = re.compile(r"^\[(\d+)/(\d+)\] ((Upgrading|Downgrading) (\S+) -> (\S+): (.+)) \.\.\.$")
FINISHED = re.compile(r"^\[(\d+)/(\d+)\] ((Upgrading|Downgrading) (\S+) -> (\S+): (.+)) \((\d+) ms\)$")
FAILED = re.compile(r"^\[(\d+)/(\d+)\] ((Upgrading|Downgrading) (\S+) -> (\S+): (.+)) failed$")
SUMMARY = re.compile(r"^(Upgraded|Downgraded) to (.+): (\d+) revisions? in (\d+) ms$")
NOTHING = re.compile(r"^Nothing to do: the database is at (.+)$")
STATEMENT = "    "

__all__ = ["FINISHED", "STARTED", "SUMMARY", "Run", "Step", "moves", "parse_runs"]


@dataclass(frozen=True)
class Step:
    verb: str
    source: str
    destination: str
    message: str
    ms: int | None
    """None when the revision failed."""
    statements: tuple[str, ...]


@dataclass
class Run:
    steps: list[Step] = field(default_factory=list)
    at: str | None = None
    """Where the summary (or ``Nothing to do``) says the database is; None when the run failed."""


def parse_runs(lines: list[str]) -> list[Run]:
    """The runs in ``lines``, checked line by line (any other line fails the test)."""
    runs: list[Run] = []
    position = 0

    def fail(why: str) -> AssertionError:
        return AssertionError(f"{why} at line {position + 1}: {lines[position : position + 1]}\n" + "\n".join(lines))

    while position < len(lines):
        line = lines[position]
        nothing = NOTHING.match(line)
        if nothing:
            runs.append(Run(at=nothing.group(1)))
            position += 1
            continue
        run = Run()
        runs.append(run)
        total = None
        while True:
            started = STARTED.match(lines[position]) if position < len(lines) else None
            if started is None:
                raise fail("expected a start line")
            number, count = int(started.group(1)), int(started.group(2))
            if number != len(run.steps) + 1 or (total is not None and count != total):
                raise fail(f"start line out of order (expected [{len(run.steps) + 1}/{total or count}])")
            total = count
            position += 1
            statements = []
            while position < len(lines) and lines[position].startswith(STATEMENT):
                statements.append(lines[position].strip())
                position += 1
            end = FINISHED.match(lines[position]) if position < len(lines) else None
            failed = FAILED.match(lines[position]) if position < len(lines) and end is None else None
            match = end or failed
            if match is None or match.group(1, 2, 3) != started.group(1, 2, 3):
                raise fail("expected the end line of " + started.group(3))
            position += 1
            verb, source, destination, message = started.group(4, 5, 6, 7)
            ms = int(end.group(8)) if end else None
            run.steps.append(Step(verb, source, destination, message, ms, tuple(statements)))
            if failed:
                break
            if number == total:
                summary = SUMMARY.match(lines[position]) if position < len(lines) else None
                if summary is None or int(summary.group(3)) != total:
                    raise fail(f"expected the summary of {total} revisions")
                if summary.group(1) != ("Upgraded" if verb == "Upgrading" else "Downgraded"):
                    raise fail("the summary's verb does not match the revisions'")
                run.at = summary.group(2)
                position += 1
                break
    return runs


def moves(lines: list[str]) -> list[tuple[str, str, str]]:
    """``(verb, from, to)`` of every revision the runs in ``lines`` went through, in order."""
    return [(step.verb, step.source, step.destination) for run in parse_runs(lines) for step in run.steps]
