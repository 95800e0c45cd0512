"""Read a revision file's identifiers without importing it.

Listing a history must not run user code, and must be fast for thousands of files. The file is
compiled (never executed) so a syntax error anywhere, even deep inside ``upgrade()``, is
reported before anything runs; the identifiers are then picked out of the top-level lines with
a regular expression and ``ast.literal_eval``. Only when that cheap reading cannot be sure
(a value spread oddly, a name assigned twice, tuple unpacking, text that may sit inside a
string) is the whole file parsed with :mod:`ast`.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from dbshift.errors import ScriptError
from dbshift.script.revision import normalize_ids

__all__ = ["RevisionHeader", "check_syntax", "read_source", "scan_file", "scan_source"]

FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")

_ASSIGN = re.compile(
    r"^(revision|down_revision|branch_labels|depends_on)[ \t]*(?::[^=\n]*)?=[ \t]*(.*)$",
    re.MULTILINE,
)
# A top-level line mentioning a field name: if it is not one of the assignments found,
# the field may be set in a way the regex does not see (tuple unpacking, an import...).
_MENTION = re.compile(r"^(?![ \t#]).*?\b(revision|down_revision|branch_labels|depends_on)\b", re.MULTILINE)
# An indented assignment to a field: harmless inside a function, wrong inside an ``if``;
# only the syntax tree can tell which.
_NESTED_ASSIGN = re.compile(
    r"^[ \t]+(?:revision|down_revision|branch_labels|depends_on)[ \t]*(?::[^=\n]*)?=(?!=)",
    re.MULTILINE,
)
_TRIPLE = re.compile(r"\"\"\"|'''")
_LEADING = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*")
_STRING_START = re.compile(r"[rRuU]?(\"\"\"|'''|\"|')")
_CREATE_DATE = re.compile(r"^[ \t]*Create Date:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_MAX_VALUE_LINES = 100
_SIMPLE_VALUE = re.compile(r"""(?:"([^"\\\n]*)"|'([^'\\\n]*)'|(None))[ \t]*(?:#[^\n]*)?\r?$""")


class _Undecided(Exception):
    """The cheap reading cannot be sure; parse the whole file."""


@dataclass(frozen=True)
class RevisionHeader:
    """What a revision file declares about itself."""

    revision: str
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    message: str
    create_date: str | None


def scan_file(path: Path) -> RevisionHeader:
    """Syntax-check the file and read its identifiers; ScriptError names the file."""
    return scan_source(read_source(path), str(path))


def read_source(path: Path) -> bytes:
    """The file's bytes, or a ScriptError naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ScriptError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def scan_source(data: bytes, display: str) -> RevisionHeader:
    """Like :func:`scan_file` for bytes already read; ``display`` names the file in errors."""
    check_syntax(data, display)
    try:
        text: str | None = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    values: dict[str, object] | None = None
    doc: str | None = None
    if text is not None:
        try:
            values, doc = _read_cheaply(text)
        except _Undecided:
            values = None
    if values is None:
        values, doc = _read_with_ast(data, display)
    return _validate(values, doc, display)


def check_syntax(data: bytes, display: str) -> None:
    """Compile without running: catches every syntax error, including ones ast.parse misses."""
    try:
        compile(data, display, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise ScriptError(f"{display}: syntax error at line {exc.lineno}: {_one_line(exc.msg)}") from None
    except ValueError as exc:  # e.g. null bytes
        raise ScriptError(f"{display}: not valid Python source: {_one_line(str(exc))}") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- the cheap reading --------------------------------------------------------------------


def _read_cheaply(text: str) -> tuple[dict[str, object], str | None]:
    """Regex over top-level lines; raises _Undecided rather than guess."""
    triples = [m.start() for m in _TRIPLE.finditer(text)]
    doubles = [p for p in triples if text[p] == '"']
    singles = [p for p in triples if text[p] == "'"]

    def outside_strings(pos: int) -> bool:
        # An even number of each kind of triple quote before pos: not inside a long string.
        before_double = bisect.bisect_left(doubles, pos)
        before_single = bisect.bisect_left(singles, pos)
        return before_double % 2 == 0 and before_single % 2 == 0

    values: dict[str, object] = {}
    assignment_lines: set[int] = set()
    for match in _ASSIGN.finditer(text):
        if not outside_strings(match.start()):
            raise _Undecided
        name = match.group(1)
        if name in values:
            raise _Undecided
        values[name] = _literal_at(text, match)
        assignment_lines.add(match.start())
    if "revision" not in values or _NESTED_ASSIGN.search(text):
        raise _Undecided
    for mention in _MENTION.finditer(text):
        if mention.start() not in assignment_lines and outside_strings(mention.start(1)):
            raise _Undecided
    return values, _docstring_cheaply(text)


def _literal_at(text: str, match: re.Match[str]) -> object:
    """Evaluate an assignment's value, taking more lines while brackets are still open."""
    value = match.group(2)
    simple = _SIMPLE_VALUE.match(value)
    if simple is not None:  # the usual "abc" or None, without paying for literal_eval
        if simple.group(3):
            return None
        return simple.group(1) if simple.group(1) is not None else simple.group(2)
    try:
        return ast.literal_eval(value)
    except ValueError:
        raise _Undecided from None
    except SyntaxError:
        pass
    rest = text[match.end() :].split("\n", _MAX_VALUE_LINES)[1:_MAX_VALUE_LINES]
    for line in rest:
        value += "\n" + line
        try:
            return ast.literal_eval(value)
        except ValueError:
            raise _Undecided from None
        except SyntaxError:
            continue
    raise _Undecided


def _docstring_cheaply(text: str) -> str | None:
    """The module docstring if the file obviously starts with one."""
    pos = _LEADING.match(text)
    start = pos.end() if pos else 0
    opener = _STRING_START.match(text, start)
    if opener is None:
        return None
    quote = opener.group(1)
    if len(quote) == 3:
        end = text.find(quote, opener.end())
        if end < 0 or text[end - 1] == "\\":
            raise _Undecided
        end += 3
    else:
        end = text.find("\n", opener.end())
        end = len(text) if end < 0 else end
    line_end = text.find("\n", end)
    tail = text[end : len(text) if line_end < 0 else line_end].strip()
    if tail and not tail.startswith("#"):
        raise _Undecided  # e.g. implicit concatenation or an expression
    literal = text[start:end]
    body = literal[opener.end() - start : -len(quote)]
    if len(quote) == 3 and "\\" not in body and "\r" not in body:
        return body  # no escapes: the text is the value
    try:
        doc = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        raise _Undecided from None
    if not isinstance(doc, str):
        raise _Undecided
    return doc


# -- the full reading ---------------------------------------------------------------------


def _read_with_ast(data: bytes, display: str) -> tuple[dict[str, object], str | None]:
    """Module-level assignments from the syntax tree; the last assignment wins, as at runtime."""
    tree = ast.parse(data, display)
    values: dict[str, object] = {}
    for stmt in tree.body:
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if isinstance(stmt, ast.Assign):
            pairs = [(target, stmt.value) for target in stmt.targets]
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            pairs = [(stmt.target, stmt.value)]
        for target, value in pairs:
            for name, node in _unpack(target, value):
                if name in FIELDS:
                    values[name] = _literal_node(node, name, display)
        if not pairs:
            _refuse_nested(stmt, display)
    return values, ast.get_docstring(tree, clean=False)


def _refuse_nested(stmt: ast.stmt, display: str) -> None:
    """A field set inside ``if``/``try``/... at module level depends on running the file."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            stored = isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store)
            if stored and isinstance(child, ast.Name) and child.id in FIELDS:
                raise ScriptError(
                    f"{display}: '{child.id}' is assigned inside a block at line "
                    f"{child.lineno}; assign it once at module level"
                )
            stack.append(child)


def _unpack(target: ast.expr, value: ast.expr) -> list[tuple[str, ast.expr | None]]:
    """Name targets, and tuple unpacking of a literal tuple (``a, b = "x", None``)."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, (ast.Tuple, ast.List)):
        elts = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
        if elts is not None and len(elts) != len(target.elts):
            elts = None
        found: list[tuple[str, ast.expr | None]] = []
        for i, sub in enumerate(target.elts):
            if isinstance(sub, ast.Name):
                found.append((sub.id, elts[i] if elts is not None else None))
        return found
    return []


def _literal_node(node: ast.expr | None, name: str, display: str) -> object:
    """A literal value or a ScriptError: the file is never run to find out."""
    try:
        if node is None:
            raise ValueError
        return ast.literal_eval(node)
    except ValueError:
        line = f" at line {node.lineno}" if node is not None else ""
        raise ScriptError(
            f"{display}: '{name}'{line} must be a literal (string, None or tuple of "
            "strings); revision files are read without being run"
        ) from None


# -- checking what was read ---------------------------------------------------------------


def _validate(values: dict[str, object], doc: str | None, display: str) -> RevisionHeader:
    """Turn raw values into a header, naming the file and field when something is off."""
    rev = values.get("revision")
    if "revision" not in values:
        raise ScriptError(f"{display}: no module-level 'revision = \"...\"' assignment; every revision file needs one")
    if not isinstance(rev, str) or not rev.strip():
        raise ScriptError(f"{display}: 'revision' must be a non-empty string, not {rev!r}")
    ids: dict[str, tuple[str, ...]] = {}
    for name in FIELDS[1:]:
        try:
            ids[name] = normalize_ids(values.get(name))
        except TypeError:
            raise ScriptError(
                f"{display}: '{name}' must be None, a string or a tuple of strings, not {values.get(name)!r}"
            ) from None
    message = ""
    create_date = None
    if doc:
        message = next((line.strip() for line in doc.splitlines() if line.strip()), "")
        found = _CREATE_DATE.search(doc)
        create_date = found.group(1) if found else None
    return RevisionHeader(
        revision=rev,
        down_revisions=ids["down_revision"],
        branch_labels=ids["branch_labels"],
        depends_on=ids["depends_on"],
        message=message,
        create_date=create_date,
    )
