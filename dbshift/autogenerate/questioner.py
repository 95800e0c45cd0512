"""Questions autogenerate asks the user (is this a rename?), kept out of the comparison.

The rename matching (:mod:`dbshift.autogenerate.renames`) finds candidate pairs and asks a
questioner about each; it never reads a terminal itself. Three questioners, as Django's
migration questioner is split (base, interactive, non-interactive):

* :class:`Questioner`, the base: answers nothing (``None``), so it never guesses; used where no
  one can answer (``check``, a library call without one);
* :class:`FlagQuestioner`: answers from ``--rename`` / ``--rename-table`` and nothing else; used
  when stdin is not a terminal;
* :class:`InteractiveQuestioner`: the flags first, then a ``[y/N]`` prompt on the terminal.

An answer is ``True`` (a rename), ``False`` (not one: drop + add) or ``None`` (no answer:
drop + add, and a warning naming the flag that would record the answer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import click

from dbshift.errors import AutogenerateError
from dbshift.schema.model import ColumnDef, TableDef, table_key


@dataclass(frozen=True)
class TableRename:
    """``--rename-table [SCHEMA.]OLD=[SCHEMA.]NEW``: a table of the database renamed in the models."""

    old: str
    new: str
    schema: str | None = None

    @property
    def flag(self) -> str:
        return f"--rename-table {table_key(self.old, self.schema)}={table_key(self.new, self.schema)}"


@dataclass(frozen=True)
class ColumnRename:
    """``--rename [SCHEMA.]TABLE.OLD=[SCHEMA.]TABLE.NEW``: a column renamed within one table."""

    table: str
    old: str
    new: str
    schema: str | None = None

    @property
    def flag(self) -> str:
        key = table_key(self.table, self.schema)
        return f"--rename {key}.{self.old}={key}.{self.new}"


@dataclass
class Questioner:
    """The base questioner: answers nothing, so nothing is ever guessed to be a rename.

    ``unanswered`` gathers the candidates left without an answer over every comparison made
    with this questioner (several databases with a multi-database env.py), for the warnings.
    """

    unanswered: list[TableRename | ColumnRename] = field(default_factory=list, init=False)

    def rename_table(self, old: TableDef, new: TableDef) -> bool | None:
        """Whether the database's table ``old`` became the models' ``new`` (same schema)."""
        return None

    def rename_column(self, table: TableDef, old: ColumnDef, new: ColumnDef) -> bool | None:
        """Whether column ``old`` of the database's ``table`` became the models' ``new``."""
        return None

    def left_unanswered(self, candidates: Iterable[TableRename | ColumnRename]) -> None:
        self.unanswered.extend(candidates)


@dataclass
class FlagQuestioner(Questioner):
    """Answers from the flags: yes for a pair a flag names, no for another pair that involves a
    table or column a flag names (the user said where it went), no answer otherwise."""

    tables: tuple[TableRename, ...] = ()
    columns: tuple[ColumnRename, ...] = ()
    used: set[TableRename | ColumnRename] = field(default_factory=set)
    """The flags that named a candidate; any other flag is an error (:meth:`unused`)."""

    @classmethod
    def from_flags(cls, renames: Iterable[str] = (), rename_tables: Iterable[str] = ()) -> FlagQuestioner:
        """Parse the flags' values; a malformed one is an :class:`AutogenerateError` naming it."""
        return cls(
            tables=tuple(dict.fromkeys(parse_table_rename(v) for v in rename_tables)),
            columns=tuple(dict.fromkeys(parse_column_rename(v) for v in renames)),
        )

    def rename_table(self, old: TableDef, new: TableDef) -> bool | None:
        wanted = TableRename(old.name, new.name, old.schema)
        if wanted in self.tables:
            self.used.add(wanted)
            return True
        for flag in self.tables:
            if flag.schema == old.schema and (flag.old == old.name or flag.new == new.name):
                return False
        return None

    def rename_column(self, table: TableDef, old: ColumnDef, new: ColumnDef) -> bool | None:
        wanted = ColumnRename(table.name, old.name, new.name, table.schema)
        if wanted in self.columns:
            self.used.add(wanted)
            return True
        for flag in self.columns:
            if (flag.table, flag.schema) == (table.name, table.schema) and (
                flag.old == old.name or flag.new == new.name
            ):
                return False
        return None

    def unused(self) -> list[TableRename | ColumnRename]:
        """The flags that named no candidate of any comparison made so far."""
        flags: list[TableRename | ColumnRename] = [*self.tables, *self.columns]
        return [flag for flag in flags if flag not in self.used]


def _confirm(question: str) -> bool:
    return bool(click.confirm(question, default=False))


@dataclass
class InteractiveQuestioner(FlagQuestioner):
    """The flags first; a pair they do not settle is asked on the terminal (default: no)."""

    confirm: Callable[[str], bool] = _confirm

    def rename_table(self, old: TableDef, new: TableDef) -> bool | None:
        answer = super().rename_table(old, new)
        if answer is not None:
            return answer
        return self.confirm(f"Did you rename table {old.key} to {table_key(new.name, new.schema)}?")

    def rename_column(self, table: TableDef, old: ColumnDef, new: ColumnDef) -> bool | None:
        answer = super().rename_column(table, old, new)
        if answer is not None:
            return answer
        return self.confirm(f"Did you rename column {table.key}.{old.name} to {table.key}.{new.name}?")


def _split(side: str, parts: int) -> tuple[str | None, tuple[str, ...]] | None:
    """``a.b`` as (schema, names): ``parts`` names, or one more (a schema in front); else None."""
    names = tuple(side.strip().split("."))
    if len(names) not in (parts, parts + 1) or not all(names):
        return None
    return (names[0], names[1:]) if len(names) == parts + 1 else (None, names)


def parse_table_rename(value: str) -> TableRename:
    """``OLD=NEW`` or ``SCHEMA.OLD=SCHEMA.NEW`` (the same schema on both sides)."""
    old, sep, new = value.partition("=")
    before, after = _split(old, 1), _split(new, 1)
    if not sep or before is None or after is None:
        raise AutogenerateError(f"--rename-table {value!r}: expected OLD=NEW (or SCHEMA.OLD=SCHEMA.NEW)")
    if before[0] != after[0]:
        raise AutogenerateError(f"--rename-table {value!r}: both sides must name the same schema")
    if before[1] == after[1]:
        raise AutogenerateError(f"--rename-table {value!r}: the old and new names are the same")
    return TableRename(before[1][0], after[1][0], before[0])


def parse_column_rename(value: str) -> ColumnRename:
    """``TABLE.OLD=TABLE.NEW`` or ``SCHEMA.TABLE.OLD=SCHEMA.TABLE.NEW`` (one table on both sides)."""
    old, sep, new = value.partition("=")
    before, after = _split(old, 2), _split(new, 2)
    if not sep or before is None or after is None:
        raise AutogenerateError(
            f"--rename {value!r}: expected TABLE.OLD=TABLE.NEW (or SCHEMA.TABLE.OLD=SCHEMA.TABLE.NEW)"
        )
    (schema, (table, old_name)), (other_schema, (other_table, new_name)) = before, after
    if (schema, table) != (other_schema, other_table):
        raise AutogenerateError(f"--rename {value!r}: both sides must name the same table")
    if old_name == new_name:
        raise AutogenerateError(f"--rename {value!r}: the old and new names are the same")
    return ColumnRename(table, old_name, new_name, schema)
