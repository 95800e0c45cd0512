#!/usr/bin/env python3
"""dbshift benchmarks: ``python3 dev.py bench [heads] [upgrade] [alembic] [check]`` (default: all).

* ``heads``   - a linear history of 5,000 revision files: ``dbshift heads`` as a subprocess
  without and with the listing cache, ``history`` and ``current``, and an import audit proving
  no revision file is imported by those commands.
* ``upgrade`` - 1,000 revisions (each creates a table or adds a column) on a SQLite file:
  ``dbshift upgrade head`` from base and ``dbshift downgrade base``.
* ``alembic`` - the same two scenarios as an Alembic project, timed the same way; only when
  ``alembic`` is importable (``.venv/bin/pip install alembic``), skipped otherwise.
* ``check``   - ``dbshift check`` beside ``alembic check`` (real Alembic from ``.venv/real-alembic``)
  on 500, 1,000 and 2,000 generated tables, SQLite and PostgreSQL: time and peak memory
  (``bench/check.py``).

Every timing is the wall time of a whole command in a fresh process (``time.perf_counter``
around ``subprocess.run``), repeated; the table shows min / median / max. Scratch projects
live in a temporary folder that is removed afterwards. Results also go to
``bench/results/latest.json``. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check import CheckBenchError, add_arguments, bench_check, print_check
from report import load_average, machine, print_table

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
NAMES = ("heads", "upgrade", "alembic", "check")

# Revision files are given old modification times, as in a real repository: a file modified
# less than 2 s before dbshift reads it is "racy" and re-hashed on every run until it ages.
BASE_DATE = datetime(2024, 1, 1, 9, 0, 0)
COLUMNS_PER_TABLE = 9  # revision i creates a table when i % 10 == 0, else adds a column to it


class BenchError(Exception):
    pass


# -- running commands -------------------------------------------------------------------------


def tool(name: str) -> list[str]:
    """The console script next to this interpreter (as a user runs it), else ``python -m``."""
    script = Path(sys.executable).parent / (name + (".exe" if os.name == "nt" else ""))
    return [str(script)] if script.exists() else [sys.executable, "-m", name]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # A URL in the environment would override the scratch project's own.
    env.pop("DBSHIFT_URL", None)
    # Alembic's "warm" case relies on Python writing .pyc files for revision modules.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(argv: Sequence[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a command to completion; (wall seconds, result). A failure stops the benchmark."""
    start = time.perf_counter()
    proc = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, env=child_env(), check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise BenchError(f"`{' '.join(argv)}` in {cwd} exited {proc.returncode}: " + " | ".join(tail))
    return elapsed, proc


def stats(samples: Sequence[float]) -> dict[str, Any]:
    """Seconds in, milliseconds out."""
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "min_ms": round(min(ms), 1),
        "median_ms": round(statistics.median(ms), 1),
        "max_ms": round(max(ms), 1),
        "samples_ms": [round(x, 1) for x in ms],
    }


# Repeating a measurement stops once its runs have taken this long (at least one run is made),
# so a slow command (Alembic's ``current`` over 5,000 revisions) cannot stretch a benchmark.
BUDGET_S = 30.0
UPGRADE_BUDGET_S = 90.0


def repeat(
    times: int,
    budget: float,
    argv: Sequence[str],
    cwd: Path,
    before: Callable[[], None] | None = None,
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    samples: list[float] = []
    proc: subprocess.CompletedProcess[str] | None = None
    while len(samples) < times and sum(samples) < budget:
        if before is not None:
            before()
        elapsed, proc = run(argv, cwd)
        samples.append(elapsed)
    assert proc is not None
    return stats(samples), proc


def progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


# -- the revisions ----------------------------------------------------------------------------


def revision_ids(count: int, seed: int) -> list[str]:
    """Random-looking 12-hex ids like the ones ``dbshift revision`` makes, but reproducible."""
    rng = random.Random(seed)
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < count:
        rid = f"{rng.getrandbits(48):012x}"
        if rid not in seen:
            seen.add(rid)
            ids.append(rid)
    return ids


def change(i: int) -> tuple[str, str, str]:
    """(message, upgrade body, downgrade body) of revision ``i``, as autogenerate writes them."""
    table = f"t{i // (COLUMNS_PER_TABLE + 1):04d}"
    if i % (COLUMNS_PER_TABLE + 1) == 0:
        create = (
            f"op.create_table(\n"
            f'    "{table}",\n'
            f'    sa.Column("id", sa.Integer(), nullable=False),\n'
            f'    sa.Column("name", sa.String(length=50), nullable=True),\n'
            f'    sa.PrimaryKeyConstraint("id"),\n'
            f")"
        )
        return f"create table {table}", create, f'op.drop_table("{table}")'
    column = f"c{i:05d}"
    return (
        f"add {column} to {table}",
        f'op.add_column("{table}", sa.Column("{column}", sa.Integer(), nullable=True))',
        f'op.drop_column("{table}", "{column}")',
    )


def age_files(paths: Sequence[Path]) -> None:
    for i, path in enumerate(paths):
        stamp = (BASE_DATE + timedelta(minutes=i)).replace(tzinfo=timezone.utc).timestamp()
        os.utime(path, (stamp, stamp))


def make_dbshift_project(folder: Path, count: int, seed: int = 1) -> list[str]:
    """``dbshift init`` a project (SQLite URL) and write a linear history of ``count`` revisions.

    Files are rendered by dbshift's own writer from the project's ``script.py.tmpl``, so they
    are exactly what ``dbshift revision`` would write.
    """
    from dbshift.script.writer import RevisionSource, render_revision, revision_filename

    folder.mkdir(parents=True)
    run([*tool("dbshift"), "init"], folder)
    config = (folder / "dbshift.toml").read_text()
    if 'url = "sqlite:///' not in config:
        raise BenchError("dbshift init did not write a SQLite URL in dbshift.toml")
    template = (folder / "migrations" / "script.py.tmpl").read_text()
    versions = folder / "migrations" / "versions"
    ids = revision_ids(count, seed)
    paths = []
    for i, rid in enumerate(ids):
        message, up, down = change(i)
        created = BASE_DATE + timedelta(minutes=i)
        source = RevisionSource(
            rev_id=rid,
            message=message,
            down_revisions=(ids[i - 1],) if i else (),
            create_date=created,
            upgrade_body=up,
            downgrade_body=down,
        )
        path = versions / revision_filename("%(rev)s_%(slug)s", rid, message, created)
        path.write_text(render_revision(template, source), encoding="utf-8")
        paths.append(path)
    age_files(paths)
    return ids


def make_alembic_project(folder: Path, count: int, seed: int = 1) -> list[str]:
    """``alembic init`` a project on SQLite and write the same history with its own template."""
    from alembic import util as alembic_util
    from mako.template import Template

    folder.mkdir(parents=True)
    run([*tool("alembic"), "init", "alembic"], folder)
    ini = folder / "alembic.ini"
    text, n = re.subn(r"(?m)^sqlalchemy\.url = .*$", "sqlalchemy.url = sqlite:///app.sqlite", ini.read_text())
    if n != 1:
        raise BenchError("alembic.ini has no sqlalchemy.url line to set")
    ini.write_text(text)
    template = Template(filename=str(folder / "alembic" / "script.py.mako"))
    versions = folder / "alembic" / "versions"
    versions.mkdir(exist_ok=True)
    ids = revision_ids(count, seed)
    paths = []
    for i, rid in enumerate(ids):
        message, up, down = change(i)
        created = BASE_DATE + timedelta(minutes=i)
        # Alembic's template indents only the body's first line; autogenerate indents the rest.
        rendered = template.render_unicode(
            up_revision=rid,
            down_revision=ids[i - 1] if i else None,
            branch_labels=None,
            depends_on=None,
            create_date=created,
            comma=alembic_util.format_as_comma,
            message=message,
            imports=None,
            upgrades=textwrap.indent(up, "    ")[4:],
            downgrades=textwrap.indent(down, "    ")[4:],
        )
        path = versions / f"{rid}_{message.replace(' ', '_')}.py"
        path.write_text(rendered, encoding="utf-8")
        paths.append(path)
    age_files(paths)
    return ids


def clear_pycache(versions: Path) -> Callable[[], None]:
    """Remove ``versions/__pycache__``: dbshift's listing cache, and the .pyc files Alembic uses."""
    return lambda: shutil.rmtree(versions / "__pycache__", ignore_errors=True)


def sqlite_tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    conn.close()
    return {r[0] for r in rows}


def sqlite_versions(db: Path, table: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT version_num FROM {table}").fetchall()
    conn.close()
    return [r[0] for r in rows]


# -- heads ------------------------------------------------------------------------------------


def listing_scenario(kind: str, scratch: Path, args: argparse.Namespace, audit: bool) -> dict[str, Any]:
    """heads (no cache / cache), history, current over a linear history; kind: dbshift|alembic."""
    count, reps, budget = args.heads_revisions, args.repeat, args.budget
    folder = scratch / f"{kind}-listing"
    started = time.perf_counter()
    if kind == "dbshift":
        ids = make_dbshift_project(folder, count)
        versions = folder / "migrations" / "versions"
    else:
        ids = make_alembic_project(folder, count)
        versions = folder / "alembic" / "versions"
    progress(f"{kind}: wrote {count} revision files in {time.perf_counter() - started:.1f} s")
    cmd = tool(kind)
    head = ids[-1]
    out: dict[str, Any] = {"revisions": count, "command": " ".join(cmd)}

    clear = clear_pycache(versions)
    run([*cmd, "heads"], folder)  # untimed warm-up: the tool's own .pyc files, the OS file cache
    cold, proc = repeat(reps, budget, [*cmd, "heads"], folder, before=clear)
    if head not in proc.stdout or len(proc.stdout.strip().splitlines()) != 1:
        raise BenchError(f"{kind} heads printed {proc.stdout.strip()!r}, expected the one head {head}")
    out["heads_cold"] = cold
    progress(f"{kind} heads, cold: median {cold['median_ms']:.0f} ms")

    run([*cmd, "heads"], folder)  # make sure the cache / .pyc files are there
    warm, _ = repeat(reps, budget, [*cmd, "heads"], folder)
    out["heads_warm"] = warm
    progress(f"{kind} heads, warm: median {warm['median_ms']:.0f} ms")

    history, proc = repeat(reps, budget, [*cmd, "history"], folder)
    listed = sum(1 for line in proc.stdout.splitlines() if "->" in line)
    if listed != count:
        raise BenchError(f"{kind} history listed {listed} revisions, expected {count}")
    out["history_warm"] = history

    run([*cmd, "stamp", "head"], folder)
    current, proc = repeat(reps, budget, [*cmd, "current"], folder)
    if head not in proc.stdout:
        raise BenchError(f"{kind} current printed {proc.stdout.strip()!r}, expected {head}")
    out["current_warm"] = current
    progress(f"{kind} history / current: medians {history['median_ms']:.0f} / {current['median_ms']:.0f} ms")

    if audit:
        _, proc = run([sys.executable, str(BENCH / "import_audit.py"), str(folder / "dbshift.toml")], folder)
        result = json.loads(proc.stdout)
        if not result["control_detected"]:
            raise BenchError("import audit did not see the control import: the audit is blind")
        out["import_audit"] = result
        progress(f"import audit: {result['imports_seen']} revision imports seen (control detected)")
    return out


def startup_floor(kind: str, scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The same ``heads`` over a single revision: interpreter start, imports, config."""
    folder = scratch / f"{kind}-one"
    if kind == "dbshift":
        make_dbshift_project(folder, 1)
    else:
        make_alembic_project(folder, 1)
    cmd = tool(kind)
    run([*cmd, "heads"], folder)
    floor, _ = repeat(args.repeat, args.budget, [*cmd, "heads"], folder)
    return floor


def bench_heads(scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    result = listing_scenario("dbshift", scratch, args, audit=True)
    result["startup_1_revision"] = startup_floor("dbshift", scratch, args)
    return result


# -- upgrade ----------------------------------------------------------------------------------

STEP_MS = re.compile(r"\((\d+) ms\)\s*$")


def migrate_scenario(kind: str, scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    """upgrade head from base, then downgrade base, on a fresh SQLite file; repeated."""
    count, reps, budget = args.upgrade_revisions, args.upgrade_repeat, args.upgrade_budget
    folder = scratch / f"{kind}-migrate"
    if kind == "dbshift":
        ids = make_dbshift_project(folder, count, seed=2)
        version_table = "dbshift_version"
    else:
        ids = make_alembic_project(folder, count, seed=2)
        version_table = "alembic_version"
    cmd = tool(kind)
    db = folder / "app.sqlite"
    run([*cmd, "heads"], folder)  # listing cache / .pyc in place: time the migrations, not the first read
    tables = count // (COLUMNS_PER_TABLE + 1) + (1 if count % (COLUMNS_PER_TABLE + 1) else 0)

    own_tables = {version_table, f"{version_table}_log"}  # dbshift keeps its applied log beside it
    up_samples: list[float] = []
    noop_samples: list[float] = []
    down_samples: list[float] = []
    step_sums: list[float] = []
    while len(up_samples) < reps and sum(up_samples) + sum(down_samples) < budget:
        db.unlink(missing_ok=True)
        elapsed, proc = run([*cmd, "upgrade", "head"], folder)
        up_samples.append(elapsed)
        found = sqlite_tables(db) - own_tables
        if len(found) != tables or sqlite_versions(db, version_table) != [ids[-1]]:
            raise BenchError(f"{kind} upgrade head left {len(found)} tables (expected {tables}) or a wrong version")
        if kind == "dbshift":
            # dbshift prints each step's own time ("... (3 ms)"); their sum is the time spent
            # inside revisions, the rest is start-up, listing, loading modules and planning.
            steps = [int(m.group(1)) for m in map(STEP_MS.search, proc.stdout.splitlines()) if m]
            if len(steps) == count:
                step_sums.append(sum(steps) / 1000)
        # Nothing to do: under the lock, read the version table (and, for dbshift, verify the
        # checksums of the applied revisions against the log).
        elapsed, proc = run([*cmd, "upgrade", "head"], folder)
        noop_samples.append(elapsed)
        elapsed, proc = run([*cmd, "downgrade", "base"], folder)
        down_samples.append(elapsed)
        if sqlite_tables(db) - own_tables or sqlite_versions(db, version_table):
            raise BenchError(f"{kind} downgrade base left tables or version rows behind")
    up, down, noop = stats(up_samples), stats(down_samples), stats(noop_samples)
    for s in (up, down):
        s["per_revision_ms"] = round(s["median_ms"] / count, 2)
    out: dict[str, Any] = {
        "revisions": count,
        "tables": tables,
        "upgrade_head": up,
        "upgrade_nothing_to_do": noop,
        "downgrade_base": down,
    }
    if step_sums:
        out["upgrade_steps_reported"] = stats(step_sums)
    progress(f"{kind} upgrade / downgrade: medians {up['median_ms']:.0f} / {down['median_ms']:.0f} ms")
    return out


def bench_upgrade(scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    return migrate_scenario("dbshift", scratch, args)


# -- alembic ----------------------------------------------------------------------------------

INSTALL_HINT = ".venv/bin/pip install alembic"


def bench_alembic(scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    if importlib.util.find_spec("alembic") is None:
        return {"skipped": f"alembic is not importable in {sys.prefix}; to compare, run: {INSTALL_HINT}"}
    import alembic

    listing = listing_scenario("alembic", scratch, args, audit=False)
    listing["startup_1_revision"] = startup_floor("alembic", scratch, args)
    migrate = migrate_scenario("alembic", scratch, args)
    return {"version": alembic.__version__, "heads": listing, "upgrade": migrate}


BENCHMARKS: dict[str, Callable[[Path, argparse.Namespace], dict[str, Any]]] = {
    "heads": bench_heads,
    "upgrade": bench_upgrade,
    "alembic": bench_alembic,
    "check": bench_check,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 dev.py bench", description="dbshift benchmarks (default: all).")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(NAMES)}")
    parser.add_argument("--repeat", type=int, default=5, help="runs per listing measurement (default 5)")
    parser.add_argument("--upgrade-repeat", type=int, default=3, help="upgrade+downgrade rounds (default 3)")
    parser.add_argument("--heads-revisions", type=int, default=5000, help="history length for heads (default 5000)")
    parser.add_argument("--upgrade-revisions", type=int, default=1000, help="history length for upgrade (default 1000)")
    parser.add_argument(
        "--budget",
        type=float,
        default=BUDGET_S,
        help=f"stop repeating a listing measurement after this many seconds of runs (default {BUDGET_S:.0f})",
    )
    parser.add_argument(
        "--upgrade-budget",
        type=float,
        default=UPGRADE_BUDGET_S,
        help=f"same for upgrade+downgrade rounds (default {UPGRADE_BUDGET_S:.0f})",
    )
    add_arguments(parser)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and print where it is")
    parser.add_argument("--json", type=Path, default=RESULTS / "latest.json", help="where to write results")
    args = parser.parse_args(argv)
    names = list(dict.fromkeys(args.names)) or list(NAMES)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    if min(args.repeat, args.upgrade_repeat, args.heads_revisions, args.upgrade_revisions) < 1:
        parser.error("counts must be at least 1")

    results: dict[str, Any] = {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("json", "names", "keep")},
    }
    scratch = Path(tempfile.mkdtemp(prefix="dbshift-bench-"))
    try:
        for name in names:
            print(f"== {name}", file=sys.stderr, flush=True)
            started = time.perf_counter()
            load_before = load_average()
            results[name] = BENCHMARKS[name](scratch, args)
            results[name]["benchmark_seconds"] = round(time.perf_counter() - started, 1)
            results[name]["load_average_1min"] = [load_before, load_average()]
            if "skipped" in results[name]:
                print(f"  skipped: {results[name]['skipped']}", file=sys.stderr)
    except (BenchError, CheckBenchError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"scratch folder kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    m = results["machine"]
    print(
        f"\ndbshift {m['dbshift_commit']} | Python {m['python']} | SQLAlchemy {m['sqlalchemy']} | "
        f"SQLite {m['sqlite']} | {m['cpus']} CPUs | {m['platform']}\n"
    )
    print_table(results)
    if "check" in results:
        print_check(results["check"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults written to {display(args.json)}")
    failed = "heads" in results and results["heads"]["import_audit"]["imports_seen"] != 0
    return 1 if failed else 0


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
