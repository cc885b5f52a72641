"""Calendar functions of issue 11 against Python's datetime on random dates,
timestamps and epochs with nulls: epochs to timestamps and dates, day
arithmetic, Iceberg's partition transforms and the current date and time."""

from __future__ import annotations

import datetime as dt
import random

import daft
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col, lit
from daft import functions as F

EPOCH = dt.datetime(1970, 1, 1)


def run(expr, data: dict) -> list:
    return daft.from_arrow(pa.table(data)).select(expr.alias("r")).to_pydict()["r"]


def epochs(n: int = 200, seed: int = 0, lo: int = -(10**9), hi: int = 3 * 10**9) -> list:
    rng = random.Random(seed)
    return [None if rng.random() < 0.1 else rng.randint(lo, hi) for _ in range(n)]


def stamps(n: int = 200, seed: int = 1) -> list:
    return [None if s is None else EPOCH + dt.timedelta(seconds=s) for s in epochs(n, seed)]


@pytest.mark.parametrize(
    "name,per", [("timestamp_seconds", 1), ("timestamp_millis", 1000), ("timestamp_micros", 10**6)]
)
def test_epochs_become_microsecond_timestamps(name, per):
    xs = epochs(seed=2)
    df = daft.from_pydict({"x": xs}).select(getattr(F, name)(col("x")).alias("r"))
    assert df.schema()["r"].dtype == D.timestamp("us")
    want = [
        None if x is None else EPOCH + dt.timedelta(microseconds=x * (10**6 // per)) for x in xs
    ]
    assert df.to_pydict()["r"] == want


def test_timestamp_seconds_refuses_an_overflow():
    with pytest.raises(Exception, match="overflow"):
        run(F.timestamp_seconds(col("x")), {"x": [2**62]})


def test_date_from_unix_date_and_day_arithmetic_match_datetime():
    days = [None if d is None else d // 86_400 for d in epochs(seed=3)]
    dates = run(F.date_from_unix_date(col("n")), {"n": days})
    assert dates == [
        None if d is None else dt.date(1970, 1, 1) + dt.timedelta(days=d) for d in days
    ]
    shift = [random.Random(i).randint(-400, 400) for i in range(len(days))]
    data = {"d": pa.array(dates, pa.date32()), "k": shift}
    plus = run(F.date_add(col("d"), col("k")), data)
    minus = run(F.date_sub(col("d"), col("k")), data)
    assert plus == [None if d is None else d + dt.timedelta(days=k) for d, k in zip(dates, shift)]
    assert minus == [None if d is None else d - dt.timedelta(days=k) for d, k in zip(dates, shift)]
    diff = run(F.datediff(col("d"), lit(dt.date(2000, 1, 1))), data)
    assert diff == [None if d is None else (d - dt.date(2000, 1, 1)).days for d in dates]
    assert run(F.dateadd(col("d"), 1), data) == run(F.date_add(col("d"), 1), data)


def test_day_arithmetic_takes_a_timestamps_date_and_refuses_numbers():
    data = {"t": [dt.datetime(2024, 2, 28, 23, 59)]}
    assert run(F.date_add(col("t"), 1), data) == [dt.date(2024, 2, 29)]
    with pytest.raises(Exception, match="function date: argument `expr`"):
        run(F.date_add(col("x"), 1), {"x": [1]})


def test_partition_transforms_match_iceberg_rules():
    ts = stamps()
    got = daft.from_pydict({"t": ts}).select(
        F.partition_years(col("t")).alias("y"),
        F.partition_months(col("t")).alias("m"),
        F.partition_days(col("t")).alias("d"),
        F.partition_hours(col("t")).alias("h"),
    )
    assert [f.dtype for f in got.schema()] == [D.int32(), D.int32(), D.date(), D.int32()]
    out = got.to_pydict()
    for t, y, m, d, h in zip(ts, out["y"], out["m"], out["d"], out["h"]):
        if t is None:
            assert (y, m, d, h) == (None, None, None, None)
            continue
        assert y == t.year - 1970
        assert m == (t.year - 1970) * 12 + t.month - 1
        assert d == t.date()
        assert h == (t - EPOCH) // dt.timedelta(hours=1)


def test_partition_transforms_of_dates():
    data = {"d": [dt.date(2024, 1, 31), dt.date(1969, 12, 31), None]}
    assert run(F.partition_years(col("d")), data) == [54, -1, None]
    assert run(F.partition_months(col("d")), data) == [648, -1, None]
    assert run(F.partition_days(col("d")), data) == data["d"]


def test_current_date_time_and_zone_are_utc():
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    got = (
        daft.from_pydict({"x": [1]})
        .select(F.current_date(), F.current_timestamp(), F.current_timezone())
        .to_pydict()
    )
    after = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert before <= got["current_timestamp"][0] <= after
    assert got["current_date"][0] in (before.date(), after.date())
    assert got["current_timezone"] == ["UTC"]
