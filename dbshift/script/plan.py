"""Plans: from the database's current rows and a target, the ordered steps to run.

Each step carries the version-table rows before and after it, so the runtime can update the
table after every revision and a failure leaves the table telling the truth. Rows are always
the applied revisions that nothing applied needs, as Alembic writes them: a revision's row
replaces the rows of its ``down_revisions`` and of its ``depends_on`` (a dependency's row is
merged into its dependent's), so dbshift and Alembic can take turns on one database. Rows an
older dbshift wrote (a dependency keeping its own row) name the same applied revisions and are
read the same way.

What runs and in which order follow Alembic (see "Order of a run" in docs/revisions.md), so a
history shared with Alembic runs the same way under both tools: the order comes from
:meth:`RevisionGraph.walk_down`, seeded the way Alembic seeds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from dbshift.errors import TargetError
from dbshift.script.revision import Revision, RevisionGraph
from dbshift.script.targets import (
    check_current,
    check_direction,
    current_heads,
    resolve_from_rows,
    resolve_heads,
)

__all__ = ["Step", "plan_downgrade", "plan_upgrade", "resolve_heads"]

# "-2": back from the database's own revision, which limits a downgrade to that revision's line.
_BACK_FROM_CURRENT = re.compile(r"^-\d+$")


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
    """Every revision the target needs that is not applied yet, parents first.

    The order is :meth:`RevisionGraph.walk_down` from the target's tips (its revisions that no
    other target revision needs: for ``heads``, the heads nothing depends on), reversed, as
    Alembic runs an upgrade.
    """
    check_direction(graph, target, "upgrade")
    raw = check_current(graph, current)
    rows = current_heads(graph, raw)
    target_rows = resolve_from_rows(graph, target.strip(), rows)
    applied = graph.ancestors(rows)
    needed = graph.ancestors(target_rows) - applied
    if not needed and not current_heads(graph, target_rows) <= rows:
        at = ", ".join(sorted(rows)) if rows else "base"
        raise TargetError(
            f"cannot upgrade to '{target}': it is below the current revision ({at}); use 'downgrade' to go back"
        )
    order = graph.walk_down(needed, _tips(graph, target_rows))
    order.reverse()

    steps: list[Step] = []
    before = raw
    state = set(rows)
    for rid in order:
        rev = graph.get(rid)
        # Only direct parents can be rows: a deeper ancestor is needed by an applied revision.
        state.difference_update(graph.parents(rid))
        state.add(rid)
        after = frozenset(state)
        steps.append(Step(rev, "upgrade", before, after))
        before = after
    return steps


def plan_downgrade(graph: RevisionGraph, current: Iterable[str], target: str) -> list[Step]:
    """Undo what was built on the target's branch above it, children first.

    As in Alembic, what is undone is every applied revision that needs a child of the target
    along ``down_revisions`` (for ``base``: every applied revision); a revision that only
    depends on the target stays, since the target stays. ``-N`` only undoes the database's own
    line: children of the target that the current revision does not descend from stay. The
    order is :meth:`RevisionGraph.walk_down` from the version rows.
    """
    check_direction(graph, target, "downgrade")
    raw = check_current(graph, current)
    rows = current_heads(graph, raw)
    spelled = target.strip()
    target_rows = resolve_from_rows(graph, spelled, rows)
    applied = graph.ancestors(rows)

    missing = sorted(target_rows - applied)
    if missing:
        at = ", ".join(sorted(rows)) if rows else "base"
        raise TargetError(
            f"cannot downgrade to '{target}': {', '.join(missing)} is not applied and not "
            f"below the current revision ({at}); use 'upgrade' to move forward"
        )
    one_line = _BACK_FROM_CURRENT.match(spelled) is not None and len(rows) == 1
    if target_rows:
        roots = {kid for rid in target_rows for kid in graph.children(rid)}
    elif one_line:
        roots = set(graph.bases)
    else:
        roots = None  # base: everything grows from some base
    if one_line and roots is not None:
        roots &= _line(graph, rows)
    undo = set(applied) if roots is None else graph.descendants(roots) & applied
    if len(target_rows) > 1:
        undo -= graph.ancestors(target_rows)  # e.g. "-1" from a merge: both parents stay
    revs = [graph.get(rid) for rid in graph.walk_down(undo, raw)]

    # alive[p]: applied revisions that need p (through down_revisions or depends_on); p is a
    # row again when none is left, as Alembic writes rows (the applied revisions nothing applied
    # needs): a dependency a kept revision still needs stays folded into that revision's row.
    alive = dict.fromkeys((pid for rev in revs for pid in graph.parents(rev.revision)), 0)
    for pid in alive:
        alive[pid] = sum(1 for kid in graph.dependents(pid) if kid in applied)
    steps: list[Step] = []
    before = raw
    state = set(rows)
    for rev in revs:
        state.discard(rev.revision)
        parents = graph.parents(rev.revision)
        for pid in parents:
            alive[pid] -= 1
        for pid in parents:
            if not alive[pid]:
                state.add(pid)
        after = frozenset(state)
        steps.append(Step(rev, "downgrade", before, after))
        before = after
    return steps


def _tips(graph: RevisionGraph, rows: frozenset[str]) -> frozenset[str]:
    """The rows no other row needs (through down_revisions or depends_on)."""
    if len(rows) < 2:
        return rows
    return rows - graph.ancestors(pid for rid in rows for pid in graph.parents(rid))


def _line(graph: RevisionGraph, rows: Iterable[str]) -> set[str]:
    """The rows and their ancestors along down_revisions only."""
    stack = list(rows)
    seen = set(stack)
    while stack:
        for pid in graph.get(stack.pop()).down_revisions:
            if pid not in seen:
                seen.add(pid)
                stack.append(pid)
    return seen
