"""Post-write hooks: Alembic's three types, its option splitting, and dbshift's one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest

from dbshift.config import PostWriteHook
from dbshift.errors import ConfigError, ScriptError
from dbshift.script.hooks import prepare_hooks, run_hooks

# Records its arguments and working folder next to the revision file, then appends a line to it.
RECORDER = (
    "import json, os, sys; p = sys.argv[-1]; "
    "open(p + '.args', 'w').write(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd()})); "
    "open(p, 'a').write('# formatted\\n')"
)


def hook(name: str, type_: str, **options: str) -> PostWriteHook:
    return PostWriteHook(name, type_, MappingProxyType(options))


@pytest.fixture
def revision_file(tmp_path: Path) -> Path:
    path = tmp_path / "versions" / "abc_add users.py"  # a space: one argument all the same
    path.parent.mkdir()
    path.write_text('revision = "abc"\n')
    return path


def test_exec_hook_gets_options_split_and_the_path(revision_file: Path, tmp_path: Path) -> None:
    options = f'-c "{RECORDER}" --first="two words" REVISION_SCRIPT_FILENAME'
    prepared = prepare_hooks([hook("fmt", "exec", executable=sys.executable, options=options, cwd=str(tmp_path))])
    lines: list[str] = []
    run_hooks(prepared, revision_file, lines.append)
    assert lines == ["Running post-write hook 'fmt'"]
    seen = json.loads(Path(str(revision_file) + ".args").read_text())
    assert seen == {"argv": ["--first=two words", str(revision_file)], "cwd": str(tmp_path)}
    assert revision_file.read_text().endswith("# formatted\n")


def test_path_goes_first_when_options_do_not_name_it(revision_file: Path) -> None:
    (prepared,) = prepare_hooks([hook("h", "exec", executable="true", options="--check --diff")])
    assert prepared.argv(revision_file) == ["true", str(revision_file), "--check", "--diff"]
    (prepared,) = prepare_hooks([hook("h", "exec", executable="true", options="--out=REVISION_SCRIPT_FILENAME.bak")])
    assert prepared.argv(revision_file) == ["true", f"--out={revision_file}.bak"]


def test_module_hook_runs_python_dash_m(revision_file: Path) -> None:
    (prepared,) = prepare_hooks([hook("compile", "module", module="py_compile")])
    assert prepared.command == (sys.executable, "-m", "py_compile")
    run_hooks([prepared], revision_file, lambda _line: None)


def test_console_scripts_hook_runs_the_entry_point_with_this_python(
    revision_file: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Mako installs ``mako-render``: it prints the file rendered as a template.
    (prepared,) = prepare_hooks([hook("render", "console_scripts", entrypoint="mako-render")])
    assert prepared.command[:2] == (sys.executable, "-c")
    assert prepared.command[2] == "import mako.cmd; mako.cmd.cmdline()"
    run_hooks([prepared], revision_file, lambda _line: None)
    assert 'revision = "abc"' in capfd.readouterr().out


def test_failing_hook_is_one_line_and_keeps_the_file(revision_file: Path) -> None:
    prepared = prepare_hooks(
        [
            hook(
                "lint",
                "exec",
                executable=sys.executable,
                options="-c 'import sys; sys.exit(3)' REVISION_SCRIPT_FILENAME",
            ),
            hook("after", "exec", executable=sys.executable, options=f'-c "{RECORDER}"'),
        ]
    )
    with pytest.raises(ScriptError) as info:
        run_hooks(prepared, revision_file, lambda _line: None)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("post-write hook 'lint' (")
    assert "exited with status 3" in message
    assert f"the revision file {revision_file} was written and kept" in message
    assert revision_file.read_text() == 'revision = "abc"\n'
    assert not Path(str(revision_file) + ".args").exists()  # later hooks do not run


def test_hook_that_cannot_start(revision_file: Path, tmp_path: Path) -> None:
    (prepared,) = prepare_hooks([hook("gone", "exec", executable=str(tmp_path / "no-such-program"))])
    with pytest.raises(ScriptError, match=r"post-write hook 'gone' could not start .*written and kept"):
        run_hooks([prepared], revision_file, lambda _line: None)


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        (hook("x", "python"), "hook 'x' has type 'python'; dbshift runs the types console_scripts, exec, module"),
        (hook("x", "exec"), "hook 'x' of type exec needs 'x.executable'"),
        (hook("x", "module", module=" "), "hook 'x' of type module needs 'x.module'"),
        (hook("x", "console_scripts"), "needs 'x.entrypoint'"),
        (hook("x", "console_scripts", entrypoint="no-such-script-here"), "no installed console script named"),
        (hook("x", "module", module="no_such_module_here.sub"), "module 'no_such_module_here.sub' is not importable"),
        (hook("x", "exec", executable="no-such-program-here"), "executable 'no-such-program-here' not found on PATH"),
        (hook("x", "exec", executable="true", cwd="/no/such/folder"), "'x.cwd' '/no/such/folder' is not a folder"),
        (hook("x", "exec", executable="true", options='"unbalanced'), "'x.options' cannot be split"),
    ],
)
def test_misconfigured_hooks_fail_before_anything_is_written(bad: PostWriteHook, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        prepare_hooks([bad], where="alembic.ini: [post_write_hooks]")
    message = str(info.value)
    assert message.startswith("alembic.ini: [post_write_hooks]: ")
    assert needle in message
    assert "\n" not in message


def test_custom_type_runs_a_python_function(revision_file: Path) -> None:
    """What Alembic's ``write_hooks.register`` records: called with the path and the settings."""
    calls: list[tuple[str, dict[str, str]]] = []

    def reformat(path: str, options: Mapping[str, str]) -> None:
        calls.append((path, dict(options)))

    def broken(path: str, options: Mapping[str, str]) -> None:
        raise RuntimeError("cannot format\nthis")

    custom = {"reformat": reformat, "broken": broken}
    prepared = prepare_hooks([hook("mine", "reformat", style="tight")], custom_types=custom)
    run_hooks(prepared, revision_file, lambda _line: None)
    assert calls == [(str(revision_file), {"style": "tight", "_hook_name": "mine"})]
    prepared = prepare_hooks([hook("bad", "broken")], custom_types=custom)
    with pytest.raises(
        ScriptError,
        match=r"^post-write hook 'bad' \(broken\) failed: RuntimeError: cannot format this; the revision file .* was written and kept$",
    ):
        run_hooks(prepared, revision_file, lambda _line: None)
    with pytest.raises(ConfigError, match="dbshift runs the types console_scripts, exec, module, broken, reformat"):
        prepare_hooks([hook("x", "other")], custom_types=custom)
