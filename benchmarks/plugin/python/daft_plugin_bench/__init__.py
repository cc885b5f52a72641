"""The ``bench`` daft plugin: benchmark twins of two built-ins (see benchmarks/)."""

from __future__ import annotations

import os
import sys

__all__ = ["plugin_path"]

_NATIVE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_native")
_LIBRARY_NAME = {"win32": "_native.dll", "darwin": "lib_native.dylib"}.get(
    sys.platform, "lib_native.so"
)


def plugin_path() -> str:
    """The absolute path of the plugin's native library."""
    return os.path.join(_NATIVE_DIR, _LIBRARY_NAME)
