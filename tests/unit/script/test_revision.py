"""The revision graph: shapes drawn in docstrings, parents on the left."""

from __future__ import annotations

import time

import pytest

from dbshift.errors import ScriptError, TargetError
from dbshift.script.revision import Revision, RevisionGraph, normalize_ids

from .helpers import graph


class TestNormalize:
    def test_forms(self) -> None:
        assert normalize_ids(None) == ()
        assert normalize_ids("a") == ("a",)
        assert normalize_ids(["a", "b"]) == ("a", "b")
        assert normalize_ids(("a", "b")) == ("a", "b")

    def test_rejects_non_strings(self) -> None:
        with pytest.raises(TypeError):
            normalize_ids(3)
        with pytest.raises(TypeError):
            normalize_ids(("a", 3))

    def test_revision_normalises_loose_input(self) -> None:
        rev = Revision("b", "a", None)  # type: ignore[arg-type]
        assert rev.down_revisions == ("a",)
        assert rev.branch_labels == ()
        assert not rev.is_base and not rev.is_merge
        assert Revision("m", ("a", "b")).is_merge
        assert Revision("a").is_base


class TestShapes:
    def test_linear(self) -> None:
        """
        a -- b -- c
        """
        g = graph("a: b:a c:b")
        assert g.heads == ("c",)
        assert g.bases == ("a",)
        assert g.topological() == ["a", "b", "c"]
        assert g.ancestors(["b"]) == {"a", "b"}
        assert g.descendants(["b"]) == {"b", "c"}
        assert g.children("a") == ("b",)
        assert len(g) == 3 and "b" in g and "z" not in g
        assert [r.revision for r in g] == ["a", "b", "c"]

    def test_branch(self) -> None:
        """
              +-- b1 -- b2
        a ----+
              +-- c1
        """
        g = graph("a: b1:a b2:b1 c1:a")
        assert g.heads == ("b2", "c1")
        assert g.bases == ("a",)
        assert sorted(g.children("a")) == ["b1", "c1"]
        assert g.descendants(["a"]) == {"a", "b1", "b2", "c1"}
        assert g.ancestors(["c1"]) == {"a", "c1"}
        order = g.topological()
        assert order.index("a") < order.index("b1") < order.index("b2")

    def test_merge(self) -> None:
        """
              +-- b --+
        a ----+       +-- m -- n
              +-- c --+
        """
        g = graph("a: b:a c:a m:b,c n:m")
        assert g.heads == ("n",)
        assert g.get("m").is_merge
        assert g.ancestors(["m"]) == {"a", "b", "c", "m"}
        assert g.descendants(["c"]) == {"c", "m", "n"}
        assert g.topological() == ["a", "b", "c", "m", "n"]

    def test_two_bases(self) -> None:
        """
        a -- b
        x -- y
        """
        g = graph("a: b:a x: y:x")
        assert g.bases == ("a", "x")
        assert g.heads == ("b", "y")
        assert g.ancestors(["y"]) == {"x", "y"}

    def test_depends_on(self) -> None:
        """
        a -- b
             :        (y depends on b; not a merge)
        x -- y
        """
        g = graph("a: b:a x: y:x~b")
        assert g.heads == ("b", "y")  # depends_on does not end branch b
        assert g.children("b") == ()
        assert g.ancestors(["y"]) == {"a", "b", "x", "y"}
        assert g.descendants(["a"]) == {"a", "b", "y"}
        order = g.topological()
        assert order.index("b") < order.index("y")

    def test_topological_subset_keeps_global_order(self) -> None:
        """
        a -- b -- c -- d
        """
        g = graph("a: b:a c:b d:c")
        assert g.topological(["d", "b"]) == ["b", "d"]
        assert g.topological([]) == []

    def test_empty(self) -> None:
        g = RevisionGraph([])
        assert g.heads == () and g.bases == () and g.topological() == []


class TestLookup:
    def test_get_unknown(self) -> None:
        with pytest.raises(TargetError, match="unknown revision 'zz'"):
            graph("a:").get("zz")

    def test_resolve_exact_prefix_label(self) -> None:
        """
        ab12 -- ab34 -- cd56 (label: feat)
        """
        g = graph("ab12: ab34:ab12 cd56@feat:ab34")
        assert g.resolve("ab12").revision == "ab12"
        assert g.resolve("c").revision == "cd56"
        assert g.resolve("feat").revision == "cd56"
        with pytest.raises(TargetError) as err:
            g.resolve("ab")
        assert str(err.value) == "ambiguous revision prefix 'ab' matches: ab12, ab34"
        with pytest.raises(TargetError, match="unknown revision 'ff'"):
            g.resolve("ff")
        with pytest.raises(TargetError, match="unknown revision ''"):
            g.resolve("")

    def test_ambiguous_prefix_listing_is_capped(self) -> None:
        g = RevisionGraph(Revision(f"a{i:02d}") for i in range(30))
        with pytest.raises(TargetError, match=r"\.\.\. \(20 more\)$"):
            g.resolve("a")


class TestErrors:
    def test_duplicate_names_both_files(self) -> None:
        revs = [Revision("a", path="versions/a_one.py"), Revision("a", path="versions/a_two.py")]
        with pytest.raises(ScriptError) as err:
            RevisionGraph(revs)
        assert str(err.value) == ("duplicate revision id 'a' in versions/a_one.py and versions/a_two.py")

    def test_missing_parent_names_file_and_id(self) -> None:
        with pytest.raises(ScriptError) as err:
            graph("a: b:zz")
        assert str(err.value) == ("versions/b_x.py: down_revision 'zz' of revision 'b' does not exist")

    def test_missing_dependency(self) -> None:
        with pytest.raises(ScriptError, match="depends_on 'zz' of revision 'b' does not exist"):
            graph("a: b:a~zz")

    def test_self_cycle(self) -> None:
        """
        a <-+
        +---+
        """
        with pytest.raises(ScriptError) as err:
            graph("a:a")
        assert str(err.value) == ("cycle in revision graph: a -> a (versions/a_x.py lists itself in down_revision)")

    def test_cycle(self) -> None:
        """
        r -- a -- b -- c
             ^         |
             +---------+
        """
        with pytest.raises(ScriptError) as err:
            graph("r: a:r,c b:a c:b")
        assert str(err.value) == ("cycle in revision graph: a -> b -> c -> a (see versions/a_x.py)")

    def test_cycle_through_depends_on(self) -> None:
        with pytest.raises(ScriptError, match=r"cycle in revision graph: a -> b -> a"):
            graph("a:~b b:a")

    def test_duplicate_branch_label(self) -> None:
        with pytest.raises(ScriptError, match="branch label 'x' is used by both"):
            graph("a@x: b@x:a")

    def test_errors_are_one_line(self) -> None:
        for spec in ("a:a", "a: b:zz", "r: a:r,c b:a c:b"):
            with pytest.raises(ScriptError) as err:
                graph(spec)
            assert "\n" not in str(err.value)


def test_long_linear_history_is_fast_and_iterative() -> None:
    """A 20,000-revision chain: far past the recursion limit, still instant."""
    n = 20_000
    revs = [Revision(f"r{i:05d}", (f"r{i - 1:05d}",) if i else ()) for i in range(n)]
    start = time.perf_counter()
    g = RevisionGraph(revs)
    assert g.heads == (f"r{n - 1:05d}",)
    assert len(g.ancestors([g.heads[0]])) == n
    assert len(g.descendants(["r00000"])) == n
    assert g.topological()[-1] == g.heads[0]
    assert time.perf_counter() - start < 2.0
