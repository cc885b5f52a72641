"""One tool of the Python-UDF section (`benchmarks/workloads/udfs.py`), run in that
tool's own environment.

Started as ``udfs_worker.py TOOL CONFIG`` (``ours``, ``daft``, ``polars``, ``pandas``,
``pyarrow``; CONFIG is a JSON object with ``rows``), it builds the same data as every
other tool (``x``: the Int64 values 0 .. rows-1; ``s``: short ASCII strings from a fixed
formula) in its own memory, then answers one JSON request per line (see
`worker_support.serve`):

- ``{"task": "row_int"}`` runs that task once, the result materialised; its wall and CPU
  time;
- ``{"task": "row_int", "check": true}`` answers ``{"result": digest}``, a small summary
  of the result (its length and the sum of its values, or of their lengths, and its first
  and last values) that the driver compares with this engine's, or ``{"result": null}``
  when the tool has no way to run the task.

The tasks, the same function in every tool:

- ``row_int``: ``x + 1`` as a Python function called once per row;
- ``batch_int``: ``pyarrow.compute.add(x, 1)`` called per batch (a cheap batch UDF: what
  is left is the cost of the calls);
- ``batch_str``: ``pyarrow.compute.utf8_upper(s)`` called per batch (a batch UDF whose
  own work dominates).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from worker_support import serve  # noqa: E402

TASKS = ("row_int", "batch_int", "batch_str")


def columns(rows: int):
    import pyarrow as pa

    words = ["alpha", "Beta", "gamma delta", "É", "x", "mixed Case words", ""]
    x = pa.array(range(rows), pa.int64())
    s = pa.array([words[i % 7] + str(i % 1000) for i in range(rows)], pa.string())
    return x, s


def digest(values) -> dict:
    """Length, sum (of the values, or of the strings' lengths), first and last value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        total = pc.sum(pc.utf8_length(values)).as_py()
    else:
        total = pc.sum(values).as_py()
    return {
        "rows": len(values),
        "sum": total,
        "first": values[0].as_py() if len(values) else None,
        "last": values[-1].as_py() if len(values) else None,
    }


class DaftLike:
    """This engine and the real Daft: the same decorators, on a materialised frame."""

    def __init__(self, rows: int) -> None:
        import daft
        import pyarrow as pa
        import pyarrow.compute as pc

        x, s = columns(rows)
        self.df = daft.from_arrow(pa.table({"x": x, "s": s})).collect()
        col = daft.col

        @daft.func
        def inc(v: int) -> int:
            return v + 1

        @daft.func.batch(return_dtype=daft.DataType.int64())
        def inc_batch(v):
            return pc.add(v.to_arrow(), 1)

        @daft.func.batch(return_dtype=daft.DataType.string())
        def upper(v):
            return pc.utf8_upper(v.to_arrow())

        self.exprs = {
            "row_int": inc(col("x")),
            "batch_int": inc_batch(col("x")),
            "batch_str": upper(col("s")),
        }

    def run(self, task: str):
        return self.df.select(self.exprs[task]).collect()

    def check(self, task: str):
        out = self.run(task).to_arrow()
        return digest(out.column(0))


class Polars:
    """`map_elements` (one call per value) and `map_batches` (one call per column)."""

    def __init__(self, rows: int) -> None:
        import polars as pl
        import pyarrow.compute as pc

        x, s = columns(rows)
        self.pl = pl
        self.df = pl.DataFrame({"x": pl.from_arrow(x), "s": pl.from_arrow(s)})
        self.exprs = {
            "row_int": pl.col("x").map_elements(lambda v: v + 1, return_dtype=pl.Int64),
            "batch_int": pl.col("x").map_batches(
                lambda v: pl.from_arrow(pc.add(v.to_arrow(), 1)), return_dtype=pl.Int64
            ),
            "batch_str": pl.col("s").map_batches(
                lambda v: pl.from_arrow(pc.utf8_upper(v.to_arrow())), return_dtype=pl.String
            ),
        }

    def run(self, task: str):
        return self.df.select(self.exprs[task])

    def check(self, task: str):
        return digest(self.run(task).to_arrow().column(0))


class Pandas:
    """`Series.apply` (one call per value); pandas has no batch UDF of its own."""

    def __init__(self, rows: int) -> None:
        import pandas as pd

        x, _ = columns(rows)
        self.x = pd.Series(x.to_numpy())

    def run(self, task: str):
        if task != "row_int":
            raise ValueError(f"pandas has no {task}")
        return self.x.apply(lambda v: v + 1)

    def check(self, task: str):
        import pyarrow as pa

        if task != "row_int":
            return None
        return digest(pa.array(self.run(task), pa.int64()))


class PyArrow:
    """The baselines: the same pyarrow function on the whole column, called directly,
    and for the row-wise task a plain Python loop over the values."""

    def __init__(self, rows: int) -> None:
        import pyarrow as pa

        x, s = columns(rows)
        self.table = pa.table({"x": x, "s": s})

    def run(self, task: str):
        import pyarrow as pa
        import pyarrow.compute as pc

        if task == "row_int":
            return pa.array([v + 1 for v in self.table.column("x").to_pylist()], pa.int64())
        if task == "batch_int":
            return pc.add(self.table.column("x"), 1)
        return pc.utf8_upper(self.table.column("s"))

    def check(self, task: str):
        return digest(self.run(task))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("config")
    args = ap.parse_args()
    rows = json.loads(args.config)["rows"]
    impl = {
        "ours": DaftLike,
        "daft": DaftLike,
        "polars": Polars,
        "pandas": Pandas,
        "pyarrow": PyArrow,
    }[args.tool](rows)
    serve(impl.run, impl.check)


if __name__ == "__main__":
    main()
