"""Temporal functions against pyarrow.compute (and Python's datetime) on random
timestamps with nulls, in several units and zones, sliced and empty."""

from __future__ import annotations

import datetime as dt
import random

import daft
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from daft import DataType as D
from daft import col

UNITS = ["s", "ms", "us", "ns"]
ZONES = [None, "UTC", "Asia/Tokyo", "America/New_York", "+05:30"]


def random_timestamps(unit: str, tz: str | None, n: int = 300, seed: int = 0) -> pa.Array:
    rng = random.Random(seed)
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    # 1700 to 2099: inside what nanoseconds hold, and where the tz databases agree
    # (chrono-tz, which the engine reads zones with, has no daylight saving past 2099).
    lo, hi = -8_520_336_000, 4_102_444_799
    values = [
        None
        if rng.random() < 0.1
        else rng.randrange(lo, hi) * per_second + rng.randrange(per_second)
        for _ in range(n)
    ]
    return pa.array(values, pa.timestamp(unit, tz))


def run(fn: str, array: pa.Array) -> list:
    df = daft.from_arrow(pa.table({"t": array}))
    return df.select(getattr(col("t"), fn)().alias("x")).to_pydict()["x"]


# Daft's name -> its value for a Python datetime (read in its zone by zoneinfo, the
# standard library's tz database; pyarrow.compute disagrees with it past 2037).
CALENDAR = {
    "year": lambda v: v.year,
    "month": lambda v: v.month,
    "day": lambda v: v.day,
    "day_of_month": lambda v: v.day,
    "quarter": lambda v: (v.month - 1) // 3 + 1,
    "day_of_week": lambda v: v.weekday(),  # Monday 0
    "day_of_year": lambda v: v.timetuple().tm_yday,
    "week_of_year": lambda v: v.isocalendar()[1],
    "hour": lambda v: v.hour,
    "minute": lambda v: v.minute,
    "second": lambda v: v.second,
}
# Daft's name -> the part of the second, in units per second (zones do not move it).
SUBSECOND = {"millisecond": 10**3, "microsecond": 10**6, "nanosecond": 10**9}
PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def oracle(fn: str, array: pa.Array) -> list:
    if fn in CALENDAR:
        return [None if v is None else CALENDAR[fn](v) for v in array.to_pylist()]
    per = PER_SECOND[array.type.unit]
    raw = pc.cast(array, pa.int64()).to_pylist()
    to = SUBSECOND[fn]
    return [None if v is None else (v % per) * to // per for v in raw]


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("fn", sorted(CALENDAR) + sorted(SUBSECOND))
def test_parts_of_timestamps_match_the_standard_library(fn, unit, tz):
    array = random_timestamps(unit, tz)
    assert run(fn, array) == oracle(fn, array)


@pytest.mark.parametrize("fn", ["hour", "day_of_week", "week_of_year", "millisecond"])
def test_parts_of_naive_timestamps_match_pyarrow(fn):
    array = random_timestamps("us", None, seed=5)
    pyarrow_fn = pc.iso_week if fn == "week_of_year" else getattr(pc, fn)
    assert run(fn, array) == pyarrow_fn(array).to_pylist()


@pytest.mark.parametrize("fn", ["year", "month", "day", "quarter", "day_of_week", "week_of_year"])
def test_parts_of_dates_match_the_standard_library(fn):
    array = pc.cast(random_timestamps("s", None), pa.date32())
    assert run(fn, array) == [None if v is None else CALENDAR[fn](v) for v in array.to_pylist()]


def test_parts_have_daft_types():
    df = daft.from_arrow(pa.table({"t": random_timestamps("us", None, 5)}))
    out = df.select(col("t").year().alias("y"), col("t").month().alias("m"))
    assert (out.schema()["y"].dtype, out.schema()["m"].dtype) == (D.int32(), D.uint32())


@pytest.mark.parametrize("tz", ZONES, ids=str)
@pytest.mark.parametrize("unit", UNITS)
def test_date_and_time_are_read_in_the_zone(unit, tz):
    array = random_timestamps(unit, tz)
    values = array.to_pylist()  # zone-aware datetimes where the type has a zone
    assert run("date", array) == [None if v is None else v.date() for v in values]
    times = run("time", array)
    for got, v in zip(times, values):
        if v is None:
            assert got is None
            continue
        want = v.time()
        if unit != "ns":
            assert got == want
        else:  # Python's datetime has no nanoseconds; pyarrow gives pandas Timestamps
            assert got.replace(microsecond=0) == want.replace(microsecond=0)


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("epoch_unit", [None, "s", "ms", "us", "ns"])
def test_unix_epochs_count_down_to_the_unit(unit, epoch_unit):
    array = random_timestamps(unit, "Asia/Tokyo", seed=3)
    per = PER_SECOND
    raw = pc.cast(array, pa.int64()).to_pylist()
    to = per[epoch_unit or "s"]
    expected = [
        None if v is None else (v * to // per[unit] if to < per[unit] else v * (to // per[unit]))
        for v in raw
    ]
    df = daft.from_arrow(pa.table({"t": array}))
    got = df.select(col("t").to_unix_epoch(epoch_unit).alias("e")).to_pydict()["e"]
    assert got == expected
    days = df.select(col("t").unix_date().alias("d")).to_pydict()["d"]
    assert days == [None if v is None else v // (per[unit] * 86_400) for v in raw]


def test_an_instant_before_1970_is_in_the_second_and_day_before():
    # Daft 0.7.26 gives 0 and 18446744073709551615 (a wrapped -1) here.
    t = pa.array([dt.datetime(1969, 12, 31, 23, 59, 59, 500000)], pa.timestamp("us"))
    assert run("to_unix_epoch", t) == [-1]
    assert run("unix_date", t) == [-1]


@pytest.mark.parametrize(
    ("fn", "seconds"),
    [
        ("total_days", 86_400),
        ("total_hours", 3_600),
        ("total_minutes", 60),
        ("total_seconds", 1),
    ],
)
@pytest.mark.parametrize("unit", UNITS)
def test_duration_totals_truncate_toward_zero(fn, seconds, unit):
    rng = random.Random(1)
    per = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    values = [
        None if rng.random() < 0.1 else rng.randrange(-(10**6), 10**6) * per for _ in range(200)
    ]
    array = pa.array(values, pa.duration(unit))
    expected = [None if v is None else int(v / per / seconds) for v in values]
    assert run(fn, array) == expected


def test_sliced_and_empty_input():
    array = random_timestamps("ms", "UTC", 50)
    part = array.slice(7, 20)
    assert run("hour", part) == pc.hour(part).to_pylist()
    assert run("year", array.slice(0, 0)) == []


@pytest.mark.parametrize(
    ("fn", "column", "accepts"),
    [
        ("hour", "d", "a timestamp or time"),
        ("year", "s", "a date or timestamp"),
        ("time", "d", "a timestamp"),
        ("total_days", "t", "a duration"),
    ],
)
def test_wrong_types_are_refused_when_the_expression_is_built(fn, column, accepts):
    df = daft.from_pydict({"d": [dt.date(2024, 1, 1)], "s": ["x"], "t": [dt.datetime(2024, 1, 1)]})
    with pytest.raises(daft.exceptions.DaftTypeError, match=f"{fn}: .*expected {accepts}"):
        df.select(getattr(col(column), fn)())
