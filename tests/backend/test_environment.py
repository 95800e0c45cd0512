"""The one runner under every transaction policy, driven through env hooks, on every backend.

History (``aaa111`` is the base; each revision creates ``t_<id>`` holding one row)::

    aaa111 -> bbb222 -> ccc333 -> ddd444

A dbshift project's ``migrations/env.py`` defining ``run(env)`` is the env hook here; it is
the same Environment an Alembic env.py drives through ``alembic.context``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.commands import migrate, status
from dbshift.errors import ConfigError, DbshiftError, MigrationError, ScriptError
from tests.backend.test_op_api import Project
from tests.backend.test_runs import HISTORY, bare_project, project, table_step, transactional

__all__ = ["bare_project", "project"]  # fixtures


def write_env(project: Project, body: str) -> Path:
    path = project.root / "migrations" / "env.py"
    path.write_text(
        "import sqlalchemy as sa\n\n\n" + textwrap.dedent(body).strip() + "\n",
        encoding="utf-8",
    )
    return path


def run_with(policy: str) -> str:
    """An env hook connecting with a policy: ``per_migration``, ``per_run`` or ``external``."""
    if policy == "external":
        return """
        def run(env):
            engine = sa.create_engine(env.config.url, poolclass=sa.pool.NullPool)
            with engine.connect() as connection:
                with connection.begin():
                    env.configure(connection=connection)
                    env.run_migrations()
            engine.dispose()
        """
    per_migration = policy == "per_migration"
    return f"""
    def run(env):
        engine = sa.create_engine(env.config.url, poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            env.configure(connection=connection, transaction_per_migration={per_migration})
            with env.begin_transaction():
                env.run_migrations()
        engine.dispose()
    """


def fail_in(project: Project, rev: str) -> None:
    """Make ``rev``'s upgrade fail after it created its table."""
    path = next(project.versions.glob(f"{rev}_*.py"))
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("def upgrade() -> None:\n", "def upgrade():\n    op.execute('SELECT * FROM no_such_table')\n", 1)
        if "op.execute('SELECT" not in text
        else text,
        encoding="utf-8",
    )


def tables(project: Project) -> list[str]:
    return sorted(n for n in sa.inspect(project.engine).get_table_names() if n.startswith("t_"))


def test_one_transaction_per_run_rolls_the_whole_run_back(project: Project) -> None:
    """Alembic's default: with transactional DDL the run is one transaction."""
    write_env(project, run_with("per_run"))
    project.upgrade("aaa111")
    fail_in(project, "ddd444")
    with pytest.raises(MigrationError) as failure:
        project.upgrade("head")
    if transactional(project):
        assert project.versions_in_db() == ["aaa111"]
        assert tables(project) == ["t_aaa111"]
        assert "the run is one transaction" in str(failure.value)
        assert "the database stays at aaa111" in str(failure.value)
    else:  # one transaction per revision wherever DDL commits itself
        assert project.versions_in_db() == ["ccc333"]
        assert "the version table still says ccc333" in str(failure.value)


def test_one_transaction_per_revision_keeps_the_revisions_before(project: Project) -> None:
    write_env(project, run_with("per_migration"))
    fail_in(project, "ccc333")
    with pytest.raises(MigrationError) as failure:
        project.upgrade("head")
    assert project.versions_in_db() == ["bbb222"]
    assert tables(project)[:2] == ["t_aaa111", "t_bbb222"]
    if transactional(project):
        assert tables(project) == ["t_aaa111", "t_bbb222"]
        assert failure.value.args[0].endswith("its changes were rolled back; the database stays at bbb222")


def test_a_failing_downgrade_in_one_transaction_leaves_the_database_where_it_started(project: Project) -> None:
    write_env(project, run_with("per_run"))
    project.upgrade("head")
    path = next(project.versions.glob("bbb222_*.py"))
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "def downgrade() -> None:\n", "def downgrade():\n    raise RuntimeError('no')\n"
        ),
        encoding="utf-8",
    )
    project.accept("bbb222")
    with pytest.raises(MigrationError, match=r"downgrade\(\) raised RuntimeError: no"):
        project.downgrade("base")
    if transactional(project):
        assert project.versions_in_db() == ["ddd444"]
        assert tables(project) == [f"t_{r}" for r in HISTORY]
    else:
        assert project.versions_in_db() == ["bbb222"]


def test_a_transaction_env_py_opened_is_left_to_it(project: Project) -> None:
    """dbshift neither commits nor rolls back a transaction begun before configure()."""
    write_env(project, run_with("external"))
    project.upgrade("head")
    assert project.versions_in_db() == ["ddd444"]
    project.downgrade("ccc333")
    fail_in(project, "ddd444")
    with pytest.raises(MigrationError, match="dbshift neither commits nor rolls it back"):
        project.upgrade("head")
    assert project.versions_in_db() == ["ccc333"]  # env.py's own `with connection.begin()` rolled back


def test_run_migrations_keywords_reach_the_revisions(bare_project: Project) -> None:
    p = bare_project
    p.add(
        "aaa111",
        None,
        "pass",
    )
    path = next(p.versions.glob("aaa111_*.py"))
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "def upgrade() -> None:\n    pass",
            "def upgrade(engine_name='none'):\n"
            "    op.create_table('t_' + engine_name, sa.Column('id', sa.Integer, primary_key=True))",
        ),
        encoding="utf-8",
    )
    write_env(
        p,
        """
        def run(env):
            engine = sa.create_engine(env.config.url, poolclass=sa.pool.NullPool)
            with engine.connect() as connection:
                env.configure(connection=connection)
                with env.begin_transaction():
                    env.run_migrations(engine_name="primary")
            engine.dispose()
        """,
    )
    p.upgrade("head")
    assert "t_primary" in sa.inspect(p.engine).get_table_names()


def test_an_env_hook_that_never_runs_the_migrations_is_an_error(project: Project) -> None:
    env = write_env(project, "def run(env):\n    pass")
    with pytest.raises(ConfigError, match="never called context.run_migrations"):
        project.upgrade("head")
    assert env.name == "env.py"
    assert tables(project) == []


def test_an_env_py_without_run_is_named(project: Project) -> None:
    write_env(project, "x = 1")
    with pytest.raises(ConfigError, match=r"env\.py: defines no run\(env\) function"):
        project.upgrade("head")


def test_configure_without_a_connection_online_is_an_error(project: Project) -> None:
    write_env(project, "def run(env):\n    env.configure(url=env.config.url)\n    env.run_migrations()")
    with pytest.raises(ConfigError, match="needs connection= outside --sql mode"):
        project.upgrade("head")


def test_current_goes_through_the_env_hook(project: Project) -> None:
    write_env(project, run_with("per_migration"))
    project.upgrade("bbb222")
    result = status.current(project.config)
    assert result.heads == ("bbb222",)


# --------------------------------------------------------------------------- revisions without downgrade()


def test_a_revision_without_downgrade_runs_until_someone_downgrades_it(bare_project: Project) -> None:
    p = bare_project
    up, _ = table_step("aaa111")
    path = p.add("aaa111", None, up)
    path.write_text(path.read_text(encoding="utf-8").split("def downgrade")[0], encoding="utf-8")
    p.upgrade("head")
    assert p.versions_in_db() == ["aaa111"]
    with pytest.raises(ScriptError, match=rf"{path.name}: revision 'aaa111' has no downgrade\(\) function"):
        p.downgrade("base")
    assert p.versions_in_db() == ["aaa111"]
    assert tables(p) == ["t_aaa111"]


# --------------------------------------------------------------------------- the version table


def test_a_version_table_changed_during_the_run_is_not_silently_overwritten(bare_project: Project) -> None:
    p = bare_project
    p.add("aaa111", None, table_step("aaa111")[0])
    p.add("bbb222", "aaa111", "op.execute('DELETE FROM dbshift_version')")
    with pytest.raises(
        MigrationError,
        match="another process moved the database: the version table 'dbshift_version' no longer holds aaa111",
    ):
        p.upgrade("head")
    assert p.versions_in_db() == ["aaa111"]  # the DELETE (DML) was rolled back with the rest


# --------------------------------------------------------------------------- stamp

BRANCHES = (("aaa111", None), ("bbb222", "aaa111"), ("ccc333", "bbb222"), ("xxx111", "aaa111"), ("yyy222", "xxx111"))
"""
aaa111 -> bbb222 -> ccc333
      \\-> xxx111 -> yyy222
"""


@pytest.fixture
def branched(bare_project: Project) -> Project:
    for rev, down in BRANCHES:
        bare_project.add(rev, down)
    return bare_project


def test_stamp_replaces_only_its_own_line_of_descent(branched: Project) -> None:
    p = branched
    migrate.stamp(p.config, "heads")
    assert p.versions_in_db() == ["ccc333", "yyy222"]
    migrate.stamp(p.config, "bbb222")  # an ancestor of ccc333: replaces it, yyy222 stays
    assert p.versions_in_db() == ["bbb222", "yyy222"]
    migrate.stamp(p.config, "ccc333")  # a descendant of bbb222
    assert p.versions_in_db() == ["ccc333", "yyy222"]
    migrate.stamp(p.config, "aaa111")  # below both branches: one row
    assert p.versions_in_db() == ["aaa111"]
    migrate.stamp(p.config, "base")
    assert p.versions_in_db() == []


def test_stamp_purge_starts_from_an_empty_table(branched: Project) -> None:
    p = branched
    migrate.stamp(p.config, "ccc333")
    p.execute("INSERT INTO dbshift_version (version_num) VALUES ('gone999')")
    with pytest.raises(DbshiftError, match="gone999"):
        migrate.stamp(p.config, "yyy222")
    migrate.stamp(p.config, "yyy222", purge=True)
    assert p.versions_in_db() == ["yyy222"]


def test_stamp_creates_the_version_table(branched: Project) -> None:
    p = branched
    assert "dbshift_version" not in sa.inspect(p.engine).get_table_names()
    assert migrate.stamp(p.config, "xxx111") == ("xxx111",)
    assert p.versions_in_db() == ["xxx111"]
