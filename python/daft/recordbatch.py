"""``MicroPartition``: one partition of a DataFrame's result, as
:meth:`daft.DataFrame.iter_partitions` yields it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import pandas

    from daft.schema import Schema

__all__ = ["MicroPartition"]


class MicroPartition:
    """The rows of one partition, held in memory as Arrow data.

    The conversion methods are those of Daft's ``MicroPartition``;
    ``daft.from_arrow(part.to_arrow())`` makes a DataFrame of it.
    """

    def __init__(self, table: pa.Table, schema: Schema) -> None:
        self._table = table
        self._schema = schema

    def __len__(self) -> int:
        return self._table.num_rows

    def column_names(self) -> list[str]:
        """Column names in order."""
        return list(self._table.column_names)

    def schema(self) -> Schema:
        """The partition's schema (the DataFrame's)."""
        return self._schema

    def size_bytes(self) -> int:
        """Bytes of Arrow buffers this partition holds."""
        return self._table.nbytes

    def to_arrow(self) -> pa.Table:
        """The rows as a pyarrow Table."""
        return self._table

    def to_pydict(self) -> dict[str, list]:
        """The rows as ``{column: [values...]}``."""
        from daft._logical import table_to_pydict

        return table_to_pydict(self._table)

    def to_pylist(self) -> list[dict[str, Any]]:
        """The rows as a list of ``{column: value}``."""
        from daft._logical import table_to_pylist

        return table_to_pylist(self._table)

    def to_pandas(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame (needs pandas installed)."""
        return self._table.to_pandas()

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream interface."""
        return self._table.__arrow_c_stream__(requested_schema)

    def __repr__(self) -> str:
        return f"MicroPartition({self._table.num_rows} rows, columns {self.column_names()})"
