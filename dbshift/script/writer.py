"""Write new revision files from a ``string.Template`` revision template.

Rendering is a pure string function; writing checks that the result compiles and never
overwrites an existing file, so a bad template or a clashing name cannot corrupt a history.
"""

from __future__ import annotations

import re
import secrets
import string
import textwrap
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dbshift.errors import ConfigError, ScriptError

__all__ = [
    "DEFAULT_TEMPLATE",
    "RevisionSource",
    "new_revision_id",
    "render_revision",
    "revision_filename",
    "slugify",
    "write_revision",
]

DEFAULT_TEMPLATE = '''"""${message}

Revision ID: ${revision}
Revises: ${down_revision_display}
Create Date: ${create_date}

"""
from __future__ import annotations

import sqlalchemy as sa
${imports}
from dbshift import op

# revision identifiers, used by dbshift.
revision = "${revision}"
down_revision = ${down_revision}
branch_labels = ${branch_labels}
depends_on = ${depends_on}


def upgrade() -> None:
${upgrades}


def downgrade() -> None:
${downgrades}
'''

# Ids and labels end up in target expressions (``label@head``, ``id+1``) and in file names.
_ID_OK = re.compile(r"^[\w.\-]+$")
_BODY_PLACEHOLDER = re.compile(r"^([ \t]*)\$\{(upgrades|downgrades)\}[ \t]*$", re.MULTILINE)


def new_revision_id() -> str:
    """12 random lowercase hex characters: short to type, collisions practically impossible."""
    return secrets.token_hex(6)


def slugify(message: str, max_len: int = 40) -> str:
    """A file-name-safe version of the message, cut at a word boundary when too long."""
    ascii_text = unicodedata.normalize("NFKD", message).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if len(slug) > max_len:
        cut = slug[: max_len + 1]
        boundary = cut.rfind("_")
        slug = cut[:boundary] if boundary > 0 else slug[:max_len]
    return slug.strip("_")


def revision_filename(file_template: str, rev_id: str, message: str, create_date: datetime) -> str:
    """The file name (with ``.py``) from an Alembic-style ``file_template``."""
    slug = slugify(message)
    values = {
        "rev": rev_id,
        "slug": slug,
        "year": create_date.year,
        "month": create_date.month,
        "day": create_date.day,
        "hour": create_date.hour,
        "minute": create_date.minute,
        "second": create_date.second,
    }
    try:
        name = file_template % values
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"file_template {file_template!r} is invalid ({type(exc).__name__}: {exc}); "
            "use placeholders like %(rev)s_%(slug)s"
        ) from None
    if not slug:
        name = name.rstrip("_-")
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
        raise ConfigError(f"file_template {file_template!r} gives the unusable file name {name!r}")
    return name + ".py"


@dataclass(frozen=True)
class RevisionSource:
    """Everything a new revision file says; bodies are plain unindented lines."""

    rev_id: str
    message: str
    down_revisions: tuple[str, ...]
    create_date: datetime
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    upgrade_body: str = "pass"
    downgrade_body: str = "pass"


def render_revision(template_text: str, source: RevisionSource) -> str:
    """Fill the template; ScriptError for an unknown placeholder or an unusable id."""
    _check_ids(source)
    indents: dict[str, str] = {}

    def strip_indent(match: re.Match[str]) -> str:
        # "    ${upgrades}" and "${upgrades}" both work: the body is indented to match.
        indents[match.group(2)] = match.group(1) or "    "
        return "${" + match.group(2) + "}"

    text = _BODY_PLACEHOLDER.sub(strip_indent, template_text)
    values = {
        "message": _docstring_text(source.message),
        "revision": source.rev_id,
        "down_revision": _py_ids(source.down_revisions),
        "down_revision_display": ", ".join(source.down_revisions),
        "create_date": str(source.create_date),
        "branch_labels": _py_ids(source.branch_labels),
        "depends_on": _py_ids(source.depends_on),
        "imports": _imports(source.imports, template_text),
        "upgrades": _body(source.upgrade_body, indents.get("upgrades", "    ")),
        "downgrades": _body(source.downgrade_body, indents.get("downgrades", "    ")),
    }
    try:
        rendered = string.Template(text).substitute(values)
    except KeyError as exc:
        raise ScriptError(
            f"revision template has unknown placeholder ${{{exc.args[0]}}}; known: {', '.join(sorted(values))}"
        ) from None
    except ValueError as exc:
        raise ScriptError(f"revision template is malformed: {exc}") from None
    return rendered if rendered.endswith("\n") else rendered + "\n"


def write_revision(versions_dir: Path, file_template: str, template_text: str, source: RevisionSource) -> Path:
    """Render, check it compiles, and create the file; never overwrites."""
    if not versions_dir.is_dir():
        raise ScriptError(f"{versions_dir}: revisions folder not found")
    name = revision_filename(file_template, source.rev_id, source.message, source.create_date)
    path = versions_dir / name
    text = render_revision(template_text, source)
    try:
        compile(text, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise ScriptError(
            f"{path}: rendered revision is not valid Python (line {exc.lineno}: {exc.msg}); "
            "check the revision template and the generated operations"
        ) from None
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise ScriptError(f"{path}: already exists; not overwriting it") from None
    except OSError as exc:
        raise ScriptError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


def _check_ids(source: RevisionSource) -> None:
    for kind, ids in (
        ("revision id", (source.rev_id,)),
        ("down_revision", source.down_revisions),
        ("branch label", source.branch_labels),
        ("depends_on", source.depends_on),
    ):
        for value in ids:
            if not _ID_OK.match(value):
                raise ScriptError(
                    f"invalid {kind} {value!r} for revision '{source.rev_id}': use letters, digits, '_', '-' and '.'"
                )


def _py_str(value: str) -> str:
    """A double-quoted Python string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _py_ids(ids: tuple[str, ...]) -> str:
    """None, "a" or ("a", "b"): the literal forms a revision file uses."""
    if not ids:
        return "None"
    if len(ids) == 1:
        return _py_str(ids[0])
    return "(" + ", ".join(_py_str(i) for i in ids) + ")"


def _docstring_text(message: str) -> str:
    """The message made safe inside a triple-double-quoted docstring."""
    text = message.replace("\\", "\\\\")
    if '""' in text or text.endswith('"') or text.startswith('"'):
        text = text.replace('"', '\\"')
    # Control characters (other than newline and tab) would not survive or would not compile.
    return "".join(c if c in "\n\t" or unicodedata.category(c) != "Cc" else f"\\x{ord(c):02x}" for c in text)


def _imports(lines: tuple[str, ...], template_text: str) -> str:
    """Extra import lines, each ending in a newline; duplicates and template lines dropped."""
    present = {line.strip() for line in template_text.splitlines()}
    wanted = [line.strip() for line in lines if line.strip()]
    unique = [line for line in dict.fromkeys(wanted) if line not in present]
    return "".join(line + "\n" for line in unique)


def _body(body: str, indent: str) -> str:
    """Indent a body to the placeholder's column (4 spaces if it sits at column 0)."""
    lines = textwrap.dedent(body).strip("\n").splitlines() if body.strip() else ["pass"]
    out = [(indent + line) if line.strip() else "" for line in lines]
    return "\n".join(out)
