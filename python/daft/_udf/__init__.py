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

import functools
import inspect
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from daft._udf import _policy
from daft._udf._runner import Layout, Runner, UdfContractError, kind_of
from daft.datatype import DataType
from daft.expressions import Expression

if TYPE_CHECKING:
    from daft._udf._process import ProcessPool

__all__ = ["Func", "UdfContractError", "func", "udf"]


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
        max_retries: int | None = None,
        batch_size: int | None = None,
        unnest: bool = False,
        use_process: bool | None = None,
        processes: ProcessPool | None = None,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"@daft.func decorates a function, got {fn!r}")
        for option, value in (("max_concurrency", max_concurrency), ("batch_size", batch_size)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{option} must be a positive int, got {value!r}")
        _policy.check(max_retries, on_error)
        self._fn = fn
        self._kind = kind_of(fn, batch)
        self._dtype = _return_type(fn, self._kind, return_dtype)
        self._name = name or getattr(fn, "__name__", "udf")
        if unnest and not self._dtype.is_struct():
            raise ValueError(
                f"UDF {self._name}: unnest=True needs a struct return type, got {self._dtype}"
            )
        self._unnest = unnest
        self._max_concurrency = max_concurrency
        self._batch_size = batch_size
        self._call = _policy.with_policy(fn, self._kind, self._name, max_retries, on_error)
        # Workers of a use_process UDF: a pool of at most max_concurrency
        # processes (for an async function it bounds the rows in flight instead).
        if use_process and processes is None:
            from daft._udf._process import ProcessPool

            processes = ProcessPool(None if self._kind == "async" else max_concurrency)
        self._processes = processes if use_process else None
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

        layout, exprs = Layout.of(args, kwargs)
        out_type = DataType.list(self._dtype) if self._kind == "generator" else self._dtype
        runner: Any = Runner(
            self._name,
            self._call,
            self._kind,
            layout,
            out_type,
            self._max_concurrency,
            self._batch_size,
        )
        if self._processes is not None:
            from daft._udf._process import ProcessRunner

            runner = ProcessRunner(runner, self._processes)
        field = _arrow_field(self._name, out_type)
        e = Expression._from_pyexpr(
            PyExpr.python_udf(self._name, runner, field, [_py(x) for x in exprs])
        )
        if self._kind == "generator":
            from daft.functions.reshape import _Explode

            # One row per yielded value, the other columns repeated; a row
            # that yields nothing keeps one row with null, as Daft does.
            e = _Explode(e, ignore_empty_and_null=False)
        return e.unnest() if self._unnest else e

    def __repr__(self) -> str:
        return f"<daft UDF {self._name} ({self._kind}) -> {self._dtype}>"


def _arrow_field(name: str, dtype: DataType) -> Any:
    import pyarrow as pa

    return pa.field(name, dtype.to_arrow_dtype())


class _FuncDecorator:
    """``@daft.func`` and ``@daft.func.batch``."""

    @typing.overload
    def __call__(
        self,
        fn: Callable[..., Any],
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
    ) -> Func: ...

    @typing.overload
    def __call__(
        self,
        fn: None = None,
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
    ) -> Callable[[Callable[..., Any]], Func]: ...

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
            unnest: With a struct return type: each field becomes a column.
            cpus: Accepted for Daft compatibility; resources apply on Ray.
            gpus: Accepted for Daft compatibility; must be 0 here.
            use_process: Run the batches in worker processes (at most
                ``max_concurrency``, default the number of cores), so CPU-bound
                Python code uses several cores; the function must be picklable
                with cloudpickle.
            max_concurrency: For ``async def``: rows awaited at once per batch;
                otherwise, with ``use_process``, the number of worker processes.
            max_retries: Calls of a row that raises before ``on_error`` applies
                (0, the default: no retry).
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
        _no_gpus(gpus)

        def wrap(f: Callable[..., Any]) -> Func:
            return Func(
                f,
                batch=False,
                return_dtype=return_dtype,
                max_concurrency=max_concurrency,
                on_error=on_error,
                max_retries=max_retries,
                unnest=unnest,
                use_process=use_process,
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
            unnest: With a struct return type: each field becomes a column.
            cpus: Accepted for Daft compatibility; resources apply on Ray.
            gpus: Accepted for Daft compatibility; must be 0 here.
            use_process: Run the batches in worker processes (see ``daft.func``).
            max_concurrency: With ``use_process``, the number of worker processes.
            batch_size: The most rows one call receives (default: the
                engine's batch, whole).
            max_retries: Calls of a batch that raises before ``on_error`` applies.
            on_error: ``"raise"`` (the default), or ``"log"`` / ``"ignore"``:
                a batch whose call raises becomes all nulls (logged as a warning
                with ``"log"``).
            ray_options: Accepted for Daft compatibility; used on Ray.

        Returns:
            A decorator making a :class:`Func`.

        Example:
            >>> import pyarrow.compute as pc
            >>> @daft.func.batch(return_dtype=daft.DataType.int64())
            ... def add(a, b):
            ...     return pc.add(a.to_arrow(), b.to_arrow())
        """
        _no_gpus(gpus)

        def wrap(f: Callable[..., Any]) -> Func:
            return Func(
                f,
                batch=True,
                return_dtype=return_dtype,
                max_concurrency=max_concurrency,
                on_error=on_error,
                max_retries=max_retries,
                batch_size=batch_size,
                unnest=unnest,
                use_process=use_process,
            )

        return wrap


def _no_gpus(gpus: Any) -> None:
    if gpus:
        raise NotImplementedError(
            f"daft.func: gpus={gpus!r}: this engine schedules no GPUs (only gpus=0)"
        )


func = _FuncDecorator()


# Last: the legacy decorator builds on Func.
from daft._udf.legacy import udf  # noqa: E402
