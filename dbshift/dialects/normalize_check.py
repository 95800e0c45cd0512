"""CHECK conditions and generated-column expressions as text to compare, model against database.

Kept apart from :mod:`dbshift.dialects.normalize` (types, defaults, index conditions): each
backend rewrites a condition in its own way, listed in :func:`normalize_check`.
"""

from __future__ import annotations

import re

from dbshift.dialects.normalize import _CAST, _LITERAL, _NUMBER, MYSQL_LIKE, _squeeze

_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_ANY_ARRAY = re.compile(r"([\w.]+|\x00\d+\x00)\s*(=|<>)\s*(any|all)\s*\(\s*array\s*\[([^\[\]]*)\]\s*\)")
_BETWEEN = re.compile(r"(?<![\w\x00])([\w.]+|\x00\d+\x00) between ([\w.+-]+|\x00\d+\x00) and ([\w.+-]+|\x00\d+\x00)")
_NOT_BETWEEN = re.compile(
    r"(?<![\w\x00])([\w.]+|\x00\d+\x00) not between ([\w.+-]+|\x00\d+\x00) and ([\w.+-]+|\x00\d+\x00)"
)
_IN_ONE = re.compile(r"(?<![\w\x00])([\w.]+|\x00\d+\x00) (not )?in \(\s*([\w.+-]+|\x00\d+\x00)\s*\)")
_MYSQL_WORDS = {"lcase": "lower", "ucase": "upper", "octet_length": "length", "true": "1", "false": "0", "mod": "%"}
"""MariaDB reports ``lower()``, ``upper()``, ``length()``, ``true`` and ``%`` under these other names."""


def _without_grouping(text: str) -> str:
    """Drop parentheses that only group: backends add and remove them at will (PostgreSQL writes
    ``(a * 2) > (10 - a)`` for ``a * 2 > 10 - a``, and ``a AND b`` for ``(a) AND (b)``). Kept:
    a function call's and a list's (``IN (1, 2)``, a comma at their level); those around an
    ``AND`` after ``NOT``; those around an ``OR`` unless only ``OR`` (or nothing) is beside them;
    those around a sum next to a product or after a minus."""
    chars = list(text)
    stack: list[tuple[int, bool]] = []
    for position, ch in enumerate(chars):
        if ch == "(":
            before = text[:position]
            call = bool(re.search(r"\w$", before)) or bool(re.search(r"(?<!\w)in\s*$", before))
            stack.append((position, call))
        elif ch == ")" and stack:
            start, keep = stack.pop()
            inner = _outside_parentheses(text[start + 1 : position])
            if keep or "," in inner:
                continue
            before, after = text[:start].rstrip(), text[position + 1 :].lstrip()
            if re.search(r"\b(and|or)\b", inner) and re.search(r"(?<!\w)not$", before):
                continue
            if re.search(r"[\w)\]\x00]\s*[-+]", inner) and (re.search(r"[-*/%]$", before) or re.match(r"[*/%]", after)):
                continue  # (a + b) * 2, a - (b + c)
            if re.search(r"\bor\b", inner):
                alone_before = before == "" or before.endswith("(") or bool(re.search(r"(?<!\w)or$", before))
                alone_after = after == "" or after.startswith(")") or bool(re.match(r"or(?!\w)", after))
                if not (alone_before and alone_after):
                    continue
            chars[start] = chars[position] = " "
    return "".join(chars)


def _outside_parentheses(text: str) -> str:
    """``text`` without what sits inside its parentheses."""
    depth, out = 0, []
    for ch in text:
        depth += ch == "("
        if depth == 0:
            out.append(ch)
        depth -= ch == ")"
    return "".join(out)


def normalize_check(sql: str, dialect_name: str) -> str:
    """A CHECK condition or a generated column's expression as text to compare, model against
    database: case, spacing, identifier quotes, PostgreSQL's casts, and the parentheses that only
    group removed; the rewrites each backend makes brought back to one spelling (PostgreSQL's
    ``= ANY (ARRAY[..])`` for ``IN (..)``, ``~~`` for ``LIKE``, ``>= AND <=`` for ``BETWEEN``;
    MariaDB's ``lcase``/``ucase``/``octet_length`` and ``1`` for ``true``). Quoted literals are
    kept as written."""
    literals: list[str] = []

    def hide(match: re.Match[str]) -> str:
        literals.append(match.group(1))
        return f"\x00{len(literals) - 1}\x00"

    text = _LITERAL.sub(hide, sql.strip())
    text = _squeeze(text).lower()
    text = re.sub(r'["`]', "", text)
    text = re.sub(r"^check\s*\((.*)\)$", r"\1", text)
    if dialect_name == "postgresql":
        text = _CAST.sub("", text)
        # '-1'::integer: a number PostgreSQL quoted to cast it
        text = _PLACEHOLDER.sub(lambda m: _unquoted_number(literals, int(m.group(1))), text)
        text = re.sub(r"\btrim\(\s*both\s+from\s+", "trim(", text)
        text = re.sub(r"\s*!~~\*\s*", " not ilike ", text)
        text = re.sub(r"\s*~~\*\s*", " ilike ", text)
        text = re.sub(r"\s*!~~\s*", " not like ", text)
        text = re.sub(r"\s*~~\s*", " like ", text)
        text = _ANY_ARRAY.sub(lambda m: f"{m.group(1)} {'in' if m.group(2) == '=' else 'not in'} ({m.group(4)})", text)
    if dialect_name in MYSQL_LIKE:
        text = re.sub(r"\b(\w+)\b", lambda m: _MYSQL_WORDS.get(m.group(1), m.group(1)), text)
    text = text.replace("!=", "<>")
    text = _without_grouping(text)
    text = _squeeze(text).strip()
    text = _NOT_BETWEEN.sub(r"\1 < \2 or \1 > \3", text)
    text = _BETWEEN.sub(r"\1 >= \2 and \1 <= \3", text)
    text = _IN_ONE.sub(lambda m: f"{m.group(1)} {'<>' if m.group(2) else '='} {m.group(3)}", text)
    text = re.sub(r"\s*([^\w\s\x00])\s*", r"\1", text)
    return _PLACEHOLDER.sub(lambda m: literals[int(m.group(1))], text)


def _unquoted_number(literals: list[str], position: int) -> str:
    """A hidden literal back as a bare number if it is one (``'-1'``), else still hidden."""
    inner = literals[position][1:-1]
    return inner if _NUMBER.fullmatch(inner) else f"\x00{position}\x00"


def checks_equal(model_sql: str, db_sql: str, dialect_name: str) -> bool:
    return normalize_check(model_sql, dialect_name) == normalize_check(db_sql, dialect_name)
