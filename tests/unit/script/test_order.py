"""The order of a run: dbshift runs a history in the order Alembic does.

Each expected order below was checked against Alembic 1.20 over the same revision files (the
property test in test_alembic_order.py compares random histories). Graphs are listed as a
migration folder lists its files, by name (``folder``); the listing breaks ties.

The rule, in short: a downgrade walks down from the version rows, one branch at a time (the
first listed first), and stops at a revision another pending branch still needs, to walk that
branch first; an upgrade is the same walk down from the target, run backwards.
"""

from __future__ import annotations

import pytest

from dbshift.script.plan import Step, plan_downgrade, plan_upgrade
from dbshift.script.revision import RevisionGraph

from .helpers import folder, revisions


def ids(steps: list[Step]) -> list[str]:
    return [s.revision.revision for s in steps]


def rows(steps: list[Step]) -> list[set[str]]:
    return [set(s.heads_after) for s in steps]


class TestSiblings:
    """
          +-- b1 -- b2
    a ----+
          +-- c1 -- c2
    """

    SPEC = "a: b1:a b2:b1 c1:a c2:c1"

    def test_upgrade_heads_runs_the_branch_listed_last_first(self) -> None:
        # The walk goes b2, b1, then stops at a (c1 still needs it) and walks c2, c1, then a;
        # the upgrade runs that backwards. Smallest id first would interleave: a b1 b2 c1 c2.
        steps = plan_upgrade(folder(self.SPEC), [], "heads")
        assert ids(steps) == ["a", "c1", "c2", "b1", "b2"]
        assert rows(steps) == [{"a"}, {"c1"}, {"c2"}, {"b1", "c2"}, {"b2", "c2"}]

    def test_downgrade_base_runs_the_branch_listed_first_first(self) -> None:
        steps = plan_downgrade(folder(self.SPEC), ["b2", "c2"], "base")
        assert ids(steps) == ["b2", "b1", "c2", "c1", "a"]
        assert rows(steps) == [{"b1", "c2"}, {"c2"}, {"c1"}, {"a"}, set()]

    def test_the_listing_decides_which_sibling_goes_first(self) -> None:
        """The same graph, its files listed the other way round (as other file names would)."""
        listed_backwards = RevisionGraph(reversed(revisions(self.SPEC)))
        up = {g: ids(plan_upgrade(g, [], "heads")) for g in (folder(self.SPEC), listed_backwards)}
        assert list(up.values()) == [["a", "c1", "c2", "b1", "b2"], ["a", "b1", "b2", "c1", "c2"]]
        down = {g: ids(plan_downgrade(g, ["b2", "c2"], "base")) for g in (folder(self.SPEC), listed_backwards)}
        assert list(down.values()) == [["b2", "b1", "c2", "c1", "a"], ["c2", "c1", "b2", "b1", "a"]]


class TestDiamond:
    """
          +-- b --+
    a ----+       +-- m -- n
          +-- c --+
    """

    SPEC = "a: b:a c:a m:b,c n:m"

    def test_upgrade_runs_the_last_parent_first(self) -> None:
        # Walking down from n: m, then its first parent b; a waits for c, so c; then a.
        steps = plan_upgrade(folder(self.SPEC), [], "head")
        assert ids(steps) == ["a", "c", "b", "m", "n"]
        assert rows(steps) == [{"a"}, {"c"}, {"b", "c"}, {"m"}, {"n"}]

    def test_downgrade_undoes_the_first_parent_first(self) -> None:
        steps = plan_downgrade(folder(self.SPEC), ["n"], "base")
        assert ids(steps) == ["n", "m", "b", "c", "a"]
        assert rows(steps) == [{"m"}, {"b", "c"}, {"c"}, {"a"}, set()]


class TestDependsOnAcrossBranches:
    """
    a -- b -- c
         :
    x -- y -- z      (y depends on b)
    """

    SPEC = "a: b:a c:b x: y:x~b z:y"

    def test_upgrade_heads(self) -> None:
        # Down from c, b waits for y: the walk takes z, y, x first. Reversed: a b x y z c.
        steps = plan_upgrade(folder(self.SPEC), [], "heads")
        assert ids(steps) == ["a", "b", "x", "y", "z", "c"]
        # y's row replaces b's too (y depends on b), as Alembic writes it.
        assert rows(steps) == [{"a"}, {"b"}, {"b", "x"}, {"y"}, {"z"}, {"c", "z"}]

    def test_downgrade_below_the_dependency_undoes_its_dependents(self) -> None:
        steps = plan_downgrade(folder(self.SPEC), ["c", "z"], "a")
        assert ids(steps) == ["c", "z", "y", "b"]
        # Rows as the real Alembic writes them: b stays folded into y's row while y is applied.
        assert rows(steps) == [{"z"}, {"y"}, {"b", "x"}, {"a", "x"}]

    def test_downgrade_to_the_dependency_keeps_its_dependents(self) -> None:
        """b stays, so y and z, which only depend on b, stay too: only c is undone."""
        steps = plan_downgrade(folder(self.SPEC), ["c", "z"], "b")
        assert ids(steps) == ["c"]
        assert rows(steps) == [{"z"}]  # z stands for b (through y), as Alembic writes it


class TestTwoBases:
    """
    a -- b --+
             +-- m      (m merges two histories that start at a and at x)
    x -- y --+
    """

    def test_upgrade_to_the_merge(self) -> None:
        steps = plan_upgrade(folder("a: b:a x: y:x m:b,y"), [], "head")
        assert ids(steps) == ["x", "y", "a", "b", "m"]
        assert rows(steps) == [{"x"}, {"y"}, {"a", "y"}, {"b", "y"}, {"m"}]

    def test_downgrade_from_the_merge(self) -> None:
        steps = plan_downgrade(folder("a: b:a x: y:x m:b,y"), ["m"], "base")
        assert ids(steps) == ["m", "b", "a", "y", "x"]
        assert rows(steps) == [{"b", "y"}, {"a", "y"}, {"y"}, {"x"}, set()]

    def test_unjoined_bases_one_after_the_other(self) -> None:
        """
        a -- b
        x -- y
        """
        g = folder("a: b:a x: y:x")
        assert ids(plan_upgrade(g, [], "heads")) == ["x", "y", "a", "b"]
        assert ids(plan_downgrade(g, ["b", "y"], "base")) == ["b", "a", "y", "x"]


class TestRelativeDowngrade:
    """
    a -- b -- c
     \\        :
      x ---- y      (c depends on y; the database's only row is c, as Alembic writes it)
    """

    SPEC = "a: b:a c:b~y x:a y:x"

    def test_minus_n_undoes_only_the_current_line(self) -> None:
        steps = plan_downgrade(folder(self.SPEC), ["c"], "-2")
        assert ids(steps) == ["c", "b"]
        # y had no row of its own (c's row stood for it): undoing c gives it one.
        assert rows(steps) == [{"b", "y"}, {"y"}]

    def test_the_same_target_by_id_undoes_both_lines(self) -> None:
        steps = plan_downgrade(folder(self.SPEC), ["c"], "a")
        assert ids(steps) == ["c", "b", "y", "x"]
        assert rows(steps) == [{"b", "y"}, {"y"}, {"x"}, {"a"}]


def test_rows_written_by_alembic_keep_telling_the_truth() -> None:
    """
    a -- b
         :
    x -- y      (y depends on b; Alembic's version table then holds y alone)
    """
    steps = plan_downgrade(folder("a: b:a x: y:x~b"), ["y"], "base")
    assert ids(steps) == ["y", "x", "b", "a"]
    assert rows(steps) == [{"b", "x"}, {"b"}, {"a"}, set()]


def test_run_parents_skip_a_dependency_an_ancestor_declares() -> None:
    """
    d
    :  :
    a -- b      (a and b both depend on d; b revises a, so a's dependency covers b's)
    """
    g = folder("d: a:~d b:a~d")
    assert g.run_parents("a") == ("d",)
    assert g.run_parents("b") == ("a",)
    assert g.parents("b") == ("a", "d")


def test_walk_down_refuses_revisions_the_tips_do_not_reach() -> None:
    g = folder("a: b:a x:")
    assert g.walk_down({"a", "b"}, ["b"]) == ["b", "a"]
    with pytest.raises(ValueError, match="x not reachable from the tips"):
        g.walk_down({"a", "b", "x"}, ["b"])
