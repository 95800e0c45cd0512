"""``alembic.autogenerate``: the registries autogenerate plugins extend, so such packages import.

dbshift's autogenerate is its own (``dbshift revision --autogenerate``); the comparators and
renderers a plugin registers here are recorded and not run. The operations those plugins
define are registered on ``alembic.operations.Operations`` and do run in revision files.
"""

from __future__ import annotations

from typing import Any

from dbshift.compat.alembic.shim.autogenerate import api, render
from dbshift.compat.alembic.shim.autogenerate.api import AutogenContext
from dbshift.compat.alembic.shim.autogenerate.render import renderers
from dbshift.compat.alembic.shim.util import Dispatcher
from dbshift.compat.alembic.shim.util.exc import CommandError

__all__ = ["AutogenContext", "api", "comparators", "compare_metadata", "produce_migrations", "render", "renderers"]

comparators = Dispatcher()


def compare_metadata(context: Any, metadata: Any) -> Any:
    raise CommandError("alembic.autogenerate.compare_metadata is Alembic's; use 'dbshift check' or dbshift.commands")


def produce_migrations(context: Any, metadata: Any) -> Any:
    raise CommandError("alembic.autogenerate.produce_migrations is Alembic's; use 'dbshift revision --autogenerate'")
