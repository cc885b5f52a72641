"""No silent wrong answers (docs/reliability.md, "Correct answers").

Integer overflow in `+`, `-`, `*`, sum, product, abs and negate is an
error naming the expression, never a wrapped value (real Daft and Polars
wrap; DuckDB and PostgreSQL refuse); Decimal sums stay Decimal, and decimal
means are exact and truncated as Daft's; NaN is one key and -0.0 the same
key as 0.0 wherever values are keys; a filter above a global aggregate
filters its row; a file repeating a column name is refused; files that
differ only in nullability read as one nullable schema. Oracles: Python's
exact integers and decimals, and DuckDB.
"""

from __future__ import annotations

import decimal
import random
import struct

import daft
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from daft import col
from daft.exceptions import DaftCoreException, DaftSchemaMismatchError

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)
U64_MAX = 2**64 - 1
# NaN with the sign bit set: a different bit pattern from float("nan").
NEG_NAN = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]


def typ_name(typ: pa.DataType) -> str:
    """Arrow's (and the engine's messages') name of an integer type."""
    return {"int": "Int", "uint": "UInt"}[str(typ).rstrip("0123456789")] + str(typ.bit_width)


def _ints(values, typ=None):
    return daft.from_arrow(pa.table({"x": pa.array(values, typ or pa.int64())}))


# -- integer overflow -------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "typ"),
    [([I64_MAX, 1], pa.int64()), ([I64_MIN, -1], pa.int64()), ([U64_MAX, 1], pa.uint64())],
)
def test_sum_that_does_not_fit_is_an_error_naming_the_expression(values, typ):
    with pytest.raises(DaftCoreException, match=r"sum\(col\(x\)\) overflows"):
        _ints(values, typ).agg(col("x").sum()).to_pydict()


def test_grouped_and_sql_sums_that_overflow_are_errors():
    df = daft.from_pydict({"g": [1, 1, 2], "x": [I64_MAX, 1, 5]})
    with pytest.raises(DaftCoreException, match="overflows Int64"):
        df.groupby("g").agg(col("x").sum()).to_pydict()
    with pytest.raises(DaftCoreException, match="overflows Int64"):
        daft.sql("SELECT g, sum(x) AS s FROM df GROUP BY g", df=df).to_pydict()


def test_window_sum_that_overflows_is_an_error():
    df = daft.from_pydict({"g": [1, 1, 1], "o": [1, 2, 3], "x": [I64_MAX, 1, 1]})
    w = daft.Window().partition_by("g").order_by("o")
    with pytest.raises(DaftCoreException, match="overflows Int64"):
        df.select(col("x").sum().over(w).alias("s")).to_pydict()


def test_sum_whose_partial_sums_leave_int64_but_whose_total_fits_is_exact():
    # Wrapping would get this one right by luck; checked 64-bit adds would
    # refuse it. The 128-bit partial sums give the exact total.
    values = [I64_MAX, I64_MAX, -I64_MAX, -7]
    got = _ints(values).agg(col("x").sum()).to_pydict()["x"]
    assert got == [sum(values)]


def test_grouped_sums_over_many_partitions_equal_exact_integer_sums():
    rnd = random.Random(7)
    rows = [
        {"g": rnd.randrange(50), "x": rnd.choice([None, rnd.randrange(-(2**58), 2**58)])}
        for _ in range(20_000)
    ]
    df = daft.from_pylist(rows).into_partitions(7)
    got = df.groupby("g").agg(col("x").sum().alias("s")).sort("g").to_pydict()
    want: dict[int, int | None] = {}
    for r in rows:
        if r["x"] is not None:
            want[r["g"]] = want.get(r["g"], 0) + r["x"]
    assert dict(zip(got["g"], got["s"])) == {g: want.get(g) for g in got["g"]}


def test_sum_of_only_nulls_is_null_and_of_no_rows_is_null():
    df = _ints([None, None])
    assert df.agg(col("x").sum()).to_pydict() == {"x": [None]}
    assert df.where(col("x") > 0).agg(col("x").sum()).to_pydict() == {"x": [None]}


def test_arithmetic_that_fits_matches_python_integers():
    rnd = random.Random(11)
    a = [rnd.randrange(-(2**31), 2**31) for _ in range(2000)]
    b = [rnd.randrange(-(2**31), 2**31) for _ in range(2000)]
    df = daft.from_pydict({"a": a, "b": b})
    got = df.select(
        (col("a") + col("b")).alias("p"),
        (col("a") - col("b")).alias("m"),
        (col("a") * col("b")).alias("t"),
    ).to_pydict()
    assert got["p"] == [x + y for x, y in zip(a, b)]
    assert got["m"] == [x - y for x, y in zip(a, b)]
    assert got["t"] == [x * y for x, y in zip(a, b)]


@pytest.mark.parametrize(
    ("a", "b", "op", "typ"),
    [
        (I64_MAX, 1, "+", pa.int64()),
        (I64_MIN, 1, "-", pa.int64()),
        (2**32, 2**31, "*", pa.int64()),
        (100, 100, "+", pa.int8()),
        (0, 1, "-", pa.uint64()),
        (2**32, 2**32, "*", pa.uint64()),
    ],
)
def test_integer_arithmetic_that_does_not_fit_is_an_error_naming_the_expression(a, b, op, typ):
    df = daft.from_arrow(pa.table({"a": pa.array([1, a], typ), "b": pa.array([1, b], typ)}))
    expr = {"+": col("a") + col("b"), "-": col("a") - col("b"), "*": col("a") * col("b")}[op]
    shown = rf"col\(a\) \{op} col\(b\) overflows {typ_name(typ)}: .* does not fit"
    with pytest.raises(DaftCoreException, match=shown):
        df.select(expr.alias("r")).to_pydict()


def test_overflowing_arithmetic_in_filters_sql_and_aggregations_is_an_error():
    df = daft.from_pydict({"g": [1, 1], "x": [I64_MAX, 5]})
    with pytest.raises(DaftCoreException, match="overflow"):
        df.where(col("x") + 1 > 0).to_pydict()
    with pytest.raises(DaftCoreException, match="overflow"):
        daft.sql("SELECT x * 2 AS y FROM df", df=df).to_pydict()
    with pytest.raises(DaftCoreException, match="overflow"):
        df.groupby("g").agg((col("x") + col("x")).sum().alias("s")).to_pydict()


def test_a_value_under_a_null_does_not_overflow():
    # Arrow leaves a null slot's value unspecified; here it is Int64's largest.
    values = pa.py_buffer(struct.pack("<2q", 1, I64_MAX))
    validity = pa.py_buffer(bytes([0b01]))
    x = pa.Array.from_buffers(pa.int64(), 2, [validity, values])
    df = daft.from_arrow(pa.table({"x": x}))
    assert df.select(col("x").abs()).to_pydict() == {"x": [1, None]}
    assert df.agg(col("x").sum()).to_pydict() == {"x": [1]}
    assert df.select(col("x") + 1).to_pydict() == {"x": [2, None]}


def test_float_arithmetic_still_goes_to_infinity():
    got = daft.from_pydict({"x": [1e308]}).select(col("x") * 10).to_pydict()
    assert got == {"x": [float("inf")]}


def test_abs_and_negate_of_the_smallest_integer_are_errors():
    df = _ints([3, I64_MIN])
    with pytest.raises(DaftCoreException, match="abs"):
        df.select(col("x").abs()).to_pydict()
    with pytest.raises(DaftCoreException, match="negate"):
        df.select(col("x").negate()).to_pydict()
    with pytest.raises(DaftCoreException, match="negate"):
        _ints([0, 1], pa.uint8()).select(col("x").negate()).to_pydict()
    assert _ints([-3, I64_MAX]).select(col("x").abs()).to_pydict() == {"x": [3, I64_MAX]}


def test_integer_product_that_does_not_fit_is_an_error():
    df = daft.from_pydict({"x": [2**62, 4]})
    with pytest.raises(DaftCoreException, match=r"product\(col\(x\)\) overflows Int64"):
        df.agg(col("x").product()).to_pydict()


# -- decimal sums -----------------------------------------------------------


def _decimals():
    rnd = random.Random(5)
    vals = [
        decimal.Decimal(rnd.randrange(-(10**9), 10**9)) / 100 if rnd.random() > 0.1 else None
        for _ in range(3000)
    ]
    groups = [rnd.randrange(5) for _ in vals]
    table = pa.table({"g": groups, "d": pa.array(vals, pa.decimal128(10, 2))})
    return table, vals, groups


def test_decimal_sum_stays_decimal_with_38_digits_and_the_input_scale():
    table, vals, _ = _decimals()
    out = daft.from_arrow(table).into_partitions(3).agg(col("d").sum()).to_arrow()
    assert out.schema.field("d").type == pa.decimal128(38, 2)
    assert out["d"].to_pylist() == [sum(v for v in vals if v is not None)]


def test_grouped_decimal_sums_are_exact():
    table, vals, groups = _decimals()
    got = daft.from_arrow(table).groupby("g").agg(col("d").sum()).sort("g").to_pydict()
    want: dict[int, decimal.Decimal] = {}
    for g, v in zip(groups, vals):
        if v is not None:
            want[g] = want.get(g, decimal.Decimal(0)) + v
    assert got["d"] == [want[g] for g in got["g"]]


def test_decimal_sum_past_38_digits_is_an_error():
    # Real Daft 0.7.26 returns a wrapped negative number here.
    big = pa.array([decimal.Decimal(10**37)] * 20, pa.decimal128(38, 0))
    with pytest.raises(DaftCoreException, match="overflows Decimal128"):
        daft.from_arrow(pa.table({"d": big})).agg(col("d").sum()).to_pydict()


def _exact_mean(values, scale):
    """Daft's decimal mean: the exact mean truncated toward zero at `scale`
    fraction digits."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    ctx = decimal.Context(prec=200, rounding=decimal.ROUND_DOWN)
    mean = ctx.divide(sum(vals, decimal.Decimal(0)), decimal.Decimal(len(vals)))
    return mean.quantize(decimal.Decimal(1).scaleb(-scale), context=ctx)


def test_decimal_mean_keeps_four_more_digits_and_truncates_like_daft():
    table, vals, groups = _decimals()
    df = daft.from_arrow(table).into_partitions(3)
    out = df.agg(col("d").mean()).to_arrow()
    # As real Daft 0.7.26: decimal128(38, s + 4), truncated toward zero.
    assert out.schema.field("d").type == pa.decimal128(38, 6)
    assert out["d"].to_pylist() == [_exact_mean(vals, 6)]
    got = df.groupby("g").agg(col("d").mean()).sort("g").to_pydict()
    by_group: dict[int, list] = {}
    for g, v in zip(groups, vals):
        by_group.setdefault(g, []).append(v)
    assert got["d"] == [_exact_mean(by_group[g], 6) for g in got["g"]]


def test_decimal_mean_of_negatives_truncates_toward_zero_in_sql_and_windows():
    values = [decimal.Decimal(v) if v else None for v in ("-2", "0", "0", "1", None)]
    d = pa.array(values, pa.decimal128(10, 0))
    df = daft.from_arrow(pa.table({"g": [1, 1, 1, 2, 2], "d": d}))
    got = daft.sql("SELECT g, avg(d) AS m FROM df GROUP BY g ORDER BY g", df=df).to_pydict()
    assert got["m"] == [decimal.Decimal("-0.6666"), decimal.Decimal("1.0000")]
    w = daft.Window().partition_by("g")
    got = df.select(col("g"), col("d").mean().over(w).alias("m")).sort("g").to_pydict()
    assert got["m"] == [decimal.Decimal("-0.6666")] * 3 + [decimal.Decimal("1.0000")] * 2


def test_decimal_mean_whose_sum_passes_38_digits_but_mean_fits_is_exact():
    # Real Daft 0.7.26 returns null here (its scaled intermediate overflows).
    big = pa.array([decimal.Decimal(10**33)] * 30, pa.decimal128(38, 0))
    got = daft.from_arrow(pa.table({"d": big})).agg(col("d").mean()).to_pydict()
    assert got["d"] == [decimal.Decimal(10**33)]


def test_decimal_mean_that_needs_more_than_38_digits_is_an_error():
    # Scale 36 + 4 is capped at 38, which leaves no integer digit for 1.66...:
    # real Daft 0.7.26 returns null.
    d = pa.array([decimal.Decimal(v) for v in ("1", "2", "2")], pa.decimal128(38, 36))
    df = daft.from_arrow(pa.table({"d": d}))
    assert df.agg(col("d").mean()).limit(0).to_arrow().schema.field("d").type == pa.decimal128(
        38, 38
    )
    with pytest.raises(DaftCoreException, match=r"mean\(col\(d\)\) overflows Decimal128"):
        df.agg(col("d").mean()).to_pydict()


# -- filters above global aggregates ---------------------------------------


def test_a_false_filter_above_a_global_aggregate_leaves_no_row():
    # DataFusion pushed a predicate without columns below the aggregate,
    # which then made its one row from no input (found by tests/fuzz_queries).
    df = daft.from_pydict({"x": [1.0, 2.0]})
    agg = df.agg(col("x").sum()).with_column("w", daft.lit(True))
    assert agg.where(col("w") != col("w")).to_pydict() == {"x": [], "w": []}
    assert agg.where(col("w")).to_pydict() == {"x": [3.0], "w": [True]}
    sql = "SELECT * FROM (SELECT count(x) AS n, TRUE AS w FROM df) AS q WHERE w <> w"
    assert daft.sql(sql, df=df).to_pydict() == {"n": [], "w": []}
    grouped = "SELECT * FROM (SELECT x, count(x) AS n, TRUE AS w FROM df GROUP BY x) WHERE w <> w"
    assert daft.sql(grouped, df=df).to_pydict() == {"x": [], "n": [], "w": []}


# -- NaN and -0.0 as keys ---------------------------------------------------

FLOATS = [float("nan"), NEG_NAN, 0.0, -0.0, 1.5, None, float("nan"), -0.0]


def _floats_table() -> pa.Table:
    return pa.table({"x": pa.array(FLOATS, pa.float64()), "v": list(range(len(FLOATS)))})


def _key(x):
    """A float key comparable across engines (NaN is not equal to itself)."""
    if x is None:
        return "null"
    return "nan" if x != x else x + 0.0


def test_nan_is_one_group_and_negative_zero_groups_with_zero_like_duckdb():
    t = _floats_table()
    got = daft.from_arrow(t).groupby("x").agg(col("v").count().alias("n")).to_pydict()
    want = duckdb.sql("SELECT x, count(v) AS n FROM t GROUP BY x").fetchall()
    assert sorted(((_key(x), n) for x, n in zip(got["x"], got["n"])), key=repr) == sorted(
        ((_key(x), n) for x, n in want), key=repr
    )
    assert len(got["x"]) == 4  # NaN, 0.0, 1.5 and null


def test_distinct_and_count_distinct_see_one_nan_and_one_zero():
    t = _floats_table()
    df = daft.from_arrow(t).select("x")
    assert sorted(map(_key, df.distinct().to_pydict()["x"]), key=str) == sorted(
        ["nan", 0.0, 1.5, "null"], key=str
    )
    [(n,)] = duckdb.sql("SELECT count(DISTINCT x) FROM t").fetchall()
    assert df.agg(col("x").count_distinct()).to_pydict() == {"x": [n]}
    got = df.agg_set("x").to_pydict()["x"][0]
    assert sorted(map(_key, got), key=str) == sorted(["nan", 0.0, 1.5], key=str)


def test_float_join_keys_match_nan_to_nan_and_negative_zero_to_zero():
    left = daft.from_pydict({"k": [float("nan"), -0.0, 2.0], "l": [1, 2, 3]})
    right = daft.from_pydict({"k": [NEG_NAN, 0.0, 3.0], "r": [10, 20, 30]})
    got = left.join(right, on="k").sort("l").to_pydict()
    assert got["l"] == [1, 2] and got["r"] == [10, 20]


def test_set_operations_compare_nan_and_zero_as_keys():
    a = daft.from_pydict({"x": [float("nan"), -0.0, 1.0]})
    b = daft.from_pydict({"x": [NEG_NAN, 0.0]})
    assert sorted(map(_key, a.intersect(b).to_pydict()["x"]), key=str) == sorted(
        ["nan", 0.0], key=str
    )
    assert a.except_distinct(b).to_pydict() == {"x": [1.0]}


def test_window_partitions_put_nans_and_zeros_together():
    df = daft.from_pydict({"x": [float("nan"), NEG_NAN, 0.0, -0.0], "v": [1, 2, 3, 4]})
    w = daft.Window().partition_by("x")
    got = df.select(col("v"), col("v").sum().over(w).alias("s")).sort("v").to_pydict()
    assert got["s"] == [3, 3, 7, 7]


# -- columns from files -----------------------------------------------------


def test_distinct_nan_stays_one_row_under_a_sort_and_a_limit():
    # DataFusion's top-K aggregation compared keys with ==, so NaN came out
    # once per partition (found by tests/fuzz_queries).
    df = daft.from_pydict({"x": [float("nan"), NEG_NAN, 1.0]}).into_partitions(2)
    got = df.union(df).sort("x", desc=True).limit(50).to_pydict()["x"]
    assert [_key(x) for x in got] == ["nan", 1.0]
    got = df.groupby("x").agg(col("x").count().alias("n")).sort("x").limit(5).to_pydict()
    assert [_key(x) for x in got["x"]] == [1.0, "nan"] and got["n"] == [1, 2]


def test_agg_set_of_a_group_of_only_nulls_is_an_empty_list_as_in_daft():
    df = daft.from_pydict({"g": [1, 1, 2], "x": [None, None, "a"]})
    got = df.groupby("g").agg(col("x").list_agg_distinct().alias("s")).sort("g").to_pydict()
    assert got == {"g": [1, 2], "s": [[], ["a"]]}


def test_a_lag_or_lead_default_that_does_not_fit_the_column_is_an_error():
    # Before: the default -9 of a UInt64 column became null (found by
    # tests/fuzz_queries); real Daft 0.7.26 cannot run this window at all.
    df = daft.from_arrow(pa.table({"o": [1, 2], "n": pa.array([1, 2], pa.uint64())}))
    w = daft.Window().order_by("o")
    with pytest.raises(Exception, match=r"lead: the default lit\(-9\) does not fit .*UInt64"):
        df.with_column("w", col("n").lead(1, default=-9).over(w)).to_pydict()
    got = df.with_column("w", col("n").lag(1, default=7).over(w)).sort("o").to_pydict()
    assert got["w"] == [7, 1]


def test_csv_with_a_repeated_header_name_is_refused_with_the_names(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("a,a,b\n1,2,3\n")
    with pytest.raises(DaftSchemaMismatchError, match=r'dup\.csv.*"a" appears more than once'):
        daft.read_csv(str(path)).to_pydict()
    got = daft.read_csv(str(path), has_headers=False).to_pydict()
    assert len(got) == 3 and [v[0] for v in got.values()] == ["a", "a", "b"]


def test_parquet_with_a_repeated_column_name_is_refused(tmp_path):
    path = tmp_path / "dup.parquet"
    pq.write_table(pa.table([pa.array([1]), pa.array([2])], names=["a", "a"]), path)
    with pytest.raises(DaftSchemaMismatchError, match='"a" appears more than once'):
        daft.read_parquet(str(path)).to_pydict()


def test_parquet_files_that_differ_only_in_nullability_read_as_nullable(tmp_path):
    strict = pa.schema(
        [
            pa.field("x", pa.int64(), nullable=False),
            pa.field("l", pa.list_(pa.field("item", pa.int64(), nullable=False))),
        ]
    )
    loose = pa.schema([pa.field("x", pa.int64()), pa.field("l", pa.list_(pa.int64()))])
    pq.write_table(pa.table({"x": [1, 2], "l": [[1], [2]]}, schema=strict), tmp_path / "a.parquet")
    pq.write_table(pa.table({"x": [None], "l": [[None]]}, schema=loose), tmp_path / "b.parquet")
    out = daft.read_parquet(str(tmp_path / "*.parquet")).sort("x").to_arrow()
    assert out["x"].to_pylist() == [1, 2, None]
    assert out["l"].to_pylist() == [[1], [2], [None]]
    assert out.schema.field("x").nullable


def test_parquet_files_that_differ_in_type_name_the_column(tmp_path):
    pq.write_table(pa.table({"x": pa.array([1], pa.int64())}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"x": pa.array(["s"])}), tmp_path / "b.parquet")
    with pytest.raises(DaftSchemaMismatchError, match=r'column "x" is Int64 in one and String'):
        daft.read_parquet(str(tmp_path / "*.parquet")).to_pydict()


def test_timestamps_of_different_units_compare_at_the_finer_unit():
    # Daft 0.7.26 casts both to the coarser unit, so a timestamp one nanosecond after
    # midnight equals midnight in microseconds; here no value is truncated.
    import datetime as dt

    import daft.functions as F

    ns = pa.array([1_704_067_200_000_000_001, 1_704_067_200_000_000_000], pa.timestamp("ns"))
    us = pa.array([dt.datetime(2024, 1, 1)] * 2, pa.timestamp("us"))
    df = daft.from_arrow(pa.table({"ns": ns, "us": us}))
    out = df.select(
        (col("ns") == col("us")).alias("eq"),
        (col("ns") == daft.lit(dt.datetime(2024, 1, 1))).alias("lit"),
        F.coalesce(col("us"), col("ns")).alias("c"),
    )
    assert out.schema()["c"].dtype == daft.DataType.timestamp("ns")
    assert out.to_pydict()["eq"] == [False, True]
    assert out.to_pydict()["lit"] == [False, True]
    ms = pa.array([dt.datetime(2024, 1, 1)], pa.timestamp("ms", "UTC"))
    with pytest.raises(daft.exceptions.DaftTypeError, match="no common type"):
        daft.from_arrow(pa.table({"ns": ns[:1], "ms": ms})).select(col("ns") == col("ms"))
