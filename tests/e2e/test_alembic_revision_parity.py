"""dbshift writes the same revision files as Alembic from an ``alembic init`` project's own
``script.py.mako``: same names, same bytes, except the Create Date.

Real Alembic (installed beside dbshift, never importable by dbshift itself) runs in a child
process with ``PYTHONPATH`` pointing at it: ``alembic init`` makes the project, the migration
folder is copied before any revision exists, and then Alembic writes a history into one copy
while dbshift writes the same history (same messages, ids and parents) into the other.
"""

from __future__ import annotations

import configparser
import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbshift.commands.revision import merge, revision
from dbshift.config import Config, build_config

CREATE_DATE = re.compile(rb"^Create Date: .*$", re.MULTILINE)
UNICODE_MESSAGE = "Crème brûlée: add price & tax!"

# (command, message, rev id, options) for Alembic; dbshift is given the same below.
HISTORY: list[tuple[str, str, str, list[str]]] = [
    ("revision", "create users", "aaa111", []),
    ("revision", UNICODE_MESSAGE, "bbb222", ["--branch-label", "pricing", "--depends-on", "aaa"]),
    ("revision", "a very long message that is cut at a word boundary somewhere", "ccc333", ["--head", "base"]),
    ("merge", "join the branches", "ddd444", ["heads"]),
]


def alembic(real_alembic_path: Path, cwd: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(real_alembic_path)}
    env.pop("DBSHIFT_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"alembic {' '.join(args)}: {done.stdout}{done.stderr}"


def dbshift_history(config: Config) -> None:
    def quiet(_line: str) -> None:
        pass

    revision(config, "create users", rev_id="aaa111", report=quiet)
    revision(config, UNICODE_MESSAGE, rev_id="bbb222", branch_labels=["pricing"], depends_on=["aaa"], report=quiet)
    revision(config, HISTORY[2][1], rev_id="ccc333", head="base", report=quiet)
    merge(config, ["heads"], "join the branches", rev_id="ddd444", report=quiet)


def without_dates(folder: Path) -> dict[str, bytes]:
    return {path.name: CREATE_DATE.sub(b"Create Date: <date>", path.read_bytes()) for path in folder.glob("*.py")}


@pytest.mark.parametrize("template", ["generic", "multidb"])
def test_same_files_as_alembic(real_alembic_path: Path, tmp_path: Path, template: str) -> None:
    alembic(real_alembic_path, tmp_path, "init", "--template", template, "migrations")
    shutil.copytree(tmp_path / "migrations", tmp_path / "dbshift_migrations")
    for command, message, rev_id, options in HISTORY:
        if command == "merge":
            alembic(real_alembic_path, tmp_path, "merge", *options, "-m", message, "--rev-id", rev_id)
        else:
            alembic(real_alembic_path, tmp_path, "revision", "-m", message, "--rev-id", rev_id, *options)

    ini = configparser.ConfigParser(defaults={"here": str(tmp_path)})
    ini.read(tmp_path / "alembic.ini", encoding="utf-8")
    sections = {"alembic": dict(ini["alembic"])}  # what the multidb template reads
    config = dataclasses.replace(
        build_config({"script_location": "dbshift_migrations"}, root=tmp_path, cwd=tmp_path, environ={}),
        kind="alembic",
        template_file="script.py.mako",
        sections=sections,
    )
    dbshift_history(config)

    theirs = without_dates(tmp_path / "migrations" / "versions")
    ours = without_dates(tmp_path / "dbshift_migrations" / "versions")
    assert sorted(ours) == sorted(theirs)
    assert "bbb222_crème_brûlée_add_price_tax.py" in ours
    assert "ccc333_a_very_long_message_that_is_cut_at_a_.py" in ours
    for name in theirs:
        assert ours[name] == theirs[name], name
    assert b"Create Date: <date>" in ours["aaa111_create_users.py"]
