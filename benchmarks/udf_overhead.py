"""A quick measure of Python UDF overhead (issue 12), run in any environment that has
``daft`` (this engine's or real Daft's) and pyarrow: 1 M Int64 rows, ``x + 1`` as a
row-wise ``@daft.func`` and as a ``@daft.func.batch`` calling ``pyarrow.compute.add``,
against the same ``pyarrow.compute.add`` on the whole column, a plain Python loop, and
the engine's native ``x + 1`` (what a function in a native plugin costs alike).
Best of a few runs; it prints one line. ``make bench`` (section 10, ``make bench-udfs``)
compares UDFs with Daft, Polars, pandas and pyarrow; this is the quick check of the ratio
to native code, also runnable side by side in two environments::

    .venv/bin/python benchmarks/udf_overhead.py
    /path/to/daft-venv/bin/python benchmarks/udf_overhead.py
"""

from __future__ import annotations

import time

import daft
import pyarrow as pa
import pyarrow.compute as pc
from daft import col

ROWS = 1_000_000


def best(f, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    arr = pa.array(range(ROWS), pa.int64())
    df = daft.from_arrow(pa.table({"x": arr})).collect()

    @daft.func
    def inc(x: int) -> int:
        return x + 1

    @daft.func.batch(return_dtype=daft.DataType.int64())
    def inc_batch(x):
        return pc.add(x.to_arrow(), 1)

    row = best(lambda: df.select(inc(col("x"))).collect(), 3)
    batch = best(lambda: df.select(inc_batch(col("x"))).collect(), 5)
    direct = best(lambda: pc.add(arr, 1), 5)
    loop = best(lambda: [v + 1 for v in arr.to_pylist()], 3)
    native = best(lambda: df.select(col("x") + 1).collect(), 5)
    print(
        f"daft {daft.__version__}: row-wise {row * 1e3:.0f} ms ({row / ROWS * 1e9:.0f} ns/row), "
        f"batch {batch * 1e3:.1f} ms, pyarrow on the whole column {direct * 1e3:.1f} ms, "
        f"Python loop {loop * 1e3:.0f} ms, native x + 1 {native * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
