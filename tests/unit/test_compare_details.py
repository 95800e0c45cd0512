"""The CHECK, primary-key and generated-column comparison as pure functions (no database)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from dbshift.autogenerate.compare_details import Changes, check_changes, computed_changed, primary_key_changes
from dbshift.schema.model import CheckDef, ColumnDef, PrimaryKeyDef, TableDef


def dialect(url: str, version: tuple[int, ...] | None = None) -> Dialect:
    engine_dialect = sa.create_engine(url).dialect
    engine_dialect.server_version_info = version  # what a connection would have found
    return engine_dialect


PG15 = dialect("postgresql+psycopg://", (15, 4))
PG18 = dialect("postgresql+psycopg://", (18, 0))
MARIADB = dialect("mysql+pymysql://", (10, 11, 9))

COLUMNS = (ColumnDef("id", sa.Integer()), ColumnDef("a", sa.Integer()), ColumnDef("b", sa.Integer()))


def table(*checks: CheckDef, key: tuple[str, ...] = ("id",)) -> TableDef:
    return TableDef("t", COLUMNS, primary_key=PrimaryKeyDef(key) if key else None, checks=checks)


def described(changes: Changes) -> tuple[list[str], list[str]]:
    drops, adds = changes
    return [o.describe() for o in drops], [o.describe() for o in adds]


def test_unnamed_checks_get_postgresql_names() -> None:
    drops, adds = described(check_changes(table(CheckDef("a > 0"), CheckDef("a < b")), table(), PG15))
    assert drops == []
    assert adds == ["added check constraint 't_a_check' on t (a > 0)", "added check constraint 't_check' on t (a < b)"]


def test_an_unnamed_check_matches_whatever_the_database_named_it() -> None:
    assert check_changes(table(CheckDef("a > 0")), table(CheckDef("a > 0::integer", "t_a_check")), PG15) == ([], [])
    assert check_changes(table(CheckDef("a > 0")), table(CheckDef("`a` > 0", "CONSTRAINT_1")), MARIADB) == ([], [])


def test_a_named_check_is_matched_by_name_and_compared_by_condition() -> None:
    drops, adds = described(check_changes(table(CheckDef("a > 1", "ck")), table(CheckDef("a > 0", "ck")), PG15))
    assert drops == ["removed check constraint 'ck' on t (a > 0)"]
    assert adds == ["added check constraint 'ck' on t (a > 1)"]


def test_primary_key_compared_by_columns_in_order() -> None:
    assert primary_key_changes(
        table(key=("id",)), table(key=("id",)).replace(primary_key=PrimaryKeyDef(("id",), "t_pkey")), PG15
    ) == ([], [])
    drops, adds = described(primary_key_changes(table(key=("b", "a")), table(key=("a", "b")), PG15))
    assert drops == ["removed primary key on t (a, b)"]
    assert adds == ["added primary key 't_pkey' on t (b, a)"]


def test_persisted_left_out_is_the_backend_default() -> None:
    model = ColumnDef("g", sa.Integer(), computed="a + b")
    stored = ColumnDef("g", sa.Integer(), computed="(a + b)", computed_persisted=True)
    virtual = ColumnDef("g", sa.Integer(), computed="(a + b)", computed_persisted=False)
    assert not computed_changed(model, stored, PG15)
    assert computed_changed(model, stored, PG18)  # VIRTUAL by default from PostgreSQL 18
    assert not computed_changed(model, virtual, MARIADB)
    assert computed_changed(ColumnDef("g", sa.Integer(), computed="a + b", computed_persisted=True), virtual, MARIADB)


def test_a_renamed_column_is_renamed_in_checks_and_generated_expressions() -> None:
    """As the database rewrites them on RENAME COLUMN: the renamed schema compares equal."""
    from dbshift.operations.column import AlterColumnOp
    from dbshift.schema.model import SchemaDef

    before = TableDef(
        "t",
        (*COLUMNS, ColumnDef("g", sa.Integer(), computed='"a" * 2')),
        checks=(CheckDef("a > 0 AND b <> 'a'", "ck"),),
    )
    after = AlterColumnOp("t", "a", new_column_name="x").apply(SchemaDef.of([before])).get("t")
    assert after is not None
    assert after.checks == (CheckDef("x > 0 AND b <> 'a'", "ck"),)
    assert after.column("g") == ColumnDef("g", sa.Integer(), computed='"x" * 2')
