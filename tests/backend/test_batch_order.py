"""A batch block's result does not depend on the order of its steps (Alembic's batch meaning).

Hypothesis draws a set of compatible steps on one table (add columns and index them, drop a
column and the constraint and index on it, alter a column's nullability, default and type, rename
columns, add check and foreign key constraints) and an order for them; each step names columns
as they are called at its place in that order (a rename written before it is followed). The
table, holding rows, is changed in a ``batch_alter_table`` block written in that order, and
reflected; the same steps in the order of :data:`STEPS` must give the same schema and rows
(columns compared by name: a column's position follows the order of ``add_column`` steps).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbshift.operations import api as op_api
from dbshift.runtime.context import MigrationContext
from tests.backend.test_op_api import _shapes
from tests.conftest import Database

pytestmark = pytest.mark.backend

Names = dict[str, str]
"""Original column name -> its name at this point of the block."""


def _rename(names: Names, column: str, new: str) -> str:
    old = names[column]
    names[column] = new
    return f'batch.alter_column("{old}", new_column_name="{new}", existing_type={TYPES[column]})'


TYPES = {"a": "sa.String(20)", "d": "sa.String(10)"}
STEPS: dict[str, Callable[[Names], str]] = {
    "add_n1": lambda n: 'batch.add_column(sa.Column("n1", sa.Integer))',
    "add_n2": lambda n: 'batch.add_column(sa.Column("n2", sa.String(10)))',
    "ix_n1": lambda n: 'batch.create_index("ix_batched_n1", ["n1"])',
    "uq_n2": lambda n: 'batch.create_unique_constraint("uq_batched_n2", ["n2"])',
    "ix_a": lambda n: f'batch.create_index("ix_batched_a", ["{n["a"]}"])',
    "uq_a_d": lambda n: f'batch.create_unique_constraint("uq_batched_a_d", ["{n["a"]}", "{n["d"]}"])',
    "drop_b": lambda n: 'batch.drop_column("b")',
    "drop_uq_b": lambda n: 'batch.drop_constraint("uq_batched_b", type_="unique")',
    "drop_ix_b": lambda n: 'batch.drop_index("ix_batched_b")',
    "c_not_null": lambda n: 'batch.alter_column("c", nullable=False, existing_type=sa.Integer)',
    "c_default": lambda n: 'batch.alter_column("c", server_default="5", existing_type=sa.Integer)',
    "c_bigint": lambda n: 'batch.alter_column("c", type_=sa.BigInteger, existing_type=sa.Integer)',
    "ck_c": lambda n: 'batch.create_check_constraint("ck_batched_c", "c >= 0")',
    "rename_a": lambda n: _rename(n, "a", "a2"),
    "d_wider": lambda n: f'batch.alter_column("{n["d"]}", type_=sa.String(30), existing_type=sa.String(10))',
    "rename_d": lambda n: _rename(n, "d", "d2"),
    "fk_p": lambda n: 'batch.create_foreign_key("fk_batched_p", "parent", ["p"], ["id"])',
}
REQUIRES = {"ix_n1": "add_n1", "uq_n2": "add_n2"}


def models() -> sa.MetaData:
    md = sa.MetaData()
    sa.Table("parent", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    sa.Table(
        "batched",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("a", sa.String(20)),
        sa.Column("b", sa.Integer),
        sa.Column("c", sa.Integer),
        sa.Column("d", sa.String(10)),
        sa.Column("p", sa.Integer),
        sa.UniqueConstraint("b", name="uq_batched_b"),
        sa.Index("ix_batched_b", "b"),
    )
    return md


class Table:
    def __init__(self, database: Database) -> None:
        self.engine = sa.create_engine(database.url)

    def reset(self) -> None:
        md = models()
        with self.engine.begin() as conn:
            for name in ("batched", "parent"):
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
            md.create_all(conn)
            conn.execute(md.tables["parent"].insert(), [{"id": 1}, {"id": 2}])
            rows = [(1, "x", 1, 1, "d1", 1), (2, "y", 2, 2, "d2", None), (3, "z", None, 3, None, 2)]
            conn.execute(md.tables["batched"].insert(), [dict(zip(["id", "a", "b", "c", "d", "p"], r)) for r in rows])

    def run_batch(self, steps: Sequence[str]) -> None:
        names = {"a": "a", "d": "d"}
        body = "\n".join(STEPS[step](names) for step in steps) or "pass"
        source = 'import sqlalchemy as sa\nfrom dbshift import op\nwith op.batch_alter_table("batched") as batch:\n'
        code = compile(source + textwrap.indent(body, "    "), "<batch>", "exec")
        with self.engine.begin() as conn:
            context = MigrationContext(conn.dialect, connection=conn)
            with op_api.using_context(context):
                exec(code, {})
                context.flush()

    def state(self) -> Any:
        with self.engine.connect() as conn:
            shape = _shapes(sa.inspect(conn), ["batched"], conn.dialect)["batched"]
            shape["columns"] = sorted(shape["columns"], key=lambda c: c["name"])
            names = sorted(c["name"] for c in shape["columns"])
            rows = conn.execute(sa.text(f"SELECT {', '.join(names)} FROM batched ORDER BY id")).all()
            return shape, [tuple(map(str, r)) for r in rows]


@pytest.fixture
def table(database: Database) -> Iterator[Table]:
    helper = Table(database)
    yield helper
    helper.engine.dispose()


@st.composite
def steps_in_some_order(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    chosen = set(draw(st.sets(st.sampled_from(sorted(STEPS)), min_size=2)))
    chosen |= {REQUIRES[s] for s in chosen if s in REQUIRES}
    written = [s for s in STEPS if s in chosen]
    return written, draw(st.permutations(written))


@settings(
    max_examples=int(os.environ.get("DBSHIFT_RANDOM_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(pair=steps_in_some_order())
def test_batch_result_does_not_depend_on_the_order_of_its_steps(
    table: Table, pair: tuple[list[str], list[str]]
) -> None:
    canonical, shuffled = pair
    table.reset()
    table.run_batch(canonical)
    expected = table.state()
    table.reset()
    table.run_batch(shuffled)
    assert table.state() == expected, shuffled


@pytest.mark.parametrize(
    "steps",
    [
        ["ix_n1", "add_n1"],  # an index on a column added further down
        ["drop_b", "drop_uq_b", "drop_ix_b"],  # a column dropped before the constraint and index on it
        ["ix_a", "rename_a", "uq_a_d", "rename_d", "d_wider"],  # creations follow later renames
        ["c_bigint", "ck_c", "c_not_null", "c_default"],
    ],
    ids=["index-before-column", "column-before-its-constraint", "renames", "alters"],
)
def test_orders_alembic_allows(table: Table, steps: list[str]) -> None:
    table.reset()
    table.run_batch(steps)
    got = table.state()
    table.reset()
    table.run_batch([s for s in STEPS if s in steps])
    assert got == table.state()
