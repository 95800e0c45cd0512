"""``dbshift init``: create the migration folder and a starter ``dbshift.toml``.

The command never overwrites anything: a non-empty migration folder is an error and an
existing configuration is left as it is, so running it twice is harmless.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from dbshift.config import CONFIG_FILE, PYPROJECT_FILE, find_config_file, load_config
from dbshift.errors import ConfigError, DbshiftError
from dbshift.util import display_path

__all__ = ["InitResult", "init"]

README_RESOURCE = "README.md"
CONFIG_RESOURCE = "dbshift.toml.tmpl"
TEMPLATE_FILE = "script.py.tmpl"
VERSIONS_DIR = "versions"


@dataclass
class InitResult:
    """What ``init`` did, for the CLI to print (see :meth:`lines`) and for tests to check.

    ``created`` holds absolute paths in creation order; ``skipped`` holds one-line notes about
    things deliberately left alone; ``base`` is the folder paths are shown relative to.
    """

    created: list[Path]
    config_file: Path
    skipped: list[str]
    base: Path | None = field(default=None)
    next_step: str | None = None

    def lines(self) -> list[str]:
        """The lines to print: each created path, each skip note, then the next step."""
        out = []
        for path in self.created:
            shown = display_path(path, self.base)
            out.append(f"Created {shown}/" if path.is_dir() else f"Created {shown}")
        out.extend(self.skipped)
        config = display_path(self.config_file, self.base)
        out.append(
            self.next_step
            or f'Next: set url and target_metadata in {config}, then run: dbshift revision --autogenerate -m "initial"'
        )
        return out


def _resource_text(name: str) -> str:
    """A file shipped under ``dbshift/templates/``; read via importlib so zipped installs work."""
    return (resources.files("dbshift") / "templates" / name).read_text(encoding="utf-8")


def _toml_string(value: str) -> str:
    """A TOML basic string; JSON's escaping is a subset of what TOML accepts."""
    return json.dumps(value, ensure_ascii=False)


def _script_location_setting(target: Path, cwd: Path, directory: str) -> str:
    """The folder as dbshift.toml should record it: relative to the file when possible."""
    try:
        return target.relative_to(cwd).as_posix()
    except ValueError:
        return Path(directory).as_posix()


def _existing_config_note(cwd: Path, target: Path) -> tuple[Path, str] | None:
    """An existing configuration in ``cwd`` that init must not shadow or overwrite.

    The note warns when that configuration points elsewhere than the folder just created,
    since the new folder would then be ignored.
    """
    own = cwd / CONFIG_FILE
    if own.exists():
        note = f"Skipped {CONFIG_FILE}: it already exists and was left unchanged"
        try:
            location = load_config(own, cwd=cwd, environ={}).script_location
        except DbshiftError:
            return own, note
        if location != target:
            note += f" (its script_location is {display_path(location, cwd)}, not {display_path(target, cwd)})"
        return own, note
    pyproject = cwd / PYPROJECT_FILE
    try:
        found = find_config_file(cwd) if pyproject.is_file() else None
    except DbshiftError:
        found = None
    if found == pyproject.resolve():
        return pyproject, (f"Skipped {CONFIG_FILE}: {PYPROJECT_FILE} already has [tool.dbshift] and was left unchanged")
    return None


def init(
    directory: str = "migrations",
    *,
    cwd: Path,
    template_text: str | None = None,
) -> InitResult:
    """Create ``cwd/directory`` (README, revision template, versions/) and ``cwd/dbshift.toml``.

    ``template_text`` is the revision template to install; it defaults to the writer's
    built-in one, imported lazily so this module stays below ``script`` in the layering
    until it actually needs it.
    """
    if template_text is None:
        from dbshift.script.writer import DEFAULT_TEMPLATE

        template_text = DEFAULT_TEMPLATE
    cwd = cwd.resolve()
    target = Path(directory).expanduser()
    target = target if target.is_absolute() else cwd / target
    shown_dir = display_path(target, cwd)
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{shown_dir} already exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise ConfigError(f"{shown_dir}/ already exists and is not empty")

    created: list[Path] = []
    skipped: list[str] = []
    if not target.exists():
        target.mkdir(parents=True)
        created.append(target)
    readme = target / "README.md"
    readme.write_text(_resource_text(README_RESOURCE), encoding="utf-8")
    created.append(readme)
    script_template = target / TEMPLATE_FILE
    script_template.write_text(template_text, encoding="utf-8")
    created.append(script_template)
    versions = target / VERSIONS_DIR
    versions.mkdir()
    created.append(versions)
    gitkeep = versions / ".gitkeep"
    gitkeep.write_text("", encoding="utf-8")
    created.append(gitkeep)

    existing = _existing_config_note(cwd, target)
    if existing is not None:
        config_file, note = existing
        skipped.append(note)
    else:
        config_file = cwd / CONFIG_FILE
        location = _toml_string(_script_location_setting(target, cwd, directory))
        text = string.Template(_resource_text(CONFIG_RESOURCE)).substitute(script_location=location)
        config_file.write_text(text, encoding="utf-8")
        created.append(config_file)
    return InitResult(created=created, config_file=config_file, skipped=skipped, base=cwd)
