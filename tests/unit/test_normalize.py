"""Type and default comparison, per dialect, without a database.

Each "same" case pairs what a model declares with what that backend's reflection really returns
(checked on PostgreSQL 15, MariaDB 10.11 and SQLite 3.40): comparing them must find nothing.
Each "different" case is a real change that must still be found.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.types import TypeEngine

from dbshift.dialects.normalize import (
    defaults_equal,
    normalize_condition,
    normalize_default,
    normalize_expression,
    normalize_fk_action,
    normalize_fk_match,
    normalize_index_element,
    normalize_index_options,
    normalize_type_sql,
    type_sql,
    types_equal,
)

# Dialects as a connection would have them (nothing connects: engines connect on first use).
PG = sa.create_engine("postgresql+psycopg://").dialect
MYSQL = sa.create_engine("mysql+pymysql://").dialect
MARIADB = sa.create_engine("mariadb+pymysql://").dialect
SQLITE = sa.create_engine("sqlite://").dialect
DIALECTS = {"postgresql": PG, "mysql": MYSQL, "mariadb": MARIADB, "sqlite": SQLITE}

UTF8_BIN = {"charset": "utf8mb4", "collation": "utf8mb4_bin"}

# (dialect, model type, type as reflected)
SAME_TYPES: list[tuple[str, TypeEngine[Any], TypeEngine[Any]]] = [
    # PostgreSQL
    ("postgresql", sa.Integer(), postgresql.INTEGER()),
    ("postgresql", sa.BigInteger(), postgresql.BIGINT()),
    ("postgresql", sa.String(20), postgresql.VARCHAR(length=20)),
    ("postgresql", sa.String(), postgresql.VARCHAR()),
    ("postgresql", sa.Unicode(40), postgresql.VARCHAR(length=40)),
    ("postgresql", sa.CHAR(), postgresql.CHAR(length=1)),
    ("postgresql", sa.Float(), postgresql.DOUBLE_PRECISION(precision=53)),
    ("postgresql", sa.Float(precision=24), postgresql.REAL()),
    ("postgresql", sa.Float(precision=53), postgresql.DOUBLE_PRECISION(precision=53)),
    ("postgresql", sa.Double(), postgresql.DOUBLE_PRECISION(precision=53)),
    ("postgresql", sa.Numeric(5), postgresql.NUMERIC(precision=5, scale=0)),
    ("postgresql", sa.Numeric(), postgresql.NUMERIC()),
    ("postgresql", sa.DateTime(), postgresql.TIMESTAMP()),
    ("postgresql", sa.DateTime(timezone=True), postgresql.TIMESTAMP(timezone=True)),
    ("postgresql", sa.Time(), postgresql.TIME()),
    ("postgresql", sa.LargeBinary(), postgresql.BYTEA()),
    ("postgresql", sa.Uuid(), postgresql.UUID()),
    ("postgresql", sa.Uuid(as_uuid=False), postgresql.UUID()),
    ("postgresql", sa.Enum("a", "b", name="ab"), postgresql.ENUM("a", "b", name="ab")),
    ("postgresql", sa.ARRAY(sa.Integer()), postgresql.ARRAY(postgresql.INTEGER())),
    ("postgresql", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), postgresql.JSONB()),
    ("postgresql", sa.Interval(), postgresql.INTERVAL()),
    # MySQL and MariaDB
    ("mysql", sa.Integer(), mysql.INTEGER(display_width=11)),
    ("mysql", sa.SmallInteger(), mysql.SMALLINT(display_width=6)),
    ("mysql", sa.BigInteger(), mysql.BIGINT(display_width=20)),
    ("mysql", mysql.INTEGER(unsigned=True), mysql.INTEGER(display_width=10, unsigned=True)),
    ("mysql", mysql.TINYINT(), mysql.TINYINT(display_width=4)),
    ("mysql", sa.Boolean(), mysql.TINYINT(display_width=1)),
    ("mysql", sa.Numeric(), mysql.DECIMAL(precision=10, scale=0)),
    ("mysql", sa.Numeric(5), mysql.DECIMAL(precision=5, scale=0)),
    ("mysql", sa.Numeric(10, 2), mysql.DECIMAL(precision=10, scale=2)),
    ("mysql", sa.Float(), mysql.FLOAT()),
    ("mysql", sa.Float(precision=24), mysql.FLOAT()),
    ("mysql", sa.Float(precision=53), mysql.DOUBLE(asdecimal=True)),
    ("mysql", sa.REAL(), mysql.DOUBLE(asdecimal=True)),
    ("mysql", sa.Double(), mysql.DOUBLE(asdecimal=True)),
    ("mysql", sa.String(20), mysql.VARCHAR(length=20, **UTF8_BIN)),
    ("mysql", sa.Text(), mysql.TEXT(collation="utf8mb4_general_ci")),
    ("mysql", sa.CHAR(), mysql.CHAR(length=1)),
    ("mysql", sa.Enum("small", "Medium", "LARGE"), mysql.ENUM("small", "Medium", "LARGE")),
    ("mysql", sa.DateTime(timezone=True), mysql.DATETIME()),
    ("mysql", mysql.DATETIME(fsp=6), mysql.DATETIME(fsp=6)),
    ("mysql", mysql.YEAR(), mysql.YEAR(display_width=4)),
    ("mariadb", sa.JSON(), mysql.LONGTEXT(**UTF8_BIN)),
    ("mariadb", sa.Uuid(), sa.UUID()),
    ("mariadb", sa.Boolean(), mysql.TINYINT(display_width=1)),
    ("mariadb", sa.Integer(), mysql.INTEGER(display_width=11)),
    # SQLite keeps the declared type's text
    ("sqlite", sa.DateTime(timezone=True), sqlite.DATETIME()),  # type: ignore[no-untyped-call]
    ("sqlite", sa.Uuid(), sa.CHAR(length=32)),
    ("sqlite", sa.Enum("a", "bb"), sa.VARCHAR(length=2)),
    ("sqlite", sa.Numeric(10, 2), sa.NUMERIC(precision=10, scale=2)),
    ("sqlite", sa.JSON(), sqlite.JSON()),
    ("sqlite", sa.Integer(), sa.types.NullType()),  # a type SQLite could not name: nothing to say
]

DIFFERENT_TYPES: list[tuple[str, TypeEngine[Any], TypeEngine[Any]]] = [
    ("postgresql", sa.String(50), postgresql.VARCHAR(length=20)),
    ("postgresql", sa.BigInteger(), postgresql.INTEGER()),
    ("postgresql", sa.Text(), postgresql.VARCHAR(length=200)),
    ("postgresql", sa.Numeric(12, 4), postgresql.NUMERIC(precision=10, scale=2)),
    ("postgresql", sa.DateTime(timezone=True), postgresql.TIMESTAMP()),
    ("postgresql", postgresql.JSONB(), postgresql.JSON()),
    ("postgresql", sa.Float(precision=24), postgresql.DOUBLE_PRECISION(precision=53)),
    ("postgresql", sa.SmallInteger(), postgresql.INTEGER()),
    ("mysql", sa.Integer(), mysql.BIGINT(display_width=20)),
    ("mysql", sa.Boolean(), mysql.SMALLINT(display_width=6)),
    ("mysql", sa.Enum("a", "b"), mysql.ENUM("A", "B")),
    ("mysql", sa.Enum("a", "b", "c"), mysql.ENUM("a", "b")),
    ("mysql", sa.Numeric(10, 2), mysql.DECIMAL(precision=10, scale=0)),
    ("mysql", mysql.INTEGER(unsigned=True), mysql.INTEGER(display_width=11)),
    ("mysql", sa.String(20), mysql.CHAR(length=20)),
    ("mysql", sa.Float(), mysql.DOUBLE(asdecimal=True)),
    ("sqlite", sa.String(10), sa.VARCHAR(length=20)),
    ("sqlite", sa.BigInteger(), sa.INTEGER()),
]


@pytest.mark.parametrize(("dialect", "model", "reflected"), SAME_TYPES, ids=lambda v: repr(v))
def test_same_types(dialect: str, model: TypeEngine[Any], reflected: TypeEngine[Any]) -> None:
    assert types_equal(model, reflected, DIALECTS[dialect])


@pytest.mark.parametrize(("dialect", "model", "reflected"), DIFFERENT_TYPES, ids=lambda v: repr(v))
def test_different_types(dialect: str, model: TypeEngine[Any], reflected: TypeEngine[Any]) -> None:
    assert not types_equal(model, reflected, DIALECTS[dialect])


@pytest.mark.parametrize(
    ("dialect", "sql", "expected"),
    [
        ("postgresql", "character varying(20)", "VARCHAR(20)"),
        ("postgresql", "CHARACTER VARYING", "VARCHAR"),
        ("postgresql", "timestamp without time zone", "TIMESTAMP"),
        ("postgresql", "TIMESTAMP(6) WITH TIME ZONE", "TIMESTAMP(6) WITH TIME ZONE"),
        ("postgresql", "timestamptz", "TIMESTAMP WITH TIME ZONE"),
        ("postgresql", "FLOAT", "DOUBLE PRECISION"),
        ("postgresql", "FLOAT(10)", "REAL"),
        ("postgresql", "float8", "DOUBLE PRECISION"),
        ("postgresql", "NUMERIC(5)", "NUMERIC(5, 0)"),
        ("postgresql", "NUMERIC(10,2)", "NUMERIC(10, 2)"),
        ("postgresql", "INTEGER[]", "INTEGER[]"),
        ("postgresql", "VARCHAR(20)[]", "VARCHAR(20)[]"),
        ("postgresql", "BIT VARYING(5)", "BIT VARYING(5)"),
        ("postgresql", 'VARCHAR(10) COLLATE "C"', "VARCHAR(10)"),
        ("mysql", "INTEGER(11) UNSIGNED", "INTEGER UNSIGNED"),
        ("mysql", "BIGINT(20) UNSIGNED ZEROFILL", "BIGINT UNSIGNED ZEROFILL"),
        ("mysql", "TINYINT(1)", "BOOLEAN"),
        ("mysql", "BOOL", "BOOLEAN"),
        ("mysql", "ENUM('a','B')", "ENUM('a', 'B')"),
        ("mysql", "SET('x','y')", "SET('x', 'y')"),
        ("mysql", "VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "VARCHAR(10)"),
        ("mysql", "JSON", "LONGTEXT"),
        ("mysql", "DECIMAL(10,0)", "NUMERIC(10, 0)"),
        ("mysql", "NUMERIC", "NUMERIC(10, 0)"),
        ("mysql", "FLOAT(53)", "DOUBLE PRECISION"),
        ("mysql", "FLOAT(10,2)", "FLOAT(10, 2)"),
        ("mysql", "DOUBLE UNSIGNED", "DOUBLE PRECISION UNSIGNED"),
        ("mariadb", "TINYINT(1)", "BOOLEAN"),
        ("sqlite", "NUMERIC", "NUMERIC"),
        ("sqlite", "FLOAT", "FLOAT"),
    ],
)
def test_normalize_type_sql(dialect: str, sql: str, expected: str) -> None:
    assert normalize_type_sql(sql, dialect) == expected


def test_type_sql_resolves_variants_and_reports_what_cannot_compile() -> None:
    assert type_sql(sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), PG) == "JSONB"
    assert type_sql(sa.Integer().with_variant(sa.BigInteger(), "mysql"), PG) == "INTEGER"
    assert type_sql(postgresql.TSVECTOR(), MYSQL) is None


def test_types_that_cannot_compile_compare_by_affinity() -> None:
    assert types_equal(postgresql.TSVECTOR(), postgresql.TSVECTOR(), MYSQL)
    assert not types_equal(postgresql.TSVECTOR(), sa.Integer(), MYSQL)


# (dialect, as the model declares it, as the database reports it)
SAME_DEFAULTS: list[tuple[str, str | None, str | None]] = [
    ("postgresql", "'abc'", "'abc'::character varying"),
    ("postgresql", "'it''s'", "'it''s'::character varying"),
    ("postgresql", "'abc'", "'abc'::text"),
    ("postgresql", "'5'", "5"),
    ("postgresql", "-7", "'-7'::integer"),
    ("postgresql", "-1.5", "'-1.5'::numeric"),
    ("postgresql", "'10000000000'", "'10000000000'::bigint"),
    ("postgresql", "'1.5'", "1.50"),
    ("postgresql", "0", "0.00"),
    ("postgresql", "now()", "now()"),
    ("postgresql", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
    ("postgresql", "now()", "CURRENT_TIMESTAMP"),
    ("postgresql", "CURRENT_DATE", "CURRENT_DATE"),
    ("postgresql", "true", "true"),
    ("postgresql", "false", "false"),
    ("postgresql", "'small'", "'small'::size_enum"),
    ("postgresql", "'a'", "'a'::\"MyEnum\""),
    ("postgresql", "'2020-01-31'", "'2020-01-31'::date"),
    ("postgresql", "'2020-01-31 10:00:00'", "'2020-01-31 10:00:00'::timestamp without time zone"),
    ("postgresql", "'{}'", "'{}'::integer[]"),
    ("postgresql", "'{}'::jsonb", "'{}'::jsonb"),
    ("postgresql", "timezone('utc', now())", "timezone('utc'::text, now())"),
    ("postgresql", "1 + 2", "(1 + 2)"),
    ("postgresql", "'a' || 'b'", "('a'::text || 'b'::text)"),
    ("postgresql", "ARRAY['a', 'b']::varchar[]", "ARRAY['a'::character varying, 'b'::character varying]"),
    ("postgresql", "gen_random_uuid()", "gen_random_uuid()"),
    ("postgresql", None, "NULL::character varying"),
    ("postgresql", None, "nextval('items_id_seq'::regclass)"),
    ("mysql", "'5'", "5"),
    ("mysql", "'1.5'", "1.50"),
    ("mysql", "true", "1"),
    ("mysql", "false", "0"),
    ("mysql", "0", "0"),
    ("mysql", "now()", "current_timestamp()"),
    ("mysql", "CURRENT_TIMESTAMP", "current_timestamp()"),
    ("mysql", "CURRENT_TIMESTAMP(6)", "current_timestamp(6)"),
    ("mysql", "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP", "current_timestamp() ON UPDATE current_timestamp()"),
    ("mysql", "(curdate())", "curdate()"),
    ("mysql", "CURRENT_DATE", "curdate()"),
    ("mysql", "(UUID())", "uuid()"),
    ("mysql", "'it''s'", "'it''s'"),
    ("mysql", "''", "''"),
    ("mysql", None, "NULL"),
    ("mariadb", "'abc'", "'abc'"),
    ("sqlite", "'abc'", "'abc'"),
    ("sqlite", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
    ("sqlite", "(datetime('now'))", "datetime('now')"),
    ("sqlite", "1", "1"),
]

DIFFERENT_DEFAULTS: list[tuple[str, str | None, str | None]] = [
    ("postgresql", "'abc'", "'ABC'::character varying"),
    ("postgresql", "'a'", "'b'::text"),
    ("postgresql", "5", "'6'::integer"),
    ("postgresql", None, "'x'::character varying"),
    ("postgresql", "'x'", None),
    ("postgresql", "now()", "CURRENT_DATE"),
    ("postgresql", "true", "false"),
    ("mysql", "1", "0"),
    ("mysql", "'abc'", "'abd'"),
    ("mysql", "now()", None),
    ("mysql", "CURRENT_TIMESTAMP", "current_timestamp() ON UPDATE current_timestamp()"),
    ("sqlite", "'a'", "'A'"),
    ("sqlite", "'x'", "'x '"),
]


@pytest.mark.parametrize(("dialect", "model", "reflected"), SAME_DEFAULTS)
def test_same_defaults(dialect: str, model: str | None, reflected: str | None) -> None:
    assert defaults_equal(model, reflected, dialect)


@pytest.mark.parametrize(("dialect", "model", "reflected"), DIFFERENT_DEFAULTS)
def test_different_defaults(dialect: str, model: str | None, reflected: str | None) -> None:
    assert not defaults_equal(model, reflected, dialect)


def test_normalize_default_spellings() -> None:
    assert normalize_default(None, "postgresql") is None
    assert normalize_default("  'abc'::character varying ", "postgresql") == "'abc'"
    assert normalize_default("((42))", "sqlite") == "42"
    assert normalize_default("'1.50'", "mysql") == "1.5"
    assert normalize_default("NOW()", "sqlite") == "current_timestamp"
    assert normalize_default("Lower('ABC')", "postgresql") == "lower('ABC')"  # literal keeps its case


def test_a_literal_is_never_rewritten() -> None:
    # Casts, clock functions and spacing inside a quoted string are data, not SQL.
    assert normalize_default("'now() ::text  x'", "postgresql") == "'now() ::text  x'"
    assert not defaults_equal("'CURRENT_TIMESTAMP'", "CURRENT_TIMESTAMP", "mysql")


@pytest.mark.parametrize(
    ("dialect", "model", "reflected"),
    [
        ("postgresql", "lower(name)", "lower((name)::text)"),
        ("postgresql", "lower(name)", "lower(name::text)"),
        ("postgresql", "upper(name) || 'X'", "(upper((name)::text) || 'X'::text)"),
        ("postgresql", "coalesce(a, 0)", "COALESCE(a, 0)"),
        ("sqlite", "lower(name)", "lower(name)"),
        ("sqlite", 'lower("name")', "lower(name)"),
        ("mysql", "(`a` + 1)", "a + 1"),
    ],
)
def test_index_expressions(dialect: str, model: str, reflected: str) -> None:
    assert normalize_expression(model, dialect) == normalize_expression(reflected, dialect)


def test_index_expressions_that_differ() -> None:
    assert normalize_expression("lower(name)", "postgresql") != normalize_expression("upper(name)", "postgresql")
    assert normalize_expression("lower(name) || 'x'", "postgresql") != normalize_expression(
        "lower(name) || 'X'", "postgresql"
    )


@pytest.mark.parametrize(
    ("dialect", "action", "expected"),
    [
        ("postgresql", None, None),
        ("postgresql", "NO ACTION", None),
        ("postgresql", "no action", None),
        ("postgresql", "cascade", "CASCADE"),
        ("postgresql", "RESTRICT", "RESTRICT"),
        ("postgresql", "set  null", "SET NULL"),
        ("mysql", "RESTRICT", None),  # MySQL's default; it does not report it
        ("mariadb", "restrict", None),
        ("mysql", "SET NULL", "SET NULL"),
        ("sqlite", "RESTRICT", "RESTRICT"),
    ],
)
def test_fk_actions(dialect: str, action: str | None, expected: str | None) -> None:
    assert normalize_fk_action(action, dialect) == expected


# -- partial-index conditions, index elements and options, foreign-key MATCH -------------------
@pytest.mark.parametrize(
    ("model", "reflected"),
    [
        ("qty > 5", "(qty > 5)"),
        ("b > 5 AND (s = 'x' OR s IS NULL)", "((b > 5) AND (((s)::text = 'x'::text) OR (s IS NULL)))"),
        ("status != 'gone' AND code IS NOT NULL", "(((status)::text <> 'gone'::text) AND (code IS NOT NULL))"),
        ("qty BETWEEN 1 AND 9 OR name NOT LIKE 'a%'", "(((qty >= 1) AND (qty <= 9)) OR ((name)::text !~~ 'a%'::text))"),
        ("lower(name) LIKE 'x%'", "(lower((name)::text) ~~ 'x%'::text)"),
        ('"Flag" IS TRUE', "(flag IS TRUE)"),
        ("c0 > -1000", "(c0 > '-1000'::integer)"),  # found by the A->B->A property test
        ("price >= 1.5", "(price >= 1.50)"),
    ],
)
def test_partial_index_conditions_postgresql(model: str, reflected: str) -> None:
    assert normalize_condition(model, "postgresql") == normalize_condition(reflected, "postgresql")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("qty > 5", "qty > 6"),
        ("a > 1 OR b > 1 AND c > 1", "(a > 1 OR b > 1) AND c > 1"),
        ("NOT (a AND b)", "NOT a AND b"),
        ("s = 'X'", "s = 'x'"),
        ("qty > 5", "qty >= 5"),
        ("qty > -5", "qty > 5"),
        ("qty - 5 > 0", "qty > 0"),
    ],
)
def test_partial_index_conditions_that_differ(one: str, other: str) -> None:
    assert normalize_condition(one, "postgresql") != normalize_condition(other, "postgresql")
    assert normalize_condition(one, "sqlite") != normalize_condition(other, "sqlite")


@pytest.mark.parametrize(
    ("dialect", "model", "reflected"),
    [
        ("postgresql", "b DESC NULLS FIRST", "b DESC"),
        ("postgresql", "b ASC", "b"),
        ("postgresql", "b ASC NULLS LAST", "b"),
        ("postgresql", "lower(name) DESC", "lower((name)::text) DESC"),
        ("sqlite", "b ASC", "b"),
        ("sqlite", "lower(b) DESC", 'lower("b")  DESC'),
        ("mariadb", "b ASC", "b"),
        ("mariadb", "`b` DESC", "b desc"),
    ],
)
def test_index_elements(dialect: str, model: str, reflected: str) -> None:
    assert normalize_index_element(model, dialect) == normalize_index_element(reflected, dialect)


def test_index_elements_that_differ() -> None:
    assert normalize_index_element("b DESC", "postgresql") != normalize_index_element("b", "postgresql")
    assert normalize_index_element("b DESC NULLS LAST", "postgresql") != normalize_index_element("b DESC", "postgresql")
    assert normalize_index_element("b NULLS FIRST", "postgresql") != normalize_index_element("b", "postgresql")
    assert normalize_index_element("b DESC", "sqlite") != normalize_index_element("b", "sqlite")
    assert normalize_index_element("b DESC", "mariadb") != normalize_index_element("b", "mariadb")


def _options(dialect: str, columns: tuple[str, ...] = ("a", "b"), **options: Any) -> object:
    return normalize_index_options(tuple(options.items()), columns, (), dialect)


def test_index_options_defaults_are_no_option() -> None:
    assert (
        _options("postgresql", postgresql_using="btree", postgresql_include=(), postgresql_nulls_not_distinct=False)
        == ()
    )
    assert _options("postgresql", postgresql_using="BTREE") == ()
    # Options the database does not report back are never compared.
    assert _options("postgresql", postgresql_concurrently=True, postgresql_tablespace="x") == ()
    assert _options("mariadb", mysql_using="hash") == ()
    assert _options("sqlite", postgresql_where="a > 1") == ()  # another dialect's option


def test_index_options_spellings() -> None:
    assert _options("postgresql", postgresql_with={"fillfactor": 50}) == _options(
        "postgresql", postgresql_with={"fillfactor": "50"}
    )
    assert _options("postgresql", postgresql_include=["c"]) == _options("postgresql", postgresql_include=("c",))
    assert _options("mariadb", mysql_length=10) == _options("mariadb", mysql_length={"b": 10, "a": 10})
    assert _options("mariadb", mariadb_length={"a": 10, "b": 10}) == _options("mariadb", mysql_length=10)
    assert _options("mariadb", mysql_prefix="fulltext") == _options("mariadb", mysql_prefix="FULLTEXT")
    assert _options("postgresql", postgresql_where="(a > 1)") == _options("postgresql", postgresql_where="a > 1")


def test_index_options_that_differ() -> None:
    assert _options("postgresql", postgresql_using="hash") != _options("postgresql")
    assert _options("postgresql", postgresql_ops={"a": "text_pattern_ops"}) != _options("postgresql")
    assert _options("postgresql", postgresql_include=["c"]) != _options("postgresql", postgresql_include=["c", "d"])
    assert _options("postgresql", postgresql_nulls_not_distinct=True) != _options("postgresql")
    assert _options("mariadb", mysql_length=10) != _options("mariadb", mysql_length={"a": 10})
    assert _options("sqlite", sqlite_where="a > 1") != _options("sqlite", sqlite_where="a > 2")


@pytest.mark.parametrize(("match", "expected"), [(None, None), ("SIMPLE", None), ("simple", None), ("full", "FULL")])
def test_fk_match(match: str | None, expected: str | None) -> None:
    assert normalize_fk_match(match) == expected


@pytest.mark.parametrize(
    ("model", "reflected"),
    [("'2020-01-31'", "'2020-01-31 00:00:00'"), ("'2020-01-31 10:00:00'", "'2020-01-31 10:00:00.000000'")],
)
def test_date_time_defaults(model: str, reflected: str) -> None:
    assert defaults_equal(model, reflected, "mariadb")
    assert not defaults_equal("'2020-01-31'", "'2020-01-31 00:00:01'", "mariadb")


def test_postgresql_array_dimensions_are_not_kept() -> None:
    assert types_equal(postgresql.ARRAY(sa.Integer, dimensions=2), postgresql.ARRAY(sa.Integer), PG)
    assert not types_equal(postgresql.ARRAY(sa.Integer), postgresql.ARRAY(sa.BigInteger), PG)


def test_sqlite_types_it_reflects_as_their_affinity() -> None:
    lite = sqlite.dialect()
    assert types_equal(sa.types.CLOB(), sa.types.TEXT(), lite)  # SQLAlchemy reflects CLOB as TEXT
    assert not types_equal(sa.types.CLOB(), sa.types.INTEGER(), lite)
    assert not types_equal(sa.types.VARCHAR(10), sa.types.TEXT(), lite)
