"""Runs one benchmark workload in a loop, for a profiler to watch (benchmarks/analysis.md).

    python benchmarks/profile_calls.py q2 plugin 3

runs question 2's plugin variant three times. Workloads: ``q1-abs``, ``q1-reverse`` (one
function over the 10-million-integer or 1-million-string column), ``q2`` (8 calls on each of
100,000 batches of 8 rows), ``qagg`` (``groupby(k).agg(sum(x))`` over the 10 million integers
in 1,000 groups: ``sum`` against the plugin aggregate ``bench_sum``), ``q6`` (the parquet
query); kinds: ``builtin``, ``plugin``. It
reads the data files `make bench` generated under ``target/bench/data`` and needs the
benchmark plugin loaded (``DAFT_PLUGIN_PATH`` naming its library, or its wheel installed).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import daft
import daft.functions as F
import pyarrow as pa
import pyarrow.ipc as ipc

DATA = Path(__file__).resolve().parent.parent / "target" / "bench" / "data"


def _read(name: str):
    return ipc.open_file(pa.memory_map(str(DATA / name))).read_all()


def main() -> None:
    workload, kind = sys.argv[1], sys.argv[2]
    loops = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    col = daft.col

    def fn(kernel: str):
        return getattr(F, kernel if kind == "builtin" else f"bench_{kernel}")

    if workload in ("q1-abs", "q1-reverse"):
        kernel = workload.split("-")[1]
        name = "x" if kernel == "abs" else "s"
        df = daft.from_arrow(
            _read("ints-10000000.arrow" if kernel == "abs" else "strs-1000000.arrow")
        )

        def run():
            df.select(fn(kernel)(col(name))).collect()

    elif workload == "q2":
        df = daft.from_arrow(_read("tiny-100000x8.arrow").to_batches())
        exprs = [fn("abs")(col("x")).alias(f"a{i}") for i in range(8)]

        def run():
            df.select(*exprs).collect()

    elif workload == "qagg":
        df = daft.from_arrow(_read("ints-10000000.arrow"))
        grouped = df.with_column("k", col("x") % 1000).collect()
        agg = col("x").sum() if kind == "builtin" else F.bench_sum(col("x"))

        def run():
            grouped.groupby("k").agg(agg.alias("sum")).collect()

    elif workload == "q6":
        path = str(DATA / "table-10000000.parquet")

        def run():
            (
                daft.read_parquet(path)
                .where(col("x") > -500_000)
                .select(col("k"), fn("abs")(col("x")).alias("a"), fn("reverse")(col("s")))
                .groupby("k")
                .agg(col("a").sum(), col("s").max())
                .collect()
            )

    else:
        raise SystemExit(f"unknown workload {workload!r}: q1-abs, q1-reverse, q2, qagg or q6")
    for _ in range(loops):
        started = time.perf_counter()
        run()
        print(f"{workload} {kind}: {(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
