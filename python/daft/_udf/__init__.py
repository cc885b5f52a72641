"""Python UDFs as Daft 0.7.26 has them: ``@daft.func`` (row-wise, async,
generator), ``@daft.func.batch``, the legacy ``@daft.udf`` and
``Expression.apply``.

A UDF call is an ordinary function call in the plan: the engine makes a
registry function (provider ``python``) whose kernel hands each batch to a
:class:`~daft._udf._runner.Runner`, so a UDF sits in the same plan, and is
checked the same way, as a built-in or a plugin function, and a hot UDF can
be replaced by a plugin function without changing the query around it.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

from daft._udf._runner import Layout, Runner, UdfContractError, kind_of
from daft.datatype import DataType
from daft.expressions import Expression

__all__ = ["Func", "UdfContractError", "func", "udf"]


def _stop_running_udfs() -> None:
    # Before the interpreter finalizes: a UDF batch of an interrupted query
    # may still be running on an engine thread (see `stop_python_udfs`).
    from daft.daft import stop_python_udfs

    stop_python_udfs(10.0)


atexit.register(_stop_running_udfs)


def _return_type(fn: Callable[..., Any], kind: str, return_dtype: Any) -> DataType:
    name = getattr(fn, "__qualname__", repr(fn))
    if return_dtype is not None:
        return DataType._infer(return_dtype)
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001  (an unresolvable annotation: say what to do)
        hints = getattr(fn, "__annotations__", {})
    ret = hints.get("return", inspect.Signature.empty)
    if ret is inspect.Signature.empty or ret is None:
        raise ValueError(
            f"UDF {name}: give its return type, as a return annotation (-> int) or return_dtype=..."
        )
    if kind == "generator":
        # Iterator[T], Iterable[T], Generator[T, ...]: each yield is one T.
        args = typing.get_args(ret)
        if not args:
            raise ValueError(
                f"UDF {name} is a generator: annotate it -> Iterator[T] (T each yielded "
                "value's type) or give return_dtype=T"
            )
        ret = args[0]
    return DataType._infer(ret)


class Func:
    """A Python function as a Daft UDF (what ``@daft.func`` returns).

    Called with at least one :class:`Expression` argument, it builds an
    expression evaluated per batch of the query; called with plain values
    only, it runs the function at once and returns its result, as in Daft.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        batch: bool,
        return_dtype: Any = None,
        max_concurrency: int | None = None,
        name: str | None = None,
        on_error: str | None = None,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"@daft.func decorates a function, got {fn!r}")
        if max_concurrency is not None and (
            not isinstance(max_concurrency, int) or max_concurrency < 1
        ):
            raise ValueError(f"max_concurrency must be a positive int, got {max_concurrency!r}")
        if on_error not in (None, "raise", "log", "ignore"):
            raise ValueError(f"on_error must be 'raise', 'log' or 'ignore', got {on_error!r}")
        if batch and on_error in ("log", "ignore"):
            raise NotImplementedError(
                f"on_error={on_error!r} is supported for row-wise UDFs only here, not batch UDFs"
            )
        self._fn = fn
        self._kind = kind_of(fn, batch)
        self._dtype = _return_type(fn, self._kind, return_dtype)
        self._max_concurrency = max_concurrency
        self._name = name or getattr(fn, "__name__", "udf")
        self._call = fn if on_error in (None, "raise") else _tolerant(fn, self._name, on_error)
        try:
            self._signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):
            self._signature = None
        functools.update_wrapper(self, fn)

    @property
    def return_dtype(self) -> DataType:
        """The declared type of the UDF's result (of each yielded value for a generator)."""
        return self._dtype

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._signature is not None:
            # A wrong call fails here, as it would in Python, naming the UDF.
            try:
                self._signature.bind(*args, **kwargs)
            except TypeError as e:
                raise TypeError(f"UDF {self._name}: {e}") from None
        values = list(args) + list(kwargs.values())
        if not any(isinstance(v, Expression) for v in values):
            return self._fn(*args, **kwargs)
        return self._expression(args, kwargs)

    def _expression(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Expression:
        from daft.daft import PyExpr
        from daft.expressions import _py

        exprs: list[Expression] = []

        def slot(v: Any) -> tuple[bool, Any]:
            if isinstance(v, Expression):
                exprs.append(v)
                return (True, len(exprs) - 1)
            return (False, v)

        layout = Layout([slot(a) for a in args], {k: slot(v) for k, v in kwargs.items()})
        out_type = DataType.list(self._dtype) if self._kind == "generator" else self._dtype
        runner = Runner(self._name, self._call, self._kind, layout, out_type, self._max_concurrency)
        field = _arrow_field(self._name, out_type)
        e = Expression._from_pyexpr(
            PyExpr.python_udf(self._name, runner, field, [_py(x) for x in exprs])
        )
        if self._kind == "generator":
            from daft.functions.reshape import _Explode

            # One row per yielded value, the other columns repeated; a row
            # that yields nothing keeps one row with null, as Daft does.
            return _Explode(e, ignore_empty_and_null=False)
        return e

    def __repr__(self) -> str:
        return f"<daft UDF {self._name} ({self._kind}) -> {self._dtype}>"


def _tolerant(fn: Callable[..., Any], name: str, on_error: str) -> Callable[..., Any]:
    """``fn`` giving null (no value, for a generator) where it raises; with
    ``on_error="log"`` each such row is logged as a warning on the ``daft`` logger."""
    import logging

    log = logging.getLogger("daft.udf")

    def failed(e: BaseException) -> None:
        if on_error == "log":
            log.warning("UDF %s raised %s: %s; the row is null", name, type(e).__name__, e)

    if inspect.iscoroutinefunction(fn):

        async def call(*a: Any, **k: Any) -> Any:
            try:
                return await fn(*a, **k)
            except Exception as e:  # noqa: BLE001  (on_error asks for exactly this)
                failed(e)
                return None

    elif inspect.isgeneratorfunction(fn):

        def call(*a: Any, **k: Any) -> Any:
            try:
                yield from fn(*a, **k)
            except Exception as e:  # noqa: BLE001
                failed(e)

    else:

        def call(*a: Any, **k: Any) -> Any:
            try:
                return fn(*a, **k)
            except Exception as e:  # noqa: BLE001
                failed(e)
                return None

    return functools.wraps(fn)(call)


def _arrow_field(name: str, dtype: DataType) -> Any:
    import pyarrow as pa

    return pa.field(name, dtype.to_arrow_dtype())


class _FuncDecorator:
    """``@daft.func`` and ``@daft.func.batch``."""

    def __call__(
        self,
        fn: Callable[..., Any] | None = None,
        *,
        return_dtype: Any = None,
        unnest: bool = False,
        cpus: float | None = None,
        gpus: float = 0,
        use_process: bool | None = None,
        max_concurrency: int | None = None,
        max_retries: int | None = None,
        on_error: str | None = None,
        ray_options: dict[str, Any] | None = None,
    ) -> Any:
        """A row-wise Python function as a UDF: ``@daft.func`` or
        ``@daft.func(return_dtype=...)``.

        The function is called once per row with Python values (``None`` for a
        null); its return annotation (or ``return_dtype``) is the result's type.
        An ``async def`` function runs its rows concurrently within a batch (at
        most ``max_concurrency`` at once); a generator function yields any
        number of values per row, each a row of the result, the other columns
        repeated (valid as a whole expression of ``select`` / ``with_column``).

        Args:
            fn: The function (when used without arguments).
            return_dtype: The result's type, if not from the annotation.
            unnest: Not supported yet.
            cpus: Accepted for Daft compatibility; resources apply on Ray.
            gpus: Accepted for Daft compatibility; must be 0 here.
            use_process: Not supported yet (the function runs in this process).
            max_concurrency: For ``async def``: rows awaited at once per batch.
            max_retries: Not supported yet.
            on_error: ``"raise"`` (the default): an exception fails the query;
                ``"log"``: the row is null and the exception logged as a warning
                (logger ``daft.udf``); ``"ignore"``: the row is null.
            ray_options: Accepted for Daft compatibility; used on Ray.

        Returns:
            Func: Call it with expressions to build an expression, or with plain
            values to run the function at once.

        Example:
            >>> @daft.func
            ... def shout(s: str) -> str:
            ...     return None if s is None else s.upper() + "!"
            >>> df.select(shout(daft.col("name")))
        """
        _unsupported(unnest=unnest, gpus=gpus, use_process=use_process, max_retries=max_retries)

        def wrap(f: Callable[..., Any]) -> Func:
            return Func(
                f,
                batch=False,
                return_dtype=return_dtype,
                max_concurrency=max_concurrency,
                on_error=on_error,
            )

        return wrap if fn is None else wrap(fn)

    def batch(
        self,
        *,
        return_dtype: Any,
        unnest: bool = False,
        cpus: float | None = None,
        gpus: float = 0,
        use_process: bool | None = None,
        max_concurrency: int | None = None,
        batch_size: int | None = None,
        max_retries: int | None = None,
        on_error: str | None = None,
        ray_options: dict[str, Any] | None = None,
    ) -> Callable[[Callable[..., Any]], Func]:
        """A function of whole columns as a UDF: ``@daft.func.batch(return_dtype=...)``.

        Each expression argument arrives as a :class:`daft.Series` of one batch
        (constants as given); the function returns one value per row, as a
        ``daft.Series``, an Arrow array, a numpy array or a list. Arrow data
        passes without copying through the Arrow C data interface.

        Args:
            return_dtype: The result's type.
            unnest: Not supported yet.
            cpus: Accepted for Daft compatibility; resources apply on Ray.
            gpus: Accepted for Daft compatibility; must be 0 here.
            use_process: Not supported yet.
            max_concurrency: Accepted for Daft compatibility.
            batch_size: Not supported yet (batches are the engine's).
            max_retries: Not supported yet.
            on_error: Only ``"raise"`` (the default) is supported yet.
            ray_options: Accepted for Daft compatibility; used on Ray.

        Returns:
            A decorator making a :class:`Func`.

        Example:
            >>> import pyarrow.compute as pc
            >>> @daft.func.batch(return_dtype=daft.DataType.int64())
            ... def add(a, b):
            ...     return pc.add(a.to_arrow(), b.to_arrow())
        """
        _unsupported(
            unnest=unnest,
            gpus=gpus,
            use_process=use_process,
            max_retries=max_retries,
            on_error=on_error,
            batch_size=batch_size,
        )

        def wrap(f: Callable[..., Any]) -> Func:
            return Func(f, batch=True, return_dtype=return_dtype)

        return wrap


def _unsupported(**given: Any) -> None:
    defaults = {
        "unnest": False,
        "gpus": 0,
        "use_process": None,
        "max_retries": None,
        "on_error": None,
        "batch_size": None,
    }
    for k, v in given.items():
        if k == "on_error" and v == "raise":
            continue
        if k == "use_process" and v is False:
            continue
        if v != defaults[k]:
            raise NotImplementedError(
                f"daft.func: {k}={v!r} is not supported yet by this engine (issue 12 tracks it)"
            )


func = _FuncDecorator()


def udf(
    *,
    return_dtype: Any,
    num_cpus: float | None = None,
    num_gpus: float | None = None,
    memory_bytes: int | None = None,
    ray_options: dict[str, Any] | None = None,
    batch_size: int | None = None,
    concurrency: int | None = None,
    use_process: bool | None = None,
) -> Callable[[Callable[..., Any]], Func]:
    """Daft's legacy batch UDF decorator: ``@daft.udf(return_dtype=...)``.

    The function receives :class:`daft.Series` for expression arguments and
    returns one value per row (a Series, an Arrow or numpy array, or a list),
    like :meth:`daft.func.batch`, which new code should use.

    Args:
        return_dtype: The result's type.
        num_cpus: Accepted for Daft compatibility; resources apply on Ray.
        num_gpus: Accepted for Daft compatibility; must be 0 or None here.
        memory_bytes: Accepted for Daft compatibility.
        ray_options: Accepted for Daft compatibility.
        batch_size: Not supported yet (batches are the engine's).
        concurrency: Accepted for Daft compatibility.
        use_process: Not supported yet.

    Returns:
        A decorator making a :class:`Func`.

    Example:
        >>> @daft.udf(return_dtype=daft.DataType.int64())
        ... def twice(x):
        ...     return [None if v is None else 2 * v for v in x.to_pylist()]
    """
    _unsupported(gpus=num_gpus or 0, use_process=use_process, batch_size=batch_size)

    def wrap(f: Callable[..., Any]) -> Func:
        if isinstance(f, type):
            raise NotImplementedError(
                "@daft.udf on a class is not supported yet (issue 12 tracks @daft.cls)"
            )
        return Func(f, batch=True, return_dtype=return_dtype)

    return wrap
