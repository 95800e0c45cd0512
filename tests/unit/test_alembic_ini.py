"""Reading alembic.ini and [tool.alembic] into a Config: every key, interpolation, separators,
sections, hooks, URLs and the one-line errors (see test_alembic_ini_real.py for the comparison
with Alembic itself)."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from dbshift.compat.alembic.ini import read_alembic_project, run_env_py
from dbshift.compat.loader import LoadedConfig, load_project, load_project_config
from dbshift.config import Config, PostWriteHook
from dbshift.errors import ConfigError

NO_ENV: dict[str, str] = {}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder that is also the working folder, so messages say ``alembic.ini``."""
    root = (tmp_path / "proj").resolve()
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def ini(project: Path, main: str, extra: str = "") -> Path:
    """An alembic.ini whose [alembic] section holds ``main`` (dedented), then ``extra``."""
    body = textwrap.dedent(main).strip()
    return write(project / "alembic.ini", f"[alembic]\n{body}\n\n{textwrap.dedent(extra).strip()}\n")


def load(**kw: object) -> Config:
    return load_project_config(environ=NO_ENV, **kw)  # type: ignore[arg-type]


def loaded(**kw: object) -> LoadedConfig:
    return load_project(environ=NO_ENV, **kw)  # type: ignore[arg-type]


def error(**kw: object) -> str:
    with pytest.raises(ConfigError) as exc:
        load(**kw)
    message = str(exc.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- the keys


def test_minimal_ini_and_the_alembic_defaults(project: Path) -> None:
    ini(project, "script_location = migrations")
    config = load()
    assert config.kind == "alembic"
    assert config.path == project / "alembic.ini"
    assert config.root == project
    assert config.script_location == project / "migrations"
    assert config.version_table == "alembic_version"
    assert config.version_table_schema is None
    assert config.template_file == "script.py.mako"
    assert config.main_section == "alembic"
    assert config.file_template == "%(rev)s_%(slug)s"
    assert config.truncate_slug_length == 40
    assert config.version_locations == ()
    assert config.prepend_sys_path == ()
    assert (config.recursive_version_locations, config.revision_environment) == (False, False)
    assert config.timezone is None
    assert config.post_write_hooks == ()
    assert config.raw_url is None and config.url_source == "(not set)"
    assert config.target_metadata is None and config.models == () and config.exclude_tables == ()
    assert config.env_hook is run_env_py  # the project's env.py connects, as under Alembic


def test_every_key(project: Path) -> None:
    ini(
        project,
        f"""
        script_location = %(here)s/db
        version_locations = %(here)s/db/versions{os.pathsep}extra
        path_separator = os
        recursive_version_locations = true
        file_template = %%(year)d_%%(rev)s_%%(slug)s
        truncate_slug_length = 12
        prepend_sys_path = .
        timezone = Europe/Paris
        revision_environment = yes
        sourceless = false
        output_encoding = utf-8
        sqlalchemy.url = sqlite:///app.db
        """,
    )
    result = loaded()
    config = result.config
    assert config.script_location == project / "db"
    assert config.version_locations == (project / "db" / "versions", project / "extra")
    assert config.recursive_version_locations is True
    assert config.file_template == "%(year)d_%(rev)s_%(slug)s"
    assert config.truncate_slug_length == 12
    assert config.prepend_sys_path == (project,)
    assert config.timezone == "Europe/Paris"
    assert config.revision_environment is True
    assert config.url == f"sqlite:///{project / 'app.db'}"  # relative to the ini's folder
    assert config.url_source == "alembic.ini"
    assert result.unknown_keys == () and result.notes == ()


def test_relative_paths_are_relative_to_the_ini_folder_from_any_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini(project, "script_location = migrations\nprepend_sys_path = .\npath_separator = os")
    deep = project / "src" / "pkg"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    config = load()
    assert config.script_location == project / "migrations"
    assert config.prepend_sys_path == (project,)


@pytest.mark.parametrize(
    ("line", "expected"),
    [("revision_environment = true", True), ("revision_environment = On", True), ("revision_environment = 1", True)]
    + [
        ("revision_environment = no", False),
        ("revision_environment = FALSE", False),
        ("revision_environment =", False),
    ],
)
def test_revision_environment_takes_alembics_boolean_words(project: Path, line: str, expected: bool) -> None:
    ini(project, f"script_location = m\n{line}")
    assert load().revision_environment is expected


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False), ("", False)])
def test_recursive_version_locations(project: Path, value: str, expected: bool) -> None:
    ini(project, f"script_location = m\nrecursive_version_locations = {value}")
    assert load().recursive_version_locations is expected


def test_zero_slug_length_is_alembics_default(project: Path) -> None:
    ini(project, "script_location = m\ntruncate_slug_length = 0")
    assert load().truncate_slug_length == 40


def test_empty_timezone_means_local_time(project: Path) -> None:
    ini(project, "script_location = m\ntimezone =")
    assert load().timezone is None


def test_sourceless_and_other_encodings_are_accepted_and_noted(project: Path) -> None:
    ini(project, "script_location = m\nsourceless = true\noutput_encoding = latin-1")
    result = loaded()
    assert result.notes == (
        "alembic.ini: [alembic] 'output_encoding': latin-1 is accepted; dbshift writes revision files as UTF-8",
        "alembic.ini: [alembic] 'sourceless': accepted; dbshift reads revision sources (.py) only",
    )


def test_unknown_keys_are_ignored_and_listed(project: Path) -> None:
    ini(project, "script_location = m\ndatabases = one, two\nsqlalchemy.echo = true")
    result = loaded()
    assert result.unknown_keys == ("alembic.ini: [alembic] 'databases'", "alembic.ini: [alembic] 'sqlalchemy.echo'")
    assert (
        result.debug_lines()[0]
        == "alembic.ini: [alembic] 'databases': not an Alembic setting; ignored (env.py can still read it)"
    )


# --------------------------------------------------------------------------- interpolation


def test_here_percent_escapes_and_keys_of_the_section(project: Path) -> None:
    ini(
        project,
        """
        script_location = %(here)s/%(folder)s
        folder = db
        sqlalchemy.url = postgresql://u:p%%40ss@h/app
        """,
    )
    config = load()
    assert config.script_location == project / "db"
    assert config.raw_url == "postgresql://u:p%40ss@h/app"
    assert config.sections["alembic"]["here"] == project.as_posix()


def test_default_section_values_reach_every_section(project: Path) -> None:
    write(
        project / "alembic.ini",
        "[DEFAULT]\nbase = %(here)s/db\n\n[alembic]\nscript_location = %(base)s\n\n[other]\nx = %(base)s/x\n",
    )
    config = load()
    assert config.script_location == project / "db"
    assert config.sections["other"]["x"] == f"{project.as_posix()}/db/x"
    assert "DEFAULT" not in config.sections


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "%(root)s/migrations",
            "alembic.ini: [alembic] 'script_location': %(root)s is not a key of [alembic]; only %(here)s and "
            "the section's own keys can be used (write %% for a literal %)",
        ),
        (
            "100%",
            "alembic.ini: [alembic] 'script_location': invalid %-interpolation (use %(here)s or %(key)s; write %% "
            "for a literal %): '%' must be followed by '%' or '(', found: '%'",
        ),
    ],
)
def test_bad_interpolation_names_file_section_and_key(project: Path, value: str, expected: str) -> None:
    ini(project, f"script_location = {value}")
    assert error() == expected


def test_bad_interpolation_never_shows_the_password(project: Path) -> None:
    ini(project, "script_location = m\nsqlalchemy.url = postgresql://u:hunter2%@h/db")
    message = error()
    assert message.startswith("alembic.ini: [alembic] 'sqlalchemy.url': invalid %-interpolation")
    assert "hunter2" not in message


# --------------------------------------------------------------------------- separators


@pytest.mark.parametrize(
    ("separator", "joined"),
    [("os", os.pathsep), ("space", " "), ("newline", "\n    "), (":", ":"), (";", ";")],
)
def test_path_separator(project: Path, separator: str, joined: str) -> None:
    ini(
        project,
        f"script_location = m\npath_separator = {separator}\n"
        f"version_locations = a{joined}b/c\nprepend_sys_path = .{joined}src",
    )
    result = loaded()
    assert result.config.version_locations == (project / "a", project / "b" / "c")
    assert result.config.prepend_sys_path == (project, project / "src")
    assert result.notes == ()


def test_version_path_separator_is_the_deprecated_fallback_for_version_locations_only(project: Path) -> None:
    ini(project, "script_location = m\nversion_path_separator = ;\nversion_locations = a;b\nprepend_sys_path = x y")
    result = loaded()
    assert result.config.version_locations == (project / "a", project / "b")
    assert result.config.prepend_sys_path == (project / "x", project / "y")  # legacy split
    assert result.notes == (
        "alembic.ini: [alembic] 'prepend_sys_path' is split the legacy way (on spaces, commas and colons) as no "
        "path_separator is set; Alembic deprecates this: add path_separator = os",
        "alembic.ini: [alembic] 'version_path_separator' is deprecated (Alembic 1.16): use path_separator",
    )


def test_path_separator_wins_over_version_path_separator(project: Path) -> None:
    ini(project, "script_location = m\npath_separator = space\nversion_path_separator = ;\nversion_locations = a;b c")
    assert load().version_locations == (project / "a;b", project / "c")


def test_no_separator_splits_the_legacy_way(project: Path) -> None:
    ini(project, "script_location = m\nversion_locations = a, b c,d\nprepend_sys_path = .:src, lib")
    result = loaded()
    assert result.config.version_locations == tuple(project / name for name in "abcd")
    assert result.config.prepend_sys_path == (project, project / "src", project / "lib")
    assert len(result.notes) == 2


def test_empty_path_lists_and_no_separator_need_no_note(project: Path) -> None:
    ini(project, "script_location = m\nversion_locations =\nprepend_sys_path =")
    result = loaded()
    assert (result.config.version_locations, result.config.prepend_sys_path, result.notes) == ((), (), ())


@pytest.mark.parametrize("key", ["path_separator", "version_path_separator"])
def test_bad_separator(project: Path, key: str) -> None:
    ini(project, f"script_location = m\n{key} = comma\nversion_locations = a")
    assert error() == f"alembic.ini: [alembic] '{key}' must be os, space, newline, ':' or ';', got 'comma'"


# --------------------------------------------------------------------------- package:resource locations


def test_package_resource_locations_resolve_without_importing(project: Path) -> None:
    write(project / "src" / "dbs_inipkg" / "__init__.py", "raise RuntimeError('must not be imported')\n")
    write(project / "src" / "dbs_inipkg" / "sub" / "__init__.py", "")
    (project / "src" / "dbs_inipkg" / "sub" / "migrations").mkdir()
    ini(
        project,
        "script_location = dbs_inipkg.sub:migrations\nprepend_sys_path = src\npath_separator = space\n"
        "version_locations = dbs_inipkg:sub/migrations/versions",
    )
    config = load()
    assert config.script_location == project / "src" / "dbs_inipkg" / "sub" / "migrations"
    assert config.version_locations == (project / "src" / "dbs_inipkg" / "sub" / "migrations" / "versions",)
    assert "dbs_inipkg" not in sys.modules


def test_package_resource_not_found(project: Path) -> None:
    ini(project, "script_location = dbs_nosuchpkg:migrations")
    assert error() == (
        "alembic.ini: [alembic] 'script_location': package 'dbs_nosuchpkg' of 'dbs_nosuchpkg:migrations' not "
        "found on prepend_sys_path or sys.path (a 'package:folder' location names an importable package)"
    )


def test_absolute_paths_are_not_resources(project: Path) -> None:
    ini(project, f"script_location = {project / 'migrations'}")
    assert load().script_location == project / "migrations"


# --------------------------------------------------------------------------- sections and -n


LOGGING = textwrap.dedent(
    """
    [loggers]
    keys = root

    [formatter_generic]
    format = %(levelname)-5.5s [%(name)s] %(message)s
    datefmt = %H:%M:%S
    """
)


def test_every_section_is_kept_interpolated_with_the_defaults(project: Path) -> None:
    ini(
        project, "script_location = m\nsqlalchemy.url = sqlite://", f"[engine1]\nsqlalchemy.url = %(here)s/x\n{LOGGING}"
    )
    result = loaded()
    sections = result.config.sections
    assert list(sections) == ["alembic", "engine1", "loggers", "formatter_generic"]
    assert dict(sections["engine1"]) == {"here": project.as_posix(), "sqlalchemy.url": f"{project.as_posix()}/x"}
    # logging reads its sections raw: kept as written, and no note about it
    assert sections["formatter_generic"]["format"] == "%(levelname)-5.5s [%(name)s] %(message)s"
    assert result.notes == ()


def test_other_sections_that_do_not_interpolate_are_kept_raw_and_noted(project: Path) -> None:
    ini(project, "script_location = m", "[custom]\npattern = 100%\n")
    result = loaded()
    assert result.config.sections["custom"]["pattern"] == "100%"
    assert result.notes == ("alembic.ini: [custom] 'pattern': kept as written (it does not %-interpolate)",)


def test_name_chooses_the_main_section(project: Path) -> None:
    ini(project, "script_location = m\nsqlalchemy.url = sqlite:///main.db", "[staging]\nscript_location = s\n")
    config = load(name="staging")
    assert config.main_section == "staging"
    assert config.script_location == project / "s"
    assert config.raw_url is None  # only the chosen section counts
    assert config.require_url  # the message names the section:
    with pytest.raises(ConfigError, match=r"set 'sqlalchemy.url' in \[staging\] of alembic.ini, DBSHIFT_URL or --url"):
        config.require_url()
    assert set(config.sections) == {"alembic", "staging"}


def test_missing_sections(project: Path) -> None:
    write(project / "alembic.ini", "[loggers]\nkeys = root\n")
    assert error() == "alembic.ini: no [alembic] section"
    ini(project, "script_location = m")
    assert error(name="prod") == "alembic.ini: no [prod] section (chosen with -n/--name)"
    assert error(name=" ") == "-n/--name: the ini section name is empty"


def test_script_location_is_required(project: Path) -> None:
    ini(project, "sqlalchemy.url = sqlite://")
    assert error() == "alembic.ini: [alembic] 'script_location' is not set (the folder holding env.py)"


# --------------------------------------------------------------------------- post-write hooks


def test_hooks_from_the_ini(project: Path) -> None:
    ini(
        project,
        "script_location = m",
        """
        [post_write_hooks]
        hooks = black, ruff  custom
        black.type = console_scripts
        black.entrypoint = black
        black.options = -l 79 REVISION_SCRIPT_FILENAME
        ruff.type = exec
        ruff.executable = %(here)s/bin/ruff
        ruff.cwd = %(here)s
        custom.type = my_formatter
        unused.type = exec
        """,
    )
    hooks = load().post_write_hooks
    assert hooks == (
        PostWriteHook("black", "console_scripts", {"entrypoint": "black", "options": "-l 79 REVISION_SCRIPT_FILENAME"}),
        PostWriteHook("ruff", "exec", {"executable": f"{project.as_posix()}/bin/ruff", "cwd": project.as_posix()}),
        PostWriteHook("custom", "my_formatter", {}),  # a type env.py may register
    )


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("hooks = black", "alembic.ini: [post_write_hooks] 'black.type' is required for post-write hook 'black'"),
        (
            "hooks = black\nblack.type = console_scripts",
            "alembic.ini: [post_write_hooks] 'black.entrypoint' is required for post-write hook 'black' of type "
            "console_scripts",
        ),
        (
            "hooks = r\nr.type = module\nr.module =",
            "alembic.ini: [post_write_hooks] 'r.module' is required for post-write hook 'r' of type module",
        ),
        (
            "hooks = r\nr.type = exec\nr.executable = %(nope)s",
            "alembic.ini: [post_write_hooks] 'r.executable': %(nope)s is not a key of [post_write_hooks]",
        ),
    ],
)
def test_broken_hooks(project: Path, lines: str, expected: str) -> None:
    ini(project, "script_location = m", f"[post_write_hooks]\n{lines}\n")
    assert error().startswith(expected)


def test_an_empty_hooks_section_is_no_hooks(project: Path) -> None:
    ini(project, "script_location = m", "[post_write_hooks]\n# hooks = black\n")
    assert load().post_write_hooks == ()


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("flag", "env", "expected", "source"),
    [
        ("postgresql://flag/db", "postgresql://env/db", "postgresql://flag/db", "--url"),
        (None, "postgresql://env/db", "postgresql://env/db", "DBSHIFT_URL"),
        (None, None, "postgresql://file/db", "alembic.ini"),
        (None, "", "postgresql://file/db", "alembic.ini"),
    ],
)
def test_url_precedence(project: Path, flag: str | None, env: str | None, expected: str, source: str) -> None:
    ini(project, "script_location = m\nsqlalchemy.url = postgresql://file/db")
    config = load_project_config(url=flag, environ={} if env is None else {"DBSHIFT_URL": env})
    assert (config.url, config.url_source) == (expected, source)
    # env.py building its engine from the section connects where the override says
    assert config.sections["alembic"]["sqlalchemy.url"] == expected


def test_url_label_names_the_ini_key(project: Path) -> None:
    ini(project, "script_location = m\nsqlalchemy.url = postgresql://u:secret@h:port/db")
    config = load()
    assert config.url_label() == "alembic.ini: [alembic] 'sqlalchemy.url'"
    with pytest.raises(ConfigError) as exc:
        config.require_url()
    assert str(exc.value).startswith("alembic.ini: [alembic] 'sqlalchemy.url' is not a valid database URL")
    assert "secret" not in str(exc.value) and "secret" not in repr(config)


def test_no_url(project: Path) -> None:
    ini(project, "script_location = m\nsqlalchemy.url =")
    with pytest.raises(ConfigError) as exc:
        load().require_url()
    assert str(exc.value) == "no database URL: set 'sqlalchemy.url' in [alembic] of alembic.ini, DBSHIFT_URL or --url"


def test_override_fills_a_missing_main_section_for_env_py(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.alembic]\nscript_location = "m"\n')
    write(project / "alembic.ini", LOGGING)
    config = load_project_config(url="sqlite://", environ=NO_ENV)
    assert dict(config.sections["alembic"]) == {"here": project.as_posix(), "sqlalchemy.url": "sqlite://"}


# --------------------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "truncate_slug_length = abc",
            "alembic.ini: [alembic] 'truncate_slug_length' must be a positive integer, got 'abc'",
        ),
        (
            "truncate_slug_length = -3",
            "alembic.ini: [alembic] 'truncate_slug_length' must be a positive integer, got '-3'",
        ),
        (
            "recursive_version_locations = yes",
            "alembic.ini: [alembic] 'recursive_version_locations' must be true or false, got 'yes' "
            "(Alembic reads anything but the exact word 'true' as false)",
        ),
        (
            "sourceless = True",
            "alembic.ini: [alembic] 'sourceless' must be true or false, got 'True' "
            "(Alembic reads anything but the exact word 'true' as false)",
        ),
        (
            "revision_environment = maybe",
            "alembic.ini: [alembic] 'revision_environment' must be true or false, got 'maybe'",
        ),
        ("file_template = %%(rev", "alembic.ini: [alembic] 'file_template' is not a valid %-style template"),
        ("file_template =", "alembic.ini: [alembic] 'file_template' must be a non-empty string, got an empty string"),
        (
            "output_encoding = klingon",
            "alembic.ini: [alembic] 'output_encoding' is not an encoding Python knows: 'klingon'",
        ),
    ],
)
def test_bad_values_name_file_section_and_key(project: Path, line: str, expected: str) -> None:
    ini(project, f"script_location = m\n{line}")
    assert error().startswith(expected)


def test_empty_script_location(project: Path) -> None:
    ini(project, "script_location =")
    assert error() == "alembic.ini: [alembic] 'script_location' must be a non-empty string, got an empty string"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("script_location = m\n", "alembic.ini: line 1 comes before any [section] header"),
        ("[alembic]\nscript_location = m\n[alembic]\n", "alembic.ini: section [alembic] appears twice (line 3)"),
        (
            "[alembic]\nscript_location = m\nscript_location = n\n",
            "alembic.ini: [alembic] 'script_location' is set twice (line 3)",
        ),
        (
            "[alembic]\nscript_location = m\nthe password is hunter2\n",
            "alembic.ini: line 3 is neither a [section] header nor 'key = value'",
        ),
    ],
)
def test_syntax_errors_are_one_line_without_the_text(project: Path, text: str, expected: str) -> None:
    write(project / "alembic.ini", text)
    assert error() == expected


# --------------------------------------------------------------------------- [tool.alembic]


def test_tool_alembic_alone(project: Path) -> None:
    write(
        project / "pyproject.toml",
        """
        [tool.alembic]
        script_location = "%(here)s/migrations"
        version_locations = ["%(here)s/migrations/versions", "more"]
        prepend_sys_path = ["."]
        file_template = "%%(rev)s_%%(slug)s_x"
        truncate_slug_length = 20
        recursive_version_locations = true
        revision_environment = "yes"
        timezone = "UTC"
        sourceless = false
        databases = "ignored"

        [[tool.alembic.post_write_hooks]]
        name = "ruff"
        type = "module"
        module = "ruff"
        options = "check --fix REVISION_SCRIPT_FILENAME"
        cwd = "%(here)s"
        """,
    )
    result = loaded()
    config = result.config
    assert config.kind == "alembic"
    assert config.path == project / "pyproject.toml"
    assert config.script_location == project / "migrations"
    assert config.version_locations == (project / "migrations" / "versions", project / "more")
    assert config.prepend_sys_path == (project,)
    assert config.file_template == "%(rev)s_%(slug)s_x"
    assert config.truncate_slug_length == 20
    assert config.recursive_version_locations and config.revision_environment
    assert config.timezone == "UTC"
    assert config.post_write_hooks == (
        PostWriteHook(
            "ruff",
            "module",
            {"module": "ruff", "options": "check --fix REVISION_SCRIPT_FILENAME", "cwd": project.as_posix()},
        ),
    )
    assert config.raw_url is None and dict(config.sections) == {}
    with pytest.raises(ConfigError, match=r"^no database URL: set 'sqlalchemy.url' in \[alembic\] of alembic.ini,"):
        config.require_url()  # Alembic reads the URL from an ini only
    assert result.unknown_keys == ("pyproject.toml: [tool.alembic] 'databases'",)


def test_ini_main_section_wins_key_by_key_over_tool_alembic(project: Path) -> None:
    write(
        project / "pyproject.toml",
        '[tool.alembic]\nscript_location = "from_toml"\ntimezone = "Asia/Tokyo"\nversion_locations = ["t"]\n'
        '[[tool.alembic.post_write_hooks]]\nname = "x"\ntype = "exec"\nexecutable = "x"\n',
    )
    ini(project, "timezone = UTC\nversion_locations =\nsqlalchemy.url = sqlite://")
    config = load()
    assert config.path == project / "alembic.ini"
    assert config.script_location == project / "from_toml"
    assert config.timezone == "UTC"
    assert config.version_locations == (project / "t",)  # an empty ini list falls through, as in Alembic
    assert [hook.name for hook in config.post_write_hooks] == ["x"]
    assert config.raw_url == "sqlite://"


def test_an_ini_hooks_section_hides_the_toml_hooks(project: Path) -> None:
    write(
        project / "pyproject.toml", '[[tool.alembic.post_write_hooks]]\nname = "x"\ntype = "exec"\nexecutable = "x"\n'
    )
    ini(project, "script_location = m", "[post_write_hooks]\n")
    assert load().post_write_hooks == ()


def test_an_ini_with_only_logging_is_completed_by_tool_alembic(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.alembic]\nscript_location = "m"\n')
    write(project / "alembic.ini", LOGGING)
    config = load()
    assert config.path == project / "alembic.ini"
    assert config.script_location == project / "m"
    assert set(config.sections) == {"loggers", "formatter_generic"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('script_location = "%(root)s/m"', "pyproject.toml: [tool.alembic] 'script_location': %(root)s is unknown; only %(here)s is"),
        ('script_location = "100%"', "pyproject.toml: [tool.alembic] 'script_location': a lone %"),
        ('script_location = "m"\nversion_locations = "a"', "pyproject.toml: [tool.alembic] 'version_locations' must be an array of strings, got a string"),
        ('script_location = "m"\nrecursive_version_locations = "true"', "pyproject.toml: [tool.alembic] 'recursive_version_locations' must be true or false, got a string"),
        ('script_location = "m"\ntruncate_slug_length = true', "pyproject.toml: [tool.alembic] 'truncate_slug_length' must be a positive integer, got a boolean"),
        ('script_location = "m"\ntimezone = 3', "pyproject.toml: [tool.alembic] 'timezone' must be a string, got an integer"),
        ('script_location = "m"\npost_write_hooks = [{type = "exec"}]', "pyproject.toml: [tool.alembic] 'post_write_hooks' item 1: 'name' is required"),
        ('script_location = "m"\npost_write_hooks = [{name = "b", type = "exec", executable = 1}]', "pyproject.toml: [tool.alembic] 'post_write_hooks' item 1: 'executable' must be a string, got an integer"),
        ('script_location = "m"\npost_write_hooks = [{name = "b", type = "exec"}]', "pyproject.toml: [tool.alembic] 'post_write_hooks' item 1 ('b'): 'executable' is required"),
        ('script_location = "m"\npost_write_hooks = [{name = "b", type = "exec", executable = "%(x)s"}]', "pyproject.toml: [tool.alembic] 'post_write_hooks' item 1: 'executable': %(x)s is unknown"),
        ("truncate_slug_length = 3", "pyproject.toml: [tool.alembic] 'script_location' is not set"),
    ],
)  # fmt: skip
def test_tool_alembic_errors(project: Path, body: str, expected: str) -> None:
    write(project / "pyproject.toml", f"[tool.alembic]\n{body}\n")
    assert error().startswith(expected)


def test_name_needs_an_ini(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.alembic]\nscript_location = "m"\n')
    assert error(name="staging") == (
        "-n/--name staging: pyproject.toml [tool.alembic] has no sections; -n chooses a section of an ini file"
    )


def test_x_arguments_are_kept_as_given(project: Path) -> None:
    ini(project, "script_location = m")
    assert load(x_arguments=["tenant=acme", "dry"]).x_arguments == ("tenant=acme", "dry")


def test_reader_needs_a_file(project: Path) -> None:
    with pytest.raises(ValueError):
        read_alembic_project(None, None, cwd=project, environ=NO_ENV)


def test_script_location_missing_from_both_files(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.alembic]\ntimezone = "UTC"\n')
    ini(project, "sqlalchemy.url = sqlite://")
    assert error() == (
        "alembic.ini: [alembic] 'script_location' is not set, nor in pyproject.toml [tool.alembic] "
        "(the folder holding env.py)"
    )
