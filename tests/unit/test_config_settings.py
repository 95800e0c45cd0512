"""dbshift.toml's settings from Alembic's world (version locations, slug length, time zone,
sys.path, revision environment, post-write hooks): read, defaulted and rejected in one line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dbshift.config import DEFAULTS, PostWriteHook, build_config, load_config
from dbshift.errors import ConfigError

NO_ENV: dict[str, str] = {}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = (tmp_path / "proj").resolve()
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def error(project: Path, body: str, file: str = "dbshift.toml", table: str = "dbshift") -> str:
    write(project / file, f"[{table}]\n{textwrap.dedent(body).strip()}\n")
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV)
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_defaults(project: Path) -> None:
    write(project / "dbshift.toml", "[dbshift]\n")
    config = load_config(environ=NO_ENV)
    assert config.kind == "dbshift"
    assert config.version_locations == ()
    assert config.recursive_version_locations is False
    assert config.truncate_slug_length == 40
    assert config.timezone is None
    assert config.prepend_sys_path == ()
    assert config.revision_environment is False
    assert config.post_write_hooks == ()
    assert config.template_file == "script.py.tmpl"
    assert config.sections == {} and config.x_arguments == ()
    for key in ("version_locations", "truncate_slug_length", "post_write_hooks"):
        assert key in DEFAULTS


def test_all_alembic_era_settings(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        project / "dbshift.toml",
        """
        [dbshift]
        version_locations = ["migrations/versions", "../shared/versions"]
        recursive_version_locations = true
        truncate_slug_length = 20
        timezone = "Europe/Paris"
        prepend_sys_path = [".", "src"]
        revision_environment = true

        [[dbshift.post_write_hooks]]
        name = "black"
        type = "console_scripts"
        entrypoint = "black"
        options = "-l 79 REVISION_SCRIPT_FILENAME"

        [[dbshift.post_write_hooks]]
        name = "ruff"
        type = "exec"
        executable = "ruff"
        options = "check --fix REVISION_SCRIPT_FILENAME"
        """,
    )
    sub = project / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)  # relative folders are relative to the file, not the working folder
    config = load_config(environ=NO_ENV)
    assert config.version_locations == (project / "migrations" / "versions", project.parent / "shared" / "versions")
    assert config.recursive_version_locations is True
    assert config.truncate_slug_length == 20
    assert config.timezone == "Europe/Paris"
    assert config.prepend_sys_path == (project, project / "src")
    assert config.revision_environment is True
    assert config.post_write_hooks == (
        PostWriteHook("black", "console_scripts", {"entrypoint": "black", "options": "-l 79 REVISION_SCRIPT_FILENAME"}),
        PostWriteHook("ruff", "exec", {"executable": "ruff", "options": "check --fix REVISION_SCRIPT_FILENAME"}),
    )


def test_pyproject_array_of_tables(project: Path) -> None:
    write(
        project / "pyproject.toml",
        '[tool.dbshift]\ntruncate_slug_length = 8\n\n[[tool.dbshift.post_write_hooks]]\nname = "r"\ntype = "module"\nmodule = "ruff"\n',
    )
    config = load_config(environ=NO_ENV)
    assert config.truncate_slug_length == 8
    assert config.post_write_hooks == (PostWriteHook("r", "module", {"module": "ruff"}),)


def test_build_config_takes_them_and_x_arguments(tmp_path: Path) -> None:
    config = build_config(
        {"version_locations": ["v"], "timezone": "UTC"}, root=tmp_path, environ=NO_ENV, x_arguments=["a=1"]
    )
    assert config.version_locations == (tmp_path / "v",)
    assert config.timezone == "UTC"
    assert config.x_arguments == ("a=1",)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('version_locations = "versions"', "dbshift.toml: 'version_locations' must be an array of strings, got a string"),
        ("version_locations = [1]", "dbshift.toml: 'version_locations' must be an array of non-empty strings, but item 1 is an integer"),
        ('recursive_version_locations = "true"', "dbshift.toml: 'recursive_version_locations' must be true or false, got a string"),
        ('truncate_slug_length = "40"', "dbshift.toml: 'truncate_slug_length' must be a positive integer, got a string"),
        ("truncate_slug_length = 0", "dbshift.toml: 'truncate_slug_length' must be a positive integer, got 0"),
        ("truncate_slug_length = true", "dbshift.toml: 'truncate_slug_length' must be a positive integer, got a boolean"),
        ('timezone = ""', "dbshift.toml: 'timezone' must be a non-empty string, got an empty string"),
        ("timezone = 1", "dbshift.toml: 'timezone' must be a non-empty string, got an integer"),
        ('prepend_sys_path = "."', "dbshift.toml: 'prepend_sys_path' must be an array of strings, got a string"),
        ("revision_environment = 1", "dbshift.toml: 'revision_environment' must be true or false, got an integer"),
        ('post_write_hooks = {name = "x"}', "dbshift.toml: 'post_write_hooks' must be an array of tables ([[...post_write_hooks]]), got a table"),
        ('post_write_hooks = ["black"]', "dbshift.toml: 'post_write_hooks' item 1 must be a table, got a string"),
        ('post_write_hooks = [{type = "exec", executable = "x"}]', "dbshift.toml: 'post_write_hooks' item 1: 'name' is required (the hook's name, e.g. \"black\")"),
        ('post_write_hooks = [{name = "b"}]', "dbshift.toml: 'post_write_hooks' item 1 ('b'): 'type' is required for post-write hook 'b' (console_scripts, exec or module)"),
        ('post_write_hooks = [{name = "b", type = "execs"}]', "dbshift.toml: 'post_write_hooks' item 1 ('b'): 'type' must be console_scripts, exec or module, got 'execs'; did you mean 'exec'?"),
        ('post_write_hooks = [{name = "b", type = "console_scripts"}]', "dbshift.toml: 'post_write_hooks' item 1 ('b'): 'entrypoint' is required for post-write hook 'b' of type console_scripts"),
        ('post_write_hooks = [{name = "b", type = "exec", executable = 3}]', "dbshift.toml: 'post_write_hooks' item 1: 'executable' must be a string, got an integer"),
        ("version_location = []", "dbshift.toml: unknown key 'version_location' in [dbshift]; did you mean 'version_locations'?"),
    ],
)  # fmt: skip
def test_bad_values_are_one_line_naming_file_and_key(project: Path, body: str, expected: str) -> None:
    assert error(project, body) == expected


def test_errors_in_pyproject_name_the_file(project: Path) -> None:
    message = error(project, 'timezone = ""', file="pyproject.toml", table="tool.dbshift")
    assert message == "pyproject.toml: 'timezone' must be a non-empty string, got an empty string"
