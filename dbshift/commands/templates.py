"""``init -t TEMPLATE`` and ``list_templates``: start an Alembic-style project that dbshift runs.

``dbshift`` (the default) is dbshift's own layout (``dbshift.toml``, no env.py). The others
lay out a project as Alembic's templates of the same names do — ``alembic.ini`` (or
``[tool.alembic]``), ``env.py``, ``script.py.mako``, ``versions/`` — with dbshift's own text,
so a team can run the project with dbshift or Alembic alike.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dbshift.commands.init import InitResult
from dbshift.errors import ConfigError
from dbshift.util import display_path

__all__ = ["TEMPLATES", "init_from_template", "list_templates"]


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    config_files: tuple[str, ...]
    """Files written beside the migration folder (never overwritten)."""
    urls: tuple[str, ...]


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template("dbshift", "dbshift's own layout: dbshift.toml and the migration folder, no env.py.", (), ()),
        Template(
            "generic",
            "Alembic-style, one database: alembic.ini, env.py, script.py.mako.",
            ("alembic.ini",),
            ("sqlite:///app.db",),
        ),
        Template(
            "async",
            "Alembic-style, one database through an asyncio driver (env.py uses run_sync).",
            ("alembic.ini",),
            ("sqlite+aiosqlite:///app.db",),
        ),
        Template(
            "multidb",
            "Alembic-style, several databases migrated together (one section per database).",
            ("alembic.ini",),
            ("sqlite:///engine1.db", "sqlite:///engine2.db"),
        ),
        Template(
            "pyproject",
            "Alembic-style, settings in pyproject.toml [tool.alembic]; alembic.ini keeps the URL and logging.",
            ("pyproject.toml", "alembic.ini"),
            ("sqlite:///app.db",),
        ),
    )
}
FOLDER_FILES = ("README", "env.py", "script.py.mako")


def list_templates() -> list[str]:
    lines = ["Available templates:", ""]
    lines += [f"{t.name} - {t.description}" for t in TEMPLATES.values()]
    lines += [
        "",
        "Templates are used via the 'init' command, e.g.:",
        "",
        "  dbshift init --template generic ./migrations",
    ]
    return lines


def _text(template: str, name: str) -> str:
    """A template's own file, else the generic template's (the layouts share most files)."""
    folder = resources.files("dbshift") / "templates" / "alembic"
    own = folder / template / name
    return (own if own.is_file() else folder / "generic" / name).read_text(encoding="utf-8")


def init_from_template(name: str, directory: str, *, cwd: Path) -> InitResult:
    """Lay out an Alembic-style project: the folder (env.py, script.py.mako, README, versions/)
    in ``cwd/directory`` and its configuration in ``cwd``; nothing existing is overwritten."""
    template = TEMPLATES.get(name)
    if template is None:
        raise ConfigError(
            f"unknown template '{name}'; available: {', '.join(TEMPLATES)} (see 'dbshift list_templates')"
        )
    cwd = cwd.resolve()
    target = Path(directory).expanduser()
    target = target if target.is_absolute() else cwd / target
    shown = display_path(target, cwd)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"{shown}/ already exists and is not an empty folder")
    try:
        relative = target.relative_to(cwd).as_posix()
        location = f"%(here)s/{relative}"
    except ValueError:
        location = target.as_posix()
    values = {
        "script_location": location,
        "script_location_toml": location,
        "url": template.urls[0],
        "url2": template.urls[-1],
    }
    created: list[Path] = []
    skipped: list[str] = []
    if not target.exists():
        target.mkdir(parents=True)
        created.append(target)
    for file in FOLDER_FILES:
        path = target / file
        path.write_text(_text(name, file), encoding="utf-8")
        created.append(path)
    versions = target / "versions"
    versions.mkdir()
    created.append(versions)
    for file in template.config_files:
        path = cwd / file
        text = string.Template(_text(name, file)).substitute(values)
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            created.append(path)
        elif file == "pyproject.toml" and "[tool.alembic]" not in path.read_text(encoding="utf-8"):
            with path.open("a", encoding="utf-8") as handle:
                handle.write("\n" + text)
            skipped.append(f"Added [tool.alembic] to the existing {file}")
        else:
            skipped.append(f"Skipped {file}: it already exists and was left unchanged")
    config_file = cwd / template.config_files[0]
    return InitResult(
        created=created,
        config_file=config_file,
        skipped=skipped,
        base=cwd,
        next_step=(
            f"Next: set sqlalchemy.url in {display_path(cwd / 'alembic.ini', cwd)} and target_metadata in "
            f'{display_path(target / "env.py", cwd)}, then run: dbshift revision --autogenerate -m "initial"'
        ),
    )
