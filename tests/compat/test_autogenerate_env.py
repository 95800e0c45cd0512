"""``revision --autogenerate`` and ``check`` through env.py, honouring configure()'s autogenerate options.

Models (``shop.models``): ``item(id, name, price)``; the database also has tables and columns
the models lack, which the env.py options keep out of the comparison.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.commands import revision as revision_command
from dbshift.commands.revision import check, revision
from tests.compat.project import AlembicProject, forget_package
from tests.conftest import Database

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
item = sa.Table(
    "item",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40)),
    sa.Column("price", sa.Integer, server_default="0"),
    sa.Column("skipped_col", sa.Integer, info={"skip": True}),
)
sa.Table("ignored_new", metadata, sa.Column("id", sa.Integer, primary_key=True), info={"skip": True})
"""

OPTIONS = """
def include_object(obj, name, type_, reflected, compare_to):
    if obj.info.get("skip") if hasattr(obj, "info") else False:
        return False
    return not (type_ == "table" and reflected and name.startswith("legacy_"))


def include_name(name, type_, parents):
    return not (type_ == "column" and name == "db_only_secret")


def no_empty(context, revision, directives):
    if directives[0].upgrade_ops.is_empty():
        directives[:] = []
    else:
        directives[0].rev_id = "fixed0001"
"""


def quiet(_line: str) -> None:
    pass


@pytest.fixture
def project(database: Database, tmp_path: Path) -> Iterator[AlembicProject]:
    p = AlembicProject(
        tmp_path,
        database.url,
        metadata="shop.models.metadata",
        env_options=(
            "include_object=shop.env_options.include_object, include_name=shop.env_options.include_name, "
            "process_revision_directives=shop.env_options.no_empty"
        ),
    )
    p.import_in_env("shop.models", "shop.env_options")
    p.write("shop/__init__.py", "")
    p.write("shop/models.py", MODELS)
    p.write("shop/env_options.py", OPTIONS)
    with p.engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE item (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(40), db_only_secret INTEGER)")
        )
        conn.execute(sa.text("CREATE TABLE legacy_audit (id INTEGER NOT NULL PRIMARY KEY)"))
    try:
        yield p
    finally:
        p.engine.dispose()
        forget_package("shop")


def test_include_hooks_and_process_revision_directives(project: AlembicProject) -> None:
    config = project.config()
    # Only price is missing: the skipped column and table, legacy_audit and db_only_secret are out.
    assert check(config) == ["added column 'item.price'"]
    result = revision(config, "add price", autogenerate=True, report=quiet)
    assert result.revision == "fixed0001"  # the hook's rev_id
    assert result.detected == ["Detected added column 'item.price'"]
    text = Path(str(result.path)).read_text(encoding="utf-8")
    assert "op.add_column(" in text and "price" in text and "skipped_col" not in text and "legacy" not in text


def test_an_empty_revision_is_not_written_when_the_hook_removes_it(project: AlembicProject) -> None:
    with project.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE item ADD COLUMN price INTEGER DEFAULT 0"))
    config = project.config()
    lines: list[str] = []
    result = revision(config, "nothing", autogenerate=True, report=lines.append)
    assert result.path is None
    assert lines == ["No revision written: the environment's process_revision_directives removed it"]
    assert list(project.versions.glob("*.py")) == []


def test_compare_type_and_server_default_false(project: AlembicProject) -> None:
    with project.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE item ADD COLUMN price VARCHAR(10) DEFAULT '7'"))
    assert len(check(project.config())) == 1  # price's type and default differ: one alter_column
    env = project.root / "migrations" / "env.py"
    env.write_text(
        env.read_text(encoding="utf-8").replace(
            "include_object=", "compare_type=False, compare_server_default=False, include_object="
        ),
        encoding="utf-8",
    )
    assert check(project.config()) == []


MULTI_ENV = """
import re
from alembic import context
from sqlalchemy import engine_from_config, pool

import shop.models

config = context.config
names = re.split(r",\\s*", config.get_main_option("databases"))
for name in names:
    engine = engine_from_config(config.get_section(name), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            upgrade_token=f"{name}_upgrades",
            downgrade_token=f"{name}_downgrades",
            target_metadata=shop.models.metadata if name == "one" else shop.models.other,
        )
        with context.begin_transaction():
            context.run_migrations(engine_name=name)
    engine.dispose()
"""

MULTI_TEMPLATE = '''<%!
import re
%>"""${message}

Revision ID: ${up_revision}
"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_" + engine_name]()


def downgrade(engine_name):
    globals()["downgrade_" + engine_name]()
% for name in re.split(r",\\s*", config.get_main_option("databases")):


def upgrade_${name}():
    ${context.get("%s_upgrades" % name, "pass")}


def downgrade_${name}():
    ${context.get("%s_downgrades" % name, "pass")}
% endfor
'''


def test_multidb_autogenerate_writes_each_database_s_operations(tmp_path: Path) -> None:
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    p = AlembicProject(tmp_path, f"sqlite:///{one}", env=textwrap.dedent(MULTI_ENV))
    ini = p.ini.read_text(encoding="utf-8")
    p.ini.write_text(
        ini.replace(
            "[loggers]",
            f"databases = one, two\n\n[one]\nsqlalchemy.url = sqlite:///{one}\n\n"
            f"[two]\nsqlalchemy.url = sqlite:///{two}\n\n[loggers]",
        ),
        encoding="utf-8",
    )
    p.write("migrations/script.py.mako", MULTI_TEMPLATE)
    p.write("shop/__init__.py", "")
    p.write(
        "shop/models.py",
        """
        import sqlalchemy as sa

        metadata = sa.MetaData()
        sa.Table("first", metadata, sa.Column("id", sa.Integer, primary_key=True))
        other = sa.MetaData()
        sa.Table("second", other, sa.Column("id", sa.Integer, primary_key=True))
        """,
    )
    try:
        config = p.config()
        result = revision(config, "both", autogenerate=True, rev_id="aaa111", report=quiet)
        text = Path(str(result.path)).read_text(encoding="utf-8")
        compile(text, "revision", "exec")
        upgrade_one = text.split("def upgrade_one():")[1].split("def downgrade_one")[0]
        upgrade_two = text.split("def upgrade_two():")[1].split("def downgrade_two")[0]
        assert "'first'" in upgrade_one.replace('"', "'") and "second" not in upgrade_one
        assert "'second'" in upgrade_two.replace('"', "'") and "first" not in upgrade_two
        from dbshift.commands import migrate

        migrate.upgrade(config, "head", report=quiet)
        for path, table in ((one, "first"), (two, "second")):
            engine = sa.create_engine(f"sqlite:///{path}")
            assert sorted(sa.inspect(engine).get_table_names()) == ["alembic_version", "alembic_version_log", table]
            engine.dispose()
        assert revision_command.check(config) == []
    finally:
        p.engine.dispose()
        forget_package("shop")


def test_revision_environment_runs_env_py_for_a_plain_revision_even_with_sql(project: AlembicProject) -> None:
    hooks = project.root / "shop" / "env_options.py"
    hooks.write_text(
        hooks.read_text(encoding="utf-8")
        + "\n\ndef no_empty(context, revision, directives):\n"
        + "    directives[0].message = 'renamed by env.py ' + ('offline' if context.as_sql else 'online')\n",
        encoding="utf-8",
    )
    ini = project.ini.read_text(encoding="utf-8")
    project.ini.write_text(ini.replace("[alembic]\n", "[alembic]\nrevision_environment = true\n"), encoding="utf-8")
    config = project.config()
    assert config.revision_environment is True
    result = revision(config, "plain", rev_id="aaa111", sql=True, report=quiet)
    assert '"""renamed by env.py offline' in Path(str(result.path)).read_text(encoding="utf-8")
    result = revision(config, "plain", rev_id="bbb222", report=quiet)
    assert '"""renamed by env.py online' in Path(str(result.path)).read_text(encoding="utf-8")


def test_render_as_batch_writes_batch_blocks_that_alembic_runs_too(
    project: AlembicProject, real_alembic_path: Path
) -> None:
    env = project.root / "migrations" / "env.py"
    env.write_text(env.read_text(encoding="utf-8").replace("include_object=", "render_as_batch=True, include_object="))
    models = project.root / "shop" / "models.py"
    models.write_text(
        models.read_text(encoding="utf-8").replace(
            'sa.Column("name", sa.String(40))', 'sa.Column("name", sa.String(40), nullable=False)'
        )
    )
    config = project.config()
    result = revision(config, "tighten", autogenerate=True, rev_id="bbb222", report=quiet)
    text = Path(str(result.path)).read_text(encoding="utf-8")
    assert 'with op.batch_alter_table("item") as batch_op:' in text
    assert "batch_op.add_column(" in text and "batch_op.alter_column(" in text and " op.add_column(" not in text
    from dbshift.commands import migrate

    migrate.upgrade(config, "head", report=quiet)
    with project.engine.connect() as conn:
        columns = {c["name"]: c for c in sa.inspect(conn).get_columns("item")}
    assert columns["name"]["nullable"] is False and "price" in columns
    migrate.downgrade(config, "base", report=quiet)
    if project.engine.dialect.name == "sqlite":  # the same file under the real Alembic, where SQLite needs batch
        import os
        import subprocess

        environ = {**os.environ, "PYTHONPATH": f"{real_alembic_path}{os.pathsep}{project.root}"}
        for target in ("head", "base"):
            command = "upgrade" if target == "head" else "downgrade"
            done = subprocess.run(
                [sys.executable, "-m", "alembic", command, target],
                cwd=project.root,
                env=environ,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr


def test_render_item_and_user_module_prefix_shape_the_rendered_types(project: AlembicProject) -> None:
    project.write(
        "shop/types.py",
        """
        import sqlalchemy as sa


        class Money(sa.TypeDecorator):
            impl = sa.Integer
            cache_ok = True
        """,
    )
    models = project.root / "shop" / "models.py"
    models.write_text(
        models.read_text(encoding="utf-8")
        .replace(
            'sa.Column("price", sa.Integer, server_default="0"),',
            'sa.Column("price", shop.types.Money()),\n    sa.Column("label", sa.Unicode(30)),',
        )
        .replace("import sqlalchemy as sa", "import sqlalchemy as sa\nimport shop.types"),
        encoding="utf-8",
    )
    hooks = project.root / "shop" / "env_options.py"
    hooks.write_text(
        hooks.read_text(encoding="utf-8")
        + "\n\ndef render_item(type_, obj, autogen_context):\n"
        + "    if type_ == 'type' and obj.__class__.__name__ == 'Unicode':\n"
        + "        autogen_context.imports.add('from shop import custom_types')\n"
        + "        return 'custom_types.Label()'\n"
        + "    return False\n",
        encoding="utf-8",
    )
    env = project.root / "migrations" / "env.py"
    env.write_text(
        env.read_text(encoding="utf-8").replace(
            "include_object=", 'render_item=shop.env_options.render_item, user_module_prefix="money.", include_object='
        ),
        encoding="utf-8",
    )
    result = revision(project.config(), "types", autogenerate=True, report=quiet)
    text = Path(str(result.path)).read_text(encoding="utf-8")
    assert "money.Money()" in text and "import shop.types" not in text  # the prefix, no import added
    assert "custom_types.Label()" in text and "from shop import custom_types" in text
