"""``op.batch_alter_table``: the ``op`` functions for one table, as existing histories use them.

dbshift needs no batch mode to change a SQLite table: what ALTER TABLE cannot do is rebuilt
automatically and consecutive changes to one table are merged into one rebuild. The block is
kept so Alembic-era revisions run unchanged, with Alembic's meaning: its steps are gathered and
run together when the block ends, in an order that does not depend on how they were written
(:mod:`dbshift.operations.batch_order`: an index may be created on a column added further
down, a column dropped before the constraint on it), then the merged rebuild is carried out.
``batch_op.execute()`` runs the steps gathered so far first, so SQL still sees what was written
before it. ``recreate``, ``copy_from``, ``table_args`` and the like are accepted and not needed:
dbshift reads the table's definition from the database and rebuilds exactly when it must.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import conv

from dbshift.operations import api
from dbshift.operations.base import Operation
from dbshift.operations.batch_order import batch_order


class BatchOperations:
    """The subset of ``op`` that concerns one table, with its name filled in."""

    def __init__(self, table_name: str, schema: str | None = None) -> None:
        self.table_name = table_name
        self.schema = schema
        self._steps: list[Operation] = []

    def run(self) -> None:
        """Run the steps gathered so far, in batch order."""
        steps, self._steps = self._steps, []
        context = api.get_context()
        for operation in batch_order(steps):
            context.invoke(operation)

    def _gather(self) -> contextlib.AbstractContextManager[None]:
        return api.collecting(self._steps)

    def add_column(
        self,
        column: sa.Column[Any],
        *,
        insert_before: str | None = None,
        insert_after: str | None = None,
        if_not_exists: bool | None = None,
    ) -> None:
        with self._gather():
            api.add_column(self.table_name, column, schema=self.schema, if_not_exists=if_not_exists)

    def drop_column(self, column_name: str, **kw: Any) -> None:
        with self._gather():
            api.drop_column(self.table_name, column_name, schema=self.schema, **kw)

    def alter_column(
        self, column_name: str, *, insert_before: str | None = None, insert_after: str | None = None, **kw: Any
    ) -> None:
        """``insert_before``/``insert_after`` (as in ``add_column``) place a column in Alembic's
        recreated table; dbshift keeps columns where they are, so they are accepted and unused."""
        with self._gather():
            api.alter_column(self.table_name, column_name, schema=self.schema, **kw)

    def create_index(self, index_name: str | None, columns: Sequence[Any], **kw: Any) -> None:
        with self._gather():
            api.create_index(index_name, self.table_name, columns, schema=self.schema, **kw)

    def drop_index(self, index_name: str, **kw: Any) -> None:
        with self._gather():
            api.drop_index(index_name, self.table_name, schema=self.schema, **kw)

    def create_unique_constraint(self, constraint_name: str | None, columns: Sequence[str], **kw: Any) -> None:
        with self._gather():
            api.create_unique_constraint(constraint_name, self.table_name, columns, schema=self.schema, **kw)

    def create_foreign_key(
        self,
        constraint_name: str | None,
        referent_table: str,
        local_cols: list[str],
        remote_cols: list[str],
        **kw: Any,
    ) -> None:
        with self._gather():
            api.create_foreign_key(
                constraint_name,
                self.table_name,
                referent_table,
                local_cols,
                remote_cols,
                source_schema=self.schema,
                **kw,
            )

    def create_check_constraint(self, constraint_name: str | None, condition: Any, **kw: Any) -> None:
        with self._gather():
            api.create_check_constraint(constraint_name, self.table_name, condition, schema=self.schema, **kw)

    def create_primary_key(self, constraint_name: str | None, columns: list[str], **kw: Any) -> None:
        with self._gather():
            api.create_primary_key(constraint_name, self.table_name, columns, schema=self.schema, **kw)

    def drop_constraint(self, constraint_name: str | None, type_: str | None = None, **kw: Any) -> None:
        with self._gather():
            api.drop_constraint(constraint_name, self.table_name, type_, schema=self.schema, **kw)

    def create_table_comment(self, comment: str | None, *, existing_comment: str | None = None) -> None:
        with self._gather():
            api.create_table_comment(self.table_name, comment, existing_comment=existing_comment, schema=self.schema)

    def drop_table_comment(self, *, existing_comment: str | None = None) -> None:
        with self._gather():
            api.drop_table_comment(self.table_name, existing_comment=existing_comment, schema=self.schema)

    def execute(self, sqltext: Any, **kw: Any) -> None:
        self.run()  # what was written before the SQL happens before it
        api.execute(sqltext, **kw)

    # -- the helpers every ``op`` has, on the batch too (Alembic's BatchOperations inherits them)
    def f(self, name: str) -> conv:
        return api.f(name)

    def inline_literal(self, value: str | int | float | None, type_: Any = None) -> sa.BindParameter[Any]:
        return api.inline_literal(value, type_)

    def get_bind(self) -> Connection:
        return api.get_bind()

    def get_context(self) -> api.OperationContext:
        return api.get_context()
