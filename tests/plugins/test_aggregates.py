"""Plugin aggregates (plugin ABI 1.1): the text pack's ``checksum`` used the
way a Daft user uses ``sum`` — in ``agg``, ``groupby().agg``, SQL and over
windows — checked against a Python reference (FNV-1a, summed per group)."""

from __future__ import annotations

import random

import daft
import pytest
from daft import Window, col
from daft.exceptions import DaftCoreException

MASK = (1 << 64) - 1


def fnv1a64(s: str) -> int:
    h = 0xCBF29CE484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001B3) & MASK
    return h


def reference(keys: list[int], values: list[str | None]) -> dict[int, int | None]:
    out: dict[int, int | None] = {k: None for k in keys}
    for k, v in zip(keys, values):
        if v is not None:
            out[k] = ((out[k] or 0) + fnv1a64(v)) & MASK
    return out


@pytest.fixture(scope="module")
def data() -> tuple[list[int], list[str | None]]:
    rng = random.Random(11)
    keys = [rng.randrange(40) for _ in range(30_000)]
    values = [None if rng.random() < 0.2 else f"s{rng.randrange(5000)}é" for _ in keys]
    # One group that sees only nulls.
    keys += [99, 99]
    values += [None, None]
    return keys, values


def test_checksum_is_listed_as_an_aggregate_of_the_text_plugin():
    fn = daft.daft.get_function("text.checksum")
    assert fn.is_aggregate
    assert fn.provider == "text"
    assert not daft.daft.get_function("text.slugify").is_aggregate


def test_groupby_agg_equals_the_python_reference_per_group(data):
    keys, values = data
    # Many partitions: partial states are built per partition and merged.
    df = daft.from_pydict({"k": keys, "s": values}).repartition(7, "s")
    out = df.groupby("k").agg(daft.functions.checksum(col("s"))).sort("k").to_pydict()
    expected = reference(keys, values)
    assert out["k"] == sorted(expected)
    assert out["s"] == [expected[k] for k in sorted(expected)]
    assert out["s"][-1] is None  # the all-null group


def test_global_agg_is_one_row_and_order_independent(data):
    keys, values = data
    shuffled = values[::-1]
    a = daft.from_pydict({"s": values}).agg(col("s").checksum().alias("c")).to_pydict()
    b = daft.from_pydict({"s": shuffled}).agg(col("s").checksum().alias("c")).to_pydict()
    total = 0
    for v in values:
        if v is not None:
            total = (total + fnv1a64(v)) & MASK
    assert a == b == {"c": [total]}


def test_checksum_beside_built_in_aggregations_and_in_arithmetic():
    df = daft.from_pydict({"k": [1, 1, 2], "s": ["a", "b", None]})
    out = (
        df.groupby("k")
        .agg(
            daft.functions.checksum(col("s")).alias("c"),
            col("s").count().alias("n"),
        )
        .sort("k")
        .to_pydict()
    )
    assert out == {"k": [1, 2], "c": [(fnv1a64("a") + fnv1a64("b")) & MASK, None], "n": [2, 0]}


def test_from_the_plugin_namespace_and_module_import():
    from daft.functions.text import checksum

    df = daft.from_pydict({"s": ["x"]})
    assert df.agg(checksum(col("s"))).to_pydict() == {"s": [fnv1a64("x")]}
    assert df.agg(daft.functions.text.checksum(col("s"))).to_pydict() == {"s": [fnv1a64("x")]}


def test_sql_uses_the_plugin_aggregate_like_a_built_in(data):
    keys, values = data
    df = daft.from_pydict({"k": keys, "s": values})
    out = daft.sql("SELECT k, checksum(s) AS c FROM df GROUP BY k ORDER BY k", df=df).to_pydict()
    expected = reference(keys, values)
    assert out["c"] == [expected[k] for k in sorted(expected)]


def test_over_a_window_whole_partition_and_growing_frame():
    df = daft.from_pydict({"k": [1, 1, 1, 2], "i": [1, 2, 3, 1], "s": ["a", None, "c", "d"]})
    by_k = Window().partition_by("k")
    whole = df.with_column("c", col("s").checksum().over(by_k)).sort(["k", "i"])
    ha, hc, hd = fnv1a64("a"), fnv1a64("c"), fnv1a64("d")
    assert whole.to_pydict()["c"] == [(ha + hc) & MASK] * 3 + [hd]
    running = (
        Window()
        .partition_by("k")
        .order_by("i")
        .rows_between(Window.unbounded_preceding, Window.current_row)
    )
    grow = df.with_column("c", col("s").checksum().over(running)).sort(["k", "i"])
    assert grow.to_pydict()["c"] == [ha, ha, (ha + hc) & MASK, hd]


def test_a_sliding_frame_is_refused_by_name():
    df = daft.from_pydict({"k": [1, 1], "i": [1, 2], "s": ["a", "b"]})
    sliding = Window().partition_by("k").order_by("i").rows_between(-1, 0)
    with pytest.raises(Exception, match=r"text\.checksum over a window"):
        df.with_column("c", col("s").checksum().over(sliding)).collect()


def test_type_errors_name_the_function_and_column():
    df = daft.from_pydict({"n": [1, 2]})
    with pytest.raises(Exception, match=r"text\.checksum.*argument `s` \(column \"n\"\)"):
        df.agg(col("n").checksum()).collect()


def test_an_aggregate_where_a_row_value_is_expected_is_refused():
    df = daft.from_pydict({"s": ["a"]})
    with pytest.raises((DaftCoreException, ValueError)):
        df.where(col("s").checksum() > 0).collect()


def test_repr_shows_the_call_as_written():
    assert "text.checksum(col(s))" in repr(daft.functions.checksum(col("s")))


def test_sql_global_aggregation_with_a_plugin_aggregate(data):
    # No GROUP BY: one row, as with sum. (It was refused: "aggregation ... is not allowed in
    # SELECT", the planner not counting a plugin aggregate as an aggregation.)
    keys, values = data
    df = daft.from_pydict({"k": keys, "s": values})
    out = daft.sql("SELECT checksum(s) AS c, count(s) AS n FROM df", df=df).to_pydict()
    everything = reference([0] * len(values), values)[0]
    assert out == {"c": [everything], "n": [sum(v is not None for v in values)]}
    qualified = daft.sql("SELECT text.checksum(s) AS c FROM df", df=df).to_pydict()
    assert qualified == {"c": [everything]}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(lambda df, e: df.where(col("k") > 1000).agg(*e), id="filtered-to-nothing"),
        # Three hash partitions of two keys: at least one partition gets no row.
        pytest.param(lambda df, e: df.repartition(3, "k").agg(*e), id="empty-partition"),
        pytest.param(
            lambda df, e: df.where(col("k") > 1000).repartition(4).agg(*e),
            id="all-partitions-empty",
        ),
    ],
)
def test_a_global_aggregate_over_partitions_without_rows_is_like_sum(query):
    # A partition no row reached still gives a state and a value: one row, null where
    # nothing was aggregated, as the built-in sum. (It failed: "the host passed array 0
    # with 0 rows for 1 group indices".)
    df = daft.from_pydict({"k": [1, 2, 1, 2], "s": ["a", "b", None, "c"]})
    got = query(df, [col("s").checksum().alias("c"), col("k").sum().alias("n")]).to_pydict()
    kept = [v for k, v in zip([1, 2, 1, 2], ["a", "b", None, "c"]) if v is not None]
    if got["n"] == [None]:
        assert got == {"c": [None], "n": [None]}
    else:
        assert got == {"c": [reference([0] * len(kept), kept)[0]], "n": [6]}


def test_sql_global_aggregate_with_a_where_clause_that_keeps_no_row():
    df = daft.from_pydict({"s": ["a", "b"]})
    out = daft.sql("SELECT checksum(s) AS c FROM df WHERE s = 'zzz'", df=df).to_pydict()
    assert out == {"c": [None]}
