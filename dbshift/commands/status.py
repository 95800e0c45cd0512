"""Reporting commands: current, heads, history, show. None of them writes anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dbshift.commands.common import script_directory, with_database
from dbshift.config import Config
from dbshift.errors import DbshiftError, TargetError
from dbshift.script.directory import ScriptDirectory
from dbshift.script.revision import Revision, RevisionGraph

if TYPE_CHECKING:
    from dbshift.runtime.context import MigrationContext


def describe_revision(rev: Revision, graph: RevisionGraph, current: tuple[str, ...] = ()) -> str:
    marks = []
    if rev.revision in graph.heads:
        marks.append("(head)")
    if rev.revision in current:
        marks.append("(current)")
    parents = ", ".join(rev.down_revisions) or "<base>"
    label = f" [{', '.join(rev.branch_labels)}]" if rev.branch_labels else ""
    return f"{parents} -> {rev.revision}{label} {' '.join(marks)}".rstrip() + (
        f", {rev.message}" if rev.message else ""
    )


@dataclass(frozen=True)
class CurrentResult:
    under_version_control: bool
    heads: tuple[str, ...]
    table: str
    lines: list[str] = field(default_factory=list)


def _read_version_table(context: MigrationContext) -> tuple[bool, tuple[str, ...], str]:
    """(whether the version table exists, its rows, its name); reads only."""
    table = context.version_table
    assert context.connection is not None
    exists = table.exists(context.connection)
    return exists, table.read(context.connection) if exists else (), table.name


def current(config: Config) -> CurrentResult:
    """Where the database stands; never creates the version table."""
    script = script_directory(config)
    results = with_database(config, "current", _read_version_table, script)
    outcomes = [_current_lines(script, *found) for found in results]
    if len(outcomes) == 1:
        return outcomes[0]
    return CurrentResult(
        any(o.under_version_control for o in outcomes),
        tuple(sorted({h for o in outcomes for h in o.heads})),
        outcomes[0].table,
        [line for o in outcomes for line in o.lines],
    )


def _current_lines(script: ScriptDirectory, exists: bool, heads: tuple[str, ...], table: str) -> CurrentResult:
    if not exists:
        return CurrentResult(
            False,
            (),
            table,
            [
                f"The database is not under version control: it has no '{table}' table (run 'dbshift upgrade head' or 'dbshift stamp')."
            ],
        )
    if not heads:
        return CurrentResult(True, (), table, ["The database is at base: no revision applied."])
    graph = script.graph()
    lines = []
    for head in heads:
        if head not in graph:
            lines.append(f"{head} (not in the migration folder)")
            continue
        lines.append(_revision_line(graph, head))
    return CurrentResult(True, heads, table, lines)


def _revision_line(graph: RevisionGraph, rev_id: str) -> str:
    """``<id> (head): <message>``, the line current and heads print for a revision."""
    rev = graph.get(rev_id)
    mark = " (head)" if rev_id in graph.heads else ""
    return f"{rev_id}{mark}" + (f": {rev.message}" if rev.message else "")


def heads(config: Config) -> list[str]:
    graph = script_directory(config).graph()
    return [_revision_line(graph, head) for head in graph.heads]


def _current_or_none(config: Config) -> tuple[tuple[str, ...], str | None]:
    try:
        if config.url is None:
            return (), None
        results = with_database(config, "history", _read_version_table)
        return tuple(sorted({head for _exists, heads, _name in results for head in heads})), None
    except DbshiftError as exc:
        return (), f"(current revision not shown: {exc})"


def history(config: Config, rev_range: str | None = None) -> list[str]:
    """Revisions newest first; ``rev_range`` is ``A:B`` with either end optional."""
    graph = script_directory(config).graph()
    current_heads, note = _current_or_none(config)
    ids = set(graph.topological())
    if rev_range:
        if ":" not in rev_range:
            raise TargetError(f"history range '{rev_range}' must look like A:B (either side may be empty)")
        lower, _, upper = rev_range.partition(":")
        if upper:
            ids &= graph.ancestors(_range_end(graph, upper, current_heads))
        if lower and lower != "base":
            ids &= graph.descendants(_range_end(graph, lower, current_heads))
    order = [r for r in reversed(graph.topological()) if r in ids]
    lines = [describe_revision(graph.get(r), graph, current_heads) for r in order]
    if note:
        lines.append(note)
    return lines


def _range_end(graph: RevisionGraph, ident: str, current_heads: tuple[str, ...]) -> list[str]:
    if ident == "current":
        return list(current_heads)
    if ident in ("head", "heads"):
        return list(graph.heads)
    return [graph.resolve(ident).revision]


def show(config: Config, ident: str) -> list[str]:
    graph = script_directory(config).graph()
    idents = graph.heads if ident in ("head", "heads") else (graph.resolve(ident).revision,)
    lines: list[str] = []
    for rev_id in idents:
        rev = graph.get(rev_id)
        lines += [
            f"Rev: {rev.revision}" + (" (head)" if rev.revision in graph.heads else ""),
            f"Parent: {', '.join(rev.down_revisions) or '<base>'}",
        ]
        if rev.branch_labels:
            lines.append(f"Branch names: {', '.join(rev.branch_labels)}")
        if rev.depends_on:
            lines.append(f"Also depends on: {', '.join(rev.depends_on)}")
        children = graph.children(rev.revision)
        if children:
            lines.append(f"Children: {', '.join(children)}")
        lines.append(f"Path: {rev.path}")
        if rev.create_date:
            lines.append(f"Create Date: {rev.create_date}")
        lines += ["", f"    {rev.message}", ""]
    return lines
