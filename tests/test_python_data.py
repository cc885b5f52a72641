"""Python data in: the types from_pydict / from_pylist give Python values, and the
errors when values cannot share a type.

The expected types were read off Daft 0.7.26 (``daft.from_pydict({"x": values})``);
the cases where this engine answers differently on purpose say why.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import daft
import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from daft import DataType as D


class Point:
    """A Python object Arrow has no type for."""

    def __init__(self, x: int) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other.x == self.x


CASES = [
    ("ints", [1, 2, None], D.int64()),
    ("ints_and_floats", [1, 2.5, None], D.float64()),
    ("bools_and_ints", [True, 1], D.int64()),
    ("bytes", [b"a", None], D.binary()),
    ("datetimes", [dt.datetime(2020, 1, 1, 1, 2, 3), None], D.timestamp("us")),
    ("dates", [dt.date(2020, 1, 1)], D.date()),
    ("times", [dt.time(1, 2, 3)], D.time("us")),
    ("timedeltas", [dt.timedelta(seconds=3)], D.duration("us")),
    ("decimals", [decimal.Decimal("1.25"), decimal.Decimal("10.5")], D.decimal128(38, 2)),
    ("nested_lists", [[[1], [2, 3]], None], D.list(D.list(D.int64()))),
    (
        "dicts",
        [{"a": 1, "b": [1.0]}, {"a": None}],
        D.struct({"a": D.int64(), "b": D.list(D.float64())}),
    ),
    ("dicts_with_int_keys", [{1: "a"}, {}], D.map(D.int64(), D.string())),
    ("tuples", [(1, "a")], D.struct({"_0": D.int64(), "_1": D.string()})),
    ("numpy_vectors", [np.array([1, 2]), np.array([3])], D.tensor(D.int64())),
    ("numpy_scalars", [np.int32(1), np.int32(2)], D.int32()),
    ("numpy_scalars_and_ints", [np.int32(1), 5], D.int64()),
    ("objects", [Point(1), None], D.python()),
    ("sets", [{1, 2}], D.python()),
    ("objects_and_ints", [1, Point(2)], D.python()),
    ("big_unsigned", [2**63], D.uint64()),
    # Daft 0.7.26 gives Python objects for UUIDs; here they have their type.
    ("uuids", [uuid.UUID(int=5), None], D.uuid()),
]


@pytest.mark.parametrize(("name", "values", "dtype"), CASES, ids=[c[0] for c in CASES])
def test_python_values_get_daft_types(name, values, dtype):
    df = daft.from_pydict({"x": values})
    assert df.schema()["x"].dtype == dtype
    out = df.to_pydict()["x"]
    assert len(out) == len(values)
    assert [v is None for v in out] == [v is None for v in values]


def test_python_objects_come_back_as_the_objects():
    values = [Point(1), None, {1, 2}, frozenset("a")]
    assert daft.from_pydict({"x": values}).to_pydict()["x"] == values
    assert daft.from_pylist([{"x": v} for v in values]).to_pydict()["x"] == values


def test_numpy_arrays_of_more_dimensions_are_tensors_of_their_rows():
    arr = np.arange(24, dtype=np.int16).reshape(4, 2, 3)
    df = daft.from_pydict({"t": arr})
    assert df.schema()["t"].dtype == D.tensor(D.int16())
    out = df.to_pydict()["t"]
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(out, arr))


def test_one_dimensional_numpy_arrays_keep_their_dtype():
    df = daft.from_pydict(
        {
            "f": np.array([1.0, 2.0], dtype=np.float32),
            "s": np.array(["a", "b"]),
            "d": np.array(["2020-01-01", "2021-06-30"], dtype="datetime64[D]"),
        }
    )
    types = {f.name: f.dtype for f in df.schema()}
    assert types == {"f": D.float32(), "s": D.string(), "d": D.date()}


def test_a_series_is_a_column_with_its_type():
    s = daft.Series.from_pylist([1, 2], dtype=D.int8())
    assert daft.from_pydict({"x": s}).schema()["x"].dtype == D.int8()


@pytest.mark.parametrize(
    ("values", "row", "what"),
    [
        # Daft 0.7.26 turns these into strings or Python objects without a word.
        ([1, "a"], 1, "'a', a str (String)"),
        ([b"x", "y"], 1, "'y', a str (String)"),
        ([[1, 2], (1, 2)], 1, "(1, 2), a tuple (Struct[_0: Int64, _1: Int64])"),
        ([1, 2, 3, dt.date(2020, 1, 1)], 3, "datetime.date(2020, 1, 1), a date (Date)"),
        # Daft 0.7.26 gives Float64 and rounds 2**63; no type holds both exactly.
        ([-1, 2**63], 1, "9223372036854775808, an int (UInt64)"),
    ],
)
def test_values_that_share_no_type_are_an_error_naming_column_and_row(values, row, what):
    with pytest.raises(ValueError) as info:
        daft.from_pydict({"mixed": values})
    message = str(info.value)
    assert "column 'mixed'" in message
    assert f"row {row} holds {what}" in message
    assert "DataType.python()" in message  # says how to keep them as objects


def test_a_value_that_mixes_types_inside_is_named_too():
    with pytest.raises(ValueError, match=r"column 'x': row 0 holds \[1, 'a'\]"):
        daft.from_pylist([{"x": [1, "a"]}])


def test_mixed_values_can_be_kept_as_python_objects_on_request():
    s = daft.Series.from_pylist([1, "a"], dtype=D.python())
    assert daft.from_pydict({"x": s}).to_pydict() == {"x": [1, "a"]}
    s = daft.Series.from_pylist([1, "a"], pyobj="force")
    assert s.datatype() == D.python()


def test_from_pylist_takes_the_union_of_the_rows_keys():
    df = daft.from_pylist([{"a": 1}, {"b": "x"}, {"a": 3, "b": None}])
    assert df.to_pydict() == {"a": [1, None, 3], "b": [None, "x", None]}
    with pytest.raises(TypeError, match="row 1 is a list"):
        daft.from_pylist([{"a": 1}, [1]])


def test_from_pydict_refuses_columns_of_different_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        daft.from_pydict({"a": [1, 2], "b": np.zeros((3, 2))})


def test_from_arrow_reads_a_polars_frame_with_a_null_column():
    # Polars exports a null column with a buffer the C Data spec does not have;
    # the engine's own importer refused the whole frame before.
    frame = pl.DataFrame({"n": [None, None], "x": [1, 2]})
    out = daft.from_arrow(frame)
    assert out.to_pydict() == {"n": [None, None], "x": [1, 2]}
    assert out.schema()["n"].dtype == D.null()


def test_lit_and_interval_literals():
    df = daft.from_pydict({"x": [1]})
    out = df.select(daft.interval(years=1, days=2, hours=3).alias("i")).to_pydict()
    assert out == {"i": [pa.MonthDayNano([12, 2, 3 * 3600 * 10**9])]}
    with pytest.raises(TypeError, match="days must be an int"):
        daft.interval(days=1.5)


def test_maps_come_back_as_pairs_or_as_dicts_on_request():
    df = daft.from_pydict({"m": [{1: "a", 2: "b"}, None]})
    assert df.to_pydict() == {"m": [[(1, "a"), (2, "b")], None]}
    assert df.to_pydict(maps_as_pydicts="lossy") == {"m": [{1: "a", 2: "b"}, None]}
    assert df.to_pylist(maps_as_pydicts="strict") == [{"m": {1: "a", 2: "b"}}, {"m": None}]
    s = daft.Series.from_pylist([{1: "a"}])
    assert s.to_pylist(maps_as_pydicts="lossy") == [{1: "a"}]
    with pytest.raises(ValueError, match="maps_as_pydicts must be"):
        df.to_pydict(maps_as_pydicts="loose")
