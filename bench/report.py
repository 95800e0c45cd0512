"""The benchmarks' report: the machine they ran on and the results table."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    import sqlalchemy

    def git(*argv: str) -> str:
        try:
            proc = subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, check=False)
        except OSError:
            return ""
        return proc.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    # Product code changed since that commit: the figures are for the working tree.
    dirty = bool(git("status", "--porcelain", "dbshift"))
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "dbshift_commit": commit + ("+dirty" if dirty else ""),
        "tempdir": tempfile.gettempdir(),
    }


def load_average() -> float | None:
    """1-minute load average: other work on the machine skews wall times."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def fmt(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms"


def rows_for(kind: str, listing: dict[str, Any] | None, migrate: dict[str, Any] | None) -> list[list[str]]:
    rows = []

    def add(what: str, s: dict[str, Any], note: str = "") -> None:
        rows.append([kind, what, str(s["n"]), fmt(s["min_ms"]), fmt(s["median_ms"]), fmt(s["max_ms"]), note])

    if listing:
        n = listing["revisions"]
        cache = "listing cache" if kind == "dbshift" else "revision .pyc files"
        add(f"heads, {n} revs, no cache", listing["heads_cold"], f"{cache} deleted before each run")
        add(f"heads, {n} revs, cache", listing["heads_warm"], f"{cache} present")
        add(f"history, {n} revs", listing["history_warm"])
        add(f"current, {n} revs", listing["current_warm"], "database stamped at head")
        add("heads, 1 rev (startup)", listing["startup_1_revision"])
    if migrate:
        n = migrate["revisions"]
        up, down = migrate["upgrade_head"], migrate["downgrade_base"]
        note = f"{up['per_revision_ms']:.2f} ms/revision"
        if "upgrade_steps_reported" in migrate:
            note += f"; steps themselves {fmt(migrate['upgrade_steps_reported']['median_ms'])}"
        add(f"upgrade head, {n} revs", up, note)
        if "upgrade_nothing_to_do" in migrate:
            what = "checksums of applied revisions verified" if kind == "dbshift" else ""
            add(f"upgrade head, {n} applied", migrate["upgrade_nothing_to_do"], what)
        add(f"downgrade base, {n} revs", down, f"{down['per_revision_ms']:.2f} ms/revision")
    return rows


def print_table(results: dict[str, Any]) -> None:
    rows: list[list[str]] = []
    notes: list[str] = []
    heads = results.get("heads")
    upgrade = results.get("upgrade")
    if heads or upgrade:
        rows += rows_for("dbshift", heads, upgrade)
    alembic = results.get("alembic")
    if alembic:
        if "skipped" in alembic:
            notes.append(f"alembic: skipped: {alembic['skipped']}")
        else:
            rows += rows_for(f"alembic {alembic['version']}", alembic["heads"], alembic["upgrade"])
    if heads:
        audit = heads["import_audit"]
        seen = audit["imports_seen"]
        notes.append(
            f"import audit (heads without/with cache, history, current, in-process): "
            f"{seen} revision module(s) imported"
            + (" -- OK" if seen == 0 else " -- FAIL: listing must not import revisions")
        )
        for call in audit["calls"]:
            notes.append(
                f"  {call['call']:<22} executed {call['revision_modules_executed']}, "
                f"in sys.modules {call['revision_modules_in_sys_modules']}, "
                f"files opened {call['revision_files_opened']}, compiled {call['revision_files_compiled']}"
            )
        c = audit["control"]
        notes.append(
            f"  control: load_module(head) executed {c['revision_modules_executed']}, "
            f"in sys.modules {c['revision_modules_in_sys_modules']} (the audit sees real imports)"
        )
    if alembic and "skipped" not in alembic and (heads or upgrade):
        pairs = []
        if heads:
            pairs += [
                (f"heads, {heads['revisions']} revs, {w}", heads[k], alembic["heads"][k])
                for w, k in (("no cache", "heads_cold"), ("cache", "heads_warm"))
            ]
            pairs += [
                (f"{k.split('_')[0]}, {heads['revisions']} revs", heads[k], alembic["heads"][k])
                for k in ("history_warm", "current_warm")
            ]
        if upgrade:
            pairs += [
                (f"{k.replace('_', ' ')}, {upgrade['revisions']} revs", upgrade[k], alembic["upgrade"][k])
                for k in ("upgrade_head", "upgrade_nothing_to_do", "downgrade_base")
                if k in upgrade and k in alembic["upgrade"]
            ]
        notes.append("alembic / dbshift, ratio of medians (above 1: dbshift is faster):")
        for what, ours, theirs in pairs:
            notes.append(f"  {what:<28} {theirs['median_ms'] / ours['median_ms']:.1f}x")
    header = ["tool", "measurement", "n", "min", "median", "max", "notes"]
    if rows:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(row: list[str]) -> str:
            cells = zip(row, widths)
            return "  ".join(c.ljust(w) if i in (0, 1, 6) else c.rjust(w) for i, (c, w) in enumerate(cells))

        print(line(header).rstrip())
        print("  ".join("-" * w for w in widths))
        for r in rows:
            print(line(r).rstrip())
    for n in notes:
        print(n)
