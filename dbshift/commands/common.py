"""What most commands share: the script directory, the version table, a database connection.

SQLAlchemy and the runtime are imported only by the helpers that need a database, so
commands that read only the migration folder (``heads``, ``show``) start quickly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dbshift.config import Config
from dbshift.script.directory import ScriptDirectory

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from dbshift.runtime.version_table import VersionTable


def script_directory(config: Config) -> ScriptDirectory:
    return ScriptDirectory(config.script_location)


def version_table(config: Config) -> VersionTable:
    from dbshift.runtime.version_table import VersionTable

    return VersionTable(config.version_table, config.version_table_schema)


@contextlib.contextmanager
def database(config: Config) -> Iterator[Connection]:
    from dbshift.runtime.connection import connect, create_engine

    engine = create_engine(config.require_url(), config.url_label())
    connection = connect(engine)
    try:
        yield connection
    finally:
        connection.close()
        engine.dispose()


def read_heads(connection: Connection, table: VersionTable) -> tuple[str, ...]:
    """The version table's rows, read in a transaction that is then let go (read-only)."""
    heads = table.read(connection)
    connection.rollback()
    return heads
