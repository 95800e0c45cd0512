"""Loading a project's configuration whatever its format: the one entry point the CLI uses.

The core's :func:`dbshift.config.load_config` reads dbshift's own format only, since the core
must not import this package; here the file that :mod:`dbshift.config.discovery` finds (or
``-c`` names) goes to the TOML loader or to the Alembic ini reader.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbshift.config import Config, load_config
from dbshift.config.discovery import locate_project
from dbshift.errors import ConfigError
from dbshift.util import display_path

__all__ = ["LoadedConfig", "load_project", "load_project_config"]


@dataclass(frozen=True)
class LoadedConfig:
    """A loaded configuration and what reading it noticed, kept out of :class:`Config` because
    no command acts on it: the CLI shows it with ``--debug``.

    ``unknown_keys`` are settings neither dbshift nor Alembic reads (env.py may), each as
    ``alembic.ini: [alembic] 'databases'``; Alembic ignores them, so dbshift does too.
    ``notes`` are one-line remarks: deprecated forms, settings accepted without effect.
    """

    config: Config
    unknown_keys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def debug_lines(self) -> list[str]:
        """What ``--debug`` prints before the command runs."""
        lines = [f"{label}: not an Alembic setting; ignored (env.py can still read it)" for label in self.unknown_keys]
        return lines + list(self.notes)


def load_project(
    config_file: Path | None = None,
    *,
    url: str | None = None,
    name: str | None = None,
    x_arguments: Sequence[str] = (),
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedConfig:
    """The project's configuration and what reading it noticed (unknown keys, deprecations).

    ``config_file`` is ``-c`` (any of dbshift.toml, pyproject.toml, alembic.ini or another
    ini file), else the nearest project file upward; ``url`` is ``--url``, ``name`` is
    ``-n/--name`` (an ini section; an error for dbshift's format, which has none, rather than
    silently reading another database's settings) and ``x_arguments`` the ``-x`` strings.
    """
    cwd = (cwd if cwd is not None else Path.cwd()).resolve()
    environ = os.environ if environ is None else environ
    project = locate_project(config_file, cwd)
    if project.kind == "dbshift":
        if name is not None:
            raise ConfigError(
                f"-n/--name {name}: {display_path(project.path, cwd)} is dbshift's format, which has no "
                f"sections; -n chooses a section of an alembic.ini"
            )
        config = load_config(project.path, url=url, cwd=cwd, environ=environ, x_arguments=x_arguments)
        hook = _run_env_py if _alembic_env_script(config.script_location / "env.py") else _run_with_alembic_names
        return LoadedConfig(dataclasses.replace(config, env_hook=hook))
    from dbshift.compat.alembic.ini import read_alembic_project  # configparser only for ini projects

    return read_alembic_project(
        project.ini, project.pyproject, name=name, url=url, x_arguments=x_arguments, cwd=cwd, environ=environ
    )


def _run_env_py(env: Any) -> None:
    from dbshift.compat.alembic.envscript import run_env_py

    run_env_py(env)


def _run_with_alembic_names(env: Any) -> None:
    """Imported when a command reaches the database, so ``heads`` never loads the runtime."""
    from dbshift.compat.alembic.envscript import run_with_alembic_names

    run_with_alembic_names(env)


_ALEMBIC_IMPORT = re.compile(r"^\s*(?:from\s+alembic\b|import\s+alembic\b)", re.MULTILINE)
_NATIVE_HOOK = re.compile(r"^(?:async\s+)?def\s+run\s*\(", re.MULTILINE)


def _alembic_env_script(path: Path) -> bool:
    """Whether a dbshift project's env.py is an Alembic one (kept after moving over from
    alembic.ini): it imports alembic and defines no ``run(env)`` hook. It then runs as Alembic
    runs it, so dropping alembic.ini never silently changes how migrations connect."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return _ALEMBIC_IMPORT.search(text) is not None and _NATIVE_HOOK.search(text) is None


def load_project_config(
    config_file: Path | None = None,
    *,
    url: str | None = None,
    name: str | None = None,
    x_arguments: Sequence[str] = (),
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """The project's :class:`Config`, from whichever file it uses (see :func:`load_project`)."""
    return load_project(config_file, url=url, name=name, x_arguments=x_arguments, cwd=cwd, environ=environ).config
