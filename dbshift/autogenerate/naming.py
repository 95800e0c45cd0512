"""Say when autogenerate had to make up a constraint's name.

A constraint added to an existing table must have a name (its downgrade drops it by name), so
one the models leave unnamed, with no ``naming_convention`` on their MetaData, is given
PostgreSQL's default name (:func:`dbshift.autogenerate.compare._named`). That name is a guess
of dbshift's, not the models': :func:`invented_name` says so in one line, which autogenerate
prints as a warning and the renderer writes as a comment on the operation's line, as it does
for data loss (:mod:`dbshift.autogenerate.data_loss`).
"""

from __future__ import annotations

from dbshift.operations.base import Operation
from dbshift.operations.constraint import AddConstraintOp

ADVICE = "give the constraint a name or the MetaData a naming_convention"


def invented_name(op: Operation) -> str | None:
    """The note for an operation whose constraint autogenerate named, else None."""
    if not isinstance(op, AddConstraintOp) or not op.invented_name:
        return None
    return f"no name in the models: named {op.constraint.name} as PostgreSQL would; {ADVICE}"
