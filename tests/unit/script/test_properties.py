"""Properties of graphs and plans over random revision DAGs (Hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from dbshift.script.plan import Step, plan_downgrade, plan_upgrade
from dbshift.script.revision import Revision, RevisionGraph
from dbshift.script.targets import current_heads


@st.composite
def dags(draw: st.DrawFn) -> RevisionGraph:
    """Each revision picks its parents (and maybe a dependency) among earlier ones.

    Ids are shuffled so sorted order says nothing about history order.
    """
    n = draw(st.integers(min_value=1, max_value=20))
    names = draw(st.permutations([f"r{i:02d}" for i in range(n)]))
    revs = []
    for i in range(n):
        earlier = st.sampled_from(names[:i]) if i else st.nothing()
        parents = draw(st.lists(earlier, max_size=min(i, 3), unique=True)) if i else []
        deps = draw(st.lists(earlier, max_size=min(i, 1), unique=True)) if i else []
        deps = [d for d in deps if d not in parents]
        revs.append(Revision(names[i], tuple(parents), depends_on=tuple(deps)))
    order = draw(st.permutations(revs))  # the listing order may change a run's order, never its validity
    return RevisionGraph(order)


def applied_after(steps: list[Step], start: set[str]) -> list[set[str]]:
    """The applied set after each step, computed independently of heads_after."""
    applied = set(start)
    out = []
    for step in steps:
        if step.direction == "upgrade":
            applied.add(step.revision.revision)
        else:
            applied.remove(step.revision.revision)
        out.append(set(applied))
    return out


def check_rows(graph: RevisionGraph, steps: list[Step], start: set[str]) -> None:
    """Rows chain step to step, and always denote exactly the applied set."""
    for before, after in itertools.pairwise(steps):
        assert before.heads_after == after.heads_before
    for step, applied in zip(steps, applied_after(steps, start)):
        assert graph.ancestors(step.heads_after) == applied
        # Rows are branch tips: no row is a parent of another applied revision.
        for row in step.heads_after:
            assert not any(kid in applied for kid in graph.children(row))


@settings(max_examples=100, deadline=None)
@given(dags())
def test_topological_respects_every_edge(graph: RevisionGraph) -> None:
    order = graph.topological()
    position = {rid: i for i, rid in enumerate(order)}
    assert sorted(order) == sorted(r.revision for r in graph)
    for rev in graph:
        for parent in rev.down_revisions + rev.depends_on:
            assert position[parent] < position[rev.revision]
    assert set(graph.heads) == {r.revision for r in graph if not graph.children(r.revision)}


@settings(max_examples=100, deadline=None)
@given(dags())
def test_up_to_heads_and_back_to_base(graph: RevisionGraph) -> None:
    everything = sorted(r.revision for r in graph)
    up = plan_upgrade(graph, [], "heads")
    assert sorted(s.revision.revision for s in up) == everything
    # The heads nothing applied needs (a head another head depends on has no row of its own).
    assert up[-1].heads_after == current_heads(graph, graph.heads)
    check_rows(graph, up, set())

    down = plan_downgrade(graph, up[-1].heads_after, "base")
    assert sorted(s.revision.revision for s in down) == everything
    assert down[-1].heads_after == frozenset()
    check_rows(graph, down, set(everything))
    undone: set[str] = set()
    for step in down:  # nothing is undone while something that needs it is still applied
        assert graph.descendants([step.revision.revision]) - {step.revision.revision} <= undone
        undone.add(step.revision.revision)


@settings(max_examples=100, deadline=None)
@given(dags(), st.data())
def test_upgrade_in_two_hops_never_repeats(graph: RevisionGraph, data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(sorted(r.revision for r in graph)))
    first = plan_upgrade(graph, [], target)
    assert {s.revision.revision for s in first} == graph.ancestors([target])
    current = first[-1].heads_after
    second = plan_upgrade(graph, current, "heads")
    first_ids = [s.revision.revision for s in first]
    second_ids = [s.revision.revision for s in second]
    assert not set(first_ids) & set(second_ids)
    assert sorted(first_ids + second_ids) == sorted(r.revision for r in graph)
    check_rows(graph, second, set(first_ids))
    assert plan_upgrade(graph, second[-1].heads_after if second else current, "heads") == []


@settings(max_examples=100, deadline=None)
@given(dags(), st.data())
def test_downgrade_to_any_revision(graph: RevisionGraph, data: st.DataObject) -> None:
    heads = frozenset(graph.heads)
    target = data.draw(st.sampled_from(sorted(r.revision for r in graph)))
    steps = plan_downgrade(graph, heads, target)
    undone = {s.revision.revision for s in steps}
    # What grows from the target's children goes; what only depends on the target stays.
    children = graph.children(target)
    assert undone == (graph.descendants(children) if children else set())
    everything = {r.revision for r in graph}
    check_rows(graph, steps, everything)
    final = steps[-1].heads_after if steps else heads
    assert target in graph.ancestors(final)
    # Upgrading back to heads re-applies exactly what was undone.
    again = plan_upgrade(graph, final, "heads")
    assert {s.revision.revision for s in again} == undone
