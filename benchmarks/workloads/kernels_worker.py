"""One tool of the function-kernels section (`benchmarks/workloads/kernels.py`), run in
that tool's own environment.

Started as ``kernels_worker.py TOOL CONFIG`` (``ours``, ``daft``, ``polars``, ``duckdb``;
CONFIG is a JSON object whose ``files`` map a data set's name to an Arrow IPC file), it
reads every file into the tool's own memory first, then answers one JSON request per line
on stdin with one JSON line on stdout:

- ``{"task": "hash_int"}`` evaluates that kernel's expression over the in-memory data
  once, the result materialised, and answers its wall and CPU time;
- ``{"task": "hash_int:base"}`` does the same with the input columns selected unchanged
  (the cost of a select and collect without the kernel);
- ``{"task": "hash_int", "check": true}`` evaluates it once more, writes the result as
  the Arrow IPC file ``CHECK_DIR/TOOL-TASK.arrow`` (CONFIG's ``check_dir``) and answers
  ``{"result": {"rows": N, "path": ...}}``, or ``{"result": {"absent": true}}`` when the
  tool has no built-in for the kernel. The driver compares the files across tools: the
  worker's environment may lack pyarrow and numpy, so it compares nothing itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# The worker runs by path in each tool's environment; its shared helpers are one level up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from worker_support import serve  # noqa: E402

# task -> (data set, input columns). The same in every tool.
TASKS = {
    "date_parts": ("dates", ["ts"]),
    "list_sum": ("lists", ["l"]),
    "levenshtein": ("words", ["a", "b"]),
    "jaro_winkler": ("words", ["a", "b"]),
    "hash_int": ("hashes", ["x"]),
    "hash_str": ("hashes", ["s"]),
}

# The kernels in SQL for DuckDB; `{t}` is the registered Arrow table of the task's data.
SQL = {
    "date_parts": "SELECT year(ts) AS year, month(ts) AS month, day(ts) AS day, "
    "hour(ts) AS hour FROM {t}",
    "list_sum": "SELECT list_sum(l) AS s FROM {t}",
    "levenshtein": "SELECT levenshtein(a, b) AS d FROM {t}",
    "jaro_winkler": "SELECT jaro_winkler_similarity(a, b) AS j FROM {t}",
    "hash_int": "SELECT hash(x) AS h FROM {t}",
    "hash_str": "SELECT hash(s) AS h FROM {t}",
}


def _read_ipc(path: str):
    """The whole file as a pyarrow Table in this process's memory: read through a plain
    file (not a memory map), so no page of it is fetched from disk during a timed run."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with pa.OSFile(path) as f:
        return ipc.open_file(f).read_all()


class DaftLike:
    """This engine and the real Daft: `daft.from_arrow(table)` once, materialised, then
    `df.select(kernel).collect()` per run (the result stays in the engine's memory)."""

    def __init__(self, config: dict) -> None:
        import daft
        import daft.functions as F

        self.daft, self.F = daft, F
        self.frames = {}
        for name, path in config["files"].items():
            df = daft.from_arrow(_read_ipc(path)).collect()
            if len(df) == 0:
                raise SystemExit(f"{name}: no rows")
            self.frames[name] = df

    def exprs(self, task: str) -> list:
        col, F = self.daft.col, self.F
        if task == "date_parts":
            ts = col("ts")
            return [
                ts.year().alias("year"),
                ts.month().alias("month"),
                ts.day().alias("day"),
                ts.hour().alias("hour"),
            ]
        if task == "list_sum":
            return [col("l").list_sum().alias("s")]
        if task == "levenshtein":
            return [F.levenshtein_distance(col("a"), col("b")).alias("d")]
        if task == "jaro_winkler":
            return [F.jaro_winkler_similarity(col("a"), col("b")).alias("j")]
        if task == "hash_int":
            return [col("x").hash().alias("h")]  # XXH3-64 by default in both
        if task == "hash_str":
            return [col("s").hash().alias("h")]
        raise ValueError(task)

    def run(self, task: str):
        kernel, _, base = task.partition(":")
        data, inputs = TASKS[kernel]
        exprs = [self.daft.col(c) for c in inputs] if base else self.exprs(kernel)
        return self.frames[data].select(*exprs).collect()

    def write(self, result, path: str) -> int:
        import pyarrow.ipc as ipc

        table = result.to_arrow()
        with ipc.new_file(path, table.schema) as w:
            w.write_table(table)
        return table.num_rows


class Polars:
    """Polars, eager: `pl.read_ipc` once, then `df.select(...)` per run. The frames are
    not rechunked: their chunks are the file's record batches, as in the other tools."""

    def __init__(self, config: dict) -> None:
        import polars as pl

        self.pl = pl
        # From the file's bytes in memory: `read_ipc(path)` may memory-map the file, and
        # then a timed run could fetch pages from disk.
        self.frames = {
            name: pl.read_ipc(Path(path).read_bytes()) for name, path in config["files"].items()
        }

    def exprs(self, task: str):
        c = self.pl.col
        if task == "date_parts":
            ts = c("ts").dt
            return [
                ts.year().alias("year"),
                ts.month().alias("month"),
                ts.day().alias("day"),
                ts.hour().alias("hour"),
            ]
        if task == "list_sum":
            return [c("l").list.sum().alias("s")]
        if task in ("levenshtein", "jaro_winkler"):
            # Polars has no built-in string similarity (only third-party plugins, which
            # this benchmark does not install).
            return None
        if task == "hash_int":
            return [c("x").hash().alias("h")]
        if task == "hash_str":
            return [c("s").hash().alias("h")]
        raise ValueError(task)

    def run(self, task: str):
        kernel, _, base = task.partition(":")
        data, inputs = TASKS[kernel]
        exprs = [self.pl.col(c) for c in inputs] if base else self.exprs(kernel)
        return self.frames[data].select(exprs)

    def write(self, result, path: str) -> int:
        result.write_ipc(path, compression="uncompressed")
        return result.height


class DuckDB:
    """DuckDB: each data set a registered in-memory Arrow table, each kernel one SQL query
    whose result is materialised as an Arrow table (`to_arrow_table()`)."""

    def __init__(self, config: dict) -> None:
        import duckdb

        self.con = duckdb.connect()
        # Registered tables are scanned in place; the Python objects must stay alive.
        self.tables = {name: _read_ipc(path) for name, path in config["files"].items()}
        for name, table in self.tables.items():
            self.con.register(name, table)

    def exprs(self, task: str):
        return SQL[task]

    def run(self, task: str):
        kernel, _, base = task.partition(":")
        data, inputs = TASKS[kernel]
        sql = f"SELECT {', '.join(inputs)} FROM {{t}}" if base else SQL[kernel]
        return self.con.sql(sql.format(t=data)).to_arrow_table()

    def write(self, result, path: str) -> int:
        import pyarrow.ipc as ipc

        with ipc.new_file(path, result.schema) as w:
            w.write_table(result)
        return result.num_rows


TOOLS = {"ours": DaftLike, "daft": DaftLike, "polars": Polars, "duckdb": DuckDB}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=sorted(TOOLS))
    ap.add_argument("config", help="JSON object: files (data set -> Arrow IPC path)")
    args = ap.parse_args()
    config = json.loads(args.config)
    tool = TOOLS[args.tool](config)

    def check(task: str) -> dict:
        if tool.exprs(task) is None:
            return {"absent": True}
        path = str(Path(config["check_dir"]) / f"{args.tool}-{task}.arrow")
        return {"rows": tool.write(tool.run(task), path), "path": path}

    serve(tool.run, check=check)


if __name__ == "__main__":
    main()
