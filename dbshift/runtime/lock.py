"""Placeholder for the migration lock (being written on the ``lock`` branch)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from sqlalchemy.engine import Connection


def migration_lock(
    connection: Connection,
    name: str,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], None] = lambda holder: None,
) -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext()
