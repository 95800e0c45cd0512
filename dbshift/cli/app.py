"""The ``dbshift`` group, its global options and the option decorators commands share.

The commands themselves are registered by the modules beside this one (:mod:`.migrate`,
:mod:`.report`, :mod:`.project`); :mod:`.main` imports them all and turns errors into one line.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from dbshift.config import Config


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
"""The context settings of a command whose TARGET may be ``-1``: Click would read it as an
option. Unknown options are still refused, by :class:`Command`."""

_DASH_VALUE = re.compile(r"^-\d")
"""``-1``, ``-2:head``: a relative target, never an option (no dbshift option starts with a digit)."""


class Command(click.Command):
    """A dbshift command: with :data:`ALLOW_DASH`, ``-1`` is a value but an unknown option is
    still a usage error (Click would take ``--sqll`` for the TARGET)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with _naming_the_command(ctx):
            if ctx.ignore_unknown_options:
                self._refuse_unknown_options(ctx, args)
            return super().parse_args(ctx, args)

    def _refuse_unknown_options(self, ctx: click.Context, args: list[str]) -> None:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)

        def unknown(name: str) -> click.NoSuchOption:
            close = difflib.get_close_matches(name, list(takes_value))
            return click.NoSuchOption(name, possibilities=close, ctx=ctx)

        tokens = iter(args)
        for token in tokens:
            if token == "--":
                return
            if token == "-" or not token.startswith("-") or _DASH_VALUE.match(token):
                continue
            if token.startswith("--"):
                name, equals, _value = token.partition("=")
                if name not in takes_value:
                    raise unknown(name)
                if takes_value[name] and not equals:
                    next(tokens, None)  # its value, whatever it looks like
                continue
            # Short options: flags clustered (-vq), the last one perhaps with its value (-tVALUE).
            for position, char in enumerate(token[1:], start=2):
                if f"-{char}" not in takes_value:
                    raise unknown(f"-{char}")
                if takes_value[f"-{char}"]:
                    if position == len(token):
                        next(tokens, None)
                    break


class Group(click.Group):
    command_class = Command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with _naming_the_command(ctx):
            return super().parse_args(ctx, args)


@contextlib.contextmanager
def _naming_the_command(ctx: click.Context) -> Iterator[None]:
    """Usage errors carry the command they belong to (Click leaves it out of some, e.g. a
    missing option value), so the message can point at that command's ``--help``."""
    try:
        yield
    except click.UsageError as exc:
        if exc.ctx is None:
            exc.ctx = ctx
        raise


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
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
        show_debug_notes()


TAG = click.option("--tag", help="An arbitrary string for custom env.py scripts (context.get_tag_argument()).")
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Show each revision's links, path and docstring.")
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts (-v has no effect).")


def show_debug_notes() -> None:
    """``--debug``: the notes dbshift logs (ignored configure() options...) go to stderr."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    logger = logging.getLogger("dbshift")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
