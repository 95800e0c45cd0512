"""The target grammar: turn what a user types into the version-table rows it denotes.

Grammar (checked in this order):

- ``base`` (no rows), ``heads`` (every head), ``head`` (the only head);
- a full revision id;
- ``<x>@head``: the head of the branch that starts at revision or label ``x``;
- ``+N`` / ``-N``: N revisions forward / back from the database's current revision;
- ``<x>+N`` / ``<x>-N``: the same, counted from any other target ``x``;
- a branch label, or a unique prefix of a revision id.

Pure: the database's current rows are passed in, nothing is read. :func:`validate_target`
checks what can be checked without them, so a command refuses a bad target before connecting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from dbshift.errors import TargetError
from dbshift.script.revision import RevisionGraph

__all__ = [
    "check_current",
    "check_direction",
    "current_heads",
    "inconsistent_rows",
    "resolve_from_rows",
    "resolve_heads",
    "validate_target",
]

_RELATIVE = re.compile(r"^(?P<base>.*?)(?P<sign>[+-])(?P<count>\d+)$")


def check_current(graph: RevisionGraph, current: Iterable[str]) -> frozenset[str]:
    """The version-table rows as a set, refusing ids the migration folder does not know."""
    rows = frozenset(current)
    for rid in sorted(rows):
        if rid not in graph:
            raise TargetError(f"database is at revision '{rid}' which is not in the migration folder")
    return rows


def current_heads(graph: RevisionGraph, current: Iterable[str]) -> frozenset[str]:
    """Checked rows without redundant ones: a row that another row needs, through down_revisions
    or depends_on, says nothing more (Alembic writes only the rows nothing applied needs)."""
    rows = check_current(graph, current)
    if len(rows) < 2:
        return rows
    # Walk both kinds of edge from every row; a row reached from another row is redundant.
    redundant: set[str] = set()
    stack = [p for rid in rows for p in graph.parents(rid)]
    seen = set(stack)
    while stack:
        rid = stack.pop()
        if rid in rows:
            redundant.add(rid)
        for parent in graph.parents(rid):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return rows - redundant


def inconsistent_rows(graph: RevisionGraph, rows: Iterable[str]) -> str | None:
    """The one-line problem of version-table rows that name a revision and one of its ancestors
    along ``down_revisions``; None when the rows are consistent.

    A row replaces the rows of its line of descent (Alembic and dbshift update it in place), so
    a table holding both ``c`` and its ancestor ``a`` was edited by hand or by a run that went
    wrong: which of the two is true cannot be told. A row that another row only *depends on*
    (``depends_on``, possibly through its ancestors) is not a conflict: an older dbshift kept a
    dependency's row, and :func:`current_heads` folds it away, both rows naming the same
    applied revisions. Rows the folder does not know are left to :func:`check_current`.
    Pure; ``upgrade``, ``downgrade`` and ``stamp`` can refuse such rows before writing, and
    ``current`` reports them.
    """
    known = {row for row in rows if row in graph}
    for row in sorted(known):
        stack = list(graph.get(row).down_revisions)
        seen = set(stack)
        while stack:
            rid = stack.pop()
            if rid in known:
                return f"rows '{row}' and '{rid}' are on one line of descent: '{rid}' is an ancestor of '{row}'"
            for parent in graph.get(rid).down_revisions:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    return None


def validate_target(
    graph: RevisionGraph, target: str, direction: Literal["upgrade", "downgrade"] | None = None
) -> None:
    """Raise the TargetError ``target`` would raise whatever the database holds, before it is read.

    Everything but ``+N`` / ``-N`` counted from the database's own revision is resolved against
    the graph alone: unknown ids and labels, ambiguous prefixes, ``head`` with several heads,
    ``x+N`` past a head. For ``+N`` / ``-N``, only the direction is checked (see
    :func:`check_direction`); how far they can go depends on the current rows.
    """
    spelled = target.strip()
    check_direction(graph, spelled, direction)
    if not _counts_from_current(spelled):
        resolve_from_rows(graph, spelled, frozenset())


def check_direction(graph: RevisionGraph, target: str, direction: Literal["upgrade", "downgrade"] | None) -> None:
    """``upgrade -1`` and ``downgrade +1`` are refused with the command that moves that way
    (Alembic refuses them too); ``x-1`` / ``x+1`` name a revision and go either way."""
    spelled = target.strip()
    match = _RELATIVE.match(spelled)
    if direction is None or match is None or match.group("base") or _names_revision(graph, spelled):
        return
    sign = match.group("sign")
    if direction == "upgrade" and sign == "-":
        raise TargetError(f"'{spelled}' moves down; use 'dbshift downgrade {spelled}'")
    if direction == "downgrade" and sign == "+":
        raise TargetError(f"'{spelled}' moves up; use 'dbshift upgrade {spelled}'")


def _counts_from_current(target: str) -> bool:
    """``+N`` / ``-N``, or a relative target whose start is one (``+1+1``): needs the rows."""
    match = _RELATIVE.match(target)
    if match is None:
        return False
    base = match.group("base")
    return not base or _counts_from_current(base)


def _names_revision(graph: RevisionGraph, target: str) -> bool:
    """Whether ``target`` is a label or prefix as it stands (a label may read like ``v-1``)."""
    try:
        graph.resolve(target)
    except TargetError:
        return False
    return True


def resolve_heads(graph: RevisionGraph, target: str, current: Iterable[str] = ()) -> frozenset[str]:
    """The version-table rows a target denotes; ``base`` is the empty set."""
    return resolve_from_rows(graph, target.strip(), current_heads(graph, current))


def resolve_from_rows(graph: RevisionGraph, target: str, rows: frozenset[str]) -> frozenset[str]:
    """Resolve against rows already passed through :func:`current_heads` (saves a walk)."""
    if not target:
        raise TargetError("empty revision target")
    if target == "base":
        return frozenset()
    if target == "heads":
        return frozenset(graph.heads)
    if target == "head":
        return _single_head(graph)
    if target in graph:
        return frozenset({target})
    if "@" in target:
        return _branch_head(graph, target)
    match = _RELATIVE.match(target)
    if match is not None:
        try:
            return _relative(graph, target, match, rows)
        except TargetError as relative_error:
            # "v-1" may be a plain branch label or prefix rather than "v" minus one.
            try:
                return frozenset({graph.resolve(target).revision})
            except TargetError:
                raise relative_error from None
    return frozenset({graph.resolve(target).revision})


def _single_head(graph: RevisionGraph) -> frozenset[str]:
    """``head``: refuse to guess between several heads."""
    heads = graph.heads
    if len(heads) > 1:
        raise TargetError(
            f"multiple heads ({', '.join(heads)}); use 'heads' to target all of them, or join them with 'dbshift merge'"
        )
    return frozenset(heads)


def _branch_head(graph: RevisionGraph, target: str) -> frozenset[str]:
    """``x@head``: the one head reachable from ``x`` through its children."""
    left, _, right = target.rpartition("@")
    if right != "head":
        raise TargetError(f"unsupported target '{target}': only '<label>@head' is understood")
    start = graph.resolve(left).revision
    stack = [start]
    seen = {start}
    heads: list[str] = []
    while stack:
        rid = stack.pop()
        kids = graph.children(rid)
        if not kids:
            heads.append(rid)
        for kid in kids:
            if kid not in seen:
                seen.add(kid)
                stack.append(kid)
    if len(heads) > 1:
        raise TargetError(
            f"target '{target}' is ambiguous: '{left}' leads to several heads "
            f"({', '.join(sorted(heads))}); name one of them"
        )
    return frozenset(heads)


def _relative(graph: RevisionGraph, target: str, match: re.Match[str], rows: frozenset[str]) -> frozenset[str]:
    """``+N`` / ``-N`` / ``x+N`` / ``x-N``: walk N revisions along an unbranched line."""
    base = match.group("base")
    count = int(match.group("count"))
    if base:
        start = resolve_from_rows(graph, base, rows)
        where = f"'{base}'"
    else:
        start = rows
        where = _describe(rows)
    if match.group("sign") == "+":
        return _forward(graph, target, start, count, where)
    return _backward(graph, target, start, count, where, from_current=not base)


def _forward(graph: RevisionGraph, target: str, start: frozenset[str], count: int, where: str) -> frozenset[str]:
    """Step to the single next revision ``count`` times."""
    nodes = start
    for done in range(count):
        if nodes:
            nexts = sorted({kid for rid in nodes for kid in graph.children(rid)})
        else:
            nexts = list(graph.bases)
        if not nexts:
            raise TargetError(f"cannot upgrade {_steps(count)} from {where}: only {_revisions(done)} ahead")
        if len(nexts) > 1:
            raise TargetError(
                f"relative target '{target}' is ambiguous: the history branches into "
                f"{', '.join(nexts)}; upgrade to one of them by id or label"
            )
        nodes = frozenset(nexts)
    return nodes


def _backward(
    graph: RevisionGraph,
    target: str,
    start: frozenset[str],
    count: int,
    where: str,
    *,
    from_current: bool,
) -> frozenset[str]:
    """Step to the parent ``count`` times; a merge or several heads make it ambiguous."""
    if len(start) > 1:
        raise TargetError(
            f"relative target '{target}' is ambiguous: it starts from several heads "
            f"({', '.join(sorted(start))}); downgrade to a revision by id or label"
        )
    nodes = start
    for done in range(count):
        if not nodes:
            if from_current:
                raise TargetError(
                    f"cannot downgrade {_steps(count)}: only {_revisions(done)} applied (that would go below base)"
                )
            raise TargetError(f"cannot go {_steps(count)} back from {where}: only {_revisions(done)} down to base")
        if len(nodes) > 1:
            raise TargetError(
                f"relative target '{target}' is ambiguous: the history splits at a merge "
                f"into {', '.join(sorted(nodes))}; downgrade to one of them by id"
            )
        (rid,) = nodes
        nodes = frozenset(graph.get(rid).down_revisions)
    return nodes


def _describe(rows: frozenset[str]) -> str:
    """How messages name the database's position."""
    if not rows:
        return "base"
    return "the current revision " + ", ".join(f"'{r}'" for r in sorted(rows))


def _steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def _revisions(n: int) -> str:
    return f"{n} revision" if n == 1 else f"{n} revisions"
