"""PostgreSQL: the generic ALTER COLUMN forms apply; DDL is transactional."""

from __future__ import annotations

from dbshift.dialects.base import DialectImpl


class PostgresqlImpl(DialectImpl):
    name = "postgresql"
