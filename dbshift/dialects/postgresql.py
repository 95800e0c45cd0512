"""PostgreSQL: the generic ALTER COLUMN forms apply; DDL is transactional.

Native ENUM columns need their named type to exist first: creating a table or adding a column
emits ``CREATE TYPE`` for each enum type the database does not have yet (always in ``--sql``
mode, where the database cannot be asked).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.dialects.postgresql.named_types import CreateEnumType
from sqlalchemy.sql.expression import Executable

from dbshift.dialects.base import DialectImpl
from dbshift.operations.column import AddColumnOp
from dbshift.operations.table import CreateTableOp
from dbshift.schema.model import ColumnDef


class PostgresqlImpl(DialectImpl):
    name = "postgresql"

    def _enum_types(self, columns: Iterable[ColumnDef], schema: str | None) -> list[Executable]:
        out: list[Executable] = []
        seen: set[str] = set()
        for col in columns:
            type_: Any = col.type
            if not isinstance(type_, sa.Enum) or not type_.native_enum or not type_.name:
                continue
            enum = type_ if isinstance(type_, ENUM) else type_.adapt(ENUM)  # type: ignore[no-untyped-call]
            name: str = type_.name
            type_schema = enum.schema or schema
            if name in seen:
                continue
            seen.add(name)
            if self.lookup is not None and self.lookup.has_type(name, type_schema):
                continue
            out.append(CreateEnumType(enum))
        return out

    def do_CreateTableOp(self, op: CreateTableOp) -> list[Executable]:
        return [*self._enum_types(op.table.columns, op.table.schema), *super().do_CreateTableOp(op)]

    def do_AddColumnOp(self, op: AddColumnOp) -> list[Executable]:
        return [*self._enum_types((op.column,), op.schema), *super().do_AddColumnOp(op)]
