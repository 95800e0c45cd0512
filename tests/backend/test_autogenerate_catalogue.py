"""The autogenerate catalogue: a kitchen-sink set of models per backend, and one change at a time.

Per backend, table ``catalogue`` holds one column of each type the backend has (generic
SQLAlchemy types with their arguments, and the backend's own), with server defaults,
nullability, indexes, unique constraints and foreign keys to ``parent``. The tests check that:

* the models as ``create_all`` made them are no difference (no false positives);
* every column's type changed to another plausible one is detected as exactly that change,
  upgraded, then a second comparison is clean, and the downgrade is clean (one test per type);
* every other kind of change (nullability, server defaults, indexes and their options, unique
  constraints, foreign keys and their options, columns) is detected, upgraded and downgraded the
  same way (one test per change).

One database per backend serves the whole module: each test starts from the catalogue and its
downgrade leaves the catalogue again, which the next test checks; a failed test has the
database rebuilt. CHECK constraints, primary keys, computed and identity columns, comments and
enum values are compared by their own test files, which with this one make the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from dbshift.autogenerate.compare import reverse_ops
from dbshift.operations.base import Operation
from tests.backend.test_autogenerate import Db
from tests.conftest import BACKENDS, Database, _fresh, _postgresql_session, _selected

pytestmark = pytest.mark.backend

TypeFactory = Callable[[], Any]


@dataclass(frozen=True)
class Col:
    """A catalogue column: its type, a plausible other type, and its column keywords."""

    name: str
    type: TypeFactory
    changed: TypeFactory
    kw: dict[str, Any] = field(default_factory=dict)


def _generic(backend: str) -> list[Col]:
    pg, my = backend == "postgresql", backend == "mariadb"
    return [
        Col("c_string", lambda: sa.String(40), lambda: sa.String(80), {"server_default": "abc"}),
        Col("c_string_req", lambda: sa.String(20), lambda: sa.String(30), {"nullable": False}),
        Col("c_text", sa.Text, lambda: sa.String(500)),
        Col("c_unicode", lambda: sa.Unicode(30), lambda: sa.Unicode(60)),
        Col("c_unicode_text", sa.UnicodeText, lambda: sa.String(100)),
        Col("c_char", lambda: sa.CHAR(5), lambda: sa.CHAR(10)),
        Col("c_integer", sa.Integer, sa.BigInteger, {"server_default": sa.text("0"), "nullable": False}),
        Col("c_bigint", sa.BigInteger, sa.Integer),
        Col("c_smallint", sa.SmallInteger, sa.Integer, {"server_default": sa.text("-7")}),
        Col("c_numeric", lambda: sa.Numeric(10, 2), lambda: sa.Numeric(12, 4), {"server_default": "1.5"}),
        Col("c_numeric_plain", lambda: sa.Numeric(5), lambda: sa.Numeric(8)),
        Col("c_float", sa.Float, lambda: sa.Numeric(8, 3), {"server_default": "2.5"}),
        Col("c_double", sa.Double, lambda: sa.Numeric(20, 6)),
        Col(
            "c_boolean",
            sa.Boolean,
            sa.SmallInteger if not pg else (lambda: sa.String(5)),
            {"server_default": sa.false()},
        ),
        Col("c_date", sa.Date, sa.DateTime, {"server_default": "2020-01-31"}),
        Col("c_datetime", sa.DateTime, sa.Date, {"server_default": sa.func.now()}),
        Col(
            "c_datetime_tz",
            lambda: sa.DateTime(timezone=True),
            (lambda: sa.DateTime()) if pg else sa.Date,
        ),
        Col("c_time", sa.Time, (lambda: sa.Time(timezone=True)) if pg else (lambda: sa.String(8))),
        Col("c_interval", sa.Interval, (lambda: postgresql.INTERVAL(precision=3)) if pg else sa.Date),
        Col("c_large_binary", sa.LargeBinary, (lambda: mysql.MEDIUMBLOB()) if my else sa.Text),
        Col("c_json", sa.JSON, (lambda: postgresql.JSONB()) if pg else sa.Text),
        Col("c_uuid", sa.Uuid, lambda: sa.String(36)),
        Col("c_uuid_str", lambda: sa.Uuid(as_uuid=False), lambda: sa.String(40)),
        Col("c_enum", lambda: sa.Enum("small", "Medium", name="size_enum"), lambda: sa.String(20)),
        Col("c_enum_plain", lambda: sa.Enum("a", "bb", native_enum=False), lambda: sa.String(30)),
    ]


def _postgresql() -> list[Col]:
    pg = postgresql
    return [
        Col("p_jsonb", pg.JSONB, pg.JSON, {"server_default": sa.text("'{}'::jsonb")}),
        Col("p_uuid", pg.UUID, lambda: sa.String(36)),
        Col("p_inet", pg.INET, pg.CIDR),
        Col("p_cidr", pg.CIDR, pg.INET),
        Col("p_macaddr", pg.MACADDR, pg.MACADDR8),
        Col("p_tsvector", pg.TSVECTOR, sa.Text),
        Col("p_bytea", pg.BYTEA, sa.Text),
        Col("p_money", pg.MONEY, lambda: sa.Numeric(12, 2)),
        Col("p_int4range", pg.INT4RANGE, sa.Text),
        Col("p_tstzrange", pg.TSTZRANGE, sa.Text),
        Col("p_array_int", lambda: pg.ARRAY(sa.Integer), lambda: pg.ARRAY(sa.BigInteger), {"server_default": "{}"}),
        Col("p_array_text", lambda: pg.ARRAY(sa.String(20)), lambda: pg.ARRAY(sa.Text)),
        Col("p_array_2d", lambda: pg.ARRAY(sa.Integer, dimensions=2), lambda: pg.ARRAY(sa.Numeric(10, 2))),
        Col("p_timestamp3", lambda: pg.TIMESTAMP(precision=3), lambda: pg.TIMESTAMP(precision=6)),
        Col("p_time_tz", lambda: pg.TIME(timezone=True), pg.TIME),
        Col("p_bit", lambda: pg.BIT(8), lambda: pg.BIT(16)),
        Col("p_varbit", lambda: pg.BIT(10, varying=True), lambda: pg.BIT(20, varying=True)),
        Col("p_oid", pg.OID, sa.BigInteger),
        Col("p_real", sa.REAL, sa.Double),
        Col("p_double", pg.DOUBLE_PRECISION, sa.REAL),
        Col("p_interval_day", lambda: pg.INTERVAL(fields="DAY"), pg.INTERVAL),
        Col("p_varchar_unbounded", sa.VARCHAR, lambda: sa.String(10)),
        Col("p_date_range", pg.DATERANGE, sa.Text),
        Col("p_bigint", pg.BIGINT, lambda: sa.Numeric(20, 0)),
    ]


def _mariadb() -> list[Col]:
    m = mysql
    return [
        Col("m_tinyint", m.TINYINT, m.SMALLINT, {"server_default": sa.text("1")}),
        Col("m_mediumint", m.MEDIUMINT, sa.Integer),
        Col("m_unsigned", lambda: m.INTEGER(unsigned=True), lambda: m.BIGINT(unsigned=True)),
        Col("m_bigint_unsigned", lambda: m.BIGINT(unsigned=True), lambda: m.BIGINT()),
        Col("m_year", m.YEAR, sa.SmallInteger),
        Col("m_set", lambda: m.SET("a", "b"), lambda: m.SET("a", "b", "c")),
        Col("m_enum", lambda: m.ENUM("x", "y"), lambda: sa.String(10), {"server_default": "x"}),
        Col("m_tinytext", m.TINYTEXT, sa.Text),
        Col("m_mediumtext", m.MEDIUMTEXT, m.LONGTEXT),
        Col("m_longtext", m.LONGTEXT, m.MEDIUMTEXT),
        Col("m_tinyblob", m.TINYBLOB, m.BLOB),
        Col("m_mediumblob", m.MEDIUMBLOB, m.LONGBLOB),
        Col("m_bit", lambda: m.BIT(1), lambda: m.BIT(8)),
        Col("m_double", m.DOUBLE, m.FLOAT),
        Col("m_datetime6", lambda: m.DATETIME(fsp=6), lambda: m.DATETIME(fsp=3)),
        Col("m_time3", lambda: m.TIME(fsp=3), m.TIME),
        Col("m_timestamp", lambda: m.TIMESTAMP(fsp=3), m.DATETIME, {"nullable": True}),
        Col("m_varbinary", lambda: m.VARBINARY(16), lambda: m.VARBINARY(32)),
        Col("m_binary", lambda: m.BINARY(4), lambda: m.BINARY(8)),
        Col("m_decimal_unsigned", lambda: m.DECIMAL(8, 2, unsigned=True), lambda: m.DECIMAL(8, 2)),
        Col("m_real", sa.REAL, sa.Float),
        Col("m_varchar_ascii", lambda: m.VARCHAR(20, charset="ascii"), lambda: m.VARCHAR(25, charset="ascii")),
    ]


def _sqlite() -> list[Col]:
    # SQLite keeps the declared type name; its affinities are INTEGER, TEXT, REAL, NUMERIC, BLOB.
    return [
        Col("s_integer_affinity", sa.types.INTEGER, sa.types.BIGINT),
        Col("s_text_affinity", sa.types.TEXT, lambda: sa.types.VARCHAR(10)),
        Col("s_real_affinity", sa.types.REAL, sa.types.FLOAT),
        Col("s_numeric_affinity", sa.types.NUMERIC, lambda: sa.types.DECIMAL(10, 2)),
        Col("s_blob_affinity", sa.types.BLOB, sa.types.TEXT),
        Col("s_varchar", lambda: sa.types.VARCHAR(30), lambda: sa.types.NVARCHAR(30)),
        Col("s_timestamp", sa.types.TIMESTAMP, sa.types.DATETIME),
        Col("s_clob", sa.types.CLOB, lambda: sa.types.VARCHAR(100)),  # reflected as its affinity, TEXT
    ]


def columns_for(backend: str) -> list[Col]:
    own = {"postgresql": _postgresql, "mariadb": _mariadb, "sqlite": _sqlite}[backend]()
    return [*_generic(backend), *own]


@dataclass
class Variant:
    """What a change alters in the catalogue (every field empty: the catalogue itself)."""

    types: dict[str, TypeFactory] = field(default_factory=dict)
    column_kw: dict[str, dict[str, Any]] = field(default_factory=dict)
    drop_columns: tuple[str, ...] = ()
    add_columns: tuple[str, ...] = ()
    indexes: dict[str, Callable[[sa.Table], sa.Index] | None] = field(default_factory=dict)
    uniques: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    fks: dict[str, dict[str, Any] | None] = field(default_factory=dict)


def catalogue(backend: str, variant: Variant | None = None) -> sa.MetaData:
    """The kitchen-sink models of ``backend``, altered by ``variant``."""
    v = variant or Variant()
    md = sa.MetaData()
    sa.Table(
        "parent",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(20), nullable=False),
        sa.UniqueConstraint("code", name="uq_parent_code"),
    )
    items: list[Any] = [sa.Column("id", sa.Integer, primary_key=True)]
    for col in columns_for(backend):
        if col.name in v.drop_columns:
            continue
        kw = {**col.kw, **v.column_kw.get(col.name, {})}
        items.append(sa.Column(col.name, v.types.get(col.name, col.type)(), **kw))
    items.extend(sa.Column(name, sa.Integer) for name in v.add_columns)
    fks: dict[str, dict[str, Any] | None] = {
        "fk_catalogue_parent": {"columns": ["parent_id"], "ondelete": "CASCADE"},
        "": {"columns": ["other_parent_id"], "onupdate": "CASCADE"},  # unnamed
        **v.fks,
    }
    items += [sa.Column("parent_id", sa.Integer), sa.Column("other_parent_id", sa.Integer)]
    for name, spec in fks.items():
        if spec is not None:
            spec = dict(spec)
            columns = spec.pop("columns")
            items.append(
                sa.ForeignKeyConstraint(columns, [f"parent.{c}" for c in ["id"]], name=name.strip() or None, **spec)
            )
    uniques: dict[str, tuple[str, ...] | None] = {
        "uq_catalogue_pair": ("c_string", "c_integer"),
        "": ("c_bigint",),  # unnamed
        **v.uniques,
    }
    items.extend(sa.UniqueConstraint(*cols, name=name.strip() or None) for name, cols in uniques.items() if cols)
    table = sa.Table("catalogue", md, *items)
    indexes: dict[str, Callable[[sa.Table], sa.Index] | None] = {
        "ix_catalogue_unicode": lambda t: sa.Index("ix_catalogue_unicode", t.c.c_unicode),
        "ix_catalogue_multi": lambda t: sa.Index("ix_catalogue_multi", t.c.c_smallint, t.c.c_date),
        "ix_catalogue_unique": lambda t: sa.Index("ix_catalogue_unique", t.c.c_char, unique=True),
        **_own_indexes(backend),
        **v.indexes,
    }
    for make in indexes.values():
        if make is not None:
            make(table)
    return md


def _own_indexes(backend: str) -> dict[str, Callable[[sa.Table], sa.Index] | None]:
    if backend == "postgresql":
        return {
            "ix_catalogue_lower": lambda t: sa.Index("ix_catalogue_lower", sa.func.lower(t.c.c_text)),
            "ix_catalogue_partial": lambda t: sa.Index(
                "ix_catalogue_partial", t.c.c_bigint, postgresql_where=sa.and_(t.c.c_bigint > 0, t.c.c_text != "")
            ),
            "ix_catalogue_gin": lambda t: sa.Index("ix_catalogue_gin", t.c.p_array_int, postgresql_using="gin"),
            "ix_catalogue_include": lambda t: sa.Index(
                "ix_catalogue_include", t.c.c_double.desc(), postgresql_include=["c_float"]
            ),
            "ix_catalogue_options": lambda t: sa.Index(
                "ix_catalogue_options",
                t.c.c_string.desc().nulls_last(),
                t.c.c_unicode_text,
                postgresql_ops={"c_unicode_text": "text_pattern_ops"},
                postgresql_with={"fillfactor": 70},
                postgresql_where=sa.text("c_unicode_text IS NOT NULL AND c_string <> ''"),
            ),
            "ix_catalogue_nnd": lambda t: sa.Index(
                "ix_catalogue_nnd", t.c.c_numeric_plain, unique=True, postgresql_nulls_not_distinct=True
            ),
        }
    if backend == "sqlite":
        return {
            "ix_catalogue_lower": lambda t: sa.Index("ix_catalogue_lower", sa.func.lower(t.c.c_text)),
            "ix_catalogue_partial": lambda t: sa.Index(
                "ix_catalogue_partial", t.c.c_bigint, sqlite_where=t.c.c_bigint > 0
            ),
            "ix_catalogue_desc": lambda t: sa.Index("ix_catalogue_desc", t.c.c_double.desc(), t.c.c_float),
        }
    return {
        "ix_catalogue_prefix": lambda t: sa.Index("ix_catalogue_prefix", t.c.c_text, mysql_length=20),
        "ix_catalogue_desc": lambda t: sa.Index("ix_catalogue_desc", t.c.c_double.desc(), t.c.c_float),
        "ix_catalogue_fulltext": lambda t: sa.Index("ix_catalogue_fulltext", t.c.m_mediumtext, mysql_prefix="FULLTEXT"),
        "ix_catalogue_lengths": lambda t: sa.Index(
            "ix_catalogue_lengths", t.c.c_unicode_text, t.c.c_string, mysql_length={"c_unicode_text": 12}
        ),
    }


# -- one database per backend -------------------------------------------------------------------
class Shared:
    """One backend's database for the whole module, holding the catalogue between tests."""

    def __init__(self, database: Database) -> None:
        self.db = Db(database)
        self.backend = database.backend
        self.clean = False
        if self.backend == "postgresql":  # a test database: no need to wait for each commit's flush
            sa.event.listen(self.db.engine, "connect", _asynchronous_commit)

    def start(self) -> None:
        """The catalogue as ``create_all`` makes it (rebuilt only after a failed test; the
        previous test's last comparison found the catalogue otherwise)."""
        if not self.clean:
            self.db.reset()
            self.db.create(catalogue(self.backend))
            assert self.describe(None) == [], "the catalogue must match what create_all made"
        self.clean = False  # until the test has come back to the catalogue

    def describe(self, variant: Variant | None) -> list[str]:
        return [o.describe() for o in self.db.diff(catalogue(self.backend, variant))]

    def round_trip(self, variant: Variant) -> list[Operation]:
        """Detect, upgrade, compare again, downgrade, compare again; the detected operations."""
        self.start()
        ops = self.db.diff(catalogue(self.backend, variant))
        assert ops, "the change was not detected"
        self.db.run(ops)
        assert self.describe(variant) == [], "a second autogenerate after the upgrade is not clean"
        self.db.run(reverse_ops(ops))
        assert self.describe(None) == [], "the downgrade did not come back to the catalogue"
        self.clean = True
        return ops


def _asynchronous_commit(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("SET synchronous_commit TO OFF")
    cursor.close()


@pytest.fixture(scope="module")
def shared_databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    made: dict[str, Any] = {}
    yield made
    for shared, generator in made.values():
        shared.db.engine.dispose()
        for _ in generator:  # runs the fixture's cleanup: the database is dropped
            pass


@pytest.fixture
def cat(
    cat_backend: str,
    shared_databases: dict[str, Any],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Shared:
    if cat_backend not in shared_databases:
        folder: Path = tmp_path_factory.mktemp("catalogue")
        generator = _fresh(cat_backend, folder / "catalogue.sqlite", _postgresql_session(cat_backend, request))
        shared_databases[cat_backend] = (Shared(next(generator)), generator)
    shared: Shared = shared_databases[cat_backend][0]
    return shared


# -- the changes --------------------------------------------------------------------------------
def _changes(backend: str) -> dict[str, tuple[Variant, list[str] | None]]:
    """One-at-a-time changes of every kind but types: (variant, expected descriptions, or None
    where only "detected, upgraded, downgraded" is checked)."""
    pg, my, lite = backend == "postgresql", backend == "mariadb", backend == "sqlite"
    t = "catalogue"
    changes: dict[str, tuple[Variant, list[str] | None]] = {
        "nullable_set": (
            Variant(column_kw={"c_text": {"nullable": False}}),
            [f"modified column '{t}.c_text': NOT NULL"],
        ),
        "nullable_dropped": (
            Variant(column_kw={"c_string_req": {"nullable": True}}),
            [f"modified column '{t}.c_string_req': NULL"],
        ),
        "default_added": (Variant(column_kw={"c_bigint": {"server_default": "7"}}), None),
        "default_changed": (Variant(column_kw={"c_string": {"server_default": "xyz"}}), None),
        "default_removed": (Variant(column_kw={"c_datetime": {"server_default": None}}), None),
        "default_expression": (Variant(column_kw={"c_integer": {"server_default": sa.text("42")}}), None),
        "column_added": (Variant(add_columns=("c_new",)), [f"added column '{t}.c_new'"]),
        "column_dropped": (Variant(drop_columns=("c_uuid",)), [f"removed column '{t}.c_uuid'"]),
        "index_added": (
            Variant(indexes={"ix_catalogue_new": lambda t: sa.Index("ix_catalogue_new", t.c.c_bigint, t.c.c_date)}),
            ["added index 'ix_catalogue_new' on catalogue (c_bigint, c_date)"],
        ),
        "index_dropped": (
            Variant(indexes={"ix_catalogue_unicode": None}),
            ["removed index 'ix_catalogue_unicode' on catalogue (c_unicode)"],
        ),
        "index_columns_changed": (
            Variant(
                indexes={"ix_catalogue_multi": lambda t: sa.Index("ix_catalogue_multi", t.c.c_date, t.c.c_smallint)}
            ),
            [
                "removed index 'ix_catalogue_multi' on catalogue (c_smallint, c_date)",
                "added index 'ix_catalogue_multi' on catalogue (c_date, c_smallint)",
            ],
        ),
        "index_made_unique": (
            Variant(
                indexes={"ix_catalogue_unicode": lambda t: sa.Index("ix_catalogue_unicode", t.c.c_unicode, unique=True)}
            ),
            [
                "removed index 'ix_catalogue_unicode' on catalogue (c_unicode)",
                "added unique index 'ix_catalogue_unicode' on catalogue (c_unicode)",
            ],
        ),
        "index_no_longer_unique": (
            Variant(indexes={"ix_catalogue_unique": lambda t: sa.Index("ix_catalogue_unique", t.c.c_char)}),
            None,
        ),
        "unique_added_named": (
            Variant(uniques={"uq_catalogue_new": ("c_unicode", "c_date")}),
            ["added unique constraint 'uq_catalogue_new' on catalogue (c_unicode, c_date)"],
        ),
        "unique_added_unnamed": (
            Variant(uniques={"": ("c_bigint",), " ": ("c_smallint",)}),
            ["added unique constraint 'catalogue_c_smallint_key' on catalogue (c_smallint)"],
        ),
        "unique_dropped_named": (Variant(uniques={"uq_catalogue_pair": None}), None),
        "unique_dropped_unnamed": (Variant(uniques={"": None}), None),
        "unique_columns_changed": (Variant(uniques={"uq_catalogue_pair": ("c_string", "c_smallint")}), None),
        "fk_ondelete_changed": (
            Variant(fks={"fk_catalogue_parent": {"columns": ["parent_id"], "ondelete": "SET NULL"}}),
            [
                "removed foreign key 'fk_catalogue_parent' on catalogue (parent_id) -> parent (id)",
                "added foreign key 'fk_catalogue_parent' on catalogue (parent_id) -> parent (id)",
            ],
        ),
        "fk_onupdate_changed_unnamed": (Variant(fks={"": {"columns": ["other_parent_id"]}}), None),
        "fk_dropped": (Variant(fks={"fk_catalogue_parent": None}), None),
        "fk_added": (Variant(fks={"fk_catalogue_new": {"columns": ["c_integer"]}}), None),
    }
    changes["index_made_descending"] = (
        Variant(
            indexes={"ix_catalogue_multi": lambda t: sa.Index("ix_catalogue_multi", t.c.c_smallint.desc(), t.c.c_date)}
        ),
        [
            "removed index 'ix_catalogue_multi' on catalogue (c_smallint, c_date)",
            "added index 'ix_catalogue_multi' on catalogue (c_smallint DESC, c_date)",
        ],
    )
    if not my:
        changes["index_expression_changed"] = (
            Variant(
                indexes={"ix_catalogue_lower": lambda t: sa.Index("ix_catalogue_lower", sa.func.upper(t.c.c_text))}
            ),
            None,
        )
        where = "postgresql_where" if pg else "sqlite_where"
        changes["index_where_changed"] = (
            Variant(
                indexes={
                    "ix_catalogue_partial": lambda t: sa.Index(
                        "ix_catalogue_partial", t.c.c_bigint, **{where: t.c.c_bigint > 1}
                    )
                }
            ),
            None,
        )
    if pg:
        changes["index_using_changed"] = (
            Variant(
                indexes={
                    "ix_catalogue_gin": lambda t: sa.Index(
                        "ix_catalogue_gin", t.c.p_array_int, postgresql_using="btree"
                    )
                }
            ),
            None,
        )
        changes["index_include_changed"] = (
            Variant(
                indexes={
                    "ix_catalogue_include": lambda t: sa.Index(
                        "ix_catalogue_include", t.c.c_double.desc(), postgresql_include=["c_numeric"]
                    )
                }
            ),
            None,
        )
        changes["index_order_changed_include"] = (
            Variant(
                indexes={
                    "ix_catalogue_include": lambda t: sa.Index(
                        "ix_catalogue_include", t.c.c_double, postgresql_include=["c_float"]
                    )
                }
            ),
            None,
        )
        changes["unique_nulls_not_distinct"] = (
            Variant(
                indexes={
                    "ix_catalogue_unique": lambda t: sa.Index(
                        "ix_catalogue_unique", t.c.c_char, unique=True, postgresql_nulls_not_distinct=True
                    )
                }
            ),
            None,
        )
        changes["fk_deferrable"] = (
            Variant(
                fks={
                    "fk_catalogue_parent": {
                        "columns": ["parent_id"],
                        "ondelete": "CASCADE",
                        "deferrable": True,
                        "initially": "DEFERRED",
                    }
                }
            ),
            None,
        )
        changes["fk_match_full"] = (
            Variant(fks={"fk_catalogue_parent": {"columns": ["parent_id"], "ondelete": "CASCADE", "match": "FULL"}}),
            None,
        )
    if my:
        changes["index_prefix_length_changed"] = (
            Variant(
                indexes={"ix_catalogue_prefix": lambda t: sa.Index("ix_catalogue_prefix", t.c.c_text, mysql_length=30)}
            ),
            [
                "removed index 'ix_catalogue_prefix' on catalogue (c_text)",
                "added index 'ix_catalogue_prefix' on catalogue (c_text)",
            ],
        )
    if lite:
        pass
    return changes


KNOWN: dict[tuple[str, str], pytest.MarkDecorator] = {}
"""Cases expected to fail, with the reason (none today: PostgreSQL's type changes without an
assignment cast back, text to uuid, boolean, bytea, a range or an enum, get ``USING col::type``)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``cat_backend`` with the cases of that backend: the type of every catalogue column, or
    every other change; one test id per backend and case."""
    selected = [b for b in BACKENDS if b in _selected(metafunc.config)]
    if "type_case" in metafunc.fixturenames:
        cases = [
            pytest.param(b, c.name, id=f"{b}-{c.name}", marks=[KNOWN[(b, c.name)]] if (b, c.name) in KNOWN else [])
            for b in selected
            for c in columns_for(b)
        ]
        metafunc.parametrize(["cat_backend", "type_case"], cases)
    elif "change_case" in metafunc.fixturenames:
        params = [
            pytest.param(b, c, id=f"{b}-{c}", marks=[KNOWN[(b, c)]] if (b, c) in KNOWN else [])
            for b in selected
            for c in _changes(b)
        ]
        metafunc.parametrize(["cat_backend", "change_case"], params)
    elif "cat_backend" in metafunc.fixturenames:
        metafunc.parametrize("cat_backend", selected)


# -- the tests ----------------------------------------------------------------------------------
def test_catalogue_has_forty_types() -> None:
    assert len({c.name for b in BACKENDS for c in columns_for(b)}) >= 40
    assert all(len(columns_for(b)) >= 30 for b in BACKENDS)


def test_no_false_positives(cat: Shared) -> None:
    cat.clean = False  # create the catalogue afresh
    cat.start()
    assert cat.describe(None) == []
    cat.clean = True


def test_type_change(cat: Shared, type_case: str) -> None:
    col = next(c for c in columns_for(cat.backend) if c.name == type_case)
    ops = cat.round_trip(Variant(types={type_case: col.changed}))
    described = [o.describe() for o in ops]
    column = f"modified column 'catalogue.{type_case}': type"
    assert described[0].startswith(column), described
    # A PostgreSQL enum type no column uses any more is dropped after the column changes.
    assert all(d.startswith(column) or d.startswith("removed enum type") for d in described), described


def test_change(cat: Shared, change_case: str) -> None:
    variant, expected = _changes(cat.backend)[change_case]
    ops = cat.round_trip(variant)
    if expected is not None:
        assert [o.describe() for o in ops] == expected
