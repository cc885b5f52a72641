"""Daft's calendar functions that are compositions of the registry's: epochs to
timestamps and dates, day arithmetic on dates, Iceberg's partition transforms,
and the current date and time.

Each is built from registry functions and casts, so it has their plan-time type
checks: a day count must be an integer, a date argument a date or timestamp.
"""

from __future__ import annotations

from typing import Any

from daft.expressions import Expression, lit


def _F() -> Any:
    from daft import functions

    return functions


def _e(x: Any) -> Expression:
    return x if isinstance(x, Expression) else lit(x)


def _ts(expr: Any, per_second: int, name: str) -> Expression:
    from daft.datatype import DataType

    e = _e(expr).cast(DataType.int64())
    # Microseconds since the epoch; an overflow of Int64 is an error, not a wrap.
    micros = e * (1_000_000 // per_second) if per_second < 1_000_000 else e
    return micros.cast(DataType.timestamp("us")).alias(_e(expr).name() or name)


def timestamp_seconds(expr: Expression) -> Expression:
    """The instant ``expr`` seconds after 1970-01-01T00:00:00 (UTC), as a
    Timestamp[us] without a zone, as Daft.

    Example:
        >>> df.select(daft.functions.timestamp_seconds(col("epoch")))
    """
    return _ts(expr, 1, "timestamp_seconds")


def timestamp_millis(expr: Expression) -> Expression:
    """The instant ``expr`` milliseconds after the epoch, as a Timestamp[us]."""
    return _ts(expr, 1_000, "timestamp_millis")


def timestamp_micros(expr: Expression) -> Expression:
    """The instant ``expr`` microseconds after the epoch, as a Timestamp[us]."""
    return _ts(expr, 1_000_000, "timestamp_micros")


def _days(expr: Any) -> Expression:
    """Days since 1970-01-01 of a date or timestamp (its UTC date), as Int32."""
    from daft.datatype import DataType

    return _F().date(_e(expr)).cast(DataType.int32())


def date_from_unix_date(expr: Expression) -> Expression:
    """The date ``expr`` days after 1970-01-01 (negative before it).

    Example:
        >>> df.select(daft.functions.date_from_unix_date(col("days")))
    """
    from daft.datatype import DataType

    return _e(expr).cast(DataType.int32()).cast(DataType.date())


def date_add(expr: Expression, days: Any) -> Expression:
    """The date ``days`` days after each date (or a timestamp's date), as a Date.

    Args:
        expr: A date or timestamp expression.
        days: An integer or integer expression (negative goes back).

    Returns:
        Expression: Dates; null where either is null.
    """
    from daft.datatype import DataType

    return (_days(expr) + _e(days)).cast(DataType.date()).alias(_e(expr).name())


def date_sub(expr: Expression, days: Any) -> Expression:
    """The date ``days`` days before each date (or a timestamp's date), as a Date."""
    from daft.datatype import DataType

    return (_days(expr) - _e(days)).cast(DataType.date()).alias(_e(expr).name())


def date_diff(end: Expression, start: Expression) -> Expression:
    """The number of days from ``start`` to ``end`` (dates, or timestamps'
    dates), as Int32: negative when ``end`` is earlier."""
    return (_days(end) - _days(start)).alias(_e(end).name())


def dateadd(expr: Expression, days: Any) -> Expression:
    """Alias of :func:`date_add`."""
    return date_add(expr, days)


def datediff(end: Expression, start: Expression) -> Expression:
    """Alias of :func:`date_diff`."""
    return date_diff(end, start)


def _epoch_days(expr: Any) -> Expression:
    """UTC days since the epoch of a date or timestamp, counted down, as Int64."""
    secs = _F().to_unix_epoch(_e(expr), "s")
    return (secs - _F().pmod(secs, lit(86_400))) // lit(86_400)


def partition_days(expr: Expression) -> Expression:
    """Iceberg's day transform: the UTC date of each date or timestamp, as a Date."""
    from daft.datatype import DataType

    days = _epoch_days(expr)
    return days.cast(DataType.int32()).cast(DataType.date()).alias(_e(expr).name())


def partition_years(expr: Expression) -> Expression:
    """Iceberg's year transform: whole years since 1970 of each date or
    timestamp (UTC), as Int32 (1969 is -1)."""
    from daft.datatype import DataType

    day = partition_days(expr)
    return (_F().year(day) - lit(1970)).cast(DataType.int32()).alias(_e(expr).name())


def partition_months(expr: Expression) -> Expression:
    """Iceberg's month transform: whole months since 1970-01 of each date or
    timestamp (UTC), as Int32 (1969-12 is -1)."""
    from daft.datatype import DataType

    day = partition_days(expr)
    months = (
        (_F().year(day) - lit(1970)) * lit(12) + _F().month(day).cast(DataType.int32()) - lit(1)
    )
    return months.cast(DataType.int32()).alias(_e(expr).name())


def partition_hours(expr: Expression) -> Expression:
    """Iceberg's hour transform: whole hours since 1970-01-01T00:00 (UTC) of
    each timestamp, counted down, as Int32."""
    from daft.datatype import DataType

    secs = _F().to_unix_epoch(_e(expr), "s")
    hours = (secs - _F().pmod(secs, lit(3_600))) // lit(3_600)
    return hours.cast(DataType.int32()).alias(_e(expr).name())


def current_date() -> Expression:
    """Today's date in UTC, fixed when the expression is built (as a literal)."""
    import datetime

    return lit(datetime.datetime.now(datetime.timezone.utc).date()).alias("current_date")


def current_timestamp() -> Expression:
    """The current UTC time as a Timestamp[us] without a zone, fixed when the
    expression is built (as a literal)."""
    import datetime

    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return lit(now).alias("current_timestamp")


def current_timezone() -> Expression:
    """The session's time zone, "UTC" (as in Daft, which reads and writes
    naive timestamps as UTC)."""
    return lit("UTC").alias("current_timezone")


def date_trunc(interval: str, expr: Expression, relative_to: Any = None) -> Expression:
    """Each timestamp truncated to the start of its ``interval``.

    Fixed intervals (weeks down to nanoseconds) are counted from ``relative_to``,
    or from 1970-01-01T00:00 (a Thursday, so weeks start on Thursdays, as in
    Daft); "15 minutes" gives :00, :15, :30 and :45. Calendar intervals (month,
    quarter, year; Daft 0.7.26 refuses them) start on the first day of a month
    at midnight, counted in months from ``relative_to``'s month or from January.
    A zoned timestamp is truncated on its wall clock in its zone.

    Args:
        interval: A count and a unit, such as "1 day", "2 hours" or "3 months".
        expr: A timestamp expression.
        relative_to: A timestamp the intervals are counted from (default: the epoch).

    Returns:
        Expression: Timestamps of ``expr``'s type; null stays null.

    Example:
        >>> df.select(daft.functions.date_trunc("1 hour", daft.col("t")))
    """
    if not isinstance(interval, str):
        raise TypeError(f"date_trunc: interval must be a str such as '1 day', got {interval!r}")
    origin = lit(None) if relative_to is None else _e(relative_to)
    return _F()._builtin("date_trunc")(_e(expr), origin, interval=interval)


def trunc(expr: Expression, interval: str, relative_to: Any = None) -> Expression:
    """Daft's Spark-style :func:`date_trunc`, with the timestamp first.

    Example:
        >>> df.select(daft.functions.trunc(daft.col("t"), "1 day"))
    """
    return date_trunc(interval, expr, relative_to)


def make_timestamp_ltz(
    year: Any, month: Any, day: Any, hour: Any, minute: Any, second: Any, timezone: Any = None
) -> Expression:
    """The UTC instant of each wall-clock time given by its parts in ``timezone``
    (default UTC), as a Timestamp[us; UTC]: :func:`make_timestamp` converted to UTC.

    Example:
        >>> df.select(daft.functions.make_timestamp_ltz(2024, 1, 31, 9, 0, 0, "Asia/Tokyo"))
    """
    F = _F()
    ts = F.make_timestamp(year, month, day, hour, minute, second, timezone=timezone or "UTC")
    return F.convert_time_zone(ts, "UTC")


def _date_trunc_method(self: Expression, interval: str, relative_to: Any = None) -> Expression:
    """Each timestamp truncated to the start of its ``interval``; see
    :func:`daft.functions.date_trunc`."""
    return date_trunc(interval, self, relative_to)


# Daft's Expression has these as methods too; functions/__init__ installs them.
EXPRESSION_METHODS = {
    "date_trunc": _date_trunc_method,
    "partition_days": partition_days,
    "partition_hours": partition_hours,
    "partition_months": partition_months,
    "partition_years": partition_years,
}


__all__ = [
    "current_date",
    "current_timestamp",
    "current_timezone",
    "date_add",
    "date_diff",
    "date_from_unix_date",
    "date_sub",
    "date_trunc",
    "dateadd",
    "make_timestamp_ltz",
    "datediff",
    "partition_days",
    "partition_hours",
    "partition_months",
    "partition_years",
    "timestamp_micros",
    "timestamp_millis",
    "timestamp_seconds",
    "trunc",
]
