"""MySQL and MariaDB: DDL commits implicitly, and a column change restates the whole column.

``MODIFY``/``CHANGE`` replace a column's whole definition: whatever the statement leaves out
(a default, a comment, ``AUTO_INCREMENT``, ``NOT NULL``, a ``CHARACTER SET``/``COLLATE``) is
lost. Against a live database the column is therefore read back first, so only what the
operation changes changes; in ``--sql`` mode the ``existing_*`` hints must describe it. A
rename alone needs no restating: it is ``RENAME COLUMN`` (MariaDB 10.5.2+, MySQL 8.0.3+).

Checked before any statement is built, so the error names the column, online and in ``--sql``
mode alike:

* a ``VARCHAR`` needs a length here (``sa.String()`` compiles nowhere on MySQL);
* a column cannot be dropped while a foreign key uses it (when the lookup can list foreign keys).

Dropping the last index a foreign key can use gets the key an index of its own first
(:meth:`MySQLImpl._foreign_key_indexes`).

``mysql_*`` keywords (``mysql_engine``, ``mysql_charset``, ``mysql_length``, ``mysql_prefix``...)
reach MySQL and MariaDB, ``mariadb_*`` ones MariaDB, whatever the URL: SQLAlchemy reads only
those spelled with the dialect's own name (``mariadb_`` under a ``mariadb://`` URL, ``mysql_``
otherwise), so each is presented under that name, the dialect's own spelling winning when both
are given.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeEngine

from dbshift.dialects import ddl
from dbshift.dialects.base import DialectImpl, UnsupportedOperation
from dbshift.dialects.features import is_mariadb
from dbshift.operations.base import UNCHANGED, column_label
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import CONSTRAINT_KINDS, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.table import CreateTableOp
from dbshift.schema.model import ColumnDef, DialectOptions, IndexDef
from dbshift.schema.reflect import MARIADB_CHECK_CONSTRAINTS, reflect_schema
from dbshift.schema.to_sa import sa_column, stub_table

HINTS = ("existing_type", "existing_nullable", "existing_server_default")
_NEEDS_LENGTH = re.compile(r"\b(\w+) requires a length")
_KEYWORD_PREFIXES = ("mysql_", "mariadb_")


class MySQLImpl(DialectImpl):
    name = "mysql"

    # -- dialect keywords -----------------------------------------------------------------------
    def own_keywords(self, options: DialectOptions) -> DialectOptions:
        """``mysql_*``/``mariadb_*`` keywords under the prefix this dialect reads; others kept.

        ``mysql_*`` apply to MariaDB too (MariaDB speaks MySQL); ``mariadb_*`` only to MariaDB,
        so on MySQL (or a ``mysql://`` URL in ``--sql`` mode, which cannot tell) they are left out.
        """
        own = self.dialect.name + "_"
        usable = _KEYWORD_PREFIXES if is_mariadb(self.dialect) else ("mysql_",)
        result: dict[str, Any] = {}
        for key, value in options:
            if key.startswith(usable) and not key.startswith(own):
                result.setdefault(own + key.split("_", 1)[1], value)
        for key, value in options:
            if key.startswith(own) or not key.startswith(_KEYWORD_PREFIXES):
                result[key] = value
        return tuple(sorted(result.items()))

    def _index(self, index: IndexDef) -> IndexDef:
        """The index with its keywords under the dialect's name. ``using`` is lowered: SQLAlchemy
        quotes an upper-case value as a name (``USING `BTREE```, a syntax error), and reflection
        reports it upper-case."""
        options = tuple(
            (key, value.lower() if key.endswith("_using") and isinstance(value, str) else value)
            for key, value in self.own_keywords(index.dialect_options)
        )
        return replace(index, dialect_options=options)

    # -- types ----------------------------------------------------------------------------------
    def check_type(self, label: str, type_: TypeEngine[Any], source: str = "") -> None:
        """Refuse, naming the column, a type this dialect cannot compile (``sa.String()``)."""
        try:
            self.dialect.type_compiler_instance.process(type_)
        except sa.exc.CompileError as exc:
            where = f" (its {source})" if source else ""
            found = _NEEDS_LENGTH.search(str(exc))
            if found is None:
                raise UnsupportedOperation(
                    f"{self.backend} cannot use the type of column {label}{where}: {' '.join(str(exc).split())}"
                ) from exc
            raise UnsupportedOperation(
                f"{self.backend} needs a length for {found.group(1)} column {label}{where}:"
                " use sa.String(255) or sa.Text()"
            ) from exc

    def _check_columns(self, table: str, schema: str | None, columns: Iterable[ColumnDef]) -> None:
        for col in columns:
            self.check_type(column_label(table, col.name, schema), col.type)

    # -- tables ---------------------------------------------------------------------------------
    def do_CreateTableOp(self, op: CreateTableOp) -> list[Executable]:
        self._check_columns(op.table.name, op.table.schema, op.table.columns)
        pk = op.table.primary_key
        table = op.table.replace(
            dialect_options=self.own_keywords(op.table.dialect_options),
            indexes=tuple(self._index(ix) for ix in op.table.indexes),
            primary_key=replace(pk, dialect_options=self.own_keywords(pk.dialect_options)) if pk else None,
        )
        return super().do_CreateTableOp(replace(op, table=table))

    # -- columns --------------------------------------------------------------------------------
    def do_AddColumnOp(self, op: AddColumnOp) -> list[Executable]:
        self._check_columns(op.table_name, op.schema, (op.column,))
        return super().do_AddColumnOp(op)

    def do_DropColumnOp(self, op: DropColumnOp) -> list[Executable]:
        """MariaDB refuses to drop a column a foreign key uses, naming the key's index at best:
        say which key and how to drop it first (autogenerate drops foreign keys first itself)."""
        if self.lookup is not None:
            for fk in self.lookup.foreign_keys(op.table_name, op.schema):
                if op.column_name in fk.columns:
                    name = f"'{fk.name}'" if fk.name else "(unnamed)"
                    raise UnsupportedOperation(
                        f"drop_column {column_label(op.table_name, op.column_name, op.schema)}: the column is"
                        f" in foreign key {name} and {self.backend} refuses to drop it while the key exists;"
                        f" drop the key first: op.drop_constraint({name}, '{op.table_name}', type_='foreignkey')"
                    )
        return super().do_DropColumnOp(op)

    def _missing_hints(self, op: AlterColumnOp) -> list[str]:
        """The hints a restatement needs in ``--sql`` mode that were not given. ``existing_comment``
        is optional: without it the column is restated without a comment (as autogenerate always
        writes it, only hand-written revisions can leave it out)."""
        known = (
            op.existing_type is not None,
            op.existing_nullable is not None or op.nullable is not None,
            op.existing_server_default is not UNCHANGED,
        )
        return [hint for hint, ok in zip(HINTS, known) if not ok]

    def _current_column(self, op: AlterColumnOp) -> ColumnDef:
        """The column before the change: read from the live database, else from the ``existing_*`` hints."""
        label = column_label(op.table_name, op.column_name, op.schema)
        if self.lookup is not None:
            found = self.lookup.column(op.table_name, op.column_name, op.schema)
            if found is None:
                raise UnsupportedOperation(f"alter_column: column {label} does not exist")
            return found
        missing = self._missing_hints(op)
        if missing:
            raise UnsupportedOperation(
                f"alter_column on {label} in --sql mode on {self.backend} restates the whole column "
                f"and needs {', '.join(HINTS)} (missing: {', '.join(missing)})"
            )
        assert op.existing_type is not None and op.existing_server_default is not UNCHANGED
        return ColumnDef(
            name=op.column_name,
            type=op.existing_type,
            nullable=bool(op.existing_nullable),
            server_default=op.existing_server_default,
            comment=None if op.existing_comment is UNCHANGED else op.existing_comment,
            autoincrement=bool(dict(op.dialect_options).get("existing_autoincrement", False)),
        )

    def _has_rename_column(self) -> bool:
        """``RENAME COLUMN``: MariaDB 10.5.2+, MySQL 8.0.3+ (assumed when the version is unknown)."""
        version = self.dialect.server_version_info
        if version is None:
            return True
        return tuple(version[:3]) >= ((10, 5, 2) if is_mariadb(self.dialect) else (8, 0, 3))

    def _renames_in_place(self, op: AlterColumnOp) -> bool:
        """A rename alone: ``RENAME COLUMN`` keeps everything else exactly. Restated with ``CHANGE``
        on servers without it, and in ``--sql`` mode when the hints describe the whole column
        (which runs on every version)."""
        if op.changes() != ["name"] or "autoincrement" in dict(op.dialect_options):
            return False
        if self.lookup is None:
            return bool(self._missing_hints(op))
        return self._has_rename_column()

    def do_AlterColumnOp(self, op: AlterColumnOp) -> list[Executable]:
        table = stub_table(op.table_name, op.schema)
        label = column_label(op.table_name, op.column_name, op.schema)
        changes = op.changes()  # "autoincrement" (AUTO_INCREMENT on or off) too: a restatement
        if not changes:
            return []
        if changes == ["server_default"]:
            return [ddl.AlterColumnDefault(table, op.column_name, op.server_default)]  # type: ignore[arg-type]
        if op.type is not None:
            self.check_type(label, op.type, "type_")
        if self._renames_in_place(op):
            assert op.new_column_name is not None
            return [ddl.RenameColumn(table, op.column_name, op.new_column_name)]
        current = self._current_column(op)
        target = replace(
            current,
            name=op.final_name,
            type=keep_charset(op.type, current.type) if op.type is not None else current.type,
            nullable=op.nullable if op.nullable is not None else current.nullable,
            server_default=current.server_default if op.server_default is UNCHANGED else op.server_default,
            comment=current.comment if op.comment is UNCHANGED else op.comment,
            autoincrement=bool(dict(op.dialect_options).get("autoincrement", current.autoincrement is True)),
        )
        if op.computed is not UNCHANGED:  # MODIFY keeps a STORED column's values, either way
            generation = op.computed or (None, None)
            target = replace(target, computed=generation[0], computed_persisted=generation[1])
        if op.type is None:
            self.check_type(label, target.type, "existing_type" if self.lookup is None else "")
        # AUTO_INCREMENT is only rendered for a table's autoincrement column, i.e. a primary key.
        column = sa_column(target, primary_key=target.autoincrement is True)
        table.append_column(column)
        return [ddl.ModifyColumn(table, op.column_name, column)]

    # -- indexes and constraints ----------------------------------------------------------------
    def do_CreateIndexOp(self, op: CreateIndexOp) -> list[Executable]:
        return super().do_CreateIndexOp(replace(op, index=self._index(op.index)))

    def do_DropIndexOp(self, op: DropIndexOp) -> list[Executable]:
        if op.table_name is None:
            raise UnsupportedOperation(
                f"drop_index '{op.index_name}' on {self.backend} needs the table name (DROP INDEX ... ON <table>)"
            )
        return [*self._foreign_key_indexes(op), *super().do_DropIndexOp(op)]

    def _foreign_key_indexes(self, op: DropIndexOp) -> list[Executable]:
        """Indexes to create first so that no foreign key is left without one.

        InnoDB needs an index whose first columns are a foreign key's, and refuses to drop the
        last one ("needed in a foreign key constraint"); it happens when a history written on
        PostgreSQL drops an index on a foreign key's columns. The replacement is the index
        MariaDB would have made for the key itself (the key's name, its columns): an online
        ``CREATE INDEX``, where dropping and adding back the foreign key would copy the table
        and check every row again; and what is left is what a database built from the models
        holds, which autogenerate does not report. Dropping the key's own index (of the key's
        name) while the key exists stays refused. In ``--sql`` mode nothing can be read, and
        the ``DROP INDEX`` is written alone.
        """
        if self.lookup is None or op.table_name is None:
            return []
        table = reflect_schema(self.lookup.connection, schema=op.schema, only=[op.table_name]).get(
            op.table_name, op.schema
        )
        dropped = table.index(op.index_name) if table is not None else None
        if table is None or dropped is None:
            return []
        kept = [ix.columns for ix in table.indexes if ix.name != op.index_name and not ix.expressions]
        kept += [u.columns for u in table.uniques if u.name != op.index_name]
        kept += [table.primary_key.columns] if table.primary_key is not None else []
        taken = {ix.name for ix in table.indexes} | {u.name for u in table.uniques if u.name}
        out: list[Executable] = []
        for fk in table.foreign_keys:
            if not _leads(dropped.columns, fk.columns) or any(_leads(columns, fk.columns) for columns in kept):
                continue
            if fk.name == op.index_name:
                continue  # the key's own index: it goes with the key, and MariaDB says so
            name = fk.name if fk.name and fk.name not in taken else f"{fk.name or op.table_name}_idx"
            out += self.do_CreateIndexOp(CreateIndexOp(op.table_name, IndexDef(name, fk.columns), op.schema))
            kept.append(fk.columns)
            taken.add(name)
        return out

    def do_DropConstraintOp(self, op: DropConstraintOp) -> list[Executable]:
        """MySQL drops each kind differently (FOREIGN KEY, INDEX, CHECK, PRIMARY KEY): know which."""
        named = self.named_by_database(op) if op.constraint_name is None else op
        if named is None:
            return []
        op = named
        what = f"drop_constraint '{op.constraint_name}' on '{op.table_name}'"
        if op.if_exists:
            # SQLAlchemy writes no IF EXISTS here (MySQL has none for every kind): ask the database.
            lookup = self._require_lookup(f"{what} with if_exists")
            if op.constraint_name is None:
                raise UnsupportedOperation(f"{what} with if_exists on {self.backend} needs the constraint's name")
            kind = lookup.constraint_type(op.table_name, op.constraint_name, op.schema)
            if kind is None:
                return []
            op = replace(op, type_=op.type_ or kind, if_exists=False)
        if op.type_ is None and op.constraint is None:
            if self.lookup is None or op.constraint_name is None:
                raise UnsupportedOperation(
                    f"{what} on {self.backend} needs type_ ('foreignkey', 'unique', 'check' or 'primary')"
                )
            kind = self.lookup.constraint_type(op.table_name, op.constraint_name, op.schema)
            if kind is None:
                raise UnsupportedOperation(f"{what}: no such constraint")
            op = replace(op, type_=kind)
        column_check = self._drop_column_check(op)
        if column_check is not None:
            return column_check
        return super().do_DropConstraintOp(op)

    def _drop_column_check(self, op: DropConstraintOp) -> list[Executable] | None:
        """MariaDB keeps a CHECK written on a column (``sa.Column(..., sa.CheckConstraint(...))``)
        in the column's definition, under the column's name, where ``DROP CONSTRAINT`` does not
        reach it: the column is restated without it (``MODIFY``, everything else read back)."""
        kind = op.type_ or (CONSTRAINT_KINDS[type(op.constraint)] if op.constraint is not None else None)
        if kind != "check" or not is_mariadb(self.dialect) or self.lookup is None or op.constraint_name is None:
            return None
        info = MARIADB_CHECK_CONSTRAINTS
        database = op.schema if op.schema is not None else sa.func.database()
        level = self.lookup.connection.execute(
            sa.select(info.c.level).where(
                info.c.constraint_schema == database,
                info.c.table_name == op.table_name,
                info.c.constraint_name == op.constraint_name,
            )
        ).scalar()
        current = self.lookup.column(op.table_name, op.constraint_name, op.schema) if level == "Column" else None
        if current is None:
            return None
        table = stub_table(op.table_name, op.schema)
        column = sa_column(current, primary_key=current.autoincrement is True)
        table.append_column(column)
        return [ddl.ModifyColumn(table, current.name, column)]


def _leads(index_columns: tuple[str, ...], fk_columns: tuple[str, ...]) -> bool:
    """Whether an index can serve a foreign key: its first columns are the key's, in order."""
    return index_columns[: len(fk_columns)] == fk_columns


def keep_charset(new: TypeEngine[Any], old: TypeEngine[Any]) -> TypeEngine[Any]:
    """``new`` keeping the ``CHARACTER SET``/``COLLATE`` ``old`` states, unless ``new`` states its own.

    A ``MODIFY`` without them puts the column back to the table's default: changing
    ``VARCHAR(50) COLLATE utf8mb4_bin`` to ``sa.String(80)`` must not quietly make it case-insensitive.
    """
    charset, collation = getattr(old, "charset", None), getattr(old, "collation", None)
    if not isinstance(new, sa.String) or not (charset or collation):
        return new
    if getattr(new, "charset", None) or new.collation:
        return new
    kept = copy.copy(new)
    kept.collation = collation
    if charset:
        # MySQL's type compiler reads ``charset`` from any string type, SQLAlchemy's generic ones too.
        setattr(kept, "charset", charset)  # noqa: B010 - not an attribute mypy knows on generic types
    return kept
