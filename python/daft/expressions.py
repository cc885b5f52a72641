"""Expressions: column references, literals, operators and function calls.

Besides the methods defined here (operators, ``alias``, aggregations), every
function of the registry — built in or from a plugin — is also a method of
:class:`Expression`, installed by :mod:`daft._registry`.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from daft.daft import PyExpr

if TYPE_CHECKING:
    import pyarrow as pa

    # The registry's functions as methods, for type checkers and editors only: at run
    # time `daft._registry.sync` installs them (see daft._stubs).
    from daft._generated import ExpressionMethods as _RegistryMethods
else:
    from daft._lazy import pa

    _RegistryMethods = object

__all__ = ["Expression", "col", "element", "interval", "lit"]


def col(name: str) -> Expression:
    """A reference to the column ``name``.

    Example:
        >>> df.select(daft.col("x") + 1)
    """
    if not isinstance(name, str):
        raise TypeError(f"col() takes a column name (str), got {type(name).__name__}")
    return Expression._from_pyexpr(PyExpr.col(name))


def element() -> Expression:
    """Each element of a list, inside :func:`list_map` or :func:`list_filter`.

    Outside those it is an error when the query is planned. (Daft writes it
    ``col("")``; here it is its own expression, so no column name is taken.)

    Returns:
        Expression: The element, of the list's item type.

    Example:
        >>> df.select(daft.functions.list_map(daft.col("xs"), daft.element() * 2))
    """
    return Expression._from_pyexpr(PyExpr.element())


def lit(value: Any) -> Expression:
    """A literal value, broadcast to every row.

    Python ``int``, ``float``, ``str``, ``bool``, ``bytes``, ``None``, dates,
    datetimes, decimals and lists become the matching Arrow type; a numpy array
    is a tensor and a ``uuid.UUID`` a UUID, as in Daft.

    Example:
        >>> df.select(daft.col("x") * daft.lit(2))
    """
    if isinstance(value, Expression):
        return value
    plain = PyExpr.lit_scalar(value)
    if plain is not None:
        return Expression._from_pyexpr(plain)
    if _is_logical_value(value):
        return _logical_literal(value)
    try:
        array = pa.array([value])
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise TypeError(f"lit(): cannot make a literal from {value!r}: {e}") from None
    except OverflowError:
        raise OverflowError(
            f"lit(): {value!r} does not fit a 64-bit integer (signed or unsigned)"
        ) from None
    return Expression._from_pyexpr(PyExpr.lit(array))


def _is_logical_value(value: Any) -> bool:
    import sys
    import uuid

    np = sys.modules.get("numpy")
    return isinstance(value, uuid.UUID) or (np is not None and isinstance(value, np.ndarray))


def _logical_literal(value: Any) -> Expression:
    """A literal of a Daft logical type (a numpy array is a tensor, a UUID a UUID):
    its storage as the literal, cast to the type, which gives it the type's
    metadata."""
    from daft import _infer
    from daft.datatype import DataType

    array = _infer.column([value], "lit()")
    dtype = DataType.from_arrow_type(array.type)
    storage = Expression._from_pyexpr(PyExpr.lit(array.storage))
    return storage.cast(dtype)


def interval(
    years: int | None = None,
    months: int | None = None,
    days: int | None = None,
    hours: int | None = None,
    minutes: int | None = None,
    seconds: int | None = None,
    millis: int | None = None,
    nanos: int | None = None,
) -> Expression:
    """A literal calendar interval: months (years count 12), days, and nanoseconds
    (hours, minutes, seconds, milliseconds and nanoseconds summed), as Arrow's
    ``month_day_nano_interval`` keeps them.

    Example:
        >>> df.select(daft.col("ts") + daft.interval(months=1))
    """
    parts = {
        "years": years,
        "months": months,
        "days": days,
        "hours": hours,
        "minutes": minutes,
        "seconds": seconds,
        "millis": millis,
        "nanos": nanos,
    }
    for name, v in parts.items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise TypeError(f"interval(): {name} must be an int, got {v!r}")
    n = {k: v or 0 for k, v in parts.items()}
    total_months = n["years"] * 12 + n["months"]
    nanoseconds = (
        ((n["hours"] * 60 + n["minutes"]) * 60 + n["seconds"]) * 1_000_000_000
        + n["millis"] * 1_000_000
        + n["nanos"]
    )
    value = pa.MonthDayNano([total_months, n["days"], nanoseconds])
    array = pa.array([value], pa.month_day_nano_interval())
    return Expression._from_pyexpr(PyExpr.lit(array))


def _to_expr(value: Any) -> Expression:
    return value if isinstance(value, Expression) else lit(value)


def _py(value: Any) -> PyExpr:
    return _to_expr(value)._expr


class Expression(_RegistryMethods):
    """A column expression, evaluated lazily against a DataFrame's rows.

    Build one with :func:`daft.col` or :func:`daft.lit` and combine with
    operators (``+ - * / // % == != < <= > >= & | ^ ~``) and methods.
    """

    __slots__ = ("_expr",)

    def __init__(self) -> None:
        raise TypeError("build expressions with daft.col(...) or daft.lit(...)")

    @classmethod
    def _from_pyexpr(cls, expr: PyExpr) -> Expression:
        e = cls.__new__(cls)
        e._expr = expr
        return e

    # --- naming ---------------------------------------------------------
    def apply(self, func: Any, return_dtype: Any) -> Expression:
        """``func`` applied to each value of this expression, as a row-wise UDF.

        Args:
            func: A Python function of one value (``None`` for a null).
            return_dtype: The result's type.

        Returns:
            Expression: ``func``'s results, of ``return_dtype``.

        Example:
            >>> df.select(daft.col("x").apply(lambda v: v * 2, return_dtype=daft.DataType.int64()))
        """
        from daft._udf import Func

        name = getattr(func, "__name__", "apply")
        return Func(func, batch=False, return_dtype=return_dtype, name=name)(self)

    def alias(self, name: str) -> Expression:
        """Names the output column ``name``."""
        return Expression._from_pyexpr(self._expr.alias(name))

    def name(self) -> str:
        """The name the output column will have."""
        return self._expr.name()

    def _repr_html_(self) -> str:
        """The notebook view: the expression's text."""
        from daft import _html

        return _html.expression(self)

    def __repr__(self) -> str:
        return repr(self._expr)

    # --- what the expression is --------------------------------------------
    def is_column(self) -> bool:
        """Whether the expression is a bare column reference."""
        return self._expr.column_name() is not None

    def column_name(self) -> str | None:
        """The column's name for a bare column reference, else None."""
        return self._expr.column_name()

    def is_literal(self) -> bool:
        """Whether the expression is a literal."""
        return self._expr.literal_stream() is not None

    def as_py(self) -> Any:
        """A literal's Python value; a ValueError for any other expression."""
        stream = self._expr.literal_stream()
        if stream is None:
            raise ValueError(f"as_py() needs a literal expression, got {self!r}")
        from daft._logical import to_pylist

        holder = _Capsule(stream)
        return to_pylist(pa.RecordBatchReader.from_stream(holder).read_all().column(0))[0]

    def try_cast(self, dtype: Any) -> Expression:
        """The values converted to ``dtype``, null where a value does not convert
        (as :meth:`cast`, which is safe in this engine)."""
        return self.cast(dtype)

    def eq_null_safe(self, other: Any) -> Expression:
        """Equality where null equals null (SQL's ``IS NOT DISTINCT FROM``);
        see :func:`daft.functions.eq_null_safe`."""
        from daft.functions.agg import eq_null_safe

        return eq_null_safe(self, other)

    def count_matches(
        self, patterns: Any, *, whole_words: bool = False, case_sensitive: bool = True
    ) -> Expression:
        """How many times the literal ``patterns`` (a str or a list of str) occur
        in each string; see :func:`daft.functions.count_matches`."""
        from daft.functions.aliases import count_matches

        return count_matches(self, patterns, whole_words=whole_words, case_sensitive=case_sensitive)

    def __bool__(self) -> bool:
        raise TypeError(
            "an Expression has no truth value; use & | ~ instead of and / or / not, "
            "and .is_in([...]) instead of `in`"
        )

    def __hash__(self) -> int:
        return id(self)

    # --- operators ------------------------------------------------------
    def _bin(self, op: str, other: Any) -> Expression:
        return Expression._from_pyexpr(self._expr.binary(op, _py(other)))

    def _rbin(self, op: str, other: Any) -> Expression:
        return Expression._from_pyexpr(_py(other).binary(op, self._expr))

    def __add__(self, o: Any) -> Expression:
        return self._bin("+", o)

    def __radd__(self, o: Any) -> Expression:
        return self._rbin("+", o)

    def __sub__(self, o: Any) -> Expression:
        return self._bin("-", o)

    def __rsub__(self, o: Any) -> Expression:
        return self._rbin("-", o)

    def __mul__(self, o: Any) -> Expression:
        return self._bin("*", o)

    def __rmul__(self, o: Any) -> Expression:
        return self._rbin("*", o)

    def __truediv__(self, o: Any) -> Expression:
        return self._bin("/", o)

    def __rtruediv__(self, o: Any) -> Expression:
        return self._rbin("/", o)

    def __floordiv__(self, o: Any) -> Expression:
        return self._bin("//", o)

    def __rfloordiv__(self, o: Any) -> Expression:
        return self._rbin("//", o)

    def __mod__(self, o: Any) -> Expression:
        return self._bin("%", o)

    def __rmod__(self, o: Any) -> Expression:
        return self._rbin("%", o)

    def __eq__(self, o: Any) -> Expression:  # type: ignore[override]
        return self._bin("==", o)

    def __ne__(self, o: Any) -> Expression:  # type: ignore[override]
        return self._bin("!=", o)

    def __lt__(self, o: Any) -> Expression:
        return self._bin("<", o)

    def __le__(self, o: Any) -> Expression:
        return self._bin("<=", o)

    def __gt__(self, o: Any) -> Expression:
        return self._bin(">", o)

    def __ge__(self, o: Any) -> Expression:
        return self._bin(">=", o)

    def __and__(self, o: Any) -> Expression:
        return self._bin("&", o)

    def __rand__(self, o: Any) -> Expression:
        return self._rbin("&", o)

    def __or__(self, o: Any) -> Expression:
        return self._bin("|", o)

    def __ror__(self, o: Any) -> Expression:
        return self._rbin("|", o)

    def __xor__(self, o: Any) -> Expression:
        return self._bin("^", o)

    def __invert__(self) -> Expression:
        return Expression._from_pyexpr(self._expr.not_())

    def __neg__(self) -> Expression:
        # The registry's negate keeps the name and type (and -0.0 for 0.0),
        # where `0 - x` would be named "literal".
        return self.negate()  # type: ignore[attr-defined]

    def __abs__(self) -> Expression:
        return self.abs()  # type: ignore[attr-defined]

    def __pow__(self, o: Any) -> Expression:
        return self.pow(o)  # type: ignore[attr-defined]

    def __rpow__(self, o: Any) -> Expression:
        return lit(o).pow(self)  # type: ignore[attr-defined]

    # --- aggregations ---------------------------------------------------
    def _agg(self, kind: str) -> Expression:
        return Expression._from_pyexpr(self._expr.agg(kind))

    def sum(self) -> Expression:
        """Sum of the non-null values.

        Integers sum as Int64/UInt64 and decimals as ``decimal128(38, scale)``;
        a sum that does not fit is an error naming the expression, not a
        wrapped value (real Daft wraps).
        """
        return self._agg("sum")

    def mean(self) -> Expression:
        """Mean of the non-null values, as Float64."""
        return self._agg("mean")

    def avg(self) -> Expression:
        """Alias of :meth:`mean`."""
        return self._agg("mean")

    def min(self) -> Expression:
        """Smallest non-null value."""
        return self._agg("min")

    def max(self) -> Expression:
        """Largest non-null value."""
        return self._agg("max")

    def count(self, mode: str = "valid") -> Expression:
        """Number of values: ``mode="valid"`` (non-null, default), ``"null"`` or ``"all"``."""
        kinds = {"valid": "count", "null": "count_null", "all": "count_all"}
        if mode not in kinds:
            raise ValueError(f"count(mode=...) must be one of {sorted(kinds)}, got {mode!r}")
        return self._agg(kinds[mode])

    def count_distinct(self) -> Expression:
        """Number of distinct non-null values."""
        return self._agg("count_distinct")

    def any_value(self, ignore_nulls: bool = True) -> Expression:
        """Some non-null value of the group (null only if all values are null)."""
        return self._agg("any_value")

    def agg_list(self) -> Expression:
        """All values of the group, nulls included, as a list."""
        return self._agg("list_agg")

    def list_agg(self) -> Expression:
        """Alias of :meth:`agg_list`."""
        return self._agg("list_agg")

    def list_agg_distinct(self) -> Expression:
        """The distinct non-null values of the group, as a list."""
        return self._agg("list_agg_distinct")

    def string_agg(self, delimiter: str | None = None) -> Expression:
        """The group's strings concatenated, ``delimiter`` between them
        (none by default, as in Daft); nulls are skipped.

        Example:
            >>> df.groupby("g").agg(col("name").string_agg(", "))
        """
        if delimiter is not None and not isinstance(delimiter, str):
            raise TypeError(
                f"string_agg: delimiter must be a str or None, got {type(delimiter).__name__}"
            )
        return Expression._from_pyexpr(self._expr.agg("string_agg", None, delimiter))

    def stddev(self, ddof: int = 1) -> Expression:
        """Standard deviation (``ddof=1``: sample, as Daft's default; 0: population)."""
        return Expression._from_pyexpr(self._expr.agg("stddev", ddof))

    def var(self, ddof: int = 1) -> Expression:
        """Variance (``ddof=1``: sample, as Daft's default; 0: population)."""
        return Expression._from_pyexpr(self._expr.agg("var", ddof))

    def product(self) -> Expression:
        """Product of the non-null values (integers as Int64/UInt64).

        An integer product that does not fit its type is an error, not a
        wrapped value.
        """
        return self._agg("product")

    def skew(self) -> Expression:
        """Population skewness of the non-null values, as Daft computes it."""
        return self._agg("skew")

    def bool_and(self) -> Expression:
        """Whether every non-null boolean of the group is true (null when all are null)."""
        return self._agg("bool_and")

    def bool_or(self) -> Expression:
        """Whether any non-null boolean of the group is true (null when all are null)."""
        return self._agg("bool_or")

    def median(self) -> Expression:
        """The exact median of the non-null numbers, as Float64 (the mean of
        the two middle values for an even count; NaN sorts above every number)."""
        return self._agg("median")

    def percentile(self, percentage: float | list[float]) -> Expression:
        """The exact percentile(s) of the non-null numbers, interpolated
        linearly between the nearest ranks (NaN sorts above every number).

        Args:
            percentage: A fraction in [0, 1], or a list of them.

        Returns:
            Expression: Float64, or a fixed-size list of Float64 for a list.

        Example:
            >>> df.agg(col("x").percentile(0.9), col("x").percentile([0.25, 0.75]).alias("iqr"))
        """
        return self._percentiles("percentile", percentage)

    def approx_percentiles(self, percentiles: float | list[float]) -> Expression:
        """Approximate percentile(s) of the non-null numbers from a t-digest
        sketch (bounded memory per group; exact for small groups).

        Args:
            percentiles: A fraction in [0, 1], or a list of them.

        Returns:
            Expression: Float64, or a fixed-size list of Float64 for a list.
        """
        return self._percentiles("approx_percentiles", percentiles)

    def _percentiles(self, kind: str, p: Any) -> Expression:
        as_list = isinstance(p, (list, tuple))
        values = list(p) if as_list else [p]
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"{kind}: percentages must be floats in [0, 1], got {v!r}")
        return Expression._from_pyexpr(
            self._expr.agg(kind, None, None, [float(v) for v in values], as_list)
        )

    def approx_count_distinct(self) -> Expression:
        """Approximate number of distinct non-null values (HyperLogLog), as UInt64."""
        return self._agg("approx_count_distinct")

    # --- windows --------------------------------------------------------
    def over(self, window: Any) -> Expression:
        """This aggregation or window function computed over ``window`` (a
        :class:`daft.Window`): one value per row from the rows of its partition.

        Example:
            >>> w = daft.Window().partition_by("g").order_by("t")
            >>> df.select(col("x").sum().over(w.rows_between(Window.unbounded_preceding, 0)))
        """
        from daft.window import Window

        if not isinstance(window, Window):
            raise TypeError(f"over() takes a daft.Window, got {type(window).__name__}")
        return Expression._from_pyexpr(window._apply(self._expr))

    def lag(self, offset: int = 1, default: Any = None) -> Expression:
        """The value ``offset`` rows earlier in the window's order (see
        :func:`daft.functions.lag`); use with ``.over(window)``."""
        from daft.window import lag

        return lag(self, offset, default)

    def lead(self, offset: int = 1, default: Any = None) -> Expression:
        """The value ``offset`` rows later in the window's order; use with ``.over``."""
        from daft.window import lead

        return lead(self, offset, default)

    def first_value(self) -> Expression:
        """The first value in the window's frame; use with ``.over(window)``."""
        from daft.window import first_value

        return first_value(self)

    def last_value(self) -> Expression:
        """The last value in the window's frame; use with ``.over(window)``."""
        from daft.window import last_value

        return last_value(self)

    def regexp(self, pattern: Any) -> Expression:
        """Daft's name for ``regexp_match``: whether each string matches ``pattern``."""
        from daft.functions import regexp

        return regexp(self, pattern)

    # --- nested values --------------------------------------------------
    def get(self, key: Any, default: Any = None) -> Expression:
        """An element of each list (``key`` an int or an integer expression;
        negative from the end; ``default`` where out of range) or a field of
        each struct (``key`` a str). Same as :func:`daft.functions.get`."""
        from daft.functions import get

        return get(self, key, default)

    def slice(self, start: Any, end: Any = None) -> Expression:
        """A cut ``[start:end]`` of each list or binary value. Same as
        :func:`daft.functions.slice`."""
        from daft.functions import slice as slice_

        return slice_(self, start, end)

    def coalesce(self, *others: Any) -> Expression:
        """The first non-null of this expression and ``others``, row by row.
        Same as :func:`daft.functions.coalesce`."""
        from daft.functions import coalesce

        return coalesce(self, *others)

    def __getitem__(self, key: Any) -> Expression:
        """``expr[i]`` (list element, negative from the end), ``expr["f"]``
        (struct field) and ``expr[start:end]`` (cut of a list or binary)."""
        if isinstance(key, builtins.slice):
            if key.step is not None:
                raise ValueError(
                    "Expression[start:stop:step]: a step is not supported; use expr[start:stop]"
                )
            return self.slice(0 if key.start is None else key.start, key.stop)
        if isinstance(key, bool):
            raise TypeError("Expression[...] takes an int, a str or a slice, got a bool")
        return self.get(key)

    # With __getitem__, iter(expr) would call expr[0], expr[1], ... and never stop.
    __iter__ = None


class _Capsule:
    """Hands a stream capsule made in Rust to pyarrow's ``from_stream``."""

    def __init__(self, capsule: object) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._capsule


def _install_casts() -> None:
    """``Expression.as_<type>(...)``: a cast to ``DataType.<type>(...)``, one per
    DataType constructor, as in Daft."""
    from daft.datatype import DataType

    constructors = [
        "binary", "bool", "date", "decimal128", "duration", "embedding", "extension",
        "fixed_size_binary", "fixed_size_list", "float16", "float32", "float64", "image",
        "int8", "int16", "int32", "int64", "interval", "list", "map", "null", "python",
        "sparse_tensor", "string", "struct", "tensor", "time", "timestamp", "uint8",
        "uint16", "uint32", "uint64", "union", "uuid",
    ]  # fmt: skip
    for name in constructors:

        def as_type(self: Expression, *args: Any, _name: str = name, **kwargs: Any) -> Expression:
            return self.cast(getattr(DataType, _name)(*args, **kwargs))

        as_type.__name__ = f"as_{name}"
        as_type.__qualname__ = f"Expression.as_{name}"
        as_type.__doc__ = f"Casts the expression to ``DataType.{name}(...)``."
        setattr(Expression, f"as_{name}", as_type)


_install_casts()
