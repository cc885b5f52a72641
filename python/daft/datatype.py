"""Data types of daft columns: Daft 0.7.26's types, each backed by an Arrow type.

Types Arrow has (integers, strings, lists, timestamps, ...) are those Arrow types;
Daft's logical types (tensors, embeddings, images, Python objects, UUIDs) are Arrow
extension types encoded as Daft encodes them (see :mod:`daft._logical`), so files
and Arrow streams pass between this engine and Daft unchanged.
"""

from __future__ import annotations

import builtins
import math
import typing
from typing import TYPE_CHECKING, Any, ClassVar

from daft._lazy import LazyModule
from daft._type_params import ImageFormat, ImageMode, TimeUnit, UnionMode, image_mode_of, unit_name

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa

__all__ = [
    "DataType",
    "DataTypeLike",
    "ImageFormat",
    "ImageMode",
    "TimeUnit",
    "UnionMode",
    "get_super_ext_type",
]

# pyarrow's side of Daft's types (extension classes, serde); loads pyarrow.
_logical: Any = LazyModule("daft._logical")


def _positive(value: Any, what: str) -> int:
    if isinstance(value, builtins.bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return value


def _shape(shape: Any, what: str) -> tuple[int, ...]:
    if not isinstance(shape, (tuple, builtins.list)) or not all(
        isinstance(d, int) and not isinstance(d, builtins.bool) and d >= 0 for d in shape
    ):
        raise ValueError(f"{what}: shape must be a tuple of non-negative integers, got {shape!r}")
    return tuple(shape)


def _dt(value: Any, what: str) -> DataType:
    if isinstance(value, DataType):
        return value
    raise TypeError(f"{what} must be a daft.DataType, got {value!r}")


# The variants of Daft's logical types (daft.super_extension) and Arrow's canonical
# extensions that Daft's is_logical() counts, besides date/time/timestamp/duration/map.
_LOGICAL_VARIANTS = {
    "Embedding",
    "Image",
    "FixedShapeImage",
    "Tensor",
    "FixedShapeTensor",
    "SparseTensor",
    "FixedShapeSparseTensor",
    "File",
}


class DataType:
    """A column's data type, e.g. ``DataType.int64()`` or ``DataType.list(DataType.string())``.

    Each type is backed by an Arrow type (:meth:`to_arrow_dtype`); Daft's logical types
    (tensor, embedding, image, python, uuid) are Arrow extension types encoded as Daft
    encodes them. Types compare equal when they are the same Daft type, whatever the
    Arrow layout (``string`` and ``large_string`` are both ``String``).
    """

    __slots__ = ("_dtype",)

    # The argument-free types, also usable without the call: ``DataType.int64``.
    int8: ClassVar[_CallableSingleton]
    int16: ClassVar[_CallableSingleton]
    int32: ClassVar[_CallableSingleton]
    int64: ClassVar[_CallableSingleton]
    uint8: ClassVar[_CallableSingleton]
    uint16: ClassVar[_CallableSingleton]
    uint32: ClassVar[_CallableSingleton]
    uint64: ClassVar[_CallableSingleton]
    float16: ClassVar[_CallableSingleton]
    float32: ClassVar[_CallableSingleton]
    float64: ClassVar[_CallableSingleton]
    bool: ClassVar[_CallableSingleton]
    string: ClassVar[_CallableSingleton]
    binary: ClassVar[_CallableSingleton]
    null: ClassVar[_CallableSingleton]
    date: ClassVar[_CallableSingleton]
    interval: ClassVar[_CallableSingleton]
    python: ClassVar[_CallableSingleton]
    uuid: ClassVar[_CallableSingleton]

    def __init__(self, arrow_type: pa.DataType) -> None:
        if not isinstance(arrow_type, pa.DataType):
            raise TypeError(
                "build a DataType with its constructors (DataType.int64(), ...) or "
                f"DataType.from_arrow_type(); got {type(arrow_type).__name__}"
            )
        self._dtype = arrow_type

    # --- Arrow -----------------------------------------------------------
    @classmethod
    def from_arrow_type(
        cls, arrow_type: pa.DataType, python_fallback: builtins.bool = True
    ) -> DataType:
        """The Daft type of an Arrow type. Dictionary-encoded types are their value
        type, as the engine decodes them on entry. ``python_fallback`` is accepted
        for Daft compatibility: every Arrow type has a Daft type here."""
        if isinstance(arrow_type, pa.Field):
            return cls(_logical.from_field(arrow_type))
        if not isinstance(arrow_type, pa.DataType):
            raise TypeError(f"from_arrow_type takes a pyarrow.DataType, got {arrow_type!r}")
        if pa.types.is_dictionary(arrow_type):
            return cls.from_arrow_type(arrow_type.value_type)
        return cls(arrow_type)

    @classmethod
    def _from_field(cls, field: pa.Field) -> DataType:
        return cls(_logical.from_field(field))

    def to_arrow_dtype(self) -> pa.DataType:
        """The Arrow type (an extension type for Daft's logical types)."""
        return self._dtype

    def __arrow_c_schema__(self) -> object:
        return self._dtype.__arrow_c_schema__()

    @classmethod
    def from_numpy_dtype(cls, np_type: Any) -> DataType:
        """The Daft type of a numpy dtype (``float32`` → Float32, ``<U`` → String,
        ``object`` → Python)."""
        import numpy as np

        np_type = np.dtype(np_type)
        if np_type.kind in ("U", "S"):
            return cls.string() if np_type.kind == "U" else cls.binary()
        if np_type.kind == "O":
            return cls.python()
        try:
            return cls.from_arrow_type(pa.from_numpy_dtype(np_type))
        except (pa.ArrowNotImplementedError, TypeError) as e:
            raise TypeError(f"numpy dtype {np_type} has no Daft type: {e}") from None

    @classmethod
    def from_sql(cls, sql_type: str) -> DataType:
        """The type a SQL type name means (``"BIGINT"``, ``"VARCHAR"``,
        ``"DECIMAL(10, 2)"``, ``"INT[]"``), as in ``CAST`` in :func:`daft.sql`."""
        from daft.daft import sql_datatype

        return cls.from_arrow_type(pa.schema(sql_datatype(sql_type)).field(0).type)

    @classmethod
    def _infer(cls, value: Any) -> DataType:
        """A DataType from what users pass where one is expected: a DataType, a
        pyarrow type, a Python type (``int``, ``list[str]``) or a SQL type name."""
        if isinstance(value, DataType):
            return value
        if isinstance(value, pa.DataType):
            return cls.from_arrow_type(value)
        if isinstance(value, str):
            return cls.from_sql(value)
        if isinstance(value, type) or typing.get_origin(value) is not None:
            return cls.infer_from_type(value)
        raise TypeError(f"cannot interpret {value!r} as a DataType")

    # --- constructors ------------------------------------------------------
    @classmethod
    def fixed_size_binary(cls, size: int) -> DataType:
        """Binary values of exactly ``size`` bytes."""
        return cls(pa.binary(_positive(size, "fixed_size_binary: size")))

    @classmethod
    def decimal128(cls, precision: int, scale: int) -> DataType:
        """Decimals of ``precision`` digits (1 to 38), ``scale`` of them after the point."""
        if not isinstance(precision, int) or not 1 <= precision <= 38:
            raise ValueError(f"decimal128: precision must be 1 to 38, got {precision!r}")
        if not isinstance(scale, int) or not -128 <= scale <= precision:
            raise ValueError(
                f"decimal128: scale must be an integer no larger than the precision "
                f"({precision}), got {scale!r}"
            )
        return cls(pa.decimal128(precision, scale))

    @classmethod
    def time(cls, timeunit: TimeUnit | str) -> DataType:
        """Times of day, in microseconds or nanoseconds."""
        unit = unit_name(timeunit)
        if unit not in ("us", "ns"):
            raise ValueError(f"time: the unit must be 'us' or 'ns', got {unit!r}")
        return cls(pa.time64(unit))

    @classmethod
    def timestamp(cls, timeunit: TimeUnit | str = "us", timezone: str | None = None) -> DataType:
        """Instants in ``timeunit``; with ``timezone`` (``"UTC"``, ``"+01:00"``,
        ``"Europe/Paris"``) they are shown in that zone."""
        return cls(pa.timestamp(unit_name(timeunit), tz=timezone))

    @classmethod
    def duration(cls, timeunit: TimeUnit | str = "us") -> DataType:
        """Lengths of time in ``timeunit``."""
        return cls(pa.duration(unit_name(timeunit)))

    @classmethod
    def list(cls, dtype: DataType) -> DataType:
        """Lists of any length of ``dtype`` values."""
        return cls(pa.list_(cls._infer(dtype)._dtype))

    @classmethod
    def fixed_size_list(cls, dtype: DataType, size: int) -> DataType:
        """Lists of exactly ``size`` ``dtype`` values."""
        size = _positive(size, "fixed_size_list: size")
        return cls(pa.list_(cls._infer(dtype)._dtype, size))

    @classmethod
    def struct(cls, fields: dict[str, DataType]) -> DataType:
        """Records with the named fields."""
        if not isinstance(fields, dict):
            raise TypeError(f"struct takes a dict of field name to DataType, got {fields!r}")
        return cls(pa.struct([(k, cls._infer(v)._dtype) for k, v in fields.items()]))

    @classmethod
    def map(cls, key_type: DataType, value_type: DataType) -> DataType:
        """Maps from ``key_type`` to ``value_type`` (lists of key-value pairs)."""
        return cls(pa.map_(cls._infer(key_type)._dtype, cls._infer(value_type)._dtype))

    @classmethod
    def union(
        cls,
        fields: dict[str, DataType],
        type_ids: builtins.list[int],
        mode: str | UnionMode = "sparse",
    ) -> DataType:
        """Values that are each of one of the named ``fields``' types."""
        mode = (mode if isinstance(mode, UnionMode) else UnionMode.from_mode_string(mode)).value
        if len(type_ids) != len(fields):
            raise ValueError(
                f"union: {len(fields)} fields need {len(fields)} type_ids, got {list(type_ids)}"
            )
        arrow_fields = [pa.field(k, cls._infer(v)._dtype) for k, v in fields.items()]
        return cls(pa.union(arrow_fields, mode, list(type_ids)))

    @classmethod
    def extension(cls, name: str, storage_dtype: DataType, metadata: str | None = None) -> DataType:
        """A named extension type stored as ``storage_dtype`` (plugin types are these).

        For an extension type a loaded plugin declares, ``storage_dtype`` must be the storage
        type it declared (else ``ValueError``: a column labelled with the type but stored
        otherwise would reach the plugin's functions as something they cannot read), and
        ``metadata`` defaults to the plugin's."""
        storage = _dt(storage_dtype, "storage_dtype")._dtype
        declared = _plugin_extension_type(name)
        if declared is not None:
            if declared.type != storage:
                raise ValueError(
                    f"DataType.extension: the extension type {name} is declared by a loaded "
                    f"plugin with storage {cls(declared.type)}, not {cls(storage)}"
                )
            if metadata is None:
                metadata = (declared.metadata or {}).get(b"ARROW:extension:metadata", b"").decode()
        return cls(_logical.NamedExtensionType(name, storage, metadata))

    @classmethod
    def embedding(cls, dtype: DataType, size: int) -> DataType:
        """A vector of ``size`` numbers per row."""
        inner = _dt(dtype, "embedding: dtype")
        if not inner.is_numeric():
            raise ValueError(f"embedding: the element type must be numeric, got {inner}")
        size = _positive(size, "embedding: size")
        return _daft(
            pa.list_(inner._dtype, size), {"Embedding": [_logical.serde(inner._dtype), size]}
        )

    @classmethod
    def tensor(cls, dtype: DataType, shape: tuple[int, ...] | None = None) -> DataType:
        """An n-dimensional array of ``dtype`` per row; with ``shape``, every row has it."""
        inner = _dt(dtype, "tensor: dtype")._dtype
        if shape is None:
            storage = pa.struct(
                [("data", pa.large_list(inner)), ("shape", pa.large_list(pa.uint64()))]
            )
            return _daft(storage, {"Tensor": _logical.serde(inner)})
        shape = _shape(shape, "tensor")
        return cls(pa.fixed_shape_tensor(inner, builtins.list(shape)))

    @classmethod
    def sparse_tensor(
        cls,
        dtype: DataType,
        shape: tuple[int, ...] | None = None,
        use_offset_indices: builtins.bool = False,
    ) -> DataType:
        """A sparse tensor per row: its non-zero values and their indices (flat
        positions, or gaps between them with ``use_offset_indices``)."""
        inner = _dt(dtype, "sparse_tensor: dtype")._dtype
        values = ("values", pa.large_list(inner))
        element = _logical.serde(inner)
        if shape is None:
            storage = pa.struct(
                [
                    values,
                    ("indices", pa.large_list(pa.uint64())),
                    ("shape", pa.large_list(pa.uint64())),
                ]
            )
            return _daft(storage, {"SparseTensor": [element, use_offset_indices]})
        shape = _shape(shape, "sparse_tensor")
        size = math.prod(shape)
        index = _index_type(size)
        storage = pa.struct([values, ("indices", pa.large_list(index))])
        return _daft(
            storage,
            {"FixedShapeSparseTensor": [element, builtins.list(shape), use_offset_indices]},
        )

    @classmethod
    def image(
        cls,
        mode: str | ImageMode | None = None,
        height: int | None = None,
        width: int | None = None,
    ) -> DataType:
        """Images: of any mode and size, of one ``mode``, or of one mode and size."""
        m = image_mode_of(mode)
        if (height is None) != (width is None):
            raise ValueError(
                "image: give both height and width, or neither; "
                f"got height={height!r}, width={width!r}"
            )
        if height is not None:
            if m is None:
                raise ValueError("image: a fixed height and width need a mode too")
            h = _positive(height, "image: height")
            w = _positive(width, "image: width")
            storage = pa.list_(m._pixel_type(), h * w * m.num_channels)
            return _daft(storage, {"FixedShapeImage": [m.value, h, w]})
        pixels = m._pixel_type() if m is not None else pa.uint8()
        storage = pa.struct(
            [
                ("data", pa.large_list(pixels)),
                ("channel", pa.uint16()),
                ("height", pa.uint32()),
                ("width", pa.uint32()),
                ("mode", pa.uint8()),
            ]
        )
        return _daft(storage, {"Image": m.value if m is not None else None})

    @classmethod
    def infer_from_type(cls, t: Any) -> DataType:
        """The Daft type of a Python type or annotation (``int``, ``list[str]``,
        ``Optional[float]``, ``dict[str, int]``, ``tuple[int, str]``, a TypedDict,
        ``np.ndarray``), as ``@daft.func`` reads return annotations."""
        from daft._infer import infer_from_type

        return infer_from_type(t)

    @classmethod
    def infer_from_object(cls, obj: Any) -> DataType:
        """The Daft type of a Python value, as ``from_pylist`` would give it."""
        from daft._infer import infer_from_object

        return infer_from_object(obj)

    # --- predicates --------------------------------------------------------
    def _variant(self) -> str | None:
        return _variant(self._dtype)

    def _plain(self) -> pa.DataType | None:
        """The Arrow type, or None for an extension type."""
        return None if isinstance(self._dtype, pa.BaseExtensionType) else self._dtype

    def _is(self, check: Any) -> builtins.bool:
        t = self._plain()
        return t is not None and check(t)

    def is_null(self) -> builtins.bool:
        return self._is(pa.types.is_null)

    def is_boolean(self) -> builtins.bool:
        return self._is(pa.types.is_boolean)

    def is_int8(self) -> builtins.bool:
        return self._is(pa.types.is_int8)

    def is_int16(self) -> builtins.bool:
        return self._is(pa.types.is_int16)

    def is_int32(self) -> builtins.bool:
        return self._is(pa.types.is_int32)

    def is_int64(self) -> builtins.bool:
        return self._is(pa.types.is_int64)

    def is_uint8(self) -> builtins.bool:
        return self._is(pa.types.is_uint8)

    def is_uint16(self) -> builtins.bool:
        return self._is(pa.types.is_uint16)

    def is_uint32(self) -> builtins.bool:
        return self._is(pa.types.is_uint32)

    def is_uint64(self) -> builtins.bool:
        return self._is(pa.types.is_uint64)

    def is_float16(self) -> builtins.bool:
        return self._is(pa.types.is_float16)

    def is_float32(self) -> builtins.bool:
        return self._is(pa.types.is_float32)

    def is_float64(self) -> builtins.bool:
        return self._is(pa.types.is_float64)

    def is_integer(self) -> builtins.bool:
        """Signed or unsigned integers."""
        return self._is(pa.types.is_integer)

    def is_numeric(self) -> builtins.bool:
        """Integers and floats (not decimals, as in Daft)."""
        return self._is(lambda t: pa.types.is_integer(t) or pa.types.is_floating(t))

    def is_decimal128(self) -> builtins.bool:
        return self._is(pa.types.is_decimal128)

    def is_string(self) -> builtins.bool:
        return self._is(lambda t: pa.types.is_string(t) or pa.types.is_large_string(t))

    def is_binary(self) -> builtins.bool:
        """Variable-length binary (not fixed-size)."""
        return self._is(lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t))

    def is_fixed_size_binary(self) -> builtins.bool:
        return self._is(pa.types.is_fixed_size_binary)

    def is_date(self) -> builtins.bool:
        return self._is(pa.types.is_date)

    def is_time(self) -> builtins.bool:
        return self._is(pa.types.is_time)

    def is_timestamp(self) -> builtins.bool:
        return self._is(pa.types.is_timestamp)

    def is_duration(self) -> builtins.bool:
        return self._is(pa.types.is_duration)

    def is_interval(self) -> builtins.bool:
        return self._is(pa.types.is_interval)

    def is_temporal(self) -> builtins.bool:
        """Dates and timestamps (as in Daft, not times or durations)."""
        return self.is_date() or self.is_timestamp()

    def is_list(self) -> builtins.bool:
        """Variable-length lists (not fixed-size)."""
        return self._is(lambda t: pa.types.is_list(t) or pa.types.is_large_list(t))

    def is_fixed_size_list(self) -> builtins.bool:
        return self._is(pa.types.is_fixed_size_list)

    def is_struct(self) -> builtins.bool:
        return self._is(pa.types.is_struct)

    def is_map(self) -> builtins.bool:
        return self._is(pa.types.is_map)

    def is_union(self) -> builtins.bool:
        return self._is(pa.types.is_union)

    def is_extension(self) -> builtins.bool:
        """A named extension type (not one of Daft's logical types)."""
        return isinstance(self._dtype, _logical.NamedExtensionType)

    def is_python(self) -> builtins.bool:
        return self._variant() == "Python"

    def is_uuid(self) -> builtins.bool:
        return self._variant() == "Uuid"

    def is_embedding(self) -> builtins.bool:
        return self._variant() == "Embedding"

    def is_tensor(self) -> builtins.bool:
        """A tensor whose shape varies by row."""
        return self._variant() == "Tensor"

    def is_fixed_shape_tensor(self) -> builtins.bool:
        return self._variant() == "FixedShapeTensor"

    def is_sparse_tensor(self) -> builtins.bool:
        return self._variant() == "SparseTensor"

    def is_fixed_shape_sparse_tensor(self) -> builtins.bool:
        return self._variant() == "FixedShapeSparseTensor"

    def is_image(self) -> builtins.bool:
        """Images whose size varies by row."""
        return self._variant() == "Image"

    def is_fixed_shape_image(self) -> builtins.bool:
        return self._variant() == "FixedShapeImage"

    def is_logical(self) -> builtins.bool:
        """Whether the type is a Daft logical type over a physical one (dates,
        timestamps, times, durations, maps, tensors, embeddings, images, UUIDs)."""
        if self._variant() in _LOGICAL_VARIANTS or self.is_uuid():
            return True
        return self._is(
            lambda t: (
                pa.types.is_date(t)
                or pa.types.is_timestamp(t)
                or pa.types.is_time(t)
                or pa.types.is_duration(t)
                or pa.types.is_map(t)
            )
        )

    # --- parameters --------------------------------------------------------
    def _missing(self, what: str) -> AttributeError:
        return AttributeError(f"DataType {self!r} has no `{what}`")

    @property
    def dtype(self) -> DataType:
        """The element type of a list, fixed-size list, embedding, tensor or sparse tensor."""
        t, v = self._dtype, self._variant()
        if v in ("Embedding", "FixedShapeTensor"):
            return DataType._from_field(t.storage_type.value_field)
        if v == "Tensor":
            return DataType._from_field(t.storage_type.field("data").type.value_field)
        if v in ("SparseTensor", "FixedShapeSparseTensor"):
            return DataType._from_field(t.storage_type.field("values").type.value_field)
        if self.is_list() or self.is_fixed_size_list():
            return DataType._from_field(t.value_field)
        raise self._missing("dtype")

    @property
    def size(self) -> int:
        """The length of a fixed-size list, fixed-size binary or embedding."""
        if self.is_fixed_size_list():
            return self._dtype.list_size
        if self.is_fixed_size_binary():
            return self._dtype.byte_width
        if self.is_embedding():
            return self._dtype.storage_type.list_size
        raise self._missing("size")

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of a fixed-shape tensor or sparse tensor, or (height, width) of
        a fixed-shape image."""
        v = self._variant()
        if v == "FixedShapeTensor":
            return _fixed_shape(self._dtype)
        if v == "FixedShapeSparseTensor":
            return tuple(self._dtype.payload[1])
        if v == "FixedShapeImage":
            return tuple(self._dtype.payload[1:3])
        raise self._missing("shape")

    @property
    def use_offset_indices(self) -> builtins.bool:
        """Whether a sparse tensor stores its indices as gaps."""
        v = self._variant()
        if v == "SparseTensor":
            return self._dtype.payload[1]
        if v == "FixedShapeSparseTensor":
            return self._dtype.payload[2]
        raise self._missing("use_offset_indices")

    @property
    def image_mode(self) -> ImageMode | None:
        """An image type's mode (None for images of mixed modes)."""
        v = self._variant()
        if v == "Image":
            return image_mode_of(self._dtype.payload)
        if v == "FixedShapeImage":
            return ImageMode(self._dtype.payload[0])
        raise self._missing("image_mode")

    @property
    def timeunit(self) -> TimeUnit:
        """The unit of a time, timestamp or duration."""
        if self.is_time() or self.is_timestamp() or self.is_duration():
            return TimeUnit._of(self._dtype.unit)
        raise self._missing("timeunit")

    @property
    def timezone(self) -> str | None:
        """A timestamp's time zone, or None."""
        if self.is_timestamp():
            return self._dtype.tz
        raise self._missing("timezone")

    @property
    def precision(self) -> int:
        if self.is_decimal128():
            return self._dtype.precision
        raise self._missing("precision")

    @property
    def scale(self) -> int:
        if self.is_decimal128():
            return self._dtype.scale
        raise self._missing("scale")

    @property
    def fields(self) -> dict[str, DataType]:
        """A struct's fields by name."""
        if self.is_struct():
            return {f.name: DataType._from_field(f) for f in self._dtype}
        raise self._missing("fields")

    @property
    def key_type(self) -> DataType:
        """A map's key type."""
        if self.is_map():
            return DataType._from_field(self._dtype.key_field)
        raise self._missing("key_type")

    @property
    def value_type(self) -> DataType:
        """A map's value type."""
        if self.is_map():
            return DataType._from_field(self._dtype.item_field)
        raise self._missing("value_type")

    @property
    def union_fields(self) -> dict[str, DataType]:
        if self.is_union():
            return {f.name: DataType._from_field(f) for f in self._dtype}
        raise self._missing("union_fields")

    @property
    def type_ids(self) -> builtins.list[int]:
        if self.is_union():
            return builtins.list(self._dtype.type_codes)
        raise self._missing("type_ids")

    @property
    def union_mode(self) -> UnionMode:
        if self.is_union():
            return UnionMode(self._dtype.mode)
        raise self._missing("union_mode")

    # --- identity ----------------------------------------------------------
    def _key(self) -> Any:
        return _key(self._dtype)

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, DataType) and self._key() == other._key()

    def __ne__(self, other: object) -> builtins.bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        from daft.daft import display_type

        return display_type(pa.field("", self._dtype))

    __str__ = __repr__

    def __reduce__(self) -> Any:
        return DataType, (self._dtype,)


class _CallableSingleton(DataType):
    """An argument-free type that is also its own constructor, so both
    ``DataType.int64`` and ``DataType.int64()`` work, as in Daft.

    It builds its Arrow type on first use: the class attributes exist from
    ``import daft`` on, and pyarrow is not imported until a type is looked at.
    """

    __slots__ = ("_factory", "_arrow")

    def __init__(self, factory: typing.Callable[[], pa.DataType]) -> None:
        self._factory = factory
        self._arrow: pa.DataType | None = None

    @property  # type: ignore[override]
    def _dtype(self) -> pa.DataType:
        if self._arrow is None:
            self._arrow = self._factory()
        return self._arrow

    def __call__(self) -> DataType:
        return self

    def __reduce__(self) -> Any:
        return DataType, (self._dtype,)


def _daft(storage: pa.DataType, datatype: Any) -> DataType:
    return DataType(_logical.DaftExtensionType(storage, datatype))


def _index_type(size: int) -> pa.DataType:
    """The unsigned type of a fixed-shape sparse tensor's indices: the smallest that
    holds every flat position, as Daft chooses it."""
    for bits, t in ((8, pa.uint8), (16, pa.uint16), (32, pa.uint32)):
        if size <= 1 << bits:
            return t()
    return pa.uint64()


for _name, _factory in {
    "int8": lambda: pa.int8(),
    "int16": lambda: pa.int16(),
    "int32": lambda: pa.int32(),
    "int64": lambda: pa.int64(),
    "uint8": lambda: pa.uint8(),
    "uint16": lambda: pa.uint16(),
    "uint32": lambda: pa.uint32(),
    "uint64": lambda: pa.uint64(),
    "float16": lambda: pa.float16(),
    "float32": lambda: pa.float32(),
    "float64": lambda: pa.float64(),
    "bool": lambda: pa.bool_(),
    "string": lambda: pa.string(),
    "binary": lambda: pa.binary(),
    "null": lambda: pa.null(),
    "date": lambda: pa.date32(),
    "interval": lambda: pa.month_day_nano_interval(),
    "python": lambda: _logical.DaftExtensionType(pa.large_binary(), "Python"),
    "uuid": lambda: pa.uuid(),
}.items():
    setattr(DataType, _name, _CallableSingleton(_factory))


def _variant(t: pa.DataType) -> str | None:
    """The Daft logical type an extension type is (``Tensor``, ``Uuid``, ...)."""
    if isinstance(t, _logical.DaftExtensionType):
        return t.variant
    if isinstance(t, pa.BaseExtensionType):
        return {"arrow.fixed_shape_tensor": "FixedShapeTensor", "arrow.uuid": "Uuid"}.get(
            t.extension_name
        )
    return None


def _fixed_shape(t: pa.DataType) -> tuple[int, ...]:
    # Daft writes fixed-shape tensors to files as its own extension, and gives
    # them to Arrow as arrow.fixed_shape_tensor; both are one type.
    return tuple(t.payload[1]) if isinstance(t, _logical.DaftExtensionType) else tuple(t.shape)


def _extension_metadata(t: pa.BaseExtensionType) -> str:
    if isinstance(t, _logical.NamedExtensionType):
        return t.metadata or ""
    serialize = getattr(t, "__arrow_ext_serialize__", None)
    if serialize is None:
        return str(t)  # a C++ extension of pyarrow's: its text names its parameters
    raw = serialize()
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _key(t: pa.DataType) -> Any:
    """What makes two Arrow types the same Daft type: Arrow's layout variants
    (32/64-bit offsets, views, dictionaries, the two encodings of a fixed-shape
    tensor) do not count."""
    variant = _variant(t)
    if variant == "FixedShapeTensor":
        element = _logical.from_field(t.storage_type.value_field)
        return ("tensor", _key(element), _fixed_shape(t))
    if variant == "Uuid":
        return "UUID"
    if isinstance(t, _logical.DaftExtensionType):
        return ("daft", repr(t.datatype), _key(t.storage_type) if t.datatype is None else None)
    if isinstance(t, pa.BaseExtensionType):
        # A named extension, however pyarrow holds it: ours, a class registered by
        # another library, or one of Arrow's other canonical extensions.
        return ("ext", t.extension_name, _key(t.storage_type), _extension_metadata(t))
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "String"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return "Binary"
    if pa.types.is_dictionary(t):
        return _key(t.value_type)
    if pa.types.is_fixed_size_list(t):
        return ("fixed_size_list", _key(_logical.from_field(t.value_field)), t.list_size)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return ("list", _key(_logical.from_field(t.value_field)))
    if pa.types.is_map(t):
        return (
            "map",
            _key(_logical.from_field(t.key_field)),
            _key(_logical.from_field(t.item_field)),
        )
    if pa.types.is_struct(t):
        return ("struct", tuple((f.name, _key(_logical.from_field(f))) for f in t))
    return str(t)


def get_super_ext_type() -> type[pa.ExtensionType]:
    """The pyarrow extension type class of Daft's logical types
    (``daft.super_extension``), as Daft names it."""
    return _logical.DaftExtensionType


#: What functions accept where a type is expected: a DataType, a pyarrow type, a
#: Python type or annotation (``int``, ``list[str]``), or a SQL type name.
DataTypeLike = typing.Union[DataType, "pa.DataType", type, str]


def _plugin_extension_type(name: str) -> Any:
    """The field describing the extension type ``name`` of a loaded plugin, if any."""
    from daft.daft import plugin_extension_types

    schema = pa.schema(plugin_extension_types())
    return next((f for f in schema if f.name == name), None)
