"""Commands that only report: current, heads, branches, history, show.

``--json`` prints one JSON document on stdout for scripts (the shapes are in the README); the
exit code and the ``error: ...`` line on stderr stay as without it.
"""

from __future__ import annotations

import json
from typing import Any

import click

from dbshift.cli.app import JSON, VERBOSE, Options, cli, pass_options
from dbshift.errors import DbshiftError


def _print_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2))


@cli.command()
@VERBOSE
@JSON
@pass_options
def current(opts: Options, verbose: bool, as_json: bool) -> None:
    """Show the database's current revision (read-only)."""
    from dbshift.commands.status import current as run

    result = run(opts.config(), verbose=verbose)
    if as_json:
        _print_json(result.as_json())
    else:
        for line in result.lines:
            click.echo(line)
    if result.problem:
        raise DbshiftError(result.problem)


@cli.command()
@VERBOSE
@click.option("--resolve-dependencies", is_flag=True, help="Accepted for Alembic users; heads never count depends_on.")
@JSON
@pass_options
def heads(opts: Options, verbose: bool, resolve_dependencies: bool, as_json: bool) -> None:
    """Show the heads of the migration folder."""
    from dbshift.commands.status import heads as run
    from dbshift.commands.status import heads_json

    if as_json:
        _print_json(heads_json(opts.config()))
        return
    for line in run(opts.config(), verbose=verbose):
        click.echo(line)


@cli.command()
@VERBOSE
@pass_options
def branches(opts: Options, verbose: bool) -> None:
    """Show the revisions where the history branches, and what grows from each."""
    from dbshift.commands.status import branches as run

    for line in run(opts.config(), verbose=verbose):
        click.echo(line)


@cli.command()
@click.option("-r", "--rev-range", help="Range A:B (either side optional; 'current' allowed).")
@VERBOSE
@click.option(
    "-i", "--indicate-current", is_flag=True, help="Mark the database's current revision (reads the database)."
)
@JSON
@pass_options
def history(opts: Options, rev_range: str | None, verbose: bool, indicate_current: bool, as_json: bool) -> None:
    """List revisions, newest first."""
    from dbshift.commands.status import history_listing

    listing = history_listing(opts.config(), rev_range, indicate_current=indicate_current)
    if not as_json:
        for line in listing.lines(verbose=verbose):
            click.echo(line)
        return
    _print_json(listing.as_json())
    if listing.note:
        click.echo(f"note: {listing.note.strip('()')}", err=True)


@cli.command()
@click.argument("revision")
@pass_options
def show(opts: Options, revision: str) -> None:
    """Show one revision."""
    from dbshift.commands.status import show as run

    for line in run(opts.config(), revision):
        click.echo(line)
