"""Bad input, through the real CLI: one ``error: ...`` line, a non-zero exit, no traceback
(unless ``--debug``), and the database exactly as it was.

Each database test starts from a database holding a ``customers`` table with rows and already
upgraded to revision ``aaa111`` (which created ``orders``), so the version table exists and has
a row. Broken revision files come *after* valid pending revisions: that nothing at all was
applied proves every revision is read, and imported, before the database is touched.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.dialects.features import features_for
from tests.cli_helpers import ScratchProject, assert_one_line_error, run_cli
from tests.conftest import Database

Snapshot = dict[str, list[tuple[object, ...]]]

BASE = "aaa111"  # the revision every database test starts at
PASSWORD = "s3cretPassw0rd"  # must never be printed

MODELS = """
import sqlalchemy as sa
from sqlalchemy import orm


class Base(orm.DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(50))
    email: orm.Mapped[str | None] = orm.mapped_column(sa.String(100))
"""


@pytest.fixture
def project(database: Database, tmp_path: Path) -> ScratchProject:
    """A project on a database with rows in ``customers``, upgraded to ``aaa111``."""
    engine = database.engine()
    try:
        md = sa.MetaData()
        customers = sa.Table(
            "customers",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
        )
        md.create_all(engine)
        with engine.begin() as conn:
            conn.execute(sa.insert(customers), [{"name": "ada"}, {"name": "grace"}, {"name": "linus"}])
    finally:
        engine.dispose()
    p = ScratchProject(tmp_path / "project", database.url)
    p.add_table_revision(BASE, None, "orders")
    p.upgrade_in_process(BASE)
    return p


_baselines: dict[str, Snapshot] = {}


@pytest.fixture
def before(database: Database, project: ScratchProject) -> Snapshot:
    """``database.snapshot()`` as the ``project`` fixture leaves the database.

    The setup is deterministic, so the snapshot is the same for every test on a backend: it is
    read once per backend, which saves a reflection of the whole database per test. A test
    then only needs ``database.snapshot() == before`` after the bad command.
    """
    if database.backend not in _baselines:
        snapshot = database.snapshot()
        assert set(snapshot) == {"customers", "orders", "dbshift_version"}
        assert snapshot["dbshift_version"][1:] == [(BASE,)]
        assert len(snapshot["customers"]) == 4  # the column names and three rows
        _baselines[database.backend] = snapshot
    return _baselines[database.backend]


def version_rows(database: Database) -> list[str]:
    engine = database.engine()
    try:
        with engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(sa.text("SELECT version_num FROM dbshift_version")))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "args, needles, fresh",
    [
        (("upgrade", "head"), ("no dbshift.toml or pyproject.toml", "dbshift init"), True),
        (("-c", "elsewhere.toml", "current"), ("elsewhere.toml", "config file not found"), False),
    ],
    ids=["search", "given"],
)
def test_no_config_found(tmp_path: Path, args: tuple[str, ...], needles: tuple[str, ...], fresh: bool) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    # "search" goes through the real entry point, python -m dbshift, once for the whole file.
    result = run_cli(folder, *args, fresh_interpreter=fresh)
    assert_one_line_error(result, *needles, code=1)
    assert list(folder.iterdir()) == []


def test_unknown_config_key(tmp_path: Path) -> None:
    db_file = tmp_path / "project" / "app.sqlite"
    p = ScratchProject(tmp_path / "project", f"sqlite:///{db_file}", script_locaton="migrations")
    p.add_table_revision(BASE, None, "orders")
    files = p.files()
    result = p.run("upgrade", "head")
    assert_one_line_error(result, "dbshift.toml", "unknown key 'script_locaton'", "did you mean 'script_location'")
    assert not db_file.exists()
    assert p.files() == files


# --------------------------------------------------------------------------- URLs


def test_unreachable_database(backend: str, tmp_path: Path) -> None:
    urls = {
        "sqlite": f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'app.sqlite'}",
        "postgresql": f"postgresql+psycopg://dbshift:{PASSWORD}@127.0.0.1:1/app",
        "mariadb": f"mysql+pymysql://dbshift:{PASSWORD}@127.0.0.1:1/app",
    }
    p = ScratchProject(tmp_path / "project", urls[backend])
    p.add_table_revision(BASE, None, "orders")
    result = p.run("upgrade", "head")
    line = assert_one_line_error(result, "cannot connect to")
    assert PASSWORD not in result.stdout + result.stderr
    if backend == "sqlite":
        assert "app.sqlite" in line
        assert not (tmp_path / "no").exists()
    else:
        assert "dbshift:***@127.0.0.1:1/app" in line
    debug = p.run("--debug", "upgrade", "head")
    assert "Traceback" in debug.stderr and debug.stderr.splitlines()[-1] == line
    assert PASSWORD not in debug.stdout + debug.stderr


def test_unknown_dialect_in_url(database: Database, project: ScratchProject, before: Snapshot) -> None:
    _, sep, rest = database.url.partition("://")
    project.write_config(url=f"nosuchdialect{sep}{rest}")
    result = project.run("upgrade", "head")
    assert_one_line_error(result, "dbshift.toml: 'url'", "unknown database dialect or driver 'nosuchdialect'")
    assert database.snapshot() == before


@pytest.mark.parametrize(
    "url, needle",
    [
        (f"postgresql+psycopg//dbshift:{PASSWORD}@127.0.0.1/app", "not a valid database URL"),
        (f"postgresql+psycopg://dbshift:{PASSWORD}@127.0.0.1:notaport/app", "not a valid database URL"),
        (
            f"nosuchdialect://dbshift:{PASSWORD}@127.0.0.1/app",
            "unknown database dialect or driver 'nosuchdialect'",
        ),
        (
            f"postgresql+nosuchdriver://dbshift:{PASSWORD}@127.0.0.1/app",
            "unknown database dialect or driver 'postgresql+nosuchdriver'",
        ),
    ],
    ids=["unparseable", "bad-port", "bad-dialect", "bad-driver"],
)
@pytest.mark.parametrize("where", ["file", "--url"])
def test_wrong_url(tmp_path: Path, url: str, needle: str, where: str) -> None:
    p = ScratchProject(tmp_path / "project", url if where == "file" else "sqlite:///app.sqlite")
    p.add_table_revision(BASE, None, "orders")
    files = p.files()
    result = p.run("upgrade", "head") if where == "file" else p.run("--url", url, "upgrade", "head")
    assert_one_line_error(result, "dbshift.toml: 'url'" if where == "file" else "--url", needle)
    assert PASSWORD not in result.stdout + result.stderr
    assert p.files() == files


@pytest.mark.parametrize(
    "url, module, expected",
    [
        (
            "postgresql+psycopg2://dbshift@127.0.0.1/app",
            "psycopg2",
            "the PostgreSQL driver 'psycopg2' is not installed: pip install psycopg2-binary "
            "(or use postgresql+psycopg://, whose driver psycopg is installed)",
        ),
        (
            "mysql://dbshift@127.0.0.1/app",
            "MySQLdb",
            "the MySQL/MariaDB driver 'MySQLdb' is not installed: pip install mysqlclient "
            "(or use mysql+pymysql://, whose driver pymysql is installed)",
        ),
        (
            "postgresql+asyncpg://dbshift@127.0.0.1/app",
            "asyncpg",
            "the PostgreSQL driver 'asyncpg' is not installed: pip install asyncpg",
        ),
        (
            "oracle://dbshift@127.0.0.1/app",
            "oracledb",
            "the Oracle driver 'oracledb' is not installed: pip install oracledb",
        ),
        (
            "mssql://dbshift@127.0.0.1/app",
            "pyodbc",
            "the SQL Server driver 'pyodbc' is not installed: pip install pyodbc",
        ),
    ],
    ids=["psycopg2", "mysqlclient", "asyncpg", "oracledb", "pyodbc"],
)
def test_missing_driver_names_the_package(tmp_path: Path, url: str, module: str, expected: str) -> None:
    if importlib.util.find_spec(module) is not None:
        pytest.skip(f"{module} is installed here")
    p = ScratchProject(tmp_path / "project", url)
    p.add_table_revision(BASE, None, "orders")
    files = p.files()
    line = assert_one_line_error(p.run("upgrade", "head"))
    assert line == f"error: dbshift.toml: 'url': {expected}"
    assert p.files() == files


def test_version_table_schema_that_does_not_exist(
    database: Database, project: ScratchProject, before: Snapshot
) -> None:
    project.write_config(url=database.url, version_table_schema="no_such_schema")
    result = project.run("upgrade", "head")
    assert_one_line_error(result, "the database refused", "no_such_schema")
    assert database.snapshot() == before


# --------------------------------------------------------------------------- revision files


def test_syntax_error_names_file(database: Database, project: ScratchProject, before: Snapshot) -> None:
    project.add_table_revision("bbb222", BASE, "invoices")
    project.add_table_revision("ccc333", "bbb222", "payments")
    broken = project.add_revision(
        "ddd444",
        "ccc333",
        upgrade="op.create_table('refunds' sa.Column('id', sa.Integer, primary_key=True))",
        message="broken",
    )
    result = project.run("upgrade", "head")
    assert_one_line_error(result, broken.name, "syntax error at line")
    assert database.snapshot() == before


def test_revision_failing_to_import_applies_nothing(
    database: Database, project: ScratchProject, before: Snapshot
) -> None:
    project.add_table_revision("bbb222", BASE, "invoices")
    project.add_table_revision("ccc333", "bbb222", "payments")
    broken = project.add_table_revision("ddd444", "ccc333", "refunds", header="import no_such_module_dbshift")
    result = project.run("upgrade", "head")
    assert_one_line_error(result, broken.name, "ModuleNotFoundError", "no_such_module_dbshift")
    assert database.snapshot() == before


def test_duplicate_revision_ids(database: Database, project: ScratchProject, before: Snapshot) -> None:
    first = project.add_table_revision("bbb222", BASE, "invoices")
    second = project.add_table_revision("bbb222", BASE, "payments", filename="bbb222_again.py")
    result = project.run("upgrade", "head")
    assert_one_line_error(result, "duplicate revision id 'bbb222'", first.name, second.name)
    assert database.snapshot() == before


def test_missing_down_revision(database: Database, project: ScratchProject, before: Snapshot) -> None:
    project.add_table_revision("bbb222", BASE, "invoices")
    orphan = project.add_table_revision("ccc333", "zzz999", "payments")
    result = project.run("upgrade", "head")
    assert_one_line_error(result, orphan.name, "'zzz999'", "does not exist")
    assert database.snapshot() == before


def test_cycle(database: Database, project: ScratchProject, before: Snapshot) -> None:
    project.add_table_revision("bbb222", "ddd444", "invoices")
    project.add_table_revision("ccc333", "bbb222", "payments")
    project.add_table_revision("ddd444", "ccc333", "refunds")
    result = project.run("upgrade", "head")
    assert_one_line_error(result, "cycle", "bbb222 -> ccc333 -> ddd444 -> bbb222")
    assert database.snapshot() == before


# --------------------------------------------------------------------------- targets


def test_two_heads_with_target_head(database: Database, project: ScratchProject, before: Snapshot) -> None:
    project.add_table_revision("bbb222", BASE, "invoices")
    project.add_table_revision("ccc333", BASE, "payments")
    result = project.run("upgrade", "head")
    assert_one_line_error(result, "multiple heads", "bbb222", "ccc333", "'heads'", "merge")
    assert database.snapshot() == before


def test_unknown_target(database: Database, project: ScratchProject, before: Snapshot) -> None:
    project.add_table_revision("bbb222", BASE, "invoices")
    for command in ("upgrade", "downgrade"):
        result = project.run(command, "nosuch")
        assert_one_line_error(result, "unknown revision 'nosuch'")
    assert database.snapshot() == before


def test_ambiguous_target(database: Database, project: ScratchProject, before: Snapshot) -> None:
    project.add_table_revision("bbb222", BASE, "invoices")
    project.add_table_revision("bbb333", "bbb222", "payments")
    result = project.run("upgrade", "bbb")
    assert_one_line_error(result, "ambiguous", "'bbb'", "bbb222", "bbb333")
    assert database.snapshot() == before


def test_downgrade_below_base(database: Database, project: ScratchProject, before: Snapshot) -> None:
    result = project.run("downgrade", "-2")
    assert_one_line_error(result, "below base")
    assert database.snapshot() == before


# --------------------------------------------------------------------------- autogenerate


def test_model_module_fails_to_import(database: Database, project: ScratchProject, before: Snapshot) -> None:
    project.write("app/__init__.py", "")
    project.write("app/models.py", MODELS + "\nimport no_such_dependency_dbshift\n")
    project.write_config(url=database.url, target_metadata="app.models:Base.metadata", models=["app.models"])
    files = project.revision_files()
    for command in (("revision", "--autogenerate", "-m", "more"), ("check",)):
        result = project.run(*command)
        assert_one_line_error(
            result, 'dbshift.toml: models entry "app.models"', "failed to import", "no_such_dependency_dbshift"
        )
    assert project.revision_files() == files
    assert database.snapshot() == before


def test_autogenerate_when_database_is_not_at_head(
    database: Database, project: ScratchProject, before: Snapshot
) -> None:
    project.write("app/__init__.py", "")
    project.write("app/models.py", MODELS)
    project.write_config(url=database.url, target_metadata="app.models:Base.metadata")
    project.add_table_revision("bbb222", BASE, "invoices")
    files = project.revision_files()
    result = project.run("revision", "--autogenerate", "-m", "add email")
    assert_one_line_error(
        result,
        "the database is not at head: it is at aaa111",
        "head is bbb222 (1 revision pending)",
        "dbshift upgrade head",
    )
    assert project.revision_files() == files
    assert database.snapshot() == before


def test_autogenerate_without_target_metadata(database: Database, project: ScratchProject, before: Snapshot) -> None:
    files = project.revision_files()
    result = project.run("revision", "--autogenerate", "-m", "add email")
    assert_one_line_error(result, "'target_metadata' is not set", "dbshift.toml")
    assert project.revision_files() == files
    assert database.snapshot() == before


# --------------------------------------------------------------------------- at run time


def test_upgrade_raising_keeps_previous_version(database: Database, project: ScratchProject, before: Snapshot) -> None:
    project.add_table_revision("bbb222", BASE, "invoices")
    failing = project.add_revision(
        "ccc333",
        "bbb222",
        upgrade="""
            op.create_table("payments", sa.Column("id", sa.Integer, primary_key=True))
            raise RuntimeError("card declined")
        """,
        message="payments",
    )
    result = project.run("upgrade", "head")
    line = assert_one_line_error(result, "ccc333", failing.name, "RuntimeError: card declined", "bbb222")
    assert "Upgrading aaa111 -> bbb222" in result.stdout
    assert version_rows(database) == ["bbb222"]
    transactional = features_for(sa.engine.make_url(database.url).get_backend_name()).transactional_ddl
    expected = {k: v for k, v in before.items() if k != "dbshift_version"}
    expected["invoices"] = [("columns", "id")]
    if not transactional:
        expected["payments"] = [("columns", "id")]
    after = database.snapshot()
    assert {k: v for k, v in after.items() if k != "dbshift_version"} == expected
    if transactional:
        assert "rolled back" in line
    else:
        assert "not rolled back" in line and "payments" in line


# --------------------------------------------------------------------------- --debug


def test_debug_shows_traceback(database: Database, project: ScratchProject, before: Snapshot) -> None:
    result = project.run("--debug", "upgrade", "nosuch")
    assert result.returncode != 0
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1] == "error: unknown revision 'nosuch'"
    assert database.snapshot() == before


def test_missing_driver_in_an_alembic_env_py(tmp_path: Path) -> None:
    """env.py makes its own engine; its ImportError gets the same advice, naming env.py."""
    from tests.compat.project import ALEMBIC_INI, AlembicProject

    if importlib.util.find_spec("psycopg2") is not None:
        pytest.skip("psycopg2 is installed here")
    p = AlembicProject(tmp_path / "project", f"sqlite:///{tmp_path / 'unused.sqlite'}")
    p.ini.write_text(ALEMBIC_INI.format(url="postgresql+psycopg2://dbshift@127.0.0.1/app"), encoding="utf-8")
    p.add("a1", None)
    line = assert_one_line_error(run_cli(p.root, "upgrade", "head"))
    assert line == (
        "error: migrations/env.py: the PostgreSQL driver 'psycopg2' is not installed: pip install psycopg2-binary "
        "(or use postgresql+psycopg://, whose driver psycopg is installed)"
    )
