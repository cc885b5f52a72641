"""Modules that ``import daft`` does not load until a call needs them.

pyarrow (with numpy, which it imports) is most of what an eager ``import daft``
would cost, and a user who only reads one Parquet file and writes another never
touches it from Python: the engine moves Arrow data in Rust. Each module of the
package that uses pyarrow imports the proxy below instead; the first attribute
read through it imports pyarrow, and from then on every read is a dict lookup on the
proxy. Daft's extension types are registered with pyarrow right after pyarrow's import,
whoever imports it (:func:`after_import`).

``tests/test_import_time.py`` checks which modules ``import daft`` loads.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

__all__ = ["LazyModule", "after_import", "pa"]


class LazyModule(types.ModuleType):
    """A stand-in for the module ``name`` that imports it on first attribute access,
    then runs ``on_load`` (once, after the import, before the attribute is returned)."""

    def __init__(self, name: str, on_load: Callable[[], None] | None = None) -> None:
        super().__init__(name)
        # Set through __dict__: the class's __getattr__ only runs for misses.
        self.__dict__["_lazy_on_load"] = on_load
        self.__dict__["_lazy_lock"] = threading.RLock()
        self.__dict__["_lazy_module"] = None

    def _lazy_load(self) -> types.ModuleType:
        module = self.__dict__["_lazy_module"]
        if module is not None:
            return module
        # Engine threads call into Python (UDFs, conversions) concurrently; the lock
        # makes the hook run once, and the re-entrant kind lets the hook itself read
        # through this proxy.
        with self.__dict__["_lazy_lock"]:
            module = self.__dict__["_lazy_module"]
            if module is None:
                module = importlib.import_module(self.__name__)
                on_load = self.__dict__["_lazy_on_load"]
                self.__dict__["_lazy_module"] = module
                if on_load is not None:
                    on_load()
                # Later reads of the names pyarrow defines at import skip __getattr__;
                # submodules imported afterwards (pyarrow.compute) still resolve
                # through it.
                for key, value in module.__dict__.items():
                    if not key.startswith("__"):
                        self.__dict__.setdefault(key, value)
        return module

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            # Introspection (copy, pickle, doctest, IPython) must not pay the import.
            raise AttributeError(attr)
        return getattr(self._lazy_load(), attr)

    def __repr__(self) -> str:
        state = "loaded" if self.__dict__["_lazy_module"] is not None else "not loaded yet"
        return f"<lazy module {self.__name__!r} ({state})>"


class _AfterImport:
    """A finder that runs ``hook`` right after ``name`` is imported, by whoever imports
    it, then steps out of ``sys.meta_path``."""

    def __init__(self, name: str, hook: Callable[[], None]) -> None:
        self.name = name
        self.hook = hook

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader, hook = spec.loader, self.hook

        class _Loader:
            """The real loader, with the hook after its exec_module."""

            def __getattr__(self, attr: str) -> Any:
                return getattr(loader, attr)

            def create_module(self, spec: Any) -> Any:
                return loader.create_module(spec)

            def exec_module(self, module: types.ModuleType) -> None:
                loader.exec_module(module)
                # From here on the module looks as if imported without the hook.
                module.__loader__ = loader
                if module.__spec__ is not None:
                    module.__spec__.loader = loader
                hook()

        spec.loader = _Loader()
        return spec


def after_import(name: str, hook: Callable[[], None]) -> None:
    """Runs ``hook`` once ``name`` is imported: now if it is already, else right after
    its import, whoever imports it."""
    if name in sys.modules:
        hook()
    else:
        sys.meta_path.insert(0, _AfterImport(name, hook))


def _register_daft_types() -> None:
    import daft._logical  # registers the types as it loads  # noqa: F401


#: pyarrow, imported on first use.
pa: Any = LazyModule("pyarrow")

# Daft's extension types are registered with pyarrow as soon as pyarrow is imported,
# also when the user imports it first, so that `pq.read_table` of a file Daft wrote gives
# Daft's types without a call into daft first.
after_import("pyarrow", _register_daft_types)
