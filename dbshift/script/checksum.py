"""The checksum of a revision file, as the applied-migration log records it.

It covers the source after normalizing what a checkout on another machine changes without
anyone editing anything: line endings (CRLF/CR), trailing whitespace on each line, trailing
blank lines and a byte-order mark. Everything else — a changed operation, a changed comment —
changes it, so an applied revision that was edited afterwards is noticed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PREFIX = "sha256:"


def source_checksum(source: str) -> str:
    """``sha256:<hex>`` of the normalized text."""
    text = source.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    normalized = "\n".join(lines) + "\n"
    return PREFIX + hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def file_checksum(path: Path | str) -> str:
    """The checksum of a file's text (undecodable bytes are kept as replacement characters)."""
    return source_checksum(Path(path).read_bytes().decode("utf-8", errors="replace"))


def short(checksum: str | None) -> str:
    """The first 12 hex digits, for messages and ``log``."""
    return checksum.removeprefix(PREFIX)[:12] if checksum else "-"
