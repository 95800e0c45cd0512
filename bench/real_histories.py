"""Run real applications' Alembic histories with dbshift, and with the real Alembic beside it.

Applications ship their migrations inside their packages (``optuna/storages/_rdb/alembic``,
``mlflow/store/db_migrations``...). For each chosen history and backend this script:

1. installs the application (``pip install --target``, ``--no-deps`` with the few
   dependencies its env.py and revisions import) into a throw-away folder under
   ``.venv/real-histories/`` — never into the venv's site-packages, and never Alembic;
2. copies the package's ``alembic.ini`` and migration folder twice into a scratch folder and
   points each copy at its own fresh database (a SQLite file, or a PostgreSQL schema);
3. runs ``dbshift upgrade head`` then ``dbshift downgrade base`` (where the history can go
   back) in fresh interpreters with the application on PYTHONPATH and Alembic not importable,
   and the same steps with the real Alembic (``tests/compat/alembic_driver.py``, one process);
4. compares the two databases after each step (``tests/compat/snapshot.py``: tables, columns,
   types, defaults, keys, indexes, constraints, rows, version rows) and prints a report.

    .venv/bin/python bench/real_histories.py                      # every history, sqlite + postgresql
    .venv/bin/python bench/real_histories.py optuna --backend sqlite
    .venv/bin/python bench/real_histories.py --list

PostgreSQL: ``DBSHIFT_TEST_POSTGRESQL_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``);
each run gets a schema of its own, dropped afterwards. Exit status: 0 when every run matched.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.compat.snapshot import differences, snapshot  # noqa: E402  (after the path)

SITES = ROOT / ".venv" / "real-histories"
RESULTS = ROOT / "bench" / "results" / "real_histories.json"
REAL_ALEMBIC = Path(os.environ.get("DBSHIFT_TEST_ALEMBIC_PATH", str(ROOT / ".venv" / "real-alembic")))
DRIVER = ROOT / "tests" / "compat" / "alembic_driver.py"
POSTGRESQL = os.environ.get("DBSHIFT_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class History:
    """One application's migration history and what running it needs."""

    name: str
    requirements: tuple[str, ...]
    """Installed with ``--no-deps``: the package and what its env.py and revisions import."""
    folder: str
    """The folder holding ``alembic.ini``, relative to the installed packages."""
    with_deps: tuple[str, ...] = ()
    """Installed first, with their dependencies (Alembic and SQLAlchemy are removed after)."""
    ini: str = "alembic.ini"
    set_ini: Callable[[str, str], str] = lambda text, url: re.sub(
        r"^sqlalchemy\.url\s*=.*$", lambda _m: f"sqlalchemy.url = {url.replace('%', '%%')}", text, flags=re.M
    )
    """The ini's text pointed at a URL (and whatever else the application would set)."""
    prepare: Callable[[str, Path], None] | None = None
    """Run on each fresh database before the steps (e.g. create the tables the first revision
    assumes), with the installed packages on sys.path."""
    downgrade: bool = True
    downgrade_to: str | None = None
    """A revision to go down to before ``base``: as far down as the history works."""
    notes: str = ""


def _mlflow_prepare(url: str, site: Path) -> None:
    """MLflow creates its first tables from ``initial_models`` (``mlflow.store.db.utils._initialize_tables``) and then runs the history from base."""
    code = (
        "import sqlalchemy as sa, sys\n"
        "from mlflow.store.tracking.dbmodels.initial_models import Base\n"
        f"engine = sa.create_engine({url!r})\n"
        "Base.metadata.create_all(engine)\n"
        "engine.dispose()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


HISTORIES = {
    h.name: h
    for h in (
        History(
            "optuna",
            ("optuna==5.1.0", "colorlog", "tqdm", "PyYAML", "numpy", "packaging"),
            "optuna/storages/_rdb",
            downgrade_to="v3.0.0.c",  # v3.0.0.c's own downgrade() fails (an attribute its models no longer have)
            notes="env.py imports optuna.storages._rdb.models for target_metadata; render_as_batch=True",
        ),
        History(
            "mlflow",
            ("mlflow==3.18.0",),
            "mlflow/store/db_migrations",
            with_deps=("mlflow-skinny==3.18.0",),
            prepare=_mlflow_prepare,
            notes="the first revision alters tables mlflow.store.tracking.dbmodels.initial_models creates: created on both databases first",
        ),
    )
}


# -- databases -----------------------------------------------------------------------------------
@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'db-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    schema = f"rh_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRESQL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield (
            sa.engine.make_url(POSTGRESQL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


# -- running -------------------------------------------------------------------------------------
def install(history: History) -> Path:
    site = SITES / history.name
    marker = site / ".installed"
    wanted = "\n".join((*history.with_deps, *history.requirements))
    if marker.exists() and marker.read_text(encoding="utf-8") == wanted:
        return site
    shutil.rmtree(site, ignore_errors=True)
    print(f"installing {history.name} into {site} ...", file=sys.stderr, flush=True)
    if history.with_deps:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--target", str(site), *history.with_deps],
            check=True,
        )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--target", str(site), *history.requirements],
        check=True,
    )  # fmt: skip
    for name in ("alembic", "sqlalchemy"):  # never shadow the real ones (or make Alembic importable)
        shutil.rmtree(site / name, ignore_errors=True)
    for leftover in [*site.glob("alembic-*.dist-info"), *site.glob("[Ss][Qq][Ll][Aa]lchemy-*.dist-info"), site / "bin"]:
        shutil.rmtree(leftover, ignore_errors=True)
    marker.write_text(wanted, encoding="utf-8")
    return site


def project_copy(history: History, site: Path, into: Path, url: str) -> Path:
    source = site / history.folder
    ini_text = (source / history.ini).read_text(encoding="utf-8")
    location = re.search(r"^script_location\s*=\s*(.+)$", ini_text, re.M)
    assert location is not None, f"{source / history.ini}: no script_location"
    # Applications point script_location at the package themselves (MLflow sets it in code,
    # optuna runs with the package folder as working folder): here it is the copy's folder.
    given = location.group(1).strip().replace("%(here)s/", "")
    found = next(p for p in (source / given, site / given, source / Path(given).name) if (p / "env.py").is_file())
    into.mkdir(parents=True)
    shutil.copytree(found, into / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    text = history.set_ini(ini_text, url)
    text = re.sub(r"^script_location\s*=.*$", "script_location = %(here)s/migrations", text, count=1, flags=re.M)
    (into / "alembic.ini").write_text(text, encoding="utf-8")
    return into


@dataclass
class Step:
    args: tuple[str, ...]
    ours_code: int
    theirs_code: int
    ours_seconds: float
    ours_error: str
    theirs_error: str
    diff: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.ours_code == self.theirs_code == 0 and not self.diff


@dataclass
class Run:
    history: str
    backend: str
    revisions: int
    steps: list[Step]
    theirs_seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(s.ok for s in self.steps)


def count_revisions(project: Path) -> int:
    return sum(
        1
        for path in project.rglob("*.py")
        if "versions" in path.parts and re.search(r"^revision\s*(?::[^=]*)?=", path.read_text(encoding="utf-8"), re.M)
    )


def run_history(history: History, backend: str, work: Path) -> Run:
    site = install(history)
    steps: list[tuple[str, ...]] = [("upgrade", "heads")]
    if history.downgrade_to:
        steps.append(("downgrade", history.downgrade_to))
    if history.downgrade:
        steps.append(("downgrade", "base"))
    with ExitStack() as stack:
        ours_url = stack.enter_context(fresh_database(backend, work))
        theirs_url = stack.enter_context(fresh_database(backend, work))
        ours = project_copy(history, site, work / "dbshift", ours_url)
        theirs = project_copy(history, site, work / "alembic", theirs_url)
        if history.prepare is not None:
            history.prepare(ours_url, site)
            history.prepare(theirs_url, site)
        spec = work / "spec.json"
        out = work / "out.json"
        spec.write_text(
            json.dumps({"project": str(theirs), "steps": [list(s) for s in steps], "databases": [{"url": theirs_url}]}),
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DBSHIFT_URL")}
        started = time.perf_counter()
        alembic = subprocess.Popen(
            [sys.executable, str(DRIVER), str(spec), str(out)],
            cwd=theirs,
            env={**env, "PYTHONPATH": os.pathsep.join([str(REAL_ALEMBIC), str(site)])},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        mine = []
        for args in steps:
            began = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "dbshift", *args],
                cwd=ours,
                env={**env, "PYTHONPATH": str(site)},
                capture_output=True,
                text=True,
                check=False,
            )
            mine.append((done, time.perf_counter() - began, snapshot(ours_url)))
        _driver_out, driver_err = alembic.communicate()
        theirs_seconds = time.perf_counter() - started
        revisions = count_revisions(ours)
        if alembic.returncode != 0:
            return Run(
                history.name, backend, revisions, [], theirs_seconds, f"the Alembic driver failed: {driver_err[-2000:]}"
            )
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        records = []
        for (done, seconds, ours_snapshot), their in zip(mine, result["steps"]):
            step = Step(
                tuple(done.args[3:]),
                done.returncode,
                their["code"],
                seconds,
                done.stderr.strip().splitlines()[-1] if done.returncode and done.stderr.strip() else "",
                their["stderr"].strip().splitlines()[-1] if their["code"] and their["stderr"].strip() else "",
                differences(ours_snapshot, their["snapshots"][0]),
            )
            records.append(step)
        return Run(history.name, backend, revisions, records, theirs_seconds)


def report(runs: Sequence[Run]) -> str:
    lines = [
        "| history | backend | revisions | step | dbshift | Alembic | dbshift time | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        if run.error:
            lines.append(
                f"| {run.history} | {run.backend} | {run.revisions} | - | - | - | - | error: {run.error[:200]} |"
            )
        for step in run.steps:
            result = "same" if step.ok else (f"{len(step.diff)} difference(s)" if step.diff else "exit codes differ")
            if step.ours_code == step.theirs_code != 0 and not step.diff:
                result = "both failed"
            lines.append(
                f"| {run.history} | {run.backend} | {run.revisions} | {' '.join(step.args)} | exit {step.ours_code} |"
                f" exit {step.theirs_code} | {step.ours_seconds:.2f} s | {result} |"
            )
    details = []
    for run in runs:
        for step in run.steps:
            if step.ok:
                continue
            details.append(f"\n{run.history} / {run.backend} / {' '.join(step.args)}:")
            if step.ours_error:
                details.append(f"  dbshift: {step.ours_error}")
            if step.theirs_error:
                details.append(f"  alembic: {step.theirs_error}")
            details += [f"  {line[:300]}{' ...' if len(line) > 300 else ''}" for line in step.diff[:12]]
            if len(step.diff) > 12:
                details.append(f"  ... {len(step.diff) - 12} more (all in {RESULTS.relative_to(ROOT)})")
    return "\n".join(lines + details)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("histories", nargs="*", help=f"which (default: all of {', '.join(HISTORIES)})")
    parser.add_argument("--backend", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and print where")
    parser.add_argument("--list", action="store_true", help="list the histories and what each needs")
    options = parser.parse_args(argv)
    if options.list:
        for history in HISTORIES.values():
            print(f"{history.name}: {history.folder} ({history.notes})")
        return 0
    if not (REAL_ALEMBIC / "alembic" / "__init__.py").exists():
        print(
            f"real Alembic not found in {REAL_ALEMBIC}: run .venv/bin/python -c 'import dev; dev.ensure_real_alembic()'"
        )
        return 2
    chosen = options.histories or list(HISTORIES)
    scratch = Path(tempfile.mkdtemp(prefix="real-histories-"))
    runs = []
    try:
        for name in chosen:
            for backend in options.backend.split(","):
                print(f"{name} on {backend} ...", file=sys.stderr, flush=True)
                runs.append(run_history(HISTORIES[name], backend.strip(), scratch / f"{name}-{backend}"))
    finally:
        if options.keep:
            print(f"scratch folder kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps([dataclasses.asdict(run) for run in runs], indent=1), encoding="utf-8")
    print(report(runs))
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
