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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.compat.corpus import (
    STANDARD_STEPS,
    Scenario,
    StepResult,
    async_url,
    copy_project,
    differences,
    execute_script,
    finish_alembic,
    head_marks,
    ids_by_line,
    ini_url,
    run_dbshift,
    set_ini_values,
    snapshot,
    start_alembic,
)
from tests.conftest import Database, DatabaseFactory


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
        steps=(("upgrade", "head"), ("check",), *STANDARD_STEPS[1:]),
    ),
    Scenario("plugin_ops"),
    Scenario("batch"),
    Scenario("autocommit"),
    Scenario(
        "branches",
        steps=(
            ("upgrade", "reports@head"),
            ("current",),
            ("upgrade", "head"),
            ("history",),
            ("heads",),
            ("downgrade", "-1"),
            ("current",),
            ("downgrade", "reports@base"),
            ("current",),
            ("downgrade", "base"),
            ("upgrade", "head", "--sql"),
        ),
    ),
    Scenario("no_downgrade", fails=frozenset({5})),
]


def _shown(step: StepResult | dict[str, object]) -> str:
    if isinstance(step, StepResult):
        return f"exit {step.code}\nstdout:\n{step.stdout}\nstderr:\n{step.stderr}"
    return f"exit {step['code']}\nstdout:\n{step['stdout']}\nstderr:\n{step['stderr']}"


def _compare_output(scenario: Scenario, number: int, ours: StepResult, theirs: dict[str, object]) -> None:
    command = ours.args[0]
    known = scenario.revision_ids()
    their_out = str(theirs["stdout"])
    context = f"step {number} ({' '.join(ours.args)})\n--- dbshift\n{_shown(ours)}\n--- alembic\n{_shown(theirs)}"
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
    scenario: Scenario,
    backend: str,
    database: Database,
    second_database: Database,
    database_factory: DatabaseFactory,
    real_alembic_path: Path,
    tmp_path: Path,
) -> None:
    if backend not in scenario.backends:
        pytest.skip(f"{scenario.name} is specific to {', '.join(scenario.backends)}")
    ours_urls = [database.url] + [database_factory.new().url for _ in range(scenario.databases - 1)]
    theirs_urls = [second_database.url] + [database_factory.new().url for _ in range(scenario.databases - 1)]
    ours_dir = copy_project(scenario, tmp_path / "dbshift", ours_urls)
    theirs_dir = copy_project(scenario, tmp_path / "alembic", theirs_urls)
    steps = [(*[p for x in scenario.x_args for p in ("-x", x)], *step) for step in scenario.steps]
    tables = [scenario.version_table]

    process, out = start_alembic(real_alembic_path, theirs_dir, steps, theirs_urls, tables)
    ours = run_dbshift(ours_dir, scenario.steps, ours_urls, tables, scenario.x_args)
    theirs = finish_alembic(process, out)["steps"]

    for number, (mine, their) in enumerate(zip(ours, theirs)):
        context = f"step {number} ({' '.join(mine.args)})\n--- dbshift\n{_shown(mine)}\n--- alembic\n{_shown(their)}"
        if number in scenario.fails:
            assert mine.code != 0 and their["code"] != 0, context
        else:
            assert mine.code == 0, context
            assert their["code"] == 0, context
        for index, (a, b) in enumerate(zip(mine.snapshots, their["snapshots"])):
            diff = differences(a, b)
            assert not diff, f"database {index} after {context}\n" + "\n".join(diff)
        _compare_output(scenario, number, mine, their)

    last = len(scenario.steps) - 1
    if scenario.offline_apply and "--sql" in scenario.steps[last] and last not in scenario.fails:
        applied = []
        for script in (ours[last].stdout, str(theirs[last]["stdout"])):
            # A multi-database env.py marks each database's part with '-- database: NAME'.
            parts = re.split(r"^-- database: \w+\s*$", script, flags=re.M)[-scenario.databases :]
            made = []
            for part in parts:
                fresh = database_factory.new()
                execute_script(fresh.url, part)
                made.append(snapshot(fresh.url, (scenario.version_table,)))
            applied.append(made)
        for index, (a, b) in enumerate(zip(*applied)):
            diff = differences(a, b)
            assert not diff, (
                f"database {index}: the --sql scripts of dbshift and Alembic, run, give different databases:\n"
                + "\n".join(diff)
                + f"\n--- dbshift\n{ours[last].stdout}\n--- alembic\n{theirs[last]['stdout']}"
            )
            assert a["versions"], "the --sql script wrote no version row"
