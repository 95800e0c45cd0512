"""Reading a migration folder: without importing, with a cache, with clear errors."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dbshift.errors import ScriptError
from dbshift.script import directory as directory_module
from dbshift.script.directory import ScriptDirectory
from dbshift.script.revision import Revision


def folder(tmp_path: Path, files: dict[str, str]) -> ScriptDirectory:
    versions = tmp_path / "versions"
    versions.mkdir(exist_ok=True)
    for name, text in files.items():
        (versions / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return ScriptDirectory(tmp_path)


def age(path: Path, seconds: float = 60) -> None:
    """Backdate a file so its mtime is trusted without a content check."""
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


PLAIN = '''
    """Create users

    Revision ID: aaa111
    Revises:
    Create Date: 2026-01-02 03:04:05.000006

    """
    from dbshift import op

    revision = "aaa111"
    down_revision = None
    branch_labels = None
    depends_on = None


    def upgrade() -> None:
        op.create_table("users")


    def downgrade() -> None:
        op.drop_table("users")
'''

ANNOTATED = '''
    """Add email

    Revision ID: bbb222
    """
    from typing import Sequence, Union

    revision: str = "bbb222"
    down_revision: Union[str, None] = "aaa111"  # the parent
    branch_labels: Union[str, Sequence[str], None] = ("accounts",)
    depends_on: Union[str, Sequence[str], None] = None


    def upgrade() -> None:
        pass


    def downgrade() -> None:
        pass
'''

MERGE_MULTILINE = """
    '''Merge heads'''
    revision = 'ccc333'
    down_revision = (
        'aaa111',  # left
        'bbb222',
    )
    depends_on = [
        "aaa111",
    ]


    def upgrade() -> None:
        pass


    def downgrade() -> None:
        pass
"""


class TestReading:
    def test_plain_annotated_and_multiline(self, tmp_path: Path) -> None:
        sd = folder(
            tmp_path,
            {
                "aaa111_users.py": PLAIN,
                "bbb222_email.py": ANNOTATED,
                "ccc333_merge.py": MERGE_MULTILINE,
            },
        )
        revs = {r.revision: r for r in sd.revisions()}
        assert revs["aaa111"] == Revision(
            "aaa111",
            message="Create users",
            path=str(tmp_path / "versions" / "aaa111_users.py"),
            create_date="2026-01-02 03:04:05.000006",
        )
        assert revs["bbb222"].down_revisions == ("aaa111",)
        assert revs["bbb222"].branch_labels == ("accounts",)
        assert revs["bbb222"].message == "Add email"
        assert revs["bbb222"].create_date is None
        assert revs["ccc333"].down_revisions == ("aaa111", "bbb222")
        assert revs["ccc333"].depends_on == ("aaa111",)
        assert revs["ccc333"].message == "Merge heads"
        assert sd.graph().heads == ("ccc333",)
        assert sd.graph() is sd.graph()

    def test_skips_private_and_hidden_files(self, tmp_path: Path) -> None:
        sd = folder(
            tmp_path,
            {
                "aaa111_users.py": PLAIN,
                "__init__.py": "",
                "_helpers.py": "x = (",
                ".hidden.py": "(",
                "notes.txt": "(",
            },
        )
        assert [r.revision for r in sd.revisions()] == ["aaa111"]

    def test_tuple_unpacking_falls_back_to_ast(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"a.py": 'revision, down_revision = "a2", "a1"\n'})
        (rev,) = sd.revisions()
        assert (rev.revision, rev.down_revisions) == ("a2", ("a1",))

    def test_assignment_inside_a_string_is_ignored(self, tmp_path: Path) -> None:
        text = 'revision = "real"\nSQL = """\nrevision = "fake"\n"""\n'
        sd = folder(tmp_path, {"a.py": text})
        assert [r.revision for r in sd.revisions()] == ["real"]

    def test_last_assignment_wins(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"a.py": 'revision = "one"\nrevision = "two"\n'})
        assert [r.revision for r in sd.revisions()] == ["two"]

    def test_listing_imports_nothing(self, tmp_path: Path) -> None:
        body = 'revision = "aaa111"\nraise SystemExit("imported!")\n'
        sd = folder(tmp_path, {"aaa111_boom.py": body})
        assert [r.revision for r in sd.revisions()] == ["aaa111"]


class TestErrors:
    def test_syntax_error_in_body_names_file_and_line(self, tmp_path: Path) -> None:
        broken = PLAIN.replace('op.create_table("users")', 'op.create_table("users"')
        sd = folder(tmp_path, {"abc_x.py": broken})
        with pytest.raises(ScriptError) as err:
            sd.revisions()
        message = str(err.value)
        assert message.startswith(f"{tmp_path / 'versions' / 'abc_x.py'}: syntax error at line 17:")
        assert "versions/abc_x.py: syntax error at line" in message
        assert "\n" not in message

    def test_compile_time_errors_are_caught(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"abc_x.py": 'revision = "a"\nreturn 1\n'})
        with pytest.raises(ScriptError, match=r"abc_x\.py: syntax error at line 2: 'return' outside"):
            sd.revisions()

    def test_missing_revision(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"abc_x.py": "down_revision = None\n"})
        with pytest.raises(ScriptError, match=r"abc_x\.py: no module-level 'revision = "):
            sd.revisions()

    def test_non_literal_value(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"abc_x.py": 'revision = "a"\ndown_revision = make()\n'})
        with pytest.raises(ScriptError, match=r"abc_x\.py: 'down_revision' at line 2 must be a literal"):
            sd.revisions()

    def test_wrong_type(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"abc_x.py": 'revision = "a"\ndown_revision = 3\n'})
        with pytest.raises(ScriptError, match=r"abc_x\.py: 'down_revision' must be None, a string"):
            sd.revisions()

    def test_missing_versions_folder(self, tmp_path: Path) -> None:
        with pytest.raises(ScriptError, match="revisions folder not found"):
            ScriptDirectory(tmp_path / "nowhere").revisions()

    def test_graph_errors_name_the_files(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"one.py": 'revision = "a"\n', "two.py": 'revision = "a"\n'})
        with pytest.raises(ScriptError, match=r"duplicate revision id 'a' in .*one\.py and .*two\.py"):
            sd.graph()


class TestCache:
    def test_second_listing_does_not_reparse(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        sd = folder(tmp_path, {"aaa111_users.py": PLAIN, "bbb222_email.py": ANNOTATED})
        for path in sd.versions_dir.glob("*.py"):
            age(path)
        first = sd.revisions()
        assert sd.cache_path.is_file()

        def no_parsing(data: bytes, display: str) -> None:
            raise AssertionError(f"re-parsed {display}")

        monkeypatch.setattr(directory_module, "scan_source", no_parsing)
        assert ScriptDirectory(tmp_path).revisions() == first

    def test_changed_file_is_reread(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"a.py": 'revision = "one"\n'})
        assert [r.revision for r in sd.revisions()] == ["one"]
        # Same size, and written straight away: the mtime may not even move.
        (sd.versions_dir / "a.py").write_text('revision = "two"\n')
        assert [r.revision for r in ScriptDirectory(tmp_path).revisions()] == ["two"]

    def test_changed_old_file_is_reread(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"a.py": 'revision = "one"\n'})
        path = sd.versions_dir / "a.py"
        age(path, 120)
        sd.revisions()
        path.write_text('revision = "three"\n')
        assert [r.revision for r in ScriptDirectory(tmp_path).revisions()] == ["three"]

    def test_deleted_file_leaves_cache(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"a.py": 'revision = "a"\n', "b.py": 'revision = "b"\n'})
        sd.revisions()
        (sd.versions_dir / "b.py").unlink()
        assert [r.revision for r in sd.revisions()] == ["a"]
        cached = json.loads(sd.cache_path.read_text())["files"]
        assert set(cached) == {"a.py"}

    def test_broken_cache_is_ignored(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"a.py": 'revision = "a"\n'})
        sd.cache_path.parent.mkdir()
        sd.cache_path.write_text("{not json")
        assert [r.revision for r in sd.revisions()] == ["a"]
        assert json.loads(sd.cache_path.read_text())["format"] == 1

    def test_broken_file_still_reported_after_cache(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"a.py": 'revision = "a"\n'})
        sd.revisions()
        (sd.versions_dir / "b.py").write_text('revision = "b"\ndef upgrade(:\n')
        with pytest.raises(ScriptError, match=r"b\.py: syntax error at line 2"):
            ScriptDirectory(tmp_path).revisions()


class TestLoadModule:
    def test_loads_without_sys_path(self, tmp_path: Path) -> None:
        sd = folder(tmp_path, {"aaa111_users.py": PLAIN.replace("from dbshift import op\n", "")})
        (rev,) = sd.revisions()
        module = sd.load_module(rev)
        assert module.revision == "aaa111"
        assert callable(module.upgrade)
        assert str(sd.versions_dir) not in sys.path
        assert sd.load_module(rev) is module

    def test_import_error_names_file(self, tmp_path: Path) -> None:
        text = 'revision = "a"\nimport no_such_module_here\ndef upgrade(): pass\ndef downgrade(): pass\n'
        sd = folder(tmp_path, {"a_x.py": text})
        (rev,) = sd.revisions()
        with pytest.raises(ScriptError, match=r"a_x\.py: importing failed: ModuleNotFoundError"):
            sd.load_module(rev)

    def test_missing_downgrade_is_valid_until_run(self, tmp_path: Path) -> None:
        """The runner names the file when someone downgrades it (tests/backend/test_environment.py)."""
        sd = folder(tmp_path, {"a_x.py": 'revision = "a"\ndef upgrade(): pass\n'})
        (rev,) = sd.revisions()
        module = sd.load_module(rev)
        assert callable(module.upgrade) and not hasattr(module, "downgrade")


def test_five_thousand_files(tmp_path: Path) -> None:
    """A long linear history: heads without importing, and a fast warm listing."""
    n = 5_000
    versions = tmp_path / "versions"
    versions.mkdir()
    template = textwrap.dedent(PLAIN).lstrip("\n")
    for i in range(n):
        parent = f'"{i - 1:012x}"' if i else "None"
        text = template.replace('"aaa111"', f'"{i:012x}"')
        text = text.replace("down_revision = None", f"down_revision = {parent}")
        path = versions / f"{i:012x}_step.py"
        path.write_text(text)
        age(path)  # as in a real project; fresh files would also get a content check
    start = time.perf_counter()
    sd = ScriptDirectory(tmp_path)
    assert sd.graph().heads == (f"{n - 1:012x}",)
    cold = time.perf_counter() - start

    start = time.perf_counter()
    assert ScriptDirectory(tmp_path).graph().heads == (f"{n - 1:012x}",)
    warm = time.perf_counter() - start

    loaded = [m for m in list(sys.modules.values()) if str(versions) in str(getattr(m, "__file__", ""))]
    assert loaded == []
    assert warm < 1.5, f"warm listing took {warm:.2f}s (cold {cold:.2f}s)"


TRICKY = [
    'revision = "a"  # trailing comment\ndown_revision = None\n',
    '"""Doc\\tescaped \\u00e9"""\nrevision = "a"\n',
    'revision = "a"; down_revision = None\n',
    '# comment first\n#!/not/really\n\n"doc in plain quotes"  # c\nrevision = "a"\ndown_revision = ("b",)\n',
    'def f():\n    revision = "b"\nrevision = "a"\n',
    'revision = "a"\nx = """\ndown_revision = "zz"\n"""\n',
    '\ufeff"""BOM file"""\nrevision = "a"\n',
    '"""Doc\r\n\r\nCreate Date: now\r\n"""\r\nrevision = "a"\r\ndown_revision = (\r\n  "b",\r\n)\r\n',
    'revision = "a"\ndown_revision = \\\n    "b"\n',
    'r"""raw \\d doc"""\nrevision = "a"\n',
    '"""doc""" + ""\nrevision = "a"\n',
    "revision = 'a'\ndown_revision = ['b', 'c']\nbranch_labels = ('x',)\n",
    'import os\nrevision = "a"\nfrom x import down_revision\n',
    'revision: "str" = "a"\ndown_revision: "str | None" = "b"\n',
    '"""Message mentions revision and down_revision"""\nrevision = "a"\n',
]


@pytest.mark.parametrize("text", TRICKY)
def test_cheap_reading_agrees_with_ast(text: str) -> None:
    """The regex reading either matches the syntax tree exactly or declines to decide."""
    from dbshift.script import headers

    data = text.encode("utf-8")
    headers.check_syntax(data, "t.py")
    expected = headers._read_with_ast(data, "t.py")
    try:
        cheap = headers._read_cheaply(data.decode("utf-8-sig"))
    except headers._Undecided:
        return
    assert cheap == expected


def test_conditional_assignment_is_refused(tmp_path: Path) -> None:
    text = 'revision = "a"\nif X:\n    down_revision = "b"\n'
    sd = folder(tmp_path, {"a_x.py": text})
    with pytest.raises(ScriptError, match=r"a_x\.py: 'down_revision' is assigned inside a block at line 3"):
        sd.revisions()


def test_local_variable_named_revision_is_fine(tmp_path: Path) -> None:
    text = 'revision = "a"\n\ndef upgrade():\n    revision = 1\n    return revision\n'
    sd = folder(tmp_path, {"a_x.py": text})
    assert [r.revision for r in sd.revisions()] == ["a"]
