"""Data types of daft columns, backed by Arrow types."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

__all__ = ["DataType", "TimeUnit"]


class TimeUnit:
    """Units of timestamps and durations: ``"s"``, ``"ms"``, ``"us"`` or ``"ns"``."""

    @staticmethod
    def s() -> str:
        return "s"

    @staticmethod
    def ms() -> str:
        return "ms"

    @staticmethod
    def us() -> str:
        return "us"

    @staticmethod
    def ns() -> str:
        return "ns"


_NAMES = {
    pa.int8(): "Int8",
    pa.int16(): "Int16",
    pa.int32(): "Int32",
    pa.int64(): "Int64",
    pa.uint8(): "UInt8",
    pa.uint16(): "UInt16",
    pa.uint32(): "UInt32",
    pa.uint64(): "UInt64",
    pa.float32(): "Float32",
    pa.float64(): "Float64",
    pa.bool_(): "Boolean",
    pa.string(): "Utf8",
    pa.large_string(): "Utf8",
    pa.binary(): "Binary",
    pa.large_binary(): "Binary",
    pa.null(): "Null",
    pa.date32(): "Date",
}


class DataType:
    """A column's data type, e.g. ``DataType.int64()`` or ``DataType.list(DataType.string())``.

    Daft types map one-to-one onto Arrow types; :meth:`to_arrow_dtype` gives the
    Arrow type and :meth:`from_arrow_type` wraps one.
    """

    __slots__ = ("_dtype",)

    def __init__(self, arrow_type: pa.DataType) -> None:
        if not isinstance(arrow_type, pa.DataType):
            raise TypeError(f"DataType wraps a pyarrow.DataType, got {type(arrow_type).__name__}")
        self._dtype = arrow_type

    @classmethod
    def from_arrow_type(cls, arrow_type: pa.DataType) -> DataType:
        """Wraps an Arrow type."""
        return cls(arrow_type)

    def to_arrow_dtype(self) -> pa.DataType:
        """The Arrow type."""
        return self._dtype

    @classmethod
    def _infer(cls, value: Any) -> DataType:
        if isinstance(value, DataType):
            return value
        if isinstance(value, pa.DataType):
            return cls(value)
        if isinstance(value, str):
            return cls(pa.type_for_alias(value))
        if value is int:
            return cls.int64()
        if value is float:
            return cls.float64()
        if value is str:
            return cls.string()
        if value is bool:
            return cls.bool()
        if value is bytes:
            return cls.binary()
        raise TypeError(f"cannot interpret {value!r} as a DataType")

    @classmethod
    def int8(cls) -> DataType:
        return cls(pa.int8())

    @classmethod
    def int16(cls) -> DataType:
        return cls(pa.int16())

    @classmethod
    def int32(cls) -> DataType:
        return cls(pa.int32())

    @classmethod
    def int64(cls) -> DataType:
        return cls(pa.int64())

    @classmethod
    def uint8(cls) -> DataType:
        return cls(pa.uint8())

    @classmethod
    def uint16(cls) -> DataType:
        return cls(pa.uint16())

    @classmethod
    def uint32(cls) -> DataType:
        return cls(pa.uint32())

    @classmethod
    def uint64(cls) -> DataType:
        return cls(pa.uint64())

    @classmethod
    def float32(cls) -> DataType:
        return cls(pa.float32())

    @classmethod
    def float64(cls) -> DataType:
        return cls(pa.float64())

    @classmethod
    def bool(cls) -> DataType:
        return cls(pa.bool_())

    @classmethod
    def string(cls) -> DataType:
        return cls(pa.string())

    @classmethod
    def binary(cls) -> DataType:
        return cls(pa.binary())

    @classmethod
    def null(cls) -> DataType:
        return cls(pa.null())

    @classmethod
    def date(cls) -> DataType:
        return cls(pa.date32())

    @classmethod
    def timestamp(cls, timeunit: str = "us", timezone: str | None = None) -> DataType:
        return cls(pa.timestamp(timeunit, tz=timezone))

    @classmethod
    def duration(cls, timeunit: str = "us") -> DataType:
        return cls(pa.duration(timeunit))

    @classmethod
    def list(cls, dtype: DataType) -> DataType:
        return cls(pa.list_(DataType._infer(dtype)._dtype))

    @classmethod
    def struct(cls, fields: dict[str, DataType]) -> DataType:
        return cls(pa.struct([(k, DataType._infer(v)._dtype) for k, v in fields.items()]))

    def __arrow_c_schema__(self) -> object:
        return self._dtype.__arrow_c_schema__()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DataType) and self._dtype == other._dtype

    def __hash__(self) -> int:
        return hash(self._dtype)

    def __repr__(self) -> str:
        return _display(self._dtype)


def _display(t: pa.DataType) -> str:
    if t in _NAMES:
        return _NAMES[t]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"List[{_display(t.value_type)}]"
    if pa.types.is_struct(t):
        inner = ", ".join(f"{f.name}: {_display(f.type)}" for f in t)
        return f"Struct[{inner}]"
    if pa.types.is_timestamp(t):
        return f"Timestamp({t.unit}, {t.tz})" if t.tz else f"Timestamp({t.unit})"
    return str(t)
