"""Finding, reading and validating the dbshift configuration.

The configuration is a ``[dbshift]`` table in ``dbshift.toml`` or a ``[tool.dbshift]`` table in
``pyproject.toml``. It is read once into an immutable :class:`Config` whose paths are absolute
and whose URL has its overrides applied, so no command ever re-interprets a setting. Every
mistake becomes a one-line :class:`~dbshift.errors.ConfigError` naming the file and the key.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from dbshift.errors import ConfigError
from dbshift.util import (
    display_path,
    import_modules,
    import_object,
    mask_url,
    prepend_sys_path,
)

if TYPE_CHECKING:
    from sqlalchemy import MetaData

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "CONFIG_FILE",
    "DEFAULTS",
    "ENV_URL",
    "KNOWN_KEYS",
    "PYPROJECT_FILE",
    "Config",
    "build_config",
    "find_config_file",
    "load_config",
]

CONFIG_FILE = "dbshift.toml"
PYPROJECT_FILE = "pyproject.toml"
ENV_URL = "DBSHIFT_URL"

DEFAULTS: Mapping[str, object] = {
    "script_location": "migrations",
    "url": None,
    "target_metadata": None,
    "models": [],
    "version_table": "dbshift_version",
    "version_table_schema": None,
    "file_template": "%(rev)s_%(slug)s",
    "exclude_tables": [],
}
KNOWN_KEYS: frozenset[str] = frozenset(DEFAULTS)


@dataclass(frozen=True)
class PostWriteHook:
    """One entry of Alembic's ``[post_write_hooks]``: run on each new revision file.

    ``type`` is ``console_scripts``, ``exec`` or ``module``; ``options`` holds the hook's other
    keys as written (``entrypoint``, ``executable``, ``module``, ``options``, ``cwd``).
    """

    name: str
    type: str
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


EnvHook = Callable[[Any], None]
"""Runs a project's env script for one command; given a ``dbshift.runtime.environment.Environment``.
Set by the Alembic compatibility layer for projects whose ``env.py`` must run (the core only
calls it, so it knows nothing of Alembic)."""


@dataclass(frozen=True, repr=False)
class Config:
    """The settings every command runs with, fully resolved.

    ``url`` is the real URL, password included: pass it to SQLAlchemy, never to a message
    (use :meth:`display_url`). The dataclass ``repr`` is replaced for the same reason. It is
    parsed (and a relative SQLite path resolved) on first use, so commands that never touch
    the database (``heads``, ``history`` without one) do not load SQLAlchemy at all.
    """

    path: Path | None
    root: Path
    script_location: Path
    raw_url: str | None
    """The chosen URL as written (after ``--url`` > ``DBSHIFT_URL`` > file precedence)."""
    url_base: Path
    """The folder a relative SQLite path in ``raw_url`` is relative to."""
    url_source: str
    target_metadata: str | None
    models: tuple[str, ...]
    version_table: str
    version_table_schema: str | None
    file_template: str
    exclude_tables: tuple[str, ...]
    # -- settings Alembic projects have (alembic.ini, [tool.alembic]); dbshift.toml may set them too
    kind: str = "dbshift"
    """``"dbshift"`` (dbshift.toml / [tool.dbshift]) or ``"alembic"`` (alembic.ini / [tool.alembic])."""
    version_locations: tuple[Path, ...] = ()
    """Folders holding revision files, absolute; empty means ``script_location/versions``."""
    recursive_version_locations: bool = False
    truncate_slug_length: int = 40
    timezone: str | None = None
    """Time zone name for ``Create Date`` and file names (``UTC``, ``Europe/Paris``); None: local."""
    prepend_sys_path: tuple[Path, ...] = ()
    """Folders put first on ``sys.path`` before env.py, models or revisions are imported."""
    revision_environment: bool = False
    """Run the env script for ``revision`` even without ``--autogenerate`` (Alembic's option)."""
    post_write_hooks: tuple[PostWriteHook, ...] = ()
    template_file: str = "script.py.tmpl"
    """The revision template's file name inside ``script_location`` (``script.py.mako`` for Alembic)."""
    main_section: str = "alembic"
    """The ini section holding the settings (Alembic's ``-n/--name``)."""
    sections: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    """Every ini section as read (interpolated), for env.py's ``config.get_section()``."""
    x_arguments: tuple[str, ...] = ()
    """``-x key=value`` arguments of this invocation, for env.py's ``context.get_x_argument()``."""
    env_hook: EnvHook | None = None
    """Runs the project's env script; None: dbshift connects by itself (or runs a native hook)."""

    def __repr__(self) -> str:
        shown = mask_url(self.raw_url) if self.raw_url is not None else "(not set)"
        return (
            f"Config(path={self.path!r}, script_location={self.script_location!r}, "
            f"url={shown!r}, url_source={self.url_source!r})"
        )

    @cached_property
    def url(self) -> str | None:
        """The database URL, validated, with a relative SQLite path made absolute."""
        if self.raw_url is None:
            return None
        return _resolve_sqlite(self.raw_url, self.url_base, self.url_label())

    def display_path(self) -> str:
        """The config file as messages should name it: relative to the cwd when inside it."""
        return display_path(self.path)

    def display_url(self) -> str:
        """The URL with its password masked, or ``"(not set)"``; safe to print."""
        return mask_url(self.url) if self.url is not None else "(not set)"

    def url_label(self) -> str:
        """Where the URL was set, as messages name it.

        ``--url``, ``DBSHIFT_URL``, or the file and key: ``dbshift.toml: 'url'``.
        """
        if self.url_source in ("--url", ENV_URL, "(not set)"):
            return self.url_source
        return f"{self.display_path()}: 'url'"

    def require_url(self) -> str:
        """The database URL, or a ConfigError saying the three places it can be set."""
        if self.url is None:
            raise ConfigError(f"no database URL: set 'url' in {self._file_name()}, {ENV_URL} or --url")
        return self.url

    def load_metadata(self) -> MetaData:
        """Import the project's models and return the ``target_metadata`` object.

        The config folder goes first on ``sys.path`` so ``myapp.models`` imports from the
        project even when dbshift runs as an installed script; each ``models`` module is
        imported first so every table is registered before the metadata is read.
        """
        from sqlalchemy import MetaData

        if self.target_metadata is None:
            raise ConfigError(
                f"{self.display_path()}: 'target_metadata' is not set; autogenerate needs it "
                f'(e.g. target_metadata = "myapp.models:Base.metadata")'
            )
        prepend_sys_path(self.root)
        import_modules(self.models, self.path)
        spec = self.target_metadata
        obj = import_object(spec, "target_metadata", self.path)
        if isinstance(obj, MetaData):
            return obj
        hint = ""
        if isinstance(getattr(obj, "metadata", None), MetaData):
            hint = f'; did you mean "{spec}.metadata"?'
        kind = f"the class {obj.__qualname__}" if isinstance(obj, type) else (f"a {type(obj).__qualname__}")
        raise ConfigError(
            f'{self.display_path()}: target_metadata = "{spec}" is {kind}, not a sqlalchemy MetaData{hint}'
        )

    def _file_name(self) -> str:
        return self.path.name if self.path is not None else CONFIG_FILE


# --------------------------------------------------------------------------- discovery


def _table_name(path: Path) -> str:
    """The TOML table holding dbshift's settings in this file."""
    return "tool.dbshift" if path.name == PYPROJECT_FILE else "dbshift"


def _read_toml(path: Path) -> dict[str, Any]:
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


def _settings_table(data: Mapping[str, Any], path: Path) -> Mapping[str, Any] | None:
    """The ``[dbshift]`` / ``[tool.dbshift]`` table, None when absent; not a table is an error."""
    table: Any = data
    name = _table_name(path)
    for part in name.split("."):
        if not isinstance(table, Mapping) or part not in table:
            return None
        table = table[part]
    if not isinstance(table, Mapping):
        raise ConfigError(f"{display_path(path)}: '{name}' must be a table ([{name}]), got {_type_name(table)}")
    return table


def _search(start: Path) -> tuple[Path | None, list[Path]]:
    """Walk up from ``start``; return the config file and any dbshift.toml lacking [dbshift].

    A dbshift.toml without the table is skipped, but remembered so the "not found" message
    can point at it. A broken pyproject.toml is only an error if it mentions ``tool.dbshift``:
    an unrelated project's file must not stop the search.
    """
    skipped: list[Path] = []
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            if _settings_table(_read_toml(candidate), candidate) is not None:
                return candidate, skipped
            skipped.append(candidate)
        candidate = folder / PYPROJECT_FILE
        if candidate.is_file():
            try:
                data = _read_toml(candidate)
            except ConfigError:
                if _mentions_dbshift(candidate):
                    raise
                continue
            if _settings_table(data, candidate) is not None:
                return candidate, skipped
    return None, skipped


def _mentions_dbshift(path: Path) -> bool:
    try:
        return "tool.dbshift" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def find_config_file(start: Path) -> Path | None:
    """The nearest config file at or above ``start``; dbshift.toml wins over pyproject.toml.

    Searching upward lets every command run from any subfolder of the project, like git.
    """
    return _search(start)[0]


# --------------------------------------------------------------------------- validation


def _type_name(value: object) -> str:
    """TOML's name for a parsed value's type, for "expected X, got Y" messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string" if value else "an empty string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return "a date/time" if hasattr(value, "isoformat") else type(value).__name__


def _check_str(key: str, value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: '{key}' must be a non-empty string, got {_type_name(value)}")
    return value


def _check_optional_str(key: str, value: object, where: str) -> str | None:
    return None if value is None else _check_str(key, value, where)


def _check_str_list(key: str, value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: '{key}' must be an array of strings, got {_type_name(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(
                f"{where}: '{key}' must be an array of non-empty strings, but item {index + 1} is {_type_name(item)}"
            )
    return tuple(value)


def _check_file_template(key: str, value: object, where: str) -> str:
    """A %-style template; a malformed one fails here rather than when writing a revision."""
    template = _check_str(key, value, where)
    try:
        template % _AnyKey()
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{where}: '{key}' is not a valid %-style template (e.g. \"%(rev)s_%(slug)s\"): {exc}"
        ) from exc
    return template


class _AnyKey(dict[str, object]):
    """A mapping that answers every key, to dry-run a %-template without knowing its keys."""

    def __missing__(self, key: str) -> object:
        return 0


def _check_keys(settings: Mapping[str, object], where: str, table: str) -> None:
    """Reject unknown keys, suggesting the closest known one (typos are the usual cause)."""
    for key in settings:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{where}: unknown key '{key}' in [{table}]{hint}")


# --------------------------------------------------------------------------- URLs


def _resolve_sqlite(url: str, base: Path, label: str) -> str:
    """Make a relative SQLite file path absolute against ``base``; leave every other URL alone.

    A relative path in the config file means "next to the config file", wherever the command
    runs from. In-memory databases, ``file:`` URIs and absolute paths are kept as written,
    and non-SQLite URLs are returned byte for byte (no re-rendering of the password).
    """
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:  # ArgumentError, or ValueError for a bad port
        raise ConfigError(
            f"{label} is not a valid database URL "
            f"(expected dialect+driver://user:password@host/dbname): {mask_url(url)}"
        ) from exc
    if parsed.get_backend_name() != "sqlite":
        return url
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    if str(parsed.query.get("uri", "")).lower() in ("true", "1"):
        return url
    path = Path(database).expanduser()
    if path.is_absolute():
        return url
    absolute = os.path.normpath(base / path)
    return parsed.set(database=absolute).render_as_string(hide_password=False)


def _choose_url(
    file_url: str | None,
    file_label: str,
    root: Path,
    override: str | None,
    environ: Mapping[str, str],
    cwd: Path,
) -> tuple[str | None, Path, str]:
    """Apply ``--url`` > ``DBSHIFT_URL`` > the file's url: (url, its base folder, its source).

    Overrides come from a shell, so their relative paths mean the working folder; the file's
    url means the config file's folder.
    """
    if override is not None:
        if not override.strip():
            raise ConfigError("--url: the database URL is empty")
        return override, cwd, "--url"
    env_url = environ.get(ENV_URL, "")
    if env_url.strip():
        return env_url, cwd, ENV_URL
    if file_url is not None:
        return file_url, root, file_label
    return None, root, "(not set)"


# --------------------------------------------------------------------------- loading


def build_config(
    settings: Mapping[str, object],
    *,
    root: Path,
    path: Path | None = None,
    url: str | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Validate a settings mapping (the TOML table's content) into a :class:`Config`.

    Split from :func:`load_config` so tests and the pytest plugin can build a configuration
    without writing a file; ``root`` plays the part of the config file's folder.
    """
    cwd = (cwd if cwd is not None else Path.cwd()).resolve()
    root = root if root.is_absolute() else cwd / root
    where = display_path(path) if path is not None else "dbshift configuration"
    _check_keys(settings, where, _table_name(path) if path is not None else "dbshift")
    values = {**DEFAULTS, **settings}
    script_location = Path(_check_str("script_location", values["script_location"], where)).expanduser()
    target_metadata = _check_optional_str("target_metadata", values["target_metadata"], where)
    chosen_url, url_base, url_source = _choose_url(
        _check_optional_str("url", values["url"], where),
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
        models=tuple(name.strip() for name in _check_str_list("models", values["models"], where)),
        version_table=_check_str("version_table", values["version_table"], where),
        version_table_schema=_check_optional_str("version_table_schema", values["version_table_schema"], where),
        file_template=_check_file_template("file_template", values["file_template"], where),
        exclude_tables=_check_str_list("exclude_tables", values["exclude_tables"], where),
    )


def load_config(
    config_file: Path | None = None,
    *,
    url: str | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read the configuration: the file given with ``-c``, else the nearest one upward.

    ``url`` is the ``--url`` option; ``environ`` defaults to ``os.environ`` and ``cwd`` to the
    process's working folder, both injectable so callers and tests need not mutate globals.
    """
    cwd = (cwd if cwd is not None else Path.cwd()).resolve()
    if config_file is not None:
        path = config_file if config_file.is_absolute() else cwd / config_file
        if not path.exists():
            raise ConfigError(f"{config_file}: config file not found")
        if path.is_dir():
            raise ConfigError(f"{config_file}: is a folder; expected a {CONFIG_FILE} or {PYPROJECT_FILE} file")
        path = path.resolve()
        settings = _settings_table(_read_toml(path), path)
        if settings is None:
            name = _table_name(path)
            raise ConfigError(f"{display_path(path)}: no [{name}] table")
    else:
        found, skipped = _search(cwd)
        if found is None:
            note = "".join(f"; {display_path(p, cwd)} has no [dbshift] table" for p in skipped)
            raise ConfigError(
                f"no {CONFIG_FILE} or {PYPROJECT_FILE} with [tool.dbshift] found in {cwd} "
                f"or any parent folder{note}; run 'dbshift init' first"
            )
        path = found
        settings = _settings_table(_read_toml(path), path)
        assert settings is not None
    return build_config(settings, root=path.parent, path=path, url=url, cwd=cwd, environ=environ)
