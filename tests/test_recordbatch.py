"""daft.recordbatch.RecordBatch: named columns with expressions evaluated at once,
through the same engine as a DataFrame (the DataFrame is the oracle)."""

from __future__ import annotations

import daft
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col
from daft.recordbatch import MicroPartition, RecordBatch

DATA = {"a": [3, 1, None, 2], "s": ["x", "y", "z", None]}


def test_expressions_give_what_the_same_dataframe_query_gives():
    rb = RecordBatch.from_pydict(DATA)
    df = daft.from_pydict(DATA)
    exprs = [(col("a") * 2).alias("a2"), col("s").upper()]
    assert rb.eval_expression_list(exprs).to_pydict() == df.select(*exprs).to_pydict()
    assert rb.filter([col("a") > 1]).to_pydict() == df.where(col("a") > 1).to_pydict()
    assert rb.sort([col("a")]).to_pydict() == df.sort("a").to_pydict()
    assert rb.sort([col("a")], descending=True).to_pydict() == df.sort("a", desc=True).to_pydict()


def test_columns_rows_and_types():
    rb = RecordBatch.from_pydict(DATA)
    assert len(rb) == 4 and rb.column_names() == ["a", "s"]
    assert rb.schema()["a"].dtype == D.int64()
    assert rb.get_column_by_name("s").to_pylist() == DATA["s"]
    assert rb.get_column(0).name() == "a"
    assert rb.slice(1, 3).to_pydict() == {"a": [1, None], "s": ["y", "z"]}
    assert rb.head(1).to_pylist() == [{"a": 3, "s": "x"}]
    taken = rb.take(daft.Series.from_pylist([3, 0]))
    assert taken.to_pydict() == {"a": [2, 3], "s": [None, "x"]}
    both = RecordBatch.concat([rb, rb.head(1)])
    assert both.to_pydict()["a"] == DATA["a"] + [3]
    assert RecordBatch.from_arrow_table(pa.table(DATA)).to_pydict() == DATA
    with pytest.raises(KeyError, match="column 'q' not in the batch"):
        rb.get_column_by_name("q")


def test_partitions_are_record_batches_with_the_frames_schema():
    df = daft.from_pydict(DATA).into_partitions(2)
    parts = list(df.iter_partitions())
    assert all(isinstance(p, MicroPartition) and isinstance(p, RecordBatch) for p in parts)
    assert all(p.schema() == df.schema() for p in parts)
    assert sum(len(p) for p in parts) == 4


def test_partitioning_deals_every_row_once_and_keeps_equal_keys_together():
    data = {"k": [i % 7 for i in range(200)], "v": list(range(200))}
    mp = MicroPartition.from_arrow(pa.table(data))
    assert isinstance(mp, MicroPartition) and mp.schema()["k"].dtype == D.int64()
    parts = mp.partition_by_random(3, seed=0)
    assert sorted(v for p in parts for v in p.to_pydict()["v"]) == data["v"]
    assert [len(p) for p in parts] == [len(p) for p in mp.partition_by_random(3, seed=0)]
    parts = mp.partition_by_hash([col("k")], 4)
    assert sorted(v for p in parts for v in p.to_pydict()["v"]) == data["v"]
    homes = {}
    for i, p in enumerate(parts):
        for k in p.to_pydict()["k"]:
            assert homes.setdefault(k, i) == i
    with pytest.raises(ValueError, match="positive integer"):
        mp.partition_by_random(0, seed=0)
