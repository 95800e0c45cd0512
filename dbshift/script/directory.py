"""The migration folder on disk: list revision files, build the graph, import a file to run it.

Revision files live in one or more *version locations* (``script_location/versions`` unless
configured otherwise, Alembic's ``version_locations``), and in their sub-folders when listing
is recursive (Alembic's ``recursive_version_locations``). Listing never imports a revision
file (see :mod:`dbshift.script.headers`). Reading and syntax-checking thousands of files is
the slow part, so what each file declares is cached per folder in
``<folder>/__pycache__/dbshift-revisions.json`` keyed by name, mtime and size: a folder's cache
only ever describes that folder's own files, so folders can be added, moved or shared between
locations without one cache going stale because of another. A file whose mtime is too close to
when it was read could change again without its mtime moving (coarse file-system clocks), so
such "racy" entries also keep a content hash that is checked until the file is old enough to
trust its mtime, as Git does for its index.

Which files are revisions (compared with Alembic, which lists every ``*.py`` except
``__init__*`` and ``.#*``): names ending in ``.py`` that do not start with ``.`` or ``_``, so
``__init__.py``, editor lock files and helper modules (``_helpers.py``) are skipped. Sub-folders
named ``__pycache__`` or starting with ``.`` (tool caches) are not entered, nor are symlinked
sub-folders (Alembic does not follow those either). Files are listed location by location, each
folder's files sorted by name before its sub-folders (sorted), as Alembic walks them. A folder
reached twice (a location listed twice, a location inside a recursive one) is listed once; a
symlink to a revision file that is listed anyway is not recognised as the same file (Alembic
skips it), so its id is reported as a duplicate naming both paths. Compiled ``.pyc`` files are
never read (Alembic's ``sourceless`` mode): what a revision declares is read from its source.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from dbshift.errors import ScriptError
from dbshift.script.checksum import file_checksum
from dbshift.script.headers import RevisionHeader, read_source, scan_source
from dbshift.script.revision import Revision, RevisionGraph
from dbshift.util import NotLoadable, display_path, exec_module_file

__all__ = ["CACHE_NAME", "ScriptDirectory"]

CACHE_NAME = "dbshift-revisions.json"
_CACHE_FORMAT = 1
# Files modified less than this long before they were read are re-checked by content.
_RACY_NS = 2_000_000_000


class ScriptDirectory:
    """A migration folder: revision files in its version locations, one revision per file.

    ``version_locations`` lists the folders holding revision files (absolute paths, in the
    order they are listed); empty means ``location/versions``, which must then exist. An
    explicitly configured folder that does not exist yet is listed as empty: Alembic projects
    create one when the first revision is written into it (``--version-path``). ``recursive``
    also lists every sub-folder (Alembic's ``recursive_version_locations``).
    """

    def __init__(self, location: Path, version_locations: Sequence[Path] = (), recursive: bool = False) -> None:
        self.location = Path(location)
        self._explicit = tuple(Path(p) for p in version_locations)
        self.recursive = recursive
        self._graph: RevisionGraph | None = None
        self._modules: dict[str, ModuleType] = {}
        self._files: dict[str, str] = {}
        self._roots: dict[str, Path] = {}

    @property
    def version_locations(self) -> tuple[Path, ...]:
        """The folders revision files are listed from, in order."""
        return self._explicit or (self.location / "versions",)

    @property
    def has_explicit_locations(self) -> bool:
        """True when the folders were configured rather than the default ``versions/``."""
        return bool(self._explicit)

    @property
    def versions_dir(self) -> Path:
        """The (first) folder revision files live in."""
        return self.version_locations[0]

    @property
    def cache_path(self) -> Path:
        """The first folder's listing cache; safe to delete at any time (as every folder's is)."""
        return _cache_path(self.versions_dir)

    def checksum_of(self, rev: Revision) -> str | None:
        """The checksum the applied log records for a revision's file; None for one without a file."""
        return file_checksum(self.file_of(rev.revision)) if rev.path else None

    def file_of(self, rev_id: str) -> Path:
        """The absolute path of a listed revision's file."""
        if rev_id not in self._files:
            self.revisions()
        try:
            return Path(self._files[rev_id])
        except KeyError:
            raise ScriptError(f"revision '{rev_id}' is not in the migration folder") from None

    def location_of(self, rev_id: str) -> Path:
        """The version location (not the sub-folder) a listed revision's file was found in."""
        self.file_of(rev_id)
        return self._roots[rev_id]

    def revisions(self) -> list[Revision]:
        """Every revision file's declaration, read without importing, in listing order."""
        if not self._explicit and not self.versions_dir.is_dir():
            raise ScriptError(f"{self.versions_dir}: revisions folder not found in migration folder {self.location}")
        revisions: list[Revision] = []
        # A folder reached twice (a location listed twice, or inside a recursive one) is
        # listed once, as Alembic reads such files once.
        seen_folders: set[str] = set()
        for root in self.version_locations:
            if not root.is_dir():
                if root.exists():
                    raise ScriptError(f"{root}: version location is not a folder")
                continue  # configured, not created yet
            stack = [root]
            while stack:
                folder = stack.pop()
                real = os.path.realpath(folder)
                if real in seen_folders:
                    continue
                seen_folders.add(real)
                subfolders = self._read_folder(folder, root, revisions)
                if self.recursive:
                    stack.extend(folder / name for name in reversed(subfolders))
        return revisions

    def _read_folder(self, folder: Path, root: Path, revisions: list[Revision]) -> list[str]:
        """Append one folder's revisions (using and refreshing its cache); return its sub-folders."""
        prefix = os.path.join(str(folder), "")
        # Revision.path is what messages show: relative to the working folder when inside it.
        shown_prefix = os.path.join(display_path(folder), "")
        cache_path = _cache_path(folder)
        old = _read_cache(cache_path)
        new: dict[str, dict[str, Any]] = {}
        changed = False
        files, subfolders = _list_folder(folder, self.recursive)
        try:
            for name, mtime_ns, size in files:
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
                self._roots[rev.revision] = root
                revisions.append(rev)
        except ScriptError:
            # Keep what was learnt so the next run only re-reads from the broken file on.
            if changed:
                new.update({k: v for k, v in old.items() if k not in new})
                _write_cache(cache_path, new)
            raise
        if changed or new.keys() != old.keys():
            _write_cache(cache_path, new)
        return subfolders

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
        try:
            module = exec_module_file(file, name, keep=True)
        except NotLoadable:
            raise ScriptError(f"{path}: cannot be imported as a Python module") from None
        except SyntaxError as exc:
            raise ScriptError(f"{path}: syntax error at line {exc.lineno}: {exc.msg}") from exc
        except Exception as exc:
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


# -- cache --------------------------------------------------------------------------------


def _cache_path(folder: Path) -> Path:
    return folder / "__pycache__" / CACHE_NAME


def _read_cache(cache_path: Path) -> dict[str, dict[str, Any]]:
    """The cached entries, or nothing if the cache is missing, foreign or unreadable."""
    try:
        data = json.loads(cache_path.read_bytes())
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


def _write_cache(cache_path: Path, files: dict[str, dict[str, Any]]) -> None:
    """Replace the cache atomically; a read-only folder just means no cache."""
    cache_dir = cache_path.parent
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
        os.replace(tmp_name, cache_path)
        tmp_name = None
    except OSError:
        pass
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _list_folder(folder: Path, with_subfolders: bool) -> tuple[list[tuple[str, int, int]], list[str]]:
    """(name, mtime_ns, size) of each revision file sorted by name, and the sub-folders to list
    (sorted; only when asked for)."""
    found: list[tuple[str, int, int]] = []
    subfolders: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if not name.endswith(".py") or name.startswith((".", "_")):
                if (
                    with_subfolders
                    and not name.startswith(".")
                    and name != "__pycache__"
                    and entry.is_dir(follow_symlinks=False)
                ):
                    subfolders.append(name)
                continue
            if not entry.is_file():
                continue
            stat = entry.stat()
            found.append((name, stat.st_mtime_ns, stat.st_size))
    found.sort()
    subfolders.sort()
    return found, subfolders


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
