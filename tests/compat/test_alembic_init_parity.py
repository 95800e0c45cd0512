"""The issue's "done when": a project made by the real ``alembic init`` (generic and multidb
templates) and ``alembic revision``, its revision bodies filled in and its env.py given a
``target_metadata`` from a models module, behaves under dbshift's CLI as under Alembic.

dbshift runs in a fresh interpreter per command; Alembic runs the same steps on a second fresh
database (two for multidb) in one child process. After each step: same exit status, same schema,
rows and ``alembic_version`` rows, the same revisions named by ``current``/``history``/``heads``.
Then the models change: ``revision --autogenerate`` with each tool, each revision applied to its
own database, must give the same schema; ``check`` passes after, and fails (1) with a pending change.

The same runs twice for the generic template: with Alembic not importable, and with the real
Alembic on PYTHONPATH and imported by the application before dbshift starts (a
``sitecustomize`` importing ``alembic``, ``alembic.op`` and the models, which import Alembic
themselves): dbshift still runs the revisions with its own ``op``, which a revision records.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.compat.corpus import (
    RunPool,
    StepResult,
    finish_alembic,
    head_marks,
    ids_by_line,
    ini_url,
    run_dbshift,
    set_ini_values,
    start_alembic,
    without_alembic,
)
from tests.compat.snapshot import differences
from tests.conftest import DatabaseFactory

MARKER = """
    op.create_table("who_ran", sa.Column("module", sa.String(120)))
    op.execute(sa.text("INSERT INTO who_ran (module) VALUES (:m)").bindparams(m=type(op.get_context()).__module__))
"""

GENERIC_BODIES = {
    "0001": (
        'op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False))'
        + MARKER,
        'op.drop_table("who_ran")\n    op.drop_table("users")',
    ),
    "0002": (
        'op.create_table("posts", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True), sa.Column("title", sa.String(100)))',
        'op.drop_table("posts")',
    ),
}

MULTIDB_BODIES = {
    ("0001", "engine1"): GENERIC_BODIES["0001"],
    ("0001", "engine2"): (
        'op.create_table("events", sa.Column("id", sa.Integer, primary_key=True), sa.Column("payload", sa.Text))',
        'op.drop_table("events")',
    ),
    ("0002", "engine1"): GENERIC_BODIES["0002"],
    ("0002", "engine2"): ("pass", "pass"),
}

APP_IMPORTS = """import alembic
import alembic.op  # the application uses Alembic itself, at import time

with open(__file__.rsplit("/", 1)[0] + "/seen_alembic.txt", "a", encoding="utf-8") as _seen:
    _seen.write(alembic.__file__ + "\\n")
"""

GENERIC_MODELS = {
    "v1": """
metadata = sa.MetaData()
users = sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False))
who_ran = sa.Table("who_ran", metadata, sa.Column("module", sa.String(120)))
posts = sa.Table("posts", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True), sa.Column("title", sa.String(100)))
""",
    "v2": """
metadata = sa.MetaData()
users = sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False),
                 sa.Column("email", sa.String(120), nullable=True))
who_ran = sa.Table("who_ran", metadata, sa.Column("module", sa.String(120)))
posts = sa.Table("posts", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True), sa.Column("title", sa.String(100)),
                 sa.Index("ix_posts_title", "title"))
tags = sa.Table("tags", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("label", sa.String(30), nullable=False, unique=True))
""",
}
GENERIC_MODELS["v3"] = (
    GENERIC_MODELS["v2"] + 'sa.Table("extra", metadata, sa.Column("id", sa.Integer, primary_key=True))\n'
)

MULTIDB_MODELS = {
    "v1": GENERIC_MODELS["v1"].replace("metadata", "metadata1")
    + 'metadata2 = sa.MetaData()\nevents = sa.Table("events", metadata2, sa.Column("id", sa.Integer, primary_key=True), sa.Column("payload", sa.Text))\n',
    "v2": GENERIC_MODELS["v2"].replace("metadata", "metadata1")
    + 'metadata2 = sa.MetaData()\nevents = sa.Table("events", metadata2, sa.Column("id", sa.Integer, primary_key=True), sa.Column("payload", sa.Text),\n'
    '                  sa.Column("kind", sa.String(20), nullable=True))\n',
}
MULTIDB_MODELS["v3"] = (
    MULTIDB_MODELS["v2"] + 'sa.Table("extra", metadata2, sa.Column("id", sa.Integer, primary_key=True))\n'
)

STEPS: tuple[tuple[str, ...], ...] = (
    ("current",),
    ("upgrade", "head"),
    ("current",),
    ("history",),
    ("heads",),
    ("downgrade", "-1"),
    ("current",),
    ("upgrade", "head"),
    ("check",),
    ("!models", "v2"),
    ("revision", "--autogenerate", "-m", "sync models", "--rev-id", "0003"),
    ("upgrade", "head"),
    ("current",),
    ("check",),
    ("!models", "v3"),
    ("check",),
)
CHECK_FAILS = 15
"""The step where a model change is pending: ``check`` fails with both."""


def alembic_cli(real_alembic_path: Path, cwd: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(real_alembic_path)
    done = subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"alembic {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def _fill(path: Path, replacements: Sequence[tuple[str, str]]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{path}: {old!r} not found"
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


def make_project(real_alembic_path: Path, root: Path, template: str) -> Path:
    """``alembic init -t TEMPLATE`` + two ``alembic revision`` files, bodies filled, models added."""
    root.mkdir(parents=True)
    alembic_cli(real_alembic_path, root, "init", "-t", template, "migrations")
    alembic_cli(real_alembic_path, root, "revision", "-m", "users", "--rev-id", "0001")
    alembic_cli(real_alembic_path, root, "revision", "-m", "posts", "--rev-id", "0002")
    versions = root / "migrations" / "versions"
    models = GENERIC_MODELS if template == "generic" else MULTIDB_MODELS
    for version, body in models.items():
        (root / f"models_{version}.py").write_text(APP_IMPORTS + "import sqlalchemy as sa\n" + body, encoding="utf-8")
    shutil.copy(root / "models_v1.py", root / "models.py")
    env_py = root / "migrations" / "env.py"
    if template == "generic":
        for rev, (up, down) in GENERIC_BODIES.items():
            path = next(versions.glob(f"{rev}_*.py"))
            _fill(
                path,
                [
                    ('    """Upgrade schema."""\n    pass', f"    {up}"),
                    ('    """Downgrade schema."""\n    pass', f"    {down}"),
                ],
            )
        _fill(env_py, [("target_metadata = None", "from models import metadata as target_metadata")])
    else:
        for (rev, engine), (up, down) in MULTIDB_BODIES.items():
            path = next(versions.glob(f"{rev}_*.py"))
            _fill(
                path,
                [
                    (f'    """Upgrade {engine} schema."""\n    pass', f"    {up}"),
                    (f'    """Downgrade {engine} schema."""\n    pass', f"    {down}"),
                ],
            )
        _fill(
            env_py,
            [
                (
                    "target_metadata = {}",
                    'import models\ntarget_metadata = {"engine1": models.metadata1, "engine2": models.metadata2}',
                )
            ],
        )
    return root


@pytest.fixture(scope="module")
def made(real_alembic_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One project per template, made once with the real Alembic; each test works on copies."""
    folder = tmp_path_factory.mktemp("alembic-init")
    return {
        template: make_project(real_alembic_path, folder / template, template) for template in ("generic", "multidb")
    }


def _point(project: Path, template: str, urls: Sequence[str]) -> None:
    if template == "generic":
        set_ini_values(project / "alembic.ini", {("alembic", "sqlalchemy.url"): ini_url(urls[0])})
    else:
        set_ini_values(
            project / "alembic.ini",
            {("engine1", "sqlalchemy.url"): ini_url(urls[0]), ("engine2", "sqlalchemy.url"): ini_url(urls[1])},
        )


def _shown(code: int, stdout: str, stderr: str) -> str:
    return f"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"


@dataclass
class ParityRun:
    ours: list[StepResult]
    theirs: list[dict[str, Any]]
    ours_dir: Path
    theirs_dir: Path


def run_parity(
    template: str, alembic_imported: bool, made: Path, factory: DatabaseFactory, real_alembic_path: Path, folder: Path
) -> ParityRun:
    count = 1 if template == "generic" else 2
    ours_urls = [factory.new().url for _ in range(count)]
    theirs_urls = [factory.new().url for _ in range(count)]
    ours_dir = folder / "dbshift"
    theirs_dir = folder / "alembic"
    for where, urls in ((ours_dir, ours_urls), (theirs_dir, theirs_urls)):
        shutil.copytree(made, where, ignore=shutil.ignore_patterns("__pycache__"))
        _point(where, template, urls)
    env = without_alembic(os.environ)
    if alembic_imported:
        startup = folder / "startup"
        startup.mkdir()
        # The application has imported the real Alembic (and its models, which import it too)
        # before dbshift's command runs.
        (startup / "sitecustomize.py").write_text(
            "import alembic\nimport alembic.op\nimport models\n", encoding="utf-8"
        )
        env["PYTHONPATH"] = os.pathsep.join([str(startup), str(ours_dir), str(real_alembic_path)])
    process, out = start_alembic(real_alembic_path, theirs_dir, STEPS, theirs_urls, ["alembic_version"])
    try:
        ours = run_dbshift(ours_dir, STEPS, ours_urls, ["alembic_version"], env=env)
    finally:
        theirs = finish_alembic(process, out)["steps"]
    return ParityRun(ours, theirs, ours_dir, theirs_dir)


@pytest.fixture(scope="module")
def pool(
    request: pytest.FixtureRequest,
    made: dict[str, Path],
    real_alembic_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunPool[ParityRun]]:
    def make_job(params: dict[str, Any]) -> Callable[[DatabaseFactory, Path], ParityRun]:
        template, imported = params["template"], params["alembic_imported"]
        return lambda factory, folder: run_parity(
            template, imported, made[template], factory, real_alembic_path, folder
        )

    started = RunPool(
        request, "test_an_alembic_init_project_behaves_as_under_alembic", make_job, tmp_path_factory.mktemp("parity")
    )
    try:
        yield started
    finally:
        started.close()


@pytest.mark.parametrize(
    ("template", "alembic_imported"),
    [("generic", False), ("multidb", False), ("generic", True)],
    ids=["generic", "multidb", "generic-alembic-imported"],
)
def test_an_alembic_init_project_behaves_as_under_alembic(
    template: str,
    alembic_imported: bool,
    backend: str,
    pool: RunPool[ParityRun],
    real_alembic_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    run = pool.result(request)
    ours, theirs, ours_dir, theirs_dir = run.ours, run.theirs, run.ours_dir, run.theirs_dir
    known = ["0001", "0002", "0003"]

    for number, (mine, their) in enumerate(zip(ours, theirs)):
        context = (
            f"step {number} ({' '.join(mine.args)})\n--- dbshift\n{_shown(mine.code, mine.stdout, mine.stderr)}"
            f"\n--- alembic\n{_shown(their['code'], their['stdout'], their['stderr'])}"
        )
        if number == CHECK_FAILS:
            assert mine.code == 1, context
            assert their["code"] != 0, context
        else:
            assert mine.code == 0, context
            assert their["code"] == 0, context
        for index, (a, b) in enumerate(zip(mine.snapshots, their["snapshots"])):
            who = a["tables"].get("who_ran", {}).pop("rows", None)
            their_who = b["tables"].get("who_ran", {}).pop("rows", None)
            if who is not None:  # each tool's own op ran the revision
                assert who == [["dbshift.compat.alembic.shim.runtime.migration"]], context
                assert their_who == [["alembic.runtime.migration"]], context
            diff = differences(a, b)
            assert not diff, f"database {index} after {context}\n" + "\n".join(diff)
        if mine.args[0] in ("current", "history", "heads"):
            ours_ids = ids_by_line(mine.stdout, known)
            theirs_ids = ids_by_line(str(their["stdout"]), known)
            if mine.args[0] == "history":
                assert ours_ids == theirs_ids, context
            else:
                assert sorted(map(tuple, ours_ids)) == sorted(map(tuple, theirs_ids)), context
            assert head_marks(mine.stdout, known) == head_marks(str(their["stdout"]), known), context

    # Both autogenerated a revision; dbshift's through the project's script.py.mako.
    written = next((ours_dir / "migrations" / "versions").glob("0003_*.py")).read_text(encoding="utf-8")
    assert "from alembic import op" in written
    assert next((theirs_dir / "migrations" / "versions").glob("0003_*.py"), None) is not None
    if alembic_imported:
        seen = (ours_dir / "seen_alembic.txt").read_text(encoding="utf-8").split()
        assert seen and all(Path(path).is_relative_to(real_alembic_path) for path in seen), seen
