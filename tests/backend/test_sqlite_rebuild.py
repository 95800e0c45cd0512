"""SQLite's automatic table rebuild: what ALTER TABLE cannot do, done without losing anything.

Specific to SQLite. Each test starts from a table holding rows and runs real revisions through
the library, as `dbshift upgrade` does.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from dbshift.commands import migrate
from dbshift.config import Config, load_config
from dbshift.errors import MigrationError
from tests.cli_helpers import ScratchProject

SETUP = """
CREATE TABLE parent (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT COLLATE NOCASE NOT NULL,
    qty INT CHECK (qty >= 0),
    note TEXT
) STRICT;
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent(id));
CREATE VIEW parent_names AS SELECT name, qty FROM parent;
CREATE TRIGGER parent_note AFTER INSERT ON parent BEGIN UPDATE parent SET note = 'new' WHERE id = NEW.id AND note IS NULL; END;
CREATE INDEX ix_parent_qty ON parent (qty) WHERE qty > 1;
INSERT INTO parent (name, qty, note) VALUES ('a', 1, 'x'), ('B', 2, 'y'), ('c', 3, 'z');
INSERT INTO child VALUES (1, 1), (2, 3);
"""


def _quiet(_line: str) -> None:
    pass


class Rebuild:
    def __init__(self, root: Path, setup: str = SETUP) -> None:
        self.db = root / "app.sqlite"
        self.project = ScratchProject(root, f"sqlite:///{self.db}")
        with sqlite3.connect(self.db) as conn:
            conn.executescript(setup)
        self.project.add_revision("r0", None, message="start")
        self.upgrade("r0")

    @property
    def config(self) -> Config:
        return load_config(self.project.config_path, cwd=self.project.root, environ={})

    def add(self, rev: str, down: str, upgrade: str, downgrade: str = "pass") -> None:
        self.project.add_revision(rev, down, upgrade=upgrade, downgrade=downgrade, message=f"change {rev}")

    def upgrade(self, target: str = "head") -> None:
        migrate.upgrade(self.config, target, report=_quiet)

    def downgrade(self, target: str) -> None:
        migrate.downgrade(self.config, target, report=_quiet)

    def query(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]

    def master(self) -> dict[str, str]:
        return {name: sql for name, sql in self.query("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")}

    def rows(self) -> list[tuple[object, ...]]:
        return self.query("SELECT * FROM parent ORDER BY id")

    def version(self) -> list[tuple[object, ...]]:
        return self.query("SELECT version_num FROM dbshift_version")


@pytest.fixture
def rb(tmp_path: Path) -> Rebuild:
    return Rebuild(tmp_path / "project")


def test_alter_column_keeps_view_strict_unnamed_check_and_foreign_key(rb: Rebuild) -> None:
    """The issue's acceptance case: all of it intact after upgrade and after downgrade."""
    rows = rb.rows()
    rb.add(
        "r1",
        "r0",
        """
        op.alter_column("parent", "note", type_=sa.Text(), nullable=False, existing_nullable=True)
        op.alter_column("parent", "qty", server_default=sa.text("0"))
        """,
        """
        op.alter_column("parent", "qty", server_default=None)
        op.alter_column("parent", "note", nullable=True, existing_nullable=False)
        """,
    )
    rb.upgrade()
    for stage in ("upgraded", "downgraded"):
        master = rb.master()
        table_sql = master["parent"]
        assert table_sql.rstrip().endswith("STRICT"), stage
        assert "AUTOINCREMENT" in table_sql and "COLLATE NOCASE" in table_sql.upper().replace('"', ""), stage
        assert "CHECK (qty >= 0)" in table_sql, stage
        assert rb.rows() == rows, stage
        assert rb.query("SELECT * FROM parent_names ORDER BY name") == [("a", 1), ("B", 2), ("c", 3)], stage
        assert "parent_note" in master and "ix_parent_qty" in master and "WHERE qty > 1" in master["ix_parent_qty"]
        assert rb.query("PRAGMA foreign_key_list(child)")[0][2] == "parent", stage
        assert rb.query("PRAGMA foreign_key_check") == [], stage
        with pytest.raises(sqlite3.IntegrityError):  # the unnamed CHECK still holds
            rb.query("INSERT INTO parent (name, qty, note) VALUES ('neg', -1, 'n')")
        with pytest.raises(sqlite3.IntegrityError):  # STRICT still holds
            rb.query("INSERT INTO parent (name, qty, note) VALUES ('str', 'many', 'n')")
        if stage == "upgraded":
            assert "NOT NULL" in table_sql.split("note", 1)[1].split(",", 1)[0]
            rb.downgrade("r0")
    assert rb.version() == [("r0",)]


def test_consecutive_changes_to_one_table_are_one_rebuild(rb: Rebuild) -> None:
    rb.add(
        "r1",
        "r0",
        """
        op.alter_column("parent", "note", type_=sa.String(50), nullable=False, existing_nullable=True)
        op.alter_column("parent", "qty", nullable=False, existing_nullable=True)
        op.create_check_constraint("ck_parent_name", "parent", "length(name) < 20")
        op.create_index("ix_parent_name", "parent", ["name"])
        """,
    )
    out = io.StringIO()
    before = rb.master()
    migrate.upgrade(rb.config, "r0:r1", sql=True, output=out)
    sql = out.getvalue()
    assert sql.count("INSERT INTO _dbshift_new_parent") == 1
    assert sql.count("CREATE TABLE _dbshift_new_parent") == 1
    assert "CAST(parent.note AS VARCHAR(50))" in sql and "PRAGMA foreign_key_check" in sql
    assert rb.master() == before and rb.version() == [("r0",)]  # --sql read the table, changed nothing


def test_failed_rebuild_leaves_table_and_rows_untouched(rb: Rebuild) -> None:
    rb.query("UPDATE parent SET note = NULL WHERE id = 2")
    before, rows = rb.master(), rb.rows()
    rb.add("r1", "r0", 'op.alter_column("parent", "note", nullable=False, existing_nullable=True)')
    with pytest.raises(MigrationError) as info:
        rb.upgrade()
    assert "NOT NULL constraint failed" in str(info.value) and "rolled back" in str(info.value)
    assert rb.master() == before and rb.rows() == rows and rb.version() == [("r0",)]


def test_foreign_key_check_fails_the_revision(rb: Rebuild) -> None:
    rb.query("INSERT INTO child VALUES (3, 99)")  # points nowhere
    before = rb.master()
    rb.add("r1", "r0", 'op.create_foreign_key("fk_child_parent", "child", "parent", ["parent_id"], ["id"])')
    with pytest.raises(MigrationError) as info:
        rb.upgrade()
    assert "foreign keys point nowhere" in str(info.value) and "child" in str(info.value)
    assert rb.master() == before and rb.version() == [("r0",)]


def test_drop_column_used_by_an_index_and_constraints_round_trip(rb: Rebuild) -> None:
    rows = rb.rows()
    rb.add(
        "r1",
        "r0",
        """
        op.drop_index("ix_parent_qty", "parent")
        op.drop_column("parent", "qty")
        op.create_unique_constraint("uq_parent_name", "parent", ["name"])
        """,
        """
        op.drop_constraint("uq_parent_name", "parent", type_="unique")
        op.add_column("parent", sa.Column("qty", sa.Integer))
        """,
    )
    rb.upgrade()
    assert [r[1] for r in rb.query("PRAGMA table_info(parent)")] == ["id", "name", "note"]
    assert rb.rows() == [(r[0], r[1], r[3]) for r in rows]
    assert "uq_parent_name" in rb.master()["parent"]
    rb.downgrade("r0")
    assert rb.rows() == [(r[0], r[1], r[3], None) for r in rows]  # qty comes back last, empty


def test_rename_in_a_rebuild_follows_into_views(rb: Rebuild) -> None:
    rb.add(
        "r1",
        "r0",
        """
        op.alter_column("parent", "name", new_column_name="title")
        op.alter_column("parent", "note", nullable=False, existing_nullable=True)
        """,
        """
        op.alter_column("parent", "note", nullable=True, existing_nullable=False)
        op.alter_column("parent", "title", new_column_name="name")
        """,
    )
    rb.upgrade()
    assert "title" in rb.master()["parent_names"]
    assert rb.query("SELECT * FROM parent_names ORDER BY title") == [("a", 1), ("B", 2), ("c", 3)]
    rb.downgrade("r0")
    assert rb.query("SELECT * FROM parent_names ORDER BY name") == [("a", 1), ("B", 2), ("c", 3)]


def test_batch_alter_table_runs_as_one_rebuild(rb: Rebuild) -> None:
    rows = rb.rows()
    rb.add(
        "r1",
        "r0",
        """
        with op.batch_alter_table("parent", recreate="auto") as batch:
            batch.alter_column("qty", server_default=sa.text("5"))
            batch.create_unique_constraint("uq_parent_note", ["note"])
        """,
        """
        with op.batch_alter_table("parent") as batch:
            batch.drop_constraint("uq_parent_note", type_="unique")
            batch.alter_column("qty", server_default=None)
        """,
    )
    out = io.StringIO()
    migrate.upgrade(rb.config, "r0:r1", sql=True, output=out)
    assert out.getvalue().count("INSERT INTO _dbshift_new_parent") == 1
    rb.upgrade()
    assert "uq_parent_note" in rb.master()["parent"] and rb.rows() == rows
    rb.downgrade("r0")
    assert "uq_parent_note" not in rb.master()["parent"] and rb.rows() == rows


def test_sql_mode_without_a_database_says_what_it_needs(tmp_path: Path) -> None:
    project = ScratchProject(tmp_path / "p", f"sqlite:///{tmp_path / 'missing.sqlite'}")
    project.add_revision("r1", None, upgrade='op.alter_column("t", "c", nullable=False)')
    config = load_config(project.config_path, cwd=project.root, environ={})
    with pytest.raises(MigrationError, match="table rebuild.*--sql"):
        migrate.upgrade(config, "base:r1", sql=True, output=io.StringIO())
    assert not (tmp_path / "missing.sqlite").exists()


def test_without_rowid_and_unnamed_unique_survive(rb: Rebuild) -> None:
    rb.query("CREATE TABLE tags (k TEXT PRIMARY KEY, label TEXT, n INT, UNIQUE (label)) WITHOUT ROWID")
    rb.query("INSERT INTO tags VALUES ('a', 'A', 1), ('b', 'B', NULL)")
    rb.add(
        "r1",
        "r0",
        'op.alter_column("tags", "n", server_default=sa.text("7"))',
        'op.alter_column("tags", "n", server_default=None)',
    )
    for target in ("r1", "r0"):
        rb.upgrade() if target == "r1" else rb.downgrade("r0")
        sql = rb.master()["tags"]
        assert sql.rstrip().endswith("WITHOUT ROWID") and "UNIQUE (label)" in sql, sql
        assert ("DEFAULT 7" in sql) == (target == "r1")
        assert rb.query("SELECT * FROM tags ORDER BY k") == [("a", "A", 1), ("b", "B", None)]
    with pytest.raises(sqlite3.IntegrityError):
        rb.query("INSERT INTO tags VALUES ('c', 'A', 3)")


# --------------------------------------------------------------------------- primary keys, names


@pytest.mark.parametrize("in_batch", [False, True])
def test_create_primary_key_replaces_the_existing_one(rb: Rebuild, in_batch: bool) -> None:
    """As Alembic's batch mode does: the table gets the new primary key instead of the old one."""
    change = 'op.create_primary_key("pk_child", "child", ["id", "parent_id"])'
    back_again = 'op.create_primary_key(None, "child", ["id"])'
    if in_batch:
        change = 'with op.batch_alter_table("child") as batch:\n    batch.create_primary_key("pk_child", ["id", "parent_id"])'
        back_again = 'with op.batch_alter_table("child") as batch:\n    batch.create_primary_key(None, ["id"])'
    rows = rb.query("SELECT * FROM child ORDER BY id")
    rb.add("r1", "r0", change, back_again)
    rb.upgrade()
    assert [r[1] for r in rb.query("PRAGMA table_info(child)") if r[5]] == ["id", "parent_id"]
    assert "CONSTRAINT pk_child PRIMARY KEY (id, parent_id)" in rb.master()["child"]
    assert rb.query("SELECT * FROM child ORDER BY id") == rows
    rb.downgrade("r0")
    assert [r[1] for r in rb.query("PRAGMA table_info(child)") if r[5]] == ["id"]
    assert rb.query("SELECT * FROM child ORDER BY id") == rows


COLUMN_CONSTRAINTS = """
CREATE TABLE tagged (
    id INTEGER PRIMARY KEY,
    code TEXT CONSTRAINT uq_tagged_code UNIQUE,
    parent_id INT CONSTRAINT fk_tagged_parent REFERENCES parent (id) ON DELETE CASCADE,
    n INT CONSTRAINT ck_tagged_n CHECK (n > 0)
)
"""


def test_constraint_names_written_on_columns_are_known(rb: Rebuild) -> None:
    """Constraints named inside a column's definition keep their names through a rebuild (and
    their ON DELETE), and adding one of the same name again is an error naming it."""
    rb.query(COLUMN_CONSTRAINTS)
    rb.query("INSERT INTO tagged VALUES (1, 'a', 1, 5)")
    for name, upgrade in [
        ("fk_tagged_parent", 'op.create_foreign_key("fk_tagged_parent", "tagged", "parent", ["n"], ["id"])'),
        ("uq_tagged_code", 'op.create_unique_constraint("uq_tagged_code", "tagged", ["n"])'),
        ("ck_tagged_n", 'op.create_check_constraint("ck_tagged_n", "tagged", "n < 9")'),
    ]:
        rb.add("r1", "r0", upgrade)  # the same file each time, rewritten
        with pytest.raises(MigrationError, match=f"constraint '{name}' on 'tagged' already exists"):
            rb.upgrade()
        assert rb.version() == [("r0",)]
    rb.add("r1", "r0", 'op.alter_column("tagged", "n", server_default=sa.text("1"))')
    rb.upgrade()
    sql = rb.master()["tagged"]
    for name in ("uq_tagged_code", "fk_tagged_parent", "ck_tagged_n"):
        assert f"CONSTRAINT {name}" in sql, sql
    assert "ON DELETE CASCADE" in sql, sql


def test_partial_index_in_a_batch_and_kept_by_a_rebuild(rb: Rebuild) -> None:
    rb.add(
        "r1",
        "r0",
        """
        with op.batch_alter_table("parent") as batch:
            batch.create_index("ix_parent_note", ["note"], sqlite_where=sa.text("note IS NOT NULL"))
            batch.alter_column("note", nullable=False, existing_nullable=True)
        """,
        """
        with op.batch_alter_table("parent") as batch:
            batch.alter_column("note", nullable=True, existing_nullable=False)
            batch.drop_index("ix_parent_note")
        """,
    )
    rb.upgrade()
    master = rb.master()
    assert master["ix_parent_note"] == "CREATE INDEX ix_parent_note ON parent (note) WHERE note IS NOT NULL"
    assert "WHERE qty > 1" in master["ix_parent_qty"]
    rb.downgrade("r0")
    assert "ix_parent_note" not in rb.master()


def test_batch_column_placement_hints_are_accepted(rb: Rebuild) -> None:
    """Alembic's insert_before/insert_after only place columns in its recreated table."""
    rb.add(
        "r1",
        "r0",
        """
        with op.batch_alter_table("parent") as batch:
            batch.add_column(sa.Column("extra", sa.Integer), insert_after="name")
            batch.alter_column("note", nullable=False, existing_nullable=True, insert_before="name")
        """,
    )
    rb.upgrade()
    assert [r[1] for r in rb.query("PRAGMA table_info(parent)")] == ["id", "name", "qty", "note", "extra"]


# --------------------------------------------------------------------------- generated columns

GENERATED = """
CREATE TABLE priced (
    id INTEGER PRIMARY KEY,
    price INT NOT NULL,
    qty INT,
    total INT GENERATED ALWAYS AS (price * qty) VIRTUAL,
    label TEXT GENERATED ALWAYS AS ('#' || id) STORED
)
"""


def test_rebuild_of_a_table_with_generated_columns(rb: Rebuild) -> None:
    """Generated columns are left out of the copy (SQLite refuses to INSERT into them) and come
    back computed from the copied rows, STORED or VIRTUAL as they were."""
    rb.query(GENERATED)
    rb.query("INSERT INTO priced (id, price, qty) VALUES (1, 3, 2), (2, 5, NULL)")
    rb.add(
        "r1",
        "r0",
        """
        op.add_column("priced", sa.Column("added_at", sa.Text, server_default=sa.text("CURRENT_TIMESTAMP")))
        op.alter_column("priced", "qty", nullable=False, server_default=sa.text("1"), existing_nullable=True)
        """,
        """
        op.alter_column("priced", "qty", nullable=True, server_default=None, existing_nullable=False)
        op.drop_column("priced", "added_at")
        """,
    )
    rb.query("UPDATE priced SET qty = 4 WHERE id = 2")
    rb.upgrade()
    rows = rb.query("SELECT id, price, qty, total, label FROM priced ORDER BY id")
    assert rows == [(1, 3, 2, 6, "#1"), (2, 5, 4, 20, "#2")]
    assert all(r[0] is not None for r in rb.query("SELECT added_at FROM priced"))
    rb.query("INSERT INTO priced (id, price) VALUES (3, 7)")
    assert rb.query("SELECT qty, total, label FROM priced WHERE id = 3") == [(1, 7, "#3")]
    sql = rb.master()["priced"]
    assert "GENERATED ALWAYS AS ('#' || id) STORED" in sql and "STORED" not in sql.split("label")[0], sql
    rb.downgrade("r0")
    assert rb.query("SELECT id, price, qty, total, label FROM priced ORDER BY id")[:2] == rows


# --------------------------------------------------------------------------- unnamed constraints

UNNAMED = """
CREATE TABLE owner (id INTEGER NOT NULL PRIMARY KEY);
CREATE TABLE pet (
    id INTEGER NOT NULL PRIMARY KEY,
    owner_id INT REFERENCES owner (id),
    tag TEXT,
    age INT,
    UNIQUE (tag),
    CHECK (age >= 0)
);
INSERT INTO owner VALUES (1), (2);
INSERT INTO pet VALUES (1, 1, 'a', 3), (2, 2, 'b', 5);
"""

PET_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("owner", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table(
    "pet",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("owner.id"{ondelete})),
    sa.Column("tag", sa.Text),
    sa.Column("age", sa.Integer),
    {unique}
    sa.CheckConstraint("age >= 0"),
)
"""


class WithModels(Rebuild):
    """A database from ``setup`` and an ``app.models`` module that ``revision --autogenerate`` reads."""

    def __init__(self, root: Path, setup: str) -> None:
        super().__init__(root, setup)
        self.project.write_config(url=f"sqlite:///{self.db}", target_metadata="app.models:metadata")
        self.project.write("app/__init__.py", "")

    def autogenerate(self) -> str:
        """``dbshift revision --autogenerate``; the output."""
        result = self.project.run("revision", "--autogenerate", "-m", "models")
        assert result.returncode == 0, result.stderr
        return result.stdout


class Unnamed(WithModels):
    """The ``pet`` table with an unnamed foreign key, unique and CHECK, and models to compare."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, UNNAMED)

    def models(self, *, ondelete: str | None = None, unique: bool = True) -> None:
        self.project.write(
            "app/models.py",
            PET_MODELS.format(
                ondelete=f", ondelete={ondelete!r}" if ondelete else "",
                unique='sa.UniqueConstraint("tag"),' if unique else "",
            ),
        )

    def pets(self) -> list[tuple[object, ...]]:
        return self.query("SELECT * FROM pet ORDER BY id")

    def actions(self) -> list[str]:
        return [r[6] for r in self.query("PRAGMA foreign_key_list(pet)")]


@pytest.fixture
def unnamed(tmp_path: Path) -> Unnamed:
    return Unnamed(tmp_path / "project")


def test_autogenerate_changes_ondelete_of_an_unnamed_foreign_key(unnamed: Unnamed) -> None:
    """The issue's case: ``constraint 'None' does not exist`` before; now the foreign key is
    found by its columns and target, and the rows, unique and CHECK survive both ways."""
    pets = unnamed.pets()
    unnamed.models(ondelete="CASCADE")
    unnamed.autogenerate()
    (name,) = [n for n in unnamed.project.revision_files() if n != "r0_start.py"]
    text = (unnamed.project.versions / name).read_text()
    assert 'columns=["owner_id"]' in text and 'referent_table="owner"' in text, text
    before = unnamed.master()
    out = io.StringIO()
    migrate.upgrade(unnamed.config, "r0:head", sql=True, output=out)  # reads the file, changes nothing
    assert "ON DELETE CASCADE" in out.getvalue() and unnamed.master() == before
    unnamed.upgrade()
    assert unnamed.actions() == ["CASCADE"] and unnamed.pets() == pets
    sql = unnamed.master()["pet"]
    assert "UNIQUE (tag)" in sql and "CHECK (age >= 0)" in sql, sql
    assert "No changes detected" in unnamed.autogenerate()
    unnamed.downgrade("r0")
    assert unnamed.actions() == ["NO ACTION"] and unnamed.pets() == pets
    assert "CONSTRAINT" not in unnamed.master()["pet"]  # unnamed again, as it was


def test_autogenerate_drops_an_unnamed_unique(unnamed: Unnamed) -> None:
    unnamed.models(unique=False)
    unnamed.autogenerate()
    unnamed.upgrade()
    unnamed.query("INSERT INTO pet VALUES (3, 1, 'a', 1)")  # the unique is gone
    assert "No changes detected" in unnamed.autogenerate()
    unnamed.query("DELETE FROM pet WHERE id = 3")
    unnamed.downgrade("r0")
    with pytest.raises(sqlite3.IntegrityError):
        unnamed.query("INSERT INTO pet VALUES (3, 1, 'a', 1)")
    assert len(unnamed.pets()) == 2


def test_rendered_drop_of_an_unnamed_check_runs_both_ways(unnamed: Unnamed) -> None:
    """What autogenerate writes for an unnamed CHECK the models no longer have: the expression
    picks it (spaces and case aside), the downgrade adds it back."""
    from dbshift.autogenerate.compare import reverse_ops
    from dbshift.autogenerate.render import render_ops
    from dbshift.operations.constraint import DropConstraintOp
    from dbshift.schema.model import CheckDef

    ops = [DropConstraintOp("pet", None, "check", constraint=CheckDef("AGE>=0"))]
    up, down = render_ops(ops).body, render_ops(reverse_ops(ops)).body
    assert up == 'op.drop_constraint(None, "pet", type_="check", condition="AGE>=0")', up
    unnamed.add("r1", "r0", up, down)
    unnamed.upgrade()
    unnamed.query("INSERT INTO pet VALUES (3, 1, 'c', -1)")
    assert "CHECK" not in unnamed.master()["pet"]
    unnamed.query("DELETE FROM pet WHERE id = 3")
    unnamed.downgrade("r0")
    with pytest.raises(sqlite3.IntegrityError):
        unnamed.query("INSERT INTO pet VALUES (3, 1, 'c', -1)")


def test_drop_unnamed_constraints_by_definition_in_op_and_batch(unnamed: Unnamed) -> None:
    pets = unnamed.pets()
    unnamed.add(
        "r1",
        "r0",
        """
        op.drop_constraint(None, "pet", type_="foreignkey", columns=["owner_id"], referent_table="owner")
        with op.batch_alter_table("pet") as batch:
            batch.drop_constraint(None, type_="check", condition="(age >= 0)")
            batch.drop_constraint(None, type_="unique", columns=["tag"])
        """,
        """
        op.create_foreign_key(None, "pet", "owner", ["owner_id"], ["id"])
        op.create_check_constraint(None, "pet", "age >= 0")
        op.create_unique_constraint(None, "pet", ["tag"])
        """,
    )
    unnamed.upgrade()
    sql = unnamed.master()["pet"]
    assert "REFERENCES" not in sql and "CHECK" not in sql and "UNIQUE" not in sql, sql
    assert unnamed.pets() == pets
    unnamed.downgrade("r0")
    sql = unnamed.master()["pet"]
    assert "REFERENCES owner (id)" in sql and "CHECK (age >= 0)" in sql and "UNIQUE (tag)" in sql, sql
    assert unnamed.pets() == pets


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            'op.drop_constraint(None, "pet", type_="foreignkey", columns=["tag"], referent_table="owner")',
            "no foreign key on pet (tag) -> owner to drop",
        ),
        ('op.drop_constraint(None, "pet", type_="check", condition="age > 1")', "no check constraint on pet (age > 1)"),
        ('op.drop_constraint(None, "pet", type_="unique", columns=["age"])', "no unique constraint on pet (age)"),
        ('op.drop_constraint(None, "pet", type_="unique")', "an unnamed constraint is found by its definition"),
    ],
)
def test_dropping_an_unnamed_constraint_that_is_not_there(unnamed: Unnamed, call: str, message: str) -> None:
    before = unnamed.master()
    unnamed.add("r1", "r0", call)
    result = unnamed.project.run("upgrade", "head")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr
    assert unnamed.master() == before and unnamed.version() == [("r0",)]


# --------------------------------------------------------------------------- kept exactly

KEPT = """
CREATE TABLE account (
    id INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    price INT NOT NULL,
    qty INT NOT NULL,
    total INT GENERATED ALWAYS AS (price * qty) VIRTUAL,
    label TEXT GENERATED ALWAYS AS ('#' || name) STORED,
    note TEXT
);
CREATE UNIQUE INDEX ix_account_lower_name ON account (lower(name));
CREATE INDEX ix_account_note ON account (note) WHERE note IS NOT NULL;
INSERT INTO account (id, name, price, qty, note) VALUES (1, 'Ann', 2, 3, 'x'), (2, 'Bob', 5, 1, NULL);
"""

KEPT_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
account = sa.Table(
    "account",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", {name_type}, nullable=False),
    sa.Column("price", sa.Integer, nullable={nullable}),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, sa.Computed("price * qty", persisted=False)),
    sa.Column("label", sa.Text, sa.Computed("'#' || name", persisted=True)),
    sa.Column("note", sa.Text),
    {extra}
)
sa.Index("ix_account_lower_name", sa.func.lower(account.c.name), unique=True)
sa.Index("ix_account_note", account.c.note, sqlite_where=sa.text("note IS NOT NULL"))
"""


@pytest.mark.parametrize(
    ("nullable", "extra", "name_type"),
    [
        ("True", "", "sa.Text"),  # a change of nullability: a rebuild
        ("False", 'sa.Column("added_at", sa.Text, server_default=sa.text("CURRENT_TIMESTAMP")),', "sa.Text"),
        ("False", "", "sa.String(40)"),  # the type of a column the index and a generated column use
    ],
    ids=["nullable", "non-constant-default", "type-under-them"],
)
def test_rebuild_keeps_partial_and_expression_indexes_and_generated_columns(
    tmp_path: Path, nullable: str, extra: str, name_type: str
) -> None:
    """After a rebuild some other change causes, the indexes and generated columns are exactly
    as they were: the second autogenerate finds nothing, and they still work."""
    kept = WithModels(tmp_path / "project", KEPT)
    kept.query("UPDATE account SET note = 'y' WHERE id = 2")
    before = kept.master()
    kept.project.write("app/models.py", KEPT_MODELS.format(nullable=nullable, extra=extra, name_type=name_type))
    kept.autogenerate()
    kept.upgrade()
    assert "No changes detected" in kept.autogenerate()
    after = kept.master()
    assert after["account"] != before["account"]  # rebuilt
    for index in ("ix_account_lower_name", "ix_account_note"):
        assert after[index] == before[index]
    table = after["account"]
    assert "GENERATED ALWAYS AS (price * qty) VIRTUAL" in table, table
    assert "GENERATED ALWAYS AS ('#' || name) STORED" in table, table
    rows = kept.query("SELECT id, name, total, label, note FROM account ORDER BY id")
    assert rows == [(1, "Ann", 6, "#Ann", "x"), (2, "Bob", 5, "#Bob", "y")]
    with pytest.raises(sqlite3.IntegrityError):  # the unique expression index still holds
        kept.query("INSERT INTO account (id, name, price, qty, note) VALUES (3, 'ANN', 1, 1, 'z')")
    plan = kept.query("EXPLAIN QUERY PLAN SELECT id FROM account WHERE note = 'x'")
    assert any("ix_account_note" in str(r[-1]) for r in plan), plan
    kept.query("INSERT INTO account (id, name, price, qty, note) VALUES (3, 'Cy', 4, 4, 'z')")
    assert kept.query("SELECT total, label FROM account WHERE id = 3") == [(16, "#Cy")]
    kept.downgrade("r0")
    assert kept.query("SELECT id, name, total, label, note FROM account ORDER BY id")[:2] == rows
