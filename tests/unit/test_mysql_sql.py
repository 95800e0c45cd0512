"""The SQL MySQL and MariaDB get, as text, without a server (``--sql`` mode).

What these backends need beyond the shared forms in ``test_dialect_sql.py``: a ``VARCHAR``
needs a length (refused naming the column, not with SQLAlchemy's compile error); a ``MODIFY``
keeps the column's ``CHARACTER SET``/``COLLATE``; a rename alone is ``RENAME COLUMN`` unless
the hints describe the whole column; ``mysql_*`` and ``mariadb_*`` keywords reach the dialect
whichever name the URL gives it. The same behaviour against a real MariaDB is in
``tests/backend/test_mariadb.py``.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects.mysql.mariadb import loader as mariadb_loader
from sqlalchemy.engine import Dialect

from dbshift.dialects import impl_for
from dbshift.dialects.base import UnsupportedOperation
from dbshift.dialects.mysql import MySQLImpl, keep_charset
from dbshift.operations import api as op
from dbshift.operations.base import Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp
from dbshift.operations.index import CreateIndexOp
from dbshift.operations.table import CreateTableOp
from dbshift.runtime.context import MigrationContext
from dbshift.schema.model import ColumnDef, IndexDef, TableDef


def dialects() -> dict[str, Dialect]:
    """MySQL, MariaDB reached through ``mysql://`` and MariaDB through ``mariadb://``."""
    named = mariadb_loader("pymysql")()
    assert named.name == "mariadb"
    return {"mysql": mysql.dialect(), "mariadb": mysql.dialect(is_mariadb=True), "mariadb-url": named}


DIALECTS = dialects()
NAMES = {"mysql": "MySQL", "mariadb": "MariaDB", "mariadb-url": "MariaDB"}


def one_line(text: str) -> str:
    return " ".join(text.split())


def sql(backend: str, operation: Operation) -> list[str]:
    dialect = DIALECTS[backend]
    return [
        one_line(str(s.compile(dialect=dialect, compile_kwargs={"literal_binds": True})))  # type: ignore[attr-defined]
        for s in impl_for(dialect).statements(operation)
    ]


def refused(backend: str, operation: Operation, *needles: str) -> str:
    with pytest.raises(UnsupportedOperation) as info:
        sql(backend, operation)
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    return message


def offline(backend: str, body: Callable[[], None]) -> str:
    """What ``body`` (calls to ``op``) writes in ``--sql`` mode."""
    out = io.StringIO()
    context = MigrationContext(DIALECTS[backend], output=out)
    with op.using_context(context):
        body()
    return out.getvalue()


def hints(**kw: object) -> AlterColumnOp:
    """An alter_column on items.name, VARCHAR(50) NOT NULL DEFAULT 'x' before, described in full."""
    given: dict[str, object] = {
        "existing_type": sa.String(50),
        "existing_nullable": False,
        "existing_server_default": "'x'",
        "existing_comment": None,
    }
    given.update(kw)
    return AlterColumnOp("items", "name", **given)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- VARCHAR lengths


@pytest.mark.parametrize("target", list(DIALECTS))
@pytest.mark.parametrize("type_", [sa.String(), sa.Unicode(), sa.VARCHAR(), sa.NVARCHAR(), mysql.VARCHAR()])
def test_varchar_without_length_is_refused_naming_the_column(target: str, type_: sa.types.TypeEngine[str]) -> None:
    backend = target  # not "backend": that name selects database servers in tests/conftest.py
    name = NAMES[backend]
    kind = "NVARCHAR" if isinstance(type_, sa.NVARCHAR) else "VARCHAR"
    expected = f"{name} needs a length for {kind} column 'users.name': use sa.String(255) or sa.Text()"
    table = TableDef("users", (ColumnDef("id", sa.Integer()), ColumnDef("name", type_)))
    assert refused(backend, CreateTableOp(table)) == expected
    assert refused(backend, AddColumnOp("users", ColumnDef("name", type_))) == expected
    in_schema = refused(backend, AddColumnOp("users", ColumnDef("name", type_), schema="app"))
    assert "column 'app.users.name'" in in_schema
    altered = AlterColumnOp(
        "users", "name", type=type_, existing_type=sa.String(5), existing_nullable=True, existing_server_default=None
    )
    assert refused(backend, altered) == expected.replace("'users.name':", "'users.name' (its type_):")
    # An Alembic-style hint without a length is named too (the type is restated from it).
    hinted = AlterColumnOp(
        "users", "name", nullable=False, existing_type=type_, existing_nullable=True, existing_server_default=None
    )
    refused(backend, hinted, "'users.name' (its existing_type)", "sa.String(255)")


def test_types_that_need_no_length_pass() -> None:
    table = TableDef(
        "t",
        (
            ColumnDef("a", sa.Text()),
            ColumnDef("b", sa.CHAR()),
            ColumnDef("c", sa.Enum("x", "y")),
            ColumnDef("d", sa.Enum("x", native_enum=False)),
            ColumnDef("e", sa.String(10)),
        ),
    )
    assert sql("mariadb", CreateTableOp(table)) == [
        "CREATE TABLE t ( a TEXT, b CHAR, c ENUM('x','y'), d VARCHAR(1), e VARCHAR(10) )"
    ]


def test_varchar_without_length_in_sql_mode_through_op() -> None:
    def create() -> None:
        op.create_table("tags", sa.Column("label", sa.String()))

    with pytest.raises(UnsupportedOperation, match=r"MariaDB needs a length for VARCHAR column 'tags.label'"):
        offline("mariadb", create)
    with pytest.raises(UnsupportedOperation, match=r"MySQL needs a length for VARCHAR column 'tags.label'"):
        offline("mysql", lambda: op.add_column("tags", sa.Column("label", sa.String())))


# --------------------------------------------------------------------------- alter_column


def test_alter_column_without_changes_emits_nothing() -> None:
    assert sql("mariadb", AlterColumnOp("items", "name")) == []


def test_modify_keeps_the_character_set_and_collation() -> None:
    latin = mysql.VARCHAR(50, charset="latin1", collation="latin1_bin")
    widened = hints(type=sa.String(80), existing_type=latin)
    expected = (
        "ALTER TABLE items MODIFY COLUMN name VARCHAR(80) CHARACTER SET latin1 COLLATE latin1_bin NOT NULL DEFAULT 'x'"
    )
    for backend in DIALECTS:
        assert sql(backend, widened) == [expected], backend
    # Unchanged type: restated as the hint says, charset and all.
    assert sql("mariadb", hints(nullable=True, existing_type=latin)) == [
        "ALTER TABLE items MODIFY COLUMN name VARCHAR(50) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT 'x'"
    ]
    # A type naming its own collation keeps it; a non-string type has none.
    own = hints(type=sa.String(80, collation="utf8mb4_bin"), existing_type=latin)
    assert sql("mariadb", own) == [
        "ALTER TABLE items MODIFY COLUMN name VARCHAR(80) COLLATE utf8mb4_bin NOT NULL DEFAULT 'x'"
    ]
    to_text = hints(type=sa.Text(), existing_type=mysql.VARCHAR(50, collation="utf8mb4_bin"))
    assert sql("mariadb", to_text) == [
        "ALTER TABLE items MODIFY COLUMN name TEXT COLLATE utf8mb4_bin NOT NULL DEFAULT 'x'"
    ]
    to_int = hints(type=sa.Integer(), existing_type=latin, existing_server_default=None)
    assert sql("mariadb", to_int) == ["ALTER TABLE items MODIFY COLUMN name INTEGER NOT NULL"]


def test_keep_charset_leaves_the_given_type_alone() -> None:
    new = sa.String(80)
    kept = keep_charset(new, mysql.VARCHAR(50, charset="latin1"))
    assert kept is not new and new.collation is None and not hasattr(new, "charset")
    assert keep_charset(new, sa.String(50)) is new
    assert keep_charset(sa.Integer(), mysql.VARCHAR(5, charset="latin1")).__class__ is sa.Integer


def test_rename_alone_is_rename_column_unless_the_hints_describe_the_column() -> None:
    bare = AlterColumnOp("items", "name", new_column_name="title")
    partial = AlterColumnOp("items", "name", new_column_name="title", existing_type=sa.String(50))
    for backend in DIALECTS:
        assert sql(backend, bare) == ["ALTER TABLE items RENAME COLUMN name TO title"], backend
        assert sql(backend, partial) == ["ALTER TABLE items RENAME COLUMN name TO title"], backend
        # Described in full: CHANGE, which every server version runs.
        assert sql(backend, hints(new_column_name="title")) == [
            "ALTER TABLE items CHANGE COLUMN name title VARCHAR(50) NOT NULL DEFAULT 'x'"
        ]
    # A rename with another change restates the column: the hints are needed.
    refused(
        "mariadb",
        AlterColumnOp("items", "name", new_column_name="title", nullable=True),
        "'items.name'",
        "--sql",
        "missing: existing_type, existing_server_default",  # nullable= is given
    )
    assert sql("mariadb", hints(new_column_name="title", nullable=True, comment="shown")) == [
        "ALTER TABLE items CHANGE COLUMN name title VARCHAR(50) COMMENT 'shown' DEFAULT 'x'"
    ]


def test_rename_column_needs_mariadb_10_5_2_or_mysql_8_0_3() -> None:
    def supports(dialect: Dialect, version: tuple[int, ...]) -> bool:
        dialect.server_version_info = version
        impl = impl_for(dialect)
        assert isinstance(impl, MySQLImpl)
        return impl._has_rename_column()

    assert supports(mysql.dialect(is_mariadb=True), (10, 5, 2))
    assert not supports(mysql.dialect(is_mariadb=True), (10, 4, 30))
    assert supports(mysql.dialect(), (8, 0, 3))
    assert not supports(mysql.dialect(), (5, 7, 44))
    assert impl_for(mysql.dialect())._has_rename_column()  # type: ignore[attr-defined]  # version unknown


def test_sql_mode_without_hints_names_the_column_and_the_missing_hints() -> None:
    with pytest.raises(UnsupportedOperation) as info:
        offline("mariadb", lambda: op.alter_column("items", "name", type_=sa.String(80)))
    assert str(info.value) == (
        "alter_column on 'items.name' in --sql mode on MariaDB restates the whole column and needs"
        " existing_type, existing_nullable, existing_server_default"
        " (missing: existing_type, existing_nullable, existing_server_default)"
    )
    written = offline(
        "mariadb",
        lambda: op.alter_column(
            "items",
            "name",
            type_=sa.String(80),
            existing_type=sa.String(50),
            existing_nullable=False,
            existing_server_default="x",
            existing_comment="shown",
        ),
    )
    assert written == "ALTER TABLE items MODIFY COLUMN name VARCHAR(80) NOT NULL COMMENT 'shown' DEFAULT 'x';\n\n"


# --------------------------------------------------------------------------- mysql_* keywords


def options_table(**kw: object) -> CreateTableOp:
    table = TableDef("t", (ColumnDef("id", sa.Integer()),), dialect_options=tuple(sorted(kw.items())))
    return CreateTableOp(table)


def test_table_keywords_reach_the_dialect_whatever_its_name() -> None:
    spelled_mysql = options_table(
        mysql_engine="MyISAM", mysql_charset="latin1", mysql_collate="latin1_bin", mysql_row_format="FIXED"
    )
    expected = "CREATE TABLE t ( id INTEGER )CHARSET=latin1 ENGINE=MyISAM ROW_FORMAT=FIXED COLLATE latin1_bin"
    for backend in DIALECTS:
        assert sql(backend, spelled_mysql) == [expected], backend
    spelled_mariadb = options_table(mariadb_engine="Aria")
    for backend in ("mariadb", "mariadb-url"):
        assert sql(backend, spelled_mariadb) == ["CREATE TABLE t ( id INTEGER )ENGINE=Aria"], backend
    # mariadb_* is for MariaDB only, as in SQLAlchemy: not for MySQL.
    assert sql("mysql", spelled_mariadb) == ["CREATE TABLE t ( id INTEGER )"]
    # Both given: the spelling of the dialect's own name wins; other dialects' keywords are left alone.
    both = options_table(mysql_engine="MyISAM", mariadb_engine="Aria", postgresql_with_oids=False)
    assert sql("mysql", both) == ["CREATE TABLE t ( id INTEGER )ENGINE=MyISAM"]
    assert sql("mariadb", both) == ["CREATE TABLE t ( id INTEGER )ENGINE=MyISAM"]
    assert sql("mariadb-url", both) == ["CREATE TABLE t ( id INTEGER )ENGINE=Aria"]


def test_table_keywords_through_op_create_table() -> None:
    def body() -> None:
        op.create_table("t", sa.Column("id", sa.Integer), mysql_engine="InnoDB", mysql_row_format="COMPACT")

    for backend in DIALECTS:
        assert one_line(offline(backend, body)) == "CREATE TABLE t ( id INTEGER )ENGINE=InnoDB ROW_FORMAT=COMPACT;"


def test_index_keywords_reach_the_dialect_whatever_its_name() -> None:
    prefix = IndexDef("ix_doc", ("doc",), dialect_options=(("mysql_prefix", "FULLTEXT"),))
    length = IndexDef(
        "ix_name", ("name", "code"), dialect_options=(("mysql_length", {"name": 10}), ("mysql_using", "BTREE"))
    )
    for backend in DIALECTS:
        assert sql(backend, CreateIndexOp("t", prefix)) == ["CREATE FULLTEXT INDEX ix_doc ON t (doc)"], backend
        # upper case as reflection reports it: SQLAlchemy would quote it as a name (USING `BTREE`)
        assert sql(backend, CreateIndexOp("t", length)) == ["CREATE INDEX ix_name ON t (name(10), code) USING btree"], (
            backend
        )
        table = TableDef("t", (ColumnDef("doc", sa.Text()),), indexes=(prefix,))
        assert sql(backend, CreateTableOp(table))[1] == "CREATE FULLTEXT INDEX ix_doc ON t (doc)", backend

    def body() -> None:
        op.create_index("ix_name", "t", ["name"], mysql_length=12, mariadb_using="hash")

    assert offline("mariadb-url", body) == "CREATE INDEX ix_name ON t (name(12)) USING hash;\n\n"
    assert offline("mariadb", body) == "CREATE INDEX ix_name ON t (name(12)) USING hash;\n\n"
    assert offline("mysql", body) == "CREATE INDEX ix_name ON t (name(12));\n\n"


def test_sql_mode_needs_no_existing_nullable_when_nullable_is_given() -> None:
    """``nullable=`` says what the restated column's NULL-ness is: existing_nullable (which Alembic
    does not need either) is not asked for then; found by the Alembic corpus (batch scenario)."""
    written = offline(
        "mariadb",
        lambda: op.alter_column(
            "customers", "name", existing_type=sa.String(50), nullable=False, existing_server_default=None
        ),
    )
    assert written == "ALTER TABLE customers MODIFY COLUMN name VARCHAR(50) NOT NULL;\n\n"
