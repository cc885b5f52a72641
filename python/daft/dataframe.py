"""The DataFrame: a lazy query over Arrow data.

Methods build a logical plan; nothing runs until :meth:`DataFrame.collect`
(or a method that needs data: ``show``, ``to_pydict``, ``write_parquet``...).
A collected DataFrame keeps its result, so later methods start from it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from daft.daft import PyLogicalPlan
from daft.exceptions import DaftFieldNotFoundError
from daft.expressions import Expression, _to_expr, col
from daft.schema import Schema

if TYPE_CHECKING:
    import pandas

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


def _flags(value: bool | list[bool] | None, n: int, what: str, default: list[bool]) -> list[bool]:
    if value is None:
        return default
    if isinstance(value, bool):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ValueError(f"sort: {what} has {len(value)} value(s) for {n} key(s)")
    return value


class DataFrame:
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

    def __getitem__(self, name: str) -> Expression:
        if not isinstance(name, str):
            raise TypeError("df[...] takes a column name")
        if name not in self.column_names:
            raise DaftFieldNotFoundError(
                f"column {name!r} not found; available columns: {self.column_names}"
            )
        return col(name)

    def __contains__(self, name: object) -> bool:
        return name in self.column_names

    # --- transformations ------------------------------------------------
    def select(self, *columns: str | Expression) -> DataFrame:
        """The given columns or expressions, in that order."""
        return DataFrame(self._builder.select([e._expr for e in _columns(columns)]))

    def with_column(self, column_name: str, expr: Expression) -> DataFrame:
        """All columns plus ``expr`` named ``column_name`` (replacing a column of that name)."""
        return self.with_columns({column_name: expr})

    def with_columns(self, columns: dict[str, Expression]) -> DataFrame:
        """All columns plus each ``name: expr`` of ``columns`` (replacing same-named ones)."""
        new = {name: _to_expr(e).alias(name) for name, e in columns.items()}
        exprs = [new.pop(n) if n in new else col(n) for n in self.column_names]
        exprs.extend(new.values())
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

    def where(self, predicate: Expression) -> DataFrame:
        """The rows where ``predicate`` is true (null counts as false)."""
        if isinstance(predicate, str):
            raise TypeError("where() takes an Expression, e.g. daft.col('x') > 1")
        return DataFrame(self._builder.filter(_to_expr(predicate)._expr))

    def filter(self, predicate: Expression) -> DataFrame:
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

    def distinct(self) -> DataFrame:
        """The distinct rows, in order of first appearance."""
        return DataFrame(self._builder.distinct())

    def unique(self) -> DataFrame:
        """Alias of :meth:`distinct`."""
        return self.distinct()

    def drop_duplicates(self) -> DataFrame:
        """Alias of :meth:`distinct`."""
        return self.distinct()

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
        """Number of non-null values of each given column."""
        return self._agg_all("count", cols)

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
            total = self._builder.count_rows()
            text = self._builder.format_table(8)
            if total > 8:
                text += f"\n(Showing first 8 of {total} rows)"
            return text
        return (
            f"{self.schema()!r}\n(No data to display: DataFrame not materialized; call .collect())"
        )

    def count_rows(self) -> int:
        """Number of rows (runs the query if needed)."""
        return self._builder.count_rows()

    def __len__(self) -> int:
        if not self._builder.is_materialized():
            raise RuntimeError(
                "len() needs a materialized DataFrame; call .collect() or use .count_rows()"
            )
        return self._builder.count_rows()

    def explain(self, show_all: bool = False) -> str:
        """Prints the logical plan, root first, and returns it as text.

        With ``show_all=True`` it also shows the plan as lowered onto DataFusion,
        as DataFusion's optimizer rewrote it (projections and filters pushed into
        the scans) and the physical plan that runs (partitions, Parquet pruning).
        """
        if show_all:
            text = self._builder.explain(show_all=True)
        else:
            text = "== Logical Plan ==\n" + self._builder.explain()
        print(text)
        return text

    # --- conversion -----------------------------------------------------
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream interface: pyarrow, polars and duckdb read it."""
        return self._materialized().to_arrow_stream()

    def to_arrow(self) -> pa.Table:
        """The result as a pyarrow Table."""
        return pa.RecordBatchReader.from_stream(self).read_all()

    def to_pydict(self) -> dict[str, list]:
        """The result as ``{column: [values...]}``."""
        return self.to_arrow().to_pydict()

    def to_pylist(self) -> list[dict[str, Any]]:
        """The result as a list of ``{column: value}`` rows."""
        return self.to_arrow().to_pylist()

    def to_pandas(self) -> pandas.DataFrame:
        """The result as a pandas DataFrame (needs pandas installed)."""
        return self.to_arrow().to_pandas()

    def iter_rows(self):
        """Yields the rows as dicts."""
        yield from self.to_pylist()

    # --- writing --------------------------------------------------------
    def _write(self, root_dir: str, write_mode: str, write: Any) -> DataFrame:
        root_dir = os.fspath(root_dir)
        if write_mode not in ("append", "overwrite"):
            raise ValueError(f"write_mode must be 'append' or 'overwrite', got {write_mode!r}")
        # The engine writes each file under a hidden name and renames it when
        # complete; "overwrite" swaps the new content in only once it is all
        # written (docs/user-guide.md, "Writing files").
        paths = write(root_dir, write_mode)
        from daft.io import from_pydict

        return from_pydict({"path": paths})

    def write_parquet(
        self, root_dir: str, compression: str = "snappy", write_mode: str = "append"
    ) -> DataFrame:
        """Writes the result as Parquet file(s) under ``root_dir``.

        ``write_mode="overwrite"`` replaces every file under ``root_dir``
        (see docs/user-guide.md). Returns a DataFrame with a ``path`` column
        listing the files written.
        """
        return self._write(
            root_dir,
            write_mode,
            lambda d, mode: self._builder.write_parquet(d, compression, mode),
        )

    def write_csv(self, root_dir: str, write_mode: str = "append") -> DataFrame:
        """Writes the result as CSV file(s) with a header under ``root_dir``.

        ``write_mode="overwrite"`` replaces every file under ``root_dir``
        (see docs/user-guide.md). Returns a DataFrame with a ``path`` column
        listing the files written.
        """
        return self._write(root_dir, write_mode, self._builder.write_csv)


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
