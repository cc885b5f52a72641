"""The partition methods of :class:`daft.DataFrame` (a mixin, so that
``dataframe.py`` keeps to its core): ``repartition``, ``into_partitions``,
``num_partitions``, ``iter_partitions``, and the streaming ``to_arrow_iter``
and ``iter_rows``. Semantics: docs/user-guide.md, "Partitions"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from daft.dataframe import DataFrame
    from daft.expressions import Expression
    from daft.recordbatch import MicroPartition

if TYPE_CHECKING:
    import pyarrow as pa
else:
    from daft._lazy import pa


def _count(num: Any, what: str, optional: bool) -> int | None:
    if num is None and optional:
        return None
    if isinstance(num, bool) or not isinstance(num, int):
        wanted = "an int or None" if optional else "an int"
        raise TypeError(f"{what}: num must be {wanted}, got {type(num).__name__} {num!r}")
    if num < 1:
        raise ValueError(f"{what}: num must be at least 1, got {num}")
    return num


def _buffer_size(results_buffer_size: Any, what: str) -> None:
    ok = results_buffer_size is None or results_buffer_size == "num_cpus"
    ok = ok or (
        isinstance(results_buffer_size, int)
        and not isinstance(results_buffer_size, bool)
        and results_buffer_size >= 1
    )
    if not ok:
        raise ValueError(
            f"{what}: results_buffer_size must be a positive int, None or 'num_cpus', "
            f"got {results_buffer_size!r}"
        )


class _OneStream:
    """Wraps a stream capsule for ``pa.RecordBatchReader.from_stream``."""

    def __init__(self, capsule: object) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._capsule


class Partitions:
    """Methods of DataFrame about how its rows are laid out over partitions,
    and the iterators that stream its result."""

    _builder: Any
    schema: Any

    def repartition(self, num: int | None, *partition_by: str | Expression) -> DataFrame:
        """The same rows in ``num`` partitions: rows with equal
        ``partition_by`` values in the same partition (hash partitioning),
        or, with no columns, spread evenly. ``num=None`` keeps the engine's
        parallelism. Row order across partitions is not kept.

        Real Daft ignores this on its native runner (with a warning); here
        it takes effect, as on Daft's Ray runner.

        Example:
            >>> df.repartition(4, "user_id").num_partitions()
            4
        """
        from daft.dataframe import DataFrame, _columns

        n = _count(num, "repartition", optional=True)
        return DataFrame(self._builder.repartition(n, [e._expr for e in _columns(partition_by)]))

    def into_partitions(self, num: int) -> DataFrame:
        """The same rows, in order, as ``num`` contiguous partitions of
        nearly equal length (splitting or coalescing, no shuffle). The rows
        are read to the end before the first partition is handed on.

        Example:
            >>> df = daft.from_pydict({"x": list(range(10))}).into_partitions(3)
            >>> [len(p) for p in df.iter_partitions()]
            [3, 3, 4]
        """
        from daft.dataframe import DataFrame

        return DataFrame(self._builder.into_partitions(_count(num, "into_partitions", False)))

    def num_partitions(self) -> int:
        """How many partitions the result has (plans the query; runs nothing).

        Real Daft returns ``None`` on its native runner; this engine always
        knows: the count of its parallel scan, or what ``repartition`` /
        ``into_partitions`` asked for, or 1 after a global sort or
        aggregation.
        """
        return self._builder.num_partitions()

    def iter_partitions(self, results_buffer_size: Any = "num_cpus") -> Iterator[MicroPartition]:
        """Yields the result's partitions in order, each a
        :class:`daft.recordbatch.MicroPartition` (``to_arrow()``,
        ``to_pydict()``, ``to_pylist()``, ``to_pandas()``, ``len()``).

        Every partition runs at once and the result is held in memory before
        the first is yielded; ``results_buffer_size`` is accepted for Daft
        compatibility.
        """
        from daft.recordbatch import MicroPartition

        _buffer_size(results_buffer_size, "iter_partitions")
        schema = self.schema()
        for capsule in self._builder.partitions():
            yield MicroPartition(
                pa.RecordBatchReader.from_stream(_OneStream(capsule)).read_all(), schema
            )

    def to_arrow_iter(self, results_buffer_size: Any = "num_cpus") -> Iterator[pa.RecordBatch]:
        """The result as pyarrow RecordBatches, in row order, computed while
        they are consumed: the query holds only the batches in flight, so a
        result larger than memory can be streamed. Stopping early stops the
        query. ``results_buffer_size`` is accepted for Daft compatibility.
        """
        _buffer_size(results_buffer_size, "to_arrow_iter")
        if self._builder.is_materialized():
            yield from pa.RecordBatchReader.from_stream(self)
            return
        for capsule in self._builder.stream():
            yield pa.RecordBatchReader.from_stream(_OneStream(capsule)).read_next_batch()

    def iter_rows(
        self, results_buffer_size: Any = "num_cpus", column_format: str = "python"
    ) -> Iterator[dict[str, Any]]:
        """Yields the rows as ``{column: value}`` dicts, streaming as
        :meth:`to_arrow_iter` does. ``column_format="arrow"`` gives pyarrow
        scalars instead of Python values.
        """
        if column_format not in ("python", "arrow"):
            raise ValueError(
                f"iter_rows: column_format must be 'python' or 'arrow', got {column_format!r}"
            )
        for batch in self.to_arrow_iter(results_buffer_size):
            if column_format == "python":
                from daft._logical import table_to_pylist

                yield from table_to_pylist(pa.Table.from_batches([batch]))
            else:
                names = batch.schema.names
                for i in range(batch.num_rows):
                    yield {n: batch.column(j)[i] for j, n in enumerate(names)}
