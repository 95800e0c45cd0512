"""What most commands share: the script directory, and reading the database through its environment.

SQLAlchemy and the runtime are imported only by the helpers that need a database, so
commands that read only the migration folder (``heads``, ``show``) start quickly.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from dbshift.config import Config
from dbshift.script.directory import ScriptDirectory

if TYPE_CHECKING:
    from dbshift.runtime.context import MigrationContext

T = TypeVar("T")


def script_directory(config: Config) -> ScriptDirectory:
    """The migration folder with the configured version locations (default ``versions/``)."""
    return ScriptDirectory(
        config.script_location,
        version_locations=config.version_locations,
        recursive=config.recursive_version_locations,
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the length of an autogenerate comparison.

    Importing the models and comparing them with the database build hundreds of thousands of
    objects that all stay alive (mapped classes, tables, two schema models, reflected rows) and
    leave next to no cycles to free, yet the collector scans all of them again every few
    thousand allocations: at 2,000 tables that was about 40% of ``check``'s CPU time, models
    import included. It runs again as before once the comparison is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def with_database(
    config: Config,
    command: str,
    job: Callable[[MigrationContext], T],
    script: ScriptDirectory | None = None,
    cmd_opts: Mapping[str, Any] | None = None,
    *,
    as_sql: bool = False,
    read_only: bool = False,
) -> list[T]:
    """Run a job that writes no revision, through the project's environment (env.py if it has
    one); its result once per database the environment visits (several for a multi-database
    env.py). With ``as_sql`` the environment runs in --sql mode, its SQL output discarded.
    ``read_only`` (the reporting commands): dbshift's own connection to a SQLite file is
    read-only, and a missing file raises :class:`~dbshift.errors.MissingDatabaseFile`."""
    from dbshift.runtime.environment import Request, run_request

    def run(context: MigrationContext, _kw: Mapping[str, Any]) -> T:
        return job(context)

    output = io.StringIO() if as_sql else None
    request = Request(
        command, run, as_sql=as_sql, output=output, cmd_opts=dict(cmd_opts or {"cmd": command}), read_only=read_only
    )
    return run_request(config, request, script or script_directory(config))  # type: ignore[return-value]


def lock_timeout(config: Config, given: float | None) -> float | None:
    """Seconds to wait for the migration lock: the command's option, else the configured one."""
    return given if given is not None else config.lock_timeout
