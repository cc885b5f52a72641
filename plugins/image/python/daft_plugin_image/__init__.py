"""The ``image`` daft plugin.

Installing this package is all it takes: ``import daft`` finds it through the
``daft.plugins`` entry point, which calls :func:`plugin_path`, and loads the
native library. This module does not import the library itself.
"""

from __future__ import annotations

import os
import sys

__all__ = ["plugin_path"]

# Where maturin puts the cdylib for `module-name = "daft_plugin_image._native"` (as
# libdaft_plugin_image.so on Linux, libdaft_plugin_image.dylib on macOS, daft_plugin_image.dll on Windows); found
# by its suffix.
_NATIVE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_native")
_SUFFIX = {"win32": ".dll", "darwin": ".dylib"}.get(sys.platform, ".so")


def plugin_path() -> str:
    """The absolute path of the plugin's native library."""
    try:
        found = [f for f in os.listdir(_NATIVE_DIR) if f.endswith(_SUFFIX)]
    except FileNotFoundError:
        found = []
    if len(found) != 1:
        raise FileNotFoundError(
            f"daft-plugin-image is installed without its native library: expected one *{_SUFFIX} "
            f"file in {_NATIVE_DIR}, found {sorted(found) or 'none'}"
        )
    return os.path.join(_NATIVE_DIR, found[0])
