"""``alembic.config``: the ``Config`` object env.py files read (``context.config``).

It answers from dbshift's own :class:`dbshift.config.Config` of the run: the ini sections as
read, with ``sqlalchemy.url`` replaced by ``--url`` or ``DBSHIFT_URL`` when one was given, so an
env.py that builds its engine from ``config.get_section(config.config_ini_section)`` connects
where the user asked.
"""

from __future__ import annotations

import argparse
import configparser
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO, TypeVar

from dbshift.config import Config as DbshiftConfig

T = TypeVar("T")

# The attributes Alembic's command line puts on cmd_opts; env.py files test some of them.
_CMD_OPTS_DEFAULTS: dict[str, Any] = {
    "cmd": None,
    "x": [],
    "autogenerate": False,
    "sql": False,
    "tag": None,
    "message": None,
    "revision": None,
    "revisions": None,
    "head": None,
    "splice": False,
    "branch_label": None,
    "version_path": None,
    "rev_id": None,
    "depends_on": None,
    "purge": False,
    "verbose": False,
    "indicate_current": False,
    "rev_range": None,
    "name": "alembic",
    "config": None,
    "raiseerr": False,
}


class Config:
    """Alembic's ``Config``, as env.py sees it during a dbshift run."""

    def __init__(
        self,
        file_: str | Path | None = None,
        ini_section: str = "alembic",
        output_buffer: TextIO | None = None,
        stdout: TextIO = sys.stdout,
        cmd_opts: argparse.Namespace | None = None,
        config_args: Mapping[str, Any] | None = None,
        attributes: dict[str, Any] | None = None,
        toml_file: str | Path | None = None,
    ) -> None:
        self.config_file_name = str(file_) if file_ is not None else None
        self.toml_file_name = str(toml_file) if toml_file is not None else None
        self.config_ini_section = ini_section
        self.output_buffer = output_buffer
        self.stdout = stdout
        self.cmd_opts = cmd_opts
        self.config_args = dict(config_args or {})
        self.attributes: dict[str, Any] = attributes if attributes is not None else {}
        """Free for env.py and programs to share objects (Alembic's ``Config.attributes``)."""
        self._sections: dict[str, dict[str, str]] = {}
        self.dbshift_config: DbshiftConfig | None = None

    @classmethod
    def for_run(cls, config: DbshiftConfig, cmd_opts: Mapping[str, Any]) -> Config:
        """The Config of one dbshift command: the project's settings plus the command's options."""
        options = {**_CMD_OPTS_DEFAULTS, **cmd_opts, "x": list(config.x_arguments), "name": config.main_section}
        if config.path is not None:
            options["config"] = str(config.path)
        is_toml = config.path is not None and config.path.suffix == ".toml"
        made = cls(
            file_=None if is_toml else config.path,
            ini_section=config.main_section,
            cmd_opts=argparse.Namespace(**options),
            toml_file=config.path if is_toml else None,
        )
        made.dbshift_config = config
        made._sections = {name: dict(values) for name, values in config.sections.items()}
        main = made._sections.setdefault(config.main_section, {})
        main.setdefault("script_location", str(config.script_location))
        if config.raw_url is not None and (
            config.url_source in ("--url", "DBSHIFT_URL") or "sqlalchemy.url" not in main
        ):
            main["sqlalchemy.url"] = config.raw_url
        return made

    # -- reading -------------------------------------------------------------------------------
    def get_section(self, name: str, default: T | None = None) -> dict[str, str] | T | None:
        if name not in self._sections:
            return default
        return dict(self._sections[name])

    def get_section_option(self, section: str, name: str, default: str | None = None) -> str | None:
        if section not in self._sections:
            raise configparser.NoSectionError(section)
        return self._sections[section].get(name, default)

    def get_main_option(self, name: str, default: str | None = None) -> str | None:
        return self._sections.get(self.config_ini_section, {}).get(name, default)

    def get_alembic_option(self, name: str, default: Any = None) -> Any:
        """Alembic 1.16's reader of a setting from the ini or ``[tool.alembic]``."""
        return self.get_main_option(name, default)

    @property
    def file_config(self) -> configparser.ConfigParser:
        """The sections as a ConfigParser (already interpolated, so without interpolation)."""
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        for name, values in self._sections.items():
            parser[name] = values
        return parser

    # -- writing -------------------------------------------------------------------------------
    def set_main_option(self, name: str, value: str) -> None:
        self.set_section_option(self.config_ini_section, name, value)

    def set_section_option(self, section: str, name: str, value: str) -> None:
        # Alembic's values pass through ConfigParser interpolation: "%%" is a literal "%".
        self._sections.setdefault(section, {})[name] = value.replace("%%", "%")

    def remove_main_option(self, name: str) -> None:
        self._sections.get(self.config_ini_section, {}).pop(name, None)

    def print_stdout(self, text: str, *arg: Any) -> None:
        output = text % arg if arg else text
        (self.output_buffer or self.stdout).write(output + "\n")
