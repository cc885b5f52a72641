"""Creating DataFrames from Python data, Arrow data and files."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from daft.daft import PyLogicalPlan
from daft.dataframe import DataFrame

if TYPE_CHECKING:
    import pandas

__all__ = [
    "from_arrow",
    "from_pandas",
    "from_pydict",
    "from_pylist",
    "read_csv",
    "read_json",
    "read_parquet",
]


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


def _not_supported(what: str, **given: Any) -> None:
    """Refuses Daft options this engine does not implement yet, rather than ignoring them."""
    for name, (value, default) in given.items():
        if value != default:
            raise NotImplementedError(
                f"{what}: {name}={value!r} is not supported yet (docs/user-guide.md, "
                f"'Reading files')"
            )


def _schema_hints(schema: dict | None) -> list | None:
    if schema is None:
        return None
    if not isinstance(schema, dict):
        raise TypeError(
            f"schema must be a dict of column name to DataType, got {type(schema).__name__}"
        )
    out = []
    for name, dtype in schema.items():
        arrow = dtype.to_arrow_dtype() if hasattr(dtype, "to_arrow_dtype") else dtype
        if not hasattr(arrow, "__arrow_c_schema__"):
            raise TypeError(f"schema[{name!r}] must be a daft.DataType, got {dtype!r}")
        out.append((name, arrow))
    return out


def read_csv(
    path: str | list[str],
    infer_schema: bool = True,
    schema: dict[str, Any] | None = None,
    has_headers: bool = True,
    delimiter: str | None = None,
    double_quote: bool = True,
    quote: str | None = None,
    escape_char: str | None = None,
    comment: str | None = None,
    allow_variable_columns: bool = False,
    io_config: Any = None,
    file_path_column: str | None = None,
    hive_partitioning: bool = False,
    ignore_corrupt_files: bool = False,
    *,
    infer_schema_length: int = 1000,
) -> DataFrame:
    """A DataFrame over CSV files: a path, a directory, a glob, or a list of them.

    Args:
        infer_schema: infer column types from the first ``infer_schema_length``
            rows of each file; with ``False``, ``schema`` gives every column.
        schema: ``{column: DataType}``; with inference, overrides the inferred
            type of the columns it names.
        has_headers: the first line names the columns.
        delimiter, quote, escape_char, comment: one character each (defaults
            ``,``, ``"``, none, none); lines starting with ``comment`` are skipped.

    An empty field of a string column is ``""``; of any other column, null (as
    in Daft). ``double_quote=False``, ``allow_variable_columns``,
    ``file_path_column``, ``hive_partitioning`` and ``ignore_corrupt_files`` are
    not supported yet and raise ``NotImplementedError``.
    """
    _not_supported(
        "read_csv",
        double_quote=(double_quote, True),
        allow_variable_columns=(allow_variable_columns, False),
        file_path_column=(file_path_column, None),
        hive_partitioning=(hive_partitioning, False),
        ignore_corrupt_files=(ignore_corrupt_files, False),
    )
    return DataFrame(
        PyLogicalPlan.read_csv(
            _paths(path),
            has_headers,
            delimiter,
            quote,
            escape_char,
            comment,
            infer_schema_length,
            _schema_hints(schema),
            infer_schema,
        )
    )


def read_json(
    path: str | list[str],
    infer_schema: bool = True,
    schema: dict[str, Any] | None = None,
    io_config: Any = None,
    file_path_column: str | None = None,
    hive_partitioning: bool = False,
    skip_empty_files: bool = False,
    *,
    infer_schema_length: int = 1000,
) -> DataFrame:
    """A DataFrame over newline-delimited JSON files (one object per line): a
    path, a directory (its ``*.json`` files), a glob, or a list of them.

    The schema is the union of the keys of the first ``infer_schema_length``
    lines of each file (a key seen with different types gets their common
    type); ``schema`` overrides or adds keys, or with ``infer_schema=False``
    is the whole schema. A key missing from a line is null. Rows are read
    when the query runs, streaming, with only the needed keys decoded.

    Example:
        >>> daft.read_json("events/*.json").where(col("kind") == "click")
    """
    _not_supported(
        "read_json",
        file_path_column=(file_path_column, None),
        hive_partitioning=(hive_partitioning, False),
        skip_empty_files=(skip_empty_files, False),
    )
    return DataFrame(
        PyLogicalPlan.read_json(
            _paths(path), infer_schema_length, _schema_hints(schema), infer_schema
        )
    )
