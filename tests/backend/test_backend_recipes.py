"""What a backend refuses to do directly, carried out by the recipe that works.

Each test starts from tables holding rows, runs real revisions (written by hand or by
``dbshift revision --autogenerate``) through ``dbshift upgrade`` / ``downgrade``, and checks
that the rows survive and that a second autogenerate finds nothing.

* PostgreSQL: a type change of a column a generated column depends on drops the generated
  column (and what is built on it), changes the type and adds it back, in one transaction.
* MariaDB: an index a foreign key needs is replaced by one of the foreign key's own before it
  is dropped.
* Every backend: a constraint the models leave unnamed, added to an existing table, is never
  written without a name; when neither the models nor a naming convention name it, the name
  autogenerate gives it is announced in the output and on its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.cli_helpers import ScratchProject
from tests.conftest import Database, _fresh_mariadb, _fresh_postgresql, _selected

pytestmark = pytest.mark.backend


@pytest.fixture
def pg_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    if "postgresql" not in _selected(request.config):
        pytest.skip("PostgreSQL not selected with --db")
    yield from _fresh_postgresql(request.getfixturevalue("postgresql_session_database"))


@pytest.fixture
def maria_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    if "mariadb" not in _selected(request.config):
        pytest.skip("MariaDB not selected with --db")
    yield from _fresh_mariadb()


class Recipe:
    """A project on ``database`` whose ``r0`` is the tables ``setup`` made, and models to compare."""

    def __init__(self, root: Path, database: Database, setup: str) -> None:
        self.database = database
        self.engine = sa.create_engine(database.url, poolclass=sa.pool.NullPool)
        with self.engine.begin() as conn:
            for statement in filter(str.strip, setup.split(";")):
                conn.exec_driver_sql(statement)
        self.project = ScratchProject(root, database.url, target_metadata="app.models:metadata")
        self.project.write("app/__init__.py", "")
        self.project.add_revision("r0", None, message="start")
        self.project.upgrade_in_process("r0")

    def models(self, text: str) -> None:
        self.project.write("app/models.py", text)

    def run(self, *args: str) -> str:
        result = self.project.run(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def autogenerate(self) -> str:
        return self.run("revision", "--autogenerate", "-m", "models")

    def written(self) -> str:
        (name,) = [n for n in self.project.revision_files() if not n.startswith("r0_")]
        return (self.project.versions / name).read_text(encoding="utf-8")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql)]

    def execute(self, sql: str) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(sql)

    def close(self) -> None:
        self.engine.dispose()


# --------------------------------------------------------------------------- PostgreSQL

LINES = """
CREATE TABLE line (
    id INTEGER PRIMARY KEY,
    price INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    total INTEGER GENERATED ALWAYS AS (price * qty) STORED,
    CONSTRAINT ck_line_total CHECK (total >= 0)
);
CREATE INDEX ix_line_total ON line (total);
CREATE UNIQUE INDEX ix_line_total_id ON line ((total + id));
COMMENT ON COLUMN line.total IS 'price times quantity';
INSERT INTO line (id, price, qty) VALUES (1, 2, 3), (2, 5, 4)
"""

LINE_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
line = sa.Table(
    "line",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("price", {price}, nullable=False),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, sa.Computed("price * qty", persisted=True), comment="price times quantity"),
    sa.CheckConstraint("total >= 0", name="ck_line_total"),
)
sa.Index("ix_line_total", line.c.total)
sa.Index("ix_line_total_id", line.c.total + line.c.id, unique=True)
"""


@pytest.fixture
def lines(tmp_path: Path, pg_database: Database) -> Iterator[Recipe]:
    recipe = Recipe(tmp_path / "project", pg_database, LINES)
    yield recipe
    recipe.close()


def _generated_intact(recipe: Recipe, expression: str = "(price * qty)") -> None:
    """``total`` is generated, STORED, from the same expression, with its index, comment and CHECK."""
    insp = sa.inspect(recipe.engine)
    total = next(c for c in insp.get_columns("line") if c["name"] == "total")
    assert total["computed"]["sqltext"] == expression and total["computed"]["persisted"], total
    assert total["comment"] == "price times quantity"
    assert {ix["name"] for ix in insp.get_indexes("line")} == {"ix_line_total", "ix_line_total_id"}
    assert [c["name"] for c in insp.get_check_constraints("line")] == ["ck_line_total"]
    assert recipe.query("SELECT id, price, qty, total FROM line ORDER BY id") == [(1, 2, 3, 6), (2, 5, 4, 20)]


def test_postgresql_type_change_under_a_generated_column_by_autogenerate(lines: Recipe) -> None:
    lines.models(LINE_MODELS.format(price="sa.BigInteger"))
    lines.autogenerate()
    assert "op.alter_column(" in lines.written() and "sa.BigInteger()" in lines.written()
    lines.run("upgrade", "head")
    price = next(c for c in sa.inspect(lines.engine).get_columns("line") if c["name"] == "price")
    assert isinstance(price["type"], sa.BigInteger)
    _generated_intact(lines)
    assert "No changes detected" in lines.autogenerate()
    lines.run("downgrade", "r0")
    _generated_intact(lines)
    with pytest.raises(sa.exc.IntegrityError):  # the CHECK on the generated column holds again
        lines.execute("INSERT INTO line (id, price, qty) VALUES (3, -1, 1)")


def test_postgresql_type_change_under_a_generated_column_by_op(lines: Recipe) -> None:
    lines.project.add_revision(
        "r1",
        "r0",
        upgrade='op.alter_column("line", "qty", type_=sa.Numeric(10, 2), existing_type=sa.Integer())',
        downgrade='op.alter_column("line", "qty", type_=sa.Integer(), postgresql_using="qty::integer")',
    )
    lines.run("upgrade", "head")
    assert lines.query("SELECT qty::text, total FROM line ORDER BY id") == [("3.00", 6), ("4.00", 20)]
    # PostgreSQL parses the expression again under the new type, and keeps the cast it adds.
    _generated_intact(lines, "((price)::numeric * qty)")
    lines.run("downgrade", "r0")
    _generated_intact(lines, "((price)::numeric * (qty)::numeric)")


def test_postgresql_type_change_and_rename_under_a_generated_column(lines: Recipe) -> None:
    """The rename comes once the generated column is back, so PostgreSQL rewrites its expression."""
    lines.project.add_revision(
        "r1",
        "r0",
        upgrade='op.alter_column("line", "price", type_=sa.BigInteger(), new_column_name="unit_price")',
        downgrade='op.alter_column("line", "unit_price", type_=sa.Integer(), new_column_name="price")',
    )
    lines.run("upgrade", "head")
    total = next(c for c in sa.inspect(lines.engine).get_columns("line") if c["name"] == "total")
    assert total["computed"]["sqltext"] == "(unit_price * qty)"
    assert lines.query("SELECT unit_price, total FROM line ORDER BY id") == [(2, 6), (5, 20)]
    lines.run("downgrade", "r0")
    _generated_intact(lines)


# --------------------------------------------------------------------------- MariaDB

CHILDREN = """
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER,
    name VARCHAR(20),
    INDEX ix_child_parent_name (parent_id, name),
    CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
);
INSERT INTO parent VALUES (1), (2);
INSERT INTO child VALUES (1, 1, 'a'), (2, 2, 'b'), (3, NULL, 'c')
"""


def _indexes(recipe: Recipe) -> dict[str, list[str]]:
    return {ix["name"]: ix["column_names"] for ix in sa.inspect(recipe.engine).get_indexes("child")}


def test_mariadb_drop_index_a_foreign_key_needs(tmp_path: Path, maria_database: Database) -> None:
    """MariaDB refuses ("needed in a foreign key constraint"); an index of the foreign key's
    name on its columns (the one MariaDB would have made) is created first."""
    recipe = Recipe(tmp_path / "project", maria_database, CHILDREN)
    rows = recipe.query("SELECT * FROM child ORDER BY id")
    recipe.project.add_revision(
        "r1",
        "r0",
        upgrade='op.drop_index("ix_child_parent_name", "child")',
        downgrade='op.create_index("ix_child_parent_name", "child", ["parent_id", "name"])',
    )
    recipe.run("upgrade", "head")
    assert _indexes(recipe) == {"fk_child_parent": ["parent_id"]}
    assert recipe.query("SELECT * FROM child ORDER BY id") == rows
    with pytest.raises(sa.exc.IntegrityError):  # the foreign key still holds
        recipe.execute("INSERT INTO child VALUES (4, 99, 'x')")
    recipe.run("downgrade", "r0")
    assert _indexes(recipe) == {"fk_child_parent": ["parent_id"], "ix_child_parent_name": ["parent_id", "name"]}
    recipe.run("upgrade", "head")  # the foreign key's own index serves: nothing to replace
    assert _indexes(recipe) == {"fk_child_parent": ["parent_id"]}
    recipe.close()


HISTORY_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table(
    "child",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id"), index={index}),
    sa.Column("name", sa.String(20)),
)
"""


def test_history_autogenerated_on_postgresql_downgrades_to_base_on_mariadb(
    tmp_path: Path, pg_database: Database, maria_database: Database
) -> None:
    """The issue's case: PostgreSQL's history adds an index on a foreign key's column in a later
    revision, whose downgrade drops it; MariaDB made that index serve the foreign key (dropping
    the one it had made itself) and refused to drop it."""
    project = ScratchProject(tmp_path / "project", pg_database.url, target_metadata="app.models:metadata")
    project.write("app/__init__.py", "")
    for index in ("False", "True"):
        project.write("app/models.py", HISTORY_MODELS.format(index=index))
        for args in (["revision", "--autogenerate", "-m", f"index {index}"], ["upgrade", "head"]):
            result = project.run(*args)
            assert result.returncode == 0, result.stderr
    texts = [(project.versions / name).read_text() for name in project.revision_files()]
    assert any('op.drop_index("ix_child_parent_id", table_name="child")' in text for text in texts), texts
    project.write_config(url=maria_database.url, target_metadata="app.models:metadata")
    engine = maria_database.engine()
    for args in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"], ["downgrade", "-1"]):
        result = project.run(*args)
        assert result.returncode == 0, result.stderr
        if args == ["upgrade", "head"]:
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO parent VALUES (1)")
                conn.exec_driver_sql("INSERT INTO child VALUES (1, 1, 'a')")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT * FROM child").all() == [(1, 1, "a")]
    engine.dispose()
    result = project.run("upgrade", "head")  # the index back, beside the one that replaced it
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in project.run("revision", "--autogenerate", "-m", "again").stdout


# --------------------------------------------------------------------------- names

NAMING_SETUP = """
CREATE TABLE parent (id INTEGER NOT NULL PRIMARY KEY);
CREATE TABLE child (id INTEGER NOT NULL PRIMARY KEY, parent_id INTEGER, email VARCHAR(40));
INSERT INTO parent VALUES (1);
INSERT INTO child VALUES (1, 1, 'a@x'), (2, NULL, 'b@x')
"""

NAMING_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData({convention})
sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
sa.Table(
    "child",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id")),
    sa.Column("email", sa.String(40)),
    sa.UniqueConstraint("email"),
)
"""

CONVENTION = (
    'naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s"}'
)


@pytest.mark.parametrize("convention", [False, True], ids=["no-convention", "convention"])
def test_constraints_added_to_a_table_always_have_a_name(tmp_path: Path, database: Database, convention: bool) -> None:
    recipe = Recipe(tmp_path / "project", database, NAMING_SETUP)
    recipe.models(NAMING_MODELS.format(convention=CONVENTION if convention else ""))
    output = recipe.autogenerate()
    text = recipe.written()
    upgrade = text.split("def upgrade()")[1].split("def downgrade()")[0]
    advice = "give the constraint a name or the MetaData a naming_convention"
    if convention:
        assert "no name in the models" not in output + text
        names = ("uq_child_email", "fk_child_parent_id")
    else:
        names = ("child_email_key", "child_parent_id_fkey")
        for name in names:
            note = f"no name in the models: named {name} as PostgreSQL would; {advice}"
            assert f"Warning: {note}" in output.splitlines(), output
            # on the call's last line: the call naming it, then the comment
            assert re.search(rf'\(\s*"{name}",[^#]*\)  # {re.escape(note)}\n', upgrade), upgrade
    assert "(None," not in upgrade and "alter_column" not in upgrade, upgrade
    recipe.run("upgrade", "head")
    insp = sa.inspect(recipe.engine)
    assert [fk["name"] for fk in insp.get_foreign_keys("child")] == [names[1]]
    assert names[0] in {u["name"] for u in insp.get_unique_constraints("child")}
    assert "No changes detected" in recipe.autogenerate()
    recipe.run("downgrade", "r0")
    insp = sa.inspect(recipe.engine)
    assert insp.get_foreign_keys("child") == [] and insp.get_unique_constraints("child") == []
    assert recipe.query("SELECT id, parent_id, email FROM child ORDER BY id") == [(1, 1, "a@x"), (2, None, "b@x")]
    recipe.close()


PETS = """
CREATE TABLE owner (id INTEGER NOT NULL PRIMARY KEY);
CREATE TABLE pet (
    id INTEGER NOT NULL PRIMARY KEY,
    owner_id INTEGER REFERENCES owner (id),
    tag VARCHAR(20),
    age INTEGER,
    UNIQUE (tag),
    CHECK (age >= 0)
);
INSERT INTO owner VALUES (1);
INSERT INTO pet VALUES (1, 1, 'a', 3), (2, NULL, 'b', 5)
"""


def test_unnamed_constraints_dropped_by_definition_on_every_backend(tmp_path: Path, database: Database) -> None:
    """What autogenerate writes on SQLite for constraints without a name runs everywhere: where
    the database named them (PostgreSQL, MariaDB), the name is looked up by the definition."""
    recipe = Recipe(tmp_path / "project", database, PETS)
    recipe.project.add_revision(
        "r1",
        "r0",
        upgrade="""
        op.drop_constraint(None, "pet", type_="foreignkey", columns=["owner_id"], referent_table="owner")
        op.drop_constraint(None, "pet", type_="unique", columns=["tag"])
        op.drop_constraint(None, "pet", type_="check", condition="age >= 0")
        op.drop_constraint(None, "pet", type_="check", condition="age >= 0", if_exists=True)
        """,
        downgrade="""
        op.create_check_constraint(None, "pet", "age >= 0")
        op.create_unique_constraint(None, "pet", ["tag"])
        op.create_foreign_key(None, "pet", "owner", ["owner_id"], ["id"])
        """,
    )
    recipe.run("upgrade", "head")
    recipe.execute("INSERT INTO pet VALUES (3, 99, 'a', -1)")  # no key, no unique, no CHECK
    recipe.execute("DELETE FROM pet WHERE id = 3")
    recipe.run("downgrade", "r0")
    insp = sa.inspect(recipe.engine)
    assert len(insp.get_foreign_keys("pet")) == len(insp.get_check_constraints("pet")) == 1
    recipe.project.add_revision(
        "r1", "r0", upgrade='op.drop_constraint(None, "pet", type_="check", condition="age > 7")'
    )
    result = recipe.project.run("upgrade", "head")
    assert result.returncode != 0 and "no check constraint on pet (age > 7) to drop" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert recipe.query("SELECT id, owner_id, tag, age FROM pet ORDER BY id") == [(1, 1, "a", 3), (2, None, "b", 5)]
    recipe.close()


CHANGED_FK_SETUP = """
CREATE TABLE parent (id INTEGER NOT NULL PRIMARY KEY);
CREATE TABLE child (id INTEGER NOT NULL PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
INSERT INTO parent VALUES (1);
INSERT INTO child VALUES (1, 1)
"""

CHANGED_FK_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
sa.Table(
    "child",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="CASCADE")),
)
"""


def test_a_replaced_constraint_keeps_the_name_the_database_gave(tmp_path: Path, database: Database) -> None:
    """An unnamed foreign key whose ON DELETE changed is added back under the name the database
    gave the old one (nothing made up, nothing to warn of); SQLite gave none."""
    recipe = Recipe(tmp_path / "project", database, CHANGED_FK_SETUP)
    (reflected,) = [fk["name"] for fk in sa.inspect(recipe.engine).get_foreign_keys("child")]
    recipe.models(CHANGED_FK_MODELS)
    output = recipe.autogenerate()
    upgrade = recipe.written().split("def upgrade()")[1].split("def downgrade()")[0]
    if reflected is None:  # SQLite
        assert "Warning: no name in the models: named child_parent_id_fkey as PostgreSQL would" in output
    else:
        assert "no name in the models" not in output and f'"{reflected}"' in upgrade.split("create_foreign_key")[1]
    recipe.run("upgrade", "head")
    (fk,) = sa.inspect(recipe.engine).get_foreign_keys("child")
    assert fk["name"] == (reflected or "child_parent_id_fkey") and fk["options"]["ondelete"] == "CASCADE"
    assert "No changes detected" in recipe.autogenerate()
    recipe.run("downgrade", "r0")
    assert recipe.query("SELECT id, parent_id FROM child") == [(1, 1)]
    recipe.close()
