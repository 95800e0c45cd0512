"""MariaDB specifics, on the real server: what ``MODIFY``/``CHANGE`` must keep, foreign keys and
the indexes they need, ``VARCHAR`` lengths, ``mysql_*`` keywords, ``IF [NOT] EXISTS``.

Each test starts from tables holding rows (made with plain SQL, so each column carries what a
``MODIFY`` could lose: ``AUTO_INCREMENT``, a comment, ``CHARACTER SET``/``COLLATE``, a default,
``ON UPDATE``, a foreign key), stamped at an empty revision ``r0``. It writes a revision ``r1``,
upgrades, checks ``SHOW CREATE TABLE`` and the rows, downgrades, and checks both are exactly
as before. ``SHOW CREATE TABLE`` is the schema here because it shows everything MariaDB keeps
about a column, which reflection does not.

The generic round trip of every ``op`` function on every backend, MariaDB included, is in
``test_op_api.py``; the SQL text in ``tests/unit/test_mysql_sql.py``.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from dbshift.commands import migrate
from dbshift.config import Config, build_config
from dbshift.dialects import impl_for
from dbshift.dialects.base import UnsupportedOperation
from dbshift.dialects.features import features_of
from dbshift.errors import MigrationError
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.runtime.context import InspectorLookup
from dbshift.schema.model import ColumnDef, ForeignKeyDef, IndexDef
from tests.backend.test_op_api import Project, back, refused, round_trip
from tests.conftest import OWN_TABLES, Database, _fresh_mariadb, _selected

pytestmark = pytest.mark.backend

TABLES = [
    """CREATE TABLE parent (
      id INT NOT NULL,
      code VARCHAR(10) NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY uq_parent_code (code)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE people (
      id INT NOT NULL AUTO_INCREMENT COMMENT 'key',
      name VARCHAR(50) CHARACTER SET latin1 COLLATE latin1_bin NOT NULL DEFAULT 'x' COMMENT 'display name',
      code VARCHAR(10) COLLATE utf8mb4_bin DEFAULT NULL,
      qty INT NOT NULL DEFAULT 0 COMMENT 'how many',
      touched TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
      parent_id INT DEFAULT NULL,
      PRIMARY KEY (id),
      CONSTRAINT fk_people_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
]
WHEN = datetime.datetime(2024, 1, 2, 3, 4, 5)
PEOPLE = ("id", "name", "code", "qty", "touched", "parent_id")
PEOPLE_ROWS = [(1, "Zoë", "abc", 3, WHEN, 1), (2, "ann", None, 0, WHEN, 2), (3, "Bob", "ABC", 7, WHEN, None)]


@pytest.fixture
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A fresh MariaDB database (this module is about MariaDB only)."""
    if "mariadb" not in _selected(request.config):
        pytest.skip("--db does not select mariadb")
    yield from _fresh_mariadb()


class MariaDB(Project):
    """The scratch project, with the schema read as MariaDB states it."""

    def show_create(self, table: str) -> str:
        with self.engine.connect() as conn:
            text = str(conn.execute(sa.text(f"SHOW CREATE TABLE `{table}`")).one()[1])
        return re.sub(r" AUTO_INCREMENT=\d+", "", text)  # the counter moves with the rows

    def column_sql(self, table: str, column: str) -> str:
        for line in self.show_create(table).splitlines():
            if line.strip().startswith(f"`{column}` "):
                return line.strip().rstrip(",")
        raise AssertionError(f"no column {column} in {table}")

    def state(self) -> tuple[dict[str, Any], dict[str, list[tuple[Any, ...]]]]:
        with self.engine.connect() as conn:
            names = sorted(n for n in sa.inspect(conn).get_table_names() if n not in OWN_TABLES)
        return {n: self.show_create(n) for n in names}, {n: self.rows(n) for n in names}

    def offline(self, target: str, url: str | None = None) -> str:
        """``upgrade --sql`` for ``target`` with the project's URL or another one."""
        config = self.config if url is None else configured(self.root, url)
        out = io.StringIO()
        migrate.upgrade(config, target, sql=True, output=out, report=self.lines.append)
        return out.getvalue()


def configured(root: Path, url: str) -> Config:
    return build_config({"url": url}, root=root, environ={})


def mariadb_url(database: Database) -> str:
    """The same database through a ``mariadb://`` URL (SQLAlchemy's MariaDB-only mode)."""
    assert database.url.startswith("mysql+pymysql://")
    return "mariadb+pymysql://" + database.url.removeprefix("mysql+pymysql://")


@pytest.fixture
def project(database: Database, tmp_path: Path) -> Iterator[MariaDB]:
    p = MariaDB(tmp_path / "project", database)
    for ddl in TABLES:
        p.execute(ddl)
    p.execute("INSERT INTO parent (id, code) VALUES (1, 'p1'), (2, 'p2')")
    with p.engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO people VALUES (:id, :name, :code, :qty, :touched, :parent_id)"),
            [dict(zip(PEOPLE, row)) for row in PEOPLE_ROWS],
        )
    p.add("r0", None, message="baseline")
    p.upgrade("r0")
    try:
        yield p
    finally:
        p.engine.dispose()


def changed(before: str, *replacements: tuple[str, str]) -> str:
    """``SHOW CREATE TABLE`` text with exact replacements, each of which must apply."""
    for old, new in replacements:
        assert old in before, old
        before = before.replace(old, new)
    return before


# --------------------------------------------------------------------------- alter_column, no hints

NAME = "`name` varchar(50) CHARACTER SET latin1 COLLATE latin1_bin NOT NULL DEFAULT 'x' COMMENT 'display name'"
CODE = "`code` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL"
QTY = "`qty` int(11) NOT NULL DEFAULT 0 COMMENT 'how many'"
ID = "`id` int(11) NOT NULL AUTO_INCREMENT COMMENT 'key'"
TOUCHED = "`touched` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp()"


def test_alter_type_without_hints_keeps_the_rest_of_each_column(project: MariaDB) -> None:
    upgrade = """
    op.alter_column("people", "name", type_=sa.String(80))
    op.alter_column("people", "code", type_=sa.Text())
    op.alter_column("people", "qty", type_=sa.BigInteger)
    op.alter_column("people", "id", type_=sa.BigInteger)
    """
    downgrade = """
    op.alter_column("people", "id", type_=sa.Integer)
    op.alter_column("people", "qty", type_=sa.Integer)
    op.alter_column("people", "code", type_=sa.String(10))
    op.alter_column("people", "name", type_=sa.String(50))
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert after[0]["people"] == changed(
        before[0]["people"],
        (NAME, NAME.replace("varchar(50)", "varchar(80)")),
        (CODE, CODE.replace("varchar(10)", "text")),
        (QTY, QTY.replace("int(11)", "bigint(20)")),
        (ID, ID.replace("int(11)", "bigint(20)")),
    )
    assert after[1] == before[1]
    project.execute("INSERT INTO people (name) VALUES ('auto')")  # id still generated, defaults still there
    assert project.rows("people", ("id", "name", "code", "qty"))[-1] == (4, "auto", None, 0)
    project.execute("DELETE FROM people WHERE id = 4")
    back(project, before)


def test_alter_nullable_without_hints(project: MariaDB) -> None:
    upgrade = """
    op.alter_column("people", "name", nullable=True)
    op.alter_column("people", "qty", nullable=True)
    op.alter_column("people", "touched", nullable=True)
    """
    downgrade = """
    op.alter_column("people", "touched", nullable=False)
    op.alter_column("people", "qty", nullable=False)
    op.alter_column("people", "name", nullable=False)
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert after[0]["people"] == changed(
        before[0]["people"],
        (NAME, NAME.replace(" NOT NULL", "")),
        (QTY, QTY.replace(" NOT NULL", "")),
        (TOUCHED, TOUCHED.replace("NOT NULL", "NULL")),
    )
    assert after[1] == before[1]
    back(project, before)


def test_alter_server_default_without_hints(project: MariaDB) -> None:
    upgrade = """
    op.alter_column("people", "qty", server_default="5")
    op.alter_column("people", "name", server_default=None)
    op.alter_column("people", "code", server_default="none", comment="a code")
    """
    downgrade = """
    op.alter_column("people", "code", server_default=None, comment=None)
    op.alter_column("people", "name", server_default="x")
    op.alter_column("people", "qty", server_default=sa.text("0"))
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert after[0]["people"] == changed(
        before[0]["people"],
        (QTY, QTY.replace("DEFAULT 0", "DEFAULT 5")),
        (NAME, NAME.replace(" DEFAULT 'x'", "")),
        (CODE, CODE.replace("DEFAULT NULL", "DEFAULT 'none' COMMENT 'a code'")),
    )
    assert after[1] == before[1]
    back(project, before)


def test_alter_comment_without_hints(project: MariaDB) -> None:
    upgrade = """
    op.alter_column("people", "id", comment="identifier")
    op.alter_column("people", "touched", comment="last change")
    op.alter_column("people", "name", comment=None)
    """
    downgrade = """
    op.alter_column("people", "name", comment="display name")
    op.alter_column("people", "touched", comment=None)
    op.alter_column("people", "id", comment="key")
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert after[0]["people"] == changed(
        before[0]["people"],
        (ID, ID.replace("'key'", "'identifier'")),
        (TOUCHED, TOUCHED + " COMMENT 'last change'"),
        (NAME, NAME.replace(" COMMENT 'display name'", "")),
    )
    assert after[1] == before[1]
    back(project, before)


def test_rename_without_hints(project: MariaDB) -> None:
    """A rename alone is RENAME COLUMN (the foreign key follows its column); with a type change
    it is one CHANGE restating the live column."""
    upgrade = """
    op.alter_column("people", "name", new_column_name="title")
    op.alter_column("people", "parent_id", new_column_name="owner_id")
    op.alter_column("people", "code", new_column_name="ref", type_=sa.String(20))
    """
    downgrade = """
    op.alter_column("people", "ref", new_column_name="code", type_=sa.String(10))
    op.alter_column("people", "owner_id", new_column_name="parent_id")
    op.alter_column("people", "title", new_column_name="name")
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert after[0]["people"] == changed(
        before[0]["people"],
        (NAME, NAME.replace("`name`", "`title`")),
        (CODE, CODE.replace("`code` varchar(10)", "`ref` varchar(20)")),
        ("`parent_id` int", "`owner_id` int"),
        ("KEY `fk_people_parent` (`parent_id`)", "KEY `fk_people_parent` (`owner_id`)"),
        ("FOREIGN KEY (`parent_id`)", "FOREIGN KEY (`owner_id`)"),
    )
    assert after[1] == before[1]
    back(project, before)


def test_everything_at_once_without_hints(project: MariaDB) -> None:
    upgrade = """
    op.alter_column("people", "name", new_column_name="title", type_=sa.String(80), nullable=True,
                    server_default="?", comment="shown")
    """
    downgrade = """
    op.alter_column("people", "title", new_column_name="name", type_=sa.String(50), nullable=False,
                    server_default="x", comment="display name")
    """
    before, after = round_trip(project, upgrade, downgrade)
    title = "`title` varchar(80) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT '?' COMMENT 'shown'"
    assert after[0]["people"] == changed(before[0]["people"], (NAME, title))
    assert after[1] == before[1]
    back(project, before)


def test_live_column_wins_over_wrong_hints(project: MariaDB) -> None:
    upgrade = """
    op.alter_column("people", "qty", comment="count", existing_type=sa.String(5), existing_nullable=True,
                    existing_server_default=None, existing_comment=None)
    """
    downgrade = 'op.alter_column("people", "qty", comment="how many")'
    before, _ = round_trip(project, upgrade, downgrade)
    assert project.column_sql("people", "qty") == QTY.replace("'how many'", "'count'")
    back(project, before)


def test_alter_missing_column_is_a_clear_error(project: MariaDB) -> None:
    refused(
        project, 'op.alter_column("people", "nope", nullable=True)', "alter_column: column 'people.nope' does not exist"
    )


def test_sql_mode_needs_the_hints_and_renders_the_modify(project: MariaDB, database: Database) -> None:
    project.add("r1", "r0", 'op.alter_column("people", "name", type_=sa.String(80))', message="no hints")
    for url, name in ((database.url, "MySQL"), (mariadb_url(database), "MariaDB")):
        # Without a connection a mysql:// URL cannot tell MariaDB from MySQL.
        with pytest.raises(MigrationError) as info:
            project.offline("r0:r1", url)
        assert str(info.value).endswith(
            f"alter_column on 'people.name' in --sql mode on {name} restates the whole column and needs"
            " existing_type, existing_nullable, existing_server_default"
            " (missing: existing_type, existing_nullable, existing_server_default)"
        )
    (project.versions / "r1_no_hints.py").unlink()
    upgrade = """
    from sqlalchemy.dialects import mysql
    op.alter_column("people", "name", type_=sa.String(80),
                    existing_type=mysql.VARCHAR(50, charset="latin1", collation="latin1_bin"),
                    existing_nullable=False, existing_server_default="x", existing_comment="display name")
    op.alter_column("people", "qty", new_column_name="amount")
    """
    project.add("r1", "r0", upgrade, message="hints")
    script = project.offline("r0:r1", mariadb_url(database))
    modify = (
        "ALTER TABLE people MODIFY COLUMN name VARCHAR(80) CHARACTER SET latin1 COLLATE latin1_bin"
        " NOT NULL COMMENT 'display name' DEFAULT 'x';"
    )
    assert modify in script
    assert "ALTER TABLE people RENAME COLUMN qty TO amount;" in script
    # The script does on the server what the online upgrade would do.
    before = project.state()
    for statement in script.split(";\n\n"):
        lines = [line for line in statement.splitlines() if not line.startswith("--")]
        if "".join(lines).strip():
            project.execute("\n".join(lines))
    assert project.versions_in_db() == ["r1"]
    assert project.state()[0]["people"] == changed(
        before[0]["people"], (NAME, NAME.replace("varchar(50)", "varchar(80)")), ("`qty` int", "`amount` int")
    )
    assert project.state()[1] == before[1]


# --------------------------------------------------------------------------- foreign keys


def test_drop_foreign_key_and_the_index_mariadb_made_for_it(project: MariaDB) -> None:
    upgrade = """
    op.drop_constraint("fk_people_parent", "people")
    op.drop_index("fk_people_parent", "people")
    """
    downgrade = 'op.create_foreign_key("fk_people_parent", "people", "parent", ["parent_id"], ["id"])'
    before, after = round_trip(project, upgrade, downgrade)
    assert after[0]["people"] == changed(
        before[0]["people"],
        (",\n  KEY `fk_people_parent` (`parent_id`)", ""),
        (",\n  CONSTRAINT `fk_people_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`)", ""),
    )
    assert after[1] == before[1]
    back(project, before)  # the index comes back with the key


def test_dropping_the_index_a_foreign_key_needs_is_refused(project: MariaDB) -> None:
    refused(
        project,
        'op.drop_index("fk_people_parent", "people")',
        "DROP INDEX fk_people_parent ON people",
        "Cannot drop index 'fk_people_parent': needed in a foreign key constraint",
    )


def test_dropping_a_column_in_a_foreign_key_is_refused(project: MariaDB) -> None:
    """The author drops the key first (autogenerate does it for them); dbshift names the key
    and the call to make, before MariaDB's own refusal (which names only the key's index)."""
    refused(
        project,
        'op.drop_column("people", "parent_id")',
        "the column is in foreign key 'fk_people_parent'",
        "op.drop_constraint('fk_people_parent', 'people', type_='foreignkey')",
        "the version table still says r0",
    )


def test_dropping_a_column_a_foreign_key_refers_to_is_refused(project: MariaDB) -> None:
    refused(
        project,
        'op.drop_column("parent", "id")',
        "ALTER TABLE parent DROP COLUMN id",
        "needed in a foreign key constraint",
        "fk_people_parent' of table",
    )


def test_drop_foreign_key_then_its_column(project: MariaDB) -> None:
    upgrade = """
    op.drop_constraint("fk_people_parent", "people", type_="foreignkey")
    op.drop_column("people", "parent_id")
    """
    downgrade = """
    op.add_column("people", sa.Column("parent_id", sa.Integer))
    op.create_foreign_key("fk_people_parent", "people", "parent", ["parent_id"], ["id"])
    """
    before, after = round_trip(project, upgrade, downgrade)
    assert "parent_id" not in after[0]["people"]  # the index went with the column
    assert after[1]["people"] == [row[:-1] for row in before[1]["people"]]
    project.downgrade("r0")
    assert project.state()[0] == before[0]
    assert project.rows("people") == [(*row[:-1], None) for row in before[1]["people"]]


class LookupWithForeignKeys(InspectorLookup):
    """The lookup with the ``foreign_keys`` question proposed for ``SchemaLookup``."""

    def foreign_keys(self, table: str, schema: str | None) -> list[ForeignKeyDef]:
        return [
            ForeignKeyDef(
                tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]), name=f.get("name")
            )
            for f in sa.inspect(self.connection).get_foreign_keys(table, schema=schema)
        ]


def test_drop_column_names_the_foreign_key_when_the_lookup_lists_them(project: MariaDB) -> None:
    with project.engine.connect() as conn:
        impl = impl_for(conn.dialect, LookupWithForeignKeys(conn))
        with pytest.raises(UnsupportedOperation) as info:
            impl.statements(DropColumnOp("people", "parent_id"))
        assert str(info.value) == (
            "drop_column 'people.parent_id': the column is in foreign key 'fk_people_parent' and MariaDB refuses"
            " to drop it while the key exists; drop the key first:"
            " op.drop_constraint('fk_people_parent', 'people', type_='foreignkey')"
        )
        assert len(impl.statements(DropColumnOp("people", "code"))) == 1


# --------------------------------------------------------------------------- VARCHAR lengths

NO_LENGTH = {
    "create_table": 'op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True), sa.Column("label", sa.String()))',
    "add_column": 'op.add_column("people", sa.Column("label", sa.Unicode()))',
    "alter_column": 'op.alter_column("people", "code", type_=sa.String())',
}


@pytest.mark.parametrize("operation", list(NO_LENGTH))
def test_varchar_without_length_is_refused_naming_the_column(
    project: MariaDB, database: Database, operation: str
) -> None:
    column = {
        "create_table": "'tags.label'",
        "add_column": "'people.label'",
        "alter_column": "'people.code' (its type_)",
    }
    expected = f"MariaDB needs a length for VARCHAR column {column[operation]}: use sa.String(255) or sa.Text()"
    message = refused(project, NO_LENGTH[operation], expected)
    assert "requires a length" not in message
    with pytest.raises(MigrationError) as info:  # the same in --sql mode
        project.offline("r0:r1", mariadb_url(database))
    assert str(info.value).endswith(expected)


# --------------------------------------------------------------------------- mysql_* keywords

CREATE_ARCHIVE = """
archive = op.create_table(
    "archive",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(20)),
    {keywords}
)
op.bulk_insert(archive, [{{"label": "first"}}, {{"label": "second"}}])
op.create_table("cache", sa.Column("k", sa.String(10), primary_key=True), {engine}="MyISAM")
"""


@pytest.mark.parametrize("spelling", ["mysql", "mariadb"])
@pytest.mark.parametrize("scheme", ["mysql", "mariadb"])
def test_create_table_keywords_reach_mariadb(project: MariaDB, database: Database, spelling: str, scheme: str) -> None:
    """``mysql_*`` and ``mariadb_*`` keywords work under ``mysql://`` and ``mariadb://`` URLs alike."""
    if scheme == "mariadb":
        project.config = configured(project.root, mariadb_url(database))
    keywords = ", ".join(
        f'{spelling}_{key}="{value}"'
        for key, value in (
            ("engine", "InnoDB"),
            ("charset", "latin1"),
            ("collate", "latin1_bin"),
            ("row_format", "COMPACT"),
            ("auto_increment", "100"),
        )
    )
    upgrade = CREATE_ARCHIVE.format(keywords=keywords, engine=f"{spelling}_engine")
    before, after = round_trip(project, upgrade, 'op.drop_table("cache")\nop.drop_table("archive")')
    archive = after[0]["archive"]
    assert archive.endswith("ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_bin ROW_FORMAT=COMPACT"), archive
    assert after[0]["cache"].endswith("ENGINE=MyISAM DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci")
    assert after[1]["archive"] == [(100, "first"), (101, "second")]
    with project.engine.connect() as conn:
        options = sa.inspect(conn).get_table_options("archive")
    assert options["mysql_engine"] == "InnoDB" and options["mysql_row_format"] == "COMPACT"
    back(project, before)


@pytest.mark.parametrize("scheme", ["mysql", "mariadb"])
def test_create_index_keywords_reach_mariadb(project: MariaDB, database: Database, scheme: str) -> None:
    if scheme == "mariadb":
        project.config = configured(project.root, mariadb_url(database))
    upgrade = """
    op.create_index("ix_people_name", "people", ["name"], mysql_length=10)
    op.create_index("ix_people_code_qty", "people", ["code", "qty"], mysql_length={"code": 4}, mysql_using="BTREE")
    op.create_index("ft_people_code", "people", ["code"], mysql_prefix="FULLTEXT")
    """
    downgrade = """
    op.drop_index("ft_people_code", "people")
    op.drop_index("ix_people_code_qty", "people")
    op.drop_index("ix_people_name", "people")
    """
    before, after = round_trip(project, upgrade, downgrade)
    people = after[0]["people"]
    for key in (
        "KEY `ix_people_name` (`name`(10))",
        "KEY `ix_people_code_qty` (`code`(4),`qty`) USING BTREE",
        "FULLTEXT KEY `ft_people_code` (`code`)",
    ):
        assert key in people, people
    assert after[1] == before[1]
    back(project, before)


# --------------------------------------------------------------------------- features


def test_mariadb_has_if_exists_for_columns_and_indexes(project: MariaDB, database: Database) -> None:
    with project.engine.connect() as conn:
        features = features_of(conn.dialect)
    assert features.if_exists_column and features.if_exists_index and not features.transactional_ddl
    upgrade = """
    op.add_column("people", sa.Column("nick", sa.String(10)), if_not_exists=True)
    op.add_column("people", sa.Column("nick", sa.String(99)), if_not_exists=True)
    op.drop_column("people", "no_such_column", if_exists=True)
    op.create_index("ix_people_qty", "people", ["qty"], if_not_exists=True)
    op.create_index("ix_people_qty", "people", ["name"], if_not_exists=True)
    op.drop_index("no_such_index", "people", if_exists=True)
    """
    downgrade = """
    op.drop_index("ix_people_qty", "people", if_exists=True)
    op.drop_index("ix_people_qty", "people", if_exists=True)
    op.drop_column("people", "nick", if_exists=True)
    op.drop_column("people", "nick", if_exists=True)
    """
    project.add("r1", "r0", upgrade, downgrade, message="the operation")
    script = project.offline("r0:r1", mariadb_url(database))
    for clause in (
        "ALTER TABLE people ADD COLUMN IF NOT EXISTS nick VARCHAR(10);",
        "ALTER TABLE people DROP COLUMN IF EXISTS no_such_column;",
        "CREATE INDEX IF NOT EXISTS ix_people_qty ON people (qty);",
        "DROP INDEX IF EXISTS no_such_index ON people;",
    ):
        assert clause in script, script
    (project.versions / "r1_the_operation.py").unlink()
    before, after = round_trip(project, upgrade, downgrade)
    assert project.column_sql("people", "nick") == "`nick` varchar(10) DEFAULT NULL"  # the first one won
    assert "KEY `ix_people_qty` (`qty`)" in after[0]["people"]
    assert after[1]["people"] == [(*row, None) for row in before[1]["people"]]
    back(project, before)


def test_mysql_without_if_exists_asks_the_database_instead(project: MariaDB) -> None:
    """MySQL 8 has no IF [NOT] EXISTS for columns and indexes: dbshift looks first (run here
    with MySQL's capabilities against the MariaDB server)."""
    with project.engine.connect() as conn:
        impl = impl_for(mysql.dialect(), InspectorLookup(conn))
        assert not impl.features.if_exists_column and not impl.features.if_exists_index
        existing = AddColumnOp("people", ColumnDef("qty", sa.Integer()), if_not_exists=True)
        assert impl.statements(existing) == []
        fresh = impl.statements(AddColumnOp("people", ColumnDef("nick", sa.String(10)), if_not_exists=True))
        index = IndexDef("ix_people_qty", ("qty",))
        statements = [*fresh, *impl.statements(CreateIndexOp("people", index, if_not_exists=True))]
        sql = [" ".join(str(s.compile(dialect=mysql.dialect())).split()) for s in statements]  # type: ignore[attr-defined]
        assert sql == ["ALTER TABLE people ADD COLUMN nick VARCHAR(10)", "CREATE INDEX ix_people_qty ON people (qty)"]
        for statement in statements:
            conn.execute(statement)
        assert impl.statements(CreateIndexOp("people", index, if_not_exists=True)) == []
        assert impl.statements(DropIndexOp("nope", "people", if_exists=True)) == []
        assert impl.statements(DropColumnOp("people", "nope", if_exists=True)) == []


def test_rename_column_on_this_server_and_change_on_older_ones(project: MariaDB) -> None:
    """MariaDB 10.5.2 added RENAME COLUMN; before it a rename restates the live column with CHANGE."""
    rename = AlterColumnOp("people", "name", new_column_name="title")
    with project.engine.connect() as conn:
        assert conn.dialect.server_version_info is not None and conn.dialect.server_version_info >= (10, 5, 2)
        current = impl_for(conn.dialect, InspectorLookup(conn)).statements(rename)
        assert [str(s.compile(dialect=conn.dialect)).strip() for s in current] == [  # type: ignore[attr-defined]
            "ALTER TABLE people RENAME COLUMN name TO title"
        ]
        old = mysql.dialect(is_mariadb=True)
        old.server_version_info = (10, 4, 30)
        statements = impl_for(old, InspectorLookup(conn)).statements(rename)
        assert str(statements[0].compile(dialect=old)).startswith(  # type: ignore[attr-defined]
            "ALTER TABLE people CHANGE COLUMN name title VARCHAR(50) CHARACTER SET latin1 COLLATE latin1_bin"
        )
        before = project.show_create("people")
        conn.execute(statements[0])
    assert project.show_create("people") == changed(before, (NAME, NAME.replace("`name`", "`title`")))
    assert project.rows("people") == PEOPLE_ROWS


# --------------------------------------------------------------------------- keywords


def test_alter_column_autoincrement_takes_effect(project: MariaDB) -> None:
    """Alembic's MySQL ``autoincrement=`` on alter_column turns AUTO_INCREMENT on and off."""
    project.execute("CREATE TABLE counter (id INT NOT NULL PRIMARY KEY, label VARCHAR(5))")
    upgrade = 'op.alter_column("counter", "id", autoincrement=True, existing_type=sa.Integer)'
    downgrade = 'op.alter_column("counter", "id", autoincrement=False, existing_type=sa.Integer)'
    before, _ = round_trip(project, upgrade, downgrade)
    assert project.column_sql("counter", "id") == "`id` int(11) NOT NULL AUTO_INCREMENT"
    project.execute("INSERT INTO counter (label) VALUES ('a')")
    assert project.rows("counter") == [(1, "a")]
    project.execute("DELETE FROM counter")
    back(project, before)
    assert project.column_sql("counter", "id") == "`id` int(11) NOT NULL"


def test_drop_constraint_if_exists_asks_the_database(project: MariaDB) -> None:
    """SQLAlchemy writes no IF EXISTS for MySQL's DROP FOREIGN KEY / INDEX / CHECK: dbshift
    looks, and in --sql mode says that it needs the database."""
    project.add("r1", "r0", 'op.drop_constraint("fk_nothing", "people", type_="foreignkey", if_exists=True)')
    with pytest.raises(MigrationError, match=r"drop_constraint 'fk_nothing' on 'people' with if_exists.*--sql"):
        project.offline("r0:r1")
    before = project.state()
    project.upgrade()
    assert project.state() == before and project.versions_in_db() == ["r1"]
