"""A scratch dbshift project on disk and a way to run the real CLI in it.

Tests that exercise the command line (error messages, exit codes) build a project with
:class:`ScratchProject`: a ``dbshift.toml``, ``migrations/versions`` with hand-written
revision files, and optionally a models package. :meth:`ScratchProject.run` runs
dbshift in a child process (cwd = the project, ``DBSHIFT_URL`` removed; see :func:`run_cli`),
so user modules never load into the test process. Setting a database up to a known
revision is done in-process with :meth:`ScratchProject.upgrade_in_process`, which is much faster
than another subprocess.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

__all__ = ["ScratchProject", "assert_one_line_error", "run_cli", "toml_value"]

TomlValue = str | int | bool | Sequence[str]
TIMEOUT = 120


def toml_value(value: TomlValue) -> str:
    """A TOML literal for a string, number, boolean or list of strings (JSON's escaping fits TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return json.dumps(value)
    return "[" + ", ".join(json.dumps(item) for item in value) + "]"


def _ids(value: str | Sequence[str] | None) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return json.dumps(value)
    return "(" + "".join(json.dumps(item) + ", " for item in value) + ")"


def _indent(body: str) -> str:
    return textwrap.indent(textwrap.dedent(body).strip() or "pass", "    ")


class ScratchProject:
    """A project folder: ``dbshift.toml`` + ``migrations/versions`` (+ whatever is written)."""

    def __init__(self, root: Path, url: str | None = None, **settings: TomlValue) -> None:
        self.root = root
        self.versions = root / "migrations" / "versions"
        self.versions.mkdir(parents=True, exist_ok=True)
        self.write_config(url=url, **settings)

    @property
    def config_path(self) -> Path:
        return self.root / "dbshift.toml"

    def write_config(self, url: str | None = None, **settings: TomlValue) -> None:
        """(Re)write ``dbshift.toml``: ``[dbshift]`` with ``url`` (if given) and ``settings``."""
        values: dict[str, TomlValue] = {"script_location": "migrations"}
        if url is not None:
            values["url"] = url
        values.update(settings)
        lines = ["[dbshift]"] + [f"{key} = {toml_value(value)}" for key, value in values.items()]
        self.config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def write(self, relative: str, text: str) -> Path:
        """Write a file under the project (dedented); parent folders are created."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    def add_revision(
        self,
        rev: str,
        down: str | Sequence[str] | None = None,
        *,
        upgrade: str = "pass",
        downgrade: str = "pass",
        message: str | None = None,
        filename: str | None = None,
        header: str = "",
    ) -> Path:
        """Write a revision file; ``upgrade``/``downgrade`` are function bodies using ``op``/``sa``.

        ``header`` is module-level code placed after the imports (e.g. a failing import).
        """
        message = message if message is not None else f"revision {rev}"
        text = (
            f'"""{message}\n\nRevision ID: {rev}\n"""\n'
            "import sqlalchemy as sa\n"
            "from dbshift import op\n"
            f"{textwrap.dedent(header).strip()}\n\n"
            f"revision = {json.dumps(rev)}\n"
            f"down_revision = {_ids(down)}\n"
            "branch_labels = None\n"
            "depends_on = None\n\n\n"
            f"def upgrade() -> None:\n{_indent(upgrade)}\n\n\n"
            f"def downgrade() -> None:\n{_indent(downgrade)}\n"
        )
        path = self.versions / (filename or f"{rev}_{message.replace(' ', '_')}.py")
        path.write_text(text, encoding="utf-8")
        return path

    def add_table_revision(self, rev: str, down: str | Sequence[str] | None, table: str, **kw: str) -> Path:
        """A revision creating (and dropping on downgrade) a small table."""
        return self.add_revision(
            rev,
            down,
            upgrade=f"op.create_table({table!r}, sa.Column('id', sa.Integer, primary_key=True))",
            downgrade=f"op.drop_table({table!r})",
            message=kw.pop("message", f"create {table}"),
            **kw,
        )

    def revision_files(self) -> list[str]:
        return sorted(p.name for p in self.versions.glob("*.py"))

    def files(self) -> list[str]:
        """Every file under the project except caches: to check that nothing was written."""
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if "__pycache__" not in p.parts)

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, fresh_interpreter: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """``dbshift ARGS`` in the project folder, without ``DBSHIFT_URL`` (see :func:`run_cli`)."""
        return run_cli(self.root, *args, env=env, fresh_interpreter=fresh_interpreter)

    def upgrade_in_process(self, target: str) -> None:
        """Bring the database to ``target`` with the library (setup only: no subprocess)."""
        from dbshift.commands.migrate import upgrade
        from dbshift.config import load_config

        config = load_config(self.config_path, cwd=self.root, environ={})
        upgrade(config, target, report=lambda _line: None)


def run_cli(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None, fresh_interpreter: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``dbshift ARGS`` in a child process in ``cwd``, without ``DBSHIFT_URL`` (plus ``env``).

    By default the child is forked from the test process, which has SQLAlchemy and dbshift
    imported already: a fresh interpreter costs over a second to import them, a fork a few
    milliseconds, and the child is still a separate process (user modules it imports, its
    working folder and environment never reach the tests). ``fresh_interpreter=True``, or
    ``DBSHIFT_TEST_CLI=subprocess`` in the environment, runs ``python -m dbshift`` instead,
    which also exercises the real entry point.
    """
    environ = {k: v for k, v in os.environ.items() if k != "DBSHIFT_URL"}
    environ.update(env or {})
    forkable = hasattr(os, "fork") and threading.active_count() == 1
    if fresh_interpreter or not forkable or os.environ.get("DBSHIFT_TEST_CLI") == "subprocess":
        return subprocess.run(
            [sys.executable, "-m", "dbshift", *args],
            check=False,
            cwd=cwd,
            env=environ,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    return _run_forked(cwd, list(args), environ)


def _run_forked(cwd: Path, args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``dbshift.cli.main.main(args)`` in a forked child, as ``python -m dbshift`` would run it."""
    # What every command imports, loaded once here rather than again in each child.
    importlib.import_module("dbshift.cli.main")
    for name in ("migrate", "revision", "status"):
        importlib.import_module(f"dbshift.commands.{name}")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: never return into pytest
            _child(cwd, args, environ, out.fileno(), err.fileno())
        deadline = time.monotonic() + TIMEOUT
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise subprocess.TimeoutExpired(["dbshift", *args], TIMEOUT)
            time.sleep(0.005)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            ["dbshift", *args],
            os.waitstatus_to_exitcode(status),
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def _child(cwd: Path, args: list[str], environ: dict[str, str], out_fd: int, err_fd: int) -> NoReturn:
    """Become ``python -m dbshift ARGS`` in ``cwd`` with output to the given files, then exit."""
    code = 70  # EX_SOFTWARE: the harness itself failed
    try:
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environ)
        sys.argv = [str(Path(sys.executable).parent / "dbshift"), *args]
        sys.path.insert(0, str(cwd))  # as "python -m" does
        from dbshift.cli.main import main

        try:
            main(args)
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:  # noqa: BLE001 - as the interpreter does with an uncaught exception
            traceback.print_exc()
            code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str, code: int | None = None) -> str:
    """The run failed with exactly one ``error: ...`` line on stderr containing every needle.

    Returns the line. ``code`` pins the exit status; otherwise any non-zero status is accepted.
    """
    shown = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode != 0, shown
    if code is not None:
        assert result.returncode == code, shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    lines = result.stderr.splitlines()
    assert len(lines) == 1, shown
    (line,) = lines
    assert line.startswith("error: "), shown
    for needle in needles:
        assert needle in line, f"{needle!r} not in the error line\n{shown}"
    return line
