"""Alembic projects run by dbshift: their config, their env.py and the ``alembic.*`` names they import.

The modules revision files and env.py see as ``alembic``, ``alembic.op``, ``alembic.context``...
live in :mod:`dbshift.compat.alembic.shim` and are registered under those names only while
dbshift runs a project (:mod:`dbshift.compat.alembic.activate`); dbshift never installs a
top-level ``alembic`` package, so a real Alembic beside it is never shadowed.
"""
