"""An Alembic project as ``alembic init`` and ``alembic revision`` leave it runs under dbshift's CLI:
its alembic.ini is read, its env.py connects (to ``sqlalchemy.url``, or where ``--url`` says)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.cli_helpers import run_cli

UPGRADE = 'op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))'
DOWNGRADE = 'op.drop_table("users")'


def alembic(real_alembic_path: Path, cwd: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(real_alembic_path)}
    subprocess.run([sys.executable, "-m", "alembic", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_dbshift_runs_an_alembic_init_project(tmp_path: Path, real_alembic_path: Path) -> None:
    alembic(real_alembic_path, tmp_path, "init", "-t", "generic", "migrations")
    ini = tmp_path / "alembic.ini"
    text = ini.read_text(encoding="utf-8")
    ini.write_text(text.replace("driver://user:pass@localhost/dbname", "sqlite:///app.db"), encoding="utf-8")
    alembic(real_alembic_path, tmp_path, "revision", "-m", "create users", "--rev-id", "a1")
    revision = tmp_path / "migrations" / "versions" / "a1_create_users.py"
    source = revision.read_text(encoding="utf-8")
    upgrade, downgrade = source.split("def downgrade")
    revision.write_text(
        upgrade.replace("    pass", f"    {UPGRADE}")
        + "def downgrade"
        + downgrade.replace("    pass", f"    {DOWNGRADE}"),
        encoding="utf-8",
    )

    out = run_cli(tmp_path, "upgrade", "head")
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(tmp_path / "app.db") as db:  # relative to alembic.ini's folder
        assert db.execute("select version_num from alembic_version").fetchall() == [("a1",)]
        assert db.execute("select count(*) from users").fetchall() == [(0,)]
    out = run_cli(tmp_path, "current")
    assert out.stdout.splitlines() == ["a1 (head): create users"], out.stderr

    out = run_cli(tmp_path, "--url", "sqlite:///other.db", "upgrade", "head")  # env.py connects there
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(tmp_path / "other.db") as db:
        assert db.execute("select version_num from alembic_version").fetchall() == [("a1",)]
