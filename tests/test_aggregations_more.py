"""Aggregations of issue 11 (bool_and, bool_or, median, percentile,
approx_percentiles, approx_count_distinct) and the function forms of every
aggregation, against DuckDB and numpy, grouped and global, with nulls."""

from __future__ import annotations

import math
import random

import daft
import duckdb
import numpy as np
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col
from daft import functions as F


def frame(n: int = 400, seed: int = 0) -> pa.Table:
    rng = random.Random(seed)
    return pa.table(
        {
            "g": [rng.randint(0, 6) for _ in range(n)],
            "x": [None if rng.random() < 0.1 else rng.uniform(-100, 100) for _ in range(n)],
            "i": [None if rng.random() < 0.1 else rng.randint(-50, 50) for _ in range(n)],
            "b": [None if rng.random() < 0.2 else rng.random() < 0.8 for _ in range(n)],
        }
    )


T = frame()


def grouped(*aggs) -> dict:
    return daft.from_arrow(T).groupby("g").agg(*aggs).sort("g").to_pydict()


def duck(sql: str) -> list:
    t = T  # noqa: F841  (read by DuckDB)
    return duckdb.sql(sql).fetchall()


def test_bool_and_or_match_duckdb_per_group():
    got = grouped(F.bool_and(col("b")).alias("a"), col("b").bool_or().alias("o"))
    want = duck("select g, bool_and(b), bool_or(b) from t group by g order by g")
    assert list(zip(got["g"], got["a"], got["o"])) == want


def test_bool_and_of_only_nulls_is_null_and_of_numbers_is_a_type_error():
    df = daft.from_pydict({"b": pa.array([None, None], pa.bool_())})
    assert df.agg(F.bool_and(col("b"))).to_pydict() == {"b": [None]}
    with pytest.raises(Exception, match=r'bool_and\(\) of column "x" needs a boolean column'):
        daft.from_arrow(T).agg(F.bool_and(col("x"))).collect()


@pytest.mark.parametrize("column", ["x", "i"])
def test_median_and_percentile_match_duckdb_quantile_cont(column):
    got = grouped(
        F.median(col(column)).alias("m"),
        F.percentile(col(column), 0.25).alias("p25"),
        col(column).percentile(0.9).alias("p90"),
    )
    want = duck(
        f"select g, median({column}), quantile_cont({column}, 0.25), "
        f"quantile_cont({column}, 0.9) from t group by g order by g"
    )
    for row, w in zip(zip(got["g"], got["m"], got["p25"], got["p90"]), want):
        assert row[0] == w[0]
        assert all(math.isclose(a, float(b), abs_tol=1e-9) for a, b in zip(row[1:], w[1:]))
    assert daft.from_arrow(T).schema()["x"].dtype == D.float64()


def test_percentile_list_is_a_fixed_size_list_as_numpy_linear():
    values = [v for v in T["x"].to_pylist() if v is not None]
    df = daft.from_arrow(T).agg(F.percentile(col("x"), [0.1, 0.5, 0.99]).alias("p"))
    assert df.schema()["p"].dtype == D.fixed_size_list(D.float64(), 3)
    got = df.to_pydict()["p"][0]
    want = np.percentile(values, [10, 50, 99], method="linear")
    assert got == pytest.approx(list(want))


def test_percentile_nan_sorts_above_numbers_and_nulls_are_skipped():
    nan = float("nan")
    df = daft.from_pydict({"x": [1.0, None, nan, 3.0, 2.0]})
    got = df.agg(
        F.median(col("x")).alias("m"), F.percentile(col("x"), [0.0, 1.0]).alias("ends")
    ).to_pydict()
    assert got["m"] == [2.5]
    assert got["ends"][0][0] == 1.0 and math.isnan(got["ends"][0][1])


def test_percentile_refuses_a_fraction_outside_0_1_and_strings():
    with pytest.raises(ValueError, match="between 0 and 1, got 1.5"):
        F.percentile(col("x"), 1.5)
    with pytest.raises(Exception, match=r'percentile\(\) of column "s" needs a numeric column'):
        daft.from_pydict({"s": ["a"]}).agg(F.median(col("s"))).collect()


def test_median_of_an_empty_group_and_no_rows_is_null():
    empty = daft.from_arrow(pa.table({"x": pa.array([], pa.float64())}))
    assert empty.agg(F.median(col("x"))).to_pydict() == {"x": [None]}


def test_approx_percentiles_are_close_to_exact_ones():
    rng = random.Random(5)
    xs = [rng.gauss(0, 1) for _ in range(20_000)]
    df = daft.from_pydict({"x": xs}).agg(F.approx_percentiles(col("x"), [0.1, 0.5, 0.9]).alias("p"))
    got = df.to_pydict()["p"][0]
    want = np.percentile(xs, [10, 50, 90])
    assert all(abs(a - b) < 0.02 for a, b in zip(got, want)), (got, want)
    one = daft.from_pydict({"x": [4.0, None]}).agg(F.approx_percentiles(col("x"), 0.5))
    assert one.to_pydict() == {"x": [4.0]}


def test_approx_count_distinct_is_close_and_counts_floats_canonically():
    got = grouped(F.approx_count_distinct(col("i")).alias("c"))
    want = duck("select g, count(distinct i) from t group by g order by g")
    assert all(abs(c - w[1]) <= max(1, 0.05 * w[1]) for c, w in zip(got["c"], want))
    df = daft.from_pydict({"x": [0.0, -0.0, float("nan"), None, 1.5]})
    assert df.agg(F.approx_count_distinct(col("x"))).to_pydict() == {"x": [3]}


def test_aggregation_functions_equal_their_expression_methods():
    df = daft.from_arrow(T)
    pairs = [
        (F.sum(col("i")), col("i").sum()),
        (F.mean(col("x")), col("x").mean()),
        (F.avg(col("x")), col("x").mean()),
        (F.min(col("x")), col("x").min()),
        (F.max(col("x")), col("x").max()),
        (F.count(col("x")), col("x").count()),
        (F.count(col("x"), "null"), col("x").count("null")),
        (F.count_distinct(col("i")), col("i").count_distinct()),
        (F.stddev(col("x")), col("x").stddev()),
        (F.var(col("x"), ddof=0), col("x").var(0)),
        (F.skew(col("x")), col("x").skew()),
        (F.product(col("b")), col("b").product()),
        (F.any_value(col("g")), col("g").any_value()),
        (F.list_agg_distinct(col("g")), col("g").list_agg_distinct()),
    ]
    for i, (f, m) in enumerate(pairs):
        a = df.groupby("g").agg(f.alias("v")).sort("g").to_pydict()
        b = df.groupby("g").agg(m.alias("v")).sort("g").to_pydict()
        assert a == b, i
    rows = df.agg(F.count(mode="all")).to_pydict()
    assert rows == {"count": [T.num_rows]}
    with pytest.raises(ValueError, match="only supports mode='all'"):
        F.count()


def test_new_aggregations_in_sql():
    got = daft.sql(
        "select g, bool_and(b) as a, median(x) as m from t group by g order by g",
        t=daft.from_arrow(T),
    ).to_pydict()
    want = duck("select g, bool_and(b), median(x) from t group by g order by g")
    assert got["a"] == [w[1] for w in want]
    assert got["m"] == pytest.approx([w[2] for w in want])


def test_median_over_a_window():
    df = daft.from_pydict({"g": [1, 1, 1, 2], "x": [1.0, 5.0, 3.0, 7.0]})
    w = daft.Window().partition_by("g")
    got = df.select(col("g"), F.median(col("x")).over(w).alias("m")).sort("g").to_pydict()
    assert got["m"] == [3.0, 3.0, 3.0, 7.0]
