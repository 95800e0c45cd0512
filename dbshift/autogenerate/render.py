"""Render operations as the Python source of a revision's ``upgrade()`` / ``downgrade()`` body.

The output calls the ``op`` functions of :mod:`dbshift.operations.api` and assumes the revision
file already has ``import sqlalchemy as sa`` and ``from dbshift import op``; anything else it
needs (dialect type modules, user type modules) is listed in :attr:`RenderedOps.imports`.
The contract, checked by the tests: executing the rendered body records operations equal to
the rendered ones (minus the definitions a drop carries only for its reverse, which the ``op``
functions do not take).

Types are rendered from their ``repr()``, prefixed with the module they come from: ``sa.`` for
SQLAlchemy's generic types, ``postgresql.`` / ``mysql.`` / ... for dialect types, the full module
path for user types. Types nested in a type (``ARRAY`` items, ``JSONB.astext_type``) and
``with_variant()`` variants are rendered the same way.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

from dbshift.autogenerate.data_loss import data_loss
from dbshift.autogenerate.layout import WIDTH, layout_body
from dbshift.autogenerate.naming import invented_name
from dbshift.errors import DbshiftError
from dbshift.operations.base import UNCHANGED, Operation, Unchanged
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import CONSTRAINT_KINDS, AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.sql import ExecuteOp
from dbshift.operations.table import (
    CreateTableCommentOp,
    CreateTableOp,
    DropTableCommentOp,
    DropTableOp,
    RenameTableOp,
)
from dbshift.operations.types import AlterEnumValuesOp, CreateEnumTypeOp, DropEnumTypeOp, EnumColumn
from dbshift.schema.model import (
    CheckDef,
    ColumnDef,
    ConstraintDef,
    ForeignKeyDef,
    IndexDef,
    TableDef,
    UniqueDef,
)

MAX_WIDTH = WIDTH
"""ruff's default line length, which the written bodies keep to (see :mod:`.layout`)."""


BODY_INDENT = 4
"""Where the writer puts the body (inside ``def upgrade()``): the layout counts it in the width."""


class RenderError(DbshiftError):
    """An operation cannot be written as revision source (e.g. a non-text SQL statement)."""


@dataclass(frozen=True)
class RenderedOps:
    body: str
    """Python statements, not indented (the writer indents); ``pass`` when there are no ops."""
    imports: tuple[str, ...]
    """Import lines the body needs besides ``sa`` and ``op``; sorted, without duplicates."""


class _Src(str):
    """Python source to insert as is (not a string value to quote)."""


def quote(text: str) -> str:
    """A Python literal for ``text``: double-quoted unless the text holds a double quote."""
    literal = repr(text)
    if '"' in text or literal.startswith('"'):
        return literal
    # Single-quoted repr of text without any quote character: only the delimiters change.
    return f'"{literal[1:-1]}"'


def _lit(value: object) -> str:
    if isinstance(value, _Src):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    if isinstance(value, sa.TextClause):
        return _text(value.text)
    if isinstance(value, sa.ClauseElement):
        return _text(str(value.compile(compile_kwargs={"literal_binds": True})))
    return repr(value)


def _text(sql: str) -> _Src:
    return _Src(f"sa.text({quote(sql)})")


def _kw(**values: object) -> list[str]:
    """Keyword arguments, skipping those whose value is None."""
    return [f"{key}={_lit(value)}" for key, value in values.items() if value is not None]


def _options(options: Iterable[tuple[str, Any]]) -> list[str]:
    """Dialect keywords; an SQL condition (``sqlite_where``, ``postgresql_where``) held as text is
    written as ``sa.text()``, which SQLAlchemy's compilers take (SQLite's takes no plain string)."""
    return [
        f"{key}={_text(value) if key.endswith('_where') and isinstance(value, str) else _lit(value)}"
        for key, value in options
    ]


def _inline(func: str, args: Sequence[str]) -> str:
    return f"{func}({', '.join(args)})"


def _call(
    func: str, args: Sequence[str], *, multiline: bool = False, note: str | None = None, width: int = MAX_WIDTH
) -> str:
    """A call statement on one line; :func:`render_ops` lays it out (see :mod:`.layout`).

    ``multiline`` ends the arguments with a comma, which keeps them one per line (a magic
    trailing comma, as ``ruff format`` honours it). ``note`` is written as a trailing comment
    (``# data loss: ...``) after the closing parenthesis. ``width`` is kept for callers; the
    layout decides the line breaks.
    """
    comment = f"  # {note}" if note else ""
    if multiline and args:
        return f"{func}({', '.join(args)},){comment}"
    return _inline(func, args) + comment


@dataclass(frozen=True)
class _TableCall:
    """An ``op.<func>(...)`` call on one table, which can also be written for a batch block."""

    func: str
    args: tuple[str, ...]
    table_position: int | None
    """Where the table name is among the positional arguments (None: passed as ``table_name=``)."""
    note: str | None = None
    """A trailing comment for the call (what it can destroy), see :mod:`.data_loss`."""

    def render(self) -> str:
        return _call(f"op.{self.func}", self.args, note=self.note)

    def for_batch(self) -> str:
        """``batch_op.<func>(...)``: the table (and its schema) come from the block."""
        args = [a for i, a in enumerate(self.args) if i != self.table_position]
        dropped = ("schema=", "source_schema=", "table_name=")
        kept = [a for a in args if not a.startswith(dropped)]
        return _call(f"batch_op.{self.func}", kept, note=self.note, width=MAX_WIDTH - 4)


@dataclass
class RenderContext:
    """What env.py's rendering hooks see (Alembic's ``autogen_context``): ``imports`` they may add
    to, the ``configure()`` options, the migration context."""

    opts: dict[str, Any] = field(default_factory=dict)
    migration_context: Any = None
    imports: set[str] = field(default_factory=set)

    @property
    def render_item(self) -> Any:
        return self.opts.get("render_item")

    @property
    def user_module_prefix(self) -> str | None:
        prefix = self.opts.get("user_module_prefix")
        return str(prefix) if prefix else None


class _Imports(set[str]):
    """The import lines a rendering needs, carrying the env.py hooks it honours."""

    def __init__(self, context: RenderContext | None = None) -> None:
        super().__init__()
        self.context = context


# -- types --------------------------------------------------------------------------------------
def render_type(type_: TypeEngine[Any]) -> tuple[str, set[str]]:
    """Source for ``type_`` and the import lines it needs (``sa`` itself is assumed)."""
    imports: set[str] = set()
    return _type(type_, imports), imports


def _hooked(kind: str, obj: Any, imports: set[str]) -> str | None:
    """env.py's ``render_item(kind, obj, autogen_context)``: its text, or None for the default."""
    context: RenderContext | None = getattr(imports, "context", None)
    if context is None or not callable(context.render_item):
        return None
    result = context.render_item(kind, obj, context)
    imports.update(context.imports)
    return result if isinstance(result, str) else None


def _type(type_: TypeEngine[Any], imports: set[str]) -> str:
    hooked = _hooked("type", type_, imports)
    if hooked is not None:
        return hooked
    text = _prefix(type(type_), imports) + repr(type_)
    for sub in _nested_types(type_):
        rendered = _type(sub, imports)
        # Not after a word character or a dot: "Text()" must not match "sa.Text()" or "UnicodeText()".
        pattern = r"(?<![\w.])" + re.escape(repr(sub))
        text = re.sub(pattern, rendered.replace("\\", "\\\\"), text)
    variants: dict[str, TypeEngine[Any]] = dict(getattr(type_, "_variant_mapping", None) or {})
    for dialect_name, variant in variants.items():
        text += f".with_variant({_type(variant, imports)}, {quote(dialect_name)})"
    return text


def _nested_types(type_: TypeEngine[Any]) -> list[TypeEngine[Any]]:
    """Types held by ``type_`` as instance attributes or constructor arguments with class defaults."""
    try:
        names = set(inspect.signature(type(type_).__init__).parameters)
    except (TypeError, ValueError):  # pragma: no cover - builtin or odd constructors
        names = set()
    values = [getattr(type_, name, None) for name in sorted(names | set(vars(type_)))]
    return [v for v in values if isinstance(v, TypeEngine) and v is not type_]


def _prefix(cls: type, imports: set[str]) -> str:
    module, name = cls.__module__, cls.__name__
    if module.startswith("sqlalchemy.dialects."):
        dialect = module.split(".")[2]
        package = importlib.import_module(f"sqlalchemy.dialects.{dialect}")
        if getattr(package, name, None) is cls:
            imports.add(f"from sqlalchemy.dialects import {dialect}")
            return f"{dialect}."
    elif module.startswith("sqlalchemy."):
        if getattr(sa, name, None) is cls:
            return "sa."
        if getattr(sa.types, name, None) is cls:
            return "sa.types."
    context: RenderContext | None = getattr(imports, "context", None)
    prefix = context.user_module_prefix if context is not None else None
    if prefix:  # env.py names the module its user types are imported from
        return prefix
    imports.add(f"import {module}")
    return f"{module}."


# -- schema pieces ------------------------------------------------------------------------------
def _column(col: ColumnDef, imports: set[str]) -> str:
    args = [quote(col.name), _type(col.type, imports)]
    if col.computed is not None:
        persisted = _kw(persisted=col.computed_persisted)
        args.append(_inline("sa.Computed", [quote(col.computed), *persisted]))
    if col.identity:
        args.append(_inline("sa.Identity", _options(col.identity_options)))
    args.append(f"nullable={col.nullable!r}")
    server_default = _text(col.server_default) if col.server_default is not None else None
    autoincrement = None if col.autoincrement == "auto" else col.autoincrement
    args += _kw(server_default=server_default, comment=col.comment, autoincrement=autoincrement)
    args += _options(col.dialect_options)
    return _inline("sa.Column", args)


def _colspec(fk: ForeignKeyDef, column: str) -> str:
    table = f"{fk.referred_schema}.{fk.referred_table}" if fk.referred_schema else fk.referred_table
    return f"{table}.{column}"


def _fk_options(fk: ForeignKeyDef) -> list[str]:
    args = _kw(ondelete=fk.ondelete, onupdate=fk.onupdate, deferrable=fk.deferrable, initially=fk.initially)
    return [*args, *_kw(match=fk.match), *_options(fk.dialect_options)]


def _constraint_options(con: UniqueDef | CheckDef) -> list[str]:
    """``deferrable``, ``initially`` and the dialect keywords (``postgresql_nulls_not_distinct``...)."""
    return [*_kw(deferrable=con.deferrable, initially=con.initially), *_options(con.dialect_options)]


def _table_constraints(table: TableDef) -> list[str]:
    items: list[str] = []
    pk = table.primary_key
    if pk is not None:
        args = [*map(quote, pk.columns), *_kw(name=pk.name), *_options(pk.dialect_options)]
        items.append(_inline("sa.PrimaryKeyConstraint", args))
    for fk in table.foreign_keys:
        args = [_lit(fk.columns), _lit([_colspec(fk, c) for c in fk.referred_columns])]
        args += [*_kw(name=fk.name), *_fk_options(fk), *_kw(use_alter=fk.use_alter or None)]
        items.append(_inline("sa.ForeignKeyConstraint", args))
    for uq in table.uniques:
        args = [*map(quote, uq.columns), *_kw(name=uq.name), *_constraint_options(uq)]
        items.append(_inline("sa.UniqueConstraint", args))
    for ck in table.checks:
        items.append(_inline("sa.CheckConstraint", [quote(ck.sqltext), *_kw(name=ck.name), *_constraint_options(ck)]))
    return items


def _create_table(op: CreateTableOp, imports: set[str]) -> list[str]:
    table = op.table
    args = [quote(table.name), *(_column(c, imports) for c in table.columns), *_table_constraints(table)]
    args += _kw(schema=table.schema, comment=table.comment)
    args += _options(table.dialect_options)
    args += _kw(if_not_exists=op.if_not_exists or None)
    statements = [_call("op.create_table", args, multiline=True)]
    for index in table.indexes:
        statements.append(_create_index(table.name, index, table.schema, op.if_not_exists))
    return statements


def _create_index(table_name: str, index: IndexDef, schema: str | None, if_not_exists: bool) -> str:
    return _index_call(table_name, index, schema, if_not_exists).render()


def _index_call(table_name: str, index: IndexDef, schema: str | None, if_not_exists: bool) -> _TableCall:
    elements = [_text(c) if index.is_expression(position) else quote(c) for position, c in enumerate(index.columns)]
    args = [quote(index.name), quote(table_name), "[" + ", ".join(elements) + "]", f"unique={index.unique!r}"]
    args += _kw(schema=schema, if_not_exists=if_not_exists or None)
    args += _options(index.dialect_options)
    return _TableCall("create_index", tuple(args), 1)


def _add_constraint(op: AddConstraintOp) -> str:
    return _constraint_call(op).render()


def _constraint_call(op: AddConstraintOp) -> _TableCall:
    con, table, schema = op.constraint, quote(op.table_name), _kw(schema=op.schema)
    name = _lit(con.name) if con.name is not None else "None"
    if isinstance(con, ForeignKeyDef):
        args = [name, table, quote(con.referred_table), _lit(con.columns), _lit(con.referred_columns)]
        args += _fk_options(con)
        args += _kw(source_schema=op.schema, referent_schema=con.referred_schema)
        return _TableCall("create_foreign_key", tuple(args), 1)
    if isinstance(con, UniqueDef):
        args = [name, table, _lit(con.columns), *schema, *_constraint_options(con)]
        return _TableCall("create_unique_constraint", tuple(args), 1)
    if isinstance(con, CheckDef):
        args = [name, table, quote(con.sqltext), *schema, *_constraint_options(con)]
        return _TableCall("create_check_constraint", tuple(args), 1)
    args = [name, table, _lit(con.columns), *schema, *_options(con.dialect_options)]
    return _TableCall("create_primary_key", tuple(args), 1)


def _constraint_kind(con: ConstraintDef | None) -> str | None:
    return CONSTRAINT_KINDS[type(con)] if con is not None else None


def _enum_type(op: CreateEnumTypeOp | DropEnumTypeOp, imports: set[str]) -> str:
    """SQLAlchemy's own CREATE TYPE / DROP TYPE statement, which also works in ``--sql`` mode
    (``sa.Enum(...).create(op.get_bind())`` needs a connection)."""
    imports.add("from sqlalchemy.dialects import postgresql")
    enum = op.enum
    args = [*map(quote, enum.values), f"name={quote(enum.name)}", *_kw(schema=enum.schema)]
    statement = "CreateEnumType" if isinstance(op, CreateEnumTypeOp) else "DropEnumType"
    return _call("op.execute", [f"postgresql.{statement}({_inline('postgresql.ENUM', args)})"])


def _enum_values(op: AlterEnumValuesOp) -> str:
    """``op.alter_enum_values(...)``, naming the columns that use the type (which a replacement
    of the type moves over, and which ``--sql`` mode cannot ask the database for)."""
    args = [quote(op.name), _lit(op.values), f"existing_values={_lit(op.existing_values)}", *_kw(schema=op.schema)]
    if op.columns:
        items = [_enum_column(c) for c in op.columns]
        inline = f"columns=[{', '.join(items)}]"
        # Too long for its own line in the call: one column a line, as ruff format writes it.
        fits = len(inline) + 5 <= MAX_WIDTH
        args.append(inline if fits else "columns=[\n" + "".join(f"        {i},\n" for i in items) + "    ]")
    if not op.autocommit:
        args.append("autocommit=False")
    return _call("op.alter_enum_values", args)


def _enum_column(col: EnumColumn) -> str:
    args = [quote(col.table), quote(col.column)]
    args += _kw(schema=col.schema, server_default=col.server_default, array=col.array or None)
    return _inline("op.EnumColumn", args)


# -- column changes -----------------------------------------------------------------------------
def _default_arg(key: str, value: str | None | Unchanged) -> list[str]:
    """A ``server_default``-like argument: UNCHANGED is omitted, None (drop the default) kept."""
    if value is UNCHANGED:
        return []
    return [f"{key}={'None' if value is None else _text(value)}"]


def _alter_column(op: AlterColumnOp, imports: set[str]) -> str:
    return _alter_call(op, imports).render()


def _alter_call(op: AlterColumnOp, imports: set[str]) -> _TableCall:
    args = [quote(op.table_name), quote(op.column_name)]
    if op.existing_type is not None:
        args.append(f"existing_type={_type(op.existing_type, imports)}")
    if op.type is not None:
        args.append(f"type_={_type(op.type, imports)}")
    args += _kw(nullable=op.nullable, existing_nullable=op.existing_nullable)
    for key, default, identity in (
        ("server_default", op.server_default, op.identity),
        ("existing_server_default", op.existing_server_default, op.existing_identity),
    ):
        if op.identity is UNCHANGED or identity is UNCHANGED:
            args += _default_arg(key, default)
        else:  # Alembic's spelling of an identity change: server_default=sa.Identity(...) or None
            args.append(
                f"{key}={_inline('sa.Identity', _kw(**dict(identity)))}" if identity is not None else f"{key}=None"
            )
    for key, comment in (("comment", op.comment), ("existing_comment", op.existing_comment)):
        if comment is not UNCHANGED:
            args.append(f"{key}={_lit(comment)}")
    for key, generation in (("computed", op.computed), ("existing_computed", op.existing_computed)):
        if generation is not UNCHANGED:  # dbshift's: a generated column made plain, or back
            computed = [quote(generation[0]), *_kw(persisted=generation[1])] if generation is not None else []
            args.append(f"{key}={_inline('sa.Computed', computed)}" if generation is not None else f"{key}=None")
    args += _kw(new_column_name=op.new_column_name, schema=op.schema)
    args += _options(op.dialect_options)
    return _TableCall("alter_column", tuple(args), 0)


# -- dispatch -----------------------------------------------------------------------------------
def _note(op: Operation) -> str | None:
    """The comment written on an operation's line: what it can destroy, or that its
    constraint's name is autogenerate's, if anything."""
    loss = data_loss(op)
    return f"data loss: {loss}" if loss is not None else invented_name(op)


def _render_op(op: Operation, imports: set[str]) -> list[str]:
    if isinstance(op, CreateTableOp):
        return _create_table(op, imports)
    if isinstance(op, DropTableOp):
        args = [quote(op.table_name), *_kw(schema=op.schema, if_exists=op.if_exists or None)]
        return [_call("op.drop_table", [*args, *_options(op.dialect_options)], note=_note(op))]
    if isinstance(op, RenameTableOp):
        args = [quote(op.old_table_name), quote(op.new_table_name), *_kw(schema=op.schema)]
        return [_call("op.rename_table", args)]
    if isinstance(op, CreateTableCommentOp):
        args = [quote(op.table_name), quote(op.comment)]
        args += _kw(existing_comment=op.existing_comment, schema=op.schema)
        return [_call("op.create_table_comment", args)]
    if isinstance(op, DropTableCommentOp):
        args = [quote(op.table_name), *_kw(existing_comment=op.existing_comment, schema=op.schema)]
        return [_call("op.drop_table_comment", args)]
    call = _table_call(op, imports)
    if call is not None:
        return [call.render()]
    if isinstance(op, (CreateEnumTypeOp, DropEnumTypeOp)):
        return [_enum_type(op, imports)]
    if isinstance(op, AlterEnumValuesOp):
        return [_enum_values(op)]
    if isinstance(op, ExecuteOp):
        if isinstance(op.sqltext, str):
            sql = quote(op.sqltext)
        elif isinstance(op.sqltext, sa.TextClause):
            sql = _text(op.sqltext.text)
        else:
            raise RenderError(f"cannot render {op.describe()}: only SQL text can be written to a revision")
        options = [f"execution_options={op.execution_options!r}"] if op.execution_options else []
        return [_call("op.execute", [sql, *options])]
    raise RenderError(f"cannot render {op.describe()}: no renderer for {type(op).__name__}")


def _table_call(op: Operation, imports: set[str]) -> _TableCall | None:
    """The call of an operation on one existing table (what a batch block can hold), else None;
    it carries the operation's data-loss comment."""
    call = _plain_table_call(op, imports)
    note = _note(op) if call is not None else None
    return replace(call, note=note) if call is not None and note is not None else call


def _plain_table_call(op: Operation, imports: set[str]) -> _TableCall | None:
    if isinstance(op, AddColumnOp):
        args = [quote(op.table_name), _column(op.column, imports)]
        args += _kw(schema=op.schema, if_not_exists=op.if_not_exists or None)
        return _TableCall("add_column", tuple(args), 0)
    if isinstance(op, DropColumnOp):
        args = [quote(op.table_name), quote(op.column_name)]
        args += _kw(schema=op.schema, if_exists=op.if_exists or None)
        return _TableCall("drop_column", (*args, *_options(op.dialect_options)), 0)
    if isinstance(op, AlterColumnOp):
        return _alter_call(op, imports)
    if isinstance(op, CreateIndexOp):
        return _index_call(op.table_name, op.index, op.schema, op.if_not_exists)
    if isinstance(op, DropIndexOp):
        args = [quote(op.index_name)]
        args += _kw(table_name=op.table_name, schema=op.schema, if_exists=op.if_exists or None)
        return _TableCall("drop_index", (*args, *_options(op.dialect_options)), None)
    if isinstance(op, AddConstraintOp):
        return _constraint_call(op)
    if isinstance(op, DropConstraintOp):
        name = _lit(op.constraint_name) if op.constraint_name is not None else "None"
        type_ = op.type_ or _constraint_kind(op.constraint)
        args = [name, quote(op.table_name), *_kw(type_=type_, schema=op.schema, if_exists=op.if_exists or None)]
        if op.constraint_name is None:
            args += _unnamed_definition(op.constraint)
        return _TableCall("drop_constraint", (*args, *_options(op.dialect_options)), 1)
    return None


def _unnamed_definition(con: ConstraintDef | None) -> list[str]:
    """The keywords by which ``drop_constraint(None, ...)`` finds an unnamed constraint."""
    if isinstance(con, UniqueDef):
        return [f"columns={_lit(con.columns)}"]
    if isinstance(con, ForeignKeyDef):
        found = [f"columns={_lit(con.columns)}", f"referent_table={quote(con.referred_table)}"]
        found.append(f"remote_cols={_lit(con.referred_columns)}")
        return found + _kw(referent_schema=con.referred_schema)
    if isinstance(con, CheckDef):
        return [f"condition={quote(con.sqltext)}"]
    return []


def render_ops(
    ops: Sequence[Operation], *, as_batch: bool = False, context: RenderContext | None = None
) -> RenderedOps:
    """The body (statements, unindented) and extra imports that perform ``ops`` in order.

    ``as_batch`` (env.py's ``render_as_batch``): consecutive operations on one existing table
    are written inside ``with op.batch_alter_table(...) as batch_op:``, as Alembic writes them,
    so the revision also runs under Alembic on SQLite. dbshift itself needs no batch block.
    ``context`` carries env.py's ``render_item`` and ``user_module_prefix`` (for types).
    """
    imports: set[str] = _Imports(context)
    statements: list[str] = []
    group: tuple[str, str | None] | None = None
    for op in ops:
        table = getattr(op, "table_name", None)
        call = _table_call(op, imports) if as_batch and table is not None else None
        key = (str(table), getattr(op, "schema", None)) if call is not None else None
        if call is None:
            group = None
            statements.extend(_render_op(op, imports))
            continue
        if key != group:
            assert key is not None
            opener = _inline("op.batch_alter_table", [quote(key[0]), *_kw(schema=key[1])])
            statements.append(f"with {opener} as batch_op:")
            group = key
        statements.append(textwrap.indent(call.for_batch(), "    "))
    body = layout_body("\n".join(statements), BODY_INDENT) if statements else "pass"
    return RenderedOps(body=body, imports=tuple(sorted(imports)))
