"""A scratch Alembic project on disk: alembic.ini, migrations/env.py, script.py.mako, versions/.

The files are dbshift's own renditions of what ``alembic init`` writes (the same settings and
the same ``alembic.context`` calls), so the tests do not need Alembic to create a project.
Tests that compare with the real Alembic create projects with it instead.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os
sqlalchemy.url = {url}

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

GENERIC_ENV = '''\
"""The env.py of a single-database project: offline writes SQL, online connects."""
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = {metadata}


def offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={{"paramstyle": "named"}},{options}
    )
    with context.begin_transaction():
        context.run_migrations()


def online() -> None:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {{}}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,{options})
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    offline()
else:
    online()
'''

REVISION = '''\
"""{message}

Revision ID: {rev}
Revises: {down_display}
Create Date: 2026-12-04 00:00:00

"""
import sqlalchemy as sa
from alembic import op
{imports}

revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = None


def upgrade() -> None:
{upgrade}
{downgrade}'''


def _body(code: str) -> str:
    return textwrap.indent(textwrap.dedent(code).strip() or "pass", "    ")


def forget_package(name: str) -> None:
    """Drop a test project's package from ``sys.modules``: the next test's project has its own."""
    for module in [n for n in sys.modules if n == name or n.startswith(name + ".")]:
        del sys.modules[module]


class AlembicProject:
    """An Alembic project in ``root`` whose database is ``url``."""

    def __init__(
        self, root: Path, url: str, *, metadata: str = "None", env_options: str = "", env: str | None = None
    ) -> None:
        self.root = root
        self.url = url
        self.versions = root / "migrations" / "versions"
        self.versions.mkdir(parents=True, exist_ok=True)
        self.ini = root / "alembic.ini"
        self.ini.write_text(ALEMBIC_INI.format(url=url.replace("%", "%%")), encoding="utf-8")
        options = f"\n        {env_options.strip()}," if env_options.strip() else ""
        self.write(
            "migrations/env.py", env if env is not None else GENERIC_ENV.format(metadata=metadata, options=options)
        )
        template = (
            Path(__file__).resolve().parents[2] / "dbshift" / "templates" / "alembic" / "generic" / "script.py.mako"
        )
        (root / "migrations" / "script.py.mako").write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def import_in_env(self, *modules: str) -> None:
        """Make env.py import these modules (models, plugins, hooks) right after alembic.context."""
        env = self.root / "migrations" / "env.py"
        lines = "".join(f"\nimport {module}" for module in modules)
        text = env.read_text(encoding="utf-8")
        env.write_text(
            text.replace("from alembic import context", "from alembic import context" + lines, 1), encoding="utf-8"
        )

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip() if not text.startswith('"""') else text, encoding="utf-8")
        return path

    def add(
        self,
        rev: str,
        down: str | tuple[str, ...] | None,
        upgrade: str = "pass",
        downgrade: str | None = "pass",
        *,
        message: str = "",
        imports: str = "",
        labels: str | None = None,
    ) -> Path:
        down_display = ", ".join(down) if isinstance(down, tuple) else (down or "")
        text = REVISION.format(
            message=message or f"step {rev}",
            rev=rev,
            down=down,
            down_display=down_display,
            labels=labels,
            imports=textwrap.dedent(imports).strip(),
            upgrade=_body(upgrade),
            downgrade="" if downgrade is None else f"\n\ndef downgrade() -> None:\n{_body(downgrade)}\n",
        )
        path = self.versions / f"{rev}_{(message or 'step').replace(' ', '_')}.py"
        path.write_text(text, encoding="utf-8")
        return path

    def config(self, **kw: Any) -> Any:
        from dbshift.compat.loader import load_project_config

        return load_project_config(self.ini, cwd=self.root, environ={}, **kw)

    def versions_in_db(self, table: str = "alembic_version") -> list[str]:
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table(table):
                return []
            return sorted(r[0] for r in conn.execute(sa.text(f"SELECT version_num FROM {table}")))

    def tables(self) -> list[str]:
        own = {"alembic_version", "alembic_version_log"}  # the version table and dbshift's applied log
        return sorted(n for n in sa.inspect(self.engine).get_table_names() if n not in own)

    def shape(self) -> str:
        """The reflected schema as stable text, to compare two databases."""
        md = sa.MetaData()
        md.reflect(self.engine, only=lambda name, _md: name != "alembic_version_log")  # dbshift's applied log
        out: dict[str, Any] = {}
        for name, table in sorted(md.tables.items()):
            out[name] = {
                "columns": [(c.name, str(c.type), c.nullable) for c in table.columns],
                "pk": sorted(c.name for c in table.primary_key.columns),
                "indexes": sorted((i.name or "", [c.name for c in i.columns], bool(i.unique)) for i in table.indexes),
            }
        return json.dumps(out, indent=1, sort_keys=True, default=str)
