"""``dbshift import-alembic``: dbshift.toml from alembic.ini + env.py; nothing in the revisions changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbshift.config import load_config
from tests.cli_helpers import assert_one_line_error, run_cli
from tests.compat.project import AlembicProject, forget_package
from tests.conftest import Database

MODELS = """
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass
"""

ITEM = """
from sqlalchemy.orm import Mapped, mapped_column

from shop.db import Base


class Item(Base):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None]
"""


@pytest.fixture
def project(database: Database, tmp_path: Path) -> Iterator[AlembicProject]:
    p = AlembicProject(
        tmp_path,
        database.url,
        metadata="shop.db.Base.metadata",
        env_options='version_table="shop_versions", transaction_per_migration=True',
    )
    p.import_in_env("shop.db", "shop.models")
    p.write("shop/__init__.py", "")
    p.write("shop/db.py", MODELS)
    p.write("shop/models.py", ITEM)
    p.add(
        "aaa111",
        None,
        'op.create_table("item", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20)))',
        'op.drop_table("item")',
    )
    try:
        yield p
    finally:
        p.engine.dispose()
        forget_package("shop")


def test_import_writes_dbshift_toml_and_the_project_keeps_working(project: AlembicProject) -> None:
    done = run_cli(project.root, "upgrade", "head")
    assert done.returncode == 0, done.stderr
    assert project.versions_in_db("shop_versions") == ["aaa111"]

    done = run_cli(project.root, "import-alembic")
    assert done.returncode == 0, done.stderr
    assert "Wrote dbshift.toml" in done.stdout
    config = load_config(project.root / "dbshift.toml", cwd=project.root, environ={})
    assert config.target_metadata == "shop.db:Base.metadata"
    assert config.models == ("shop.models",)
    assert config.version_table == "shop_versions"
    assert config.transaction_per_migration is True
    assert config.template_file == "script.py.mako"
    assert config.script_location == project.root / "migrations"
    assert config.raw_url == project.url

    # env.py still runs while it exists; without it dbshift connects by itself, same database.
    assert "aaa111 (head)" in run_cli(project.root, "current").stdout
    (project.root / "migrations" / "env.py").unlink()
    current = run_cli(project.root, "current")
    assert current.returncode == 0, current.stderr
    assert "aaa111 (head)" in current.stdout
    with project.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE item ADD COLUMN extra INTEGER"))
    check = run_cli(project.root, "check")
    assert check.returncode == 1 and "extra" in check.stdout  # models read from dbshift.toml's target_metadata
    assert run_cli(project.root, "downgrade", "base").returncode == 0
    assert project.versions_in_db("shop_versions") == []


def test_import_never_overwrites_and_needs_an_alembic_project(project: AlembicProject) -> None:
    (project.root / "dbshift.toml").write_text('[dbshift]\nscript_location = "migrations"\n', encoding="utf-8")
    assert_one_line_error(run_cli(project.root, "-c", "alembic.ini", "import-alembic"), "dbshift.toml already exists")
    # dbshift.toml is found first: that project is not an Alembic one.
    assert_one_line_error(run_cli(project.root, "import-alembic"), "is not an Alembic project")
    assert (project.root / "dbshift.toml").read_text(encoding="utf-8") == '[dbshift]\nscript_location = "migrations"\n'
