"""One contender of `benchmarks/run.py`, run in that contender's own environment.

A worker is started with the name of a tool (``ours``, ``daft``, ``polars``, ``pyarrow``,
``duckdb``) and the data files, loads the data once, then answers one JSON request per
line on stdin with one JSON line on stdout: ``{"task": "..."}`` runs that task once and
answers ``{"ns": <wall time of the task>}``. The driver interleaves the workers' runs.

``--once TASK`` instead runs TASK once in a fresh process and prints the peak resident
memory (`worker_support.peak_rss_bytes`) before and after it, for the memory table.

Only the modules of the tool being measured are imported, so each worker runs in a
virtual environment that has nothing but that tool (and its own dependencies).
"""

from __future__ import annotations

import argparse
import json

from worker_support import once, serve


def _row_udf_reverse(s):
    return None if s is None else s[::-1]


def _row_udf_abs(x):
    return None if x is None else abs(x)


class Ours:
    """This project's engine, with the benchmark plugin loaded."""

    def __init__(self, data: dict) -> None:
        import daft
        import daft.functions as F
        import pyarrow as pa
        import pyarrow.ipc as ipc

        self.daft, self.F = daft, F
        rows = daft.plugins().to_pydict()
        status = dict(zip(rows["name"], rows["status"]))
        if status.get("bench") != "loaded":
            raise SystemExit(f"the bench plugin is not loaded: {status}")
        self.ints = daft.from_arrow(ipc.open_file(pa.memory_map(data["ints"])).read_all())
        self.strs = daft.from_arrow(ipc.open_file(pa.memory_map(data["strs"])).read_all())
        if data.get("tiny"):
            tiny = ipc.open_file(pa.memory_map(data["tiny"])).read_all()
            # Keep the file's many small record batches: each is one morsel.
            self.tiny = daft.from_arrow(tiny.to_batches())
            self.tiny_calls = int(data["tiny_calls"])
        self.parquet = data.get("parquet")
        # 1,000 groups over the Int64 column, materialized once, for the aggregate twins.
        self.grouped = self.ints.with_column("k", daft.col("x") % 1000).collect()
        # The twins must agree before their times mean anything (checked by the persistent
        # worker; a `--once` process measures memory or a profile and must not do more).
        checks = (("abs", self.ints, "x"), ("reverse", self.strs, "s"))
        for kernel, df, name in checks if data.get("check", True) else ():
            got = [
                df.select(self._fn(kind, kernel)(daft.col(name)).alias("out")).to_arrow()
                for kind in ("builtin", "plugin")
            ]
            if not got[0].equals(got[1]):
                raise SystemExit(f"bench_{kernel} and {kernel} disagree")
        # An isolated plugin's aggregates are not registered (question 8 runs isolated).
        if data.get("check", True) and hasattr(F, "bench_sum"):
            sums = [self._grouped_sum(kind).sort("k").to_arrow() for kind in ("builtin", "plugin")]
            if not sums[0].equals(sums[1]):
                raise SystemExit("bench_sum and sum disagree")

    def _grouped_sum(self, kind: str):
        x = self.daft.col("x")
        agg = x.sum() if kind == "builtin" else self.F.bench_sum(x)
        return self.grouped.groupby("k").agg(agg.alias("sum"))

    def _fn(self, kind: str, kernel: str):
        if kind == "builtin":
            return getattr(self.F, kernel)
        return getattr(self.F, f"bench_{kernel}")

    def run(self, task: str) -> None:
        # task: q1.<builtin|plugin|plugin_full>.<abs|reverse>, q2.<...>, q6.<builtin|plugin>,
        # qagg.<builtin|plugin>
        q, kind, *rest = task.split(".")
        self.daft.daft.set_plugin_strict_validation(kind == "plugin_full")
        col = self.daft.col
        if q in ("q1", "q3", "mem"):
            kernel = rest[0]
            df, name = (self.ints, "x") if kernel == "abs" else (self.strs, "s")
            df.select(self._fn(kind, kernel)(col(name))).collect()
        elif q == "qagg":
            self._grouped_sum(kind).collect()
        elif q == "q2":
            fn = self._fn(kind, "abs")
            exprs = [fn(col("x")).alias(f"a{i}") for i in range(self.tiny_calls)]
            self.tiny.select(*exprs).collect()
        elif q == "q6":
            abs_, rev = self._fn(kind, "abs"), self._fn(kind, "reverse")
            (
                self.daft.read_parquet(self.parquet)
                .where(col("x") > -500_000)
                .select(col("k"), abs_(col("x")).alias("a"), rev(col("s")).alias("r"))
                .groupby("k")
                .agg(col("a").sum(), col("r").max())
                .collect()
            )
        else:
            raise ValueError(task)


class RealDaft:
    """The real Daft from PyPI: built-ins, the daft-ext twin and @daft.func UDFs."""

    def __init__(self, data: dict) -> None:
        import warnings

        import daft
        import pyarrow as pa
        import pyarrow.ipc as ipc

        self.daft = daft
        self.ints = daft.from_arrow(ipc.open_file(pa.memory_map(data["ints"])).read_all())
        self.strs = daft.from_arrow(ipc.open_file(pa.memory_map(data["strs"])).read_all())
        self.parquet = data.get("parquet")
        self.udf_reverse = daft.func(return_dtype=daft.DataType.string())(_row_udf_reverse)
        self.udf_abs = daft.func(return_dtype=daft.DataType.int64())(_row_udf_abs)
        self.twin = None
        if data.get("twin"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "native extensions are experimental"
                daft.load_extension(data["twin"])
            self.twin = True

    def run(self, task: str) -> None:
        q, kind, *rest = task.split(".")
        daft, col = self.daft, self.daft.col
        if q in ("q3",):
            kernel = rest[0]
            df, e = (self.ints, col("x")) if kernel == "abs" else (self.strs, col("s"))
            if kind == "builtin":
                out = e.abs() if kernel == "abs" else daft.functions.reverse(e)
            elif kind == "ext":
                out = daft.get_function(f"twin_{kernel}", e)
            elif kind == "udf":
                out = (self.udf_abs if kernel == "abs" else self.udf_reverse)(e)
            else:
                raise ValueError(task)
            df.select(out).collect()
        elif q == "q6":
            (
                daft.read_parquet(self.parquet)
                .where(col("x") > -500_000)
                .select(
                    col("k"),
                    col("x").abs().alias("a"),
                    daft.functions.reverse(col("s")).alias("r"),
                )
                .groupby("k")
                .agg(col("a").sum(), col("r").max())
                .collect()
            )
        else:
            raise ValueError(task)


class Polars:
    def __init__(self, data: dict) -> None:
        import polars as pl

        self.pl = pl
        self.ints = pl.read_ipc(data["ints"])
        self.strs = pl.read_ipc(data["strs"])
        self.parquet = data.get("parquet")

    def run(self, task: str) -> None:
        q, kind, *rest = task.split(".")
        pl = self.pl
        if q == "q3":
            kernel = rest[0]
            df, e = (self.ints, pl.col("x")) if kernel == "abs" else (self.strs, pl.col("s"))
            if kind == "builtin":
                out = e.abs() if kernel == "abs" else e.str.reverse()
            elif kind == "udf":
                fn, dt = (
                    (_row_udf_abs, pl.Int64) if kernel == "abs" else (_row_udf_reverse, pl.String)
                )
                out = e.map_elements(fn, return_dtype=dt)
            else:
                raise ValueError(task)
            df.select(out)
        elif q == "q6":
            (
                pl.scan_parquet(self.parquet)
                .filter(pl.col("x") > -500_000)
                .select(
                    pl.col("k"), pl.col("x").abs().alias("a"), pl.col("s").str.reverse().alias("r")
                )
                .group_by("k")
                .agg(pl.col("a").sum(), pl.col("r").max())
                .collect()
            )
        else:
            raise ValueError(task)


class PyArrow:
    def __init__(self, data: dict) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.ipc as ipc

        self.pc = pc
        self.x = ipc.open_file(pa.memory_map(data["ints"])).read_all().column("x")
        self.s = ipc.open_file(pa.memory_map(data["strs"])).read_all().column("s")

    def run(self, task: str) -> None:
        q, kind, kernel = task.split(".")
        if q != "q3" or kind != "builtin":
            raise ValueError(task)
        if kernel == "abs":
            self.pc.abs(self.x)
        else:
            self.pc.utf8_reverse(self.s)


class DuckDB:
    def __init__(self, data: dict) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.parquet = data.get("parquet")

    def run(self, task: str) -> None:
        if task != "q6.builtin":
            raise ValueError(task)
        self.con.execute(
            "SELECT k, sum(abs(x)) AS a, max(reverse(s)) AS r FROM read_parquet(?) "
            "WHERE x > -500000 GROUP BY k",
            [self.parquet],
        ).fetchall()


TOOLS = {"ours": Ours, "daft": RealDaft, "polars": Polars, "pyarrow": PyArrow, "duckdb": DuckDB}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=sorted(TOOLS))
    ap.add_argument("data", help="JSON object of data file paths")
    ap.add_argument("--once", help="run this task once and print the peak RSS")
    args = ap.parse_args()
    data = json.loads(args.data)
    if args.once:
        data["check"] = False
    tool = TOOLS[args.tool](data)
    if args.once:
        out = once(tool.run, args.once)
        print(json.dumps({"rss_before": out["rss_before"], "rss_after": out["rss_after"]}))
        return
    serve(tool.run)


if __name__ == "__main__":
    main()
