"""Make ``import alembic...`` resolve to dbshift's compatibility modules, for the length of a run.

While active, ``sys.modules`` maps ``alembic`` and its known submodules to the modules of
:mod:`dbshift.compat.alembic.shim`, and a finder placed first on ``sys.meta_path`` answers any
other ``alembic.*`` name with a clear ImportError rather than a half-working real module. A
real Alembic that the application imported before is put aside and restored afterwards, so
dbshift's own ``op`` wins inside the run and the application's Alembic is untouched outside.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

SHIM = "dbshift.compat.alembic.shim"

PROVIDED = (
    "alembic",
    "alembic.op",
    "alembic.context",
    "alembic.config",
    "alembic.operations",
    "alembic.operations.base",
    "alembic.operations.ops",
    "alembic.runtime",
    "alembic.runtime.migration",
    "alembic.runtime.environment",
    "alembic.script",
    "alembic.util",
    "alembic.util.exc",
    "alembic.autogenerate",
    "alembic.autogenerate.api",
    "alembic.autogenerate.render",
)
"""The ``alembic`` modules revision files and env.py files may import while dbshift runs them."""


def _is_alembic(name: str) -> bool:
    return name == "alembic" or name.startswith("alembic.")


def _shim_name(name: str) -> str:
    return SHIM + name[len("alembic") :]


class _Refuse(importlib.abc.MetaPathFinder):
    """Answers every ``alembic.*`` name that is not provided: a clear error, not the real Alembic."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if _is_alembic(fullname) and fullname not in sys.modules:
            raise ModuleNotFoundError(
                f"No module named '{fullname}' in dbshift's Alembic compatibility layer "
                f"(it provides {', '.join(PROVIDED)})",
                name=fullname,
            )
        return None


_REFUSE = _Refuse()
_depth = 0
_saved: dict[str, ModuleType] = {}


@contextlib.contextmanager
def alembic_modules() -> Iterator[None]:
    """Serve ``alembic.*`` from dbshift while the block runs; re-entrant."""
    global _depth
    if _depth:
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
        return
    shims = {name: importlib.import_module(_shim_name(name)) for name in PROVIDED}
    _saved.clear()
    _saved.update({name: module for name, module in sys.modules.items() if _is_alembic(name)})
    for name in _saved:
        del sys.modules[name]
    sys.modules.update(shims)
    sys.meta_path.insert(0, _REFUSE)
    _depth = 1
    try:
        yield
    finally:
        _depth = 0
        if _REFUSE in sys.meta_path:
            sys.meta_path.remove(_REFUSE)
        for name in [n for n in sys.modules if _is_alembic(n)]:
            del sys.modules[name]
        sys.modules.update(_saved)
        _saved.clear()
