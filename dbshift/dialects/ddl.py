"""DDL elements SQLAlchemy does not ship (ALTER COLUMN and friends), with their generic SQL.

Each element is compiled by the dialect's own compiler, so quoting, type names and column
specifications come from SQLAlchemy; a backend module overrides only the forms that differ.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.types import TypeEngine


class TableAlter(ExecutableDDLElement):
    """Base of ``ALTER TABLE <table> ...`` elements."""

    def __init__(self, table: sa.Table) -> None:
        self.table = table


class AddColumn(TableAlter):
    def __init__(self, table: sa.Table, column: sa.Column[Any], if_not_exists: bool = False) -> None:
        super().__init__(table)
        self.column = column
        self.if_not_exists = if_not_exists


class DropColumn(TableAlter):
    def __init__(self, table: sa.Table, column_name: str, if_exists: bool = False) -> None:
        super().__init__(table)
        self.column_name = column_name
        self.if_exists = if_exists


class RenameTable(TableAlter):
    def __init__(self, table: sa.Table, new_name: str) -> None:
        super().__init__(table)
        self.new_name = new_name


class RenameColumn(TableAlter):
    def __init__(self, table: sa.Table, column_name: str, new_name: str) -> None:
        super().__init__(table)
        self.column_name = column_name
        self.new_name = new_name


class AlterColumnType(TableAlter):
    def __init__(self, table: sa.Table, column_name: str, type_: TypeEngine[Any], using: str | None = None) -> None:
        super().__init__(table)
        self.column_name = column_name
        self.type = type_
        self.using = using


class AlterColumnNullable(TableAlter):
    def __init__(self, table: sa.Table, column_name: str, nullable: bool) -> None:
        super().__init__(table)
        self.column_name = column_name
        self.nullable = nullable


class AlterColumnDefault(TableAlter):
    def __init__(self, table: sa.Table, column_name: str, default: str | None) -> None:
        super().__init__(table)
        self.column_name = column_name
        self.default = default


class ModifyColumn(TableAlter):
    """MySQL's ``MODIFY`` / ``CHANGE``: restate a whole column, optionally under a new name."""

    def __init__(self, table: sa.Table, column_name: str, column: sa.Column[Any]) -> None:
        super().__init__(table)
        self.column_name = column_name
        self.column = column


def alter_table(compiler: DDLCompiler, table: sa.Table) -> str:
    return f"ALTER TABLE {compiler.preparer.format_table(table)}"


def quote(compiler: DDLCompiler, name: str) -> str:
    return compiler.preparer.quote(name)


def type_sql(compiler: DDLCompiler, type_: TypeEngine[Any]) -> str:
    return compiler.dialect.type_compiler_instance.process(type_)


@compiles(AddColumn)
def _add_column(element: AddColumn, compiler: DDLCompiler, **kw: Any) -> str:
    clause = " IF NOT EXISTS" if element.if_not_exists else ""
    spec = compiler.get_column_specification(element.column)
    return f"{alter_table(compiler, element.table)} ADD COLUMN{clause} {spec}"


@compiles(DropColumn)
def _drop_column(element: DropColumn, compiler: DDLCompiler, **kw: Any) -> str:
    clause = " IF EXISTS" if element.if_exists else ""
    return f"{alter_table(compiler, element.table)} DROP COLUMN{clause} {quote(compiler, element.column_name)}"


@compiles(RenameTable)
def _rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    return f"{alter_table(compiler, element.table)} RENAME TO {quote(compiler, element.new_name)}"


@compiles(RenameColumn)
def _rename_column(element: RenameColumn, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{alter_table(compiler, element.table)} RENAME COLUMN "
        f"{quote(compiler, element.column_name)} TO {quote(compiler, element.new_name)}"
    )


@compiles(AlterColumnType)
def _alter_type(element: AlterColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    using = f" USING {element.using}" if element.using else ""
    return (
        f"{alter_table(compiler, element.table)} ALTER COLUMN {quote(compiler, element.column_name)} "
        f"TYPE {type_sql(compiler, element.type)}{using}"
    )


@compiles(AlterColumnNullable)
def _alter_nullable(element: AlterColumnNullable, compiler: DDLCompiler, **kw: Any) -> str:
    action = "DROP NOT NULL" if element.nullable else "SET NOT NULL"
    return f"{alter_table(compiler, element.table)} ALTER COLUMN {quote(compiler, element.column_name)} {action}"


@compiles(AlterColumnDefault)
def _alter_default(element: AlterColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    action = "DROP DEFAULT" if element.default is None else f"SET DEFAULT {element.default}"
    return f"{alter_table(compiler, element.table)} ALTER COLUMN {quote(compiler, element.column_name)} {action}"


@compiles(ModifyColumn)
def _modify_column(element: ModifyColumn, compiler: DDLCompiler, **kw: Any) -> str:
    spec = compiler.get_column_specification(element.column)
    if element.column.name != element.column_name:
        return f"{alter_table(compiler, element.table)} CHANGE COLUMN {quote(compiler, element.column_name)} {spec}"
    return f"{alter_table(compiler, element.table)} MODIFY COLUMN {spec}"


@compiles(RenameTable, "mysql")
@compiles(RenameTable, "mariadb")
def _mysql_rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    new = sa.Table(element.new_name, sa.MetaData(), schema=element.table.schema)
    return f"RENAME TABLE {compiler.preparer.format_table(element.table)} TO {compiler.preparer.format_table(new)}"


class OutsideTransaction(ExecutableDDLElement):
    """A statement that must run outside a transaction (PostgreSQL's CREATE INDEX CONCURRENTLY).

    The migration context commits what the revision did so far, runs the statement in
    autocommit mode and then opens a new transaction, so revision authors need not arrange it.
    """

    def __init__(self, statement: ExecutableDDLElement) -> None:
        self.statement = statement


@compiles(OutsideTransaction)
def _outside_transaction(element: OutsideTransaction, compiler: DDLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.statement, **kw))


class SequenceOwnedBy(ExecutableDDLElement):
    """PostgreSQL's ``ALTER SEQUENCE ... OWNED BY table.column``: the sequence goes with the column."""

    def __init__(self, sequence: sa.Sequence, table: sa.Table, column_name: str) -> None:
        self.sequence = sequence
        self.table = table
        self.column_name = column_name


@compiles(SequenceOwnedBy)
def _sequence_owned_by(element: SequenceOwnedBy, compiler: DDLCompiler, **kw: Any) -> str:
    preparer = compiler.preparer
    return (
        f"ALTER SEQUENCE {preparer.format_sequence(element.sequence)} OWNED BY "
        f"{preparer.format_table(element.table)}.{preparer.quote(element.column_name)}"
    )


class DropColumnComment(ExecutableDDLElement):
    """``COMMENT ON COLUMN <schema>.<table>.<column> IS NULL``.

    SQLAlchemy's own ``DropColumnComment`` leaves the schema out of the column's name, so on a
    table in another schema it would remove the comment of the search path's table of that name.
    """

    def __init__(self, column: sa.Column[Any]) -> None:
        self.column = column


@compiles(DropColumnComment)
def _drop_column_comment(element: DropColumnComment, compiler: DDLCompiler, **kw: Any) -> str:
    name = compiler.preparer.format_column(element.column, use_table=True, use_schema=True)
    return f"COMMENT ON COLUMN {name} IS NULL"


class DropConstraint(sa.schema.DropConstraint):
    """SQLAlchemy's DROP CONSTRAINT, compiled by SQLAlchemy's own dialect compiler whatever else is
    loaded: an application that imports Alembic gets Alembic's ``@compiles`` hook on
    ``sqlalchemy.schema.DropConstraint`` for MySQL, which must not change dbshift's SQL."""

    inherit_cache = False


@compiles(DropConstraint)
def _drop_constraint(element: DropConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    return str(compiler.visit_drop_constraint(element, **kw))  # type: ignore[no-untyped-call]
