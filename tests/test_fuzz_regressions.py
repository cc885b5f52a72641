"""Engine bugs found by the differential query fuzzer (tests/fuzz_queries), each test
failing before its fix. The seeds are those of the 100,000-case run in docs/reliability.md.

- A registry function whose arguments are all scalars at run time gets one row per row of
  the batch (seeds 18692, 72751, 75613). DataFusion evaluates `b OR NULL` to the scalar
  NULL when `b` is false on every row of the batch (and `b AND NULL` when it is true on
  every row); a registry function above it was called with only scalars, broadcast them
  to one row and failed with "kernel returned 1 rows for N".
- DataFusion plans that its own checks rejected (seeds 28246, 40778, 44032, 69815: an
  aggregate over a global `count`; 6741, 26092: a window partitioned by a float expression
  next to a twin of its column).
"""

from __future__ import annotations

import daft
import daft.functions as F
import pyarrow as pa
from daft import DataType, Window, col, lit

NULL_BOOL = lit(None).cast(DataType.bool())


def test_cast_of_an_or_that_short_circuits_to_a_null_scalar():
    df = daft.from_pydict({"b": [False, False, False]})
    out = df.select((col("b") | NULL_BOOL).cast(DataType.int64()).alias("x")).to_pydict()
    assert out == {"x": [None, None, None]}


def test_if_else_of_an_and_that_short_circuits_with_literal_branches():
    df = daft.from_pydict({"b": [True, True]})
    out = df.select((col("b") & NULL_BOOL).if_else(lit(1), lit(2)).alias("x")).to_pydict()
    # if_else of a null condition: Daft gives null.
    assert out == {"x": [None, None]}


def test_all_null_column_compared_with_itself_under_a_function():
    # seed 75613: `a == a` is simplified to `a IS NOT NULL OR NULL`, and the
    # cast above it saw the scalar NULL for a batch of two rows.
    df = daft.from_pydict({"a": [None, None]}).select(col("a").cast(DataType.int64()))
    out = df.where((col("a") == col("a")).cast(DataType.int64()).between(lit(-1), lit(5)))
    assert out.to_pydict() == {"a": []}


def test_sql_cast_of_or_null():
    df = daft.from_pydict({"b": [False, False]})
    out = daft.sql("SELECT CAST((b OR NULL) AS BIGINT) AS x FROM df", df=df).to_pydict()
    assert out == {"x": [None, None]}


def _ints():
    return daft.from_pydict({"k": [1, 2, 3]})


def test_agg_set_of_a_global_count():
    out = _ints().agg(col("k").count().alias("a1")).agg(col("a1").list_agg_distinct().alias("a3"))
    assert out.to_pydict() == {"a3": [[3]]}


def test_count_null_and_count_of_a_global_count():
    out = (
        _ints()
        .agg(col("k").count().alias("a1"))
        .agg(col("a1").count("null").alias("a3"), col("a1").count().alias("c"))
    )
    assert out.to_pydict() == {"a3": [0], "c": [1]}


def test_agg_set_and_max_of_a_global_count():
    out = (
        _ints()
        .agg(col("k").count().alias("a1"))
        .agg(col("a1").list_agg_distinct().alias("a3"), col("a1").max().alias("m"))
    )
    assert out.to_pydict() == {"a3": [[3]], "m": [3]}


def _floats():
    return daft.from_arrow(pa.table({"x": pa.array([1.5, 2.5, 2.5], pa.float64())}))


def test_window_partitioned_by_a_float_column_with_a_twin_and_an_expression_of_it():
    # seed 26092
    out = daft.sql(
        "SELECT *, dense_rank() OVER (PARTITION BY p8, p7 ORDER BY p8 DESC) AS w "
        "FROM (SELECT x AS p6, ceil(x) AS p7, x AS p8 FROM t0)",
        t0=_floats(),
    )
    assert sorted(out.to_pydict()["w"]) == [1, 1, 1]


def test_window_api_partition_by_twin_and_floor_division():
    # seed 6741
    df = _floats().select(
        col("x").alias("p3"),
        col("x").alias("p9"),
        lit(1).alias("p10"),
        (col("x") // lit(0.25)).alias("p11"),
    )
    out = df.with_column("w", F.rank().over(Window().partition_by("p9", "p11").order_by("p10")))
    assert sorted(out.to_pydict()["w"]) == [1, 1, 1]


def _float_rows(seed: int) -> dict:
    import random
    import struct

    rnd = random.Random(seed)
    neg_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]
    pool = [float("nan"), neg_nan, float("inf"), float("-inf"), -0.0, 0.0, 1.5, -2.5, None]
    n = 400
    return {
        "k": [rnd.randrange(12) for _ in range(n)],
        "x": [rnd.choice(pool) if rnd.random() < 0.5 else rnd.uniform(-9, 9) for _ in range(n)],
    }


def _same_floats(got: list, expected: list) -> bool:
    import math

    return len(got) == len(expected) and all(
        (a is None and b is None)
        or (a is not None and b is not None and (a == b or (math.isnan(a) and math.isnan(b))))
        for a, b in zip(got, expected)
    )


def test_float_min_max_put_every_nan_above_every_number_grouped_and_global():
    # Before: DataFusion's grouped max kept or dropped a group's NaN depending on row order,
    # the max of a group of only -inf was -1.797e308 (min of only inf: 1.797e308), and the
    # global min returned a NaN with its sign bit set. DuckDB, the oracle, orders NaN above
    # every number.
    import duckdb

    for seed in range(5):
        data = _float_rows(seed)
        t = pa.table({"k": pa.array(data["k"], pa.int64()), "x": pa.array(data["x"], pa.float64())})
        only = pa.table(
            {
                "k": pa.array([0, 0, 1, 1, 2], pa.int64()),
                "x": pa.array(
                    [float("-inf"), float("-inf"), float("inf"), None, None], pa.float64()
                ),
            }
        )
        for table in (t, only):
            df = daft.from_arrow(table).into_partitions(4)
            got = (
                df.groupby("k")
                .agg(col("x").min().alias("mn"), col("x").max().alias("mx"))
                .sort("k")
                .to_pydict()
            )
            con = duckdb.connect()
            con.register("tbl", table)
            want = con.sql("SELECT k, min(x), max(x) FROM tbl GROUP BY k ORDER BY k").fetchall()
            assert got["k"] == [r[0] for r in want]
            assert _same_floats(got["mn"], [r[1] for r in want]), (seed, got["mn"], want)
            assert _same_floats(got["mx"], [r[2] for r in want]), (seed, got["mx"], want)
            g = df.agg(col("x").min().alias("mn"), col("x").max().alias("mx")).to_pydict()
            w = con.sql("SELECT min(x), max(x) FROM tbl").fetchall()[0]
            assert _same_floats(g["mn"] + g["mx"], list(w)), (seed, g, w)
