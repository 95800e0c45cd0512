"""Constraint and index names that fit the backend.

A name longer than the dialect allows (``max_identifier_length``: 63 on PostgreSQL, 64 on
MySQL/MariaDB, per kind where the dialect says so) is shortened the way SQLAlchemy's compiler
shortens an over-long naming-convention (``conv()``) name: its first ``limit - 8`` characters,
``_`` and the last 4 hex digits of its md5. SQLAlchemy refuses a plain over-long name (and
MariaDB would too); dbshift shortens every name the same way, wherever it comes from (``op.f()``
or a plain string in a revision, a model's naming convention), so the name an operation creates
is the name a later ``drop_*`` of the same text finds and the name reflection reports back.
The shortening is SQLAlchemy's own (its identifier preparer), so models created with
``create_all`` and tables migrated by dbshift carry the same names.
"""

from __future__ import annotations

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import conv


def fit_name(name: str, dialect: Dialect) -> str:
    """A constraint name (primary key, foreign key, unique, check) that fits the backend."""
    preparer = dialect.identifier_preparer
    return str(preparer.truncate_and_render_constraint_name(conv(name), _alembic_quote=False))


def fit_index_name(name: str, dialect: Dialect) -> str:
    """An index name that fits the backend."""
    preparer = dialect.identifier_preparer
    return str(preparer.truncate_and_render_index_name(conv(name), _alembic_quote=False))


def fit_optional(name: object, dialect: Dialect, *, index: bool = False) -> str | None:
    """A name that fits, or None where there is no name (SQLAlchemy's "unnamed" placeholders)."""
    if not isinstance(name, str):
        return None
    return fit_index_name(name, dialect) if index else fit_name(name, dialect)
