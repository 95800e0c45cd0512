"""Enum values added, removed and reordered, with rows in place, the way users meet them:
autogenerate writes a revision file, ``upgrade`` runs it, ``downgrade`` runs it back.

* PostgreSQL's named types: values only added are ``ADD VALUE``, committed outside the
  revision's transaction (so that the same revision can use them); values removed or moved
  replace the type (renamed aside, created anew, every column cast over, defaults kept, the old
  one dropped); rows holding a value that goes stop the upgrade with a one-line error and
  nothing changed.
* MariaDB's ``ENUM(...)`` column type: a values change is a type change, run with ``MODIFY``.
* Non-native enums (``native_enum=False``): a ``VARCHAR`` whose length follows the longest value,
  and a CHECK when ``create_constraint=True``.
* The whole way through the CLI: ``revision --autogenerate``, ``upgrade``, ``check``, ``downgrade``.

After each upgrade the database matches the new models (a second comparison finds nothing) and
the rows are still there; after the downgrade it matches the old models, rows included.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dbshift.autogenerate.api import diff_database
from dbshift.autogenerate.compare import reverse_ops
from dbshift.autogenerate.render import render_ops
from dbshift.errors import MigrationError
from dbshift.operations.base import Operation
from tests.backend.test_op_api import Project
from tests.cli_helpers import ScratchProject
from tests.conftest import Database

pytestmark = pytest.mark.backend


class Scenario:
    """A project whose database holds the "before" models' tables and rows at revision r0."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.ops: list[Operation] = []

    @property
    def backend(self) -> str:
        return self.project.backend

    def start(self, before: sa.MetaData, rows: dict[str, list[dict[str, Any]]]) -> None:
        before.create_all(self.project.engine)
        with self.project.engine.begin() as conn:
            for name, values in rows.items():
                conn.execute(before.tables[name].insert(), values)
        self.project.add("r0", None, message="baseline")
        self.project.upgrade("r0")
        assert self.diff(before) == [], "the 'before' models must match what create_all made"

    def diff(self, metadata: sa.MetaData) -> list[str]:
        with self.project.engine.connect() as conn:
            return [o.describe() for o in diff_database(conn, metadata, version_table="dbshift_version")]

    def write(self, after: sa.MetaData, expected: list[str]) -> None:
        """Autogenerate r1 (exactly ``expected``) as a revision file, upgrade and downgrade bodies."""
        with self.project.engine.connect() as conn:
            self.ops = diff_database(conn, after, version_table="dbshift_version")
        assert [o.describe() for o in self.ops] == expected
        up, down = render_ops(self.ops), render_ops(reverse_ops(self.ops))
        self.project.add(
            "r1",
            "r0",
            "\n".join([*up.imports, up.body]),
            "\n".join([*down.imports, down.body]),
            message="enum values",
        )

    def round_trip(self, before: sa.MetaData, after: sa.MetaData, expected: list[str]) -> None:
        rows = self.project.state()[1]
        self.write(after, expected)
        self.project.upgrade()
        assert self.diff(after) == [], "upgrade left differences"
        now = self.project.state()[1]
        assert {k: v for k, v in now.items() if k in rows} == rows, "rows changed on upgrade"
        self.project.downgrade("r0")
        assert self.diff(before) == [], "downgrade is not the exact reverse"
        assert self.project.state()[1] == rows, "rows changed on downgrade"


@pytest.fixture
def scenario(database: Database, tmp_path: Path) -> Iterator[Scenario]:
    project = Project(tmp_path / "project", database)
    try:
        yield Scenario(project)
    finally:
        project.engine.dispose()


def only(scenario: Scenario, *backends: str) -> None:
    if scenario.backend not in backends:
        pytest.skip(f"{' and '.join(backends)} only")


def orders(md: sa.MetaData, type_: sa.types.TypeEngine[Any], **kw: Any) -> sa.Table:
    return sa.Table(
        "orders",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("status", type_, nullable=False, **kw),
    )


ROWS = {"orders": [{"id": 1, "status": "new"}, {"id": 2, "status": "paid"}, {"id": 3, "status": "new"}]}


def pg_labels(scenario: Scenario, name: str) -> list[str]:
    with scenario.project.engine.connect() as conn:
        enums = sa.inspect(conn).get_enums()  # type: ignore[attr-defined]
    return next(list(e["labels"]) for e in enums if e["name"] == name)


# -- PostgreSQL: named types ----------------------------------------------------------------------
def test_postgresql_values_added_anywhere(scenario: Scenario) -> None:
    only(scenario, "postgresql")
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, sa.Enum("new", "paid", name="status"), server_default="new")
    orders(after, sa.Enum("draft", "new", "held", "paid", "void", name="status"), server_default="new")
    scenario.start(before, ROWS)
    scenario.round_trip(before, after, ["changed values of enum type 'status': added 'draft', 'held', 'void'"])
    assert pg_labels(scenario, "status") == ["new", "paid"]  # the downgrade replaced the type back
    scenario.project.upgrade()
    assert pg_labels(scenario, "status") == ["draft", "new", "held", "paid", "void"]


def test_postgresql_added_value_is_usable_in_the_same_revision(scenario: Scenario) -> None:
    """The value is committed outside the revision's transaction, so the revision's own later
    statements (a data change, a default) can use it; without that PostgreSQL refuses
    ("unsafe use of new value")."""
    only(scenario, "postgresql")
    before = sa.MetaData()
    orders(before, sa.Enum("new", "paid", name="status"))
    scenario.start(before, ROWS)
    upgrade = """
    op.alter_enum_values("status", ["new", "paid", "void"], existing_values=["new", "paid"],
                         columns=[op.EnumColumn("orders", "status")])
    op.execute("UPDATE orders SET status = 'void' WHERE id = 3")
    op.alter_column("orders", "status", server_default="void")
    """
    downgrade = """
    op.alter_column("orders", "status", server_default=None)
    op.execute("UPDATE orders SET status = 'new' WHERE id = 3")
    op.alter_enum_values("status", ["new", "paid"], existing_values=["new", "paid", "void"],
                         columns=[op.EnumColumn("orders", "status")])
    """
    scenario.project.add("r1", "r0", textwrap.dedent(upgrade), textwrap.dedent(downgrade))
    scenario.project.upgrade()
    assert scenario.project.rows("orders") == [(1, "new"), (2, "paid"), (3, "void")]
    scenario.project.downgrade("r0")
    assert scenario.project.rows("orders") == [(1, "new"), (2, "paid"), (3, "new")]
    assert pg_labels(scenario, "status") == ["new", "paid"]


def test_postgresql_values_removed_and_reordered_keep_rows_defaults_and_other_columns(scenario: Scenario) -> None:
    only(scenario, "postgresql")

    def models(*values: str) -> sa.MetaData:
        md = sa.MetaData()
        status = sa.Enum(*values, name="status")
        orders(md, status, server_default="new")
        sa.Table(
            "history",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("was", status),
            sa.Column("path", postgresql.ARRAY(status), server_default=sa.text("ARRAY['new']::status[]")),
            sa.Index("ix_history_was", "was"),
        )
        return md

    before, after = models("new", "held", "paid", "void"), models("paid", "new")
    rows: dict[str, list[dict[str, Any]]] = {
        **ROWS,
        "history": [{"id": 1, "was": "paid", "path": ["new", "paid"]}, {"id": 2, "was": None, "path": None}],
    }
    scenario.start(before, rows)
    scenario.round_trip(before, after, ["changed values of enum type 'status': removed 'held', 'void'; reordered"])
    assert pg_labels(scenario, "status") == ["new", "held", "paid", "void"]
    scenario.project.upgrade()
    assert pg_labels(scenario, "status") == ["paid", "new"]
    with scenario.project.engine.connect() as conn:  # the order is the type's: 'paid' sorts first now
        ordered = conn.execute(sa.text("SELECT id FROM orders ORDER BY status, id")).scalars().all()
    assert ordered == [2, 1, 3]
    assert {ix["name"] for ix in sa.inspect(scenario.project.engine).get_indexes("history")} == {"ix_history_was"}


def test_postgresql_values_added_and_removed_in_one_revision(scenario: Scenario) -> None:
    """A value renamed in the models is a value removed and one added: rows holding the old one
    would stop the upgrade, so none does here (an UPDATE between the two would move them)."""
    only(scenario, "postgresql")
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, sa.Enum("new", "held", "paid", name="status"))
    orders(after, sa.Enum("new", "paused", "paid", name="status"))
    sa.Table(
        "notes",
        after,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("s", sa.Enum("new", "paused", "paid", name="status"), server_default="paused"),
    )
    scenario.start(before, ROWS)
    scenario.round_trip(
        before,
        after,
        [
            "changed values of enum type 'status': added 'paused'",
            "added table 'notes'",  # its default uses the value just added
            "changed values of enum type 'status': removed 'held'",
        ],
    )


def test_postgresql_rows_holding_a_removed_value_stop_the_upgrade(scenario: Scenario) -> None:
    only(scenario, "postgresql")
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, postgresql.ENUM("new", "paid", "void", name="status"))
    orders(after, postgresql.ENUM("new", "void", name="status"))
    scenario.start(before, ROWS)
    scenario.write(after, ["changed values of enum type 'status': removed 'paid'"])
    state = scenario.project.state()
    with pytest.raises(MigrationError) as info:
        scenario.project.upgrade()
    message = str(info.value)
    assert "\n" not in message
    assert "column 'orders.status' holds 'paid', which enum type 'status' would no longer have" in message
    assert "its changes were rolled back" in message
    assert scenario.project.versions_in_db() == ["r0"]
    assert scenario.project.state() == state
    assert pg_labels(scenario, "status") == ["new", "paid", "void"]


def test_postgresql_enum_type_in_another_schema(scenario: Scenario) -> None:
    only(scenario, "postgresql")
    scenario.project.execute("CREATE SCHEMA IF NOT EXISTS enum_types")
    try:
        before, after = sa.MetaData(), sa.MetaData()
        orders(before, sa.Enum("new", "paid", name="status", schema="enum_types"))
        orders(after, sa.Enum("paid", "new", "void", name="status", schema="enum_types"))
        scenario.start(before, ROWS)
        scenario.round_trip(
            before,
            after,
            [
                "changed values of enum type 'enum_types.status': added 'void'",
                "changed values of enum type 'enum_types.status': reordered",
            ],
        )
    finally:
        scenario.project.execute("DROP SCHEMA enum_types CASCADE")


# -- MariaDB: ENUM column types -------------------------------------------------------------------
@pytest.mark.parametrize(
    "values",
    [("new", "paid", "void"), ("new", "held", "paid"), ("paid", "new"), ("void", "paid", "new", "held")],
    ids=["added-at-end", "added-inside", "reordered", "added-and-reordered"],
)
def test_mariadb_enum_values_change_with_modify(scenario: Scenario, values: tuple[str, ...]) -> None:
    only(scenario, "mariadb")
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, sa.Enum("new", "paid", name="status"), server_default="new")
    orders(after, sa.Enum(*values, name="status"), server_default="new")
    scenario.start(before, ROWS)
    scenario.round_trip(before, after, [modified(("new", "paid"), values)])


def modified(old: tuple[str, ...], new: tuple[str, ...]) -> str:
    """How a values change of a MariaDB ENUM column reads: a change of the column's type."""
    quoted = ", ".join(f"'{v}'" for v in new)
    return f"modified column 'orders.status': type ENUM({', '.join(repr(v) for v in old)}) -> Enum({quoted}, name='status')"


def test_mariadb_enum_value_removed(scenario: Scenario) -> None:
    only(scenario, "mariadb")
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, sa.Enum("new", "held", "paid", name="status"))
    orders(after, sa.Enum("new", "paid", name="status"))
    scenario.start(before, ROWS)
    scenario.round_trip(before, after, [modified(("new", "held", "paid"), ("new", "paid"))])


def test_mariadb_rows_holding_a_removed_value_stop_the_upgrade(scenario: Scenario) -> None:
    only(scenario, "mariadb")
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, sa.Enum("new", "paid", name="status"))
    orders(after, sa.Enum("new", name="status"))
    scenario.start(before, ROWS)
    scenario.write(after, [modified(("new", "paid"), ("new",))])
    state = scenario.project.state()
    with pytest.raises(MigrationError) as info:
        scenario.project.upgrade()
    message = str(info.value)
    assert "\n" not in message
    assert "orders" in message and "status" in message
    assert scenario.project.versions_in_db() == ["r0"]
    assert scenario.project.state() == state


# -- non-native enums: VARCHAR and CHECK ----------------------------------------------------------
def test_non_native_enum_longer_value_widens_the_column(scenario: Scenario) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, sa.Enum("new", "paid", name="status", native_enum=False))
    orders(after, sa.Enum("new", "paid", "refunded", name="status", native_enum=False))
    scenario.start(before, ROWS)
    scenario.round_trip(
        before,
        after,
        [
            "modified column 'orders.status': type VARCHAR(length=4)"
            " -> Enum('new', 'paid', 'refunded', name='status', native_enum=False)"
        ],
    )


def test_non_native_enum_same_length_values_change_nothing_without_a_check(scenario: Scenario) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, sa.Enum("new", "paid", name="status", native_enum=False))
    orders(after, sa.Enum("new", "paid", "void", name="status", native_enum=False))
    scenario.start(before, ROWS)
    assert scenario.diff(after) == []  # a VARCHAR(4) either way: nothing in the database changes


def test_non_native_enum_values_change_its_check(scenario: Scenario) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, sa.Enum("new", "paid", name="status", native_enum=False, create_constraint=True))
    orders(after, sa.Enum("new", "paid", "void", name="status", native_enum=False, create_constraint=True))
    scenario.start(before, ROWS)
    assert scenario.diff(after) != [], "the CHECK must let 'void' in"
    with scenario.project.engine.connect() as conn:
        ops = diff_database(conn, after, version_table="dbshift_version")
    scenario.round_trip(before, after, [o.describe() for o in ops])
    scenario.project.upgrade()
    scenario.project.execute("INSERT INTO orders VALUES (4, 'void')")


def test_postgresql_added_values_stay_when_the_revision_fails_later_and_it_runs_again(scenario: Scenario) -> None:
    only(scenario, "postgresql")
    before = sa.MetaData()
    orders(before, sa.Enum("new", "paid", name="status"))
    scenario.start(before, ROWS)
    upgrade = """
    op.alter_enum_values("status", ["new", "paid", "void"], existing_values=["new", "paid"])
    op.execute("UPDATE orders SET status = 'void' WHERE id = 3")
    op.execute("UPDATE missing_table SET x = 1")
    """
    path = scenario.project.add("r1", "r0", textwrap.dedent(upgrade))
    with pytest.raises(MigrationError, match="stays committed: ALTER TYPE status ADD VALUE IF NOT EXISTS 'void'"):
        scenario.project.upgrade()
    assert pg_labels(scenario, "status") == ["new", "paid", "void"]
    assert scenario.project.rows("orders") == [(1, "new"), (2, "paid"), (3, "new")]  # rolled back
    assert scenario.project.versions_in_db() == ["r0"]
    path.write_text(path.read_text(encoding="utf-8").replace("UPDATE missing_table SET x = 1", "SELECT 1"))
    scenario.project.upgrade()
    assert scenario.project.rows("orders") == [(1, "new"), (2, "paid"), (3, "void")]


def test_postgresql_values_added_inside_the_transaction_roll_back_with_it(scenario: Scenario) -> None:
    only(scenario, "postgresql")
    before = sa.MetaData()
    orders(before, sa.Enum("new", "paid", name="status"))
    scenario.start(before, ROWS)
    upgrade = """
    op.alter_enum_values("status", ["new", "paid", "void"], existing_values=["new", "paid"], autocommit=False)
    op.execute("UPDATE missing_table SET x = 1")
    """
    scenario.project.add("r1", "r0", textwrap.dedent(upgrade))
    with pytest.raises(MigrationError, match="its changes were rolled back"):
        scenario.project.upgrade()
    assert pg_labels(scenario, "status") == ["new", "paid"]


def test_postgresql_hand_written_replacement_reads_defaults_and_arrays_from_the_database(scenario: Scenario) -> None:
    """A value renamed by hand: added, rows moved to it, the old one removed; the columns are
    named without their defaults or array-ness, which the live database tells."""
    only(scenario, "postgresql")
    before = sa.MetaData()
    orders(before, sa.Enum("new", "held", "paid", name="status"), server_default="held")
    sa.Table(
        "history",
        before,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("path", postgresql.ARRAY(sa.Enum("new", "held", "paid", name="status"))),
    )
    scenario.start(before, {**ROWS, "history": [{"id": 1, "path": ["held", "paid"]}]})
    scenario.project.execute("UPDATE orders SET status = 'held' WHERE id = 3")
    upgrade = """
    columns = [op.EnumColumn("orders", "status"), op.EnumColumn("history", "path")]
    op.alter_enum_values("status", ["new", "held", "paused", "paid"], existing_values=["new", "held", "paid"])
    op.execute("UPDATE orders SET status = 'paused' WHERE status = 'held'")
    op.execute("UPDATE history SET path = array_replace(path, 'held', 'paused')")
    op.alter_column("orders", "status", server_default="paused")
    op.alter_enum_values("status", ["new", "paused", "paid"], existing_values=["new", "held", "paused", "paid"],
                         columns=columns)
    """
    scenario.project.add("r1", "r0", textwrap.dedent(upgrade))
    scenario.project.upgrade()
    assert pg_labels(scenario, "status") == ["new", "paused", "paid"]
    assert scenario.project.rows("orders") == [(1, "new"), (2, "paid"), (3, "paused")]
    assert scenario.project.rows("history") == [(1, "{paused,paid}")]  # the driver's text of an enum array
    scenario.project.execute("INSERT INTO orders (id) VALUES (4)")
    assert scenario.project.rows("orders")[-1] == (4, "paused")


def test_postgresql_array_holding_a_removed_value_stops_the_upgrade(scenario: Scenario) -> None:
    only(scenario, "postgresql")

    def models(*values: str) -> sa.MetaData:
        md = sa.MetaData()
        sa.Table(
            "history",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("path", postgresql.ARRAY(sa.Enum(*values, name="status"))),
        )
        return md

    before, after = models("new", "held", "paid"), models("new", "paid")
    scenario.start(before, {"history": [{"id": 1, "path": ["new"]}, {"id": 2, "path": ["new", "held"]}]})
    scenario.write(after, ["changed values of enum type 'status': removed 'held'"])
    with pytest.raises(MigrationError, match="column 'history.path' holds 'held', which enum type 'status' would no"):
        scenario.project.upgrade()
    assert pg_labels(scenario, "status") == ["new", "held", "paid"]
    scenario.project.execute("UPDATE history SET path = '{paid}' WHERE id = 2")
    scenario.project.upgrade()
    assert pg_labels(scenario, "status") == ["new", "paid"]
    assert scenario.project.rows("history") == [(1, "{new}"), (2, "{paid}")]


@pytest.mark.parametrize("change", ["longer", "shorter"])
def test_non_native_enum_with_check_values_change_the_length_and_the_check(scenario: Scenario, change: str) -> None:
    """The database reports a plain VARCHAR: autogenerate gives ``alter_column`` the enum its
    CHECK lists as the existing type, so the old CHECK is dropped and the new one added (and
    back on the downgrade); the CHECK admits exactly the new values."""
    short, long = ("new", "paid"), ("new", "paid", "refunded")
    old_values, new_values = (short, long) if change == "longer" else (long, short)
    before, after = sa.MetaData(), sa.MetaData()
    orders(before, sa.Enum(*old_values, name="status", native_enum=False, create_constraint=True))
    orders(after, sa.Enum(*new_values, name="status", native_enum=False, create_constraint=True))
    scenario.start(before, ROWS)

    def spelled(values: tuple[str, ...]) -> str:
        quoted = ", ".join(f"'{v}'" for v in values)
        return f"Enum({quoted}, name='status', native_enum=False, create_constraint=True)"

    expected = f"modified column 'orders.status': type {spelled(old_values)} -> {spelled(new_values)}"
    scenario.round_trip(before, after, [expected])
    scenario.project.upgrade()
    if change == "longer":
        scenario.project.execute("INSERT INTO orders VALUES (4, 'refunded')")
    with pytest.raises(sa.exc.DBAPIError):
        scenario.project.execute("INSERT INTO orders VALUES (5, 'void')")


# -- through the CLI ------------------------------------------------------------------------------
MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.Enum({values}, name="status"), nullable=False, server_default="new"),
)
"""


def test_cli_autogenerate_upgrade_check_and_downgrade_of_enum_values(database: Database, tmp_path: Path) -> None:
    """``revision --autogenerate`` writes the values change, ``upgrade`` runs it with rows in
    place, ``check`` then finds nothing, ``downgrade -1`` brings the old values back."""
    p = ScratchProject(tmp_path / "project", database.url)
    p.write("app/__init__.py", "")
    p.write("app/models.py", MODELS.format(values='"new", "held", "paid"'))
    p.write_config(url=database.url, target_metadata="app.models:metadata")
    for args in (("revision", "--autogenerate", "-m", "orders"), ("upgrade", "head")):
        assert p.run(*args).returncode == 0
    engine = sa.create_engine(database.url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO orders (id, status) VALUES (1, 'new'), (2, 'paid'), (3, 'new')"))
        p.write("app/models.py", MODELS.format(values='"draft", "new", "paid", "refunded"'))
        made = p.run("revision", "--autogenerate", "-m", "status values")
        assert made.returncode == 0, made.stderr
        detected = [line for line in made.stdout.splitlines() if line.startswith("Detected")]
        if database.backend == "postgresql":
            assert detected == [
                "Detected changed values of enum type 'status': added 'draft', 'refunded'",
                "Detected changed values of enum type 'status': removed 'held'",
            ]
        else:
            assert len(detected) == 1 and detected[0].startswith("Detected modified column 'orders.status': type")
        for args in (("upgrade", "head"), ("check",)):
            result = p.run(*args)
            assert result.returncode == 0, result.stdout + result.stderr
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO orders (id, status) VALUES (4, 'refunded')"))
            conn.execute(sa.text("DELETE FROM orders WHERE id = 4"))
        result = p.run("downgrade", "-1")
        assert result.returncode == 0, result.stdout + result.stderr
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, status FROM orders ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "new"), (2, "paid"), (3, "new")]
    finally:
        engine.dispose()
