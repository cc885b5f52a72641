"""``@daft.cls`` and ``@daft.method``: UDFs that are methods of a class whose
instance is built once and reused for every batch (a model, a client, a
dictionary loaded once), as in Daft 0.7.26.

``Model(...)`` does not construct anything: it records the arguments. The
instance is constructed on first use, once per process (under a lock, so two
engine threads never build two), then shared by every batch and every method.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

from daft._udf import Func, _no_gpus, _policy

_MARK = "__daft_method__"


class _MethodDecorator:
    """``@daft.method`` and ``@daft.method.batch``."""

    def __call__(
        self,
        method: Callable[..., Any] | None = None,
        *,
        return_dtype: Any = None,
        unnest: bool = False,
        max_retries: int | None = None,
        on_error: str | None = None,
    ) -> Any:
        """Marks a method of a ``@daft.cls`` class as a row-wise UDF (like
        ``@daft.func``), with its return type from ``return_dtype`` or the
        annotation. Undecorated methods with a return annotation are row-wise
        UDFs too.

        Args:
            method: The method (when used without arguments).
            return_dtype: The result's type, if not from the annotation.
            unnest: With a struct return type: each field becomes a column.
            max_retries: Calls of a row that raises before ``on_error`` applies
                (default: the class's).
            on_error: ``"raise"``, ``"log"`` or ``"ignore"``, as for
                ``daft.func`` (default: the class's).

        Returns:
            The method, marked.

        Example:
            >>> @daft.cls
            ... class Scorer:
            ...     def __init__(self, weight: float):
            ...         self.weight = weight
            ...     @daft.method(return_dtype=daft.DataType.float64())
            ...     def score(self, x):
            ...         return x * self.weight
        """

        def mark(m: Callable[..., Any]) -> Callable[..., Any]:
            setattr(
                m,
                _MARK,
                {
                    "batch": False,
                    "return_dtype": return_dtype,
                    "unnest": unnest,
                    "max_retries": max_retries,
                    "on_error": on_error,
                },
            )
            return m

        return mark if method is None else mark(method)

    def batch(
        self,
        *,
        return_dtype: Any,
        unnest: bool = False,
        batch_size: int | None = None,
        max_retries: int | None = None,
        on_error: str | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Marks a method of a ``@daft.cls`` class as a batch UDF (like
        ``@daft.func.batch``): its expression arguments arrive as ``daft.Series``.

        Args:
            return_dtype: The result's type.
            unnest: With a struct return type: each field becomes a column.
            batch_size: The most rows one call receives.
            max_retries: Calls of a batch that raises before ``on_error``
                applies (default: the class's).
            on_error: ``"raise"``, or ``"log"`` / ``"ignore"``: a batch whose
                call raises becomes all nulls (default: the class's).

        Returns:
            A decorator marking the method.
        """

        def mark(m: Callable[..., Any]) -> Callable[..., Any]:
            setattr(
                m,
                _MARK,
                {
                    "batch": True,
                    "return_dtype": return_dtype,
                    "unnest": unnest,
                    "batch_size": batch_size,
                    "max_retries": max_retries,
                    "on_error": on_error,
                },
            )
            return m

        return mark


method = _MethodDecorator()


class _Instance:
    """The instance of a ``@daft.cls`` class for one set of constructor arguments,
    built on first use."""

    def __init__(self, cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._cls = cls
        self._args = args
        self._kwargs = kwargs
        self._lock = threading.Lock()
        self._value: Any = None
        self._built = False

    def __getstate__(self) -> dict[str, Any]:
        # What reaches a use_process worker: the recipe, never a built
        # instance, so each worker process builds its own, once.
        return {"cls": self._cls, "args": self._args, "kwargs": self._kwargs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["cls"], state["args"], state["kwargs"])  # type: ignore[misc]

    def get(self) -> Any:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._value = self._cls(*self._args, **self._kwargs)
                    self._built = True
        return self._value


def _bound(unbound: Callable[..., Any], instance: _Instance) -> Callable[..., Any]:
    """``unbound`` with ``self`` filled from ``instance``, keeping its kind (async,
    generator), name, annotations and signature (without ``self``)."""
    if inspect.iscoroutinefunction(unbound):

        async def call(*a: Any, **k: Any) -> Any:
            return await unbound(instance.get(), *a, **k)

    elif inspect.isgeneratorfunction(unbound):

        def call(*a: Any, **k: Any) -> Any:
            yield from unbound(instance.get(), *a, **k)

    else:

        def call(*a: Any, **k: Any) -> Any:
            return unbound(instance.get(), *a, **k)

    functools.update_wrapper(call, unbound)
    sig = inspect.signature(unbound)
    call.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])  # type: ignore[attr-defined]
    return call


def cls(
    class_: type | None = None,
    *,
    cpus: float | None = None,
    gpus: float = 0,
    use_process: bool | None = None,
    max_concurrency: int | None = None,
    max_retries: int | None = None,
    on_error: str | None = None,
    name_override: str | None = None,
    ray_options: dict[str, Any] | None = None,
) -> Any:
    """A class whose methods are UDFs over one instance, built once: ``@daft.cls``.

    ``Model(args)`` records the constructor's arguments; the instance is built
    on first use, once per process, and reused by every batch. Its
    ``__call__`` and its methods (marked ``@daft.method`` / ``@daft.method.batch``
    or annotated with a return type) called with expressions build UDF
    expressions; called with plain values they run at once.

    Args:
        class_: The class (when used without arguments).
        cpus: Accepted for Daft compatibility; resources apply on Ray.
        gpus: Accepted for Daft compatibility; must be 0 here.
        use_process: Run the methods' batches in worker processes, each with
            its own instance, built once per process (see ``daft.func``).
        max_concurrency: For ``async`` methods: rows awaited at once per
            batch; otherwise, with ``use_process``, the number of processes.
        max_retries: Calls of a row (a batch, for batch methods) that raises
            before ``on_error`` applies; a method's own setting wins.
        on_error: ``"raise"`` (the default), ``"log"`` or ``"ignore"``, as for
            ``daft.func``; a method's own setting wins.
        name_override: The name shown in plans and errors (default: the class's).
        ray_options: Accepted for Daft compatibility; used on Ray.

    Returns:
        The wrapped class.

    Example:
        >>> @daft.cls
        ... class Lookup:
        ...     def __init__(self, table: dict):
        ...         self.table = table
        ...     def __call__(self, key: str) -> str:
        ...         return self.table.get(key)
        >>> lookup = Lookup({"a": "apple"})
        >>> df.select(lookup(daft.col("key")))
    """
    _no_gpus(gpus)
    _policy.check(max_retries, on_error)

    def wrap(c: type) -> type:
        if not isinstance(c, type):
            raise TypeError(f"@daft.cls decorates a class, got {c!r}")
        label = name_override or c.__name__

        class Cls:
            __doc__ = c.__doc__

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self._daft_instance = _Instance(c, args, kwargs)
                self._daft_funcs: dict[str, Func] = {}
                # Every method of one instance shares its worker processes.
                self._daft_processes = None
                if use_process:
                    from daft._udf._process import ProcessPool

                    self._daft_processes = ProcessPool(max_concurrency)

            def _daft_func(self, name: str) -> Func:
                found = self._daft_funcs.get(name)
                if found is not None:
                    return found
                unbound = getattr(c, name, None)
                if unbound is None or not callable(unbound):
                    raise AttributeError(f"{label} has no method {name!r}")
                mark = getattr(unbound, _MARK, None) or {"batch": False, "return_dtype": None}
                retries = mark.get("max_retries")
                errors = mark.get("on_error")
                f = Func(
                    _bound(unbound, self._daft_instance),
                    batch=mark["batch"],
                    return_dtype=mark["return_dtype"],
                    max_concurrency=max_concurrency,
                    name=f"{label}.{name}" if name != "__call__" else label,
                    max_retries=max_retries if retries is None else retries,
                    on_error=on_error if errors is None else errors,
                    batch_size=mark.get("batch_size"),
                    unnest=mark.get("unnest", False),
                    use_process=use_process,
                    processes=self._daft_processes,
                )
                self._daft_funcs[name] = f
                return f

            def __call__(self, *args: Any, **kwargs: Any) -> Any:
                return self._daft_func("__call__")(*args, **kwargs)

            def __getattr__(self, name: str) -> Any:
                if name.startswith("_daft_"):
                    raise AttributeError(name)
                attr = getattr(c, name, None)
                if callable(attr) and not isinstance(attr, type):
                    return self._daft_func(name)
                return getattr(self._daft_instance.get(), name)

            def __repr__(self) -> str:
                return f"<daft.cls {label}>"

        Cls.__name__ = c.__name__
        Cls.__qualname__ = c.__qualname__
        Cls.__module__ = c.__module__
        return Cls

    return wrap if class_ is None else wrap(class_)
