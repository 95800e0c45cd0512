"""Lay out rendered statements as ``ruff format`` (and Black) would, without needing either.

Renderers return statements as plain source, often on one long line; :func:`layout_body`
re-flows them so a written revision file passes ``ruff format --check`` with default settings:

* a statement that fits in :data:`WIDTH` columns (its trailing comment included) stays on one
  line, unless a bracket holds a *magic trailing comma* (``f(a, b,)``), which keeps it exploded;
* otherwise a bracket pair is split: the first (left to right) whose line up to the next
  bracket that could break does not fit, else the last one; what precedes it and the opening
  bracket, then the contents indented by 4, then the closing bracket and what follows
  (``) as batch_op:``, ``).with_variant(...)``, a trailing comment), laid out the same way;
* inside brackets, a call chain with two or more ``.name(...)`` after a call
  (``sa.String(20).with_variant(...).with_variant(...)``) breaks before each of those dots;
* the contents of a call go on one line of their own if they fit there; otherwise one argument
  per line with a trailing comma, each laid out by the same rules; a single argument that does
  not fit is laid out alone, without a comma; the items of a list, tuple, set or dict literal
  are always one per line once the literal is split;
* text without brackets that cannot be wrapped (a long string literal) stays as it is.

String literals get double quotes unless that needs more escapes than the single ones. Lines
holding a comment inside brackets are left as they were written. Anything ``tokenize`` cannot
read is returned unchanged (the writer then reports the invalid source).
"""

from __future__ import annotations

import io
import itertools
import tokenize
from dataclasses import dataclass, field

__all__ = ["INDENT", "WIDTH", "layout_body", "layout_statement", "normalize_string"]

WIDTH = 88
"""ruff's and Black's default line length."""
INDENT = "    "

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = set(_OPEN.values())
_SKIPPED = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


@dataclass
class _Group:
    """A bracket pair and the comma-separated items inside it."""

    opening: str
    items: list[list[_Part]] = field(default_factory=list)
    magic: bool = False
    """The source put a comma after the last item: keep the items one per line."""
    call: bool = False
    """Brackets of a call or subscript (after a name or a closing bracket), not a literal."""

    @property
    def closing(self) -> str:
        return _OPEN[self.opening]

    @property
    def one_tuple(self) -> bool:
        """``(x,)``: its comma is what makes it a tuple, so it stays and is not magic."""
        return self.opening == "(" and not self.call and len(self.items) == 1 and self.magic


_Part = str | _Group


def _flat(parts: list[_Part]) -> str:
    return "".join(part if isinstance(part, str) else _flat_group(part) for part in parts)


def _flat_group(group: _Group) -> str:
    inner = ", ".join(_flat(item) for item in group.items)
    return group.opening + inner + ("," if group.one_tuple else "") + group.closing


def _has_magic(parts: list[_Part]) -> bool:
    return any(
        isinstance(part, _Group)
        and ((part.magic and not part.one_tuple) or any(_has_magic(item) for item in part.items))
        for part in parts
    )


def _lines(parts: list[_Part], indent: int, suffix: str = "", comment: str = "", *, nested: bool = False) -> list[str]:
    """``parts`` laid out at ``indent`` columns, ``suffix`` (a comma) and ``comment`` at the end;
    ``nested``: inside brackets (where a call chain may break before its dots)."""
    pad = " " * indent
    text = _flat(parts)
    if not _has_magic(parts) and indent + len(text) + len(suffix) + len(comment) <= WIDTH:
        return [pad + text + suffix + comment]
    links = _chain_links(parts) if nested else None
    if links is not None:  # ruff's "fluent" layout: one ``.name(...)`` per line
        first, *after = links
        out = _lines(first, indent, nested=True)
        for number, link in enumerate(after):
            last = number == len(after) - 1
            out += _lines(link, indent, suffix if last else "", comment if last else "", nested=True)
        return out
    split = _split_group(parts, indent)
    if split is None:
        return [pad + text + suffix + comment]
    group = parts[split]
    assert isinstance(group, _Group)
    head = pad + _flat(parts[:split]) + group.opening
    inner = indent + len(INDENT)
    body = ", ".join(_flat(item) for item in group.items)
    exploded = group.magic or (not group.call and len(group.items) > 1)
    if not exploded and not any(_has_magic(item) for item in group.items) and inner + len(body) <= WIDTH:
        middle = [" " * inner + body]
    elif len(group.items) == 1 and not group.magic:
        middle = _lines(group.items[0], inner, nested=True)
    else:
        middle = [line for item in group.items for line in _lines(item, inner, ",", nested=True)]
    rest = parts[split + 1 :]
    if rest and isinstance(rest[0], str):
        tail_parts: list[_Part] = [group.closing + rest[0], *rest[1:]]
    else:
        tail_parts = [group.closing, *rest]
    return [head, *middle, *_lines(tail_parts, indent, suffix, comment)]


def _split_group(parts: list[_Part], indent: int) -> int | None:
    """Which bracket pair breaks: the first (left to right) that cannot stay flat, i.e. whose
    line up to the next breakable opening bracket does not fit, or that holds a magic comma;
    the last one if all before it can. Empty brackets never break. None: nothing can break."""
    candidates = [i for i, part in enumerate(parts) if isinstance(part, _Group) and part.items]
    for number, position in enumerate(candidates[:-1]):
        group = parts[position]
        assert isinstance(group, _Group)
        following = candidates[number + 1]
        opening = parts[following]
        assert isinstance(opening, _Group)
        reach = indent + len(_flat(parts[:following])) + len(opening.opening)
        if _has_magic([group]) or reach > WIDTH:
            return position
    return candidates[-1] if candidates else None


def _chain_links(parts: list[_Part]) -> list[list[_Part]] | None:
    """A call chain with two or more ``.name(...)`` after a call (``sa.String(20).with_variant(
    ...).with_variant(...)``) cut before each such dot, as ruff breaks it; else None."""
    cuts = [
        i
        for i, (before, part) in enumerate(itertools.pairwise(parts), start=1)
        if isinstance(part, str) and part.startswith(".") and isinstance(before, _Group)
    ]
    if len(cuts) < 2:
        return None
    bounds = [0, *cuts, len(parts)]
    return [parts[a:b] for a, b in itertools.pairwise(bounds)]


def normalize_string(literal: str) -> str:
    """A string literal with ruff's preferred quotes: double unless they need more escapes."""
    prefix_len = len(literal) - len(literal.lstrip("rRbBuUfF"))
    prefix, rest = literal[:prefix_len], literal[prefix_len:]
    if rest.startswith(("'''", '"""')) or not rest.startswith("'") or "f" in prefix.lower():
        return literal
    body = rest[1:-1]
    if "r" in prefix.lower():
        return literal if '"' in body or "'" in body else f'{prefix}"{body}"'
    chars: list[str] = []
    singles = doubles = 0
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            pair = body[i : i + 2]
            if pair == "\\'":
                singles += 1
                chars.append("'")
            else:
                chars.append(pair)
            i += 2
            continue
        if char == '"':
            doubles += 1
            chars.append('\\"')
        else:
            chars.append(char)
        i += 1
    if doubles > singles:
        return literal
    return prefix + '"' + "".join(chars) + '"'


class _Parser:
    """Parts of one logical line from its tokens."""

    def __init__(self, tokens: list[tokenize.TokenInfo]) -> None:
        self.tokens = tokens
        self.position = 0

    def parse(self) -> list[_Part]:
        items, _ = self._items(inside=False)
        return [part for item in items for part in item]

    def _items(self, *, inside: bool) -> tuple[list[list[_Part]], bool]:
        """The comma-separated items up to the closing bracket (or the end of the line), and
        whether a comma follows the last one."""
        items: list[list[_Part]] = [[]]
        previous: tokenize.TokenInfo | None = None
        trailing_comma = False
        while self.position < len(self.tokens):
            token = self.tokens[self.position]
            self.position += 1
            is_op = token.type == tokenize.OP
            if inside and is_op and token.string in _CLOSE:
                break
            if inside and is_op and token.string == ",":
                items.append([])
                previous, trailing_comma = None, True
                continue
            trailing_comma = False
            current = items[-1]
            spacing = _spacing(previous, token) if current else ""
            if is_op and token.string in _OPEN:
                group = _Group(token.string, call=previous is not None and _ends_callable(previous))
                group.items, group.magic = self._items(inside=True)
                if spacing:
                    _append(current, spacing)
                current.append(group)
                previous = self.tokens[self.position - 1]
                continue
            text = normalize_string(token.string) if token.type == tokenize.STRING else token.string
            _append(current, spacing + text)
            previous = token
        if not items[-1]:
            items.pop()
        return items, trailing_comma and bool(items)


def _append(parts: list[_Part], text: str) -> None:
    if parts and isinstance(parts[-1], str):
        parts[-1] += text
    else:
        parts.append(text)


def _ends_callable(token: tokenize.TokenInfo) -> bool:
    """A bracket after this token is a call or subscript (``f(``, ``x[``, ``f()(``)."""
    if token.type == tokenize.NAME:
        return token.string not in {"in", "not", "and", "or", "is", "return", "else", "if", "lambda", "with", "as"}
    return token.string in _CLOSE or token.type == tokenize.STRING


def _spacing(previous: tokenize.TokenInfo | None, token: tokenize.TokenInfo) -> str:
    if previous is None:
        return ""
    if previous.end[0] != token.start[0]:
        return " "
    return " " if token.start[1] > previous.end[1] else ""


@dataclass
class _Line:
    """One logical line of the body: its tokens, trailing comment and where it starts."""

    tokens: list[tokenize.TokenInfo]
    comment: str
    first_row: int
    last_row: int
    depth: int
    verbatim: bool
    """A comment inside brackets: the line is kept as written."""


def layout_statement(source: str, indent: int = 4) -> str:
    """One statement (with an optional trailing comment) laid out as if at ``indent`` columns;
    returned without that indent."""
    return layout_body(source, indent)


def layout_body(source: str, indent: int = 4) -> str:
    """Every statement of ``source`` (unindented Python) laid out for a body at ``indent``.

    The result is unindented too: the revision writer indents it (4 spaces in a function).
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source.strip("\n") + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    source_lines = (source.strip("\n") + "\n").splitlines()
    out: list[str] = []
    depth = 0
    pending: list[tokenize.TokenInfo] = []
    comment = ""
    verbatim = False
    first_row = 0
    for token in tokens:
        if token.type == tokenize.INDENT:
            depth += 1
            continue
        if token.type == tokenize.DEDENT:
            depth -= 1
            continue
        if token.type == tokenize.COMMENT:
            if not pending:  # a comment on its own line
                out.append(" " * token.start[1] + token.string)
            elif comment:
                verbatim = True
            else:
                comment = token.string
            continue
        if token.type in (tokenize.NL, tokenize.ENDMARKER):
            continue
        if token.type == tokenize.NEWLINE:
            if pending:
                line = _Line(pending, comment, first_row, token.start[0], depth, verbatim)
                out.extend(_laid_out(line, source_lines, indent))
            pending, comment, verbatim = [], "", False
            continue
        if comment:  # a comment followed by more of the same logical line: inside brackets
            verbatim = True
        if not pending:
            first_row = token.start[0]
        pending.append(token)
    return "\n".join(out) if out else source


def _laid_out(line: _Line, source_lines: list[str], indent: int) -> list[str]:
    pad = len(INDENT) * line.depth
    if line.verbatim:
        return source_lines[line.first_row - 1 : line.last_row]
    parts = _Parser(line.tokens).parse()
    comment = f"  {line.comment}" if line.comment else ""
    laid = _lines(parts, indent + pad, comment=comment)
    return [text[indent:] for text in laid]
