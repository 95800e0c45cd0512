"""The ``dbshift`` command line: parse arguments, call a command function, print its result.

No logic lives here: every command is a function in :mod:`dbshift.commands` that library code
and tests call the same way. Errors a user can cause are printed as one line, without a
traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from dbshift.errors import DbshiftError

if TYPE_CHECKING:
    from dbshift.config import Config


def _single_line(text: str) -> str:
    """Collapse a message onto one line: the CLI's promise is one line per error."""
    return " ".join(text.split())


class Options:
    """The global options, and the configuration they select (loaded when a command needs it)."""

    def __init__(
        self,
        config_file: Path | None,
        url: str | None,
        debug: bool,
        name: str | None = None,
        x_arguments: tuple[str, ...] = (),
    ) -> None:
        self.config_file = config_file
        self.url = url
        self.debug = debug
        self.name = name
        self.x_arguments = x_arguments

    def config(self) -> Config:
        """The project's configuration, whatever its format; ``--debug`` lists what was ignored."""
        from dbshift.compat.loader import load_project

        loaded = load_project(self.config_file, url=self.url, name=self.name, x_arguments=self.x_arguments)
        if self.debug:
            for line in loaded.debug_lines():
                click.echo(f"debug: {line}", err=True)
        return loaded.config


pass_options = click.make_pass_decorator(Options)
ALLOW_DASH = {"ignore_unknown_options": True}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="Config file (dbshift.toml, pyproject.toml, alembic.ini or another ini file).",
)
@click.option("--url", help="Database URL; overrides DBSHIFT_URL and the config file.")
@click.option("-n", "--name", help="Section of alembic.ini holding the settings (default: alembic).")
@click.option(
    "-x",
    "x_arguments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Argument for the project's env.py (context.get_x_argument()); repeatable.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors, and config keys that were ignored.")
@click.version_option(package_name="dbshift")
@click.pass_context
def cli(
    ctx: click.Context,
    config_file: Path | None,
    url: str | None,
    name: str | None,
    x_arguments: tuple[str, ...],
    debug: bool,
) -> None:
    """Schema migrations for SQLAlchemy applications."""
    ctx.obj = Options(config_file, url, debug, name=name, x_arguments=x_arguments)
    if debug:
        _show_debug_notes()


@cli.command()
@click.argument("directory", default="migrations")
@click.option(
    "-t",
    "--template",
    default="dbshift",
    show_default=True,
    help="Project layout: dbshift, or an Alembic-style one (generic, async, multidb, pyproject).",
)
def init(directory: str, template: str) -> None:
    """Create a migration folder and its configuration (dbshift.toml, or alembic.ini with -t)."""
    if template == "dbshift":
        from dbshift.commands.init import init as run

        result = run(directory, cwd=Path.cwd())
    else:
        from dbshift.commands.templates import init_from_template

        result = init_from_template(template, directory, cwd=Path.cwd())
    for line in result.lines():
        click.echo(line)


@cli.command("list_templates")
def list_templates() -> None:
    """List the templates 'init --template' can lay out."""
    from dbshift.commands.templates import list_templates as run

    for line in run():
        click.echo(line)


@cli.command()
@click.option("-m", "--message", default=None, help="What the revision does.")
@click.option("--autogenerate", is_flag=True, help="Compare models with the database and write the operations.")
@click.option("--rev-id", help="Use this revision id instead of a random one.")
@click.option(
    "--head",
    default="head",
    show_default=True,
    help="Parent of the new revision: an id, label, <label>@head, or 'base' for a new branch.",
)
@click.option("--splice", is_flag=True, help="Allow a --head that is not a head (starts a new branch from it).")
@click.option("--branch-label", "branch_labels", multiple=True, help="Branch label for the new revision (repeatable).")
@click.option(
    "--depends-on", "depends_on", multiple=True, help="Revision (id, label or prefix) this one depends on (repeatable)."
)
@click.option("--version-path", help="Version location to write the file into (when there are several).")
@click.option("--sql", is_flag=True, help="Run the environment (revision_environment) in --sql mode: no database.")
@pass_options
def revision(
    opts: Options,
    message: str | None,
    autogenerate: bool,
    rev_id: str | None,
    head: str,
    splice: bool,
    branch_labels: tuple[str, ...],
    depends_on: tuple[str, ...],
    version_path: str | None,
    sql: bool,
) -> None:
    """Write a new revision file."""
    from dbshift.commands.revision import revision as run

    run(
        opts.config(),
        message,
        autogenerate=autogenerate,
        rev_id=rev_id,
        head=head,
        splice=splice,
        branch_labels=branch_labels,
        depends_on=depends_on,
        version_path=version_path,
        sql=sql,
        report=click.echo,
    )


TAG = click.option("--tag", help="An arbitrary string for custom env.py scripts (context.get_tag_argument()).")
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Show each revision's links, path and docstring.")


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
@VERBOSE
@pass_options
def current(opts: Options, verbose: bool) -> None:
    """Show the database's current revision (read-only)."""
    from dbshift.commands.status import current as run

    for line in run(opts.config(), verbose=verbose).lines:
        click.echo(line)


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


@cli.command("import-alembic")
@pass_options
def import_alembic(opts: Options) -> None:
    """Write dbshift.toml from this Alembic project (alembic.ini + env.py), to move over for good."""
    from dbshift.commands.common import script_directory
    from dbshift.compat.alembic.importer import import_alembic as run

    config = opts.config()
    for line in run(config, script_directory(config)).lines():
        click.echo(line)


@cli.command("ensure_version")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@pass_options
def ensure_version(opts: Options, sql: bool) -> None:
    """Create the version table if the database has none."""
    from dbshift.commands.migrate import ensure_version as run

    created = run(opts.config(), sql=sql)
    if not sql:
        click.echo("Created the version table" if created else "The version table exists already")


@cli.command()
@click.argument("revision", default="head")
@pass_options
def edit(opts: Options, revision: str) -> None:
    """Open a revision file in $VISUAL / $EDITOR (REVISION: an id, head, current)."""
    from dbshift.commands.status import revision_path

    path = revision_path(opts.config(), revision)
    try:
        click.edit(filename=str(path))
    except click.ClickException as exc:
        raise DbshiftError(f"cannot open {path} in an editor: {exc.format_message()} (set EDITOR)") from None


@cli.command()
@click.argument("revisions", nargs=-1)
@click.option("-m", "--message", default=None, help="Message of the merge revision.")
@click.option("--rev-id", help="Use this revision id instead of a random one.")
@click.option("--branch-label", "branch_labels", multiple=True, help="Branch label for the new revision (repeatable).")
@click.option("--splice", is_flag=True, help="Allow merging revisions that are not heads.")
@pass_options
def merge(
    opts: Options,
    revisions: tuple[str, ...],
    message: str | None,
    rev_id: str | None,
    branch_labels: tuple[str, ...],
    splice: bool,
) -> None:
    """Write a revision joining several heads (default: all heads)."""
    from dbshift.commands.revision import merge as run

    run(
        opts.config(),
        list(revisions),
        message,
        rev_id=rev_id,
        branch_labels=branch_labels,
        splice=splice,
        report=click.echo,
    )


@cli.command()
@pass_options
def check(opts: Options) -> None:
    """Exit 0 when models and database match, 1 with the differences otherwise."""
    from dbshift.commands.revision import check as run

    differences = run(opts.config())
    if not differences:
        click.echo("No differences: the database matches the models.")
        return
    click.echo(f"{len(differences)} difference(s) between the models and the database:")
    for line in differences:
        click.echo(f"  {line}")
    sys.exit(1)


def _show_debug_notes() -> None:
    """``--debug``: the notes dbshift logs (ignored configure() options...) go to stderr."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    logger = logging.getLogger("dbshift")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="dbshift", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
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
