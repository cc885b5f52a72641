"""list_map / list_filter with daft.element(), and monotonically_increasing_id
(issue 11): against Polars' list.eval / list.filter and Python comprehensions
on random lists with nulls, empty and sliced input, and their plan-time errors.
"""

from __future__ import annotations

import random

import daft
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from daft import DataType, col, element, lit
from daft import functions as F


def lists(seed: int, n: int = 300) -> pa.Table:
    rng = random.Random(seed)

    def one():
        if rng.random() < 0.1:
            return None
        return [rng.choice([None, rng.randint(-50, 50)]) for _ in range(rng.randint(0, 5))]

    return pa.table(
        {
            "xs": pa.array([one() for _ in range(n)], pa.list_(pa.int64())),
            "k": pa.array([rng.choice([None, rng.randint(-3, 3)]) for _ in range(n)], pa.int64()),
            "s": pa.array(
                [
                    None if rng.random() < 0.1 else ["a", None, "Bc"][: rng.randint(0, 3)]
                    for _ in range(n)
                ],
                pa.list_(pa.string()),
            ),
        }
    )


def polars(t: pa.Table, e: pl.Expr) -> list:
    return pl.from_arrow(t).select(e.alias("out"))["out"].to_list()


@pytest.mark.parametrize("seed", [0, 1])
def test_list_map_of_arithmetic_matches_polars_list_eval(seed):
    t = lists(seed)
    got = daft.from_arrow(t).select(F.list_map(col("xs"), element() * 3 + 1)).to_pydict()["xs"]
    assert got == polars(t, pl.col("xs").list.eval(pl.element() * 3 + 1))


@pytest.mark.parametrize("seed", [2, 3])
def test_list_filter_keeps_true_elements_and_drops_false_and_null_as_polars(seed):
    t = lists(seed)
    got = daft.from_arrow(t).select(col("xs").list_filter(element() > 0)).to_pydict()["xs"]
    assert got == polars(t, pl.col("xs").list.filter(pl.element() > 0))


def test_list_map_calls_registry_functions_on_the_elements():
    t = lists(4)
    got = daft.from_arrow(t).select(F.list_map(col("s"), F.upper(element()))).to_pydict()["s"]
    want = [
        None if v is None else [None if x is None else x.upper() for x in v]
        for v in t["s"].to_pylist()
    ]
    assert got == want


def test_the_body_reads_the_rows_other_columns_per_element():
    # Each element sees its own row's `k` (real Daft 0.7.26 pairs element i of
    # the flattened lists with row i of `k`: a silent wrong answer).
    t = lists(5)
    df = daft.from_arrow(t)
    got = df.select(F.list_map(col("xs"), element() + col("k"))).to_pydict()["xs"]
    want = [
        None if v is None else [None if x is None or k is None else x + k for x in v]
        for v, k in zip(t["xs"].to_pylist(), t["k"].to_pylist())
    ]
    assert got == want
    got = df.select(F.list_filter(col("xs"), element() > col("k"))).to_pydict()["xs"]
    want = [
        None if v is None else [x for x in v if x is not None and k is not None and x > k]
        for v, k in zip(t["xs"].to_pylist(), t["k"].to_pylist())
    ]
    assert got == want


def test_a_literal_body_gives_that_value_for_every_element():
    # Daft 0.7.26 panics here ("ListArray::new received offsets ...").
    t = lists(6)
    got = daft.from_arrow(t).select(F.list_map(col("xs"), lit("z"))).to_pydict()["xs"]
    assert got == [None if v is None else ["z"] * len(v) for v in t["xs"].to_pylist()]


def test_nested_lambdas_bind_element_to_the_innermost_list():
    t = pa.table(
        {
            "ll": pa.array(
                [[[1, 2], [3]], [[]], None, [None, [4, None]]], pa.list_(pa.list_(pa.int64()))
            )
        }
    )
    df = daft.from_arrow(t)
    got = df.select(F.list_map(col("ll"), F.list_map(element(), element() * 10))).to_pydict()["ll"]
    assert got == [[[10, 20], [30]], [[]], None, [None, [40, None]]]
    got = df.select(F.list_map(col("ll"), F.list_sum(element()))).to_pydict()["ll"]
    assert got == [[3, 3], [None], None, [None, 4]]
    got = df.select(F.list_filter(col("ll"), F.list_count(element()) > 1)).to_pydict()["ll"]
    assert got == [[[1, 2]], [], None, []]


def test_lambdas_over_sliced_fixed_size_and_large_lists():
    base = pa.array([[1, 2], None, [3, None], [5, 6]], pa.list_(pa.int64(), 2))
    for arr in (
        base,
        base.slice(1, 3),
        pa.array(base.to_pylist(), pa.large_list(pa.int64())).slice(1),
    ):
        df = daft.from_arrow(pa.table({"xs": arr}))
        want = [
            None if v is None else [None if x is None else x - 1 for x in v]
            for v in arr.to_pylist()
        ]
        assert df.select(F.list_map(col("xs"), element() - 1)).to_pydict()["xs"] == want
        kept = [
            None if v is None else [x for x in v if x is not None and x % 2]
            for v in arr.to_pylist()
        ]
        assert df.select(F.list_filter(col("xs"), element() % 2 == 1)).to_pydict()["xs"] == kept


def test_list_map_over_parquet_strings_and_empty_input(tmp_path):
    t = lists(7)
    pq.write_table(t, tmp_path / "t.parquet")
    df = daft.read_parquet(str(tmp_path / "t.parquet"))
    got = df.select(F.list_map(col("s"), F.length(element()))).to_pydict()["s"]
    assert got == [
        None if v is None else [None if x is None else len(x) for x in v]
        for v in t["s"].to_pylist()
    ]
    empty = df.where(col("k") > 100).select(F.list_filter(col("s"), element() == "a"))
    assert empty.to_pydict() == {"s": []}


def test_list_map_result_types_follow_the_body():
    df = daft.from_pydict({"xs": [[1, 2], None]})
    out = df.select(
        F.list_map(col("xs"), element().cast(DataType.string())).alias("a"),
        F.list_map(col("xs"), element() > 1).alias("b"),
        F.list_filter(col("xs"), element() > 1).alias("c"),
    )
    assert [str(f.dtype) for f in out.schema()] == ["List[String]", "List[Bool]", "List[Int64]"]
    assert out.to_pydict() == {
        "a": [["1", "2"], None],
        "b": [[False, True], None],
        "c": [[2], None],
    }


def test_lambda_errors_name_what_was_wrong_at_plan_time():
    df = daft.from_pydict({"xs": [[1]], "n": [1]})
    with pytest.raises(Exception, match=r"list_map: \"n\" must be a list, got type Int64"):
        df.select(F.list_map(col("n"), element() + 1))
    with pytest.raises(
        Exception, match="list_filter: the predicate must be a boolean, got type Int64"
    ):
        df.select(F.list_filter(col("xs"), element() + 1))
    with pytest.raises(Exception, match=r"daft.element\(\) stands for each element"):
        df.select(element() + 1)
    with pytest.raises(Exception, match="cannot contain an aggregation or a window function"):
        F.list_map(col("xs"), element().sum())
    with pytest.raises(Exception, match="cannot contain an aggregation or a window function"):
        F.list_map(col("xs"), F.monotonically_increasing_id())
    with pytest.raises(Exception, match="cannot combine"):
        df.select(F.list_map(col("xs"), element() + "a"))


def test_a_lambda_of_an_aggregated_list_in_agg():
    df = daft.from_pydict({"g": [1, 1, 2], "x": [1, 2, 3]})
    got = df.groupby("g").agg(F.list_map(col("x").agg_list(), element() * 2).alias("y")).sort("g")
    assert got.to_pydict() == {"g": [1, 2], "y": [[2, 4], [6]]}
    with pytest.raises(Exception, match="non-nested aggregation"):
        df.groupby("g").agg(
            F.list_map(col("x").agg_list(), element() + col("x")).alias("y")
        ).collect()


def test_monotonically_increasing_id_numbers_rows_in_order_from_zero():
    df = daft.from_pydict({"a": [5, 3, 4, 1]})
    assert df.with_column("id", F.monotonically_increasing_id()).to_pydict() == {
        "a": [5, 3, 4, 1],
        "id": [0, 1, 2, 3],
    }
    out = df.select(F.monotonically_increasing_id())
    assert out.schema().column_names() == ["id"] and str(out.schema()["id"].dtype) == "UInt64"
    got = df.sort("a").with_column("i", F.monotonically_increasing_id()).to_pydict()
    assert got == {"a": [1, 3, 4, 5], "i": [0, 1, 2, 3]}


def test_monotonically_increasing_id_follows_row_order_across_partitions_and_files(tmp_path):
    for i in range(4):
        pq.write_table(
            pa.table({"v": list(range(i * 1000, (i + 1) * 1000))}),
            tmp_path / f"{i}.parquet",
            row_group_size=100,
        )
    df = daft.read_parquet(str(tmp_path / "*.parquet")).into_partitions(5)
    got = df.with_column("id", F.monotonically_increasing_id()).to_pydict()
    assert got["id"] == list(range(4000)) and got["v"] == list(range(4000))


def test_monotonically_increasing_id_is_for_projections_only():
    df = daft.from_pydict({"a": [1, 2]})
    with pytest.raises(Exception, match="monotonically_increasing_id"):
        df.where(F.monotonically_increasing_id() > 0)
    with pytest.raises(Exception, match="monotonically_increasing_id"):
        df.groupby("a").agg(F.monotonically_increasing_id().max())
    with pytest.raises(Exception, match="takes no window"):
        F.monotonically_increasing_id().over(daft.Window().partition_by("a"))
