"""``init -t TEMPLATE`` lays out Alembic-style projects that dbshift runs — and so does Alembic.

Each template's project gets a revision and goes up and down with dbshift (SQLite: the
templates' default URLs), then with the real Alembic, which must read the same project.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli_helpers import assert_one_line_error, run_cli

REVISION = '''"""create thing

Revision ID: aaa111
Revises:
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "aaa111"
down_revision = None
branch_labels = None
depends_on = None

{body}
'''

SINGLE = """
def upgrade() -> None:
    op.create_table("thing", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("thing")
"""

MULTI = """
def upgrade(engine_name: str) -> None:
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name: str) -> None:
    globals()[f"downgrade_{engine_name}"]()


def upgrade_engine1() -> None:
    op.create_table("thing", sa.Column("id", sa.Integer, primary_key=True))


def downgrade_engine1() -> None:
    op.drop_table("thing")


def upgrade_engine2() -> None:
    op.create_table("other_thing", sa.Column("id", sa.Integer, primary_key=True))


def downgrade_engine2() -> None:
    op.drop_table("other_thing")
"""

DATABASES = {
    "generic": {"app.db": "thing"},
    "async": {"app.db": "thing"},
    "pyproject": {"app.db": "thing"},
    "multidb": {"engine1.db": "thing", "engine2.db": "other_thing"},
}


def tables(path: Path) -> list[str]:
    """The database's tables but dbshift's applied-migration log (Alembic keeps none)."""
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        return sorted(n for n in sa.inspect(engine).get_table_names() if n != "alembic_version_log")
    finally:
        engine.dispose()


def dbshift(root: Path, *args: str) -> str:
    result = run_cli(root, *args, fresh_interpreter=True)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


def test_list_templates(tmp_path: Path) -> None:
    out = dbshift(tmp_path, "list_templates")
    for name in ("dbshift", "generic", "async", "multidb", "pyproject"):
        assert f"\n{name} - " in out


@pytest.mark.parametrize("template", sorted(DATABASES))
def test_a_template_project_runs_under_dbshift_and_alembic(
    template: str, tmp_path: Path, real_alembic_path: Path
) -> None:
    root = tmp_path / template
    root.mkdir()
    out = dbshift(root, "init", "-t", template, "migrations")
    assert "Created migrations/env.py" in out and "Created migrations/script.py.mako" in out
    config_file = "pyproject.toml" if template == "pyproject" else "alembic.ini"
    assert (root / config_file).is_file()
    body = MULTI if template == "multidb" else SINGLE
    (root / "migrations" / "versions" / "aaa111_create_thing.py").write_text(
        REVISION.format(body=body), encoding="utf-8"
    )

    dbshift(root, "upgrade", "head")
    for file, table in DATABASES[template].items():
        assert tables(root / file) == ["alembic_version", table]
    assert "aaa111 (head)" in dbshift(root, "current")
    dbshift(root, "downgrade", "base")
    for file in DATABASES[template]:
        assert tables(root / file) == ["alembic_version"]

    # The real Alembic reads and runs the same project.
    env = {**os.environ, "PYTHONPATH": str(real_alembic_path)}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for file, table in DATABASES[template].items():
        assert tables(root / file) == ["alembic_version", table]
    assert "aaa111 (head)" in dbshift(root, "current")


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = elsewhere\n", encoding="utf-8")
    out = dbshift(tmp_path, "init", "-t", "generic", "migrations")
    assert "Skipped alembic.ini: it already exists and was left unchanged" in out
    assert (tmp_path / "alembic.ini").read_text(encoding="utf-8").startswith("[alembic]\nscript_location = elsewhere")
    assert_one_line_error(run_cli(tmp_path, "init", "-t", "generic", "migrations"), "migrations/ already exists")
    assert_one_line_error(run_cli(tmp_path, "init", "-t", "nope", "other"), "unknown template 'nope'", "generic")


def test_pyproject_template_appends_to_an_existing_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n', encoding="utf-8")
    dbshift(tmp_path, "init", "-t", "pyproject", "migrations")
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith('[project]\nname = "app"\n') and "[tool.alembic]" in text
    assert "script_location" in textwrap.dedent(text.split("[tool.alembic]")[1])
