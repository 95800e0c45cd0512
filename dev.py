#!/usr/bin/env python3
"""Developer entry point that needs nothing but Python: ``python3 dev.py demo|test|check|bench``.

``test`` runs the static checks (ruff lint and format, ``mypy --strict``, the import-layer
contracts) and then the whole pytest suite; ``check`` runs only the static checks. Each command creates ``.venv`` on first use, installs dbshift into it (with the test extras
for ``test`` and ``bench``) and runs inside it, so a fresh clone works with one command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


REAL_ALEMBIC = VENV / "real-alembic"
"""Real Alembic, installed beside dbshift (never into the venv's site-packages): the tests that
compare with Alembic or check that dbshift wins over an installed Alembic put it on sys.path."""
ALEMBIC_REQUIREMENT = "alembic>=1.16"
ALEMBIC_PLUGINS = VENV / "alembic-plugins"
"""Third-party Alembic operation plugins (views and functions as ops, enum syncing) and what they
need, installed beside dbshift without Alembic itself: revisions that use them must run under
dbshift's compatibility layer alone."""
PLUGIN_REQUIREMENTS = ["alembic_utils>=0.8", "alembic-postgresql-enum>=1.3", "flupy", "parse"]


def ensure_real_alembic() -> None:
    if not (ALEMBIC_PLUGINS / "alembic_utils" / "__init__.py").exists():
        print(f"Installing Alembic operation plugins beside dbshift into {ALEMBIC_PLUGINS} ...", flush=True)
        subprocess.run(
            [
                str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-deps", "--target", str(ALEMBIC_PLUGINS), *PLUGIN_REQUIREMENTS,
            ],
            check=True,
        )  # fmt: skip
    if (REAL_ALEMBIC / "alembic" / "__init__.py").exists():
        return
    print(f"Installing {ALEMBIC_REQUIREMENT} beside dbshift into {REAL_ALEMBIC} ...", flush=True)
    subprocess.run(
        [
            str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--target", str(REAL_ALEMBIC), ALEMBIC_REQUIREMENT,
        ],
        check=True,
    )  # fmt: skip


def ensure_venv(extras: str) -> None:
    if not PYTHON.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    print(f"Installing dbshift{f'[{extras}]' if extras else ''} into .venv ...", flush=True)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target],
        check=True,
    )


LINTED = ["dbshift", "tests", "bench", "scripts", "dev.py"]
CHECKS = {
    "ruff": [["ruff", "check", *LINTED], ["ruff", "format", "--check", "--quiet", *LINTED]],
    "mypy": [["mypy", "--strict"]],  # the packages to check are set in pyproject.toml
    "layers": [["lint-imports", "--no-cache"]],
}


def run_checks() -> int:
    """Lint, format check, strict typing and the import-layer contracts; the first failure stops."""
    for name, commands in CHECKS.items():
        for command in commands:
            print(f"[check] {name}: {' '.join(command)}", flush=True)
            code = subprocess.call([str(BIN / command[0]), *command[1:]], cwd=ROOT)
            if code != 0:
                print(f"[check] {name} failed (exit {code})", flush=True)
                return code
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    rest = argv[1:]
    if command == "demo":
        ensure_venv("")
        return subprocess.call([str(PYTHON), str(ROOT / "scripts" / "demo.py"), *rest])
    if command == "test":
        ensure_venv("test")
        ensure_real_alembic()
        code = run_checks()
        if code != 0:
            return code
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
    if command == "check":
        ensure_venv("test")
        return run_checks()
    if command == "bench":
        ensure_venv("test")
        ensure_real_alembic()  # the check benchmark runs real Alembic beside dbshift
        return subprocess.call([str(PYTHON), str(ROOT / "bench" / "run.py"), *rest], cwd=ROOT)
    print("usage: python3 dev.py demo | test [pytest args] | check | bench [names]")
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
