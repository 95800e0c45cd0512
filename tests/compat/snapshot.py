"""A database's reflected schema and rows as plain JSON-able data, to compare two databases.

Used in the test process (for the database dbshift migrated) and in the child process that runs
the real Alembic (``alembic_driver.py``), so it imports nothing but SQLAlchemy and the standard
library: never dbshift, never Alembic.

What is compared: every table's columns (name, type as the dialect reflects it, nullable,
server default), primary key, indexes, unique constraints, foreign keys and check constraints
(with their names), PostgreSQL enum types and their labels, views, and every row of every table
in primary-key order (the order of an autoincrement log table shows the order revisions ran in).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

Snapshot = dict[str, Any]


def _norm_sql(text: object) -> str | None:
    if text is None:
        return None
    return " ".join(str(text).split())


def _type_text(column_type: Any) -> str:
    enums = getattr(column_type, "enums", None)
    text = repr(column_type) if enums else str(column_type)
    return re.sub(r"\s+", " ", text)


def _value(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _table(inspector: sa.Inspector, connection: sa.Connection, name: str, schema: str | None) -> dict[str, Any]:
    columns = [
        {
            "name": c["name"],
            "type": _type_text(c["type"]),
            "nullable": bool(c["nullable"]),
            # Alembic's table copy (batch recreate) on PostgreSQL leaves the id sequence named
            # after its temporary table; the table is the same.
            "default": _norm_sql(str(c["default"]).replace("_alembic_tmp_", "") if c.get("default") else None),
        }
        for c in inspector.get_columns(name, schema=schema)
    ]
    pk = inspector.get_pk_constraint(name, schema=schema)
    indexes = sorted(
        (
            {
                "name": ix["name"],
                "columns": list(ix["column_names"]),
                "unique": bool(ix["unique"]),
            }
            for ix in inspector.get_indexes(name, schema=schema)
        ),
        key=lambda ix: str(ix["name"]),
    )
    uniques = sorted(
        (
            {"name": uq["name"], "columns": list(uq["column_names"])}
            for uq in inspector.get_unique_constraints(name, schema=schema)
        ),
        key=lambda uq: (str(uq["name"]), uq["columns"]),
    )
    fks = sorted(
        (
            {
                "name": fk["name"],
                "columns": list(fk["constrained_columns"]),
                "referred": [fk["referred_table"], list(fk["referred_columns"])],
                "ondelete": (fk.get("options") or {}).get("ondelete"),
            }
            for fk in inspector.get_foreign_keys(name, schema=schema)
        ),
        key=lambda fk: (str(fk["name"]), fk["columns"]),
    )
    try:
        checks = sorted(
            (
                {"name": ck["name"], "sql": _norm_sql(ck["sqltext"])}
                for ck in inspector.get_check_constraints(name, schema=schema)
            ),
            key=lambda ck: (str(ck["name"]), str(ck["sql"])),
        )
    except NotImplementedError:
        checks = []
    table = sa.Table(name, sa.MetaData(), autoload_with=connection, schema=schema)
    order = [table.c[c] for c in pk["constrained_columns"]] or list(table.c)
    rows = [[_value(v) for v in row] for row in connection.execute(sa.select(table).order_by(*order))]
    return {
        "columns": columns,
        "pk": {"name": pk.get("name"), "columns": list(pk["constrained_columns"])},
        "indexes": indexes,
        "uniques": uniques,
        "foreign_keys": fks,
        "checks": checks,
        "rows": rows,
    }


def snapshot(url: str, version_tables: tuple[str, ...] = ("alembic_version",), schema: str | None = None) -> Snapshot:
    """The schema and data of the database at ``url``; version tables show only their rows, and
    dbshift's applied-migration log beside each (``<version_table>_log``) is left out: Alembic
    keeps none, and its rows hold times and process ids."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            tables: dict[str, Any] = {}
            versions: dict[str, list[str]] = {}
            for name in sorted(inspector.get_table_names(schema=schema)):
                if name in version_tables:
                    rows = connection.execute(sa.text(f"SELECT version_num FROM {name}")).scalars()
                    versions[name] = sorted(rows)
                    continue
                if name.endswith("_log") and name.removesuffix("_log") in version_tables:
                    continue
                tables[name] = _table(inspector, connection, name, schema)
            views = sorted(inspector.get_view_names(schema=schema))
            enums: list[Any] = []
            if connection.dialect.name == "postgresql":
                enums = sorted(
                    [e["name"], list(e["labels"])]
                    for e in inspector.get_enums(schema=schema)  # type: ignore[attr-defined]
                    if e.get("visible", True)
                )
            return {"tables": tables, "versions": versions, "views": views, "enums": enums}
    finally:
        engine.dispose()


def differences(left: Snapshot, right: Snapshot, path: str = "") -> list[str]:
    """Where two snapshots differ, one line per difference (empty when equal)."""
    if isinstance(left, dict) and isinstance(right, dict):
        out: list[str] = []
        for key in sorted(set(left) | set(right), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in left:
                out.append(f"{where}: only in the second ({right[key]!r})")
            elif key not in right:
                out.append(f"{where}: only in the first ({left[key]!r})")
            else:
                out += differences(left[key], right[key], where)
        return out
    if left != right:
        return [f"{path}: {left!r} != {right!r}"]
    return []
