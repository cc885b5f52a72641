"""The DataFrame: a lazy query over Arrow data.

Methods build a logical plan; nothing runs until :meth:`DataFrame.collect`
(or a method that needs data: ``show``, ``to_pydict``, ``write_parquet``...).
A collected DataFrame keeps its result, so later methods start from it.
"""

from __future__ import annotations

import builtins
import os
from typing import TYPE_CHECKING, Any

from daft import _boundary
from daft.daft import PyLogicalPlan
from daft.exceptions import DaftFieldNotFoundError
from daft.expressions import Expression, _to_expr, col, lit
from daft.schema import Schema

# isort: split
from daft._partitions import Partitions
from daft._relational import JoinsAndSetOps

if TYPE_CHECKING:
    import pandas

    from daft.io import IOConfig

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa

__all__ = ["DataFrame", "GroupedDataFrame"]


def _column(c: str | Expression) -> Expression:
    if isinstance(c, str):
        return col(c)
    if isinstance(c, Expression):
        return c
    raise TypeError(f"expected a column name or an Expression, got {type(c).__name__}")


def _columns(args: tuple) -> list[Expression]:
    # select("a", "b") and select(["a", "b"]) are the same.
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    return [_column(c) for c in args]


def _reshaping(exprs: list[Expression]) -> bool:
    # explode(...) / unnest(...) markers (daft.functions.reshape) have their
    # own class; checked by name so that this module need not import functions.
    return any(type(e).__name__ in ("_Explode", "_Unnest") for e in exprs)


def _flags(value: bool | list[bool] | None, n: int, what: str, default: list[bool]) -> list[bool]:
    if value is None:
        return default
    if isinstance(value, bool):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ValueError(f"sort: {what} has {len(value)} value(s) for {n} key(s)")
    return value


class DataFrame(JoinsAndSetOps, Partitions):
    """A table of named, typed columns, computed lazily.

    Create one with :func:`daft.from_pydict`, :func:`daft.from_pylist`,
    :func:`daft.from_arrow`, :func:`daft.from_pandas`,
    :func:`daft.read_parquet` or :func:`daft.read_csv`.
    """

    def __init__(self, builder: PyLogicalPlan) -> None:
        self._builder = builder

    # --- schema ---------------------------------------------------------
    def schema(self) -> Schema:
        """The names and types of the columns (known without running the query)."""
        return Schema(self._builder.schema())

    @property
    def column_names(self) -> list[str]:
        """The column names, in order."""
        return self._builder.schema().column_names()

    @property
    def columns(self) -> list[Expression]:
        """A column expression per column."""
        return [col(n) for n in self.column_names]

    def __getitem__(self, item: Any) -> Expression | DataFrame:
        """``df["a"]`` and ``df[0]`` are a column's expression (an index counts
        from the end when negative); ``df["a", "b"]``, ``df[["a", 1]]`` and
        ``df[1:3]`` are a DataFrame of those columns, as ``select``."""
        names = self.column_names
        if isinstance(item, builtins.slice):
            return self.select(*names[item])
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            return col(self._column_at(item, names))
        if isinstance(item, (list, tuple)):
            return self.select(*[self._column_at(i, names) for i in item])
        raise TypeError(
            "df[...] takes a column name, an index, a slice, or a list of names and "
            f"indices, got {type(item).__name__}"
        )

    @staticmethod
    def _column_at(item: Any, names: list[str]) -> str:
        if isinstance(item, str):
            if item not in names:
                raise DaftFieldNotFoundError(
                    f"column {item!r} not found; available columns: {names}"
                )
            return item
        if isinstance(item, int) and not isinstance(item, bool):
            if not -len(names) <= item < len(names):
                raise IndexError(
                    f"column index {item} out of range for {len(names)} columns {names}"
                )
            return names[item]
        raise TypeError(f"df[...]: a column is a name or an index, got {type(item).__name__}")

    def __contains__(self, name: object) -> bool:
        return name in self.column_names

    # --- transformations ------------------------------------------------
    def select(self, *columns: str | Expression) -> DataFrame:
        """The given columns or expressions, in that order.

        ``explode(...)`` and ``unnest(...)`` expressions (daft.functions) apply
        here: they add rows and columns.
        """
        exprs = _columns(columns)
        if _reshaping(exprs):
            from daft.functions import reshape

            return reshape.apply(self, exprs)
        return DataFrame(self._builder.select([e._expr for e in exprs]))

    def with_column(self, column_name: str, expr: Expression) -> DataFrame:
        """All columns plus ``expr`` named ``column_name`` (replacing a column of that name)."""
        return self.with_columns({column_name: expr})

    def with_columns(self, columns: dict[str, Expression]) -> DataFrame:
        """All columns plus each ``name: expr`` of ``columns`` (replacing same-named ones)."""
        new = {name: _to_expr(e).alias(name) for name, e in columns.items()}
        exprs = [new.pop(n) if n in new else col(n) for n in self.column_names]
        exprs.extend(new.values())
        if _reshaping(exprs):
            from daft.functions import reshape

            return reshape.apply(self, exprs)
        return DataFrame(self._builder.select([e._expr for e in exprs]))

    def with_column_renamed(self, existing: str, new: str) -> DataFrame:
        """The same columns with ``existing`` renamed to ``new``."""
        if existing not in self.column_names:
            raise DaftFieldNotFoundError(
                f"column {existing!r} not found; available columns: {self.column_names}"
            )
        return self.select(
            *[col(n).alias(new) if n == existing else col(n) for n in self.column_names]
        )

    def exclude(self, *names: str) -> DataFrame:
        """All columns but ``names``."""
        missing = [n for n in names if n not in self.column_names]
        if missing:
            raise DaftFieldNotFoundError(
                f"exclude: column(s) {missing} not found; available columns: {self.column_names}"
            )
        return self.select(*[n for n in self.column_names if n not in names])

    def where(self, predicate: Expression | str) -> DataFrame:
        """The rows where ``predicate`` is true (null counts as false).

        ``predicate`` is an Expression or SQL text, e.g. ``"x > 1 AND s LIKE 'a%'"``.
        """
        if isinstance(predicate, str):
            from daft.sql import sql_expr

            predicate = sql_expr(predicate)
        return DataFrame(self._builder.filter(_to_expr(predicate)._expr))

    def filter(self, predicate: Expression | str) -> DataFrame:
        """Alias of :meth:`where`."""
        return self.where(predicate)

    def limit(self, num: int) -> DataFrame:
        """The first ``num`` rows."""
        if not isinstance(num, int) or num < 0:
            raise ValueError(f"limit() takes a non-negative int, got {num!r}")
        return DataFrame(self._builder.limit(num))

    def sort(
        self,
        by: str | Expression | list[str | Expression],
        desc: bool | list[bool] = False,
        nulls_first: bool | list[bool] | None = None,
    ) -> DataFrame:
        """Rows ordered by one or more keys.

        Args:
            by: column name(s) or expression(s).
            desc: descending order, one flag for all keys or one per key.
            nulls_first: where nulls go; by default last when ascending and
                first when descending (as in Daft).
        """
        keys = _columns((by,)) if not isinstance(by, (list, tuple)) else _columns(tuple(by))
        descending = _flags(desc, len(keys), "desc", [False] * len(keys))
        nulls = _flags(nulls_first, len(keys), "nulls_first", list(descending))
        return DataFrame(self._builder.sort([k._expr for k in keys], descending, nulls))

    def distinct(self, *on: str | Expression) -> DataFrame:
        """The distinct rows; with ``on``, one row (any) per distinct value of
        those columns, all columns kept.

        Example:
            >>> df.distinct("user_id")
        """
        if not on:
            return DataFrame(self._builder.distinct())
        return DataFrame(self._builder.distinct([e._expr for e in _columns(on)]))

    def unique(self, *by: str | Expression) -> DataFrame:
        """Alias of :meth:`distinct`."""
        return self.distinct(*by)

    def drop_duplicates(self, *subset: str | Expression) -> DataFrame:
        """Alias of :meth:`distinct`."""
        return self.distinct(*subset)

    def offset(self, num: int) -> DataFrame:
        """All rows but the first ``num`` (in the current order; sort first for a
        deterministic result). ``df.offset(10).limit(5)`` is rows 10 to 14."""
        if isinstance(num, bool) or not isinstance(num, int) or num < 0:
            raise ValueError(f"offset() takes a non-negative int, got {num!r}")
        return DataFrame(self._builder.offset(num))

    def drop_null(self, *cols: str | Expression) -> DataFrame:
        """The rows with no null in ``cols`` (all columns if none given)."""
        exprs = _columns(cols) if cols else self.columns
        if not exprs:
            return self
        keep = exprs[0].not_null()  # type: ignore[attr-defined]
        for e in exprs[1:]:
            keep = keep & e.not_null()  # type: ignore[attr-defined]
        return self.where(keep)

    def drop_nan(self, *cols: str | Expression) -> DataFrame:
        """The rows with no NaN in the float columns ``cols`` (all float
        columns if none given). Nulls are kept, as in Daft."""
        if cols:
            exprs = _columns(cols)
        else:
            floats = {"Float16", "Float32", "Float64"}
            exprs = [col(n) for n, t in self._builder.schema().fields() if t in floats]
        if not exprs:
            return self
        keep = None
        for e in exprs:
            ok = (~e.is_nan()).fill_null(True)  # type: ignore[attr-defined]
            keep = ok if keep is None else keep & ok
        return self.where(keep)

    def with_columns_renamed(self, cols_map: dict[str, str]) -> DataFrame:
        """The same columns, each ``old: new`` of ``cols_map`` renamed."""
        missing = [c for c in cols_map if c not in self.column_names]
        if missing:
            raise DaftFieldNotFoundError(
                f"with_columns_renamed: column(s) {missing} not found; available columns: "
                f"{self.column_names}"
            )
        return self.select(
            *[col(n).alias(cols_map[n]) if n in cols_map else col(n) for n in self.column_names]
        )

    def transform(self, func: Any, *args: Any, **kwargs: Any) -> DataFrame:
        """``func(self, *args, **kwargs)``, which must return a DataFrame; for
        chaining reusable steps."""
        result = func(self, *args, **kwargs)
        if not isinstance(result, DataFrame):
            raise ValueError(
                f"transform: the function must return a DataFrame, got {type(result).__name__}"
            )
        return result

    def pipe(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """``function(self, *args, **kwargs)``, whatever it returns."""
        return function(self, *args, **kwargs)

    def sample(
        self,
        fraction: float | None = None,
        size: int | None = None,
        with_replacement: bool = False,
        seed: int | None = None,
    ) -> DataFrame:
        """A random sample of the rows: ``fraction`` of them (each row kept
        with that probability) or exactly ``size`` rows (``with_replacement``
        lets a row be drawn more than once). The same ``seed`` gives the same
        sample of the same data. The input is computed first.
        """
        from daft._summary import sample

        return sample(self, fraction, size, with_replacement, seed)

    def describe(self) -> DataFrame:
        """The schema as a DataFrame: ``column_name`` and ``type`` per column."""
        from daft.io import from_pydict

        fields = self._builder.schema().fields()
        return from_pydict({"column_name": [n for n, _ in fields], "type": [t for _, t in fields]})

    def summarize(self) -> DataFrame:
        """One row of statistics per column: ``column``, ``type``, ``min`` and
        ``max`` (as text), ``count``, ``count_nulls`` and
        ``approx_count_distinct`` (exact here). Runs one aggregation query."""
        from daft._summary import summarize

        return summarize(self)

    # --- reshaping ------------------------------------------------------
    def unpivot(
        self,
        ids: Any,
        values: Any = None,
        variable_name: str = "variable",
        value_name: str = "value",
    ) -> DataFrame:
        """Wide to long: one row per input row and value column, with ``ids``
        kept, the column's name in ``variable_name`` and its value in
        ``value_name`` (the value columns' common type). ``values`` defaults to
        every non-id column.

        Example:
            >>> df.unpivot("id", ["q1", "q2"], variable_name="quarter", value_name="sales")
        """
        from daft._reshape import unpivot

        return unpivot(self, ids, values, variable_name, value_name)

    def explode(
        self,
        *columns: str | Expression,
        index_column: str | None = None,
        ignore_empty_and_null: bool = False,
    ) -> DataFrame:
        """One row per element of the list column(s), the other columns repeated.

        Several columns explode together: their k-th elements share a row (a
        shorter list is padded with nulls). A null or empty list gives one row
        with null, as in Daft, unless ``ignore_empty_and_null=True`` drops it.
        ``index_column`` adds each element's position in its list (UInt64).

        Example:
            >>> df.explode("tags", index_column="position")
        """
        exprs = _columns(columns)
        if not exprs:
            raise ValueError("explode needs at least one column")
        df = self
        # Expressions other than plain columns are computed first, by name.
        computed = {e.name(): e for e in exprs if repr(e) != f"col({e.name()})"}
        if computed:
            df = df.with_columns(computed)
        names = [e.name() for e in exprs]
        return DataFrame(df._builder.explode(names, index_column, ignore_empty_and_null))

    def melt(
        self,
        ids: Any,
        values: Any = None,
        variable_name: str = "variable",
        value_name: str = "value",
    ) -> DataFrame:
        """Alias of :meth:`unpivot`."""
        return self.unpivot(ids, values, variable_name, value_name)

    def pivot(
        self,
        group_by: Any,
        pivot_col: Any,
        value_col: Any,
        agg_fn: str,
        names: list[str] | None = None,
    ) -> DataFrame:
        """Long to wide: one row per ``group_by`` group and one column per
        distinct value of ``pivot_col``, holding ``agg_fn`` (``"sum"``,
        ``"mean"``, ``"min"``, ``"max"``, ``"count"``...) of ``value_col``.
        Without ``names`` the distinct values are found by running a query
        first (sorted; a null value's column is ``"None"``).

        Example:
            >>> sales.pivot("store", "month", "amount", "sum")
        """
        from daft._reshape import pivot

        return pivot(self, group_by, pivot_col, value_col, agg_fn, names)

    # --- aggregation ----------------------------------------------------
    def groupby(self, *group_by: str | Expression) -> GroupedDataFrame:
        """Groups rows by keys; follow with ``.agg(...)``."""
        keys = _columns(group_by)
        if not keys:
            raise ValueError("groupby() needs at least one key")
        # Resolve the keys now, so a wrong column fails here and not at agg().
        schema = self._builder.schema()
        for k in keys:
            k._expr.to_field(schema)
        return GroupedDataFrame(self, keys)

    def agg(self, *to_agg: Expression) -> DataFrame:
        """One row of aggregations over all rows, e.g. ``df.agg(col("x").sum())``."""
        return DataFrame(self._builder.aggregate([e._expr for e in _columns(to_agg)], []))

    def _agg_all(self, kind: str, cols: tuple) -> DataFrame:
        exprs = _columns(cols) if cols else self.columns
        return self.agg(*[getattr(e, kind)() for e in exprs])

    def sum(self, *cols: str | Expression) -> DataFrame:
        """Sum of each given column (all columns if none given)."""
        return self._agg_all("sum", cols)

    def mean(self, *cols: str | Expression) -> DataFrame:
        """Mean of each given column."""
        return self._agg_all("mean", cols)

    def min(self, *cols: str | Expression) -> DataFrame:
        """Minimum of each given column."""
        return self._agg_all("min", cols)

    def max(self, *cols: str | Expression) -> DataFrame:
        """Maximum of each given column."""
        return self._agg_all("max", cols)

    def count(self, *cols: str | Expression) -> DataFrame:
        """Counts, in one row. With no argument (or ``"*"``) the number of
        rows, in a column ``count`` (UInt64), as SQL's ``COUNT(*)``, and so
        with one int (``COUNT(1)``); with columns, the number of non-null
        values of each."""
        one = cols[0] if len(cols) == 1 else None
        if (
            not cols
            or (isinstance(one, str) and one == "*")
            or (isinstance(one, int) and not isinstance(one, bool))
        ):
            return self.agg(lit(True).count("all").alias("count"))
        if any(isinstance(c, str) and c == "*" for c in cols):
            raise ValueError("Cannot call count() with both * and column names")
        return self._agg_all("count", cols)

    def count_distinct(self, *cols: str | Expression) -> DataFrame:
        """Number of distinct non-null values of each given column (all if none)."""
        return self._agg_all("count_distinct", cols)

    def any_value(self, *cols: str | Expression) -> DataFrame:
        """Some non-null value of each given column."""
        return self._agg_all("any_value", cols)

    def agg_list(self, *cols: str | Expression) -> DataFrame:
        """All values of each given column as one list."""
        return self._agg_all("agg_list", cols)

    def agg_set(self, *cols: str | Expression) -> DataFrame:
        """The distinct non-null values of each given column as one list."""
        return self._agg_all("list_agg_distinct", cols)

    def agg_concat(self, *cols: str | Expression, delimiter: str | None = None) -> DataFrame:
        """The strings of each given column concatenated, ``delimiter``
        between them (none by default); nulls are skipped.

        Example:
            >>> daft.from_pydict({"s": ["a", None, "b"]}).agg_concat("s", delimiter="-")
        """
        exprs = _columns(cols) if cols else self.columns
        return self.agg(*[e.string_agg(delimiter) for e in exprs])

    def stddev(self, *cols: str | Expression, ddof: int = 1) -> DataFrame:
        """Standard deviation of each given column (``ddof=1``: sample)."""
        exprs = _columns(cols) if cols else self.columns
        return self.agg(*[e.stddev(ddof) for e in exprs])

    def var(self, *cols: str | Expression, ddof: int = 1) -> DataFrame:
        """Variance of each given column (``ddof=1``: sample)."""
        exprs = _columns(cols) if cols else self.columns
        return self.agg(*[e.var(ddof) for e in exprs])

    def product(self, *cols: str | Expression) -> DataFrame:
        """Product of each given column."""
        return self._agg_all("product", cols)

    def skew(self, *cols: str | Expression) -> DataFrame:
        """Population skewness of each given column."""
        return self._agg_all("skew", cols)

    # --- execution ------------------------------------------------------
    def collect(self, num_preview_rows: int | None = 8) -> DataFrame:
        """Runs the query and keeps the result in this DataFrame; returns it."""
        self._builder = self._builder.collect()
        return self

    def _materialized(self) -> PyLogicalPlan:
        if not self._builder.is_materialized():
            self.collect()
        return self._builder

    def show(self, n: int = 8) -> None:
        """Prints the first ``n`` rows as a table."""
        print(self._builder.format_table(n))

    def __repr__(self) -> str:
        if self._builder.is_materialized():
            from daft.context import get_context

            n = get_context().daft_execution_config.num_preview_rows
            total = self._builder.count_rows()
            text = self._builder.format_table(n)
            if total > n:
                text += f"\n(Showing first {n} of {total} rows)"
            return text
        return (
            f"{self.schema()!r}\n(No data to display: DataFrame not materialized; call .collect())"
        )

    def _repr_html_(self) -> str:
        """The notebook view: the first rows as an HTML table, as Daft shows it (no query
        runs for a DataFrame that has not been collected)."""
        from daft import _html

        return _html.dataframe(self)

    def count_rows(self) -> int:
        """Number of rows (runs the query if needed)."""
        return self._builder.count_rows()

    def __len__(self) -> int:
        if not self._builder.is_materialized():
            raise RuntimeError(
                "len() needs a materialized DataFrame; call .collect() or use .count_rows()"
            )
        return self._builder.count_rows()

    def explain(
        self, show_all: bool = False, format: str = "ascii", simple: bool = False, file: Any = None
    ) -> None:
        """Prints the logical plan, root first (to ``file`` if given); returns
        ``None``, as Daft does.

        With ``show_all=True`` it also shows the plan as lowered onto DataFusion,
        as DataFusion's optimizer rewrote it (projections and filters pushed into
        the scans) and the physical plan that runs (partitions, Parquet pruning).
        ``format`` and ``simple`` are accepted for Daft compatibility; the plan is
        always shown as an indented tree.
        """
        if format not in ("ascii", "mermaid"):
            raise ValueError(f"explain: format must be 'ascii' or 'mermaid', got {format!r}")
        if show_all:
            text = self._builder.explain(show_all=True)
        else:
            text = "== Logical Plan ==\n" + self._builder.explain()
        print(text, file=file)
        return None

    # --- conversion -----------------------------------------------------
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream interface: pyarrow, polars and duckdb read it."""
        return self._materialized().to_arrow_stream()

    def to_arrow(self) -> pa.Table:
        """The result as a pyarrow Table."""
        return pa.RecordBatchReader.from_stream(self).read_all()

    def to_pydict(self, maps_as_pydicts: str | None = None) -> dict[str, list[Any]]:
        """The result as ``{column: [values...]}``: tensors and images as numpy
        arrays, Python values as the objects, maps as (key, value) pairs or, with
        ``maps_as_pydicts="lossy"`` or ``"strict"``, as dicts."""
        from daft._logical import table_to_pydict

        return table_to_pydict(self.to_arrow(), maps_as_pydicts)

    def to_pylist(self, maps_as_pydicts: str | None = None) -> list[dict[str, Any]]:
        """The result as a list of ``{column: value}`` rows, values as :meth:`to_pydict`
        gives them."""
        from daft._logical import table_to_pylist

        return table_to_pylist(self.to_arrow(), maps_as_pydicts)

    def to_pandas(self) -> pandas.DataFrame:
        """The result as a pandas DataFrame (needs pandas installed)."""
        return self.to_arrow().to_pandas()

    # --- writing --------------------------------------------------------
    def _write(self, root_dir: str, write_mode: str, write: Any) -> DataFrame:
        root_dir = os.fspath(root_dir)
        if write_mode == "overwrite-partitions":
            raise ValueError(
                "write_mode='overwrite-partitions' needs partition_cols: it replaces the "
                "partitions written and keeps the others"
            )
        if write_mode not in ("append", "overwrite"):
            raise ValueError(
                f"write_mode must be 'append', 'overwrite' or 'overwrite-partitions', "
                f"got {write_mode!r}"
            )
        # The engine writes each file under a hidden name and renames it when
        # complete; "overwrite" swaps the new content in only once it is all
        # written (docs/user-guide.md, "Writing files").
        paths = write(root_dir, write_mode)
        from daft.io import from_pydict

        return from_pydict({"path": paths})

    def _write_fn(self, extension: str, options: dict[str, Any]) -> Any:
        """The native writer of ``extension`` with ``options``: ``(root_dir, mode)``
        to the paths written."""
        method = getattr(self._builder, f"write_{extension}")
        return lambda d, mode: method(d, write_mode=mode, **options)

    def _write_maybe_partitioned(
        self,
        root_dir: str,
        write_mode: str,
        partition_cols: list | None,
        extension: str,
        options: dict[str, Any],
        unsupported: dict[str, tuple[Any, Any]],
        io_config: IOConfig | None = None,
    ) -> DataFrame:
        from daft._io_config import is_remote, storage_paths
        from daft.io import _not_supported

        success_file = unsupported.pop("write_success_file", (False, False))[0]
        _not_supported(f"write_{extension}", **unsupported)
        (root_dir,), config = storage_paths(f"write_{extension}", [os.fspath(root_dir)], io_config)
        options = {**options, "io_config": config}
        if partition_cols is None:
            out = self._write(root_dir, write_mode, self._write_fn(extension, options))
        else:
            from daft._hive import write_partitioned

            out = write_partitioned(
                self,
                root_dir,
                list(partition_cols),
                write_mode,
                lambda part, d: part._write(d, "append", part._write_fn(extension, options)),
                extension,
                config,
            )
        if success_file:
            # An empty `_SUCCESS` in root_dir once every file is in place, as Daft
            # writes it; overwrites keep it (docs/user-guide.md).
            if is_remote(root_dir):
                from daft.daft import put_object

                put_object(root_dir.rstrip("/") + "/_SUCCESS", b"", config)
            else:
                with open(os.path.join(root_dir, "_SUCCESS"), "wb"):
                    pass
        return out

    def write_parquet(
        self,
        root_dir: str,
        compression: str = "snappy",
        write_mode: str = "append",
        write_success_file: bool = False,
        partition_cols: list[str | Expression] | None = None,
        io_config: IOConfig | None = None,
        column_compression: dict[str, str] | None = None,
        single_file: bool = False,
    ) -> DataFrame:
        """Writes the result as Parquet file(s) under ``root_dir``.

        ``write_mode="overwrite"`` replaces every file under ``root_dir``,
        ``"overwrite-partitions"`` (with ``partition_cols``) only the partitions written
        (see docs/user-guide.md). ``partition_cols`` writes Hive-style
        directories ``<column>=<value>/`` (as Daft does; the partition columns
        are left out of the files). Returns a DataFrame with a ``path`` column
        listing the files written (and the partition values of each).
        ``write_success_file=True`` adds an empty ``_SUCCESS`` file to
        ``root_dir`` once the write is complete. ``column_compression`` and
        ``single_file`` are not supported yet.
        """
        return self._write_maybe_partitioned(
            root_dir,
            write_mode,
            partition_cols,
            "parquet",
            {"compression": compression},
            {
                "write_success_file": (write_success_file, False),
                "column_compression": (column_compression, None),
                "single_file": (single_file, False),
            },
            io_config=io_config,
        )

    def write_csv(
        self,
        root_dir: str,
        write_mode: str = "append",
        partition_cols: list[str | Expression] | None = None,
        io_config: IOConfig | None = None,
        delimiter: str | None = None,
        quote: str | None = None,
        escape: str | None = None,
        header: bool | None = True,
        date_format: str | None = None,
        timestamp_format: str | None = None,
    ) -> DataFrame:
        """Writes the result as CSV file(s) with a header under ``root_dir``.

        ``write_mode="overwrite"`` replaces every file under ``root_dir``,
        ``"overwrite-partitions"`` (with ``partition_cols``) only the partitions written
        (see docs/user-guide.md); ``partition_cols`` as for
        :meth:`write_parquet`. Returns a DataFrame with a ``path`` column
        listing the files written.

        ``delimiter`` (default ``,``) and ``quote`` (``"``) are one character
        each; a quote inside a quoted field is doubled. ``escape`` is not
        supported yet (``NotImplementedError``). ``header=False``
        leaves out the line of column names. ``date_format`` and
        ``timestamp_format`` are ``strftime`` formats (default ISO 8601).
        """
        return self._write_maybe_partitioned(
            root_dir,
            write_mode,
            partition_cols,
            "csv",
            {
                "delimiter": delimiter,
                "quote": quote,
                "header": True if header is None else bool(header),
                "date_format": date_format,
                "timestamp_format": timestamp_format,
            },
            # arrow's writer escapes quotes but not the escape character
            # itself, so such a file may not read back: refused for now.
            {"escape": (escape, None)},
            io_config=io_config,
        )

    def write_json(
        self,
        root_dir: str,
        write_mode: str = "append",
        partition_cols: list[str | Expression] | None = None,
        io_config: IOConfig | None = None,
        ignore_null_fields: bool | None = False,
        date_format: str | None = None,
        timestamp_format: str | None = None,
    ) -> DataFrame:
        """Writes the result as newline-delimited JSON file(s) under ``root_dir``
        (one object per row; a null field is written as ``null``, or with
        ``ignore_null_fields=True`` left out, as in Daft). ``date_format`` and
        ``timestamp_format`` are ``strftime`` formats (default ISO 8601).

        ``write_mode="overwrite"`` replaces every file under ``root_dir``,
        ``"overwrite-partitions"`` (with ``partition_cols``) only the partitions written;
        ``partition_cols`` as for :meth:`write_parquet`. Returns a DataFrame
        with a ``path`` column listing the files written.
        """
        return self._write_maybe_partitioned(
            root_dir,
            write_mode,
            partition_cols,
            "json",
            {
                "ignore_null_fields": bool(ignore_null_fields),
                "date_format": date_format,
                "timestamp_format": timestamp_format,
            },
            {},
            io_config=io_config,
        )


class GroupedDataFrame:
    """A DataFrame grouped by keys, from :meth:`DataFrame.groupby`."""

    def __init__(self, df: DataFrame, keys: list[Expression]) -> None:
        self._df = df
        self._keys = keys

    def agg(self, *to_agg: Expression) -> DataFrame:
        """One row per group: the keys, then each aggregation."""
        exprs = _columns(to_agg)
        return DataFrame(
            self._df._builder.aggregate([e._expr for e in exprs], [k._expr for k in self._keys])
        )

    def _agg_all(self, kind: str, cols: tuple) -> DataFrame:
        key_names = {k.name() for k in self._keys}
        exprs = (
            _columns(cols) if cols else [c for c in self._df.columns if c.name() not in key_names]
        )
        return self.agg(*[getattr(e, kind)() for e in exprs])

    def sum(self, *cols: str | Expression) -> DataFrame:
        """Sum per group of each given column (all non-key columns if none)."""
        return self._agg_all("sum", cols)

    def mean(self, *cols: str | Expression) -> DataFrame:
        """Mean per group."""
        return self._agg_all("mean", cols)

    def min(self, *cols: str | Expression) -> DataFrame:
        """Minimum per group."""
        return self._agg_all("min", cols)

    def max(self, *cols: str | Expression) -> DataFrame:
        """Maximum per group."""
        return self._agg_all("max", cols)

    def count(self, *cols: str | Expression) -> DataFrame:
        """Number of non-null values per group."""
        return self._agg_all("count", cols)

    def agg_list(self, *cols: str | Expression) -> DataFrame:
        """The values of each group as lists."""
        return self._agg_all("agg_list", cols)


# Last: errors raised inside a method reach the caller named after it, with the
# caller's line last in the traceback (daft/_boundary.py).
_boundary.wrap_class(DataFrame)
_boundary.wrap_class(GroupedDataFrame)
