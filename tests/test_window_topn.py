"""Filters on ranking window functions (`where(rank <= k)`), which the engine runs
as a top-N per group before the window: the results must be DuckDB's on random
data with ties and nulls in both keys, for every predicate shape the rewrite takes,
and for the shapes it must leave alone."""

from __future__ import annotations

import io
import random

import daft
import duckdb
import pyarrow as pa
import pytest
from daft import Window, col, lit
from daft.functions import dense_rank, rank, row_number


@pytest.fixture(scope="module")
def table() -> pa.Table:
    rnd = random.Random(11)
    n = 20_000
    return pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "g": pa.array([rnd.choice(["a", "b", "c", "d", None]) for _ in range(n)]),
            "h": pa.array([rnd.randrange(40) for _ in range(n)], pa.int64()),
            # Few distinct values, so ranks tie; some nulls.
            "v": pa.array([rnd.randrange(50) if rnd.random() > 0.05 else None for _ in range(n)]),
            "x": pa.array([rnd.uniform(-1, 1) for _ in range(n)]),
        }
    )


def _duckdb(table: pa.Table, sql: str) -> list[tuple]:
    con = duckdb.connect()
    con.register("t", table)
    return sorted(con.sql(sql).fetchall(), key=repr)


def _rows(df) -> list[tuple]:
    d = df.to_pydict()
    return sorted(zip(*d.values()), key=repr)


def _plan(df) -> str:
    """The plans `df` runs with; before `_rows(df)`, which collects it."""
    buf = io.StringIO()
    df.explain(show_all=True, file=buf)
    return buf.getvalue()


FUNCS = {"rank": rank, "dense_rank": dense_rank, "row_number": row_number}


@pytest.mark.parametrize("name", ["rank", "dense_rank"])
@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize(
    "pred, sql_pred",
    [
        (col("r") <= 3, "r <= 3"),
        (col("r") < 3, "r < 3"),
        (col("r") == 1, "r = 1"),
        (lit(2) >= col("r"), "2 >= r"),
        ((col("r") <= 4) & (col("x") > 0), "r <= 4 AND x > 0"),
    ],
)
def test_ranks_up_to_k_per_group_match_duckdb_with_ties_and_nulls(
    table, name, desc, pred, sql_pred
):
    w = Window().partition_by("g").order_by("v", desc=desc)
    df = (
        daft.from_arrow(table)
        .select("id", "g", "v", "x", FUNCS[name]().over(w).alias("r"))
        .where(pred)
        .select("id", "r")
    )
    order = "DESC NULLS FIRST" if desc else "ASC NULLS LAST"
    want = _duckdb(
        table,
        f"SELECT id, r FROM (SELECT id, x, {name}() OVER (PARTITION BY g ORDER BY v {order}) "
        f"AS r FROM t) WHERE {sql_pred}",
    )
    assert "PartitionTopN" in _plan(df)
    assert _rows(df) == want


@pytest.mark.parametrize("k", [1, 5, 300])
def test_row_number_up_to_k_over_two_keys_matches_duckdb(table, k):
    # A unique order (v, id) makes row_number deterministic to compare.
    w = Window().partition_by("g", "h").order_by("v", "id", desc=[True, False])
    df = daft.from_arrow(table).select("id", row_number().over(w).alias("r")).where(col("r") <= k)
    want = _duckdb(
        table,
        "SELECT id, r FROM (SELECT id, row_number() OVER (PARTITION BY g, h "
        f"ORDER BY v DESC NULLS FIRST, id ASC) AS r FROM t) WHERE r <= {k}",
    )
    assert _rows(df) == want


def test_a_window_without_partition_keys_is_a_global_top_k(table):
    df = (
        daft.from_arrow(table)
        .select("id", rank().over(Window().order_by("x", desc=True)).alias("r"))
        .where(col("r") <= 10)
    )
    want = _duckdb(
        table,
        "SELECT id, r FROM (SELECT id, rank() OVER (ORDER BY x DESC) AS r FROM t) WHERE r <= 10",
    )
    assert "PartitionTopN" in _plan(df)
    assert _rows(df) == want


def test_other_functions_of_the_same_window_see_every_row(table):
    # A sum over the partition beside the rank would see only the kept rows
    # if the window were prefiltered: it must not be.
    w = Window().partition_by("g").order_by("v")
    df = (
        daft.from_arrow(table)
        .select(
            "id",
            rank().over(w).alias("r"),
            col("id").count().over(Window().partition_by("g")).alias("n"),
            col("id").max().over(w.rows_between(Window.unbounded_preceding, 0)).alias("m"),
        )
        .where(col("r") <= 2)
    )
    want = _duckdb(
        table,
        "SELECT id, r, n, m FROM (SELECT id, rank() OVER (PARTITION BY g ORDER BY v) AS r, "
        "count(id) OVER (PARTITION BY g) AS n, max(id) OVER (PARTITION BY g ORDER BY v "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS m FROM t) WHERE r <= 2",
    )
    got = _rows(df)
    assert len(got) == len(want)
    # max over a running frame depends on the order among ties: compare the rest.
    assert [r[:3] for r in got] == [r[:3] for r in want]


def test_a_lower_bound_or_a_percent_rank_is_left_to_the_window(table):
    w = Window().partition_by("g").order_by("v")
    df = daft.from_arrow(table).select("id", rank().over(w).alias("r")).where(col("r") >= 3)
    assert "PartitionTopN" not in _plan(df)
    want = _duckdb(
        table,
        "SELECT id, r FROM (SELECT id, rank() OVER (PARTITION BY g ORDER BY v) AS r "
        "FROM t) WHERE r >= 3",
    )
    assert _rows(df) == want


def test_a_key_per_row_passes_rows_through_and_stays_exact():
    # 100,000 partitions of one row: filtering keeps everything, so the
    # operator stops filtering after its first rows and passes the rest on.
    n = 100_000
    t = pa.table({"id": pa.array(range(n), pa.int64()), "v": pa.array([i % 7 for i in range(n)])})
    df = (
        daft.from_arrow(t)
        .select("id", rank().over(Window().partition_by("id").order_by("v")).alias("r"))
        .where(col("r") <= 1)
    )
    got = df.to_pydict()
    assert sorted(got["id"]) == list(range(n))
    assert set(got["r"]) == {1}


def test_sql_top_k_per_group_matches_duckdb(table):
    t = daft.from_arrow(table)
    sql = (
        "SELECT id, r FROM (SELECT id, dense_rank() OVER (PARTITION BY g ORDER BY v DESC) AS r "
        "FROM t) AS ranked WHERE r <= 2"
    )
    df = daft.sql(sql, t=t)
    assert "PartitionTopN" in _plan(df)
    assert _rows(df) == _duckdb(table, sql.replace("DESC", "DESC NULLS FIRST"))
