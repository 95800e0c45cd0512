"""``alembic.runtime.migration``: ``MigrationContext``, also usable on its own.

Applications use ``MigrationContext.configure(connection).get_current_revision()`` to ask a
database where it stands, and ``Operations(MigrationContext.configure(connection))`` to run
operations outside a migration; both work here, on dbshift's own context.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from dbshift.runtime.context import MigrationContext as CoreMigrationContext
from dbshift.runtime.version_table import VersionTable

__all__ = ["MigrationContext"]

ALEMBIC_VERSION_TABLE = "alembic_version"


class MigrationContext(CoreMigrationContext):
    """dbshift's migration context, under Alembic's name and with its ``configure()``."""

    @property
    def version_table_schema(self) -> str | None:
        """The version table's schema, as Alembic's context names it (``version_table``, the
        table, reads as its name)."""
        return self.version_table.schema

    @classmethod
    def configure(
        cls,
        connection: Connection | None = None,
        url: str | sa.URL | None = None,
        dialect_name: str | None = None,
        dialect: Dialect | None = None,
        environment_context: Any = None,
        dialect_opts: Mapping[str, Any] | None = None,
        opts: Mapping[str, Any] | None = None,
    ) -> MigrationContext:
        options = dict(opts or {})
        if connection is not None:
            dialect = connection.dialect
        elif dialect is None:
            name = sa.engine.make_url(url) if url is not None else sa.engine.make_url(f"{dialect_name}://")
            dialect = name.get_dialect()(**dict(dialect_opts or {}))
        as_sql = bool(options.get("as_sql", connection is None))
        table = VersionTable(options.get("version_table") or ALEMBIC_VERSION_TABLE, options.get("version_table_schema"))
        return cls(
            dialect,
            connection=None if as_sql else connection,
            output=(options.get("output_buffer") or sys.stdout) if as_sql else None,
            version_table=table,
            transaction_per_migration=bool(options.get("transaction_per_migration", False)),
            opts=options,
        )
