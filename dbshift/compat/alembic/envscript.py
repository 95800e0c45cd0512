"""Run an Alembic project's own ``env.py``: the env hook of Alembic projects.

env.py is executed as Alembic executes it — a module run top to bottom, which calls
``context.configure()`` and ``context.run_migrations()`` — with ``alembic.*`` resolving to
dbshift's compatibility modules for as long as it runs. What env.py does wrong becomes a
one-line error naming env.py; what the run does wrong keeps the runner's own message.
"""

from __future__ import annotations

import sqlalchemy as sa

from dbshift.compat.alembic.activate import alembic_modules
from dbshift.compat.alembic.session import Session, active
from dbshift.compat.alembic.shim.config import Config as AlembicConfig
from dbshift.compat.alembic.shim.runtime.migration import MigrationContext
from dbshift.compat.alembic.shim.script import ScriptDirectory as AlembicScriptDirectory
from dbshift.errors import ConfigError, DatabaseError, DbshiftError
from dbshift.runtime.drivers import missing_driver
from dbshift.runtime.environment import ENV_SCRIPT, Environment
from dbshift.util import NotLoadable, display_path, exec_module_file, one_line, prepend_sys_path

MODULE_NAME = "env_py"


def run_env_py(env: Environment) -> None:
    """Execute ``<script_location>/env.py`` for the command ``env`` describes."""
    config = env.config
    path = env.script.location / ENV_SCRIPT
    shown = display_path(path)
    if not path.is_file():
        raise ConfigError(f"{shown}: not found; an Alembic project runs through its env.py")
    for folder in reversed(config.prepend_sys_path):
        prepend_sys_path(folder)
    env.context_class = MigrationContext
    session = Session(env, AlembicConfig.for_run(config, env.request.cmd_opts), AlembicScriptDirectory(env.script))
    with alembic_modules(), active(session):
        try:
            exec_module_file(path, MODULE_NAME, keep=False)
        except NotLoadable:
            raise ConfigError(f"{shown}: cannot be imported as a Python module") from None
        except DbshiftError:
            raise
        except SyntaxError as exc:
            raise ConfigError(f"{shown}: syntax error at line {exc.lineno}: {exc.msg}") from exc
        except ImportError as exc:
            advice = missing_driver(exc)
            if advice is None:
                raise ConfigError(f"{shown}: failed: {one_line(exc)}") from exc
            raise ConfigError(f"{shown}: {advice}") from exc
        except sa.exc.DBAPIError as exc:
            reason = " ".join(str(exc.orig if exc.orig is not None else exc).split())
            raise DatabaseError(f"{shown}: the database could not be reached or refused: {reason}") from exc
        except Exception as exc:
            raise ConfigError(f"{shown}: failed: {one_line(exc)}") from exc


def run_with_alembic_names(env: Environment) -> None:
    """The env hook of dbshift projects: dbshift's own environment (or the project's ``run(env)``
    hook), with ``alembic.*`` served by the compatibility layer, so revision files that still
    say ``from alembic import op`` — a project moved over from Alembic — run unchanged."""
    from dbshift.runtime.environment import native_hook, run_default

    with alembic_modules():
        (native_hook(env.config) or run_default)(env)
