"""Errors dbshift reports to the user.

Every error a user can cause derives from :class:`DbshiftError`; its message is one line that
names the file, revision or setting at fault. The CLI prints it without a traceback unless
``--debug`` is given. Anything else escaping is a bug and is shown with its traceback.
"""

from __future__ import annotations


class DbshiftError(Exception):
    """A user-facing error whose ``str()`` is a complete one-line explanation."""

    exit_code: int = 1


class ConfigError(DbshiftError):
    """The configuration is missing, malformed, or names something that cannot be loaded."""


class ScriptError(DbshiftError):
    """A revision file or the revision graph is broken (syntax, duplicate id, cycle, missing parent)."""


class TargetError(DbshiftError):
    """A revision target cannot be resolved: unknown, ambiguous, several heads, below base."""


class DatabaseError(DbshiftError):
    """The database cannot be reached or refused a statement."""


class MissingDatabaseFile(DatabaseError):
    """A read-only command was pointed at a SQLite file that does not exist (and left it so)."""

    def __init__(self, path: str, shown: str) -> None:
        super().__init__(f"the SQLite database file {shown} does not exist")
        self.path = path
        """The file's absolute path."""
        self.shown = shown
        """The path as messages show it (relative to the working folder when inside it)."""


class MigrationError(DbshiftError):
    """A revision failed while running; the message says what was applied and what was not."""


class AutogenerateError(DbshiftError):
    """Autogenerate cannot run (no target metadata, database not at head)."""


class LockError(DbshiftError):
    """The migration lock could not be taken: another run holds it past the timeout."""
