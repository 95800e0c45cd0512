"""dbshift: schema migrations for SQLAlchemy applications.

``from dbshift import op`` gives revision files the operation functions. It is loaded on first
use so that commands which never run a revision (``heads``, ``history``) start quickly.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "op":
        from dbshift.operations import api

        return api
    raise AttributeError(f"module 'dbshift' has no attribute {name!r}")
