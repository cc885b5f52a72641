"""Exposes the function registry as Python functions.

Every function the native registry holds — built in or loaded from a plugin
— becomes, by the same code here:

* an attribute of :mod:`daft.functions` (``daft.functions.lower(col("s"))``),
* a method of :class:`daft.Expression` (``col("s").lower()``), unless the
  class defines that name itself,
* for plugin functions also ``daft.functions.<plugin>.<name>``,

each with the registry's docstring and an :func:`inspect.signature`.
:func:`sync` runs at import and again after each plugin loads.
"""

from __future__ import annotations

import enum
import sys
import types
from typing import TYPE_CHECKING, Any, Callable

from daft import daft as _native
from daft.expressions import Expression, _py

if TYPE_CHECKING:
    import inspect

# Names Expression defines itself (operators, alias, aggregations) win over
# registry functions of the same name; computed before any sync.
_EXPRESSION_OWN = frozenset(vars(Expression))


def _signature(params: list[tuple]) -> inspect.Signature:
    import inspect

    P = inspect.Parameter
    out = []
    after_variadic = False
    for name, kind, has_default, default, _accepts in params:
        if kind == "expr":
            out.append(P(name, P.POSITIONAL_OR_KEYWORD))
        elif kind == "variadic":
            out.append(P(name, P.VAR_POSITIONAL))
            after_variadic = True
        else:
            out.append(
                P(
                    name,
                    P.KEYWORD_ONLY if after_variadic else P.POSITIONAL_OR_KEYWORD,
                    default=default if has_default else P.empty,
                )
            )
    try:
        return inspect.Signature(out)
    except ValueError:
        # A required option declared after an optional one: keyword-only
        # options keep the declared order valid.
        fixed = [
            p.replace(kind=P.KEYWORD_ONLY) if p.kind == P.POSITIONAL_OR_KEYWORD and i > 0 else p
            for i, p in enumerate(out)
        ]
        return inspect.Signature(fixed)


class _LazySignature:
    """Where ``inspect.signature`` finds a registry function's signature, built on first
    request.

    Building the signatures of every function at import would import :mod:`inspect`
    (about 9 ms of ``import daft``) and construct hundreds of ``Signature`` objects that
    most programs never look at. A registry function's ``__wrapped__`` is an instance of
    this class: ``inspect.signature`` follows ``__wrapped__`` to the first object that
    has a ``__signature__`` and returns that, so the property below runs only then.
    """

    __slots__ = ("_params", "_sig")

    def __init__(self, params: list[tuple]) -> None:
        self._params = params
        self._sig: inspect.Signature | None = None

    @property
    def __signature__(self) -> inspect.Signature:
        if self._sig is None:
            self._sig = _signature(self._params)
        return self._sig


def make_function(pyfn: Any, qualname: str | None = None) -> Callable[..., Expression]:
    """A Python function that builds calls of the registry function ``pyfn``."""
    params = pyfn.params
    lazy = _LazySignature(params)
    name = pyfn.name
    display = qualname or name

    def function(*args: Any, **kwargs: Any) -> Expression:
        sig = lazy.__signature__
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{display}{sig}: {e}") from None
        exprs = []
        options = {}
        for pname, kind, _has_default, _default, accepts in params:
            if pname not in bound.arguments:
                continue
            value = bound.arguments[pname]
            if kind == "expr":
                exprs.append(_py(value))
            elif kind == "variadic":
                # is_in([1, 2, 3]) and is_in(1, 2, 3) mean the same.
                if len(value) == 1 and isinstance(value[0], (list, tuple)):
                    value = value[0]
                exprs.extend(_py(v) for v in value)
            else:
                if accepts == "DataType" and value is not None:
                    # A DataType, a pyarrow type, a Python type or a SQL type name.
                    from daft.datatype import DataType

                    value = DataType._infer(value)
                if hasattr(value, "to_arrow_dtype"):
                    value = value.to_arrow_dtype()
                elif isinstance(value, enum.Enum):
                    # daft.ImageMode.RGB, daft.TimeUnit ...: options take their value.
                    value = value.value
                options[pname] = value
        return Expression._from_pyexpr(pyfn.call(exprs, options))

    function.__name__ = name
    function.__qualname__ = display
    function.__module__ = "daft.functions"
    function.__doc__ = pyfn.doc
    function.__wrapped__ = lazy  # type: ignore[attr-defined]
    function._daft_provider = pyfn.provider  # type: ignore[attr-defined]
    return function


# What the last sync installed, so a later sync can remove what is gone.
_installed_functions: set[str] = set()
_installed_methods: set[str] = set()
_installed_namespaces: set[str] = set()


def sync() -> None:
    """Installs every registry function into daft.functions and Expression."""
    import daft.functions as functions_module

    plain, by_provider = _native.list_functions()
    namespace = vars(functions_module)
    for stale in _installed_functions | _installed_namespaces:
        namespace.pop(stale, None)
    for stale in _installed_namespaces:
        sys.modules.pop(f"daft.functions.{stale}", None)
    for stale in _installed_methods:
        if stale in vars(Expression):
            delattr(Expression, stale)
    _installed_functions.clear()
    _installed_methods.clear()
    _installed_namespaces.clear()

    own = getattr(functions_module, "_OWN", frozenset())
    for pyfn in plain:
        if pyfn.name in own:
            continue
        fn = make_function(pyfn)
        namespace[pyfn.name] = fn
        _installed_functions.add(pyfn.name)
        # A function of no expression (uuid, random_int) is no method.
        takes_expr = any(kind in ("expr", "variadic") for _, kind, *_ in pyfn.params)
        if pyfn.name not in _EXPRESSION_OWN and takes_expr:
            setattr(Expression, pyfn.name, fn)
            _installed_methods.add(pyfn.name)

    for provider, fns in by_provider:
        if provider in namespace:
            # A plugin named like a function cannot shadow it.
            continue
        module = types.ModuleType(
            f"daft.functions.{provider}", f"Functions of the daft plugin {provider!r}."
        )
        for pyfn in fns:
            setattr(module, pyfn.name, make_function(pyfn, f"{provider}.{pyfn.name}"))
        module.__all__ = [f.name for f in fns]  # type: ignore[attr-defined]
        namespace[provider] = module
        # So that `from daft.functions.text import checksum` finds it too
        # (never in place of a real submodule of daft.functions).
        sys.modules.setdefault(module.__name__, module)
        _installed_namespaces.add(provider)

    functions_module.__all__ = sorted(_installed_functions | own)  # type: ignore[attr-defined]
