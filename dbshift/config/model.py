"""The resolved configuration every command runs with, whatever file it came from.

:class:`Config` is the one value the readers produce (``dbshift.toml`` / ``[tool.dbshift]`` in
:mod:`dbshift.config.toml`, ``alembic.ini`` / ``[tool.alembic]`` in :mod:`dbshift.compat`), so
the commands never know which format a project uses. Its paths are absolute and its URL has
its overrides applied: no command re-interprets a setting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from dbshift.config.urls import ENV_URL, resolve_sqlite
from dbshift.errors import ConfigError
from dbshift.util import display_path, import_modules, import_object, mask_url, prepend_sys_path

if TYPE_CHECKING:
    from sqlalchemy import MetaData

__all__ = [
    "ALEMBIC_INI",
    "CONFIG_FILE",
    "ENV_URL",
    "PYPROJECT_FILE",
    "Config",
    "EnvHook",
    "PostWriteHook",
]

# File names live here, at the bottom of the package, because the model, the readers and the
# discovery all name them in messages.
CONFIG_FILE = "dbshift.toml"
PYPROJECT_FILE = "pyproject.toml"
ALEMBIC_INI = "alembic.ini"
"""Found by name only: reading it is :mod:`dbshift.compat`'s job."""


@dataclass(frozen=True)
class PostWriteHook:
    """One post-write hook (Alembic's ``[post_write_hooks]``): run on each new revision file.

    ``type`` is ``console_scripts``, ``exec`` or ``module`` (an Alembic project may also name a
    type its env.py registers); ``options`` holds the hook's other keys as written
    (``entrypoint``, ``executable``, ``module``, ``options``, ``cwd``).
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
    schemas: tuple[str, ...] = ()
    """Schemas autogenerate compares besides the default one and those the models name: for
    schemas holding tables the models do not declare (reported, kept unless asked to drop)."""
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
    """Every ini section as read (interpolated), for env.py's ``config.get_section()``.

    Each section also holds the ini's defaults (``here``), as configparser gives them. When
    ``--url`` or ``DBSHIFT_URL`` overrides the URL, the main section's ``sqlalchemy.url`` is the
    override, so an env.py that builds its engine from the section connects where ``raw_url``
    says. A value outside the main and ``[post_write_hooks]`` sections that cannot be
    interpolated (a logging ``format = %(message)s``) is kept as written, as logging reads it.
    """
    x_arguments: tuple[str, ...] = ()
    """``-x key=value`` arguments of this invocation, for env.py's ``context.get_x_argument()``."""
    transaction_per_migration: bool = True
    """dbshift's own environment: one transaction per revision (True) or one per run (False,
    where the DDL is transactional). An env script decides for itself."""
    env_hook: EnvHook | None = None
    log_table: str | None = None
    """The applied-migration log's table; None: ``<version_table>_log``; "": no log (and so no
    checksums or resumable steps)."""
    lock_timeout: float | None = None
    """Seconds a writing command waits for the migration lock; None: as long as it takes."""
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
        return resolve_sqlite(self.raw_url, self.url_base, self.url_label())

    def display_path(self) -> str:
        """The config file as messages should name it: relative to the cwd when inside it."""
        return display_path(self.path)

    def display_url(self) -> str:
        """The URL with its password masked, or ``"(not set)"``; safe to print."""
        return mask_url(self.url) if self.url is not None else "(not set)"

    def url_key(self) -> str:
        """The setting that holds the URL in this project's file, as messages name it."""
        if self.kind == "alembic":
            return f"[{self.main_section}] 'sqlalchemy.url'"
        return "'url'"

    def url_label(self) -> str:
        """Where the URL was set, as messages name it.

        ``--url``, ``DBSHIFT_URL``, or the file and key: ``dbshift.toml: 'url'``,
        ``alembic.ini: [alembic] 'sqlalchemy.url'``.
        """
        if self.url_source in ("--url", ENV_URL, "(not set)"):
            return self.url_source
        return f"{self.display_path()}: {self.url_key()}"

    def require_url(self) -> str:
        """The database URL, or a ConfigError saying the three places it can be set."""
        if self.url is None:
            if self.kind == "alembic":
                key = f"'sqlalchemy.url' in [{self.main_section}] of {self._file_name()}"
            else:
                key = f"'url' in {self._file_name()}"
            raise ConfigError(f"no database URL: set {key}, {ENV_URL} or --url")
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
        """The file a URL goes in: an Alembic project's is its ini, even one configured in pyproject.toml."""
        if self.kind == "alembic":
            return self.path.name if self.path is not None and self.path.suffix != ".toml" else ALEMBIC_INI
        return self.path.name if self.path is not None else CONFIG_FILE
