"""Finding the project's configuration file, and loading dbshift's own format.

Commands run from any subfolder of a project, like git: the search walks up from the working
folder and, in each folder, takes the first of

1. ``dbshift.toml`` with a ``[dbshift]`` table,
2. ``pyproject.toml`` with ``[tool.dbshift]``,
3. ``alembic.ini`` (completed by ``[tool.alembic]`` of the ``pyproject.toml`` beside it, as
   Alembic combines the two files of one folder),
4. ``pyproject.toml`` with ``[tool.alembic]`` alone.

so a project that adds dbshift's own file moves over, and an Alembic project works as it is.
Only file names and TOML tables are looked at here: reading an ini file is
:mod:`dbshift.compat`'s job, as the core knows nothing of Alembic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dbshift.config.model import ALEMBIC_INI, CONFIG_FILE, PYPROJECT_FILE, Config
from dbshift.config.toml import build_config, mentions_table, read_toml, settings_table, table_name, toml_table
from dbshift.errors import ConfigError
from dbshift.util import display_path

__all__ = [
    "ProjectFile",
    "find_config_file",
    "find_project_file",
    "load_config",
    "locate_project",
]

ALEMBIC_TABLE = "tool.alembic"


@dataclass(frozen=True)
class ProjectFile:
    """The file(s) a project's configuration is read from.

    ``kind`` is ``"dbshift"`` (``path`` is a dbshift.toml or a pyproject.toml with
    [tool.dbshift]) or ``"alembic"``: then ``ini`` is the ini file and ``pyproject`` the
    pyproject.toml whose [tool.alembic] completes it, either of them possibly None, and
    ``path`` is the ini when there is one (the file messages and ``Config.path`` name).
    """

    path: Path
    kind: str
    ini: Path | None = None
    pyproject: Path | None = None


def _pyproject_tables(path: Path, alembic: bool) -> tuple[bool, bool]:
    """Whether a pyproject.toml has [tool.dbshift], [tool.alembic]; (False, False) if absent.

    A file that does not parse only stops the search when it names one of our tables.
    """
    if not path.is_file():
        return False, False
    try:
        data = read_toml(path)
    except ConfigError:
        if mentions_table(path, "tool.dbshift") or (alembic and mentions_table(path, ALEMBIC_TABLE)):
            raise
        return False, False
    has_dbshift = settings_table(data, path) is not None
    has_alembic = alembic and toml_table(data, ALEMBIC_TABLE, path) is not None
    return has_dbshift, has_alembic


def _in_folder(folder: Path, alembic: bool, skipped: list[Path]) -> ProjectFile | None:
    """The configuration file of one folder, by the precedence in the module docstring."""
    candidate = folder / CONFIG_FILE
    if candidate.is_file():
        if settings_table(read_toml(candidate), candidate) is not None:
            return ProjectFile(candidate, "dbshift")
        skipped.append(candidate)
    pyproject = folder / PYPROJECT_FILE
    has_dbshift, has_alembic = _pyproject_tables(pyproject, alembic)
    if has_dbshift:
        return ProjectFile(pyproject, "dbshift")
    if not alembic:
        return None
    ini = folder / ALEMBIC_INI
    if ini.is_file():
        return ProjectFile(ini, "alembic", ini=ini, pyproject=pyproject if has_alembic else None)
    if has_alembic:
        return ProjectFile(pyproject, "alembic", pyproject=pyproject)
    return None


def _search(start: Path, *, alembic: bool) -> tuple[ProjectFile | None, list[Path]]:
    """Walk up from ``start``; return the project file and any dbshift.toml lacking [dbshift].

    A dbshift.toml without the table is skipped, but remembered so the "not found" message
    can point at it.
    """
    skipped: list[Path] = []
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        found = _in_folder(folder, alembic, skipped)
        if found is not None:
            return found, skipped
    return None, skipped


def find_config_file(start: Path) -> Path | None:
    """The nearest dbshift-format config file at or above ``start``; dbshift.toml wins over
    pyproject.toml. Alembic files are not considered (see :func:`find_project_file`).

    Searching upward lets every command run from any subfolder of the project, like git.
    """
    found = _search(start, alembic=False)[0]
    return found.path if found is not None else None


def find_project_file(start: Path) -> ProjectFile | None:
    """The nearest configuration of any format at or above ``start`` (module docstring order)."""
    return _search(start, alembic=True)[0]


def _explicit_path(config_file: Path, cwd: Path, expected: str) -> Path:
    """The ``-c`` file made absolute; missing files and folders are one-line errors."""
    path = config_file if config_file.is_absolute() else cwd / config_file
    if not path.exists():
        raise ConfigError(f"{config_file}: config file not found")
    if path.is_dir():
        raise ConfigError(f"{config_file}: is a folder; expected {expected} file")
    return path.resolve()


def _explicit_project(path: Path) -> ProjectFile:
    """What a ``-c`` file is: a pyproject.toml by its tables, another ``.toml`` dbshift's, and
    anything else an ini file (``-c alembic.ini``, ``-c staging.ini``), as Alembic decides."""
    if path.name == PYPROJECT_FILE:
        has_dbshift, has_alembic = _pyproject_tables(path, alembic=True)
        if has_dbshift:
            return ProjectFile(path, "dbshift")
        if has_alembic:
            ini = path.parent / ALEMBIC_INI
            return ProjectFile(path, "alembic", ini=ini if ini.is_file() else None, pyproject=path)
        raise ConfigError(f"{display_path(path)}: no [tool.dbshift] or [tool.alembic] table")
    if path.suffix == ".toml":
        return ProjectFile(path, "dbshift")
    pyproject = path.parent / PYPROJECT_FILE
    has_alembic = _pyproject_tables(pyproject, alembic=True)[1]
    return ProjectFile(path, "alembic", ini=path, pyproject=pyproject if has_alembic else None)


def locate_project(config_file: Path | None, cwd: Path) -> ProjectFile:
    """The ``-c`` file classified, else the nearest project file upward; none is an error."""
    if config_file is not None:
        expected = f"a {CONFIG_FILE}, {PYPROJECT_FILE} or {ALEMBIC_INI}"
        return _explicit_project(_explicit_path(config_file, cwd, expected))
    found, skipped = _search(cwd, alembic=True)
    if found is None:
        note = "".join(f"; {display_path(p, cwd)} has no [dbshift] table" for p in skipped)
        raise ConfigError(
            f"no {CONFIG_FILE} or {PYPROJECT_FILE} (with [tool.dbshift] or [tool.alembic]) or {ALEMBIC_INI} "
            f"found in {cwd} or any parent folder{note}; run 'dbshift init' first"
        )
    return found


def load_config(
    config_file: Path | None = None,
    *,
    url: str | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    x_arguments: Sequence[str] = (),
) -> Config:
    """Read dbshift's own configuration: the file given with ``-c``, else the nearest one upward.

    ``url`` is the ``--url`` option; ``environ`` defaults to ``os.environ`` and ``cwd`` to the
    process's working folder, both injectable so callers and tests need not mutate globals.
    Alembic projects are loaded by ``dbshift.compat.loader.load_project_config``, which calls
    this for dbshift's format.
    """
    cwd = (cwd if cwd is not None else Path.cwd()).resolve()
    if config_file is not None:
        path = _explicit_path(config_file, cwd, f"a {CONFIG_FILE} or {PYPROJECT_FILE}")
        settings = settings_table(read_toml(path), path)
        if settings is None:
            raise ConfigError(f"{display_path(path)}: no [{table_name(path)}] table")
    else:
        found, skipped = _search(cwd, alembic=False)
        if found is None:
            note = "".join(f"; {display_path(p, cwd)} has no [dbshift] table" for p in skipped)
            raise ConfigError(
                f"no {CONFIG_FILE} or {PYPROJECT_FILE} with [tool.dbshift] found in {cwd} "
                f"or any parent folder{note}; run 'dbshift init' first"
            )
        path = found.path
        settings = settings_table(read_toml(path), path)
        assert settings is not None
    return build_config(
        settings, root=path.parent, path=path, url=url, cwd=cwd, environ=environ, x_arguments=x_arguments
    )
