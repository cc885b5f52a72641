"""Schemas: the names and types of a DataFrame's columns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from daft.daft import PySchema
from daft.datatype import DataType

__all__ = ["Field", "Schema"]


@dataclass(frozen=True)
class Field:
    """One column of a schema."""

    name: str
    dtype: DataType
    #: The type as schemas show it: an extension type's name for plugin types.
    type_name: str


class Schema:
    """The columns of a DataFrame, in order, with their types."""

    __slots__ = ("_schema",)

    def __init__(self, schema: PySchema) -> None:
        self._schema = schema

    def column_names(self) -> list[str]:
        """Column names in order."""
        return self._schema.column_names()

    def to_pyarrow_schema(self) -> pa.Schema:
        """The schema as a pyarrow schema (with extension metadata on fields)."""
        return pa.schema(self._schema)

    def _fields(self) -> list[Field]:
        arrow = self.to_pyarrow_schema()
        return [
            Field(name, DataType(arrow.field(i).type), type_name)
            for i, (name, type_name) in enumerate(self._schema.fields())
        ]

    def __getitem__(self, name: str) -> Field:
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

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.to_pyarrow_schema() == other.to_pyarrow_schema()

    def __arrow_c_schema__(self) -> object:
        return self._schema.__arrow_c_schema__()

    def __repr__(self) -> str:
        return repr(self._schema)
