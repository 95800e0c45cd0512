"""Rename matching without a database: candidates, compatible types, answers, determinism.

:func:`match_renames` is pure: two schema models and a questioner in, the confirmed renames, the
database's schema with them applied and the unanswered candidates out. The questioners are
checked on their own: flags answer, the interactive one asks with the exact wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect

from dbshift.autogenerate.compare import compare_schemas, reverse_ops
from dbshift.autogenerate.questioner import (
    ColumnRename,
    FlagQuestioner,
    InteractiveQuestioner,
    Questioner,
    TableRename,
    parse_column_rename,
    parse_table_rename,
)
from dbshift.autogenerate.renames import compatible, match_renames
from dbshift.errors import AutogenerateError
from dbshift.operations.column import AddColumnOp, AlterColumnOp, DropColumnOp
from dbshift.operations.table import CreateTableOp, DropTableOp, RenameTableOp
from dbshift.schema.model import ColumnDef, PrimaryKeyDef, SchemaDef, TableDef

PG: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]


@dataclass
class Scripted(Questioner):
    """Answers from a script and records every question, in order."""

    answers: dict[str, bool | None] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def rename_table(self, old: TableDef, new: TableDef) -> bool | None:
        question = f"table {old.key}->{new.key}"
        self.asked.append(question)
        return self.answers.get(question)

    def rename_column(self, table: TableDef, old: ColumnDef, new: ColumnDef) -> bool | None:
        question = f"column {table.key}.{old.name}->{new.name}"
        self.asked.append(question)
        return self.answers.get(question)


def table(name: str, *columns: ColumnDef, schema: str | None = None) -> TableDef:
    return TableDef(
        name, (ColumnDef("id", sa.Integer(), nullable=False), *columns), schema, primary_key=PrimaryKeyDef(("id",))
    )


def packages(*columns: ColumnDef) -> SchemaDef:
    return SchemaDef.of([table("packages", *columns)])


def test_a_column_dropped_and_one_added_of_the_same_kind_is_asked_and_renamed() -> None:
    current = packages(ColumnDef("name", sa.String(50)))
    target = packages(ColumnDef("title", sa.String(200), nullable=False))
    questioner = Scripted({"column packages.name->title": True})

    match = match_renames(target, current, questioner, PG)

    assert questioner.asked == ["column packages.name->title"]
    (rename,) = match.ops
    assert isinstance(rename, AlterColumnOp)
    assert (rename.column_name, rename.new_column_name, rename.changes()) == ("name", "title", ["name"])
    assert repr(rename.existing_type) == "String(length=50)" and rename.existing_nullable is True
    assert match.unanswered == ()
    renamed = match.current.get("packages")
    assert renamed is not None and renamed.column_names == ("id", "title")
    # The ordinary comparison then sees the renamed column's other changes, and nothing else.
    (further,) = compare_schemas(target, match.current, PG)
    assert isinstance(further, AlterColumnOp)
    assert (further.column_name, further.new_column_name, further.nullable) == ("title", None, False)
    assert repr(further.type) == "String(length=200)"


def test_the_downgrade_of_a_rename_and_a_change_renames_back_last() -> None:
    current = packages(ColumnDef("name", sa.String(50)))
    target = packages(ColumnDef("title", sa.String(200)))
    match = match_renames(target, current, Scripted({"column packages.name->title": True}), PG)
    upgrade = [*match.ops, *compare_schemas(target, match.current, PG)]

    change_back, rename_back = reverse_ops(upgrade)

    assert isinstance(change_back, AlterColumnOp) and isinstance(rename_back, AlterColumnOp)
    assert change_back.column_name == "title" and repr(change_back.type) == "String(length=50)"
    assert (rename_back.column_name, rename_back.new_column_name, rename_back.type) == ("title", "name", None)
    after = current
    for op in upgrade:
        after = op.apply(after)
    for op in reverse_ops(upgrade):
        after = op.apply(after)
    assert after == current


@pytest.mark.parametrize(
    ("old", "new", "dialect", "expected"),
    [
        (sa.String(50), sa.String(200), PG, True),
        (sa.VARCHAR(20), sa.Text(), PG, True),
        (sa.Integer(), sa.BigInteger(), PG, True),
        (mysql.TINYINT(display_width=1), sa.Boolean(), mysql.dialect(), True),
        (sa.DATETIME(), sa.DateTime(timezone=True), sqlite.dialect(), True),
        (sa.Integer(), sa.String(20), PG, False),
        (sa.Date(), sa.DateTime(), PG, False),
        (sa.Numeric(10, 2), sa.Boolean(), PG, False),
    ],
)
def test_compatible_types_are_equal_or_of_one_affinity(
    old: sa.types.TypeEngine[object], new: sa.types.TypeEngine[object], dialect: Dialect, expected: bool
) -> None:
    assert compatible(new, old, dialect) is expected


def test_columns_of_incompatible_types_are_not_asked() -> None:
    current = packages(ColumnDef("downloads", sa.Integer()))
    target = packages(ColumnDef("title", sa.String(20)))
    questioner = Scripted()

    match = match_renames(target, current, questioner, PG)

    assert questioner.asked == [] and match.ops == () and match.unanswered == ()
    assert match.current == current


def test_no_answer_leaves_the_candidate_unanswered_and_no_leaves_nothing() -> None:
    current = packages(ColumnDef("name", sa.String(50)))
    target = packages(ColumnDef("title", sa.String(50)))

    silent = match_renames(target, current, Questioner(), PG)
    declined = match_renames(target, current, Scripted({"column packages.name->title": False}), PG)

    assert silent.ops == () and silent.unanswered == (ColumnRename("packages", "name", "title"),)
    assert declined.ops == () and declined.unanswered == ()
    ops = compare_schemas(target, silent.current, PG)
    assert [type(op) for op in ops] == [AddColumnOp, DropColumnOp]


def test_pairs_are_asked_once_in_a_fixed_order_and_a_paired_column_is_not_offered_again() -> None:
    current = packages(ColumnDef("a", sa.String(10)), ColumnDef("b", sa.String(10)))
    target = packages(ColumnDef("x", sa.String(10)), ColumnDef("y", sa.String(10)))
    answers: dict[str, bool | None] = {"column packages.a->y": True}

    first = Scripted(dict(answers))
    match = match_renames(target, current, first, PG)
    again = Scripted(dict(answers))
    match_renames(target, current, again, PG)

    # a: x (no answer), y (yes: paired); b: x only, y is taken.
    assert first.asked == ["column packages.a->x", "column packages.a->y", "column packages.b->x"]
    assert again.asked == first.asked
    assert [(op.column_name, op.new_column_name) for op in match.ops if isinstance(op, AlterColumnOp)] == [("a", "y")]
    # a->x is settled by a->y; only b->x is still open.
    assert match.unanswered == (ColumnRename("packages", "b", "x"),)


def test_a_table_with_the_same_columns_is_a_table_candidate() -> None:
    current = SchemaDef.of([table("old_items", ColumnDef("label", sa.String(30)))])
    target = SchemaDef.of([table("items", ColumnDef("label", sa.String(60)))])
    questioner = Scripted({"table old_items->items": True})

    match = match_renames(target, current, questioner, PG)

    assert questioner.asked == ["table old_items->items"]
    assert match.ops == (RenameTableOp("old_items", "items"),)
    assert set(match.current.tables) == {"items"}
    (widen,) = compare_schemas(target, match.current, PG)
    assert isinstance(widen, AlterColumnOp) and widen.table_name == "items"
    assert reverse_ops(match.ops) == [RenameTableOp("items", "old_items")]


@pytest.mark.parametrize(
    "new",
    [
        table("items", ColumnDef("label", sa.String(30)), ColumnDef("extra", sa.String(30))),  # other columns
        table("items", ColumnDef("label", sa.Integer())),  # an incompatible type
        table("items", ColumnDef("label", sa.String(30)), schema="other"),  # another schema
    ],
)
def test_tables_that_differ_in_columns_types_or_schema_are_not_asked(new: TableDef) -> None:
    current = SchemaDef.of([table("old_items", ColumnDef("label", sa.String(30)))])
    questioner = Scripted()

    match = match_renames(SchemaDef.of([new]), current, questioner, PG)

    assert questioner.asked == [] and match.ops == () and match.unanswered == ()


def test_an_excluded_table_is_never_a_candidate() -> None:
    current = SchemaDef.of([table("legacy_items")])
    target = SchemaDef.of([table("items")])
    questioner = Scripted()

    match_renames(target, current, questioner, PG, exclude=["legacy_*"])

    assert questioner.asked == []


def test_unanswered_tables_stay_drop_and_create() -> None:
    current = SchemaDef.of([table("old_items")])
    target = SchemaDef.of([table("items")])

    match = match_renames(target, current, Questioner(), PG)

    assert match.unanswered == (TableRename("old_items", "items"),)
    assert [type(op) for op in compare_schemas(target, match.current, PG)] == [DropTableOp, CreateTableOp]


def test_flags_answer_yes_for_their_pair_and_no_for_the_names_they_settle() -> None:
    current = packages(ColumnDef("name", sa.String(50)), ColumnDef("notes", sa.String(50)))
    target = packages(ColumnDef("summary", sa.String(50)), ColumnDef("title", sa.String(50)))
    flags = FlagQuestioner.from_flags(["packages.name=packages.title"])

    match = match_renames(target, current, flags, PG)

    # name->summary: no (name went to title); name->title: yes; notes->summary: no answer.
    assert [(op.column_name, op.new_column_name) for op in match.ops if isinstance(op, AlterColumnOp)] == [
        ("name", "title")
    ]
    assert match.unanswered == (ColumnRename("packages", "notes", "summary"),)
    assert flags.unused() == []


def test_a_flag_that_names_no_candidate_is_reported_unused() -> None:
    current = packages(ColumnDef("name", sa.String(50)))
    target = packages(ColumnDef("title", sa.String(50)))
    flags = FlagQuestioner.from_flags(["packages.nam=packages.title"], ["old=new"])

    match_renames(target, current, flags, PG)

    assert flags.unused() == [TableRename("old", "new"), ColumnRename("packages", "nam", "title")]
    assert [flag.flag for flag in flags.unused()] == [
        "--rename-table old=new",
        "--rename packages.nam=packages.title",
    ]


def test_the_interactive_questioner_asks_with_the_documented_words_after_the_flags() -> None:
    prompts: list[str] = []

    def confirm(question: str) -> bool:
        prompts.append(question)
        return True

    current = SchemaDef.of([table("packages", ColumnDef("name", sa.String(50))), table("old_name")])
    target = SchemaDef.of([table("packages", ColumnDef("title", sa.String(50))), table("new_name")])
    questioner = InteractiveQuestioner(confirm=confirm)

    match = match_renames(target, current, questioner, PG)

    assert prompts == [
        "Did you rename table old_name to new_name?",
        "Did you rename column packages.name to packages.title?",
    ]
    assert len(match.ops) == 2 and match.unanswered == ()
    flagged = InteractiveQuestioner(tables=(TableRename("old_name", "new_name"),), confirm=confirm)
    prompts.clear()
    match_renames(target, current, flagged, PG)
    assert prompts == ["Did you rename column packages.name to packages.title?"]


def test_schema_qualified_flags() -> None:
    assert parse_column_rename("app.packages.name=app.packages.title") == ColumnRename(
        "packages", "name", "title", "app"
    )
    assert parse_table_rename("app.old=app.new") == TableRename("old", "new", "app")
    assert ColumnRename("packages", "name", "title", "app").flag == "--rename app.packages.name=app.packages.title"
    assert TableRename("old", "new", "app").flag == "--rename-table app.old=app.new"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("packages.name", "--rename 'packages.name': expected TABLE.OLD=TABLE.NEW"),
        ("name=title", "--rename 'name=title': expected TABLE.OLD=TABLE.NEW"),
        ("packages.name=items.title", "--rename 'packages.name=items.title': both sides must name the same table"),
        ("packages.name=packages.name", "--rename 'packages.name=packages.name': the old and new names are the same"),
        ("a.b.c.d=a.b.c.e", "--rename 'a.b.c.d=a.b.c.e': expected TABLE.OLD=TABLE.NEW"),
    ],
)
def test_malformed_column_flags_are_refused(value: str, message: str) -> None:
    with pytest.raises(AutogenerateError, match=r"^" + message.replace(".", r"\.").replace("(", r"\(")):
        parse_column_rename(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("old", "expected OLD=NEW"),
        ("old=", "expected OLD=NEW"),
        ("a.old=b.new", "both sides must name the same schema"),
        ("old=old", "the old and new names are the same"),
    ],
)
def test_malformed_table_flags_are_refused(value: str, message: str) -> None:
    with pytest.raises(AutogenerateError, match=f"^--rename-table '{value}': {message}"):
        parse_table_rename(value)


def test_schema_qualified_candidates_are_answered_by_schema_qualified_flags() -> None:
    current = SchemaDef.of(
        [table("packages", ColumnDef("name", sa.String(50)), schema="app"), table("old_items", schema="app")]
    )
    target = SchemaDef.of(
        [table("packages", ColumnDef("title", sa.String(50)), schema="app"), table("items", schema="app")]
    )
    unqualified = FlagQuestioner.from_flags(["packages.name=packages.title"], ["old_items=items"])
    qualified = FlagQuestioner.from_flags(["app.packages.name=app.packages.title"], ["app.old_items=app.items"])

    missed = match_renames(target, current, unqualified, PG)
    match = match_renames(target, current, qualified, PG)

    assert missed.ops == () and len(unqualified.unused()) == 2
    assert [flag.flag for flag in missed.unanswered] == [
        "--rename-table app.old_items=app.items",
        "--rename app.packages.name=app.packages.title",
    ]
    assert match.ops[0] == RenameTableOp("old_items", "items", "app")
    assert isinstance(match.ops[1], AlterColumnOp) and match.ops[1].schema == "app"
    assert qualified.unused() == [] and match.unanswered == ()
