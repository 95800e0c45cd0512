"""Commands that move the database: upgrade, downgrade, stamp, ensure_version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from dbshift.cli.app import ALLOW_DASH, TAG, Options, cli, pass_options

LOCK_TIMEOUT = click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Give up after SECONDS waiting for another run's migration lock (default: wait; config: lock_timeout)",
)
STATEMENTS = click.option("-v", "--verbose", is_flag=True, help="Print each statement as it runs.")
JSON = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print only one JSON document at the end: outcome, rows before and after, each revision run, error.",
)


@cli.command(context_settings=ALLOW_DASH)
@click.argument("target", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (TARGET may be FROM:TO).")
@TAG
@STATEMENTS
@JSON
@LOCK_TIMEOUT
@pass_options
def upgrade(
    opts: Options, target: str, sql: bool, tag: str | None, verbose: bool, as_json: bool, lock_timeout: float | None
) -> None:
    """Apply revisions up to TARGET (head, heads, an id, +N)."""
    from dbshift.commands.migrate import upgrade as run

    _move(run, "upgrade", opts, target, sql=sql, tag=tag, verbose=verbose, as_json=as_json, lock_timeout=lock_timeout)


@cli.command(context_settings=ALLOW_DASH)
@click.argument("target")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (TARGET must be FROM:TO).")
@TAG
@STATEMENTS
@JSON
@LOCK_TIMEOUT
@pass_options
def downgrade(
    opts: Options, target: str, sql: bool, tag: str | None, verbose: bool, as_json: bool, lock_timeout: float | None
) -> None:
    """Undo revisions down to TARGET (base, an id, -N)."""
    from dbshift.commands.migrate import downgrade as run

    _move(run, "downgrade", opts, target, sql=sql, tag=tag, verbose=verbose, as_json=as_json, lock_timeout=lock_timeout)


def _move(
    run: Callable[..., Any],
    command: str,
    opts: Options,
    target: str,
    *,
    sql: bool,
    tag: str | None,
    verbose: bool,
    as_json: bool,
    lock_timeout: float | None,
) -> None:
    """Run upgrade or downgrade with the progress output the options ask for."""
    from dbshift.cli.progress import JsonProgress, choose

    if sql:
        if as_json:
            raise click.UsageError("--json cannot be combined with --sql, which prints the SQL script instead")
        run(opts.config(), target, sql=True, tag=tag)
        return
    progress = choose(command, verbose=verbose, as_json=as_json)
    if not isinstance(progress, JsonProgress):
        run(opts.config(), target, tag=tag, progress=progress, lock_timeout=lock_timeout)
        return
    try:
        run(opts.config(), target, tag=tag, progress=progress, lock_timeout=lock_timeout)
    except Exception as exc:
        progress.print_document(error=_one_line(exc))
        raise  # the entry point prints the error line on stderr and exits non-zero
    progress.print_document()


def _one_line(exc: Exception) -> str:
    """The failure as one line (a database driver's own message rather than SQLAlchemy's block)."""
    orig = getattr(exc, "orig", None)
    return " ".join(str(orig if orig is not None else exc).split())


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@click.option("--purge", is_flag=True, help="Empty the version table first (it may hold unknown revisions).")
@TAG
@LOCK_TIMEOUT
@pass_options
def stamp(
    opts: Options, targets: tuple[str, ...], sql: bool, purge: bool, tag: str | None, lock_timeout: float | None
) -> None:
    """Set the version table to TARGETS without running migrations."""
    from dbshift.commands.migrate import stamp as run

    heads = run(opts.config(), list(targets), sql=sql, purge=purge, tag=tag, lock_timeout=lock_timeout)
    if not sql:
        click.echo(f"Stamped the database at {', '.join(heads) or 'base'}")


@cli.command("ensure_version")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@pass_options
def ensure_version(opts: Options, sql: bool) -> None:
    """Create the version table if the database has none."""
    from dbshift.commands.migrate import ensure_version as run

    created = run(opts.config(), sql=sql)
    if not sql:
        click.echo("Created the version table" if created else "The version table exists already")
