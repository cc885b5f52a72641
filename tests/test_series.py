"""daft.Series: building, reading, and computing with the engine's functions.

pyarrow.compute and Python's own operators are the oracles.
"""

from __future__ import annotations

import math

import daft
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from daft import DataType as D
from daft import Series

VALUES = [3, None, -1, 7, 0]


def test_from_pylist_types_values_as_from_pydict_does():
    s = Series.from_pylist(VALUES, name="x")
    assert (s.name(), s.datatype(), len(s), s.to_pylist()) == ("x", D.int64(), 5, VALUES)
    assert Series.from_pylist([1, 2], dtype=D.int8()).datatype() == D.int8()
    assert Series.from_pylist([np.zeros((2, 2))]).datatype() == D.tensor(D.float64())
    assert Series.from_pylist([]).name() == "list_series"


def test_from_arrow_and_to_arrow_share_the_buffers():
    arr = pa.array([1.5, None, 2.5])
    s = Series.from_arrow(arr, name="a")
    out = s.to_arrow()
    assert out.buffers()[1].address == arr.buffers()[1].address
    assert Series.from_arrow(pa.chunked_array([[1], [2, 3]])).to_pylist() == [1, 2, 3]
    assert Series.from_arrow(arr, dtype=D.float32()).datatype() == D.float32()


def test_from_numpy_and_from_pandas():
    assert Series.from_numpy(np.arange(3, dtype=np.uint16)).datatype() == D.uint16()
    rows = Series.from_numpy(np.ones((2, 3))).to_pylist()
    assert [r.shape for r in rows] == [(3,), (3,)]
    assert Series.from_pandas(pd.Series([1.0, None])).to_pylist() == [1.0, None]


def test_indexing_slicing_iteration_and_rename():
    s = Series.from_pylist(VALUES, name="x")
    assert s[0] == VALUES[0] and s[-1] == VALUES[-1]
    assert s[1:4].to_pylist() == VALUES[1:4]
    assert s[::2].to_pylist() == VALUES[::2]
    assert list(s) == VALUES
    assert s.rename("y").name() == "y" and s.name() == "x"
    with pytest.raises(IndexError, match="out of range"):
        s[5]
    with pytest.raises(TypeError, match="no truth value"):
        bool(s)


@pytest.mark.parametrize(
    ("op", "oracle"),
    [
        (lambda a, b: a + b, pc.add),
        (lambda a, b: a - b, pc.subtract),
        (lambda a, b: a * b, pc.multiply),
        (lambda a, b: a == b, pc.equal),
        (lambda a, b: a != b, pc.not_equal),
        (lambda a, b: a < b, pc.less),
        (lambda a, b: a >= b, pc.greater_equal),
    ],
)
def test_operators_match_pyarrow_compute(op, oracle):
    left = [3, None, -1, 7, 0]
    right = [1, 2, None, 7, -5]
    got = op(Series.from_pylist(left), Series.from_pylist(right)).to_pylist()
    assert got == oracle(pa.array(left), pa.array(right)).to_pylist()
    # A scalar operand is broadcast.
    assert op(Series.from_pylist(left), 2).to_pylist() == oracle(pa.array(left), 2).to_pylist()


def test_the_result_keeps_the_left_series_name():
    a = Series.from_pylist([1], name="a")
    assert (a + Series.from_pylist([2], name="b")).name() == "a"


def test_series_have_the_engines_functions():
    s = Series.from_pylist([4.0, None, 2.25])
    assert s.sqrt().to_pylist() == [2.0, None, 1.5]
    assert s.ceil().to_pylist() == [math.ceil(4.0), None, math.ceil(2.25)]
    words = Series.from_pylist(["ab", None, "Cd"])
    assert words.upper().to_pylist() == ["AB", None, "CD"]
    assert words.str.upper().to_pylist() == ["AB", None, "CD"]
    with pytest.raises(AttributeError, match="has no attribute 'nosuch'"):
        s.nosuch()
    with pytest.raises(AttributeError, match=r"Series.str.nosuch: this engine has no function"):
        words.str.nosuch()


def test_aggregations_are_one_value_series():
    arr = pa.array(VALUES)
    s = Series.from_pylist(VALUES)
    assert s.sum().to_pylist() == [pc.sum(arr).as_py()]
    assert s.min().to_pylist() == [pc.min(arr).as_py()]
    assert s.max().to_pylist() == [pc.max(arr).as_py()]
    assert s.mean().to_pylist() == [pc.mean(arr).as_py()]
    assert s.count().to_pylist() == [4]
    assert s.count("all").to_pylist() == [5]
    assert s.count("null").to_pylist() == [1]


def test_sort_argsort_filter_take_and_concat():
    s = Series.from_pylist(VALUES)
    present = sorted(v for v in VALUES if v is not None)
    assert s.sort().to_pylist() == present + [None]
    assert s.sort(descending=True).to_pylist() == [None] + present[::-1]
    order = s.argsort().to_pylist()
    assert [VALUES[i] for i in order] == present + [None]
    mask = Series.from_pylist([True, False, True, None, False])
    assert s.filter(mask).to_pylist() == [3, -1]
    assert s.take(Series.from_pylist([4, 0, None])).to_pylist() == [0, 3, None]
    assert Series.concat([s, s[:1]]).to_pylist() == VALUES + VALUES[:1]
    with pytest.raises(TypeError, match="one type"):
        Series.concat([s, Series.from_pylist(["a"])])


def test_cast_and_logical_types():
    assert Series.from_pylist(["1", "x"]).cast(D.int64()).to_pylist() == [1, None]
    emb = Series.from_pylist([[1.0, 2.0], None]).cast(D.embedding(D.float32(), 2))
    assert emb.datatype() == D.embedding(D.float32(), 2)
    assert emb.to_pylist()[0].tolist() == [1.0, 2.0]


def test_series_of_different_lengths_are_refused_but_one_value_is_repeated():
    with pytest.raises(ValueError, match="'b' has 2 values and 'a' 3"):
        Series.from_pylist([1, 2, 3], name="a") + Series.from_pylist([1, 2], name="b")
    one = Series.from_pylist([10], name="one", dtype=D.uint8())
    many = Series.from_pylist([1, 2, 3], dtype=D.uint8())
    assert (one + many).to_pylist() == [11, 12, 13]
    assert (many + one).to_pylist() == [11, 12, 13]
    assert (one + many).datatype() == D.uint8()
    assert many.filter(Series.from_pylist([True])).to_pylist() == [1, 2, 3]


def test_size_bytes_counts_the_arrow_buffers():
    arr = pa.array([[1, 2], None, []])
    assert Series.from_arrow(arr).size_bytes() == arr.get_total_buffer_size()


def test_a_series_is_a_column_of_a_batch_udf_shape():
    # What a batch UDF does: Series in, Series out, through the engine's functions.
    def normalize(s: Series) -> Series:
        return (s - s.min().to_pylist()[0]) / (s.max().to_pylist()[0] - s.min().to_pylist()[0])

    out = normalize(Series.from_pylist([2.0, 4.0, 6.0])).to_pylist()
    assert out == [0.0, 0.5, 1.0]
    assert daft.from_pydict({"n": normalize(Series.from_pylist([1.0, 3.0]))}).to_pydict() == {
        "n": [0.0, 1.0]
    }


def test_series_convert_to_and_from_python_objects():
    tensors = [np.arange(4.0).reshape(2, 2), None]
    s = Series.from_pylist(tensors)
    as_objects = s.cast(D.python())
    assert as_objects.datatype() == D.python()
    back = as_objects.cast(D.tensor(D.float64()))
    assert back.datatype() == D.tensor(D.float64())
    assert np.array_equal(back.to_pylist()[0], tensors[0]) and back.to_pylist()[1] is None
    assert Series.from_pylist([1, "a"], pyobj="force").cast(D.python()).to_pylist() == [1, "a"]
