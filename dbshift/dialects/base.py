"""Turn operations into DDL statements for one backend.

:class:`DialectImpl` holds the behaviour shared by every backend; a backend subclass overrides
only the operations it handles differently. Statements are SQLAlchemy constructs, compiled by
the connection's dialect, never hand-built strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.expression import Executable

from dbshift.dialects import ddl
from dbshift.dialects.features import Features, backend_name, features_of
from dbshift.dialects.keywords import keyword_without_effect
from dbshift.errors import MigrationError
from dbshift.operations.base import UNCHANGED, Operation, SchemaStateError
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import (
    CONSTRAINT_KINDS,
    AddConstraintOp,
    DropConstraintOp,
    find_by_definition,
    needs_definition,
)
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.sql import ExecuteOp
from dbshift.operations.table import (
    CreateTableCommentOp,
    CreateTableOp,
    DropTableCommentOp,
    DropTableOp,
    RenameTableOp,
)
from dbshift.operations.types import AlterEnumValuesOp, CreateEnumTypeOp, DropEnumTypeOp
from dbshift.schema.model import CheckDef, ColumnDef, ForeignKeyDef, TableDef, table_key
from dbshift.schema.reflect import reflect_schema
from dbshift.schema.to_sa import (
    ensure_referred_tables,
    sa_column,
    sa_constraint,
    sa_index,
    sa_table,
    stub_table,
)


class SchemaLookup(Protocol):
    """Answers questions about the live database; absent in offline (``--sql``) mode."""

    connection: Connection

    def column(self, table: str, column: str, schema: str | None) -> ColumnDef | None: ...

    def has_table(self, table: str, schema: str | None) -> bool: ...

    def has_index(self, table: str | None, index: str, schema: str | None) -> bool: ...

    def has_type(self, name: str, schema: str | None) -> bool:
        """Whether a named type (a PostgreSQL ENUM) exists."""
        ...

    def foreign_keys(self, table: str, schema: str | None) -> list[ForeignKeyDef]:
        """The table's foreign keys (none when the table does not exist)."""
        ...

    def constraint_type(self, table: str, name: str, schema: str | None) -> str | None:
        """``"primary"``, ``"foreignkey"``, ``"unique"`` or ``"check"``; None when there is no such constraint."""
        ...


class UnsupportedOperation(MigrationError):
    """The backend cannot carry out an operation (and dbshift has no workaround yet)."""


Handler = Callable[[Any, Any], list[Executable]]


class DialectImpl:
    name = "default"

    def __init__(self, dialect: Dialect, lookup: SchemaLookup | None = None) -> None:
        self.dialect = dialect
        self.lookup = lookup
        self.features: Features = features_of(dialect)
        self.backend = backend_name(dialect)
        self._created_tables: set[str] = set()
        """Tables ``create_table`` made in this run, which ``use_alter`` foreign keys wait for."""
        self._waiting_foreign_keys: list[tuple[str, AddConstraintOp]] = []
        """``use_alter`` foreign keys of created tables (with the key of the table they refer to)
        whose referred table is not known to exist yet."""

    # -- dispatch -----------------------------------------------------------------------------
    def check_keywords(self, op: Operation) -> None:
        """Refuse a keyword of this backend that ``op`` carries and nothing would use
        (:mod:`dbshift.dialects.keywords`); another backend's keywords are ignored."""
        problem = keyword_without_effect(op, self.dialect)
        if problem is not None:
            raise UnsupportedOperation(problem)
        if isinstance(op, AlterColumnOp) and op.identity is not UNCHANGED and self.name != "postgresql":
            raise UnsupportedOperation(f"{op.describe()}: {self.backend} has no identity columns (PostgreSQL's)")

    def statements(self, op: Operation) -> list[Executable]:
        """The statements that carry out ``op``; an empty list means nothing to do."""
        self.check_keywords(op)
        handler = getattr(self, "do_" + type(op).__name__, None)
        if handler is None:
            raise UnsupportedOperation(f"{self.backend}: no DDL for {op.describe()}")
        result: list[Executable] = handler(op)
        return result

    def flush(self) -> list[Executable]:
        """Statements held back to be merged with later operations or to wait for a table: the
        ``use_alter`` foreign keys whose referred table was not created in this run (it exists
        already, or comes from raw SQL), added now."""
        waiting, self._waiting_foreign_keys = self._waiting_foreign_keys, []
        return [statement for _, op in waiting for statement in self.do_AddConstraintOp(op)]

    def _require_lookup(self, what: str) -> SchemaLookup:
        if self.lookup is None:
            raise UnsupportedOperation(
                f"{what} needs to look at the live database, which --sql mode cannot do on {self.backend}"
            )
        return self.lookup

    # -- tables -------------------------------------------------------------------------------
    def do_CreateTableOp(self, op: CreateTableOp) -> list[Executable]:
        if_not_exists = op.if_not_exists
        if if_not_exists and op.table.indexes and not self.features.if_exists_index:
            # No CREATE INDEX IF NOT EXISTS here: decide from the database whether to do anything.
            lookup = self._require_lookup(f"create_table '{op.table.key}' with if_not_exists and indexes")
            if lookup.has_table(op.table.name, op.table.schema):
                return []
            if_not_exists = False
        existed = if_not_exists and self.lookup is not None and self.lookup.has_table(op.table.name, op.table.schema)
        definition, later = self._split_use_alter(op)
        table = sa_table(definition)
        out: list[Executable] = [sa.schema.CreateTable(table, if_not_exists=if_not_exists)]
        out.extend(sa.schema.CreateIndex(ix, if_not_exists=if_not_exists) for ix in table.indexes)
        if self.features.comments and not self.dialect.inline_comments:
            if table.comment is not None:
                out.append(sa.schema.SetTableComment(table))
            out.extend(sa.schema.SetColumnComment(c) for c in table.columns if c.comment is not None)
        self._created_tables.add(op.table.key)
        if not existed:
            self._waiting_foreign_keys.extend(later)
        return out + self._ready_foreign_keys()

    def _split_use_alter(self, op: CreateTableOp) -> tuple[TableDef, list[tuple[str, AddConstraintOp]]]:
        """The table without its ``use_alter`` foreign keys, and those keys as operations to run
        once the tables they refer to exist. Where constraints cannot be added to an existing
        table (SQLite, which checks no reference at CREATE TABLE) they stay inline, as
        SQLAlchemy and Alembic leave them."""
        table = op.table
        later = [fk for fk in table.foreign_keys if fk.use_alter]
        if not later or not self.features.alter_constraints:
            return table, []
        kept = tuple(fk for fk in table.foreign_keys if not fk.use_alter)
        waiting = [
            (table_key(fk.referred_table, fk.referred_schema), AddConstraintOp(table.name, fk, table.schema))
            for fk in later
        ]
        return table.replace(foreign_keys=kept), waiting

    def _ready_foreign_keys(self) -> list[Executable]:
        """ALTER TABLE ... ADD CONSTRAINT for the waiting ``use_alter`` foreign keys whose
        referred table this run has created by now (right after it, as ``create_all`` would)."""
        ready = [op for referred, op in self._waiting_foreign_keys if referred in self._created_tables]
        self._waiting_foreign_keys = [w for w in self._waiting_foreign_keys if w[0] not in self._created_tables]
        return [statement for op in ready for statement in self.do_AddConstraintOp(op)]

    def do_DropTableOp(self, op: DropTableOp) -> list[Executable]:
        return [sa.schema.DropTable(stub_table(op.table_name, op.schema), if_exists=op.if_exists)]

    def do_RenameTableOp(self, op: RenameTableOp) -> list[Executable]:
        return [ddl.RenameTable(stub_table(op.old_table_name, op.schema), op.new_table_name)]

    def do_CreateTableCommentOp(self, op: CreateTableCommentOp) -> list[Executable]:
        if not self.features.comments:
            return []
        table = stub_table(op.table_name, op.schema)
        table.comment = op.comment
        return [sa.schema.SetTableComment(table)]

    def do_DropTableCommentOp(self, op: DropTableCommentOp) -> list[Executable]:
        if not self.features.comments:
            return []
        return [sa.schema.DropTableComment(stub_table(op.table_name, op.schema))]

    # -- columns ------------------------------------------------------------------------------
    def _column_exists(self, table: str, column: str, schema: str | None) -> bool:
        lookup = self._require_lookup(f"if_exists/if_not_exists on column '{table}.{column}'")
        return lookup.column(table, column, schema) is not None

    def do_AddColumnOp(self, op: AddColumnOp) -> list[Executable]:
        if_not_exists = op.if_not_exists
        if if_not_exists and not self.features.if_exists_column:
            if self._column_exists(op.table_name, op.column.name, op.schema):
                return []
            if_not_exists = False
        table = stub_table(op.table_name, op.schema)
        column = sa_column(op.column)
        table.append_column(column)
        out: list[Executable] = [ddl.AddColumn(table, column, if_not_exists)]
        if column.comment is not None and self.features.comments and not self.dialect.inline_comments:
            out.append(sa.schema.SetColumnComment(column))
        return out

    def do_DropColumnOp(self, op: DropColumnOp) -> list[Executable]:
        if_exists = op.if_exists
        if if_exists and not self.features.if_exists_column:
            if not self._column_exists(op.table_name, op.column_name, op.schema):
                return []
            if_exists = False
        return [ddl.DropColumn(stub_table(op.table_name, op.schema), op.column_name, if_exists)]

    def do_AlterColumnOp(self, op: AlterColumnOp) -> list[Executable]:
        """ALTER COLUMN one attribute at a time (PostgreSQL and the SQL standard)."""
        table = stub_table(op.table_name, op.schema)
        name = op.column_name
        out: list[Executable] = []
        if op.type is not None:
            using = dict(op.dialect_options).get("postgresql_using")
            out.append(ddl.AlterColumnType(table, name, op.type, using))
        if op.nullable is not None:
            out.append(ddl.AlterColumnNullable(table, name, op.nullable))
        if op.server_default is not UNCHANGED:
            out.append(ddl.AlterColumnDefault(table, name, op.server_default))
        if op.comment is not UNCHANGED and self.features.comments:
            col = sa.Column(name, op.existing_type or op.type or sa.types.NULLTYPE, comment=op.comment)
            table.append_column(col)
            out.append(sa.schema.SetColumnComment(col) if op.comment is not None else ddl.DropColumnComment(col))
        if op.new_column_name:
            out.append(ddl.RenameColumn(table, name, op.new_column_name))
        return out

    # -- indexes ------------------------------------------------------------------------------
    def _index_exists(self, table: str | None, index: str, schema: str | None) -> bool:
        lookup = self._require_lookup(f"if_exists/if_not_exists on index '{index}'")
        return lookup.has_index(table, index, schema)

    def do_CreateIndexOp(self, op: CreateIndexOp) -> list[Executable]:
        if_not_exists = op.if_not_exists
        if if_not_exists and not self.features.if_exists_index:
            if self._index_exists(op.table_name, op.index.name, op.schema):
                return []
            if_not_exists = False
        table = stub_table(op.table_name, op.schema)
        index = sa_index(op.index, table)
        return [sa.schema.CreateIndex(index, if_not_exists=if_not_exists)]

    def do_DropIndexOp(self, op: DropIndexOp) -> list[Executable]:
        if_exists = op.if_exists
        if if_exists and not self.features.if_exists_index:
            if not self._index_exists(op.table_name, op.index_name, op.schema):
                return []
            if_exists = False
        table = stub_table(op.table_name or "_unknown", op.schema, ("_dbshift_stub",))
        index = sa.Index(op.index_name, table.c._dbshift_stub)
        return [sa.schema.DropIndex(index, if_exists=if_exists)]

    # -- constraints --------------------------------------------------------------------------
    def do_AddConstraintOp(self, op: AddConstraintOp) -> list[Executable]:
        con = op.constraint
        columns = con.columns if not isinstance(con, CheckDef) else ()
        # PostgreSQL's INCLUDE columns must be in the stub too, for SQLAlchemy to name them.
        included = tuple(str(c) for c in dict(con.dialect_options).get("postgresql_include") or () if c not in columns)
        table = stub_table(op.table_name, op.schema, (*columns, *included))
        if isinstance(con, ForeignKeyDef):
            if con.referred_table != op.table_name or con.referred_schema != op.schema:
                ensure_referred_tables(table.metadata, (con,))
            else:
                for c in con.referred_columns:
                    if c not in table.c:
                        table.append_column(sa.Column(c, sa.types.NULLTYPE))
        sa_con = sa_constraint(con)
        table.append_constraint(sa_con)
        return [sa.schema.AddConstraint(sa_con)]

    def named_by_database(self, op: DropConstraintOp) -> DropConstraintOp | None:
        """``op`` naming the constraint it drops: one given by its definition alone (as SQLite
        holds it, and autogenerate writes it there) is looked up in the live database, where
        the server named it. None: not there, and ``if_exists``."""
        if op.constraint_name is not None:
            return op
        if op.type_ == "primary" and self.name == "mysql":
            return op  # DROP PRIMARY KEY: MySQL names every primary key PRIMARY
        if op.constraint is None:
            raise UnsupportedOperation(needs_definition(op.table_name))
        lookup = self._require_lookup(f"drop_constraint without a name on '{op.table_name}'")
        table = reflect_schema(lookup.connection, schema=op.schema, only=[op.table_name]).get(op.table_name, op.schema)
        try:
            if table is None:
                raise SchemaStateError(f"table '{op.table_name}' does not exist")
            con = find_by_definition(table, op.constraint)
        except SchemaStateError as exc:
            if op.if_exists:
                return None
            raise UnsupportedOperation(str(exc)) from None
        return replace(op, constraint_name=con.name, constraint=con, type_=op.type_ or CONSTRAINT_KINDS[type(con)])

    def do_DropConstraintOp(self, op: DropConstraintOp) -> list[Executable]:
        named = self.named_by_database(op)
        if named is None:
            return []
        op = named
        kind = op.type_
        if kind is None and op.constraint is not None:
            kind = CONSTRAINT_KINDS[type(op.constraint)]
        table = stub_table(op.table_name, op.schema, ("_dbshift_stub",))
        con: sa.Constraint
        if kind == "foreignkey":
            table.append_column(sa.Column("_dbshift_ref", sa.types.NULLTYPE))
            con = sa.ForeignKeyConstraint(
                ["_dbshift_stub"], ["_dbshift_ref_table._dbshift_ref"], name=op.constraint_name
            )
        elif kind == "primary":
            con = sa.PrimaryKeyConstraint("_dbshift_stub", name=op.constraint_name)
        elif kind == "check":
            con = sa.CheckConstraint(sa.text("1"), name=op.constraint_name)
        else:
            con = sa.UniqueConstraint("_dbshift_stub", name=op.constraint_name)
        table.append_constraint(con)
        return [ddl.DropConstraint(con, if_exists=op.if_exists)]

    # -- named types --------------------------------------------------------------------------
    def do_CreateEnumTypeOp(self, op: CreateEnumTypeOp) -> list[Executable]:
        """Only PostgreSQL has enum types of their own; elsewhere an enum lives in its column."""
        return []

    def do_DropEnumTypeOp(self, op: DropEnumTypeOp) -> list[Executable]:
        return []

    def do_AlterEnumValuesOp(self, op: AlterEnumValuesOp) -> list[Executable]:
        return []

    # -- raw SQL ------------------------------------------------------------------------------
    def do_ExecuteOp(self, op: ExecuteOp) -> list[Executable]:
        if isinstance(op.sqltext, str):
            return [sa.text(op.sqltext)]
        return [op.sqltext]
