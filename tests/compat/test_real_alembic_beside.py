"""A real Alembic imported in the same process changes nothing dbshift does.

Alembic registers ``@compiles`` hooks on SQLAlchemy's own constructs when its ``ddl`` package
is imported (e.g. ``DropConstraint`` for MySQL), and an application may import it before
dbshift runs. The SQL dbshift writes for every ``op`` must stay the same; and inside a run,
``alembic.op`` is dbshift's while the real ``alembic`` comes back afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import io, json, sys
if sys.argv[1] == "with-alembic":
    import alembic, alembic.op, alembic.ddl.mysql, alembic.ddl.postgresql  # what an application may load
import sqlalchemy as sa
from dbshift.compat.alembic.activate import alembic_modules
from dbshift.operations import api as op
from dbshift.runtime.context import MigrationContext
from sqlalchemy.dialects import mysql, postgresql, sqlite

def body():
    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.String(10)))
    op.create_unique_constraint("uq_v", "t", ["v"])
    op.drop_constraint("uq_v", "t", type_="unique")
    op.create_foreign_key("fk_t", "t", "t", ["v"], ["id"])
    op.drop_constraint("fk_t", "t", type_="foreignkey")
    op.create_check_constraint("ck_id", "t", "id > 0")
    op.drop_constraint("ck_id", "t", type_="check")
    op.add_column("t", sa.Column("w", sa.Integer))
    op.alter_column("t", "w", new_column_name="w2", existing_type=sa.Integer(), existing_nullable=True,
                    existing_server_default=None, existing_comment=None)
    op.rename_table("t", "t2")
    op.drop_table("t2")

out = {}
for name, dialect in (("mysql", mysql.dialect()), ("postgresql", postgresql.dialect())):
    buffer = io.StringIO()
    with op.using_context(MigrationContext(dialect, output=buffer)):
        body()
    out[name] = buffer.getvalue()
real = sys.modules.get("alembic")
with alembic_modules():
    import alembic.op as inside
    out["inside"] = inside.__name__
out["restored"] = sys.modules.get("alembic") is real and (real is None or real.__name__ == "alembic")
print(json.dumps(out))
"""


def run(mode: str, real_alembic: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(real_alembic)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_dbshift_sql_does_not_change_when_the_application_imported_alembic(real_alembic_path: Path) -> None:
    alone = run("without-alembic", real_alembic_path)
    beside = run("with-alembic", real_alembic_path)
    assert beside["mysql"] == alone["mysql"]
    assert beside["postgresql"] == alone["postgresql"]
    assert "DROP INDEX uq_v" in str(alone["mysql"]) and "DROP FOREIGN KEY fk_t" in str(alone["mysql"])
    assert alone["inside"] == beside["inside"] == "dbshift.compat.alembic.shim.op"
    assert alone["restored"] is True and beside["restored"] is True
