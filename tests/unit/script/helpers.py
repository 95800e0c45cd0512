"""Small builders shared by the script tests."""

from __future__ import annotations

from dbshift.script.revision import Revision, RevisionGraph


def revisions(spec: str) -> list[Revision]:
    """Revisions from "child:parent1,parent2" items separated by spaces.

    ``a: b:a c:a,b d:b~a e@feat:a`` means a is a base, b revises a, c merges a and b, d
    revises b and depends on a (``~`` introduces depends_on ids), e carries the branch label
    ``feat``. Each lives in ``versions/<id>_x.py``.
    """
    revs = []
    for item in spec.split():
        name, _, rest = item.partition(":")
        rid, _, label = name.partition("@")
        parents, _, deps = rest.partition("~")
        revs.append(
            Revision(
                rid,
                tuple(p for p in parents.split(",") if p),
                branch_labels=(label,) if label else (),
                depends_on=tuple(d for d in deps.split(",") if d),
                path=f"versions/{rid}_x.py",
            )
        )
    return revs


def graph(spec: str) -> RevisionGraph:
    """A graph of :func:`revisions`, listed in the order the spec names them."""
    return RevisionGraph(revisions(spec))


def folder(spec: str) -> RevisionGraph:
    """A graph of :func:`revisions` listed by file name, as a migration folder lists them."""
    return RevisionGraph(sorted(revisions(spec), key=lambda rev: rev.path or ""))
