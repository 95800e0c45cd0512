"""Checking the keyword arguments that ``op`` functions pass on, so none is dropped silently.

Where Alembic hands keywords to a SQLAlchemy construct (``sa.Index``, ``sa.UniqueConstraint``,
``sa.Table``...), so does dbshift, and SQLAlchemy's own validation applies: a misspelt keyword
or one a dialect does not know is an error. Its message is turned into a one-line error naming
the ``op`` function. Where no construct takes them (``drop_table``, ``drop_column``,
``drop_constraint``, ``drop_index``, ``alter_column``), only ``<dialect>_<name>`` keywords are
accepted, for the dialect to use or refuse (:mod:`dbshift.dialects.keywords`); anything else is
an unexpected keyword.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import registry

from dbshift.errors import DbshiftError
from dbshift.schema.model import DialectOptions, freeze_options

T = TypeVar("T")


@functools.cache
def is_dialect_name(name: str) -> bool:
    """Whether SQLAlchemy has a dialect of this name (``postgresql``, ``mssql``...)."""
    try:
        registry.load(name)
    except sa.exc.NoSuchModuleError:
        return False
    return True


def dialect_keywords(function: str, what: str, kw: Mapping[str, Any], *, also: Iterable[str] = ()) -> DialectOptions:
    """``kw`` as dialect options, after checking each is ``<dialect>_<name>`` (or in ``also``)."""
    allowed = set(also)
    for key in kw:
        prefix = key.split("_", 1)[0] if "_" in key else ""
        if key not in allowed and not (prefix and is_dialect_name(prefix)):
            raise DbshiftError(f"{function} {what}: unexpected keyword argument '{key}'")
    return freeze_options(kw)


def built(function: str, what: str, factory: Callable[[], T]) -> T:
    """A SQLAlchemy construct built from an ``op`` function's arguments; SQLAlchemy's refusal of
    an argument becomes a one-line error naming the function."""
    try:
        return factory()
    except (TypeError, sa.exc.ArgumentError) as exc:
        raise DbshiftError(f"{function} {what}: {' '.join(str(exc).split())}") from exc
