"""The Alembic-facing state of one dbshift run: its environment, ``context.config`` and ``context.script``.

``alembic.context`` is a module of functions that act on "the current run"; that run is
kept here in a plain stack rather than a context variable, because env.py files for async
drivers run the migrations inside a greenlet (``connection.run_sync``) where a context
variable set outside may not be visible.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dbshift.errors import DbshiftError
from dbshift.runtime.environment import Environment

if TYPE_CHECKING:
    from dbshift.compat.alembic.shim.config import Config
    from dbshift.compat.alembic.shim.script import ScriptDirectory


class Session:
    """What ``alembic.context`` answers from during one command."""

    def __init__(self, env: Environment, config: Config, script: ScriptDirectory) -> None:
        self.env = env
        self.config = config
        self.script = script


_stack: list[Session] = []


def current() -> Session:
    if not _stack:
        raise DbshiftError(
            "alembic.context is only usable while dbshift runs a project's env.py "
            "(run 'dbshift upgrade', 'dbshift current', ...)"
        )
    return _stack[-1]


@contextlib.contextmanager
def active(session: Session) -> Iterator[Session]:
    _stack.append(session)
    try:
        yield session
    finally:
        _stack.remove(session)
