"""Decide whether a model's column matches what the database reflects, without false positives.

Databases report types and defaults in their own spelling (``character varying``,
``TINYINT(1)``, ``'abc'::character varying``, ``(now())``). Both sides are compiled by the same
dialect and brought to one spelling here, kept apart from DDL generation.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType, TypeEngine

_SYNONYMS: dict[str, str] = {
    "INT": "INTEGER",
    "INT4": "INTEGER",
    "INT8": "BIGINT",
    "INT2": "SMALLINT",
    "BOOL": "BOOLEAN",
    "CHARACTER VARYING": "VARCHAR",
    "CHARACTER": "CHAR",
    "DECIMAL": "NUMERIC",
    "DOUBLE": "DOUBLE PRECISION",
    "FLOAT8": "DOUBLE PRECISION",
    "FLOAT4": "REAL",
    "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
    "TIME WITHOUT TIME ZONE": "TIME",
    "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
}

_MYSQL_INT = re.compile(r"^(TINYINT|SMALLINT|MEDIUMINT|INTEGER|BIGINT)\(\d+\)")
_CAST = re.compile(r"::[a-zA-Z_][\w ]*(\[\])*(\(\d+(,\s*\d+)?\))?")


def type_sql(type_: TypeEngine[Any], dialect: Dialect) -> str | None:
    try:
        return str(dialect.type_compiler_instance.process(type_))
    except Exception:
        return None


def normalize_type_sql(sql: str, dialect_name: str) -> str:
    text = " ".join(sql.upper().split())
    text = re.sub(r"\s*,\s*", ", ", text)
    text = re.sub(r"\s+COLLATE\s+\S+", "", text)
    text = re.sub(r"\s+CHARACTER SET\s+\S+", "", text)
    if dialect_name in ("mysql", "mariadb"):
        if text in ("BOOL", "BOOLEAN", "TINYINT(1)"):
            return "BOOLEAN"
        text = _MYSQL_INT.sub(r"\1", text)
        if text == "JSON":
            text = "LONGTEXT"
        if dialect_name == "mariadb" and text == "LONGTEXT":
            return "LONGTEXT"
    if dialect_name == "postgresql" and text == "FLOAT":
        text = "DOUBLE PRECISION"
    base, paren, rest = text.partition("(")
    base = _SYNONYMS.get(base.strip(), base.strip())
    return base + (paren + rest if paren else "")


def types_equal(model_type: TypeEngine[Any], db_type: TypeEngine[Any], dialect: Dialect) -> bool:
    """True when the database column's type is what the model declares, as this dialect sees it."""
    if isinstance(model_type, NullType) or isinstance(db_type, NullType):
        return True
    model_sql = type_sql(model_type, dialect)
    db_sql = type_sql(db_type, dialect)
    if model_sql is None or db_sql is None:
        return type(model_type)._type_affinity is type(db_type)._type_affinity  # noqa: SLF001
    return normalize_type_sql(model_sql, dialect.name) == normalize_type_sql(db_sql, dialect.name)


_NOW = {"now()", "current_timestamp()", "current_timestamp", "localtimestamp", "getdate()"}


def normalize_default(text: str | None, dialect_name: str) -> str | None:
    if text is None:
        return None
    value = text.strip()
    while value.startswith("(") and value.endswith(")") and _balanced(value[1:-1]):
        value = value[1:-1].strip()
    if dialect_name == "postgresql":
        value = _CAST.sub("", value)
        while value.startswith("(") and value.endswith(")") and _balanced(value[1:-1]):
            value = value[1:-1].strip()
    if dialect_name in ("mysql", "mariadb") and value.upper() == "NULL":
        return None
    lowered = value.lower()
    if lowered in _NOW:
        return "current_timestamp"
    if lowered in ("true", "false"):
        return "1" if lowered == "true" else "0"
    if len(value) >= 2 and value[0] == value[-1] == "'":
        inner = value[1:-1]
        if re.fullmatch(r"-?\d+(\.\d+)?", inner):
            return inner
        return "'" + inner + "'"
    return lowered if re.fullmatch(r"[a-z_]+\(\)", lowered) else value


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def defaults_equal(model_default: str | None, db_default: str | None, dialect_name: str) -> bool:
    model = normalize_default(model_default, dialect_name)
    db = normalize_default(db_default, dialect_name)
    if model is None and db is not None and db.lower().startswith("nextval("):
        return True  # a SERIAL column's sequence, not a declared default
    return model == db
