"""The ``op`` functions that revision files call (``from dbshift import op``).

Each function builds an operation value and hands it to the migration context that is running
the revision (set by the runtime through :func:`using_context`). Names, positional order and
keyword arguments follow Alembic's ``op`` so existing scripts run unchanged. Plain typed
functions: no generated methods, no proxy objects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.elements import conv
from sqlalchemy.sql.expression import Executable

from dbshift.errors import DbshiftError
from dbshift.operations.arguments import built, dialect_keywords
from dbshift.operations.base import UNCHANGED, Operation, Unchanged
from dbshift.operations.batch import BatchOperations
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp, Generation
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.sql import BulkInsertOp, ExecuteOp
from dbshift.operations.table import (
    CreateTableCommentOp,
    CreateTableOp,
    DropTableCommentOp,
    DropTableOp,
    RenameTableOp,
)
from dbshift.operations.types import AlterEnumValuesOp
from dbshift.operations.types import EnumColumn as EnumColumn
from dbshift.schema.from_metadata import (
    column_def,
    dialect_options,
    identity_options,
    index_def,
    is_created,
    server_default_text,
    sql_text,
    table_def,
)
from dbshift.schema.model import CheckDef, ConstraintDef, DialectOptions, ForeignKeyDef, PrimaryKeyDef, UniqueDef
from dbshift.schema.names import fit_index_name, fit_name, fit_optional


class OperationContext(Protocol):
    """What the runtime offers a running revision."""

    @property
    def dialect(self) -> Dialect: ...

    def invoke(self, operation: Operation) -> None: ...

    def get_bind(self) -> Connection: ...

    def flush(self) -> None:
        """Carry out what the dialect is still merging (a SQLite table rebuild)."""
        ...

    def autocommit_block(self) -> contextlib.AbstractContextManager[None]:
        """Run the enclosed operations outside the revision's transaction."""
        ...


_current: ContextVar[OperationContext | None] = ContextVar("dbshift_op_context", default=None)


@contextlib.contextmanager
def using_context(context: OperationContext) -> Iterator[None]:
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)


def get_context() -> OperationContext:
    context = _current.get()
    if context is None:
        raise DbshiftError("dbshift.op is only usable inside upgrade()/downgrade() run by dbshift")
    return context


_collecting: ContextVar[list[Operation] | None] = ContextVar("dbshift_batch_steps", default=None)


@contextlib.contextmanager
def collecting(steps: list[Operation]) -> Iterator[None]:
    """Gather the operations ``op`` functions make into ``steps`` instead of running them (a
    batch block's steps, run together when it ends)."""
    token = _collecting.set(steps)
    try:
        yield
    finally:
        _collecting.reset(token)


def _run(operation: Operation) -> None:
    steps = _collecting.get()
    if steps is not None:
        steps.append(operation)
        return
    get_context().invoke(operation)


def _default(value: Any) -> str | None | Unchanged:
    """Alembic's convention: False = leave unchanged, None = remove, else the new default."""
    if value is False:
        return UNCHANGED
    return server_default_text(value, get_context().dialect)


def _generation(value: Any) -> Generation | None | Unchanged:
    """``computed=`` of ``alter_column``: False unchanged, None plain, ``sa.Computed`` generated."""
    if value is False:
        return UNCHANGED
    if value is None:
        return None
    if not isinstance(value, sa.Computed):
        raise DbshiftError(f"alter_column: computed must be an sa.Computed or None, not {value!r}")
    return (sql_text(value.sqltext, get_context().dialect), value.persisted)


def _identity_change(
    server_default: Any, existing_server_default: Any
) -> tuple[DialectOptions | None | Unchanged, DialectOptions | None | Unchanged]:
    """The identity an ``alter_column`` gives and finds (Alembic's ``server_default=sa.Identity()``,
    ``existing_server_default=sa.Identity()``); None given for a column that had one drops it."""
    existing: DialectOptions | None | Unchanged = UNCHANGED
    if isinstance(existing_server_default, sa.Identity):
        existing = identity_options(existing_server_default)
    if isinstance(server_default, sa.Identity):
        return identity_options(server_default), existing
    if server_default is None and existing is not UNCHANGED:
        return None, existing
    return UNCHANGED, existing


def _metadata() -> sa.MetaData:
    """The MetaData an op builds its objects on: with the naming convention of the
    ``target_metadata`` env.py configured (Alembic's rule), so unnamed keys get its names."""
    opts = getattr(get_context(), "opts", None) or {}
    convention = getattr(opts.get("target_metadata"), "naming_convention", None)
    return sa.MetaData(naming_convention=convention) if convention else sa.MetaData()


def _conventional(
    constraint_name: str | None, table_name: str, schema: str | None, build: Callable[[sa.Table], sa.Constraint]
) -> str | None:
    """A standalone constraint's name as the naming convention makes it (``build`` attaches the
    constraint to a throwaway table); the name given when there is no convention for it."""
    metadata = _metadata()
    if set(metadata.naming_convention) <= {"ix"}:
        return _name(constraint_name)
    try:
        name = build(sa.Table(table_name, metadata, schema=schema)).name
    except sa.exc.SQLAlchemyError:  # e.g. a %(constraint_name)s convention and no name
        return _name(constraint_name)
    return _name(str(name)) if isinstance(name, str) else None


def _columns(table: sa.Table, names: Sequence[str]) -> list[sa.Column[Any]]:
    for name in names:
        if name not in table.c:
            table.append_column(sa.Column(name, sa.types.NULLTYPE))
    return [table.c[name] for name in names]


# -- tables -------------------------------------------------------------------------------------
def create_table(table_name: str, *columns: Any, if_not_exists: bool | None = None, **kw: Any) -> sa.Table:
    table = built("create_table", f"'{table_name}'", lambda: sa.Table(table_name, _metadata(), *columns, **kw))
    definition = table_def(table, get_context().dialect, sequence_defaults=True)
    _run(CreateTableOp(definition, if_not_exists=bool(if_not_exists)))
    return table


def drop_table(table_name: str, *, schema: str | None = None, if_exists: bool | None = None, **kw: Any) -> None:
    options = dialect_keywords("drop_table", f"'{table_name}'", kw)
    _run(DropTableOp(table_name, schema, if_exists=bool(if_exists), dialect_options=options))


def rename_table(old_table_name: str, new_table_name: str, *, schema: str | None = None) -> None:
    _run(RenameTableOp(old_table_name, new_table_name, schema))


def create_table_comment(
    table_name: str, comment: str | None, *, existing_comment: str | None = None, schema: str | None = None
) -> None:
    if comment is None:
        _run(DropTableCommentOp(table_name, existing_comment, schema))
    else:
        _run(CreateTableCommentOp(table_name, comment, existing_comment, schema))


def drop_table_comment(table_name: str, *, existing_comment: str | None = None, schema: str | None = None) -> None:
    _run(DropTableCommentOp(table_name, existing_comment, schema))


# -- columns ------------------------------------------------------------------------------------
def add_column(
    table_name: str, column: sa.Column[Any], *, schema: str | None = None, if_not_exists: bool | None = None
) -> None:
    dialect = get_context().dialect
    _run(AddColumnOp(table_name, column_def(column, dialect, sequence_default=True), schema, bool(if_not_exists)))
    if column.foreign_keys and getattr(column, "table", None) is None:
        sa.Table(table_name, _metadata(), column, schema=schema)  # names its keys, as Alembic's add_column does
    for fk in column.foreign_keys:
        target = fk.target_fullname.split(".")
        ref_schema = ".".join(target[:-2]) or None
        name = fk.constraint.name if fk.constraint is not None else fk.name
        _run(
            AddConstraintOp(
                table_name,
                ForeignKeyDef(
                    (column.name,),
                    target[-2],
                    (target[-1],),
                    name=fit_optional(name, dialect),
                    referred_schema=ref_schema,
                    ondelete=fk.ondelete,
                    onupdate=fk.onupdate,
                ),
                schema,
            )
        )


def drop_column(
    table_name: str, column_name: str, *, schema: str | None = None, if_exists: bool | None = None, **kw: Any
) -> None:
    """``**kw``: dialect keywords, e.g. Alembic's ``mssql_drop_check`` (ignored elsewhere)."""
    options = dialect_keywords("drop_column", f"'{table_name}.{column_name}'", kw)
    _run(DropColumnOp(table_name, column_name, schema, if_exists=bool(if_exists), dialect_options=options))


def alter_column(
    table_name: str,
    column_name: str,
    *,
    nullable: bool | None = None,
    comment: str | None | bool = False,
    server_default: Any = False,
    new_column_name: str | None = None,
    type_: Any = None,
    existing_type: Any = None,
    existing_server_default: Any = False,
    existing_nullable: bool | None = None,
    existing_comment: str | None | bool = False,
    schema: str | None = None,
    computed: Any = False,
    existing_computed: Any = False,
    **kw: Any,
) -> None:
    """``**kw``: dialect keywords (``postgresql_using``), and MySQL's ``autoincrement`` (a change)
    and ``existing_autoincrement`` (a hint, like the ``existing_*`` arguments).

    ``computed`` (dbshift's): None makes a generated column plain, keeping its values; an
    ``sa.Computed`` makes the column generated. ``existing_computed``: its generation before."""
    options = dialect_keywords(
        "alter_column", f"'{table_name}.{column_name}'", kw, also=("autoincrement", "existing_autoincrement")
    )
    # As Alembic: the CHECK a type makes itself (non-native Enum, Boolean with create_constraint)
    # goes with the old type and comes with the new one.
    # Alembic's spelling of an identity change: server_default=sa.Identity(...) (None: dropped).
    identity, existing_identity = _identity_change(server_default, existing_server_default)
    if identity is not UNCHANGED:
        server_default = False
    if existing_identity is not UNCHANGED:
        existing_server_default = False
    if type_ is not None and existing_type is not None:
        for check in _type_checks(table_name, column_name, existing_type, schema):
            if isinstance(check.name, str):
                _run(DropConstraintOp(table_name, _name(check.name), "check", schema))
    _run(
        AlterColumnOp(
            table_name,
            column_name,
            schema,
            nullable=nullable,
            type=sa.types.to_instance(type_) if type_ is not None else None,
            server_default=_default(server_default),
            comment=UNCHANGED if comment is False else comment,  # type: ignore[arg-type]
            new_column_name=new_column_name,
            existing_type=sa.types.to_instance(existing_type) if existing_type is not None else None,
            existing_nullable=existing_nullable,
            existing_server_default=_default(existing_server_default),
            existing_comment=UNCHANGED if existing_comment is False else existing_comment,  # type: ignore[arg-type]
            dialect_options=options,
            identity=identity,
            existing_identity=existing_identity,
            computed=_generation(computed),
            existing_computed=_generation(existing_computed),
        )
    )
    if type_ is not None:
        dialect = get_context().dialect
        for check in _type_checks(table_name, new_column_name or column_name, type_, schema):
            name = check.name if isinstance(check.name, str) else None
            _run(AddConstraintOp(table_name, CheckDef(sql_text(check.sqltext, dialect), _name(name)), schema))


def _type_checks(table_name: str, column_name: str, type_: Any, schema: str | None) -> list[sa.CheckConstraint]:
    """The CHECK constraints a column of this type makes by itself."""
    instance = sa.types.to_instance(type_)
    if not getattr(instance, "create_constraint", False):
        return []
    table = sa.Table(table_name, _metadata(), sa.Column(column_name, instance.copy()), schema=schema)
    dialect = get_context().dialect
    return [c for c in table.constraints if isinstance(c, sa.CheckConstraint) and is_created(c, dialect)]


# -- indexes ------------------------------------------------------------------------------------
def create_index(
    index_name: str | None,
    table_name: str,
    columns: Sequence[str | Any],
    *,
    schema: str | None = None,
    unique: bool = False,
    if_not_exists: bool | None = None,
    **kw: Any,
) -> None:
    table = sa.Table(table_name, _metadata(), schema=schema)
    elements: list[Any] = []
    for c in columns:
        if isinstance(c, str):
            if c not in table.c:
                table.append_column(sa.Column(c, sa.types.NULLTYPE))
            elements.append(table.c[c])
        else:
            elements.append(c)
    index = built(
        "create_index",
        f"'{index_name}' on '{table_name}'",
        lambda: sa.Index(index_name, *elements, unique=unique, **kw),
    )
    _run(CreateIndexOp(table_name, index_def(index, get_context().dialect), schema, bool(if_not_exists)))


def drop_index(
    index_name: str,
    table_name: str | None = None,
    *,
    schema: str | None = None,
    if_exists: bool | None = None,
    **kw: Any,
) -> None:
    name = fit_index_name(index_name, get_context().dialect)
    options = dialect_keywords("drop_index", f"'{index_name}'", kw)
    _run(DropIndexOp(name, table_name, schema, if_exists=bool(if_exists), dialect_options=options))


# -- constraints --------------------------------------------------------------------------------
def _name(value: str | None) -> str | None:
    """A constraint name as the backend holds it: an over-long one (``op.f()`` or plain) is
    shortened as SQLAlchemy shortens naming-convention names, so a drop finds what a create made."""
    return fit_name(value, get_context().dialect) if value is not None else None


def create_primary_key(
    constraint_name: str | None, table_name: str, columns: list[str], *, schema: str | None = None, **kw: Any
) -> None:
    """``**kw`` (a dbshift addition, for what autogenerate reads from models): dialect keywords,
    as ``sa.PrimaryKeyConstraint`` takes them (``postgresql_include``, ``mysql_using``...)."""
    what = _what(constraint_name, table_name)
    con = built("create_primary_key", what, lambda: sa.PrimaryKeyConstraint(*columns, **kw))
    name = _conventional(
        constraint_name,
        table_name,
        schema,
        lambda t: sa.PrimaryKeyConstraint(*_columns(t, columns), name=constraint_name),
    )
    pk = PrimaryKeyDef(tuple(columns), name, dialect_options(con, get_context().dialect))
    _run(AddConstraintOp(table_name, pk, schema))


def _what(constraint_name: str | None, table_name: str) -> str:
    return f"'{constraint_name}' on '{table_name}'" if constraint_name else f"on '{table_name}'"


def create_unique_constraint(
    constraint_name: str | None, table_name: str, columns: Sequence[str], *, schema: str | None = None, **kw: Any
) -> None:
    """``**kw``: ``deferrable``, ``initially`` and dialect keywords, as ``sa.UniqueConstraint`` takes them."""
    what = _what(constraint_name, table_name)
    con = built("create_unique_constraint", what, lambda: sa.UniqueConstraint(*columns, **kw))
    name = _conventional(
        constraint_name, table_name, schema, lambda t: sa.UniqueConstraint(*_columns(t, columns), name=constraint_name)
    )
    unique = UniqueDef(
        tuple(columns),
        name,
        deferrable=con.deferrable,
        initially=con.initially,
        dialect_options=dialect_options(con, get_context().dialect),
    )
    _run(AddConstraintOp(table_name, unique, schema))


def create_foreign_key(
    constraint_name: str | None,
    source_table: str,
    referent_table: str,
    local_cols: list[str],
    remote_cols: list[str],
    *,
    onupdate: str | None = None,
    ondelete: str | None = None,
    deferrable: bool | None = None,
    initially: str | None = None,
    match: str | None = None,
    source_schema: str | None = None,
    referent_schema: str | None = None,
    **dialect_kw: Any,
) -> None:
    con = built(
        "create_foreign_key",
        _what(constraint_name, source_table),
        lambda: sa.ForeignKeyConstraint(local_cols, [f"{referent_table}.{c}" for c in remote_cols], **dialect_kw),
    )
    prefix = f"{referent_schema}.{referent_table}" if referent_schema else referent_table
    name = _conventional(
        constraint_name,
        source_table,
        source_schema,
        lambda t: sa.ForeignKeyConstraint(
            _columns(t, local_cols), [f"{prefix}.{c}" for c in remote_cols], name=constraint_name
        ),
    )
    fk = ForeignKeyDef(
        tuple(local_cols),
        referent_table,
        tuple(remote_cols),
        name=name,
        referred_schema=referent_schema,
        ondelete=ondelete,
        onupdate=onupdate,
        deferrable=deferrable,
        initially=initially,
        match=match,
        dialect_options=dialect_options(con, get_context().dialect),
    )
    _run(AddConstraintOp(source_table, fk, source_schema))


def create_check_constraint(
    constraint_name: str | None, table_name: str, condition: str | Any, *, schema: str | None = None, **kw: Any
) -> None:
    """``**kw``: ``deferrable``, ``initially`` and dialect keywords, as ``sa.CheckConstraint`` takes them."""
    dialect = get_context().dialect
    text = sql_text(condition, dialect)
    con = built(
        "create_check_constraint", _what(constraint_name, table_name), lambda: sa.CheckConstraint(sa.text(text), **kw)
    )
    name = _conventional(
        constraint_name, table_name, schema, lambda t: sa.CheckConstraint(sa.text(text), name=constraint_name, table=t)
    )
    check = CheckDef(
        text,
        name,
        deferrable=con.deferrable,
        initially=con.initially,
        dialect_options=dialect_options(con, dialect),
    )
    _run(AddConstraintOp(table_name, check, schema))


def drop_constraint(
    constraint_name: str | None,
    table_name: str,
    type_: str | None = None,
    *,
    schema: str | None = None,
    if_exists: bool | None = None,
    columns: Sequence[str] | None = None,
    referent_table: str | None = None,
    remote_cols: Sequence[str] | None = None,
    referent_schema: str | None = None,
    condition: str | Any = None,
    constraint: ConstraintDef | None = None,
    **kw: Any,
) -> None:
    """Named constraints need only their name. An *unnamed* one (SQLite's, which its table
    rebuild drops) is picked by its definition, keywords dbshift adds: ``columns`` for a
    unique; ``columns``, ``referent_table`` (and optionally ``remote_cols``,
    ``referent_schema``) for a foreign key; ``condition`` for a CHECK. ``constraint`` is the
    whole definition, as the table holds it."""
    options = dialect_keywords("drop_constraint", _what(constraint_name, table_name), kw)
    if constraint is None and constraint_name is None:
        constraint = _unnamed_definition(type_, columns, referent_table, remote_cols, referent_schema, condition)
    _run(
        DropConstraintOp(
            table_name,
            _name(constraint_name),
            type_,
            schema,
            constraint=constraint,
            if_exists=bool(if_exists),
            dialect_options=options,
        )
    )


def _unnamed_definition(
    type_: str | None,
    columns: Sequence[str] | None,
    referent_table: str | None,
    remote_cols: Sequence[str] | None,
    referent_schema: str | None,
    condition: Any,
) -> ConstraintDef | None:
    """The definition ``drop_constraint(None, ...)`` gives of the unnamed constraint to drop."""
    if type_ == "unique" and columns:
        return UniqueDef(tuple(columns), None)
    if type_ == "foreignkey" and columns and referent_table:
        return ForeignKeyDef(tuple(columns), referent_table, tuple(remote_cols or ()), referred_schema=referent_schema)
    if type_ == "check" and condition is not None:
        return CheckDef(sql_text(condition, get_context().dialect), None)
    return None


# -- enum types ---------------------------------------------------------------------------------
def alter_enum_values(
    name: str,
    values: Sequence[str],
    *,
    existing_values: Sequence[str],
    schema: str | None = None,
    columns: Sequence[EnumColumn] = (),
    autocommit: bool = True,
) -> None:
    """Change the values of PostgreSQL's enum type ``name`` from ``existing_values`` to ``values``
    (a no-op on other backends, whose enums live in their columns: use ``alter_column``).

    Values only added are ``ALTER TYPE ... ADD VALUE``, run outside the revision's transaction
    so that the rest of the revision can use them; ``autocommit=False`` keeps them inside it
    (PostgreSQL 12 and later), where they cannot be used before the revision commits. Any other
    change replaces the type within the transaction and moves ``columns`` (``op.EnumColumn``:
    every column using the type) over; rows holding a value that goes stop it with nothing
    changed. Reversible: the downgrade is the same call with the two lists swapped.
    """
    new, old = tuple(values), tuple(existing_values)
    for what, found in (("values", new), ("existing_values", old)):
        if not all(isinstance(v, str) for v in found) or len(set(found)) != len(found):
            raise DbshiftError(f"alter_enum_values('{name}'): {what} must be distinct strings")
    if not new:
        raise DbshiftError(f"alter_enum_values('{name}'): an enum type needs at least one value")
    if new == old:
        return
    _run(AlterEnumValuesOp(name, new, old, schema, tuple(columns), autocommit))


# -- SQL and data -------------------------------------------------------------------------------
def execute(sqltext: str | Executable, *, execution_options: Mapping[str, Any] | None = None) -> None:
    _run(ExecuteOp(sqltext, execution_options))


def bulk_insert(table: sa.Table | sa.TableClause, rows: list[dict[str, Any]], *, multiinsert: bool = True) -> None:
    _run(BulkInsertOp(table, rows, multiinsert))


def inline_literal(value: str | int | float | None, type_: Any = None) -> sa.BindParameter[Any]:
    """A value rendered inline in the SQL, so it also works in --sql mode."""
    return sa.literal(value, type_).render_literal_execute() if value is not None else sa.null()  # type: ignore[return-value]


def get_bind() -> Connection:
    return get_context().get_bind()


def f(name: str) -> conv:
    """Mark a constraint name as final, exempt from naming conventions."""
    return conv(name)


# -- batch mode ---------------------------------------------------------------------------------
@contextlib.contextmanager
def batch_alter_table(
    table_name: str,
    schema: str | None = None,
    recreate: str = "auto",
    partial_reordering: Any = None,
    copy_from: sa.Table | None = None,
    table_args: tuple[Any, ...] = (),
    table_kwargs: Mapping[str, Any] | None = None,
    reflect_args: tuple[Any, ...] = (),
    reflect_kwargs: Mapping[str, Any] | None = None,
    naming_convention: Mapping[str, Any] | None = None,
) -> Iterator[BatchOperations]:
    """Alembic's batch block; see :mod:`dbshift.operations.batch` for why it needs nothing more."""
    if recreate not in ("auto", "always", "never"):
        raise DbshiftError(f"batch_alter_table('{table_name}'): recreate must be 'auto', 'always' or 'never'")
    batch = BatchOperations(table_name, schema)
    yield batch  # a step that fails, or an error in the block, leaves the gathered steps unrun
    batch.run()
    get_context().flush()
