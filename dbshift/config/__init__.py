"""Finding, reading and validating the dbshift configuration.

The package grows by format, not in one file: :mod:`.model` is the resolved :class:`Config`
every command runs with, :mod:`.toml` reads ``dbshift.toml`` / ``[tool.dbshift]``,
:mod:`.discovery` finds the file upward and loads dbshift's format, :mod:`.urls` chooses the
database URL and :mod:`.validate` holds the checks every reader shares. Alembic's
``alembic.ini`` is read in :mod:`dbshift.compat`, which produces the same ``Config``.
"""

from __future__ import annotations

from dbshift.config.discovery import ProjectFile, find_config_file, find_project_file, load_config
from dbshift.config.model import ALEMBIC_INI, CONFIG_FILE, PYPROJECT_FILE, Config, EnvHook, PostWriteHook
from dbshift.config.toml import DEFAULTS, KNOWN_KEYS, build_config
from dbshift.config.urls import ENV_URL

__all__ = [
    "ALEMBIC_INI",
    "CONFIG_FILE",
    "DEFAULTS",
    "ENV_URL",
    "KNOWN_KEYS",
    "PYPROJECT_FILE",
    "Config",
    "EnvHook",
    "PostWriteHook",
    "ProjectFile",
    "build_config",
    "find_config_file",
    "find_project_file",
    "load_config",
]
