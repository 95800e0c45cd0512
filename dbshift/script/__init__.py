"""Revision graph, targets and plans (pure), and the migration folder on disk.

``revision``, ``targets`` and ``plan`` never touch files; ``directory`` reads revision files
without importing them; ``writer`` creates new ones.
"""

from __future__ import annotations

from dbshift.script.directory import ScriptDirectory
from dbshift.script.plan import Step, plan_downgrade, plan_upgrade
from dbshift.script.revision import Revision, RevisionGraph, normalize_ids
from dbshift.script.targets import inconsistent_rows, resolve_heads, validate_target
from dbshift.script.writer import (
    DEFAULT_TEMPLATE,
    RevisionSource,
    new_revision_id,
    render_revision,
    revision_filename,
    slugify,
    write_revision,
)

__all__ = [
    "DEFAULT_TEMPLATE",
    "Revision",
    "RevisionGraph",
    "RevisionSource",
    "ScriptDirectory",
    "Step",
    "inconsistent_rows",
    "new_revision_id",
    "normalize_ids",
    "plan_downgrade",
    "plan_upgrade",
    "render_revision",
    "resolve_heads",
    "revision_filename",
    "slugify",
    "validate_target",
    "write_revision",
]
