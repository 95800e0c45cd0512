"""``alembic.operations``: ``Operations``, ``BatchOperations``, ``MigrateOperation`` and ``ops``."""

from __future__ import annotations

from dbshift.compat.alembic.shim.operations import ops
from dbshift.compat.alembic.shim.operations.base import BatchOperations, Operations
from dbshift.compat.alembic.shim.operations.ops import MigrateOperation

__all__ = ["BatchOperations", "MigrateOperation", "Operations", "ops"]
