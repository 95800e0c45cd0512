"""Write new revision files: name them, date them, render the template, create the file.

The file name, slug and date follow Alembic's rules exactly (``file_template`` tokens,
``truncate_slug_length``, ``timezone``), so an Alembic project gets the names it always got.
The revision template is a ``string.Template`` (dbshift's ``script.py.tmpl``) or a Mako
template (Alembic's ``script.py.mako``, see :mod:`dbshift.script.mako_template`), chosen by the
file's extension. Before anything is written, the rendered text must compile and must declare
what was asked for (id, parents, labels, dependencies), so a bad template cannot put a broken or
misleading revision into the history; the file is then created under a temporary name and
linked into place, so it is never half-written and never overwrites an existing one.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import secrets
import string
import tempfile
import textwrap
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from dbshift.errors import ConfigError, ScriptError
from dbshift.script.headers import RevisionHeader, scan_source
from dbshift.util import display_path

__all__ = [
    "DEFAULT_TEMPLATE",
    "DEFAULT_TEMPLATE_FILE",
    "RevisionSource",
    "RevisionTemplate",
    "check_written",
    "creation_date",
    "load_template",
    "new_revision_id",
    "render",
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

DEFAULT_TEMPLATE_FILE = "script.py.tmpl"
"""The template file dbshift's own projects use; when it is missing the built-in one is used."""

# Ids and labels end up in target expressions (``label@head``, ``id+1``) and in file names.
_ID_OK = re.compile(r"^[\w.\-]+$")
_BODY_PLACEHOLDER = re.compile(r"^([ \t]*)\$\{(upgrades|downgrades)\}[ \t]*$", re.MULTILINE)
# Alembic's slug: the message's runs of word characters (Unicode-aware), joined by "_".
_SLUG_WORD = re.compile(r"\w+")
_DEFAULT_SLUG_LENGTH = 40
_MAKO_CODING = re.compile(r"#.*coding[:=]\s*([-\w.]+).*\r?\n")


def new_revision_id() -> str:
    """12 random lowercase hex characters: short to type, collisions practically impossible."""
    return secrets.token_hex(6)


def slugify(message: str | None, max_len: int = _DEFAULT_SLUG_LENGTH) -> str:
    """The message as it appears in file names, by Alembic's rule.

    Runs of word characters (letters of any script, digits, ``_``) joined by ``_`` and
    lower-cased; longer than ``max_len``, it is cut to ``max_len`` characters, back to the last
    ``_``, and ends in ``_`` to show it was cut. ``max_len`` 0 means 40, as in Alembic.
    """
    max_len = max_len or _DEFAULT_SLUG_LENGTH
    slug = "_".join(_SLUG_WORD.findall(message or "")).lower()
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("_", 1)[0] + "_"
    return slug


def creation_date(zone: str | None, *, setting: str = "timezone", now: datetime | None = None) -> datetime:
    """Now, as the revision's ``Create Date`` and file name show it.

    Without a zone: local time without an offset (``2026-11-20 23:40:01.123456``). With one,
    the time there, shown with its offset (``...+01:00``), as Alembic does; the name is tried
    as written and then upper-cased (``utc``). ``setting`` names where the zone was set, for the
    error about an unknown zone.
    """
    if zone is None:
        return now if now is not None else datetime.now()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    tzinfo = None
    for name in dict.fromkeys((zone, zone.upper())):
        try:
            tzinfo = ZoneInfo(name)
            break
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    if tzinfo is None:
        raise ConfigError(
            f"{setting}: unknown time zone {zone!r}; use an IANA name such as 'UTC' or 'Europe/Paris' "
            "(the tzdata package provides them where the system has none)"
        )
    moment = now if now is not None else datetime.now(tz=timezone.utc)
    return moment.astimezone(tzinfo)


def revision_filename(
    file_template: str,
    rev_id: str,
    message: str | None,
    create_date: datetime,
    *,
    truncate_slug_length: int = _DEFAULT_SLUG_LENGTH,
) -> str:
    """The file's path inside its version location, with ``.py``, from ``file_template``.

    The tokens are Alembic's: ``rev``, ``slug``, ``epoch``, ``year``, ``month``, ``day``,
    ``hour``, ``minute``, ``second``. A ``/`` in the template names sub-folders
    (``%(year)d/%(month).2d/%(rev)s_%(slug)s``); the result always uses ``/``.
    """
    if truncate_slug_length < 0:
        raise ConfigError(f"truncate_slug_length must be a positive number, not {truncate_slug_length}")
    values = {
        "rev": rev_id,
        "slug": slugify(message, truncate_slug_length),
        "epoch": int(create_date.timestamp()),
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
            f"use placeholders among %({')s, %('.join(values)})s"
        ) from None
    parts = name.split("/")
    unusable = (
        "\\" in name
        or "\0" in name
        or any(part in ("", ".", "..") for part in parts)
        or any(part.startswith(".") or part == "__pycache__" for part in parts)
        or parts[-1].startswith("_")
    )
    if unusable:
        raise ConfigError(
            f"file_template {file_template!r} gives the unusable file name {name + '.py'!r} "
            "(dbshift does not list names starting with '.' or '_', and sub-folders must be relative)"
        )
    return name + ".py"


@dataclass(frozen=True)
class RevisionSource:
    """Everything a new revision file says; bodies are plain unindented lines."""

    rev_id: str
    message: str | None
    """None when none was given: the file name then has an empty slug, a ``string.Template``
    gets an empty message and a Mako template Alembic's "empty message"."""
    down_revisions: tuple[str, ...]
    create_date: datetime
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    upgrade_body: str = "pass"
    downgrade_body: str = "pass"
    autogenerated: bool = False
    """True when the bodies come from autogenerate: Mako templates then receive ``upgrades``,
    ``downgrades`` and ``imports`` (Alembic passes them only in that case)."""


@dataclass(frozen=True)
class RevisionTemplate:
    """A revision template's text and where it came from (None: the built-in one)."""

    text: str
    path: Path | None = None

    @property
    def is_mako(self) -> bool:
        """Mako (Alembic's ``script.py.mako``) or ``string.Template`` (``script.py.tmpl``)."""
        return self.path is not None and self.path.suffix == ".mako"

    @property
    def name(self) -> str:
        """How messages name the template."""
        return _shown(self.path) if self.path is not None else "the built-in revision template"


def load_template(script_location: Path, template_file: str = DEFAULT_TEMPLATE_FILE) -> RevisionTemplate:
    """The template ``template_file`` (relative to ``script_location``) names.

    A missing ``script.py.tmpl`` means the built-in template; any other missing template is an
    error, since a project that names one (``script.py.mako``) depends on it.
    """
    path = script_location / template_file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if template_file == DEFAULT_TEMPLATE_FILE:
            return RevisionTemplate(DEFAULT_TEMPLATE)
        raise ScriptError(f"{_shown(path)}: revision template not found") from None
    except OSError as exc:
        raise ScriptError(f"{_shown(path)}: cannot read the revision template: {exc.strerror or exc}") from None
    encoding = "utf-8"
    if path.suffix == ".mako":
        # Decoded as Mako decodes a template file: a UTF-8 BOM is dropped, and a magic comment
        # on the first line (``## -*- coding: latin-1 -*-``) names the encoding.
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        else:
            magic = _MAKO_CODING.match(data.decode("utf-8", "ignore"))
            encoding = magic.group(1) if magic else encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ScriptError(f"{_shown(path)}: revision template is not {encoding} text ({exc})") from None
    return RevisionTemplate(text, path)


def render(
    template: RevisionTemplate | str, source: RevisionSource, template_args: Mapping[str, object] | None = None
) -> str:
    """The new file's text from either kind of template; ScriptError names the template."""
    if isinstance(template, str):
        template = RevisionTemplate(template)
    if template.is_mako:
        from dbshift.script.mako_template import render_mako

        _check_ids(source)
        return render_mako(template, source, template_args or {})
    return render_revision(template.text, source)


def render_revision(template_text: str, source: RevisionSource) -> str:
    """Fill a ``string.Template``; ScriptError for an unknown placeholder or an unusable id."""
    _check_ids(source)
    indents: dict[str, str] = {}

    def strip_indent(match: re.Match[str]) -> str:
        # "    ${upgrades}" and "${upgrades}" both work: the body is indented to match.
        indents[match.group(2)] = match.group(1) or "    "
        return "${" + match.group(2) + "}"

    text = _BODY_PLACEHOLDER.sub(strip_indent, template_text)
    values = {
        "message": docstring_text(source.message or ""),
        "revision": source.rev_id,
        "down_revision": _py_ids(source.down_revisions),
        "down_revision_display": ", ".join(source.down_revisions),
        "create_date": str(source.create_date),
        "branch_labels": _py_ids(source.branch_labels),
        "depends_on": _py_ids(source.depends_on),
        "imports": "".join(line + "\n" for line in new_imports(source.imports, template_text)),
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
    rendered = _tidy_docstring(rendered)
    return rendered if rendered.endswith("\n") else rendered + "\n"


def _tidy_docstring(text: str) -> str:
    """No trailing spaces in the module docstring (``Revises: `` of a first revision, a
    message's lines), as ``ruff format`` writes it; the rest of the file is left as rendered."""
    if not text.startswith('"""'):
        return text
    end = text.find('"""', 3)
    if end < 0:
        return text
    head = "\n".join(line.rstrip() for line in text[:end].split("\n"))
    return head + text[end:]


def write_revision(
    versions_dir: Path,
    file_template: str,
    template: RevisionTemplate | str,
    source: RevisionSource,
    *,
    truncate_slug_length: int = _DEFAULT_SLUG_LENGTH,
    recursive: bool = False,
    create_folder: bool = False,
    template_args: Mapping[str, object] | None = None,
) -> Path:
    """Render, check, and create the file in ``versions_dir``; never overwrites.

    ``recursive`` says whether sub-folders are listed: a ``file_template`` that names a
    sub-folder is refused otherwise, since the new revision would be invisible. With
    ``create_folder`` a missing ``versions_dir`` is created (a configured version location that
    receives its first revision); sub-folders named by ``file_template`` always are.
    """
    if isinstance(template, str):
        template = RevisionTemplate(template)
    if not create_folder and not versions_dir.is_dir():
        raise ScriptError(f"{versions_dir}: revisions folder not found")
    name = revision_filename(
        file_template, source.rev_id, source.message, source.create_date, truncate_slug_length=truncate_slug_length
    )
    if "/" in name and not recursive:
        raise ConfigError(
            f"file_template {file_template!r} puts revisions in sub-folders ({name!r}); "
            "set recursive_version_locations = true so they are listed"
        )
    path = versions_dir.joinpath(*name.split("/"))
    text = render(template, source, template_args)
    try:
        compile(text, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise ScriptError(
            f"{path}: rendered revision is not valid Python (line {exc.lineno}: {exc.msg}); "
            f"check {template.name} and the generated operations"
        ) from None
    try:
        header = scan_source(text.encode("utf-8"), str(path))
    except ScriptError as exc:
        raise ScriptError(f"{template.name} renders a revision dbshift cannot read: {exc}") from None
    _check_declares(header, source, f"{template.name} renders a revision that")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScriptError(f"{path.parent}: cannot create the folder: {exc.strerror or exc}") from None
    _create(path, text.encode("utf-8"))
    return path


def check_written(path: Path, source: RevisionSource, after: str) -> None:
    """The file on disk still declares ``source`` (after post-write hooks changed it)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScriptError(f"{_shown(path)}: cannot read it back after {after}: {exc.strerror or exc}") from None
    try:
        header = scan_source(data, _shown(path))
    except ScriptError as exc:
        raise ScriptError(f"{exc} (after {after}; the file was kept)") from None
    _check_declares(header, source, f"{_shown(path)} (after {after}; the file was kept)")


# -- helpers ------------------------------------------------------------------------------


def _check_declares(header: RevisionHeader, source: RevisionSource, where: str) -> None:
    """The rendered identifiers are those asked for: a template that drops one is refused."""
    for field, got, wanted in (
        ("revision", (header.revision,), (source.rev_id,)),
        ("down_revision", header.down_revisions, source.down_revisions),
        ("branch_labels", header.branch_labels, source.branch_labels),
        ("depends_on", header.depends_on, source.depends_on),
    ):
        if got != wanted:
            raise ScriptError(
                f"{where} declares {field} {_shown_ids(got)} instead of {_shown_ids(wanted)}; "
                f"does the template write '{field}'?"
            )


def _shown_ids(ids: tuple[str, ...]) -> str:
    return "None" if not ids else ", ".join(f"'{i}'" for i in ids)


def _create(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data`` whole or not at all, never replacing an existing file.

    The data goes to a temporary file in the same folder first and is hard-linked into place
    (linking fails if the name exists); where the file system has no hard links, the file is
    created exclusively and removed again if writing it fails.
    """
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".dbshift-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's file is private; a revision is not
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:
            _create_exclusive(path, data)
    except FileExistsError:
        raise ScriptError(f"{path}: already exists; not overwriting it") from None
    except OSError as exc:
        raise ScriptError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _create_exclusive(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        try:
            handle.write(data)
        except BaseException:
            handle.close()
            with contextlib.suppress(OSError):
                os.unlink(path)
            raise


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


def _shown(path: Path) -> str:
    return display_path(path)


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


def docstring_text(message: str) -> str:
    """The message made safe inside a triple-double-quoted docstring."""
    text = message.replace("\\", "\\\\")
    if '""' in text or text.endswith('"') or text.startswith('"'):
        text = text.replace('"', '\\"')
    # Control characters (other than newline and tab) would not survive or would not compile.
    return "".join(c if c in "\n\t" or unicodedata.category(c) != "Cc" else f"\\x{ord(c):02x}" for c in text)


def new_imports(lines: tuple[str, ...], template_text: str) -> list[str]:
    """Extra import lines, stripped; duplicates and lines the template already has dropped."""
    present = {line.strip() for line in template_text.splitlines()}
    wanted = [line.strip() for line in lines if line.strip()]
    return [line for line in dict.fromkeys(wanted) if line not in present]


def _body(body: str, indent: str) -> str:
    """Indent a body to the placeholder's column (4 spaces if it sits at column 0)."""
    lines = textwrap.dedent(body).strip("\n").splitlines() if body.strip() else ["pass"]
    out = [(indent + line) if line.strip() else "" for line in lines]
    return "\n".join(out)
