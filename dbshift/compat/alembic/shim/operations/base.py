"""``alembic.operations``' ``Operations`` and ``BatchOperations``, with Alembic's plugin API.

A project registers its own operation (a :class:`MigrateOperation` subclass) with
``@Operations.register_operation("name")`` — which makes ``op.name(...)`` call the class's
``name`` classmethod with the current ``Operations`` — and says how to carry it out with
``@Operations.implementation_for(ItsClass)``, a function given ``(operations, operation)`` that
typically calls ``operations.execute(...)``. Everything else an ``Operations`` offers is
dbshift's own ``op`` API, run against the migration context the object was made for.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping
from types import SimpleNamespace
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa

from dbshift.compat.alembic.shim.util.exc import CommandError
from dbshift.operations import api
from dbshift.operations.base import Operation
from dbshift.operations.batch import BatchOperations as NativeBatch
from dbshift.runtime.context import MigrationContext

__all__ = ["BatchOperations", "Operations"]

C = TypeVar("C", bound=type)
F = TypeVar("F", bound=Callable[..., Any])

_IMPLEMENTATIONS: dict[type, Callable[[Any, Any], Any]] = {}
"""Operation class -> the function carrying it out; shared by Operations and BatchOperations."""

# dbshift's op functions that an Operations object offers as methods.
_OP_FUNCTIONS = frozenset(
    {
        "add_column",
        "alter_column",
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
        "inline_literal",
        "rename_table",
    }
)


def _call_in(context: MigrationContext, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def call(*args: Any, **kw: Any) -> Any:
        with api.using_context(context):
            return fn(*args, **kw)

    return call


class _PluginAPI:
    """Alembic's registration class methods; each subclass keeps its own registry of names."""

    _registry: ClassVar[dict[str, Callable[..., Any]]]

    @classmethod
    def register_operation(cls, name: str, sourcename: str | None = None) -> Callable[[C], C]:
        """Make ``op.<name>(...)`` call the decorated class's ``<sourcename or name>`` classmethod."""

        def register(op_cls: C) -> C:
            fn = getattr(op_cls, sourcename or name, None)
            if not callable(fn):
                raise CommandError(
                    f"{op_cls.__name__} has no classmethod '{sourcename or name}' to register as op.{name}()"
                )
            cls._registry[name] = fn
            return op_cls

        return register

    @classmethod
    def implementation_for(cls, op_cls: type) -> Callable[[F], F]:
        """Register the function that carries out ``op_cls``: called with (operations, operation)."""

        def register(fn: F) -> F:
            _IMPLEMENTATIONS[op_cls] = fn
            return fn

        return register


class Operations(_PluginAPI):
    """What ``op`` is in a revision file, for one migration context."""

    _registry: ClassVar[dict[str, Callable[..., Any]]] = {}

    def __init__(self, migration_context: MigrationContext, impl: Any = None) -> None:
        self.migration_context = migration_context
        self.impl = impl if impl is not None else migration_context.impl

    def invoke(self, operation: Any) -> Any:
        """Carry out an operation: a registered implementation, or dbshift's own for its operations."""
        for klass in type(operation).__mro__:
            fn = _IMPLEMENTATIONS.get(klass)
            if fn is not None:
                with api.using_context(self.migration_context):
                    return fn(self, operation)
        if isinstance(operation, Operation):
            with api.using_context(self.migration_context):
                self.migration_context.invoke(operation)
            return None
        raise CommandError(
            f"no implementation for operation {type(operation).__name__}: register one with "
            f"@Operations.implementation_for({type(operation).__name__})"
        )

    # -- the op API ----------------------------------------------------------------------------
    def get_context(self) -> MigrationContext:
        return self.migration_context

    @contextlib.contextmanager
    def batch_alter_table(self, table_name: str, schema: str | None = None, **kw: Any) -> Iterator[BatchOperations]:
        with api.using_context(self.migration_context), api.batch_alter_table(table_name, schema, **kw) as native:
            yield BatchOperations(self.migration_context, native, kw.get("naming_convention"))

    def __getattr__(self, name: str) -> Any:
        registered = type(self)._registry.get(name)
        if registered is not None:
            return _call_in(self.migration_context, functools.partial(registered, self))
        if name in _OP_FUNCTIONS:
            return _call_in(self.migration_context, getattr(api, name))
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")


class BatchOperations(_PluginAPI):
    """What ``op.batch_alter_table(...)`` yields: dbshift's batch operations plus the plugins
    registered with ``@BatchOperations.register_operation``."""

    _registry: ClassVar[dict[str, Callable[..., Any]]] = {}

    def __init__(
        self,
        migration_context: MigrationContext,
        native: NativeBatch,
        naming_convention: Mapping[str, Any] | None = None,
    ) -> None:
        self.migration_context = migration_context
        self.native = native
        self.naming_convention = dict(naming_convention or {})
        """The block's ``naming_convention``: names for the table's unnamed constraints, as Alembic
        gives them to the table it reflects (SQLite keeps no name for an unnamed UNIQUE)."""
        self.impl = SimpleNamespace(
            table_name=native.table_name, schema=native.schema, migration_context=migration_context
        )

    def invoke(self, operation: Any) -> Any:
        """Run a plugin operation where it was written: after the steps the block gathered so far."""
        with api.using_context(self.migration_context):
            self.native.run()
        return Operations(self.migration_context).invoke(operation)

    def get_context(self) -> MigrationContext:
        return self.migration_context

    def get_bind(self) -> Any:
        return self.migration_context.connection

    def f(self, name: str) -> Any:
        return api.f(name)

    def drop_constraint(self, constraint_name: str | None, type_: str | None = None, **kw: Any) -> None:
        columns = self._unnamed_unique(constraint_name) if type_ == "unique" else None
        with api.using_context(self.migration_context):
            if columns is not None:
                self.native.drop_constraint(None, type_, columns=columns)
            else:
                self.native.drop_constraint(constraint_name, type_, **kw)

    def _unnamed_unique(self, constraint_name: str | None) -> list[str] | None:
        """The columns of the table's unnamed unique constraint that the block's naming
        convention names ``constraint_name``, if the table has no constraint of that name."""
        lookup = getattr(self.migration_context.impl, "lookup", None)
        connection = self.migration_context.connection or getattr(lookup, "connection", None)
        if "uq" not in self.naming_convention or constraint_name is None or connection is None:
            return None
        table, schema = self.native.table_name, self.native.schema
        insp = sa.inspect(connection)
        if not insp.has_table(table, schema=schema):
            return None
        uniques = insp.get_unique_constraints(table, schema=schema)
        if any(u.get("name") == constraint_name for u in uniques):
            return None
        for unique in uniques:
            if unique.get("name"):
                continue
            stand_in = sa.Table(table, sa.MetaData(naming_convention=self.naming_convention), schema=schema)
            cols = [sa.Column(c, sa.types.NULLTYPE) for c in unique["column_names"]]
            for col in cols:
                stand_in.append_column(col)
            if sa.UniqueConstraint(*cols).name == constraint_name:
                return list(unique["column_names"])
        return None

    def __getattr__(self, name: str) -> Any:
        registered = type(self)._registry.get(name)
        if registered is not None:
            return _call_in(self.migration_context, functools.partial(registered, self))
        found = getattr(self.native, name, None)
        if found is None or name.startswith("_"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return _call_in(self.migration_context, found)
