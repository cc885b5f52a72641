"""Rows held in memory: ``RecordBatch`` (named columns with expressions evaluated at
once, as Daft's tests and batch code use it) and ``MicroPartition`` (one partition of
a DataFrame's result, as :meth:`daft.DataFrame.iter_partitions` yields it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas

    from daft.expressions import Expression
    from daft.schema import Schema
    from daft.series import Series

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa

__all__ = ["MicroPartition", "RecordBatch"]


class RecordBatch:
    """Named columns of equal length, held as an Arrow table.

    Expressions run at once through the same engine as a DataFrame's
    (``eval_expression_list``, ``filter``, ``sort``), so they have the same types,
    null handling and errors.
    """

    __slots__ = ("_table",)

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    # --- building ------------------------------------------------------------
    @staticmethod
    def from_pydict(data: Mapping[str, Any]) -> RecordBatch:
        """A batch of ``{column: values}``, typed as ``daft.from_pydict`` types them."""
        from daft import _infer

        columns = {k: _infer.column(v, f"RecordBatch column {k!r}") for k, v in data.items()}
        lengths = {k: len(v) for k, v in columns.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"RecordBatch.from_pydict: columns have different lengths: {lengths}")
        return RecordBatch(pa.table(columns))

    @classmethod
    def from_arrow(cls, arrow_table: pa.Table) -> RecordBatch:
        """A batch over a pyarrow Table (no copy)."""
        if isinstance(arrow_table, pa.RecordBatch):
            arrow_table = pa.Table.from_batches([arrow_table])
        return cls._of(arrow_table)

    @classmethod
    def from_arrow_table(cls, arrow_table: pa.Table) -> RecordBatch:
        """A batch over a pyarrow Table (no copy)."""
        return cls.from_arrow(arrow_table)

    @classmethod
    def _of(cls, table: pa.Table) -> RecordBatch:
        return RecordBatch(table)

    @staticmethod
    def from_pandas(pd_df: pandas.DataFrame) -> RecordBatch:
        """A batch of a pandas DataFrame (the index is dropped)."""
        return RecordBatch(pa.Table.from_pandas(pd_df, preserve_index=False))

    @staticmethod
    def concat(to_merge: list[RecordBatch]) -> RecordBatch:
        """The batches' rows one after another; they must have one schema."""
        if not to_merge:
            raise ValueError("RecordBatch.concat needs at least one batch")
        return RecordBatch(pa.concat_tables([b._table for b in to_merge]))

    # --- reading -------------------------------------------------------------
    def __len__(self) -> int:
        return self._table.num_rows

    def column_names(self) -> list[str]:
        """Column names in order."""
        return list(self._table.column_names)

    def schema(self) -> Schema:
        """The columns' names and types."""
        from daft.schema import Schema

        return Schema.from_pyarrow_schema(self._table.schema)

    def size_bytes(self) -> int:
        """Bytes of Arrow buffers the batch holds."""
        return self._table.nbytes

    def get_column(self, idx: int) -> Series:
        """The column at position ``idx``."""
        from daft.series import Series

        return Series.from_arrow(self._table.column(idx), name=self._table.column_names[idx])

    def get_column_by_name(self, name: str) -> Series:
        """The column named ``name``."""
        if name not in self._table.column_names:
            raise KeyError(f"column {name!r} not in the batch; available: {self.column_names()}")
        return self.get_column(self._table.column_names.index(name))

    def to_arrow(self) -> pa.Table:
        """The rows as a pyarrow Table (no copy)."""
        return self._table

    to_arrow_table = to_arrow

    def to_pydict(self, maps_as_pydicts: str | None = None) -> dict[str, list[Any]]:
        """The rows as ``{column: [values...]}``, values as ``DataFrame.to_pydict``."""
        from daft._logical import table_to_pydict

        return table_to_pydict(self._table, maps_as_pydicts)

    def to_pylist(self, maps_as_pydicts: str | None = None) -> list[dict[str, Any]]:
        """The rows as a list of ``{column: value}``."""
        from daft._logical import table_to_pylist

        return table_to_pylist(self._table, maps_as_pydicts)

    def to_pandas(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame (needs pandas installed)."""
        return self._table.to_pandas()

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream interface."""
        return self._table.__arrow_c_stream__(requested_schema)

    # --- computing -----------------------------------------------------------
    def _frame(self) -> Any:
        from daft.io import from_arrow

        return from_arrow(self._table)

    def eval_expression_list(self, exprs: list[Expression]) -> RecordBatch:
        """A batch of the expressions' values, one column each."""
        return RecordBatch(self._frame().select(*exprs).to_arrow())

    def filter(self, exprs: list[Expression]) -> RecordBatch:
        """The rows where every predicate in ``exprs`` is true."""
        df = self._frame()
        for e in exprs:
            df = df.where(e)
        return RecordBatch(df.to_arrow())

    def sort(
        self,
        sort_keys: list[Expression],
        descending: bool | list[bool] | None = None,
        nulls_first: bool | list[bool] | None = None,
    ) -> RecordBatch:
        """The rows ordered by ``sort_keys`` (nulls last ascending, first descending)."""
        df = self._frame().sort(list(sort_keys), desc=descending or False, nulls_first=nulls_first)
        return RecordBatch(df.to_arrow())

    def slice(self, start: int, end: int) -> RecordBatch:
        """The rows from ``start`` to ``end`` (exclusive)."""
        if start < 0 or end < start:
            raise ValueError(f"RecordBatch.slice: need 0 <= start <= end, got {start}, {end}")
        return RecordBatch(self._table.slice(start, end - start))

    def head(self, num: int) -> RecordBatch:
        """The first ``num`` rows."""
        return self.slice(0, min(num, len(self)))

    def take(self, indices: Series) -> RecordBatch:
        """The rows at the positions in ``indices``."""
        return RecordBatch(self._table.take(indices.to_arrow()))

    def partition_by_random(self, num_partitions: int, seed: int) -> list[RecordBatch]:
        """The rows dealt into ``num_partitions`` batches at random (the same for the
        same ``seed``); each row lands in exactly one."""
        import numpy as np

        _check_partitions(num_partitions)
        where = np.random.default_rng(seed).integers(0, num_partitions, len(self))
        return self._split(where, num_partitions)

    def partition_by_hash(self, exprs: list[Expression], num_partitions: int) -> list[RecordBatch]:
        """The rows split into ``num_partitions`` batches by the hash of ``exprs``:
        rows with equal keys land in the same batch."""
        import numpy as np

        _check_partitions(num_partitions)
        hashes = self.eval_expression_list([e.hash().alias(f"__h{i}") for i, e in enumerate(exprs)])
        combined = np.zeros(len(self), dtype=np.uint64)
        for column in hashes.to_arrow().columns:
            h = column.to_numpy(zero_copy_only=False).astype(np.uint64)
            combined = combined * np.uint64(1_000_003) ^ h  # wraps, as hashes do
        return self._split(combined % np.uint64(num_partitions), num_partitions)

    def _split(self, where: Any, num_partitions: int) -> list[RecordBatch]:
        import numpy as np

        return [
            self._of(self._table.take(pa.array(np.flatnonzero(where == i))))
            for i in range(num_partitions)
        ]

    def __repr__(self) -> str:
        return repr(self._frame().collect())


def _check_partitions(num_partitions: int) -> None:
    if (
        isinstance(num_partitions, bool)
        or not isinstance(num_partitions, int)
        or num_partitions < 1
    ):
        raise ValueError(f"num_partitions must be a positive integer, got {num_partitions!r}")


class MicroPartition(RecordBatch):
    """The rows of one partition, held in memory as Arrow data, with the DataFrame's
    schema; a :class:`RecordBatch` otherwise.

    ``daft.from_arrow(part.to_arrow())`` makes a DataFrame of it.
    """

    __slots__ = ("_schema",)

    def __init__(self, table: pa.Table, schema: Schema) -> None:
        super().__init__(table)
        self._schema = schema

    @classmethod
    def _of(cls, table: pa.Table) -> MicroPartition:
        from daft.schema import Schema

        return MicroPartition(table, Schema.from_pyarrow_schema(table.schema))

    def schema(self) -> Schema:
        """The partition's schema (the DataFrame's)."""
        return self._schema

    def __repr__(self) -> str:
        return f"MicroPartition({self._table.num_rows} rows, columns {self.column_names()})"
