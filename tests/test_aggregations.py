"""stddev, var, product, skew, agg_set (list_agg_distinct) and agg_concat
(string_agg), per frame, per group and in SQL, against the standard library."""

from __future__ import annotations

import math
import random
import statistics

import daft
import numpy as np
import pytest
from daft import col


def _population_skew(xs: list[float]) -> float:
    a = np.array(xs, dtype=float)
    d = a - a.mean()
    return float((d**3).mean() / (d**2).mean() ** 1.5)


@pytest.fixture(scope="module")
def groups():
    rnd = random.Random(12)
    rows = [
        {"g": rnd.choice("abc"), "x": rnd.uniform(-5, 5) if rnd.random() > 0.1 else None}
        for _ in range(300)
    ]
    by: dict[str, list[float]] = {}
    for r in rows:
        if r["x"] is not None:
            by.setdefault(r["g"], []).append(r["x"])
    return rows, by


def test_stddev_var_skew_per_group_match_statistics(groups):
    rows, by = groups
    out = (
        daft.from_pylist(rows)
        .groupby("g")
        .agg(
            col("x").stddev().alias("sd"),
            col("x").stddev(ddof=0).alias("psd"),
            col("x").var().alias("v"),
            col("x").var(ddof=0).alias("pv"),
            col("x").skew().alias("sk"),
        )
        .sort("g")
        .to_pylist()
    )
    for r in out:
        xs = by[r["g"]]
        assert r["sd"] == pytest.approx(statistics.stdev(xs))
        assert r["psd"] == pytest.approx(statistics.pstdev(xs))
        assert r["v"] == pytest.approx(statistics.variance(xs))
        assert r["pv"] == pytest.approx(statistics.pvariance(xs))
        assert r["sk"] == pytest.approx(_population_skew(xs))


def test_values_match_daft_0_7_26():
    # Hand-checked against the real Daft 0.7.26 in a scratch venv.
    df = daft.from_pydict({"x": [1.0, 2.0, 4.0, None], "i": [2, 3, None, 4]})
    got = df.agg(
        col("x").stddev().alias("sd"),
        col("x").stddev(ddof=0).alias("sd0"),
        col("x").var().alias("v"),
        col("x").product().alias("p"),
        col("i").product().alias("pi"),
        col("x").skew().alias("sk"),
    ).to_pydict()
    assert got["sd"][0] == pytest.approx(1.527525231651946)
    assert got["sd0"][0] == pytest.approx(1.2472191289246466)
    assert got["v"][0] == pytest.approx(2.3333333333333317)
    assert got["p"] == [8.0] and got["pi"] == [24]
    assert got["sk"][0] == pytest.approx(0.38180177416060473)
    assert df.agg(col("i").product()).schema()["i"].dtype == daft.DataType.int64()


def test_product_per_group_matches_math_prod():
    # An Int64 product that does not fit is an error: test_correct_answers.py.
    rnd = random.Random(3)
    rows = [{"g": rnd.randrange(4), "x": rnd.randrange(-3, 4)} for _ in range(60)]
    got = daft.from_pylist(rows).groupby("g").agg(col("x").product()).sort("g").to_pydict()
    for g, p in zip(got["g"], got["x"]):
        assert p == math.prod(r["x"] for r in rows if r["g"] == g)


def test_agg_set_and_agg_concat():
    df = daft.from_pydict({"s": ["a", "b", "a", None]})
    assert sorted(df.agg_set("s").to_pydict()["s"][0]) == ["a", "b"]
    got = df.agg_concat("s").to_pydict()["s"][0]
    assert sorted(got) == sorted("aba")
    assert sorted(df.agg_concat("s", delimiter=",").to_pydict()["s"][0].split(",")) == [
        "a",
        "a",
        "b",
    ]
    with pytest.raises(daft.exceptions.DaftTypeError, match="string_agg"):
        daft.from_pydict({"x": [1]}).agg(col("x").string_agg()).collect()


def test_string_agg_with_a_delimiter_per_group_and_in_sql_matches_the_standard_library():
    rnd = random.Random(5)
    rows = [
        {"g": rnd.choice("xyz"), "s": rnd.choice(["a", "bb", "ccc", None])} for _ in range(2_000)
    ]
    want: dict[str, list[str]] = {}
    for r in rows:
        if r["s"] is not None:
            want.setdefault(r["g"], []).append(r["s"])
    df = daft.from_pylist(rows)
    got = df.groupby("g").agg(col("s").string_agg(", ").alias("j")).to_pydict()
    for g, j in zip(got["g"], got["j"]):
        assert sorted(j.split(", ")) == sorted(want[g]), g
    t = df  # noqa: F841  (found by daft.sql in this frame)
    sql = daft.sql("SELECT g, string_agg(s, '|') AS j FROM t GROUP BY g").to_pydict()
    for g, j in zip(sql["g"], sql["j"]):
        assert sorted(j.split("|")) == sorted(want[g]), g
    with pytest.raises(ValueError, match="delimiter must be a string literal"):
        daft.sql("SELECT string_agg(s, g) FROM t")
    with pytest.raises(TypeError, match="delimiter must be a str or None, got int"):
        col("s").string_agg(1)


def test_frame_methods_and_sql_names():
    df = daft.from_pydict({"x": [1.0, 2.0, 4.0]})
    assert df.stddev().to_pydict()["x"][0] == pytest.approx(statistics.stdev([1, 2, 4]))
    assert df.var(ddof=0).to_pydict()["x"][0] == pytest.approx(statistics.pvariance([1, 2, 4]))
    assert df.product().to_pydict() == {"x": [8.0]}
    t = df  # noqa: F841  (found by daft.sql in this frame)
    out = daft.sql("SELECT stddev(x) AS a, var_pop(x) AS b, product(x) AS c FROM t").to_pydict()
    assert out["a"][0] == pytest.approx(statistics.stdev([1, 2, 4]))
    assert out["b"][0] == pytest.approx(statistics.pvariance([1, 2, 4]))
    assert out["c"] == [8.0]
    with pytest.raises(ValueError, match="ddof must be 0"):
        col("x").stddev(ddof=2)


def test_running_stddev_over_a_window():
    df = daft.from_pydict({"t": [1, 2, 3, 4], "x": [1.0, 2.0, 4.0, 8.0]})
    w = daft.Window().order_by("t").rows_between(daft.Window.unbounded_preceding, 0)
    got = df.select(col("x").stddev().over(w).alias("s")).to_pydict()["s"]
    assert got[0] is None
    assert got[1:] == pytest.approx(
        [statistics.stdev([1, 2]), statistics.stdev([1, 2, 4]), statistics.stdev([1, 2, 4, 8])]
    )
