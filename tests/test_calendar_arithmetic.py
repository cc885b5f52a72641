"""Calendar arithmetic, formatting, parsing and time zones of issue 11 against
oracles on random dates and timestamps with nulls: dateutil's relativedelta
(add_months), pyarrow's floor_temporal (date_trunc), Python's datetime,
strftime/strptime and zoneinfo (the rest)."""

from __future__ import annotations

import calendar
import datetime as dt
import random
import zoneinfo

import daft
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from daft import DataType as D
from daft import col, lit
from daft import functions as F
from dateutil.relativedelta import relativedelta

EPOCH = dt.datetime(1970, 1, 1)
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def run(expr, data: dict) -> list:
    return daft.from_arrow(pa.table(data)).select(expr.alias("r")).to_pydict()["r"]


def stamps(n: int = 300, seed: int = 1) -> list:
    rng = random.Random(seed)
    return [
        None
        if rng.random() < 0.1
        else EPOCH + dt.timedelta(microseconds=rng.randint(-(10**15), 3 * 10**15))
        for _ in range(n)
    ]


def ts_array(values: list, tz: str | None = None) -> pa.Array:
    if tz is None:
        return pa.array(values, pa.timestamp("us"))
    z = zoneinfo.ZoneInfo(tz)
    aware = [None if v is None else v.replace(tzinfo=dt.timezone.utc).astimezone(z) for v in values]
    return pa.array(aware, pa.timestamp("us", tz))


def local(v: dt.datetime | None, tz: str | None) -> dt.datetime | None:
    """The wall clock of a UTC time ``v`` in ``tz``."""
    if v is None or tz is None:
        return v
    return v.replace(tzinfo=dt.timezone.utc).astimezone(zoneinfo.ZoneInfo(tz)).replace(tzinfo=None)


@pytest.mark.parametrize("tz", [None, "Asia/Tokyo"])
def test_add_months_clamps_to_the_month_end_like_relativedelta(tz):
    ts = stamps()
    rng = random.Random(5)
    months = [None if rng.random() < 0.1 else rng.randint(-500, 500) for _ in ts]
    got = run(F.add_months(col("t"), col("m")), {"t": ts_array(ts, tz), "m": months})
    want = [
        None if t is None or m is None else local(t, tz).date() + relativedelta(months=m)
        for t, m in zip(ts, months)
    ]
    assert got == want


def test_add_months_gives_each_row_its_own_result_with_a_literal_count():
    # Daft 0.7.26 repeats the first row's result for every row here.
    d = [dt.date(2024, 1, 31), dt.date(2023, 3, 15), None]
    assert run(F.add_months(col("d"), 1), {"d": d}) == [
        dt.date(2024, 2, 29),
        dt.date(2023, 4, 15),
        None,
    ]


def test_add_months_past_the_dates_a_date_holds_is_an_error():
    with pytest.raises(Exception, match="add_months: .* outside the dates"):
        run(F.add_months(col("d"), col("m")), {"d": [dt.date(2024, 1, 1)], "m": [10**12]})


def spark_months_between(end: dt.datetime, start: dt.datetime) -> float:
    """Spark's documented rule, written from its description."""

    def last(d: dt.datetime) -> bool:
        return d.day == calendar.monthrange(d.year, d.month)[1]

    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day == start.day or (last(end) and last(start)):
        return float(months)

    def tod(t: dt.datetime) -> float:
        midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
        return (t - midnight) / dt.timedelta(microseconds=1)

    rest = (end.day - start.day) * 86_400_000_000 + tod(end) - tod(start)
    return round(months + rest / (31 * 86_400_000_000), 8)


def test_months_between_follows_sparks_rule_row_by_row():
    a, b = stamps(seed=2), stamps(seed=3)
    # Month ends on both sides exercise the whole-month rule.
    a[:3] = [dt.datetime(2024, 2, 29), dt.datetime(2024, 3, 31, 5), dt.datetime(2024, 1, 15, 1)]
    b[:3] = [dt.datetime(2024, 1, 31), dt.datetime(2023, 2, 28, 9), dt.datetime(2023, 11, 15, 23)]
    got = run(F.months_between(col("a"), col("b")), {"a": ts_array(a), "b": ts_array(b)})
    want = [None if x is None or y is None else spark_months_between(x, y) for x, y in zip(a, b)]
    assert got == pytest.approx(want, abs=1e-8, nan_ok=False)
    assert got[:3] == [1.0, 13.0, 2.0]


def test_last_day_and_next_day_match_the_calendar():
    ts = stamps(seed=4)
    data = {"t": ts_array(ts)}
    assert run(F.last_day(col("t")), data) == [
        None if t is None else t.date().replace(day=calendar.monthrange(t.year, t.month)[1])
        for t in ts
    ]
    for name, weekday in [("Monday", 0), ("wed", 2), ("SU", 6)]:
        got = run(F.next_day(col("t"), name), data)
        want = []
        for t in ts:
            if t is None:
                want.append(None)
                continue
            ahead = (weekday - t.weekday()) % 7 or 7
            want.append(t.date() + dt.timedelta(days=ahead))
        assert got == want, name


def test_next_day_refuses_a_name_that_is_no_weekday_at_plan_time():
    with pytest.raises(Exception, match='next_day: day_of_week "Mondayy"'):
        daft.from_pydict({"d": [dt.date(2024, 1, 1)]}).select(F.next_day(col("d"), "Mondayy"))


def test_make_date_gives_null_for_parts_that_make_no_date():
    rng = random.Random(6)
    rows = [(rng.randint(1, 3000), rng.randint(-1, 14), rng.randint(-1, 32)) for _ in range(300)]
    rows[0] = (None, 1, 1)
    ys, ms, ds = (list(x) for x in zip(*rows))

    def oracle(y, m, d):
        try:
            return dt.date(y, m, d)
        except (TypeError, ValueError):
            return None

    got = run(F.make_date(col("y"), col("m"), col("d")), {"y": ys, "m": ms, "d": ds})
    assert got == [oracle(*r) for r in rows]


def test_make_timestamp_reads_parts_as_a_wall_clock_in_the_zone():
    rng = random.Random(7)
    n = 200
    parts = {
        "y": [rng.randint(1900, 2100) for _ in range(n)],
        "mo": [rng.randint(1, 12) for _ in range(n)],
        "d": [rng.randint(1, 28) for _ in range(n)],
        "h": [rng.randint(0, 23) for _ in range(n)],
        "mi": [rng.randint(0, 59) for _ in range(n)],
        "s": [round(rng.uniform(0, 59.999999), 6) for _ in range(n)],
    }
    args = [col(k) for k in parts]
    naive = run(F.make_timestamp(*args), parts)
    want = [
        dt.datetime(y, mo, d, h, mi) + dt.timedelta(microseconds=round(s * 1e6))
        for y, mo, d, h, mi, s in zip(*parts.values())
    ]
    assert naive == want
    zoned = daft.from_pydict(parts).select(
        F.make_timestamp(*args, timezone="Asia/Tokyo").alias("r")
    )
    assert zoned.schema()["r"].dtype == D.timestamp("us", "Asia/Tokyo")
    assert [t.replace(tzinfo=None) for t in zoned.to_pydict()["r"]] == want
    ltz = run(F.make_timestamp_ltz(*args, timezone="Asia/Tokyo"), parts)
    assert [t.astimezone(dt.timezone.utc) for t in ltz] == [
        w.replace(tzinfo=TOKYO).astimezone(dt.timezone.utc) for w in want
    ]


def test_make_timestamp_gives_null_for_a_skipped_wall_clock_or_impossible_parts():
    one = {k: [v] for k, v in dict(y=2024, mo=3, d=10, h=2, mi=30, s=0).items()}
    args = [col(k) for k in one]
    assert run(F.make_timestamp(*args, timezone="America/New_York"), one) == [None]
    assert run(F.make_timestamp(*args), {**one, "s": [60]}) == [None]
    assert run(F.make_timestamp(*args), {**one, "h": [24]}) == [None]
    # An hour the zone repeats takes the earlier instant (daylight time).
    repeated = {**one, "mo": [11], "d": [3], "h": [1]}
    [t] = run(F.make_timestamp(*args, timezone="America/New_York"), repeated)
    assert t.utcoffset() == dt.timedelta(hours=-4)


@pytest.mark.parametrize(
    "interval,multiple,unit",
    [
        ("1 day", 1, "day"),
        ("1 hour", 1, "hour"),
        ("2 hours", 2, "hour"),
        ("15 minutes", 15, "minute"),
        ("1 second", 1, "second"),
        ("250 milliseconds", 250, "millisecond"),
        ("1 month", 1, "month"),
        ("1 quarter", 1, "quarter"),
        ("2 years", 2, "year"),
    ],
)
def test_date_trunc_matches_pyarrows_floor_temporal(interval, multiple, unit):
    arr = ts_array(stamps(seed=8))
    got = run(F.date_trunc(interval, col("t")), {"t": arr})
    want = pc.floor_temporal(arr, multiple=multiple, unit=unit).to_pylist()
    assert got == want


def test_date_trunc_counts_weeks_and_intervals_from_the_origin():
    ts = stamps(seed=9)
    arr = ts_array(ts)
    weeks = run(F.date_trunc("1 week", col("t")), {"t": arr})
    for t, w in zip(ts, weeks):
        if t is not None:
            # Weeks start on Thursdays, as 1970-01-01 did (Daft's rule).
            assert w.weekday() == 3 and dt.timedelta(0) <= t - w < dt.timedelta(days=7)
    origin = dt.datetime(2000, 1, 1, 1)
    got = run(F.date_trunc("2 hours", col("t"), lit(origin)), {"t": arr})
    step = dt.timedelta(hours=2)
    assert got == [None if t is None else origin + ((t - origin) // step) * step for t in ts]
    assert run(col("t").date_trunc("1 day"), {"t": arr}) == run(
        F.trunc(col("t"), "1 day"), {"t": arr}
    )


def test_date_trunc_of_a_zoned_timestamp_works_on_its_wall_clock():
    ts = [dt.datetime(2024, 1, 31, 20, 30), None]
    [start, none] = run(F.date_trunc("1 day", col("t")), {"t": ts_array(ts, "Asia/Tokyo")})
    assert none is None
    assert start == dt.datetime(2024, 2, 1, tzinfo=TOKYO)


def test_date_trunc_refuses_a_bad_interval_and_a_date_at_plan_time():
    df = daft.from_pydict({"t": [dt.datetime(2024, 1, 1)], "d": [dt.date(2024, 1, 1)]})
    with pytest.raises(Exception, match='interval "1 fortnight" is not an interval'):
        df.select(F.date_trunc("1 fortnight", col("t")))
    with pytest.raises(Exception, match="argument `expr` .* expected a timestamp"):
        df.select(F.date_trunc("1 day", col("d")))


def iso(t: dt.datetime) -> str:
    """chrono's %.f: no fraction, or 3, 6 digits as needed."""
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond == 0:
        return base
    if t.microsecond % 1000 == 0:
        return f"{base}.{t.microsecond // 1000:03d}"
    return f"{base}.{t.microsecond:06d}"


def test_strftime_defaults_to_iso_and_formats_like_python():
    ts = stamps(seed=10)
    ts = [t for t in ts if t is None or t.year >= 1000]
    data = {"t": ts_array(ts)}
    assert run(F.strftime(col("t")), data) == [None if t is None else iso(t) for t in ts]
    fmt = "%Y/%m/%d %H:%M:%S %j %a %b"
    assert run(F.strftime(col("t"), fmt), data) == [
        None if t is None else t.strftime(fmt) for t in ts
    ]
    dates = [None if t is None else t.date() for t in ts]
    assert run(F.strftime(col("d")), {"d": dates}) == [
        None if d is None else d.isoformat() for d in dates
    ]
    assert run(F.date_format(col("d"), "%d.%m.%Y"), {"d": dates}) == [
        None if d is None else d.strftime("%d.%m.%Y") for d in dates
    ]


def test_strftime_of_a_zoned_timestamp_prints_its_wall_clock_and_offset():
    ts = [dt.datetime(2024, 1, 31, 4, 45, 30), None]
    data = {"t": ts_array(ts, "Asia/Tokyo")}
    assert run(F.strftime(col("t")), data) == ["2024-01-31T13:45:30+09:00", None]
    assert run(F.strftime(col("t"), "%H %z"), data) == ["13 +0900", None]


def test_strftime_refuses_bad_formats_and_zones_without_a_zone_at_plan_time():
    df = daft.from_pydict({"t": [dt.datetime(2024, 1, 1)]})
    with pytest.raises(Exception, match="not a strftime format"):
        df.select(F.strftime(col("t"), "%Q"))
    with pytest.raises(Exception, match="prints a time zone, but the values have none"):
        df.select(F.strftime(col("t"), "%H %z"))


def test_from_unixtime_formats_utc_seconds_floored():
    rng = random.Random(11)
    secs = [None if rng.random() < 0.1 else rng.randint(-(10**10), 10**10) for _ in range(300)]
    assert run(F.from_unixtime(col("s")), {"s": secs}) == [
        None if s is None else (EPOCH + dt.timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S")
        for s in secs
    ]
    got = run(F.from_unixtime(col("s"), "%Y %H:%M:%S"), {"s": [1.5, -0.5, float("nan")]})
    assert got == ["1970 00:00:01", "1969 23:59:59", None]


def test_to_date_and_to_datetime_parse_like_strptime():
    ts = [t for t in stamps(seed=12) if t is None or t.year >= 1000]
    fmt = "%Y-%m-%d %H:%M:%S"
    text = [None if t is None else t.strftime(fmt) for t in ts]
    assert run(F.to_datetime(col("s"), fmt), {"s": text}) == [
        None if s is None else dt.datetime.strptime(s, fmt) for s in text
    ]
    assert run(F.to_date(col("s"), fmt), {"s": text}) == [
        None if s is None else dt.datetime.strptime(s, fmt).date() for s in text
    ]
    zoned = run(F.to_datetime(col("s"), fmt, "Asia/Tokyo"), {"s": text})
    assert zoned == [
        None if s is None else dt.datetime.strptime(s, fmt).replace(tzinfo=TOKYO) for s in text
    ]
    with_offset = run(
        F.to_datetime(col("s"), "%Y-%m-%d %H:%M %z"), {"s": ["2024-01-02 03:04 +0200"]}
    )
    assert with_offset == [dt.datetime(2024, 1, 2, 1, 4, tzinfo=dt.timezone.utc)]
    midnight = run(F.to_datetime(col("s"), "%Y-%m-%d"), {"s": ["2024-01-02"]})
    assert midnight == [dt.datetime(2024, 1, 2)]


def test_parsing_text_that_does_not_match_is_an_error_naming_it():
    with pytest.raises(Exception, match='to_date: "bad" does not match the format "%Y-%m-%d"'):
        run(F.to_date(col("s"), "%Y-%m-%d"), {"s": ["2024-01-01", "bad"]})
    with pytest.raises(Exception, match='to_datetime: timezone "Mars/Base" is not a time zone'):
        daft.from_pydict({"s": ["x"]}).select(F.to_datetime(col("s"), "%Y", "Mars/Base"))


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York", "+05:30"])
def test_time_zone_functions_match_zoneinfo(zone):
    tz = zoneinfo.ZoneInfo(zone) if "/" in zone else dt.timezone(dt.timedelta(hours=5, minutes=30))
    ts = stamps(seed=13)
    ts = [t for t in ts if t is None or 1900 < t.year < 2090]
    data = {"t": ts_array(ts)}
    utc = dt.timezone.utc

    got = run(F.convert_time_zone(col("t"), zone, "UTC"), data)
    assert got == [None if t is None else t.replace(tzinfo=utc).astimezone(tz) for t in ts]
    assert run(F.convert_timezone(zone, F.replace_time_zone(col("t"), "UTC")), data) == got

    got = run(F.from_utc_timestamp(col("t"), zone), data)
    assert got == [
        None if t is None else t.replace(tzinfo=utc).astimezone(tz).replace(tzinfo=None) for t in ts
    ]

    def to_utc(t: dt.datetime) -> dt.datetime | None:
        aware = t.replace(tzinfo=tz)
        # zoneinfo folds a skipped wall clock forward; the engine gives null there.
        back = aware.astimezone(utc).astimezone(tz).replace(tzinfo=None)
        return aware.astimezone(utc).replace(tzinfo=None) if back == t else None

    assert run(F.to_utc_timestamp(col("t"), zone), data) == [
        None if t is None else to_utc(t) for t in ts
    ]

    replaced = run(F.replace_time_zone(col("t"), zone), data)
    assert [None if r is None else r.replace(tzinfo=None) for r in replaced] == [
        None if t is None or to_utc(t) is None else t for t in ts
    ]
    removed = run(F.replace_time_zone(F.replace_time_zone(col("t"), zone), None), data)
    assert removed == [None if t is None or to_utc(t) is None else t for t in ts]


def test_convert_time_zone_of_a_zoneless_timestamp_needs_from_timezone():
    df = daft.from_pydict({"t": [dt.datetime(2024, 1, 1)]})
    with pytest.raises(Exception, match="without a zone, so the instant it means is not known"):
        df.select(F.convert_time_zone(col("t"), "UTC"))
    with pytest.raises(Exception, match='to_timezone "Nowhere" is not a time zone'):
        df.select(F.convert_time_zone(col("t"), "Nowhere", "UTC"))


def test_time_zone_functions_keep_a_nanosecond_unit():
    arr = pa.array([1_700_000_000_123_456_789, None], pa.timestamp("ns"))
    df = daft.from_arrow(pa.table({"t": arr}))
    out = df.select(F.replace_time_zone(col("t"), "UTC").alias("r"))
    assert out.schema()["r"].dtype == D.timestamp("ns", "UTC")
    assert out.to_arrow()["r"].cast(pa.int64()).to_pylist() == [1_700_000_000_123_456_789, None]


def test_zoned_inputs_follow_daft_from_utc_reads_the_instant_to_utc_the_wall_clock():
    data = {"t": ts_array([dt.datetime(2024, 1, 31, 4, 45)], "Asia/Tokyo")}
    assert run(F.from_utc_timestamp(col("t"), "UTC"), data) == [dt.datetime(2024, 1, 31, 4, 45)]
    assert run(F.to_utc_timestamp(col("t"), "UTC"), data) == [dt.datetime(2024, 1, 31, 13, 45)]


def test_partition_transforms_and_date_trunc_are_expression_methods():
    data = {"t": ts_array([dt.datetime(2024, 5, 6, 7)])}
    assert run(col("t").partition_days(), data) == run(F.partition_days(col("t")), data)
    assert run(col("t").partition_hours(), data) == run(F.partition_hours(col("t")), data)
    assert run(col("t").partition_months(), data) == [(2024 - 1970) * 12 + 4]
    assert run(col("t").partition_years(), data) == [2024 - 1970]
