"""Turn a live database into the schema model, with SQLAlchemy's bulk ``get_multi_*`` reflection.

One round of bulk calls reflects every table at once, so the cost does not grow with a query
per table. Dialect quirks that need no knowledge of the models are smoothed out here:

* MySQL reports a UNIQUE constraint twice, as the constraint and as its index: kept once (as
  the index when it has options, a prefix length, that no constraint can hold);
* SQLAlchemy skips SQLite indexes on expressions, and reports no sort order (``DESC``) of
  SQLite index columns: both read back from ``sqlite_master``; nor of MySQL / MariaDB ones:
  read back from ``information_schema.STATISTICS``;
* a PostgreSQL SERIAL key reports ``nextval('t_id_seq'::regclass)`` as its default: it is an
  autoincrementing key, so that a table created back from its reflection gets its own sequence;
* PostgreSQL reports ``postgresql_include: []`` on every index: dropped; index options that
  are lists or mappings become tuples and key-sorted dicts, as the models' ones do;
* PostgreSQL's named enum types are reflected too (``get_enums``), used by a column or not.

Quirks that only the models can settle (is this MySQL unique constraint the models' unique
index? is this index the one MySQL made for a foreign key?) are left to
:mod:`dbshift.autogenerate.compare`.
"""

from __future__ import annotations

import fnmatch
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dbshift.schema.enums import reflected_enum_types
from dbshift.schema.model import (
    CheckDef,
    ColumnDef,
    DialectOptions,
    ForeignKeyDef,
    IndexDef,
    PrimaryKeyDef,
    SchemaDef,
    TableDef,
    UniqueDef,
    freeze_options,
)

T = TypeVar("T")
Key = tuple[str | None, str]


def is_excluded(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _multi(call: Callable[..., Mapping[Key, T]], **kw: Any) -> Mapping[Key, T]:
    """A bulk reflection call, or nothing where the dialect does not support that kind."""
    try:
        return call(**kw)
    except NotImplementedError:
        return {}


def reflect_schema(
    connection: Connection,
    *,
    schema: str | None = None,
    exclude: Iterable[str] = (),
    only: Iterable[str] | None = None,
) -> SchemaDef:
    """Reflect the tables of one schema; ``exclude`` holds glob patterns, ``only`` exact names."""
    insp = sa.inspect(connection)
    patterns = tuple(exclude)
    names = [n for n in insp.get_table_names(schema=schema) if not is_excluded(n, patterns)]
    if only is not None:
        wanted = set(only)
        names = [n for n in names if n in wanted]
    enums = (
        reflected_enum_types(insp.get_enums(schema=schema), schema)  # type: ignore[attr-defined]
        if insp.dialect.name == "postgresql"
        else []
    )
    if not names:
        return SchemaDef.of((), enums)
    kw: dict[str, Any] = {"schema": schema, "filter_names": names}
    sqlite = insp.dialect.name == "sqlite"
    with warnings.catch_warnings(), _sqlite_table_sql_read_once(connection, schema):
        # SQLite: "Skipped unsupported reflection of expression-based index"; read back below.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", category=sa.exc.SAWarning
        )
        columns = insp.get_multi_columns(**kw)
        pks = _multi(insp.get_multi_pk_constraint, **kw)
        fks = _multi(insp.get_multi_foreign_keys, **kw)
        # SQLite's unique constraints read the indexes again with SQLite's own ones: asked the
        # same way here, the inspector's cache answers that second read (and they are skipped below).
        indexes = _multi(insp.get_multi_indexes, **kw, **({"include_auto_indexes": True} if sqlite else {}))
        uniques = _multi(insp.get_multi_unique_constraints, **kw)
        checks = _multi(insp.get_multi_check_constraints, **kw)
        comments = _multi(insp.get_multi_table_comment, **kw)
    if insp.dialect.name == "sqlite":
        indexes = _with_sqlite_expression_indexes(connection, schema, indexes)
    elif insp.dialect.name in ("mysql", "mariadb"):
        indexes = _with_mysql_sort_order(connection, schema, names, indexes)
    if getattr(insp.dialect, "is_mariadb", False):  # the "mysql" dialect connected to MariaDB too
        checks = _with_mariadb_column_checks(connection, schema, names, checks)
    tables = []
    for name in names:
        key = (schema, name)
        # MySQL reports a UNIQUE constraint twice: as the constraint and as its backing index.
        # One with options (a prefix length) is an index: no UNIQUE constraint can say them.
        with_options = {ix.get("name") for ix in indexes.get(key, ()) if ix.get("dialect_options")}
        table_uniques = [u for u in uniques.get(key, ()) if u.get("duplicates_index") not in with_options]
        backing = {u.get("duplicates_index") for u in table_uniques} - {None}
        table_fks = tuple(_fk(f) for f in fks.get(key, ()))
        tables.append(
            TableDef(
                name=name,
                schema=schema,
                columns=tuple(column_from_reflection(c) for c in columns.get(key, ())),
                primary_key=_pk(pks.get(key)),
                foreign_keys=tuple(sorted(table_fks, key=lambda f: f.columns)),
                uniques=tuple(
                    sorted(
                        (
                            UniqueDef(tuple(u["column_names"]), u.get("name"), dialect_options=_options(u))
                            for u in table_uniques
                        ),
                        key=lambda u: u.columns,
                    )
                ),
                checks=tuple(CheckDef(c["sqltext"], c.get("name")) for c in checks.get(key, ())),
                indexes=tuple(
                    sorted(
                        (
                            _index(ix, insp.dialect.identifier_preparer.quote)
                            for ix in indexes.get(key, ())
                            if not ix.get("duplicates_constraint")
                            and ix.get("name")
                            and ix["name"] not in backing
                            and not (sqlite and str(ix["name"]).startswith("sqlite_autoindex_"))
                        ),
                        key=lambda i: i.name,
                    )
                ),
                comment=_comment(comments.get(key)),
            )
        )
    if insp.dialect.name == "postgresql":
        tables = [_without_serial_defaults(t) for t in tables]
    if insp.dialect.name == "sqlite":
        tables = [_rowid_key_not_null(connection, t) for t in tables]
    return SchemaDef.of(tables, enums)


def _comment(comment: Mapping[str, Any] | None) -> str | None:
    text = (comment or {}).get("text")
    return str(text) if text is not None else None


def _without_serial_defaults(table: TableDef) -> TableDef:
    """A PostgreSQL SERIAL primary key reports ``nextval('<table>_<column>_seq'::regclass)`` as
    its default; the sequence belongs to the column and goes with the table, so the column is
    kept as what creates it again (an autoincrementing key without a default)."""
    pk = table.primary_key.columns if table.primary_key else ()
    columns = []
    for col in table.columns:
        if col.name in pk and col.server_default and _owned_sequence(table.name, col.name, col.server_default):
            col = replace(col, server_default=None, autoincrement=True)
        columns.append(col)
    return table.replace(columns=tuple(columns))


def _rowid_key_not_null(connection: Connection, table: TableDef) -> TableDef:
    """SQLite reports ``id INTEGER PRIMARY KEY`` written without NOT NULL as nullable, yet such a
    column is the rowid's alias and never NULL (inserting NULL gives it the next number): it is
    reported NOT NULL, as the models declare a primary key. Only a column declared exactly
    ``INTEGER``: ``INT PRIMARY KEY`` is no alias, and SQLite does let it hold NULL."""
    pk = table.primary_key.columns if table.primary_key else ()
    column = table.column(pk[0]) if len(pk) == 1 else None
    if column is None or not column.nullable or not isinstance(column.type, sa.Integer):
        return table
    info = (
        f"{connection.dialect.identifier_preparer.quote(table.schema)}.pragma_table_info"
        if table.schema
        else "pragma_table_info"
    )
    declared = connection.exec_driver_sql(
        f"SELECT type FROM {info}(?) WHERE name = ?", (table.name, column.name)
    ).scalar()
    if str(declared or "").upper() != "INTEGER":
        return table
    fixed = replace(column, nullable=False)
    return table.replace(columns=tuple(fixed if c is column else c for c in table.columns))


def _owned_sequence(table: str, column: str, default: str) -> bool:
    """``nextval('<table>_<column>_seq'::regclass)``, the sequence name quoted or not (compared as
    text: a pattern per table would be compiled for each one)."""
    if not default.startswith("nextval('"):
        return False
    sequence = f"{table}_{column}_seq"
    return default in {f"nextval('{a}{sequence}{b}'::regclass)" for a in ("", '"') for b in ("", '"')}


def column_from_reflection(c: Mapping[str, Any]) -> ColumnDef:
    computed = c.get("computed")
    default = c.get("default")
    return ColumnDef(
        name=c["name"],
        type=c["type"],
        nullable=bool(c.get("nullable", True)),
        server_default=str(default) if default is not None else None,
        comment=c.get("comment"),
        autoincrement=c.get("autoincrement", "auto"),
        computed=str(computed["sqltext"]) if computed else None,
        computed_persisted=computed.get("persisted") if computed else None,
        identity=bool(c.get("identity")),
        identity_options=identity_without_defaults(c.get("identity") or {}, c["type"]),
    )


_IDENTITY_OPTIONS = ("always", "on_null", "start", "increment", "minvalue", "maxvalue", "cycle", "cache", "order")


def identity_without_defaults(options: Mapping[str, Any], type_: Any) -> DialectOptions:
    """An identity's options (``sa.Identity`` arguments, or what PostgreSQL reports: every one,
    defaults spelled out) without those at PostgreSQL's defaults, as a model leaves them out:
    ``always`` False, ``increment`` 1, ``cache`` 1, no ``cycle``; ascending, ``minvalue`` 1,
    ``maxvalue`` the type's largest value and ``start`` the ``minvalue``; descending, ``maxvalue``
    -1, ``minvalue`` the type's smallest and ``start`` the ``maxvalue``."""
    largest = (
        2**63 - 1
        if isinstance(type_, sa.BigInteger)
        else 2**15 - 1
        if isinstance(type_, sa.SmallInteger)
        else 2**31 - 1
    )
    increment = options.get("increment") or 1
    minvalue = options.get("minvalue")
    maxvalue = options.get("maxvalue")
    defaults: dict[str, Any] = {
        "always": False,
        "increment": 1,
        "cache": 1,
        "cycle": False,
        "on_null": False,
        "order": False,
    }
    if increment > 0:
        defaults.update(minvalue=1, maxvalue=largest, start=minvalue if minvalue is not None else 1)
    else:
        defaults.update(maxvalue=-1, minvalue=-largest - 1, start=maxvalue if maxvalue is not None else -1)
    return tuple(
        (name, options[name])
        for name in _IDENTITY_OPTIONS
        if options.get(name) is not None and options[name] != defaults.get(name)
    )


def _pk(pk: Mapping[str, Any] | None) -> PrimaryKeyDef | None:
    if not pk or not pk.get("constrained_columns"):
        return None
    return PrimaryKeyDef(tuple(pk["constrained_columns"]), pk.get("name"), _options(pk))


def _options(reflected: Mapping[str, Any]) -> DialectOptions:
    """A constraint's reflected dialect options that say something: PostgreSQL reports
    ``postgresql_include: []`` and ``postgresql_nulls_not_distinct: False`` for every unique
    constraint, which are the defaults a model leaves out."""
    options = reflected.get("dialect_options") or {}
    return freeze_options({k: _option_value(v) for k, v in options.items() if v not in (False, [], (), {})})


def _fk(f: Mapping[str, Any]) -> ForeignKeyDef:
    options = f.get("options") or {}
    return ForeignKeyDef(
        columns=tuple(f["constrained_columns"]),
        referred_table=f["referred_table"],
        referred_schema=f.get("referred_schema"),
        referred_columns=tuple(f["referred_columns"]),
        name=f.get("name"),
        ondelete=options.get("ondelete"),
        onupdate=options.get("onupdate"),
        deferrable=options.get("deferrable"),
        initially=options.get("initially"),
        match=options.get("match"),
    )


def _index(ix: Mapping[str, Any], quote: Callable[[str], str] = lambda name: name) -> IndexDef:
    names = list(ix.get("column_names") or [])
    expressions = list(ix.get("expressions") or names)
    columns = tuple(n if n is not None else str(expressions[i]) for i, n in enumerate(names))
    flags = tuple(n is None for n in names)
    sorting = ix.get("column_sorting") or {}
    if sorting:  # PostgreSQL: DESC / NULLS FIRST elements, as the models write them
        columns, flags = _sorted_elements(columns, flags, sorting, quote)
    return IndexDef(
        name=ix["name"],
        columns=columns,
        unique=bool(ix.get("unique")),
        # PostgreSQL reports "postgresql_include: []" for every index: an option left at its default.
        dialect_options=freeze_options(
            {k: _option_value(v) for k, v in (ix.get("dialect_options") or {}).items() if v not in ([], ())}
        ),
        expressions=flags if any(flags) else (),
    )


def _sorted_elements(
    columns: tuple[str, ...], flags: tuple[bool, ...], sorting: Mapping[str, Any], quote: Callable[[str], str]
) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """Index elements with their reported sort order (``("desc", "nulls_last")``) written out:
    ``b DESC NULLS LAST``, an SQL expression as the models' ``sa.desc(t.c.b)`` compiles to."""
    out_columns, out_flags = [], []
    for column, is_expression in zip(columns, flags):
        order = sorting.get(column)
        if not order:
            out_columns.append(column)
            out_flags.append(is_expression)
            continue
        element = column if is_expression else quote(column)
        words = " ".join(str(o).replace("_", " ").upper() for o in order)
        out_columns.append(f"{element} {words}")
        out_flags.append(True)
    return tuple(out_columns), tuple(out_flags)


def _option_value(value: Any) -> Any:
    """A reflected index option as :func:`dbshift.schema.from_metadata.index_options` spells the
    models' ones: lists as tuples (``postgresql_include``), mappings as dicts sorted by key
    (``postgresql_ops``, ``postgresql_with``)."""
    if isinstance(value, (list, tuple)):
        return tuple(_option_value(v) for v in value)
    if isinstance(value, Mapping):
        return {str(k): _option_value(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, sa.TextClause):  # SQLite's partial index condition (sqlite_where)
        return value.text
    return value


MARIADB_CHECK_CONSTRAINTS = sa.table(
    "CHECK_CONSTRAINTS",
    sa.column("constraint_schema"),
    sa.column("table_name"),
    sa.column("constraint_name"),
    sa.column("level"),
    sa.column("check_clause"),
    schema="information_schema",
)
"""MariaDB's CHECK constraints, with the LEVEL (``Column`` or ``Table``) SQLAlchemy does not read."""


def _with_mariadb_column_checks(
    connection: Connection, schema: str | None, names: list[str], checks: Mapping[Key, list[Any]]
) -> Mapping[Key, list[Any]]:
    """MariaDB keeps a CHECK written on a column (``sa.Column(..., sa.CheckConstraint(...))``)
    in the column's definition, where SQLAlchemy does not look: read from
    ``information_schema.CHECK_CONSTRAINTS`` (LEVEL ``Column``). The ``json_valid()`` check MariaDB
    gives a JSON column by itself is left out: the models never declare it. It is named after the
    column, and keeps that name when the column is renamed, so it is known by its clause alone."""
    info = MARIADB_CHECK_CONSTRAINTS
    database = schema if schema is not None else sa.func.database()
    query = sa.select(info.c.table_name, info.c.constraint_name, info.c.check_clause).where(
        info.c.constraint_schema == database, info.c.level == "Column", info.c.table_name.in_(names)
    )
    result = {key: list(value) for key, value in checks.items()}
    for table, name, clause in connection.execute(query).all():
        if re.fullmatch(r"json_valid\(`[^`]+`\)", clause.strip()):  # named after the column, even once renamed
            continue
        result.setdefault((schema, table), []).append({"name": name, "sqltext": clause})
    return result


_STATISTICS = sa.table(  # MySQL's column names are case-insensitive
    "STATISTICS",
    sa.column("table_schema"),
    sa.column("table_name"),
    sa.column("index_name"),
    sa.column("column_name"),
    sa.column("collation"),
    schema="information_schema",
)


def _with_mysql_sort_order(
    connection: Connection, schema: str | None, names: list[str], indexes: Mapping[Key, list[Any]]
) -> Mapping[Key, list[Any]]:
    """MariaDB (10.8 and later) and MySQL 8 keep ``DESC`` index columns, which SQLAlchemy does not
    report: read back from ``information_schema.STATISTICS`` (``COLLATION = 'D'``), in one query."""
    stats = _STATISTICS.c
    owner = sa.literal(schema) if schema else sa.func.database()
    query = sa.select(stats.table_name, stats.index_name, stats.column_name).where(
        stats.table_schema == owner, stats.table_name.in_(names), stats.collation == "D"
    )
    descending: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    for table, index, column in connection.execute(query):
        descending.setdefault((table, index), {})[column] = ("desc",)
    if not descending:
        return indexes
    result = {key: [dict(ix) for ix in value] for key, value in indexes.items()}
    for (_, table), reported in result.items():
        for ix in reported:
            sorting = descending.get((table, ix.get("name") or ""))
            if sorting:
                ix["column_sorting"] = sorting
    return result


@contextmanager
def _sqlite_table_sql_read_once(connection: Connection, schema: str | None) -> Iterator[None]:
    """SQLAlchemy's SQLite dialect looks a table's ``CREATE TABLE`` up in ``sqlite_master`` (a
    scan of every table and index) for its primary key, foreign keys and unique constraints,
    two of them uncached: reflection time grew with the square of the tables (a third of it at
    2,000). For the length of the reflection, one read of ``sqlite_master`` answers those
    look-ups on this connection; any other (a temporary table, another schema) goes through."""
    dialect = connection.dialect
    if dialect.name != "sqlite" or schema is not None:
        yield
        return
    rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'view')").all()
    known = {name: sql for name, sql in rows if sql is not None}
    original = type(dialect)._get_table_sql  # type: ignore[attr-defined]

    def table_sql(conn: Connection, table_name: str, schema: str | None = None, **kw: Any) -> Any:
        if conn is connection and schema is None and table_name in known:
            return known[table_name]
        return original(dialect, conn, table_name, schema=schema, **kw)

    dialect._get_table_sql = table_sql  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del dialect._get_table_sql  # type: ignore[attr-defined]


_SQLITE_INDEX = re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\s", re.IGNORECASE)


def _with_sqlite_expression_indexes(
    connection: Connection, schema: str | None, indexes: Mapping[Key, list[Any]]
) -> Mapping[Key, list[Any]]:
    """SQLAlchemy skips SQLite indexes on expressions (``lower(name)``) with a warning; they are
    read back here from the ``CREATE INDEX`` statement SQLite keeps."""
    master = f"{connection.dialect.identifier_preparer.quote(schema)}.sqlite_master" if schema else "sqlite_master"
    rows = connection.exec_driver_sql(
        f"SELECT tbl_name, name, sql FROM {master} WHERE type = 'index' AND sql IS NOT NULL"
    ).all()
    result = {key: list(value) for key, value in indexes.items()}
    for table, name, sql in rows:
        known = result.get((schema, table))
        if known is None:
            continue
        reported = next((ix for ix in known if ix.get("name") == name), None)
        if reported is not None:
            _with_sqlite_sort_order(reported, sql)
            continue
        elements = _sqlite_index_elements(sql)
        if elements is None:
            continue
        header = _SQLITE_INDEX.match(sql)
        entry: dict[str, Any] = {
            "name": name,
            "unique": bool(header and header.group(1)),
            "column_names": [None if is_expr else text for text, is_expr in elements],
            "expressions": [text for text, _ in elements],
        }
        _with_sqlite_sort_order(entry, sql)
        known.append(entry)
    return result


_DESCENDING = re.compile(r"\s+DESC$", re.IGNORECASE)


def _with_sqlite_sort_order(reported: dict[str, Any], sql: str) -> None:
    """SQLAlchemy reports an SQLite index on ``b DESC`` as one on ``b``: the order is read back
    from the ``CREATE INDEX`` statement, as PostgreSQL's is reflected (``column_sorting``)."""
    parts = _sqlite_index_parts(sql)
    names = list(reported.get("column_names") or [])
    if parts is None or len(parts) != len(names):
        return
    sorting = {n: ("desc",) for n, part in zip(names, parts) if n is not None and _DESCENDING.search(part.strip())}
    if sorting:
        reported["column_sorting"] = sorting


def _sqlite_index_parts(sql: str) -> list[str] | None:
    """The element texts of ``CREATE INDEX ... ON t (a, lower(b) DESC) [WHERE ...]``."""
    if not _SQLITE_INDEX.match(sql):
        return None
    start = sql.find("(")
    if start < 0:
        return None
    depth, quote, end = 0, "", -1
    for position in range(start, len(sql)):
        ch = sql[position]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                end = position
                break
    if end < 0:
        return None
    return split_top_level(sql[start + 1 : end])


def _sqlite_index_elements(sql: str) -> list[tuple[str, bool]] | None:
    """The elements of ``CREATE INDEX ... ON t (a, lower(b)) [WHERE ...]``: (text, is expression)."""
    parts = _sqlite_index_parts(sql)
    if parts is None:
        return None
    elements: list[tuple[str, bool]] = []
    for part in parts:
        text = re.sub(r"\s+(ASC|DESC)$", "", part.strip(), flags=re.IGNORECASE)
        identifier = re.fullmatch(r'"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|(\w+)', text)
        if identifier:  # its DESC becomes column_sorting
            elements.append((next(g for g in identifier.groups() if g).replace('""', '"'), False))
        else:  # an expression keeps its DESC, as the models' sa.desc(expression) compiles
            elements.append((re.sub(r"\s+ASC$", "", part.strip(), flags=re.IGNORECASE), True))
    return elements


def split_top_level(text: str) -> list[str]:
    """Split SQL at the commas outside parentheses and quotes (index elements, column clauses)."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts
