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
* ``DAFT_PLUGIN_ISOLATION=process`` — run every plugin in isolated worker processes (see
  below); ``DAFT_PLUGIN_ISOLATE=name,name`` isolates only these plugins, named as in
  ``DAFT_PLUGINS_ALLOW``.
* ``DAFT_PLUGIN_CALL_TIMEOUT=seconds`` — how long one call of an isolated plugin may take
  (default 300); ``DAFT_PLUGIN_WORKERS=n`` — at most this many worker processes per isolated
  plugin (default: the number of CPUs).

Isolation: a plugin loaded with ``isolation="process"`` is never opened in this process. Its
library is opened in a worker process, which runs its return-type rules and kernels; arguments
and results travel as Arrow IPC through shared memory. A segfault, abort, ``exit()`` or a call
that exceeds the timeout fails that call with a :class:`~daft.exceptions.DaftPluginError`
naming the plugin, the function and how the worker ended; the worker is replaced and the next
call (a retry of the query) works. The cost is a copy of each batch each way and a round trip
per call (see ``docs/benchmarks.md``).

A plugin that fails to load is reported with a warning and a ``failed`` status in
:func:`plugins`; ``daft`` and every other plugin keep working.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any

from daft import daft as _native
from daft.exceptions import DaftPluginError

if TYPE_CHECKING:
    from daft.dataframe import DataFrame

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


_ISOLATION_MODES = ("none", "process")
_DEFAULT_CALL_TIMEOUT = 300.0


def _worker_command() -> list[str]:
    """How a worker process starts: this interpreter on ``_plugin_worker.py``, given this
    process's own native module."""
    if not sys.executable:
        raise DaftPluginError(
            "isolation='process' needs a Python interpreter to start workers, and "
            "sys.executable is empty in this process"
        )
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_plugin_worker.py")
    return [sys.executable, "-I", "-S", script, os.path.abspath(_native.__file__)]


def _env_number(name: str, default: float, kind: type) -> Any:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise DaftPluginError(f"{name}={raw!r} is not a {kind.__name__}") from None
    if value <= 0:
        raise DaftPluginError(f"{name}={raw!r} must be positive")
    return value


def _isolation_arg(
    isolation: str, call_timeout: float | None, workers: int | None
) -> tuple[list[str], float, int] | None:
    """The native loader's ``isolation`` argument for a mode and its settings."""
    if isolation not in _ISOLATION_MODES:
        raise ValueError(
            f"load_plugin: isolation must be one of {', '.join(map(repr, _ISOLATION_MODES))}, "
            f"got {isolation!r}"
        )
    if isolation == "none":
        return None
    if call_timeout is None:
        call_timeout = _env_number("DAFT_PLUGIN_CALL_TIMEOUT", _DEFAULT_CALL_TIMEOUT, float)
    if workers is None:
        workers = _env_number("DAFT_PLUGIN_WORKERS", os.cpu_count() or 1, int)
    if not isinstance(call_timeout, (int, float)) or call_timeout <= 0:
        raise ValueError(
            f"load_plugin: call_timeout must be positive seconds, got {call_timeout!r}"
        )
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"load_plugin: workers must be an int of at least 1, got {workers!r}")
    return (_worker_command(), float(call_timeout), workers)


def _isolation_from_env(identities: set[str]) -> str:
    """The isolation the environment asks for a plugin known by these names."""
    mode = os.environ.get("DAFT_PLUGIN_ISOLATION", "").strip().lower() or "none"
    if mode not in _ISOLATION_MODES:
        raise DaftPluginError(
            f"DAFT_PLUGIN_ISOLATION={mode!r}: expected {' or '.join(map(repr, _ISOLATION_MODES))}"
        )
    raw = os.environ.get("DAFT_PLUGIN_ISOLATE")
    if raw is not None and _allowed(identities, {n.strip() for n in raw.split(",") if n.strip()}):
        return "process"
    return mode


def _load_path(
    path: str, isolation: str, call_timeout: float | None, workers: int | None
) -> dict[str, Any]:
    status = _native.load_plugin(path, None, _isolation_arg(isolation, call_timeout, workers))
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


def _installed_plugin_path(name: str) -> tuple[str, set[str]]:
    """The library of the installed plugin called ``name``, and the names it is known by.

    ``name`` is an entry-point name, a distribution name or a plugin package's import name.
    """
    wanted = _normalize(name)
    for ep_name, ep in _discover_entry_points():
        identities = _entry_point_identities(ep_name, ep)
        if wanted in identities:
            getter = ep.load()
            return os.fspath(getter() if callable(getter) else getter), identities
    try:
        return _resolve_module(name), {wanted}
    except ImportError as e:
        raise DaftPluginError(
            f"load_plugin: no installed plugin is called {name!r} (no entry point or "
            f"distribution of that name in the group daft.plugins, and no importable plugin "
            f"package: {e}); to load a library file, give a path with a separator, such as "
            f"{os.path.join('.', name)!r}"
        ) from None


def load_plugin(
    path_or_module: str | os.PathLike,
    *,
    isolation: str | None = None,
    call_timeout: float | None = None,
    workers: int | None = None,
) -> dict[str, Any] | None:
    """Loads one plugin now, from a library path or an installed plugin's name.

    A string with a path separator (``"./libmy_plugin.so"``) or a :class:`os.PathLike` is a
    library file; a bare name (``"hello"``, ``"daft-plugin-hello"``) is an installed plugin,
    found by its entry point or distribution name, never a file in the working directory.

    ``isolation="process"`` runs the plugin in supervised worker processes instead of this
    one, so that a crash or hang in it fails a call instead of the process (see the module
    docs); ``"none"`` loads it here. By default the environment decides
    (``DAFT_PLUGIN_ISOLATION``, ``DAFT_PLUGIN_ISOLATE``). ``call_timeout`` (seconds) and
    ``workers`` override ``DAFT_PLUGIN_CALL_TIMEOUT`` and ``DAFT_PLUGIN_WORKERS`` for it.

    Its functions become available in ``daft.functions`` and as ``Expression`` methods at
    once. Returns the plugin's status record. Raises :class:`~daft.exceptions.DaftPluginError`
    (naming the file and the reason) if it cannot be loaded; nothing of it is registered then.
    """
    target = os.fspath(path_or_module)
    separators = tuple(sep for sep in (os.sep, os.altsep) if sep)
    if not isinstance(path_or_module, str) or any(sep in target for sep in separators):
        if not os.path.exists(target):
            raise FileNotFoundError(f"load_plugin: no such plugin file: {target}")
        path, identities = target, _file_identities(target)
    else:
        path, identities = _installed_plugin_path(target)
    if isolation is None:
        isolation = _isolation_from_env(identities)
    return _load_path(path, isolation, call_timeout, workers)


def _discover_entry_points() -> list[tuple[str, Any]]:
    from daft import _entry_points

    return sorted(((ep.name, ep) for ep in _entry_points.discover()), key=lambda item: item[0])


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
            isolation = _isolation_from_env(_entry_point_identities(name, ep))
            _native.load_plugin(path, None, _isolation_arg(isolation, None, None))
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
                isolation = _isolation_from_env(_file_identities(path))
                _native.load_plugin(path, None, _isolation_arg(isolation, None, None))
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


def plugins() -> DataFrame:
    """The status of every plugin this process tried to load, as a DataFrame.

    Columns: ``name``, ``version``, ``status`` (``loaded`` or ``failed``), ``abi_version``,
    ``path``, ``functions``, ``types``, ``namespaced_only`` (functions whose plain name was
    taken, reachable as ``daft.functions.<plugin>.<name>``), ``isolation`` (``none`` or
    ``process``), ``allocator`` (``host``: the plugin allocates with daft's allocator, as every
    plugin built with ABI 1.1 or later does in process; ``own``: its own, as a 1.0 plugin or an
    isolated one), ``error``.
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
            ("isolation", pa.string()),
            ("allocator", pa.string()),
            ("error", pa.string()),
        ]
    )
    return from_arrow(pa.Table.from_pylist(records, schema=schema))


if __name__ == "__main__":  # python -m daft.plugins new NAME [--path DIR]
    from daft.plugins_new import main as _main

    sys.exit(_main())
