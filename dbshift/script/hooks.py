"""Post-write hooks: programs run on each new revision file (formatters, linters), as Alembic's
``[post_write_hooks]`` configures them.

Three types, as in Alembic: ``console_scripts`` runs an installed entry point's function with
this interpreter (``sys.executable -c "import black; black.patched_main()"``), ``exec`` runs an
executable, ``module`` runs ``sys.executable -m module``. ``options`` is split like a shell
command line; ``REVISION_SCRIPT_FILENAME`` in it is replaced by the new file's absolute path,
and goes first when ``options`` does not mention it. ``cwd`` is the hook's working folder
(relative to the current one).

Hooks are checked before the revision is written (unknown type, missing key, entry point,
module or executable not found, missing ``cwd``), so a misconfigured hook leaves nothing
behind. Unlike Alembic, which ignores a hook's exit status, a hook that fails stops with an
error naming it and its status; the revision file was written before the hooks ran and is
kept (hooks after the failing one do not run). Further types (what Alembic's
``write_hooks.register`` records) run only when the caller supplies their Python functions.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dbshift.errors import ConfigError, ScriptError

if TYPE_CHECKING:
    from dbshift.config import PostWriteHook

__all__ = ["REVISION_SCRIPT_TOKEN", "HookFunction", "PreparedHook", "prepare_hooks", "run_hooks"]

REVISION_SCRIPT_TOKEN = "REVISION_SCRIPT_FILENAME"
HOOK_TYPES = ("console_scripts", "exec", "module")
_REQUIRED = {"console_scripts": "entrypoint", "exec": "executable", "module": "module"}

HookFunction = Callable[[str, Mapping[str, str]], object]
"""A hook type implemented in Python, called as Alembic calls a registered one: with the file's
path and the hook's settings (plus ``_hook_name``)."""


@dataclass(frozen=True)
class PreparedHook:
    """A checked hook: the command to run, before the revision file's path is put in."""

    name: str
    command: tuple[str, ...]
    options: str
    cwd: Path | None
    described: str = ""
    """The hook as configured (``exec ruff``), for messages."""
    function: HookFunction | None = None
    """Set for a hook type implemented in Python (see ``custom_types``); run in-process."""
    settings: Mapping[str, str] | None = None

    def argv(self, path: Path) -> list[str]:
        """The full command line for one revision file."""
        return [*self.command, *_options(self.options, str(path))]


def prepare_hooks(
    hooks: Sequence[PostWriteHook],
    *,
    where: str = "post_write_hooks",
    custom_types: Mapping[str, HookFunction] | None = None,
) -> list[PreparedHook]:
    """Check every hook and work out its command; ConfigError names the hook and the key.

    ``where`` names the configuration in messages (``alembic.ini: [post_write_hooks]``).
    ``custom_types`` maps further type names to Python functions (what Alembic's
    ``write_hooks.register`` records); any other type is an error.
    """
    return [_prepare(hook, where, custom_types or {}) for hook in hooks]


def run_hooks(hooks: Sequence[PreparedHook], path: Path, report: Callable[[str], None]) -> None:
    """Run the hooks in order on ``path``; the first failure stops with a ScriptError.

    The hooks' output goes where dbshift's goes (the terminal), as under Alembic.
    """
    path = path.absolute()
    for hook in hooks:
        report(f"Running post-write hook '{hook.name}'")
        if hook.function is not None:
            _call(hook, hook.function, path)
            continue
        argv = hook.argv(path)
        try:
            completed = subprocess.run(argv, cwd=hook.cwd, check=False)
        except OSError as exc:
            raise ScriptError(
                f"post-write hook '{hook.name}' could not start {argv[0]!r}: {exc.strerror or exc}; "
                f"the revision file {path} was written and kept"
            ) from None
        if completed.returncode != 0:
            status = completed.returncode
            how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
            raise ScriptError(
                f"post-write hook '{hook.name}' ({hook.described}) {how}; the revision file {path} was written and kept"
            )


def _call(hook: PreparedHook, function: HookFunction, path: Path) -> None:
    try:
        function(str(path), {**(hook.settings or {}), "_hook_name": hook.name})
    except Exception as exc:  # noqa: BLE001 - the project's hook code: any failure is reported as the hook's
        detail = " ".join(str(exc).split())
        raise ScriptError(
            f"post-write hook '{hook.name}' ({hook.described}) failed: {type(exc).__name__}: {detail}; "
            f"the revision file {path} was written and kept"
        ) from None


def _prepare(hook: PostWriteHook, where: str, custom_types: Mapping[str, HookFunction]) -> PreparedHook:
    name = hook.name
    kind = hook.type
    if kind not in HOOK_TYPES:
        function = custom_types.get(kind)
        if function is not None:
            return PreparedHook(name, (), "", None, kind, function, dict(hook.options))
        known = ", ".join((*HOOK_TYPES, *sorted(custom_types)))
        raise ConfigError(f"{where}: hook '{name}' has type {kind!r}; dbshift runs the types {known}")
    key = _REQUIRED[kind]
    target = (hook.options.get(key) or "").strip()
    if not target:
        raise ConfigError(f"{where}: hook '{name}' of type {kind} needs '{name}.{key}'")
    if kind == "console_scripts":
        command = _console_script(target, name, where)
    elif kind == "module":
        command = _module(target, name, where)
    else:
        command = _executable(target, name, where)
    cwd_text = hook.options.get("cwd")
    cwd = Path(cwd_text).expanduser().absolute() if cwd_text else None
    if cwd is not None and not cwd.is_dir():
        raise ConfigError(f"{where}: hook '{name}': '{name}.cwd' {cwd_text!r} is not a folder")
    options = hook.options.get("options", "")
    try:
        _options(options, "x")
    except ValueError as exc:
        raise ConfigError(f"{where}: hook '{name}': '{name}.options' cannot be split: {exc}") from None
    return PreparedHook(name, command, options, cwd, f"{kind} {target}")


def _console_script(entrypoint: str, name: str, where: str) -> tuple[str, ...]:
    """``sys.executable -c "import mod; mod.attr()"`` for the named console_scripts entry point."""
    for entry in importlib.metadata.entry_points(group="console_scripts"):
        if entry.name == entrypoint:
            return (sys.executable, "-c", f"import {entry.module}; {entry.module}.{entry.attr}()")
    raise ConfigError(
        f"{where}: hook '{name}': no installed console script named {entrypoint!r} "
        f"(for {sys.executable}); install it or use type exec"
    )


def _module(module: str, name: str, where: str) -> tuple[str, ...]:
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ConfigError(f"{where}: hook '{name}': module {module!r} is not importable by {sys.executable}")
    return (sys.executable, "-m", module)


def _executable(executable: str, name: str, where: str) -> tuple[str, ...]:
    # A bare name is looked up on PATH now; a path is left to the system when the hook runs.
    bare = os.sep not in executable and (os.altsep is None or os.altsep not in executable)
    if bare and shutil.which(executable) is None:
        raise ConfigError(f"{where}: hook '{name}': executable {executable!r} not found on PATH")
    return (executable,)


def _options(options: str, path: str) -> list[str]:
    """Alembic's rule: shell-like split, the token replaced, the file first if not mentioned."""
    if REVISION_SCRIPT_TOKEN not in options:
        options = f"{REVISION_SCRIPT_TOKEN} {options}"
    return [part.replace(REVISION_SCRIPT_TOKEN, path) for part in shlex.split(options, posix=os.name == "posix")]
