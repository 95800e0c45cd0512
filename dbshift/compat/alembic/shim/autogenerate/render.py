"""``alembic.autogenerate.render``: the ``renderers`` registry plugins add to (recorded, not run)."""

from __future__ import annotations

from dbshift.compat.alembic.shim.util import Dispatcher

__all__ = ["renderers"]

renderers = Dispatcher()
