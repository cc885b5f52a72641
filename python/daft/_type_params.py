"""The parameters of types: time units, image modes and formats, union modes.

They are Daft 0.7.26's (``daft.TimeUnit``, ``daft.ImageMode``, ...); ``daft.datatype``
re-exports them.
"""

from __future__ import annotations

import builtins
import enum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa

__all__ = ["ImageFormat", "ImageMode", "TimeUnit", "UnionMode"]


class TimeUnit:
    """The unit of a time, timestamp or duration: seconds, milliseconds,
    microseconds or nanoseconds. ``DataType.timestamp`` also takes the unit as a
    string (``"ms"``)."""

    __slots__ = ("_unit",)
    _UNITS: ClassVar[dict[str, str]] = {
        "s": "s",
        "seconds": "s",
        "ms": "ms",
        "milliseconds": "ms",
        "us": "us",
        "microseconds": "us",
        "ns": "ns",
        "nanoseconds": "ns",
    }

    def __init__(self) -> None:
        raise NotImplementedError("use TimeUnit.from_str(), .s(), .ms(), .us() or .ns()")

    @classmethod
    def _of(cls, unit: str) -> TimeUnit:
        t = cls.__new__(cls)
        t._unit = unit
        return t

    @classmethod
    def from_str(cls, unit: str) -> TimeUnit:
        """The unit named ``"s"``, ``"ms"``, ``"us"`` or ``"ns"`` (or spelled out)."""
        key = unit.lower() if isinstance(unit, str) else unit
        if key not in cls._UNITS:
            raise ValueError(f"invalid time unit {unit!r}: expected 's', 'ms', 'us' or 'ns'")
        return cls._of(cls._UNITS[key])

    @classmethod
    def s(cls) -> TimeUnit:
        """Seconds."""
        return cls._of("s")

    @classmethod
    def ms(cls) -> TimeUnit:
        """Milliseconds."""
        return cls._of("ms")

    @classmethod
    def us(cls) -> TimeUnit:
        """Microseconds."""
        return cls._of("us")

    @classmethod
    def ns(cls) -> TimeUnit:
        """Nanoseconds."""
        return cls._of("ns")

    def __str__(self) -> str:
        return self._unit

    def __repr__(self) -> str:
        return f"TimeUnit({self._unit})"

    def __eq__(self, other: object) -> builtins.bool:
        # Daft 0.7.26 compares TimeUnits by identity; equal units are equal here.
        return isinstance(other, TimeUnit) and other._unit == self._unit

    def __hash__(self) -> int:
        return hash(self._unit)


def unit_name(timeunit: TimeUnit | str) -> str:
    return timeunit._unit if isinstance(timeunit, TimeUnit) else TimeUnit.from_str(timeunit)._unit


class ImageMode(enum.Enum):
    """The pixel layout of an image: channels and their bit depth."""

    L = "L"
    LA = "LA"
    RGB = "RGB"
    RGBA = "RGBA"
    L16 = "L16"
    LA16 = "LA16"
    RGB16 = "RGB16"
    RGBA16 = "RGBA16"
    RGB32F = "RGB32F"
    RGBA32F = "RGBA32F"

    @classmethod
    def from_mode_string(cls, mode: str) -> ImageMode:
        """The mode named ``mode`` (``"RGB"``, ``"L16"``, ...)."""
        try:
            return cls(mode)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise ValueError(
                f"image mode {mode!r} is not supported; expected one of {names}"
            ) from None

    @property
    def num_channels(self) -> int:
        """Channels per pixel."""
        base = self.value.rstrip("0123456789F")
        return {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[base]

    def _pixel_type(self) -> pa.DataType:
        if self.value.endswith("32F"):
            return pa.float32()
        return pa.uint16() if self.value.endswith("16") else pa.uint8()

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"ImageMode.{self.value}"


class ImageFormat(enum.Enum):
    """An encoded image format."""

    PNG = "PNG"
    JPEG = "JPEG"
    TIFF = "TIFF"
    GIF = "GIF"
    BMP = "BMP"

    @classmethod
    def from_format_string(cls, format: str) -> ImageFormat:
        """The format named ``format`` (case-insensitive; ``"jpg"`` is JPEG)."""
        key = format.upper() if isinstance(format, str) else format
        key = "JPEG" if key == "JPG" else key
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise ValueError(
                f"image format {format!r} is not supported; expected one of {names}"
            ) from None

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"ImageFormat.{self.value}"


class ImageProperty(enum.Enum):
    """A property of an image, as ``image_attribute`` reads it (Daft's enum)."""

    Width = "width"
    Height = "height"
    Channel = "channel"
    Mode = "mode"

    @classmethod
    def from_property_string(cls, name: str) -> ImageProperty:
        """The property named ``name`` (any case)."""
        try:
            return cls(name.lower())
        except (ValueError, AttributeError):
            names = ", ".join(m.value for m in cls)
            raise ValueError(
                f"image property {name!r} is not one; expected one of {names}"
            ) from None

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"ImageProperty.{self.name}"


class UnionMode(enum.Enum):
    """How a union column stores its members: ``Sparse`` (every member has a value
    in every row) or ``Dense`` (offsets into each member)."""

    Sparse = "sparse"
    Dense = "dense"

    @classmethod
    def from_mode_string(cls, mode: str) -> UnionMode:
        """The mode named ``"sparse"`` or ``"dense"`` (any case)."""
        try:
            return cls(mode.lower())
        except (ValueError, AttributeError):
            raise ValueError(
                f"union mode {mode!r} is not supported; expected 'sparse' or 'dense'"
            ) from None

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"UnionMode.{self.name}"


def image_mode_of(mode: str | ImageMode | None) -> ImageMode | None:
    if mode is None or isinstance(mode, ImageMode):
        return mode
    return ImageMode.from_mode_string(mode)
