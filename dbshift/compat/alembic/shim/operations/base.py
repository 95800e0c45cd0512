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
from dbshift.schema.model import ConstraintDef, ForeignKeyDef, UniqueDef

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
        unnamed = self._unnamed(constraint_name, type_)
        with api.using_context(self.migration_context):
            if unnamed is not None:
                self.native.drop_constraint(None, type_, constraint=unnamed)
            else:
                self.native.drop_constraint(constraint_name, type_, **kw)

    def _unnamed(self, constraint_name: str | None, type_: str | None) -> ConstraintDef | None:
        """The table's unnamed unique constraint or foreign key that the block's naming
        convention names ``constraint_name`` (SQLite keeps no name for them), if the table has
        no constraint of that name; as the table rebuild reads it, so that it drops that one."""
        kind = {"unique": "uq", "foreignkey": "fk"}.get(type_ or "")
        context = self.migration_context
        lookup = getattr(context.impl, "lookup", None)
        connection = context.connection or getattr(lookup, "connection", None)
        if kind not in self.naming_convention or constraint_name is None or connection is None:
            return None
        if connection.dialect.name != "sqlite" or self.native.schema is not None:
            return None
        from dbshift.dialects.sqlite_disk import read_table

        table = self.native.table_name
        if not sa.inspect(connection).has_table(table):
            return None
        current = read_table(connection, table).table
        if current.constraint(constraint_name) is not None:
            return None
        candidates: list[UniqueDef | ForeignKeyDef] = list(current.uniques if kind == "uq" else current.foreign_keys)
        for candidate in candidates:
            if candidate.name is None and self._conventional_name(table, candidate) == constraint_name:
                return candidate
        return None

    def _conventional_name(self, table: str, constraint: UniqueDef | ForeignKeyDef) -> str | None:
        stand_in = sa.Table(table, sa.MetaData(naming_convention=self.naming_convention))
        cols = [sa.Column(c, sa.types.NULLTYPE) for c in constraint.columns]
        for col in cols:
            stand_in.append_column(col)
        made: sa.Constraint
        if isinstance(constraint, ForeignKeyDef):
            referred = (
                f"{constraint.referred_schema}.{constraint.referred_table}"
                if constraint.referred_schema
                else constraint.referred_table
            )
            made = sa.ForeignKeyConstraint(cols, [f"{referred}.{c}" for c in constraint.referred_columns])
        else:
            made = sa.UniqueConstraint(*cols)
        return str(made.name) if isinstance(made.name, str) else None

    def __getattr__(self, name: str) -> Any:
        registered = type(self)._registry.get(name)
        if registered is not None:
            return _call_in(self.migration_context, functools.partial(registered, self))
        found = getattr(self.native, name, None)
        if found is None or name.startswith("_"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return _call_in(self.migration_context, found)
