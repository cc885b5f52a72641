"""Daft's other names for registry functions (``dayofmonth`` is
``day_of_month``), ``datepart``, which picks a temporal part by name, and the
wrappers that take a list of strings where the registry takes one option
(``count_matches``, ``json_tuple``).

Each calls the registry function, so it has that function's semantics and
errors; only the name (and for ``datepart`` the argument order) differ.
"""

from __future__ import annotations

from typing import Any

from daft.expressions import Expression, lit


def _fn(name: str) -> Any:
    from daft import functions

    return getattr(functions, name)


def dayofmonth(expr: Expression) -> Expression:
    """Alias of :func:`daft.functions.day_of_month`."""
    return _fn("day_of_month")(expr)


def dayofyear(expr: Expression) -> Expression:
    """Alias of :func:`daft.functions.day_of_year`."""
    return _fn("day_of_year")(expr)


def weekofyear(expr: Expression) -> Expression:
    """Alias of :func:`daft.functions.week_of_year`."""
    return _fn("week_of_year")(expr)


# datepart's names, as Daft 0.7.26 accepts them, and the function each means.
_PARTS = {
    "date": "date",
    "year": "year",
    "quarter": "quarter",
    "month": "month",
    "day": "day",
    "day_of_week": "day_of_week",
    "dayofweek": "day_of_week",
    "weekday": "day_of_week",
    "day_of_month": "day_of_month",
    "dayofmonth": "day_of_month",
    "day_of_year": "day_of_year",
    "dayofyear": "day_of_year",
    "week_of_year": "week_of_year",
    "weekofyear": "week_of_year",
    "week": "week_of_year",
    "hour": "hour",
    "minute": "minute",
    "second": "second",
    "millisecond": "millisecond",
    "microsecond": "microsecond",
    "nanosecond": "nanosecond",
    "unix_date": "unix_date",
}


def datepart(part: str, expr: Expression) -> Expression:
    """The temporal part named ``part`` of each value (``datepart("year", e)``
    is ``year(e)``).

    Args:
        part: A part name: year, quarter, month, day, day_of_week (or
            dayofweek, weekday), day_of_month (dayofmonth), day_of_year
            (dayofyear), week_of_year (weekofyear, week), hour, minute,
            second, millisecond, microsecond, nanosecond, date, unix_date.
        expr: A date, timestamp or time expression.

    Raises:
        ValueError: for an unknown part, listing the known ones.
    """
    key = part.strip().lower().replace(" ", "_") if isinstance(part, str) else part
    if key not in _PARTS:
        raise ValueError(
            f"datepart: unknown part {part!r}; expected one of {', '.join(sorted(_PARTS))}"
        )
    return _fn(_PARTS[key])(expr)


def space(expr: Any) -> Expression:
    """A string of ``n`` spaces for each integer ``n`` (empty for 0 or less;
    null for null)."""
    n = expr if isinstance(expr, Expression) else lit(expr)
    return _fn("repeat")(lit(" "), n).alias(n.name())


def ascii_func(expr: Expression) -> Expression:
    """Alias of :func:`daft.functions.ascii` (Daft's name for it)."""
    return _fn("ascii")(expr)


def chr_func(expr: Expression) -> Expression:
    """Alias of :func:`daft.functions.chr` (Daft's name for it)."""
    return _fn("chr")(expr)


def count_matches(
    expr: Expression, patterns: Any, *, whole_words: bool = False, case_sensitive: bool = True
) -> Expression:
    """How many times the literal ``patterns`` occur in each string, counting
    non-overlapping matches from the left (the longest pattern where several
    start at one place). Patterns are plain strings, not regular expressions.

    Args:
        expr: A string expression.
        patterns: A str or a list of str (none empty).
        whole_words: Count only matches with no letter, digit or ``_`` right
            before or after them.
        case_sensitive: Match case exactly (default); False folds ASCII
            letters only, as Daft does.

    Returns:
        Expression: UInt64 counts; null stays null.

    Example:
        >>> df.select(daft.functions.count_matches(col("s"), ["the", "hat"], whole_words=True))
    """
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, (list, tuple)) or not all(isinstance(p, str) for p in patterns):
        raise TypeError(f"count_matches: patterns must be a str or a list of str, got {patterns!r}")
    if not patterns or any("\0" in p for p in patterns):
        raise ValueError("count_matches: give at least one pattern, none containing NUL")
    # The registry's option is one string: the list travels NUL-joined.
    from daft.functions import _builtin

    return _builtin("count_matches")(
        expr, "\0".join(patterns), whole_words=whole_words, case_sensitive=case_sensitive
    )


# The method and the function are documented as one.
Expression.count_matches.__doc__ = count_matches.__doc__


def format(f_string: str, *args: Any) -> Expression:  # noqa: A001
    """``f_string`` with each ``{}`` replaced by the next argument's value as a
    string (a str argument names a column), row by row; null where an
    argument is null.

    Example:
        >>> df.select(daft.functions.format("{} is {} years old", col("name"), col("age")))
    """
    from daft.expressions import col

    if not isinstance(f_string, str):
        raise TypeError(f"format: f_string must be a str, got {type(f_string).__name__}")
    pieces = f_string.split("{}")
    if len(pieces) - 1 != len(args):
        raise ValueError(
            f"format: {f_string!r} has {len(pieces) - 1} placeholders but {len(args)} "
            "arguments were given"
        )
    parts: list[Expression] = [lit(pieces[0])]
    for arg, piece in zip(args, pieces[1:]):
        e = col(arg) if isinstance(arg, str) else arg
        parts += [e.cast("string"), lit(piece)]
    return _fn("concat")(*parts).alias("format")


def convert_timezone(target_timezone: str, source_timestamp: Expression) -> Expression:
    """Spark's name and argument order for :func:`convert_time_zone`.

    Example:
        >>> df.select(daft.functions.convert_timezone("UTC", daft.col("t")))
    """
    return _fn("convert_time_zone")(source_timestamp, target_timezone)


def date_format(expr: Expression, format: Any = None) -> Expression:  # noqa: A002
    """Daft's other name for :func:`strftime`.

    Example:
        >>> df.select(daft.functions.date_format(daft.col("d"), "%d.%m.%Y"))
    """
    return _fn("strftime")(expr, format)


def json_tuple(expr: Expression, *fields: str) -> Expression:
    """The values of the given top-level keys of each JSON object, as text.

    A string value is given without its quotes, any other value as its JSON
    text; a missing key or a JSON null gives null (Daft 0.7.26 gives the string
    "null"). A row that is no JSON object is null.

    Args:
        expr: A string expression of JSON documents.
        *fields: The keys to extract (str).

    Returns:
        Expression: Struct of string fields named after the keys.

    Example:
        >>> df.select(daft.functions.json_tuple(daft.col("j"), "a", "b"))
    """
    if not fields or not all(isinstance(f, str) and "\0" not in f for f in fields):
        raise TypeError(
            f"json_tuple: give one or more field names (str, without NUL), got {fields!r}"
        )
    from daft.functions import _builtin

    # The registry's option is one string: the names travel NUL-joined.
    return _builtin("json_tuple")(expr, "\0".join(fields))


def to_struct(*fields: Any, **named_fields: Any) -> Expression:
    """A struct of the given expressions, one field each.

    A row is never null: a row where every field is null is a struct of nulls.

    Args:
        *fields: Expressions (or column names), each named by its name.
        **named_fields: Expressions, each named by its keyword.

    Returns:
        Expression: Struct with one field per argument, in order.

    Example:
        >>> df.select(daft.functions.to_struct(daft.col("a"), b2=daft.col("b") * 2))
    """
    from daft.expressions import col

    exprs = [col(f) if isinstance(f, str) else f for f in fields]
    exprs += [
        (col(e) if isinstance(e, str) else e if isinstance(e, Expression) else lit(e)).alias(k)
        for k, e in named_fields.items()
    ]
    if not exprs:
        raise TypeError("to_struct: give at least one field")
    if not all(isinstance(e, Expression) for e in exprs):
        raise TypeError("to_struct: fields must be expressions or column names")
    names = [e.name() for e in exprs]
    if any("\0" in n for n in names):
        raise ValueError("to_struct: a field name must not contain NUL")
    from daft.functions import _builtin

    # The registry's option is one string: the names travel NUL-joined.
    return _builtin("to_struct")(*exprs, names="\0".join(names)).alias("struct")


__all__ = [
    "ascii_func",
    "chr_func",
    "convert_timezone",
    "count_matches",
    "date_format",
    "datepart",
    "dayofmonth",
    "dayofyear",
    "format",
    "json_tuple",
    "space",
    "to_struct",
    "weekofyear",
]
