"""What runs inside the engine for a Python UDF: one call per batch, from the
native kernel (`host/daft-python/src/udf.rs`), with the GIL held only here.

A runner receives the batch's expression arguments as Arrow C capsules and
returns one pyarrow array of the declared type and the batch's length; any
mismatch is a :class:`UdfContractError` naming the UDF, the row and the value.
Exceptions raised by the user's function pass through unchanged: the engine
chains them to the error it raises, traceback intact.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from daft._udf._policy import FAILED
from daft.datatype import DataType

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa


class UdfContractError(ValueError):
    """A UDF returned something that is not its declared result."""


class UdfInterrupted(Exception):
    """A query was interrupted (Ctrl-C) while a batch ran: the batch stops."""


# Rows between two checks for an interrupted query start at the first
# number (a slow UDF stops within a few rows) and double while a chunk of
# rows takes less than the interval, up to the last number (a fast UDF pays
# for a check, a native call, once per thousands of rows).
_CHECK_FIRST = 16
_CHECK_MAX = 8192
_CHECK_INTERVAL_S = 0.02


class Layout:
    """How a call's parameters map to the batch: each is an expression argument
    (its index among the kernel's arrays) or a constant Python value."""

    __slots__ = ("args", "kwargs")

    def __init__(self, args: list[tuple[bool, Any]], kwargs: dict[str, tuple[bool, Any]]) -> None:
        self.args = args
        self.kwargs = kwargs

    @classmethod
    def of(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Layout, list[Any]]:
        """The layout of a call with these arguments, and its expression
        arguments in the order of the kernel's arrays."""
        from daft.expressions import Expression

        exprs: list[Any] = []

        def slot(v: Any) -> tuple[bool, Any]:
            if isinstance(v, Expression):
                exprs.append(v)
                return (True, len(exprs) - 1)
            return (False, v)

        return cls([slot(a) for a in args], {k: slot(v) for k, v in kwargs.items()}), exprs

    def bind(self, columns: list[Any], row: int | None) -> tuple[list[Any], dict[str, Any]]:
        def one(slot: tuple[bool, Any]) -> Any:
            is_expr, v = slot
            if not is_expr:
                return v
            return columns[v] if row is None else columns[v][row]

        return [one(s) for s in self.args], {k: one(s) for k, s in self.kwargs.items()}


def _import(capsules: tuple[Any, Any]) -> pa.Array:
    return pa.Array._import_from_c_capsule(*capsules)


class Runner:
    """One UDF call site: the function, how its parameters are filled, and the
    declared type of a batch's result (for a generator, the list of a row's
    values). ``kind`` is ``row``, ``async``, ``generator`` or ``batch``."""

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        kind: str,
        layout: Layout,
        dtype: DataType,
        max_concurrency: int | None = None,
        batch_size: int | None = None,
    ) -> None:
        self.name = name
        self.fn = fn
        self.kind = kind
        self.layout = layout
        self.dtype = dtype
        self.arrow = dtype.to_arrow_dtype()
        self.max_concurrency = max_concurrency
        self.batch_size = batch_size

    def __call__(
        self, capsules: list[tuple[Any, Any]], num_rows: int, stop: Callable[[], bool]
    ) -> pa.Array:
        return self.compute([_import(c) for c in capsules], num_rows, stop)

    def compute(self, arrays: list[pa.Array], num_rows: int, stop: Callable[[], bool]) -> pa.Array:
        """The result of one batch, from its expression arguments as arrays."""
        if self.kind == "batch":
            size = self.batch_size
            if size is None or num_rows <= size:
                return self._batch(arrays, num_rows)
            # Daft's batch_size: the function never sees more rows at once.
            parts = []
            for start in range(0, num_rows, size):
                if start and stop():
                    raise UdfInterrupted(self.name)
                n = min(size, num_rows - start)
                parts.append(self._batch([a.slice(start, n) for a in arrays], n))
            return pa.concat_arrays(parts)
        columns = [a.to_pylist() for a in arrays]
        if self.kind == "async":
            values = self._async_rows(columns, num_rows, stop)
        else:
            values = self._rows(columns, num_rows, stop)
        return self._to_arrow(values)

    def _rows(self, columns: list[list[Any]], num_rows: int, stop: Callable[[], bool]) -> list[Any]:
        fn, layout = self.fn, self.layout
        generator = self.kind == "generator"
        # The common case (expression arguments only, in order) skips the
        # per-row binding.
        plain = (
            not generator
            and not layout.kwargs
            and [v if e else None for e, v in layout.args] == list(range(len(columns)))
        )
        out: list[Any] = []
        start, chunk = 0, _CHECK_FIRST
        while start < num_rows:
            if start and stop():
                raise UdfInterrupted(self.name)
            end = min(start + chunk, num_rows)
            began = time.perf_counter()
            if plain and columns:
                out.extend(map(fn, *(c[start:end] for c in columns)))
            else:
                for row in range(start, end):
                    args, kwargs = layout.bind(columns, row)
                    value = fn(*args, **kwargs)
                    out.append(list(value) if generator else value)
            if time.perf_counter() - began < _CHECK_INTERVAL_S:
                chunk = min(chunk * 2, _CHECK_MAX)
            start = end
        return out

    def _async_rows(
        self, columns: list[list[Any]], num_rows: int, stop: Callable[[], bool]
    ) -> list[Any]:
        import asyncio  # only async UDFs pay its import

        fn, layout, limit = self.fn, self.layout, self.max_concurrency

        async def all_rows() -> list[Any]:
            gate = asyncio.Semaphore(limit) if limit else None

            async def one(row: int) -> Any:
                if stop():
                    raise UdfInterrupted(self.name)
                args, kwargs = layout.bind(columns, row)
                if gate is None:
                    return await fn(*args, **kwargs)
                async with gate:
                    return await fn(*args, **kwargs)

            return list(await asyncio.gather(*(one(r) for r in range(num_rows))))

        return asyncio.run(all_rows())

    def _batch(self, arrays: list[pa.Array], num_rows: int) -> pa.Array:
        from daft.series import Series

        series = [Series.from_arrow(a) for a in arrays]
        args, kwargs = self.layout.bind(series, None)
        result = self.fn(*args, **kwargs)
        if result is FAILED:
            return pa.nulls(num_rows, self.arrow)
        out = self._to_arrow(result)
        if len(out) != num_rows:
            raise UdfContractError(
                f"UDF {self.name} returned {len(out)} values for a batch of {num_rows} rows; "
                "a batch UDF returns one value per input row"
            )
        return out

    def _to_arrow(self, values: Any) -> pa.Array:
        from daft import _infer
        from daft.series import Series

        target, arrow = self.dtype, self.arrow
        if isinstance(values, Series):
            values = values.to_arrow()
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            if values.type == arrow:
                return values
            try:
                return values.cast(arrow)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                raise UdfContractError(
                    f"UDF {self.name} returned an array of type {values.type}, which does not "
                    f"convert to its return type {target}: {e}"
                ) from None
        if not isinstance(values, list):
            try:
                values = list(values)
            except TypeError:
                raise UdfContractError(
                    f"UDF {self.name} returned {type(values).__name__}; a batch UDF returns a "
                    "daft.Series, an Arrow array, a numpy array or a list"
                ) from None
        if not isinstance(arrow, pa.ExtensionType):
            # The fast path: pyarrow converts plain values itself (and
            # refuses a value of another kind: the slow path then says which).
            try:
                return pa.array(values, type=arrow)
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
                pass
        try:
            out = _infer.column(values, f"UDF {self.name}", target)
        except (ValueError, TypeError):
            raise UdfContractError(self._first_misfit(values, target)) from None
        return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out

    def _first_misfit(self, values: list[Any], target: DataType) -> str:
        from daft import _infer

        for row, v in enumerate(values):
            try:
                _infer.column([v], "", target)
            except (ValueError, TypeError):
                return (
                    f"UDF {self.name} returned {v!r} ({type(v).__name__}) in row {row}, which "
                    f"does not fit its return type {target}"
                )
        return f"UDF {self.name}: its values do not convert to its return type {target}"


def kind_of(fn: Callable[..., Any], batch: bool) -> str:
    """``batch``, ``async``, ``generator`` or ``row``."""
    if batch:
        return "batch"
    if inspect.iscoroutinefunction(fn):
        return "async"
    if inspect.isgeneratorfunction(fn):
        return "generator"
    return "row"
