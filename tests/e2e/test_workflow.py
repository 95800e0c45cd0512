"""The everyday workflow, driven through the CLI as a user would, on every backend.

An app package ``pypi/data`` with models; its database already exists (``create_all``) and
holds rows. dbshift is brought in, the models change twice, and revisions are generated,
applied, undone and reapplied; the original rows must survive all of it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import Database
from tests.run_output import parse_runs

MODELBASE = """
import sqlalchemy.orm as orm


class SQLAlchemyBase(orm.DeclarativeBase):
    pass
"""

PACKAGE = """
import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from pypi.data.modelbase import SQLAlchemyBase


class Package(SQLAlchemyBase):
    __tablename__ = "packages"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(100), unique=True)
    summary: orm.Mapped[str | None] = orm.mapped_column(sa.String(400))
    created_date: orm.Mapped[datetime.datetime] = orm.mapped_column(default=datetime.datetime.now)
    #EXTRA
"""

AUDITING = """
import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from pypi.data.modelbase import SQLAlchemyBase


class Auditing(SQLAlchemyBase):
    __tablename__ = "auditing"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    created_date: orm.Mapped[datetime.datetime] = orm.mapped_column(default=datetime.datetime.now, index=True)
    description: orm.Mapped[str | None] = orm.mapped_column(sa.String(500))
"""

CREATE_DB = """
import sys
import sqlalchemy as sa
import pypi.data
from pypi.data.modelbase import SQLAlchemyBase
from pypi.data.package import Package

engine = sa.create_engine(sys.argv[1])
SQLAlchemyBase.metadata.create_all(engine)
with engine.begin() as conn:
    conn.execute(sa.insert(Package.__table__), [
        {"name": "flask", "summary": "web framework"},
        {"name": "sqlalchemy", "summary": "database toolkit"},
        {"name": "dbshift", "summary": None},
    ])
"""


def detected(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Detected")]


class Project:
    """A scratch project folder and a way to run dbshift in it."""

    def __init__(self, root: Path, db: Database) -> None:
        self.root = root
        self.db = db
        self.data = root / "pypi" / "data"

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")

    def run(self, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "DBSHIFT_URL"}
        result = subprocess.run(
            [sys.executable, "-m", "dbshift", *args],
            cwd=self.root,
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if expect is not None:
            assert result.returncode == expect, (
                f"dbshift {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}"
            )
        return result

    def set_config(self, key: str, value: str) -> None:
        path = self.root / "dbshift.toml"
        text = path.read_text(encoding="utf-8")
        pattern = re.compile(rf"^#?\s*{key}\s*=.*$", re.M)
        assert pattern.search(text), f"no {key} line in dbshift.toml"
        path.write_text(pattern.sub(lambda _m: f"{key} = {value}", text, count=1), encoding="utf-8")

    def versions(self) -> list[Path]:
        return sorted((self.root / "migrations" / "versions").glob("*.py"))

    def columns(self, table: str) -> set[str]:
        engine = self.db.engine()
        try:
            return {c["name"] for c in sa.inspect(engine).get_columns(table)}
        finally:
            engine.dispose()

    def indexes(self, table: str) -> set[str]:
        engine = self.db.engine()
        try:
            return {ix["name"] for ix in sa.inspect(engine).get_indexes(table)}
        finally:
            engine.dispose()

    def version_rows(self) -> list[str]:
        engine = self.db.engine()
        try:
            with engine.connect() as conn:
                return [r[0] for r in conn.execute(sa.text("SELECT version_num FROM dbshift_version"))]
        finally:
            engine.dispose()

    def package_rows(self) -> list[tuple[object, ...]]:
        engine = self.db.engine()
        try:
            with engine.connect() as conn:
                return sorted(tuple(r) for r in conn.execute(sa.text("SELECT id, name, summary FROM packages")))
        finally:
            engine.dispose()


def test_everyday_workflow(database: Database, tmp_path: Path) -> None:
    p = Project(tmp_path, database)
    # 1. The app and its existing database with rows.
    p.write("pypi/__init__.py", "")
    p.write("pypi/data/modelbase.py", MODELBASE)
    p.write("pypi/data/package.py", PACKAGE)
    p.write("pypi/data/__init__.py", "from pypi.data import package  # noqa: F401\n")
    subprocess.run([sys.executable, "-c", CREATE_DB, database.url], cwd=tmp_path, check=True)
    rows = p.package_rows()
    assert len(rows) == 3

    # 2. init, url, current reports no version and creates nothing.
    out = p.run("init", "migrations").stdout
    assert "migrations" in out and "dbshift.toml" in out
    assert (tmp_path / "migrations" / "versions").is_dir()
    p.set_config("url", f'"{database.url}"')
    before = database.snapshot()
    out = p.run("current").stdout
    assert "not under version control" in out
    assert database.snapshot() == before
    assert "dbshift_version" not in database.tables()

    # 3. A new column: autogenerate needs target_metadata, then detects the column.
    p.write(
        "pypi/data/package.py",
        PACKAGE.replace("#EXTRA", "last_updated: orm.Mapped[datetime.datetime | None] = orm.mapped_column()"),
    )
    failed = p.run("revision", "--autogenerate", "-m", "add last updated", expect=None)
    assert failed.returncode != 0
    assert "target_metadata" in failed.stderr and "dbshift.toml" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert p.versions() == []
    p.set_config("target_metadata", '"pypi.data.modelbase:SQLAlchemyBase.metadata"')
    p.set_config("models", '["pypi.data"]')
    out = p.run("revision", "--autogenerate", "-m", "add last updated").stdout
    assert detected(out) == ["Detected added column 'packages.last_updated'"]
    (first,) = p.versions()
    assert first.name.endswith("_add_last_updated.py")
    first_id = first.name.split("_")[0]
    assert database.snapshot() == before
    p.run("upgrade", "head")
    assert "last_updated" in p.columns("packages")
    out = p.run("current").stdout
    assert first_id in out and "(head)" in out

    # 4. A new model with an index.
    p.write("pypi/data/auditing.py", AUDITING)
    p.write("pypi/data/__init__.py", "from pypi.data import auditing, package  # noqa: F401\n")
    out = p.run("revision", "--autogenerate", "-m", "adding auditing").stdout
    assert detected(out) == [
        "Detected added table 'auditing'",
        "Detected added index 'ix_auditing_created_date' on auditing (created_date)",
    ]
    second = next(v for v in p.versions() if v != first)
    second_id = second.name.split("_")[0]
    assert f'down_revision = "{first_id}"' in second.read_text()
    out = p.run("upgrade", "head").stdout
    (run,) = parse_runs(out.splitlines())
    assert [(step.source, step.destination, step.message) for step in run.steps] == [
        (first_id, second_id, "adding auditing")
    ]
    assert run.steps[0].ms is not None and run.at == second_id
    assert "ix_auditing_created_date" in p.indexes("auditing")
    assert p.version_rows() == [second_id]

    # 5. history, heads, downgrade and back; rows survive.
    history = p.run("history").stdout.splitlines()
    assert history[0].startswith(f"{first_id} -> {second_id} (head) (current)")
    assert history[1].startswith(f"<base> -> {first_id}")
    assert second_id in p.run("heads").stdout
    p.run("downgrade", "-1")
    assert "auditing" not in database.tables()
    assert p.version_rows() == [first_id]
    p.run("downgrade", "base")
    assert "last_updated" not in p.columns("packages")
    assert p.version_rows() == []
    assert p.package_rows() == rows
    p.run("upgrade", "head")
    assert "auditing" in database.tables() and "last_updated" in p.columns("packages")
    assert p.package_rows() == rows

    # 6. check: clean, then a model change without a revision.
    assert "No differences" in p.run("check").stdout
    p.write(
        "pypi/data/package.py",
        PACKAGE.replace(
            "#EXTRA",
            "last_updated: orm.Mapped[datetime.datetime | None] = orm.mapped_column()\n    home_page: orm.Mapped[str | None] = orm.mapped_column(sa.String(200))",
        ),
    )
    result = p.run("check", expect=1)
    assert "added column 'packages.home_page'" in result.stdout
    assert "1 difference(s)" in result.stdout
