"""dbshift writes the same revision files as Alembic from an ``alembic init`` project's own
``script.py.mako``: same names, same bytes, except the Create Date.

Real Alembic (installed beside dbshift, never importable by dbshift itself) runs in a child
process with ``PYTHONPATH`` pointing at it: ``alembic init`` makes the project, which is copied
before any revision exists; then Alembic writes a history into one copy while dbshift's command
line, run in the other copy, writes the same history (same messages, ids and options).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

CREATE_DATE = re.compile(rb"^Create Date: .*$", re.MULTILINE)

# The same command lines for both tools.
HISTORY: list[list[str]] = [
    ["revision", "-m", "create users", "--rev-id", "aaa111"],
    [
        "revision",
        "-m",
        "Crème brûlée: add price & tax!",
        "--rev-id",
        "bbb222",
        "--branch-label",
        "pricing",
        "--depends-on",
        "aaa",
    ],
    [
        "revision",
        "-m",
        "a very long message that is cut at a word boundary somewhere",
        "--rev-id",
        "ccc333",
        "--head",
        "base",
    ],
    ["revision", "--rev-id", "eee555", "--head", "pricing@head"],
    ["merge", "heads", "-m", "join the branches", "--rev-id", "fff666"],
]


def alembic(real_alembic_path: Path, cwd: Path, *commands: list[str]) -> None:
    """Run Alembic command lines, in order, in one child process (one import of Alembic)."""
    env = {**os.environ, "PYTHONPATH": str(real_alembic_path)}
    env.pop("DBSHIFT_URL", None)
    script = (
        "import sys, json\nfrom alembic.config import main\nfor argv in json.loads(sys.argv[1]):\n    main(argv=argv)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(commands)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"alembic {commands}: {done.stdout}{done.stderr}"


def without_dates(folder: Path) -> dict[str, bytes]:
    return {path.name: CREATE_DATE.sub(b"Create Date: <date>", path.read_bytes()) for path in folder.glob("*.py")}


@pytest.mark.parametrize("template", ["generic", "multidb"])
def test_same_files_as_alembic(real_alembic_path: Path, tmp_path: Path, template: str) -> None:
    theirs_root = tmp_path / "alembic_side"
    ours_root = tmp_path / "dbshift_side"
    theirs_root.mkdir()
    alembic(real_alembic_path, theirs_root, ["init", "--template", template, "migrations"])
    shutil.copytree(theirs_root, ours_root)
    alembic(real_alembic_path, theirs_root, *HISTORY)
    for args in HISTORY:
        done = run_cli(ours_root, *args)
        assert done.returncode == 0, f"dbshift {' '.join(args)}: {done.stdout}{done.stderr}"

    theirs = without_dates(theirs_root / "migrations" / "versions")
    ours = without_dates(ours_root / "migrations" / "versions")
    assert sorted(ours) == sorted(theirs)
    assert "bbb222_crème_brûlée_add_price_tax.py" in ours
    assert "ccc333_a_very_long_message_that_is_cut_at_a_.py" in ours
    assert "eee555_.py" in ours and b'"""empty message' in ours["eee555_.py"]
    for name in theirs:
        assert ours[name] == theirs[name], name
    assert b"Create Date: <date>" in ours["aaa111_create_users.py"]
