"""Commands that work on the project's files: init, list_templates, revision, merge, edit, check, import-alembic."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dbshift.cli.app import Options, cli, pass_options
from dbshift.errors import DbshiftError

if TYPE_CHECKING:
    from dbshift.autogenerate.api import UnknownTables


def drop_unknown_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--drop-unknown`` / ``--drop-table``: which tables of schemas other than the default one
    that the models do not declare autogenerate drops (by default: none, each is reported)."""
    command = click.option(
        "--drop-table",
        "drop_tables",
        multiple=True,
        metavar="SCHEMA.TABLE",
        help="Drop this table of another schema that the models do not declare (repeatable).",
    )(command)
    return click.option(
        "--drop-unknown",
        is_flag=True,
        help="Drop every table of another schema that the models do not declare (default: keep, report).",
    )(command)


def _unknown_tables(drop_unknown: bool, drop_tables: tuple[str, ...]) -> UnknownTables:
    from dbshift.autogenerate.api import UnknownTables

    return UnknownTables(drop_all=drop_unknown, drop=tuple(drop_tables))


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
@click.option(
    "--rename",
    "renames",
    multiple=True,
    metavar="TABLE.OLD=TABLE.NEW",
    help="With --autogenerate: this column was renamed, keep its values (repeatable; SCHEMA.TABLE.OLD=... too).",
)
@click.option(
    "--rename-table",
    "rename_tables",
    multiple=True,
    metavar="OLD=NEW",
    help="With --autogenerate: this table was renamed, keep its rows (repeatable; SCHEMA.OLD=SCHEMA.NEW too).",
)
@drop_unknown_options
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
    renames: tuple[str, ...],
    rename_tables: tuple[str, ...],
    drop_unknown: bool,
    drop_tables: tuple[str, ...],
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
        renames=renames,
        rename_tables=rename_tables,
        interactive=sys.stdin is not None and sys.stdin.isatty(),
        unknown=_unknown_tables(drop_unknown, drop_tables),
        report=click.echo,
    )


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
@drop_unknown_options
@pass_options
def check(opts: Options, drop_unknown: bool, drop_tables: tuple[str, ...]) -> None:
    """Exit 0 when models and database match, 1 with the differences otherwise."""
    from dbshift.commands.revision import check_report as run

    report = run(opts.config(), unknown=_unknown_tables(drop_unknown, drop_tables))
    differences = report.differences
    if not differences:
        unseen = any(line.startswith("Note: not compared") for line in report.notes)
        suffix = " (except what could not be compared, below)" if unseen else ""
        click.echo(f"No differences: the database matches the models{suffix}.")
    else:
        click.echo(f"{len(differences)} difference(s) between the models and the database:")
        for line in differences:
            click.echo(f"  {line}")
    for line in report.notes:
        click.echo(line)
    if differences:
        sys.exit(1)


@cli.command("import-alembic")
@pass_options
def import_alembic(opts: Options) -> None:
    """Write dbshift.toml from this Alembic project (alembic.ini + env.py), to move over for good."""
    from dbshift.commands.common import script_directory
    from dbshift.compat.alembic.importer import import_alembic as run

    config = opts.config()
    for line in run(config, script_directory(config)).lines():
        click.echo(line)
