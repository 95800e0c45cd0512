"""Database drivers SQLAlchemy imports for a URL, and the package that provides each.

A URL whose driver is not installed fails with an ImportError naming a module (``psycopg2``,
``MySQLdb``) that is often not the name to install (``psycopg2-binary``, ``mysqlclient``).
:func:`missing_driver` turns it into the advice to give.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class Driver:
    database: str
    """The database, as messages name it."""
    package: str
    """What ``pip install`` needs."""
    instead: str | None = None
    """Another driver's module for the same database, suggested when it is installed (or with
    its package when not)."""


DRIVERS: dict[str, Driver] = {
    "psycopg2": Driver("PostgreSQL", "psycopg2-binary", "psycopg"),
    "psycopg": Driver("PostgreSQL", "psycopg[binary]", "psycopg2"),
    "asyncpg": Driver("PostgreSQL", "asyncpg"),
    "pg8000": Driver("PostgreSQL", "pg8000"),
    "pymysql": Driver("MySQL/MariaDB", "PyMySQL", "MySQLdb"),
    "MySQLdb": Driver("MySQL/MariaDB", "mysqlclient", "pymysql"),
    "aiomysql": Driver("MySQL/MariaDB", "aiomysql"),
    "asyncmy": Driver("MySQL/MariaDB", "asyncmy"),
    "mariadb": Driver("MariaDB", "mariadb"),
    "aiosqlite": Driver("SQLite", "aiosqlite"),
    "oracledb": Driver("Oracle", "oracledb"),
    "cx_Oracle": Driver("Oracle", "cx_Oracle", "oracledb"),
    "pyodbc": Driver("SQL Server", "pyodbc"),
    "pymssql": Driver("SQL Server", "pymssql"),
}
"""Driver module -> what provides it, for the drivers SQLAlchemy's dialects import."""

URL_PREFIX = {
    "psycopg2": "postgresql+psycopg2://",
    "psycopg": "postgresql+psycopg://",
    "pymysql": "mysql+pymysql://",
    "MySQLdb": "mysql+mysqldb://",
    "oracledb": "oracle+oracledb://",
}
"""How a URL asks for the drivers suggested instead of another."""


def missing_driver(exc: ImportError) -> str | None:
    """``the PostgreSQL driver 'psycopg2' is not installed: pip install psycopg2-binary (or
    ...)`` for a driver module of :data:`DRIVERS`; None for any other missing module."""
    module = (exc.name or "").partition(".")[0]
    driver = DRIVERS.get(module)
    if driver is None:
        return None
    advice = f"the {driver.database} driver '{module}' is not installed: pip install {driver.package}"
    other = driver.instead
    if other is not None:
        prefix = URL_PREFIX[other]
        if importlib.util.find_spec(other) is not None:
            advice += f" (or use {prefix}, whose driver {other} is installed)"
        else:
            advice += f" (or use {prefix} after pip install {DRIVERS[other].package})"
    return advice
