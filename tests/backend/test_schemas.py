"""Tables in schemas other than the default one, through the real CLI.

The schemas the models name are read back (no setting needed), so a second autogenerate finds
nothing; the ``schemas`` setting adds schemas whose tables the models do not declare; such a
table (in any schema but the default one) is reported and kept unless ``--drop-unknown`` or
``--drop-table SCHEMA.TABLE`` asks for its drop. On MariaDB a schema is a database, which works
the same; SQLite has no schemas (attached databases are not supported): the tests that need one
skip there, and a model naming one is a clear error.

Each test creates its own uniquely named schemas and drops them (CASCADE) at the end.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli_helpers import ScratchProject, assert_one_line_error, run_cli
from tests.compat.project import AlembicProject
from tests.conftest import Database

NewSchema = Callable[[], str]


@pytest.fixture
def new_schema(database: Database) -> Iterator[NewSchema]:
    """Makes a uniquely named schema (a database on MariaDB) in the test's server, dropped afterwards."""
    if database.backend == "sqlite":
        pytest.skip("SQLite has no schemas (attached databases are not supported)")
    engine = sa.create_engine(database.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    made: list[str] = []

    def make() -> str:
        name = f"s_{uuid.uuid4().hex[:10]}"
        with engine.connect() as conn:
            conn.execute(sa.schema.CreateSchema(name))
        made.append(name)
        return name

    try:
        yield make
    finally:
        with engine.connect() as conn:
            for name in made:
                conn.execute(sa.schema.DropSchema(name, cascade=database.backend == "postgresql", if_exists=True))
        engine.dispose()


def postgresql_only(database: Database, why: str) -> None:
    if database.backend != "postgresql":
        pytest.skip(why)


def project_with(database: Database, tmp_path: Path, models: str, **settings: str | list[str]) -> ScratchProject:
    p = ScratchProject(tmp_path / "project", database.url, target_metadata="app.models:metadata", **settings)
    p.write("app/__init__.py", "")
    p.write("app/models.py", "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n" + models)
    return p


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def autogenerate(project: ScratchProject, *flags: str) -> str:
    return ok(project.run("revision", "--autogenerate", "-m", "step", *flags))


def tables_of(database: Database, schema: str | None) -> set[str]:
    engine = database.engine()
    try:
        return set(sa.inspect(engine).get_table_names(schema=schema)) - {"dbshift_version", "dbshift_version_log"}
    finally:
        engine.dispose()


def create_table(database: Database, schema: str, name: str, rows: int = 0) -> None:
    """A table the models do not declare, holding ``rows`` rows."""
    md = sa.MetaData()
    table = sa.Table(name, md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), schema=schema)
    engine = database.engine()
    try:
        with engine.begin() as conn:
            md.create_all(conn)
            if rows:
                conn.execute(table.insert(), [{"id": i} for i in range(1, rows + 1)])
    finally:
        engine.dispose()


def note(key: str) -> str:
    return (
        f"Note: table {key} is in the database but not in the models: kept; "
        f"pass --drop-unknown to drop such tables, or --drop-table {key}"
    )


# -- the blocking bug: tables of the models' schemas are read back -----------------------------------
def test_a_table_in_another_schema_is_created_once(database: Database, tmp_path: Path, new_schema: NewSchema) -> None:
    s = new_schema()
    p = project_with(
        database,
        tmp_path,
        f"""
sa.Table("items", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.Text), schema={s!r})
""",
    )
    first = autogenerate(p)
    assert f"Detected added table '{s}.notes'" in first
    ok(p.run("upgrade", "head"))
    assert tables_of(database, s) == {"notes"}

    second = autogenerate(p)
    assert "No changes detected" in second and "Note:" not in second
    assert len(p.revision_files()) == 1
    assert "No differences" in ok(p.run("check"))

    ok(p.run("downgrade", "base"))
    assert tables_of(database, s) == set()
    assert tables_of(database, None) == set()


def test_a_metadata_schema_applies_to_foreign_keys_named_without_one(
    database: Database, tmp_path: Path, new_schema: NewSchema
) -> None:
    """``MetaData(schema=S)`` with ``ForeignKey("customers.id")``: SQLAlchemy resolves S.customers."""
    s = new_schema()
    p = project_with(database, tmp_path, "")
    p.write(
        "app/models.py",
        f"""
        import sqlalchemy as sa

        metadata = sa.MetaData(schema={s!r})
        sa.Table("customers", metadata, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table(
            "orders",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("customer_id", sa.ForeignKey("customers.id")),
        )
        """,
    )
    autogenerate(p)
    ok(p.run("upgrade", "head"))
    assert "No changes detected" in autogenerate(p)
    assert "No differences" in ok(p.run("check"))


def test_a_model_naming_the_default_schema_is_not_created_twice(database: Database, tmp_path: Path) -> None:
    if database.backend == "sqlite":
        pytest.skip("SQLite has no schemas (attached databases are not supported)")
    engine = database.engine()
    try:
        default = sa.inspect(engine).default_schema_name
    finally:
        engine.dispose()
    p = project_with(
        database,
        tmp_path,
        f"""
sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={default!r})
sa.Table(
    "child",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent_id", sa.ForeignKey("{default}.parent.id")),
)
""",
    )
    assert "Detected added table 'parent'" in autogenerate(p)
    ok(p.run("upgrade", "head"))
    assert tables_of(database, None) == {"parent", "child"}
    assert "No changes detected" in autogenerate(p)


# -- PostgreSQL: foreign keys between schemas, enum types in another schema ------------------------
def test_foreign_keys_across_schemas(database: Database, tmp_path: Path, new_schema: NewSchema) -> None:
    postgresql_only(database, "foreign keys between databases: PostgreSQL's schemas only")
    s, t = new_schema(), new_schema()
    p = project_with(
        database,
        tmp_path,
        f"""
sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("customers", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={s!r})
sa.Table(
    "child",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent_id", sa.ForeignKey("parent.id")),
    sa.Column("customer_id", sa.ForeignKey("{s}.customers.id")),
    schema={s!r},
)
sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.ForeignKey("{s}.customers.id", ondelete="CASCADE")),
)
sa.Table(
    "lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id")),
    sa.Column("child_id", sa.ForeignKey("{s}.child.id")),
    schema={t!r},
)
""",
    )
    autogenerate(p)
    ok(p.run("upgrade", "head"))
    engine = database.engine()
    try:
        fks = sa.inspect(engine).get_foreign_keys("lines", schema=t)
    finally:
        engine.dispose()
    assert sorted((f["referred_table"], f["referred_schema"]) for f in fks) == [("child", s), ("orders", None)]

    assert "No changes detected" in autogenerate(p)
    assert "No differences" in ok(p.run("check"))
    ok(p.run("downgrade", "base"))
    assert tables_of(database, s) == tables_of(database, t) == tables_of(database, None) == set()


def test_enum_types_in_another_schema(database: Database, tmp_path: Path, new_schema: NewSchema) -> None:
    postgresql_only(database, "named enum types are PostgreSQL's")
    s, types = new_schema(), new_schema()
    p = project_with(
        database,
        tmp_path,
        f"""
sa.Table(
    "moods",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("mood", sa.Enum("happy", "sad", name="mood", schema={s!r})),
    schema={s!r},
)
sa.Table(
    "shirts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("size", sa.Enum("s", "m", "l", name="size", schema={types!r})),
)
""",
    )
    first = autogenerate(p)
    assert f"Detected added enum type '{s}.mood'" in first
    assert f"Detected added enum type '{types}.size'" in first
    ok(p.run("upgrade", "head"))
    engine = database.engine()
    try:
        insp = sa.inspect(engine)
        assert [e["name"] for e in insp.get_enums(schema=s)] == ["mood"]  # type: ignore[attr-defined]
        assert [e["name"] for e in insp.get_enums(schema=types)] == ["size"]  # type: ignore[attr-defined]
    finally:
        engine.dispose()

    assert "No changes detected" in autogenerate(p)
    assert "No differences" in ok(p.run("check"))

    models = p.root / "app" / "models.py"
    models.write_text(models.read_text(encoding="utf-8").replace('"happy", "sad"', '"happy", "sad", "meh"'))
    assert f"{s}.mood" in autogenerate(p)  # a value added to the type in the other schema
    ok(p.run("upgrade", "head"))
    engine = database.engine()
    try:
        (mood,) = sa.inspect(engine).get_enums(schema=s)  # type: ignore[attr-defined]
        assert mood["labels"] == ["happy", "sad", "meh"]
    finally:
        engine.dispose()
    assert "No changes detected" in autogenerate(p)

    ok(p.run("downgrade", "base"))
    engine = database.engine()
    try:
        insp = sa.inspect(engine)
        assert insp.get_enums(schema=s) == insp.get_enums(schema=types) == []  # type: ignore[attr-defined]
    finally:
        engine.dispose()


# -- tables the models do not declare -------------------------------------------------------------
def test_an_unknown_table_of_a_setting_schema_is_reported_and_kept(
    database: Database, tmp_path: Path, new_schema: NewSchema
) -> None:
    s = new_schema()
    create_table(database, s, "audit", rows=3)
    p = project_with(
        database, tmp_path, 'sa.Table("items", metadata, sa.Column("id", sa.Integer, primary_key=True))\n', schemas=[s]
    )
    out = autogenerate(p)
    assert "Detected added table 'items'" in out
    assert out.splitlines()[-1] == note(f"{s}.audit")  # reported last
    (written,) = p.revision_files()
    assert "audit" not in (p.versions / written).read_text(encoding="utf-8")
    ok(p.run("upgrade", "head"))
    assert tables_of(database, s) == {"audit"}

    again = autogenerate(p)
    assert again.splitlines() == ["No changes detected", note(f"{s}.audit")]
    checked = ok(p.run("check"))
    assert checked.splitlines() == ["No differences: the database matches the models.", note(f"{s}.audit")]


def test_the_default_schema_still_drops_a_table_the_models_lost(
    database: Database, tmp_path: Path, new_schema: NewSchema
) -> None:
    s = new_schema()
    p = project_with(database, tmp_path, "", schemas=[s])
    p.add_table_revision("aaa111", None, "old")
    p.upgrade_in_process("head")
    out = autogenerate(p)
    assert "Detected removed table 'old'" in out and "Note:" not in out
    # --drop-table may name it too, with the default schema's name or without
    engine = database.engine()
    try:
        default = sa.inspect(engine).default_schema_name
    finally:
        engine.dispose()
    for name in ("old", f"{default}.old"):
        for written in p.versions.glob("*_step.py"):
            written.unlink()
        out = autogenerate(p, "--drop-table", name)
        assert "Detected removed table 'old'" in out
    assert_one_line_error(p.run("revision", "--drop-unknown"), "--drop-unknown needs --autogenerate")


def test_drop_unknown_drops_them_and_the_downgrade_brings_them_back(
    database: Database, tmp_path: Path, new_schema: NewSchema
) -> None:
    s = new_schema()
    create_table(database, s, "audit", rows=2)
    create_table(database, s, "archive")
    p = project_with(database, tmp_path, "", schemas=[s])

    result = p.run("check", "--drop-unknown")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"removed table '{s}.archive'" in result.stdout and f"removed table '{s}.audit'" in result.stdout
    assert "Note:" not in result.stdout

    out = autogenerate(p, "--drop-unknown")
    assert f"Detected removed table '{s}.audit'" in out and f"Detected removed table '{s}.archive'" in out
    assert "Warning: data loss" in out and "Note:" not in out
    ok(p.run("upgrade", "head"))
    assert tables_of(database, s) == set()
    assert "No differences" in ok(p.run("check"))

    ok(p.run("downgrade", "base"))
    assert tables_of(database, s) == {"audit", "archive"}


def test_drop_table_drops_only_the_tables_named(database: Database, tmp_path: Path, new_schema: NewSchema) -> None:
    s = new_schema()
    create_table(database, s, "audit")
    create_table(database, s, "archive")
    p = project_with(database, tmp_path, "", schemas=[s])
    out = autogenerate(p, "--drop-table", f"{s}.audit")
    assert f"Detected removed table '{s}.audit'" in out
    assert f"'{s}.archive'" not in out and out.splitlines()[-1] == note(f"{s}.archive")
    ok(p.run("upgrade", "head"))
    assert tables_of(database, s) == {"archive"}
    ok(p.run("downgrade", "-1"))
    assert tables_of(database, s) == {"audit", "archive"}


def test_drop_table_alone_compares_its_schema(database: Database, tmp_path: Path, new_schema: NewSchema) -> None:
    """No setting names the schema: ``--drop-table S.audit`` is enough."""
    s = new_schema()
    create_table(database, s, "audit")
    p = project_with(database, tmp_path, "")
    assert f"Detected removed table '{s}.audit'" in autogenerate(p, "--drop-table", f"{s}.audit")


def test_drop_table_naming_no_such_table_is_refused(database: Database, tmp_path: Path, new_schema: NewSchema) -> None:
    s = new_schema()
    create_table(database, s, "audit")
    p = project_with(
        database, tmp_path, f'sa.Table("kept", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={s!r})\n'
    )
    result = p.run("revision", "--autogenerate", "--drop-table", f"{s}.audti")
    assert_one_line_error(result, f"--drop-table {s}.audti", f"no table {s}.audti")
    result = p.run("revision", "--autogenerate", "--drop-table", f"{s}.kept")
    assert_one_line_error(result, f"--drop-table {s}.kept", "the models declare")
    result = p.run("check", "--drop-table", f"{s}.audti")
    assert_one_line_error(result, f"--drop-table {s}.audti")
    assert p.revision_files() == []
    assert tables_of(database, s) == {"audit"}


def test_exclude_tables_keeps_working(database: Database, tmp_path: Path, new_schema: NewSchema) -> None:
    s = new_schema()
    for name in ("audit", "legacy_a", "other"):
        create_table(database, s, name)
    p = project_with(database, tmp_path, "", schemas=[s], exclude_tables=["audit", f"{s}.legacy_*"])
    kept = autogenerate(p)
    assert kept.splitlines() == ["No changes detected", note(f"{s}.other")]  # nothing said of excluded ones
    result = p.run("revision", "--autogenerate", "--drop-table", f"{s}.audit")
    assert_one_line_error(result, f"--drop-table {s}.audit", "exclude_tables")
    out = autogenerate(p, "--drop-unknown")
    assert f"Detected removed table '{s}.other'" in out
    assert "audit" not in out and "legacy_a" not in out


# -- schemas the database lacks; the setting's validation ----------------------------------------
def test_a_schema_the_database_lacks_is_a_clear_error(database: Database, tmp_path: Path) -> None:
    missing = f"nope_{uuid.uuid4().hex[:8]}"
    p = project_with(
        database,
        tmp_path,
        f'sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={missing!r})\n',
    )
    result = p.run("revision", "--autogenerate")
    if database.backend == "sqlite":
        assert_one_line_error(result, f"table {missing}.notes", "SQLite has no schemas")
    else:
        assert_one_line_error(
            result, f"table {missing}.notes in schema '{missing}'", f'sa.schema.CreateSchema("{missing}")'
        )
    assert p.revision_files() == []

    p.write("app/models.py", "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n")
    p.write_config(url=database.url, target_metadata="app.models:metadata", schemas=[missing])
    assert_one_line_error(p.run("revision", "--autogenerate"), f"the 'schemas' setting names schema '{missing}'")
    assert p.revision_files() == []


@pytest.mark.parametrize(
    ("value", "needle"),
    [('"audit"', "must be an array of schema names"), ("[1]", "item 1 is an integer"), ('[""]', "item 1")],
)
def test_the_schemas_setting_must_be_a_list_of_names(tmp_path: Path, value: str, needle: str) -> None:
    p = ScratchProject(tmp_path / "project", "sqlite:///app.sqlite")
    p.config_path.write_text(f'[dbshift]\nurl = "sqlite:///app.sqlite"\nschemas = {value}\n', encoding="utf-8")
    assert_one_line_error(p.run("heads"), "dbshift.toml", "'schemas'", needle)


# -- Alembic projects: include_schemas=True in env.py ---------------------------------------------
def test_an_alembic_env_with_include_schemas(database: Database, tmp_path: Path, new_schema: NewSchema) -> None:
    postgresql_only(database, "include_schemas on MariaDB compares every database of the server, other runs' too")
    s = new_schema()
    create_table(database, s, "audit")
    p = AlembicProject(tmp_path, database.url, metadata="shopx.models.metadata", env_options="include_schemas=True")
    p.import_in_env("shopx.models")
    p.write("shopx/__init__.py", "")
    p.write(
        "shopx/models.py",
        f"""
        import sqlalchemy as sa

        metadata = sa.MetaData()
        sa.Table("items", metadata, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={s!r})
        """,
    )
    first = ok(run_cli(p.root, "revision", "--autogenerate", "-m", "first"))
    assert f"Detected added table '{s}.notes'" in first
    assert note(f"{s}.audit") in first.splitlines()
    ok(run_cli(p.root, "upgrade", "head"))
    second = ok(run_cli(p.root, "revision", "--autogenerate", "-m", "second"))
    assert "No changes detected" in second and note(f"{s}.audit") in second.splitlines()
    assert tables_of(database, s) == {"audit", "notes"}


def test_an_alembic_include_name_refusing_a_schema_leaves_it_out(
    database: Database, tmp_path: Path, new_schema: NewSchema
) -> None:
    """Both sides: the models' tables there are not proposed again and again (Alembic's are)."""
    postgresql_only(database, "include_schemas on MariaDB compares every database of the server, other runs' too")
    s, other = new_schema(), new_schema()
    create_table(database, other, "theirs")
    create_table(database, other, "ours")  # as if created by hand: the models declare it too
    p = AlembicProject(
        tmp_path,
        database.url,
        metadata="shopy.models.metadata",
        env_options="include_schemas=True, include_name=shopy.models.include_name",
    )
    p.import_in_env("shopy.models")
    p.write("shopy/__init__.py", "")
    p.write(
        "shopy/models.py",
        f"""
        import sqlalchemy as sa

        metadata = sa.MetaData()
        sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={s!r})
        sa.Table("ours", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={other!r})


        def include_name(name, type_, parents):
            return not (type_ == "schema" and name == {other!r})
        """,
    )
    out = ok(run_cli(p.root, "revision", "--autogenerate", "-m", "first"))
    assert f"Detected added table '{s}.notes'" in out
    assert other not in out


def test_include_object_sees_a_model_naming_the_default_schema(database: Database, tmp_path: Path) -> None:
    if database.backend == "sqlite":
        pytest.skip("SQLite has no schemas (attached databases are not supported)")
    engine = database.engine()
    try:
        default = sa.inspect(engine).default_schema_name
    finally:
        engine.dispose()
    p = AlembicProject(
        tmp_path, database.url, metadata="shopz.models.metadata", env_options="include_object=shopz.models.include"
    )
    p.import_in_env("shopz.models")
    p.write("shopz/__init__.py", "")
    p.write(
        "shopz/models.py",
        f"""
        import sqlalchemy as sa

        metadata = sa.MetaData()
        sa.Table("kept", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={default!r})
        sa.Table(
            "skipped", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={default!r}, info={{"skip": 1}}
        )


        def include(obj, name, type_, reflected, compare_to):
            return not (type_ == "table" and obj.info.get("skip"))
        """,
    )
    out = ok(run_cli(p.root, "revision", "--autogenerate", "-m", "first"))
    assert "Detected added table 'kept'" in out
    assert "skipped" not in out


def test_an_enum_type_naming_the_default_schema(database: Database, tmp_path: Path) -> None:
    postgresql_only(database, "named enum types are PostgreSQL's")
    engine = database.engine()
    try:
        default = sa.inspect(engine).default_schema_name
    finally:
        engine.dispose()
    p = project_with(
        database,
        tmp_path,
        f"""
sa.Table(
    "moods",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("mood", sa.Enum("happy", "sad", name="mood", schema={default!r})),
    sa.Column("moods", sa.ARRAY(sa.Enum("happy", "sad", name="mood", schema={default!r}))),
    sa.Column("size", sa.Enum("s", "m", name="size", inherit_schema=True)),
    schema={default!r},
)
""",
    )
    first = autogenerate(p)
    assert "Detected added enum type 'mood'" in first and "Detected added enum type 'size'" in first
    ok(p.run("upgrade", "head"))
    assert "No changes detected" in autogenerate(p)
    ok(p.run("downgrade", "base"))


def test_a_schema_on_the_search_path_after_the_default_one(
    database: Database, tmp_path: Path, new_schema: NewSchema
) -> None:
    """PostgreSQL's own ``"$user", public``: a role named like its schema has ``public`` second on
    its search_path, where PostgreSQL names a foreign key's target without its schema."""
    postgresql_only(database, "the search_path is PostgreSQL's")
    s = new_schema()
    engine = database.engine()
    try:
        default = sa.inspect(engine).default_schema_name
    finally:
        engine.dispose()
    url = sa.make_url(database.url).update_query_dict({"options": f"-csearch_path={default},{s}"})
    p = project_with(
        database,
        tmp_path,
        f"""
sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("shared", metadata, sa.Column("id", sa.Integer, primary_key=True), schema={s!r})
sa.Table(
    "child",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("shared_id", sa.ForeignKey("{s}.shared.id")),
)
sa.Table(
    "other",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent_id", sa.ForeignKey("parent.id")),
    sa.Column("shared_id", sa.ForeignKey("{s}.shared.id")),
    schema={s!r},
)
""",
    )
    p.write_config(url=url.render_as_string(hide_password=False), target_metadata="app.models:metadata")
    create_table(database, s, "theirs")  # visible without a schema, yet not the default schema's
    first = autogenerate(p)
    assert "removed table" not in first and note(f"{s}.theirs") in first.splitlines()
    ok(p.run("upgrade", "head"))
    assert "No changes detected" in autogenerate(p)
    assert "No differences" in ok(p.run("check"))

    p.write("app/models.py", "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n")
    out = autogenerate(p)  # the models' tables are gone: the default schema's only are dropped
    assert "Detected removed table 'parent'" in out and "Detected removed table 'child'" in out
    assert "'theirs'" not in out and "'shared'" not in out and "'other'" not in out


def test_a_kept_table_is_no_rename_candidate(database: Database, tmp_path: Path, new_schema: NewSchema) -> None:
    """x.audit (kept) and the models' new x.events have the same columns: no rename is suggested."""
    s = new_schema()
    create_table(database, s, "audit")
    p = project_with(
        database,
        tmp_path,
        f"""
sa.Table("events", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), schema={s!r})
""",
    )
    out = autogenerate(p)
    assert f"Detected added table '{s}.events'" in out
    assert "--rename-table" not in out and out.splitlines()[-1] == note(f"{s}.audit")
    for written in p.versions.glob("*_step.py"):
        written.unlink()
    out = autogenerate(p, "--drop-unknown")
    assert "--rename-table" in out  # with --drop-unknown the table goes: a rename may be what was meant
