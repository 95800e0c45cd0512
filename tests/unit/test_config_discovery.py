"""Which file a project's configuration comes from: the search upward and its precedence,
``-c``, ``-n``, ``-x`` and ``--url`` through the loader and the CLI."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dbshift.cli.main import Options, cli, main
from dbshift.commands.init import init
from dbshift.compat.loader import load_project, load_project_config
from dbshift.config import ProjectFile, find_config_file, find_project_file, load_config
from dbshift.errors import ConfigError

NO_ENV: dict[str, str] = {}

FILES = {
    "dbshift.toml": '[dbshift]\nscript_location = "from_dbshift_toml"\n',
    "pyproject-dbshift": '[tool.dbshift]\nscript_location = "from_tool_dbshift"\n',
    "alembic.ini": "[alembic]\nscript_location = from_alembic_ini\n",
    "pyproject-alembic": '[tool.alembic]\nscript_location = "from_tool_alembic"\n',
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def make(folder: Path, *names: str) -> None:
    """Write the FILES ``names`` into ``folder`` (both pyproject tables share one file)."""
    pyproject = "".join(FILES[name] for name in names if name.startswith("pyproject"))
    if pyproject:
        write(folder / "pyproject.toml", pyproject)
    for name in names:
        if not name.startswith("pyproject"):
            write(folder / name, FILES[name])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = (tmp_path / "proj").resolve()
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def error(**kw: object) -> str:
    with pytest.raises(ConfigError) as exc:
        load_project_config(environ=NO_ENV, **kw)  # type: ignore[arg-type]
    message = str(exc.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    ("present", "winner"),
    [
        (["dbshift.toml", "pyproject-dbshift", "alembic.ini", "pyproject-alembic"], "from_dbshift_toml"),
        (["pyproject-dbshift", "alembic.ini", "pyproject-alembic"], "from_tool_dbshift"),
        (["alembic.ini", "pyproject-alembic"], "from_alembic_ini"),
        (["alembic.ini"], "from_alembic_ini"),
        (["pyproject-alembic"], "from_tool_alembic"),
        (["dbshift.toml", "alembic.ini"], "from_dbshift_toml"),
    ],
)
def test_precedence_in_one_folder(project: Path, present: list[str], winner: str) -> None:
    make(project, *present)
    assert load_project_config(environ=NO_ENV).script_location.name == winner


def test_the_nearest_folder_wins_over_the_format(project: Path) -> None:
    make(project, "dbshift.toml")
    sub = project / "service"
    make(sub, "alembic.ini")
    deep = sub / "src"
    deep.mkdir()
    assert find_project_file(deep) == ProjectFile(sub / "alembic.ini", "alembic", ini=sub / "alembic.ini")
    config = load_project_config(cwd=deep, environ=NO_ENV)
    assert config.kind == "alembic" and config.script_location == sub / "from_alembic_ini"


def test_alembic_ini_is_combined_with_tool_alembic_beside_it(project: Path) -> None:
    make(project, "alembic.ini", "pyproject-alembic")
    assert find_project_file(project) == ProjectFile(
        project / "alembic.ini", "alembic", ini=project / "alembic.ini", pyproject=project / "pyproject.toml"
    )


def test_find_config_file_stays_dbshift_only(project: Path) -> None:
    """``dbshift init`` and the core's load_config look for dbshift's own files only."""
    make(project, "alembic.ini", "pyproject-alembic")
    assert find_config_file(project) is None
    with pytest.raises(ConfigError, match="^no dbshift.toml or pyproject.toml with \\[tool.dbshift\\] found"):
        load_config(environ=NO_ENV)


def test_init_in_an_alembic_project_adds_dbshift_toml_which_then_wins(project: Path) -> None:
    make(project, "alembic.ini")
    result = init(cwd=project, template_text="x")
    assert project / "dbshift.toml" in result.created
    assert load_project_config(environ=NO_ENV).kind == "dbshift"


def test_nothing_found(project: Path) -> None:
    write(project / "dbshift.toml", 'script_location = "m"\n')
    assert error() == (
        f"no dbshift.toml or pyproject.toml (with [tool.dbshift] or [tool.alembic]) or alembic.ini found in {project} "
        "or any parent folder; dbshift.toml has no [dbshift] table; run 'dbshift init' first"
    )


def test_broken_pyproject_stops_the_search_only_when_it_is_ours(project: Path) -> None:
    make(project, "alembic.ini")
    sub = project / "sub"
    write(sub / "pyproject.toml", "[project\n")
    assert load_project_config(cwd=sub, environ=NO_ENV).kind == "alembic"
    write(sub / "pyproject.toml", "[tool.alembic\n")
    with pytest.raises(ConfigError, match=r"^sub/pyproject.toml: invalid TOML"):
        load_project_config(cwd=sub, environ=NO_ENV)


# --------------------------------------------------------------------------- -c


def test_c_names_any_format(project: Path) -> None:
    make(project, "dbshift.toml")
    write(project / "conf" / "staging.ini", "[alembic]\nscript_location = s\n")
    write(project / "conf" / "alembic.ini", "[alembic]\nscript_location = a\n")
    write(project / "conf" / "other.toml", '[dbshift]\nscript_location = "o"\n')
    assert load_project_config(Path("conf/staging.ini"), environ=NO_ENV).script_location == project / "conf" / "s"
    assert load_project_config(Path("conf/alembic.ini"), environ=NO_ENV).script_location == project / "conf" / "a"
    assert load_project_config(Path("conf/other.toml"), environ=NO_ENV).script_location == project / "conf" / "o"


def test_c_ini_takes_tool_alembic_from_its_own_folder(project: Path) -> None:
    write(project / "conf" / "pyproject.toml", '[tool.alembic]\nscript_location = "m"\ntimezone = "UTC"\n')
    write(project / "conf" / "prod.ini", "[alembic]\nsqlalchemy.url = sqlite://\n")
    config = load_project_config(Path("conf/prod.ini"), environ=NO_ENV)
    assert (config.path, config.script_location, config.timezone) == (
        project / "conf" / "prod.ini",
        project / "conf" / "m",
        "UTC",
    )


def test_c_pyproject_by_its_tables(project: Path) -> None:
    make(project, "alembic.ini", "pyproject-alembic")
    config = load_project_config(Path("pyproject.toml"), environ=NO_ENV)
    assert config.path == project / "alembic.ini"  # Alembic reads the ini beside it too
    make(project, "pyproject-dbshift", "pyproject-alembic")
    assert load_project_config(Path("pyproject.toml"), environ=NO_ENV).kind == "dbshift"
    write(project / "pyproject.toml", '[project]\nname = "x"\n')
    assert error(config_file=Path("pyproject.toml")) == "pyproject.toml: no [tool.dbshift] or [tool.alembic] table"


def test_c_errors(project: Path) -> None:
    assert error(config_file=Path("nope.ini")) == "nope.ini: config file not found"
    (project / "conf").mkdir()
    assert error(config_file=Path("conf")) == (
        "conf: is a folder; expected a dbshift.toml, pyproject.toml or alembic.ini file"
    )
    write(project / "x.toml", 'script_location = "m"\n')
    assert error(config_file=Path("x.toml")) == "x.toml: no [dbshift] table"


# --------------------------------------------------------------------------- -n, -x, --url


def test_name_with_dbshift_format_is_an_error(project: Path) -> None:
    make(project, "dbshift.toml", "alembic.ini")
    assert error(name="staging") == (
        "-n/--name staging: dbshift.toml is dbshift's format, which has no sections; -n chooses a section of an "
        "alembic.ini"
    )


def test_x_arguments_reach_both_formats(project: Path) -> None:
    make(project, "dbshift.toml")
    assert load_project_config(x_arguments=("a=1", "b"), environ=NO_ENV).x_arguments == ("a=1", "b")
    (project / "dbshift.toml").unlink()
    make(project, "alembic.ini")
    assert load_project_config(x_arguments=("a=1",), environ=NO_ENV).x_arguments == ("a=1",)


def test_url_override_for_dbshift_format(project: Path) -> None:
    make(project, "dbshift.toml")
    config = load_project_config(url="sqlite://", environ={"DBSHIFT_URL": "postgresql://env/db"})
    assert (config.raw_url, config.url_source) == ("sqlite://", "--url")
    assert load_project_config(environ={"DBSHIFT_URL": "postgresql://env/db"}).url_source == "DBSHIFT_URL"


def test_loaded_dbshift_config_has_nothing_to_report(project: Path) -> None:
    make(project, "dbshift.toml")
    result = load_project(environ=NO_ENV)
    assert (result.unknown_keys, result.notes, result.debug_lines()) == ((), (), [])


# --------------------------------------------------------------------------- the CLI


def test_cli_global_options_reach_options() -> None:
    ctx = cli.make_context(
        "dbshift",
        ["-c", "alembic.ini", "-n", "staging", "-x", "a=1", "-x", "tenant=acme", "--url", "sqlite://", "heads"],
    )
    assert ctx.params == {
        "config_file": Path("alembic.ini"),
        "url": "sqlite://",
        "name": "staging",
        "x_arguments": ("a=1", "tenant=acme"),
        "debug": False,
    }


def test_options_load_any_format(project: Path) -> None:
    write(project / "alembic.ini", "[alembic]\nscript_location = m\n[staging]\nscript_location = s\n")
    config = Options(None, "sqlite://", False, name="staging", x_arguments=("k=v",)).config()
    assert (config.main_section, config.script_location, config.x_arguments) == ("staging", project / "s", ("k=v",))
    assert config.raw_url == "sqlite://"


def test_debug_lists_ignored_keys(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "alembic.ini", "[alembic]\nscript_location = m\ndatabases = a, b\n")
    (project / "m" / "versions").mkdir(parents=True)
    main(["--debug", "heads"])
    assert "debug: alembic.ini: [alembic] 'databases': not an Alembic setting; ignored (env.py can still read it)" in (
        capsys.readouterr().err.splitlines()
    )


def test_cli_errors_are_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "alembic.ini", "[alembic]\nscript_location = m\ntruncate_slug_length = many\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["heads"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == (
        "error: alembic.ini: [alembic] 'truncate_slug_length' must be a positive integer, got 'many'\n"
    )
