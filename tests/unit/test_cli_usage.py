"""Usage errors of the command line (unknown command, unknown option, missing argument): the
same one ``error: ...`` line as every other dbshift error, with a hint, exit code 2, and
nothing created. No database server: the project's SQLite file must never appear."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import ScratchProject, assert_one_line_error


@pytest.fixture
def project(tmp_path: Path) -> ScratchProject:
    p = ScratchProject(tmp_path / "project", f"sqlite:///{tmp_path / 'project' / 'app.sqlite'}")
    p.add_table_revision("aaa111", None, "orders")
    p.add_table_revision("bbb222", "aaa111", "invoices")
    return p


@pytest.mark.parametrize(
    "args, expected",
    [
        (("upgrad",), "error: no such command 'upgrad' (did you mean 'upgrade'?); see 'dbshift --help'"),
        (
            ("current", "--verbos"),
            "error: no such option '--verbos' (did you mean '--verbose'?); see 'dbshift current --help'",
        ),
        (("downgrade",), "error: missing argument 'TARGET'; see 'dbshift downgrade --help'"),
        (("show",), "error: missing argument 'REVISION'; see 'dbshift show --help'"),
        (("history", "-r"), "error: option '-r' requires an argument; see 'dbshift history --help'"),
        (("--url",), "error: option '--url' requires an argument; see 'dbshift --help'"),
        (("heads", "extra"), "error: got unexpected extra argument (extra); see 'dbshift heads --help'"),
    ],
    ids=["command", "option", "argument", "show-argument", "option-value", "group-option-value", "extra"],
)
def test_usage_errors_are_one_line(project: ScratchProject, args: tuple[str, ...], expected: str) -> None:
    files = project.files()
    result = project.run(*args)
    line = assert_one_line_error(result, code=2)
    assert line == expected
    assert result.stdout == ""
    assert project.files() == files


@pytest.mark.parametrize(
    "args, needles",
    [
        (("upgrade", "--sqll"), ("no such option '--sqll'", "did you mean '--sql'?", "'dbshift upgrade --help'")),
        (("upgrade", "--bogus", "head"), ("no such option '--bogus'", "'dbshift upgrade --help'")),
        (("downgrade", "-1", "--sqll"), ("no such option '--sqll'", "'dbshift downgrade --help'")),
        (("downgrade", "-z"), ("no such option '-z'",)),
        (("upgrade", "--tag=x", "--nope"), ("no such option '--nope'",)),
    ],
    ids=["upgrade", "before-target", "after-relative-target", "short", "after-tag"],
)
def test_unknown_option_of_a_dash_target_command(
    project: ScratchProject, args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    """upgrade and downgrade accept ``-1`` as TARGET, yet an unknown option is still one."""
    files = project.files()
    result = project.run(*args)
    assert_one_line_error(result, *needles, code=2)
    assert project.files() == files  # no app.sqlite


def test_relative_targets_and_option_values_starting_with_a_dash_still_work(project: ScratchProject) -> None:
    """``-1`` is a target and ``--tag -1`` a tag value, not unknown options."""
    result = project.run("upgrade", "--sql", "base:bbb222", "--tag", "-1")
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE invoices" in result.stdout
    result = project.run("downgrade", "--sql", "bbb222:-1")
    assert result.returncode == 0, result.stderr
    assert "DROP TABLE invoices" in result.stdout and "orders" not in result.stdout


def test_no_arguments_still_shows_help(project: ScratchProject) -> None:
    result = project.run()
    assert result.returncode == 2
    assert "Commands:" in result.stderr + result.stdout
