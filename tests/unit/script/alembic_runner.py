"""Runs the real Alembic for test_alembic_order.py, in a process of its own.

Importing Alembic's runtime registers SQLAlchemy ``@compiles`` hooks for the whole process (its
MySQL ``DropConstraint`` for one), which would change what other tests compile; so the tests
start this script as a child, with the real Alembic on ``PYTHONPATH`` (from the
``real_alembic_path`` fixture), and talk to it in JSON lines.

Each request names a migration folder, the version rows, a direction and a target. The folder
is read by ``alembic.script.ScriptDirectory`` and run online against an in-memory SQLite
database whose version table holds those rows: a ``MigrationContext`` gets the work function
that ``alembic upgrade`` / ``alembic downgrade`` hand to ``env.py``
(``ScriptDirectory._upgrade_revs`` / ``_downgrade_revs``), and every step is recorded through
``on_version_apply``. The answer is ``{"steps": [[revision, direction, rows after], ...]}``,
``{"refused": message}`` when Alembic refuses the target, or ``{"crashed": traceback}``.
"""

from __future__ import annotations

import json
import sys
import traceback
import warnings
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError

REFUSALS = (
    CommandError,
    RevisionError,
    UserWarning,  # "downgrade -1 from multiple heads is ambiguous" (warnings are errors here)
    AssertionError,  # "upgrade <id>+N" past the head fails an assertion inside Alembic
)


def run(folder: str, rows: list[str], direction: str, target: str) -> list[list[Any]]:
    script = ScriptDirectory(folder)
    steps: list[list[Any]] = []

    def work(heads: Any, context: Any) -> Any:  # what alembic.command.upgrade/downgrade pass
        if direction == "upgrade":
            return script._upgrade_revs(target, heads)
        return script._downgrade_revs(target, heads)

    def record(ctx: Any, step: Any, heads: set[str], run_args: Any) -> None:
        steps.append([step.up_revision_id, "upgrade" if step.is_upgrade else "downgrade", sorted(heads)])

    engine = sa.create_engine("sqlite://")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"fn": work, "on_version_apply": [record], "script": script}
            )
            context._ensure_version_table()
            for row in rows:
                connection.execute(context._version.insert().values(version_num=row))
            connection.commit()
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                context.run_migrations()
    finally:
        engine.dispose()
    return steps


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer: dict[str, Any] = {"steps": run(**request)}
        except REFUSALS as exc:
            answer = {"refused": f"{type(exc).__name__}: {exc}"}
        except Exception:  # noqa: BLE001 - reported to the test, which fails with it
            answer = {"crashed": traceback.format_exc()}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
