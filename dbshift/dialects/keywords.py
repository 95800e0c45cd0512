"""Dialect keywords: each one of the running backend takes effect, or the revision stops.

``op`` functions take SQLAlchemy's ``<dialect>_<name>`` keywords (``postgresql_where``,
``mysql_length``, ``sqlite_on_conflict``...). Those of another backend are ignored, as
SQLAlchemy ignores them, so one revision serves several backends. Those of the running backend
must do something: SQLAlchemy accepts some that no statement dbshift emits uses
(``postgresql_ignore_search_path`` is for reflection, ``sqlite_on_conflict`` means nothing on a
foreign key, no ``DROP`` takes options but ``DROP INDEX CONCURRENTLY``), and dbshift builds some
statements itself (``DROP COLUMN``, ``ALTER COLUMN``). Such a keyword is a one-line error naming
it and the operation, before any SQL runs, rather than silently doing less than asked.

:data:`TAKES_EFFECT` lists, per backend and per kind of object, the keywords that reach a
statement: the arguments SQLAlchemy's compiler for that backend reads, minus those only
reflection uses. Names SQLAlchemy does not know at all are refused earlier, when the ``op``
function builds SQLAlchemy's construct (as in Alembic).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.engine import Dialect

from dbshift.dialects.features import backend_name, is_mariadb
from dbshift.operations.base import Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import CONSTRAINT_KINDS, AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.table import CreateTableOp, DropTableOp
from dbshift.schema.model import DialectOptions, table_key

ANY = "*"
"""Every keyword of the prefix takes effect (MySQL's table options, rendered as ``NAME=value``)."""

TAKES_EFFECT: dict[str, dict[str, frozenset[str]]] = {
    "postgresql": {
        "table": frozenset({"tablespace", "partition_by", "with_oids", "with", "on_commit", "inherits", "using"}),
        "index": frozenset(
            {"using", "include", "where", "ops", "concurrently", "with", "tablespace", "nulls_not_distinct"}
        ),
        "drop_index": frozenset({"concurrently"}),
        "primary": frozenset({"include"}),
        "unique": frozenset({"include", "nulls_not_distinct"}),
        "foreignkey": frozenset({"not_valid"}),
        "check": frozenset({"not_valid"}),
        "alter_column": frozenset({"using"}),
    },
    "mysql": {
        "table": frozenset({ANY}),
        "index": frozenset({"using", "length", "prefix", "with_parser"}),
        "primary": frozenset({"using"}),
    },
    "sqlite": {
        "table": frozenset({"autoincrement", "with_rowid", "strict"}),
        "column": frozenset({"on_conflict_primary_key", "on_conflict_not_null", "on_conflict_unique"}),
        "index": frozenset({"where"}),
        "primary": frozenset({"on_conflict"}),
        "unique": frozenset({"on_conflict"}),
        "check": frozenset({"on_conflict"}),
    },
}

UNPREFIXED: dict[str, dict[str, frozenset[str]]] = {
    "alter_column": {"autoincrement": frozenset({"mysql"})},
}
"""Keywords without a prefix that only some backends act on: ``alter_column(autoincrement=)``
(MySQL's ``AUTO_INCREMENT``). ``existing_autoincrement`` is a hint, like ``existing_type``."""

_FUNCTIONS = {
    "primary": "create_primary_key",
    "foreignkey": "create_foreign_key",
    "unique": "create_unique_constraint",
    "check": "create_check_constraint",
}


def own_prefixes(dialect: Dialect) -> tuple[str, ...]:
    """The keyword prefixes of the running backend: MariaDB reads ``mysql_*`` and ``mariadb_*``."""
    if dialect.name in ("mysql", "mariadb"):
        return ("mysql_", "mariadb_") if is_mariadb(dialect) else ("mysql_",)
    return (dialect.name + "_",)


def _named(name: str | None) -> str:
    return f" '{name}'" if name else ""


def _keywords(op: Operation) -> Iterator[tuple[str, str, str, DialectOptions]]:
    """(op function, what it works on, kind of object, keywords) for each object ``op`` shapes."""
    if isinstance(op, CreateTableOp):
        table = op.table
        where = f"'{table.key}'"
        yield "create_table", where, "table", table.dialect_options
        for col in table.columns:
            yield "create_table", f"{where} column '{col.name}'", "column", col.dialect_options
        constraints = (*((table.primary_key,) if table.primary_key else ()), *table.foreign_keys)
        for con in (*constraints, *table.uniques, *table.checks):
            kind = CONSTRAINT_KINDS[type(con)]
            yield "create_table", f"{where} {kind} constraint{_named(con.name)}", kind, con.dialect_options
        for ix in table.indexes:
            yield "create_table", f"{where} index '{ix.name}'", "index", ix.dialect_options
    elif isinstance(op, AddColumnOp):
        where = f"'{table_key(op.table_name, op.schema)}.{op.column.name}'"
        yield "add_column", where, "column", op.column.dialect_options
    elif isinstance(op, AlterColumnOp):
        yield (
            "alter_column",
            f"'{table_key(op.table_name, op.schema)}.{op.column_name}'",
            "alter_column",
            (op.dialect_options),
        )
    elif isinstance(op, DropColumnOp):
        where = f"'{table_key(op.table_name, op.schema)}.{op.column_name}'"
        yield "drop_column", where, "drop_column", op.dialect_options
    elif isinstance(op, DropTableOp):
        yield "drop_table", f"'{table_key(op.table_name, op.schema)}'", "drop_table", op.dialect_options
    elif isinstance(op, CreateIndexOp):
        yield "create_index", f"'{op.index.name}' on '{op.table_name}'", "index", op.index.dialect_options
    elif isinstance(op, DropIndexOp):
        yield "drop_index", f"'{op.index_name}'", "drop_index", op.dialect_options
    elif isinstance(op, AddConstraintOp):
        kind = CONSTRAINT_KINDS[type(op.constraint)]
        where = f"{_named(op.constraint.name).strip() or '(unnamed)'} on '{op.table_name}'"
        yield _FUNCTIONS[kind], where, kind, op.constraint.dialect_options
    elif isinstance(op, DropConstraintOp):
        where = f"{_named(op.constraint_name).strip() or '(unnamed)'} on '{op.table_name}'"
        yield "drop_constraint", where, "drop_constraint", op.dialect_options


def keyword_without_effect(op: Operation, dialect: Dialect) -> str | None:
    """The error for the first keyword of the running backend that ``op`` carries and nothing
    would use; None when every one takes effect (or the backend is not one dbshift knows)."""
    family = "mysql" if dialect.name in ("mysql", "mariadb") else dialect.name
    table = TAKES_EFFECT.get(family)
    if table is None:
        return None
    prefixes = own_prefixes(dialect)
    for function, where, kind, options in _keywords(op):
        allowed = table.get(kind, frozenset())
        for key, _value in options:
            families = UNPREFIXED.get(kind, {}).get(key)
            if families is not None and family not in families:
                return f"{function} {where}: keyword {key} has no effect on {backend_name(dialect)}"
            prefix = next((p for p in prefixes if key.startswith(p)), None)
            if prefix is None or ANY in allowed or key[len(prefix) :] in allowed:
                continue
            return f"{function} {where}: keyword {key} has no effect on {backend_name(dialect)}"
    return None
