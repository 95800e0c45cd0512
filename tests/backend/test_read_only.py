"""Read-only means read-only: reporting commands and failing commands never create a database
file or a table, on every backend.

Reporting commands (``current``, ``history``, ``heads``, ``show``, ``check``) only read; on
SQLite they open the file read-only, so a missing file stays missing. A command that fails
because of what the user typed (an unknown target or option) fails before it connects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import ScratchProject, assert_one_line_error
from tests.conftest import Database

UNREACHABLE = {
    "sqlite": "sqlite:///{tmp}/no/such/folder/app.sqlite",
    "postgresql": "postgresql+psycopg://dbshift@127.0.0.1:1/app",
    "mariadb": "mysql+pymysql://dbshift@127.0.0.1:1/app",
}


def _project(root: Path, url: str) -> ScratchProject:
    p = ScratchProject(root, url)
    p.add_table_revision("aaa111", None, "orders")
    p.add_table_revision("bbb222", "aaa111", "invoices")
    return p


@pytest.fixture
def project(database: Database, tmp_path: Path) -> ScratchProject:
    return _project(tmp_path / "project", database.url)


# --------------------------------------------------------------------------- bad targets


BAD_TARGETS = [
    (("upgrade", "nosuch"), "unknown revision 'nosuch'"),
    (("downgrade", "nosuch"), "unknown revision 'nosuch'"),
    (("stamp", "nosuch"), "unknown revision 'nosuch'"),
    (("stamp", "aaa111", "nosuch"), "unknown revision 'nosuch'"),
    (("upgrade", "nosuch@head"), "unknown revision 'nosuch'"),
    (("upgrade", "nosuch+1"), "unknown revision 'nosuch'"),
    (("downgrade", "bbb222+1"), "cannot upgrade 1 step from 'bbb222'"),
    (("upgrade", "-1"), "'-1' moves down; use 'dbshift downgrade -1'"),
    (("downgrade", "+1"), "'+1' moves up; use 'dbshift upgrade +1'"),
    (("upgrade", "--sql", "nosuch:head"), "unknown revision 'nosuch'"),
]
BAD_TARGET_IDS = [
    "upgrade",
    "downgrade",
    "stamp",
    "stamp-second",
    "branch-head",
    "relative-to-unknown",
    "relative-past-head",
    "upgrade-minus",
    "downgrade-plus",
    "sql-range-start",
]


@pytest.mark.parametrize("args, needle", BAD_TARGETS, ids=BAD_TARGET_IDS)
def test_bad_target_fails_before_connecting(backend: str, tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    """On a server that cannot be reached, the error is still about the target: the target is
    checked against the migration folder before dbshift (or env.py) connects."""
    p = _project(tmp_path / "project", UNREACHABLE[backend].format(tmp=tmp_path))
    result = p.run(*args)
    assert_one_line_error(result, needle)
    assert "cannot connect" not in result.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("args, needle", BAD_TARGETS, ids=BAD_TARGET_IDS)
def test_bad_target_changes_nothing(
    database: Database, project: ScratchProject, args: tuple[str, ...], needle: str
) -> None:
    project.upgrade_in_process("aaa111")
    before = database.snapshot()
    assert_one_line_error(project.run(*args), needle)
    assert database.snapshot() == before


def test_bad_target_creates_no_sqlite_file(tmp_path: Path) -> None:
    db_file = tmp_path / "project" / "app.sqlite"
    p = _project(tmp_path / "project", f"sqlite:///{db_file}")
    for args, needle in BAD_TARGETS:
        assert_one_line_error(p.run(*args), needle)
        assert not db_file.exists(), args
