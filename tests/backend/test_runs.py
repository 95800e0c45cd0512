"""How runs behave on every backend: targets, one transaction per revision, failures, --sql.

History used by most tests (``aaa111`` is the base)::

    aaa111 -> bbb222 -> ccc333 -> ddd444

each revision creating a table ``t_<id>`` holding one row. Tests that depend on transactional
DDL ask the dialect's features for it instead of naming backends.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.cli.main import main as cli_main
from dbshift.commands import migrate
from dbshift.dialects.features import features_for
from dbshift.errors import MigrationError, TargetError
from tests.backend.test_op_api import Project
from tests.conftest import Database
from tests.run_output import moves, parse_runs

HISTORY = ("aaa111", "bbb222", "ccc333", "ddd444")


def table_step(rev: str) -> tuple[str, str]:
    upgrade = f"""
    op.create_table("t_{rev}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.String(10)))
    op.execute("INSERT INTO t_{rev} (id, v) VALUES (1, '{rev}')")
    """
    return upgrade, f'op.drop_table("t_{rev}")'


@pytest.fixture
def bare_project(database: Database, tmp_path: Path) -> Iterator[Project]:
    p = Project(tmp_path / "project", database)
    try:
        yield p
    finally:
        p.engine.dispose()


@pytest.fixture
def project(bare_project: Project) -> Project:
    down = None
    for rev in HISTORY:
        up, back = table_step(rev)
        bare_project.add(rev, down, up, back, message=f"add t_{rev}")
        down = rev
    return bare_project


def transactional(project: Project) -> bool:
    return features_for(sa.engine.make_url(project.db.url).get_backend_name()).transactional_ddl


def step_tables(project: Project) -> list[str]:
    engine = project.engine
    return sorted(n for n in sa.inspect(engine).get_table_names() if n.startswith("t_"))


def at(project: Project, *revs: str) -> None:
    """The version table names ``revs`` and exactly their tables exist (each with its row)."""
    assert project.versions_in_db() == sorted(revs)
    applied = HISTORY[: HISTORY.index(revs[0]) + 1] if revs else ()
    assert step_tables(project) == [f"t_{r}" for r in applied]
    for rev in applied:
        assert project.rows(f"t_{rev}") == [(1, rev)]


# --------------------------------------------------------------------------- targets


def test_targets(project: Project) -> None:
    project.upgrade("+1")
    at(project, "aaa111")
    project.upgrade("+2")
    at(project, "ccc333")
    project.upgrade("head")
    at(project, "ddd444")
    project.downgrade("-1")
    at(project, "ccc333")
    project.downgrade("bbb")  # a unique prefix
    at(project, "bbb222")
    project.downgrade("aaa111")  # a full id
    at(project, "aaa111")
    project.downgrade("base")
    at(project)
    project.upgrade("ccc333")
    at(project, "ccc333")
    project.upgrade("heads")
    at(project, "ddd444")
    project.downgrade("-2")
    at(project, "bbb222")
    project.upgrade("dd")
    at(project, "ddd444")
    done = moves(project.lines)
    assert done[:4] == [
        ("Upgrading", "base", "aaa111"),
        ("Upgrading", "aaa111", "bbb222"),
        ("Upgrading", "bbb222", "ccc333"),
        ("Upgrading", "ccc333", "ddd444"),
    ]
    assert done[4:8] == [
        ("Downgrading", "ddd444", "ccc333"),
        ("Downgrading", "ccc333", "bbb222"),
        ("Downgrading", "bbb222", "aaa111"),
        ("Downgrading", "aaa111", "base"),
    ]


def test_step_lines_name_the_revision_message_and_time(project: Project) -> None:
    project.upgrade()
    (run,) = parse_runs(project.lines)
    assert [step.message for step in run.steps] == [f"add t_{rev}" for rev in HISTORY]
    assert all(step.ms is not None for step in run.steps)
    assert run.at == "ddd444"
    before = len(project.lines)
    project.upgrade()
    assert project.lines[before:] == ["Nothing to do: the database is at ddd444"]


def test_bad_targets_change_nothing(project: Project) -> None:
    project.upgrade("bbb222")
    for target in ("zzz", "+9", "aaa111:ccc333"):
        with pytest.raises(TargetError):
            project.upgrade(target)
    with pytest.raises(TargetError):
        project.downgrade("ddd444")  # not below the current revision
    at(project, "bbb222")


def test_cli_in_process(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    config = project.root / "dbshift.toml"
    config.write_text(f'[dbshift]\nscript_location = "migrations"\nurl = "{project.db.url}"\n', encoding="utf-8")
    cli_main(["-c", str(config), "upgrade", "+2"])
    cli_main(["-c", str(config), "downgrade", "-1"])
    out = capsys.readouterr().out.splitlines()
    assert moves(out) == [
        ("Upgrading", "base", "aaa111"),
        ("Upgrading", "aaa111", "bbb222"),
        ("Downgrading", "bbb222", "aaa111"),
    ]
    at(project, "aaa111")


# --------------------------------------------------------------------------- failures


def failing_revision(project: Project) -> Path:
    """bbb222 creates a table and fills it, then its third statement fails."""
    path = project.versions / "bbb222_add_t_bbb222.py"
    path.unlink()
    return project.add(
        "bbb222",
        "aaa111",
        """
        op.create_table("made_first", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("INSERT INTO made_first (id) VALUES (7)")
        op.execute("INSERT INTO no_such_table (id) VALUES (1)")
        """,
        'op.drop_table("made_first")',
        message="add t_bbb222",
    )


DB_MESSAGES = {
    "sqlite": "no such table: no_such_table",
    "postgresql": 'relation "no_such_table" does not exist',
    "mariadb": "no_such_table' doesn't exist",
}


def test_failing_revision_is_reported_and_the_version_table_stays(project: Project) -> None:
    path = failing_revision(project)
    with pytest.raises(MigrationError) as info:
        project.upgrade()  # aaa111 applies, bbb222 fails
    message = str(info.value)
    assert "\n" not in message
    assert f"revision bbb222 ({path})" in message
    assert "failed at statement: INSERT INTO no_such_table (id) VALUES (1)" in message
    assert DB_MESSAGES[project.backend] in message
    (run,) = parse_runs(project.lines)
    assert [(step.source, step.destination, step.ms is None) for step in run.steps] == [
        ("base", "aaa111", False),
        ("aaa111", "bbb222", True),  # started, then failed
    ]
    assert project.versions_in_db() == ["aaa111"]  # the revision before it was committed on its own
    assert project.rows("t_aaa111") == [(1, "aaa111")]
    tables = set(sa.inspect(project.engine).get_table_names())
    if transactional(project):
        # No trace of the failed revision's first statements: even CREATE TABLE was rolled back.
        assert "made_first" not in tables
        assert message.endswith("its changes were rolled back; the database stays at aaa111")
    else:
        # The CREATE TABLE committed itself; the INSERT after it was rolled back with the rest.
        assert "made_first" in tables and project.rows("made_first") == []
        assert (
            "already applied by this revision and not rolled back (MariaDB commits DDL implicitly): "
            "CREATE TABLE made_first ( id INTEGER NOT NULL AUTO_INCREMENT, PRIMARY KEY (id) ); "
            "rolled back: INSERT INTO made_first (id) VALUES (7); the version table still says aaa111"
        ) in message
        assert "mysql" not in message.replace("mysql+pymysql", "")


def test_sqlite_ddl_really_is_transactional(tmp_path: Path) -> None:
    """Python's sqlite3 commits before DDL by itself; dbshift's engine must not let it."""
    project = Project(tmp_path / "p", Database("sqlite", f"sqlite:///{tmp_path / 'test.sqlite'}"))
    project.add(
        "aaa111",
        None,
        """
        op.create_table("a", sa.Column("id", sa.Integer))
        op.create_index("ix_a", "a", ["id"])
        op.add_column("a", sa.Column("b", sa.Integer))
        op.execute("CREATE TABLE b (id INTEGER)")
        op.execute("INSERT INTO a (id) VALUES (1)")
        op.execute("DROP TABLE a_missing")
        """,
    )
    with pytest.raises(MigrationError, match="DROP TABLE a_missing: no such table: a_missing"):
        project.upgrade()
    # Only dbshift's own tables (the version table and its applied log) are left.
    assert sa.inspect(project.engine).get_table_names() == ["dbshift_version", "dbshift_version_log"]
    assert project.versions_in_db() == []


def test_ddl_that_fails_after_dml(project: Project) -> None:
    """Where DDL commits implicitly it commits before it runs, even when it then fails."""
    project.upgrade()
    project.add(
        "eee555",
        "ddd444",
        """
    op.execute("INSERT INTO t_aaa111 (id, v) VALUES (2, 'kept')")
    op.add_column("t_aaa111", sa.Column("v", sa.String(3)))
    """,
    )
    with pytest.raises(MigrationError) as info:
        project.upgrade()
    message = str(info.value)
    assert "failed at statement: ALTER TABLE t_aaa111 ADD COLUMN v VARCHAR(3): " in message
    assert project.versions_in_db() == ["ddd444"]
    if transactional(project):
        assert project.rows("t_aaa111") == [(1, "aaa111")]
    else:
        assert "(1060, \"Duplicate column name 'v'\")" in message
        assert (
            "(MariaDB commits DDL implicitly): INSERT INTO t_aaa111 (id, v) VALUES (2, 'kept'); the version" in message
        )
        assert project.rows("t_aaa111") == [(1, "aaa111"), (2, "kept")]


def test_failing_downgrade_keeps_the_version_table_at_the_revision(project: Project) -> None:
    # The file is changed before it is applied: an applied revision's file must not change.
    (project.versions / "bbb222_add_t_bbb222.py").unlink()
    up, _ = table_step("bbb222")
    project.add("bbb222", "aaa111", up, 'op.drop_table("t_bbb222")\nop.drop_table("t_nothing")', message="add t_bbb222")
    project.upgrade("bbb222")
    with pytest.raises(MigrationError) as info:
        project.downgrade("base")
    assert "revision bbb222" in str(info.value) and "DROP TABLE t_nothing" in str(info.value)
    assert project.versions_in_db() == ["bbb222"]
    if transactional(project):
        at(project, "bbb222")  # its drop of t_bbb222 was rolled back too
    else:
        assert step_tables(project) == ["t_aaa111"]
        assert "DROP TABLE t_bbb222" in str(info.value)


def test_python_error_in_a_revision(project: Project) -> None:
    (project.versions / "ccc333_add_t_ccc333.py").unlink()
    project.add("ccc333", "bbb222", 'op.create_table("c", sa.Column("id", sa.Integer))\nraise ValueError("no  way")')
    with pytest.raises(MigrationError) as info:
        project.upgrade()
    assert "revision ccc333" in str(info.value) and "upgrade() raised ValueError: no way" in str(info.value)
    assert project.versions_in_db() == ["bbb222"]
    assert ("c" in sa.inspect(project.engine).get_table_names()) is not transactional(project)


# --------------------------------------------------------------------------- version table


def test_version_table_layout(project: Project) -> None:
    project.upgrade("aaa111")
    insp = sa.inspect(project.engine)
    columns = insp.get_columns("dbshift_version")
    assert [(c["name"], c["nullable"]) for c in columns] == [("version_num", False)]
    assert isinstance(columns[0]["type"], sa.String) and columns[0]["type"].length == 32
    assert insp.get_pk_constraint("dbshift_version")["constrained_columns"] == ["version_num"]


def test_branches_have_a_row_each_and_a_merge_joins_them(bare_project: Project) -> None:
    """
    aaa111 -> bbb222 --\\
          \\-> ccc333 ---> ddd444 (merge)
    """
    p = bare_project
    for rev, down in (("aaa111", None), ("bbb222", "aaa111"), ("ccc333", "aaa111"), ("ddd444", ("bbb222", "ccc333"))):
        up, back = table_step(rev)
        p.add(rev, down, up, back)
    p.upgrade("bbb222")
    assert p.versions_in_db() == ["bbb222"]
    p.upgrade("ccc333")
    assert p.versions_in_db() == ["bbb222", "ccc333"]  # two heads: two rows
    p.upgrade("ddd444")
    assert p.versions_in_db() == ["ddd444"]  # the merge: one row
    p.downgrade("-1")
    assert p.versions_in_db() == ["bbb222", "ccc333"]
    p.downgrade("aaa111")
    assert p.versions_in_db() == ["aaa111"]
    p.upgrade("heads")
    assert p.versions_in_db() == ["ddd444"]
    assert sorted(n for n in sa.inspect(p.engine).get_table_names() if n.startswith("t_")) == [
        f"t_{r}" for r in ("aaa111", "bbb222", "ccc333", "ddd444")
    ]


# --------------------------------------------------------------------------- --sql

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-dbshift-dir/never.sqlite",
    "postgresql": "postgresql+psycopg://u@127.0.0.1:1/x",
    "mysql": "mysql+pymysql://u@127.0.0.1:1/x",
}


def offline_project(tmp_path: Path, kind: str) -> tuple[Project, io.StringIO]:
    """A project whose URL cannot be reached: any attempt to connect would fail the test."""
    p = Project(tmp_path, Database(kind, UNREACHABLE[kind]))  # creating engines never connects
    p.add(
        "aaa111",
        None,
        'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))',
        'op.drop_table("t")',
        message="create t",
    )
    p.add(
        "bbb222",
        "aaa111",
        'op.add_column("t", sa.Column("v", sa.String(5)))',
        'op.drop_column("t", "v")',
        message="add v",
    )
    return p, io.StringIO()


VERSION_TABLE = (
    "CREATE TABLE dbshift_version (\n"
    "\tversion_num VARCHAR(32) NOT NULL, \n"
    "\tCONSTRAINT dbshift_version_pkc PRIMARY KEY (version_num)\n"
    ");\n\n"
)


def test_upgrade_sql_postgresql(tmp_path: Path) -> None:
    p, out = offline_project(tmp_path, "postgresql")
    steps = migrate.upgrade(p.config, sql=True, output=out)
    assert [s.revision.revision for s in steps] == ["aaa111", "bbb222"]
    assert out.getvalue() == VERSION_TABLE + textwrap.dedent(
        """\
        -- Upgrading base -> aaa111: create t

        BEGIN;

        CREATE TABLE t (
        \tid SERIAL NOT NULL, 
        \tPRIMARY KEY (id)
        );

        INSERT INTO dbshift_version (version_num) VALUES ('aaa111');

        COMMIT;

        -- Upgrading aaa111 -> bbb222: add v

        BEGIN;

        ALTER TABLE t ADD COLUMN v VARCHAR(5);

        UPDATE dbshift_version SET version_num='bbb222' WHERE dbshift_version.version_num = 'aaa111';

        COMMIT;

        """
    )


def test_upgrade_sql_mysql_has_no_transactions(tmp_path: Path) -> None:
    p, out = offline_project(tmp_path, "mysql")
    migrate.upgrade(p.config, sql=True, output=out)
    text = out.getvalue()
    assert text.startswith(VERSION_TABLE)
    assert "BEGIN" not in text and "COMMIT" not in text
    assert "\tid INTEGER NOT NULL AUTO_INCREMENT, \n" in text
    assert text.endswith(
        "-- Upgrading aaa111 -> bbb222: add v\n\n"
        "ALTER TABLE t ADD COLUMN v VARCHAR(5);\n\n"
        "UPDATE dbshift_version SET version_num='bbb222' WHERE dbshift_version.version_num = 'aaa111';\n\n"
    )


def test_upgrade_and_downgrade_sql_ranges_sqlite(tmp_path: Path) -> None:
    p, out = offline_project(tmp_path, "sqlite")
    migrate.upgrade(p.config, "aaa111:bbb222", sql=True, output=out)
    assert out.getvalue() == (
        "-- Upgrading aaa111 -> bbb222: add v\n\n"
        "BEGIN;\n\n"
        "ALTER TABLE t ADD COLUMN v VARCHAR(5);\n\n"
        "UPDATE dbshift_version SET version_num='bbb222' WHERE dbshift_version.version_num = 'aaa111';\n\n"
        "COMMIT;\n\n"
    )
    out = io.StringIO()
    migrate.downgrade(p.config, "bbb222:base", sql=True, output=out)
    assert out.getvalue() == (
        "-- Downgrading bbb222 -> aaa111: add v\n\n"
        "BEGIN;\n\n"
        "ALTER TABLE t DROP COLUMN v;\n\n"
        "UPDATE dbshift_version SET version_num='aaa111' WHERE dbshift_version.version_num = 'bbb222';\n\n"
        "COMMIT;\n\n"
        "-- Downgrading aaa111 -> base: create t\n\n"
        "BEGIN;\n\n"
        "DROP TABLE t;\n\n"
        "DELETE FROM dbshift_version WHERE dbshift_version.version_num = 'aaa111';\n\n"
        "COMMIT;\n\n"
    )
    with pytest.raises(TargetError, match="FROM:TO"):
        migrate.downgrade(p.config, "base", sql=True, output=io.StringIO())


def test_sql_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    offline_project(tmp_path, "postgresql")
    config = tmp_path / "dbshift.toml"
    config.write_text(f'[dbshift]\nurl = "{UNREACHABLE["postgresql"]}"\n', encoding="utf-8")
    cli_main(["-c", str(config), "downgrade", "--sql", "bbb222:aaa111"])
    assert capsys.readouterr().out == (
        "-- Downgrading bbb222 -> aaa111: add v\n\n"
        "BEGIN;\n\n"
        "ALTER TABLE t DROP COLUMN v;\n\n"
        "UPDATE dbshift_version SET version_num='aaa111' WHERE dbshift_version.version_num = 'bbb222';\n\n"
        "COMMIT;\n\n"
    )


def test_sql_mode_error_names_the_revision(tmp_path: Path) -> None:
    p, out = offline_project(tmp_path, "mysql")
    p.add("ccc333", "bbb222", 'op.alter_column("t", "v", nullable=False)', message="tighten v")
    with pytest.raises(MigrationError) as info:
        migrate.upgrade(p.config, sql=True, output=out)
    message = str(info.value)
    assert message.startswith("revision ccc333 (") and "existing_type" in message and "--sql" in message
