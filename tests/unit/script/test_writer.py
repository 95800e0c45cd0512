"""Writing revision files: the default template, escaping, names, and round trips."""

from __future__ import annotations

import ast
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dbshift.errors import ConfigError, ScriptError
from dbshift.script.directory import ScriptDirectory
from dbshift.script.writer import (
    DEFAULT_TEMPLATE,
    RevisionSource,
    check_written,
    creation_date,
    load_template,
    new_revision_id,
    render_revision,
    revision_filename,
    slugify,
    write_revision,
)

WHEN = datetime(2026, 11, 20, 23, 40, 1, 123456)

EXPECTED = '''"""Add last updated

Revision ID: 3f2a9c1b7d4e
Revises: 1a2b3c4d5e6f
Create Date: 2026-11-20 23:40:01.123456

"""

from __future__ import annotations

import sqlalchemy as sa

from dbshift import op

# revision identifiers, used by dbshift.
revision = "3f2a9c1b7d4e"
down_revision = "1a2b3c4d5e6f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(...)


def downgrade() -> None:
    op.drop_column(...)
'''


def source(**changes: object) -> RevisionSource:
    values: dict[str, object] = {
        "rev_id": "3f2a9c1b7d4e",
        "message": "Add last updated",
        "down_revisions": ("1a2b3c4d5e6f",),
        "create_date": WHEN,
        "upgrade_body": "op.add_column(...)",
        "downgrade_body": "op.drop_column(...)",
    }
    values.update(changes)
    return RevisionSource(**values)  # type: ignore[arg-type]


def read_back(text: str) -> tuple[object, object, str]:
    tree = ast.parse(text)
    found = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    doc = ast.get_docstring(tree, clean=False) or ""
    return found["revision"], found["down_revision"], doc.splitlines()[0] if doc else ""


def test_default_template_exact_shape() -> None:
    assert render_revision(DEFAULT_TEMPLATE, source()) == EXPECTED


def test_base_revision() -> None:
    text = render_revision(DEFAULT_TEMPLATE, source(down_revisions=(), upgrade_body="", downgrade_body=""))
    assert "down_revision = None\n" in text
    assert "Revises:\n" in text
    assert "def upgrade() -> None:\n    pass\n" in text
    assert read_back(text) == ("3f2a9c1b7d4e", None, "Add last updated")


def test_merge_tuple_labels_depends_and_imports() -> None:
    text = render_revision(
        DEFAULT_TEMPLATE,
        source(
            down_revisions=("aaa", "bbb"),
            branch_labels=("feat",),
            depends_on=("ccc", "ddd"),
            imports=("from sqlalchemy.dialects import postgresql", "import sqlalchemy as sa"),
        ),
    )
    assert 'down_revision = ("aaa", "bbb")\n' in text
    assert "Revises: aaa, bbb\n" in text
    assert 'branch_labels = "feat"\n' in text
    assert 'depends_on = ("ccc", "ddd")\n' in text
    assert "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n\nfrom dbshift" in text
    assert text.count("import sqlalchemy as sa") == 1
    assert read_back(text)[1] == ("aaa", "bbb")


@pytest.mark.parametrize(
    "message",
    [
        'Say "hi"',
        'ends with a quote"',
        'has """ triple',
        "back\\slash \\n",
        "it's",
        "tab\there",
        "nul\x00",
    ],
)
def test_awkward_messages_still_compile(message: str, tmp_path: Path) -> None:
    text = render_revision(DEFAULT_TEMPLATE, source(message=message))
    compile(text, "x.py", "exec")
    assert read_back(text)[2] == message
    (tmp_path / "versions").mkdir()
    write_revision(tmp_path / "versions", "%(rev)s_%(slug)s", DEFAULT_TEMPLATE, source(message=message))
    (rev,) = ScriptDirectory(tmp_path).revisions()
    assert rev.message == message


def test_multi_line_body_is_indented() -> None:
    body = "with op.batch_alter_table('t') as batch:\n    batch.drop_column('x')\n"
    text = render_revision(DEFAULT_TEMPLATE, source(upgrade_body=body))
    assert "    with op.batch_alter_table('t') as batch:\n        batch.drop_column('x')\n" in text
    compile(text, "x.py", "exec")


def test_template_with_indented_placeholders() -> None:
    template = (
        'revision = "${revision}"\n'
        "down_revision = ${down_revision}\n\n"
        "def upgrade():\n    ${upgrades}\n\n"
        "def downgrade():\n    ${downgrades}\n"
    )
    text = render_revision(template, source(upgrade_body="a()\nb()"))
    assert "def upgrade():\n    a()\n    b()\n" in text


def test_unknown_placeholder() -> None:
    with pytest.raises(ScriptError, match=r"unknown placeholder \$\{nope\}"):
        render_revision("${nope}", source())


def test_invalid_revision_id() -> None:
    with pytest.raises(ScriptError, match="invalid revision id 'a\"b'"):
        render_revision(DEFAULT_TEMPLATE, source(rev_id='a"b'))


def test_new_revision_id() -> None:
    ids = {new_revision_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[0-9a-f]{12}", i) for i in ids)


def test_slugify_follows_alembic() -> None:
    """Word characters of any script kept, joined by "_", lower-cased; cut at a "_" and marked."""
    assert slugify("Add last updated!") == "add_last_updated"
    assert slugify("  Crème brûlée -- v2  ") == "crème_brûlée_v2"
    assert slugify("a__b--c") == "a__b_c"
    assert slugify("path/../x") == "path_x"
    assert slugify("") == ""
    assert slugify(None) == ""
    assert slugify("one two three four", max_len=10) == "one_two_"
    assert slugify("x" * 50, max_len=10) == "x" * 10 + "_"
    assert slugify("x" * 39 + " y") == "x" * 39 + "_"
    assert slugify("x" * 50, max_len=0) == "x" * 40 + "_"  # 0 means the default, as in Alembic


def test_revision_filename() -> None:
    assert revision_filename("%(rev)s_%(slug)s", "abc", "Add users", WHEN) == "abc_add_users.py"
    dated = "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d%(second).2d_%(rev)s_%(slug)s"
    assert revision_filename(dated, "abc", "x", datetime(2026, 1, 2, 3, 4, 5)) == ("2026_01_02_030405_abc_x.py")
    assert revision_filename("%(rev)s_%(slug)s", "abc", "!!!", WHEN) == "abc_.py"  # as Alembic names it
    assert revision_filename("%(rev)s_%(slug)s", "abc", "one two three", WHEN, truncate_slug_length=5) == "abc_one_.py"
    assert revision_filename("%(year)d/%(month).2d/%(rev)s", "abc", "x", WHEN) == "2026/11/abc.py"
    with pytest.raises(ConfigError, match="file_template"):
        revision_filename("%(nope)s", "abc", "x", WHEN)
    for unusable in ("../%(rev)s", "/abs/%(rev)s", "a//%(rev)s", ".hidden/%(rev)s", "_%(rev)s", "a\\%(rev)s"):
        with pytest.raises(ConfigError, match="unusable file name"):
            revision_filename(unusable, "abc", "x", WHEN)


def test_write_and_read_back(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    path = write_revision(versions, "%(rev)s_%(slug)s", DEFAULT_TEMPLATE, source())
    assert path == versions / "3f2a9c1b7d4e_add_last_updated.py"
    assert path.read_text() == EXPECTED
    merge = source(
        rev_id="9e9e9e9e9e9e",
        message="merge heads",
        down_revisions=("3f2a9c1b7d4e", "1a2b3c4d5e6f"),
    )
    base = source(rev_id="1a2b3c4d5e6f", message="Init", down_revisions=())
    write_revision(versions, "%(rev)s_%(slug)s", DEFAULT_TEMPLATE, merge)
    write_revision(versions, "%(rev)s_%(slug)s", DEFAULT_TEMPLATE, base)
    graph = ScriptDirectory(tmp_path).graph()
    assert graph.heads == ("9e9e9e9e9e9e",)
    assert graph.get("9e9e9e9e9e9e").down_revisions == ("3f2a9c1b7d4e", "1a2b3c4d5e6f")
    assert graph.get("3f2a9c1b7d4e").message == "Add last updated"
    assert graph.get("3f2a9c1b7d4e").create_date == "2026-11-20 23:40:01.123456"


def test_write_refuses_to_overwrite(tmp_path: Path) -> None:
    path = write_revision(tmp_path, "%(rev)s", DEFAULT_TEMPLATE, source())
    path.write_text("# mine\n")
    with pytest.raises(ScriptError, match="already exists; not overwriting"):
        write_revision(tmp_path, "%(rev)s", DEFAULT_TEMPLATE, source())
    assert path.read_text() == "# mine\n"


def test_write_refuses_invalid_python(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="rendered revision is not valid Python"):
        write_revision(tmp_path, "%(rev)s", DEFAULT_TEMPLATE, source(upgrade_body="op.add_column("))
    assert list(tmp_path.iterdir()) == []


# -- dates and time zones ------------------------------------------------------------------


def test_creation_date_without_zone_is_local_and_naive() -> None:
    assert creation_date(None, now=WHEN) == WHEN
    assert creation_date(None).tzinfo is None


def test_creation_date_in_a_zone_as_alembic_shows_it() -> None:
    noon_utc = datetime(2026, 7, 1, 12, 0, 0, 5, tzinfo=timezone.utc)
    paris = creation_date("Europe/Paris", now=noon_utc)
    assert str(paris) == "2026-07-01 14:00:00.000005+02:00"
    assert str(creation_date("utc", now=noon_utc)) == "2026-07-01 12:00:00.000005+00:00"  # upper-cased retry
    # File names use the zone's wall clock; epoch is the same instant everywhere.
    name = revision_filename("%(epoch)s_%(hour).2d_%(rev)s", "abc", "x", paris)
    assert name == f"{int(noon_utc.timestamp())}_14_abc.py"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "europe/paris", "../etc/passwd", "Europe", ""])
def test_unknown_time_zone_names_the_setting(zone: str) -> None:
    with pytest.raises(ConfigError) as info:
        creation_date(zone, setting="alembic.ini: 'timezone'")
    assert str(info.value).startswith("alembic.ini: 'timezone': unknown time zone")
    assert "\n" not in str(info.value)


# -- writing ---------------------------------------------------------------------------------


def test_sub_folders_from_file_template_need_recursive_listing(tmp_path: Path) -> None:
    dated = "%(year)d/%(month).2d/%(rev)s_%(slug)s"
    with pytest.raises(ConfigError, match="recursive_version_locations"):
        write_revision(tmp_path, dated, DEFAULT_TEMPLATE, source())
    assert list(tmp_path.iterdir()) == []
    path = write_revision(tmp_path, dated, DEFAULT_TEMPLATE, source(), recursive=True)
    assert path == tmp_path / "2026" / "11" / "3f2a9c1b7d4e_add_last_updated.py"
    assert [r.revision for r in ScriptDirectory(tmp_path.parent, (tmp_path,), recursive=True).revisions()] == [
        "3f2a9c1b7d4e"
    ]


def test_missing_folder_is_created_only_when_asked(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="revisions folder not found"):
        write_revision(tmp_path / "new", "%(rev)s", DEFAULT_TEMPLATE, source())
    path = write_revision(tmp_path / "new", "%(rev)s", DEFAULT_TEMPLATE, source(), create_folder=True)
    assert path.read_text() == EXPECTED


def test_write_leaves_no_temporary_files_and_a_readable_file(tmp_path: Path) -> None:
    path = write_revision(tmp_path, "%(rev)s", DEFAULT_TEMPLATE, source())
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_without_hard_links_still_refuses_to_overwrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(src: str, dst: str) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = write_revision(tmp_path, "%(rev)s", DEFAULT_TEMPLATE, source())
    assert path.read_text() == EXPECTED
    with pytest.raises(ScriptError, match="already exists; not overwriting"):
        write_revision(tmp_path, "%(rev)s", DEFAULT_TEMPLATE, source())
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync = os.fsync

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(ScriptError, match="cannot write: No space left on device"):
        write_revision(tmp_path, "%(rev)s", DEFAULT_TEMPLATE, source())
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert list(tmp_path.iterdir()) == []


def test_rendered_identifiers_are_checked(tmp_path: Path) -> None:
    template = DEFAULT_TEMPLATE.replace("branch_labels = ${branch_labels}", "branch_labels = None")
    with pytest.raises(ScriptError, match=r"declares branch_labels None instead of 'feat'"):
        write_revision(tmp_path, "%(rev)s", template, source(branch_labels=("feat",)))
    assert list(tmp_path.iterdir()) == []


def test_check_written_after_hooks(tmp_path: Path) -> None:
    path = write_revision(tmp_path, "%(rev)s", DEFAULT_TEMPLATE, source())
    check_written(path, source(), "the post-write hooks")
    path.write_text(path.read_text().replace('"1a2b3c4d5e6f"', '"other"'))
    with pytest.raises(ScriptError, match=r"after the post-write hooks; the file was kept\) declares down_revision"):
        check_written(path, source(), "the post-write hooks")
    path.write_text("def broken(:\n")
    with pytest.raises(ScriptError, match=r"syntax error .*after the post-write hooks; the file was kept"):
        check_written(path, source(), "the post-write hooks")


def test_load_template_kinds(tmp_path: Path) -> None:
    (tmp_path / "script.py.tmpl").write_text("${revision}\n")
    native = load_template(tmp_path)
    assert not native.is_mako and native.text == "${revision}\n" and native.path == tmp_path / "script.py.tmpl"
    (tmp_path / "other.mako").write_bytes(b"## -*- coding: latin-1 -*-\n# caf\xe9 ${up_revision}\n")
    latin = load_template(tmp_path, "other.mako")
    assert latin.is_mako and "café" in latin.text
    (tmp_path / "bad.tmpl").write_bytes(b"caf\xe9")
    with pytest.raises(ScriptError, match=r"bad\.tmpl: revision template is not utf-8 text"):
        load_template(tmp_path, "bad.tmpl")
