"""List functions of issue 11 against DuckDB's list functions and Python on
random lists with nulls (null lists, null items, empty lists), sliced and empty
input, and their plan-time type errors."""

from __future__ import annotations

import math
import random

import daft
import duckdb
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col, lit
from daft import functions as F


def random_lists(n: int = 150, seed: int = 0, item=lambda r: r.randint(-20, 20)) -> list:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.1:
            out.append(None)
            continue
        out.append([None if rng.random() < 0.15 else item(rng) for _ in range(rng.randint(0, 6))])
    return out


def run(lists: list, expr, type_=None, slice_from: int = 0) -> list:
    t = pa.table({"l": pa.array(lists, type_)}).slice(slice_from)
    return daft.from_arrow(t).select(expr.alias("r")).to_pydict()["r"]


def duck(lists: list, sql: str, type_=None, slice_from: int = 0) -> list:
    t = pa.table({"l": pa.array(lists, type_)}).slice(slice_from)  # noqa: F841  (read by DuckDB)
    return [r[0] for r in duckdb.sql(f"select {sql} from t").fetchall()]


LISTS = random_lists()


@pytest.mark.parametrize("start", [0, 7])
def test_list_sum_matches_duckdb(start):
    got = run(LISTS, F.list_sum(col("l")), slice_from=start)
    want = duck(LISTS, "list_sum(l)", slice_from=start)
    # DuckDB sums an empty list or one of nulls to null too.
    assert got == want


def test_list_sum_refuses_an_overflow_and_strings():
    with pytest.raises(Exception, match="list_sum: the sum of row 0 overflows Int64"):
        run([[2**62, 2**62]], F.list_sum(col("l")))
    with pytest.raises(Exception, match="list_sum: the lists' items must be numbers"):
        run([["a"]], F.list_sum(col("l")))


def test_list_mean_min_max_match_duckdb():
    got, want = run(LISTS, F.list_mean(col("l"))), duck(LISTS, "list_avg(l)")
    assert [g is None for g in got] == [w is None for w in want]
    assert all(math.isclose(g, w) for g, w in zip(got, want) if g is not None)
    assert run(LISTS, F.list_min(col("l"))) == duck(LISTS, "list_min(l)")
    assert run(LISTS, F.list_max(col("l"))) == duck(LISTS, "list_max(l)")


def test_list_min_max_of_strings_and_nan_above_numbers():
    words = random_lists(seed=1, item=lambda r: r.choice(["b", "a", "ccc", "ab", ""]))
    assert run(words, F.list_min(col("l"))) == duck(words, "list_min(l)")
    assert run(words, F.list_max(col("l"))) == duck(words, "list_max(l)")
    nan = float("nan")
    got = run([[1.0, nan, -2.0], [None]], F.list_max(col("l")))
    assert math.isnan(got[0]) and got[1] is None
    assert run([[1.0, nan, -2.0]], F.list_min(col("l"))) == [-2.0]


@pytest.mark.parametrize("mode", ["valid", "null", "all"])
def test_list_count_modes(mode):
    def count(xs):
        if xs is None:
            return None
        valid = sum(x is not None for x in xs)
        return {"valid": valid, "null": len(xs) - valid, "all": len(xs)}[mode]

    assert run(LISTS, F.list_count(col("l"), mode)) == [count(xs) for xs in LISTS]


def test_list_count_refuses_an_unknown_mode():
    with pytest.raises(Exception, match="list_count: mode must be"):
        run([[1]], F.list_count(col("l"), "some"))


def test_list_bool_and_or_match_duckdb():
    bools = random_lists(seed=2, item=lambda r: r.random() < 0.6)
    assert run(bools, F.list_bool_and(col("l"))) == duck(bools, "list_bool_and(l)")
    assert run(bools, F.list_bool_or(col("l"))) == duck(bools, "list_bool_or(l)")
    with pytest.raises(Exception, match="list_bool_and: the lists' items must be booleans"):
        run([[1]], F.list_bool_and(col("l")))


def test_list_join_counts_null_items_as_empty_as_daft():
    words = random_lists(seed=3, item=lambda r: r.choice(["x", "yy", "z"]))
    got = run(words, F.list_join(col("l"), "-"))
    assert got == [None if w is None else "-".join(x or "" for x in w) for w in words]
    assert run([[1, 2]], F.list_join(col("l"), ", ")) == ["1, 2"]


def test_list_distinct_keeps_first_occurrences_without_nulls():
    def distinct(xs):
        if xs is None:
            return None
        out = []
        for x in xs:
            if x is not None and x not in out:
                out.append(x)
        return out

    assert run(LISTS, F.list_distinct(col("l"))) == [distinct(xs) for xs in LISTS]
    got = run([[0.0, -0.0, float("nan"), float("nan")]], F.list_distinct(col("l")))[0]
    assert len(got) == 2 and got[0] == 0.0 and math.isnan(got[1])


@pytest.mark.parametrize("desc", [False, True])
def test_list_sort_matches_duckdb(desc):
    order = "'DESC'" if desc else "'ASC'"
    nulls = "'NULLS FIRST'" if desc else "'NULLS LAST'"
    got = run(LISTS, F.list_sort(col("l"), desc=desc), slice_from=3)
    assert got == duck(LISTS, f"list_sort(l, {order}, {nulls})", slice_from=3)


def test_list_sort_nulls_first_and_nan_last():
    assert run([[3, None, 1]], F.list_sort(col("l"), nulls_first=True)) == [[None, 1, 3]]
    got = run([[float("nan"), 1.0, float("-inf")]], F.list_sort(col("l")))[0]
    assert got[:2] == [float("-inf"), 1.0] and math.isnan(got[2])


def test_list_contains_matches_duckdb_and_is_null_for_a_null_item():
    got = run(LISTS, F.list_contains(col("l"), 3))
    want = [None if xs is None else 3 in [x for x in xs if x is not None] for xs in LISTS]
    assert got == want
    assert run([[1, 2], None], F.list_contains(col("l"), lit(None))) == [None, None]
    assert run([[1.0, float("nan")]], F.list_contains(col("l"), float("nan"))) == [True]


def test_list_append_treats_a_null_list_as_empty():
    assert run([[1, 2], [], None], F.list_append(col("l"), 9)) == [[1, 2, 9], [9], [9]]
    df = daft.from_pydict({"l": [[1]], "x": [2.5]}).select(F.list_append(col("l"), col("x")))
    assert df.schema()["l"].dtype == D.list(D.float64())
    assert df.to_pydict()["l"] == [[1.0, 2.5]]


def test_list_flatten_and_its_type_error():
    nested = [[[1, 2], [3]], [[], None], None, [[None]]]
    assert run(nested, F.list_flatten(col("l"))) == [[1, 2, 3], [], None, [None]]
    with pytest.raises(
        Exception, match="list_flatten: argument `list_expr` must be a list of lists"
    ):
        run([[1]], F.list_flatten(col("l")))


def test_chunk_drops_a_short_last_chunk():
    df = daft.from_pydict({"l": [[1, 2, 3, 4, 5], [], None]}).select(F.chunk(col("l"), 2))
    assert df.schema()["l"].dtype == D.list(D.fixed_size_list(D.int64(), 2))
    assert df.to_pydict()["l"] == [[[1, 2], [3, 4]], [], None]
    with pytest.raises(Exception, match="chunk: size must be a positive integer"):
        run([[1]], F.chunk(col("l"), 0))


def test_to_list_and_columns_helpers():
    df = daft.from_pydict({"a": [1, None, 3, None], "b": [1.5, 2.0, None, None], "c": [1, 2, 3, 4]})
    assert df.select(F.to_list(col("a"), col("c")).alias("l")).to_pydict()["l"] == [
        [1, 1],
        [None, 2],
        [3, 3],
        [None, 4],
    ]
    got = df.select(
        F.columns_sum("a", "b", col("c")),
        F.columns_mean("a", "b", "c"),
        F.columns_min("a", "b", "c"),
        F.columns_max("a", "b", "c"),
    ).to_pydict()
    # Daft 0.7.26's values for the same frame.
    assert got == {
        "columns_sum": [3.5, 4.0, 6.0, 4.0],
        "columns_mean": [3.5 / 3, 2.0, 3.0, 4.0],
        "columns_min": [1.0, 2.0, 3.0, 4.0],
        "columns_max": [1.5, 2.0, 3.0, 4.0],
    }
    with pytest.raises(ValueError, match="columns_sum requires at least one expression"):
        F.columns_sum()


def test_list_functions_are_expression_methods_and_refuse_non_lists():
    df = daft.from_pydict({"l": [[3, 1]], "x": [1]})
    assert df.select(col("l").list_sort()).to_pydict() == {"l": [[1, 3]]}
    with pytest.raises(
        Exception,
        match=r"function list_sum: argument `list_expr` \(column \"x\"\) has type Int64; "
        r"expected a list",
    ):
        df.select(F.list_sum(col("x"))).collect()


def test_list_functions_on_empty_input():
    t = pa.table({"l": pa.array([], pa.list_(pa.int64()))})
    df = daft.from_arrow(t).select(
        F.list_sum(col("l")).alias("s"),
        F.list_sort(col("l")).alias("o"),
        F.list_distinct(col("l")).alias("d"),
        F.list_max(col("l")).alias("m"),
    )
    assert df.to_pydict() == {"s": [], "o": [], "d": [], "m": []}
