"""Finding and loading native plugins.

At ``import daft`` plugins are loaded from, in order:

1. installed wheels that declare an entry point in the group ``daft.plugins`` (the entry
   point's object is a function returning the plugin library's path);
2. the files and folders listed in ``DAFT_PLUGIN_PATH`` (separated by ``os.pathsep``); a
   folder contributes every shared library directly inside it.

Nothing is ever loaded from the working directory unless a path says so: a
``DAFT_PLUGIN_PATH`` entry must be an absolute path (relative and empty entries are refused
with a warning), and :func:`load_plugin` treats a name without a path separator as an
installed plugin.

Before a library is opened, the loader checks that it is a whole shared library for this
machine (a truncated or foreign file is a failed plugin, never a crash) and that no other
user could have written it or a folder above it.

Environment switches:

* ``DAFT_PLUGINS_DISABLE=1`` — load no plugin at import.
* ``DAFT_PLUGINS_ALLOW=name,name`` — load only these plugins. The list is applied before any
  library is opened: an installed plugin is allowed by its entry-point name or its
  distribution name (``hello`` or ``daft-plugin-hello``), a ``DAFT_PLUGIN_PATH`` file by its
  file stem (``libdaft_plugin_hello.so`` is allowed by ``daft_plugin_hello`` and by
  ``hello``).
* ``DAFT_PLUGINS_STRICT=1`` — a plugin that fails to load raises at import instead of warning.
* ``DAFT_PLUGINS_ALLOW_WRITABLE=1`` — load plugin files that other users can write.
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


def _load_path(path: str) -> dict[str, Any]:
    status = _native.load_plugin(path, None)
    from daft import _registry

    _registry.sync()
    return status


def _normalize(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(".", "_")


def _file_identities(path: str) -> set[str]:
    """The names a ``DAFT_PLUGIN_PATH`` file is allowed by: its stem, without ``lib``."""
    stem = os.path.basename(path)
    for suffix in _LIB_SUFFIXES.get(sys.platform, (".so",)):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if stem.startswith("lib") and sys.platform != "win32":
        stem = stem[3:]
    names = {_normalize(stem)}
    if stem.startswith("daft_plugin_"):
        names.add(_normalize(stem[len("daft_plugin_") :]))
    return names


def _entry_point_identities(name: str, ep: Any) -> set[str]:
    names = {_normalize(name)}
    dist = getattr(ep, "dist", None)
    if dist is not None and getattr(dist, "name", None):
        names.add(_normalize(dist.name))
    return names


def _allowed(identities: set[str], allow: set[str] | None) -> bool:
    return allow is None or bool(identities & {_normalize(a) for a in allow})


def _installed_plugin_path(name: str) -> str:
    """The library of the installed plugin called ``name``.

    ``name`` is an entry-point name, a distribution name or a plugin package's import name.
    """
    wanted = _normalize(name)
    for ep_name, ep in _discover_entry_points():
        if wanted in _entry_point_identities(ep_name, ep):
            getter = ep.load()
            return os.fspath(getter() if callable(getter) else getter)
    try:
        return _resolve_module(name)
    except ImportError as e:
        raise DaftPluginError(
            f"load_plugin: no installed plugin is called {name!r} (no entry point or "
            f"distribution of that name in the group daft.plugins, and no importable plugin "
            f"package: {e}); to load a library file, give a path with a separator, such as "
            f"{os.path.join('.', name)!r}"
        ) from None


def load_plugin(path_or_module: str | os.PathLike) -> dict[str, Any] | None:
    """Loads one plugin now, from a library path or an installed plugin's name.

    A string with a path separator (``"./libmy_plugin.so"``) or a :class:`os.PathLike` is a
    library file; a bare name (``"hello"``, ``"daft-plugin-hello"``) is an installed plugin,
    found by its entry point or distribution name, never a file in the working directory.

    Its functions become available in ``daft.functions`` and as ``Expression`` methods at
    once. Returns the plugin's status record. Raises :class:`~daft.exceptions.DaftPluginError`
    (naming the file and the reason) if it cannot be loaded; nothing of it is registered then.
    """
    target = os.fspath(path_or_module)
    separators = tuple(sep for sep in (os.sep, os.altsep) if sep)
    if not isinstance(path_or_module, str) or any(sep in target for sep in separators):
        if not os.path.exists(target):
            raise FileNotFoundError(f"load_plugin: no such plugin file: {target}")
        path = target
    else:
        path = _installed_plugin_path(target)
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
        if not _allowed(_entry_point_identities(name, ep), allow):
            continue
        try:
            getter = ep.load()
            path = os.fspath(getter() if callable(getter) else getter)
        except Exception as e:  # a broken plugin must not break `import daft`
            _report(f"{name!r} (entry point {ep.value})", e, strict)
            continue
        try:
            _native.load_plugin(path, None)
        except Exception as e:
            _report(f"{name!r} ({path})", e, strict, record=False)
    raw_path = os.environ.get("DAFT_PLUGIN_PATH", "")
    for entry in raw_path.split(os.pathsep) if raw_path else []:
        try:
            files = _path_entry_files(entry)
        except Exception as e:
            _report(f"DAFT_PLUGIN_PATH entry {entry}", e, strict)
            continue
        for path in files:
            if not _allowed(_file_identities(path), allow):
                continue
            try:
                _native.load_plugin(path, None)
            except Exception as e:
                _report(path, e, strict, record=False)


def _path_entry_files(entry: str) -> list[str]:
    """The library files one ``DAFT_PLUGIN_PATH`` entry names."""
    if not entry.strip():
        raise DaftPluginError(
            "empty entry refused (it would mean the working directory); remove the extra "
            f"{os.pathsep!r} or name the folder as an absolute path"
        )
    if not os.path.isabs(entry):
        raise DaftPluginError(
            "relative entry refused: it would be resolved against the working directory "
            f"({os.getcwd()}); give an absolute path"
        )
    if os.path.isdir(entry):
        files = _library_files(entry)
        if not files:
            raise DaftPluginError(f"folder {entry} contains no plugin library")
        return files
    if os.path.exists(entry):
        return [entry]
    raise FileNotFoundError(f"no such file or folder: {entry}")


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
