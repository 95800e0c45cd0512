"""``dbshift import-alembic``: write ``dbshift.toml`` from an Alembic project, to move over for good.

The settings come from alembic.ini / ``[tool.alembic]`` as dbshift reads them; what only env.py
knows — the models' ``target_metadata``, a ``version_table`` it passes to ``configure()`` — is
learnt by running env.py in --sql mode (no database is touched; it runs in a scratch working
folder, so an env.py that writes files there writes nothing in the project) with a job that only
records what ``configure()`` received. The MetaData object is then found by name among the
modules env.py imported. Revision files stay as they are: they keep ``from alembic import op``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa

from dbshift.config import Config
from dbshift.config.model import CONFIG_FILE
from dbshift.errors import ConfigError
from dbshift.runtime.context import MigrationContext
from dbshift.runtime.environment import Request, run_request
from dbshift.script.directory import ScriptDirectory
from dbshift.util import display_path

# configure() options whose effect dbshift.toml cannot hold; named in the report.
_ENV_ONLY = (
    "include_object",
    "include_name",
    "include_schemas",
    "process_revision_directives",
    "render_item",
    "compare_type",
    "compare_server_default",
    "render_as_batch",
    "user_module_prefix",
)


@dataclass
class ImportResult:
    path: Path
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Wrote {display_path(self.path)}"]
        out += [f"  {key} = {_toml(value)}" for key, value in self.settings.items()]
        out += self.notes
        return out


@contextlib.contextmanager
def _scratch_cwd() -> Iterator[None]:
    before = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="dbshift-import-") as scratch:
        os.chdir(scratch)
        try:
            yield
        finally:
            os.chdir(before)


def _configured(config: Config, script: ScriptDirectory) -> tuple[list[dict[str, Any]], set[str]]:
    """What env.py passed to configure() each time it ran the migrations, and the modules it imported."""
    captured: list[dict[str, Any]] = []

    def job(context: MigrationContext, _kw: Mapping[str, Any]) -> None:
        captured.append(dict(context.opts))

    before = set(sys.modules)
    request = Request("import-alembic", job, as_sql=True, output=io.StringIO(), cmd_opts={"cmd": "import-alembic"})
    with _scratch_cwd():
        run_request(config, request, script)
    return captured, set(sys.modules) - before


def _metadata_name(metadata: sa.MetaData, modules: set[str], root: Path) -> tuple[str, list[str]] | None:
    """``"module:attr"`` naming ``metadata`` in a project module, and the project modules that
    define its tables (to list as ``models``)."""
    found: str | None = None
    defining: set[str] = set()
    tables = set(metadata.tables.values())
    for name in sorted(modules, key=lambda n: (n.count("."), n)):
        module = sys.modules.get(name)
        if module is None or not _inside(module, root) or name == "env_py":
            continue
        for attr, value in vars(module).items():
            if attr.startswith("__"):
                continue
            if found is None and value is metadata:
                found = f"{name}:{attr}"
            elif found is None and getattr(value, "metadata", None) is metadata and isinstance(value, type):
                found = f"{name}:{attr}.metadata"
            table = getattr(value, "__table__", None)
            if (isinstance(value, sa.Table) and value in tables) or (
                isinstance(value, type) and table in tables and value.__module__ == name
            ):
                defining.add(name)
    if found is None:
        return None
    return found, sorted(defining)


def _inside(module: ModuleType, root: Path) -> bool:
    file = getattr(module, "__file__", None)
    if not file:
        return False
    try:
        Path(file).resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def import_alembic(config: Config, script: ScriptDirectory) -> ImportResult:
    """Write ``dbshift.toml`` beside the Alembic project's config; never overwrites."""
    if config.kind != "alembic" or config.path is None:
        raise ConfigError(
            f"{display_path(config.path)} is not an Alembic project; import-alembic reads alembic.ini or [tool.alembic]"
        )
    root = config.path.parent
    target = root / CONFIG_FILE
    if target.exists():
        raise ConfigError(f"{display_path(target)} already exists; not overwriting it")
    captured, imported = _configured(config, script)
    if len(captured) != 1:
        raise ConfigError(
            f"{display_path(script.location / 'env.py')} runs the migrations {len(captured)} times (several databases); "
            "dbshift.toml describes one database: keep env.py"
        )
    opts = captured[0]
    settings: dict[str, Any] = {"script_location": _relative(config.script_location, root)}
    notes: list[str] = []
    if config.raw_url is not None and config.url_source not in ("--url", "DBSHIFT_URL"):
        settings["url"] = config.raw_url
    metadata = opts.get("target_metadata")
    if isinstance(metadata, sa.MetaData):
        named = _metadata_name(metadata, imported, root)
        if named is None:
            notes.append("target_metadata: env.py's MetaData is not a module attribute of the project; set it by hand")
        else:
            settings["target_metadata"], models = named
            module = settings["target_metadata"].split(":")[0]
            if models and models != [module]:
                settings["models"] = models
    elif metadata is not None:
        notes.append("target_metadata: env.py gives several MetaData; dbshift.toml takes one: set it by hand")
    settings["version_table"] = opts.get("version_table") or config.version_table
    if opts.get("version_table_schema") or config.version_table_schema:
        settings["version_table_schema"] = opts.get("version_table_schema") or config.version_table_schema
    settings["transaction_per_migration"] = bool(opts.get("transaction_per_migration", False))
    if config.version_locations:
        settings["version_locations"] = [_relative(p, root) for p in config.version_locations]
    if config.recursive_version_locations:
        settings["recursive_version_locations"] = True
    if config.file_template != "%(rev)s_%(slug)s":
        settings["file_template"] = config.file_template
    if config.truncate_slug_length != 40:
        settings["truncate_slug_length"] = config.truncate_slug_length
    if config.timezone:
        settings["timezone"] = config.timezone
    if config.prepend_sys_path:
        settings["prepend_sys_path"] = [_relative(p, root) for p in config.prepend_sys_path]
    if config.revision_environment:
        settings["revision_environment"] = True
    settings["template_file"] = config.template_file
    used = [name for name in _ENV_ONLY if opts.get(name) not in (None, False)]
    if used:
        notes.append(
            f"env.py also sets {', '.join(used)}, which dbshift.toml cannot hold: keep env.py while you need them"
        )
    text = "[dbshift]\n" + "".join(f"{key} = {_toml(value)}\n" for key, value in settings.items())
    text += "".join(_hook_table(hook.name, hook.type, dict(hook.options)) for hook in config.post_write_hooks)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise ConfigError(f"{display_path(target)}: cannot write: {exc.strerror or exc}") from None
    notes.append(
        f"dbshift now reads {CONFIG_FILE} first. While {display_path(script.location / 'env.py')} exists it still runs "
        "(nothing changes); delete it to let dbshift connect by itself. alembic.ini stays for Alembic."
    )
    return ImportResult(target, settings, notes)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _hook_table(name: str, type_: str, options: dict[str, str]) -> str:
    lines = ["\n[[dbshift.post_write_hooks]]", f"name = {_toml(name)}", f"type = {_toml(type_)}"]
    lines += [f"{key} = {_toml(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"
