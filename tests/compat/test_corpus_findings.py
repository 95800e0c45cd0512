"""What the Alembic corpus (test_corpus.py) found dbshift doing differently from Alembic, each
pinned by a small in-process test so it stays fixed."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from dbshift.commands import migrate
from tests.compat.project import AlembicProject


def test_sql_mode_reads_an_existing_sqlite_file_through_an_async_url(tmp_path: Path) -> None:
    """An asyncio project's URL (sqlite+aiosqlite) in --sql mode: the table rebuild still reads the
    file's current definitions (with the plain driver: an async one cannot be used outside the
    event loop), instead of failing with MissingGreenlet."""
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(20), note TEXT)")
    project = AlembicProject(tmp_path, f"sqlite+aiosqlite:///{db}")
    project.add("a1", None, 'op.alter_column("item", "name", existing_type=sa.String(20), nullable=False)')
    out = io.StringIO()
    migrate.upgrade(project.config(), "head", sql=True, output=out, report=lambda _line: None)
    script = out.getvalue()
    assert "name VARCHAR(20) NOT NULL" in script, script
    assert "note TEXT" in script, script  # the rebuilt table kept the column it read from the file
    project.engine.dispose()
