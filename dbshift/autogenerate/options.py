"""What an env script may tell autogenerate, with the meaning Alembic's ``configure()`` gives it.

* ``include_name(name, type_, parent_names)`` — called for what the database holds, before it
  is compared: a False keeps a schema, table, column, index or constraint out of the comparison.
* ``include_object(object, name, type_, reflected, compare_to)`` — called for every table,
  column, index, unique constraint and foreign key on either side (SQLAlchemy objects: the
  model's, or one built from the database's definition), a False leaves it out; a table left
  out takes all its contents with it.
* ``include_schemas`` — compare every schema of the database (but the system ones), not only
  the default one.
* ``compare_type`` / ``compare_server_default`` — ``False`` ignores such changes; a function
  ``(context, inspected_column, metadata_column, inspected, metadata[, rendered])`` may say a
  detected change is none (False). dbshift compares types and server defaults by default.

Filtering happens on the schema models (for the ``include_*`` hooks) and on the operations
(for ``compare_*``), so the comparison itself stays a pure function of two schema models.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from dbshift.operations.base import UNCHANGED, Operation
from dbshift.operations.column import AlterColumnOp
from dbshift.schema.model import SchemaDef, TableDef, table_key
from dbshift.schema.to_sa import sa_table

# Schemas of the database's own that include_schemas never compares.
SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys"})

Hook = Callable[..., Any]


@dataclass(frozen=True)
class CompareOptions:
    include_object: Hook | None = None
    include_name: Hook | None = None
    include_schemas: bool = False
    compare_type: bool | Hook = True
    compare_server_default: bool | Hook = True
    context: Any = None
    """Passed to the compare_* functions as their first argument (the migration context)."""

    @classmethod
    def from_opts(cls, opts: Mapping[str, Any], context: Any = None) -> CompareOptions:
        """From configure()'s keywords; an option not given keeps dbshift's behaviour."""
        return cls(
            include_object=opts.get("include_object"),
            include_name=opts.get("include_name"),
            include_schemas=bool(opts.get("include_schemas", False)),
            compare_type=opts.get("compare_type", True),
            compare_server_default=opts.get("compare_server_default", True),
            context=context,
        )

    @property
    def filters(self) -> bool:
        return self.include_object is not None or self.include_name is not None

    # -- include_name: what the database holds ---------------------------------------------
    def keep_schema(self, name: str) -> bool:
        if name in SYSTEM_SCHEMAS or name.startswith("pg_"):
            return False
        return self.include_name is None or bool(self.include_name(name, "schema", {}))

    def _name_ok(self, name: str | None, type_: str, parents: dict[str, str | None]) -> bool:
        return self.include_name is None or name is None or bool(self.include_name(name, type_, parents))

    def _object_ok(self, obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return self.include_object is None or bool(self.include_object(obj, name, type_, reflected, compare_to))

    # -- both hooks on a pair of schema models ---------------------------------------------
    def filter_schemas(
        self, target: SchemaDef, current: SchemaDef, metadata: sa.MetaData
    ) -> tuple[SchemaDef, SchemaDef]:
        if not self.filters:
            return target, current
        targets: dict[str, TableDef] = dict(target.tables)
        currents: dict[str, TableDef] = {}
        for key, table in current.tables.items():
            if self._name_ok(table.name, "table", {"schema_name": table.schema}):
                currents[key] = self._reflected_names(table)
        models = _models_by_key(metadata, targets)
        for key in sorted(set(targets) | set(currents)):
            model = models.get(key)
            found = currents.get(key)
            mine = targets.get(key)
            db_table = sa_table(found) if found is not None else None
            if mine is not None and model is not None:
                keep = self._object_ok(model, mine.name, "table", False, db_table)
            elif found is not None:
                keep = self._object_ok(db_table, found.name, "table", True, None)
            else:
                keep = True
            if not keep:
                targets.pop(key, None)
                currents.pop(key, None)
                continue
            if mine is not None and found is not None and model is not None and db_table is not None:
                targets[key], currents[key] = self._filter_contents(mine, found, model, db_table)
            elif found is not None and db_table is not None:
                currents[key] = self._filter_contents(found, found, db_table, db_table, reflected_only=True)[1]
        return (
            dataclasses.replace(target, tables=_frozen(targets)),
            dataclasses.replace(current, tables=_frozen(currents)),
        )

    def _reflected_names(self, table: TableDef) -> TableDef:
        """The database's table without what include_name leaves out."""
        if self.include_name is None:
            return table
        parents = {"table_name": table.name, "schema_name": table.schema, "schema_qualified_table_name": table.key}
        return table.replace(
            columns=tuple(c for c in table.columns if self._name_ok(c.name, "column", parents)),
            indexes=tuple(i for i in table.indexes if self._name_ok(i.name, "index", parents)),
            uniques=tuple(u for u in table.uniques if self._name_ok(u.name, "unique_constraint", parents)),
            foreign_keys=tuple(
                f for f in table.foreign_keys if self._name_ok(f.name, "foreign_key_constraint", parents)
            ),
        )

    def _filter_contents(
        self, mine: TableDef, found: TableDef, model: sa.Table, db_table: sa.Table, *, reflected_only: bool = False
    ) -> tuple[TableDef, TableDef]:
        """Columns, indexes and constraints include_object leaves out, removed from both sides."""
        if self.include_object is None:
            return mine, found
        dropped_columns = set()
        for name in {c.name for c in mine.columns} | {c.name for c in found.columns}:
            in_model = not reflected_only and name in model.c
            in_db = name in db_table.c
            if in_model:
                keep = self._object_ok(model.c[name], name, "column", False, db_table.c[name] if in_db else None)
            else:
                keep = self._object_ok(db_table.c[name], name, "column", True, None)
            if not keep:
                dropped_columns.add(name)
        kinds = (
            ("indexes", "index", lambda t: {i.name: i for i in t.indexes}),
            ("uniques", "unique_constraint", _uniques),
            ("foreign_keys", "foreign_key_constraint", _foreign_keys),
        )
        out: list[TableDef] = []
        for side, table in (("model", mine), ("db", found)):
            changes: dict[str, Any] = {"columns": tuple(c for c in table.columns if c.name not in dropped_columns)}
            for attr, type_, objects in kinds:
                model_objs = {} if reflected_only else objects(model)
                db_objs = objects(db_table)
                kept = []
                for item in getattr(table, attr):
                    name = item.name
                    model_obj = model_objs.get(name)
                    db_obj = db_objs.get(name)
                    if side == "model" and model_obj is not None:
                        keep = self._object_ok(model_obj, name, type_, False, db_obj)
                    elif db_obj is not None:
                        keep = self._object_ok(db_obj, name, type_, True, None if side == "db" else model_obj)
                    else:
                        keep = True
                    if keep:
                        kept.append(item)
                changes[attr] = tuple(kept)
            out.append(table.replace(**changes))
        return out[0], out[1]

    # -- compare_type / compare_server_default on the operations ----------------------------
    def filter_ops(self, ops: Iterable[Operation], target: SchemaDef, current: SchemaDef) -> list[Operation]:
        kept: list[Operation] = []
        for op in ops:
            if isinstance(op, AlterColumnOp):
                op = self._alter(op, target, current)
                if not op.changes():
                    continue
            kept.append(op)
        return kept

    def _alter(self, op: AlterColumnOp, target: SchemaDef, current: SchemaDef) -> AlterColumnOp:
        key = table_key(op.table_name, op.schema)
        if op.type is not None and not self._same_or_keep(
            self.compare_type, key, op.column_name, target, current, "type"
        ):
            op = dataclasses.replace(op, type=None)
        if op.server_default is not UNCHANGED and not self._same_or_keep(
            self.compare_server_default, key, op.column_name, target, current, "server_default"
        ):
            op = dataclasses.replace(op, server_default=UNCHANGED)
        return op

    def _same_or_keep(
        self, rule: bool | Hook, key: str, column: str, target: SchemaDef, current: SchemaDef, what: str
    ) -> bool:
        """Whether a detected change stays: ``False`` drops every such change; a function may."""
        if rule is True:
            return True
        if rule is False or rule is None:
            return False
        mine, found = target.tables.get(key), current.tables.get(key)
        if mine is None or found is None:
            return True
        model_col = sa_table(mine).c.get(column)
        db_col = sa_table(found).c.get(column)
        if model_col is None or db_col is None:
            return True
        if what == "type":
            verdict = rule(self.context, db_col, model_col, db_col.type, model_col.type)
        else:
            found_col, mine_col = found.column(column), mine.column(column)
            db_default = found_col.server_default if found_col is not None else None
            model_default = mine_col.server_default if mine_col is not None else None
            verdict = rule(self.context, db_col, model_col, db_default, model_col.server_default, model_default)
        return verdict is not False


def _models_by_key(metadata: sa.MetaData, targets: Mapping[str, TableDef]) -> dict[str, sa.Table]:
    """The models' tables by the key the comparison uses: a table whose ``schema=`` names the
    default schema is compared under its bare name."""
    models = dict(metadata.tables)
    for table in metadata.tables.values():
        if table.schema is not None and table.key not in targets and table.name in targets:
            models.setdefault(table.name, table)
    return models


def _uniques(table: sa.Table) -> dict[str | None, Any]:
    return {
        c.name if isinstance(c.name, str) else None: c for c in table.constraints if isinstance(c, sa.UniqueConstraint)
    }


def _foreign_keys(table: sa.Table) -> dict[str | None, Any]:
    return {
        c.name if isinstance(c.name, str) else None: c
        for c in table.constraints
        if isinstance(c, sa.ForeignKeyConstraint)
    }


def _frozen(tables: dict[str, TableDef]) -> Mapping[str, TableDef]:
    from types import MappingProxyType

    return MappingProxyType(tables)
