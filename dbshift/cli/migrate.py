"""Commands that move the database: upgrade, downgrade, stamp, ensure_version."""

from __future__ import annotations

import click

from dbshift.cli.app import ALLOW_DASH, TAG, Options, cli, pass_options


@cli.command(context_settings=ALLOW_DASH)
@click.argument("target", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (TARGET may be FROM:TO).")
@TAG
@pass_options
def upgrade(opts: Options, target: str, sql: bool, tag: str | None) -> None:
    """Apply revisions up to TARGET (head, heads, an id, +N)."""
    from dbshift.commands.migrate import upgrade as run

    run(opts.config(), target, sql=sql, report=click.echo, tag=tag)


@cli.command(context_settings=ALLOW_DASH)
@click.argument("target")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (TARGET must be FROM:TO).")
@TAG
@pass_options
def downgrade(opts: Options, target: str, sql: bool, tag: str | None) -> None:
    """Undo revisions down to TARGET (base, an id, -N)."""
    from dbshift.commands.migrate import downgrade as run

    run(opts.config(), target, sql=sql, report=click.echo, tag=tag)


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@click.option("--purge", is_flag=True, help="Empty the version table first (it may hold unknown revisions).")
@TAG
@pass_options
def stamp(opts: Options, targets: tuple[str, ...], sql: bool, purge: bool, tag: str | None) -> None:
    """Set the version table to TARGETS without running migrations."""
    from dbshift.commands.migrate import stamp as run

    heads = run(opts.config(), list(targets), sql=sql, purge=purge, tag=tag)
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
