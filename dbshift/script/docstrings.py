"""A revision file's whole docstring, read without running the file (for verbose listings)."""

from __future__ import annotations

import ast
from pathlib import Path


def revision_docstring(path: str | None) -> str:
    """The module docstring of a revision file, or "" when it has none or cannot be read."""
    if not path:
        return ""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return ""
    return ast.get_docstring(tree, clean=True) or ""
