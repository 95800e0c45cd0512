"""Plans: from the database's current rows and a target, the ordered steps to run.

Each step carries the version-table rows before and after it, so the runtime can update the
table after every revision and a failure leaves the table telling the truth. Rows are always
the branch tips of the applied set: a revision's row replaces its ``down_revisions`` rows,
while ``depends_on`` never merges rows (the other branch keeps its own row), as Alembic does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from dbshift.errors import TargetError
from dbshift.script.revision import Revision, RevisionGraph
from dbshift.script.targets import (
    check_current,
    current_heads,
    resolve_from_rows,
    resolve_heads,
)

__all__ = ["Step", "plan_downgrade", "plan_upgrade", "resolve_heads"]


@dataclass(frozen=True)
class Step:
    """One revision to run in one direction, with the version rows around it."""

    revision: Revision
    direction: Literal["upgrade", "downgrade"]
    heads_before: frozenset[str]
    heads_after: frozenset[str]

    @property
    def source(self) -> str:
        """Where this step starts, for messages like ``Running upgrade a -> b``."""
        if self.direction == "upgrade":
            return _joined(self.revision.down_revisions)
        return self.revision.revision

    @property
    def destination(self) -> str:
        """Where this step ends, for the same messages."""
        if self.direction == "upgrade":
            return self.revision.revision
        return _joined(self.revision.down_revisions)


def _joined(ids: tuple[str, ...]) -> str:
    return ",".join(ids) if ids else "base"


def plan_upgrade(graph: RevisionGraph, current: Iterable[str], target: str) -> list[Step]:
    """Every revision the target needs that is not applied yet, parents first."""
    raw = check_current(graph, current)
    rows = current_heads(graph, raw)
    target_rows = resolve_from_rows(graph, target.strip(), rows)
    applied = graph.ancestors(rows)
    needed = graph.ancestors(target_rows) - applied
    if not needed and not target_rows <= rows:
        at = ", ".join(sorted(rows)) if rows else "base"
        raise TargetError(
            f"cannot upgrade to '{target}': it is below the current revision ({at}); use 'downgrade' to go back"
        )

    steps: list[Step] = []
    before = raw
    state = set(rows)
    for rid in graph.topological(needed):
        rev = graph.get(rid)
        # Only direct parents can be rows: any deeper ancestor already has an applied child.
        state.difference_update(rev.down_revisions)
        state.add(rid)
        after = frozenset(state)
        steps.append(Step(rev, "upgrade", before, after))
        before = after
    return steps


def plan_downgrade(graph: RevisionGraph, current: Iterable[str], target: str) -> list[Step]:
    """Undo every applied revision that needs the target, children first."""
    raw = check_current(graph, current)
    rows = current_heads(graph, raw)
    target_rows = resolve_from_rows(graph, target.strip(), rows)
    applied = graph.ancestors(rows)

    missing = sorted(target_rows - applied)
    if missing:
        at = ", ".join(sorted(rows)) if rows else "base"
        raise TargetError(
            f"cannot downgrade to '{target}': {', '.join(missing)} is not applied and not "
            f"below the current revision ({at}); use 'upgrade' to move forward"
        )
    if target_rows:
        # Keep the target and everything it needs; undo the rest of what builds on it.
        undo = (graph.descendants(target_rows) - graph.ancestors(target_rows)) & applied
    else:
        undo = set(applied)

    steps: list[Step] = []
    before = raw
    state = set(rows)
    remaining = set(applied)
    for rid in reversed(graph.topological(undo)):
        rev = graph.get(rid)
        remaining.discard(rid)
        state.discard(rid)
        for parent in rev.down_revisions:
            # The parent becomes a row again unless another applied child still covers it.
            if not any(kid in remaining for kid in graph.children(parent)):
                state.add(parent)
        after = frozenset(state)
        steps.append(Step(rev, "downgrade", before, after))
        before = after
    return steps
