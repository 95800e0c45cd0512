"""Commands around the applied-migration log: log, accept, resolve."""

from __future__ import annotations

import json
import sys

import click

from dbshift.cli.app import Options, cli, pass_options

LOCK_TIMEOUT = click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Give up after SECONDS waiting for another run's migration lock (default: wait; config: lock_timeout).",
)


@cli.command("log")
@click.option("-n", "limit", type=click.IntRange(min=1), metavar="N", help="Show only the N newest entries.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document: the entries, newest first.")
@click.option("--verify", is_flag=True, help="Compare applied revisions' files with their recorded checksums.")
@pass_options
def log_command(opts: Options, limit: int | None, as_json: bool, verify: bool) -> None:
    """Show the applied-migration log, newest first (read-only)."""
    from dbshift.commands.journal import log as run
    from dbshift.script.checksum import short

    report = run(opts.config(), limit=limit, verify=verify)
    if as_json:
        document: dict[str, object] = {"table": report.table, "entries": [e.as_dict() for e in report.entries]}
        if verify:
            document["mismatches"] = [
                {"revision": m.revision, "path": m.path, "recorded": m.recorded, "now": m.now}
                for m in report.mismatches
            ]
        click.echo(json.dumps(document, indent=2))
    elif report.missing_file is not None:
        click.echo(f"No log: there is no database file at {report.missing_file}.")
    elif report.table is None:
        click.echo('The applied-migration log is turned off (log_table = "").')
    elif not report.entries:
        click.echo(f"The log '{report.table}' is empty or does not exist yet.")
    elif not verify:
        for entry in report.entries:
            moved = f"{entry.from_heads or 'base'} -> {entry.to_heads or 'base'}"
            outcome = entry.outcome + (f" ({entry.resolution})" if entry.resolution else "")
            took = f"{entry.duration_ms} ms" if entry.duration_ms is not None else "-"
            click.echo(
                f"#{entry.id} {entry.started_at:%Y-%m-%d %H:%M:%S} {entry.direction} {entry.revision} "
                f"[{moved}] {outcome} {took} {short(entry.checksum)} {entry.user_name}@{entry.host} pid {entry.pid}"
            )
            if entry.error:
                click.echo(f"    error: {' '.join(entry.error.split())}")
            if entry.pending_statement:
                click.echo(f"    running when it stopped: {entry.pending_statement}")
    if verify and not as_json:
        for mismatch in report.mismatches:
            click.echo(f"changed: {mismatch.line()}")
        if not report.mismatches:
            click.echo(f"OK: the {report.checked} applied revision(s) with a recorded checksum match their files.")
    if verify and report.mismatches:
        sys.exit(1)


@cli.command()
@click.argument("revisions", nargs=-1)
@LOCK_TIMEOUT
@pass_options
def accept(opts: Options, revisions: tuple[str, ...], lock_timeout: float | None) -> None:
    """Record the new checksum of edited applied REVISIONS (default: every mismatch), once checked."""
    from dbshift.commands.journal import accept as run

    accepted = run(opts.config(), list(revisions), lock_timeout=lock_timeout)
    click.echo(f"Accepted {', '.join(accepted)}" if accepted else "Nothing to accept: every applied file matches.")


@cli.command()
@click.argument("revision")
@click.option("--applied", "how", flag_value="applied", help="Its work is all in place: move the version past it.")
@click.option("--rolled-back", "how", flag_value="rolled-back", help="None of it is in place: run it afresh next time.")
@click.option("--pending-ran", "how", flag_value="pending-ran", help="The statement that was running took effect.")
@click.option(
    "--pending-not-run", "how", flag_value="pending-not-run", help="The running statement did not take effect."
)
@LOCK_TIMEOUT
@pass_options
def resolve(opts: Options, revision: str, how: str | None, lock_timeout: float | None) -> None:
    """Settle a step the log shows interrupted or half done, after checking the database by hand."""
    from dbshift.commands.journal import resolve as run

    if how is None:
        raise click.UsageError("say what you found: --applied, --rolled-back, --pending-ran or --pending-not-run")
    click.echo(run(opts.config(), revision, how, lock_timeout=lock_timeout))  # type: ignore[arg-type]
