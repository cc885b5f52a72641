"""Every Daft type through the engine and out again: Python → engine → Parquet →
engine → Python, and through pyarrow, Polars and DuckDB where they support the type.

Each sample column has a null. Values come back equal (numpy arrays for tensors,
embeddings and images, the objects themselves for Python values), and the type comes
back as the same Daft type.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import daft
import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col

SAMPLES = [
    ("int8", D.int8(), [1, None, -128]),
    ("int16", D.int16(), [1, None, -3]),
    ("int32", D.int32(), [1, None, 2**31 - 1]),
    ("int64", D.int64(), [1, None, -(2**63)]),
    ("uint8", D.uint8(), [1, None, 255]),
    ("uint16", D.uint16(), [1, None, 65535]),
    ("uint32", D.uint32(), [1, None, 2**32 - 1]),
    ("uint64", D.uint64(), [1, None, 2**64 - 1]),
    ("float16", D.float16(), [np.float16(1.5), None, np.float16(-2.0)]),
    ("float32", D.float32(), [1.5, None, float("inf")]),
    ("float64", D.float64(), [1.5, None, -0.25]),
    ("bool", D.bool(), [True, None, False]),
    ("string", D.string(), ["a", None, "été"]),
    ("binary", D.binary(), [b"a", None, b"\x00\xff"]),
    ("fixed_size_binary", D.fixed_size_binary(3), [b"abc", None, b"\x00\x01\x02"]),
    ("null", D.null(), [None, None, None]),
    ("date", D.date(), [dt.date(2020, 1, 2), None, dt.date(1969, 12, 31)]),
    ("time_us", D.time("us"), [dt.time(1, 2, 3, 4), None, dt.time(23, 59)]),
    ("time_ns", D.time("ns"), [dt.time(1, 2, 3, 4), None, dt.time(0, 0)]),
    (
        "timestamp_s",
        D.timestamp("s"),
        [dt.datetime(2020, 1, 2, 3, 4, 5), None, dt.datetime(1970, 1, 1)],
    ),
    (
        "timestamp_ms",
        D.timestamp("ms"),
        [dt.datetime(2020, 1, 2, 3, 4, 5, 6000), None, dt.datetime(1970, 1, 1)],
    ),
    (
        "timestamp_us_utc",
        D.timestamp("us", "UTC"),
        [
            dt.datetime(2020, 1, 2, tzinfo=dt.timezone.utc),
            None,
            dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc),
        ],
    ),
    (
        "timestamp_ns_paris",
        D.timestamp("ns", "Europe/Paris"),
        [
            dt.datetime(2020, 1, 2, tzinfo=dt.timezone.utc),
            None,
            dt.datetime(2000, 6, 1, tzinfo=dt.timezone.utc),
        ],
    ),
    ("duration", D.duration("ms"), [dt.timedelta(seconds=1.5), None, dt.timedelta(days=-1)]),
    (
        "interval",
        D.interval(),
        [pa.MonthDayNano([1, 2, 3000]), None, pa.MonthDayNano([0, -1, 10**9])],
    ),
    (
        "decimal",
        D.decimal128(10, 2),
        [decimal.Decimal("1.25"), None, decimal.Decimal("-99999999.99")],
    ),
    ("list", D.list(D.int64()), [[1, 2], None, []]),
    ("nested_list", D.list(D.list(D.string())), [[["a"], []], None, [None]]),
    ("fixed_size_list", D.fixed_size_list(D.float32(), 2), [[1.0, 2.0], None, [0.5, None]]),
    (
        "struct",
        D.struct({"a": D.int64(), "b": D.string()}),
        [{"a": 1, "b": "x"}, None, {"a": None, "b": "y"}],
    ),
    ("map", D.map(D.string(), D.int64()), [[("a", 1)], None, []]),
    (
        "embedding",
        D.embedding(D.float32(), 3),
        [np.array([1, 2, 3], np.float32), None, np.zeros(3, np.float32)],
    ),
    ("tensor", D.tensor(D.float64()), [np.arange(6.0).reshape(2, 3), None, np.ones((1, 1, 2))]),
    (
        "fixed_shape_tensor",
        D.tensor(D.int32(), (2, 2)),
        [np.arange(4, dtype=np.int32).reshape(2, 2), None, np.zeros((2, 2), np.int32)],
    ),
    (
        "sparse_tensor",
        D.sparse_tensor(D.float32()),
        [np.array([[0, 1.5], [0, 0]], np.float32), None, np.zeros((3,), np.float32)],
    ),
    (
        "fixed_shape_sparse_tensor",
        D.sparse_tensor(D.int64(), (2, 3)),
        [np.array([[0, 1, 0], [2, 0, 0]]), None, np.zeros((2, 3), np.int64)],
    ),
    (
        "image",
        D.image("RGB"),
        [np.arange(12, dtype=np.uint8).reshape(2, 2, 3), None, np.zeros((1, 3, 3), np.uint8)],
    ),
    (
        "image_mixed",
        D.image(),
        [np.zeros((2, 2, 3), np.uint8), None, np.full((1, 1, 1), 9, np.uint8)],
    ),
    (
        "fixed_shape_image",
        D.image("L", 2, 2),
        [np.arange(4, dtype=np.uint8).reshape(2, 2, 1), None, np.zeros((2, 2, 1), np.uint8)],
    ),
    ("python", D.python(), [{1, 2}, None, ("a", [1])]),
    ("uuid", D.uuid(), [uuid.UUID(int=1), None, uuid.UUID("12345678-1234-5678-1234-567812345678")]),
    ("extension", D.extension("acme.point", D.binary(), "v1"), [b"\x01", None, b"\x02"]),
    ("union", D.union({"i": D.int64(), "s": D.string()}, [0, 1]), [1, None, "x"]),
]
IDS = [name for name, _, _ in SAMPLES]

# Types Parquet cannot store: writing them is an error naming the column.
NOT_IN_PARQUET = {"interval", "union"}
# What Polars 1.x gives back differently, or cannot read (checked by the tests below
# only where it keeps the type; listed in docs/user-guide.md, "Types").
POLARS_CHANGES = {"fixed_size_binary", "time_us", "timestamp_s", "uuid", "interval", "union"}
# DuckDB keeps Arrow's own types; extension types come back as their storage.
DUCKDB_KEEPS = {
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32",
    "float64", "bool", "string", "binary", "null", "date", "time_us", "time_ns",
    "timestamp_s", "timestamp_ms", "interval", "decimal", "list", "nested_list",
    "fixed_size_list", "struct", "map", "union",
}  # fmt: skip


def same(a, b) -> bool:
    """Equal values, comparing numpy arrays by shape, dtype and elements."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool((a == b).all())
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def frame(dtype, values) -> daft.DataFrame:
    return daft.from_pydict({"x": daft.Series.from_pylist(values, dtype=dtype)})


@pytest.mark.parametrize(("name", "dtype", "values"), SAMPLES, ids=IDS)
def test_python_values_enter_with_their_type(name, dtype, values):
    df = frame(dtype, values)
    assert df.schema()["x"].dtype == dtype
    out = df.to_pydict()["x"]
    assert out[1] is None
    assert len(out) == len(values)


@pytest.mark.parametrize(("name", "dtype", "values"), SAMPLES, ids=IDS)
def test_every_type_round_trips_through_parquet(name, dtype, values, tmp_path):
    df = frame(dtype, values).with_column("k", daft.lit(0))
    if name in NOT_IN_PARQUET:
        with pytest.raises(ValueError, match=r'column "x" is .*Parquet cannot store'):
            df.write_parquet(str(tmp_path))
        assert list(tmp_path.iterdir()) == []
        return
    df.write_parquet(str(tmp_path))
    back = daft.read_parquet(str(tmp_path))
    assert back.schema()["x"].dtype == dtype
    assert same(back.to_pydict()["x"], df.to_pydict()["x"])


@pytest.mark.parametrize(("name", "dtype", "values"), SAMPLES, ids=IDS)
def test_every_type_round_trips_through_pyarrow(name, dtype, values):
    df = frame(dtype, values)
    table = pa.table(df)  # through __arrow_c_stream__
    back = daft.from_arrow(table)
    assert back.schema()["x"].dtype == dtype
    assert same(back.to_pydict()["x"], df.to_pydict()["x"])


@pytest.mark.parametrize(
    ("name", "dtype", "values"), [s for s in SAMPLES if s[0] not in POLARS_CHANGES], ids=str
)
def test_types_polars_keeps_round_trip_through_polars(name, dtype, values):
    df = frame(dtype, values)
    back = daft.from_arrow(pl.DataFrame(df))
    assert back.schema()["x"].dtype == dtype
    assert same(back.to_pydict()["x"], df.to_pydict()["x"])


@pytest.mark.parametrize(
    ("name", "dtype", "values"), [s for s in SAMPLES if s[0] in DUCKDB_KEEPS], ids=str
)
def test_types_duckdb_keeps_round_trip_through_duckdb(name, dtype, values):
    df = frame(dtype, values)
    arrow_table = pa.table(df)  # noqa: F841 (DuckDB reads the local by its name)
    back = daft.from_arrow(duckdb.sql("SELECT * FROM arrow_table").arrow())
    assert back.schema()["x"].dtype == dtype
    assert same(back.to_pydict()["x"], df.to_pydict()["x"])


def test_logical_types_reach_duckdb_as_their_storage():
    # DuckDB has no tensor type: it reads the storage (a struct of data and shape).
    df = frame(D.tensor(D.float64()), [np.arange(4.0).reshape(2, 2), None])
    arrow_table = pa.table(df)  # noqa: F841 (DuckDB reads the local by its name)
    rows = duckdb.sql("SELECT x.data, x.shape FROM arrow_table").fetchall()
    assert rows == [([0.0, 1.0, 2.0, 3.0], [2, 2]), (None, None)]


@pytest.mark.parametrize(("name", "dtype", "values"), SAMPLES, ids=IDS)
def test_every_type_survives_the_engine_operators(name, dtype, values):
    # Filter, sort, join and concat move rows, never change the column's type.
    series = daft.Series.from_pylist(values, dtype=dtype)
    df = daft.from_pydict({"x": series, "i": list(range(len(values)))}).with_column(
        "k", daft.lit(1)
    )
    out = (
        df.where(col("i") >= 0)
        .sort("i", desc=True)
        .join(df.select("i", col("k").alias("k2")), on="i")
        .concat(df.limit(0).with_column("k2", daft.lit(1)))
        .sort("i")
    )
    assert out.schema()["x"].dtype == dtype
    assert same(out.to_pydict()["x"], df.sort("i").to_pydict()["x"])


def test_a_parquet_file_daft_0_7_26_wrote_reads_with_its_logical_types():
    # tests/fixtures/daft-0.7.26/make_logical_types.py wrote it with real Daft.
    import pathlib

    path = pathlib.Path(__file__).parent / "fixtures" / "daft-0.7.26" / "logical_types.parquet"
    df = daft.read_parquet(str(path)).sort("k")
    types = {f.name: f.dtype for f in df.schema()}
    assert types == {
        "k": D.int64(),
        "tensor": D.tensor(D.float32()),
        "python": D.python(),
        "embedding": D.embedding(D.float64(), 2),
        "fixed": D.tensor(D.float64(), (2,)),
        "image": D.image("RGB"),
    }
    got = df.to_pydict()
    assert same(
        got["tensor"], [np.arange(6, dtype=np.float32).reshape(2, 3), np.zeros(1, np.float32), None]
    )
    assert got["python"] == [{1, 2}, None, ("a", 1)]
    assert same(got["embedding"], [np.array([1.0, 2.0]), np.array([3.0, 4.0]), None])
    assert same(got["fixed"], [np.array([1.0, 2.0]), np.array([3.0, 4.0]), None])
    assert same(
        got["image"],
        [np.zeros((2, 3, 3), np.uint8), np.full((1, 1, 3), 7, np.uint8), None],
    )


def test_files_written_here_carry_daft_0_7_26_metadata(tmp_path):
    # Real Daft 0.7.26 reads a logical type only when its metadata names the type
    # and both version fields; checked by hand against Daft, pinned here.
    import json

    import pyarrow.parquet as pq

    frame(D.embedding(D.float32(), 2), [[1.0, 2.0], None]).write_parquet(str(tmp_path))
    (path,) = tmp_path.iterdir()
    # Unregistered for a moment, so pyarrow shows the field's raw metadata.
    pa.unregister_extension_type("daft.super_extension")
    try:
        field = pq.read_schema(path).field("x")
    finally:
        daft._logical.register()
    meta = json.loads(field.metadata[b"ARROW:extension:metadata"])
    assert field.metadata[b"ARROW:extension:name"] == b"daft.super_extension"
    assert meta["datatype"] == {"Embedding": ["Float32", 2]}
    assert {"daft_version", "daft_build_type"} <= meta.keys()


def test_logical_casts_go_through_the_storage():
    df = daft.from_pydict({"v": [[1.0, 2.0], [3.0], None]})
    out = df.select(
        col("v").cast(D.embedding(D.float32(), 2)).alias("e"),
        col("v").as_tensor(D.float64(), (2,)).alias("t"),
    )
    assert out.schema()["e"].dtype == D.embedding(D.float32(), 2)
    assert out.schema()["t"].dtype == D.tensor(D.float64(), (2,))
    got = out.to_pydict()
    # A row of another length does not fit: null, as a cast that cannot convert.
    assert same(got["e"], [np.array([1.0, 2.0], np.float32), None, None])
    back = out.select(col("e").cast(D.list(D.float64()))).to_pydict()
    assert back == {"e": [[1.0, 2.0], None, None]}


def test_casts_from_or_to_python_objects_are_refused_at_plan_time():
    df = daft.from_pydict({"v": [1], "o": [{1}]})
    with pytest.raises(daft.exceptions.DaftTypeError, match="Python objects are opaque"):
        df.select(col("v").cast(D.python()))
    with pytest.raises(daft.exceptions.DaftTypeError, match="cannot be cast to Int64"):
        df.select(col("o").cast(D.int64()))


def test_show_renders_logical_values_as_daft_does(capsys):
    df = daft.from_pydict(
        {
            "t": [np.zeros((2, 3)), None],
            "o": [{1, 2}, None],
            "u": [uuid.UUID(int=7), None],
        }
    )
    df.show()
    out = capsys.readouterr().out
    assert "<Tensor shape=(2, 3)>" in out
    assert "{1, 2}" in out
    assert "00000000-0000-0000-0000-000000000007" in out
    assert "Tensor[Float64]" in out and "Python" in out and "UUID" in out


def test_tensors_cast_between_one_shape_and_a_shape_per_row():
    rows = [np.arange(6).reshape(3, 2), None, np.zeros((2, 3), np.int64)]
    df = daft.from_pydict({"t": rows})
    fixed = df.select(col("t").cast(D.tensor(D.int32(), (3, 2))))
    assert fixed.schema()["t"].dtype == D.tensor(D.int32(), (3, 2))
    got = fixed.to_pydict()["t"]
    # The row of another shape cannot be represented: null, as any value a cast cannot.
    assert same(got, [np.arange(6, dtype=np.int32).reshape(3, 2), None, None])
    back = fixed.select(col("t").cast(D.tensor(D.int64())))
    assert back.schema()["t"].dtype == D.tensor(D.int64())
    assert same(back.to_pydict()["t"], [np.arange(6).reshape(3, 2), None, None])


def test_logical_columns_leave_as_daft_extension_arrays():
    from daft.datatype import get_super_ext_type

    table = pa.table(frame(D.embedding(D.float32(), 2), [[1.0, 2.0], None]))
    assert isinstance(table.column("x").type, get_super_ext_type())
    assert table.column("x").type.extension_name == "daft.super_extension"
