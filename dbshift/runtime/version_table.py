"""The version table: one row per current head, one ``version_num VARCHAR(32)`` primary key column.

Laid out like Alembic's so an existing database can be taken over, under the configured name.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import Executable

from dbshift.runtime.journal import LogTable


class VersionTable:
    def __init__(self, name: str = "dbshift_version", schema: str | None = None, log: str | None = None) -> None:
        """``log``: the applied-migration log's table name (in the same schema); None: no log."""
        self.name = name
        self.schema = schema
        self.log = LogTable(log, schema) if log else None
        self.table = sa.Table(
            name,
            sa.MetaData(),
            sa.Column("version_num", sa.String(32), nullable=False),
            sa.PrimaryKeyConstraint("version_num", name=f"{name}_pkc"),
            schema=schema,
        )

    def __str__(self) -> str:
        """The table's name: Alembic's ``MigrationContext.version_table`` is that string."""
        return self.name

    @property
    def own_tables(self) -> tuple[str, ...]:
        """The tables dbshift keeps for itself (autogenerate never compares them)."""
        return (self.name, self.log.name) if self.log is not None else (self.name,)

    @property
    def key(self) -> str:
        """``schema.name`` or ``name``, as messages show it."""
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def exists(self, connection: Connection) -> bool:
        return sa.inspect(connection).has_table(self.name, schema=self.schema)

    def create_statement(self) -> Executable:
        return sa.schema.CreateTable(self.table)

    def read(self, connection: Connection) -> tuple[str, ...]:
        """The current heads; empty when the table does not exist (never creates it)."""
        if not self.exists(connection):
            return ()
        rows = connection.execute(sa.select(self.table.c.version_num)).scalars()
        return tuple(sorted(rows))

    def transition(self, before: Iterable[str], after: Iterable[str]) -> list[Executable]:
        """Statements turning the rows ``before`` into ``after``: UPDATE where one row moves on."""
        old, new = set(before), set(after)
        removed, added = sorted(old - new), sorted(new - old)
        col = self.table.c.version_num
        out: list[Executable] = []
        for gone, come in zip(removed, added):
            out.append(sa.update(self.table).where(col == sa.literal(gone)).values(version_num=sa.literal(come)))
        for gone in removed[len(added) :]:
            out.append(sa.delete(self.table).where(col == sa.literal(gone)))
        for come in added[len(removed) :]:
            out.append(sa.insert(self.table).values(version_num=sa.literal(come)))
        return out
