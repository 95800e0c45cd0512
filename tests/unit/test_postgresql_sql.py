"""The SQL dbshift writes for PostgreSQL's own features, as text, without a server.

Concurrent index builds (marked to run outside the revision's transaction), index options,
``alter_column(..., postgresql_using=...)``, named ENUM types, sequence-backed and identity
columns, and ``schema=`` on every operation. Whole revision bodies are rendered offline through
a :class:`MigrationContext` writing to a stream, as ``--sql`` does.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dbshift.dialects import ddl, impl_for
from dbshift.dialects.postgresql import sequence_of
from dbshift.operations import api as op
from dbshift.operations.base import Operation
from dbshift.operations.column import DropColumnOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.table import CreateTableOp, DropTableOp
from dbshift.runtime.context import MigrationContext
from dbshift.schema.from_metadata import index_def, table_def
from dbshift.schema.model import ColumnDef, IndexDef, TableDef
from dbshift.schema.reflect import _index

PG = postgresql.dialect()  # type: ignore[no-untyped-call]


def one_line(text: str) -> str:
    return " ".join(text.split())


def statements(operation: Operation) -> list[str]:
    return [
        one_line(str(s.compile(dialect=PG, compile_kwargs={"literal_binds": True})))  # type: ignore[attr-defined]
        for s in impl_for(PG).statements(operation)
    ]


def offline(body: Callable[[], object]) -> list[str]:
    """The statements a revision body writes in --sql mode (flushed as at its end), one line each."""
    out = io.StringIO()
    context = MigrationContext(PG, output=out)
    with op.using_context(context):
        body()
        context.flush()
    return [one_line(s) for s in out.getvalue().split(";\n\n") if s.strip()]


CONCURRENT = (("postgresql_concurrently", True),)


# --------------------------------------------------------------------------- CONCURRENTLY


def test_concurrent_index_runs_outside_the_transaction() -> None:
    (statement,) = impl_for(PG).statements(CreateIndexOp("items", IndexDef("ix_a", ("a",), dialect_options=CONCURRENT)))
    assert isinstance(statement, ddl.OutsideTransaction)
    assert statements(CreateIndexOp("items", IndexDef("ix_a", ("a",), dialect_options=CONCURRENT), "app", True)) == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON app.items (a)"
    ]
    (plain,) = impl_for(PG).statements(CreateIndexOp("items", IndexDef("ix_a", ("a",))))
    assert not isinstance(plain, ddl.OutsideTransaction)


def test_concurrent_drop_from_op_and_from_the_reverse_of_a_concurrent_create() -> None:
    create = CreateIndexOp("items", IndexDef("ix_a", ("a",), dialect_options=CONCURRENT), "app")
    (statement,) = impl_for(PG).statements(create.reverse())
    assert isinstance(statement, ddl.OutsideTransaction)
    assert statements(create.reverse()) == ["DROP INDEX CONCURRENTLY app.ix_a"]
    assert statements(DropIndexOp("ix_a", "items", index=IndexDef("ix_a", ("a",)))) == ["DROP INDEX ix_a"]
    assert offline(
        lambda: op.drop_index("ix_a", "items", schema="app", if_exists=True, postgresql_concurrently=True)
    ) == [
        "COMMIT",
        "DROP INDEX CONCURRENTLY IF EXISTS app.ix_a",
        "BEGIN",
    ]


def test_offline_commit_statement_begin_between_other_statements() -> None:
    def body() -> None:
        op.add_column("items", sa.Column("color", sa.String(20)))
        op.create_index("ix_items_color", "items", ["color"], postgresql_concurrently=True)
        op.execute("UPDATE items SET color = 'red'")

    assert offline(body) == [
        "ALTER TABLE items ADD COLUMN color VARCHAR(20)",
        "COMMIT",
        "CREATE INDEX CONCURRENTLY ix_items_color ON items (color)",
        "BEGIN",
        "UPDATE items SET color = 'red'",
    ]


def test_index_of_a_table_being_created_is_built_plainly() -> None:
    table = TableDef(
        "items",
        (ColumnDef("id", sa.Integer()), ColumnDef("a", sa.Integer())),
        indexes=(IndexDef("ix_a", ("a",), dialect_options=(*CONCURRENT, ("postgresql_where", "a > 0"))),),
    )
    out = impl_for(PG).statements(CreateTableOp(table))
    assert not any(isinstance(s, ddl.OutsideTransaction) for s in out)
    assert statements(CreateTableOp(table))[1] == "CREATE INDEX ix_a ON items (a) WHERE a > 0"


# --------------------------------------------------------------------------- index options


def test_index_options_through_op() -> None:
    def body() -> None:
        op.create_index(
            "ix_items_name",
            "items",
            ["name", sa.text("lower(note)")],
            schema="app",
            unique=True,
            postgresql_where=sa.column("qty") > 0,
            postgresql_include=["note", "qty"],
            postgresql_ops={"name": "text_pattern_ops"},
        )
        op.create_index("ix_items_tags", "items", ["tags"], postgresql_using="gin")
        op.create_index("ix_items_note", "items", ["note"], postgresql_where="note IS NOT NULL")

    assert offline(body) == [
        (
            "CREATE UNIQUE INDEX ix_items_name ON app.items (name text_pattern_ops, lower(note)) INCLUDE (note, qty)"
            " WHERE qty > 0"
        ),
        "CREATE INDEX ix_items_tags ON items USING gin (tags)",
        "CREATE INDEX ix_items_note ON items (note) WHERE note IS NOT NULL",
    ]


def test_index_options_from_models_are_plain_data() -> None:
    md = sa.MetaData()
    t = sa.Table("items", md, sa.Column("name", sa.String), sa.Column("qty", sa.Integer), sa.Column("note", sa.String))
    ix = sa.Index(
        "ix",
        t.c.name,
        postgresql_where=t.c.qty > 5,
        postgresql_include=[t.c.note, "qty"],
        postgresql_ops={"name": "text_pattern_ops"},
        postgresql_using="btree",
    )
    assert index_def(ix, PG).dialect_options == (
        ("postgresql_include", ("note", "qty")),
        ("postgresql_ops", {"name": "text_pattern_ops"}),
        ("postgresql_using", "btree"),
        ("postgresql_where", "qty > 5"),
    )
    reflected = _index(
        {
            "name": "ix",
            "column_names": ["name"],
            "unique": False,
            "dialect_options": {"postgresql_include": ["note", "qty"], "postgresql_ops": {"name": "text_pattern_ops"}},
        }
    )
    assert reflected.dialect_options == (
        ("postgresql_include", ("note", "qty")),
        ("postgresql_ops", {"name": "text_pattern_ops"}),
    )
    # The table's own definition builds it back, options and all.
    created = statements(CreateTableOp(table_def(t, PG)))
    assert created[-1] == (
        "CREATE INDEX ix ON items USING btree (name text_pattern_ops) INCLUDE (note, qty) WHERE qty > 5"
    )


# --------------------------------------------------------------------------- alter_column


def test_alter_column_type_using_and_a_comment_removed_in_a_schema() -> None:
    def body() -> None:
        op.alter_column(
            "codes", "code", type_=sa.Integer, existing_type=sa.String(10), postgresql_using="code::integer"
        )
        op.alter_column("codes", "code", comment=None, existing_comment="x", schema="app")

    assert offline(body) == [
        "ALTER TABLE codes ALTER COLUMN code TYPE INTEGER USING code::integer",
        "COMMENT ON COLUMN app.codes.code IS NULL",  # SQLAlchemy's DropColumnComment leaves "app." out
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # No assignment cast: an explicit one, which PostgreSQL otherwise asks for.
        (sa.Text(), sa.Uuid(), "ALTER TABLE t ALTER COLUMN c TYPE UUID USING c::UUID"),
        (sa.String(5), sa.Boolean(), "ALTER TABLE t ALTER COLUMN c TYPE BOOLEAN USING c::BOOLEAN"),
        (sa.Text(), postgresql.BYTEA(), "ALTER TABLE t ALTER COLUMN c TYPE BYTEA USING c::BYTEA"),
        (sa.String(9), postgresql.INT4RANGE(), "ALTER TABLE t ALTER COLUMN c TYPE INT4RANGE USING c::INT4RANGE"),
        (sa.String(9), sa.Enum("a", name="e"), "ALTER TABLE t ALTER COLUMN c TYPE e USING c::e"),
        (sa.String(9), sa.Integer(), "ALTER TABLE t ALTER COLUMN c TYPE INTEGER USING c::INTEGER"),
        # Within a kind, or towards text: the assignment cast, which refuses a value too long
        # where ::VARCHAR(3) would cut it.
        (sa.Integer(), sa.BigInteger(), "ALTER TABLE t ALTER COLUMN c TYPE BIGINT"),
        (sa.Text(), sa.String(3), "ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(3)"),
        (sa.Integer(), sa.String(3), "ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(3)"),
        (sa.Enum("a", name="e"), sa.Enum("a", "b", name="e"), "ALTER TABLE t ALTER COLUMN c TYPE e"),
    ],
)
def test_type_change_without_an_assignment_cast_gets_one(
    old: sa.types.TypeEngine[object], new: sa.types.TypeEngine[object], expected: str
) -> None:
    def body() -> None:
        op.alter_column("t", "c", type_=new, existing_type=old)

    assert [s for s in offline(body) if s.startswith("ALTER TABLE")] == [expected]


def test_type_change_keeps_the_revisions_own_using_and_needs_the_old_type() -> None:
    def body() -> None:
        op.alter_column("t", "c", type_=sa.Uuid, existing_type=sa.Text, postgresql_using="md5(c)::uuid")
        op.alter_column("t", "c", type_=sa.Uuid)

    assert offline(body) == [
        "ALTER TABLE t ALTER COLUMN c TYPE UUID USING md5(c)::uuid",
        "ALTER TABLE t ALTER COLUMN c TYPE UUID",
    ]


# --------------------------------------------------------------------------- ENUM types


def test_enum_types_created_first_once_per_run() -> None:
    def body() -> None:
        op.create_table(
            "a",
            sa.Column("m", sa.Enum("sad", "happy", name="mood")),
            sa.Column("tones", postgresql.ARRAY(sa.Enum("low", "high", name="tone"))),
            sa.Column("kept", postgresql.ENUM("x", name="managed", create_type=False)),
            sa.Column("plain", sa.Enum("p", "q", name="not_native", native_enum=False)),
        )
        op.create_table("b", sa.Column("m", sa.Enum("sad", "happy", name="mood")))
        op.add_column("b", sa.Column("s", sa.Enum("x", "y", name="shade", schema="app")), schema="app")
        op.alter_column("b", "m", type_=sa.Enum("up", "down", name="direction"), postgresql_using="'up'")

    out = offline(body)
    assert [s for s in out if s.startswith(("CREATE TYPE", "DROP TYPE"))] == [
        "CREATE TYPE mood AS ENUM ('sad', 'happy')",
        "CREATE TYPE tone AS ENUM ('low', 'high')",
        "CREATE TYPE app.shade AS ENUM ('x', 'y')",
        "CREATE TYPE direction AS ENUM ('up', 'down')",
    ]
    assert out.index("CREATE TYPE tone AS ENUM ('low', 'high')") < next(
        i for i, s in enumerate(out) if s.startswith("CREATE TABLE a")
    )
    assert "ALTER TABLE app.b ADD COLUMN s app.shade" in out
    assert out[-1] == "ALTER TABLE b ALTER COLUMN m TYPE direction USING 'up'"


def test_no_operation_drops_an_enum_type() -> None:
    """drop_table, drop_column and type changes drop what they say, never a type, even when the
    operation carries the definition naming the enum."""
    known = TableDef("a", (ColumnDef("m", sa.Enum("sad", "happy", name="mood")),))
    column = ColumnDef("t", postgresql.ENUM("low", name="tone", schema="app"))

    def body() -> None:
        op.drop_table("hand_written")
        op.get_context().invoke(DropTableOp("a", table=known))
        op.get_context().invoke(DropColumnOp("b", "t", "app", column=column))
        op.alter_column("c", "m", type_=sa.String(10), existing_type=sa.Enum("x", name="shade"))

    assert offline(body) == [
        "DROP TABLE hand_written",
        "DROP TABLE a",
        "ALTER TABLE app.b DROP COLUMN t",
        "ALTER TABLE c ALTER COLUMN m TYPE VARCHAR(10)",
    ]


def test_offline_enum_types_the_revision_creates_or_drops_itself() -> None:
    """--sql mode cannot ask the database: a type the run created explicitly is not created again
    for a table, and one it dropped explicitly is created again when a later table needs it."""
    mood = postgresql.ENUM("sad", "happy", name="mood")

    def body() -> None:
        op.execute(postgresql.CreateEnumType(mood))
        op.create_table("a", sa.Column("m", sa.Enum("sad", "happy", name="mood")))
        op.drop_table("a")
        op.execute(postgresql.DropEnumType(mood))
        op.create_table("b", sa.Column("m", sa.Enum("sad", "happy", name="mood")))

    assert offline(body) == [
        "CREATE TYPE mood AS ENUM ('sad', 'happy')",
        "CREATE TABLE a ( m mood )",
        "DROP TABLE a",
        "DROP TYPE mood",
        "CREATE TYPE mood AS ENUM ('sad', 'happy')",
        "CREATE TABLE b ( m mood )",
    ]


# --------------------------------------------------------------------------- sequences and identity


@pytest.mark.parametrize(
    ("default", "expected"),
    [
        ("nextval('s')", (None, "s")),
        ("nextval('ticket_seq'::regclass)", (None, "ticket_seq")),
        ("nextval('App.Seq')", ("app", "seq")),
        ("""nextval('"App"."My Seq"'::regclass)""", ("App", "My Seq")),
        ("NEXTVAL( 'x.s' )", ("x", "s")),
        ("now()", None),
        ("nextval('a.b.c')", None),
        (None, None),
    ],
)
def test_sequence_named_by_a_default(default: str | None, expected: tuple[str | None, str] | None) -> None:
    found = sequence_of(default)
    assert (None if found is None else (found[1].schema, found[1].name)) == expected


def test_sequence_backed_columns() -> None:
    def body() -> None:
        op.create_table(
            "counters",
            sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
            sa.Column("ticket", sa.BigInteger, sa.Sequence("ticket_seq"), nullable=False),
            sa.Column("given", sa.Integer, sa.Sequence("unused_seq"), server_default=sa.text("0")),
        )
        op.add_column("items", sa.Column("n", sa.Integer, sa.Sequence("n_seq", schema="app")), schema="app")
        op.add_column("items", sa.Column("m", sa.Integer, sa.Sequence("m_seq")), schema="app")
        op.execute(sa.schema.CreateSequence(sa.Sequence("mine", start=100)))
        op.add_column("log", sa.Column("k", sa.Integer, sa.Sequence("mine")))
        op.add_column("log", sa.Column("serial_no", sa.Integer, sa.Identity(), nullable=False))

    assert offline(body) == [
        "CREATE SEQUENCE ticket_seq",
        (
            "CREATE TABLE counters ( id INTEGER GENERATED BY DEFAULT AS IDENTITY, "
            "ticket BIGINT DEFAULT nextval('ticket_seq') NOT NULL, given INTEGER DEFAULT 0, PRIMARY KEY (id) )"
        ),
        "ALTER SEQUENCE ticket_seq OWNED BY counters.ticket",
        "CREATE SEQUENCE app.n_seq",
        "ALTER TABLE app.items ADD COLUMN n INTEGER DEFAULT nextval('app.n_seq')",
        "ALTER SEQUENCE app.n_seq OWNED BY app.items.n",
        # Not in the table's schema: PostgreSQL refuses OWNED BY, so the sequence stays.
        "CREATE SEQUENCE m_seq",
        "ALTER TABLE app.items ADD COLUMN m INTEGER DEFAULT nextval('m_seq')",
        "CREATE SEQUENCE mine START WITH 100",
        "ALTER TABLE log ADD COLUMN k INTEGER DEFAULT nextval('mine')",
        "ALTER TABLE log ADD COLUMN serial_no INTEGER GENERATED BY DEFAULT AS IDENTITY",  # NOT NULL implied
    ]


def test_models_compared_by_autogenerate_keep_no_sequence_default() -> None:
    md = sa.MetaData()
    t = sa.Table("t", md, sa.Column("id", sa.Integer, sa.Sequence("t_seq"), primary_key=True))
    assert table_def(t, PG).columns[0].server_default is None
    assert table_def(t, PG, sequence_defaults=True).columns[0].server_default == "nextval('t_seq')"
    assert table_def(t, sa.create_engine("sqlite://").dialect, sequence_defaults=True).columns[0].server_default is None


# --------------------------------------------------------------------------- schema=


def test_every_operation_names_its_schema() -> None:
    def body() -> None:
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("p", sa.Integer), schema="s")
        op.rename_table("t", "u", schema="s")
        op.create_table_comment("u", "c", schema="s")
        op.drop_table_comment("u", existing_comment="c", schema="s")
        op.add_column("u", sa.Column("x", sa.Integer, sa.ForeignKey("s.parent.id", name="fk_x")), schema="s")
        op.alter_column(
            "u", "x", nullable=False, server_default="1", new_column_name="y", type_=sa.BigInteger, schema="s"
        )
        op.alter_column("u", "y", comment="why", schema="s")
        op.create_index("ix_y", "u", ["y"], schema="s", postgresql_concurrently=True)
        op.drop_index("ix_y", "u", schema="s")
        op.create_unique_constraint("uq_y", "u", ["y"], schema="s")
        op.create_check_constraint("ck_y", "u", "y > 0", schema="s")
        op.create_foreign_key("fk_p", "u", "parent", ["p"], ["id"], source_schema="s", referent_schema="r")
        op.create_primary_key("pk_u", "u", ["y"], schema="s")
        op.drop_constraint("fk_p", "u", type_="foreignkey", schema="s")
        op.drop_column("u", "y", schema="s")
        op.drop_table("u", schema="s")

    assert offline(body) == [
        "CREATE TABLE s.t ( id SERIAL NOT NULL, p INTEGER, PRIMARY KEY (id) )",
        "ALTER TABLE s.t RENAME TO u",
        "COMMENT ON TABLE s.u IS 'c'",
        "COMMENT ON TABLE s.u IS NULL",
        "ALTER TABLE s.u ADD COLUMN x INTEGER",
        "ALTER TABLE s.u ADD CONSTRAINT fk_x FOREIGN KEY(x) REFERENCES s.parent (id)",
        "ALTER TABLE s.u ALTER COLUMN x TYPE BIGINT",
        "ALTER TABLE s.u ALTER COLUMN x SET NOT NULL",
        "ALTER TABLE s.u ALTER COLUMN x SET DEFAULT '1'",
        "ALTER TABLE s.u RENAME COLUMN x TO y",
        "COMMENT ON COLUMN s.u.y IS 'why'",
        "COMMIT",
        "CREATE INDEX CONCURRENTLY ix_y ON s.u (y)",
        "BEGIN",
        "DROP INDEX s.ix_y",
        "ALTER TABLE s.u ADD CONSTRAINT uq_y UNIQUE (y)",
        "ALTER TABLE s.u ADD CONSTRAINT ck_y CHECK (y > 0)",
        "ALTER TABLE s.u ADD CONSTRAINT fk_p FOREIGN KEY(p) REFERENCES r.parent (id)",
        "ALTER TABLE s.u ADD CONSTRAINT pk_u PRIMARY KEY (y)",
        "ALTER TABLE s.u DROP CONSTRAINT fk_p",
        "ALTER TABLE s.u DROP COLUMN y",
        "DROP TABLE s.u",
    ]
