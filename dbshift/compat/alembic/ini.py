"""Reading an Alembic project's settings: ``alembic.ini`` and ``[tool.alembic]`` in ``pyproject.toml``.

Both become the same :class:`~dbshift.config.Config` that ``dbshift.toml`` does, so every
command runs an Alembic project unchanged. What Alembic does is the reference (checked
against Alembic 1.16+ by ``tests/unit/test_alembic_ini.py``):

- the ini is read by configparser with ``%(here)s`` (the ini's folder) as its only default,
  so ``%(here)s`` and ``%%`` work and ``%(other_key)s`` refers to a key of the same section;
- the main section is ``[alembic]``, or the one ``-n/--name`` names;
- a setting is taken from the ini's main section when there, else from ``[tool.alembic]`` of
  the pyproject.toml beside it (where strings interpolate ``%(here)s`` too); the URL is read
  from the ini only, as env.py reads it with ``config.get_main_option``;
- ``version_locations`` and ``prepend_sys_path`` are split by ``path_separator``; without it,
  ``version_locations`` falls back to the deprecated ``version_path_separator`` and both to
  the legacy splitting (deprecated, noted with ``--debug``);
- unknown keys are ignored (and listed with ``--debug``).

Where dbshift is stricter, a setting Alembic would misread fails here as one line naming the
file, section and key: a boolean that is neither ``true`` nor ``false`` (Alembic takes
anything but the exact word ``true`` as false), a slug length that is not a number, a
post-write hook without its type. Relative paths are relative to the file's folder (Alembic:
the working folder, the same folder when it runs where alembic.ini is).
"""

from __future__ import annotations

import codecs
import configparser
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib.machinery import PathFinder
from pathlib import Path
from types import MappingProxyType
from typing import Any

from dbshift.compat.loader import LoadedConfig
from dbshift.config import Config, PostWriteHook
from dbshift.config.toml import read_toml, toml_table
from dbshift.config.urls import choose_url
from dbshift.config.validate import (
    check_bool,
    check_file_template,
    check_hook,
    check_hook_tables,
    check_str,
    check_str_list,
    type_name,
)
from dbshift.errors import ConfigError
from dbshift.util import display_path, one_line

__all__ = ["MAIN_SECTION", "TEMPLATE_FILE", "TOML_TABLE", "VERSION_TABLE", "read_alembic_project", "run_env_py"]

MAIN_SECTION = "alembic"
HOOKS_SECTION = "post_write_hooks"
TOML_TABLE = "tool.alembic"
VERSION_TABLE = "alembic_version"
"""Alembic's default; an env.py passing ``version_table=`` to ``context.configure`` overrides it."""
TEMPLATE_FILE = "script.py.mako"
DEFAULT_FILE_TEMPLATE = "%(rev)s_%(slug)s"
DEFAULT_SLUG_LENGTH = 40

_SETTINGS = frozenset(
    {
        "script_location",
        "version_locations",
        "recursive_version_locations",
        "file_template",
        "truncate_slug_length",
        "prepend_sys_path",
        "timezone",
        "revision_environment",
        "sourceless",
        "output_encoding",
    }
)
INI_KEYS = _SETTINGS | {"sqlalchemy.url", "path_separator", "version_path_separator"}
"""Keys of the main section that Alembic (and so dbshift) reads; the rest are env.py's."""
TOML_KEYS = _SETTINGS | {"post_write_hooks"}
"""Keys of [tool.alembic] Alembic reads: no URL (env.py reads it from the ini) and no separator."""

SEPARATORS: Mapping[str, str] = MappingProxyType({"os": os.pathsep, "space": " ", "newline": "\n", ":": ":", ";": ";"})
_LEGACY_VERSION_SPLIT = re.compile(r", *| +")
_LEGACY_SYS_PATH_SPLIT = re.compile(r", *| +|:")
_HOOK_NAMES_SPLIT = re.compile(r", *| +")
_TRUE_WORDS = frozenset({"true", "yes", "on", "y", "t", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "n", "f", "0"})
_LOGGING_SECTIONS = re.compile(r"(loggers|handlers|formatters|logger_.+|handler_.+|formatter_.+)$")
"""Read by ``logging.config.fileConfig`` without interpolation: a bare ``%(message)s`` is normal."""
_TOML_PERCENT = re.compile(r"%(?:%|\(([^)]*)\)s)?")


class _Ini:
    """The parsed ini file: interpolated values, each failure a one-line error naming the key."""

    def __init__(self, path: Path, section: str) -> None:
        self.path = path
        self.where = display_path(path)
        self.section = section
        self.parser = _parse_ini(path, self.where)

    def label(self, key: str, section: str | None = None) -> str:
        return f"{self.where}: [{section or self.section}] '{key}'"

    def has_main(self) -> bool:
        return self.parser.has_section(self.section)

    def has(self, key: str) -> bool:
        return self.parser.has_option(self.section, key)

    def get(self, key: str, section: str | None = None) -> str:
        section = section or self.section
        try:
            return self.parser.get(section, key)
        except configparser.InterpolationMissingOptionError as exc:
            raise ConfigError(
                f"{self.label(key, section)}: %({exc.reference})s is not a key of [{section}]; only "
                f"%(here)s and the section's own keys can be used (write %% for a literal %)"
            ) from exc
        except configparser.InterpolationError as exc:
            raise ConfigError(
                f"{self.label(key, section)}: invalid %-interpolation (use %(here)s or %(key)s; "
                f"write %% for a literal %): {_interpolation_reason(exc)}"
            ) from exc

    def own_keys(self) -> list[str]:
        """The main section's keys as written, without the defaults every section inherits."""
        defaults = self.parser.defaults()
        return [key for key in self.parser.options(self.section) if key not in defaults]

    def sections(self, notes: list[str]) -> dict[str, dict[str, str]]:
        """Every section interpolated, as env.py's ``config.get_section()`` returns it.

        The main and hooks sections must interpolate (Alembic reads them); elsewhere a value
        that does not is kept as written, and noted unless logging reads it raw anyway.
        """
        out: dict[str, dict[str, str]] = {}
        for section in self.parser.sections():
            values: dict[str, str] = {}
            # defaults first, as configparser's items() (and so Alembic's get_section) gives them
            for key in dict.fromkeys([*self.parser.defaults(), *self.parser.options(section)]):
                if section in (self.section, HOOKS_SECTION):
                    values[key] = self.get(key, section)
                    continue
                try:
                    values[key] = self.parser.get(section, key)
                except configparser.InterpolationError:
                    values[key] = self.parser.get(section, key, raw=True)
                    if not _LOGGING_SECTIONS.match(section):
                        notes.append(f"{self.label(key, section)}: kept as written (it does not %-interpolate)")
            out[section] = values
        return out


def _interpolation_reason(exc: configparser.Error) -> str:
    """configparser's reason without the raw value it quotes (which may hold a password)."""
    return one_line(exc).split(": ", 1)[-1].split("Raw value:")[0].strip().rstrip(".")


def _parse_ini(path: Path, where: str) -> configparser.ConfigParser:
    """Parse like Alembic: ``here`` as the only default, the locale's encoding.

    Syntax errors name the line, never its text: a broken line may be the one with the
    password in it.
    """
    parser = configparser.ConfigParser({"here": path.parent.as_posix()})
    try:
        with path.open(encoding="locale") as stream:
            parser.read_file(stream, source=str(path))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not readable as {exc.encoding} text: {exc.reason}") from exc
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror or exc}") from exc
    except configparser.MissingSectionHeaderError as exc:
        raise ConfigError(f"{where}: line {exc.lineno} comes before any [section] header") from exc
    except configparser.DuplicateSectionError as exc:
        raise ConfigError(f"{where}: section [{exc.section}] appears twice (line {exc.lineno})") from exc
    except configparser.DuplicateOptionError as exc:
        raise ConfigError(f"{where}: [{exc.section}] '{exc.option}' is set twice (line {exc.lineno})") from exc
    except configparser.ParsingError as exc:
        lines = ", ".join(str(lineno) for lineno, _text in exc.errors)
        raise ConfigError(f"{where}: line {lines} is neither a [section] header nor 'key = value'") from exc
    except configparser.Error as exc:
        raise ConfigError(f"{where}: not a valid ini file: {_interpolation_reason(exc)}") from exc
    return parser


class _Toml:
    """``[tool.alembic]``: TOML values, strings interpolated as Alembic does (``%(here)s``, ``%%``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = display_path(path)
        table = toml_table(read_toml(path), TOML_TABLE, path)
        self.table: Mapping[str, Any] = table if table is not None else {}
        self.here = path.parent.as_posix()

    def label(self, key: str) -> str:
        return f"{self.where}: [{TOML_TABLE}] '{key}'"

    def interpolate(self, label: str, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "%%":
                return "%"
            if match.group(1) == "here":
                return self.here
            if match.group(1) is None:
                raise ConfigError(f"{label}: a lone % (write %% for a literal %, %(here)s for the folder)")
            raise ConfigError(f"{label}: %({match.group(1)})s is unknown; only %(here)s is (write %% for a literal %)")

        return _TOML_PERCENT.sub(replace, text)

    def get(self, key: str) -> object:
        value = self.table[key]
        label = self.label(key)
        if isinstance(value, str):
            return self.interpolate(label, value)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return [self.interpolate(f"{label} item {index}", item) for index, item in enumerate(value, start=1)]
        return value


class _Reader:
    """One Alembic project: the ini's main section first, then [tool.alembic], as Alembic looks."""

    def __init__(self, ini_file: _Ini | None, toml: _Toml | None, root: Path) -> None:
        self.ini_file = ini_file
        """The ini even when it lacks the main section (its hooks and sections still count)."""
        self.ini = ini_file if ini_file is not None and ini_file.has_main() else None
        """The ini when settings can come from it."""
        self.toml = toml
        self.root = root
        self.notes: list[str] = []

    def lookup(self, key: str, *, skip_empty: bool = False) -> tuple[object, str, bool] | None:
        """(value, label, came from the ini) for a setting, None when neither file sets it.

        ``skip_empty``: an empty ini value counts as unset (Alembic's rule for path lists).
        """
        if self.ini is not None and self.ini.has(key):
            text = self.ini.get(key)
            if text or not skip_empty:
                return text, self.ini.label(key), True
        if self.toml is not None and key in self.toml.table:
            return self.toml.get(key), self.toml.label(key), False
        return None

    # -- typed settings

    def text(self, key: str) -> tuple[str, str] | None:
        """(value, label) of a string setting that must not be empty, None when unset."""
        found = self.lookup(key)
        if found is None:
            return None
        value, label, _ = found
        return check_str(label, value), label

    def optional_text(self, key: str) -> str | None:
        """A string setting where empty means unset (``timezone =``: local time)."""
        found = self.lookup(key)
        if found is None:
            return None
        value, label, _ = found
        if not isinstance(value, str):
            raise ConfigError(f"{label} must be a string, got {type_name(value)}")
        return value.strip() or None

    def encoding(self) -> None:
        """``output_encoding``: a codec Python knows; noted, as dbshift writes UTF-8 anyway."""
        found = self.text("output_encoding")
        if found is None:
            return
        value, label = found[0].strip(), found[1]
        try:
            codec = codecs.lookup(value).name
        except LookupError as exc:
            raise ConfigError(f"{label} is not an encoding Python knows: '{value}'") from exc
        if codec != "utf-8":
            self.notes.append(f"{label}: {value} is accepted; dbshift writes revision files as UTF-8")

    def exact_bool(self, key: str) -> bool:
        """Alembic's ``get_alembic_boolean_option``: only ``true`` is true in the ini; TOML booleans."""
        found = self.lookup(key)
        if found is None:
            return False
        value, label, from_ini = found
        if not from_ini:
            return check_bool(label, value)
        word = str(value).strip()
        if word in ("true", "false", ""):
            return word == "true"
        raise ConfigError(
            f"{label} must be true or false, got '{word}' (Alembic reads anything but the exact word 'true' as false)"
        )

    def word_bool(self, key: str) -> bool:
        """Alembic's ``asbool``: true/yes/on/1 or false/no/off/0, any case; a TOML boolean too."""
        found = self.lookup(key)
        if found is None:
            return False
        value, label, _ = found
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE_WORDS or word in _FALSE_WORDS or not word:
                return word in _TRUE_WORDS
            raise ConfigError(f"{label} must be true or false, got '{value.strip()}'")
        raise ConfigError(f"{label} must be true or false, got {type_name(value)}")

    def slug_length(self) -> int:
        found = self.lookup("truncate_slug_length")
        if found is None:
            return DEFAULT_SLUG_LENGTH
        value, label, _ = found
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str):
            try:
                number = int(value)
            except ValueError:
                number = None
        if number is None or number < 0:
            shown = f"'{value}'" if isinstance(value, str) else type_name(value)
            raise ConfigError(f"{label} must be a positive integer, got {shown}")
        return number or DEFAULT_SLUG_LENGTH  # Alembic reads 0 as the default

    def path_list(self, key: str, separator_keys: Sequence[str], legacy: re.Pattern[str]) -> list[tuple[str, str]]:
        """(entry, label) for each folder of a path-list setting, split as Alembic splits it."""
        found = self.lookup(key, skip_empty=True)
        if found is None:
            return []
        value, label, from_ini = found
        if not from_ini:
            return [(entry.strip(), label) for entry in check_str_list(label, value)]
        assert self.ini is not None and isinstance(value, str)
        separator = self._separator(key, separator_keys)
        entries = legacy.split(value) if separator is None else value.split(separator)
        return [(entry.strip(), label) for entry in entries if entry.strip()]

    def _separator(self, key: str, names: Sequence[str]) -> str | None:
        assert self.ini is not None
        for name in names:
            if self.ini.has(name):
                value = self.ini.get(name)
                if value not in SEPARATORS:
                    raise ConfigError(f"{self.ini.label(name)} must be os, space, newline, ':' or ';', got '{value}'")
                if name == "version_path_separator":
                    self.notes.append(f"{self.ini.label(name)} is deprecated (Alembic 1.16): use path_separator")
                return SEPARATORS[value]
        self.notes.append(
            f"{self.ini.label(key)} is split the legacy way (on spaces, commas"
            f"{' and colons' if key == 'prepend_sys_path' else ''}) as no path_separator is set; "
            f"Alembic deprecates this: add path_separator = os"
        )
        return None

    def folder(self, entry: str, label: str, search: Sequence[Path]) -> Path:
        """A folder setting: ``package:sub/folder`` (not absolute, has a colon) or a path."""
        if os.path.isabs(entry) or ":" not in entry:
            return Path(os.path.normpath(self.root / entry))
        package, *parts = entry.split(":")
        found = _package_folder(package.strip(), [str(p) for p in search] + sys.path, parts)
        if found is None:
            raise ConfigError(
                f"{label}: package '{package}' of '{entry}' not found on prepend_sys_path or sys.path "
                f"(a 'package:folder' location names an importable package)"
            )
        return found

    def hooks(self) -> tuple[PostWriteHook, ...]:
        """``[post_write_hooks]`` of the ini when it has that section (even empty), else TOML's."""
        ini = self.ini_file
        if ini is not None and ini.parser.has_section(HOOKS_SECTION):
            section = {key: ini.get(key, HOOKS_SECTION) for key in ini.parser.options(HOOKS_SECTION)}
            hooks = []
            for name in _HOOK_NAMES_SPLIT.split(section.get("hooks", "")):
                if not name:
                    continue
                prefix = f"{name}."
                settings = {key[len(prefix) :]: value for key, value in section.items() if key.startswith(prefix)}
                label = _hook_label(ini, name)
                hooks.append(check_hook(name, settings, label, custom_types=True))
            return tuple(hooks)
        if self.toml is not None and "post_write_hooks" in self.toml.table:
            toml = self.toml
            value = toml.table["post_write_hooks"]
            return check_hook_tables(toml.label("post_write_hooks"), value, custom_types=True, convert=toml.interpolate)
        return ()


def run_env_py(env: Any) -> None:
    """The env hook of every Alembic project: its own ``env.py``, run as Alembic runs it.

    Imported when a command reaches the database, not when the configuration is read: the
    runner loads SQLAlchemy, which ``heads`` or ``history`` never need.
    """
    from dbshift.compat.alembic.envscript import run_env_py as run

    run(env)


def _hook_label(ini: _Ini, name: str) -> Callable[[str], str]:
    return lambda key: ini.label(f"{name}.{key}", HOOKS_SECTION)


def _package_folder(package: str, search: list[str], parts: Sequence[str]) -> Path | None:
    """The folder of ``package`` joined with ``parts``, found without importing anything.

    Alembic imports the package to ask importlib.resources; finding its spec on the same
    search path gives the same folder without running the project's code while reading
    configuration.
    """
    locations: list[str] = search
    names = package.split(".")
    for depth in range(1, len(names) + 1):
        fullname = ".".join(names[:depth])
        try:
            spec = PathFinder.find_spec(fullname, locations)
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.submodule_search_locations:
            return None
        locations = list(spec.submodule_search_locations)
    candidates = [Path(location, *parts) for location in locations]
    return next((path for path in candidates if path.exists()), candidates[0])


def read_alembic_project(
    ini_path: Path | None,
    pyproject_path: Path | None,
    *,
    name: str | None = None,
    url: str | None = None,
    x_arguments: Sequence[str] = (),
    cwd: Path,
    environ: Mapping[str, str],
) -> LoadedConfig:
    """An Alembic project's :class:`Config` from its ini and/or its pyproject.toml's [tool.alembic].

    ``name`` is ``-n/--name`` (the ini section; ``alembic`` by default), ``url`` is ``--url``;
    ``DBSHIFT_URL`` in ``environ`` comes next, then the ini's ``sqlalchemy.url``.
    """
    if ini_path is None and pyproject_path is None:
        raise ValueError("read_alembic_project needs an ini file, a pyproject.toml or both")
    section = name if name is not None else MAIN_SECTION
    if name is not None and not name.strip():
        raise ConfigError("-n/--name: the ini section name is empty")
    ini = _Ini(ini_path, section) if ini_path is not None else None
    toml = _Toml(pyproject_path) if pyproject_path is not None else None
    main = ini_path if ini_path is not None else pyproject_path
    assert main is not None
    if ini is None and name is not None:
        raise ConfigError(
            f"-n/--name {name}: {display_path(main)} [{TOML_TABLE}] has no sections; -n chooses a section of an ini file"
        )
    if ini is not None and not ini.has_main() and (toml is None or name is not None):
        chosen = " (chosen with -n/--name)" if name is not None else ""
        raise ConfigError(f"{ini.where}: no [{section}] section{chosen}")

    reader = _Reader(ini, toml, main.parent)
    return _build(reader, main, section, url=url, x_arguments=x_arguments, cwd=cwd, environ=environ)


def _build(
    reader: _Reader,
    main: Path,
    section: str,
    *,
    url: str | None,
    x_arguments: Sequence[str],
    cwd: Path,
    environ: Mapping[str, str],
) -> LoadedConfig:
    root = main.parent
    script = reader.text("script_location")
    if script is None:
        where = f"[{section}]" if reader.ini_file is not None else f"[{TOML_TABLE}]"
        also = f", nor in {reader.toml.where} [{TOML_TABLE}]" if reader.toml and reader.ini_file else ""
        raise ConfigError(
            f"{display_path(main)}: {where} 'script_location' is not set{also} (the folder holding env.py)"
        )
    sys_path = tuple(
        Path(os.path.normpath(root / entry))
        for entry, _label in reader.path_list("prepend_sys_path", ["path_separator"], _LEGACY_SYS_PATH_SPLIT)
    )
    version_entries = reader.path_list(
        "version_locations", ["path_separator", "version_path_separator"], _LEGACY_VERSION_SPLIT
    )
    template = reader.text("file_template")
    reader.encoding()
    sourceless = reader.lookup("sourceless")
    if sourceless is not None and reader.exact_bool("sourceless"):
        reader.notes.append(f"{sourceless[1]}: accepted; dbshift reads revision sources (.py) only")

    ini = reader.ini
    file_url = ini.get("sqlalchemy.url") if ini is not None and ini.has("sqlalchemy.url") else None
    chosen_url, url_base, url_source = choose_url(file_url or None, main.name, root, url, environ, cwd)
    sections = reader.ini_file.sections(reader.notes) if reader.ini_file is not None else {}
    if url_source in ("--url", "DBSHIFT_URL") and chosen_url is not None:
        defaults = dict(reader.ini_file.parser.defaults()) if reader.ini_file is not None else {}
        sections[section] = {**sections.get(section, defaults), "sqlalchemy.url": chosen_url}

    config = Config(
        path=main,
        root=root,
        script_location=reader.folder(script[0].strip(), script[1], sys_path),
        raw_url=chosen_url,
        url_base=url_base,
        url_source=url_source,
        target_metadata=None,
        models=(),
        version_table=VERSION_TABLE,
        version_table_schema=None,
        file_template=check_file_template(template[1], template[0]) if template else DEFAULT_FILE_TEMPLATE,
        exclude_tables=(),
        kind="alembic",
        version_locations=tuple(reader.folder(entry, label, sys_path) for entry, label in version_entries),
        recursive_version_locations=reader.exact_bool("recursive_version_locations"),
        truncate_slug_length=reader.slug_length(),
        timezone=reader.optional_text("timezone"),
        prepend_sys_path=sys_path,
        revision_environment=reader.word_bool("revision_environment"),
        post_write_hooks=reader.hooks(),
        template_file=TEMPLATE_FILE,
        main_section=section,
        sections=MappingProxyType({key: MappingProxyType(values) for key, values in sections.items()}),
        x_arguments=tuple(x_arguments),
        env_hook=run_env_py,
    )
    return LoadedConfig(config, unknown_keys=_unknown_keys(reader), notes=tuple(reader.notes))


def _unknown_keys(reader: _Reader) -> tuple[str, ...]:
    found = []
    if reader.ini is not None:
        found += [reader.ini.label(key) for key in reader.ini.own_keys() if key not in INI_KEYS]
    if reader.toml is not None:
        found += [reader.toml.label(key) for key in reader.toml.table if key not in TOML_KEYS]
    return tuple(found)
