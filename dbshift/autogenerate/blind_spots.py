"""What the models hold that autogenerate cannot compare on a backend: a pure function.

``check`` and ``revision --autogenerate`` must not say "No differences" about something they
could not see. :func:`blind_spots` looks at the models' schema model and the dialect's
capabilities (:class:`~dbshift.dialects.features.Features`, data verified against each server)
and returns one :class:`BlindSpot` per kind of thing it cannot compare, naming where the
models use it: comments on SQLite, deferrable foreign keys on MariaDB, identity columns (and their
options) where there is no identity, index options the database keeps no trace of, table options.

Adding a case is one entry in :data:`RULES`: a label, a test of the features, and a function
listing the places (``table`` or ``table.column``) of one table that hold the thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dbshift.dialects.features import Features
from dbshift.schema.model import SchemaDef, TableDef

__all__ = ["RULES", "BlindSpot", "Rule", "blind_spots"]

SHOWN = 3
"""Places named in a note; the rest are counted."""


@dataclass(frozen=True)
class BlindSpot:
    """One kind of thing the models hold that ``backend`` cannot compare, and where."""

    what: str
    """Plural, e.g. ``comments``."""
    places: tuple[str, ...]
    backend: str

    def line(self) -> str:
        """``not compared on SQLite: 2 comments in the models (accounts, accounts.email)``."""
        shown = ", ".join(self.places[:SHOWN])
        more = f", and {len(self.places) - SHOWN} more" if len(self.places) > SHOWN else ""
        return f"not compared on {self.backend}: {len(self.places)} {self.what} in the models ({shown}{more})"

    def as_json(self) -> dict[str, object]:
        return {"what": self.what, "backend": self.backend, "places": list(self.places)}


@dataclass(frozen=True)
class Rule:
    what: str
    applies: Callable[[Features], bool]
    """True when the backend cannot compare the thing."""
    places: Callable[[TableDef, Features], Iterable[str]]


def _comments(table: TableDef, _features: Features) -> Iterable[str]:
    if table.comment:
        yield table.key
    yield from (f"{table.key}.{c.name}" for c in table.columns if c.comment)


def _deferrable(table: TableDef, _features: Features) -> Iterable[str]:
    for fk in table.foreign_keys:
        if fk.deferrable is not None or fk.initially is not None:
            yield f"{table.key}.{fk.name or ','.join(fk.columns)}"


def _identity(table: TableDef, _features: Features) -> Iterable[str]:
    yield from (f"{table.key}.{c.name}" for c in table.columns if c.identity)


def _index_options(table: TableDef, features: Features) -> Iterable[str]:
    for index in table.indexes:
        for key, value in index.dialect_options:
            if key in features.unreported_index_options and value not in (None, False):
                yield f"{index.name} {key}"


def _own(key: str, features: Features) -> bool:
    return key.startswith(features.option_prefixes) if features.option_prefixes else False


def _table_options(table: TableDef, features: Features) -> Iterable[str]:
    for key, value in table.dialect_options:
        if _own(key, features) and key not in features.compared_table_options and value not in (None, False):
            yield f"{table.key} {key}"


RULES: tuple[Rule, ...] = (
    Rule("comments", lambda f: not f.comments, _comments),
    Rule("deferrable foreign keys", lambda f: not f.deferrable_constraints, _deferrable),
    Rule("identity columns", lambda f: not f.identity_columns, _identity),
    Rule("index options", lambda f: bool(f.unreported_index_options), _index_options),
    Rule("table options", lambda f: bool(f.option_prefixes), _table_options),
)
"""Every known blind spot; each entry applies where its test of the features says so."""


def blind_spots(schema: SchemaDef, features: Features, backend: str) -> list[BlindSpot]:
    """The kinds of things in ``schema`` (the models) that ``backend`` cannot compare, in
    :data:`RULES` order; empty when it can compare everything the models hold."""
    tables = sorted(schema.tables.values(), key=lambda t: t.key)
    found: list[BlindSpot] = []
    for rule in RULES:
        if not rule.applies(features):
            continue
        places = tuple(place for table in tables for place in rule.places(table, features))
        if places:
            found.append(BlindSpot(rule.what, places, backend))
    return found
