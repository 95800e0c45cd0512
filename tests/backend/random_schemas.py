"""Random schemas for the property tests: plain descriptions that ``build()`` turns into models.

A schema is a mapping of table name to :class:`Table`; :func:`mutated` draws a schema a few
changes away from another, with the renames it made, so that the tests can answer the rename
questions by flag. Column types come in families within which a column's type may change on
every backend (PostgreSQL casts nothing automatically across families, e.g. VARCHAR to INTEGER),
and :func:`row_values` gives each family values that survive every change the strategies make
(short strings, small positive numbers, the enum values no mutation removes), so the tests can
check that rows in kept and renamed columns come through unchanged.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import strategies as st

TYPES: dict[str, tuple[str, Callable[[], sa.types.TypeEngine[Any]]]] = {
    "int": ("int", sa.Integer),
    "bigint": ("int", sa.BigInteger),
    "smallint": ("int", sa.SmallInteger),
    "str10": ("str", lambda: sa.String(10)),
    "str50": ("str", lambda: sa.String(50)),
    "str255": ("str", lambda: sa.String(255)),
    "varchar": ("str", sa.String),
    "text": ("text", sa.Text),
    "bool": ("bool", sa.Boolean),
    "datetime": ("datetime", sa.DateTime),
    "datetimetz": ("datetime", lambda: sa.DateTime(timezone=True)),
    "date": ("date", sa.Date),
    "time": ("time", sa.Time),
    "numeric": ("num", lambda: sa.Numeric(10, 2)),
    "numeric_wide": ("num", lambda: sa.Numeric(14, 4)),
    "float": ("float", sa.Float),
    "binary": ("binary", sa.LargeBinary),
    "json": ("json", sa.JSON),
    "uuid": ("uuid", sa.Uuid),
    "enum": ("enum", lambda: sa.Enum(*ENUM_VALUES, name="color")),  # named per column in build()
}
ENUM_VALUES = ("red", "Green", "BLUE")
ENUM_EXTRA = ("purple", "Orange")
"""Values an enum may gain; rows only hold ``red`` and ``Green``, which no mutation removes."""
DEFAULTS: dict[str, list[Callable[[str], Any]]] = {
    "int": [lambda b: "0", lambda b: sa.text("42"), lambda b: "-7"],
    "str": [lambda b: "abc", lambda b: "it's", lambda b: sa.text("'x'"), lambda b: ""],
    "bool": [
        lambda b: sa.true(),
        lambda b: sa.false(),
        lambda b: sa.text("false" if b == "postgresql" else "0"),
    ],
    "datetime": [lambda b: sa.func.now(), lambda b: sa.text("CURRENT_TIMESTAMP")],
    "date": [lambda b: "2021-03-04"],
    "num": [lambda b: "1.5", lambda b: sa.text("0"), lambda b: "12.25"],
    "float": [lambda b: "2.5"],
    "enum": [lambda b: "Green"],
}
INDEXABLE = {"int", "str", "bool", "datetime", "date", "num", "uuid"}
ON_DELETE = [None, "CASCADE", "SET NULL"]
ON_UPDATE = [None, "CASCADE"]
COMMENTS = [None, "a comment", "it's noted"]
CHECK_BOUNDS = (-1000, -1, 0)
"""A CHECK is ``<int column> > bound``: every row value (positive) passes each of them."""


@dataclass(frozen=True)
class Column:
    type: str
    nullable: bool = True
    default: int = -1
    """Index into DEFAULTS[family], -1 for none."""
    comment: str | None = None
    values: tuple[str, ...] = ENUM_VALUES
    """An enum column's values."""
    enum_name: str | None = None
    """The enum type's name once a rename moved the column (``color_<table>_<column>`` before)."""

    @property
    def family(self) -> str:
        return TYPES[self.type][0]


@dataclass(frozen=True)
class ForeignKey:
    target: str
    ondelete: str | None = None
    onupdate: str | None = None


@dataclass(frozen=True)
class Index:
    columns: tuple[str, ...]
    unique: bool = False
    where: int | None = None
    """A partial index (PostgreSQL, SQLite): ``<first column> > where`` on an int column."""


@dataclass(frozen=True)
class Table:
    columns: dict[str, Column]
    indexes: tuple[Index, ...] = ()
    uniques: tuple[tuple[str, ...], ...] = ()
    fks: dict[str, ForeignKey] = field(default_factory=dict)
    """Referring column name -> the key it is part of."""
    checks: dict[str, int] = field(default_factory=dict)
    """Int column -> bound of its named CHECK (``ck_<table>_<column>``)."""
    comment: str | None = None

    def with_enum_names(self, table_name: str) -> Table:
        """The table with its enum types' names fixed, before a rename would change them."""
        named = {n: replace(c, enum_name=c.enum_name or enum_name(table_name, n)) for n, c in self.columns.items()}
        return replace(self, columns=named)

    def droppable(self, name: str) -> bool:
        """Whether the downgrade can add column ``name`` back to this table holding rows: every
        row gets NULL (a nullable column without a default) or the default, which a unique
        key or a CHECK on the column may refuse."""
        column = self.columns.get(name)
        if column is None:
            return True
        if column.default < 0:
            return column.nullable
        covered = [*(i.columns for i in self.indexes if i.unique), *self.uniques]
        return not any(name in cols for cols in covered) and name not in self.checks

    def without(self, name: str) -> Table:
        """The table without column ``name`` and everything that covers it."""
        return replace(
            self,
            columns={n: c for n, c in self.columns.items() if n != name},
            indexes=tuple(i for i in self.indexes if name not in i.columns),
            uniques=tuple(u for u in self.uniques if name not in u),
            fks={n: f for n, f in self.fks.items() if n != name},
            checks={n: b for n, b in self.checks.items() if n != name},
        )

    def renamed(self, table_name: str, old: str, new: str) -> Table:
        """The table (called ``table_name``) with column ``old`` called ``new``, everything that
        covers it following; an enum column keeps its type's name."""

        def swap(cols: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(new if c == old else c for c in cols)

        kept = self.with_enum_names(table_name)
        return replace(
            kept,
            columns={new if n == old else n: c for n, c in kept.columns.items()},
            indexes=tuple(replace(i, columns=swap(i.columns)) for i in self.indexes),
            uniques=tuple(swap(u) for u in self.uniques),
            fks={new if n == old else n: f for n, f in self.fks.items()},
            checks={new if n == old else n: b for n, b in self.checks.items()},
        )


Schema = dict[str, Table]


def enum_name(table: str, column: str) -> str:
    return f"color_{table}_{column}"


@dataclass(frozen=True)
class Kinds:
    """What a backend's random schemas may hold and its mutations may change."""

    partial_indexes: bool = False
    enums: bool = True
    checks: bool = True
    renames: bool = True
    varchar_without_length: bool = True


def kinds_for(backend: str) -> Kinds:
    if backend == "mariadb":
        return Kinds(varchar_without_length=False)
    return Kinds(partial_indexes=True)


def type_keys(kinds: Kinds) -> list[str]:
    keys = list(TYPES)
    if not kinds.varchar_without_length:
        keys.remove("varchar")  # MySQL needs a VARCHAR length
    if not kinds.enums:
        keys.remove("enum")
    return keys


@st.composite
def columns(draw: st.DrawFn, kinds: Kinds) -> Column:
    key = draw(st.sampled_from(type_keys(kinds)))
    choices = DEFAULTS.get(TYPES[key][0], [])
    default = draw(st.integers(-1, len(choices) - 1)) if choices else -1
    values = (
        ENUM_VALUES + tuple(draw(st.lists(st.sampled_from(ENUM_EXTRA), unique=True))) if key == "enum" else ENUM_VALUES
    )
    return Column(key, draw(st.booleans()), default, draw(st.sampled_from(COMMENTS)), values)


def column_sets(names: Sequence[str]) -> st.SearchStrategy[tuple[tuple[str, ...], ...]]:
    """Some single- or two-column sets of ``names``, no two alike."""
    if not names:
        return st.just(())
    one = st.lists(st.sampled_from(sorted(names)), min_size=1, max_size=2, unique=True).map(tuple)
    return st.lists(one, max_size=2, unique=True).map(tuple)


@st.composite
def index_sets(draw: st.DrawFn, table_columns: Mapping[str, Column], kinds: Kinds) -> tuple[Index, ...]:
    indexable = [c for c, spec in table_columns.items() if spec.family in INDEXABLE]
    out = []
    for cols in draw(column_sets(indexable)):
        where = None
        if kinds.partial_indexes and table_columns[cols[0]].family == "int" and draw(st.booleans()):
            where = draw(st.sampled_from(CHECK_BOUNDS))
        out.append(Index(cols, draw(st.booleans()), where))
    return tuple(out)


@st.composite
def checks(draw: st.DrawFn, table_columns: Mapping[str, Column], kinds: Kinds) -> dict[str, int]:
    ints = sorted(c for c, spec in table_columns.items() if spec.family == "int")
    if not kinds.checks or not ints:
        return {}
    return draw(st.dictionaries(st.sampled_from(ints), st.sampled_from(CHECK_BOUNDS), max_size=1))


@st.composite
def foreign_keys(draw: st.DrawFn, referable: Sequence[str], taken: Sequence[str]) -> dict[str, ForeignKey]:
    targets = draw(st.lists(st.sampled_from(sorted(referable)), max_size=1, unique=True)) if referable else []
    out = {}
    for target in targets:
        name = f"ref_{target}"
        if name not in taken:
            out[name] = ForeignKey(target, draw(st.sampled_from(ON_DELETE)), draw(st.sampled_from(ON_UPDATE)))
    return out


@st.composite
def tables(draw: st.DrawFn, kinds: Kinds, referable: Sequence[str]) -> Table:
    cols = draw(st.dictionaries(st.sampled_from(["c0", "c1", "c2", "c3"]), columns(kinds), min_size=1, max_size=4))
    indexes = draw(index_sets(cols, kinds))
    indexed = {i.columns for i in indexes}
    uniques = tuple(u for u in draw(column_sets([c for c, s in cols.items() if s.family in INDEXABLE])))
    uniques = tuple(u for u in uniques if u not in indexed)
    return Table(
        cols,
        indexes,
        uniques,
        draw(foreign_keys(referable, list(cols))),
        draw(checks(cols, kinds)),
        draw(st.sampled_from([None, "a table"])),
    )


@st.composite
def schemas(draw: st.DrawFn, backend: str) -> Schema:
    kinds = kinds_for(backend)
    names = sorted(draw(st.lists(st.sampled_from(["t_a", "t_b", "t_c"]), min_size=1, max_size=3, unique=True)))
    # A table refers to itself or to tables before it: create_all needs no cycle breaking.
    return {name: draw(tables(kinds, names[: i + 1])) for i, name in enumerate(names)}


def build(spec: Schema, backend: str) -> sa.MetaData:
    md = sa.MetaData()
    for name, table in sorted(spec.items()):
        items: list[Any] = [sa.Column("id", sa.Integer, primary_key=True)]
        for col_name, col in sorted(table.columns.items()):
            default = DEFAULTS[col.family][col.default](backend) if col.default >= 0 else None
            type_ = TYPES[col.type][1]()
            if isinstance(type_, sa.Enum):
                type_ = sa.Enum(*col.values, name=col.enum_name or enum_name(name, col_name))
            items.append(sa.Column(col_name, type_, nullable=col.nullable, server_default=default, comment=col.comment))
        for col_name, fk in sorted(table.fks.items()):
            items.append(
                sa.Column(
                    col_name,
                    sa.Integer,
                    sa.ForeignKey(f"{fk.target}.id", ondelete=fk.ondelete, onupdate=fk.onupdate),
                )
            )
        for ix in table.indexes:
            label = "_".join(ix.columns)
            where = {} if ix.where is None else _partial(sa.column(ix.columns[0]) > ix.where, backend)
            items.append(sa.Index(f"ix_{name}_{label}", *ix.columns, unique=ix.unique, **where))
        items.extend(sa.UniqueConstraint(*cols, name=f"uq_{name}_{'_'.join(cols)}") for cols in table.uniques)
        items.extend(
            sa.CheckConstraint(sa.column(col) > bound, name=f"ck_{name}_{col}")
            for col, bound in sorted(table.checks.items())
        )
        sa.Table(name, md, *items, comment=table.comment)
    return md


def _partial(condition: sa.ColumnElement[bool], backend: str) -> dict[str, Any]:
    return {f"{backend}_where": condition}


# -- mutations --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Renames:
    """The renames a mutation made: the answers given by flag, and how to find kept rows."""

    tables: dict[str, str] = field(default_factory=dict)
    """Old table name -> new."""
    columns: dict[tuple[str, str], str] = field(default_factory=dict)
    """(table name after the table renames, old column) -> new column."""

    def table_flags(self) -> list[str]:
        return [f"{old}={new}" for old, new in sorted(self.tables.items())]

    def column_flags(self) -> list[str]:
        return [f"{t}.{old}={t}.{new}" for (t, old), new in sorted(self.columns.items())]


MUTATIONS = ["drop_table", "add_table", "add_column", "drop_column", "retype", "nullable", "default"]
MUTATIONS += ["comment", "index", "unique", "fk", "check", "enum_values", "rename_column", "rename_table"]


def _mutate_table(
    draw: st.DrawFn, mutation: str, table: Table, before: Table | None, kinds: Kinds, referable: list[str]
) -> Table:
    """``table`` (``before`` in the first schema) with one change of the kind ``mutation`` (not a
    rename), or unchanged."""
    names = sorted(table.columns)
    if mutation == "add_column":
        col = draw(columns(kinds))
        if not col.nullable and col.default < 0:
            col = replace(col, nullable=True)  # the table has rows: a NOT NULL column needs a default
        name = draw(st.sampled_from(["c4", "c5"]))
        return replace(table, columns={**table.columns, name: col}) if name not in names else table
    if mutation == "fk":
        if not referable:
            return table
        target = draw(st.sampled_from(referable))
        fks = dict(table.fks)
        name = f"ref_{target}"
        if name in fks and draw(st.booleans()):
            del fks[name]
        elif name not in table.columns:
            fks[name] = ForeignKey(target, draw(st.sampled_from(ON_DELETE)), draw(st.sampled_from(ON_UPDATE)))
        return replace(table, fks=fks)
    if not names:
        return table
    if mutation == "drop_column":
        name = draw(st.sampled_from(names))
        # The downgrade adds the column back as it was, to a table with rows.
        return table.without(name) if (before or table).droppable(name) else table
    if mutation in ("retype", "nullable", "default", "comment", "enum_values"):
        name = draw(st.sampled_from(names))
        col = table.columns[name]
        if mutation == "retype":
            siblings = [k for k in type_keys(kinds) if TYPES[k][0] == col.family and k != col.type]
            col = replace(col, type=draw(st.sampled_from(siblings))) if siblings else col
        elif mutation == "nullable":
            if col.nullable and not _holds_row_values(before, name, col) and col.default < 0:
                return table  # rows hold NULL there
            col = replace(col, nullable=not col.nullable)
        elif mutation == "default":
            choices = [i for i in range(-1, len(DEFAULTS.get(col.family, []))) if i != col.default]
            col = replace(col, default=draw(st.sampled_from(choices))) if choices else col
        elif mutation == "enum_values":
            if col.family != "enum":
                return table
            extra = tuple(draw(st.lists(st.sampled_from(ENUM_EXTRA), unique=True)))
            kept = tuple(v for v in col.values if v in ("red", "Green") or draw(st.booleans()))
            col = replace(col, values=kept + tuple(v for v in extra if v not in kept))
        elif draw(st.booleans()):
            col = replace(col, comment=draw(st.sampled_from([c for c in COMMENTS if c != col.comment])))
        else:
            return replace(table, comment=None if table.comment else "changed")
        return replace(table, columns={**table.columns, name: col})
    # The table holds rows (if ``before`` is not None): a unique key or a CHECK may cover only
    # the columns whose values the rows set (distinct and positive), not those added since,
    # which hold the default or NULL in every row.
    rows_set = {n: c for n, c in table.columns.items() if _holds_row_values(before, n, c)}
    if mutation == "index":
        indexes = draw(index_sets(table.columns, kinds))
        indexes = tuple(i for i in indexes if not i.unique or all(c in rows_set for c in i.columns))
        return replace(table, indexes=tuple(i for i in indexes if i.columns not in table.uniques))
    if mutation == "unique":
        indexable = [n for n in names if table.columns[n].family in INDEXABLE and n in rows_set]
        indexed = {i.columns for i in table.indexes}
        return replace(table, uniques=tuple(c for c in draw(column_sets(indexable)) if c not in indexed))
    if mutation == "check":
        return replace(table, checks=draw(checks(rows_set, kinds)))
    return table


def _holds_row_values(before: Table | None, name: str, column: Column) -> bool:
    """Whether every row of the table has its own value in the column (none if the table is new)."""
    if before is None:
        return True
    original = before.columns.get(name)
    return original is not None and original.family == column.family


@st.composite
def mutated(draw: st.DrawFn, spec: Schema, backend: str) -> tuple[Schema, Renames]:
    """A schema a few changes away from ``spec``, and the renames among them."""
    kinds = kinds_for(backend)
    out = dict(spec)
    renames = Renames()
    allowed = [m for m in MUTATIONS if kinds.renames or not m.startswith("rename")]
    for mutation in draw(st.lists(st.sampled_from(allowed), min_size=1, max_size=5)):
        name = draw(st.sampled_from(sorted(out)))
        if mutation == "drop_table":
            if len(out) > 1:
                del out[name]
                out = {n: replace(t, fks={c: f for c, f in t.fks.items() if f.target != name}) for n, t in out.items()}
        elif mutation == "add_table":
            new = draw(st.sampled_from(["t_d", "t_e"]))
            if new not in out:
                out[new] = draw(tables(kinds, sorted([*out, new])))
        elif mutation == "rename_table":
            new = draw(st.sampled_from(["t_r", "t_s"]))
            original = next((old for old, now in renames.tables.items() if now == name), name)
            if new in out or name not in spec or original != name or _touched(out[name], spec.get(name)):
                continue
            # Only an unchanged table is offered as a rename (its columns must match); nothing
            # else changes in this draw, so that the match stays certain.
            out = {new if n == name else n: t.with_enum_names(n) if n == name else t for n, t in out.items()}
            out = {
                n: replace(t, fks={c: replace(f, target=new) if f.target == name else f for c, f in t.fks.items()})
                for n, t in out.items()
            }
            renames.tables[name] = new
            break
        elif mutation == "rename_column":
            table = out[name]
            first = spec[name].columns if name in spec else {}
            candidates = sorted(c for c, col in table.columns.items() if c in first and first[c].family == col.family)
            if name not in spec or not candidates:
                continue
            old = draw(st.sampled_from(candidates))
            new = f"r{old[1:]}"
            if new in table.columns or any(o == old for (t, o) in renames.columns if t == name):
                continue
            out[name] = table.renamed(name, old, new)
            renames.columns[(name, old)] = new
        else:
            referable = sorted(n for n in out if n <= name)
            original = next((old for old, now in renames.tables.items() if now == name), name)
            before = spec.get(original)
            for (table_name, old), new in renames.columns.items():
                if before is not None and table_name == name:
                    before = before.renamed(name, old, new)  # the first schema under today's names
            out[name] = _mutate_table(draw, mutation, out[name], before, kinds, referable)
    # A renamed column that a later change dropped is no rename any more.
    kept = {key: new for key, new in renames.columns.items() if key[0] in out and new in out[key[0]].columns}
    return out, replace(renames, columns=kept)


def _touched(table: Table, before: Table | None) -> bool:
    return before is None or table != before


# -- rows ---------------------------------------------------------------------------------------
def row_values(family: str, row: int) -> Any:
    """A value of the family that every change the mutations make keeps as it is."""
    values: dict[str, Callable[[int], Any]] = {
        "int": lambda i: i + 1,
        "str": lambda i: f"v{i}",
        "text": lambda i: f"text {i}",
        "bool": lambda i: i % 2 == 0,
        "datetime": lambda i: dt.datetime(2021, 1, 1 + i, 10, 30),
        "date": lambda i: dt.date(2021, 1, 1 + i),
        "time": lambda i: dt.time(10, i),
        "num": lambda i: Decimal(f"{i}.25"),
        "float": lambda i: 1.5 + i,
        "binary": lambda i: bytes([i, 1, 2]),
        "json": lambda i: {"k": i},
        "uuid": lambda i: uuid.UUID(int=i + 1),
        "enum": lambda i: ("red", "Green")[i % 2],
    }
    return values[family](row)


ROWS = 2


def rows_for(table: Table) -> list[dict[str, Any]]:
    return [
        {"id": i + 1, **{name: row_values(col.family, i) for name, col in table.columns.items()}} for i in range(ROWS)
    ]


def canonical(value: Any) -> Any:
    """One spelling of a value read back, across the type changes within a family."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value)
    if isinstance(value, Decimal):
        return value.normalize()
    return value
