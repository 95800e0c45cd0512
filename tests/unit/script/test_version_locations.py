"""Several version locations and recursive listing (Alembic's ``version_locations`` and
``recursive_version_locations``), with one listing cache per folder.

The layout most tests use::

    loc_a/                  loc_b/
      a1_base.py              b1_feature.py  (revises a1)
      2026/                   __pycache__/ (cache only)
        a2_next.py  (revises a1; listed only when recursive)
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from dbshift.errors import ScriptError
from dbshift.script import directory as directory_module
from dbshift.script.directory import CACHE_NAME, ScriptDirectory


def rev_text(rev: str, down: str | None = None) -> str:
    parent = f'"{down}"' if down else "None"
    return (
        f'"""revision {rev}"""\nrevision = "{rev}"\ndown_revision = {parent}\n'
        "def upgrade():\n    pass\ndef downgrade():\n    pass\n"
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = time.time() - 60  # old enough that the cache trusts its mtime
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    loc_a = tmp_path / "loc_a"
    loc_b = tmp_path / "loc_b"
    write(loc_a / "a1_base.py", rev_text("a1"))
    write(loc_a / "2026" / "a2_next.py", rev_text("a2", "a1"))
    write(loc_b / "b1_feature.py", rev_text("b1", "a1"))
    return loc_a, loc_b


def ids(sd: ScriptDirectory) -> list[str]:
    return [r.revision for r in sd.revisions()]


def test_default_is_versions_folder(tmp_path: Path) -> None:
    write(tmp_path / "versions" / "a1_x.py", rev_text("a1"))
    sd = ScriptDirectory(tmp_path)
    assert sd.version_locations == (tmp_path / "versions",)
    assert not sd.has_explicit_locations
    assert ids(sd) == ["a1"]


def test_lists_every_location_in_order(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    loc_a, loc_b = layout
    sd = ScriptDirectory(tmp_path, version_locations=(loc_b, loc_a))
    assert ids(sd) == ["b1", "a1"]  # location by location; sub-folders not listed
    assert sd.graph().heads == ("b1",)
    assert sd.location_of("b1") == loc_b
    assert sd.file_of("a1") == loc_a / "a1_base.py"
    assert sd.versions_dir == loc_b


def test_recursive_lists_sub_folders_after_the_folders_files(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    loc_a, loc_b = layout
    write(loc_a / "2026" / "01" / "a3_deep.py", rev_text("a3", "a2"))
    write(loc_a / "0_first" / "a4_x.py", rev_text("a4", "a1"))
    sd = ScriptDirectory(tmp_path, version_locations=(loc_a, loc_b), recursive=True)
    assert ids(sd) == ["a1", "a4", "a2", "a3", "b1"]  # files, then sub-folders sorted, depth first
    assert sd.location_of("a3") == loc_a  # the version location, not the sub-folder
    assert sd.graph().heads == ("a3", "a4", "b1")


def test_recursive_skips_caches_hidden_and_symlinked_folders(tmp_path: Path) -> None:
    loc = tmp_path / "versions"
    write(loc / "a1_x.py", rev_text("a1"))
    write(loc / "__pycache__" / "p1.py", rev_text("p1"))
    write(loc / ".old" / "h1.py", rev_text("h1"))
    write(loc / "_archive" / "u1.py", rev_text("u1", "a1"))  # Alembic lists these too
    write(tmp_path / "elsewhere" / "s1.py", rev_text("s1"))
    os.symlink(tmp_path / "elsewhere", loc / "linked")  # Alembic does not follow it either
    assert ids(ScriptDirectory(tmp_path, recursive=True)) == ["a1", "u1"]


def test_file_names_listed_match_dbshift_rules(tmp_path: Path) -> None:
    """Alembic would also list ``_b.py`` and ``.c.py``; dbshift skips private and hidden names."""
    loc = tmp_path / "versions"
    write(loc / "a_1.py", rev_text("a"))
    for name in ("_b.py", ".c.py", "__init__.py", "__init__x.py", ".#e.py", "f.PY", "g.py.txt", "h.pyc"):
        write(loc / name, "this is not python (")
    assert ids(ScriptDirectory(tmp_path)) == ["a"]


def test_missing_configured_location_lists_as_empty(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    loc_a, _ = layout
    sd = ScriptDirectory(tmp_path, version_locations=(tmp_path / "not_yet", loc_a))
    assert ids(sd) == ["a1"]
    assert ScriptDirectory(tmp_path, version_locations=(tmp_path / "not_yet",)).revisions() == []


def test_location_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    with pytest.raises(ScriptError, match=r"afile: version location is not a folder"):
        ScriptDirectory(tmp_path, version_locations=(tmp_path / "afile",)).revisions()


def test_duplicate_id_across_locations_names_both_files(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    loc_a, loc_b = layout
    write(loc_b / "zz_copy.py", rev_text("a1"))
    sd = ScriptDirectory(tmp_path, version_locations=(loc_a, loc_b))
    with pytest.raises(ScriptError) as info:
        sd.graph()
    message = str(info.value)
    assert "\n" not in message
    assert "duplicate revision id 'a1'" in message
    assert "loc_a/a1_base.py" in message and "loc_b/zz_copy.py" in message


def test_a_folder_reached_twice_is_listed_once(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    loc_a, loc_b = layout
    # The same location twice, and a location inside a recursive one.
    sd = ScriptDirectory(tmp_path, version_locations=(loc_a, loc_a, loc_a / "2026", loc_b), recursive=True)
    assert ids(sd) == ["a1", "a2", "b1"]
    assert sd.graph().heads == ("a2", "b1")


def test_a_symlinked_revision_file_is_a_duplicate(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    """Alembic skips a second path to the same file; dbshift names both (it does not stat twice)."""
    loc_a, loc_b = layout
    os.symlink(loc_a / "a1_base.py", loc_b / "same_as_a1.py")
    with pytest.raises(ScriptError, match=r"duplicate revision id 'a1' in .*a1_base\.py and .*same_as_a1\.py"):
        ScriptDirectory(tmp_path, version_locations=(loc_a, loc_b)).graph()


def test_one_cache_per_folder(tmp_path: Path, layout: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    loc_a, loc_b = layout
    sd = ScriptDirectory(tmp_path, version_locations=(loc_a, loc_b), recursive=True)
    first = sd.revisions()
    caches = {
        folder: json.loads((folder / "__pycache__" / CACHE_NAME).read_text())["files"]
        for folder in (loc_a, loc_a / "2026", loc_b)
    }
    assert {folder.name: sorted(files) for folder, files in caches.items()} == {
        "loc_a": ["a1_base.py"],
        "2026": ["a2_next.py"],
        "loc_b": ["b1_feature.py"],
    }

    def no_parsing(data: bytes, display: str) -> None:
        raise AssertionError(f"re-parsed {display}")

    monkeypatch.setattr(directory_module, "scan_source", no_parsing)
    again = ScriptDirectory(tmp_path, version_locations=(loc_a, loc_b), recursive=True).revisions()
    assert again == first
    monkeypatch.undo()

    # A change in one folder re-reads that file only; the other folders' caches stay as they were.
    write(loc_b / "b2_more.py", rev_text("b2", "b1"))
    before = (loc_a / "__pycache__" / CACHE_NAME).read_bytes()
    assert "b2" in ids(ScriptDirectory(tmp_path, version_locations=(loc_a, loc_b), recursive=True))
    assert (loc_a / "__pycache__" / CACHE_NAME).read_bytes() == before


def test_broken_file_in_second_location_is_named(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    loc_a, loc_b = layout
    write(loc_b / "b2_broken.py", 'revision = "b2"\ndef upgrade(:\n')
    with pytest.raises(ScriptError, match=r"loc_b/b2_broken\.py: syntax error at line 2"):
        ScriptDirectory(tmp_path, version_locations=(loc_a, loc_b)).revisions()
    # What was read before the broken file is cached.
    assert (loc_a / "__pycache__" / CACHE_NAME).is_file()


def test_load_module_from_a_sub_folder(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    loc_a, _ = layout
    sd = ScriptDirectory(tmp_path, version_locations=(loc_a,), recursive=True)
    rev = sd.graph().get("a2")
    assert sd.load_module(rev).revision == "a2"


def test_unknown_revision_file(tmp_path: Path, layout: tuple[Path, Path]) -> None:
    loc_a, _ = layout
    with pytest.raises(ScriptError, match="revision 'zz' is not in the migration folder"):
        ScriptDirectory(tmp_path, version_locations=(loc_a,)).file_of("zz")
