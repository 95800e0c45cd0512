"""``dbshift init``: the files it creates and what it refuses to touch."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import pytest

from dbshift.commands.init import InitResult, init
from dbshift.config import load_config
from dbshift.errors import ConfigError

TEMPLATE = '"""${message}"""\nrevision = ${repr_rev}\n'


def test_creates_the_folder_and_config(tmp_path: Path) -> None:
    result = init(cwd=tmp_path, template_text=TEMPLATE)

    folder = tmp_path / "migrations"
    assert result.created == [
        folder,
        folder / "README.md",
        folder / "script.py.tmpl",
        folder / "versions",
        folder / "versions" / ".gitkeep",
        tmp_path / "dbshift.toml",
    ]
    assert result.config_file == tmp_path / "dbshift.toml"
    assert result.skipped == []
    assert (folder / "script.py.tmpl").read_text(encoding="utf-8") == TEMPLATE
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for command in (
        "revision --autogenerate",
        "upgrade head",
        "downgrade -1",
        "current",
        "history",
        "check",
    ):
        assert f"dbshift {command}" in readme
    assert "script.py.tmpl" in readme and "${" in readme and "env.py" in readme


def test_lines_describe_what_happened(tmp_path: Path) -> None:
    result = init(cwd=tmp_path, template_text=TEMPLATE)
    assert result.lines() == [
        "Created migrations/",
        "Created migrations/README.md",
        "Created migrations/script.py.tmpl",
        "Created migrations/versions/",
        "Created migrations/versions/.gitkeep",
        "Created dbshift.toml",
        ('Next: set url and target_metadata in dbshift.toml, then run: dbshift revision --autogenerate -m "initial"'),
    ]


def test_written_config_parses_and_loads(tmp_path: Path) -> None:
    init("db/migrations", cwd=tmp_path, template_text=TEMPLATE)
    text = (tmp_path / "dbshift.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["dbshift"]["script_location"] == "db/migrations"
    assert '# target_metadata = "myapp.models:Base.metadata"' in text

    config = load_config(cwd=tmp_path, environ={})
    assert config.script_location == tmp_path.resolve() / "db" / "migrations"
    assert config.url == f"sqlite:///{tmp_path.resolve() / 'app.sqlite'}"
    assert config.version_table == "dbshift_version"
    assert config.exclude_tables == ()


def test_empty_existing_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    result = init(cwd=tmp_path, template_text=TEMPLATE)
    assert tmp_path / "migrations" not in result.created
    assert (tmp_path / "migrations" / "versions" / ".gitkeep").is_file()


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        init(cwd=tmp_path, template_text=TEMPLATE)
    assert str(exc.value) == "migrations/ already exists and is not empty"
    assert not (tmp_path / "dbshift.toml").exists()
    assert sorted(p.name for p in (tmp_path / "migrations").iterdir()) == ["notes.txt"]


def test_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "migrations").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="^migrations already exists and is not a folder$"):
        init(cwd=tmp_path, template_text=TEMPLATE)


def test_existing_dbshift_toml_is_not_overwritten(tmp_path: Path) -> None:
    original = '[dbshift]\nscript_location = "migrations"\nurl = "postgresql://h/db"\n'
    (tmp_path / "dbshift.toml").write_text(original, encoding="utf-8")

    result = init(cwd=tmp_path, template_text=TEMPLATE)

    assert (tmp_path / "dbshift.toml").read_text(encoding="utf-8") == original
    assert tmp_path / "dbshift.toml" not in result.created
    assert result.config_file == tmp_path / "dbshift.toml"
    assert result.skipped == ["Skipped dbshift.toml: it already exists and was left unchanged"]
    assert result.skipped[0] in result.lines()
    assert (tmp_path / "migrations" / "script.py.tmpl").is_file()


def test_existing_config_pointing_elsewhere_is_flagged(tmp_path: Path) -> None:
    (tmp_path / "dbshift.toml").write_text('[dbshift]\nscript_location = "db"\n', encoding="utf-8")
    result = init(cwd=tmp_path, template_text=TEMPLATE)
    assert result.skipped == [
        ("Skipped dbshift.toml: it already exists and was left unchanged (its script_location is db, not migrations)")
    ]


def test_pyproject_with_tool_table_is_not_shadowed(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.dbshift]\nscript_location = "migrations"\n', encoding="utf-8")
    result = init(cwd=tmp_path, template_text=TEMPLATE)
    assert not (tmp_path / "dbshift.toml").exists()
    assert result.config_file == pyproject
    assert "pyproject.toml" in result.lines()[-1]


def test_default_template_comes_from_the_writer(tmp_path: Path) -> None:
    writer = pytest.importorskip("dbshift.script.writer")
    init(cwd=tmp_path)
    text = (tmp_path / "migrations" / "script.py.tmpl").read_text(encoding="utf-8")
    assert text == writer.DEFAULT_TEMPLATE


def test_result_is_a_plain_value(tmp_path: Path) -> None:
    result = InitResult(created=[], config_file=tmp_path / "dbshift.toml", skipped=[])
    assert result.lines()[-1].startswith("Next: set url and target_metadata in ")
