"""Daft's logical types as pyarrow extension types, with Daft 0.7.26's encoding.

Arrow has no tensor, embedding, image or Python-object type. Daft keeps them as
Arrow storage under the extension name ``daft.super_extension`` with JSON metadata
``{"datatype": <Daft's serde form of the type>, ...}``, and uses Arrow's canonical
``arrow.fixed_shape_tensor`` and ``arrow.uuid`` where they exist. This module uses
the same names, storage layouts and JSON, so Parquet files and Arrow streams pass
between this engine and Daft unchanged. The engine itself only reads the metadata
to name the type (``host/daft-core/src/logical.rs``).
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import pyarrow as pa

DAFT_EXTENSION = "daft.super_extension"

# Daft's serde names of the Arrow types that can be the element of a logical type.
_PRIMITIVE_SERDE = {
    pa.int8(): "Int8",
    pa.int16(): "Int16",
    pa.int32(): "Int32",
    pa.int64(): "Int64",
    pa.uint8(): "UInt8",
    pa.uint16(): "UInt16",
    pa.uint32(): "UInt32",
    pa.uint64(): "UInt64",
    pa.float16(): "Float16",
    pa.float32(): "Float32",
    pa.float64(): "Float64",
    pa.bool_(): "Boolean",
    pa.string(): "Utf8",
    pa.large_string(): "Utf8",
    pa.binary(): "Binary",
    pa.large_binary(): "Binary",
    pa.null(): "Null",
    pa.date32(): "Date",
    pa.month_day_nano_interval(): "Interval",
}
_UNIT_SERDE = {"s": "Seconds", "ms": "Milliseconds", "us": "Microseconds", "ns": "Nanoseconds"}


def serde(t: pa.DataType) -> Any:
    """Daft's serde (JSON) form of a type, as Daft writes it inside the metadata of
    a logical type (``{"Tensor": "Float32"}``)."""
    if isinstance(t, DaftExtensionType):
        return t.datatype
    if isinstance(t, pa.BaseExtensionType):
        if t.extension_name == "arrow.uuid":
            return "Uuid"
        if t.extension_name == "arrow.fixed_shape_tensor":
            return {"FixedShapeTensor": [serde(t.value_type), list(t.shape)]}
        return {"Extension": [t.extension_name, serde(t.storage_type), None]}
    if t in _PRIMITIVE_SERDE:
        return _PRIMITIVE_SERDE[t]
    if pa.types.is_fixed_size_binary(t):
        return {"FixedSizeBinary": t.byte_width}
    if pa.types.is_time(t):
        return {"Time": _UNIT_SERDE[t.unit]}
    if pa.types.is_timestamp(t):
        return {"Timestamp": [_UNIT_SERDE[t.unit], t.tz]}
    if pa.types.is_duration(t):
        return {"Duration": _UNIT_SERDE[t.unit]}
    if pa.types.is_decimal(t):
        return {"Decimal128": [t.precision, t.scale]}
    if pa.types.is_fixed_size_list(t):
        return {"FixedSizeList": [serde(t.value_type), t.list_size]}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return {"List": serde(t.value_type)}
    if pa.types.is_map(t):
        return {"Map": {"key": serde(t.key_type), "value": serde(t.item_type)}}
    if pa.types.is_struct(t):
        return {"Struct": [{"name": f.name, "dtype": serde(f.type), "metadata": {}} for f in t]}
    raise TypeError(f"{t} cannot be the element type of a tensor, embedding or image")


class DaftExtensionType(pa.ExtensionType):
    """One of Daft's logical types (``daft.super_extension``): the storage type and
    Daft's serde form of the logical type (``{"Tensor": "Float32"}``, ``"Python"``)."""

    def __init__(self, storage_type: pa.DataType, datatype: Any) -> None:
        # Set before the base initializer, which serializes the type.
        self.datatype = datatype
        super().__init__(storage_type, DAFT_EXTENSION)

    @property
    def variant(self) -> str:
        """The logical type's name in Daft's serde form: ``Tensor``, ``Python``, ..."""
        d = self.datatype
        return d if isinstance(d, str) else next(iter(d)) if isinstance(d, dict) and d else ""

    @property
    def payload(self) -> Any:
        d = self.datatype
        return d[self.variant] if isinstance(d, dict) else None

    def __arrow_ext_serialize__(self) -> bytes:
        from daft.daft import __version__

        # Daft 0.7.26 refuses metadata without both version fields.
        body = {
            "datatype": self.datatype,
            "daft_version": __version__,
            "daft_build_type": "release",
        }
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: pa.DataType, serialized: bytes) -> Any:
        try:
            datatype = json.loads(serialized)["datatype"]
        except (ValueError, KeyError, TypeError):
            # Metadata from a future Daft that this engine cannot read: keep the
            # column, typed by its storage, rather than failing the whole read.
            datatype = None
        return cls(storage_type, datatype)

    def __arrow_ext_scalar_class__(self) -> type:
        return DaftExtensionScalar

    def __reduce__(self) -> Any:
        return DaftExtensionType, (self.storage_type, self.datatype)


class DaftExtensionScalar(pa.ExtensionScalar):
    """A value of a Daft logical type, converted to Python as Daft converts it."""

    def as_py(self, **kwargs: Any) -> Any:
        return to_python(self.type, self.value)


def to_python(t: DaftExtensionType, storage: pa.Scalar | None) -> Any:
    """The Python value of one row of a logical type: numpy arrays for tensors,
    embeddings and images, the unpickled object for Python values."""
    if storage is None or not storage.is_valid:
        return None
    variant = t.variant
    if variant == "Python":
        return pickle.loads(storage.as_py())
    if variant == "Embedding":
        return storage.values.to_numpy(zero_copy_only=False)
    if variant == "FixedShapeTensor":
        shape = t.payload[1]
        return storage.values.to_numpy(zero_copy_only=False).reshape(shape)
    if variant == "Tensor":
        data = storage["data"].values.to_numpy(zero_copy_only=False)
        shape = storage["shape"].as_py()
        return data.reshape(shape)
    if variant in ("SparseTensor", "FixedShapeSparseTensor"):
        out = {
            "values": storage["values"].values.to_numpy(zero_copy_only=False),
            "indices": storage["indices"].values.to_numpy(zero_copy_only=False),
        }
        out["shape"] = storage["shape"].as_py() if variant == "SparseTensor" else list(t.payload[1])
        return out
    if variant == "Image":
        data = storage["data"].values.to_numpy(zero_copy_only=False)
        h, w, c = storage["height"].as_py(), storage["width"].as_py(), storage["channel"].as_py()
        return data.reshape((h, w, c))
    if variant == "FixedShapeImage":
        mode, h, w = t.payload
        return storage.values.to_numpy(zero_copy_only=False).reshape((h, w, -1))
    return storage.as_py()


class NamedExtensionType(pa.ExtensionType):
    """Any other extension type (a plugin's ``geo.point``, ``DataType.extension``):
    a name, a storage type and opaque metadata. Not registered with pyarrow, so
    such columns leave the engine as their storage with field metadata, as they
    always have."""

    def __init__(self, name: str, storage_type: pa.DataType, metadata: str | None) -> None:
        self.metadata = metadata
        super().__init__(storage_type, name)

    def __arrow_ext_serialize__(self) -> bytes:
        return (self.metadata or "").encode()

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: pa.DataType, serialized: bytes) -> Any:
        raise NotImplementedError("NamedExtensionType is never registered with pyarrow")

    def __reduce__(self) -> Any:
        return NamedExtensionType, (self.extension_name, self.storage_type, self.metadata)


def register() -> None:
    """Registers ``daft.super_extension`` with pyarrow, so columns of Daft's logical
    types come back from the engine, Parquet and IPC as their logical types."""
    try:
        pa.register_extension_type(DaftExtensionType(pa.null(), "Null"))
    except pa.ArrowKeyError:
        pass  # already registered (a reload of this module)


def from_field(field: pa.Field) -> pa.DataType:
    """The field's type with the extension types pyarrow left as field metadata
    (names it has no class for, such as plugin types) made explicit, also in
    children."""
    meta = field.metadata or {}
    name = meta.get(b"ARROW:extension:name")
    t = field.type
    if name is not None and not isinstance(t, pa.BaseExtensionType):
        raw = meta.get(b"ARROW:extension:metadata")
        return NamedExtensionType(
            name.decode(), from_field(pa.field("", t)), raw.decode() if raw is not None else None
        )
    return _with_children(t)


def _with_children(t: pa.DataType) -> pa.DataType:
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, from_field(f), f.nullable) for f in t])
    if pa.types.is_large_list(t):
        return pa.large_list(pa.field(t.value_field.name, from_field(t.value_field)))
    if pa.types.is_fixed_size_list(t):
        return pa.list_(pa.field(t.value_field.name, from_field(t.value_field)), t.list_size)
    if pa.types.is_list(t):
        return pa.list_(pa.field(t.value_field.name, from_field(t.value_field)))
    return t


def to_pylist(array: pa.Array | pa.ChunkedArray, maps_as_pydicts: str | None = None) -> list:
    """The values of a column as Python objects, as Daft gives them: numpy arrays
    for tensors, embeddings and images, the objects of a Python column; maps as
    lists of (key, value) pairs, or dicts with ``maps_as_pydicts`` ("lossy" keeps
    a repeated key's last value, "strict" refuses repeated keys)."""
    if maps_as_pydicts not in (None, "lossy", "strict"):
        raise ValueError(
            f"maps_as_pydicts must be None, 'lossy' or 'strict', got {maps_as_pydicts!r}"
        )
    t = array.type
    if isinstance(t, pa.FixedShapeTensorType):
        shape = tuple(t.shape)
        chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
        return [
            None if not v.is_valid else v.value.values.to_numpy(zero_copy_only=False).reshape(shape)
            for chunk in chunks
            for v in chunk
        ]
    if maps_as_pydicts is None:
        return array.to_pylist()
    return array.to_pylist(maps_as_pydicts=maps_as_pydicts)


def table_to_pydict(table: pa.Table, maps_as_pydicts: str | None = None) -> dict[str, list]:
    """``{column: values}`` of a table, each column as :func:`to_pylist` gives it."""
    return {
        name: to_pylist(table.column(i), maps_as_pydicts)
        for i, name in enumerate(table.column_names)
    }


def table_to_pylist(table: pa.Table, maps_as_pydicts: str | None = None) -> list[dict[str, Any]]:
    """The rows of a table as dicts, values as :func:`to_pylist` gives them."""
    columns = table_to_pydict(table, maps_as_pydicts)
    names = list(columns)
    return [dict(zip(names, row)) for row in zip(*columns.values())] if names else []


# Whoever imports this module (the pyarrow proxy in daft._lazy does on pyarrow's
# first use) needs the types registered before any Arrow data comes back.
register()
