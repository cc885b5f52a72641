"""Finds the plugin a target names and loads it if needed."""

from __future__ import annotations

import os
import pathlib
from typing import Any

import pyarrow as pa

import daft
from daft import daft as _native
from daft.exceptions import DaftPluginError

# Not `from daft import plugins`: that name is the function daft.plugins().
from daft.plugins import _discover_entry_points, _resolve_module
from daft.testing._inputs import _can_generate

# ---- finding the plugin -------------------------------------------------------------------

_LIB_SUFFIXES = (".so", ".dylib", ".dll")


class _CannotCheck(Exception):
    pass


def _looks_like_path(target: str) -> bool:
    """Whether ``target`` names a library file rather than a plugin.

    Only its spelling decides: a path separator or a library suffix. A bare name is always a
    plugin's name, even when a file or folder of that name is in the working directory (the
    plugin's own crate folder often is); write ``./name`` for such a file.
    """
    separators = [sep for sep in (os.sep, os.altsep, "/") if sep]
    return any(sep in target for sep in separators) or target.endswith(_LIB_SUFFIXES)


def _bare_name_hint(target: str) -> str:
    """What to write instead, when a bare name is also a file or folder here."""
    if not os.path.exists(target):
        return ""
    return (
        f"; {target!r} in the working directory is not taken for a library, since a bare "
        f"name always means a plugin: write {os.path.join(os.curdir, target)} to check "
        "that file"
    )


def _loaded_statuses() -> list[dict[str, Any]]:
    return [s for s in _native.plugin_statuses() if s["status"] == "loaded"]


def _status_at(path: str) -> dict[str, Any] | None:
    real = os.path.realpath(path)
    for s in _loaded_statuses():
        if os.path.realpath(s["path"]) == real:
            return s
    return None


def _load(path: str) -> dict[str, Any]:
    found = _status_at(path)
    if found is not None:
        return found
    try:
        # A PathLike, so that a library named without a folder (`libx.so`) is this file,
        # not an installed plugin of that name.
        return daft.load_plugin(pathlib.Path(path))
    except (DaftPluginError, FileNotFoundError) as e:
        raise _CannotCheck(f"cannot load {path}: {e}") from None


def _resolve(target: str) -> dict[str, Any]:
    """The status of the plugin ``target`` names, loading it if needed.

    ``target`` is a library path, a loaded plugin's name, the name of an entry point in the
    group ``daft.plugins``, or an installed plugin package's module name.
    """
    if _looks_like_path(target):
        return _load(target)
    for s in _loaded_statuses():
        if s["name"] == target:
            return s
    for name, ep in _discover_entry_points():
        if name == target:
            try:
                getter = ep.load()
                path = os.fspath(getter() if callable(getter) else getter)
            except Exception as e:
                raise _CannotCheck(f"entry point {name!r} ({ep.value}) is broken: {e}") from None
            return _load(path)
    try:
        path = _resolve_module(target)
    except ImportError:
        raise _CannotCheck(
            f"no plugin {target!r}: it is neither a loaded plugin, an entry point in the "
            f"group daft.plugins, an importable plugin package nor a library path"
            f"{_bare_name_hint(target)}"
        ) from None
    except DaftPluginError as e:
        # A folder of that name in the working directory imports as a namespace package.
        raise _CannotCheck(f"no plugin {target!r}: {e}{_bare_name_hint(target)}") from None
    return _load(path)


def _extension_fields(type_names: list[str]) -> list[pa.Field]:
    """A field (storage type and extension metadata) per extension type named."""
    declared = pa.schema(_native.plugin_extension_types())
    out = []
    for name in type_names:
        i = declared.get_field_index(name)
        if i >= 0 and _can_generate(declared.field(i).type):
            out.append(declared.field(i))
    return out
