"""Finding and loading native plugins.

At ``import daft`` plugins are loaded from, in order:

1. installed wheels that declare an entry point in the group ``daft.plugins`` (the entry
   point's object is a function returning the plugin library's path);
2. the files and folders listed in ``DAFT_PLUGIN_PATH`` (separated by ``os.pathsep``); a
   folder contributes every shared library directly inside it.

Nothing is ever loaded from the working directory unless a path says so.

Environment switches:

* ``DAFT_PLUGINS_DISABLE=1`` — load no plugin at import.
* ``DAFT_PLUGINS_ALLOW=name,name`` — load only these plugins (entry-point names are checked
  before loading; for ``DAFT_PLUGIN_PATH`` files, the plugin's own name is checked before any
  of its functions is registered).
* ``DAFT_PLUGINS_STRICT=1`` — a plugin that fails to load raises at import instead of warning.
* ``DAFT_PLUGIN_VALIDATION=full`` — fully validate every Arrow array a plugin returns (the
  always-on checks are its length and type); slower, meant for tests.

A plugin that fails to load is reported with a warning and a ``failed`` status in
:func:`plugins`; ``daft`` and every other plugin keep working.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
import warnings
from typing import Any

from daft import daft as _native
from daft.exceptions import DaftPluginError

__all__ = ["load_plugin", "plugins"]

_LIB_SUFFIXES = {"linux": (".so",), "darwin": (".dylib", ".so"), "win32": (".dll",)}


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _allow_list() -> set[str] | None:
    raw = os.environ.get("DAFT_PLUGINS_ALLOW")
    if raw is None:
        return None
    return {n.strip() for n in raw.split(",") if n.strip()}


def _library_files(folder: str) -> list[str]:
    suffixes = _LIB_SUFFIXES.get(sys.platform, (".so",))
    return sorted(
        os.path.join(folder, f)
        for f in os.listdir(folder)
        if f.endswith(suffixes) and os.path.isfile(os.path.join(folder, f))
    )


def _resolve_module(name: str) -> str:
    """The library path a plugin's Python package points to."""
    module = importlib.import_module(name)
    getter = getattr(module, "plugin_path", None)
    if not callable(getter):
        raise DaftPluginError(
            f"module {name!r} is not a daft plugin package: it has no plugin_path() function"
        )
    return os.fspath(getter())


def _load_path(path: str, allow: set[str] | None = None) -> dict[str, Any]:
    status = _native.load_plugin(path, sorted(allow) if allow is not None else None)
    from daft import _registry

    _registry.sync()
    return status


def load_plugin(path_or_module: str | os.PathLike) -> dict[str, Any] | None:
    """Loads one plugin now, from a library path or an installed plugin package's name.

    Its functions become available in ``daft.functions`` and as ``Expression`` methods at
    once. Returns the plugin's status record. Raises :class:`~daft.exceptions.DaftPluginError`
    (naming the file and the reason) if it cannot be loaded; nothing of it is registered then.
    """
    target = os.fspath(path_or_module)
    if os.path.exists(target):
        path = target
    elif os.sep in target or target.endswith(tuple(s for v in _LIB_SUFFIXES.values() for s in v)):
        raise FileNotFoundError(f"load_plugin: no such plugin file: {target}")
    else:
        try:
            path = _resolve_module(target)
        except ImportError as e:
            raise DaftPluginError(
                f"load_plugin: {target!r} is neither a file nor an importable plugin package ({e})"
            ) from None
    return _load_path(path)


def _discover_entry_points() -> list[tuple[str, Any]]:
    eps = importlib.metadata.entry_points()
    if hasattr(eps, "select"):
        found = eps.select(group="daft.plugins")
    else:  # Python 3.9
        found = eps.get("daft.plugins", [])
    return sorted(((ep.name, ep) for ep in found), key=lambda item: item[0])


def _report(source: str, error: BaseException, strict: bool, record: bool = True) -> None:
    # The native loader records its own failures; only errors found before
    # it ran (a broken entry point, a missing path) are recorded here.
    if record:
        _native.record_plugin_failure(source, str(error))
    if strict:
        raise DaftPluginError(f"plugin {source}: {error}") from error
    warnings.warn(
        f"daft: plugin {source} failed to load and was skipped: {error}",
        RuntimeWarning,
        stacklevel=3,
    )


def load_at_import() -> None:
    """Loads every discovered plugin, honouring the environment switches."""
    if os.environ.get("DAFT_PLUGIN_VALIDATION", "").strip().lower() == "full":
        _native.set_plugin_strict_validation(True)
    if _env_flag("DAFT_PLUGINS_DISABLE"):
        return
    strict = _env_flag("DAFT_PLUGINS_STRICT")
    allow = _allow_list()
    for name, ep in _discover_entry_points():
        if allow is not None and name not in allow:
            continue
        try:
            getter = ep.load()
            path = os.fspath(getter() if callable(getter) else getter)
        except Exception as e:  # a broken plugin must not break `import daft`
            _report(f"{name!r} (entry point {ep.value})", e, strict)
            continue
        try:
            _native.load_plugin(path, sorted(allow) if allow is not None else None)
        except Exception as e:
            _report(f"{name!r} ({path})", e, strict, record=False)
    for entry in filter(None, os.environ.get("DAFT_PLUGIN_PATH", "").split(os.pathsep)):
        try:
            if os.path.isdir(entry):
                files = _library_files(entry)
                if not files:
                    raise DaftPluginError(f"folder {entry} contains no plugin library")
            elif os.path.exists(entry):
                files = [entry]
            else:
                raise FileNotFoundError(f"no such file or folder: {entry}")
        except Exception as e:
            _report(f"DAFT_PLUGIN_PATH entry {entry}", e, strict)
            continue
        for path in files:
            try:
                _native.load_plugin(path, sorted(allow) if allow is not None else None)
            except Exception as e:
                _report(path, e, strict, record=False)


def plugins():
    """The status of every plugin this process tried to load, as a DataFrame.

    Columns: ``name``, ``version``, ``status`` (``loaded`` or ``failed``), ``abi_version``,
    ``path``, ``functions``, ``types``, ``namespaced_only`` (functions whose plain name was
    taken, reachable as ``daft.functions.<plugin>.<name>``), ``error``.
    """
    import pyarrow as pa

    from daft.io import from_arrow

    records = _native.plugin_statuses()
    schema = pa.schema(
        [
            ("name", pa.string()),
            ("version", pa.string()),
            ("status", pa.string()),
            ("abi_version", pa.string()),
            ("path", pa.string()),
            ("functions", pa.list_(pa.string())),
            ("types", pa.list_(pa.string())),
            ("namespaced_only", pa.list_(pa.string())),
            ("error", pa.string()),
        ]
    )
    return from_arrow(pa.Table.from_pylist(records, schema=schema))
