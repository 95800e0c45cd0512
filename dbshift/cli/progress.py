"""How the command line shows a run: plain lines, a live terminal line, or one JSON document.

The events and their words come from :mod:`dbshift.runtime.progress`; this module only chooses
where and how they are written. :func:`choose` picks the mode: ``--json``; a live line when
stdout is a terminal (not under CI, not ``TERM=dumb``); else the plain lines, one per event,
which is what a pipe, a log file or CI gets.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

import click

from dbshift.runtime.progress import Progress, Recorder, failed_line, finished_line, started_line

if TYPE_CHECKING:
    from dbshift.script.plan import Step

REWRITE = "\r\x1b[2K"
"""Back to the start of the line and clear it: the live line is overwritten in place."""

_NOT_CI = ("", "0", "false", "no")


def is_live_terminal(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``stream`` is an interactive terminal that can take a line rewritten in place."""
    env = os.environ if environ is None else environ
    isatty = getattr(stream, "isatty", None)
    if isatty is None or not isatty():
        return False
    if env.get("CI", "").strip().lower() not in _NOT_CI:
        return False
    return env.get("TERM", "") != "dumb"


class LiveProgress(Progress):
    """A terminal: each revision's start line stays on screen while it runs and is then
    rewritten by its end line, so every revision leaves one line. Anything else printed
    meanwhile (``-v`` statements, notes) ends the live line first and gets lines of its own;
    the end line then follows below it."""

    def __init__(self, stream: TextIO, *, verbose: bool = False) -> None:
        super().__init__(self._line, verbose=verbose)
        self.stream = stream
        self._live = False
        """Whether the cursor sits at the end of a start line that has no newline yet."""

    def _write(self, text: str) -> None:
        click.echo(text, file=self.stream, nl=False)
        self.stream.flush()

    def _line(self, text: str) -> None:
        """A line of its own, below the live line if one is showing."""
        self._write(("\n" if self._live else "") + text + "\n")
        self._live = False

    def _replace(self, text: str) -> None:
        """The live line's final text (below it, if other lines came in between)."""
        self._write((REWRITE if self._live else "") + text + "\n")
        self._live = False

    def step_started(self, step: Step, number: int, total: int) -> None:
        self._clock(number)
        text = started_line(step, number, total)
        width = shutil.get_terminal_size().columns
        if len(text) >= width > 4:  # a line that wraps cannot be rewritten in place
            text = text[: width - 4] + "..."
        self._write(("\n" if self._live else "") + text)
        self._live = True

    def step_finished(self, step: Step, number: int, total: int, elapsed_ms: float) -> None:
        self._replace(finished_line(step, number, total, elapsed_ms))

    def step_failed(self, step: Step, number: int, total: int, message: str) -> None:
        self._replace(failed_line(step, number, total))

    def stopped(self, heads: frozenset[str] | None) -> None:
        if self._live:  # the error line (stderr) must start on a line of its own
            self._write("\n")
            self._live = False


class JsonProgress(Recorder):
    """``--json``: nothing on stdout until the run ends, then one document (see
    :meth:`Recorder.as_dict`); the lock wait, notes and ``-v`` statements go to stderr."""

    def __init__(self, command: str, *, verbose: bool = False) -> None:
        super().__init__(lambda line: click.echo(line, err=True), verbose=verbose)
        self.command = command

    def print_document(self, error: str | None = None) -> None:
        click.echo(json.dumps(self.as_dict(self.command, error), indent=2))


def choose(command: str, *, verbose: bool, as_json: bool) -> Progress:
    """The progress a CLI run reports to: JSON, a live terminal line, or plain lines."""
    if as_json:
        return JsonProgress(command, verbose=verbose)
    if is_live_terminal(sys.stdout):
        return LiveProgress(sys.stdout, verbose=verbose)
    return Progress(click.echo, verbose=verbose)
