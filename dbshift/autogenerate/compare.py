"""Compare the models' schema with the database's and produce the operations between them.

A pure function of two schema models and a dialect: no connection, no prompts. The downgrade is
the upgrade's reverses in reverse order, so the upgrade is ordered so that both directions run:

1. foreign keys that go away or change are dropped first (nothing depends on them);
2. tables that go away are dropped, tables referring to others first;
3. indexes, unique and CHECK constraints and primary keys that go away or change are dropped
   (and generated columns whose generation changed, to be added again in 4);
4. columns are added, then altered, then dropped (after whatever used them);
5. new indexes, unique and CHECK constraints and primary keys are created (after the columns
   they cover);
6. new tables are created, referred tables first, each followed by its indexes;
7. new foreign keys are added (after the tables, columns and unique keys they refer to);
8. table comments change.

On PostgreSQL, named enum types the models start using are created before all of that, and
those the database's columns stop using are dropped after it (no table or column operation
drops a type on its own). A type whose values change gets its new values added first and is
replaced last when values go or move (:mod:`dbshift.autogenerate.enums`).

Every step runs across all tables before the next, so a name that moves (an index dropped from
one table and created on another) is free before it is taken again. Read backwards the same
list is a valid downgrade: foreign keys go before the tables and keys they refer to, and come
back after them.

Indexes whose leading columns are a foreign key's columns travel inside the create / drop of
their table rather than as separate operations: MySQL uses such an index for the foreign key
and refuses to drop it while the foreign key exists.

Foreign keys and unique constraints added to an existing table without a name in the models
get the name PostgreSQL would choose, so that the downgrade can drop them by name. Unique
constraints compare by their columns and, on PostgreSQL, ``NULLS NOT DISTINCT`` and ``INCLUDE``
(what the database reports back of their options).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from sqlalchemy.engine import Dialect

from dbshift.autogenerate.compare_details import (
    check_changes,
    computed_changed,
    identity_of,
    leave_type_checks_to_alter_column,
    made_plain,
    made_plain_in_place,
    primary_key_changes,
    recreated_column,
)
from dbshift.autogenerate.enums import enum_value_changes, with_enum_checks
from dbshift.dialects.features import Features, features_for
from dbshift.dialects.normalize import (
    defaults_equal,
    normalize_fk_action,
    normalize_fk_match,
    normalize_index_element,
    normalize_index_options,
    types_equal,
)
from dbshift.operations.base import UNCHANGED, Operation
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.constraint import AddConstraintOp, DropConstraintOp
from dbshift.operations.index import CreateIndexOp, DropIndexOp
from dbshift.operations.table import CreateTableCommentOp, CreateTableOp, DropTableCommentOp, DropTableOp
from dbshift.operations.types import CreateEnumTypeOp, DropEnumTypeOp
from dbshift.schema.enums import enum_types_used
from dbshift.schema.model import (
    ColumnDef,
    ForeignKeyDef,
    IndexDef,
    PrimaryKeyDef,
    SchemaDef,
    TableDef,
    UniqueDef,
    table_key,
)
from dbshift.schema.names import fit_name
from dbshift.schema.reflect import is_excluded


@dataclass
class _Steps:
    """The upgrade's operations, gathered per step (see the module docstring)."""

    create_types: list[Operation] = field(default_factory=list)
    drop_fks: list[Operation] = field(default_factory=list)
    drop_tables: list[Operation] = field(default_factory=list)
    drop_indexes: list[Operation] = field(default_factory=list)
    add_columns: list[Operation] = field(default_factory=list)
    alter_columns: list[Operation] = field(default_factory=list)
    drop_columns: list[Operation] = field(default_factory=list)
    add_indexes: list[Operation] = field(default_factory=list)
    create_tables: list[Operation] = field(default_factory=list)
    add_fks: list[Operation] = field(default_factory=list)
    comments: list[Operation] = field(default_factory=list)
    drop_types: list[Operation] = field(default_factory=list)

    def ops(self) -> list[Operation]:
        return [
            *self.create_types,
            *self.drop_fks,
            *self.drop_tables,
            *self.drop_indexes,
            *self.add_columns,
            *self.alter_columns,
            *self.drop_columns,
            *self.add_indexes,
            *self.create_tables,
            *self.add_fks,
            *self.comments,
            *self.drop_types,
        ]


def compare_schemas(
    target: SchemaDef,
    current: SchemaDef,
    dialect: Dialect,
    *,
    exclude: Iterable[str] = (),
) -> list[Operation]:
    """Operations turning ``current`` (the database) into ``target`` (the models).

    Tables of ``current`` that ``target`` lacks are dropped unless their name matches one of the
    ``exclude`` glob patterns.
    """
    patterns = tuple(exclude)
    features = features_for(dialect.name)
    steps = _Steps()
    for table in target:
        existing = current.tables.get(table.key)
        if existing is not None:
            _compare_table(table, existing, dialect, features, steps)
    removed = sorted(
        (t for t in current if t.key not in target and not is_excluded(t.name, patterns)), key=lambda t: t.key
    )
    if features.alter_constraints:
        _refresh_referring_keys(target, current, removed, dialect, steps)
    _drop_tables(removed, features, steps)
    _create_tables([t for t in target if t.key not in current], dialect, steps)
    steps.alter_columns = with_enum_checks(steps.alter_columns, target, current)
    steps.drop_indexes = leave_type_checks_to_alter_column(steps.alter_columns, steps.drop_indexes, dialect)
    steps.add_indexes = leave_type_checks_to_alter_column(steps.alter_columns, steps.add_indexes, dialect)
    if dialect.name == "postgresql":
        dropped = {t.key for t in removed}
        kept = [t for t in current if t.key not in target and t.key not in dropped]
        _compare_enum_types(target, current, steps, kept)
    return steps.ops()


def compare_tables(target: TableDef, current: TableDef, dialect: Dialect) -> list[Operation]:
    """Operations turning one existing table ``current`` into ``target``, in the order above."""
    steps = _Steps()
    _compare_table(target, current, dialect, features_for(dialect.name), steps)
    return steps.ops()


def reverse_ops(ops: Iterable[Operation]) -> list[Operation]:
    """The downgrade of an upgrade: each operation's reverse, last first."""
    return [op.reverse() for op in reversed(list(ops))]


# -- enum types ---------------------------------------------------------------------------------
def _compare_enum_types(target: SchemaDef, current: SchemaDef, steps: _Steps, kept: Sequence[TableDef] = ()) -> None:
    """PostgreSQL's named enum types, which no table or column operation creates for good or
    drops: a type the models' columns start using is created first (unless the database has it
    already, used or not), and one the database's columns stop using is dropped last, after the
    tables and columns that used it. Types the database has that no column of it uses (made for
    a function, or left over) are not the models' business and stay."""
    used_now = enum_types_used(current)
    used_then = enum_types_used(target)
    existing = {e.key for e in current.enum_types}
    for key, enum in used_then.items():
        if key not in existing and key not in used_now:
            steps.create_types.append(CreateEnumTypeOp(enum))
    for key, enum in used_now.items():
        if key not in used_then:
            steps.drop_types.append(DropEnumTypeOp(current.enum_type(enum.name, enum.schema) or enum))
    for key, enum in used_then.items():
        # A type outside the reflected schema is known by the columns that use it.
        existing_enum = current.enum_type(enum.name, enum.schema) or used_now.get(key)
        if existing_enum is not None and existing_enum.values != enum.values:
            first, last = enum_value_changes(enum, existing_enum, target, current, kept)
            steps.create_types.extend(first)
            steps.drop_types.extend(last)


# -- whole tables -------------------------------------------------------------------------------
def backs_foreign_key(index: IndexDef, foreign_keys: Iterable[ForeignKeyDef]) -> bool:
    """True when the index's leading columns are a foreign key's columns (MySQL's index for it)."""
    if index.expressions and any(index.expressions):
        return False
    return any(index.columns[: len(fk.columns)] == fk.columns for fk in foreign_keys)


def dependency_order(tables: Sequence[TableDef]) -> tuple[list[TableDef], list[tuple[TableDef, ForeignKeyDef]]]:
    """Tables ordered so that each comes after the tables it refers to, keeping the given order
    where references allow; and the foreign keys left out to break reference cycles.

    Each step places the first table (in the given order) whose references are all placed; when
    none is (a cycle), the first table left, its references to the rest deferred. The tables
    ready are kept in a heap by position, so that is linear in tables rather than quadratic.
    """
    keys = {t.key for t in tables}
    done: set[str] = set()
    ordered: list[TableDef] = []
    deferred: list[tuple[TableDef, ForeignKeyDef]] = []

    def refers(table: TableDef, fk: ForeignKeyDef) -> str | None:
        key = _referred_key(fk)
        return key if key in keys and key != table.key else None

    waiting_on: list[set[str]] = []
    dependents: dict[str, list[int]] = {}
    for position, table in enumerate(tables):
        refs = {key for fk in table.foreign_keys if (key := refers(table, fk)) is not None}
        waiting_on.append(refs)
        for key in refs:
            dependents.setdefault(key, []).append(position)
    ready = [position for position, refs in enumerate(waiting_on) if not refs]
    placed = [False] * len(tables)
    first = 0
    while len(ordered) < len(tables):
        if ready:
            position = heapq.heappop(ready)
            table = tables[position]
        else:  # a cycle: take the first table, its references to the rest wait
            while placed[first]:
                first += 1
            position, table = first, tables[first]
            waiting = tuple(fk for fk in table.foreign_keys if refers(table, fk) not in (None, *done))
            deferred.extend((table, fk) for fk in waiting)
            table = table.replace(foreign_keys=tuple(fk for fk in table.foreign_keys if fk not in waiting))
        placed[position] = True
        done.add(table.key)
        ordered.append(table)
        for other in dependents.get(table.key, ()):
            waiting_on[other].discard(table.key)
            if not waiting_on[other] and not placed[other]:
                heapq.heappush(ready, other)
    return ordered, deferred


def _referred_key(fk: ForeignKeyDef) -> str:
    return table_key(fk.referred_table, fk.referred_schema)


def _ordered(
    tables: Sequence[TableDef], features: Features
) -> tuple[list[TableDef], list[tuple[TableDef, ForeignKeyDef]]]:
    ordered, deferred = dependency_order(tables)
    if not features.alter_constraints:
        # SQLite checks no reference when a table is created or dropped, and cannot add a foreign
        # key later: cycles stay inside the tables.
        by_key = {t.key: t for t in tables}
        return [by_key[t.key] for t in ordered], []
    return ordered, deferred


def _create_tables(tables: Sequence[TableDef], dialect: Dialect, steps: _Steps) -> None:
    features = features_for(dialect.name)
    ordered, deferred = _ordered(tables, features)
    for table in ordered:
        inline = tuple(ix for ix in table.indexes if backs_foreign_key(ix, table.foreign_keys))
        steps.create_tables.append(CreateTableOp(table.replace(indexes=inline)))
        steps.create_tables.extend(
            CreateIndexOp(table.name, ix, table.schema) for ix in table.indexes if ix not in inline
        )
    steps.add_fks.extend(_add_named(t.name, fk, dialect, t.schema) for t, fk in deferred)


def _drop_tables(tables: Sequence[TableDef], features: Features, steps: _Steps) -> None:
    """The reverse of creating ``tables``: referring tables first, cycles broken by dropping
    the foreign keys that close them first; otherwise in the given order."""
    ordered, deferred = _ordered(tables[::-1], features)
    steps.drop_fks.extend(
        DropConstraintOp(t.name, fk.name, "foreignkey", t.schema, constraint=fk) for t, fk in reversed(deferred)
    )
    for table in reversed(ordered):
        inline = tuple(ix for ix in table.indexes if backs_foreign_key(ix, table.foreign_keys))
        steps.drop_tables.extend(
            DropIndexOp(ix.name, table.name, table.schema, index=ix) for ix in table.indexes if ix not in inline
        )
        steps.drop_tables.append(DropTableOp(table.name, table.schema, table=table.replace(indexes=inline)))


# -- one existing table -------------------------------------------------------------------------
def _fk_key(fk: ForeignKeyDef, dialect: Dialect) -> tuple[object, ...]:
    """What has to match for a database foreign key to be the model's: the columns and target,
    and the ON DELETE / ON UPDATE actions; on PostgreSQL also DEFERRABLE / INITIALLY and MATCH,
    which MariaDB and SQLite do not report back (MariaDB has no deferred keys and ignores MATCH)."""
    key: tuple[object, ...] = (
        *fk.signature,
        normalize_fk_action(fk.ondelete, dialect.name),
        normalize_fk_action(fk.onupdate, dialect.name),
    )
    if dialect.name == "postgresql":
        initially = (fk.initially or "IMMEDIATE").upper()
        deferrable = bool(fk.deferrable) or initially == "DEFERRED"  # INITIALLY DEFERRED implies it
        initially = initially if deferrable else "IMMEDIATE"
        key += (deferrable, initially, normalize_fk_match(fk.match))
    return key


_C = TypeVar("_C", ForeignKeyDef, UniqueDef)


def _named(constraint: _C, table: str, dialect: Dialect, reflected: str | None = None) -> _C:
    """A constraint added to an existing table, named if the models leave it unnamed.

    A name the models give, or their MetaData's ``naming_convention`` (SQLAlchemy names the
    constraint when it is attached), is kept; else the ``reflected`` name of the database's
    constraint it replaces (same columns and target, other options). Otherwise: the downgrade has to drop it by name,
    and the name a database would choose is not known when the revision is written; so it gets
    PostgreSQL's own choice (``<table>_<columns>_fkey``, ``<table>_<columns>_key``), shortened
    beyond the backend's identifier length as SQLAlchemy shortens naming-convention names
    (:func:`dbshift.schema.names.fit_name`), and the revision says so
    (:mod:`dbshift.autogenerate.naming`).
    """
    if constraint.name is not None:
        return constraint
    if reflected is not None:
        return replace(constraint, name=reflected)
    suffix = "fkey" if isinstance(constraint, ForeignKeyDef) else "key"
    name = "_".join((table, *constraint.columns, suffix))
    return replace(constraint, name=fit_name(name, dialect))


def _add_named(
    table: str, constraint: _C, dialect: Dialect, schema: str | None, reflected: str | None = None
) -> AddConstraintOp:
    """Adding ``constraint`` (:func:`_named`); the operation knows when the name is made up."""
    named = _named(constraint, table, dialect, reflected)
    return AddConstraintOp(table, named, schema, invented_name=constraint.name is None and reflected is None)


def _mysql_like(dialect: Dialect) -> bool:
    return dialect.name in ("mysql", "mariadb")


def _db_indexes(target: TableDef, current: TableDef, dialect: Dialect) -> tuple[list[IndexDef], list[UniqueDef]]:
    """The database's indexes and unique constraints as the models would spell them.

    MySQL cannot tell a unique index from a unique constraint (it reports both as either), and
    creates an index for each foreign key by itself, which it will not let go while the foreign
    key exists: an index the models do not name that serves one of the models' foreign keys is
    not a difference (when such a foreign key is dropped and added back with other options,
    the index stays and serves the new one).
    """
    indexes = list(current.indexes)
    uniques = list(current.uniques)
    if _mysql_like(dialect):
        model_index_names = {ix.name for ix in target.indexes}
        for uq in list(uniques):
            if uq.name in model_index_names:
                uniques.remove(uq)
                indexes.append(IndexDef(uq.name, uq.columns, unique=True))
        indexes = [
            ix for ix in indexes if ix.name in model_index_names or not backs_foreign_key(ix, target.foreign_keys)
        ]
    return indexes, uniques


UNIQUE_OPTIONS = {"postgresql": ("postgresql_nulls_not_distinct", "postgresql_include")}
"""The unique constraints' dialect options the database reports back, hence compared: a change
of one drops and creates the constraint again."""


def _unique_key(unique: UniqueDef, dialect: Dialect) -> tuple[object, ...]:
    """A unique constraint's columns and the options of :data:`UNIQUE_OPTIONS` (absent, False
    and empty all meaning the default)."""
    options = dict(unique.dialect_options)
    compared = tuple(options.get(k) or None for k in UNIQUE_OPTIONS.get(dialect.name, ()))
    return (unique.columns, *(tuple(v) if isinstance(v, (list, tuple)) else v for v in compared))


def _column_lengths(table: TableDef) -> dict[str, int]:
    """The string columns' lengths: MySQL reports no prefix length that covers the whole column."""
    lengths = {}
    for col in table.columns:
        length = getattr(col.type, "length", None)
        if isinstance(length, int):
            lengths[col.name] = length
    return lengths


def _index_key(index: IndexDef, dialect: Dialect, lengths: dict[str, int] | None = None) -> tuple[object, ...]:
    """What has to match for a database index to be the model's one of that name: its elements
    (expressions and sort order normalized), uniqueness, and the options the backend reports
    back (:data:`dbshift.dialects.normalize.INDEX_OPTIONS`). Any difference is drop + create."""
    columns = tuple(
        normalize_index_element(c, dialect.name) if index.is_expression(i) else c for i, c in enumerate(index.columns)
    )
    options = normalize_index_options(
        index.dialect_options, index.columns, index.expressions, dialect.name, full_lengths=lengths
    )
    return columns, index.unique, options


def _compare_table(target: TableDef, current: TableDef, dialect: Dialect, features: Features, steps: _Steps) -> None:
    name, schema = target.name, target.schema

    db_indexes, db_uniques = _db_indexes(target, current, dialect)
    current_ix = {ix.name: ix for ix in sorted(db_indexes, key=lambda i: i.name)}
    target_ix = {ix.name: ix for ix in sorted(target.indexes, key=lambda i: i.name)}
    lengths = _column_lengths(target) if _mysql_like(dialect) else None
    for ix_name, ix in current_ix.items():
        other = target_ix.get(ix_name)
        if other is None or _index_key(other, dialect, lengths) != _index_key(ix, dialect, lengths):
            steps.drop_indexes.append(DropIndexOp(ix_name, name, schema, index=ix))
    for ix_name, ix in target_ix.items():
        other = current_ix.get(ix_name)
        if other is None or _index_key(other, dialect, lengths) != _index_key(ix, dialect, lengths):
            steps.add_indexes.append(CreateIndexOp(name, ix, schema))

    current_uq = {_unique_key(uq, dialect): uq for uq in db_uniques}
    target_uq = {_unique_key(uq, dialect): uq for uq in target.uniques}
    for key, uq in current_uq.items():
        if key not in target_uq:
            steps.drop_indexes.append(DropConstraintOp(name, uq.name, "unique", schema, constraint=uq))
    replaced = {uq.columns: uq.name for key, uq in current_uq.items() if key not in target_uq and uq.name}
    for key, uq in target_uq.items():
        if key not in current_uq:
            steps.add_indexes.append(_add_named(name, uq, dialect, schema, replaced.get(uq.columns)))

    _compare_foreign_keys(target, current, dialect, steps)
    for drops, adds in (check_changes(target, current, dialect), primary_key_changes(target, current, dialect)):
        steps.drop_indexes.extend(drops)
        steps.add_indexes.extend(adds)

    current_cols = {c.name: c for c in current.columns}
    target_names = set(target.column_names)
    for col in target.columns:
        existing = current_cols.get(col.name)
        if existing is None:
            steps.add_columns.append(AddColumnOp(name, col, schema))
        elif made_plain_in_place(col, existing, dialect):
            alter = compare_columns(name, schema, col, existing, dialect, comments=features.comments)
            steps.alter_columns.append(made_plain(name, schema, alter, col, existing))
        elif computed_changed(col, existing, dialect):
            drops, added, indexes = recreated_column(target, current, col, *_index_names(steps, name))
            steps.drop_indexes.extend(drops)
            steps.add_columns.extend(added)
            steps.add_indexes.extend(indexes)
        else:
            alter = compare_columns(name, schema, col, existing, dialect, comments=features.comments)
            if alter is not None:
                steps.alter_columns.append(alter)
    for col in current.columns:
        if col.name not in target_names:
            steps.drop_columns.append(DropColumnOp(name, col.name, schema, column=col))

    if features.comments and (target.comment or None) != (current.comment or None):
        if target.comment:
            steps.comments.append(CreateTableCommentOp(name, target.comment, current.comment or None, schema))
        else:
            steps.comments.append(DropTableCommentOp(name, current.comment, schema))


def _refresh_referring_keys(
    target: SchemaDef, current: SchemaDef, removed: Sequence[TableDef], dialect: Dialect, steps: _Steps
) -> None:
    """A primary key that is dropped takes the foreign keys referring to its columns with it
    (PostgreSQL and MySQL refuse to drop it under them): those the models keep unchanged are
    dropped first and added back last (once the referred table has its new keys)."""
    keys = [
        op
        for op in steps.drop_indexes
        if isinstance(op, DropConstraintOp) and op.type_ == "primary" and isinstance(op.constraint, PrimaryKeyDef)
    ]
    gone = {t.key for t in removed}
    dropping = {
        (op.table_name, op.schema, op.constraint_name) for op in steps.drop_fks if isinstance(op, DropConstraintOp)
    }
    for key in keys:
        assert isinstance(key.constraint, PrimaryKeyDef)
        referred = table_key(key.table_name, key.schema)
        for table in current:
            if table.key in gone:
                continue
            for fk in table.foreign_keys:
                if _referred_key(fk) != referred or set(fk.referred_columns) != set(key.constraint.columns):
                    continue
                if (table.name, table.schema, fk.name) in dropping:
                    continue
                steps.drop_fks.append(DropConstraintOp(table.name, fk.name, "foreignkey", table.schema, constraint=fk))
                wanted = target.tables.get(table.key)
                model = next(
                    (f for f in (wanted.foreign_keys if wanted else ()) if _fk_key(f, dialect) == _fk_key(fk, dialect)),
                    None,
                )
                if model is not None:
                    steps.add_fks.append(AddConstraintOp(table.name, replace(model, name=fk.name), table.schema))


def _index_names(steps: _Steps, table: str) -> tuple[set[str], set[str]]:
    """The indexes of ``table`` already being dropped, and created."""
    dropped = {op.index_name for op in steps.drop_indexes if isinstance(op, DropIndexOp) and op.table_name == table}
    added = {op.index.name for op in steps.add_indexes if isinstance(op, CreateIndexOp) and op.table_name == table}
    return dropped, added


def _compare_foreign_keys(target: TableDef, current: TableDef, dialect: Dialect, steps: _Steps) -> None:
    """Foreign keys differ when their columns, target or actions do (names do not count).

    On MySQL a foreign key added to an existing table first gets an index of its own name, unless
    an index will cover its columns: MySQL would create that index by itself and keep it after the
    downgrade drops the foreign key; created explicitly, the downgrade drops it too.
    """
    name, schema = target.name, target.schema
    target_fks = {_fk_key(fk, dialect): fk for fk in target.foreign_keys}
    current_fks = {_fk_key(fk, dialect): fk for fk in current.foreign_keys}
    replaced: dict[tuple[object, ...], str] = {}
    for key, fk in current_fks.items():
        if key not in target_fks:
            steps.drop_fks.append(DropConstraintOp(name, fk.name, "foreignkey", schema, constraint=fk))
            if fk.name:
                replaced[fk.signature] = fk.name
    dropped = {op.index_name for op in steps.drop_indexes if isinstance(op, DropIndexOp) and op.table_name == name}
    dropped |= {
        op.constraint_name
        for op in steps.drop_indexes
        if isinstance(op, DropConstraintOp) and op.table_name == name and op.constraint_name
    }
    covering = [
        *(IndexDef(ix.name, ix.columns) for ix in (*target.indexes, *current.indexes) if ix.name not in dropped),
        *(IndexDef(uq.name or "", uq.columns) for uq in (*target.uniques, *current.uniques) if uq.name not in dropped),
    ]
    for key, fk in target_fks.items():
        if key in current_fks:
            continue
        add = _add_named(name, fk, dialect, schema, replaced.get(fk.signature))
        fk = add.constraint  # type: ignore[assignment]
        if _mysql_like(dialect) and fk.name and not _covered(fk, covering):
            steps.add_indexes.append(CreateIndexOp(name, IndexDef(fk.name, fk.columns), schema))
        steps.add_fks.append(add)


def _covered(fk: ForeignKeyDef, indexes: Iterable[IndexDef]) -> bool:
    return any(backs_foreign_key(ix, (fk,)) for ix in indexes)


def compare_columns(
    table: str,
    schema: str | None,
    target: ColumnDef,
    current: ColumnDef,
    dialect: Dialect,
    *,
    comments: bool = True,
) -> AlterColumnOp | None:
    type_changed = not types_equal(target.type, current.type, dialect)
    nullable_changed = target.nullable != current.nullable
    default_changed = target.computed is None and not defaults_equal(
        target.server_default, current.server_default, dialect.name
    )
    comment_changed = comments and (target.comment or None) != (current.comment or None)
    identity = identity_of(target) if dialect.name == "postgresql" else None
    existing_identity = identity_of(current) if dialect.name == "postgresql" else None
    identity_changed = identity != existing_identity
    if not (type_changed or nullable_changed or default_changed or comment_changed or identity_changed):
        return None
    return AlterColumnOp(
        table,
        target.name,
        schema,
        nullable=target.nullable if nullable_changed else None,
        type=target.type if type_changed else None,
        server_default=target.server_default if default_changed else UNCHANGED,
        comment=target.comment if comment_changed else UNCHANGED,
        existing_type=current.type,
        existing_nullable=current.nullable,
        existing_server_default=current.server_default,
        existing_comment=current.comment if comments else UNCHANGED,
        identity=identity if identity_changed else UNCHANGED,
        existing_identity=existing_identity if identity_changed else UNCHANGED,
    )
