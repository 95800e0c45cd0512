"""``alembic.autogenerate.api``: ``AutogenContext``, the type autogenerate plugins annotate with."""

from __future__ import annotations

from typing import Any


class AutogenContext:
    """What Alembic hands comparators and renderers; dbshift never calls them (see the package)."""

    def __init__(
        self, migration_context: Any, metadata: Any = None, opts: Any = None, autogenerate: bool = True
    ) -> None:
        self.migration_context = migration_context
        self.metadata = metadata
        self.opts = dict(opts or {})
        self.imports: set[str] = set()
        self.connection = getattr(migration_context, "connection", None)
        self.dialect = getattr(migration_context, "dialect", None)
