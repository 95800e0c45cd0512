"""The A→B→A property: autogenerate migrates any schema to any other, keeping the rows.

Hypothesis draws a schema A and a schema B a few changes away from it (tables, every column
type family, nullability, server defaults, comments, indexes with options, uniques, foreign keys
with options, CHECKs, enum values, renames answered as by ``--rename`` / ``--rename-table``:
:mod:`tests.backend.random_schemas`). On each backend:

1. an empty database is migrated to A by autogenerate, and a second comparison finds nothing;
2. rows go into every table of A;
3. autogenerate A→B, upgrade: a comparison with B finds nothing, and the rows of every kept or
   renamed table hold the same values in every kept or renamed column;
4. downgrade: a comparison with A finds nothing, and the rows are as they were.

CI runs the ``ci`` profile: a fixed seed (derandomized) and a few dozen examples per backend.
The long hunt is the ``long`` profile, ``DBSHIFT_PROPERTY_PROFILE=long`` (2,000 examples per
backend, random seeds; ``DBSHIFT_PROPERTY_EXAMPLES`` overrides the count), e.g.::

    DBSHIFT_PROPERTY_PROFILE=long .venv/bin/python -m pytest tests/backend/test_autogenerate_property.py --db postgresql
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql, postgresql

from dbshift.autogenerate.api import diff_database
from dbshift.autogenerate.compare import reverse_ops
from dbshift.autogenerate.questioner import FlagQuestioner
from dbshift.autogenerate.render import render_ops
from dbshift.operations import api as op_api
from dbshift.operations.base import Operation
from dbshift.runtime.context import MigrationContext
from tests.backend import random_schemas as rs
from tests.backend.test_autogenerate import VERSION_TABLE, Db
from tests.conftest import Database

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("DBSHIFT_PROPERTY_EXAMPLES", "25")),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    parent=settings.get_profile("ci"),
    max_examples=int(os.environ.get("DBSHIFT_PROPERTY_EXAMPLES", "2000")),
    derandomize=False,
)
PROFILE = settings.get_profile(os.environ.get("DBSHIFT_PROPERTY_PROFILE", "ci"))


class PropertyDb(Db):
    """A test database that answers rename questions as the flags would."""

    def diff_renamed(self, metadata: sa.MetaData, renames: rs.Renames) -> list[Operation]:
        questioner = FlagQuestioner.from_flags(renames.column_flags(), renames.table_flags())
        with self.engine.connect() as conn:
            ops = diff_database(conn, metadata, version_table=VERSION_TABLE, questioner=questioner)
        assert questioner.unused() == [], "a rename the flags give was not offered"
        return ops

    def run(self, ops: Sequence[Operation]) -> None:
        """Run ``ops`` as a revision body in a transaction the migration context begins, as a
        real run does: an enum value added runs in its own autocommit block (PostgreSQL)."""
        code = compile(revision_source(ops), "<revision>", "exec")
        with self.engine.connect() as conn:
            context = MigrationContext(conn.dialect, connection=conn)
            with op_api.using_context(context), context.begin_transaction(_per_migration=True):
                exec(code, {"postgresql": postgresql, "mysql": mysql})
                context.flush()

    def insert(self, models: sa.MetaData, spec: rs.Schema) -> None:
        """Rows into every table, through the models' tables (their types bind the values)."""
        with self.engine.begin() as conn:
            for name, table in sorted(spec.items()):
                conn.execute(sa.insert(models.tables[name]), rs.rows_for(table))

    def rows(self, models: sa.MetaData, table: str, columns: Sequence[str]) -> list[tuple[object, ...]]:
        """The rows of ``table`` as the models read them: id and ``columns``, by id."""
        model = models.tables[table]
        with self.engine.connect() as conn:
            query = sa.select(*(model.c[c] for c in ("id", *columns))).order_by(model.c.id)
            return [tuple(rs.canonical(v) for v in row) for row in conn.execute(query)]


@pytest.fixture
def pdb(database: Database) -> Iterator[PropertyDb]:
    helper = PropertyDb(database)
    yield helper
    helper.engine.dispose()


def revision_source(ops: Sequence[Operation]) -> str:
    rendered = render_ops(ops)
    return "\n".join(["import sqlalchemy as sa", "from dbshift import op", *rendered.imports, rendered.body])


def kept_rows(before: rs.Schema, after: rs.Schema, renames: rs.Renames) -> dict[str, tuple[list[str], list[str]]]:
    """For each table of ``before`` that ``after`` keeps (perhaps renamed): its kept columns'
    names in ``before`` and in ``after``."""
    kept = {}
    for name, table in sorted(before.items()):
        new_name = renames.tables.get(name, name)
        if new_name not in after:
            continue
        old_cols, new_cols = [], []
        for column in sorted(table.columns):
            new_col = renames.columns.get((new_name, column), column)
            if new_col in after[new_name].columns:
                old_cols.append(column)
                new_cols.append(new_col)
        kept[name] = (old_cols, new_cols)
    return kept


def expected_rows(table: rs.Table, columns: Sequence[str]) -> list[tuple[object, ...]]:
    return [
        (row["id"], *(rs.canonical(row[c]) for c in columns))  # type: ignore[misc]
        for row in rs.rows_for(table)
    ]


def described(ops: Sequence[Operation]) -> list[str]:
    return [op.describe() for op in ops]


@PROFILE
@given(data=st.data())
def test_a_to_b_and_back_keeps_schema_and_rows(pdb: PropertyDb, data: st.DataObject) -> None:
    spec_a = data.draw(rs.schemas(pdb.backend), label="A")
    spec_b, renames = data.draw(rs.mutated(spec_a, pdb.backend), label="B and its renames")
    models_a, models_b = rs.build(spec_a, pdb.backend), rs.build(spec_b, pdb.backend)
    pdb.reset()

    pdb.run(pdb.diff(models_a))
    assert described(pdb.diff(models_a)) == [], "migrating the empty database to A left differences"
    pdb.insert(models_a, spec_a)
    kept = kept_rows(spec_a, spec_b, renames)

    ops = pdb.diff_renamed(models_b, renames)
    event(f"{len(ops)} operations A->B" if len(ops) < 5 else "5+ operations A->B")
    for op in ops:
        event(type(op).__name__)
    if renames.tables or renames.columns:
        event("renamed by flag")
    pdb.run(ops)
    assert described(pdb.diff(models_b)) == [], "the upgrade to B left differences"
    for name, (old_cols, new_cols) in kept.items():
        assert pdb.rows(models_b, renames.tables.get(name, name), new_cols) == expected_rows(spec_a[name], old_cols), (
            name
        )

    pdb.run(reverse_ops(ops))
    assert described(pdb.diff(models_a)) == [], "the downgrade to A left differences"
    for name, (old_cols, _) in kept.items():
        assert pdb.rows(models_a, name, old_cols) == expected_rows(spec_a[name], old_cols), name
