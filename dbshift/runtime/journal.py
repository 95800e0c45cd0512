"""The applied-migration log: one row per step, stamp, accept or resolve, beside the version table.

The version table says where the database stands; the log says how it got there, with the
checksum of each revision file as it ran (so an applied file edited afterwards is noticed) and
the statements already run by a step whose work became partly permanent (so a step cut short on
a backend whose DDL commits implicitly can be resumed, or at least named).

When rows are written follows what the backend keeps:

- with transactional DDL a step's row is written inside the step's own transaction, so it
  commits or vanishes with the step's work; a step killed midway left nothing, and the next run
  simply runs it;
- where DDL commits implicitly (MariaDB, MySQL) a ``running`` row is committed before the step,
  and updated and committed around every statement that commits (:meth:`Journal.checkpoint`),
  so after a kill the log lists what had run and which statement was running;
- an autocommit block on a transactional backend is a checkpoint too.

Only the process holding the migration lock writes; a ``running`` row seen by that process is a
step whose process died: it is *interrupted*.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Connection

import dbshift

RUNNING, SUCCESS, FAILED, INTERRUPTED = "running", "success", "failed", "interrupted"
KEPT_STATEMENTS = 200
"""How many statements a successful step's row lists (a half-done step's row lists them all:
a resume replays them)."""

_TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")  # MySQL's TEXT stops at 64 KB


def log_table_name(version_table: str, configured: str | None) -> str | None:
    """The log's table name: as configured, else ``<version_table>_log``; None when turned off."""
    if configured is None:
        return f"{version_table}_log"
    return configured or None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry (containers): the uid says enough
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


@dataclass(frozen=True)
class Entry:
    """One row of the log."""

    id: int
    revision: str
    direction: str
    from_heads: str
    to_heads: str
    checksum: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    outcome: str
    resolution: str | None
    error: str | None
    statements: tuple[str, ...]
    pending_statement: str | None
    user_name: str | None
    host: str | None
    pid: int | None
    dbshift_version: str | None

    @property
    def outstanding(self) -> bool:
        """A step whose work is partly in the database: interrupted, or failed after a commit."""
        if self.resolution is not None:
            return False
        return self.outcome in (RUNNING, INTERRUPTED) or (self.outcome == FAILED and bool(self.statements))

    def as_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for key in ("started_at", "finished_at"):
            value = out[key]
            out[key] = value.isoformat() + "Z" if value is not None else None
        out["statements"] = list(self.statements)
        return out


class LogTable:
    """The log's definition; created beside the version table, in the same schema."""

    def __init__(self, name: str, schema: str | None = None) -> None:
        self.name = name
        self.schema = schema
        self.table = sa.Table(
            name,
            sa.MetaData(),
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("revision", sa.String(255), nullable=False),
            sa.Column("direction", sa.String(16), nullable=False),
            sa.Column("from_heads", sa.String(255), nullable=False),
            sa.Column("to_heads", sa.String(255), nullable=False),
            sa.Column("checksum", sa.String(80)),
            sa.Column("started_at", _TIME, nullable=False),
            sa.Column("finished_at", _TIME),
            sa.Column("duration_ms", sa.Integer),
            sa.Column("outcome", sa.String(16), nullable=False),
            sa.Column("resolution", sa.String(16)),
            sa.Column("error", sa.Text),
            sa.Column("statements", _LONG_TEXT),
            sa.Column("pending_statement", _LONG_TEXT),
            sa.Column("user_name", sa.String(128)),
            sa.Column("host", sa.String(255)),
            sa.Column("pid", sa.Integer),
            sa.Column("dbshift_version", sa.String(32)),
            schema=schema,
        )

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def _entry(row: sa.Row[Any]) -> Entry:
    values = dict(row._mapping)
    values["statements"] = tuple(json.loads(values["statements"])) if values["statements"] else ()
    return Entry(**values)


def read_entries(connection: Connection, log: LogTable, limit: int | None = None) -> list[Entry]:
    """The log, newest first (``limit`` rows at most); empty when there is no log table."""
    if not sa.inspect(connection).has_table(log.name, schema=log.schema):
        return []
    query = sa.select(log.table).order_by(log.table.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [_entry(row) for row in connection.execute(query)]


def read_checksums(connection: Connection, log: LogTable) -> dict[str, str]:
    """Each revision's checksum as last recorded by a successful upgrade, accept or resolve
    (only those two columns are read); empty when there is no log table."""
    if not sa.inspect(connection).has_table(log.name, schema=log.schema):
        return {}
    t = log.table
    query = (
        sa.select(t.c.revision, t.c.checksum)
        .where(
            t.c.outcome == SUCCESS,
            t.c.direction.in_(("upgrade", "accept", "resolve")),
            t.c.checksum.is_not(None),
        )
        .order_by(t.c.id.desc())
    )
    found: dict[str, str] = {}
    for revision, checksum in connection.execute(query):  # newest first: the first seen wins
        found.setdefault(revision, checksum)
    return found


class Journal:
    """The log of one database, written by the run holding the migration lock.

    ``can_commit`` is False when the connection arrived inside a transaction that env.py owns:
    rows are then written in that transaction and nothing is committed here.
    ``transactional`` says whether the backend's DDL can be rolled back.
    """

    def __init__(self, connection: Connection, log: LogTable, *, transactional: bool, can_commit: bool) -> None:
        self.connection = connection
        self.log = log
        self.transactional = transactional
        self.can_commit = can_commit
        self._exists: bool | None = None
        self._row: dict[str, Any] | None = None
        self._row_id: int | None = None
        self._started: datetime | None = None

    # -- reading (only the rows and columns needed: the log grows with every run) ------------
    def exists(self) -> bool:
        if self._exists is None:
            self._exists = sa.inspect(self.connection).has_table(self.log.name, schema=self.log.schema)
        return self._exists

    def outstanding(self) -> Entry | None:
        """The newest step left partly done, if any (a running row is one whose process died)."""
        if not self.exists():
            return None
        t = self.log.table
        query = (
            sa.select(t)
            .where(t.c.resolution.is_(None), t.c.outcome.in_((RUNNING, INTERRUPTED, FAILED)))
            .order_by(t.c.id.desc())
        )
        return next((entry for entry in map(_entry, self.connection.execute(query)) if entry.outstanding), None)

    def checksums(self) -> dict[str, str]:
        """Each revision's checksum as last recorded (see :func:`read_checksums`)."""
        return read_checksums(self.connection, self.log) if self.exists() else {}

    # -- writing ------------------------------------------------------------------------------
    def ensure(self) -> None:
        """Create the log table if missing (the caller holds the lock, so no one races it)."""
        if not self.exists():
            self.connection.execute(sa.schema.CreateTable(self.log.table))
            self._exists = True

    def _commit(self) -> None:
        if self.can_commit and self.connection.in_transaction():
            self.connection.commit()

    def _base(self, revision: str, direction: str, before: str, after: str, checksum: str | None) -> dict[str, Any]:
        return {
            "revision": revision,
            "direction": direction,
            "from_heads": before,
            "to_heads": after,
            "checksum": checksum,
            "user_name": _user()[:128],
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "dbshift_version": dbshift.__version__,
        }

    def begin_step(
        self,
        revision: str,
        direction: str,
        before: str,
        after: str,
        checksum: str | None,
        done: Sequence[str] = (),
        resumes: Entry | None = None,
    ) -> None:
        """A step starts; where DDL commits implicitly its ``running`` row is committed now.

        ``resumes``: the half-done row this step takes over (``done`` are its statements). It is
        marked resumed in the same transaction as the new row is written, so that a kill can
        never leave the first marked and the second missing: the log would then show nothing
        half done, and the next run would start the step afresh, running again what took effect.
        """
        self._started = _now()
        self._row = self._base(revision, direction, before, after, checksum) | {"started_at": self._started}
        self._row_id = None
        if resumes is not None:
            self.mark(resumes, outcome=INTERRUPTED if resumes.outcome != FAILED else None, resolution="resumed")
        if not self.transactional or done:
            self._write(RUNNING, statements=list(done))
            self._commit()

    def checkpoint(self, done: Sequence[str], pending: str | None) -> None:
        """What has run is about to be (or just was) made permanent; ``pending`` runs next."""
        if self._row is None:
            return
        self._write(RUNNING, statements=list(done), pending_statement=pending)
        self._commit()

    def step_succeeded(self, done: Sequence[str]) -> None:
        """Recorded in the step's own transaction: it commits with the step's work. A finished
        step is never replayed, so its statements are kept for reading only, the first
        :data:`KEPT_STATEMENTS` of them (a data migration may run thousands)."""
        kept = list(done[:KEPT_STATEMENTS])
        if len(done) > KEPT_STATEMENTS:
            kept.append(f"... and {len(done) - KEPT_STATEMENTS} more statements")
        self._finish(SUCCESS, kept, None)

    def step_failed(self, done: Sequence[str], error: str) -> None:
        """After the step's transaction was rolled back: the failure is committed on its own.
        ``done`` lists only statements that stayed (committed implicitly or by a checkpoint)."""
        if self._row is None or not self.can_commit:
            return
        if self.connection.in_transaction():
            self.connection.rollback()
        self._finish(FAILED, done, error[:4000])
        self._commit()

    def _finish(self, outcome: str, done: Sequence[str], error: str | None) -> None:
        if self._row is None or self._started is None:
            return
        finished = _now()
        elapsed = int((finished - self._started).total_seconds() * 1000)
        self._write(
            outcome,
            statements=list(done),
            pending_statement=None,
            error=error,
            finished_at=finished,
            duration_ms=elapsed,
        )
        self._row = None

    def _write(self, outcome: str, **values: Any) -> None:
        assert self._row is not None
        if "statements" in values:
            values["statements"] = json.dumps(values["statements"]) if values["statements"] else None
        table = self.log.table
        if self._row_id is None:
            result = self.connection.execute(sa.insert(table).values(**self._row, outcome=outcome, **values))
            key = result.inserted_primary_key
            self._row_id = int(key[0]) if key is not None and key[0] is not None else None
            return
        self.connection.execute(sa.update(table).where(table.c.id == self._row_id).values(outcome=outcome, **values))

    def record(
        self,
        revision: str,
        direction: str,
        before: str,
        after: str,
        checksum: str | None = None,
        *,
        resolution: str | None = None,
    ) -> None:
        """One event that is not a step (stamp, accept, resolve), in the current transaction."""
        now = _now()
        row = self._base(revision, direction, before, after, checksum)
        self.connection.execute(
            sa.insert(self.log.table).values(
                **row, started_at=now, finished_at=now, duration_ms=0, outcome=SUCCESS, resolution=resolution
            )
        )

    def reopen(self, entry: Entry, done: Sequence[str]) -> None:
        """A copy of a half-done step with ``done`` as what took effect and nothing running:
        the next run of its direction resumes it."""
        row = self._base(entry.revision, entry.direction, entry.from_heads, entry.to_heads, entry.checksum)
        self.connection.execute(
            sa.insert(self.log.table).values(
                **row,
                started_at=entry.started_at,
                outcome=INTERRUPTED,
                statements=json.dumps(list(done)) if done else None,
                error=entry.error,
            )
        )

    def mark(self, entry: Entry, *, outcome: str | None = None, resolution: str | None = None) -> None:
        """Change an earlier row: a running row found dead is interrupted; a resolved one says how."""
        values: dict[str, Any] = {}
        if outcome is not None:
            values["outcome"] = outcome
        if resolution is not None:
            values["resolution"] = resolution
        table = self.log.table
        self.connection.execute(sa.update(table).where(table.c.id == entry.id).values(**values))
