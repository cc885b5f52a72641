"""Window functions against DuckDB on random data with nulls and ties: ranking,
lag/lead, first/last value and aggregations over default, rows and range frames."""

from __future__ import annotations

import random

import daft
import duckdb
import pyarrow as pa
import pytest
from daft import Window, col
from daft.functions import dense_rank, percent_rank, rank, row_number


@pytest.fixture(scope="module")
def table() -> pa.Table:
    rnd = random.Random(5)
    n = 400
    return pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "g": pa.array([rnd.choice(["a", "b", "c", None]) for _ in range(n)]),
            # Few distinct values, so ranks tie; some nulls in the order key.
            "t": pa.array([rnd.randrange(30) if rnd.random() > 0.1 else None for _ in range(n)]),
            "x": pa.array(
                [rnd.randrange(-50, 50) if rnd.random() > 0.1 else None for _ in range(n)]
            ),
        }
    )


def _check(table: pa.Table, expr, sql: str) -> None:
    got = daft.from_arrow(table).select("id", expr.alias("w")).sort("id").to_pydict()["w"]
    con = duckdb.connect()
    con.register("t", table)
    want = con.sql(f"SELECT id, {sql} AS w FROM t ORDER BY id").to_arrow_table()["w"].to_pylist()
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want)):
        if isinstance(b, float) and a is not None:
            assert a == pytest.approx(b), f"row {i}: {a} != {b}"
        else:
            assert a == b, f"row {i}: {a} != {b}"


@pytest.fixture()
def t(table):
    return table


W = Window().partition_by("g").order_by("t")
SQLW = "PARTITION BY g ORDER BY t ASC NULLS LAST"


@pytest.mark.parametrize(
    "expr, sql",
    [
        (
            row_number().over(Window().partition_by("g").order_by("t", "id")),
            "row_number() OVER (PARTITION BY g ORDER BY t ASC NULLS LAST, id)",
        ),
        (rank().over(W), f"rank() OVER ({SQLW})"),
        (dense_rank().over(W), f"dense_rank() OVER ({SQLW})"),
        (percent_rank().over(W), f"percent_rank() OVER ({SQLW})"),
        (
            rank().over(Window().partition_by("g").order_by("t", desc=True)),
            "rank() OVER (PARTITION BY g ORDER BY t DESC NULLS FIRST)",
        ),
        (
            row_number().over(Window().order_by("x", "id", desc=[True, False])),
            "row_number() OVER (ORDER BY x DESC NULLS FIRST, id ASC)",
        ),
    ],
    ids=["row_number", "rank", "dense_rank", "percent_rank", "rank_desc", "no_partition"],
)
def test_ranking_functions_match_duckdb_with_ties_and_null_keys(t, expr, sql):
    _check(t, expr, sql)


ORDERED = Window().partition_by("g").order_by("t", "id")
SQLO = "PARTITION BY g ORDER BY t ASC NULLS LAST, id"


@pytest.mark.parametrize(
    "expr, sql",
    [
        (col("x").lag(1).over(ORDERED), f"lag(x, 1) OVER ({SQLO})"),
        (col("x").lead(2, default=0).over(ORDERED), f"lead(x, 2, 0) OVER ({SQLO})"),
        (col("x").lag(3, default=-1).over(ORDERED), f"lag(x, 3, -1) OVER ({SQLO})"),
    ],
    ids=["lag", "lead_default", "lag_default"],
)
def test_lag_and_lead_match_duckdb(t, expr, sql):
    _check(t, expr, sql)


WHOLE = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"


@pytest.mark.parametrize("agg", ["sum", "mean", "min", "max", "count"])
def test_aggregation_over_a_window_without_frame_covers_the_whole_partition(t, agg):
    # Daft's default, even with an order: not SQL's running frame.
    sql_agg = {"mean": "avg"}.get(agg, agg)
    _check(
        t,
        getattr(col("x"), agg)().over(ORDERED),
        f"{sql_agg}(x) OVER ({SQLO} {WHOLE})",
    )
    _check(
        t,
        getattr(col("x"), agg)().over(Window().partition_by("g")),
        f"{sql_agg}(x) OVER (PARTITION BY g)",
    )


@pytest.mark.parametrize(
    "frame, sql_frame",
    [
        (
            (Window.unbounded_preceding, Window.current_row),
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
        ),
        ((-2, 1), "ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING"),
        ((0, Window.unbounded_following), "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING"),
        ((1, 3), "ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING"),
        ((-3, -1), "ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING"),
    ],
    ids=["running", "centered", "to_end", "ahead", "behind"],
)
@pytest.mark.parametrize("agg", ["sum", "mean", "min", "max", "count"])
def test_aggregations_over_rows_frames_match_duckdb(t, frame, sql_frame, agg):
    sql_agg = {"mean": "avg"}.get(agg, agg)
    _check(
        t,
        getattr(col("x"), agg)().over(ORDERED.rows_between(*frame)),
        f"{sql_agg}(x) OVER ({SQLO} {sql_frame})",
    )


def test_range_frames_match_duckdb_including_peers_and_null_keys(t):
    w = Window().partition_by("g").order_by("t")
    _check(
        t,
        col("x").sum().over(w.range_between(-3, 0)),
        f"sum(x) OVER ({SQLW} RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)",
    )
    _check(
        t,
        col("x").count().over(w.range_between(Window.unbounded_preceding, 2)),
        f"count(x) OVER ({SQLW} RANGE BETWEEN UNBOUNDED PRECEDING AND 2 FOLLOWING)",
    )


def test_first_and_last_value_over_frames(t):
    _check(
        t,
        col("x").first_value().over(ORDERED.rows_between(-1, 1)),
        f"first_value(x) OVER ({SQLO} ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)",
    )
    _check(t, col("x").last_value().over(ORDERED), f"last_value(x) OVER ({SQLO} {WHOLE})")


def test_min_periods_gives_null_for_short_frames():
    df = daft.from_pydict({"t": [1, 2, 3, 4], "x": [1, 2, 3, 4]})
    w = Window().order_by("t").rows_between(-1, 0, min_periods=2)
    assert df.select(col("x").sum().over(w).alias("s")).to_pydict() == {"s": [None, 3, 5, 7]}


def test_window_results_have_daft_types_and_names():
    df = daft.from_pydict({"g": ["a", "a"], "t": [1, 2], "x": [1, 2]})
    w = Window().partition_by("g").order_by("t")
    out = df.select(
        col("x").sum().over(w),
        row_number().over(w).alias("rn"),
        col("x").count().over(w).alias("n"),
        col("x").mean().over(w).alias("m"),
    )
    types = {f.name: f.dtype for f in out.schema()}
    assert types == {
        "x": daft.DataType.int64(),
        "rn": daft.DataType.uint64(),
        "n": daft.DataType.uint64(),
        "m": daft.DataType.float64(),
    }
    assert out.to_pydict() == {"x": [3, 3], "rn": [1, 2], "n": [2, 2], "m": [1.5, 1.5]}


def test_window_expressions_combine_with_other_expressions_and_several_windows():
    df = daft.from_pydict({"g": ["a", "a", "b"], "x": [1, 3, 5]})
    share = col("x") / col("x").sum().over(Window().partition_by("g"))
    total = col("x").sum().over(Window())
    out = df.with_columns({"share": share, "total": total}).sort("x")
    assert out.to_pydict() == {
        "g": ["a", "a", "b"],
        "x": [1, 3, 5],
        "share": [0.25, 0.75, 1.0],
        "total": [9, 9, 9],
    }


def test_window_errors_say_what_is_missing():
    df = daft.from_pydict({"g": ["a"], "t": [1], "x": [1]})
    with pytest.raises(ValueError, match=r"needs a window: use \.over"):
        df.select(row_number()).collect()
    with pytest.raises(ValueError, match="needs an order"):
        df.select(rank().over(Window().partition_by("g")))
    with pytest.raises(ValueError, match="frame .* needs an order"):
        df.select(col("x").sum().over(Window().rows_between(-1, 0)))
    with pytest.raises(daft.exceptions.DaftFieldNotFoundError, match="zz"):
        df.select(col("x").sum().over(Window().partition_by("zz")))
    with pytest.raises(ValueError, match="starts after it ends"):
        df.select(col("x").sum().over(Window().order_by("t").rows_between(1, -1)))
    with pytest.raises(ValueError, match="cannot contain an aggregation or a window"):
        df.where(row_number().over(Window().order_by("t")) == 1)
    with pytest.raises(ValueError, match="count_distinct"):
        df.select(col("x").count_distinct().over(Window().partition_by("g")))
    with pytest.raises(TypeError, match="rows_between"):
        Window().order_by("t").rows_between(-1.5, 0)
    with pytest.raises(TypeError, match="daft.Window"):
        col("x").sum().over("g")
