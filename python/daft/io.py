"""Creating DataFrames from Python data, Arrow data and files."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from daft.daft import PyLogicalPlan
from daft.dataframe import DataFrame

if TYPE_CHECKING:
    import pandas

__all__ = ["from_arrow", "from_pandas", "from_pydict", "from_pylist", "read_csv", "read_parquet"]


def from_pydict(data: dict[str, Any]) -> DataFrame:
    """A DataFrame from ``{column: values}``; values are lists, numpy or Arrow arrays.

    Example:
        >>> df = daft.from_pydict({"a": [1, 2, 3], "b": ["x", "y", None]})
    """
    if not isinstance(data, dict):
        raise TypeError(f"from_pydict takes a dict of columns, got {type(data).__name__}")
    lengths = {k: len(v) for k, v in data.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"from_pydict: columns have different lengths: {lengths}")
    try:
        table = pa.table(data)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise ValueError(f"from_pydict: cannot convert the data to Arrow: {e}") from None
    return DataFrame(PyLogicalPlan.from_arrow_stream(table))


def from_pylist(data: list[dict[str, Any]]) -> DataFrame:
    """A DataFrame from a list of ``{column: value}`` rows."""
    if not isinstance(data, list):
        raise TypeError(f"from_pylist takes a list of dicts, got {type(data).__name__}")
    try:
        table = pa.Table.from_pylist(data)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise ValueError(f"from_pylist: cannot convert the rows to Arrow: {e}") from None
    return DataFrame(PyLogicalPlan.from_arrow_stream(table))


def from_arrow(data: Any) -> DataFrame:
    """A DataFrame from a pyarrow Table or RecordBatch, a list of them, or
    anything implementing ``__arrow_c_stream__`` (polars, duckdb, ...)."""
    if isinstance(data, (list, tuple)):
        data = pa.Table.from_batches(
            [b for t in data for b in (t.to_batches() if isinstance(t, pa.Table) else [t])]
        )
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    return DataFrame(PyLogicalPlan.from_arrow_stream(data))


def from_pandas(data: pandas.DataFrame) -> DataFrame:
    """A DataFrame from a pandas DataFrame (the index is dropped)."""
    return DataFrame(
        PyLogicalPlan.from_arrow_stream(pa.Table.from_pandas(data, preserve_index=False))
    )


def _paths(path: str | list[str]) -> list[str]:
    if isinstance(path, (str, os.PathLike)):
        return [os.fspath(path)]
    return [os.fspath(p) for p in path]


def read_parquet(path: str | list[str]) -> DataFrame:
    """A DataFrame over Parquet files: a path, a directory, a glob, or a list of them.

    Only the footers are read now; rows are read when the query runs.
    """
    return DataFrame(PyLogicalPlan.read_parquet(_paths(path)))


def read_csv(
    path: str | list[str],
    has_headers: bool = True,
    delimiter: str | None = None,
    infer_schema_length: int = 1000,
) -> DataFrame:
    """A DataFrame over CSV files: a path, a directory, a glob, or a list of them.

    The schema is inferred from the first ``infer_schema_length`` rows of each file.
    """
    return DataFrame(
        PyLogicalPlan.read_csv(_paths(path), has_headers, delimiter, infer_schema_length)
    )
