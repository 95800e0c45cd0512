"""Running a corpus project (tests/fixtures/alembic/<scenario>) with dbshift and with the real Alembic.

A scenario is copied twice into the test's folder and each copy is pointed at its own fresh
database of the same backend: dbshift's CLI runs the steps in the first, each in a fresh
interpreter where Alembic cannot be imported; the real Alembic runs the same steps in the
second, all of them in one child process (``alembic_driver.py``) started first so that it runs
while dbshift does. After every step both databases are snapshotted (schema, rows, version
rows) and compared.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from tests.cli_helpers import run_cli
from tests.compat.snapshot import Snapshot, snapshot

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "alembic"
DRIVER = Path(__file__).resolve().parent / "alembic_driver.py"
REPO = Path(__file__).resolve().parents[2]

STANDARD_STEPS: tuple[tuple[str, ...], ...] = (
    ("upgrade", "head"),
    ("current",),
    ("history",),
    ("heads",),
    ("downgrade", "-1"),
    ("downgrade", "base"),
    ("upgrade", "head", "--sql"),
)
"""What every scenario runs, in this order, unless it says otherwise."""


def without_alembic(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for dbshift's child processes: no PYTHONPATH entry that holds an Alembic."""
    env = dict(environ)
    entries = [e for e in env.get("PYTHONPATH", "").split(os.pathsep) if e]
    kept = [e for e in entries if not (Path(e) / "alembic").exists()]
    env["PYTHONPATH"] = os.pathsep.join(kept)  # "" rather than absent: run_cli only adds to os.environ
    return env


def ini_url(url: str) -> str:
    """A URL as a value in an ini file (configparser interpolation: ``%`` is written ``%%``)."""
    return url.replace("%", "%%")


def set_ini_values(ini: Path, values: Mapping[tuple[str, str], str]) -> None:
    """Replace ``key = value`` lines of given sections (``{(section, key): value}``) in place."""
    section = ""
    lines = []
    seen: set[tuple[str, str]] = set()
    for line in ini.read_text(encoding="utf-8").splitlines():
        header = re.match(r"\s*\[([^]]+)\]\s*$", line)
        if header:
            section = header.group(1)
        match = re.match(r"\s*([^=#;\s][^=]*?)\s*=", line)
        if match and (section, match.group(1)) in values:
            key = (section, match.group(1))
            line = f"{key[1]} = {values[key]}"
            seen.add(key)
        lines.append(line)
    missing = set(values) - seen
    assert not missing, f"{ini}: no line for {sorted(missing)}"
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")


def async_url(url: str) -> str:
    """The asyncio driver's URL for a test database URL (aiosqlite, psycopg's async mode, aiomysql)."""
    parsed = sa.engine.make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg_async", "mysql": "mysql+aiomysql"}
    parsed = parsed.set(drivername=driver[parsed.get_backend_name()])
    if "ssl_disabled" in parsed.query:  # PyMySQL's option; aiomysql has none by that name
        parsed = parsed.difference_update_query(["ssl_disabled"])
    return parsed.render_as_string(hide_password=False)


Pointer = Callable[[Path, Sequence[str]], None]


def point_main_section(project: Path, urls: Sequence[str]) -> None:
    set_ini_values(project / "alembic.ini", {("alembic", "sqlalchemy.url"): ini_url(urls[0])})


@dataclass(frozen=True)
class Scenario:
    """How to run one corpus project: where its URLs go, what it passes, what it expects."""

    name: str
    point: Pointer = point_main_section
    databases: int = 1
    backends: tuple[str, ...] = ("sqlite", "postgresql", "mariadb")
    x_args: tuple[str, ...] = ()
    version_table: str = "alembic_version"
    steps: tuple[tuple[str, ...], ...] = STANDARD_STEPS
    fails: frozenset[int] = frozenset()
    """Steps (by position) that fail with both tools (non-zero exit, nothing changed)."""
    url_for: Callable[[str], str] = lambda url: url
    """The URL written into the project for a test database URL (e.g. its asyncio driver)."""
    offline_apply: bool = True
    """Whether the --sql output of the last step is applied to fresh databases and compared."""
    alembic_offline_fails: str = ""
    """Why the real Alembic cannot write this scenario's --sql script (then dbshift's, when it
    writes one, is run and compared with the database Alembic migrated online)."""
    fails_offline_on: tuple[str, ...] = ()
    """Backends on which dbshift cannot write that script either (see the fixtures' README)."""
    known: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    """Differences from Alembic a step is known to leave (``differences()`` lines for database 0),
    each explained in the fixtures' README: the test demands exactly these, so a fix shows."""

    @property
    def source(self) -> Path:
        return FIXTURES / self.name

    def revision_ids(self) -> list[str]:
        ids = []
        for path in self.source.rglob("versions/**/*.py"):
            found = re.search(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", path.read_text(encoding="utf-8"), re.M)
            if found:
                ids.append(found.group(1))
        return ids


@dataclass
class StepResult:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    snapshots: list[Snapshot] = field(default_factory=list)


def copy_project(scenario: Scenario, into: Path, urls: Sequence[str]) -> Path:
    shutil.copytree(scenario.source, into, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    scenario.point(into, [scenario.url_for(url) for url in urls])
    return into


def start_alembic(
    real_alembic_path: Path,
    project: Path,
    steps: Sequence[Sequence[str]],
    urls: Sequence[str],
    version_tables: Sequence[str],
) -> tuple[subprocess.Popen[str], Path]:
    """Start the real Alembic on ``steps`` in ``project``; returns the process and its result file."""
    work = Path(tempfile.mkdtemp(prefix="alembic-driver-", dir=project.parent))
    spec = work / "spec.json"
    out = work / "out.json"
    spec.write_text(
        json.dumps(
            {
                "project": str(project),
                "steps": [list(s) for s in steps],
                "databases": [{"url": url, "version_tables": list(version_tables)} for url in urls],
            }
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DBSHIFT_URL", "PYTHONPATH")}
    env["PYTHONPATH"] = str(real_alembic_path)
    process = subprocess.Popen(
        [sys.executable, str(DRIVER), str(spec), str(out)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, out


def finish_alembic(process: subprocess.Popen[str], out: Path) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, f"the Alembic driver failed:\n{stdout}\n{stderr}"
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert "real-alembic" in result["alembic_file"] or "alembic" in result["alembic_file"]
    return result


def run_dbshift(
    project: Path,
    steps: Sequence[Sequence[str]],
    urls: Sequence[str],
    version_tables: Sequence[str],
    x_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> list[StepResult]:
    """dbshift's CLI on each step, in a fresh interpreter each; ``env`` defaults to this process's
    environment without any PYTHONPATH entry holding an Alembic. ``["!models", v]`` is not a
    command: the application's models change (``models_<v>.py`` becomes ``models.py``)."""
    environ = dict(env) if env is not None else without_alembic(os.environ)
    results = []
    for args in steps:
        if args and args[0] == "!models":
            (project / "models.py").write_text(
                (project / f"models_{args[1]}.py").read_text(encoding="utf-8"), encoding="utf-8"
            )
            results.append(StepResult(tuple(args), 0, "", ""))
            continue
        x = [part for arg in x_args for part in ("-x", arg)]
        done = run_cli(project, *x, *args, env=environ, fresh_interpreter=True)
        assert "Traceback" not in done.stderr, f"dbshift {' '.join(args)}:\n{done.stderr}"
        result = StepResult(tuple(args), done.returncode, done.stdout, done.stderr)
        result.snapshots = [snapshot(url, tuple(version_tables)) for url in urls]
        results.append(result)
    return results


def revision_files(project: Path) -> list[str]:
    return sorted(
        str(p.relative_to(project)) for p in project.rglob("versions/**/*.py") if "__pycache__" not in p.parts
    )


def ids_by_line(text: str, known: Sequence[str]) -> list[list[str]]:
    """Per output line, the known revision ids it names, in order (lines naming none are left out)."""
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(known, key=len, reverse=True)) + r")\b")
    lines = [pattern.findall(line) for line in text.splitlines()]
    return [ids for ids in lines if ids]


def head_marks(text: str, known: Sequence[str]) -> list[str]:
    """The ids marked ``(head)`` in an output, sorted."""
    # Alembic: "<id> (label, label) (head)"; dbshift: "<id> (head)"; other parentheses may come between.
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in known) + r")\b(?:\s+\((?!head\))[^)]*\))*\s+\(head\)")
    return sorted(pattern.findall(text))


def execute_script(url: str, sql: str) -> None:
    """Run a --sql script statement by statement (each ends with ';' at a line end)."""
    statements = [s.strip() for s in re.split(r";\s*\n", sql) if s.strip()]
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                body = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--"))
                if body.strip():
                    connection.exec_driver_sql(body)
    finally:
        engine.dispose()


@dataclass
class ScenarioRun:
    """Everything one scenario did on one backend, with both tools; checked by the test."""

    ours: list[StepResult]
    theirs: list[dict[str, Any]]
    offline: list[list[Snapshot]] | None = None
    """The --sql scripts of dbshift and of Alembic, each run on fresh databases: [ours, theirs]."""
    seconds: float = 0.0
    files: tuple[list[str], list[str]] = ([], [])
    """The revision files of both copies at the end (a revision command must write the same)."""


def run_scenario(scenario: Scenario, factory: Any, real_alembic_path: Path, folder: Path) -> ScenarioRun:
    """Run a scenario with both tools on fresh databases made by ``factory`` (a DatabaseFactory)."""
    started = time.perf_counter()
    ours_urls = [factory.new().url for _ in range(scenario.databases)]
    theirs_urls = [factory.new().url for _ in range(scenario.databases)]
    ours_dir = copy_project(scenario, folder / "dbshift", ours_urls)
    theirs_dir = copy_project(scenario, folder / "alembic", theirs_urls)
    x = [part for arg in scenario.x_args for part in ("-x", arg)]
    steps = [(*x, *step) for step in scenario.steps]
    tables = [scenario.version_table]
    process, out = start_alembic(real_alembic_path, theirs_dir, steps, theirs_urls, tables)
    try:
        ours = run_dbshift(ours_dir, scenario.steps, ours_urls, tables, scenario.x_args)
    finally:
        theirs = finish_alembic(process, out)["steps"]
    run = ScenarioRun(ours, theirs)
    run.files = (revision_files(ours_dir), revision_files(theirs_dir))
    last = len(scenario.steps) - 1
    if (
        scenario.offline_apply
        and "--sql" in scenario.steps[last]
        and ours[last].code == 0
        and theirs[last]["code"] == 0
    ):
        run.offline = []
    if scenario.alembic_offline_fails and ours[last].code == 0:
        fresh = factory.new()
        execute_script(fresh.url, ours[last].stdout)
        run.offline = [[snapshot(fresh.url, (scenario.version_table,))]]
    elif run.offline is not None:
        for script in (ours[last].stdout, str(theirs[last]["stdout"])):
            # A multi-database env.py marks each database's part with '-- database: NAME'.
            parts = re.split(r"^-- database: \w+\s*$", script, flags=re.M)[-scenario.databases :]
            made = []
            for part in parts:
                fresh = factory.new()
                execute_script(fresh.url, part)
                made.append(snapshot(fresh.url, (scenario.version_table,)))
            run.offline.append(made)
    run.seconds = time.perf_counter() - started
    return run


T = TypeVar("T")


class RunPool(Generic[T]):
    """Starts the work of every selected item of one test function at once, on a few threads
    (each mostly waits for its child processes), so that each test only waits for its own.

    ``make_job(params)`` gives, for one item's parameters, the work to do with a
    DatabaseFactory for its backend and a folder of its own (None: nothing to prepare).
    """

    def __init__(
        self,
        request: Any,
        test_name: str,
        make_job: Callable[[dict[str, Any]], Callable[[Any, Path], T] | None],
        folder: Path,
    ) -> None:
        from tests.conftest import DatabaseFactory

        self.executor = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
        self.futures: dict[str, Future[T]] = {}
        self.factories: list[Any] = []
        for item in request.session.items:
            if getattr(item, "originalname", "") != test_name or not hasattr(item, "callspec"):
                continue
            params = dict(item.callspec.params)
            job = make_job(params)
            if job is None:
                continue
            key = item.callspec.id
            where = folder / re.sub(r"[^\w.-]+", "_", key)
            where.mkdir(parents=True)
            factory = DatabaseFactory(params["backend"], where, request)
            self.factories.append(factory)
            self.futures[key] = self.executor.submit(job, factory, where)

    def result(self, request: Any) -> T:
        return self.futures[request.node.callspec.id].result()

    def close(self) -> None:
        for future in self.futures.values():
            future.cancel()
        self.executor.shutdown(wait=True)
        for factory in self.factories:
            factory.close()
