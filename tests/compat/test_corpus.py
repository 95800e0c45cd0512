"""The corpus of Alembic-style histories (tests/fixtures/alembic/, see its README.md), run by
dbshift's CLI and by the real Alembic on two fresh databases of the same backend.

For each scenario and backend: ``upgrade head``, ``current``, ``history``, ``heads``,
``downgrade -1``, ``downgrade base`` and ``upgrade head --sql`` (unless the scenario lists its
own steps). dbshift runs each in a fresh interpreter that cannot import Alembic; the real
Alembic runs them all in one child process. After every step the two databases must have the
same tables, columns, types, defaults, keys, indexes, constraints, rows (in key order) and
version rows, the exit codes must agree, and what ``current``, ``history`` and ``heads`` print
must name the same revisions. The ``--sql`` scripts of both are then run on two more fresh
databases, which must end up alike.

Speed: each scenario costs about seven interpreter start-ups for dbshift plus one for Alembic
(which runs meanwhile). The module starts every selected scenario at once on a small pool of
threads (each mostly waits for its child processes), and each test waits for its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.compat.corpus import (
    STANDARD_STEPS,
    RunPool,
    Scenario,
    ScenarioRun,
    StepResult,
    async_url,
    head_marks,
    ids_by_line,
    ini_url,
    run_scenario,
    set_ini_values,
    without_alembic,
)
from tests.compat.snapshot import differences
from tests.conftest import DatabaseFactory


def point_multidb(project: Path, urls: Sequence[str]) -> None:
    set_ini_values(
        project / "alembic.ini",
        {("shop", "sqlalchemy.url"): ini_url(urls[0]), ("audit", "sqlalchemy.url"): ini_url(urls[1])},
    )


SCENARIOS = [
    Scenario("basic"),
    Scenario("pyproject"),
    Scenario("multidb", point=point_multidb, databases=2),
    Scenario("async_env", url_for=async_url),
    Scenario(
        "hand_edited",
        x_args=("seed=demo",),
        version_table="crm_schema_history",
        # revision --autogenerate with nothing to do: process_revision_directives empties the
        # directives, so neither tool writes a file.
        steps=(
            ("upgrade", "head"),
            ("check",),
            ("revision", "--autogenerate", "-m", "nothing new"),
            *STANDARD_STEPS[1:],
        ),
    ),
    Scenario("plugin_ops"),
    Scenario(
        "batch",
        alembic_offline_fails="a batch block that recreates needs the table reflected, which --sql cannot do",
        fails_offline_on=("sqlite", "mariadb"),
    ),
    Scenario("autocommit"),
    Scenario(
        "branches",
        # Not "downgrade -1" from the merge: Alembic calls that walk ambiguous (FAILED: Ambiguous
        # walk) where dbshift goes back to both parents; see the fixtures' README.
        # "downgrade 2c0a0000c0e2" undoes the core revision after it and the reports revision
        # that depends on it: which ones and in which order must agree with Alembic.
        steps=(
            ("upgrade", "1e0b0000d0f1"),
            ("current",),
            ("upgrade", "2e0b0000d0f2"),
            ("current",),
            ("upgrade", "head"),
            ("history",),
            ("heads",),
            ("downgrade", "2e0b0000d0f2"),
            ("current",),
            ("downgrade", "2c0a0000c0e2"),  # not "reports@base": dbshift knows only <label>@head
            ("current",),
            ("downgrade", "base"),
            ("upgrade", "head", "--sql"),
        ),
    ),
    Scenario("no_downgrade", fails=frozenset({5})),
]


@pytest.fixture(scope="module")
def pool(
    request: pytest.FixtureRequest, real_alembic_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunPool[ScenarioRun]]:
    def make_job(params: dict[str, Any]) -> Callable[[DatabaseFactory, Path], ScenarioRun] | None:
        scenario: Scenario = params["scenario"]
        if params["backend"] not in scenario.backends:
            return None
        return lambda factory, folder: run_scenario(scenario, factory, real_alembic_path, folder)

    started = RunPool(request, "test_scenario_runs_as_with_alembic", make_job, tmp_path_factory.mktemp("corpus"))
    try:
        yield started
    finally:
        started.close()


def _shown(step: StepResult | dict[str, object]) -> str:
    if isinstance(step, StepResult):
        return f"exit {step.code}\nstdout:\n{step.stdout}\nstderr:\n{step.stderr}"
    return f"exit {step['code']}\nstdout:\n{step['stdout']}\nstderr:\n{step['stderr']}"


def _compare_output(scenario: Scenario, ours: StepResult, theirs: dict[str, object], context: str) -> None:
    command = ours.args[0]
    known = scenario.revision_ids()
    their_out = str(theirs["stdout"])
    if command in ("current", "heads"):
        assert sorted(i for line in ids_by_line(ours.stdout, known) for i in line) == sorted(
            i for line in ids_by_line(their_out, known) for i in line
        ), context
        assert head_marks(ours.stdout, known) == head_marks(their_out, known), context
    elif command == "history":
        assert ids_by_line(ours.stdout, known) == ids_by_line(their_out, known), context
        assert head_marks(ours.stdout, known) == head_marks(their_out, known), context


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_runs_as_with_alembic(
    scenario: Scenario, backend: str, pool: RunPool[ScenarioRun], request: pytest.FixtureRequest
) -> None:
    if backend not in scenario.backends:
        pytest.skip(f"{scenario.name} is specific to {', '.join(scenario.backends)}")
    run = pool.result(request)
    assert len(run.ours) == len(run.theirs) == len(scenario.steps)
    for number, (mine, their) in enumerate(zip(run.ours, run.theirs)):
        context = f"step {number} ({' '.join(mine.args)})\n--- dbshift\n{_shown(mine)}\n--- alembic\n{_shown(their)}"
        if number in scenario.fails:
            assert mine.code != 0 and their["code"] != 0, context
        elif number == len(scenario.steps) - 1 and scenario.alembic_offline_fails:
            assert their["code"] != 0, context
            assert (mine.code != 0) == (backend in scenario.fails_offline_on), context
        else:
            assert mine.code == 0, context
            assert their["code"] == 0, context
        for index, (a, b) in enumerate(zip(mine.snapshots, their["snapshots"])):
            diff = differences(a, b)
            expected = list(scenario.known.get(number, ())) if index == 0 else []
            assert diff == expected, f"database {index} after {context}\n" + "\n".join(diff)
        _compare_output(scenario, mine, their, context)

    assert run.files[0] == run.files[1], "the revision files differ at the end"
    last = len(scenario.steps) - 1
    if scenario.alembic_offline_fails:
        # Alembic wrote no script; dbshift's, run on a fresh database, gives what Alembic's
        # online upgrade gave.
        if run.offline is not None:
            diff = differences(run.offline[0][0], run.theirs[0]["snapshots"][0])
            assert not diff, "dbshift's --sql script, run, differs from Alembic's online upgrade:\n" + "\n".join(diff)
        return
    if scenario.offline_apply and "--sql" in scenario.steps[last] and last not in scenario.fails:
        assert run.offline is not None
        ours_sql, theirs_sql = run.ours[last].stdout, run.theirs[last]["stdout"]
        for index, (a, b) in enumerate(zip(*run.offline)):
            diff = differences(a, b)
            assert not diff, (
                f"database {index}: the --sql scripts of dbshift and Alembic, run, give different databases:\n"
                + "\n".join(diff)
                + f"\n--- dbshift\n{ours_sql}\n--- alembic\n{theirs_sql}"
            )
            assert a["versions"][scenario.version_table], "the --sql script wrote no version row"


def test_the_dbshift_processes_cannot_import_alembic(real_alembic_path: Path, tmp_path: Path) -> None:
    """The environment the corpus gives dbshift's CLI has no Alembic, even when the tests' own
    PYTHONPATH names the real one."""
    env = without_alembic({**os.environ, "PYTHONPATH": os.pathsep.join([str(real_alembic_path), str(tmp_path)])})
    assert str(real_alembic_path) not in env["PYTHONPATH"]
    done = subprocess.run(
        [sys.executable, "-c", "import alembic"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0 and "No module named 'alembic'" in done.stderr, done.stderr
