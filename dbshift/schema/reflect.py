"""Turn a live database into the schema model, with SQLAlchemy's bulk ``get_multi_*`` reflection.

One round of bulk calls reflects every table at once, so the cost does not grow with a query
per table. Dialect quirks (unique constraints that also show up as indexes, indexes a foreign
key created implicitly) are smoothed out here so that comparison sees one truth.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dbshift.schema.model import (
    CheckDef,
    ColumnDef,
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
    if not names:
        return SchemaDef()
    kw: dict[str, Any] = {"schema": schema, "filter_names": names}
    columns = insp.get_multi_columns(**kw)
    pks = _multi(insp.get_multi_pk_constraint, **kw)
    fks = _multi(insp.get_multi_foreign_keys, **kw)
    indexes = _multi(insp.get_multi_indexes, **kw)
    uniques = _multi(insp.get_multi_unique_constraints, **kw)
    checks = _multi(insp.get_multi_check_constraints, **kw)
    comments = _multi(insp.get_multi_table_comment, **kw)
    tables = []
    for name in names:
        key = (schema, name)
        # MySQL reports a UNIQUE constraint twice: as the constraint and as its backing index.
        backing = {u.get("duplicates_index") for u in uniques.get(key, ())} - {None}
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
                        (UniqueDef(tuple(u["column_names"]), u.get("name")) for u in uniques.get(key, ())),
                        key=lambda u: u.columns,
                    )
                ),
                checks=tuple(CheckDef(c["sqltext"], c.get("name")) for c in checks.get(key, ())),
                indexes=tuple(
                    sorted(
                        (
                            _index(ix)
                            for ix in indexes.get(key, ())
                            if not ix.get("duplicates_constraint")
                            and ix.get("name")
                            and ix["name"] not in backing
                        ),
                        key=lambda i: i.name,
                    )
                ),
                comment=(comments.get(key) or {}).get("text"),
            )
        )
    return SchemaDef.of(tables)


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
        identity=bool(c.get("identity")),
    )


def _pk(pk: Mapping[str, Any] | None) -> PrimaryKeyDef | None:
    if not pk or not pk.get("constrained_columns"):
        return None
    return PrimaryKeyDef(tuple(pk["constrained_columns"]), pk.get("name"))


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
    )


def _index(ix: Mapping[str, Any]) -> IndexDef:
    names = list(ix.get("column_names") or [])
    expressions = list(ix.get("expressions") or names)
    columns = tuple(n if n is not None else str(expressions[i]) for i, n in enumerate(names))
    flags = tuple(n is None for n in names)
    return IndexDef(
        name=ix["name"],
        columns=columns,
        unique=bool(ix.get("unique")),
        dialect_options=freeze_options(ix.get("dialect_options")),
        expressions=flags if any(flags) else (),
    )
