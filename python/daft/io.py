"""Creating DataFrames from Python data, Arrow data and files."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from daft import _boundary
from daft._io_config import (
    AzureConfig,
    GCSConfig,
    HTTPConfig,
    IOConfig,
    S3Config,
    is_remote,
    storage_paths,
)
from daft.daft import PyLogicalPlan, find_files
from daft.dataframe import DataFrame

if TYPE_CHECKING:
    import pandas

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa

__all__ = [
    "AzureConfig",
    "GCSConfig",
    "HTTPConfig",
    "IOConfig",
    "S3Config",
    "concat",
    "from_arrow",
    "from_glob_path",
    "from_pandas",
    "from_pydict",
    "from_pylist",
    "read_csv",
    "read_json",
    "range",
    "read_parquet",
]


def from_pydict(data: dict[str, Any]) -> DataFrame:
    """A DataFrame from ``{column: values}``; values are lists, numpy arrays, Arrow
    arrays or :class:`daft.Series`.

    Python values get Daft's types (see the user's guide, "Types"): numpy arrays of
    more than one dimension become tensors, dicts structs (or maps, for keys that
    are not strings), tuples structs, and values Arrow has no type for (sets, your
    own objects) a Python column that keeps them as objects. Values of one column
    that share no type are an error naming the column and the row.

    Example:
        >>> df = daft.from_pydict({"a": [1, 2, 3], "b": ["x", "y", None]})
    """
    from daft import _infer

    if not isinstance(data, dict):
        raise TypeError(f"from_pydict takes a dict of columns, got {type(data).__name__}")
    columns = {k: _infer.column(v, f"from_pydict: column {k!r}") for k, v in data.items()}
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"from_pydict: columns have different lengths: {lengths}")
    return DataFrame(PyLogicalPlan.from_arrow_stream(pa.table(columns)))


def from_pylist(data: list[dict[str, Any]]) -> DataFrame:
    """A DataFrame from a list of ``{column: value}`` rows, typed as
    :func:`from_pydict` types columns; a key missing from a row is null there."""
    from daft import _infer

    if not isinstance(data, list):
        raise TypeError(f"from_pylist takes a list of dicts, got {type(data).__name__}")
    names: dict[str, None] = {}
    for i, row in enumerate(data):
        if not isinstance(row, dict):
            raise TypeError(f"from_pylist: row {i} is a {type(row).__name__}, not a dict")
        names.update(dict.fromkeys(row))
    columns = {
        k: _infer.column([row.get(k) for row in data], f"from_pylist: column {k!r}") for k in names
    }
    return DataFrame(PyLogicalPlan.from_arrow_stream(pa.table(columns)))


def from_arrow(data: Any) -> DataFrame:
    """A DataFrame from a pyarrow Table or RecordBatch, a list of them, or
    anything implementing ``__arrow_c_stream__`` (polars, duckdb, ...)."""
    if isinstance(data, (list, tuple)):
        data = pa.Table.from_batches(
            [b for t in data for b in (t.to_batches() if isinstance(t, pa.Table) else [t])]
        )
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    elif not isinstance(data, pa.Table):
        # Through pyarrow's importer (no copy): it accepts what other libraries
        # export slightly off the C Data spec (polars gives a null column a buffer),
        # and exports it to the engine by the spec.
        data = pa.table(data)
    return DataFrame(PyLogicalPlan.from_arrow_stream(data))


def from_pandas(data: pandas.DataFrame) -> DataFrame:
    """A DataFrame from a pandas DataFrame (the index is dropped)."""
    return DataFrame(
        PyLogicalPlan.from_arrow_stream(pa.Table.from_pandas(data, preserve_index=False))
    )


def range(start: int, end: int | None = None, step: int = 1, partitions: int = 1) -> DataFrame:
    """A DataFrame of one Int64 column ``id``: ``start`` to ``end`` (exclusive) by
    ``step``, as Python's ``range``; ``range(n)`` is ``0`` to ``n``.

    Example:
        >>> daft.range(1, 10, 3).to_pydict()
        {'id': [1, 4, 7]}
    """
    import builtins

    for name, v in (("start", start), ("end", end), ("step", step), ("partitions", partitions)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise TypeError(f"range: {name} must be an int, got {v!r}")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("range: step must not be 0")
    if partitions < 1:
        raise ValueError(f"range: partitions must be at least 1, got {partitions}")
    ids = pa.array(builtins.range(start, end, step), pa.int64())
    df = from_arrow(pa.table({"id": ids}))
    return df.into_partitions(partitions) if partitions > 1 else df


def concat(dfs: Any) -> DataFrame:
    """The rows of every DataFrame in ``dfs``, one after another; they must have
    the same column names and types (``DataFrame.concat`` of each)."""
    frames = list(dfs)
    if not frames:
        raise ValueError("concat needs at least one DataFrame")
    for i, df in enumerate(frames):
        if not isinstance(df, DataFrame):
            raise TypeError(f"concat: item {i} is a {type(df).__name__}, not a DataFrame")
    out = frames[0]
    for df in frames[1:]:
        out = out.concat(df)
    return out


def _paths(
    path: str | list[str], fn: str, io_config: IOConfig | None = None
) -> tuple[list[str], str]:
    """`path` as a list of paths for reader `fn` and the storage settings to read them
    with (``file://`` URLs become paths, object-store URLs stay, other schemes are
    refused by name: `storage_paths`)."""
    if isinstance(path, (str, os.PathLike)):
        paths = [os.fspath(path)]
    else:
        paths = [os.fspath(p) for p in path]
    return storage_paths(fn, paths, io_config)


def from_glob_path(path: str | list[str], io_config: IOConfig | None = None) -> DataFrame:
    """A DataFrame of the files matching ``path`` (a glob, ``**`` recursing, or a
    directory for the files in it): ``path`` (a ``file://`` URL), ``size`` in
    bytes and ``num_rows`` (null), as Daft lists them; an object-store URL (``s3://``
    and the others of ``read_parquet``) lists its objects, read with ``io_config``.

    Example:
        >>> daft.from_glob_path("images/**/*.png").where(col("size") > 1024)
    """
    import glob

    rows: list[tuple[str, int]] = []
    patterns, config = _paths(path, "from_glob_path", io_config)
    for pattern in patterns:
        if is_remote(pattern):
            # Listed by the engine; a prefix lists every object directly in it.
            rows.extend(find_files([pattern], "", config))
            continue
        if os.path.isdir(pattern):
            pattern = os.path.join(pattern, "*")
        found = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        if not found:
            raise FileNotFoundError(f"from_glob_path: no file matches {pattern}")
        rows.extend(("file://" + os.path.abspath(p), os.stat(p).st_size) for p in found)
    return from_arrow(
        pa.table(
            {
                "path": pa.array([r[0] for r in rows], pa.string()),
                "size": pa.array([r[1] for r in rows], pa.int64()),
                "num_rows": pa.array([None] * len(rows), pa.int64()),
            }
        )
    )


def read_parquet(
    path: str | list[str],
    row_groups: list[list[int]] | None = None,
    infer_schema: bool = True,
    schema: dict[str, Any] | None = None,
    io_config: IOConfig | None = None,
    file_path_column: str | None = None,
    hive_partitioning: bool = False,
    coerce_int96_timestamp_unit: Any = None,
    ignore_corrupt_files: bool = False,
) -> DataFrame:
    """A DataFrame over Parquet files: a path, a directory, a glob, or a list of them.

    Only the footers are read now; rows are read when the query runs. With
    ``hive_partitioning=True``, directories are searched recursively and the
    ``<column>=<value>`` parts of each file's path become string columns after
    the file's own (as Daft reads what ``write_parquet(partition_cols=...)``
    writes). ``file_path_column`` names a last string column holding each
    row's file path, as the pattern matched it.

    ``schema={column: DataType}`` casts the columns it names to those types
    after reading (a column the files lack is added as nulls); with
    ``infer_schema=False`` the result has only those columns. The types are
    applied with ``cast``, so a value that does not convert is null, as in
    Daft. ``row_groups``, ``coerce_int96_timestamp_unit`` and
    ``ignore_corrupt_files`` are not supported yet.
    """
    _not_supported(
        "read_parquet",
        row_groups=(row_groups, None),
        coerce_int96_timestamp_unit=(coerce_int96_timestamp_unit, None),
        ignore_corrupt_files=(ignore_corrupt_files, False),
    )
    hints = _schema_hints(schema)
    if not infer_schema and hints is None:
        raise ValueError("read_parquet: infer_schema=False needs schema={column: DataType, ...}")
    if hive_partitioning:
        from daft._hive import read_hive

        files, config = _paths(path, "read_parquet", io_config)
        df = read_hive(
            files,
            "parquet",
            lambda group: DataFrame(PyLogicalPlan.read_parquet(group, file_path_column, config)),
            config,
        )
    else:
        files, config = _paths(path, "read_parquet", io_config)
        df = DataFrame(PyLogicalPlan.read_parquet(files, file_path_column, config))
    return df if hints is None else _cast_to_hints(df, schema, infer_schema)


def _cast_to_hints(df: DataFrame, schema: dict[str, Any], infer_schema: bool) -> DataFrame:
    """``df`` with the columns ``schema`` names cast to its types (added as nulls
    where ``df`` lacks them); without ``infer_schema``, only those columns."""
    from daft.expressions import col, lit

    def hinted(name: str) -> Any:
        dtype = schema[name]
        base = col(name) if name in df.column_names else lit(None)
        return base.cast(dtype).alias(name)  # type: ignore[attr-defined]

    if not infer_schema:
        return df.select(*[hinted(n) for n in schema])
    kept = [hinted(n) if n in schema else col(n) for n in df.column_names]
    added = [hinted(n) for n in schema if n not in df.column_names]
    return df.select(*kept, *added)


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
    io_config: IOConfig | None = None,
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
        delimiter: the field separator, one character (default ``,``).
        quote: the quote character (default ``"``).
        escape_char: the escape character (default: none).
        comment: lines starting with this character are skipped (default: none).

    An empty field of a string column is ``""``; of any other column, null (as
    in Daft). ``hive_partitioning`` and ``file_path_column`` as for
    :func:`read_parquet`. ``double_quote=False``, ``allow_variable_columns`` and
    ``ignore_corrupt_files`` are not supported yet and raise
    ``NotImplementedError``.
    """
    _not_supported(
        "read_csv",
        double_quote=(double_quote, True),
        allow_variable_columns=(allow_variable_columns, False),
        ignore_corrupt_files=(ignore_corrupt_files, False),
    )

    files, config = _paths(path, "read_csv", io_config)

    def read(group: list[str]) -> DataFrame:
        return DataFrame(
            PyLogicalPlan.read_csv(
                group,
                has_headers,
                delimiter,
                quote,
                escape_char,
                comment,
                infer_schema_length,
                _schema_hints(schema),
                infer_schema,
                file_path_column,
                config,
            )
        )

    if hive_partitioning:
        from daft._hive import read_hive

        return read_hive(files, "csv", read, config)
    return read(files)


def read_json(
    path: str | list[str],
    infer_schema: bool = True,
    schema: dict[str, Any] | None = None,
    io_config: IOConfig | None = None,
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
    ``hive_partitioning`` and ``file_path_column`` as for :func:`read_parquet`.

    Example:
        >>> daft.read_json("events/*.json").where(col("kind") == "click")
    """
    _not_supported(
        "read_json",
        skip_empty_files=(skip_empty_files, False),
    )

    files, config = _paths(path, "read_json", io_config)

    def read(group: list[str]) -> DataFrame:
        return DataFrame(
            PyLogicalPlan.read_json(
                group,
                infer_schema_length,
                _schema_hints(schema),
                infer_schema,
                file_path_column,
                config,
            )
        )

    if hive_partitioning:
        from daft._hive import read_hive

        return read_hive(files, "json", read, config)
    return read(files)


# Last: errors raised inside a reader reach the caller named after it, with the caller's
# line last in the traceback (daft/_boundary.py).
_boundary.wrap_functions(globals(), __all__)
