"""daft.DataType: every constructor and predicate Daft 0.7.26 has, its parameters,
equality, and the names Daft prints.

The expected names, predicate answers and Arrow layouts were read off Daft 0.7.26 in
a scratch environment; where this engine differs on purpose the test says why.
"""

from __future__ import annotations

import datetime
import pickle
import typing

import numpy as np
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import ImageFormat, ImageMode, TimeUnit, UnionMode

# (constructed type, Daft 0.7.26's repr)
REPRS = [
    (D.int8(), "Int8"),
    (D.int16(), "Int16"),
    (D.int32(), "Int32"),
    (D.int64(), "Int64"),
    (D.uint8(), "UInt8"),
    (D.uint16(), "UInt16"),
    (D.uint32(), "UInt32"),
    (D.uint64(), "UInt64"),
    (D.float16(), "Float16"),
    (D.float32(), "Float32"),
    (D.float64(), "Float64"),
    (D.bool(), "Bool"),
    (D.string(), "String"),
    (D.binary(), "Binary"),
    (D.fixed_size_binary(4), "Binary[4]"),
    (D.null(), "Null"),
    (D.date(), "Date"),
    (D.time("us"), "Time[us]"),
    (D.time(TimeUnit.ns()), "Time[ns]"),
    (D.timestamp("ns", "UTC"), "Timestamp[ns; UTC]"),
    (D.timestamp(TimeUnit.s()), "Timestamp[s]"),
    (D.duration("ms"), "Duration[ms]"),
    (D.interval(), "Interval"),
    (D.decimal128(10, 2), "Decimal[precision: 10, scale: 2]"),
    (D.list(D.int64()), "List[Int64]"),
    (D.fixed_size_list(D.float32(), 3), "List[Float32; 3]"),
    (D.struct({"a": D.int64(), "b": D.string()}), "Struct[a: Int64, b: String]"),
    (D.map(D.string(), D.int64()), "Map[String: Int64]"),
    (D.embedding(D.float32(), 4), "Embedding[Float32; 4]"),
    (D.tensor(D.float32()), "Tensor[Float32]"),
    (D.tensor(D.float32(), (2, 3)), "Tensor[Float32; [2, 3]]"),
    (D.sparse_tensor(D.float32()), "SparseTensor[Float32; indices_offset: false]"),
    (
        D.sparse_tensor(D.int64(), (2, 3), use_offset_indices=True),
        "FixedShapeSparseTensor[Int64; [2, 3]; indices_offset: true]",
    ),
    (D.image(), "Image[MIXED]"),
    (D.image("RGB"), "Image[RGB]"),
    (D.image(ImageMode.L, 3, 4), "Image[L; 3 x 4]"),
    (D.python(), "Python"),
    (D.uuid(), "UUID"),
    (
        D.union({"a": D.int64(), "b": D.string()}, [0, 1]),
        "Union[a: Int64, b: String; type_ids: [0, 1]; mode: Sparse]",
    ),
    (D.list(D.tensor(D.float32())), "List[Tensor[Float32]]"),
    (D.struct({"o": D.python()}), "Struct[o: Python]"),
]


@pytest.mark.parametrize(("dtype", "text"), REPRS, ids=[t for _, t in REPRS])
def test_every_constructor_prints_as_daft_prints_it(dtype, text):
    assert repr(dtype) == text
    assert str(dtype) == text


@pytest.mark.parametrize(("dtype", "text"), REPRS, ids=[t for _, t in REPRS])
def test_every_type_survives_its_arrow_type_and_pickle(dtype, text):
    assert D.from_arrow_type(dtype.to_arrow_dtype()) == dtype
    assert pickle.loads(pickle.dumps(dtype)) == dtype
    # The schema capsule carries a logical type's extension metadata.
    field = pa.field("x", dtype.to_arrow_dtype())
    assert D._from_field(pa.schema([field]).field(0)) == dtype


def test_argument_free_types_are_also_their_own_constructors():
    assert D.int64 == D.int64()
    assert hash(D.int64) == hash(D.int64())
    assert D.uuid() is D.uuid


def test_types_compare_by_daft_type_not_by_arrow_layout():
    assert D.from_arrow_type(pa.large_string()) == D.string()
    assert D.from_arrow_type(pa.large_list(pa.int64())) == D.list(D.int64())
    assert D.from_arrow_type(pa.dictionary(pa.int32(), pa.string())) == D.string()
    assert len({D.string(), D.from_arrow_type(pa.string_view())}) == 1
    assert D.int64() != D.int32()
    assert D.timestamp("us", "UTC") != D.timestamp("us")
    assert D.int64() != "Int64"


# Predicate answers of Daft 0.7.26, per type: the names listed are the is_* that are true.
PREDICATES = [
    (D.int64(), {"is_int64", "is_integer", "is_numeric"}),
    (D.uint8(), {"is_uint8", "is_integer", "is_numeric"}),
    (D.float16(), {"is_float16", "is_numeric"}),
    (D.decimal128(5, 2), {"is_decimal128"}),
    (D.bool(), {"is_boolean"}),
    (D.string(), {"is_string"}),
    (D.binary(), {"is_binary"}),
    (D.fixed_size_binary(2), {"is_fixed_size_binary"}),
    (D.null(), {"is_null"}),
    (D.date(), {"is_date", "is_temporal", "is_logical"}),
    (D.timestamp("s"), {"is_timestamp", "is_temporal", "is_logical"}),
    (D.time("us"), {"is_time", "is_logical"}),
    (D.duration("s"), {"is_duration", "is_logical"}),
    (D.interval(), {"is_interval"}),
    (D.list(D.int64()), {"is_list"}),
    (D.fixed_size_list(D.int64(), 2), {"is_fixed_size_list"}),
    (D.struct({"a": D.int64()}), {"is_struct"}),
    (D.map(D.string(), D.int64()), {"is_map", "is_logical"}),
    (D.embedding(D.float32(), 2), {"is_embedding", "is_logical"}),
    (D.tensor(D.float32()), {"is_tensor", "is_logical"}),
    (D.tensor(D.float32(), (2,)), {"is_fixed_shape_tensor", "is_logical"}),
    (D.sparse_tensor(D.int64()), {"is_sparse_tensor", "is_logical"}),
    (D.sparse_tensor(D.int64(), (2,)), {"is_fixed_shape_sparse_tensor", "is_logical"}),
    (D.image(), {"is_image", "is_logical"}),
    (D.image("RGB", 1, 1), {"is_fixed_shape_image", "is_logical"}),
    (D.python(), {"is_python"}),
    (D.uuid(), {"is_uuid", "is_logical"}),
    (D.extension("a.b", D.int64()), {"is_extension"}),
    (D.union({"a": D.int64()}, [0]), {"is_union"}),
]
ALL_PREDICATES = sorted(n for n in dir(D) if n.startswith("is_"))


@pytest.mark.parametrize(("dtype", "true"), PREDICATES, ids=[repr(t) for t, _ in PREDICATES])
def test_predicates_answer_as_daft_does(dtype, true):
    got = {name for name in ALL_PREDICATES if getattr(dtype, name)()}
    assert got == true


def test_parameters_of_parametrized_types():
    assert D.list(D.int64()).dtype == D.int64()
    assert D.fixed_size_list(D.int8(), 3).size == 3
    assert D.fixed_size_list(D.int8(), 3).dtype == D.int8()
    assert D.fixed_size_binary(7).size == 7
    assert D.embedding(D.float32(), 3).dtype == D.float32()
    assert D.embedding(D.float32(), 3).size == 3
    assert D.tensor(D.float32(), (2, 3)).shape == (2, 3)
    assert D.tensor(D.uint8()).dtype == D.uint8()
    assert D.sparse_tensor(D.float32(), (2,)).shape == (2,)
    assert D.sparse_tensor(D.float32(), use_offset_indices=True).use_offset_indices is True
    assert D.image("RGB", 3, 4).shape == (3, 4)
    assert D.image("RGB", 3, 4).image_mode is ImageMode.RGB
    assert D.image().image_mode is None
    assert D.map(D.string(), D.int64()).key_type == D.string()
    assert D.map(D.string(), D.int64()).value_type == D.int64()
    assert D.struct({"a": D.int64()}).fields == {"a": D.int64()}
    assert D.timestamp("ms", "UTC").timeunit == TimeUnit.ms()
    assert D.timestamp("ms", "UTC").timezone == "UTC"
    assert D.decimal128(5, 2).precision == 5
    assert D.decimal128(5, 2).scale == 2
    u = D.union({"a": D.int64()}, [3], mode="dense")
    assert (u.union_fields, u.type_ids, u.union_mode) == ({"a": D.int64()}, [3], UnionMode.Dense)
    assert str(u.union_mode) == "Dense"


@pytest.mark.parametrize(
    "attribute", ["dtype", "size", "shape", "timeunit", "timezone", "precision", "fields"]
)
def test_a_parameter_the_type_lacks_is_an_attribute_error_naming_it(attribute):
    with pytest.raises(AttributeError, match=f"Int64 has no `{attribute}`"):
        getattr(D.int64(), attribute)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: D.decimal128(39, 2), "precision must be 1 to 38"),
        (lambda: D.fixed_size_list(D.int64(), 0), "size must be a positive integer"),
        (lambda: D.fixed_size_binary(-1), "size must be a positive integer"),
        (lambda: D.embedding(D.string(), 3), "element type must be numeric"),
        (lambda: D.embedding(D.float32(), 0), "size must be a positive integer"),
        (lambda: D.image("XYZ"), "image mode 'XYZ' is not supported"),
        (lambda: D.image("RGB", 10), "give both height and width"),
        (lambda: D.time("s"), "unit must be 'us' or 'ns'"),
        (lambda: D.timestamp("h"), "invalid time unit 'h'"),
        (lambda: D.tensor(D.float32(), (2, -1)), "shape must be a tuple"),
        (lambda: D.union({"a": D.int64()}, [0, 1]), "need 1 type_ids"),
        (lambda: D.union({"a": D.int64()}, [0], mode="wide"), "union mode 'wide'"),
        (lambda: D.list(object()), "cannot interpret"),
    ],
)
def test_bad_type_parameters_are_refused_with_the_reason(build, message):
    # Daft 0.7.26 accepts decimal128(39, 2) and fails later; refused here at once.
    with pytest.raises((ValueError, TypeError), match=message):
        build()


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (int, D.int64()),
        (float, D.float64()),
        (bool, D.bool()),
        (str, D.string()),
        (bytes, D.binary()),
        (datetime.datetime, D.timestamp("us")),
        (datetime.date, D.date()),
        (datetime.time, D.time("us")),
        (datetime.timedelta, D.duration("us")),
        (typing.Optional[int], D.int64()),
        (typing.Union[int, str], D.python()),
        (list[str], D.list(D.string())),
        (dict[str, int], D.map(D.string(), D.int64())),
        (tuple[int, str], D.struct({"_0": D.int64(), "_1": D.string()})),
        (tuple[int, ...], D.list(D.int64())),
        (np.float32, D.float32()),
        (object, D.python()),
    ],
)
def test_infer_from_type_reads_annotations_as_daft(annotation, expected):
    assert D.infer_from_type(annotation) == expected


def test_infer_from_type_reads_typed_dicts_as_structs():
    class Point(typing.TypedDict):
        x: float
        label: str

    assert D.infer_from_type(Point) == D.struct({"x": D.float64(), "label": D.string()})


def test_infer_from_object_and_numpy_dtypes():
    assert D.infer_from_object(np.int8(3)) == D.int8()
    assert D.infer_from_object({"a": 1}) == D.struct({"a": D.int64()})
    assert D.infer_from_object([1, 2]) == D.list(D.int64())
    assert D.infer_from_object(np.ones((2, 2))) == D.tensor(D.float64())
    assert D.infer_from_object({1, 2}) == D.python()
    assert D.from_numpy_dtype(np.dtype("float32")) == D.float32()
    assert D.from_numpy_dtype(np.dtype("datetime64[ns]")) == D.timestamp("ns")
    assert D.from_numpy_dtype(np.dtype("<U3")) == D.string()
    assert D.from_numpy_dtype(np.dtype("O")) == D.python()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("int", D.int32()),
        ("BIGINT", D.int64()),
        ("varchar", D.string()),
        ("double", D.float64()),
        ("real", D.float32()),
        ("boolean", D.bool()),
        ("date", D.date()),
        ("timestamp", D.timestamp("us")),
        ("decimal(10, 2)", D.decimal128(10, 2)),
        ("int[]", D.list(D.int32())),
        ("interval", D.interval()),
    ],
)
def test_from_sql_reads_sql_type_names_as_daft_sql_does(sql, expected):
    assert D.from_sql(sql) == expected


def test_from_sql_names_what_it_cannot_read():
    with pytest.raises(Exception, match="not supported"):
        D.from_sql("geometry")


def test_time_units_image_modes_and_formats():
    assert str(TimeUnit.from_str("milliseconds")) == "ms"
    assert repr(TimeUnit.us()) == "TimeUnit(us)"
    # Daft 0.7.26 compares TimeUnits by identity (from_str("ms") != ms()); equal here.
    assert TimeUnit.from_str("ms") == TimeUnit.ms()
    with pytest.raises(ValueError, match="invalid time unit"):
        TimeUnit.from_str("h")
    assert ImageMode.from_mode_string("RGBA16") is ImageMode.RGBA16
    assert str(ImageMode.RGB) == "RGB" and repr(ImageMode.RGB) == "ImageMode.RGB"
    assert [m.num_channels for m in ImageMode] == [1, 2, 3, 4, 1, 2, 3, 4, 3, 4]
    assert ImageFormat.from_format_string("jpg") is ImageFormat.JPEG
    with pytest.raises(ValueError, match="not supported"):
        ImageMode.from_mode_string("CMYK")


def test_an_extension_type_registered_elsewhere_is_the_same_named_extension():
    class Registered(pa.ExtensionType):
        def __init__(self) -> None:
            super().__init__(pa.binary(), "acme.uuid")

        def __arrow_ext_serialize__(self) -> bytes:
            return b""

        @classmethod
        def __arrow_ext_deserialize__(cls, storage_type, serialized):
            return cls()

    assert D.from_arrow_type(Registered()) == D.extension("acme.uuid", D.binary())
    assert D.from_arrow_type(Registered()) != D.extension("acme.uuid", D.binary(), "v2")
