"""Prove that listing commands never import (run) a revision file.

Run by ``bench/run.py`` in a child Python, inside a scratch project::

    python bench/import_audit.py CONFIG_FILE

It calls the library functions behind ``dbshift heads`` (without and then with the listing
cache), ``history`` and ``current`` in-process, watching with a ``sys.addaudithook`` hook:

* ``exec`` events: every module body Python runs, whether imported with ``import`` or through
  ``importlib.util.spec_from_file_location`` + ``exec_module`` (which bypasses ``sys.meta_path``),
  passes through ``exec``; a code object whose file is in ``versions/`` means a revision ran;
* ``sys.modules`` after each call: any module whose ``__file__`` is in ``versions/``;
* ``open`` and ``compile`` events on ``versions/*.py`` files, for information: a run without the
  cache reads and syntax-checks every file, a run with it should touch none.

As a positive control it then loads one revision the way ``upgrade`` does
(``ScriptDirectory.load_module``), which must be seen, so a count of 0 above cannot come from a
blind audit. Prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

COUNTERS = ("exec", "open", "compile")


class Audit:
    def __init__(self, versions: Path) -> None:
        self.prefix = os.path.join(os.path.realpath(versions), "")
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.executed: list[str] = []

    def inside(self, path: object) -> bool:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str) or not path:
            return False
        return os.path.realpath(path).startswith(self.prefix)

    def is_revision_file(self, path: object) -> bool:
        """A ``versions/*.py`` file (not the listing cache in ``versions/__pycache__``)."""
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        return (
            isinstance(path, str)
            and path.endswith(".py")
            and os.path.dirname(os.path.realpath(path)) + os.sep == self.prefix
        )

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "exec":
            filename = getattr(args[0], "co_filename", None)
            if self.inside(filename):
                self.counts["exec"] += 1
                self.executed.append(str(filename))
        elif event == "open" and self.is_revision_file(args[0]):
            self.counts["open"] += 1
        elif event == "compile" and self.is_revision_file(args[1]):
            self.counts["compile"] += 1

    def modules_from_versions(self) -> list[str]:
        found = []
        for name, module in list(sys.modules.items()):
            spec = getattr(module, "__spec__", None)
            origin = getattr(module, "__file__", None) or getattr(spec, "origin", None)
            if self.inside(origin):
                found.append(name)
        return sorted(found)

    def measure(self, label: str, func: Any) -> dict[str, Any]:
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.executed = []
        result = func()
        return {
            "call": label,
            "output_lines": len(result),
            "revision_modules_executed": self.counts["exec"],
            "revision_modules_in_sys_modules": len(self.modules_from_versions()),
            "revision_files_opened": self.counts["open"],
            "revision_files_compiled": self.counts["compile"],
        }


def main() -> int:
    config_file = Path(sys.argv[1]).resolve()

    from dbshift.commands import status
    from dbshift.config import load_config
    from dbshift.script.directory import ScriptDirectory

    config = load_config(config_file, cwd=config_file.parent)
    script = ScriptDirectory(config.script_location)
    audit = Audit(script.versions_dir)
    sys.addaudithook(audit.hook)

    shutil.rmtree(script.cache_path.parent, ignore_errors=True)
    calls = [
        audit.measure("heads (no cache)", lambda: status.heads(config)),
        audit.measure("heads (cache present)", lambda: status.heads(config)),
        audit.measure("history", lambda: status.history(config)),
        audit.measure("current", lambda: status.current(config).lines),
    ]

    # Positive control: what upgrade does must be seen by the same audit.
    head = ScriptDirectory(config.script_location).graph()
    rev = head.get(head.heads[0])
    control = audit.measure("control: load_module(head)", lambda: [script.load_module(rev)])

    imports_seen = sum(c["revision_modules_executed"] + c["revision_modules_in_sys_modules"] for c in calls)
    print(
        json.dumps(
            {
                "calls": calls,
                "control": control,
                "imports_seen": imports_seen,
                "control_detected": control["revision_modules_executed"] >= 1
                and control["revision_modules_in_sys_modules"] >= 1,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
