"""``alembic.context``: what env.py files call to configure and run the command dbshift is doing.

Each function acts on the current run (:mod:`dbshift.compat.alembic.session`), whose
:class:`~dbshift.runtime.environment.Environment` does the work; ``context.config`` and
``context.script`` are the run's Alembic-style ``Config`` and ``ScriptDirectory``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from dbshift.compat.alembic import session as _session
from dbshift.runtime.context import MigrationContext
from dbshift.script.targets import resolve_heads

__all__ = [
    "begin_transaction",
    "configure",
    "execute",
    "get_bind",
    "get_context",
    "get_head_revision",
    "get_head_revisions",
    "get_impl",
    "get_revision_argument",
    "get_starting_revision_argument",
    "get_tag_argument",
    "get_x_argument",
    "is_offline_mode",
    "is_transactional_ddl",
    "requires_connection",
    "run_migrations",
    "static_output",
]


def __getattr__(name: str) -> Any:
    if name == "config":
        return _session.current().config
    if name == "script":
        return _session.current().script
    raise AttributeError(f"module 'alembic.context' has no attribute '{name}'")


def configure(**kw: Any) -> None:
    """Set up the run: ``connection`` (or ``url``/``dialect_name`` with --sql), ``target_metadata``,
    ``version_table``, ``transaction_per_migration`` and autogenerate's options."""
    current = _session.current()
    current.env.configure(**kw)
    context = current.env.get_context()
    context.script = current.script


def run_migrations(**kw: Any) -> None:
    """Do the command's work; the keywords are passed to every ``upgrade()``/``downgrade()``."""
    _session.current().env.run_migrations(**kw)


def begin_transaction() -> contextlib.AbstractContextManager[None]:
    return _session.current().env.begin_transaction()


def is_offline_mode() -> bool:
    return _session.current().env.is_offline_mode()


def requires_connection() -> bool:
    return not is_offline_mode()


def get_context() -> MigrationContext:
    return _session.current().env.get_context()


def get_bind() -> sa.Connection | None:
    return get_context().connection


def get_impl() -> Any:
    return get_context().impl


def is_transactional_ddl() -> bool:
    return bool(get_context().impl.features.transactional_ddl)


def get_x_argument(as_dictionary: bool = False) -> list[str] | dict[str, str]:
    return _session.current().env.get_x_argument(as_dictionary)


def get_tag_argument() -> str | None:
    env = _session.current().env
    tag = env.options.get("tag") if env.context is not None else None
    return tag if tag is not None else env.request.tag


def _resolved(argument: str | None) -> str | tuple[str, ...] | None:
    """A revision argument as Alembic hands it over: ``head`` as the id, ``base`` as None."""
    if argument is None:
        return None
    graph = _session.current().env.script.graph()
    heads = sorted(resolve_heads(graph, argument))
    if not heads:
        return None
    return heads[0] if len(heads) == 1 else tuple(heads)


def get_revision_argument() -> str | tuple[str, ...] | None:
    return _resolved(_session.current().env.request.destination)


def get_starting_revision_argument() -> str | tuple[str, ...] | None:
    return _resolved(_session.current().env.request.starting)


def get_head_revision() -> str | None:
    return _session.current().script.get_current_head()


def get_head_revisions() -> tuple[str, ...]:
    return tuple(_session.current().script.get_heads())


def execute(sql: str | sa.Executable, execution_options: Mapping[str, Any] | None = None) -> None:
    _session.current().env.execute(sql, execution_options)


def static_output(text: str) -> None:
    """Write text to the --sql output as it is."""
    output = get_context().output
    if output is not None:
        output.write(text + "\n\n")
