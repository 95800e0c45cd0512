"""What env.py files and revisions ask of ``alembic.context``, ``context.config`` and the migration
context, answered during real runs (online and --sql) on every backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.commands import migrate
from tests.cli_helpers import run_cli
from tests.compat.project import AlembicProject
from tests.conftest import Database

ENV = '''
"""Records what alembic.context says into seen.json, then runs as usual."""
import json
import pathlib

from alembic import context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import engine_from_config, pool

config = context.config
seen = {
    "config_is_alembic_config": isinstance(config, Config),
    "file_name": pathlib.Path(config.config_file_name).name,
    "section": config.config_ini_section,
    "url_set": config.get_main_option("sqlalchemy.url") is not None,
    "section_keys": sorted(config.get_section(config.config_ini_section)),
    "custom": config.get_main_option("custom_key"),
    "missing": config.get_main_option("nope", "fallback"),
    "other_section": config.get_section("extras"),
    "cmd": config.cmd_opts.cmd,
    "sql": config.cmd_opts.sql,
    "x": config.cmd_opts.x,
    "attributes": dict(config.attributes),
    "offline": context.is_offline_mode(),
    "x_dict": context.get_x_argument(as_dictionary=True),
    "revision_argument": context.get_revision_argument(),
    "head": context.script.get_current_head(),
    "heads": list(ScriptDirectory.from_config(config).get_heads()),
    "walk": [s.revision for s in context.script.walk_revisions()],
    "doc": context.script.get_revision("bbb222").doc,
}
config.attributes["set_by_env"] = 1


def record(ctx):
    seen.update(
        context_class=isinstance(ctx, MigrationContext),
        as_sql=ctx.as_sql,
        dialect=ctx.dialect.name,
        bind_is_connection=ctx.bind is context.get_bind(),
        opts_version_table=ctx.opts.get("version_table"),
        custom_opt=ctx.opts.get("my_option"),
        transactional=context.is_transactional_ddl(),
    )
    pathlib.Path(config.get_main_option("here_file")).write_text(json.dumps(seen))


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, my_option=5)
    record(context.get_context())
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, my_option=5)
        record(context.get_context())
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
'''

REVISION_BODY = """
ctx = op.get_context()
op.create_table("facts", sa.Column("k", sa.String(40), primary_key=True), sa.Column("v", sa.String(200)))
facts = {
    "as_sql": ctx.as_sql,
    "bind_is_get_bind": ctx.bind is op.get_bind(),
    "current_revision": ctx.get_current_revision(),
    "dialect": ctx.dialect.name,
    "op_module": op.__name__,
    "script_head": ctx.script.get_current_head(),
}
if not ctx.as_sql:
    with ctx.autocommit_block():
        pass
op.bulk_insert(sa.table("facts", sa.column("k", sa.String), sa.column("v", sa.String)), [{"k": k, "v": str(v)} for k, v in facts.items()])
"""


@pytest.fixture
def project(database: Database, tmp_path: Path) -> Iterator[AlembicProject]:
    p = AlembicProject(tmp_path, database.url, env=ENV)
    text = p.ini.read_text(encoding="utf-8")
    p.ini.write_text(
        text.replace(
            "[loggers]",
            "custom_key = %(here)s/custom\nhere_file = %(here)s/seen.json\n\n[extras]\nanswer = 42\n\n[loggers]",
        ),
        encoding="utf-8",
    )
    p.add("aaa111", None, message="first")
    p.add("bbb222", "aaa111", REVISION_BODY, 'op.drop_table("facts")', message="facts here")
    try:
        yield p
    finally:
        p.engine.dispose()


def seen(p: AlembicProject) -> dict[str, object]:
    data: dict[str, object] = json.loads((p.root / "seen.json").read_text(encoding="utf-8"))
    return data


def test_what_env_py_and_revisions_see_online(project: AlembicProject) -> None:
    done = run_cli(project.root, "-x", "tenant=acme", "upgrade", "head")
    assert done.returncode == 0, done.stderr
    got = seen(project)
    assert got["config_is_alembic_config"] is True and got["context_class"] is True
    assert got["file_name"] == "alembic.ini" and got["section"] == "alembic"
    assert got["url_set"] is True and "script_location" in got["section_keys"]  # type: ignore[operator]
    assert got["custom"] == f"{project.root}/custom"
    assert got["missing"] == "fallback"
    assert got["other_section"] == {"answer": "42", "here": str(project.root)}  # as ConfigParser gives it
    assert (got["cmd"], got["sql"], got["x"]) == ("upgrade", False, ["tenant=acme"])
    assert got["attributes"] == {}
    assert got["offline"] is False and got["as_sql"] is False
    assert got["x_dict"] == {"tenant": "acme"}
    assert got["revision_argument"] == "bbb222"  # "head" as the id, as Alembic hands it over
    assert got["head"] == "bbb222" and got["heads"] == ["bbb222"]
    assert got["walk"] == ["bbb222", "aaa111"]
    assert got["doc"] == "facts here"
    assert got["bind_is_connection"] is True and got["custom_opt"] == 5
    assert got["opts_version_table"] is None
    with project.engine.connect() as conn:
        facts = dict(conn.execute(sa.text("SELECT k, v FROM facts")).all())
    assert facts == {
        "as_sql": "False",
        "bind_is_get_bind": "True",
        "current_revision": "aaa111",
        "dialect": project.engine.dialect.name,
        "op_module": "dbshift.compat.alembic.shim.op",
        "script_head": "bbb222",
    }


def test_what_env_py_and_revisions_see_with_sql(project: AlembicProject) -> None:
    done = run_cli(project.root, "upgrade", "base:head", "--sql")
    assert done.returncode == 0, done.stderr
    got = seen(project)
    assert got["offline"] is True and got["as_sql"] is True and got["sql"] is True
    assert got["revision_argument"] == "bbb222"
    assert "INSERT INTO facts" in done.stdout and "'as_sql', 'True'" in done.stdout.replace('"', "'")
    assert project.tables() == []  # --sql touches nothing


def test_revision_functions_reach_the_context_module(project: AlembicProject) -> None:
    project.add(
        "ccc333",
        "bbb222",
        "op.execute(sa.text('INSERT INTO facts (k, v) VALUES (:k, :v)').bindparams(k='x', v=str(context.get_x_argument())))",
        imports="from alembic import context",
    )
    config = project.config(x_arguments=("a=1",))
    migrate.upgrade(config, "head", report=lambda _line: None)
    with project.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT v FROM facts WHERE k = 'x'")).scalar() == "['a=1']"


def test_alembic_op_module_offers_every_dbshift_op() -> None:
    """Alembic projects' revisions import ``op`` from the shim; an operation autogenerate can
    write (``op.alter_enum_values``, say) must be there too, or the revision fails to run."""
    import inspect

    from dbshift.compat.alembic.shim import op as shim_op
    from dbshift.operations import api

    internal = {"collecting", "using_context"}  # dbshift's own plumbing, not revision API
    public = {
        name
        for name, value in vars(api).items()
        if not name.startswith("_") and inspect.isfunction(value) and value.__module__ == api.__name__
    }
    assert public - internal <= set(shim_op.__all__)
    assert "EnumColumn" in shim_op.__all__
