"""Decide whether a model's column matches what the database reflects, without false positives.

Databases report types and defaults in their own spelling (``character varying``,
``TINYINT(1)``, ``'abc'::character varying``, ``(now())``). Both sides are compiled by the same
dialect and brought to one spelling here, kept apart from DDL generation.

Each rule below exists because a database reports a model's type or default back differently:

=================  ==================================  ==========================================
backend            the model compiles to                what the database reports
=================  ==================================  ==========================================
PostgreSQL         ``FLOAT``, ``FLOAT(53)``            ``DOUBLE PRECISION``
PostgreSQL         ``FLOAT(24)``                       ``REAL``
PostgreSQL, MySQL  ``NUMERIC(5)``                      ``NUMERIC(5, 0)``
PostgreSQL, MySQL  ``CHAR``                            ``CHAR(1)``
MySQL              ``NUMERIC``                         ``DECIMAL(10, 0)``
MySQL              ``BOOL``                            ``TINYINT(1)``
MySQL              ``INTEGER``                         ``INTEGER(11)`` (a display width)
MySQL              ``REAL``, ``FLOAT(53)``             ``DOUBLE``
MariaDB            ``JSON``                            ``LONGTEXT`` (and a json_valid() CHECK)
MySQL              ``VARCHAR(10)``                     ``VARCHAR(10) CHARACTER SET .. COLLATE ..``
PostgreSQL         ``'abc'``                           ``'abc'::character varying``
PostgreSQL         ``-7``                              ``'-7'::integer``
PostgreSQL         ``timezone('utc', now())``          ``timezone('utc'::text, now())``
MySQL              ``now()``, ``CURRENT_TIMESTAMP``    ``current_timestamp()``
MySQL              ``CURRENT_DATE``                    ``curdate()``
MySQL              ``true``                            ``1``
all                ``'1.5'`` on ``NUMERIC(10, 2)``     ``1.50``
=================  ==================================  ==========================================

("MySQL" includes MariaDB.) ENUM values keep their case: ``ENUM('a')`` and ``ENUM('A')`` differ.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType, TypeEngine

MYSQL_LIKE = ("mysql", "mariadb")

_SYNONYMS: dict[str, str] = {
    "INT": "INTEGER",
    "INT4": "INTEGER",
    "INT8": "BIGINT",
    "INT2": "SMALLINT",
    "SERIAL": "INTEGER",
    "BIGSERIAL": "BIGINT",
    "SMALLSERIAL": "SMALLINT",
    "BOOL": "BOOLEAN",
    "CHARACTER VARYING": "VARCHAR",
    "CHARACTER": "CHAR",
    "DECIMAL": "NUMERIC",
    "DOUBLE": "DOUBLE PRECISION",
    "DOUBLE PRECISION": "DOUBLE PRECISION",
    "FLOAT8": "DOUBLE PRECISION",
    "FLOAT4": "REAL",
    "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
    "TIMETZ": "TIME WITH TIME ZONE",
}

_LITERAL = re.compile(r"('(?:[^']|'')*')")
_MYSQL_INT = re.compile(r"^(TINYINT|SMALLINT|MEDIUMINT|INTEGER|BIGINT)\(\d+\)")
_TYPE = re.compile(
    r"^(?P<base>[A-Z_][A-Z0-9_]*(?: [A-Z_][A-Z0-9_]*)*)\s*(?:\((?P<args>[^()]*)\))?(?P<rest>(?:\s|\[).*)?$"
)
_CAST = re.compile(
    r"::(?:\"[^\"]+\"|[a-z_][\w$]*(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))?)"
    r"(?:\s*\(\d+(?:\s*,\s*\d+)?\))?(?:\[\])*",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _outside_literals(text: str, transform: Callable[[str], str]) -> str:
    """Apply ``transform`` to the parts of ``text`` that are not single-quoted SQL literals."""
    parts = _LITERAL.split(text)
    return "".join(part if i % 2 else transform(part) for i, part in enumerate(parts))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def type_sql(type_: TypeEngine[Any], dialect: Dialect) -> str | None:
    """The DDL spelling of ``type_`` on ``dialect`` (variants resolved), or None if it has none."""
    try:
        return str(dialect.type_compiler_instance.process(type_))
    except Exception:  # noqa: BLE001 - a type this dialect cannot compile: compared by affinity instead
        return None


def _float_by_precision(args: str, dialect_name: str) -> str:
    """``FLOAT(p)``: single precision up to 24 binary digits, double above (PostgreSQL, MySQL)."""
    try:
        precision = int(args)
    except ValueError:
        return f"FLOAT({args})"
    if precision <= 24:
        return "FLOAT" if dialect_name in MYSQL_LIKE else "REAL"
    return "DOUBLE PRECISION"


def _synonym(base: str) -> str:
    """The usual name of a type, keeping trailing modifiers (``DOUBLE UNSIGNED``)."""
    words = base.split()
    for count in range(len(words), 0, -1):
        head = " ".join(words[:count])
        if head in _SYNONYMS:
            return " ".join([_SYNONYMS[head], *words[count:]])
    return " ".join(words)


@functools.lru_cache(maxsize=4096)
def normalize_type_sql(sql: str, dialect_name: str) -> str:
    """One spelling for a compiled or reflected type: upper case (except quoted values),
    no collation or character set, synonyms resolved, the database's implicit defaults filled in.
    Cached: it runs twice for every compared column, over a few distinct spellings."""
    text = _outside_literals(sql.strip(), lambda s: _squeeze(s).upper())
    text = _outside_literals(text, lambda s: re.sub(r"\s*,\s*", ", ", s))
    text = _outside_literals(text, lambda s: re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", s)))
    text = re.sub(r"\s+COLLATE\s+\"?[\w.]+\"?", "", text)
    text = re.sub(r"\s+CHARACTER SET\s+\w+", "", text)
    text = re.sub(r"\s+WITHOUT TIME ZONE\b", "", text)
    if dialect_name == "postgresql":
        # PostgreSQL enforces no array dimensions or sizes: INTEGER[][] and INTEGER[3] are INTEGER[].
        text = re.sub(r"(?:\[\d*\])+$", "[]", text)
    mysql = dialect_name in MYSQL_LIKE
    if mysql:
        if text in ("BOOL", "BOOLEAN", "TINYINT(1)"):
            return "BOOLEAN"
        text = _MYSQL_INT.sub(r"\1", text)
        if text == "JSON":
            text = "LONGTEXT"  # MariaDB's JSON is an alias of LONGTEXT with a json_valid() CHECK
        if text == "REAL":
            text = "DOUBLE"  # unless sql_mode has REAL_AS_FLOAT
        if text == "YEAR(4)":
            text = "YEAR"
    match = _TYPE.match(text)
    if match is None:
        return text
    base = _synonym(match["base"])
    args = match["args"]
    rest = (match["rest"] or "").strip()
    if base == "FLOAT" and dialect_name == "postgresql" and args is None:
        base = "DOUBLE PRECISION"
    elif base == "FLOAT" and args is not None and "," not in args and dialect_name in ("postgresql", *MYSQL_LIKE):
        base, args = _float_by_precision(args, dialect_name), None
    elif base == "NUMERIC" and (dialect_name == "postgresql" or mysql):
        if args is None and mysql:
            args = "10, 0"
        elif args is not None and "," not in args:
            args = f"{args.strip()}, 0"
    elif base in ("CHAR", "BIT") and args is None and (dialect_name == "postgresql" or mysql):
        args = "1"
    elif base == "DOUBLE PRECISION" and dialect_name == "postgresql":
        args = None  # PostgreSQL reports DOUBLE PRECISION with its 53 binary digits
    text = base + (f"({args})" if args is not None else "")
    return f"{text} {rest}" if rest and not rest.startswith("[") else text + rest


def types_equal(model_type: TypeEngine[Any], db_type: TypeEngine[Any], dialect: Dialect) -> bool:
    """True when the database column's type is what the model declares, as this dialect sees it."""
    if isinstance(model_type, NullType) or isinstance(db_type, NullType):
        return True
    model_sql = type_sql(model_type, dialect)
    db_sql = type_sql(db_type, dialect)
    if model_sql is None or db_sql is None:
        return model_type._type_affinity is db_type._type_affinity
    if dialect.name == "sqlite" and not _sqlite_reflects_name(model_sql, dialect):
        # SQLAlchemy reflects a declared type it has no name for (CLOB, MEDIUMINT) as its
        # SQLite affinity (TEXT, INTEGER): all that can be compared.
        return sqlite_affinity(model_sql) == sqlite_affinity(db_sql)
    return normalize_type_sql(model_sql, dialect.name) == normalize_type_sql(db_sql, dialect.name)


def _sqlite_reflects_name(sql: str, dialect: Dialect) -> bool:
    match = re.match(r"\s*([A-Za-z_]\w*)", sql)
    names = getattr(dialect, "ischema_names", {})
    return match is None or match.group(1).upper() in names


def sqlite_affinity(sql: str) -> str:
    """SQLite's type affinity of a declared type (https://sqlite.org/datatype3.html, 3.1)."""
    name = sql.upper()
    if "INT" in name:
        return "INTEGER"
    if any(word in name for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in name or not name.strip():
        return "BLOB"
    if any(word in name for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


_NOW = {
    "now()",
    "current_timestamp()",
    "current_timestamp",
    "localtimestamp",
    "localtimestamp()",
    "transaction_timestamp()",
    "getdate()",
}
_NOW_CALL = re.compile(r"\b(?:now|current_timestamp|localtimestamp)\s*\(\s*\d*\s*\)|\bcurrent_timestamp\b")
_TODAY = {"current_date", "current_date()", "curdate()"}
_CLOCK = {"current_time", "current_time()", "curtime()"}


def _strip_parens(value: str) -> str:
    while value.startswith("(") and value.endswith(")") and _balanced(value[1:-1]):
        value = value[1:-1].strip()
    return value


def _number(text: str) -> str | None:
    """A canonical spelling of a numeric literal (``1.50`` and ``'1.5'`` are both ``1.5``)."""
    if not _NUMBER.fullmatch(text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def normalize_default(text: str | None, dialect_name: str) -> str | None:
    """One spelling for a server default, as the model declares it or the database reports it."""
    if text is None:
        return None
    value = _outside_literals(text, _squeeze)
    value = _strip_parens(value.strip())
    if dialect_name == "postgresql":
        value = _outside_literals(value, lambda s: _CAST.sub("", s))
        value = _strip_parens(value.strip())
    if value.upper() == "NULL":
        return None
    lowered = value.lower()
    lowered = re.sub(r"^(current_timestamp|localtimestamp|now|current_time|curtime)\(\d+\)$", r"\1()", lowered)
    if lowered in _NOW:
        return "current_timestamp"
    if lowered in _TODAY:
        return "current_date"
    if lowered in _CLOCK:
        return "current_time"
    if lowered in ("true", "false"):
        return "1" if lowered == "true" else "0"
    if len(value) >= 2 and value[0] == value[-1] == "'" and _LITERAL.fullmatch(value):
        inner = value[1:-1]
        number = _number(inner)
        if number is not None:
            return number
        return _timestamp_literal(value)
    number = _number(value)
    if number is not None:
        return number
    # Function calls and keywords are case-insensitive; literals inside them are not. Within a
    # longer expression (MySQL's "current_timestamp() ON UPDATE current_timestamp()") the clock
    # functions get one spelling too.
    return _outside_literals(value, lambda s: _NOW_CALL.sub("current_timestamp", s.lower()))


_TIMESTAMP = re.compile(r"'(\d{4}-\d\d-\d\d)(?:[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?)?'")


def _timestamp_literal(value: str) -> str:
    """A date-time literal without what adds nothing: a zero fraction, a midnight time (MariaDB
    reports ``'2020-01-31'`` on a DATETIME as ``'2020-01-31 00:00:00'``)."""
    match = _TIMESTAMP.fullmatch(value)
    if match is None or match[2] is None:
        return value
    fraction = (match[3] or "").rstrip("0")
    if match[2] == "00:00:00" and not fraction:
        return f"'{match[1]}'"
    return f"'{match[1]} {match[2]}{'.' + fraction if fraction else ''}'"


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def defaults_equal(model_default: str | None, db_default: str | None, dialect_name: str) -> bool:
    model = normalize_default(model_default, dialect_name)
    db = normalize_default(db_default, dialect_name)
    if model is None and db is not None and db.lower().startswith("nextval("):
        return True  # a SERIAL column's sequence, not a declared default
    return model == db


def normalize_expression(sql: str, dialect_name: str) -> str:
    """An index expression as text to compare: PostgreSQL's casts and extra parentheses, identifier
    quotes, case and spacing removed (``lower((name)::text)`` and ``lower(name)`` are the same)."""

    def clean(part: str) -> str:
        part = _CAST.sub("", part) if dialect_name == "postgresql" else part
        part = re.sub(r"\s+", "", re.sub(r'["`]', "", part).lower())
        previous = None
        while previous != part:
            previous = part
            part = re.sub(r"(?<!\w)\(([\w.]+)\)", r"\1", part)  # (name) -> name; f(x) stays a call
        return part

    return _strip_parens(_outside_literals(sql, clean))


def normalize_fk_action(action: str | None, dialect_name: str) -> str | None:
    """ON DELETE / ON UPDATE as compared: upper case; the default (NO ACTION, and on MySQL its
    equivalent RESTRICT, which MySQL does not report) is None."""
    if action is None:
        return None
    value = " ".join(action.upper().split())
    if value == "NO ACTION" or (dialect_name in MYSQL_LIKE and value == "RESTRICT"):
        return None
    return value


# -- index elements, partial-index conditions and index options ---------------------------------
_SORT = re.compile(r"^(?P<element>.*?)(?:\s+(?P<dir>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?$", re.IGNORECASE)


def normalize_index_element(sql: str, dialect_name: str) -> str:
    """An index element (``b DESC NULLS LAST``, ``lower(name)``) as compared.

    The sort order is kept without the defaults spelled out (ASC, and on PostgreSQL NULLS LAST
    after ASC, NULLS FIRST after DESC).
    """
    match = _SORT.match(sql.strip())
    element, direction, nulls = (match["element"], match["dir"], match["nulls"]) if match else (sql, None, None)
    text = normalize_expression(element, dialect_name)
    if dialect_name != "postgresql":  # SQLite, MySQL: no NULLS FIRST / LAST in an index
        return text + (" desc" if (direction or "").lower() == "desc" else "")
    direction = (direction or "asc").lower()
    nulls = (nulls or ("last" if direction == "asc" else "first")).lower()
    default_nulls = "last" if direction == "asc" else "first"
    suffix = (" desc" if direction == "desc" else "") + (f" nulls {nulls}" if nulls != default_nulls else "")
    return text + suffix


_CONDITION_TOKEN = re.compile(
    r"""\s*('(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\(|\)|[\w$.]+|!~~\*|~~\*|!~~|~~|<>|!=|<=|>=|==|::|\|\||[^\s\w])""",
)
_OPERATORS = {"!=": "<>", "~~": "like", "!~~": "not like", "~~*": "ilike", "!~~*": "not ilike", "==": "="}
"""PostgreSQL reports LIKE as its operator ``~~``; ``!=`` is reported as ``<>``."""


def _condition_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for token in _CONDITION_TOKEN.findall(text):
        if token[:1] in '"`':  # a quoted identifier: compared bare, as case-folded names are
            token = token[1:-1]
        token = token if token.startswith("'") else token.lower()
        tokens.extend(_OPERATORS.get(token, token).split())
    return _without_between(_signed_numbers(tokens))


def _signed_numbers(tokens: list[str]) -> list[str]:
    """Numbers one way: PostgreSQL reports ``c > -1000`` as ``c > '-1000'::integer`` (the cast
    is gone by now); a quoted number and a minus sign before a number (not after an operand)
    become the number's canonical spelling."""
    out: list[str] = []
    for token in tokens:
        if len(token) >= 2 and token[0] == token[-1] == "'":
            number = _number(token[1:-1])
            token = number if number is not None else token
        number = _number(token)
        if number is not None and out and out[-1] in ("-", "+"):
            before = out[-2] if len(out) > 1 else ""
            if not before or not re.fullmatch(r"[\w$.)'\]]+", before) or before in ("and", "or", "not"):
                out[-1:] = [_number(out[-1] + number) or token]
                continue
        out.append(number if number is not None else token)
    return out


def _without_between(tokens: list[str]) -> list[str]:
    """``x BETWEEN a AND b`` as PostgreSQL reports it: ``x >= a AND x <= b`` (simple terms)."""
    out: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        rest = tokens[position + 1 : position + 4]
        if token == "between" and out and out[-1] not in ")not" and len(rest) == 3 and rest[1] == "and":
            operand = out[-1]
            out.extend([">=", rest[0], "and", operand, "<=", rest[2]])
            position += 4
            continue
        out.append(token)
        position += 1
    return out


def _top_level(tokens: list[str]) -> set[str]:
    depth = 0
    words: set[str] = set()
    for token in tokens:
        depth += token == "("
        depth -= token == ")"
        if depth == 0 and token in ("and", "or"):
            words.add(token)
    return words


def _ungroup(tokens: list[str]) -> list[str]:
    """The tokens without grouping parentheses that change nothing: around one comparison or
    term, around ANDs not negated, around ORs that are not an operand of AND or NOT. A
    function's parentheses (after a name) stay."""
    out: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token != "(":
            out.append(token)
            position += 1
            continue
        depth, end = 0, position
        for end in range(position, len(tokens)):
            depth += tokens[end] == "("
            depth -= tokens[end] == ")"
            if depth == 0:
                break
        inner = _ungroup(tokens[position + 1 : end])
        before = out[-1] if out else ""
        after = tokens[end + 1] if end + 1 < len(tokens) else ""
        call = bool(re.fullmatch(r"[\w$.]+", before)) and before not in ("and", "or", "not", "in", "is")
        words = _top_level(inner)
        needed = call or before == "in" or not inner
        needed = needed or ("or" in words and "and" in (before, after)) or (bool(words) and before == "not")
        out.extend(["(", *inner, ")"] if needed else inner)
        position = end + 1
    return out


def normalize_condition(sql: str | None, dialect_name: str) -> str | None:
    """A partial index's WHERE (or another boolean condition) as text to compare.

    PostgreSQL reports ``b > 5 AND (s = 'x' OR s IS NULL)`` back as
    ``((b > 5) AND (((s)::text = 'x'::text) OR (s IS NULL)))``: casts, quotes, case, spacing and
    the parentheses that change nothing are removed from both sides. What PostgreSQL rewrites
    further (``IN (...)`` as ``= ANY (ARRAY[...])``) does not compare equal: write the condition
    the way the database reports it.
    """
    if sql is None:
        return None
    text = sql.strip()
    if dialect_name == "postgresql":
        text = _outside_literals(text, lambda s: _CAST.sub("", s))
    tokens = _ungroup(_condition_tokens(text))
    return " ".join(tokens) or None


def _option_text(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return str(value).lower()
    if isinstance(value, str):
        return value.lower()
    return value


INDEX_OPTIONS: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "postgresql_where",
        "postgresql_using",
        "postgresql_ops",
        "postgresql_include",
        "postgresql_nulls_not_distinct",
        "postgresql_with",
    ),
    "mysql": ("mysql_length", "mysql_prefix", "mysql_with_parser"),
    "mariadb": (
        "mysql_length",
        "mysql_prefix",
        "mysql_with_parser",
        "mariadb_length",
        "mariadb_prefix",
        "mariadb_with_parser",
    ),
    "sqlite": ("sqlite_where",),
}
"""The index options each backend reports back (SQLAlchemy's ``get_multi_indexes``), hence
compared. Others (``postgresql_concurrently``, ``postgresql_tablespace``, ``mysql_using`` --
InnoDB makes every index a BTREE) are how an index is made, not reported: never a difference."""


def normalize_index_options(
    options: Any,
    columns: tuple[str, ...],
    expressions: tuple[bool, ...],
    dialect_name: str,
    *,
    full_lengths: Mapping[str, int] | None = None,
) -> tuple[tuple[str, Any], ...]:
    """The index's options of :data:`INDEX_OPTIONS` as compared, defaults left out: the btree
    method, no INCLUDE columns, NULLS DISTINCT; a MySQL prefix length given as one number is
    that length for every column, and one as long as the column (``full_lengths``) is none;
    numbers and names compare as lower-case text."""
    given = dict(options)
    out: dict[str, Any] = {}
    plain = [c for i, c in enumerate(columns) if not (expressions and expressions[i])]
    for key in INDEX_OPTIONS.get(dialect_name, ()):
        value = given.get(key)
        name = key.replace("mariadb_", "mysql_")
        if value is None or value is False or value in ((), [], {}, ""):
            continue
        if name.endswith("_where"):
            value = normalize_condition(str(value), dialect_name)
        elif name == "postgresql_using":
            value = None if str(value).lower() == "btree" else str(value).lower()
        elif name == "postgresql_ops":
            value = _ops_by_position(value, columns, expressions)
        elif name == "mysql_length":
            value = value if isinstance(value, Mapping) else {c: value for c in plain}
            full = full_lengths or {}
            value = tuple(sorted((str(k), int(v)) for k, v in value.items() if int(v) < full.get(str(k), int(v) + 1)))
            value = value or None
        elif isinstance(value, Mapping):
            value = tuple(sorted((str(k), _option_text(v)) for k, v in value.items()))
        elif isinstance(value, (list, tuple)):
            value = tuple(str(v) for v in value)
        else:
            value = _option_text(value)
        if value is not None:
            out[name] = value
    return tuple(sorted(out.items()))


def _ops_by_position(
    ops: Mapping[str, Any], columns: tuple[str, ...], expressions: tuple[bool, ...]
) -> tuple[str | None, ...]:
    """``postgresql_ops`` as the operator class of each index element. The database keys an
    expression's by its text, the models by the expression's label, which the schema model
    does not keep: keys naming no element go to the expressions in turn."""
    spare = iter(k for k in ops if k not in columns)
    out: list[str | None] = []
    for position, column in enumerate(columns):
        if column in ops:
            out.append(str(ops[column]).lower())
        elif expressions and expressions[position]:
            key = next(spare, None)
            out.append(str(ops[key]).lower() if key is not None else None)
        else:
            out.append(None)
    return tuple(out)


def normalize_fk_match(match: str | None) -> str | None:
    """A foreign key's MATCH as compared (PostgreSQL): upper case; SIMPLE, the default, is None."""
    value = " ".join((match or "").upper().split())
    return None if value in ("", "SIMPLE") else value
