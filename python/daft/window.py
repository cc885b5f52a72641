"""Window specifications and window functions: ``expr.over(daft.Window()...)``.

A window function computes one value per row from the rows of its
partition, without collapsing them as ``groupby`` does::

    from daft import Window, col
    from daft.functions import rank

    w = Window().partition_by("dept").order_by("salary", desc=True)
    df.select("name", rank().over(w).alias("rank"), col("salary").sum().over(w))

As in Daft, an aggregation over a window without ``rows_between`` /
``range_between`` covers the whole partition (SQL would use a running frame
once the window has an order); ranking functions, ``lag`` and ``lead`` need
``order_by``.
"""

from __future__ import annotations

from typing import Any

from daft.daft import PyExpr
from daft.dataframe import _columns
from daft.expressions import Expression, _py, col, lit

__all__ = [
    "Window",
    "dense_rank",
    "first_value",
    "lag",
    "last_value",
    "lead",
    "monotonically_increasing_id",
    "percent_rank",
    "rank",
    "row_number",
]


class _WindowBoundary:
    """``Window.unbounded_preceding``, ``unbounded_following`` or ``current_row``."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"Window.{self._name}"


class Window:
    """Which rows a window function sees for each row: a partition, an order
    within it and, optionally, a frame of rows around the current one.

    Example:
        >>> w = Window().partition_by("g").order_by("t").rows_between(-2, 0)
        >>> df.select(col("x").mean().over(w).alias("moving_avg"))
    """

    unbounded_preceding = _WindowBoundary("unbounded_preceding")
    unbounded_following = _WindowBoundary("unbounded_following")
    current_row = _WindowBoundary("current_row")

    def __init__(self) -> None:
        self._partition_by: list[Expression] = []
        self._order_by: list[Expression] = []
        self._desc: list[bool] = []
        self._nulls_first: list[bool] = []
        self._frame: tuple[str, Any, Any] | None = None
        self._min_periods = 1

    def _copy(self) -> Window:
        w = Window()
        w._partition_by = list(self._partition_by)
        w._order_by = list(self._order_by)
        w._desc = list(self._desc)
        w._nulls_first = list(self._nulls_first)
        w._frame = self._frame
        w._min_periods = self._min_periods
        return w

    def partition_by(self, *cols: str | Expression) -> Window:
        """Rows with equal values of ``cols`` form one partition."""
        w = self._copy()
        w._partition_by.extend(_columns(cols))
        return w

    def order_by(
        self,
        *cols: str | Expression,
        desc: bool | list[bool] = False,
        nulls_first: bool | list[bool] | None = None,
    ) -> Window:
        """The order of rows within each partition. Nulls go last ascending and
        first descending unless ``nulls_first`` says otherwise (as in Daft)."""
        keys = _columns(cols)
        n = len(keys)

        def flags(v: Any, default: list[bool], what: str) -> list[bool]:
            if v is None:
                return default
            if isinstance(v, bool):
                return [v] * n
            v = list(v)
            if len(v) != n:
                raise ValueError(f"Window.order_by: {what} has {len(v)} value(s) for {n} key(s)")
            return v

        descending = flags(desc, [False] * n, "desc")
        w = self._copy()
        w._order_by.extend(keys)
        w._desc.extend(descending)
        w._nulls_first.extend(flags(nulls_first, list(descending), "nulls_first"))
        return w

    @staticmethod
    def _bound(value: Any, what: str, rows: bool) -> Any:
        if value is Window.unbounded_preceding or value is Window.unbounded_following:
            return None
        if value is Window.current_row:
            return lit(0)._expr
        if rows:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(
                    f"rows_between: {what} must be an int offset or a Window boundary, got "
                    f"{value!r}"
                )
            return lit(value)._expr
        if isinstance(value, Expression):
            return value._expr
        return lit(value)._expr

    def _framed(self, unit: str, start: Any, end: Any, min_periods: int) -> Window:
        if start is Window.unbounded_following:
            raise ValueError(f"{unit}_between: the frame cannot start at unbounded_following")
        if end is Window.unbounded_preceding:
            raise ValueError(f"{unit}_between: the frame cannot end at unbounded_preceding")
        if not isinstance(min_periods, int) or min_periods < 1:
            raise ValueError(
                f"{unit}_between: min_periods must be an int >= 1, got {min_periods!r}"
            )
        rows = unit == "rows"
        w = self._copy()
        w._frame = (unit, self._bound(start, "start", rows), self._bound(end, "end", rows))
        w._min_periods = min_periods
        return w

    def rows_between(self, start: int | Any, end: int | Any, min_periods: int = 1) -> Window:
        """A frame of rows by position: ``start`` and ``end`` are offsets from the
        current row (negative before it, 0 the row itself) or
        ``Window.unbounded_preceding`` / ``Window.unbounded_following`` /
        ``Window.current_row``. A frame with fewer than ``min_periods`` rows
        gives null."""
        return self._framed("rows", start, end, min_periods)

    def range_between(self, start: Any, end: Any, min_periods: int = 1) -> Window:
        """A frame of rows by value: those whose order key is within ``start`` ..
        ``end`` of the current row's (one numeric or temporal order key; offsets
        are numbers or durations, negative before)."""
        return self._framed("range", start, end, min_periods)

    def _apply(self, e: PyExpr) -> PyExpr:
        return e.over(
            [k._expr for k in self._partition_by],
            [k._expr for k in self._order_by],
            self._desc,
            self._nulls_first,
            self._frame,
            self._min_periods,
        )

    def __repr__(self) -> str:
        parts = []
        if self._partition_by:
            parts.append(f"partition_by={self._partition_by}")
        if self._order_by:
            parts.append(f"order_by={self._order_by}, desc={self._desc}")
        if self._frame:
            parts.append(f"frame={self._frame[0]}")
        return f"Window({', '.join(parts)})"


def _window_fn(name: str, input: Any = None, offset: int = 1, default: Any = None) -> Expression:
    return Expression._from_pyexpr(
        PyExpr.window_function(
            name,
            None if input is None else _py(input),
            offset,
            None if default is None else _py(default),
        )
    )


def monotonically_increasing_id() -> Expression:
    """A UInt64 id per row: its position in the input, from 0 (named ``id``).

    The ids follow the DataFrame's row order (the order ``collect`` gives),
    so they are unique and increasing. Valid in ``select`` and
    ``with_column(s)`` only, as Daft allows; anywhere else (a filter, an
    aggregation, ``list_map``) it is an error naming it. It numbers the rows
    of the whole input, so that step runs on one partition.

    Returns:
        Expression: UInt64, never null.

    Example:
        >>> df.with_column("id", daft.functions.monotonically_increasing_id())
    """
    return Expression._from_pyexpr(PyExpr.monotonically_increasing_id())


def row_number() -> Expression:
    """1, 2, 3... in the window's order within each partition (use with ``.over``)."""
    return _window_fn("row_number")


def rank() -> Expression:
    """Rank in the window's order, ties sharing a rank and leaving gaps (1, 2, 2, 4)."""
    return _window_fn("rank")


def dense_rank() -> Expression:
    """Rank in the window's order, ties sharing a rank without gaps (1, 2, 2, 3)."""
    return _window_fn("dense_rank")


def percent_rank() -> Expression:
    """``(rank - 1) / (rows in partition - 1)``, from 0 to 1 (0 for a one-row partition)."""
    return _window_fn("percent_rank")


def lag(expr: Expression | str, offset: int = 1, default: Any = None) -> Expression:
    """The value of ``expr`` ``offset`` rows earlier in the window's order, or
    ``default`` (null unless given) before the partition's start."""
    return _window_fn("lag", col(expr) if isinstance(expr, str) else expr, offset, default)


def lead(expr: Expression | str, offset: int = 1, default: Any = None) -> Expression:
    """The value of ``expr`` ``offset`` rows later in the window's order, or
    ``default`` past the partition's end."""
    return _window_fn("lead", col(expr) if isinstance(expr, str) else expr, offset, default)


def first_value(expr: Expression | str) -> Expression:
    """The first value of ``expr`` in the frame (the whole partition by default)."""
    return _window_fn("first_value", col(expr) if isinstance(expr, str) else expr)


def last_value(expr: Expression | str) -> Expression:
    """The last value of ``expr`` in the frame (the whole partition by default)."""
    return _window_fn("last_value", col(expr) if isinstance(expr, str) else expr)
