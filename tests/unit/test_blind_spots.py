"""What autogenerate cannot compare, from the models' schema model and the backend's features."""

from __future__ import annotations

import sqlalchemy as sa

from dbshift.autogenerate.blind_spots import RULES, BlindSpot, blind_spots
from dbshift.dialects.features import MARIADB, POSTGRESQL, SQLITE, Features
from dbshift.schema.model import ColumnDef, ForeignKeyDef, IndexDef, SchemaDef, TableDef

TABLE = TableDef(
    "accounts",
    columns=(
        ColumnDef("id", sa.Integer(), nullable=False, identity=True, identity_options=(("start", 10),)),
        ColumnDef("email", sa.String(100), comment="login"),
        ColumnDef("owner_id", sa.Integer()),
    ),
    foreign_keys=(ForeignKeyDef(("owner_id",), "owners", ("id",), "fk_owner", deferrable=True),),
    indexes=(
        IndexDef(
            "ix_email",
            ("email",),
            dialect_options=(("postgresql_tablespace", "fast"), ("postgresql_using", "btree"), ("mysql_using", "hash")),
        ),
    ),
    comment="people",
    dialect_options=(("mysql_engine", "InnoDB"), ("postgresql_partition_by", "RANGE (id)")),
)
SCHEMA = SchemaDef.of([TABLE])


def lines(features: Features, backend: str, schema: SchemaDef = SCHEMA) -> list[str]:
    return [spot.line() for spot in blind_spots(schema, features, backend)]


def test_sqlite_cannot_compare_comments_or_identity() -> None:
    assert lines(SQLITE, "SQLite") == [
        "not compared on SQLite: 2 comments in the models (accounts, accounts.email)",
        "not compared on SQLite: 1 identity columns in the models (accounts.id)",
    ]


def test_postgresql_index_options_it_keeps_no_trace_of_and_table_options() -> None:
    assert lines(POSTGRESQL, "PostgreSQL") == [
        "not compared on PostgreSQL: 1 index options in the models (ix_email postgresql_tablespace)",
        "not compared on PostgreSQL: 1 table options in the models (accounts postgresql_partition_by)",
    ]


def test_mariadb_deferrable_identity_index_method_and_engine() -> None:
    assert lines(MARIADB, "MariaDB") == [
        "not compared on MariaDB: 1 deferrable foreign keys in the models (accounts.fk_owner)",
        "not compared on MariaDB: 1 identity columns in the models (accounts.id)",
        "not compared on MariaDB: 1 index options in the models (ix_email mysql_using)",
        "not compared on MariaDB: 1 table options in the models (accounts mysql_engine)",
    ]


def test_models_without_such_things_give_no_note() -> None:
    plain = SchemaDef.of([TableDef("t", columns=(ColumnDef("id", sa.Integer()),))])
    for features in (SQLITE, POSTGRESQL, MARIADB):
        assert blind_spots(plain, features, "X") == []


def test_a_long_list_is_cut_and_counted() -> None:
    tables = [TableDef(f"t{i}", comment="c") for i in range(5)]
    (spot,) = blind_spots(SchemaDef.of(tables), SQLITE, "SQLite")
    assert spot.line() == "not compared on SQLite: 5 comments in the models (t0, t1, t2, and 2 more)"
    assert spot.as_json() == {"what": "comments", "backend": "SQLite", "places": ["t0", "t1", "t2", "t3", "t4"]}


def test_a_backend_that_compares_everything_has_no_rule_applying() -> None:
    assert [rule.what for rule in RULES if rule.applies(Features(option_prefixes=()))] == []
    assert isinstance(blind_spots(SCHEMA, SQLITE, "SQLite")[0], BlindSpot)
