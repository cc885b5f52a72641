"""The ``image`` daft plugin.

Installing this package is all it takes: ``import daft`` finds it through the
``daft.plugins`` entry point, which calls :func:`plugin_path`, and loads the
native library. This module does not import the library itself (nor cffi).
"""

from __future__ import annotations

import os
import sys

__all__ = ["plugin_path"]

# Where maturin puts the cdylib for `module-name = "daft_plugin_image._native"`.
_NATIVE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_native")

if sys.platform == "win32":
    _LIBRARY_NAME = "_native.dll"
elif sys.platform == "darwin":
    _LIBRARY_NAME = "lib_native.dylib"
else:
    _LIBRARY_NAME = "lib_native.so"


def plugin_path() -> str:
    """The absolute path of the plugin's native library."""
    path = os.path.join(_NATIVE_DIR, _LIBRARY_NAME)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"daft-plugin-image is installed without its native library (expected {path})"
        )
    return path
