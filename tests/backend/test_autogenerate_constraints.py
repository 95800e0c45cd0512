"""Autogenerate of CHECK constraints, primary keys, generated and identity columns, comments and
client-side defaults, round trip on real databases (see :mod:`tests.backend.test_autogenerate`):
create "before", no diff; diff "after" gives exactly the expected changes; upgrade; no diff;
downgrade; no diff against "before"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.backend.test_autogenerate import Db, per_backend
from tests.conftest import Database


@pytest.fixture
def db(database: Database) -> Iterator[Db]:
    helper = Db(database)
    yield helper
    helper.engine.dispose()


def items(md: sa.MetaData, *extra: sa.SchemaItem, price: sa.Column[int] | None = None) -> sa.Table:
    return sa.Table(
        "items",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        price if price is not None else sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("name", sa.String(20)),
        *extra,
    )


# -- CHECK constraints --------------------------------------------------------------------------
def test_unchanged_checks_of_every_spelling_find_nothing(db: Db) -> None:
    """What each backend rewrites (casts, IN, LIKE, BETWEEN, lower(), parentheses) is no change."""
    md = sa.MetaData()
    items(
        md,
        sa.CheckConstraint("price > 0", name="ck_positive"),
        sa.CheckConstraint("length(name) > 2 AND name <> 'x'"),
        sa.CheckConstraint("price IN (1, 2) OR price BETWEEN 5 AND 7", name="ck_in"),
        sa.CheckConstraint("lower(name) != 'x' AND name LIKE 'a%'", name="ck_like"),
        sa.CheckConstraint("(price * 2) > (10 - price)", name="ck_math"),
        sa.Column("flag", sa.Boolean, sa.CheckConstraint("flag = true")),
        sa.Column("doc", sa.JSON),  # MariaDB adds CHECK (json_valid(doc)) by itself
    )
    db.create(md)
    assert db.diff(md) == []


def test_named_check_added_and_dropped(db: Db) -> None:
    before, after = sa.MetaData(), sa.MetaData()
    items(before, sa.CheckConstraint("price < 1000", name="ck_cap"))
    items(after, sa.CheckConstraint("price > 0", name="ck_positive"))
    db.roundtrip(
        before,
        after,
        [
            "removed check constraint 'ck_cap' on items (" + per_backend(db, postgresql="price < 1000::numeric", mariadb="`price` < 1000", sqlite="price < 1000") + ")",
            "added check constraint 'ck_positive' on items (price > 0)",
        ],
    )
