"""dbshift reads an Alembic project's settings as Alembic itself does.

Projects are created by the real ``alembic init`` (generic, multidb and pyproject templates),
then varied; for each, real Alembic (in a subprocess, from ``real_alembic_path``: dbshift
never imports it) reports what its ``Config`` and ``ScriptDirectory.from_config`` read, and
dbshift's :func:`load_project_config` must read the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from dbshift.compat.loader import load_project, load_project_config
from dbshift.config import Config

ALEMBIC_SIDE = textwrap.dedent(
    """
    import json, os, sys, warnings
    warnings.simplefilter("ignore")
    from alembic import util
    from alembic.config import Config, main
    from alembic.script import ScriptDirectory

    def init(folder, template):
        os.chdir(folder)
        main(["-q", "init", "-t", template, "migrations"])

    def read(case):
        os.chdir(case["dir"])
        cfg = Config(case["ini"], toml_file=case["toml"], ini_section=case["name"])
        script = ScriptDirectory.from_config(cfg)
        sections = {}
        for name in cfg.file_config.sections():
            try:
                sections[name] = cfg.get_section(name)
            except Exception:  # a logging format: logging reads it raw
                sections[name] = dict(cfg.file_config.items(name, raw=True))
        has_main = cfg.file_config.has_section(case["name"])
        return {
            "script_location": str(script.dir),
            "version_locations": [str(p) for p in script._version_locations] if script.version_locations else [],
            "recursive_version_locations": script.recursive_version_locations,
            "file_template": script.file_template,
            "truncate_slug_length": script.truncate_slug_length,
            "timezone": script.timezone,
            "hooks": [dict(h) for h in script.hooks],
            "prepend_sys_path": [os.path.abspath(p) for p in cfg.get_prepend_sys_paths_list() or []],
            "revision_environment": bool(util.asbool(cfg.get_alembic_option("revision_environment"))),
            "url": cfg.get_main_option("sqlalchemy.url") if has_main else None,
            "sections": sections,
        }

    request = json.loads(sys.argv[1])
    for folder, template in request.get("init", []):
        init(folder, template)
    print(json.dumps([read(case) for case in request.get("read", [])]))
    """
)


def run_alembic(real_alembic_path: Path, request: dict[str, Any]) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(real_alembic_path)}
    env.pop("ALEMBIC_CONFIG", None)
    out = subprocess.run(
        [sys.executable, "-c", ALEMBIC_SIDE, json.dumps(request)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result: list[dict[str, Any]] = json.loads(out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "[]")
    return result


TEMPLATES = ("generic", "multidb", "pyproject")


@pytest.fixture(scope="module")
def inits(tmp_path_factory: pytest.TempPathFactory, real_alembic_path: Path) -> dict[str, Path]:
    """One folder per template, as ``alembic init -t TEMPLATE migrations`` leaves it."""
    base = tmp_path_factory.mktemp("alembic-init").resolve()
    folders = {template: base / template for template in TEMPLATES}
    for folder in folders.values():
        folder.mkdir()
    run_alembic(real_alembic_path, {"init": [[str(f), t] for t, f in folders.items()]})
    return folders


def copy_project(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target)
    return target


def add_to_section(ini: Path, section: str, lines: str, *, drop: tuple[str, ...] = ()) -> None:
    """Insert ``lines`` right after ``[section]`` and remove lines starting with ``drop``."""
    text = ini.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.startswith(drop)] if drop else text.splitlines()
    header = kept.index(f"[{section}]")
    kept[header + 1 : header + 1] = textwrap.dedent(lines).strip().splitlines()
    ini.write_text("\n".join(kept) + "\n", encoding="utf-8")


def expected_hooks(config: Config) -> list[dict[str, str]]:
    """dbshift's hooks in the shape Alembic's hook list has."""
    return [{"_hook_name": h.name, "type": h.type, **h.options} for h in config.post_write_hooks]


def assert_same(config: Config, alembic: dict[str, Any]) -> None:
    assert config.script_location == Path(alembic["script_location"]).resolve()
    assert [str(p) for p in config.version_locations] == [str(Path(p).resolve()) for p in alembic["version_locations"]]
    assert config.recursive_version_locations == alembic["recursive_version_locations"]
    assert config.file_template == alembic["file_template"]
    assert config.truncate_slug_length == alembic["truncate_slug_length"]
    assert config.timezone == alembic["timezone"]
    assert expected_hooks(config) == alembic["hooks"]
    assert [str(p) for p in config.prepend_sys_path] == [str(Path(p).resolve()) for p in alembic["prepend_sys_path"]]
    assert config.revision_environment == alembic["revision_environment"]
    assert config.raw_url == alembic["url"]
    assert {name: dict(values) for name, values in config.sections.items()} == alembic["sections"]


def case(folder: Path, *, ini: str | None = "alembic.ini", name: str = "alembic") -> dict[str, Any]:
    return {"dir": str(folder), "ini": ini or "alembic.ini", "toml": "pyproject.toml", "name": name}


def test_alembic_init_templates_read_the_same(
    inits: dict[str, Path], real_alembic_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(inits["multidb"])  # messages name files relative to the working folder
    results = run_alembic(real_alembic_path, {"read": [case(inits[t]) for t in TEMPLATES]})
    for template, alembic in zip(TEMPLATES, results):
        config = load_project_config(cwd=inits[template], environ={})
        assert config.kind == "alembic"
        assert config.version_table == "alembic_version"
        assert config.template_file == "script.py.mako"
        assert_same(config, alembic)
    generic = load_project_config(cwd=inits["generic"], environ={})
    assert generic.script_location == inits["generic"] / "migrations"
    assert generic.prepend_sys_path == (inits["generic"],)
    assert generic.raw_url == "driver://user:pass@localhost/dbname"
    pyproject = load_project_config(cwd=inits["pyproject"], environ={})
    assert pyproject.path == inits["pyproject"] / "alembic.ini"  # the ini holds the URL and logging
    assert pyproject.script_location == inits["pyproject"] / "migrations"  # from [tool.alembic]
    multidb = load_project(cwd=inits["multidb"], environ={})
    assert multidb.config.sections["engine2"]["sqlalchemy.url"] == "driver://user:pass@localhost/dbname2"
    assert multidb.unknown_keys == ("alembic.ini: [alembic] 'databases'",)


SETTINGS = """
    version_locations = %(here)s/migrations/versions;%(here)s/more ; other
    path_separator = ;
    recursive_version_locations = true
    truncate_slug_length = 12
    timezone = UTC
    file_template = %%(year)d_%%(month).2d_%%(rev)s_%%(slug)s
    revision_environment = yes
    sourceless = false
    sqlalchemy.url = postgresql://scott:p%%40ss@localhost/%(db)s
    db = app
"""
HOOKS = """
    hooks = black, ruff
    black.type = console_scripts
    black.entrypoint = black
    black.options = -l 79 REVISION_SCRIPT_FILENAME
    ruff.type = exec
    ruff.executable = %(here)s/bin/ruff
    ruff.options = check --fix REVISION_SCRIPT_FILENAME
"""


def variants(inits: dict[str, Path], base: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Alembic projects varied in the ways the settings can be written, and how to read them."""
    generic, pyproject = inits["generic"], inits["pyproject"]
    out: list[tuple[Path, dict[str, Any]]] = []

    every = copy_project(generic, base / "every")
    add_to_section(every / "alembic.ini", "alembic", SETTINGS, drop=("path_separator", "sqlalchemy.url"))
    add_to_section(every / "alembic.ini", "post_write_hooks", HOOKS)
    out.append((every, case(every)))

    for separator, joined, label in [
        ("os", os.pathsep, "os"),
        ("space", " ", "space"),
        (":", ":", "colon"),
        ("newline", "\n    ", "newline"),
    ]:
        folder = copy_project(generic, base / f"separator-{label}")
        lines = f"version_locations = a{joined}b/c\nprepend_sys_path = .{joined}src\npath_separator = {separator}"
        add_to_section(folder / "alembic.ini", "alembic", lines, drop=("path_separator", "prepend_sys_path"))
        out.append((folder, case(folder)))

    legacy = copy_project(generic, base / "legacy")  # neither separator: the deprecated splitting
    lines = "version_locations = a, b c\nprepend_sys_path = .:src, lib"
    add_to_section(legacy / "alembic.ini", "alembic", lines, drop=("path_separator", "prepend_sys_path"))
    out.append((legacy, case(legacy)))

    old = copy_project(generic, base / "version-path-separator")  # applies to version_locations only
    lines = "version_locations = a;b\nversion_path_separator = ;\nprepend_sys_path = src lib"
    add_to_section(old / "alembic.ini", "alembic", lines, drop=("path_separator", "prepend_sys_path"))
    out.append((old, case(old)))

    named = copy_project(generic, base / "named")  # -n staging
    text = (named / "alembic.ini").read_text(encoding="utf-8")
    staging = "[staging]\nscript_location = %(here)s/migrations\nsqlalchemy.url = sqlite:///staging.db\n\n"
    (named / "alembic.ini").write_text(staging + text, encoding="utf-8")
    out.append((named, case(named, name="staging")))

    toml = copy_project(pyproject, base / "toml")
    with (toml / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write(
            'version_locations = ["%(here)s/migrations/versions", "extra"]\n'
            'file_template = "%%(rev)s-%%(slug)s"\ntruncate_slug_length = 20\nrecursive_version_locations = true\n'
            'timezone = "Europe/Paris"\nrevision_environment = true\n\n'
            '[[tool.alembic.post_write_hooks]]\nname = "ruff"\ntype = "module"\nmodule = "ruff"\n'
            'options = "check --fix REVISION_SCRIPT_FILENAME"\ncwd = "%(here)s"\n'
        )
    out.append((toml, case(toml)))

    toml_only = copy_project(pyproject, base / "toml-only")
    (toml_only / "alembic.ini").unlink()
    out.append((toml_only, case(toml_only)))

    mixed = copy_project(pyproject, base / "mixed")  # the ini's main section wins key by key
    add_to_section(mixed / "alembic.ini", "alembic", "script_location = %(here)s/migrations\ntimezone = UTC")
    with (mixed / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write('timezone = "Asia/Tokyo"\ntruncate_slug_length = 9\n')
    out.append((mixed, case(mixed)))
    return out


def test_varied_settings_read_the_same(inits: dict[str, Path], real_alembic_path: Path, tmp_path: Path) -> None:
    projects = variants(inits, tmp_path.resolve())
    results = run_alembic(real_alembic_path, {"read": [request for _folder, request in projects]})
    for (folder, request), alembic in zip(projects, results):
        name = request["name"] if request["name"] != "alembic" else None
        config = load_project_config(cwd=folder, name=name, environ={})
        assert_same(config, alembic)

    every = load_project_config(cwd=tmp_path / "every", environ={})
    assert every.raw_url == "postgresql://scott:p%40ss@localhost/app"
    assert every.truncate_slug_length == 12 and every.recursive_version_locations
    assert [hook.name for hook in every.post_write_hooks] == ["black", "ruff"]
    mixed = load_project_config(cwd=tmp_path / "mixed", environ={})
    assert (mixed.timezone, mixed.truncate_slug_length) == ("UTC", 9)
