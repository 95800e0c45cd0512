"""Read-only means read-only: reporting commands and failing commands never create a database
file or a table, on every backend.

Reporting commands (``current``, ``history``, ``heads``, ``show``, ``check``) only read; on
SQLite they open the file read-only, so a missing file stays missing. A command that fails
because of what the user typed (an unknown target or option) fails before it connects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import ScratchProject, assert_one_line_error
from tests.conftest import Database

UNREACHABLE = {
    "sqlite": "sqlite:///{tmp}/no/such/folder/app.sqlite",
    "postgresql": "postgresql+psycopg://dbshift@127.0.0.1:1/app",
    "mariadb": "mysql+pymysql://dbshift@127.0.0.1:1/app",
}


def _project(root: Path, url: str) -> ScratchProject:
    p = ScratchProject(root, url)
    p.add_table_revision("aaa111", None, "orders")
    p.add_table_revision("bbb222", "aaa111", "invoices")
    return p


@pytest.fixture
def project(database: Database, tmp_path: Path) -> ScratchProject:
    return _project(tmp_path / "project", database.url)


# --------------------------------------------------------------------------- bad targets


BAD_TARGETS = [
    (("upgrade", "nosuch"), "unknown revision 'nosuch'"),
    (("downgrade", "nosuch"), "unknown revision 'nosuch'"),
    (("stamp", "nosuch"), "unknown revision 'nosuch'"),
    (("stamp", "aaa111", "nosuch"), "unknown revision 'nosuch'"),
    (("upgrade", "nosuch@head"), "unknown revision 'nosuch'"),
    (("upgrade", "nosuch+1"), "unknown revision 'nosuch'"),
    (("downgrade", "bbb222+1"), "cannot upgrade 1 step from 'bbb222'"),
    (("upgrade", "-1"), "'-1' moves down; use 'dbshift downgrade -1'"),
    (("downgrade", "+1"), "'+1' moves up; use 'dbshift upgrade +1'"),
    (("upgrade", "--sql", "nosuch:head"), "unknown revision 'nosuch'"),
]
BAD_TARGET_IDS = [
    "upgrade",
    "downgrade",
    "stamp",
    "stamp-second",
    "branch-head",
    "relative-to-unknown",
    "relative-past-head",
    "upgrade-minus",
    "downgrade-plus",
    "sql-range-start",
]


@pytest.mark.parametrize("args, needle", BAD_TARGETS, ids=BAD_TARGET_IDS)
def test_bad_target_fails_before_connecting(backend: str, tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    """On a server that cannot be reached, the error is still about the target: the target is
    checked against the migration folder before dbshift (or env.py) connects."""
    p = _project(tmp_path / "project", UNREACHABLE[backend].format(tmp=tmp_path))
    result = p.run(*args)
    assert_one_line_error(result, needle)
    assert "cannot connect" not in result.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("args, needle", BAD_TARGETS, ids=BAD_TARGET_IDS)
def test_bad_target_changes_nothing(
    database: Database, project: ScratchProject, args: tuple[str, ...], needle: str
) -> None:
    project.upgrade_in_process("aaa111")
    before = database.snapshot()
    assert_one_line_error(project.run(*args), needle)
    assert database.snapshot() == before


def test_bad_target_creates_no_sqlite_file(tmp_path: Path) -> None:
    db_file = tmp_path / "project" / "app.sqlite"
    p = _project(tmp_path / "project", f"sqlite:///{db_file}")
    for args, needle in BAD_TARGETS:
        assert_one_line_error(p.run(*args), needle)
        assert not db_file.exists(), args


# --------------------------------------------------------------------------- reporting commands

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("orders", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("invoices", metadata, sa.Column("id", sa.Integer, primary_key=True))
"""

REPORTING = [
    ("current",),
    ("current", "-v"),
    ("history",),
    ("history", "-i"),
    ("heads",),
    ("show", "aaa111"),
    ("check",),
]
REPORTING_IDS = ["current", "current-v", "history", "history-i", "heads", "show", "check"]


def _with_models(p: ScratchProject, url: str) -> ScratchProject:
    p.write("app/__init__.py", "")
    p.write("app/models.py", MODELS)
    p.write_config(url=url, target_metadata="app.models:metadata")
    return p


@pytest.mark.parametrize("at", [None, "aaa111"], ids=["fresh", "at-revision"])
@pytest.mark.parametrize("args", REPORTING, ids=REPORTING_IDS)
def test_reporting_commands_change_nothing(
    database: Database, project: ScratchProject, args: tuple[str, ...], at: str | None
) -> None:
    _with_models(project, database.url)
    if at is not None:
        project.upgrade_in_process(at)
    before = database.snapshot()
    result = project.run(*args)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1), result.stderr  # check: 1 = differences
    assert database.snapshot() == before


@pytest.mark.parametrize("args", REPORTING, ids=REPORTING_IDS)
def test_reporting_commands_never_create_the_sqlite_file(tmp_path: Path, args: tuple[str, ...]) -> None:
    db_file = tmp_path / "project" / "app.sqlite"
    p = _with_models(_project(tmp_path / "project", f"sqlite:///{db_file}"), f"sqlite:///{db_file}")
    result = p.run(*args)
    assert not db_file.exists()
    if args[0] == "check":
        assert_one_line_error(result, "the SQLite database file app.sqlite does not exist", code=1)
        return
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    if args[0] == "current":
        assert result.stdout.splitlines() == [
            "The database is not under version control: no file at app.sqlite "
            "(run 'dbshift upgrade head' or 'dbshift stamp')."
        ]
    if args[0] == "history":
        assert "(current)" not in result.stdout and "not shown" not in result.stdout


def test_reporting_commands_open_sqlite_read_only(tmp_path: Path) -> None:
    """Not just careful code: the connection itself refuses to write."""
    import sqlalchemy as sa

    from dbshift.commands.common import with_database
    from dbshift.config import load_config

    db_file = tmp_path / "project" / "app.sqlite"
    p = _project(tmp_path / "project", f"sqlite:///{db_file}")
    p.upgrade_in_process("aaa111")
    data = db_file.read_bytes()
    config = load_config(p.config_path, cwd=p.root, environ={})

    def write(context: object) -> None:
        connection = getattr(context, "connection")  # noqa: B009 - typed loosely on purpose
        connection.exec_driver_sql("CREATE TABLE sneaky (id INTEGER)")

    with pytest.raises(sa.exc.OperationalError, match="readonly database"):
        with_database(config, "current", write, read_only=True)
    assert db_file.read_bytes() == data


def test_reporting_commands_read_a_database_left_with_a_hot_journal(tmp_path: Path) -> None:
    """A process killed inside a transaction leaves a hot journal that must be rolled back before
    the file can be read; read-only commands still work (SQLite's recovery runs) and the killed
    transaction's rows are gone."""
    import os
    import signal
    import subprocess
    import sys

    db_file = tmp_path / "project" / "app.sqlite"
    p = _project(tmp_path / "project", f"sqlite:///{db_file}")
    p.upgrade_in_process("aaa111")
    killer = (
        "import os, signal, sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "con.execute('PRAGMA cache_size = 1')\n"  # spill to the file before the commit
        "con.execute('BEGIN')\n"
        "con.executemany('INSERT INTO orders (id) VALUES (?)', [(i,) for i in range(1, 20001)])\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", killer, str(db_file)], check=False)
    assert done.returncode == -signal.SIGKILL
    assert os.path.getsize(f"{db_file}-journal") > 0  # the hot journal this test is about
    for args in (("current",), ("log",), ("history", "-i")):
        result = p.run(*args)
        assert result.returncode == 0, result
    assert "aaa111" in p.run("current").stdout
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{db_file}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM orders")).scalar() == 0
    engine.dispose()


# --------------------------------------------------------------------------- their own engines

ENV_HOOK = """
import sqlalchemy as sa


def run(env):
    engine = sa.create_engine(env.config.url)
    with engine.connect() as connection:
        env.configure(connection=connection)
        with env.begin_transaction():
            env.run_migrations()
    engine.dispose()
"""

BROKEN = "import no_such_module_dbshift"


@pytest.mark.parametrize("args", [("current",), ("history", "-i"), ("upgrade", "head")], ids="-".join)
def test_an_env_hook_engine_leaves_no_empty_sqlite_file(tmp_path: Path, args: tuple[str, ...]) -> None:
    """A project's env hook makes its own engine, which dbshift leaves alone; a file that a
    read-only or failing command created and left empty is removed afterwards."""
    db_file = tmp_path / "project" / "app.sqlite"
    p = _project(tmp_path / "project", f"sqlite:///{db_file}")
    p.write("migrations/env.py", ENV_HOOK)
    if args[0] == "upgrade":
        p.add_table_revision("ccc333", "bbb222", "payments", header=BROKEN)
    result = p.run(*args)
    assert result.returncode == (1 if args[0] == "upgrade" else 0), result.stderr
    assert not db_file.exists()


@pytest.mark.parametrize("args", [("current",), ("history", "-i"), ("upgrade", "head")], ids="-".join)
def test_an_alembic_env_py_leaves_no_empty_sqlite_file(tmp_path: Path, args: tuple[str, ...]) -> None:
    from tests.cli_helpers import run_cli
    from tests.compat.project import AlembicProject

    db_file = tmp_path / "project" / "app.sqlite"
    p = AlembicProject(tmp_path / "project", f"sqlite:///{db_file}")
    p.add("a1", None, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))")
    if args[0] == "upgrade":
        p.add("b2", "a1", imports=BROKEN)
    result = run_cli(p.root, *args)
    assert result.returncode == (1 if args[0] == "upgrade" else 0), result.stderr
    assert not db_file.exists()


def test_a_failing_upgrade_creates_no_file_and_no_table(database: Database, project: ScratchProject) -> None:
    project.add_table_revision("ccc333", "bbb222", "payments", header=BROKEN)
    assert_one_line_error(project.run("upgrade", "head"), "no_such_module_dbshift")
    if database.backend == "sqlite":
        assert not Path(database.url.removeprefix("sqlite:///")).exists()
    assert database.tables() == set()


def test_an_existing_empty_sqlite_file_is_kept(tmp_path: Path) -> None:
    """Only a file the command itself created is removed."""
    db_file = tmp_path / "project" / "app.sqlite"
    p = _project(tmp_path / "project", f"sqlite:///{db_file}")
    db_file.touch()
    assert p.run("current").returncode == 0
    p.write("migrations/env.py", ENV_HOOK)
    assert p.run("current").returncode == 0
    assert db_file.exists()


# --------------------------------------------------------------------------- current's problems


def _set_rows(database: Database, *rows: str) -> None:
    import sqlalchemy as sa

    engine = database.engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM dbshift_version"))
            for row in rows:
                conn.execute(sa.text("INSERT INTO dbshift_version (version_num) VALUES (:v)"), {"v": row})
    finally:
        engine.dispose()


def test_current_at_a_revision_the_folder_does_not_have(database: Database, project: ScratchProject) -> None:
    project.upgrade_in_process("bbb222")
    _set_rows(database, "abc123")
    before = database.snapshot()
    result = project.run("current")
    assert result.stdout.splitlines() == ["abc123 (not in the migration folder)"]
    assert_one_line_error(
        result,
        "the database is at revision abc123, which is not in migrations/versions",
        "if its file was removed on purpose",
        "'dbshift stamp --purge <revision>'",
        code=1,
    )
    assert database.snapshot() == before
    # The advice works: stamp --purge replaces the unknown row.
    assert project.run("stamp", "--purge", "bbb222").returncode == 0
    assert project.run("current").returncode == 0


def test_current_with_an_unknown_row_beside_a_known_one(database: Database, project: ScratchProject) -> None:
    project.upgrade_in_process("bbb222")
    _set_rows(database, "bbb222", "zz9")
    result = project.run("current", "-v")
    assert "Rev: bbb222 (head)" in result.stdout and "zz9 (not in the migration folder)" in result.stdout
    assert_one_line_error(result, "revision zz9, which", "'dbshift stamp --purge bbb222 <revision>'", code=1)


def test_current_with_a_revision_and_its_ancestor(database: Database, project: ScratchProject) -> None:
    project.upgrade_in_process("bbb222")
    _set_rows(database, "aaa111", "bbb222")
    before = database.snapshot()
    result = project.run("current")
    assert [line.split()[0].rstrip(":") for line in result.stdout.splitlines()] == ["aaa111", "bbb222"]
    assert_one_line_error(
        result,
        "the version table 'dbshift_version' is inconsistent",
        "'bbb222' and 'aaa111'",
        "'dbshift stamp --purge bbb222'",
        code=1,
    )
    assert database.snapshot() == before
    assert project.run("stamp", "--purge", "bbb222").returncode == 0
    assert project.run("current").returncode == 0


def test_writing_commands_refuse_a_revision_and_its_ancestor(database: Database, project: ScratchProject) -> None:
    """upgrade and downgrade do not guess which of two related rows is true: nothing runs."""
    project.upgrade_in_process("aaa111")
    _set_rows(database, "aaa111", "bbb222")
    before = database.snapshot()
    for args in (("upgrade", "head"), ("downgrade", "base")):
        assert_one_line_error(
            project.run(*args), "the version table 'dbshift_version' is inconsistent", "'dbshift stamp --purge bbb222'"
        )
    assert database.snapshot() == before
