"""Checks shared by every config reader, each failing with one line that names the setting.

Every function takes ``label``, the setting as messages name it (``dbshift.toml: 'models'``,
``alembic.ini: [alembic] 'truncate_slug_length'``), so each format decides how it names a key
and the wording of the complaint stays the same across formats.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Collection, Mapping
from types import MappingProxyType

from dbshift.config.model import PostWriteHook
from dbshift.errors import ConfigError

__all__ = [
    "HOOK_TYPES",
    "check_bool",
    "check_file_template",
    "check_hook",
    "check_hook_tables",
    "check_optional_str",
    "check_positive_int",
    "check_schema_names",
    "check_str",
    "check_str_list",
    "suggestion",
    "type_name",
]

HOOK_TYPES: Mapping[str, str] = MappingProxyType(
    {"console_scripts": "entrypoint", "exec": "executable", "module": "module"}
)
"""The post-write hook types Alembic ships, each with the key it cannot run without."""


def type_name(value: object) -> str:
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


def suggestion(word: str, known: Collection[str]) -> str:
    """``; did you mean 'x'?`` for the closest known word, or nothing (typos are the usual cause)."""
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_str(label: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{label} must be a non-empty string, got {type_name(value)}")
    return value


def check_optional_str(label: str, value: object) -> str | None:
    return None if value is None else check_str(label, value)


def check_str_list(label: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{label} must be an array of strings, got {type_name(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(
                f"{label} must be an array of non-empty strings, but item {index + 1} is {type_name(item)}"
            )
    return tuple(value)


def check_schema_names(label: str, value: object) -> tuple[str, ...]:
    """Schema names (``schemas = ["audit", "billing"]``), stripped, each once."""
    if isinstance(value, str):  # the usual slip: one name, not an array of them
        raise ConfigError(f"{label} must be an array of schema names, e.g. [{value.strip()!r}], got a string")
    return tuple(dict.fromkeys(name.strip() for name in check_str_list(label, value)))


def check_bool(label: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{label} must be true or false, got {type_name(value)}")
    return value


def check_positive_int(label: str, value: object) -> int:
    """An integer of at least 1 (a slug length: 0 or less cannot be meant)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{label} must be a positive integer, got {type_name(value)}")
    if value < 1:
        raise ConfigError(f"{label} must be a positive integer, got {value}")
    return value


def check_file_template(label: str, value: object) -> str:
    """A %-style template; a malformed one fails here rather than when writing a revision."""
    template = check_str(label, value)
    try:
        template % _AnyKey()
    except (ValueError, TypeError) as exc:
        raise ConfigError(f'{label} is not a valid %-style template (e.g. "%(rev)s_%(slug)s"): {exc}') from exc
    return template


class _AnyKey(dict[str, object]):
    """A mapping that answers every key, to dry-run a %-template without knowing its keys."""

    def __missing__(self, key: str) -> object:
        return 0


def check_hook(
    name: str,
    settings: Mapping[str, str],
    label: Callable[[str], str],
    *,
    custom_types: bool,
) -> PostWriteHook:
    """One post-write hook from its settings (``type`` plus the rest); ``label(key)`` names a key.

    The key a type cannot run without is required here, so a broken hook fails when the
    configuration is read rather than after a revision file has been written. ``custom_types``
    lets an Alembic project name a type its env.py registers.
    """
    hook_type = settings.get("type", "").strip()
    if not hook_type:
        raise ConfigError(f"{label('type')} is required for post-write hook '{name}' (console_scripts, exec or module)")
    required = HOOK_TYPES.get(hook_type)
    if required is None and not custom_types:
        raise ConfigError(
            f"{label('type')} must be console_scripts, exec or module, got '{hook_type}'"
            f"{suggestion(hook_type, HOOK_TYPES)}"
        )
    if required is not None and not settings.get(required, "").strip():
        raise ConfigError(f"{label(required)} is required for post-write hook '{name}' of type {hook_type}")
    options = {key: value for key, value in settings.items() if key != "type"}
    return PostWriteHook(name=name, type=hook_type, options=MappingProxyType(options))


def check_hook_tables(
    label: str,
    value: object,
    *,
    custom_types: bool,
    convert: Callable[[str, str], str] | None = None,
) -> tuple[PostWriteHook, ...]:
    """``post_write_hooks`` in TOML: an array of tables, each with ``name``, ``type`` and strings.

    ``convert(item_label, text)`` rewrites each value (``[tool.alembic]`` interpolates
    ``%(here)s``); it must raise a ConfigError naming ``item_label`` for a bad one.
    """
    if not isinstance(value, list):
        raise ConfigError(f"{label} must be an array of tables ([[...post_write_hooks]]), got {type_name(value)}")
    hooks = []
    for index, item in enumerate(value, start=1):
        where = f"{label} item {index}"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where} must be a table, got {type_name(item)}")
        settings: dict[str, str] = {}
        for key, text in item.items():
            if not isinstance(text, str):
                raise ConfigError(f"{where}: '{key}' must be a string, got {type_name(text)}")
            settings[key] = convert(f"{where}: '{key}'", text) if convert is not None else text
        name = settings.pop("name", "").strip()
        if not name:
            raise ConfigError(f"{where}: 'name' is required (the hook's name, e.g. \"black\")")
        label_key = functools.partial(_item_key, f"{where} ('{name}')")
        hooks.append(check_hook(name, settings, label_key, custom_types=custom_types))
    return tuple(hooks)


def _item_key(where: str, key: str) -> str:
    return f"{where}: '{key}'"
