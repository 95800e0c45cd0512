"""The migration folder on disk: list revision files, build the graph, import a file to run it.

Listing never imports a revision file (see :mod:`dbshift.script.headers`). Reading and
syntax-checking thousands of files is the slow part, so what each file declares is cached in
``versions/__pycache__/dbshift-revisions.json`` keyed by name, mtime and size. A file whose
mtime is too close to when it was read could change again without its mtime moving (coarse
file-system clocks), so such "racy" entries also keep a content hash that is checked until the
file is old enough to trust its mtime, as Git does for its index.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from dbshift.errors import ScriptError
from dbshift.script.headers import RevisionHeader, read_source, scan_source
from dbshift.script.revision import Revision, RevisionGraph
from dbshift.util import display_path

__all__ = ["CACHE_NAME", "ScriptDirectory"]

CACHE_NAME = "dbshift-revisions.json"
_CACHE_FORMAT = 1
# Files modified less than this long before they were read are re-checked by content.
_RACY_NS = 2_000_000_000


class ScriptDirectory:
    """A migration folder: ``location/versions/*.py`` holds one revision per file."""

    def __init__(self, location: Path) -> None:
        self.location = Path(location)
        self._graph: RevisionGraph | None = None
        self._modules: dict[str, ModuleType] = {}
        self._files: dict[str, str] = {}

    @property
    def versions_dir(self) -> Path:
        """Where revision files live."""
        return self.location / "versions"

    @property
    def cache_path(self) -> Path:
        """The listing cache; safe to delete at any time."""
        return self.versions_dir / "__pycache__" / CACHE_NAME

    def revisions(self) -> list[Revision]:
        """Every revision file's declaration, sorted by file name, read without importing."""
        versions = self.versions_dir
        if not versions.is_dir():
            raise ScriptError(f"{versions}: revisions folder not found in migration folder {self.location}")
        prefix = os.path.join(str(versions), "")
        # Revision.path is what messages show: relative to the working folder when inside it.
        shown_prefix = os.path.join(display_path(versions), "")
        old = self._read_cache()
        new: dict[str, dict[str, Any]] = {}
        changed = False
        revisions: list[Revision] = []
        try:
            for name, mtime_ns, size in _list_files(versions):
                path = prefix + name
                shown = shown_prefix + name
                entry = old.get(name)
                rev = _cached_revision(entry, path, mtime_ns, size, shown)
                if rev is None or entry is None:
                    data = read_source(Path(path))
                    rev = _to_revision(scan_source(data, shown), shown)
                    entry = _entry(rev, mtime_ns, size, data)
                    changed = True
                elif entry["sha1"] is not None and not _is_racy(mtime_ns):
                    entry = _entry(rev, mtime_ns, size, None)  # now old enough to trust
                    changed = True
                new[name] = entry
                self._files[rev.revision] = path
                revisions.append(rev)
        except ScriptError:
            # Keep what was learnt so the next run only re-reads from the broken file on.
            if changed:
                new.update({k: v for k, v in old.items() if k not in new})
                self._write_cache(new)
            raise
        if changed or new.keys() != old.keys():
            self._write_cache(new)
        return revisions

    def graph(self) -> RevisionGraph:
        """The validated revision graph, built once per instance."""
        if self._graph is None:
            self._graph = RevisionGraph(self.revisions())
        return self._graph

    def load_module(self, rev: Revision) -> ModuleType:
        """Import a revision file so its ``upgrade()`` / ``downgrade()`` can run."""
        if rev.path is None:
            raise ScriptError(f"revision '{rev.revision}' has no file to load")
        file = Path(self._files.get(rev.revision, rev.path))
        path = rev.path
        key = str(file.resolve())
        module = self._modules.get(key)
        if module is not None:
            return module
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
        name = f"_dbshift_revision_{re.sub(r'[^0-9A-Za-z_]', '_', rev.revision)}_{digest}"
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise ScriptError(f"{path}: cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        # Registered while it runs so dataclasses, pickling and typing can find it by name.
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            del sys.modules[name]
            raise ScriptError(f"{path}: syntax error at line {exc.lineno}: {exc.msg}") from exc
        except Exception as exc:
            del sys.modules[name]
            detail = " ".join(str(exc).split())
            raise ScriptError(f"{path}: importing failed: {type(exc).__name__}: {detail}") from exc
        declared = getattr(module, "revision", None)
        if declared != rev.revision:
            del sys.modules[name]
            raise ScriptError(
                f"{path}: declares revision {declared!r} but was listed as '{rev.revision}'; "
                "did the file change while dbshift was running?"
            )
        # upgrade() and downgrade() are checked by whoever runs one: a file without downgrade()
        # is valid until somebody downgrades it.
        self._modules[key] = module
        return module

    # -- cache ----------------------------------------------------------------------------

    def _read_cache(self) -> dict[str, dict[str, Any]]:
        """The cached entries, or nothing if the cache is missing, foreign or unreadable."""
        try:
            data = json.loads(self.cache_path.read_bytes())
        except (OSError, ValueError):
            return {}
        if (
            not isinstance(data, dict)
            or data.get("format") != _CACHE_FORMAT
            or data.get("python") != _python_tag()
            or not isinstance(data.get("files"), dict)
        ):
            return {}
        return {k: v for k, v in data["files"].items() if isinstance(v, dict)}

    def _write_cache(self, files: dict[str, dict[str, Any]]) -> None:
        """Replace the cache atomically; a read-only folder just means no cache."""
        cache_dir = self.cache_path.parent
        payload = {"format": _CACHE_FORMAT, "python": _python_tag(), "files": files}
        tmp_name: str | None = None
        try:
            cache_dir.mkdir(exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=cache_dir, prefix=".dbshift-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                # json.dumps uses the C encoder; json.dump streams through the slow Python one.
                handle.write(json.dumps(payload, separators=(",", ":")))
            # mkstemp makes the file private; the cache should be as readable as the folder.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
            os.replace(tmp_name, self.cache_path)
            tmp_name = None
        except OSError:
            pass
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)


def _list_files(versions: Path) -> list[tuple[str, int, int]]:
    """(name, mtime_ns, size) of each revision file, sorted by name."""
    found: list[tuple[str, int, int]] = []
    with os.scandir(versions) as entries:
        for entry in entries:
            name = entry.name
            if not name.endswith(".py") or name.startswith((".", "_")):
                continue
            if not entry.is_file():
                continue
            stat = entry.stat()
            found.append((name, stat.st_mtime_ns, stat.st_size))
    found.sort()
    return found


def _python_tag() -> str:
    # A cached "compiles fine" is only true for the Python version that checked it.
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def _is_racy(mtime_ns: int) -> bool:
    return mtime_ns > time.time_ns() - _RACY_NS


def _entry(rev: Revision, mtime_ns: int, size: int, data: bytes | None) -> dict[str, Any]:
    """A cache entry; racy files also record their content hash."""
    racy = data is not None and _is_racy(mtime_ns)
    return {
        "mtime_ns": mtime_ns,
        "size": size,
        "sha1": hashlib.sha1(data).hexdigest() if racy and data is not None else None,
        "revision": rev.revision,
        "down_revisions": list(rev.down_revisions),
        "branch_labels": list(rev.branch_labels),
        "depends_on": list(rev.depends_on),
        "message": rev.message,
        "create_date": rev.create_date,
    }


def _cached_revision(entry: dict[str, Any] | None, path: str, mtime_ns: int, size: int, shown: str) -> Revision | None:
    """The cached revision if the entry still describes the file, else None."""
    if entry is None or entry.get("mtime_ns") != mtime_ns or entry.get("size") != size:
        return None
    try:
        sha1 = entry["sha1"]
        if sha1 is not None:
            with open(path, "rb") as handle:
                if hashlib.sha1(handle.read()).hexdigest() != sha1:
                    return None
        revision = entry["revision"]
        down = tuple(entry["down_revisions"])
        labels = tuple(entry["branch_labels"])
        depends = tuple(entry["depends_on"])
        message = entry["message"]
        create_date = entry["create_date"]
    except (KeyError, TypeError, OSError):
        return None
    if not (
        isinstance(revision, str)
        and isinstance(message, str)
        and (create_date is None or isinstance(create_date, str))
        and all(isinstance(i, str) for i in down + labels + depends)
    ):
        return None
    return Revision(revision, down, labels, depends, message, shown, create_date)


def _to_revision(header: RevisionHeader, path: str) -> Revision:
    return Revision(
        revision=header.revision,
        down_revisions=header.down_revisions,
        branch_labels=header.branch_labels,
        depends_on=header.depends_on,
        message=header.message,
        path=path,
        create_date=header.create_date,
    )
