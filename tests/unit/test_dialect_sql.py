"""The SQL each dialect emits for each operation, as text, without a server.

Four dialects: SQLite, PostgreSQL, MySQL and MariaDB (``mysql.dialect(is_mariadb=True)``, which
is what a ``mysql+pymysql://`` connection to a MariaDB server turns into). Whitespace is
collapsed to one space, so a multi-line ``CREATE TABLE`` reads as one line; everything else
is compared exactly. The last tests render whole revisions offline through a
``MigrationContext`` writing to a stream, as ``--sql`` does.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.dialects.mysql.mariadb import loader as mariadb_loader
from sqlalchemy.engine import Dialect

from dbshift.dialects import impl_for
from dbshift.dialects.base import DialectImpl, UnsupportedOperation
from dbshift.dialects.features import backend_name, features_of
from dbshift.errors import DbshiftError
from dbshift.operations import api as op
from dbshift.operations.base import Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.sql import BulkInsertOp, ExecuteOp
from dbshift.operations.table import (
    CreateTableCommentOp,
    CreateTableOp,
    DropTableCommentOp,
    DropTableOp,
    RenameTableOp,
)
from dbshift.runtime.context import MigrationContext
from dbshift.schema.from_metadata import table_def
from dbshift.schema.model import CheckDef, ColumnDef, ForeignKeyDef, IndexDef, PrimaryKeyDef, TableDef, UniqueDef

DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
    "mysql": mysql.dialect(),
    "mariadb": mysql.dialect(is_mariadb=True),
}
ALL = tuple(DIALECTS)
MYSQLS = ("mysql", "mariadb")


def one_line(text: str) -> str:
    return " ".join(text.split())


def sql(backend: str, operation: Operation) -> list[str]:
    dialect = DIALECTS[backend]
    return [
        one_line(str(s.compile(dialect=dialect, compile_kwargs={"literal_binds": True})))  # type: ignore[attr-defined]
        for s in impl_for(dialect).statements(operation)
    ]


def expect(operation: Operation, expected: dict[str, list[str]]) -> None:
    """Each backend named in ``expected`` (a tuple key names several) emits exactly that SQL."""
    for backend, statements in expected.items():
        assert sql(backend, operation) == statements, backend


def each(backends: tuple[str, ...], statements: list[str]) -> dict[str, list[str]]:
    return {b: statements for b in backends}


def unsupported(backend: str, operation: Operation, *needles: str) -> str:
    with pytest.raises(UnsupportedOperation) as info:
        sql(backend, operation)
    message = str(info.value)
    for needle in needles:
        assert needle in message, message
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- dialect selection


def test_impl_and_features_tell_mariadb_from_mysql() -> None:
    assert features_of(DIALECTS["mariadb"]).if_exists_column
    assert not features_of(DIALECTS["mysql"]).if_exists_column
    assert backend_name(DIALECTS["mariadb"]) == "MariaDB"
    assert backend_name(DIALECTS["mysql"]) == "MySQL"
    assert backend_name(DIALECTS["postgresql"]) == "PostgreSQL"
    named_mariadb = mariadb_loader("pymysql")()
    assert named_mariadb.name == "mariadb"
    assert type(impl_for(named_mariadb)) is type(impl_for(DIALECTS["mysql"]))
    assert impl_for(named_mariadb).backend == "MariaDB"
    assert not features_of(DIALECTS["mysql"]).transactional_ddl
    assert features_of(DIALECTS["sqlite"]).transactional_ddl
    assert features_of(DIALECTS["postgresql"]).transactional_ddl


def _operation_classes() -> Iterator[type[Operation]]:
    todo = list(Operation.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        yield cls


def test_every_operation_class_has_ddl_on_every_dialect() -> None:
    """Every operation but bulk_insert (run by the context itself) has a handler."""
    for cls in _operation_classes():
        if cls is BulkInsertOp or cls.__module__.startswith("tests"):
            continue
        for backend, dialect in DIALECTS.items():
            assert callable(getattr(impl_for(dialect), "do_" + cls.__name__, None)), (cls, backend)


def test_an_operation_without_ddl_is_a_clear_error() -> None:
    class Unknown(Operation):
        def describe(self) -> str:
            return "frobnicated"

    with pytest.raises(UnsupportedOperation, match="PostgreSQL: no DDL for frobnicated"):
        impl_for(DIALECTS["postgresql"]).statements(Unknown())


# --------------------------------------------------------------------------- tables


def full_table() -> CreateTableOp:
    parent = sa.Table("parent", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    table = sa.Table(
        "items",
        parent.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, comment="the name"),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", name="fk_items_parent", ondelete="CASCADE")),
        sa.Column("qty", sa.Integer, server_default="0"),
        sa.UniqueConstraint("name", name="uq_items_name"),
        sa.CheckConstraint("qty >= 0", name="ck_items_qty"),
        sa.Index("ix_items_qty", "qty"),
        comment="stock items",
    )
    return CreateTableOp(table_def(table, DIALECTS["postgresql"]))


def test_create_table_with_keys_constraints_index_and_comments() -> None:
    body = (
        "name VARCHAR(50) NOT NULL{name_comment}, parent_id INTEGER, qty INTEGER DEFAULT '0', PRIMARY KEY (id), "
        "CONSTRAINT fk_items_parent FOREIGN KEY(parent_id) REFERENCES parent (id) ON DELETE CASCADE, "
        "CONSTRAINT uq_items_name UNIQUE (name), CONSTRAINT ck_items_qty CHECK (qty >= 0) )"
    )
    plain = body.format(name_comment="")
    inline = body.format(name_comment=" COMMENT 'the name'")
    expect(
        full_table(),
        {
            "sqlite": [
                f"CREATE TABLE items ( id INTEGER NOT NULL, {plain}",
                "CREATE INDEX ix_items_qty ON items (qty)",
            ],
            # PostgreSQL has no inline comments: COMMENT ON after the table.
            "postgresql": [
                f"CREATE TABLE items ( id SERIAL NOT NULL, {plain}",
                "CREATE INDEX ix_items_qty ON items (qty)",
                "COMMENT ON TABLE items IS 'stock items'",
                "COMMENT ON COLUMN items.name IS 'the name'",
            ],
            **each(
                MYSQLS,
                [
                    f"CREATE TABLE items ( id INTEGER NOT NULL AUTO_INCREMENT, {inline}COMMENT='stock items'",
                    "CREATE INDEX ix_items_qty ON items (qty)",
                ],
            ),
        },
    )


def test_create_table_if_not_exists() -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer))
    bare = CreateTableOp(table_def(table, DIALECTS["sqlite"]), if_not_exists=True)
    sa.Index("ix_t_a", table.c.a)
    indexed = CreateTableOp(table_def(table, DIALECTS["sqlite"]), if_not_exists=True)
    expect(
        bare,
        {
            "sqlite": ["CREATE TABLE IF NOT EXISTS t ( id INTEGER NOT NULL, a INTEGER, PRIMARY KEY (id) )"],
            "postgresql": ["CREATE TABLE IF NOT EXISTS t ( id SERIAL NOT NULL, a INTEGER, PRIMARY KEY (id) )"],
            **each(
                MYSQLS,
                ["CREATE TABLE IF NOT EXISTS t ( id INTEGER NOT NULL AUTO_INCREMENT, a INTEGER, PRIMARY KEY (id) )"],
            ),
        },
    )
    for backend in ("sqlite", "postgresql", "mariadb"):
        assert sql(backend, indexed)[1] == "CREATE INDEX IF NOT EXISTS ix_t_a ON t (a)"
    # MySQL has no CREATE INDEX IF NOT EXISTS: only a live database can say whether to create.
    unsupported("mysql", indexed, "create_table 't' with if_not_exists", "--sql", "MySQL")


def test_create_table_in_a_schema() -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), schema="app", comment="c")
    assert sql("postgresql", CreateTableOp(table_def(table, DIALECTS["postgresql"]))) == [
        "CREATE TABLE app.t ( id SERIAL NOT NULL, PRIMARY KEY (id) )",
        "COMMENT ON TABLE app.t IS 'c'",
    ]


def test_drop_table() -> None:
    expect(DropTableOp("items"), each(ALL, ["DROP TABLE items"]))
    expect(DropTableOp("items", if_exists=True), each(ALL, ["DROP TABLE IF EXISTS items"]))
    assert sql("postgresql", DropTableOp("items", "app")) == ["DROP TABLE app.items"]


def test_rename_table() -> None:
    expect(
        RenameTableOp("items", "stock"),
        {
            "sqlite": ["ALTER TABLE items RENAME TO stock"],
            "postgresql": ["ALTER TABLE items RENAME TO stock"],
            **each(MYSQLS, ["RENAME TABLE items TO stock"]),
        },
    )
    assert sql("mysql", RenameTableOp("items", "stock", "app")) == ["RENAME TABLE app.items TO app.stock"]
    assert sql("postgresql", RenameTableOp("items", "stock", "app")) == ["ALTER TABLE app.items RENAME TO stock"]


def test_table_comments() -> None:
    expect(
        CreateTableCommentOp("items", "stock 'items'"),
        {
            "sqlite": [],  # SQLite has no comments: documented no-op
            "postgresql": ["COMMENT ON TABLE items IS 'stock ''items'''"],
            **each(MYSQLS, ["ALTER TABLE items COMMENT 'stock ''items'''"]),
        },
    )
    expect(
        DropTableCommentOp("items", existing_comment="x"),
        {
            "sqlite": [],
            "postgresql": ["COMMENT ON TABLE items IS NULL"],
            **each(MYSQLS, ["ALTER TABLE items COMMENT ''"]),
        },
    )


# --------------------------------------------------------------------------- columns


def test_add_column() -> None:
    column = ColumnDef("note", sa.String(20), nullable=False, server_default="'n/a'", comment="a note")
    expect(
        AddColumnOp("items", column),
        {
            "sqlite": ["ALTER TABLE items ADD COLUMN note VARCHAR(20) DEFAULT 'n/a' NOT NULL"],
            "postgresql": [
                "ALTER TABLE items ADD COLUMN note VARCHAR(20) DEFAULT 'n/a' NOT NULL",
                "COMMENT ON COLUMN items.note IS 'a note'",
            ],
            **each(MYSQLS, ["ALTER TABLE items ADD COLUMN note VARCHAR(20) NOT NULL COMMENT 'a note' DEFAULT 'n/a'"]),
        },
    )


def test_add_and_drop_column_if_exists() -> None:
    add = AddColumnOp("items", ColumnDef("note", sa.Integer()), if_not_exists=True)
    drop = DropColumnOp("items", "note", if_exists=True)
    for backend in ("postgresql", "mariadb"):
        assert sql(backend, add) == ["ALTER TABLE items ADD COLUMN IF NOT EXISTS note INTEGER"]
        assert sql(backend, drop) == ["ALTER TABLE items DROP COLUMN IF EXISTS note"]
    # Not native on SQLite and MySQL: decided by looking at the database, impossible offline.
    for backend, name in (("sqlite", "SQLite"), ("mysql", "MySQL")):
        unsupported(backend, add, "'items.note'", "--sql", name)
        unsupported(backend, drop, "'items.note'", "--sql", name)


def test_drop_column() -> None:
    expect(DropColumnOp("items", "note"), each(ALL, ["ALTER TABLE items DROP COLUMN note"]))


def alter(**kw: object) -> AlterColumnOp:
    """An alter_column on items.qty, INTEGER NULL DEFAULT '0' COMMENT 'how many' before."""
    hints: dict[str, object] = {
        "existing_type": sa.Integer(),
        "existing_nullable": True,
        "existing_server_default": "'0'",
        "existing_comment": "how many",
    }
    hints.update(kw)
    return AlterColumnOp("items", "qty", **hints)  # type: ignore[arg-type]


def test_alter_column_type() -> None:
    expect(
        alter(type=sa.BigInteger()),
        {
            "postgresql": ["ALTER TABLE items ALTER COLUMN qty TYPE BIGINT"],
            # MySQL restates the whole column: default and comment come from the hints.
            **each(MYSQLS, ["ALTER TABLE items MODIFY COLUMN qty BIGINT COMMENT 'how many' DEFAULT '0'"]),
        },
    )
    using = alter(
        type=sa.Integer(), existing_type=sa.String(10), dialect_options=(("postgresql_using", "qty::integer"),)
    )
    assert sql("postgresql", using) == ["ALTER TABLE items ALTER COLUMN qty TYPE INTEGER USING qty::integer"]
    unsupported("sqlite", alter(type=sa.BigInteger()), "SQLite", "type", "'items.qty'", "table rebuild", "--sql")


def test_alter_column_nullable() -> None:
    expect(
        alter(nullable=False),
        {
            "postgresql": ["ALTER TABLE items ALTER COLUMN qty SET NOT NULL"],
            **each(MYSQLS, ["ALTER TABLE items MODIFY COLUMN qty INTEGER NOT NULL COMMENT 'how many' DEFAULT '0'"]),
        },
    )
    expect(
        alter(nullable=True, existing_nullable=False),
        {
            "postgresql": ["ALTER TABLE items ALTER COLUMN qty DROP NOT NULL"],
            **each(MYSQLS, ["ALTER TABLE items MODIFY COLUMN qty INTEGER COMMENT 'how many' DEFAULT '0'"]),
        },
    )
    unsupported("sqlite", alter(nullable=False), "SQLite", "NOT NULL", "'items.qty'", "table rebuild", "--sql")


def test_alter_column_server_default() -> None:
    expect(
        alter(server_default="'5'"),
        {
            "postgresql": ["ALTER TABLE items ALTER COLUMN qty SET DEFAULT '5'"],
            # only the default changes: MySQL has ALTER COLUMN ... SET DEFAULT too, no restating
            **each(MYSQLS, ["ALTER TABLE items ALTER COLUMN qty SET DEFAULT '5'"]),
        },
    )
    expect(
        alter(server_default=None), each(("postgresql", *MYSQLS), ["ALTER TABLE items ALTER COLUMN qty DROP DEFAULT"])
    )
    unsupported("sqlite", alter(server_default="'5'"), "SQLite", "server default", "'items.qty'", "table rebuild")


def test_alter_column_comment() -> None:
    expect(
        alter(comment="count"),
        {
            "sqlite": [],
            "postgresql": ["COMMENT ON COLUMN items.qty IS 'count'"],
            **each(MYSQLS, ["ALTER TABLE items MODIFY COLUMN qty INTEGER COMMENT 'count' DEFAULT '0'"]),
        },
    )
    expect(
        alter(comment=None),
        {
            "sqlite": [],
            "postgresql": ["COMMENT ON COLUMN items.qty IS NULL"],
            **each(MYSQLS, ["ALTER TABLE items MODIFY COLUMN qty INTEGER DEFAULT '0'"]),
        },
    )


def test_alter_column_rename() -> None:
    expect(
        alter(new_column_name="quantity"),
        {
            "sqlite": ["ALTER TABLE items RENAME COLUMN qty TO quantity"],
            "postgresql": ["ALTER TABLE items RENAME COLUMN qty TO quantity"],
            **each(MYSQLS, ["ALTER TABLE items CHANGE COLUMN qty quantity INTEGER COMMENT 'how many' DEFAULT '0'"]),
        },
    )
    # Renaming and commenting is fine on SQLite: the comment is dropped (no comments there).
    assert sql("sqlite", alter(new_column_name="quantity", comment="x")) == [
        "ALTER TABLE items RENAME COLUMN qty TO quantity"
    ]


def test_alter_column_everything_at_once() -> None:
    everything = alter(
        type=sa.BigInteger(), nullable=False, server_default="'1'", comment="count", new_column_name="quantity"
    )
    expect(
        everything,
        {
            # PostgreSQL: one ALTER per attribute, the rename last so the others name the old column.
            "postgresql": [
                "ALTER TABLE items ALTER COLUMN qty TYPE BIGINT",
                "ALTER TABLE items ALTER COLUMN qty SET NOT NULL",
                "ALTER TABLE items ALTER COLUMN qty SET DEFAULT '1'",
                "COMMENT ON COLUMN items.qty IS 'count'",
                "ALTER TABLE items RENAME COLUMN qty TO quantity",
            ],
            # MySQL: one CHANGE restating the whole column under its new name.
            **each(
                MYSQLS, ["ALTER TABLE items CHANGE COLUMN qty quantity BIGINT NOT NULL COMMENT 'count' DEFAULT '1'"]
            ),
        },
    )
    message = unsupported("sqlite", everything, "'items.qty'", "table rebuild", "--sql")
    assert "BigInteger()" in message and "NOT NULL" in message and "server default" in message


def test_mysql_alter_column_keeps_auto_increment_from_the_hint() -> None:
    op_ = AlterColumnOp(
        "items",
        "id",
        comment="key",
        existing_type=sa.Integer(),
        existing_nullable=False,
        existing_server_default=None,
        dialect_options=(("existing_autoincrement", True),),
    )
    expect(op_, each(MYSQLS, ["ALTER TABLE items MODIFY COLUMN id INTEGER NOT NULL COMMENT 'key' AUTO_INCREMENT"]))


def test_mysql_alter_column_offline_needs_the_hints() -> None:
    bare = AlterColumnOp("items", "qty", type=sa.BigInteger())
    message = unsupported("mysql", bare, "'items.qty'", "--sql", "MySQL", "existing_type")
    assert "missing: existing_type, existing_nullable, existing_server_default" in message
    # (nullable= would stand for existing_nullable: the restated column takes it)
    partial = AlterColumnOp(
        "items", "qty", type=sa.BigInteger(), existing_type=sa.Integer(), existing_server_default=None
    )
    message = unsupported("mariadb", partial, "MariaDB", "missing: existing_nullable")
    assert "existing_type," in message  # lists all it needs, then what is missing


# --------------------------------------------------------------------------- indexes


def test_create_index() -> None:
    expect(CreateIndexOp("items", IndexDef("ix_a", ("a", "b"))), each(ALL, ["CREATE INDEX ix_a ON items (a, b)"]))
    expect(
        CreateIndexOp("items", IndexDef("ux_a", ("a",), unique=True)),
        each(ALL, ["CREATE UNIQUE INDEX ux_a ON items (a)"]),
    )
    expression = CreateIndexOp("items", IndexDef("ix_lower", ("lower(name)",), expressions=(True,)))
    assert sql("postgresql", expression) == ["CREATE INDEX ix_lower ON items (lower(name))"]
    partial = CreateIndexOp(
        "items", IndexDef("ix_p", ("a",), dialect_options=(("postgresql_where", sa.text("a > 0")),))
    )
    assert sql("postgresql", partial) == ["CREATE INDEX ix_p ON items (a) WHERE a > 0"]


def test_create_and_drop_index_if_exists() -> None:
    create = CreateIndexOp("items", IndexDef("ix_a", ("a",)), if_not_exists=True)
    drop = DropIndexOp("ix_a", "items", if_exists=True)
    expect(create, each(("sqlite", "postgresql", "mariadb"), ["CREATE INDEX IF NOT EXISTS ix_a ON items (a)"]))
    expect(
        drop,
        {
            "sqlite": ["DROP INDEX IF EXISTS ix_a"],
            "postgresql": ["DROP INDEX IF EXISTS ix_a"],
            "mariadb": ["DROP INDEX IF EXISTS ix_a ON items"],
        },
    )
    unsupported("mysql", create, "'ix_a'", "--sql", "MySQL")
    unsupported("mysql", drop, "'ix_a'", "--sql", "MySQL")


def test_drop_index() -> None:
    expect(
        DropIndexOp("ix_a", "items"),
        {
            "sqlite": ["DROP INDEX ix_a"],
            "postgresql": ["DROP INDEX ix_a"],
            **each(MYSQLS, ["DROP INDEX ix_a ON items"]),
        },
    )
    assert sql("postgresql", DropIndexOp("ix_a", "items", "app")) == ["DROP INDEX app.ix_a"]
    assert sql("postgresql", DropIndexOp("ix_a")) == ["DROP INDEX ix_a"]
    unsupported("mysql", DropIndexOp("ix_a"), "'ix_a'", "needs the table name")


# --------------------------------------------------------------------------- constraints


ADDS: dict[str, tuple[AddConstraintOp, str]] = {
    "unique": (AddConstraintOp("items", UniqueDef(("a", "b"), "uq_ab")), "ADD CONSTRAINT uq_ab UNIQUE (a, b)"),
    "foreignkey": (
        AddConstraintOp("items", ForeignKeyDef(("p",), "parent", ("id",), "fk_p", ondelete="SET NULL")),
        "ADD CONSTRAINT fk_p FOREIGN KEY(p) REFERENCES parent (id) ON DELETE SET NULL",
    ),
    "check": (AddConstraintOp("items", CheckDef("a > 0", "ck_a")), "ADD CONSTRAINT ck_a CHECK (a > 0)"),
    "primary": (AddConstraintOp("items", PrimaryKeyDef(("a",), "pk_items")), "ADD CONSTRAINT pk_items PRIMARY KEY (a)"),
}


@pytest.mark.parametrize("kind", sorted(ADDS))
def test_add_constraint(kind: str) -> None:
    operation, clause = ADDS[kind]
    expect(operation, each(("postgresql", *MYSQLS), [f"ALTER TABLE items {clause}"]))
    unsupported("sqlite", operation, "SQLite", "table rebuild", "items", "--sql")


def test_add_self_referencing_foreign_key() -> None:
    operation = AddConstraintOp("node", ForeignKeyDef(("parent_id",), "node", ("id",), "fk_node_parent"))
    assert sql("postgresql", operation) == [
        "ALTER TABLE node ADD CONSTRAINT fk_node_parent FOREIGN KEY(parent_id) REFERENCES node (id)"
    ]


DROPS = {
    "foreignkey": ("fk_p", "ALTER TABLE items DROP FOREIGN KEY fk_p", "ALTER TABLE items DROP FOREIGN KEY fk_p"),
    "unique": ("uq_ab", "ALTER TABLE items DROP INDEX uq_ab", "ALTER TABLE items DROP INDEX uq_ab"),
    "check": ("ck_a", "ALTER TABLE items DROP CHECK ck_a", "ALTER TABLE items DROP CONSTRAINT ck_a"),
    "primary": ("pk_items", "ALTER TABLE items DROP PRIMARY KEY", "ALTER TABLE items DROP PRIMARY KEY"),
}


@pytest.mark.parametrize("kind", sorted(DROPS))
def test_drop_constraint(kind: str) -> None:
    name, on_mysql, on_mariadb = DROPS[kind]
    operation = DropConstraintOp("items", name, kind)
    expect(
        operation,
        {"postgresql": [f"ALTER TABLE items DROP CONSTRAINT {name}"], "mysql": [on_mysql], "mariadb": [on_mariadb]},
    )
    unsupported("sqlite", operation, "SQLite", "table rebuild", "--sql")
    # the kind may come from the definition a reversed operation carries
    carried = DropConstraintOp("items", name, None, constraint=ADDS[kind][0].constraint)
    assert sql("mysql", carried) == [on_mysql]


def test_mysql_drop_constraint_without_type_offline() -> None:
    unsupported("mysql", DropConstraintOp("items", "fk_p"), "'fk_p'", "needs type_", "MySQL")
    assert sql("postgresql", DropConstraintOp("items", "fk_p")) == ["ALTER TABLE items DROP CONSTRAINT fk_p"]


# --------------------------------------------------------------------------- raw SQL


def test_execute() -> None:
    expect(ExecuteOp("UPDATE items SET qty = 0"), each(ALL, ["UPDATE items SET qty = 0"]))
    items = sa.table("items", sa.column("qty", sa.Integer), sa.column("name", sa.String))
    statement = sa.update(items).where(items.c.name == "a").values(qty=1)
    expect(ExecuteOp(statement), each(ALL, ["UPDATE items SET qty=1 WHERE items.name = 'a'"]))


# --------------------------------------------------------------------------- offline (--sql)


def offline(backend: str, body: Callable[[], object]) -> str:
    out = io.StringIO()
    context = MigrationContext(DIALECTS[backend], output=out)
    with op.using_context(context):
        body()
    return out.getvalue()


def revision_body() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100), nullable=False, unique=True),
        sa.Column("active", sa.Boolean, server_default=sa.true()),
    )
    op.add_column("account", sa.Column("nick", sa.String(20), comment="shown name"))
    account = sa.table("account", sa.column("id", sa.Integer), sa.column("email", sa.String))
    op.bulk_insert(account, [{"id": 1, "email": "a@x"}, {"id": 2, "email": "o'neil@x"}])
    op.execute(account.update().where(account.c.id == op.inline_literal(2)).values(email=op.inline_literal("b@x")))
    op.execute("DELETE FROM account WHERE id = 1;")
    op.create_index("ix_account_nick", "account", ["nick"])
    op.drop_index("ix_account_nick", "account")


def test_offline_rendering_postgresql() -> None:
    assert offline("postgresql", revision_body) == (
        "CREATE TABLE account (\n"
        "\tid SERIAL NOT NULL, \n"
        "\temail VARCHAR(100) NOT NULL, \n"
        "\tactive BOOLEAN DEFAULT true, \n"
        "\tPRIMARY KEY (id), \n"
        "\tUNIQUE (email)\n"
        ");\n\n"
        "ALTER TABLE account ADD COLUMN nick VARCHAR(20);\n\n"
        "COMMENT ON COLUMN account.nick IS 'shown name';\n\n"
        "INSERT INTO account (id, email) VALUES (1, 'a@x');\n\n"
        "INSERT INTO account (id, email) VALUES (2, 'o''neil@x');\n\n"
        "UPDATE account SET email='b@x' WHERE account.id = 2;\n\n"
        "DELETE FROM account WHERE id = 1;\n\n"
        "CREATE INDEX ix_account_nick ON account (nick);\n\n"
        "DROP INDEX ix_account_nick;\n\n"
    )


def test_offline_rendering_mariadb_and_sqlite() -> None:
    maria = offline("mariadb", revision_body)
    assert "ALTER TABLE account ADD COLUMN nick VARCHAR(20) COMMENT 'shown name';\n\n" in maria
    assert "COMMENT ON" not in maria
    assert "\tactive BOOL DEFAULT true, \n" in maria
    assert "DROP INDEX ix_account_nick ON account;\n\n" in maria
    lite = offline("sqlite", revision_body)
    assert "ALTER TABLE account ADD COLUMN nick VARCHAR(20);\n\n" in lite
    assert "shown name" not in lite
    assert "INSERT INTO account (id, email) VALUES (2, 'o''neil@x');\n\n" in lite


def test_use_alter_foreign_keys_come_after_the_tables_they_need() -> None:
    """Right after the referred table is created in the run; at the end of the revision (the
    flush) when it exists already; inline on SQLite, which cannot add one to a table."""

    def body() -> None:
        op.create_table(
            "a",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("b_id", sa.Integer, sa.ForeignKey("b.id", name="fk_a_b", use_alter=True)),
            sa.Column("prev_id", sa.Integer),
            sa.ForeignKeyConstraint(["prev_id"], ["prev.id"], name="fk_a_prev", use_alter=True),
        )
        op.create_table(
            "b",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("a_id", sa.Integer, sa.ForeignKey("a.id", name="fk_b_a")),
        )
        op.execute("SELECT 1")
        op.get_context().flush()

    for backend in ("postgresql", "mariadb"):
        out = [one_line(s) for s in offline(backend, body).split(";\n\n") if s.strip()]
        assert [s.split(" (")[0] for s in out] == [
            "CREATE TABLE a",
            "CREATE TABLE b",
            "ALTER TABLE a ADD CONSTRAINT fk_a_b FOREIGN KEY(b_id) REFERENCES b",
            "SELECT 1",
            "ALTER TABLE a ADD CONSTRAINT fk_a_prev FOREIGN KEY(prev_id) REFERENCES prev",
        ], backend
        assert "fk_a_b" not in out[0] and "CONSTRAINT fk_b_a FOREIGN KEY(a_id) REFERENCES a (id)" in out[1]
    lite = one_line(offline("sqlite", body))
    assert "CONSTRAINT fk_a_b FOREIGN KEY(b_id) REFERENCES b (id), CONSTRAINT fk_a_prev" in lite
    assert "ALTER TABLE" not in lite


def test_offline_op_functions_that_need_a_database() -> None:
    # op.get_bind() in --sql mode writes what is executed on it, as Alembic's stand-in does.
    assert offline("postgresql", lambda: op.get_bind().execute(sa.text("SELECT 1"))) == "SELECT 1;\n\n"
    created = offline("postgresql", lambda: sa.Enum("a", "b", name="mood").create(op.get_bind(), checkfirst=False))
    assert created == "CREATE TYPE mood AS ENUM ('a', 'b');\n\n"
    with pytest.raises(UnsupportedOperation, match="--sql"):
        offline("mysql", lambda: op.alter_column("items", "qty", nullable=False))
    assert (
        offline(
            "mysql",
            lambda: op.alter_column(
                "items",
                "qty",
                nullable=False,
                existing_type=sa.Integer(),
                existing_server_default=None,
                existing_nullable=True,
            ),
        )
        == "ALTER TABLE items MODIFY COLUMN qty INTEGER NOT NULL;\n\n"
    )


def test_offline_value_that_cannot_be_written_as_text_is_a_clear_error() -> None:
    untyped = sa.table("items", sa.column("qty"))

    with pytest.raises(DbshiftError) as info:
        offline("postgresql", lambda: op.execute(sa.update(untyped).values(qty=5)))
    message = str(info.value)
    assert "UPDATE items SET qty=:qty" in message and "--sql mode" in message and "inline_literal" in message


def test_offline_alter_column_through_the_op_api() -> None:
    def body() -> None:
        op.alter_column("items", "qty", server_default="5", existing_server_default=None)
        op.alter_column("items", "qty", server_default=sa.text("0"))
        op.alter_column("items", "qty", server_default=None)
        op.alter_column("items", "qty", comment="count", existing_comment=None)
        op.alter_column("items", "qty", new_column_name="quantity")
        op.create_table_comment("items", "stock")
        op.drop_table_comment("items", existing_comment="stock")
        op.create_unique_constraint(op.f("uq_items_name"), "items", ["name"])
        op.create_foreign_key("fk_items_p", "items", "parent", ["p"], ["id"], ondelete="CASCADE")
        op.create_check_constraint("ck_qty", "items", sa.column("qty", sa.Integer) > 0)
        op.create_primary_key("pk_items", "items", ["id"])
        op.drop_constraint("ck_qty", "items", type_="check")
        op.rename_table("items", "stock")
        op.drop_table("stock", if_exists=True)

    assert offline("postgresql", body).split(";\n\n") == [
        "ALTER TABLE items ALTER COLUMN qty SET DEFAULT '5'",
        "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 0",
        "ALTER TABLE items ALTER COLUMN qty DROP DEFAULT",
        "COMMENT ON COLUMN items.qty IS 'count'",
        "ALTER TABLE items RENAME COLUMN qty TO quantity",
        "COMMENT ON TABLE items IS 'stock'",
        "COMMENT ON TABLE items IS NULL",
        "ALTER TABLE items ADD CONSTRAINT uq_items_name UNIQUE (name)",
        "ALTER TABLE items ADD CONSTRAINT fk_items_p FOREIGN KEY(p) REFERENCES parent (id) ON DELETE CASCADE",
        "ALTER TABLE items ADD CONSTRAINT ck_qty CHECK (qty > 0)",
        "ALTER TABLE items ADD CONSTRAINT pk_items PRIMARY KEY (id)",
        "ALTER TABLE items DROP CONSTRAINT ck_qty",
        "ALTER TABLE items RENAME TO stock",
        "DROP TABLE IF EXISTS stock",
        "",
    ]


def test_dialect_impl_is_shared_default_for_unknown_backends() -> None:
    class Other(sqlite.dialect):  # type: ignore[misc, valid-type]
        name = "other"

    impl = impl_for(Other())
    assert type(impl) is DialectImpl
    assert not impl.features.transactional_ddl


def test_postgresql_creates_a_native_enum_type_before_the_table() -> None:
    from dbshift.operations.table import CreateTableOp
    from dbshift.schema.model import ColumnDef, TableDef

    table = TableDef("items", (ColumnDef("size", sa.Enum("s", "m", name="size_kind")),))
    dialect = postgresql.dialect()
    sql = [str(s.compile(dialect=dialect)).strip() for s in impl_for(dialect).statements(CreateTableOp(table))]
    assert sql[0] == "CREATE TYPE size_kind AS ENUM ('s', 'm')"
    assert sql[1].startswith("CREATE TABLE items")


def test_a_keyword_of_the_running_backend_that_nothing_uses_is_refused() -> None:
    """MariaDB reads mysql_* and mariadb_*, MySQL only mysql_*: mariadb_* is another backend's there."""
    drop = DropIndexOp("ix", "t", dialect_options=(("mariadb_using", "hash"),))
    unsupported("mariadb", drop, "drop_index 'ix': keyword mariadb_using has no effect on MariaDB")
    assert sql("mysql", drop) == ["DROP INDEX ix ON t"]
    assert sql("postgresql", drop) == ["DROP INDEX ix"]
    check = AddConstraintOp("t", CheckDef("a > 0", "ck", dialect_options=(("postgresql_not_valid", True),)))
    assert sql("postgresql", check) == ["ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0) NOT VALID"]
    assert sql("sqlite", DropTableOp("t", dialect_options=(("postgresql_x", 1),))) == ["DROP TABLE t"]
    unsupported("sqlite", DropTableOp("t", dialect_options=(("sqlite_x", 1),)), "drop_table 't'", "sqlite_x")
    table = TableDef("t", (ColumnDef("a", sa.Integer()),), dialect_options=(("postgresql_ignore_search_path", True),))
    unsupported("postgresql", CreateTableOp(table), "create_table 't'", "postgresql_ignore_search_path")
    assert sql("mariadb", CreateTableOp(table))[0].startswith("CREATE TABLE t")
