"""Real databases for backend tests: a fresh SQLite file, PostgreSQL database or MariaDB database
per test, dropped afterwards.

Servers default to the local ones (PostgreSQL 127.0.0.1:5432 user postgres, MariaDB
127.0.0.1:3306 user root) and can be pointed elsewhere with DBSHIFT_TEST_POSTGRESQL_URL /
DBSHIFT_TEST_MARIADB_URL (an admin URL whose database is used to create the test databases).
An unreachable server skips its tests loudly, except under CI=true, where it fails them: CI
must never pass by skipping a backend. ``--db sqlite,postgresql`` selects backends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

BACKENDS = ("sqlite", "postgresql", "mariadb")
ADMIN_URLS = {
    "postgresql": os.environ.get("DBSHIFT_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mariadb": os.environ.get("DBSHIFT_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}
_unreachable: dict[str, str] = {}
REAL_ALEMBIC = Path(
    os.environ.get("DBSHIFT_TEST_ALEMBIC_PATH", str(Path(__file__).resolve().parent.parent / ".venv" / "real-alembic"))
)
"""Real Alembic, installed beside dbshift by ``dev.py test`` (``pip install --target``), never
importable unless a test puts it on ``sys.path``: dbshift itself must run without it."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=",".join(BACKENDS),
        help="comma-separated backends to run backend tests on (sqlite,postgresql,mariadb)",
    )


def _selected(config: pytest.Config) -> list[str]:
    chosen = [b.strip() for b in str(config.getoption("--db")).split(",") if b.strip()]
    unknown = set(chosen) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"--db: unknown backend(s) {', '.join(sorted(unknown))}")
    return chosen


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", _selected(metafunc.config), scope="function")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "backend" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.backend)


def _unavailable(backend: str, reason: str) -> None:
    message = f"{backend} server unreachable ({reason})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}: CI must run every backend", pytrace=False)
    pytest.skip(f"!!! SKIPPED {message} !!!")


ALEMBIC_PLUGINS = REAL_ALEMBIC.parent / "alembic-plugins"


@pytest.fixture(scope="session")
def alembic_plugins_path() -> Path:
    """The folder holding third-party Alembic operation plugins (alembic_utils,
    alembic-postgresql-enum) and their own dependencies, without Alembic: put it on PYTHONPATH."""
    if not (ALEMBIC_PLUGINS / "alembic_utils" / "__init__.py").is_file():
        message = f"Alembic operation plugins not found in {ALEMBIC_PLUGINS} (python3 dev.py test installs them)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: CI must run them", pytrace=False)
        pytest.skip(f"!!! SKIPPED {message} !!!")
    return ALEMBIC_PLUGINS


@pytest.fixture(scope="session")
def real_alembic_path() -> Path:
    """The folder to put on ``sys.path`` (or PYTHONPATH) to import the real Alembic."""
    if not (REAL_ALEMBIC / "alembic" / "__init__.py").is_file():
        message = f"real Alembic not found in {REAL_ALEMBIC} (python3 dev.py test installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: CI must run the comparisons with Alembic", pytrace=False)
        pytest.skip(f"!!! SKIPPED {message} !!!")
    return REAL_ALEMBIC


def _admin_engine(backend: str) -> sa.Engine:
    engine = sa.create_engine(ADMIN_URLS[backend], isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    return engine


LOG_TABLES = frozenset({"dbshift_version_log", "alembic_version_log"})
"""dbshift's applied-migration log under its default names (``<version_table>_log``)."""
OWN_TABLES = frozenset({"dbshift_version"}) | LOG_TABLES
"""The tables dbshift keeps for itself in a database it migrates (dbshift project defaults)."""


@dataclass
class Database:
    """One fresh test database."""

    backend: str
    url: str

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.url, poolclass=sa.pool.NullPool)

    def tables(self, *, with_log: bool = False) -> set[str]:
        """The tables, without dbshift's applied-migration log unless asked (runs add to it)."""
        engine = self.engine()
        try:
            names = set(sa.inspect(engine).get_table_names())
            return names if with_log else names - LOG_TABLES
        finally:
            engine.dispose()

    def version_rows(self, table: str = "dbshift_version") -> list[str]:
        """The version table's rows, sorted."""
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return sorted(conn.execute(sa.text(f"SELECT version_num FROM {table}")).scalars())
        finally:
            engine.dispose()

    def snapshot(self) -> dict[str, list[tuple[object, ...]]]:
        """Every table's columns and rows: to check that nothing changed. The applied-migration
        log is left out: it records failed runs too, on purpose."""
        engine = self.engine()
        try:
            md = sa.MetaData()
            md.reflect(engine, only=lambda name, _md: name not in LOG_TABLES)
            out: dict[str, list[tuple[object, ...]]] = {}
            with engine.connect() as conn:
                for name, table in sorted(md.tables.items()):
                    cols: list[tuple[object, ...]] = [("columns",) + tuple(c.name for c in table.columns)]
                    rows = sorted(tuple(map(str, r)) for r in conn.execute(sa.select(table)))
                    out[name] = cols + rows
            return out
        finally:
            engine.dispose()


def _server_url(backend: str, database: str) -> sa.URL:
    url = sa.engine.make_url(ADMIN_URLS[backend]).set(database=database)
    if url.get_driver_name() == "pymysql" and "ssl_disabled" not in url.query:
        # PyMySQL >= 1.2 builds a TLS context (loading every system CA, ~0.1 s) per connection
        # unless told not to; the tests connect often and test nothing about TLS.
        url = url.update_query_dict({"ssl_disabled": "true"})
    return url


@pytest.fixture(scope="session")
def postgresql_session_database() -> Iterator[str]:
    """One PostgreSQL database for the session; each test gets a fresh schema inside it.

    CREATE DATABASE costs ~0.6 s on PostgreSQL, CREATE SCHEMA a few ms; a test's URL sets
    ``search_path`` to its own schema, so to the test it is an empty database of its own.
    """
    name = f"dbshift_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine("postgresql")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as exc:
        _unreachable["postgresql"] = " ".join(str(exc.orig).split())[:200]
        admin.dispose()
        yield ""
        return
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def _fresh_postgresql(session_db: str) -> Iterator[Database]:
    if not session_db:
        _unavailable("postgresql", _unreachable.get("postgresql", "unknown"))
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = _server_url("postgresql", session_db)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        test_url = url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield Database("postgresql", test_url.render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


def _fresh_mariadb() -> Iterator[Database]:
    if "mariadb" in _unreachable:
        _unavailable("mariadb", _unreachable["mariadb"])
    name = f"dbshift_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine("mariadb")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as exc:
        _unreachable["mariadb"] = " ".join(str(exc.orig).split())[:200]
        admin.dispose()
        _unavailable("mariadb", _unreachable["mariadb"])
    try:
        yield Database("mariadb", _server_url("mariadb", name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def _postgresql_session(backend: str, request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("postgresql_session_database")) if backend == "postgresql" else ""


def _fresh(backend: str, sqlite_file: Path, postgresql_session: str) -> Iterator[Database]:
    if backend == "sqlite":
        yield Database("sqlite", f"sqlite:///{sqlite_file}")
    elif backend == "postgresql":
        yield from _fresh_postgresql(postgresql_session)
    else:
        yield from _fresh_mariadb()


@pytest.fixture
def database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A fresh, empty database on ``backend``, removed after the test."""
    yield from _fresh(backend, tmp_path / "test.sqlite", _postgresql_session(backend, request))


@pytest.fixture
def second_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """Another fresh, empty database on the same backend as ``database`` (a second SQLite file,
    PostgreSQL schema or MariaDB database), removed after the test: for running the real
    Alembic beside dbshift and comparing the two."""
    yield from _fresh(backend, tmp_path / "second.sqlite", _postgresql_session(backend, request))


class DatabaseFactory:
    """Makes as many fresh databases on one backend as a test needs; all removed by close().

    Usable from worker threads once made (the PostgreSQL session database is looked up here,
    in the thread that has the fixture request)."""

    def __init__(self, backend: str, folder: Path, request: pytest.FixtureRequest) -> None:
        self.backend = backend
        self.folder = folder
        self.postgresql_session = _postgresql_session(backend, request)
        self._open: list[Iterator[Database]] = []

    def new(self) -> Database:
        made = _fresh(self.backend, self.folder / f"db{len(self._open)}.sqlite", self.postgresql_session)
        self._open.append(made)
        return next(made)

    def close(self) -> None:
        while self._open:
            for _ in self._open.pop():  # runs the generator's cleanup
                pass


@pytest.fixture
def database_factory(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[DatabaseFactory]:
    """``database_factory.new()``: one more fresh database on ``backend`` (multi-database projects)."""
    factory = DatabaseFactory(backend, tmp_path, request)
    try:
        yield factory
    finally:
        factory.close()
