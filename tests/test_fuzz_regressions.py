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
- Sorts DataFusion 55.2 left out because a key looked constant: over a union whose
  branches hold different literals in a key (a wrong answer with a limit: seeds 42837,
  50574, 74152; a refused plan without: 8142, 10564, 24798, 94696), and where a rebuilt
  operator no longer knew the constant (seeds 190, 36512, 60262, 60844, 94708).
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


def test_float_min_max_over_window_frames_put_every_nan_above_every_number():
    # DataFusion's window min/max order floats by IEEE total order, in which a NaN with its
    # sign bit set is below -inf: the min of a frame holding one was that NaN, and the max
    # of a sliding frame holding one and -inf was -inf. DuckDB is the oracle.
    import duckdb

    frames = {
        "": Window().partition_by("k"),
        "ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW": Window()
        .partition_by("k")
        .order_by("o")
        .rows_between(Window.unbounded_preceding, Window.current_row),
        "ORDER BY o ROWS BETWEEN 2 PRECEDING AND CURRENT ROW": Window()
        .partition_by("k")
        .order_by("o")
        .rows_between(-2, 0),
    }
    for seed in range(3):
        data = _float_rows(seed)
        data["o"] = list(range(len(data["k"])))
        table = pa.table(
            {
                "k": pa.array(data["k"], pa.int64()),
                "o": pa.array(data["o"], pa.int64()),
                "x": pa.array(data["x"], pa.float64()),
            }
        )
        con = duckdb.connect()
        con.register("tbl", table)
        for sql_frame, window in frames.items():
            got = (
                daft.from_arrow(table)
                .into_partitions(3)
                .with_column("mn", col("x").min().over(window))
                .with_column("mx", col("x").max().over(window))
                .sort("o")
                .to_pydict()
            )
            want = con.sql(
                f"SELECT min(x) OVER (PARTITION BY k {sql_frame}), "
                f"max(x) OVER (PARTITION BY k {sql_frame}) FROM tbl ORDER BY o"
            ).fetchall()
            assert _same_floats(got["mn"], [r[0] for r in want]), (seed, sql_frame)
            assert _same_floats(got["mx"], [r[1] for r in want]), (seed, sql_frame)


def test_between_with_a_nan_bound_agrees_with_the_comparison_operators():
    # seed 5705: `between` compared floats by IEEE rules while `<=` uses the total order.
    df = daft.from_pydict({"x": [1.0, float("inf"), float("nan"), -0.0]})
    between = df.select(col("x").between(lit(0.0), lit(float("nan"))).alias("b"))
    ops = df.select(((col("x") >= lit(0.0)) & (col("x") <= lit(float("nan")))).alias("b"))
    assert between.to_pydict() == ops.to_pydict() == {"b": [True, True, True, True]}


def test_a_nan_with_its_sign_bit_set_sorts_last_like_every_nan():
    # seed 34235: 0.0 / 0.0 is a NaN with its sign bit set on x86; the total-order sort put
    # it below -inf. In Daft (and DuckDB) every NaN sorts last, -0.0 ties with 0.0.
    t = daft.from_pydict({"x": [0.0, 1.0, float("-inf")]})
    out = t.select((col("x") / col("x")).alias("p")).sort("p").to_pydict()["p"]
    assert out[:1] == [1.0] and len(out) == 3
    assert all(v != v for v in out[1:])
    w = t.select((col("x") / col("x")).alias("p")).with_column(
        "r", F.row_number().over(Window().order_by("p"))
    )
    ranked = w.sort("r").to_pydict()["p"]
    assert ranked[0] == 1.0


def test_count_distinct_of_a_literal_column_counts_its_rows():
    # seeds 32933, 77713: DataFusion answered it from a literal's statistics (always 1).
    empty = daft.from_arrow(pa.table({"k": pa.array([], pa.int64())})).select(lit("abc").alias("p"))
    assert empty.agg(col("p").count_distinct().alias("a")).to_pydict() == {"a": [0]}
    nulls = daft.from_pydict({"k": [1, 2, 3]}).select(lit(None).cast(DataType.int64()).alias("p"))
    assert nulls.agg(col("p").count_distinct().alias("a")).to_pydict() == {"a": [0]}


def test_a_sort_and_limit_above_a_window_see_the_whole_partition():
    # seeds 48709, 95466: DataFusion's top-K aggregation pushed the limit below the window.
    t0 = daft.from_arrow(pa.table({"p1": pa.array([], pa.int64())}))
    t1 = daft.from_pydict({"p1": [-9, 6, -5]})
    df = t0.union(t1).with_column("w3", col("p1").mean().over(Window()))
    out = df.sort("p1", desc=True).limit(2).to_pydict()
    assert out["p1"] == [6, -5]
    assert all(abs(w - (-8 / 3)) < 1e-12 for w in out["w3"])


def test_a_window_ordered_by_a_window_over_a_global_count_plans():
    # seeds 60844, 68263, 94708: SanityCheckPlan refused the order after AggregateStatistics.
    t = daft.from_arrow(pa.table({"k": pa.array([], pa.int64())}))
    a = t.agg(col("k").count("all").alias("a1"))
    df = a.with_column("w2", col("a1").mean().over(Window().partition_by("a1")))
    out = df.with_column("w3", col("w2").count().over(Window().order_by("w2", desc=True)))
    assert out.to_pydict() == {"a1": [0], "w2": [0.0], "w3": [1]}


def test_population_stddev_and_var_of_one_row_are_v_minus_v():
    # seed 86089: DataFusion's var_pop/stddev_pop give 0.0 for any single value; Daft (and
    # every larger group, as NaN propagates) gives NaN for NaN or an infinity.
    import math

    df = daft.from_pydict({"k": [1, 2, 3, 4, 4], "x": [float("nan"), float("inf"), 2.5, 1.0, 3.0]})
    out = (
        df.groupby("k")
        .agg(col("x").stddev(ddof=0).alias("s"), col("x").var(ddof=0).alias("v"))
        .sort("k")
        .to_pydict()
    )
    assert math.isnan(out["s"][0]) and math.isnan(out["s"][1])
    assert out["s"][2:] == [0.0, 1.0] and out["v"][2:] == [0.0, 1.0]
    one = daft.from_pydict({"x": [float("nan")]}).agg(col("x").stddev(ddof=0).alias("s"))
    assert math.isnan(one.to_pydict()["s"][0])


def _physical_plan(df, capsys) -> str:
    capsys.readouterr()
    df.explain(show_all=True)
    out = capsys.readouterr().out
    return out[out.index("== Physical Plan ==") :]


def test_a_top_k_over_a_union_sorts_by_a_key_that_is_a_different_literal_in_each_branch(capsys):
    # seeds 42837, 50574, 74152: DataFusion 55.2 dropped `p2` (constant within each branch,
    # but -2 on the left and 1 on the right) from the top-K under the merge; the branches'
    # top-Ks then shared one dynamic filter on `p1` alone, and when the right branch ran
    # first it filtered rows out of the left: the rows of the wrong branch, by timing.
    t = daft.from_pydict({"k": ["É", "x1", "9"], "s": ["10", "ab", "é"]})
    left = t.select(col("s").alias("p1"), lit(-2).alias("p2"))
    right = t.select(col("s").alias("p1"), lit(True).cast(DataType.int64()).alias("p2"))
    df = left.union_all(right).sort(["p2", "p1"], nulls_first=[True, False]).limit(3)
    top_k = [line for line in _physical_plan(df, capsys).splitlines() if "TopK" in line]
    assert top_k and all("p2@" in line for line in top_k), top_k
    assert df.to_pydict() == {"p1": ["10", "ab", "é"], "p2": [-2, -2, -2]}


def test_a_window_over_a_union_ordered_by_a_key_that_is_a_literal_in_one_branch():
    # seed 8142: the sort pushed into the union left the literal branch unsorted (right),
    # and SanityCheckPlan refused the union, which could not show it was sorted.
    left = daft.from_pydict({"k": [3, 1, 2]}).select(
        lit(-9).alias("p1"), col("k").alias("p2"), col("k").alias("p3")
    )
    right = daft.from_pydict({"b": [7, 8]}).select(
        lit(0).alias("p1"), col("b").alias("p2"), lit(5).alias("p3")
    )
    df = left.union_all(right).with_column(
        "w", col("p2").min().over(Window().order_by("p3", desc=True))
    )
    out = df.sort(["p3", "p2"]).to_pydict()
    assert out == {
        "p1": [-9, -9, -9, 0, 0],
        "p2": [1, 2, 3, 7, 8],
        "p3": [1, 2, 3, 5, 5],
        "w": [1, 1, 1, 1, 1],
    }


def test_a_sort_over_a_union_by_keys_each_constant_in_a_different_branch():
    # seed 94696: `p2` is a literal on the left and `p3` on the right.
    left = daft.from_pydict({"k": [1, 2], "f": [0.5, -1.0]}).select(
        col("k").alias("p1"), lit(100.0).alias("p2"), col("f").alias("p3")
    )
    right = daft.from_pydict({"k": [3, 4], "f": [200.0, 7.0]}).select(
        col("k").alias("p1"), col("f").alias("p2"), lit(-3.5).alias("p3")
    )
    out = left.union_all(right).sort(["p2", "p3", "p1"], desc=[True, True, False]).to_pydict()
    rows = list(zip(out["p1"], out["p2"], out["p3"]))
    assert rows == sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))
    assert len(rows) == 4


def test_sql_window_over_a_union_of_branches_with_twin_columns():
    # seed 10564: each branch has `p2` and `p3` equal; the union could not show the order.
    t = daft.from_pydict({"k": [True, False, None], "s": ["b", "a", "c"]})
    out = daft.sql(
        "SELECT *, row_number() OVER (ORDER BY p3 ASC NULLS LAST, p1 ASC NULLS FIRST, "
        "p2 ASC NULLS LAST) AS w FROM (SELECT s AS p1, k AS p2, k AS p3 FROM t "
        "UNION ALL SELECT s AS p1, k AS p2, k AS p3 FROM t) AS u",
        t=t,
    ).to_pydict()
    rows = sorted(zip(out["w"], out["p3"], out["p1"]))
    assert [(p3, p1) for _, p3, p1 in rows] == [
        (False, "a"),
        (False, "a"),
        (True, "b"),
        (True, "b"),
        (None, "c"),
        (None, "c"),
    ]


def test_a_sort_by_a_key_a_filter_made_constant_above_an_except():
    # seed 60262: `where(p2)` makes p2 constant on both sides of the anti join; after the
    # join was rebuilt the sort DataFusion had left out could no longer be proven
    # unnecessary, and SanityCheckPlan refused the merge above it.
    t = daft.from_pydict({"f": [1.0, 0.7, 0.2], "d": [1, 2, 3], "k": [1, 2, 3]})
    t = t.with_column("b", col("d") != 2)
    left = t.where(col("f") >= lit(0.5)).select(
        col("d").alias("p1"), (lit(float("nan")) == col("k")).alias("p2")
    )
    right = t.select(col("d").alias("p3"), col("b").alias("p4"))
    out = left.except_distinct(right).where(col("p2")).sort("p2", desc=True)
    assert out.to_pydict() == {"p1": [], "p2": []}
    # The same plan shape with rows to return.
    left = t.select(col("d").alias("p1"), (lit(2.0) == col("k")).alias("p2"))
    out = left.except_distinct(right).where(col("p2")).sort("p2", desc=True)
    assert out.to_pydict() == {"p1": [2], "p2": [True]}


def test_intersect_all_under_a_filter_on_a_key_the_filter_makes_constant():
    # seeds 190, 36512: the occurrence window of intersect_all partitions by p1, which the
    # filter fixed; SanityCheckPlan refused the sort planned for the window.
    t0 = daft.from_pydict({"k": [1, 1, 2], "b": [True, True, True], "f": [0.5, 0.5, 1.5]})
    t1 = daft.from_pydict({"n": [None, None, 1], "f": [0.5, 0.5, 0.5]})
    left = t0.where(col("b")).select(
        (lit(1.0) == col("k")).alias("p1"),
        col("f").alias("p2"),
        col("k").cast(DataType.string()).alias("p3"),
    )
    right = t1.select(col("n").is_null().alias("p4"), col("f").alias("p5"), lit("1").alias("p6"))
    out = left.intersect_all(right).where(col("p1")).to_pydict()
    assert out == {"p1": [True, True], "p2": [0.5, 0.5], "p3": ["1", "1"]}


def test_a_window_ordered_by_a_window_over_a_global_count_distinct():
    # seeds 60844, 94708: as above, with count_distinct of a literal.
    t = daft.from_pydict({"k": [1, 2]}).select(lit("9").alias("p2"))
    df = t.agg(col("p2").count_distinct().alias("a4"))
    df = df.with_column("w5", col("a4").min().over(Window().partition_by("a4")))
    df = df.with_column(
        "w6", col("a4").first_value().over(Window().order_by("w5", desc=True, nulls_first=True))
    )
    assert df.to_pydict() == {"a4": [1], "w5": [1], "w6": [1]}
