#!/usr/bin/env python3
"""SQLite table rebuild on 1,000,000 rows: dbshift's automatic rebuild against the same rebuild
written by hand as raw SQL.

One revision changes a column's type (TEXT -> INTEGER), makes another NOT NULL and adds a CHECK
constraint. The benchmark checks that ``--sql`` shows a single copy, times ``dbshift upgrade
head`` (a subprocess, wall time), compares a checksum of every row before and after, then times
the hand-written equivalent on a fresh copy of the same database file.

Run: ``.venv/bin/python bench/sqlite_rebuild.py [--rows N]`` (after ``python3 dev.py test`` or
``python3 dev.py bench`` has created ``.venv``).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REVISION = '''"""change items"""
import sqlalchemy as sa
from dbshift import op

revision = "r1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("items", "qty", type_=sa.Integer(), existing_type=sa.Text())
    op.alter_column("items", "note", nullable=False, existing_nullable=True)
    op.create_check_constraint("ck_items_qty", "items", "qty >= 0")


def downgrade() -> None:
    op.drop_constraint("ck_items_qty", "items", type_="check")
    op.alter_column("items", "note", nullable=True, existing_nullable=False)
    op.alter_column("items", "qty", type_=sa.Text(), existing_type=sa.Integer())
'''

BY_HAND = """
BEGIN;
CREATE TABLE items_new (
    id INTEGER NOT NULL PRIMARY KEY,
    code VARCHAR(20) NOT NULL,
    qty INTEGER,
    note TEXT NOT NULL,
    CONSTRAINT ck_items_qty CHECK (qty >= 0)
);
INSERT INTO items_new (id, code, qty, note) SELECT id, code, CAST(qty AS INTEGER), note FROM items;
DROP TABLE items;
ALTER TABLE items_new RENAME TO items;
CREATE INDEX ix_items_code ON items (code);
COMMIT;
"""


def make_database(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, code VARCHAR(20) NOT NULL, qty TEXT, note TEXT)"
        )
        conn.execute("CREATE INDEX ix_items_code ON items (code)")
        conn.executemany(
            "INSERT INTO items VALUES (?, ?, ?, ?)",
            ((i, f"c{i % 9973}", str(i % 1000), f"note {i}") for i in range(1, rows + 1)),
        )


def checksum(path: Path) -> str:
    """A digest of every row, with qty compared as a number (the change converts its type)."""
    digest = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        for row in conn.execute("SELECT id, code, CAST(qty AS INTEGER), note FROM items ORDER BY id"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def dbshift(project: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dbshift", *args], cwd=project, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"dbshift {' '.join(args)} failed: {done.stderr.strip()}")
    return elapsed, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dbshift-rebuild-"))
    try:
        project = scratch / "project"
        (project / "migrations" / "versions").mkdir(parents=True)
        (project / "dbshift.toml").write_text('[dbshift]\nurl = "sqlite:///./app.sqlite"\n')
        (project / "migrations" / "versions" / "r1_change_items.py").write_text(REVISION)
        database = project / "app.sqlite"
        started = time.perf_counter()
        make_database(database, args.rows)
        print(f"made {args.rows:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        pristine = scratch / "pristine.sqlite"
        shutil.copy(database, pristine)
        before = checksum(database)

        _, sql = dbshift(project, "upgrade", "--sql", "base:head")
        copies = sql.count("INSERT INTO _dbshift_new_items")
        auto_s, out = dbshift(project, "upgrade", "head")
        after = checksum(database)
        with sqlite3.connect(database) as conn:
            table_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'items'").fetchone()[0]
            count = conn.execute("SELECT count(*) FROM items").fetchone()[0]

        by_hand_db = scratch / "by_hand.sqlite"
        shutil.copy(pristine, by_hand_db)
        started = time.perf_counter()
        with sqlite3.connect(by_hand_db, isolation_level=None) as conn:
            conn.executescript(BY_HAND)
        hand_s = time.perf_counter() - started
        hand_after = checksum(by_hand_db)

        print(f"rows                     {args.rows:,} (after: {count:,})")
        print(f"copies in --sql output   {copies}")
        print(f"checksum before/after    {'equal' if before == after else 'DIFFERENT'} ({before[:12]}…)")
        print(f"dbshift upgrade head     {auto_s:.2f} s (whole command, start-up included)")
        print(f"  step as reported       {out.strip().splitlines()[-1]}")
        print(f"by hand (raw SQL)        {hand_s:.2f} s ({'same rows' if hand_after == before else 'DIFFERENT rows'})")
        print(f"ratio                    {auto_s / hand_s:.2f}x")
        print("new table: " + " ".join(table_sql.split()))
        return 0 if before == after and copies == 1 and count == args.rows else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
