"""The ``bench`` daft plugin: benchmark twins of two built-ins (see benchmarks/)."""

from __future__ import annotations

import os
import sys

__all__ = ["plugin_path"]

_NATIVE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_native")
# maturin names the library after the crate's [lib] name.
_LIBRARY_NAME = {"win32": "daft_plugin_bench.dll", "darwin": "libdaft_plugin_bench.dylib"}.get(
    sys.platform, "libdaft_plugin_bench.so"
)


def plugin_path() -> str:
    """The absolute path of the plugin's native library."""
    return os.path.join(_NATIVE_DIR, _LIBRARY_NAME)
