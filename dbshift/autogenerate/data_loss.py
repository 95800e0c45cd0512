"""Which operations can lose data: a pure function over one operation, no database.

:func:`data_loss` says in one line what an operation can destroy, or returns None:

* dropping a table (``drops table old_items (and its rows)``) or a column
  (``drops column packages.name``);
* a type change that can truncate or reject stored values: a shorter ``VARCHAR`` / binary
  length, ``Text`` to ``String(n)``, smaller numeric precision or scale, ``Numeric`` to
  ``Integer``, a wider integer to a narrower one (or a change of sign on MySQL), ``DateTime``
  to ``Date`` or ``Time``, fewer enum values, and any change between type families
  (``String`` to ``Integer``...), where the database must convert each value.

Adds, renames, nullability and default changes and widening type changes (``VARCHAR(50)`` to
``VARCHAR(200)``, ``Integer`` to ``BigInteger``, ``Date`` to ``DateTime``, an integer to a
``Numeric`` with room for its digits) are not data loss. A type change whose old type is not
known (a hand-written ``alter_column`` without ``existing_type``) cannot be judged and is not
reported. Autogenerate prints these lines as warnings and the renderer writes them as a
comment on the operation's line, in ``upgrade()`` and ``downgrade()`` alike.
"""

from __future__ import annotations

import importlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

from dbshift.operations.base import UNCHANGED, Operation
from dbshift.operations.column import AlterColumnOp, DropColumnOp
from dbshift.operations.table import DropTableOp
from dbshift.schema.model import table_key

_INTEGER_BYTES = {"TINYINT": 1, "SMALLINT": 2, "MEDIUMINT": 3, "INTEGER": 4, "BIGINT": 8}
_INTEGER_DIGITS = {1: 3, 2: 5, 3: 8, 4: 10, 8: 19}
"""Decimal digits a signed integer of so many bytes can need."""


def data_loss(op: Operation) -> str | None:
    """What ``op`` can destroy, in one line (without a prefix), or None when it keeps all data."""
    if isinstance(op, DropTableOp):
        return f"drops table {table_key(op.table_name, op.schema)} (and its rows)"
    if isinstance(op, DropColumnOp) and op.column is not None and op.column.computed is not None:
        # Computed from the other columns: added back generated (autogenerate's way of changing
        # one), nothing is lost; added back plain, its values are.
        label = f"{table_key(op.table_name, op.schema)}.{op.column_name}"
        return f"drops generated column {label} (its values come back only if it is added back generated)"
    if isinstance(op, DropColumnOp):
        return f"drops column {table_key(op.table_name, op.schema)}.{op.column_name}"
    if isinstance(op, AlterColumnOp) and op.computed is not UNCHANGED and op.computed is not None:
        label = f"{table_key(op.table_name, op.schema)}.{op.column_name}"
        return f"{label} made generated: its values are replaced by computed ones"
    if (
        isinstance(op, AlterColumnOp)
        and op.type is not None
        and op.existing_type is not None
        and narrows(op.existing_type, op.type)
    ):
        label = f"{table_key(op.table_name, op.schema)}.{op.column_name}"
        return f"{label} {show_type(op.existing_type)} -> {show_type(op.type)} may truncate values"
    return None


def show_type(type_: TypeEngine[Any]) -> str:
    """The type as DDL (``VARCHAR(50)``), or its ``repr`` if the generic compiler cannot write it."""
    module = type(type_).__module__
    dialect = None
    if module.startswith("sqlalchemy.dialects."):  # MySQL's UNSIGNED needs MySQL's compiler
        dialect = importlib.import_module(f"sqlalchemy.dialects.{module.split('.')[2]}").dialect()
    try:
        return str(type_.compile(dialect=dialect))
    except sa.exc.CompileError:  # a type the compiler cannot write (a user type without DDL)
        return repr(type_)


def _family(type_: TypeEngine[Any]) -> str:
    """The kind of values a type holds; a change between families converts every value."""
    if isinstance(type_, sa.TypeDecorator):
        return _family(type_.impl_instance)
    checks: tuple[tuple[str, type[Any]], ...] = (
        ("boolean", sa.Boolean),
        ("enum", sa.Enum),
        ("string", sa.String),
        ("integer", sa.Integer),
        ("float", sa.Float),
        ("numeric", sa.Numeric),
        ("datetime", sa.DateTime),
        ("date", sa.Date),
        ("time", sa.Time),
        ("interval", sa.Interval),
        ("binary", sa.types._Binary),
        ("json", sa.JSON),
        ("uuid", sa.Uuid),
    )
    for name, cls in checks:
        if isinstance(type_, cls):
            return name
    if type(type_).__name__ == "INTERVAL":  # PostgreSQL's INTERVAL is not an sa.Interval
        return "interval"
    return f"other:{type(type_).__module__}.{type(type_).__name__}"


def narrows(old: TypeEngine[Any], new: TypeEngine[Any]) -> bool:
    """Whether changing a column from ``old`` to ``new`` can truncate, round or reject values."""
    if isinstance(old, sa.TypeDecorator):
        old = old.impl_instance
    if isinstance(new, sa.TypeDecorator):
        new = new.impl_instance
    before, after = _family(old), _family(new)
    if before == after:
        return _narrows_within(before, old, new)
    if (before, after) == ("date", "datetime"):
        return False
    if before == "integer" and after == "numeric":
        precision, scale = _precision(new)
        return precision is not None and precision - (scale or 0) < _INTEGER_DIGITS[_integer_bytes(old)]
    if before == "enum" and after == "string":
        length = getattr(new, "length", None)
        return length is not None and length < max((len(v) for v in _enum_values(old)), default=0)
    return True


def _narrows_within(family: str, old: TypeEngine[Any], new: TypeEngine[Any]) -> bool:
    if family in ("string", "binary"):
        old_length, new_length = getattr(old, "length", None), getattr(new, "length", None)
        return new_length is not None and (old_length is None or new_length < old_length)
    if family == "enum":
        return not set(_enum_values(old)) <= set(_enum_values(new))
    if family == "integer":
        old_bytes, new_bytes = _integer_bytes(old), _integer_bytes(new)
        old_unsigned, new_unsigned = bool(getattr(old, "unsigned", False)), bool(getattr(new, "unsigned", False))
        if old_unsigned == new_unsigned:
            return new_bytes < old_bytes
        # Unsigned to signed keeps every value only in a wider type; signed to unsigned loses negatives.
        return new_unsigned or new_bytes <= old_bytes
    if family == "numeric":
        (old_precision, old_scale), (new_precision, new_scale) = _precision(old), _precision(new)
        if new_precision is not None and (old_precision is None or new_precision < old_precision):
            return True
        return new_scale is not None and (old_scale is None or new_scale < old_scale)
    if family == "float":
        return _float_bits(new) < _float_bits(old)
    if family in ("datetime", "date", "time", "interval", "boolean", "json", "uuid"):
        return False
    return repr(old) != repr(new)  # an unknown type: only an identical one is known to be safe


def _integer_bytes(type_: TypeEngine[Any]) -> int:
    if isinstance(type_, sa.BigInteger):
        return 8
    if isinstance(type_, sa.SmallInteger):
        return 2
    return _INTEGER_BYTES.get(type(type_).__name__, 4)


def _precision(type_: TypeEngine[Any]) -> tuple[int | None, int | None]:
    return getattr(type_, "precision", None), getattr(type_, "scale", None)


def _float_bits(type_: TypeEngine[Any]) -> int:
    """Mantissa bits: a ``Double`` / ``DOUBLE PRECISION`` 53, a ``REAL`` 24, else its precision."""
    if isinstance(type_, sa.Double):
        return 53
    if type(type_).__name__ == "REAL":
        return 24
    precision = getattr(type_, "precision", None)
    return int(precision) if precision is not None else 53


def _enum_values(type_: TypeEngine[Any]) -> tuple[str, ...]:
    return tuple(getattr(type_, "enums", ()) or ())
