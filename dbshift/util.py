"""Small helpers shared by the configuration and the commands.

They live here, below every other layer, because both ``config`` and the commands need to
import user code and show database URLs without leaking passwords.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from dbshift.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import URL

__all__ = [
    "NotLoadable",
    "display_path",
    "exec_module_file",
    "import_modules",
    "import_object",
    "mask_url",
    "one_line",
    "prepend_sys_path",
]

MASK = "***"
# Query-string keys some drivers accept a secret in (``?password=...``); masked like the password.
_SECRET_QUERY_KEYS = frozenset({"password", "passwd", "pwd", "secret", "token", "sslpassword"})


def mask_url(url: str | URL) -> str:
    """Render a database URL with its password replaced by ``***``.

    Every message and log line that shows a URL goes through here, so a password can never
    reach a terminal, a CI log or a bug report. A string that does not parse is still masked.
    """
    from sqlalchemy.engine import make_url  # here: commands that print no URL start faster

    if isinstance(url, str):
        try:
            parsed = make_url(url)
        except Exception:  # noqa: BLE001 - masking must never fail
            return _mask_unparsed(url)
    else:
        parsed = url
    secret_keys = [key for key in parsed.query if key.lower() in _SECRET_QUERY_KEYS]
    if secret_keys:
        parsed = parsed.update_query_dict({key: MASK for key in secret_keys})
    # SQLAlchemy renders a hidden password as "***"; the masked query values come out escaped.
    rendered = parsed.render_as_string(hide_password=True)
    return rendered.replace("%2A%2A%2A", MASK)


def _mask_unparsed(text: str) -> str:
    """Mask ``scheme://user:password@rest`` by hand when SQLAlchemy cannot parse the URL.

    Splits on the *last* ``@`` so a password holding an unescaped ``@`` is still hidden;
    masking too much is fine, too little is not. Without a well-formed ``://`` (a typo such as
    ``postgresql//user:pw@host``), everything from the first ``:`` to the last ``@`` is hidden.
    """
    if "@" not in text:
        return text
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    userinfo, _, after = rest.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    if not colon:
        return text
    return f"{scheme}{sep}{user}:{MASK}@{after}"


def display_path(path: Path | None, cwd: Path | None = None) -> str:
    """Show a path relative to the working folder when it lies inside it, else absolute.

    Messages then read ``dbshift.toml: ...`` in the common case and stay unambiguous otherwise.
    """
    if path is None:
        return "dbshift configuration"
    base = cwd if cwd is not None else Path.cwd()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def one_line(exc: BaseException) -> str:
    """``ClassName: message`` on a single line, for wrapping a user's exception in ours."""
    text = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def prepend_sys_path(path: Path) -> None:
    """Put ``path`` first on ``sys.path`` so the project's own packages import.

    The folder holding the config file is usually the project root, which is not on
    ``sys.path`` when dbshift runs as an installed script. An existing entry is moved to the
    front rather than duplicated. It is left there: user modules imported from it stay valid.
    """
    entry = str(path.resolve())
    sys.path[:] = [item for item in sys.path if _normalise(item) != entry]
    sys.path.insert(0, entry)
    # Files may have appeared since the import system last listed this folder.
    importlib.invalidate_caches()


def _normalise(item: str) -> str:
    try:
        return str(Path(item).resolve()) if item else item
    except OSError:
        return item


def _prefix(setting: str, value: str, config_path: Path | None) -> str:
    return f'{display_path(config_path)}: {setting} = "{value}"'


def _import_module(name: str, prefix: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:  # any failure in user code becomes one ConfigError
        raise ConfigError(f"{prefix}: module '{name}' failed to import: {one_line(exc)}") from exc


def import_object(spec: str, setting: str, config_path: Path | None) -> object:
    """Import ``"package.module:attr.path"`` and return the attribute.

    ``setting`` and ``config_path`` only shape the error message, which names the file, the
    setting and its value, then says what went wrong in one line.
    """
    prefix = _prefix(setting, spec, config_path)
    module_name, colon, attr_path = spec.partition(":")
    module_name, attr_path = module_name.strip(), attr_path.strip()
    attrs = attr_path.split(".") if attr_path else []
    if not colon or not module_name or not attrs or not all(attrs):
        raise ConfigError(f'{prefix}: expected "package.module:attribute" (e.g. "myapp.models:Base.metadata")')
    obj: object = _import_module(module_name, prefix)
    walked = module_name
    for index, attr in enumerate(attrs):
        owner = f"module '{module_name}'" if index == 0 else f"'{walked}'"
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise ConfigError(f"{prefix}: {owner} has no attribute '{attr}'") from None
        except Exception as exc:  # a failing property in user code
            raise ConfigError(f"{prefix}: reading '{attr}' of {owner} failed: {one_line(exc)}") from exc
        walked = f"{module_name}:{'.'.join(attrs[: index + 1])}"
    return obj


def import_modules(names: Sequence[str], config_path: Path | None, setting: str = "models") -> list[ModuleType]:
    """Import each module named in the ``models`` setting, in order.

    Importing is what registers the model classes on their ``MetaData``; a failure names the
    setting and the module, then the underlying error, on one line.
    """
    modules = []
    for name in names:
        prefix = f'{display_path(config_path)}: {setting} entry "{name}"'
        modules.append(_import_module(name.strip(), prefix))
    return modules


class NotLoadable(Exception):
    """The file cannot be loaded as a Python module at all (not a file Python knows how to load)."""


def exec_module_file(path: Path, name: str, *, keep: bool) -> ModuleType:
    """Run a Python file as the module ``name`` and return it.

    The module is in ``sys.modules`` while it runs (dataclasses, pickling and typing look modules
    up by name) and stays there afterwards only with ``keep``; a failure never leaves it there,
    and a module it replaced under that name comes back. The file's own exceptions propagate.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise NotLoadable(str(path))
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        _put_back(name, previous)
        raise
    if not keep:
        _put_back(name, previous)
    return module


def _put_back(name: str, previous: ModuleType | None) -> None:
    if previous is not None:
        sys.modules[name] = previous
    else:
        sys.modules.pop(name, None)
