"""The revision graph: pure data and algorithms, no I/O.

A revision names its parents (``down_revisions``) and, optionally, revisions of other branches
it needs first (``depends_on``). Parents define branches, heads and bases; both kinds of edge
define what must run before what. Every algorithm here is iterative, so histories of many
thousands of revisions never hit the recursion limit, and linear in the size of the history
except where noted (:meth:`RevisionGraph.walk_down`).

The order revisions are given in is kept: it is the migration folder's listing (file names,
sorted), and like Alembic, dbshift uses it to break ties when it orders a run, so the same
folder runs in the same order under both tools.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import NoReturn

from dbshift.errors import ScriptError, TargetError

__all__ = ["Revision", "RevisionGraph", "normalize_ids"]

# How many matches an "ambiguous prefix" message lists before summarising the rest.
_MAX_LISTED = 10


def normalize_ids(value: object) -> tuple[str, ...]:
    """Turn the loose forms revision files use (None, "a", ["a", "b"]) into one tuple form.

    Raises TypeError for anything else so callers can say which file is at fault.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)):
        items = tuple(value)
    elif isinstance(value, (set, frozenset)):
        items = tuple(sorted(value, key=str))
    else:
        raise TypeError(f"expected None, a string or a sequence of strings, got {value!r}")
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"expected strings, got {item!r} in {value!r}")
    return items


@dataclass(frozen=True)
class Revision:
    """One revision as declared in its file; ``path`` is only used to name it in messages."""

    revision: str
    down_revisions: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    message: str = ""
    path: str | None = None
    create_date: str | None = None

    def __post_init__(self) -> None:
        # Accept None / "a" / lists at runtime so hand-built revisions behave like parsed ones.
        if type(self.down_revisions) is tuple and type(self.branch_labels) is tuple and type(self.depends_on) is tuple:
            return  # already normalised: the common, fast case
        for name in ("down_revisions", "branch_labels", "depends_on"):
            object.__setattr__(self, name, normalize_ids(getattr(self, name)))

    @property
    def is_merge(self) -> bool:
        """True when the revision joins two or more branches."""
        return len(self.down_revisions) > 1

    @property
    def is_base(self) -> bool:
        """True when the revision starts a branch (it revises nothing)."""
        return not self.down_revisions


def _where(rev: Revision) -> str:
    """The file if known, else the id: what error messages point at."""
    return rev.path if rev.path else f"revision '{rev.revision}'"


def _listing(ids: Iterable[str]) -> str:
    """Join ids for a one-line message, summarising long lists."""
    items = list(ids)
    shown = ", ".join(items[:_MAX_LISTED])
    if len(items) > _MAX_LISTED:
        shown += f", ... ({len(items) - _MAX_LISTED} more)"
    return shown


class RevisionGraph:
    """A validated, immutable DAG of revisions with precomputed adjacency.

    Construction checks for duplicate ids, unknown parents or dependencies, duplicate branch
    labels and cycles, so every other method can assume a sound graph. The order of
    ``revisions`` is remembered as the listing order (see the module docstring).
    """

    def __init__(self, revisions: Iterable[Revision]) -> None:
        self._revs: dict[str, Revision] = {}
        self._normalized: dict[str, tuple[str, ...]] | None = None
        for rev in revisions:
            if not rev.revision:
                raise ScriptError(f"{_where(rev)}: revision id is empty")
            other = self._revs.get(rev.revision)
            if other is not None:
                raise ScriptError(f"duplicate revision id '{rev.revision}' in {_where(other)} and {_where(rev)}")
            self._revs[rev.revision] = rev

        # parents: everything that must run first; children: branch structure only.
        self._parents: dict[str, tuple[str, ...]] = {}
        self._children: dict[str, list[str]] = {rid: [] for rid in self._revs}
        self._dependents: dict[str, list[str]] = {rid: [] for rid in self._revs}
        for rid, rev in self._revs.items():
            for kind, ids in (
                ("down_revision", rev.down_revisions),
                ("depends_on", rev.depends_on),
            ):
                for pid in ids:
                    if pid == rid:
                        raise ScriptError(
                            f"cycle in revision graph: {rid} -> {rid} ({_where(rev)} lists itself in {kind})"
                        )
                    if pid not in self._revs:
                        raise ScriptError(f"{_where(rev)}: {kind} '{pid}' of revision '{rid}' does not exist")
            parents = tuple(dict.fromkeys(rev.down_revisions + rev.depends_on))
            self._parents[rid] = parents
            for pid in dict.fromkeys(rev.down_revisions):
                self._children[pid].append(rid)
            for pid in parents:
                self._dependents[pid].append(rid)

        self._labels: dict[str, str] = {}
        for rid, rev in self._revs.items():
            for label in rev.branch_labels:
                owner = self._labels.get(label)
                if owner is not None and owner != rid:
                    raise ScriptError(
                        f"branch label '{label}' is used by both {_where(self._revs[owner])} and {_where(rev)}"
                    )
                if label in self._revs and label != rid:
                    raise ScriptError(f"{_where(rev)}: branch label '{label}' is also a revision id")
                self._labels[label] = rid

        self._listed_at = {rid: i for i, rid in enumerate(self._revs)}
        self._order = self._kahn()
        self._position = {rid: i for i, rid in enumerate(self._order)}
        self._sorted_ids = sorted(self._revs)
        self._heads = tuple(sorted(r for r, kids in self._children.items() if not kids))
        self._bases = tuple(sorted(r for r, rev in self._revs.items() if rev.is_base))

    # -- construction helpers -------------------------------------------------------------

    def _kahn(self) -> list[str]:
        """Topological order over all edges, smallest id first among ready revisions."""
        indegree = {rid: len(parents) for rid, parents in self._parents.items()}
        ready = [rid for rid, n in indegree.items() if n == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            rid = heapq.heappop(ready)
            order.append(rid)
            for child in self._dependents[rid]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(ready, child)
        if len(order) != len(self._revs):
            self._raise_cycle({rid for rid, n in indegree.items() if n > 0})
        return order

    def _raise_cycle(self, stuck: set[str]) -> NoReturn:
        """Find one cycle among revisions Kahn could not order and report it."""
        # Every stuck revision has a stuck parent, so walking parents must revisit a node.
        current = min(stuck)
        seen: dict[str, int] = {}
        path: list[str] = []
        while current not in seen:
            seen[current] = len(path)
            path.append(current)
            current = min(p for p in self._parents[current] if p in stuck)
        cycle = path[seen[current] :]
        cycle.reverse()  # parent -> child order reads as "is revised by"
        smallest = cycle.index(min(cycle))
        cycle = cycle[smallest:] + cycle[:smallest]
        first = self._revs[cycle[0]]
        raise ScriptError(f"cycle in revision graph: {' -> '.join(cycle + [cycle[0]])} (see {_where(first)})")

    # -- container protocol ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._revs)

    def __contains__(self, rev_id: object) -> bool:
        return rev_id in self._revs

    def __iter__(self) -> Iterator[Revision]:
        """Revisions in topological order (parents first)."""
        return (self._revs[rid] for rid in self._order)

    # -- lookup ---------------------------------------------------------------------------

    def get(self, rev_id: str) -> Revision:
        """The revision with exactly this id."""
        try:
            return self._revs[rev_id]
        except KeyError:
            raise TargetError(f"unknown revision '{rev_id}'") from None

    def resolve(self, ident: str) -> Revision:
        """Exact id, then branch label, then unique id prefix: how users name revisions."""
        rev = self._revs.get(ident)
        if rev is not None:
            return rev
        owner = self._labels.get(ident)
        if owner is not None:
            return self._revs[owner]
        if ident:
            start = bisect.bisect_left(self._sorted_ids, ident)
            matches: list[str] = []
            for rid in self._sorted_ids[start:]:
                if not rid.startswith(ident):
                    break
                matches.append(rid)
            if len(matches) == 1:
                return self._revs[matches[0]]
            if matches:
                raise TargetError(f"ambiguous revision prefix '{ident}' matches: {_listing(matches)}")
        raise TargetError(f"unknown revision '{ident}'")

    # -- structure ------------------------------------------------------------------------

    @property
    def heads(self) -> tuple[str, ...]:
        """Revisions nothing revises (``depends_on`` does not count), sorted."""
        return self._heads

    @property
    def bases(self) -> tuple[str, ...]:
        """Revisions that revise nothing, sorted."""
        return self._bases

    def children(self, rev_id: str) -> tuple[str, ...]:
        """Revisions whose ``down_revisions`` name this one (branch structure only)."""
        self.get(rev_id)
        return tuple(self._children[rev_id])

    def dependents(self, rev_id: str) -> tuple[str, ...]:
        """Revisions that need this one: through down_revisions or depends_on."""
        self.get(rev_id)
        return tuple(self._dependents[rev_id])

    def parents(self, rev_id: str) -> tuple[str, ...]:
        """Everything that must run before this revision: down_revisions then depends_on."""
        self.get(rev_id)
        return self._parents[rev_id]

    def ancestors(self, rev_ids: Iterable[str]) -> set[str]:
        """The given revisions and all they need, via down_revisions and depends_on."""
        return self._closure(rev_ids, self._parents)

    def descendants(self, rev_ids: Iterable[str]) -> set[str]:
        """The given revisions and all that need them, via down_revisions and depends_on."""
        return self._closure(rev_ids, self._dependents)

    def _closure(self, rev_ids: Iterable[str], edges: dict[str, tuple[str, ...]] | dict[str, list[str]]) -> set[str]:
        """Inclusive reachability with an explicit stack."""
        stack = list(rev_ids)
        for rid in stack:
            self.get(rid)
        seen = set(stack)
        while stack:
            for nxt in edges[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    def topological(self, subset: Iterable[str] | None = None) -> list[str]:
        """Parents before children, deterministic; a subset keeps the whole graph's order."""
        if subset is None:
            return list(self._order)
        wanted = set(subset)
        for rid in wanted:
            self.get(rid)
        if len(wanted) * 8 < len(self._order):
            return sorted(wanted, key=self._position.__getitem__)
        return [rid for rid in self._order if rid in wanted]

    # -- the order of a run -----------------------------------------------------------------

    def listed_first(self, rev_ids: Iterable[str]) -> list[str]:
        """The given revisions in listing order (the order the graph was built from)."""
        return sorted(rev_ids, key=self._listed_at.__getitem__)

    def run_parents(self, rev_id: str) -> tuple[str, ...]:
        """Where a run steps down to from a revision: its down_revisions, then each depends_on
        that no ancestor along down_revisions declares too.

        A dependency an ancestor declares as well is implied by that ancestor, so the walk that
        orders a run (dbshift's, like Alembic's) does not treat it as one more branch to visit;
        that changes which branch is visited first, not what runs.
        """
        self.get(rev_id)
        return self._run_parents()[rev_id]

    def _run_parents(self) -> dict[str, tuple[str, ...]]:
        if self._normalized is None:
            self._normalized = self._normalize_depends_on()
        return self._normalized

    def _normalize_depends_on(self) -> dict[str, tuple[str, ...]]:
        """:meth:`run_parents` for every revision, in one pass over the topological order."""
        # Only a dependency that two or more revisions declare can be declared by an ancestor.
        declared: dict[str, int] = {}
        for rev in self._revs.values():
            for dep in dict.fromkeys(rev.depends_on):
                declared[dep] = declared.get(dep, 0) + 1
        shared = {dep for dep, n in declared.items() if n > 1}
        if not shared:
            return self._parents
        # carried[r]: the shared dependencies declared by r or an ancestor along down_revisions;
        # a chain shares one frozenset, so this stays linear unless many dependencies are shared.
        none: frozenset[str] = frozenset()
        carried: dict[str, frozenset[str]] = {}
        result: dict[str, tuple[str, ...]] = {}
        for rid in self._order:
            rev = self._revs[rid]
            inherited = none
            for pid in rev.down_revisions:
                got = carried[pid]
                if got and got is not inherited:
                    inherited = got if not inherited else inherited | got
            own = [dep for dep in rev.depends_on if dep in shared]
            carried[rid] = inherited.union(own) if own else inherited
            if own and inherited:
                deps = tuple(dep for dep in rev.depends_on if dep not in inherited)
                result[rid] = tuple(dict.fromkeys(rev.down_revisions + deps))
            else:
                result[rid] = self._parents[rid]
        return result

    def walk_down(self, todo: Collection[str], tips: Iterable[str]) -> list[str]:
        """Order ``todo`` children first, the way Alembic orders a run (an upgrade reverses it).

        The walk keeps a list of cursors, at first the ``tips`` that are in ``todo`` in listing
        order (an upgrade's targets, a downgrade's version rows), and looks at one of them:

        - if a revision of ``todo`` not emitted yet still needs the cursor's revision, nothing
          is emitted: the walk moves to the first cursor in the list whose revision needs it;
        - otherwise the revision is emitted and the cursor steps to its first run parent
          (:meth:`run_parents`) in ``todo`` that no cursor holds yet; any further such parents
          become new cursors at the end of the list;
        - a cursor with no such parent (a base, the edge of ``todo``, a parent another cursor
          holds) is dropped, and the walk moves to the cursor before it (or the first).

        Every revision of ``todo`` must be reachable from ``tips`` through ``todo``, and to be
        Alembic's order ``todo`` must hold every revision that lies between two of its own; plans
        pass the difference of two ancestor-closed sets and its tips, which always do. A chain costs
        O(n); the first time the walk waits, it builds every revision's ancestors in ``todo`` as
        a bitset (O(n^2 / 64) time, n^2 / 16 bytes: 1.5 MB for 5,000 revisions), and each wait
        then tests cursors in list order, usually only the first.
        """
        walk = _Walk(self._run_parents(), todo, self._position)  # todo's own order plays no part
        order = walk.run(self.listed_first({rid for rid in tips if rid in walk.pending}))
        if walk.pending:
            raise ValueError(f"walk_down: {_listing(self.listed_first(walk.pending))} not reachable from the tips")
        return order


class _Walk:
    """State of one :meth:`RevisionGraph.walk_down`: the cursor list, as the rule states it."""

    def __init__(self, parents: dict[str, tuple[str, ...]], todo: Collection[str], position: dict[str, int]) -> None:
        self.parents = parents
        self.position = position
        self.pending = set(todo)
        # waiting[r]: revisions of todo not emitted yet that step down to r (r is emitted at 0).
        self.waiting = dict.fromkeys(todo, 0)
        for rid in todo:
            for pid in parents[rid]:
                if pid in self.pending:
                    self.waiting[pid] += 1
        self.cursors: list[str] = []
        self.held: set[str] = set()
        self.bit: dict[str, int] = {}
        self.below: dict[str, int] = {}  # a revision and its ancestors in todo, as bits

    def run(self, tips: list[str]) -> list[str]:
        self.cursors = list(tips)
        self.held = set(tips)
        order: list[str] = []
        cursors, held, pending, waiting, parents = self.cursors, self.held, self.pending, self.waiting, self.parents
        at = 0
        while cursors:
            rid = cursors[at]
            # Every revision not emitted yet lies below a cursor, so one still waiting for rid
            # is exactly "another cursor's revision needs rid" (Alembic's test, in O(1)).
            if waiting[rid]:
                at = self._first_cursor_above(rid, at)
                continue
            order.append(rid)
            pending.discard(rid)
            held.discard(rid)
            fresh: list[str] = []
            for pid in parents[rid]:
                if pid in pending:
                    waiting[pid] -= 1
                    if pid not in held:
                        fresh.append(pid)
                        held.add(pid)
            if fresh:
                cursors[at] = fresh[0]
                cursors.extend(fresh[1:])
            else:
                del cursors[at]
                at = max(at - 1, 0)
        return order

    def _first_cursor_above(self, rid: str, at: int) -> int:
        """The position of the first cursor (other than ``at``) whose revision needs ``rid``."""
        if not self.below:
            self._build_ancestors()
        bit = self.bit[rid]
        for index, cursor in enumerate(self.cursors):
            if index != at and self.below[cursor] >> bit & 1:
                return index
        raise AssertionError(f"{rid} is waited for but no cursor needs it")

    def _build_ancestors(self) -> None:
        """Ancestors within todo never change during a walk: compute them once, parents first."""
        todo = sorted(self.waiting, key=self.position.__getitem__)
        self.bit = {rid: i for i, rid in enumerate(todo)}
        below = self.below
        for rid in todo:
            bits = 1 << self.bit[rid]
            for pid in self.parents[rid]:
                got = below.get(pid)
                if got is not None:
                    bits |= got
            below[rid] = bits
