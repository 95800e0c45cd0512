"""Reporting commands: current, heads, history, show. None of them writes anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbshift.commands.common import script_directory, with_database
from dbshift.config import Config
from dbshift.errors import DbshiftError, MissingDatabaseFile, TargetError
from dbshift.script.directory import ScriptDirectory
from dbshift.script.docstrings import revision_docstring
from dbshift.script.revision import Revision, RevisionGraph
from dbshift.script.targets import current_heads, inconsistent_rows
from dbshift.util import display_path, mask_url

if TYPE_CHECKING:
    from dbshift.runtime.context import MigrationContext


def describe_revision(
    rev: Revision, graph: RevisionGraph, current: tuple[str, ...] = (), *, branches: bool = True, doc: bool = True
) -> str:
    """One line, in Alembic's layout: ``parents (deps) -> id (labels) (head) (current) (branchpoint)
    (mergepoint), message``."""
    parents = ", ".join(rev.down_revisions) or "<base>"
    deps = f" ({', '.join(rev.depends_on)})" if rev.depends_on else ""
    text = f"{parents}{deps} -> {rev.revision}"
    if branches and rev.branch_labels:
        text += f" ({', '.join(rev.branch_labels)})"
    text += _marks(rev, graph, current)
    return text + (f", {rev.message}" if doc and rev.message else "")


def _marks(rev: Revision, graph: RevisionGraph, current: tuple[str, ...] = ()) -> str:
    marks = ""
    if rev.revision in graph.heads:
        marks += " (head)"
    if rev.revision in current:
        marks += " (current)"
    if len(graph.children(rev.revision)) > 1:
        marks += " (branchpoint)"
    if rev.is_merge:
        marks += " (mergepoint)"
    return marks


def _short(rev: Revision, graph: RevisionGraph, *, doc: bool) -> str:
    """``id (labels) (head) (branchpoint)...``, as ``branches`` shows a revision."""
    text = rev.revision + (f" ({', '.join(rev.branch_labels)})" if rev.branch_labels else "")
    return text + _marks(rev, graph) + (f", {rev.message}" if doc and rev.message else "")


def verbose_entry(rev: Revision, graph: RevisionGraph, current: tuple[str, ...] = ()) -> list[str]:
    """The block ``-v`` prints for a revision: its links, path and whole docstring."""
    lines = [f"Rev: {rev.revision}{_marks(rev, graph, current)}"]
    parents = ", ".join(rev.down_revisions) or "<base>"
    lines.append(f"Merges: {parents}" if rev.is_merge else f"Parent: {parents}")
    if rev.depends_on:
        lines.append(f"Also depends on: {', '.join(rev.depends_on)}")
    children = graph.children(rev.revision)
    if len(children) > 1:
        lines.append(f"Branches into: {', '.join(children)}")
    if rev.branch_labels:
        lines.append(f"Branch names: {', '.join(rev.branch_labels)}")
    lines.append(f"Path: {rev.path}")
    doc = revision_docstring(rev.path) or rev.message
    lines += ["", *(f"    {line}".rstrip() for line in doc.splitlines()), ""]
    return lines


@dataclass(frozen=True)
class CurrentRevision:
    """One revision ``current`` shows: a version-table row, or a revision a row depends on."""

    revision: str
    message: str | None
    """None when the folder does not have the revision."""
    is_head: bool
    in_folder: bool


@dataclass(frozen=True)
class CurrentResult:
    under_version_control: bool
    heads: tuple[str, ...]
    """The version table's rows."""
    table: str
    lines: list[str] = field(default_factory=list)
    problem: str | None = None
    """Why the rows cannot be trusted (a revision the folder lacks, a revision beside its own
    ancestor), with the repair; the CLI prints it as an error after the lines and exits 1."""
    database: str | None = None
    """The database's URL, password masked; None when the environment visited several."""
    revisions: tuple[CurrentRevision, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """``current --json``: the shape documented in the README."""
        return {
            "database": self.database,
            "under_version_control": self.under_version_control,
            "heads": list(self.heads),
            "revisions": [
                {"revision": r.revision, "message": r.message, "is_head": r.is_head, "in_folder": r.in_folder}
                for r in self.revisions
            ],
            "problem": self.problem,
        }


@dataclass(frozen=True)
class _VersionRows:
    exists: bool
    rows: tuple[str, ...]
    table: str
    database: str


def _read_version_table(context: MigrationContext) -> _VersionRows:
    """Whether the version table exists, its rows, its name and the database; reads only."""
    table = context.version_table
    connection = context.connection
    assert connection is not None
    exists = table.exists(connection)
    return _VersionRows(exists, table.read(connection) if exists else (), table.name, mask_url(connection.engine.url))


def current(config: Config, *, verbose: bool = False) -> CurrentResult:
    """Where the database stands; never creates the version table."""
    script = script_directory(config)
    try:
        results = with_database(
            config, "current", _read_version_table, script, {"cmd": "current", "verbose": verbose}, read_only=True
        )
    except MissingDatabaseFile as missing:
        why = _not_under_version_control(f"no file at {missing.shown}")
        url = mask_url(config.url) if config.url else None
        return CurrentResult(False, (), config.version_table, [why], database=url)
    outcomes = [_current_lines(script, found, verbose=verbose) for found in results]
    if len(outcomes) == 1:
        return outcomes[0]
    return CurrentResult(
        any(o.under_version_control for o in outcomes),
        tuple(sorted({h for o in outcomes for h in o.heads})),
        outcomes[0].table,
        [line for o in outcomes for line in o.lines],
        next((o.problem for o in outcomes if o.problem), None),
        None,
        tuple(r for o in outcomes for r in o.revisions),
    )


def _current_lines(script: ScriptDirectory, found: _VersionRows, *, verbose: bool = False) -> CurrentResult:
    table, heads, database = found.table, found.rows, found.database
    if not found.exists:
        why = _not_under_version_control(f"it has no '{table}' table")
        return CurrentResult(False, (), table, [why], database=database)
    if not heads:
        return CurrentResult(True, (), table, ["The database is at base: no revision applied."], database=database)
    graph = script.graph()
    lines = []
    revisions = []
    for head in _all_current(graph, heads):
        if head not in graph:
            lines.append(f"{head} (not in the migration folder)")
            revisions.append(CurrentRevision(head, None, False, False))
            continue
        rev = graph.get(head)
        revisions.append(CurrentRevision(head, rev.message, head in graph.heads, True))
        if verbose:
            lines += verbose_entry(rev, graph, heads)
            continue
        lines.append(_revision_line(graph, head))
    problem = _rows_problem(script, graph, heads, table)
    return CurrentResult(True, heads, table, lines, problem, database, tuple(revisions))


def _rows_problem(script: ScriptDirectory, graph: RevisionGraph, rows: tuple[str, ...], table: str) -> str | None:
    """What is wrong with the version table's rows, and how to repair it; None when nothing.

    Without ``--purge``, ``stamp`` refuses to start from a revision the folder does not know,
    so the repair of an unknown row is ``stamp --purge`` naming every revision to keep."""
    unknown = sorted(row for row in rows if row not in graph)
    if unknown:
        kept = sorted(current_heads(graph, [row for row in rows if row in graph]))
        where = ", ".join(display_path(folder) for folder in script.version_locations)
        which = (
            f"revision {unknown[0]}, which is" if len(unknown) == 1 else f"revisions {', '.join(unknown)}, which are"
        )
        return (
            f"the database is at {which} not in {where}; if its file was removed on purpose, run "
            f"'dbshift stamp --purge {' '.join([*kept, '<revision>'])}' with the revision the database really is at"
        )
    conflict = inconsistent_rows(graph, rows)
    if conflict is None:
        return None
    heads = " ".join(sorted(current_heads(graph, rows)))
    return (
        f"the version table '{table}' is inconsistent: {conflict}; if the database is at {heads}, "
        f"run 'dbshift stamp --purge {heads}'"
    )


def _not_under_version_control(why: str) -> str:
    return f"The database is not under version control: {why} (run 'dbshift upgrade head' or 'dbshift stamp')."


def _all_current(graph: RevisionGraph, rows: tuple[str, ...]) -> list[str]:
    """What ``current`` shows, as Alembic's ``get_all_current``: the version rows, plus the
    revisions they depend on (depends_on) that no applied revision descends from; rows first.
    (A revision has an applied descendant exactly when one of its children is applied.)"""
    applied = graph.ancestors(row for row in rows if row in graph)
    extra = sorted(rid for rid in applied - set(rows) if not any(child in applied for child in graph.children(rid)))
    return [*rows, *extra]


def _revision_line(graph: RevisionGraph, rev_id: str) -> str:
    """``<id> (head): <message>``, the line current and heads print for a revision."""
    rev = graph.get(rev_id)
    mark = " (head)" if rev_id in graph.heads else ""
    return f"{rev_id}{mark}" + (f": {rev.message}" if rev.message else "")


def heads(config: Config, *, verbose: bool = False) -> list[str]:
    graph = script_directory(config).graph()
    if verbose:
        return [line for head in graph.heads for line in verbose_entry(graph.get(head), graph)]
    return [_revision_line(graph, head) for head in graph.heads]


def heads_json(config: Config) -> list[dict[str, Any]]:
    """``heads --json``: each head's id, message, branch labels and file."""
    graph = script_directory(config).graph()
    return [
        {"revision": rev.revision, "message": rev.message, "branch_labels": list(rev.branch_labels), "path": rev.path}
        for rev in (graph.get(head) for head in graph.heads)
    ]


def branches(config: Config, *, verbose: bool = False) -> list[str]:
    """Each branch point, newest first, with the revisions it branches into below it."""
    graph = script_directory(config).graph()
    lines: list[str] = []
    everything = set(graph.topological())
    for rid in graph.walk_down(everything, _tops(graph, everything)):
        children = graph.children(rid)
        if len(children) < 2:
            continue
        rev = graph.get(rid)
        lines += verbose_entry(rev, graph) if verbose else [_short(rev, graph, doc=False)]
        indent = " " * len(rid)
        lines += [f"{indent} -> {_short(graph.get(child), graph, doc=verbose)}" for child in children]
        lines.append("")
    return lines


def _current_or_none(config: Config, indicate_current: bool) -> tuple[tuple[str, ...], str | None]:
    """The database's rows for the ``(current)`` marks: always with ``indicate_current``; for a
    dbshift project also whenever it has a URL (best effort, a note when unreachable). An
    Alembic project's env.py runs only when asked, as ``alembic history`` does."""
    if not indicate_current and (config.kind != "dbshift" or config.url is None):
        return (), None
    try:
        results = with_database(
            config,
            "history",
            _read_version_table,
            cmd_opts={"cmd": "history", "indicate_current": indicate_current},
            read_only=True,
        )
    except MissingDatabaseFile:
        return (), None  # no database yet: nothing is current
    except DbshiftError as exc:
        if indicate_current:
            raise
        return (), f"(current revision not shown: {exc})"
    return tuple(sorted({head for found in results for head in found.rows})), None


@dataclass(frozen=True)
class HistoryListing:
    """What ``history`` lists: revision ids newest first, the database's rows (for the
    ``(current)`` marks) and, when they could not be read, why."""

    graph: RevisionGraph
    order: list[str]
    current: tuple[str, ...]
    note: str | None = None

    def lines(self, *, verbose: bool = False) -> list[str]:
        graph, current = self.graph, self.current
        if verbose:
            lines = [line for r in self.order for line in verbose_entry(graph.get(r), graph, current)]
        else:
            lines = [describe_revision(graph.get(r), graph, current) for r in self.order]
        return [*lines, self.note] if self.note else lines

    def as_json(self) -> list[dict[str, Any]]:
        """``history --json``: one object per revision, in the order of the text."""
        graph = self.graph
        return [
            {
                "revision": rev.revision,
                "down_revisions": list(rev.down_revisions),
                "depends_on": list(rev.depends_on),
                "branch_labels": list(rev.branch_labels),
                "message": rev.message,
                "is_head": rev.revision in graph.heads,
                "is_current": rev.revision in self.current,
                "path": rev.path,
            }
            for rev in (graph.get(rid) for rid in self.order)
        ]


def history(
    config: Config, rev_range: str | None = None, *, verbose: bool = False, indicate_current: bool = False
) -> list[str]:
    """Revisions newest first; ``rev_range`` is ``A:B`` with either end optional."""
    return history_listing(config, rev_range, indicate_current=indicate_current).lines(verbose=verbose)


def history_listing(config: Config, rev_range: str | None = None, *, indicate_current: bool = False) -> HistoryListing:
    """The revisions ``history`` lists, newest first, with the database's rows."""
    graph = script_directory(config).graph()
    current_heads, note = _current_or_none(config, indicate_current)
    ids = set(graph.topological())
    if rev_range:
        if ":" not in rev_range:
            raise TargetError(f"history range '{rev_range}' must look like A:B (either side may be empty)")
        lower, _, upper = rev_range.partition(":")
        if upper:
            ids &= graph.ancestors(_range_end(graph, upper, current_heads))
        if lower and lower != "base":
            ids &= graph.descendants(_range_end(graph, lower, current_heads))
    # Newest first in the order Alembic lists them: the walk a downgrade from the heads takes.
    return HistoryListing(graph, graph.walk_down(ids, _tops(graph, ids)), current_heads, note)


def _tops(graph: RevisionGraph, ids: set[str]) -> list[str]:
    """The revisions of ``ids`` that nothing else in ``ids`` needs (where a range's walk starts)."""
    needed = {pid for rid in ids for pid in graph.parents(rid)}
    return [rid for rid in graph.topological(ids) if rid not in needed]


def _range_end(graph: RevisionGraph, ident: str, current_heads: tuple[str, ...]) -> list[str]:
    if ident == "current":
        return list(current_heads)
    if ident in ("head", "heads"):
        return list(graph.heads)
    return [graph.resolve(ident).revision]


def show(config: Config, ident: str) -> list[str]:
    """One revision's links, path and whole docstring (``heads``/``head``: every head)."""
    graph = script_directory(config).graph()
    idents = graph.heads if ident in ("head", "heads") else (graph.resolve(ident).revision,)
    return [line for rev_id in idents for line in verbose_entry(graph.get(rev_id), graph)]


def revision_path(config: Config, ident: str) -> Path:
    """The file of one revision, for ``edit``: an id, prefix or label, ``head``, or ``current``
    (which reads the database)."""
    graph = script_directory(config).graph()
    if ident == "current":
        found = current(config).heads
        if len(found) != 1:
            raise TargetError(
                f"'current' must be exactly one revision to edit; the database is at {', '.join(found) or 'base'}"
            )
        ident = found[0]
    if ident in ("head", "heads"):
        if len(graph.heads) != 1:
            raise TargetError(f"several heads ({', '.join(graph.heads)}); name the revision to edit")
        ident = graph.heads[0]
    rev = graph.resolve(ident)
    if rev.path is None:
        raise TargetError(f"revision '{rev.revision}' has no file")
    return Path(rev.path)
