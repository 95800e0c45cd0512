"""``alembic.script``: the migration folder as env.py files see it (``context.script``).

A read-only view of dbshift's :class:`~dbshift.script.directory.ScriptDirectory` and its graph
with the names Alembic's ``ScriptDirectory`` and ``Script`` use.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from dbshift.compat.alembic.shim.util.exc import CommandError
from dbshift.errors import TargetError
from dbshift.script.directory import ScriptDirectory as DbshiftScriptDirectory
from dbshift.script.revision import Revision, RevisionGraph

__all__ = ["Script", "ScriptDirectory"]


def _ids(ids: tuple[str, ...]) -> str | tuple[str, ...] | None:
    """None, one id or a tuple: how a revision file writes ``down_revision``."""
    if not ids:
        return None
    return ids[0] if len(ids) == 1 else ids


class Script:
    """One revision file."""

    def __init__(self, rev: Revision, directory: ScriptDirectory) -> None:
        self._rev = rev
        self._directory = directory
        self.revision = rev.revision
        self.down_revision = _ids(rev.down_revisions)
        self.branch_labels = set(rev.branch_labels)
        self.dependencies = _ids(rev.depends_on)
        self.depends_on = self.dependencies
        self.doc = rev.message
        self.path = str(Path(rev.path).resolve()) if rev.path else ""

    @property
    def _graph(self) -> RevisionGraph:
        return self._directory.dbshift.graph()

    @property
    def module(self) -> ModuleType:
        return self._directory.dbshift.load_module(self._rev)

    @property
    def longdoc(self) -> str:
        return str(getattr(self.module, "__doc__", "") or "").strip()

    @property
    def nextrev(self) -> frozenset[str]:
        return frozenset(self._graph.children(self.revision))

    @property
    def is_head(self) -> bool:
        return self.revision in self._graph.heads

    @property
    def is_base(self) -> bool:
        return not self._rev.down_revisions

    @property
    def is_branch_point(self) -> bool:
        return len(self.nextrev) > 1

    @property
    def is_merge_point(self) -> bool:
        return len(self._rev.down_revisions) > 1

    @property
    def _versioned_down_revisions(self) -> tuple[str, ...]:
        return self._rev.down_revisions

    def __repr__(self) -> str:
        return f"Script(revision={self.revision!r}, down_revision={self.down_revision!r})"


class ScriptDirectory:
    """Alembic's ``ScriptDirectory`` over dbshift's."""

    def __init__(self, directory: DbshiftScriptDirectory) -> None:
        self.dbshift = directory
        self.dir = str(directory.location)
        self.versions = str(directory.versions_dir)
        self.env_py_location = str(directory.location / "env.py")

    @classmethod
    def from_config(cls, config: Any) -> ScriptDirectory:
        """The run's script directory (``ScriptDirectory.from_config(context.config)``)."""
        from dbshift.compat.alembic import session

        return session.current().script

    @property
    def revision_map(self) -> ScriptDirectory:
        """Alembic's map offers get_revision(s), heads and bases, as this object does."""
        return self

    @property
    def heads(self) -> tuple[str, ...]:
        return self.dbshift.graph().heads

    @property
    def bases(self) -> tuple[str, ...]:
        return self.dbshift.graph().bases

    def get_current_head(self) -> str | None:
        heads = self.dbshift.graph().heads
        if len(heads) > 1:
            raise CommandError(
                f"the migration folder has several heads ({', '.join(heads)}); use get_heads(), "
                "or join them with 'dbshift merge heads'"
            )
        return heads[0] if heads else None

    def get_heads(self) -> list[str]:
        return list(self.dbshift.graph().heads)

    def get_base(self) -> str | None:
        bases = self.dbshift.graph().bases
        if len(bases) > 1:
            raise CommandError(f"the migration folder has several bases ({', '.join(bases)}); use get_bases()")
        return bases[0] if bases else None

    def get_bases(self) -> list[str]:
        return list(self.dbshift.graph().bases)

    def get_revision(self, id_: str | None) -> Script | None:
        if id_ in (None, "base"):
            return None
        assert id_ is not None
        if id_ in ("head", "heads"):
            head = self.get_current_head()
            return self.get_revision(head) if head else None
        try:
            return Script(self.dbshift.graph().resolve(id_), self)
        except TargetError as exc:
            raise CommandError(str(exc)) from None

    def get_revisions(self, id_: str | Sequence[str] | None) -> tuple[Script, ...]:
        if id_ is None:
            return ()
        ids = [id_] if isinstance(id_, str) else list(id_)
        if ids == ["heads"]:
            ids = self.get_heads()
        found = (self.get_revision(i) for i in ids)
        return tuple(s for s in found if s is not None)

    def walk_revisions(self, base: str = "base", head: str = "heads") -> Iterator[Script]:
        """Revisions from ``head`` down to ``base``, children before parents."""
        graph = self.dbshift.graph()
        ids = set(graph.topological())
        if head not in ("heads", "head"):
            ids &= graph.ancestors([graph.resolve(head).revision])
        if base != "base":
            ids &= graph.descendants([graph.resolve(base).revision])
        needed = {pid for rid in ids for pid in graph.parents(rid)}
        for rid in graph.walk_down(ids, [r for r in graph.topological(ids) if r not in needed]):
            yield Script(graph.get(rid), self)
