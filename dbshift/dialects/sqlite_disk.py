"""A SQLite table as it is on disk, for the table rebuild: reflection plus what only its SQL says.

SQLAlchemy's reflection leaves out what a rebuild must keep, so it is read here from the
``CREATE TABLE`` statement ``sqlite_master`` holds, and from ``PRAGMA foreign_key_list``:

* the table's options (``STRICT``, ``WITHOUT ROWID``, ``AUTOINCREMENT``) and column collations;
* the names of constraints written inside a column's definition
  (``code TEXT CONSTRAINT uq_code UNIQUE``, ``p INT CONSTRAINT fk_p REFERENCES parent (id)``),
  which reflection reports unnamed: a rebuild would lose them, and adding a constraint of the
  same name again would not be caught;
* the ``ON DELETE`` / ``ON UPDATE`` actions of such a column's foreign key;
* the exact SQL of the table's indexes and triggers, and of the views that name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dbshift.errors import MigrationError
from dbshift.schema.model import ColumnDef, ForeignKeyDef, TableDef, UniqueDef, freeze_options, sql_mentions
from dbshift.schema.reflect import reflect_schema, split_top_level


@dataclass(frozen=True)
class StoredSQL:
    """An object of ``sqlite_master`` that must be recreated after the rebuild, as written."""

    kind: str
    name: str
    sql: str


@dataclass(frozen=True)
class TableOnDisk:
    """A table as SQLite holds it: the schema model plus what only its SQL says."""

    table: TableDef
    indexes: Mapping[str, str]
    triggers: tuple[StoredSQL, ...]
    views: tuple[StoredSQL, ...]
    """Views whose SQL names the table: SQLite refuses the rename while they point nowhere."""


_TOKEN = re.compile(r"""\s*("(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|'(?:[^']|'')*'|\w+|\S)""")
_TABLE_CONSTRAINT = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}


def _tokens(sql: str) -> Iterator[str]:
    """Words, quoted names and strings, and parenthesized groups (each as one token)."""
    position, depth, group = 0, 0, ""
    while True:
        match = _TOKEN.match(sql, position)
        if match is None:
            return
        token, position = match.group(1), match.end()
        if depth:
            group += " " + token
            depth += {"(": 1, ")": -1}.get(token, 0)
            if depth == 0:
                yield group.strip()
                group = ""
        elif token == "(":
            depth, group = 1, "("
        else:
            yield token


def _name(token: str) -> str:
    """An identifier without its quotes."""
    if len(token) >= 2 and token[0] + token[-1] in ('""', "``", "[]"):
        return token[1:-1].replace('""', '"') if token[0] == '"' else token[1:-1]
    return token


@dataclass(frozen=True)
class _ColumnClauses:
    collations: dict[str, str]
    uniques: dict[str, str]
    """Column -> name of a ``CONSTRAINT <name> UNIQUE`` in its definition."""
    foreign_keys: dict[tuple[str, str], str]
    """(column, referred table) -> name of a ``CONSTRAINT <name> REFERENCES`` in its definition."""


def _column_clauses(create_sql: str) -> _ColumnClauses:
    """What the column definitions of a ``CREATE TABLE`` say that reflection does not report."""
    body = create_sql[create_sql.index("(") + 1 : create_sql.rindex(")")]
    found = _ColumnClauses({}, {}, {})
    for clause in split_top_level(body):
        tokens = list(_tokens(clause))
        if not tokens or tokens[0].upper() in _TABLE_CONSTRAINT:
            continue
        column = _name(tokens[0])
        for i, token in enumerate(tokens):
            word = token.upper()
            if word == "COLLATE" and i + 1 < len(tokens):
                found.collations[column] = _name(tokens[i + 1])
            if word == "CONSTRAINT" and i + 2 < len(tokens):
                name, kind = _name(tokens[i + 1]), tokens[i + 2].upper()
                if kind == "UNIQUE":
                    found.uniques[column] = name
                elif kind == "REFERENCES" and i + 3 < len(tokens):
                    found.foreign_keys[(column, _name(tokens[i + 3]))] = name
    return found


def _with_collation(col: ColumnDef, collation: str | None) -> ColumnDef:
    if collation is None or not hasattr(col.type, "collation") or getattr(col.type, "collation", None):
        return col
    type_ = col.type.copy()
    type_.collation = collation
    return replace(col, type=type_)


def _named_unique(unique: UniqueDef, clauses: _ColumnClauses) -> UniqueDef:
    if unique.name is not None or len(unique.columns) != 1:
        return unique
    return replace(unique, name=clauses.uniques.get(unique.columns[0]))


def _actions(connection: Connection, table: str) -> dict[tuple[tuple[str, ...], str], tuple[str | None, str | None]]:
    """(columns, referred table) -> (ON DELETE, ON UPDATE) of each foreign key, from SQLite itself."""
    preparer = connection.dialect.identifier_preparer
    rows = connection.exec_driver_sql(f"PRAGMA foreign_key_list({preparer.quote(table)})").all()
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    found = {}
    for fk_rows in grouped.values():
        fk_rows.sort(key=lambda r: r[1])
        columns = tuple(str(r[3]) for r in fk_rows)
        on_update, on_delete = fk_rows[0][5], fk_rows[0][6]
        found[(columns, str(fk_rows[0][2]))] = (
            None if on_delete == "NO ACTION" else on_delete,
            None if on_update == "NO ACTION" else on_update,
        )
    return found


def _completed_foreign_key(fk: ForeignKeyDef, clauses: _ColumnClauses, actions: Mapping[Any, Any]) -> ForeignKeyDef:
    if fk.name is None and len(fk.columns) == 1:
        fk = replace(fk, name=clauses.foreign_keys.get((fk.columns[0], fk.referred_table)))
    ondelete, onupdate = actions.get((fk.columns, fk.referred_table), (None, None))
    return replace(fk, ondelete=fk.ondelete or ondelete, onupdate=fk.onupdate or onupdate)


def read_table(connection: Connection, name: str) -> TableOnDisk:
    reflected = reflect_schema(connection, only=[name]).get(name)
    if reflected is None:
        raise MigrationError(f"SQLite table '{name}' does not exist")
    master = sa.table("sqlite_master", sa.column("type"), sa.column("name"), sa.column("tbl_name"), sa.column("sql"))
    rows = connection.execute(
        sa.select(master.c.type, master.c.name, master.c.tbl_name, master.c.sql).where(master.c.sql.is_not(None))
    ).all()
    create_sql = next(r.sql for r in rows if r.type == "table" and r.name == name)
    options: dict[str, Any] = dict(sa.inspect(connection).get_table_options(name))
    if re.search(r"\bAUTOINCREMENT\b", create_sql, re.I):
        options["sqlite_autoincrement"] = True
    clauses = _column_clauses(create_sql)
    actions = _actions(connection, name)
    table = reflected.replace(
        columns=tuple(_with_collation(c, clauses.collations.get(c.name)) for c in reflected.columns),
        uniques=tuple(_named_unique(u, clauses) for u in reflected.uniques),
        foreign_keys=tuple(_completed_foreign_key(f, clauses, actions) for f in reflected.foreign_keys),
        dialect_options=freeze_options(options),
    )
    return TableOnDisk(
        table=table,
        indexes={r.name: r.sql for r in rows if r.type == "index" and r.tbl_name == name},
        triggers=tuple(StoredSQL("trigger", r.name, r.sql) for r in rows if r.type == "trigger" and r.tbl_name == name),
        views=tuple(StoredSQL("view", r.name, r.sql) for r in rows if r.type == "view" and sql_mentions(r.sql, name)),
    )
