"""Runs the real Alembic through a list of command lines in one process, snapshotting after each.

Started by the comparison tests as ``python alembic_driver.py SPEC.json OUT.json`` with
PYTHONPATH set to the real Alembic's folder (never importable otherwise). One interpreter runs
every step, so Alembic's start-up is paid once per scenario and backend. ``SPEC.json``::

    {"project": "/tmp/x", "steps": [["upgrade", "head"], ...],
     "databases": [{"url": "...", "version_tables": ["alembic_version"]}]}

``OUT.json`` gets one record per step: its exit code, stdout, stderr and a snapshot of each
database (see ``snapshot.py``). This file imports only Alembic, SQLAlchemy and the snapshot
helper beside it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from snapshot import snapshot


def run_step(args: list[str]) -> dict[str, Any]:
    from alembic.config import CommandLine, Config

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            # CommandLine.main() as Alembic writes it, but with Config.stdout set: its default
            # is the sys.stdout of when Alembic was imported, which redirection does not reach.
            line = CommandLine(prog="alembic")
            options = line.parser.parse_args(args)
            toml, ini = line._inis_from_config(options)
            line.run_cmd(
                Config(file_=ini, toml_file=toml, ini_section=options.name, cmd_opts=options, stdout=out), options
            )
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception:  # noqa: BLE001 - what the alembic command prints for an uncaught error
            traceback.print_exc()
            code = 1
    return {"args": args, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main(spec_path: str, out_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    os.chdir(spec["project"])
    sys.path.insert(0, spec["project"])
    import alembic

    records: list[dict[str, Any]] = []
    project = Path(spec["project"]).resolve()
    for args in spec["steps"]:
        # Each step as a fresh 'alembic' process would see the project: its own modules
        # (models, plugins) imported anew.
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(str(project)):
                del sys.modules[name]
        if args and args[0] == "!models":  # the application's models change: models_<v>.py becomes models.py
            (project / "models.py").write_text(
                (project / f"models_{args[1]}.py").read_text(encoding="utf-8"), encoding="utf-8"
            )
            records.append({"args": args, "code": 0, "stdout": "", "stderr": "", "snapshots": []})
            continue
        record = run_step(list(args))
        record["snapshots"] = [
            snapshot(db["url"], tuple(db.get("version_tables", ["alembic_version"]))) for db in spec["databases"]
        ]
        records.append(record)
    result = {"alembic": alembic.__version__, "alembic_file": alembic.__file__, "steps": records}
    Path(out_path).write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
