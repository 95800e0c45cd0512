"""Finding, reading and validating the configuration; importing the user's models."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url

from dbshift.config import (
    DEFAULTS,
    KNOWN_KEYS,
    build_config,
    find_config_file,
    load_config,
)
from dbshift.errors import ConfigError
from dbshift.util import import_modules, import_object, mask_url, prepend_sys_path

NO_ENV: dict[str, str] = {}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def one_line(exc: pytest.ExceptionInfo[ConfigError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder that is also the working folder, so messages say ``dbshift.toml``."""
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def clean_imports() -> Iterator[None]:
    """Forget modules and sys.path entries a test adds, so tests cannot see each other's."""
    modules = set(sys.modules)
    path = list(sys.path)
    yield
    for name in set(sys.modules) - modules:
        del sys.modules[name]
    sys.path[:] = path


# --------------------------------------------------------------------------- discovery


def test_finds_config_in_a_parent_folder(project: Path) -> None:
    config = write(project / "dbshift.toml", '[dbshift]\nscript_location = "db"\n')
    deep = project / "src" / "pkg"
    deep.mkdir(parents=True)

    assert find_config_file(deep) == config.resolve()
    loaded = load_config(cwd=deep, environ=NO_ENV)
    assert loaded.path == config.resolve()
    assert loaded.root == project.resolve()
    assert loaded.script_location == project.resolve() / "db"


def test_pyproject_tool_table_is_found(project: Path) -> None:
    pyproject = write(
        project / "pyproject.toml",
        """
        [project]
        name = "app"

        [tool.dbshift]
        script_location = "alembicless"
        """,
    )
    config = load_config(environ=NO_ENV)
    assert config.path == pyproject.resolve()
    assert config.script_location == project.resolve() / "alembicless"
    assert config.display_path() == "pyproject.toml"


def test_dbshift_toml_wins_over_pyproject_in_the_same_folder(project: Path) -> None:
    write(
        project / "pyproject.toml",
        '[tool.dbshift]\nscript_location = "from_pyproject"\n',
    )
    write(project / "dbshift.toml", '[dbshift]\nscript_location = "from_dbshift"\n')
    assert load_config(environ=NO_ENV).script_location.name == "from_dbshift"


def test_pyproject_without_tool_table_is_skipped(project: Path) -> None:
    write(project / "dbshift.toml", "[dbshift]\n")
    sub = project / "sub"
    write(sub / "pyproject.toml", '[project]\nname = "sub"\n')
    assert find_config_file(sub) == (project / "dbshift.toml").resolve()


def test_unrelated_broken_pyproject_does_not_stop_the_search(project: Path) -> None:
    write(project / "dbshift.toml", "[dbshift]\n")
    sub = project / "sub"
    write(sub / "pyproject.toml", "[project\n")
    assert find_config_file(sub) == (project / "dbshift.toml").resolve()


def test_missing_config_message(project: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV)
    assert one_line(exc) == (
        f"no dbshift.toml or pyproject.toml with [tool.dbshift] found in {project.resolve()} "
        "or any parent folder; run 'dbshift init' first"
    )


def test_dbshift_toml_without_table_is_named_when_nothing_is_found(
    project: Path,
) -> None:
    write(project / "dbshift.toml", 'script_location = "migrations"\n')
    assert find_config_file(project) is None
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV)
    assert "dbshift.toml has no [dbshift] table" in one_line(exc)


def test_explicit_config_file_relative_to_cwd(project: Path) -> None:
    write(project / "dbshift.toml", '[dbshift]\nscript_location = "wrong"\n')
    staging = write(project / "conf" / "staging.toml", '[dbshift]\nscript_location = "m"\n')
    config = load_config(Path("conf/staging.toml"), environ=NO_ENV)
    assert config.path == staging.resolve()
    # Relative paths resolve against the config file's folder, not the cwd.
    assert config.script_location == project.resolve() / "conf" / "m"


def test_explicit_config_file_must_exist(project: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(Path("nope.toml"), environ=NO_ENV)
    assert one_line(exc) == "nope.toml: config file not found"


def test_explicit_pyproject_without_table(project: Path) -> None:
    write(project / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(Path("pyproject.toml"), environ=NO_ENV)
    assert one_line(exc) == "pyproject.toml: no [tool.dbshift] table"


# --------------------------------------------------------------------------- validation


def test_defaults(project: Path) -> None:
    write(project / "dbshift.toml", "[dbshift]\n")
    config = load_config(environ=NO_ENV)
    assert config.script_location == project.resolve() / "migrations"
    assert config.url is None
    assert config.url_source == "(not set)"
    assert config.target_metadata is None
    assert config.models == ()
    assert config.version_table == "dbshift_version"
    assert config.version_table_schema is None
    assert config.file_template == "%(rev)s_%(slug)s"
    assert config.exclude_tables == ()
    assert set(DEFAULTS) == KNOWN_KEYS


def test_all_settings_are_read(project: Path) -> None:
    write(
        project / "dbshift.toml",
        """
        [dbshift]
        script_location = "./db/migrations"
        url = "postgresql://u:pw@localhost/app"
        target_metadata = "app.models:Base.metadata"
        models = ["app.models", "app.more"]
        version_table = "schema_version"
        version_table_schema = "meta"
        file_template = "%(rev)s"
        exclude_tables = ["spatial_*", "audit"]
        """,
    )
    config = load_config(environ=NO_ENV)
    assert config.script_location == project.resolve() / "db" / "migrations"
    assert config.url == "postgresql://u:pw@localhost/app"
    assert config.url_source == "dbshift.toml"
    assert config.models == ("app.models", "app.more")
    assert config.version_table == "schema_version"
    assert config.version_table_schema == "meta"
    assert config.file_template == "%(rev)s"
    assert config.exclude_tables == ("spatial_*", "audit")


def test_unknown_key_suggests_the_close_one(project: Path) -> None:
    write(project / "dbshift.toml", '[dbshift]\nscript_locaton = "m"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV)
    assert one_line(exc) == ("dbshift.toml: unknown key 'script_locaton' in [dbshift]; did you mean 'script_location'?")


def test_unknown_key_without_suggestion_in_pyproject(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.dbshift]\ncolour = 1\n")
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV)
    assert one_line(exc) == "pyproject.toml: unknown key 'colour' in [tool.dbshift]"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'models = "app.models"',
            "dbshift.toml: 'models' must be an array of strings, got a string",
        ),
        (
            "version_table = 3",
            "dbshift.toml: 'version_table' must be a non-empty string, got an integer",
        ),
        (
            'url = ""',
            "dbshift.toml: 'url' must be a non-empty string, got an empty string",
        ),
        (
            'exclude_tables = ["ok", 1]',
            ("dbshift.toml: 'exclude_tables' must be an array of non-empty strings, but item 2 is an integer"),
        ),
        (
            "script_location = true",
            "dbshift.toml: 'script_location' must be a non-empty string, got a boolean",
        ),
    ],
)
def test_wrong_types_name_key_and_expected_type(project: Path, line: str, expected: str) -> None:
    write(project / "dbshift.toml", f"[dbshift]\n{line}\n")
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV)
    assert one_line(exc) == expected


def test_dbshift_not_a_table(project: Path) -> None:
    write(project / "dbshift.toml", 'dbshift = "x"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(Path("dbshift.toml"), environ=NO_ENV)
    assert one_line(exc) == "dbshift.toml: 'dbshift' must be a table ([dbshift]), got a string"


def test_bad_file_template(project: Path) -> None:
    write(project / "dbshift.toml", '[dbshift]\nfile_template = "%(rev"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV)
    assert one_line(exc).startswith("dbshift.toml: 'file_template' is not a valid %-style template")


def test_toml_syntax_error_names_file_and_line(project: Path) -> None:
    write(
        project / "dbshift.toml",
        '[dbshift]\nurl = "sqlite://"\nmodels = [\n"a"\n"b"]\n',
    )
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV)
    message = one_line(exc)
    assert message.startswith("dbshift.toml: invalid TOML: ")
    assert "line 5" in message


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("flag", "env", "expected", "source"),
    [
        (
            "postgresql://flag/db",
            "postgresql://env/db",
            "postgresql://flag/db",
            "--url",
        ),
        (None, "postgresql://env/db", "postgresql://env/db", "DBSHIFT_URL"),
        (None, None, "postgresql://file/db", "dbshift.toml"),
        (None, "", "postgresql://file/db", "dbshift.toml"),
    ],
)
def test_url_precedence(project: Path, flag: str | None, env: str | None, expected: str, source: str) -> None:
    write(project / "dbshift.toml", '[dbshift]\nurl = "postgresql://file/db"\n')
    environ = {} if env is None else {"DBSHIFT_URL": env}
    config = load_config(url=flag, environ=environ)
    assert (config.url, config.url_source) == (expected, source)


def test_environ_defaults_to_os_environ(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "dbshift.toml", "[dbshift]\n")
    monkeypatch.setenv("DBSHIFT_URL", "postgresql://env/db")
    assert load_config().url == "postgresql://env/db"


@pytest.mark.parametrize(
    ("file_url", "relative"),
    [
        ("sqlite:///./app/db/app.sqlite", "app/db/app.sqlite"),
        ("sqlite:///app.sqlite", "app.sqlite"),
        ("sqlite+pysqlite:///../shared.sqlite", "../shared.sqlite"),
    ],
)
def test_relative_sqlite_resolves_against_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file_url: str, relative: str
) -> None:
    root = tmp_path / "proj"
    write(root / "dbshift.toml", f'[dbshift]\nurl = "{file_url}?timeout=5"\n')
    elsewhere = root / "src" / "deep"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)

    config = load_config(environ=NO_ENV)
    assert config.url is not None
    parsed = make_url(config.url)
    assert parsed.database is not None
    assert Path(parsed.database) == (root / relative).resolve()
    assert dict(parsed.query) == {"timeout": "5"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:////var/data/app.sqlite",
        "sqlite:///file:app.sqlite?mode=ro&uri=true",
        "postgresql://user:p%40ss@host:5432/db?sslmode=require",
    ],
)
def test_other_urls_are_kept_exactly(project: Path, url: str) -> None:
    write(project / "dbshift.toml", f'[dbshift]\nurl = "{url}"\n')
    assert load_config(environ=NO_ENV).url == url


def test_override_relative_sqlite_resolves_against_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "proj"
    write(root / "dbshift.toml", "[dbshift]\n")
    cwd = root / "sub"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    for config in (
        load_config(url="sqlite:///local.sqlite", environ=NO_ENV),
        load_config(environ={"DBSHIFT_URL": "sqlite:///local.sqlite"}),
    ):
        assert config.url is not None
        assert make_url(config.url).database == str(cwd.resolve() / "local.sqlite")


def test_invalid_url_is_reported_without_the_password(project: Path) -> None:
    write(
        project / "dbshift.toml",
        '[dbshift]\nurl = "postgresql://u:hunter2@host:port/db"\n',
    )
    config = load_config(environ=NO_ENV)  # the URL is checked when first used, not at load
    assert "hunter2" not in repr(config)
    with pytest.raises(ConfigError) as exc:
        config.require_url()
    message = one_line(exc)
    assert message.startswith("dbshift.toml: 'url' is not a valid database URL")
    assert "hunter2" not in message
    with pytest.raises(ConfigError) as exc:
        load_config(environ={"DBSHIFT_URL": "nonsense"}).require_url()
    assert one_line(exc).startswith("DBSHIFT_URL is not a valid database URL")


def test_require_url(project: Path) -> None:
    write(project / "dbshift.toml", "[dbshift]\n")
    config = load_config(environ=NO_ENV)
    with pytest.raises(ConfigError) as exc:
        config.require_url()
    assert one_line(exc) == "no database URL: set 'url' in dbshift.toml, DBSHIFT_URL or --url"
    assert load_config(url="sqlite://", environ=NO_ENV).require_url() == "sqlite://"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://scott:tiger@localhost/test",
        "postgresql+psycopg://scott:tiger@localhost:5432/test?sslmode=require",
        "mysql+pymysql://scott:tiger@host/db?password=tiger",
        "postgresql://scott:ti%40ger@localhost/test",
        "weird://scott:tiger@not a url@host",
        make_url("postgresql://scott:tiger@localhost/test"),
    ],
)
def test_mask_url_never_shows_the_password(url: object) -> None:
    assert isinstance(url, str) or hasattr(url, "render_as_string")
    masked = mask_url(url)  # type: ignore[arg-type]
    assert "tiger" not in masked
    assert "ti%40ger" not in masked
    assert "***" in masked
    assert "scott" in masked


def test_mask_url_leaves_passwordless_urls_alone() -> None:
    assert mask_url("sqlite:///app.sqlite") == "sqlite:///app.sqlite"
    assert mask_url("postgresql://localhost/db") == "postgresql://localhost/db"


def test_config_repr_masks_the_password(project: Path) -> None:
    write(project / "dbshift.toml", '[dbshift]\nurl = "postgresql://u:tiger@h/db"\n')
    config = load_config(environ=NO_ENV)
    assert "tiger" not in repr(config)
    assert config.display_url() == "postgresql://u:***@h/db"


def test_build_config_without_a_file(tmp_path: Path) -> None:
    config = build_config({"url": "sqlite:///x.sqlite"}, root=tmp_path, environ=NO_ENV)
    assert config.path is None
    assert config.script_location == tmp_path / "migrations"
    assert config.url == f"sqlite:///{tmp_path / 'x.sqlite'}"


# --------------------------------------------------------------------------- importing models


MODELS = """
    from sqlalchemy import Column, Integer
    from dbs_testapp.base import Base

    class User(Base):
        __tablename__ = "user"
        id = Column(Integer, primary_key=True)
"""
BASE = """
    from sqlalchemy.orm import DeclarativeBase

    class Base(DeclarativeBase):
        pass
"""


def make_app(root: Path) -> None:
    write(root / "dbs_testapp" / "__init__.py", "")
    write(root / "dbs_testapp" / "base.py", BASE)
    write(root / "dbs_testapp" / "models.py", MODELS)


def test_load_metadata_imports_models_first(project: Path, clean_imports: None) -> None:
    make_app(project)
    write(
        project / "dbshift.toml",
        """
        [dbshift]
        target_metadata = "dbs_testapp.base:Base.metadata"
        models = ["dbs_testapp.models"]
        """,
    )
    # Run from a subfolder: the config folder, not the cwd, must be importable.
    sub = project / "sub"
    sub.mkdir()
    metadata = load_config(cwd=sub, environ=NO_ENV).load_metadata()
    assert isinstance(metadata, MetaData)
    assert set(metadata.tables) == {"user"}
    assert sys.path[0] == str(project.resolve())


def test_load_metadata_without_target_names_key_and_file(project: Path) -> None:
    write(project / "dbshift.toml", "[dbshift]\n")
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV).load_metadata()
    assert one_line(exc) == (
        "dbshift.toml: 'target_metadata' is not set; autogenerate needs it "
        '(e.g. target_metadata = "myapp.models:Base.metadata")'
    )


def test_model_module_import_error_is_one_line(project: Path, clean_imports: None) -> None:
    make_app(project)
    write(
        project / "dbs_testapp" / "broken.py",
        'raise ImportError("cannot import thing\\nfrom here")\n',
    )
    write(
        project / "dbshift.toml",
        """
        [dbshift]
        target_metadata = "dbs_testapp.base:Base.metadata"
        models = ["dbs_testapp.broken"]
        """,
    )
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV).load_metadata()
    assert one_line(exc) == (
        "dbshift.toml: models entry \"dbs_testapp.broken\": module 'dbs_testapp.broken' "
        "failed to import: ImportError: cannot import thing from here"
    )
    assert isinstance(exc.value.__cause__, ImportError)


def test_target_that_is_not_metadata_gets_a_hint(project: Path, clean_imports: None) -> None:
    make_app(project)
    write(
        project / "dbshift.toml",
        '[dbshift]\ntarget_metadata = "dbs_testapp.base:Base"\n',
    )
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV).load_metadata()
    assert one_line(exc) == (
        'dbshift.toml: target_metadata = "dbs_testapp.base:Base" is the class Base, '
        'not a sqlalchemy MetaData; did you mean "dbs_testapp.base:Base.metadata"?'
    )


def test_import_object_missing_module(clean_imports: None) -> None:
    with pytest.raises(ConfigError) as exc:
        import_object("dbs_nosuch.y:z", "target_metadata", Path("dbshift.toml"))
    assert one_line(exc) == (
        "dbshift.toml: target_metadata = \"dbs_nosuch.y:z\": module 'dbs_nosuch.y' failed to "
        "import: ModuleNotFoundError: No module named 'dbs_nosuch'"
    )


def test_import_object_walks_attributes_and_reports_the_missing_one() -> None:
    assert import_object("os.path:join", "x", None) is __import__("os").path.join
    with pytest.raises(ConfigError) as exc:
        import_object("os:path.nosuch", "target_metadata", Path("dbshift.toml"))
    assert one_line(exc) == ("dbshift.toml: target_metadata = \"os:path.nosuch\": 'os:path' has no attribute 'nosuch'")


@pytest.mark.parametrize("spec", ["myapp.models", "myapp.models:", ":Base", "a:b..c"])
def test_import_object_rejects_malformed_specs(spec: str) -> None:
    with pytest.raises(ConfigError) as exc:
        import_object(spec, "target_metadata", Path("dbshift.toml"))
    assert 'expected "package.module:attribute"' in one_line(exc)


def test_target_of_the_wrong_type(project: Path, clean_imports: None) -> None:
    make_app(project)
    write(project / "dbs_testapp" / "other.py", "tables = {}\n")
    write(
        project / "dbshift.toml",
        '[dbshift]\ntarget_metadata = "dbs_testapp.other:tables"\n',
    )
    with pytest.raises(ConfigError) as exc:
        load_config(environ=NO_ENV).load_metadata()
    assert one_line(exc) == (
        'dbshift.toml: target_metadata = "dbs_testapp.other:tables" is a dict, not a sqlalchemy MetaData'
    )


def test_import_modules_returns_modules_in_order() -> None:
    modules = import_modules(["json", "string"], None)
    assert [module.__name__ for module in modules] == ["json", "string"]


def test_prepend_sys_path_does_not_duplicate(tmp_path: Path, clean_imports: None) -> None:
    prepend_sys_path(tmp_path)
    sys.path.append(str(tmp_path))
    prepend_sys_path(tmp_path)
    assert sys.path[0] == str(tmp_path.resolve())
    assert sys.path.count(str(tmp_path.resolve())) == 1


def test_commands_that_need_no_database_do_not_load_sqlalchemy(project: Path) -> None:
    """`heads` on a large history must start fast: SQLAlchemy is imported only when needed."""
    import subprocess
    import sys

    write(project / "dbshift.toml", '[dbshift]\nurl = "sqlite:///./app.sqlite"\n')
    (project / "migrations" / "versions").mkdir(parents=True)
    write(
        project / "migrations" / "versions" / "a1_first.py",
        '"""first"""\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n',
    )
    code = (
        "import sys\nfrom dbshift.cli.main import main\n"
        "try:\n    main(['heads'])\nexcept SystemExit:\n    pass\n"
        "print('loaded' if 'sqlalchemy' in sys.modules else 'not loaded')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["a1 (head): first", "not loaded"]
