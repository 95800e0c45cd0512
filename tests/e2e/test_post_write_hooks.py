"""Post-write hooks running the project's formatter on each new revision file, through the CLI.

The same keys work in ``dbshift.toml`` (``[[dbshift.post_write_hooks]]``) and in an Alembic
project's ``alembic.ini`` (``[post_write_hooks]``): ``type`` = ``module`` / ``exec`` (and
``console_scripts``, tested in tests/unit/script/test_hooks.py), ``module``, ``executable``,
``options`` with ``REVISION_SCRIPT_FILENAME``, ``cwd``. ruff is the formatter here.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import ScratchProject, assert_one_line_error, run_cli

RUFF = Path(sys.executable).with_name("ruff")


def ruff_check(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "--check", *options, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def hook_table(name: str, **keys: str) -> str:
    lines = ["", "[[dbshift.post_write_hooks]]", f'name = "{name}"']
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in keys.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> ScratchProject:
    return ScratchProject(tmp_path / "project")


def test_module_hook_formats_the_new_file(project: ScratchProject) -> None:
    """``ruff format`` with single quotes rewrites the file: the result is what ruff leaves."""
    with project.config_path.open("a") as config:
        config.write(
            "\n[[dbshift.post_write_hooks]]\n"
            'name = "ruff"\n'
            'type = "module"\n'
            'module = "ruff"\n'
            'options = "format --isolated --config \\"format.quote-style=\'single\'\\" REVISION_SCRIPT_FILENAME"\n'
        )
    result = project.run("revision", "-m", "add a column", "--rev-id", "aaa111")
    assert result.returncode == 0, result.stderr
    assert "Running post-write hook 'ruff'" in result.stdout
    (path,) = project.versions.glob("aaa111_*.py")
    assert "revision = 'aaa111'" in path.read_text()  # the hook's options were applied
    assert ruff_check(path, "--config", "format.quote-style='single'").returncode == 0


def test_exec_hooks_run_in_order_in_their_cwd(project: ScratchProject, tmp_path: Path) -> None:
    """``exec`` runs the executable with the options split as a shell would, in ``cwd``."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    note = "import os, sys; open(sys.argv[1], 'a').write(f'# hooked in {os.path.basename(os.getcwd())}\\n')"
    with project.config_path.open("a") as config:
        config.write(hook_table("fmt", type="exec", executable=str(RUFF), options="format REVISION_SCRIPT_FILENAME"))
        config.write(
            "\n[[dbshift.post_write_hooks]]\n"
            'name = "where"\n'
            'type = "exec"\n'
            f"executable = {json.dumps(sys.executable)}\n"
            f"options = {json.dumps(f'-c {shlex.quote(note)} REVISION_SCRIPT_FILENAME')}\n"
            f"cwd = {json.dumps(str(elsewhere))}\n"
        )
    result = project.run("revision", "-m", "x", "--rev-id", "bbb222")
    assert result.returncode == 0, result.stderr
    ran = [line for line in result.stdout.splitlines() if line.startswith("Running")]
    assert ran == ["Running post-write hook 'fmt'", "Running post-write hook 'where'"]
    assert "1 file left unchanged" in result.stdout  # ruff's own output reaches the terminal
    (path,) = project.versions.glob("bbb222_*.py")
    assert path.read_text().endswith("# hooked in elsewhere\n")


def test_a_failing_hook_is_one_line_and_the_file_stays(project: ScratchProject) -> None:
    with project.config_path.open("a") as config:
        config.write(
            hook_table(
                "lint",
                type="module",
                module="ruff",
                options="check --isolated --select E501 --line-length 20 REVISION_SCRIPT_FILENAME",
            )
        )
    result = project.run("revision", "-m", "too long for twenty", "--rev-id", "ccc333")
    line = assert_one_line_error(result, "post-write hook 'lint' (module ruff) exited with status 1", code=1)
    assert "was written and kept" in line
    assert [p.name for p in project.versions.glob("ccc333_*.py")] == ["ccc333_too_long_for_twenty.py"]


def test_alembic_ini_hooks_format_alembic_style_revisions(tmp_path: Path) -> None:
    """An Alembic project: its ``script.py.mako`` renders as Alembic does (here not
    formatter-clean: ``repr()`` quotes), and ``[post_write_hooks]`` fixes that, keys as in Alembic."""
    root = tmp_path / "alembic_project"
    root.mkdir()
    created = run_cli(root, "init", "-t", "generic", "migrations")
    assert created.returncode == 0, created.stderr
    mako = root / "migrations" / "script.py.mako"  # a project's own template, as Alembic's writes repr()
    mako.write_text(mako.read_text().replace("${py(", "${repr("))
    plain = run_cli(root, "revision", "-m", "before the hook", "--rev-id", "aaa111")
    assert plain.returncode == 0, plain.stderr
    (unformatted,) = (root / "migrations" / "versions").glob("aaa111_*.py")
    assert ruff_check(unformatted).returncode == 1
    ini = root / "alembic.ini"
    text = ini.read_text()
    hooks = (
        "[post_write_hooks]\n"
        "hooks = ruff\n"
        "ruff.type = module\n"
        "ruff.module = ruff\n"
        "ruff.options = format --isolated REVISION_SCRIPT_FILENAME\n"
        "ruff.cwd = %(here)s\n"
    )
    ini.write_text(text.replace("[post_write_hooks]\n", hooks, 1))
    hooked = run_cli(root, "revision", "-m", "after the hook", "--rev-id", "bbb222")
    assert hooked.returncode == 0, hooked.stderr
    assert "Running post-write hook 'ruff'" in hooked.stdout
    (formatted,) = (root / "migrations" / "versions").glob("bbb222_*.py")
    assert ruff_check(formatted).returncode == 0
    assert 'down_revision: Union[str, Sequence[str], None] = "aaa111"' in formatted.read_text()
