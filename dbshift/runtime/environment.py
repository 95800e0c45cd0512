"""How a command reaches the database: dbshift's own connection, or the project's env hook.

A command says what it wants done (a :class:`Request`: its name, target, --sql, and a *job*
that takes a migration context). The :class:`Environment` is what an env hook is handed: it
configures the context — a connection or a URL, the version table, the transaction policy,
autogenerate's options — and calls :meth:`Environment.run_migrations`, which runs the job.
Without a hook, :func:`run_default` does what a plain env script would.

Hooks: an Alembic project's ``env.py`` is run by the compatibility layer (``Config.env_hook``);
a dbshift project may put an ``env.py`` defining ``run(env)`` in its migration folder.
The core knows nothing of Alembic: only of a hook that is handed an Environment.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from dbshift.config import Config
from dbshift.errors import ConfigError, DbshiftError
from dbshift.runtime.connection import connect, create_engine, no_new_empty_sqlite_files
from dbshift.runtime.context import MigrationContext
from dbshift.runtime.journal import log_table_name
from dbshift.runtime.version_table import VersionTable
from dbshift.script.directory import ScriptDirectory
from dbshift.util import NotLoadable, display_path, exec_module_file, one_line, prepend_sys_path

_log = logging.getLogger("dbshift")


def debug(message: str) -> None:
    """A note for ``--debug``; re-enabled first, as an env.py's ``fileConfig()`` disables loggers
    it does not name."""
    _log.disabled = False
    _log.debug(message)


Job = Callable[[MigrationContext, Mapping[str, Any]], object]
"""What a command does with a configured context; the mapping is run_migrations()'s keywords."""

ENV_SCRIPT = "env.py"

# configure() keywords dbshift acts on; any other is accepted and listed by --debug.
KNOWN_OPTIONS = frozenset(
    {
        "connection",
        "url",
        "dialect_name",
        "dialect_opts",
        "target_metadata",
        "version_table",
        "version_table_schema",
        "transaction_per_migration",
        "literal_binds",
        "as_sql",
        "output_buffer",
        "tag",
        "include_schemas",
        "include_object",
        "include_name",
        "compare_type",
        "compare_server_default",
        "process_revision_directives",
        "render_as_batch",
        "render_item",
        "user_module_prefix",
        "upgrade_token",
        "downgrade_token",
    }
)


@dataclass(frozen=True)
class Request:
    """What one command asks of the database, carried unchanged through an env hook."""

    command: str
    job: Job
    as_sql: bool = False
    destination: str | None = None
    """The revision argument as typed (``context.get_revision_argument()``)."""
    starting: str | None = None
    """The start of a --sql range (``context.get_starting_revision_argument()``)."""
    tag: str | None = None
    output: TextIO | None = None
    cmd_opts: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """The command's options by name (``autogenerate``, ``sql``, ``message``...), for env.py's
    ``config.cmd_opts``."""
    read_only: bool = False
    """The command only reads (``current``, ``history``, ``check``): dbshift's own engine opens a
    SQLite file read-only, and a SQLite file the command created anyway (an env.py's engine)
    is removed if it is still empty afterwards."""


class Environment:
    """One command's way to the database, as an env hook sees it."""

    def __init__(self, config: Config, request: Request, script: ScriptDirectory) -> None:
        self.config = config
        self.request = request
        self.script = script
        self.context: MigrationContext | None = None
        self.options: dict[str, Any] = {}
        """The keywords of the last configure() call."""
        self.results: list[object] = []
        """What the job returned, once per run_migrations() call (env.py may call it per database)."""
        self.ignored_options: list[str] = []
        """configure() keywords dbshift accepted without acting on them (``--debug`` lists them)."""
        self.context_class: type[MigrationContext] = MigrationContext
        """The class configure() makes the context from (the compatibility layer's subclass
        carries Alembic's name)."""
        self._cleanup = contextlib.ExitStack()

    # -- what env scripts ask -----------------------------------------------------------------
    def is_offline_mode(self) -> bool:
        return self.request.as_sql

    def get_x_argument(self, as_dictionary: bool = False) -> list[str] | dict[str, str]:
        """The ``-x`` arguments: as given, or as a dict (``key=value``; a bare key maps to "")."""
        args = list(self.config.x_arguments)
        if not as_dictionary:
            return args
        return dict((arg.split("=", 1) if "=" in arg else (arg, "")) for arg in args)  # type: ignore[misc]

    def get_context(self) -> MigrationContext:
        if self.context is None:
            raise DbshiftError(f"{self._script_name()}: context.configure() has not been called yet")
        return self.context

    def get_bind(self) -> Connection | None:
        return self.get_context().connection

    # -- configure and run --------------------------------------------------------------------
    def configure(
        self,
        *,
        connection: Connection | None = None,
        url: str | sa.URL | None = None,
        dialect_name: str | None = None,
        dialect_opts: Mapping[str, Any] | None = None,
        version_table: str | None = None,
        version_table_schema: str | None = None,
        transaction_per_migration: bool = False,
        as_sql: bool | None = None,
        output_buffer: TextIO | None = None,
        tag: str | None = None,
        **options: Any,
    ) -> None:
        """Set up the migration context as Alembic's ``context.configure()`` does.

        ``transaction_per_migration`` defaults to False as in Alembic: with transactional DDL
        the whole run is one transaction. dbshift's own default environment passes True.
        """
        offline = self.request.as_sql if as_sql is None else as_sql
        if connection is not None and not isinstance(connection, Connection):
            raise ConfigError(
                f"{self._script_name()}: configure(connection=...) needs a SQLAlchemy Connection, "
                f"got {type(connection).__name__} (an Engine must be connected first)"
            )
        dialect = self._dialect(connection, url, dialect_name, dialect_opts)
        reader = None
        if offline:
            reader = self._offline_reader(url, dialect)
            connection = None
        elif connection is None:
            raise ConfigError(
                f"{self._script_name()}: context.configure() needs connection= outside --sql mode "
                "(url= or dialect_name= alone only write SQL)"
            )
        self.options = {
            "version_table": version_table,
            "version_table_schema": version_table_schema,
            "transaction_per_migration": transaction_per_migration,
            "tag": tag if tag is not None else self.request.tag,
            **options,
        }
        self.ignored_options = sorted(set(options) - KNOWN_OPTIONS)
        if self.ignored_options:
            debug(f"{self._script_name()}: configure() options dbshift does not use: {', '.join(self.ignored_options)}")
        name = version_table or self.config.version_table
        table = VersionTable(
            name,
            version_table_schema if version_table_schema is not None else self.config.version_table_schema,
            log=log_table_name(name, self.config.log_table),
        )
        self.context = self.context_class(
            dialect,
            connection=connection,
            output=(output_buffer or self.request.output or sys.stdout) if offline else None,
            reader=reader,
            version_table=table,
            transaction_per_migration=transaction_per_migration,
            opts=self.options,
        )
        self.context.script = self.script

    def begin_transaction(self) -> contextlib.AbstractContextManager[None]:
        """The run's transaction block (a no-op where the policy wants one per revision)."""
        return self.get_context().begin_transaction()

    def run_migrations(self, **kw: Any) -> None:
        """Do the command's work with the configured context; keywords reach every revision."""
        self.results.append(self.request.job(self.get_context(), kw))

    def execute(self, sql: str | sa.Executable, execution_options: Mapping[str, Any] | None = None) -> None:
        from dbshift.operations.sql import ExecuteOp

        self.get_context().invoke(ExecuteOp(sql, execution_options))

    # -- helpers ------------------------------------------------------------------------------
    def close(self) -> None:
        self._cleanup.close()

    def _script_name(self) -> str:
        return display_path(self.script.location / ENV_SCRIPT)

    def _dialect(
        self,
        connection: Connection | None,
        url: str | sa.URL | None,
        dialect_name: str | None,
        dialect_opts: Mapping[str, Any] | None,
    ) -> Dialect:
        if connection is not None:
            return connection.dialect
        try:
            if url is not None:
                parsed = sa.engine.make_url(url)
            elif dialect_name is not None:
                parsed = sa.engine.make_url(f"{dialect_name}://")
            else:
                raise ConfigError(
                    f"{self._script_name()}: context.configure() needs connection=, url= or dialect_name="
                )
            dialect_cls = parsed.get_dialect()
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError) as exc:
            raise ConfigError(f"{self._script_name()}: configure(): unusable URL or dialect: {one_line(exc)}") from None
        return dialect_cls(**dict(dialect_opts or {}))

    def _offline_reader(self, url: str | sa.URL | None, dialect: Dialect) -> Connection | None:
        """A read-only look at an existing SQLite file: its table rebuild needs the current
        definitions even in --sql mode. Never creates the file; None when there is none."""
        if dialect.name != "sqlite" or url is None:
            return None
        parsed = sa.engine.make_url(url)
        database = parsed.database
        if not database or database == ":memory:" or not Path(database).is_file():
            return None
        try:
            # Read with the standard driver whatever the URL names: an asyncio one (aiosqlite)
            # cannot be used outside its event loop, and the file is the same.
            engine = create_engine(
                parsed.set(drivername="sqlite").render_as_string(hide_password=False), read_only=True
            )
            reader = connect(engine)
        except DbshiftError:
            return None
        self._cleanup.callback(engine.dispose)
        self._cleanup.callback(reader.close)
        self._cleanup.callback(reader.rollback)
        return reader


def run_default(env: Environment) -> None:
    """What dbshift does without an env hook: connect to the configured URL, one transaction
    per revision, and run (or, with --sql, only build a dialect from the URL)."""
    config = env.config
    url = config.require_url()
    if env.is_offline_mode():
        env.configure(url=url, transaction_per_migration=config.transaction_per_migration)
        env.run_migrations()
        return
    engine = create_engine(url, config.url_label(), read_only=env.request.read_only)
    try:
        connection = connect(engine)
        try:
            env.configure(connection=connection, transaction_per_migration=config.transaction_per_migration)
            env.run_migrations()
        finally:
            connection.close()
    finally:
        engine.dispose()


def native_hook(config: Config) -> Callable[[Environment], None] | None:
    """The ``run(env)`` of a dbshift project's ``<script_location>/env.py``, if it has one."""
    path = config.script_location / ENV_SCRIPT
    if not path.is_file():
        return None
    for folder in config.prepend_sys_path or (config.root,):
        prepend_sys_path(folder)
    try:
        module = exec_module_file(path, "_dbshift_env", keep=False)
    except NotLoadable:
        raise ConfigError(f"{display_path(path)}: cannot be imported as a Python module") from None
    except DbshiftError:
        raise
    except Exception as exc:
        raise ConfigError(f"{display_path(path)}: importing failed: {one_line(exc)}") from exc
    run = getattr(module, "run", None)
    if not callable(run):
        raise ConfigError(
            f"{display_path(path)}: defines no run(env) function; dbshift calls run(env) with the "
            "command's Environment (see docs/environment.md)"
        )
    return run  # type: ignore[no-any-return]


@contextlib.contextmanager
def open_environment(config: Config, request: Request, script: ScriptDirectory) -> Iterator[Environment]:
    env = Environment(config, request, script)
    try:
        yield env
    finally:
        env.close()


def run_request(config: Config, request: Request, script: ScriptDirectory) -> list[object]:
    """Run ``request`` through the project's env hook (or dbshift's default); the job's results.

    An env script that never calls run_migrations() is an error: the command did nothing. A
    SQLite file created on the way and left empty is removed when the command fails or only
    reads: a command that did nothing leaves nothing behind.
    """
    with (
        no_new_empty_sqlite_files(keep_on_success=not request.read_only),
        open_environment(config, request, script) as env,
    ):
        hook = config.env_hook or native_hook(config) or run_default
        hook(env)
        if not env.results:
            raise ConfigError(f"{env._script_name()}: never called context.run_migrations(); nothing was done")
        return env.results
