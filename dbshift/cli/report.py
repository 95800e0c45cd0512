"""Commands that only report: current, heads, branches, history, show."""

from __future__ import annotations

import click

from dbshift.cli.app import VERBOSE, Options, cli, pass_options
from dbshift.errors import DbshiftError


@cli.command()
@VERBOSE
@pass_options
def current(opts: Options, verbose: bool) -> None:
    """Show the database's current revision (read-only)."""
    from dbshift.commands.status import current as run

    result = run(opts.config(), verbose=verbose)
    for line in result.lines:
        click.echo(line)
    if result.problem:
        raise DbshiftError(result.problem)


@cli.command()
@VERBOSE
@click.option("--resolve-dependencies", is_flag=True, help="Accepted for Alembic users; heads never count depends_on.")
@pass_options
def heads(opts: Options, verbose: bool, resolve_dependencies: bool) -> None:
    """Show the heads of the migration folder."""
    from dbshift.commands.status import heads as run

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
@pass_options
def history(opts: Options, rev_range: str | None, verbose: bool, indicate_current: bool) -> None:
    """List revisions, newest first."""
    from dbshift.commands.status import history as run

    for line in run(opts.config(), rev_range, verbose=verbose, indicate_current=indicate_current):
        click.echo(line)


@cli.command()
@click.argument("revision")
@pass_options
def show(opts: Options, revision: str) -> None:
    """Show one revision."""
    from dbshift.commands.status import show as run

    for line in run(opts.config(), revision):
        click.echo(line)
