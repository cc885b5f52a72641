"""repartition, into_partitions, num_partitions, iter_partitions and the
streaming to_arrow_iter / iter_rows, checked against pyarrow on random data."""

from __future__ import annotations

import math
import random

import daft
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from daft import col
from daft.recordbatch import MicroPartition


@pytest.fixture(scope="module")
def table() -> pa.Table:
    rnd = random.Random(7)
    n = 5_000
    return pa.table(
        {
            "k": [rnd.choice([None, "a", "b", "c", "d", "e"]) for _ in range(n)],
            "x": [rnd.randint(-100, 100) if rnd.random() > 0.1 else None for _ in range(n)],
            "i": list(range(n)),
        }
    )


def _sorted(t: pa.Table) -> pa.Table:
    return t.sort_by([("i", "ascending")])


def _parts(df: daft.DataFrame) -> list[pa.Table]:
    parts = list(df.iter_partitions())
    assert all(isinstance(p, MicroPartition) for p in parts)
    return [p.to_arrow() for p in parts]


@pytest.mark.parametrize("num", [1, 3, 8])
def test_hash_repartition_puts_each_key_in_one_partition_and_keeps_every_row(table, num):
    df = daft.from_arrow(table).repartition(num, "k")
    assert df.num_partitions() == num
    parts = _parts(df)
    assert len(parts) == num
    owner: dict = {}
    for i, p in enumerate(parts):
        for k in set(p.column("k").to_pylist()):
            assert owner.setdefault(k, i) == i, f"key {k!r} is in partitions {owner[k]} and {i}"
    assert _sorted(pa.concat_tables(parts)).equals(table)


def test_hash_repartition_by_an_expression_groups_equal_values(table):
    parts = _parts(daft.from_arrow(table).repartition(4, col("x") % 3))
    owner: dict = {}
    for i, p in enumerate(parts):
        # Daft's % truncates toward zero, as math.fmod does.
        for v in {None if x is None else int(math.fmod(x, 3)) for x in p.column("x").to_pylist()}:
            assert owner.setdefault(v, i) == i, f"x % 3 == {v} is in partitions {owner[v]} and {i}"
    assert sum(len(p) for p in parts) == len(table)


def test_random_repartition_spreads_even_a_single_batch_over_every_partition(table):
    df = daft.from_pydict({"i": list(range(1000))}).repartition(4)
    parts = _parts(df)
    assert len(parts) == 4
    assert all(len(p) > 100 for p in parts), [len(p) for p in parts]
    assert sorted(pa.concat_tables(parts).column("i").to_pylist()) == list(range(1000))


def test_repartition_without_a_count_uses_the_engines_parallelism(table):
    expected = daft.context.get_context().daft_execution_config.target_partitions
    assert daft.from_arrow(table).repartition(None, "k").num_partitions() == expected


@pytest.mark.parametrize("num", [1, 2, 3, 7, 5_000, 5_003])
def test_into_partitions_gives_contiguous_even_runs_in_order(table, num):
    df = daft.from_arrow(table).into_partitions(num)
    assert df.num_partitions() == num
    parts = _parts(df)
    n = len(table)
    assert [len(p) for p in parts] == [(i + 1) * n // num - i * n // num for i in range(num)]
    assert pa.concat_tables(parts).equals(table)
    assert df.to_arrow().equals(table)


def test_into_partitions_after_a_filter_keeps_the_filtered_order(table):
    df = daft.from_arrow(table).where(col("x") > 0).into_partitions(3)
    expected = table.filter(pc.greater(table.column("x"), 0))
    assert df.to_arrow().equals(expected)
    assert pa.concat_tables(_parts(df)).equals(expected)


def test_operators_after_a_repartition_run_per_partition_and_agree_with_pyarrow(table):
    df = daft.from_arrow(table).repartition(3, "k").with_column("y", col("x") * 2)
    assert df.num_partitions() == 3
    got = df.groupby("k").agg(col("y").sum().alias("s")).sort("k").to_arrow()
    want = (
        table.append_column("y", pc.multiply(table.column("x"), 2))
        .group_by("k")
        .aggregate([("y", "sum")])
        .sort_by([("k", "ascending")])
    )
    assert got.column("k").to_pylist() == want.column("k").to_pylist()
    assert got.column("s").to_pylist() == want.column("y_sum").to_pylist()


def test_a_global_sort_has_one_partition(table):
    assert daft.from_arrow(table).repartition(4, "k").sort("i").num_partitions() == 1


def test_collect_keeps_the_partitions_the_query_chose(table):
    df = daft.from_arrow(table).repartition(3, "k")
    before = _parts(df)
    collected = df.collect()
    assert collected.num_partitions() == 3
    after = _parts(collected)
    assert [p.equals(q) for p, q in zip(before, after)] == [True, True, True]
    # ... and later operators keep running on them.
    assert collected.where(col("x") > 0).num_partitions() == 3
    assert collected.count_rows() == len(table)


def test_num_partitions_of_a_parquet_scan_counts_its_parallel_runs(tmp_path, table):
    import pyarrow.parquet as pq

    for i in range(4):
        pq.write_table(table.slice(i * 1000, 1000), tmp_path / f"part-{i}.parquet")
    df = daft.read_parquet(str(tmp_path / "*.parquet"))
    assert 1 <= df.num_partitions() <= 4
    assert df.into_partitions(6).num_partitions() == 6


def test_explain_shows_the_partitioning(table, capsys):
    daft.from_arrow(table).repartition(5, "k").into_partitions(2).explain()
    out = capsys.readouterr().out
    assert "Repartition: hash by col(k) into 5 partitions" in out
    assert "IntoPartitions: 2" in out


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda df: df.repartition(0), ValueError, "repartition: num must be at least 1, got 0"),
        (lambda df: df.repartition(-2, "k"), ValueError, "at least 1, got -2"),
        (lambda df: df.repartition(1.5), TypeError, "num must be an int or None, got float"),
        (lambda df: df.repartition(True), TypeError, "got bool"),
        (lambda df: df.into_partitions(None), TypeError, "num must be an int, got NoneType"),
        (lambda df: df.into_partitions(0), ValueError, "into_partitions: num must be at least 1"),
        (lambda df: df.repartition(2, "nope"), Exception, "nope"),
        (lambda df: df.repartition(2, col("x").sum()), ValueError, "aggregation"),
        (
            lambda df: list(df.iter_partitions(results_buffer_size=0)),
            ValueError,
            "results_buffer_size",
        ),
    ],
)
def test_bad_partition_arguments_are_refused_with_a_clear_error(table, call, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(daft.from_arrow(table))


def test_to_arrow_iter_streams_batches_in_order(table):
    df = daft.from_arrow(table).where(col("x") != 0).with_column("z", col("x") + 1)
    batches = list(df.to_arrow_iter())
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert pa.Table.from_batches(batches).equals(df.to_arrow())


def test_to_arrow_iter_yields_rows_before_a_later_row_fails():
    n = 300_000
    divisors = [1] * n
    divisors[-1] = 0
    df = daft.from_pydict({"d": divisors}).select((10 // col("d")).alias("q"))
    it = df.to_arrow_iter()
    first = next(it)
    assert first.num_rows > 0
    assert first.column(0)[0].as_py() == 10
    with pytest.raises(Exception, match="division by zero"):
        for _ in it:
            pass
    # The failed stream does not poison the session.
    assert daft.from_pydict({"a": [1, 2]}).to_pydict() == {"a": [1, 2]}


def test_stopping_an_iterator_early_stops_the_query_and_leaves_the_engine_usable(table):
    big = daft.from_pydict({"i": list(range(1_000_000))}).with_column("j", col("i") * 2)
    it = big.to_arrow_iter()
    assert next(it).num_rows > 0
    del it
    assert daft.from_arrow(table).count_rows() == len(table)


def test_iter_rows_streams_python_or_arrow_values(table):
    df = daft.from_arrow(table).limit(50)
    assert list(df.iter_rows()) == table.slice(0, 50).to_pylist()
    rows = list(df.iter_rows(column_format="arrow"))
    assert isinstance(rows[0]["i"], pa.Scalar)
    assert [r["i"].as_py() for r in rows] == list(range(50))
    with pytest.raises(ValueError, match="column_format"):
        list(df.iter_rows(column_format="numpy"))


def test_iterators_of_a_collected_frame_read_its_result(table):
    df = daft.from_arrow(table).collect()
    assert pa.Table.from_batches(list(df.to_arrow_iter())).equals(table)
    assert pa.concat_tables(_parts(df)).equals(table)
