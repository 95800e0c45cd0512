"""SQLite's table rebuild: the way to change what ``ALTER TABLE`` cannot.

Follows the procedure SQLite's documentation gives ("Making Other Kinds Of Table Schema
Changes"): create the new table under a temporary name, copy the rows, drop the old table,
rename the new one, then recreate the indexes, triggers and views that the drop removed, and
check foreign keys. Everything runs inside the revision's transaction, so a failure leaves the
original table and rows untouched.

The table's current definition, with what reflection does not carry, comes from
:mod:`dbshift.dialects.sqlite_disk`; unchanged indexes, triggers and views are replayed as
written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.expression import Executable

from dbshift.dialects import ddl
from dbshift.dialects.sqlite_disk import TableOnDisk
from dbshift.errors import MigrationError
from dbshift.operations.column import AlterColumnOp
from dbshift.schema.model import SchemaDef, TableDef
from dbshift.schema.to_sa import sa_index, sa_table, stub_table

TEMP_PREFIX = "_dbshift_new_"


class StoredStatement(ExecutableDDLElement):
    """SQL taken verbatim from ``sqlite_master`` (an index, trigger or view being recreated)."""

    def __init__(self, sql: str) -> None:
        self.sql = sql


@compiles(StoredStatement)
def _stored(element: StoredStatement, compiler: DDLCompiler, **kw: Any) -> str:
    return element.sql


class DropView(ExecutableDDLElement):
    def __init__(self, name: str) -> None:
        self.name = name


@compiles(DropView)
def _drop_view(element: DropView, compiler: DDLCompiler, **kw: Any) -> str:
    return f"DROP VIEW {compiler.preparer.quote(element.name)}"


class ForeignKeyCheck(ExecutableDDLElement):
    """``PRAGMA foreign_key_check``; the migration context calls :meth:`verify` on its rows."""

    def __init__(self, table: str) -> None:
        self.table = table

    def verify(self, result: CursorResult[Any]) -> None:
        rows = [tuple(r) for r in result.all()]
        if rows:
            shown = ", ".join(f"{r[0]} row {r[1]} -> {r[2]}" for r in rows[:5])
            more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
            raise MigrationError(
                f"rebuilding table '{self.table}' left rows whose foreign keys point nowhere: {shown}{more}"
            )


@compiles(ForeignKeyCheck)
def _fk_check(element: ForeignKeyCheck, compiler: DDLCompiler, **kw: Any) -> str:
    return f"PRAGMA foreign_key_check({compiler.preparer.quote(element.table)})"


@dataclass
class PendingRebuild:
    """One table's changes being merged into a single rebuild."""

    disk: TableOnDisk
    table: TableDef
    sources: dict[str, str] = field(default_factory=dict)
    """New column name -> the old column its values come from."""
    casts: set[str] = field(default_factory=set)
    """New columns whose type changed: their values are CAST on copy."""

    @classmethod
    def start(cls, disk: TableOnDisk) -> PendingRebuild:
        return cls(disk, disk.table, {c.name: c.name for c in disk.table.columns})

    def statements(self) -> list[Executable]:
        """The rebuild under the old column names, then SQLite's own RENAME COLUMN for renames,
        which also rewrites the views, triggers and indexes that name the column."""
        renames = {new: old for new, old in self.sources.items() if new != old}
        table = self.table
        for new, old in renames.items():
            table = AlterColumnOp(table.name, new, new_column_name=old).apply(SchemaDef.of([table])).get(table.name)  # type: ignore[assignment]
        sources = {renames.get(n, n): o for n, o in self.sources.items()}
        casts = {renames.get(n, n) for n in self.casts}
        out = rebuild_statements(self.disk, table, sources, casts)
        stub = stub_table(table.name, None)
        out[-1:-1] = [ddl.RenameColumn(stub, old, new) for new, old in renames.items()]
        return out


def rebuild_statements(
    disk: TableOnDisk, new: TableDef, sources: Mapping[str, str], casts: Iterable[str]
) -> list[Executable]:
    old = disk.table
    cast_columns = set(casts)
    out: list[Executable] = [DropView(v.name) for v in disk.views]
    temp = sa_table(new.replace(name=TEMP_PREFIX + new.name, indexes=()))
    out.append(sa.schema.CreateTable(temp))
    # A generated column is computed from the copied ones: SQLite refuses to INSERT into it.
    copied = [c.name for c in new.columns if c.name in sources and c.computed is None]
    if copied:
        source = stub_table(old.name, None, tuple(sources[c] for c in copied))
        values = [
            sa.cast(source.c[sources[c]], new.column(c).type) if c in cast_columns else source.c[sources[c]]  # type: ignore[union-attr]
            for c in copied
        ]
        out.append(sa.insert(temp).from_select(copied, sa.select(*values)))
    out.append(sa.schema.DropTable(stub_table(old.name, None)))
    out.append(ddl.RenameTable(stub_table(temp.name, None), new.name))
    final = sa_table(new.replace(indexes=()))
    for ix in new.indexes:
        unchanged = old.index(ix.name) == ix and all(sources.get(c) == c for c in ix.columns if c in sources)
        stored = disk.indexes.get(ix.name)
        if unchanged and stored is not None:
            out.append(StoredStatement(stored))
        else:
            out.append(sa.schema.CreateIndex(sa_index(ix, final)))
    out.extend(StoredStatement(t.sql) for t in disk.triggers)
    out.extend(StoredStatement(v.sql) for v in disk.views)
    out.append(ForeignKeyCheck(new.name))
    return out
