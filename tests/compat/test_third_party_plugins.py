"""Histories that use third-party operation plugins run under dbshift, with Alembic not installed.

``alembic_utils`` (views and functions as operations: ``op.create_entity``, ``op.replace_entity``,
``op.drop_entity``) and ``alembic-postgresql-enum`` (``op.sync_enum_values``) are imported by
env.py as their users do; they import ``alembic.operations``, ``alembic.autogenerate`` and
friends, which dbshift's compatibility layer serves. Their operations run; their autogenerate
comparators are registered and not used (dbshift's autogenerate is its own).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli_helpers import run_cli
from tests.compat.project import AlembicProject
from tests.conftest import Database

VIEW = 'PGView(schema="{schema}", signature="big_item", definition="{definition}")'
FUNCTION = (
    'PGFunction(schema="{schema}", signature="add_one(x integer)", '
    'definition="RETURNS integer LANGUAGE sql AS $$ SELECT x + 1 $$")'
)


@pytest.fixture
def project(database: Database, tmp_path: Path) -> Iterator[AlembicProject]:
    if database.backend != "postgresql":
        pytest.skip("views, functions and enum types as operations are PostgreSQL's")
    schema = sa.engine.make_url(database.url).query["options"].split("search_path=")[1]  # type: ignore[union-attr]
    p = AlembicProject(tmp_path, database.url)
    p.import_in_env("alembic_postgresql_enum")
    plugins = "from alembic_utils.pg_function import PGFunction\nfrom alembic_utils.pg_view import PGView"
    p.add(
        "aaa111",
        None,
        f"""
        sa.Enum("new", "done", name="status").create(op.get_bind())
        op.create_table(
            "item",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("qty", sa.Integer),
            sa.Column("status", sa.Enum("new", "done", name="status", create_type=False)),
        )
        op.execute("INSERT INTO item (id, qty, status) VALUES (1, 5, 'new'), (2, 1, 'done')")
        op.create_entity({VIEW.format(schema=schema, definition="SELECT id FROM item WHERE qty > 3")})
        op.create_entity({FUNCTION.format(schema=schema)})
        """,
        f"""
        op.drop_entity({FUNCTION.format(schema=schema)})
        op.drop_entity({VIEW.format(schema=schema, definition="SELECT id FROM item WHERE qty > 3")})
        op.drop_table("item")
        op.execute("DROP TYPE status")
        """,
        imports=plugins,
    )
    p.add(
        "bbb222",
        "aaa111",
        f"""
        op.sync_enum_values("{schema}", "status", ["new", "doing", "done"], [("item", "status")])
        op.replace_entity({VIEW.format(schema=schema, definition="SELECT id, qty FROM item WHERE qty > 0")})
        """,
        f"""
        op.replace_entity({VIEW.format(schema=schema, definition="SELECT id FROM item WHERE qty > 3")})
        op.sync_enum_values("{schema}", "status", ["new", "done"], [("item", "status")])
        """,
        imports=plugins,
    )
    try:
        yield p
    finally:
        p.engine.dispose()


def state(p: AlembicProject) -> tuple[list[tuple[object, ...]], list[str], object]:
    with p.engine.connect() as conn:
        view = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM big_item ORDER BY 1"))]
        values = list(conn.execute(sa.text("SELECT unnest(enum_range(NULL::status))::text")).scalars())
        one = conn.execute(sa.text("SELECT add_one(41)")).scalar()
    return view, values, one


def test_alembic_utils_and_enum_syncing_run_without_alembic(
    project: AlembicProject, alembic_plugins_path: Path
) -> None:
    env = {"PYTHONPATH": f"{alembic_plugins_path}{os.pathsep}{project.root}"}
    done = run_cli(project.root, "upgrade", "aaa111", env=env, fresh_interpreter=True)
    assert done.returncode == 0, done.stderr
    assert state(project) == ([(1,)], ["new", "done"], 42)
    done = run_cli(project.root, "upgrade", "head", env=env, fresh_interpreter=True)
    assert done.returncode == 0, done.stderr
    assert state(project) == ([(1, 5), (2, 1)], ["new", "doing", "done"], 42)
    done = run_cli(project.root, "downgrade", "aaa111", env=env, fresh_interpreter=True)
    assert done.returncode == 0, done.stderr
    assert state(project) == ([(1,)], ["new", "done"], 42)
    done = run_cli(project.root, "downgrade", "base", env=env, fresh_interpreter=True)
    assert done.returncode == 0, done.stderr
    assert project.tables() == []
