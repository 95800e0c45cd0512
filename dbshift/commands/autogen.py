"""``revision --autogenerate`` through the project's environment, as Alembic runs it.

The environment (env.py, if the project has one) configures each database it visits and calls
``run_migrations()``; each call here compares that database with its models and adds the
operations to the revision being prepared, under that call's ``upgrade_token`` /
``downgrade_token`` (``upgrades`` / ``downgrades``; a multi-database env.py names one pair per
database, which its template places). A ``process_revision_directives`` hook is then handed
the revision as Alembic hands it — a list holding one script with ``rev_id``, ``message``,
``head``, ``upgrade_ops`` (``.ops``, ``.is_empty()``)... — and may change it, or empty the
list so that nothing is written.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dbshift.autogenerate.compare import reverse_ops
from dbshift.autogenerate.data_loss import data_loss
from dbshift.autogenerate.naming import invented_name
from dbshift.autogenerate.render import RenderContext, render_ops
from dbshift.commands.common import collector_paused, with_database
from dbshift.config import Config
from dbshift.errors import AutogenerateError
from dbshift.operations.base import Operation
from dbshift.runtime.context import MigrationContext
from dbshift.script.revision import RevisionGraph
from dbshift.script.targets import current_heads


@dataclass
class OpList:
    """One database's operations (Alembic's ``UpgradeOps`` / ``DowngradeOps``)."""

    ops: list[Any]
    upgrade_token: str = "upgrades"
    downgrade_token: str = "downgrades"
    as_batch: bool = False
    """env.py's ``render_as_batch``: operations on one table are written in a batch block."""
    render: RenderContext | None = None
    """env.py's rendering hooks (``render_item``, ``user_module_prefix``) and its context."""

    def is_empty(self) -> bool:
        return not self.ops


@dataclass
class RevisionDirective:
    """The revision about to be written, with the attribute names of Alembic's ``MigrationScript``."""

    rev_id: str | None
    message: str | None
    head: str = "head"
    splice: bool = False
    branch_label: tuple[str, ...] | str | None = None
    version_path: str | None = None
    depends_on: tuple[str, ...] | str | None = None
    imports: set[str] = field(default_factory=set)
    upgrade_ops_list: list[OpList] = field(default_factory=list)
    downgrade_ops_list: list[OpList] = field(default_factory=list)

    @property
    def upgrade_ops(self) -> OpList:
        if not self.upgrade_ops_list:
            self.upgrade_ops_list.append(OpList([]))
        return self.upgrade_ops_list[0]

    @property
    def downgrade_ops(self) -> OpList:
        if not self.downgrade_ops_list:
            self.downgrade_ops_list.append(OpList([]))
        return self.downgrade_ops_list[0]

    def is_empty(self) -> bool:
        return all(ops.is_empty() for ops in self.upgrade_ops_list)


Differ = Callable[[MigrationContext], list[Operation]]


def require_at_head(graph: RevisionGraph, current: Iterable[str], then: str = "") -> None:
    """Refuse to compare unless every revision in the folder is applied: the models describe the
    head, so an older schema would be reported as differences (``revision --autogenerate`` and
    ``check``; ``then`` ends the advice, e.g. ``"check"``). ``current`` are the version-table
    rows; a row another row needs (through ``depends_on``) is folded away, and a head that an
    applied revision depends on counts as applied. No revisions and no rows: at head (base)."""
    rows = current_heads(graph, current)
    pending = {rev.revision for rev in graph} - graph.ancestors(rows)
    if not pending:
        return
    at = ", ".join(sorted(rows)) or "base"
    heads = f"heads are {', '.join(graph.heads)}" if len(graph.heads) > 1 else f"head is {', '.join(graph.heads)}"
    count = f"{len(pending)} revision{'s' if len(pending) != 1 else ''} pending"
    advice = "run 'dbshift upgrade head' first" + (f", then {then}" if then else "")
    raise AutogenerateError(
        f"the database is not at head: it is at {at}, the migration folder's {heads} ({count}); {advice}"
    )


def run_revision_environment(
    config: Config,
    graph: RevisionGraph,
    directive: RevisionDirective,
    *,
    autogenerate: bool,
    differ: Differ,
    sql: bool = False,
) -> list[RevisionDirective]:
    """Run the environment for ``revision``; the directives left to write (the hook may change them)."""
    directives = [directive]

    def job(context: MigrationContext) -> None:
        opts = context.opts
        up_token = str(opts.get("upgrade_token") or "upgrades")
        down_token = str(opts.get("downgrade_token") or "downgrades")
        ops: list[Operation] = []
        if autogenerate:
            require_at_head(graph, context.get_current_heads())
            ops = differ(context)
        if directives:
            target = directives[-1]
            batch = bool(opts.get("render_as_batch", False))
            hooks = RenderContext(opts=dict(opts), migration_context=context)
            target.upgrade_ops_list.append(OpList(list(ops), up_token, down_token, batch, hooks))
            target.downgrade_ops_list.append(OpList(reverse_ops(ops), up_token, down_token, batch, hooks))
        hook = opts.get("process_revision_directives")
        if callable(hook):
            hook(context, tuple(graph.heads), directives)

    cmd_opts = {"cmd": "revision", "autogenerate": autogenerate, "message": directive.message, "sql": sql}
    with collector_paused():
        with_database(config, "revision", job, cmd_opts=cmd_opts, as_sql=sql)
    return directives


@dataclass(frozen=True)
class Rendered:
    upgrade_body: str
    downgrade_body: str
    imports: tuple[str, ...]
    template_args: Mapping[str, str]
    detected: list[str]
    warnings: list[str] = field(default_factory=list)
    """``Warning: data loss: ...`` for each upgrade operation that can destroy data (see
    :mod:`dbshift.autogenerate.data_loss`); the file marks the same lines with a comment."""


def render_directive(directive: RevisionDirective) -> Rendered:
    """The bodies and template arguments of a directive: the ``upgrades``/``downgrades`` pair as
    the file's bodies, any other token (a multi-database env.py's) as a template argument."""
    imports: set[str] = set(directive.imports)
    args: dict[str, str] = {}
    bodies = {"upgrades": "pass", "downgrades": "pass"}
    detected: list[str] = []
    warnings: list[str] = []
    for kind, lists in (("up", directive.upgrade_ops_list), ("down", directive.downgrade_ops_list)):
        for ops in lists:
            _check_ops(ops.ops)
            token = ops.upgrade_token if kind == "up" else ops.downgrade_token
            if kind == "up":
                detected += [f"Detected {op.describe()}" for op in ops.ops]
                warnings += [f"Warning: data loss: {loss}" for loss in map(data_loss, ops.ops) if loss is not None]
                warnings += [f"Warning: {note}" for note in map(invented_name, ops.ops) if note is not None]
            if not ops.ops:
                continue
            rendered = render_ops(ops.ops, as_batch=ops.as_batch, context=ops.render)
            imports |= set(rendered.imports)
            if token in bodies:
                bodies[token] = rendered.body
            else:  # placed by the template itself, e.g. ${context.get("engine1_upgrades", "pass")}
                args[token] = textwrap.indent(rendered.body, "    ").strip()
    return Rendered(bodies["upgrades"], bodies["downgrades"], tuple(sorted(imports)), args, detected, warnings)


def _check_ops(ops: Sequence[Any]) -> None:
    for op in ops:
        if not isinstance(op, Operation):
            raise AutogenerateError(
                f"process_revision_directives left a {type(op).__name__} among the operations; dbshift writes "
                "its own operations only (remove or keep them, do not add Alembic's)"
            )
