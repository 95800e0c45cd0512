"""The revision checksum ignores what a checkout on another OS changes, and nothing else."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dbshift.script.checksum import short, source_checksum

SOURCE = 'revision = "r1"\n\n\ndef upgrade() -> None:\n    op.create_table("t")\n'


def test_line_endings_trailing_whitespace_bom_and_final_blank_lines_do_not_count() -> None:
    same = [
        SOURCE.replace("\n", "\r\n"),
        SOURCE.replace("\n", "\r"),
        SOURCE.replace("\n", "  \t\n"),
        "\ufeff" + SOURCE,
        SOURCE + "\n\n\n",
        SOURCE.rstrip("\n"),
    ]
    assert {source_checksum(text) for text in same} == {source_checksum(SOURCE)}


def test_any_other_change_counts() -> None:
    changed = [
        SOURCE.replace('"t"', '"u"'),
        SOURCE.replace("    op", "  op"),  # leading whitespace is Python's syntax
        SOURCE + "# a comment\n",
        SOURCE.replace("\n\n\n", "\n\n"),
    ]
    assert len({source_checksum(text) for text in [SOURCE, *changed]}) == len(changed) + 1


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), max_size=8))
def test_normalizing_twice_changes_nothing(lines: list[str]) -> None:
    text = "\n".join(lines)
    crlf = "\r\n".join(line + " " for line in lines)
    assert source_checksum(text) == source_checksum(text + "\n")
    assert source_checksum(crlf) == source_checksum("\n".join(line + " " for line in lines))


def test_short_form() -> None:
    assert short(source_checksum(SOURCE)) == source_checksum(SOURCE).removeprefix("sha256:")[:12]
    assert short(None) == "-"
