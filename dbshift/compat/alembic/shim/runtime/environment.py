"""``alembic.runtime.environment``: ``EnvironmentContext``, the object behind ``alembic.context``."""

from __future__ import annotations

from typing import Any

__all__ = ["EnvironmentContext"]


class EnvironmentContext:
    """The current run's environment, with the methods ``alembic.context`` offers as functions."""

    def __init__(self, config: Any = None, script: Any = None, **kw: Any) -> None:
        from dbshift.compat.alembic import session

        self._session = session.current()
        self.config = self._session.config
        self.script = self._session.script

    def __getattr__(self, name: str) -> Any:
        from dbshift.compat.alembic.shim import context

        found = getattr(context, name, None)
        if found is None or name.startswith("_"):
            raise AttributeError(f"'EnvironmentContext' object has no attribute '{name}'")
        return found

    def __enter__(self) -> EnvironmentContext:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
