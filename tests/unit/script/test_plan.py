"""Targets and plans: what `upgrade X` / `downgrade X` will do, without a database."""

from __future__ import annotations

import pytest

from dbshift.errors import TargetError
from dbshift.script.plan import Step, plan_downgrade, plan_upgrade, resolve_heads
from dbshift.script.revision import Revision, RevisionGraph
from dbshift.script.targets import inconsistent_rows, validate_target

from .helpers import graph


def ids(steps: list[Step]) -> list[str]:
    return [s.revision.revision for s in steps]


def rows(steps: list[Step]) -> list[set[str]]:
    return [set(s.heads_after) for s in steps]


# a1b2 -- a1c3 -- d4e5 -- f6a7
LINEAR = "a1b2: a1c3:a1b2 d4e5:a1c3 f6a7:d4e5"

#        +-- b1 -- b2 (label: feat)
#  r ----+
#        +-- c1
BRANCHED = "r: b1@feat:r b2:b1 c1:r"

#        +-- b --+
#  a ----+       +-- m
#        +-- c --+
MERGE = "a: b:a c:a m:b,c"


class TestResolve:
    def test_keywords(self) -> None:
        g = graph(LINEAR)
        assert resolve_heads(g, "base") == frozenset()
        assert resolve_heads(g, "head") == {"f6a7"}
        assert resolve_heads(g, "heads") == {"f6a7"}

    def test_id_prefix_label(self) -> None:
        g = graph(BRANCHED)
        assert resolve_heads(g, "b2") == {"b2"}
        assert resolve_heads(g, "c") == {"c1"}
        assert resolve_heads(g, "feat") == {"b1"}
        assert resolve_heads(g, "feat@head") == {"b2"}

    def test_branch_head_ambiguous(self) -> None:
        with pytest.raises(TargetError, match="'r' leads to several heads \\(b2, c1\\)"):
            resolve_heads(graph(BRANCHED), "r@head")

    def test_unknown_and_ambiguous(self) -> None:
        g = graph(LINEAR)
        with pytest.raises(TargetError, match="^unknown revision 'zz'$"):
            resolve_heads(g, "zz")
        with pytest.raises(TargetError) as err:
            resolve_heads(g, "a1")
        assert str(err.value) == "ambiguous revision prefix 'a1' matches: a1b2, a1c3"

    def test_relative_from_current(self) -> None:
        g = graph(LINEAR)
        assert resolve_heads(g, "+1") == {"a1b2"}
        assert resolve_heads(g, "+2", ["a1b2"]) == {"d4e5"}
        assert resolve_heads(g, "-1", ["d4e5"]) == {"a1c3"}
        assert resolve_heads(g, "-3", ["d4e5"]) == frozenset()

    def test_relative_from_revision(self) -> None:
        g = graph(LINEAR)
        assert resolve_heads(g, "a1c3+2") == {"f6a7"}
        assert resolve_heads(g, "f6a7-2") == {"a1c3"}
        assert resolve_heads(g, "head-1") == {"d4e5"}

    def test_relative_beyond_head(self) -> None:
        with pytest.raises(TargetError, match="cannot upgrade 3 steps from .*only 1 revision"):
            resolve_heads(graph(LINEAR), "+3", ["d4e5"])

    def test_relative_through_branch_point_is_ambiguous(self) -> None:
        with pytest.raises(TargetError, match="branches into b1, c1"):
            resolve_heads(graph(BRANCHED), "+2")

    def test_current_not_in_folder(self) -> None:
        with pytest.raises(TargetError) as err:
            resolve_heads(graph(LINEAR), "head", ["dead"])
        assert str(err.value) == ("database is at revision 'dead' which is not in the migration folder")

    def test_label_looking_like_relative(self) -> None:
        g = RevisionGraph([Revision("a", branch_labels=("v-1",))])
        assert resolve_heads(g, "v-1") == {"a"}


class TestUpgrade:
    def test_head_from_base(self) -> None:
        steps = plan_upgrade(graph(LINEAR), [], "head")
        assert ids(steps) == ["a1b2", "a1c3", "d4e5", "f6a7"]
        assert steps[0].heads_before == frozenset()
        assert rows(steps) == [{"a1b2"}, {"a1c3"}, {"d4e5"}, {"f6a7"}]
        assert all(s.direction == "upgrade" for s in steps)
        assert (steps[0].source, steps[0].destination) == ("base", "a1b2")
        assert (steps[1].source, steps[1].destination) == ("a1b2", "a1c3")

    def test_from_middle_to_id_and_prefix(self) -> None:
        g = graph(LINEAR)
        assert ids(plan_upgrade(g, ["a1c3"], "d4e5")) == ["d4e5"]
        assert ids(plan_upgrade(g, ["a1b2"], "f6")) == ["a1c3", "d4e5", "f6a7"]

    def test_already_applied_is_empty(self) -> None:
        g = graph(LINEAR)
        assert plan_upgrade(g, ["f6a7"], "head") == []
        assert plan_upgrade(g, ["f6a7"], "f6a7") == []
        with pytest.raises(TargetError, match="below the current revision"):
            plan_upgrade(g, ["f6a7"], "a1c3")

    def test_plus_n(self) -> None:
        steps = plan_upgrade(graph(LINEAR), ["a1b2"], "+2")
        assert ids(steps) == ["a1c3", "d4e5"]

    def test_head_with_two_heads(self) -> None:
        with pytest.raises(TargetError) as err:
            plan_upgrade(graph(BRANCHED), [], "head")
        assert str(err.value) == (
            "multiple heads (b2, c1); use 'heads' to target all of them, or join them with 'dbshift merge'"
        )

    def test_heads_applies_both_branches(self) -> None:
        """
              +-- b1 -- b2
        r ----+
              +-- c1

        Alembic's order: the walk starts at b2 (first head listed) and goes down to r, which
        c1 still needs; so c1 is walked first, then r, and the upgrade runs that backwards.
        """
        steps = plan_upgrade(graph(BRANCHED), [], "heads")
        assert ids(steps) == ["r", "c1", "b1", "b2"]
        assert rows(steps) == [{"r"}, {"c1"}, {"b1", "c1"}, {"b2", "c1"}]

    def test_other_branch_only(self) -> None:
        steps = plan_upgrade(graph(BRANCHED), ["b2"], "c1")
        assert ids(steps) == ["c1"]
        assert steps[0].heads_before == {"b2"}
        assert steps[0].heads_after == {"b2", "c1"}

    def test_across_merge(self) -> None:
        """
              +-- b --+
        a ----+       +-- m
              +-- c --+
        """
        steps = plan_upgrade(graph(MERGE), ["b"], "m")
        assert ids(steps) == ["c", "m"]
        assert [set(s.heads_before) for s in steps] == [{"b"}, {"b", "c"}]
        assert rows(steps) == [{"b", "c"}, {"m"}]
        assert (steps[1].source, steps[1].destination) == ("b,c", "m")

    def test_merge_parents_plus_one(self) -> None:
        assert ids(plan_upgrade(graph(MERGE), ["b", "c"], "+1")) == ["m"]

    def test_depends_on_folds_the_dependency_row(self) -> None:
        """
        a -- b
             :
        x -- y   (y depends on b)

        As Alembic writes it: y's row stands for b too (nothing applied needs b but y).
        """
        steps = plan_upgrade(graph("a: b:a x: y:x~b"), [], "y")
        assert ids(steps) == ["a", "b", "x", "y"]
        assert steps[-1].heads_after == {"y"}
        # Rows an older dbshift wrote ({b, y}) are read as the same revisions.
        assert plan_upgrade(graph("a: b:a x: y:x~b"), ["b", "y"], "y") == []

    def test_redundant_current_rows_are_dropped(self) -> None:
        steps = plan_upgrade(graph(LINEAR), ["a1b2", "a1c3"], "d4e5")
        assert steps[0].heads_before == {"a1b2", "a1c3"}
        assert steps[0].heads_after == {"d4e5"}


class TestDowngrade:
    def test_base(self) -> None:
        steps = plan_downgrade(graph(LINEAR), ["f6a7"], "base")
        assert ids(steps) == ["f6a7", "d4e5", "a1c3", "a1b2"]
        assert rows(steps) == [{"d4e5"}, {"a1c3"}, {"a1b2"}, set()]
        assert all(s.direction == "downgrade" for s in steps)
        assert (steps[0].source, steps[0].destination) == ("f6a7", "d4e5")
        assert (steps[-1].source, steps[-1].destination) == ("a1b2", "base")

    def test_minus_n(self) -> None:
        steps = plan_downgrade(graph(LINEAR), ["f6a7"], "-2")
        assert ids(steps) == ["f6a7", "d4e5"]
        assert steps[-1].heads_after == {"a1c3"}

    def test_minus_n_below_base(self) -> None:
        with pytest.raises(TargetError) as err:
            plan_downgrade(graph(LINEAR), ["a1c3"], "-3")
        assert str(err.value).startswith("cannot downgrade 3 steps: only 2 revisions applied")
        assert "below base" in str(err.value)

    def test_minus_n_with_two_heads(self) -> None:
        with pytest.raises(TargetError, match="several heads \\(b2, c1\\)"):
            plan_downgrade(graph(BRANCHED), ["b2", "c1"], "-1")

    def test_to_id_undoes_descendants_only(self) -> None:
        steps = plan_downgrade(graph(LINEAR), ["f6a7"], "a1c3")
        assert ids(steps) == ["f6a7", "d4e5"]

    def test_to_current_is_empty(self) -> None:
        assert plan_downgrade(graph(LINEAR), ["d4e5"], "d4e5") == []

    def test_target_not_applied(self) -> None:
        with pytest.raises(TargetError, match="cannot downgrade to 'f6a7'"):
            plan_downgrade(graph(LINEAR), ["a1c3"], "f6a7")

    def test_one_branch_keeps_the_other(self) -> None:
        steps = plan_downgrade(graph(BRANCHED), ["b2", "c1"], "r")
        assert sorted(ids(steps)) == ["b1", "b2", "c1"]
        assert ids(steps).index("b2") < ids(steps).index("b1")
        assert steps[-1].heads_after == {"r"}

    def test_across_merge(self) -> None:
        """
              +-- b --+
        a ----+       +-- m
              +-- c --+
        """
        g = graph(MERGE)
        one = plan_downgrade(g, ["m"], "-1")
        assert ids(one) == ["m"]
        assert one[0].heads_after == {"b", "c"}
        # Only descendants of b are undone: c stays applied as its own row.
        assert rows(plan_downgrade(g, ["m"], "b")) == [{"b", "c"}]
        steps = plan_downgrade(g, ["m"], "a")
        assert ids(steps)[0] == "m" and sorted(ids(steps)[1:]) == ["b", "c"]
        assert steps[-1].heads_after == {"a"}
        with pytest.raises(TargetError, match="splits at a merge into b, c"):
            plan_downgrade(g, ["m"], "-2")

    def test_dependency_pulls_dependent_down(self) -> None:
        """
        a -- b
             :
        x -- y   (y depends on b): removing b must remove y first
        """
        steps = plan_downgrade(graph("a: b:a x: y:x~b"), ["b", "y"], "a")
        assert ids(steps) == ["y", "b"]
        assert rows(steps) == [{"b", "x"}, {"a", "x"}]


def test_long_history_plans_fast() -> None:
    n = 5_000
    g = RevisionGraph(Revision(f"r{i:05d}", (f"r{i - 1:05d}",) if i else ()) for i in range(n))
    up = plan_upgrade(g, [], "heads")
    assert len(up) == n and up[-1].heads_after == {f"r{n - 1:05d}"}
    down = plan_downgrade(g, [up[-1].revision.revision], "base")
    assert len(down) == n and down[-1].heads_after == frozenset()


def test_upgrade_backwards_is_refused_with_a_hint() -> None:
    """
    a -- b -- c   (database at c)
    """
    g = RevisionGraph([Revision("a"), Revision("b", "a"), Revision("c", "b")])
    with pytest.raises(TargetError) as err:
        plan_upgrade(g, ["c"], "a")
    assert "below the current revision (c)" in str(err.value)
    assert "downgrade" in str(err.value)
    assert plan_upgrade(g, ["c"], "c") == []
    assert plan_upgrade(g, ["c"], "head") == []


@pytest.mark.parametrize("current", [[], ["a1b2"], ["d4e5"], ["f6a7"]])
def test_relative_target_in_the_wrong_direction_says_which_command(current: list[str]) -> None:
    """Alembic refuses both too ("Relative revision -1 didn't produce 1 migrations"), wherever
    the database is; dbshift names the command that moves that way."""
    g = graph(LINEAR)
    with pytest.raises(TargetError, match=r"^'-1' moves down; use 'dbshift downgrade -1'$"):
        plan_upgrade(g, current, "-1")
    with pytest.raises(TargetError, match=r"^'\+2' moves up; use 'dbshift upgrade \+2'$"):
        plan_downgrade(g, current, "+2")


def test_relative_target_from_a_revision_may_go_either_way() -> None:
    """``x-1`` and ``x+1`` name a revision, as in Alembic: the direction is the command's."""
    g = graph(LINEAR)
    assert ids(plan_upgrade(g, ["a1b2"], "f6a7-1")) == ["a1c3", "d4e5"]
    assert ids(plan_downgrade(g, ["f6a7"], "a1b2+1")) == ["f6a7", "d4e5"]


class TestValidateTarget:
    """What can be refused before any database is read: the target's absolute part."""

    @pytest.mark.parametrize(
        "target", ["head", "heads", "base", "f6a7", "d4", "a1c3+2", "head-1", "+1", "-1", "+9", "-9", " head "]
    )
    def test_valid_targets_pass(self, target: str) -> None:
        validate_target(graph(LINEAR), target)

    @pytest.mark.parametrize(
        "target, message",
        [
            ("zz", "unknown revision 'zz'"),
            ("a1", "ambiguous revision prefix 'a1' matches: a1b2, a1c3"),
            ("zz@head", "unknown revision 'zz'"),
            ("zz+1", "unknown revision 'zz'"),
            ("f6a7+1", "cannot upgrade 1 step from 'f6a7': only 0 revisions ahead"),
            ("a1b2-2", "cannot go 2 steps back from 'a1b2': only 1 revision down to base"),
            ("", "empty revision target"),
        ],
    )
    def test_unresolvable_targets_fail(self, target: str, message: str) -> None:
        with pytest.raises(TargetError) as err:
            validate_target(graph(LINEAR), target)
        assert str(err.value) == message

    def test_several_heads(self) -> None:
        with pytest.raises(TargetError, match="multiple heads"):
            validate_target(graph(BRANCHED), "head")
        validate_target(graph(BRANCHED), "heads")
        validate_target(graph(BRANCHED), "feat@head")

    def test_direction(self) -> None:
        g = graph(LINEAR)
        validate_target(g, "+1", "upgrade")
        validate_target(g, "-1", "downgrade")
        with pytest.raises(TargetError, match="^'-1' moves down; use 'dbshift downgrade -1'$"):
            validate_target(g, "-1", "upgrade")
        with pytest.raises(TargetError, match=r"^'\+1' moves up; use 'dbshift upgrade \+1'$"):
            validate_target(g, "+1", "downgrade")

    def test_label_looking_like_relative(self) -> None:
        g = RevisionGraph([Revision("a", branch_labels=("-1",))])
        validate_target(g, "-1", "upgrade")
        assert ids(plan_upgrade(g, [], "-1")) == ["a"]


class TestInconsistentRows:
    """A version table holds one row per line of descent: never a revision and its ancestor.

    #  a -- b -- c          x -- y ~~> (y depends on b)
    """

    SPEC = "a: b:a c:b x: y:x~b"

    @pytest.mark.parametrize("rows", [[], ["a"], ["c"], ["c", "y"], ["b", "y"], ["nope"], ["c", "nope"]])
    def test_consistent(self, rows: list[str]) -> None:
        assert inconsistent_rows(graph(self.SPEC), rows) is None

    def test_a_revision_and_its_ancestor(self) -> None:
        assert inconsistent_rows(graph(self.SPEC), ["a", "c"]) == (
            "rows 'c' and 'a' are on one line of descent: 'a' is an ancestor of 'c'"
        )
        assert inconsistent_rows(graph(self.SPEC), {"b", "c", "y"}) == (
            "rows 'c' and 'b' are on one line of descent: 'b' is an ancestor of 'c'"
        )

    def test_a_dependency_row_is_tolerated(self) -> None:
        """y depends on b: rows {b, y} name the same applied revisions as {y} (an older dbshift
        kept a dependency's row; current_heads folds it away), so they are not a conflict. Only
        down_revisions make a line of descent."""
        g = graph(self.SPEC)
        assert inconsistent_rows(g, ["b", "y"]) is None
        assert inconsistent_rows(g, ["a", "y"]) is None
        assert (
            inconsistent_rows(g, ["x", "y"]) == "rows 'y' and 'x' are on one line of descent: 'x' is an ancestor of 'y'"
        )
