"""The ``alembic`` package as revision files and env.py files see it while dbshift runs them."""

from __future__ import annotations

from dbshift.compat.alembic.shim import context, op

__version__ = "1.16.0"
"""The Alembic API level this layer offers (what plugins that check a version should see)."""

__all__ = ["context", "op"]
