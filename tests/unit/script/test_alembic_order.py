"""dbshift runs a history in Alembic's order: random histories, compared with the real Alembic.

How it compares. Each example writes one migration folder of revision files (branches,
merges, several bases, ``depends_on`` across branches) under file names drawn independently of
the ids, so neither the ids nor the history say anything about the listing order. Then:

* dbshift reads the folder with its own ``ScriptDirectory`` and plans with ``plan_upgrade`` /
  ``plan_downgrade``;
* the real Alembic (from the ``real_alembic_path`` fixture) runs the same folder in a child
  process, ``alembic_runner.py`` (Alembic's runtime changes SQLAlchemy for the whole process it
  is imported in): ``alembic.script.ScriptDirectory`` reads the folder, and a
  ``MigrationContext`` runs it online against an in-memory SQLite database whose version table
  holds the same rows, given the work function that ``alembic upgrade`` / ``alembic
  downgrade`` hand to ``env.py`` (``ScriptDirectory._upgrade_revs`` / ``_downgrade_revs``);
  every step is recorded through ``on_version_apply``. The files' ``upgrade()`` and
  ``downgrade()`` do nothing.

Compared: the revisions run, in order, with their direction; and after every step, the set of
applied revisions each tool's version table stands for — and, starting from rows as Alembic
writes them, the very same rows (a ``depends_on`` target's row folded into its dependent's),
so the two tools can take turns on one database. Rows an older dbshift wrote (a dependency
keeping its own row) are still read: they name the same revisions.

Where the tools may differ, by design: dbshift refuses some targets Alembic accepts (``upgrade``
to a revision below the current one, where Alembic silently does nothing), and dbshift plans a
relative step Alembic calls ambiguous when only one way exists (``+1`` from several rows that
all lead to one merge, ``-1`` from a merge to both its parents). Alembic's refusals where
dbshift has nothing to do (``base`` for an upgrade, a downgrade target with nothing above it)
are accepted too.

Generated histories stay within what Alembic can run: at most one ``depends_on`` per revision
(Alembic orders several dependencies of one revision by set iteration, which varies with the
hash seed; dbshift uses the declared order), and no revision names a parent that is already an
ancestor of another of its parents (Alembic's version-table bookkeeping fails on such a
revision with a KeyError).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from dbshift.errors import TargetError
from dbshift.script.directory import ScriptDirectory
from dbshift.script.plan import Step, plan_downgrade, plan_upgrade
from dbshift.script.revision import RevisionGraph

_RELATIVE = re.compile(r"[+-]\d+$")


AlembicRun = Callable[[Path, list[str], str, str], "list[Any] | str"]
"""(folder, rows, direction, target) -> [(revision, direction, rows after), ...] or a refusal."""


@pytest.fixture(scope="module")
def alembic(real_alembic_path: Path) -> Iterator[AlembicRun]:
    """The real Alembic, running in a child process for the whole module."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(real_alembic_path), env.get("PYTHONPATH")) if p)
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("alembic_runner.py"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdin is not None and child.stdout is not None
    stdin, stdout = child.stdin, child.stdout

    def run(folder: Path, rows: list[str], direction: str, target: str) -> list[Any] | str:
        request = {"folder": str(folder), "rows": rows, "direction": direction, "target": target}
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        answer = json.loads(stdout.readline() or '{"crashed": "alembic_runner.py exited"}')
        if "crashed" in answer:
            pytest.fail(f"Alembic crashed on {request}:\n{answer['crashed']}")
        return answer["refused"] if "refused" in answer else answer["steps"]

    try:
        yield run
    finally:
        stdin.close()
        child.wait(timeout=30)


@dataclass(frozen=True)
class History:
    """One generated history: revision id -> (down_revisions, depends_on), and file names."""

    revisions: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    files: dict[str, str]
    below: dict[str, set[str]]  # each revision with everything it needs

    def write(self, folder: Path) -> None:
        versions = folder / "versions"
        versions.mkdir()
        for rid, (down, deps) in self.revisions.items():
            (versions / self.files[rid]).write_text(
                f'"""{rid}\n\nRevision ID: {rid}\nRevises: {", ".join(down)}\n"""\n\n'
                f"revision = {rid!r}\n"
                f"down_revision = {_literal(down)}\n"
                "branch_labels = None\n"
                f"depends_on = {_literal(deps)}\n\n\n"
                "def upgrade() -> None:\n    pass\n\n\n"
                "def downgrade() -> None:\n    pass\n"
            )


def _literal(ids: tuple[str, ...]) -> str:
    """How revision files spell none, one or several ids."""
    if not ids:
        return "None"
    return repr(ids[0]) if len(ids) == 1 else repr(ids)


# Strategies built once: a fresh strategy per draw costs more than the comparison itself.
_PARENT_COUNT = st.sampled_from((0, 1, 1, 1, 2))  # mostly one parent; new bases and merges too
_PICK = st.integers(min_value=0, max_value=9_999)  # an earlier revision, modulo how many there are
_DEPENDS = st.integers(min_value=0, max_value=3)  # 0: this revision depends on another one
_SUBSET = st.lists(st.booleans(), min_size=10, max_size=10)  # which revisions the database has
_DIRECTION = st.sampled_from(("upgrade", "downgrade"))
_TARGET = st.sampled_from(("heads", "heads", "head", "base", "+1", "+2", "-1", "-2", "ID", "ID", "ID", "ID+1", "ID-1"))


@st.composite
def histories(draw: st.DrawFn) -> History:
    n = draw(st.integers(min_value=1, max_value=10))
    ids = draw(st.permutations([f"r{i:02d}" for i in range(n)]))  # history order is not id order
    listing = draw(st.permutations(range(n)))  # and file-name order is neither
    revisions: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    below: dict[str, set[str]] = {}  # each revision with everything it needs
    for i, rid in enumerate(ids):
        down: list[str] = []
        deps: list[str] = []
        if i:
            count = draw(_PARENT_COUNT)
            down = list(dict.fromkeys(ids[draw(_PICK) % i] for _ in range(count)))
            if draw(_DEPENDS) == 0:
                deps = [d for d in (ids[draw(_PICK) % i],) if d not in down]
        named = down + deps
        keep = [p for p in named if not any(p != q and p in below[q] for q in named)]
        revisions[rid] = (tuple(p for p in down if p in keep), tuple(p for p in deps if p in keep))
        below[rid] = {rid}.union(*(below[p] for p in keep))
    files = {rid: f"{listing[i]:02d}_{rid}.py" for i, rid in enumerate(ids)}
    return History(revisions, files, below)


@dataclass(frozen=True)
class Case:
    history: History
    chosen: frozenset[str]  # the database has these and all they need
    alembic_rows: bool  # rows as Alembic writes them (else as dbshift does)
    direction: str
    target: str


@st.composite
def cases(draw: st.DrawFn) -> Case:
    history = draw(histories())
    ids = sorted(history.revisions)
    chosen = frozenset(rid for rid, bit in zip(ids, draw(_SUBSET)) if bit)
    direction = draw(_DIRECTION)
    # Alembic refuses to upgrade from dbshift's rows when one row is a depends_on of another
    # ("Requested revision ... overlaps"), so upgrades start from Alembic's rows.
    alembic_rows = direction == "upgrade" or draw(st.booleans())
    # Mostly an id worth moving to: not applied yet for an upgrade, applied for a downgrade.
    applied = set().union(*(history.below[rid] for rid in chosen))
    likely = [rid for rid in ids if (rid in applied) == (direction == "downgrade")] or ids
    rid = likely[draw(_PICK) % len(likely)] if draw(st.integers(0, 4)) else ids[draw(_PICK) % len(ids)]
    target = draw(_TARGET).replace("ID", rid)
    return Case(history, chosen, alembic_rows, direction, target)


def version_rows(graph: RevisionGraph, case: Case) -> list[str]:
    """The version table of a database that has ``case.chosen`` and what they need."""
    applied = graph.ancestors(case.chosen)
    if case.alembic_rows:  # revisions nothing applied needs
        needed = {pid for rid in applied for pid in graph.parents(rid)}
    else:  # revisions no applied revision revises
        needed = {pid for rid in applied for pid in graph.get(rid).down_revisions}
    return sorted(applied - needed)


def run_dbshift(graph: RevisionGraph, rows: list[str], case: Case) -> list[Step] | str:
    planner = plan_upgrade if case.direction == "upgrade" else plan_downgrade
    try:
        return planner(graph, rows, case.target)
    except TargetError as exc:
        return str(exc)


@settings(max_examples=150, deadline=None, derandomize=True)  # ~3 s; the same examples every run
@given(case=cases())
def test_same_steps_as_alembic(alembic: AlembicRun, case: Case) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        case.history.write(folder)
        graph = ScriptDirectory(folder).graph()
        rows = version_rows(graph, case)
        theirs = alembic(folder, rows, case.direction, case.target)
        mine = run_dbshift(graph, rows, case)
    where = f"{case.direction} {case.target!r} from rows {rows}"
    if isinstance(mine, str):
        event("dbshift refuses" + (", Alembic too" if isinstance(theirs, str) else ", Alembic runs nothing"))
        assert isinstance(theirs, str) or not theirs, f"{where}: dbshift refused ({mine}), Alembic ran {theirs}"
        return
    if isinstance(theirs, str):
        event("Alembic refuses" + (", dbshift plans nothing" if not mine else ", dbshift moves one way"))
        ambiguous_for_alembic = bool(_RELATIVE.search(case.target)) and "Ambiguous" in theirs
        assert not mine or ambiguous_for_alembic, f"{where}: Alembic refused ({theirs}), dbshift planned {mine}"
        return
    event(
        "same steps compared: " + ("none" if not mine else "1" if len(mine) == 1 else "2-4" if len(mine) < 5 else "5+")
    )
    assert [(s.revision.revision, s.direction) for s in mine] == [(rid, way) for rid, way, _ in theirs], where
    for step, (rid, _, heads) in zip(mine, theirs):
        assert graph.ancestors(step.heads_after) == graph.ancestors(heads), f"{where}: rows after {rid}"
        if case.alembic_rows:  # from Alembic's rows, dbshift writes exactly Alembic's rows
            assert set(step.heads_after) == set(heads), f"{where}: rows after {rid}"
