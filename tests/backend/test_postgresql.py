"""PostgreSQL's own features, run the way users run them: revision files, upgrade, downgrade.

Each test starts from the tables and rows of :mod:`tests.backend.test_op_api` (``parent``,
``items``, ``log``, stamped at ``r0``), runs a revision, checks the reflected schema and that
every row and value the change does not drop is still there, downgrades and checks again.

* indexes built and dropped ``CONCURRENTLY`` (outside the revision's transaction) between
  other statements, and ``op.get_context().autocommit_block()``;
* index options ``postgresql_where`` / ``_using`` / ``_include`` / ``_ops``, from ``op`` and
  from autogenerate;
* ``alter_column(..., postgresql_using=...)``;
* named ENUM types: created before the table or column that needs them when missing, and never
  dropped by an operation on its own (a revision drops them explicitly);
* ``schema=`` on every operation, and the version table in a schema;
* identity and sequence-backed columns.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dbshift.autogenerate.api import diff_database
from dbshift.autogenerate.compare import reverse_ops
from dbshift.autogenerate.render import render_ops
from dbshift.commands import migrate
from dbshift.config import build_config
from dbshift.errors import MigrationError
from tests.backend.test_op_api import (
    ITEM_ROWS,
    ITEMS,
    LOG_ROWS,
    PARENT_ROWS,
    Project,
    back,
    base_metadata,
    round_trip,
    unchanged_except,
)
from tests.conftest import Database, _fresh_postgresql, _selected

pytestmark = pytest.mark.backend


@pytest.fixture
def pg_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    if "postgresql" not in _selected(request.config):
        pytest.skip("PostgreSQL not selected with --db")
    yield from _fresh_postgresql(request.getfixturevalue("postgresql_session_database"))


def _fill(project: Project, md: sa.MetaData, schema: str | None = None) -> None:
    prefix = f"{schema}." if schema else ""
    with project.engine.begin() as conn:
        conn.execute(md.tables[prefix + "parent"].insert(), [dict(zip(("id", "code"), r)) for r in PARENT_ROWS])
        conn.execute(md.tables[prefix + "items"].insert(), [dict(zip(ITEMS, r)) for r in ITEM_ROWS])
        conn.execute(md.tables[prefix + "log"].insert(), [dict(zip(("id", "msg"), r)) for r in LOG_ROWS])
        conn.execute(sa.text(f"SELECT setval('{prefix}items_id_seq', 3)"))  # explicit ids do not move it


@pytest.fixture
def project(pg_database: Database, tmp_path: Path) -> Iterator[Project]:
    """Tables ``parent``, ``items`` and ``log`` holding rows; the database at revision ``r0``."""
    p = Project(tmp_path / "project", pg_database)
    md = base_metadata()
    md.create_all(p.engine)
    _fill(p, md)
    p.add("r0", None, message="baseline")
    p.upgrade("r0")
    try:
        yield p
    finally:
        p.engine.dispose()


@pytest.fixture
def extra_schema(project: Project) -> Iterator[str]:
    """A second schema (the test's own one is on the search path), dropped afterwards."""
    name = f"x_{uuid.uuid4().hex[:10]}"
    project.execute(f"CREATE SCHEMA {name}")
    try:
        yield name
    finally:
        project.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def scalar(project: Project, sql: str, **params: Any) -> Any:
    with project.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def column_values(project: Project, sql: str, **params: Any) -> list[Any]:
    with project.engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).scalars())


def enum_types(project: Project, schema: str | None = None) -> dict[str, list[str]]:
    """Enum types of a schema (default: the test's own) and their labels."""
    with project.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
                " JOIN pg_enum e ON e.enumtypid = t.oid"
                " WHERE n.nspname = coalesce(:schema, current_schema()) ORDER BY t.typname, e.enumsortorder"
            ),
            {"schema": schema},
        )
        out: dict[str, list[str]] = {}
        for name, label in rows:
            out.setdefault(name, []).append(label)
        return out


def sequences(project: Project, schema: str | None = None) -> list[str]:
    return column_values(
        project,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind = 'S' AND n.nspname = coalesce(:schema, current_schema())"
        " AND c.relname NOT LIKE 'dbshift\\_version\\_log\\_%' ORDER BY 1",  # the applied log's id
        schema=schema,
    )


def index_options(project: Project, table: str, schema: str | None = None) -> dict[str, dict[str, Any]]:
    with project.engine.connect() as conn:
        return {
            ix["name"]: {"columns": ix["column_names"], "unique": ix["unique"], **ix.get("dialect_options", {})}
            for ix in sa.inspect(conn).get_indexes(table, schema=schema)
        }


def invalid_indexes(project: Project) -> list[str]:
    return column_values(
        project, "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid"
    )


# --------------------------------------------------------------------------- CONCURRENTLY


def test_concurrent_index_between_other_statements(project: Project, extra_schema: str) -> None:
    project.execute(f"CREATE TABLE {extra_schema}.notes (id INTEGER PRIMARY KEY, body TEXT)")
    project.execute(f"INSERT INTO {extra_schema}.notes VALUES (1, 'x'), (2, 'y')")
    upgrade = """
    op.add_column("items", sa.Column("color", sa.String(20), server_default="none"))
    op.create_index("ix_items_color", "items", ["color"], postgresql_concurrently=True)
    op.execute("UPDATE items SET color = 'red' WHERE id = 1")
    op.create_index("ux_log_msg", "log", ["msg"], unique=True, postgresql_concurrently=True, if_not_exists=True)
    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))
    op.create_index("ix_notes_body", "notes", ["body"], schema=S, postgresql_concurrently=True)
    """.replace("schema=S", f"schema={extra_schema!r}")
    downgrade = """
    op.drop_index("ix_notes_body", "notes", schema=S, postgresql_concurrently=True)
    op.drop_table("tags")
    op.drop_index("ux_log_msg", "log", postgresql_concurrently=True, if_exists=True)
    op.execute("UPDATE items SET color = 'none'")
    op.drop_index("ix_items_color", "items", postgresql_concurrently=True)
    op.drop_column("items", "color")
    """.replace("schema=S", f"schema={extra_schema!r}")
    before, after = round_trip(project, upgrade, downgrade)
    assert ("ix_items_color", ("color",), False) in after[0]["items"]["indexes"]
    assert set(index_options(project, "notes", extra_schema)) == {"ix_notes_body"}
    assert ("ux_log_msg", ("msg",), True) in after[0]["log"]["indexes"]
    assert "tags" in after[0]
    assert invalid_indexes(project) == []
    assert project.rows("items", (*ITEMS, "color")) == [(*r, "red" if r[0] == 1 else "none") for r in ITEM_ROWS]
    assert after[1]["log"] == before[1]["log"]
    back(project, before)
    assert index_options(project, "notes", extra_schema) == {}
    assert project.rows(f"{extra_schema}.notes") == [(1, "x"), (2, "y")]


def test_failed_concurrent_index_keeps_what_ran_before_and_the_version(project: Project) -> None:
    project.execute("UPDATE items SET note = 'same'")
    upgrade = """
    op.add_column("log", sa.Column("seen", sa.Boolean))
    op.create_index("ux_items_note", "items", ["note"], unique=True, postgresql_concurrently=True)
    op.add_column("log", sa.Column("never", sa.Integer))
    """
    project.add("r1", "r0", upgrade, message="the operation")
    with pytest.raises(MigrationError) as info:
        project.upgrade()
    message = str(info.value)
    assert "revision r1" in message and "CREATE UNIQUE INDEX CONCURRENTLY ux_items_note" in message
    assert "stays committed: ALTER TABLE log ADD COLUMN seen BOOLEAN" in message
    assert project.versions_in_db() == ["r0"]
    assert [c["name"] for c in project.shape()["log"]["columns"]] == ["id", "msg", "seen"]  # not 'never'
    # PostgreSQL leaves a failed concurrent build behind as an INVALID index (see docs).
    assert invalid_indexes(project) == ["ux_items_note"]


def test_autocommit_block_for_alter_type_add_value(project: Project) -> None:
    project.execute("CREATE TYPE mood AS ENUM ('sad', 'happy')")
    project.execute("CREATE TABLE moods (id INTEGER PRIMARY KEY, m mood NOT NULL)")
    project.execute("INSERT INTO moods VALUES (1, 'sad'), (2, 'happy')")
    upgrade = """
    op.execute("UPDATE moods SET m = 'happy' WHERE id = 1")
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE mood ADD VALUE 'ecstatic'")
        op.create_index("ix_moods_m", "moods", ["m"], postgresql_concurrently=True)
    # Usable at once: the new value was committed outside the revision's transaction.
    op.execute("INSERT INTO moods VALUES (3, 'ecstatic')")
    """
    downgrade = """
    from sqlalchemy.dialects import postgresql

    op.execute("DELETE FROM moods WHERE id = 3")
    op.execute("UPDATE moods SET m = 'sad' WHERE id = 1")
    op.drop_index("ix_moods_m", "moods")
    # No DROP VALUE in PostgreSQL: a new type, the column moved over, the old one dropped.
    op.execute("ALTER TYPE mood RENAME TO mood_old")
    op.execute("CREATE TYPE mood AS ENUM ('sad', 'happy')")
    op.alter_column("moods", "m", type_=postgresql.ENUM(name="mood", create_type=False), postgresql_using="m::text::mood")
    op.execute("DROP TYPE mood_old")
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert enum_types(project) == {"mood": ["sad", "happy", "ecstatic"]}
    assert project.rows("moods") == [(1, "happy"), (2, "happy"), (3, "ecstatic")]
    assert ("ix_moods_m", ("m",), False) in after[0]["moods"]["indexes"]
    back(project, before)
    assert enum_types(project) == {"mood": ["sad", "happy"]}


def test_upgrade_sql_writes_commit_and_begin_around_a_concurrent_index(project: Project) -> None:
    project.add(
        "r1",
        "r0",
        """
        op.add_column("items", sa.Column("color", sa.String(20)))
        op.create_index("ix_items_color", "items", ["color"], postgresql_concurrently=True)
        op.drop_index("ix_items_name", "items", postgresql_concurrently=True, if_exists=True)
        """,
    )
    out = io.StringIO()
    migrate.upgrade(project.config, "r0:r1", sql=True, output=out)
    assert out.getvalue().split(";\n\n") == [
        "-- Upgrading r0 -> r1: step r1\n\nBEGIN",
        "ALTER TABLE items ADD COLUMN color VARCHAR(20)",
        "COMMIT",
        "CREATE INDEX CONCURRENTLY ix_items_color ON items (color)",
        "BEGIN",
        "COMMIT",
        "DROP INDEX CONCURRENTLY IF EXISTS ix_items_name",
        "BEGIN",
        "UPDATE dbshift_version SET version_num='r1' WHERE dbshift_version.version_num = 'r0'",
        "COMMIT",
        "",
    ]
    assert project.versions_in_db() == ["r0"]  # --sql touches nothing


# --------------------------------------------------------------------------- index options


def test_index_options_round_trip(project: Project) -> None:
    upgrade = """
    op.create_index(
        "ix_items_name_partial", "items", ["name"],
        postgresql_where=sa.text("qty > 0"), postgresql_include=["note"], postgresql_ops={"name": "text_pattern_ops"},
    )
    op.create_index("ix_items_note_hash", "items", ["note"], postgresql_using="hash")
    op.create_index("ix_log_lower", "log", [sa.text("lower(msg)")], postgresql_where=sa.column("id") > 1)
    """
    downgrade = """
    op.drop_index("ix_log_lower", "log")
    op.drop_index("ix_items_note_hash", "items")
    op.drop_index("ix_items_name_partial", "items")
    """
    before, after = round_trip(project, upgrade, downgrade)
    items = index_options(project, "items")
    assert items["ix_items_name_partial"] == {
        "columns": ["name"],
        "unique": False,
        "postgresql_where": "(qty > 0)",
        "postgresql_include": ["note"],
        "postgresql_ops": {"name": "text_pattern_ops"},
    }
    assert items["ix_items_note_hash"]["postgresql_using"] == "hash"
    log = index_options(project, "log")["ix_log_lower"]
    assert log["postgresql_where"] == "(id > 1)" and log["columns"] == [None]
    assert after[1] == before[1]
    # The planner uses the partial index for what its predicate covers: it holds the rows.
    with project.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        query = "SELECT name FROM items WHERE qty > 0 AND name LIKE 'p%'"
        plan = "\n".join(conn.execute(sa.text("EXPLAIN " + query)).scalars())
        assert "ix_items_name_partial" in plan
        found = conn.execute(sa.text(query)).scalars().all()
        assert found == ["plum"]
    back(project, before)


def test_index_options_through_autogenerate(project: Project) -> None:
    md = base_metadata()
    items = md.tables["items"]
    sa.Index(
        "ix_items_name_partial",
        items.c.name,
        postgresql_where=items.c.qty > 0,
        postgresql_include=[items.c.note],
        postgresql_ops={"name": "text_pattern_ops"},
    )
    sa.Index("ix_items_note_hash", items.c.note, postgresql_using="hash")
    with project.engine.connect() as conn:
        ops = diff_database(conn, md, version_table="dbshift_version")
    assert [o.describe() for o in ops] == [
        "added index 'ix_items_name_partial' on items (name)",
        "added index 'ix_items_note_hash' on items (note)",
    ]
    upgrade = render_ops(ops).body
    assert 'postgresql_where=sa.text("qty > 0")' in upgrade and 'postgresql_include=["note"]' in upgrade
    assert 'postgresql_ops={"name": "text_pattern_ops"}' in upgrade and 'postgresql_using="hash"' in upgrade
    before, after = round_trip(project, upgrade, render_ops(reverse_ops(ops)).body)
    options = index_options(project, "items")
    assert options["ix_items_name_partial"]["postgresql_where"] == "(qty > 0)"
    assert options["ix_items_name_partial"]["postgresql_include"] == ["note"]
    assert options["ix_items_name_partial"]["postgresql_ops"] == {"name": "text_pattern_ops"}
    assert options["ix_items_note_hash"]["postgresql_using"] == "hash"
    with project.engine.connect() as conn:
        assert [o.describe() for o in diff_database(conn, md, version_table="dbshift_version")] == []
    assert after[1] == before[1]
    back(project, before)


# --------------------------------------------------------------------------- alter_column USING


def test_alter_column_type_using(project: Project) -> None:
    project.execute("CREATE TABLE codes (id INTEGER PRIMARY KEY, code VARCHAR(10), label VARCHAR(10))")
    project.execute("INSERT INTO codes VALUES (1, '12', 'a'), (2, '345', NULL), (3, NULL, 'c')")
    upgrade = """
    op.alter_column("codes", "code", type_=sa.Integer, existing_type=sa.String(10), postgresql_using="code::integer")
    """
    downgrade = 'op.alter_column("codes", "code", type_=sa.String(10), existing_type=sa.Integer)'
    before, after = round_trip(project, upgrade, downgrade)
    assert {c["name"]: c["type"] for c in after[0]["codes"]["columns"]}["code"] == "INTEGER"
    assert project.rows("codes") == [(1, 12, "a"), (2, 345, None), (3, None, "c")]
    back(project, before)

    project.execute("INSERT INTO codes VALUES (4, 'x1', NULL)")  # not a number: the change is refused whole
    with pytest.raises(MigrationError) as info:
        project.upgrade()
    assert "invalid input syntax for type integer" in str(info.value)
    assert project.versions_in_db() == ["r0"]


# --------------------------------------------------------------------------- ENUM types


CREATE_FEELINGS = """
feelings = op.create_table(
    "feelings",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("m", sa.Enum("sad", "happy", name="mood"), nullable=False, server_default="sad"),
    sa.Column("tones", postgresql.ARRAY(sa.Enum("low", "high", name="tone"))),
)
op.bulk_insert(feelings, [{"id": 1, "m": "happy"}, {"id": 2}])
"""
IMPORT_PG = "from sqlalchemy.dialects import postgresql\n"


def test_enum_created_before_the_table_and_kept_after_it(project: Project) -> None:
    """An operation does only what it says: drop_table drops the table, never the types it used."""
    upgrade = IMPORT_PG + CREATE_FEELINGS
    before, after = round_trip(project, upgrade, 'op.drop_table("feelings")')
    unchanged_except(before, after, "feelings")
    assert enum_types(project) == {"mood": ["sad", "happy"], "tone": ["low", "high"]}
    assert project.rows("feelings") == [(1, "happy", None), (2, "sad", None)]
    back(project, before)
    assert enum_types(project) == {"mood": ["sad", "happy"], "tone": ["low", "high"]}
    project.upgrade()  # the types exist: they are used as they are, not created again
    assert project.rows("feelings") == [(1, "happy", None), (2, "sad", None)]


def test_enum_types_dropped_by_a_later_revision(project: Project) -> None:
    """Alembic's idiom: the table goes in one revision, its types in a later one, by hand."""
    project.add("r1", "r0", IMPORT_PG + CREATE_FEELINGS, 'op.drop_table("feelings")', message="feelings")
    project.add(
        "r2",
        "r1",
        """
        op.drop_table("feelings")
        op.add_column("log", sa.Column("size", sa.Enum("s", "m", name="size_kind")))
        op.drop_column("log", "size")
        op.add_column("log", sa.Column("state", sa.Enum("on", "off", name="state")))
        op.alter_column("log", "state", type_=sa.String(10), existing_type=sa.Enum(name="state"))
        """,
        message="no feelings",
    )
    project.add(
        "r3",
        "r2",
        """
        from sqlalchemy.dialects import postgresql

        op.execute("DROP TYPE mood")
        postgresql.ENUM(name="tone").drop(op.get_bind(), checkfirst=False)
        sa.Enum(name="size_kind").drop(op.get_bind())
        op.execute(postgresql.DropEnumType(postgresql.ENUM(name="state")))
        """,
        message="drop the types",
    )
    project.upgrade("r2")
    assert sorted(enum_types(project)) == ["mood", "size_kind", "state", "tone"]
    project.upgrade()
    assert enum_types(project) == {}
    assert project.versions_in_db() == ["r3"]


def test_enum_stays_while_another_table_uses_it(project: Project) -> None:
    project.add("r1", "r0", IMPORT_PG + CREATE_FEELINGS, 'op.drop_table("feelings")', message="feelings")
    project.add(
        "r2",
        "r1",
        """
        from sqlalchemy.dialects import postgresql

        op.create_table("moods", sa.Column("id", sa.Integer), sa.Column("m", postgresql.ENUM("sad", "happy", name="mood")))
        op.execute("INSERT INTO moods VALUES (1, 'happy')")
        """,
        """
        op.drop_table("moods")
        """,
        message="moods",
    )
    project.upgrade()
    assert sorted(enum_types(project)) == ["mood", "tone"]
    project.add("r3", "r2", 'op.drop_table("feelings")', IMPORT_PG + CREATE_FEELINGS, message="no feelings")
    project.upgrade()
    assert sorted(enum_types(project)) == ["mood", "tone"]
    assert project.rows("moods") == [(1, "happy")]
    project.downgrade("r2")  # feelings is created again with the types that are there
    assert project.rows("feelings") == [(1, "happy", None), (2, "sad", None)]
    project.downgrade("r0")
    assert sorted(enum_types(project)) == ["mood", "tone"]


def test_enum_column_added_and_dropped(project: Project) -> None:
    upgrade = """
    op.add_column("items", sa.Column("size", sa.Enum("s", "m", "l", name="size_kind"), server_default="m"))
    op.execute("UPDATE items SET size = 's' WHERE id = 2")
    """
    downgrade = """
    op.drop_column("items", "size")
    op.execute("DROP TYPE size_kind")
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert enum_types(project) == {"size_kind": ["s", "m", "l"]}
    assert project.rows("items", (*ITEMS, "size")) == [(*r, "s" if r[0] == 2 else "m") for r in ITEM_ROWS]
    assert after[1]["log"] == before[1]["log"]
    back(project, before)
    assert enum_types(project) == {}


def test_enum_made_by_a_type_change_and_kept_by_the_change_back(project: Project) -> None:
    project.execute("UPDATE log SET msg = 'stopped' WHERE id = 1")
    upgrade = """
    op.alter_column(
        "log", "msg", type_=sa.Enum("started", "stopped", name="state"), existing_type=sa.String(20),
        postgresql_using="msg::state",
    )
    """
    downgrade = 'op.alter_column("log", "msg", type_=sa.String(20), existing_type=sa.Enum(name="state"))'
    before, after = round_trip(project, upgrade, downgrade)
    unchanged_except(before, after, "log")
    assert enum_types(project) == {"state": ["started", "stopped"]}
    assert project.rows("log") == [(1, "stopped"), (2, "stopped")]
    back(project, before)
    assert enum_types(project) == {"state": ["started", "stopped"]}


# --------------------------------------------------------------------------- schema=


def schema_shape(project: Project, schema: str) -> dict[str, dict[str, Any]]:
    """The reflected tables of ``schema``, as plain comparable data."""
    with project.engine.connect() as conn:
        insp = sa.inspect(conn)
        out: dict[str, dict[str, Any]] = {}
        for name in sorted(insp.get_table_names(schema=schema)):
            pk = insp.get_pk_constraint(name, schema=schema)
            out[name] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("comment"))
                    for c in insp.get_columns(name, schema=schema)
                ],
                "pk": (tuple(pk["constrained_columns"]), pk.get("name")),
                "fks": sorted(
                    (f["name"], tuple(f["constrained_columns"]), f["referred_schema"], f["referred_table"])
                    for f in insp.get_foreign_keys(name, schema=schema)
                ),
                "uniques": sorted(
                    (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(name, schema=schema)
                ),
                "checks": sorted(c["name"] for c in insp.get_check_constraints(name, schema=schema)),
                "indexes": sorted(
                    (i["name"], tuple(map(str, i["column_names"])), i["unique"])
                    for i in insp.get_indexes(name, schema=schema)
                ),
                "comment": insp.get_table_comment(name, schema=schema)["text"],
            }
        return out


def schema_state(project: Project, schema: str) -> tuple[dict[str, Any], dict[str, Any]]:
    shape = schema_shape(project, schema)
    return shape, {name: project.rows(f"{schema}.{name}") for name in shape}


@pytest.fixture
def in_schema(project: Project, extra_schema: str) -> str:
    """The base tables and rows again, in the extra schema."""
    md = sa.MetaData(schema=extra_schema)
    for table in base_metadata().tables.values():
        table.to_metadata(md)
    md.create_all(project.engine)
    _fill(project, md, extra_schema)
    return extra_schema


def test_every_operation_with_schema(project: Project, in_schema: str) -> None:
    s = in_schema
    upgrade = f"""
    from sqlalchemy.dialects import postgresql

    S = {s!r}
    tags = op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey(f"{{S}}.parent.id", name="fk_tags_parent")),
        sa.Column("kind", sa.Enum("a", "b", name="tag_kind")),  # no schema: the search path's
        sa.Column("shade", sa.Enum("light", "dark", name="shade", schema=S)),
        schema=S, comment="labels",
    )
    op.bulk_insert(tags, [{{"id": 1, "parent_id": 2, "kind": "b", "shade": "dark"}}])
    op.add_column("items", sa.Column("color", sa.String(20), server_default="none"), schema=S)
    op.add_column("items", sa.Column("grade", sa.Enum("x", "y", name="grade", schema=S)), schema=S)
    op.add_column("items", sa.Column("tag_id", sa.Integer, sa.ForeignKey(f"{{S}}.tags.id", name="fk_items_tag")), schema=S)
    op.alter_column("items", "qty", nullable=False, existing_nullable=True, server_default=sa.text("1"),
                    existing_server_default=sa.text("0"), comment="count", existing_comment=None, schema=S)
    op.alter_column("log", "msg", new_column_name="message", type_=sa.String(40), existing_type=sa.String(20), schema=S)
    op.create_index("ix_items_color", "items", ["color"], schema=S)
    op.create_index("ix_items_note", "items", ["note"], schema=S, postgresql_where=sa.text("note IS NOT NULL"))
    op.create_unique_constraint("uq_items_name", "items", ["name"], schema=S)
    op.create_foreign_key("fk_items_parent", "items", "parent", ["parent_id"], ["id"],
                          source_schema=S, referent_schema=S, ondelete="SET NULL")
    op.create_check_constraint("ck_items_name", "items", "length(name) > 0", schema=S)
    op.create_primary_key("pk_log", "log", ["id"], schema=S)
    op.create_table_comment("items", "stock", schema=S)
    op.rename_table("log", "journal", schema=S)
    """
    downgrade = f"""
    from sqlalchemy.dialects import postgresql

    S = {s!r}
    op.rename_table("journal", "log", schema=S)
    op.drop_index("ix_items_note", "items", schema=S)
    op.drop_table_comment("items", existing_comment="stock", schema=S)
    op.drop_constraint("pk_log", "log", type_="primary", schema=S)
    op.drop_constraint("ck_items_name", "items", type_="check", schema=S)
    op.drop_constraint("fk_items_parent", "items", type_="foreignkey", schema=S)
    op.drop_constraint("uq_items_name", "items", type_="unique", schema=S)
    op.drop_index("ix_items_color", "items", schema=S)
    op.alter_column("log", "message", new_column_name="msg", type_=sa.String(20), existing_type=sa.String(40), schema=S)
    op.alter_column("items", "qty", nullable=True, server_default=sa.text("0"), comment=None, schema=S)
    op.drop_column("items", "tag_id", schema=S)
    op.drop_column("items", "grade", schema=S)
    op.drop_column("items", "color", schema=S)
    op.drop_table("tags", schema=S)
    op.execute(postgresql.DropEnumType(postgresql.ENUM(name="grade", schema=S)))
    op.execute(postgresql.DropEnumType(postgresql.ENUM(name="shade", schema=S)))
    op.execute(postgresql.DropEnumType(postgresql.ENUM(name="tag_kind")))
    """
    project.execute(f"UPDATE {s}.items SET qty = 5 WHERE qty IS NULL")
    project.add("r1", "r0", upgrade, downgrade, message="everything in a schema")
    default_before = project.state()
    before = schema_state(project, s)
    project.upgrade()
    assert project.versions_in_db() == ["r1"]
    assert project.state() == default_before  # no table touched outside the schema
    shape, rows = schema_state(project, s)
    assert sorted(shape) == ["items", "journal", "parent", "tags"]
    items, tags = shape["items"], shape["tags"]
    assert [c[0] for c in items["columns"]] == [*ITEMS, "color", "grade", "tag_id"]
    qty = next(c for c in items["columns"] if c[0] == "qty")
    assert qty[2:] == (False, "1", "count")
    assert [i[0] for i in items["indexes"]] == ["ix_items_color", "ix_items_note", "uq_items_name"]
    assert ("uq_items_name", ("name",)) in items["uniques"]
    assert items["fks"] == [
        ("fk_items_parent", ("parent_id",), s, "parent"),
        ("fk_items_tag", ("tag_id",), s, "tags"),
    ]
    assert items["checks"] == ["ck_items_name"] and items["comment"] == "stock"
    assert tags["fks"] == [("fk_tags_parent", ("parent_id",), s, "parent")] and tags["comment"] == "labels"
    assert shape["journal"]["pk"] == (("id",), "pk_log")
    assert [c[:2] for c in shape["journal"]["columns"]] == [("id", "INTEGER"), ("message", "VARCHAR(40)")]
    assert enum_types(project, s) == {"grade": ["x", "y"], "shade": ["light", "dark"]}
    assert enum_types(project) == {"tag_kind": ["a", "b"]}
    assert rows["tags"] == [(1, 2, "b", "dark")]
    assert rows["journal"] == LOG_ROWS
    assert rows["items"] == [(r[0], r[1], r[2] or 5, r[3], r[4], "none", None, None) for r in ITEM_ROWS]
    assert rows["parent"] == before[1]["parent"]

    project.downgrade("r0")
    assert project.versions_in_db() == ["r0"]
    assert schema_state(project, s) == before
    assert project.state() == default_before
    assert enum_types(project, s) == {} and enum_types(project) == {}


def test_version_table_in_a_schema(project: Project, extra_schema: str) -> None:
    project.config = build_config(
        {"url": project.db.url, "version_table_schema": extra_schema, "version_table": "versions"},
        root=project.root,
        environ={},
    )
    project.add("r1", "r0", 'op.add_column("log", sa.Column("seen", sa.Boolean))', 'op.drop_column("log", "seen")')
    before = project.state()
    project.upgrade()  # a new version table, in the schema: r0 and r1 run
    qualified = f"{extra_schema}.versions"
    assert column_values(project, f"SELECT version_num FROM {qualified}") == ["r1"]
    assert column_values(project, "SELECT version_num FROM dbshift_version") == ["r0"]  # the other one, untouched
    assert list(project.columns("log")) == ["id", "msg", "seen"]
    assert project.rows("log") == [(*r, None) for r in LOG_ROWS]
    project.downgrade("base")
    assert column_values(project, f"SELECT version_num FROM {qualified}") == []
    assert project.state()[0]["log"] == before[0]["log"] and project.rows("log") == LOG_ROWS
    assert migrate.stamp(project.config, "r0") == ("r0",)
    assert column_values(project, f"SELECT version_num FROM {qualified}") == ["r0"]


# --------------------------------------------------------------------------- identity and sequences


def test_identity_and_sequence_columns_in_a_new_table(project: Project) -> None:
    upgrade = """
    counters = op.create_table(
        "counters",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("ticket", sa.BigInteger, sa.Sequence("ticket_seq"), nullable=False),
        sa.Column("label", sa.String(10)),
    )
    op.bulk_insert(counters, [{"label": "a"}, {"label": "b"}])
    op.execute("INSERT INTO counters (label) VALUES ('c')")
    """
    before, after = round_trip(project, upgrade, 'op.drop_table("counters")')
    unchanged_except(before, after, "counters")
    assert sequences(project) == ["counters_id_seq", "items_id_seq", "ticket_seq"]
    assert project.rows("counters") == [(1, 1, "a"), (2, 2, "b"), (3, 3, "c")]
    with project.engine.connect() as conn:
        columns = {c["name"]: c for c in sa.inspect(conn).get_columns("counters")}
    assert columns["id"]["identity"]["always"] is False
    assert columns["ticket"]["default"] == "nextval('ticket_seq'::regclass)"
    assert scalar(project, "SELECT pg_get_serial_sequence('counters', 'ticket')").endswith(".ticket_seq")
    back(project, before)
    assert sequences(project) == ["items_id_seq"]  # both went with the table
    project.upgrade()  # and come back
    assert project.rows("counters") == [(1, 1, "a"), (2, 2, "b"), (3, 3, "c")]


def test_identity_and_sequence_columns_added_to_a_table_with_rows(project: Project) -> None:
    upgrade = """
    op.add_column("items", sa.Column("serial_no", sa.Integer, sa.Identity(), nullable=False))
    op.add_column("items", sa.Column("ticket", sa.BigInteger, sa.Sequence("items_ticket_seq")))
    op.execute("INSERT INTO items (name) VALUES ('fig')")
    """
    downgrade = """
    op.execute("DELETE FROM items WHERE name = 'fig'")
    op.drop_column("items", "ticket")
    op.drop_column("items", "serial_no")
    """
    before, after = round_trip(project, upgrade, downgrade)
    unchanged_except(before, after, "items")
    assert project.rows("items", ("id", "name", "serial_no", "ticket")) == [
        (1, "apple", 1, 1),
        (2, "pear", 2, 2),
        (3, "plum", 3, 3),
        (4, "fig", 4, 4),
    ]
    assert project.rows("items", ITEMS)[:3] == ITEM_ROWS
    assert sequences(project) == ["items_id_seq", "items_serial_no_seq", "items_ticket_seq"]
    back(project, before)
    assert sequences(project) == ["items_id_seq"]


def test_a_sequence_that_exists_is_used_and_left_alone(project: Project) -> None:
    upgrade = """
    op.execute(sa.schema.CreateSequence(sa.Sequence("shared_seq", start=100)))
    op.add_column("log", sa.Column("n", sa.Integer, sa.Sequence("shared_seq")))
    """
    downgrade = """
    op.drop_column("log", "n")
    op.execute(sa.schema.DropSequence(sa.Sequence("shared_seq")))
    """
    before, after = round_trip(project, upgrade, downgrade)
    unchanged_except(before, after, "log")
    assert project.rows("log") == [(1, "started", 100), (2, "stopped", 101)]
    assert scalar(project, "SELECT pg_get_serial_sequence('log', 'n')") is None  # not owned: not ours
    back(project, before)


def test_sequences_and_schemas(project: Project, in_schema: str) -> None:
    """A new sequence is owned by its column only in the column's schema (PostgreSQL allows
    nothing else); elsewhere it is created but stays when the column goes."""
    s = in_schema
    here = scalar(project, "SELECT current_schema()")
    upgrade = f"""
    op.add_column("items", sa.Column("n", sa.Integer, sa.Sequence("items_n_seq", schema={s!r})), schema={s!r})
    op.add_column("items", sa.Column("m", sa.Integer, sa.Sequence("items_m_seq")), schema={s!r})
    op.add_column("log", sa.Column("k", sa.Integer, sa.Sequence("log_k_seq", schema={here!r})))
    """
    downgrade = f"""
    op.drop_column("log", "k")
    op.drop_column("items", "m", schema={s!r})
    op.execute("DROP SEQUENCE items_m_seq")
    op.drop_column("items", "n", schema={s!r})
    """
    in_schema_before = schema_state(project, s)
    before, after = round_trip(project, upgrade, downgrade)
    unchanged_except(before, after, "log")
    assert project.rows(f"{s}.items", ("id", "n", "m")) == [(1, 1, 1), (2, 2, 2), (3, 3, 3)]
    assert project.rows("log") == [(*r, k) for r, k in zip(LOG_ROWS, (1, 2))]
    assert sequences(project, s) == ["items_id_seq", "items_n_seq"]
    assert sequences(project) == ["items_id_seq", "items_m_seq", "log_k_seq"]
    owner = "SELECT pg_get_serial_sequence(:table, :column)"
    assert scalar(project, owner, table=f"{s}.items", column="n") == f"{s}.items_n_seq"
    assert scalar(project, owner, table=f"{s}.items", column="m") is None
    assert scalar(project, owner, table="log", column="k") == f"{here}.log_k_seq"
    back(project, before)
    assert schema_state(project, s) == in_schema_before
    assert sequences(project, s) == ["items_id_seq"] and sequences(project) == ["items_id_seq"]


def test_identity_options_are_kept(project: Project) -> None:
    upgrade = """
    op.create_table("codes", sa.Column("id", sa.Integer, sa.Identity(always=True, start=100, increment=5), primary_key=True),
                    sa.Column("label", sa.String(10)))
    op.execute("INSERT INTO codes (label) VALUES ('a'), ('b')")
    """
    before, _after = round_trip(project, upgrade, 'op.drop_table("codes")')
    assert project.rows("codes") == [(100, "a"), (105, "b")]
    with project.engine.connect() as conn:
        assert sa.inspect(conn).get_columns("codes")[0]["identity"]["always"] is True
        with pytest.raises(sa.exc.DBAPIError, match="GENERATED ALWAYS"):
            conn.execute(sa.text("INSERT INTO codes (id, label) VALUES (1, 'c')"))
    back(project, before)


# --------------------------------------------------------------------------- constraint keywords


def constraint_definitions(project: Project, table: str) -> dict[str, str]:
    with project.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(:t)"),
            {"t": table},
        )
        return dict(rows.all())


def test_constraint_keywords_reach_postgresql(project: Project) -> None:
    """Every keyword the op functions take for a constraint is in its DDL: nothing is dropped."""
    project.execute("UPDATE items SET qty = -1 WHERE id = 3")  # NOT VALID: existing rows are not checked
    upgrade = """
    op.create_unique_constraint("uq_items_note", "items", ["note"], postgresql_nulls_not_distinct=True,
                                postgresql_include=["qty"])
    op.create_unique_constraint("uq_items_name", "items", ["name"], deferrable=True, initially="DEFERRED")
    op.create_check_constraint("ck_items_qty", "items", "qty >= 0", postgresql_not_valid=True)
    op.create_foreign_key("fk_items_parent", "items", "parent", ["parent_id"], ["id"], match="FULL",
                          postgresql_not_valid=True)
    op.create_table("scratch", sa.Column("id", sa.Integer), prefixes=["UNLOGGED"])
    """
    downgrade = """
    op.drop_table("scratch")
    op.drop_constraint("fk_items_parent", "items", type_="foreignkey")
    op.drop_constraint("ck_items_qty", "items", type_="check")
    op.drop_constraint("uq_items_name", "items", type_="unique")
    op.drop_constraint("uq_items_note", "items", type_="unique")
    """
    before, _ = round_trip(project, upgrade, downgrade)
    found = constraint_definitions(project, "items")
    assert found["uq_items_note"] == "UNIQUE NULLS NOT DISTINCT (note) INCLUDE (qty)"
    assert found["uq_items_name"] == "UNIQUE (name) DEFERRABLE INITIALLY DEFERRED"
    assert found["ck_items_qty"] == "CHECK ((qty >= 0)) NOT VALID"
    assert found["fk_items_parent"] == "FOREIGN KEY (parent_id) REFERENCES parent(id) MATCH FULL NOT VALID"
    assert scalar(project, "SELECT relpersistence FROM pg_class WHERE oid = 'scratch'::regclass") == "u"
    back(project, before)


def test_nulls_not_distinct_through_autogenerate(project: Project) -> None:
    """The models' option reaches the revision, a change of it is detected, and a table
    recreated from the database (the downgrade of a drop) keeps it."""
    md = base_metadata()
    md.tables["items"].append_constraint(
        sa.UniqueConstraint("note", name="uq_items_note", postgresql_nulls_not_distinct=True)
    )
    with project.engine.connect() as conn:
        ops = diff_database(conn, md, version_table="dbshift_version")
    rendered = render_ops(ops)
    assert rendered.body == (
        'op.create_unique_constraint(\n    "uq_items_note", "items", ["note"], postgresql_nulls_not_distinct=True\n)'
    )
    project.add("r1", "r0", rendered.body, render_ops(reverse_ops(ops)).body, message="nnd")
    project.upgrade()
    assert constraint_definitions(project, "items")["uq_items_note"] == "UNIQUE NULLS NOT DISTINCT (note)"
    with project.engine.connect() as conn:
        assert diff_database(conn, md, version_table="dbshift_version") == []
        plain = base_metadata()
        plain.tables["items"].append_constraint(sa.UniqueConstraint("note", name="uq_items_note"))
        changed = diff_database(conn, plain, version_table="dbshift_version")
        assert [o.describe() for o in changed] == [
            "removed unique constraint 'uq_items_note' on items (note)",
            "added unique constraint 'uq_items_note' on items (note)",
        ]
        gone = diff_database(conn, sa.MetaData(), version_table="dbshift_version", exclude=["parent", "log"])
    project.add("r2", "r1", render_ops(gone).body, render_ops(reverse_ops(gone)).body, message="drop items")
    project.upgrade()
    project.downgrade("r1")  # items created again from what the database reported
    assert constraint_definitions(project, "items")["uq_items_note"] == "UNIQUE NULLS NOT DISTINCT (note)"
    project.downgrade("r0")
