"""Schemas: the names and types of a DataFrame's columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from daft.daft import PySchema
from daft.datatype import DataType

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa

__all__ = ["Field", "Schema"]


class Field:
    """One column of a schema: its ``name`` and ``dtype``."""

    __slots__ = ("dtype", "name")

    def __init__(self, name: str, dtype: DataType) -> None:
        self.name = name
        self.dtype = dtype

    @classmethod
    def create(cls, name: str, dtype: DataType) -> Field:
        """A field named ``name`` of type ``dtype``."""
        return cls(name, DataType._infer(dtype))

    @property
    def type_name(self) -> str:
        """The type as schemas show it (a plugin type's extension name)."""
        return repr(self.dtype)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Field) and (self.name, self.dtype) == (other.name, other.dtype)

    def __hash__(self) -> int:
        return hash((self.name, self.dtype))

    def __repr__(self) -> str:
        return f"Field(name={self.name}, dtype={self.dtype!r})"


class Schema:
    """The columns of a DataFrame, in order, with their types.

    ``schema["x"]`` is a :class:`Field`; iterating gives the fields in order.
    """

    __slots__ = ("_schema",)

    def __init__(self, schema: PySchema) -> None:
        self._schema = schema

    # --- building ------------------------------------------------------------
    @classmethod
    def from_pyarrow_schema(cls, pa_schema: pa.Schema) -> Schema:
        """The schema of a pyarrow schema (extension fields keep their types)."""
        if not isinstance(pa_schema, pa.Schema):
            raise TypeError(f"from_pyarrow_schema takes a pyarrow.Schema, got {pa_schema!r}")
        return cls(PySchema.from_arrow(pa_schema))

    @classmethod
    def from_pydict(cls, fields: dict[str, DataType]) -> Schema:
        """A schema of ``{name: DataType}`` in order."""
        return cls._from_fields([Field.create(k, v) for k, v in fields.items()])

    @classmethod
    def from_field_name_and_types(cls, fields: list[tuple[str, DataType]]) -> Schema:
        """A schema of ``[(name, DataType), ...]`` in order."""
        return cls._from_fields([Field.create(k, v) for k, v in fields])

    @classmethod
    def _from_fields(cls, fields: list[Field]) -> Schema:
        return cls.from_pyarrow_schema(
            pa.schema([pa.field(f.name, f.dtype.to_arrow_dtype()) for f in fields])
        )

    @classmethod
    def from_parquet(cls, path: str, io_config: Any = None, **_: Any) -> Schema:
        """The schema of a Parquet file (or files), read from its footer."""
        from daft.io import read_parquet

        return read_parquet(path, io_config=io_config).schema()

    @classmethod
    def from_csv(
        cls, path: str, parse_options: Any = None, io_config: Any = None, **_: Any
    ) -> Schema:
        """The schema a CSV file is read with (types inferred as read_csv infers them)."""
        from daft.io import read_csv

        return read_csv(path, io_config=io_config).schema()

    @classmethod
    def from_json(
        cls, path: str, parse_options: Any = None, io_config: Any = None, **_: Any
    ) -> Schema:
        """The schema a JSON Lines file is read with."""
        from daft.io import read_json

        return read_json(path, io_config=io_config).schema()

    def apply_hints(self, hints: Schema) -> Schema:
        """This schema with the type of each column ``hints`` also names replaced by
        the hint's type (columns only in ``hints`` are not added)."""
        given = {f.name: f for f in hints.to_pyarrow_schema()}
        fields = [given.get(f.name, f) for f in self.to_pyarrow_schema()]
        return Schema.from_pyarrow_schema(pa.schema(fields))

    def estimate_row_size_bytes(self) -> float:
        """A rough size of one row in memory: fixed-width types by their width,
        variable-width ones by a typical size (20 bytes a string or binary, four
        elements a list)."""
        return float(sum(_estimated_bytes(f.type) for f in self.to_pyarrow_schema()))

    def min_estimated_size_column(self) -> str | None:
        """The column with the smallest :meth:`estimate_row_size_bytes` share."""
        fields = list(self.to_pyarrow_schema())
        if not fields:
            return None
        return min(fields, key=lambda f: _estimated_bytes(f.type)).name

    def display_with_metadata(self, include_metadata: bool = False) -> str:
        """The schema as text; with ``include_metadata``, each field's metadata too."""
        text = repr(self)
        if include_metadata:
            for f in self.to_pyarrow_schema():
                if f.metadata:
                    meta = {k.decode(): v.decode() for k, v in f.metadata.items()}
                    text += f"\n{f.name}: {meta}"
        return text

    # --- reading -------------------------------------------------------------
    def column_names(self) -> list[str]:
        """Column names in order."""
        return self._schema.column_names()

    def to_name_set(self) -> set[str]:
        """The column names as a set."""
        return set(self.column_names())

    def to_pyarrow_schema(self) -> pa.Schema:
        """The schema as a pyarrow schema (with extension metadata on fields)."""
        return pa.schema(self._schema)

    def _fields(self) -> list[Field]:
        return [Field(f.name, DataType._from_field(f)) for f in self.to_pyarrow_schema()]

    def __getitem__(self, name: str) -> Field:
        if not isinstance(name, str):
            raise TypeError(f"schema[...] takes a column name, got {name!r}")
        for f in self._fields():
            if f.name == name:
                return f
        raise KeyError(f"column {name!r} not in schema; available: {self.column_names()}")

    def __contains__(self, name: object) -> bool:
        return name in self.column_names()

    def __iter__(self) -> Iterator[Field]:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self.column_names())

    def union(self, other: Schema) -> Schema:
        """This schema's columns then ``other``'s; they must not share a name."""
        if not isinstance(other, Schema):
            raise TypeError(f"union takes a Schema, got {other!r}")
        shared = self.to_name_set() & other.to_name_set()
        if shared:
            raise ValueError(
                f"Schema.union: both schemas have the columns {sorted(shared)}; "
                "a union needs distinct names"
            )
        fields = list(self.to_pyarrow_schema()) + list(other.to_pyarrow_schema())
        return Schema.from_pyarrow_schema(pa.schema(fields))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(tuple(self._fields()))

    def __arrow_c_schema__(self) -> object:
        return self._schema.__arrow_c_schema__()

    def __reduce__(self) -> Any:
        return Schema.from_pyarrow_schema, (self.to_pyarrow_schema(),)

    def __repr__(self) -> str:
        return repr(self._schema)

    def _repr_html_(self) -> str:
        from daft import _html

        return _html.schema(self)


def _estimated_bytes(t: pa.DataType) -> float:
    if isinstance(t, pa.BaseExtensionType):
        return _estimated_bytes(t.storage_type)
    if pa.types.is_boolean(t):
        return 0.125
    if pa.types.is_null(t):
        return 0.0
    if pa.types.is_fixed_size_list(t):
        return t.list_size * _estimated_bytes(t.value_type)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_map(t):
        return 4 * _estimated_bytes(t.value_type if not pa.types.is_map(t) else t.item_type)
    if pa.types.is_struct(t):
        return sum(_estimated_bytes(f.type) for f in t)
    try:
        return t.bit_width / 8
    except ValueError:
        return 20.0  # strings, binary and other variable-width values
