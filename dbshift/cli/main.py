"""The ``dbshift`` command line: parse arguments, call a command function, print its result.

No logic lives here: every command is a function in :mod:`dbshift.commands` that library code
and tests call the same way. Errors a user can cause are printed as one line, without a
traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import gc
import re
import sys
import traceback
from typing import NoReturn

import click

from dbshift.cli import deploy, migrate, project, report  # noqa: F401 - registers the commands
from dbshift.cli.app import Options, cli
from dbshift.errors import DbshiftError

__all__ = ["Options", "cli", "main"]


def _single_line(text: str) -> str:
    """Collapse a message onto one line: the CLI's promise is one line per error."""
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        _main(args)
    finally:
        if argv is None:
            # The process ends here. Python's exit runs the cyclic collector over everything
            # still alive, the models and both schema models after an autogenerate comparison
            # (about 3 s of CPU at 2,000 tables); frozen objects are left to the exit itself.
            gc.freeze()


def _main(args: list[str]) -> None:
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="dbshift", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()  # plain "dbshift": the help, as Click prints it
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _fail(_click_message(exc), debug, exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except DbshiftError as exc:
        _fail(_single_line(str(exc)), debug, exc.exit_code)
    except Exception as exc:
        refused = _database_refusal(exc)
        if refused is None:
            raise  # a bug: shown with its traceback
        _fail(refused, debug, 1)


def _fail(message: str, debug: bool, exit_code: int) -> NoReturn:
    """Print ``error: message`` as one line (after the traceback with ``--debug``) and exit."""
    if debug:
        traceback.print_exc()
    click.echo(f"error: {message}", err=True)
    sys.exit(exit_code)


def _click_message(exc: click.ClickException) -> str:
    """Click's own errors in dbshift's form: ``no such option '--sqll' (did you mean '--sql'?);
    see 'dbshift upgrade --help'`` rather than a usage block and ``Error: No such option...``."""
    text = _single_line(exc.format_message())
    text = _ONE_SUGGESTION.sub(r" (did you mean \1?)", text)
    text = _SUGGESTIONS.sub(r" (did you mean one of \1?)", text).rstrip(".")
    if text[:2].istitle():  # "No such option", not "SQL ..."
        text = text[0].lower() + text[1:]
    if isinstance(exc, click.UsageError):
        ctx = exc.ctx
        text += f"; see '{ctx.command_path if ctx is not None else 'dbshift'} --help'"
    return text


_ONE_SUGGESTION = re.compile(r"\.? Did you mean (.*)\?$")
_SUGGESTIONS = re.compile(r"\.? \(Possible options: (.*)\)$")


def _database_refusal(exc: Exception) -> str | None:
    """The one-line message for a statement the database refused outside a revision, else None.

    Creating the version table in a schema that does not exist is the usual case. The start of
    the statement and the driver's own message are shown; SQLAlchemy's text spans several
    lines and adds the statement's parameters.
    """
    sa_exc = sys.modules.get("sqlalchemy.exc")  # not imported: cannot be a database error
    if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError):
        return None
    reason = _single_line(str(exc.orig if exc.orig is not None else exc))
    statement = _single_line((exc.statement or "").partition("(")[0])
    if len(statement) > _STATEMENT_SHOWN:
        statement = statement[: _STATEMENT_SHOWN - 3] + "..."
    return f"the database refused {statement or 'a statement'}: {reason}"


_STATEMENT_SHOWN = 60
