"""Operations that run SQL or move data rather than change structure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import Executable

from dbshift.operations.base import Operation


@dataclass(frozen=True)
class ExecuteOp(Operation):
    sqltext: str | Executable = field(compare=False)
    execution_options: Mapping[str, Any] | None = field(default=None, compare=False)

    def describe(self) -> str:
        text = self.sqltext if isinstance(self.sqltext, str) else type(self.sqltext).__name__
        return f"execute {text[:60]}"


@dataclass(frozen=True)
class BulkInsertOp(Operation):
    table: sa.Table | sa.TableClause = field(compare=False)
    rows: Sequence[Mapping[str, Any]] = field(compare=False)
    multiinsert: bool = True

    def describe(self) -> str:
        return f"insert {len(self.rows)} rows into '{self.table.name}'"
