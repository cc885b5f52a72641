"""The API boundary (``host/daft-python/src/boundary.rs``): the DataFrame methods, the
readers and ``sql`` are wrapped in a native callable, so that an error raised inside one
reaches the user with a traceback that ends at the user's own line and a message that
names the call (``DataFrame.select: column "x" not found; ...``).

``DAFT_FULL_TRACEBACK=1`` keeps the engine's frames in tracebacks (for debugging the
engine). Type checkers and documentation tools read the functions as written: the
wrapping happens at import, after the class or module is defined.
"""

from __future__ import annotations

import types
from typing import Any

from daft.daft import ApiFunction

__all__ = ["wrap_class", "wrap_functions"]


def wrap_class(cls: type) -> None:
    """Wraps every public method of ``cls``, also those of its daft base classes (the
    mixins DataFrame is assembled from), each named ``Class.method``."""
    done: set[str] = set()
    for base in cls.__mro__:
        if not base.__module__.startswith("daft"):
            continue
        for attr, value in list(vars(base).items()):
            if attr in done or attr.startswith("_") or not isinstance(value, types.FunctionType):
                continue
            done.add(attr)
            setattr(cls, attr, ApiFunction(value, f"{cls.__name__}.{attr}"))


def wrap_functions(namespace: dict[str, Any], names: list[str]) -> None:
    """Wraps the module-level functions ``names`` of ``namespace`` (a module's globals)."""
    for attr in names:
        value = namespace.get(attr)
        if isinstance(value, types.FunctionType):
            namespace[attr] = ApiFunction(value, attr)
