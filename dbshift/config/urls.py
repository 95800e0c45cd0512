"""Choosing the database URL and anchoring a relative SQLite path.

Shared by every config format: ``--url`` > ``DBSHIFT_URL`` > the file's URL is one rule, and a
relative SQLite path in a file means "next to that file" whichever format wrote it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dbshift.errors import ConfigError
from dbshift.util import mask_url

__all__ = ["ENV_URL", "choose_url", "resolve_sqlite"]

ENV_URL = "DBSHIFT_URL"


def resolve_sqlite(url: str, base: Path, label: str) -> str:
    """Make a relative SQLite file path absolute against ``base``; leave every other URL alone.

    A relative path in the config file means "next to the config file", wherever the command
    runs from. In-memory databases, ``file:`` URIs and absolute paths are kept as written,
    and non-SQLite URLs are returned byte for byte (no re-rendering of the password).
    """
    from sqlalchemy.engine import make_url  # here: commands that never connect start faster

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


def choose_url(
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
