"""Aggregations as functions (``daft.functions.sum(col("x"))`` is
``col("x").sum()``), ``over``, and the row-wise ``columns_*`` helpers.

Daft 0.7.26 offers each aggregation both as an :class:`~daft.Expression`
method and as a function of :mod:`daft.functions`; these are the function
forms, with Daft's names and parameters.
"""

from __future__ import annotations

from typing import Any

from daft.expressions import Expression, _py, col


def _expr(e: Any, fn: str) -> Expression:
    if isinstance(e, str):
        return col(e)
    if not isinstance(e, Expression):
        raise TypeError(f"{fn}: expected an Expression or a column name, got {type(e).__name__}")
    return e


def sum(expr: Expression) -> Expression:  # noqa: A001
    """The sum of the non-null values (see :meth:`daft.Expression.sum`)."""
    return _expr(expr, "sum").sum()


def mean(expr: Expression) -> Expression:
    """The mean of the non-null values, as Float64."""
    return _expr(expr, "mean").mean()


def avg(expr: Expression) -> Expression:
    """Alias of :func:`mean`."""
    return _expr(expr, "avg").mean()


def min(expr: Expression) -> Expression:  # noqa: A001
    """The smallest non-null value."""
    return _expr(expr, "min").min()


def max(expr: Expression) -> Expression:  # noqa: A001
    """The largest non-null value."""
    return _expr(expr, "max").max()


def count(expr: Expression | None = None, mode: str = "valid") -> Expression:
    """The number of values: non-null ones (``mode="valid"``, the default),
    null ones (``"null"``) or all (``"all"``).

    Without an expression it counts rows, which needs ``mode="all"`` (as in
    Daft).

    Example:
        >>> df.agg(daft.functions.count(col("x")), daft.functions.count(mode="all").alias("rows"))
    """
    mode = getattr(mode, "name", mode)
    mode = mode.lower() if isinstance(mode, str) else mode
    if expr is None:
        if mode != "all":
            raise ValueError("count() without an expression only supports mode='all'.")
        from daft.expressions import lit

        return lit(1).count("all").alias("count")
    return _expr(expr, "count").count(mode)


def count_distinct(expr: Expression) -> Expression:
    """The number of distinct non-null values."""
    return _expr(expr, "count_distinct").count_distinct()


def any_value(expr: Expression, ignore_nulls: bool = False) -> Expression:
    """Some value of the group.

    Args:
        expr: The expression.
        ignore_nulls: Daft's parameter. This engine always returns a
            non-null value when the group has one (Daft's result with
            ``ignore_nulls=True``), so either setting gives that.
    """
    return _expr(expr, "any_value").any_value(ignore_nulls)


def stddev(expr: Expression, ddof: int = 1) -> Expression:
    """The standard deviation (``ddof=1``: sample, the default; 0: population)."""
    return _expr(expr, "stddev").stddev(ddof)


def var(expr: Expression, ddof: int = 1) -> Expression:
    """The variance (``ddof=1``: sample, the default; 0: population)."""
    return _expr(expr, "var").var(ddof)


def skew(expr: Expression) -> Expression:
    """The population skewness of the non-null values."""
    return _expr(expr, "skew").skew()


def product(expr: Expression) -> Expression:
    """The product of the non-null values (an integer overflow is an error)."""
    return _expr(expr, "product").product()


def bool_and(expr: Expression) -> Expression:
    """Whether every non-null boolean is true (null when all are null)."""
    return _expr(expr, "bool_and").bool_and()


def bool_or(expr: Expression) -> Expression:
    """Whether any non-null boolean is true (null when all are null)."""
    return _expr(expr, "bool_or").bool_or()


def median(expr: Expression) -> Expression:
    """The exact median of the non-null numbers, as Float64."""
    return _expr(expr, "median").median()


def percentile(expr: Expression, percentage: float | list[float]) -> Expression:
    """The exact percentile(s) of the non-null numbers, interpolated linearly
    (see :meth:`daft.Expression.percentile`)."""
    return _expr(expr, "percentile").percentile(percentage)


def approx_percentiles(expr: Expression, percentiles: float | list[float]) -> Expression:
    """Approximate percentile(s) from a t-digest sketch (see
    :meth:`daft.Expression.approx_percentiles`)."""
    return _expr(expr, "approx_percentiles").approx_percentiles(percentiles)


def approx_count_distinct(expr: Expression) -> Expression:
    """The approximate number of distinct non-null values (HyperLogLog), as UInt64."""
    return _expr(expr, "approx_count_distinct").approx_count_distinct()


def list_agg(expr: Expression) -> Expression:
    """All values of the group, nulls included, as a list."""
    return _expr(expr, "list_agg").agg_list()


def list_agg_distinct(expr: Expression) -> Expression:
    """The distinct non-null values of the group, as a list."""
    return _expr(expr, "list_agg_distinct").list_agg_distinct()


def string_agg(expr: Expression, delimiter: str | None = None) -> Expression:
    """The group's strings concatenated, ``delimiter`` between them."""
    return _expr(expr, "string_agg").string_agg(delimiter)


def over(expr: Expression, window: Any) -> Expression:
    """``expr`` (an aggregation or window function) computed over ``window``."""
    return _expr(expr, "over").over(window)


def _columns(name: str, exprs: tuple) -> Expression:
    if not exprs:
        raise ValueError(f"{name} requires at least one expression")
    from daft import functions as F

    return F.to_list(*(_expr(e, name) for e in exprs))  # type: ignore[attr-defined]


def columns_sum(*exprs: Expression | str) -> Expression:
    """The sum across the given columns, row by row (nulls skipped; null
    where all are null).

    Example:
        >>> df.with_column("total", daft.functions.columns_sum("a", "b"))
    """
    return _columns("columns_sum", exprs).list_sum().alias("columns_sum")  # type: ignore[attr-defined]


def columns_mean(*exprs: Expression | str) -> Expression:
    """The mean across the given columns, row by row, as Float64 (nulls skipped)."""
    return _columns("columns_mean", exprs).list_mean().alias("columns_mean")  # type: ignore[attr-defined]


def columns_avg(*exprs: Expression | str) -> Expression:
    """Alias of :func:`columns_mean`."""
    return _columns("columns_avg", exprs).list_mean().alias("columns_avg")  # type: ignore[attr-defined]


def columns_min(*exprs: Expression | str) -> Expression:
    """The smallest value across the given columns, row by row (nulls skipped)."""
    return _columns("columns_min", exprs).list_min().alias("columns_min")  # type: ignore[attr-defined]


def columns_max(*exprs: Expression | str) -> Expression:
    """The largest value across the given columns, row by row (nulls skipped)."""
    return _columns("columns_max", exprs).list_max().alias("columns_max")  # type: ignore[attr-defined]


def eq_null_safe(left: Any, right: Any) -> Expression:
    """Equality where null equals null: True where both are null, False
    where one is, ``left == right`` otherwise (SQL's ``IS NOT DISTINCT FROM``).

    Example:
        >>> df.select(daft.functions.eq_null_safe(col("a"), col("b")))
    """
    a, b = _py(left), _py(right)
    both_null = Expression._from_pyexpr(a).is_null() & Expression._from_pyexpr(b).is_null()
    equal = (Expression._from_pyexpr(a) == Expression._from_pyexpr(b)).fill_null(False)
    return (equal | both_null).alias(Expression._from_pyexpr(a).name())


def try_cast(expr: Expression, dtype: Any) -> Expression:
    """``expr`` cast to ``dtype``, null where a value does not convert."""
    return _expr(expr, "try_cast").try_cast(dtype)


def e() -> Expression:
    """Euler's number e (2.718281828459045), as a Float64 literal."""
    import math

    from daft.expressions import lit

    return lit(math.e).alias("e")


def pi() -> Expression:
    """The constant pi (3.141592653589793), as a Float64 literal."""
    import math

    from daft.expressions import lit

    return lit(math.pi).alias("pi")


__all__ = [
    "any_value",
    "approx_count_distinct",
    "approx_percentiles",
    "avg",
    "bool_and",
    "bool_or",
    "columns_avg",
    "columns_max",
    "columns_mean",
    "columns_min",
    "columns_sum",
    "count",
    "count_distinct",
    "e",
    "eq_null_safe",
    "list_agg",
    "list_agg_distinct",
    "max",
    "mean",
    "median",
    "min",
    "over",
    "percentile",
    "pi",
    "product",
    "skew",
    "stddev",
    "string_agg",
    "sum",
    "try_cast",
    "var",
]
