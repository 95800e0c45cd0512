"""Reading and validating dbshift's own format: ``[dbshift]`` in ``dbshift.toml``, ``[tool.dbshift]``
in ``pyproject.toml``.

The table is checked key by key into a :class:`~dbshift.config.model.Config`; every mistake is
a one-line :class:`~dbshift.errors.ConfigError` naming the file and the key. The settings
Alembic projects have (version locations, slug length, hooks...) are keys here too, so a
project can leave ``alembic.ini`` behind for good without losing any of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dbshift.config.model import PYPROJECT_FILE, Config
from dbshift.config.urls import choose_url
from dbshift.config.validate import (
    check_bool,
    check_file_template,
    check_hook_tables,
    check_optional_str,
    check_positive_int,
    check_schema_names,
    check_str,
    check_str_list,
    suggestion,
    type_name,
)
from dbshift.errors import ConfigError
from dbshift.util import display_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "DEFAULTS",
    "KNOWN_KEYS",
    "build_config",
    "mentions_table",
    "read_toml",
    "settings_table",
    "table_name",
    "toml_table",
]

DEFAULTS: Mapping[str, object] = {
    "script_location": "migrations",
    "url": None,
    "target_metadata": None,
    "models": [],
    "version_table": "dbshift_version",
    "version_table_schema": None,
    "file_template": "%(rev)s_%(slug)s",
    "exclude_tables": [],
    "schemas": [],
    # the settings Alembic projects have; relative folders are relative to the config file
    "version_locations": [],
    "recursive_version_locations": False,
    "truncate_slug_length": 40,
    "timezone": None,
    "prepend_sys_path": [],
    "revision_environment": False,
    "post_write_hooks": [],
    "template_file": "script.py.tmpl",
    "transaction_per_migration": True,
    "log_table": None,
    "lock_timeout": None,
}
KNOWN_KEYS: frozenset[str] = frozenset(DEFAULTS)


def table_name(path: Path) -> str:
    """The TOML table holding dbshift's settings in this file."""
    return "tool.dbshift" if path.name == PYPROJECT_FILE else "dbshift"


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; syntax and read errors become a ConfigError naming the file."""
    where = display_path(path)
    try:
        with path.open("rb") as stream:
            data: dict[str, Any] = tomllib.load(stream)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not valid UTF-8 text: {exc.reason}") from exc
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror or exc}") from exc


def toml_table(data: Mapping[str, Any], name: str, path: Path) -> Mapping[str, Any] | None:
    """The dotted table ``name`` (``tool.alembic``), None when absent; not a table is an error."""
    table: Any = data
    for part in name.split("."):
        if not isinstance(table, Mapping) or part not in table:
            return None
        table = table[part]
    if not isinstance(table, Mapping):
        raise ConfigError(f"{display_path(path)}: '{name}' must be a table ([{name}]), got {type_name(table)}")
    return table


def settings_table(data: Mapping[str, Any], path: Path) -> Mapping[str, Any] | None:
    """The ``[dbshift]`` / ``[tool.dbshift]`` table, None when absent; not a table is an error."""
    return toml_table(data, table_name(path), path)


def mentions_table(path: Path, name: str) -> bool:
    """Whether a file that does not parse was meant for us (it names ``tool.dbshift``...).

    A broken pyproject.toml of an unrelated project must not stop the search upward.
    """
    try:
        return name in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _check_keys(settings: Mapping[str, object], where: str, table: str) -> None:
    """Reject unknown keys, suggesting the closest known one (typos are the usual cause)."""
    for key in settings:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{where}: unknown key '{key}' in [{table}]{suggestion(key, KNOWN_KEYS)}")


def _folders(root: Path, names: Sequence[str]) -> tuple[Path, ...]:
    return tuple(Path(os.path.normpath(root / Path(name.strip()).expanduser())) for name in names)


def build_config(
    settings: Mapping[str, object],
    *,
    root: Path,
    path: Path | None = None,
    url: str | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    x_arguments: Sequence[str] = (),
) -> Config:
    """Validate a settings mapping (the TOML table's content) into a :class:`Config`.

    Split from :func:`~dbshift.config.load_config` so tests and the pytest plugin can build a
    configuration without writing a file; ``root`` plays the part of the config file's folder.
    """
    cwd = (cwd if cwd is not None else Path.cwd()).resolve()
    root = root if root.is_absolute() else cwd / root
    where = display_path(path) if path is not None else "dbshift configuration"
    _check_keys(settings, where, table_name(path) if path is not None else "dbshift")
    values = {**DEFAULTS, **settings}

    def label(key: str) -> str:
        return f"{where}: '{key}'"

    script_location = Path(check_str(label("script_location"), values["script_location"])).expanduser()
    target_metadata = check_optional_str(label("target_metadata"), values["target_metadata"])
    chosen_url, url_base, url_source = choose_url(
        check_optional_str(label("url"), values["url"]),
        path.name if path is not None else where,
        root,
        url,
        os.environ if environ is None else environ,
        cwd,
    )
    return Config(
        path=path,
        root=root,
        script_location=Path(os.path.normpath(root / script_location)),
        raw_url=chosen_url,
        url_base=url_base,
        url_source=url_source,
        target_metadata=target_metadata.strip() if target_metadata else None,
        models=tuple(name.strip() for name in check_str_list(label("models"), values["models"])),
        version_table=check_str(label("version_table"), values["version_table"]),
        version_table_schema=check_optional_str(label("version_table_schema"), values["version_table_schema"]),
        file_template=check_file_template(label("file_template"), values["file_template"]),
        exclude_tables=check_str_list(label("exclude_tables"), values["exclude_tables"]),
        schemas=check_schema_names(label("schemas"), values["schemas"]),
        version_locations=_folders(root, check_str_list(label("version_locations"), values["version_locations"])),
        recursive_version_locations=check_bool(
            label("recursive_version_locations"), values["recursive_version_locations"]
        ),
        truncate_slug_length=check_positive_int(label("truncate_slug_length"), values["truncate_slug_length"]),
        timezone=_check_timezone(label("timezone"), values["timezone"]),
        prepend_sys_path=_folders(root, check_str_list(label("prepend_sys_path"), values["prepend_sys_path"])),
        revision_environment=check_bool(label("revision_environment"), values["revision_environment"]),
        post_write_hooks=check_hook_tables(label("post_write_hooks"), values["post_write_hooks"], custom_types=False),
        template_file=_check_template_file(label("template_file"), values["template_file"]),
        transaction_per_migration=check_bool(label("transaction_per_migration"), values["transaction_per_migration"]),
        log_table=_check_log_table(label("log_table"), values["log_table"]),
        lock_timeout=_check_lock_timeout(label("lock_timeout"), values["lock_timeout"]),
        x_arguments=tuple(x_arguments),
    )


def _check_log_table(label: str, value: object) -> str | None:
    """A table name, or "" to turn the log off; None (unset): ``<version_table>_log``."""
    if value is None or value == "":
        return None if value is None else ""
    return check_str(label, value)


def _check_lock_timeout(label: str, value: object) -> float | None:
    """Seconds to wait for the migration lock; None (unset) waits as long as it takes."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{label} must be a number of seconds (0 or more), got {value!r}")
    return float(value)


def _check_template_file(label: str, value: object) -> str:
    """A file name inside script_location: a ``string.Template`` (``.tmpl``) or Mako (``.mako``)."""
    name = check_str(label, value).strip()
    if "/" in name or "\\" in name:
        raise ConfigError(f"{label} must be a file name inside script_location, got {name!r}")
    return name


def _check_timezone(label: str, value: object) -> str | None:
    """A zone name; only its form is checked here, as the zone database may be absent where
    revisions are never written (a deploy image that only upgrades)."""
    zone = check_optional_str(label, value)
    return zone.strip() if zone is not None else None
