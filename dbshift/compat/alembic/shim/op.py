"""``alembic.op``: dbshift's ``op`` functions, plus the operations projects register themselves.

The functions are dbshift's (:mod:`dbshift.operations.api`), running against the migration
context of the revision being run. A name registered with ``Operations.register_operation``
resolves to that operation, bound to the current context.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from dbshift.compat.alembic.shim.operations.base import BatchOperations, Operations
from dbshift.operations import api
from dbshift.operations.api import (
    EnumColumn,
    add_column,
    alter_column,
    alter_enum_values,
    bulk_insert,
    create_check_constraint,
    create_foreign_key,
    create_index,
    create_primary_key,
    create_table,
    create_table_comment,
    create_unique_constraint,
    drop_column,
    drop_constraint,
    drop_index,
    drop_table,
    drop_table_comment,
    execute,
    f,
    get_bind,
    inline_literal,
    rename_table,
)
from dbshift.runtime.context import MigrationContext

__all__ = [
    "EnumColumn",
    "add_column",
    "alter_column",
    "alter_enum_values",
    "batch_alter_table",
    "bulk_insert",
    "create_check_constraint",
    "create_foreign_key",
    "create_index",
    "create_primary_key",
    "create_table",
    "create_table_comment",
    "create_unique_constraint",
    "drop_column",
    "drop_constraint",
    "drop_index",
    "drop_table",
    "drop_table_comment",
    "execute",
    "f",
    "get_bind",
    "get_context",
    "implementation_for",
    "inline_literal",
    "invoke",
    "register_operation",
    "rename_table",
]

register_operation = Operations.register_operation
implementation_for = Operations.implementation_for


def get_context() -> MigrationContext:
    context = api.get_context()
    assert isinstance(context, MigrationContext)
    return context


def _operations() -> Operations:
    return Operations(get_context())


def invoke(operation: Any) -> Any:
    return _operations().invoke(operation)


@contextlib.contextmanager
def batch_alter_table(table_name: str, schema: str | None = None, **kw: Any) -> Iterator[BatchOperations]:
    with _operations().batch_alter_table(table_name, schema, **kw) as batch:
        yield batch


def __getattr__(name: str) -> Any:
    if name in Operations._registry:
        return getattr(_operations(), name)
    raise AttributeError(f"module 'alembic.op' has no attribute '{name}'")
