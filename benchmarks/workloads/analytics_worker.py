"""One tool of the analytics section (`benchmarks/workloads/analytics.py`), run in that
tool's own environment.

Started as ``analytics_worker.py TOOL CONFIG`` (``ours``, ``datafusion``, ``duckdb``,
``polars``, ``daft``; CONFIG is a JSON object whose ``files`` map a name to a Parquet
file), it answers one JSON request per line on stdin with one JSON line on stdout:

- ``{"task": "q2@main"}`` runs query ``q2`` on file ``main`` once, the result
  materialised in the tool's own memory, and answers its wall and CPU time
  (``{"ns": ..., "cpu_ns": ...}``; CPU time is the process's, all threads);
- ``{"task": "q2@main", "check": true}`` runs it once more and answers the result in a
  canonical form the driver compares across tools (`canonical`).

``--once TASK`` instead runs TASK once in a fresh process and prints the peak resident
memory (`worker_support.peak_rss_bytes`) before and after it, with its wall and CPU time.

Only the tool being measured is imported (and, for the result check, nothing that tool's
environment lacks): each worker runs in a virtual environment with nothing else.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import sys
from pathlib import Path

# The worker runs by path in each tool's environment; its shared helpers are one level up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from worker_support import once, serve  # noqa: E402

# The TPC-H Q1 shape filters on `d <= DATE '1998-09-02'`.
CUTOFF = datetime.date(1998, 9, 2)
# A result with more rows than this is compared by a summary (`canonical`), not row by row.
FULL_ROWS = 2000

# The same queries in SQL, for DuckDB and DataFusion; `{t}` is the table.
SQL = {
    "q1": "SELECT k, v1 * 2.0 + v2 AS x FROM {t} WHERE v1 > 0.5",
    "q2": "SELECT k, sum(v1) AS sum_v1, avg(v2) AS mean_v2, sum(price) AS sum_price, "
    "count(*) AS n FROM {t} GROUP BY k",
    "q3": "SELECT s, sum(v1) AS sum_v1, avg(v2) AS mean_v2, sum(price) AS sum_price, "
    "count(*) AS n FROM {t} GROUP BY s",
    "q4": "SELECT * FROM {t} ORDER BY v2 LIMIT 100",
    "q5": "SELECT count(*) AS n FROM {t} WHERE v2 > 0.5 AND qty <= 25",
    "q6": "SELECT flag, status, sum(qty) AS sum_qty, sum(price) AS sum_base_price, "
    "sum(price * (1.0 - disc)) AS sum_disc_price, "
    "sum(price * (1.0 - disc) * (1.0 + v1)) AS sum_charge, avg(qty) AS avg_qty, "
    "avg(price) AS avg_price, avg(disc) AS avg_disc, count(*) AS count_order "
    "FROM {t} WHERE d <= DATE '1998-09-02' GROUP BY flag, status ORDER BY flag, status",
    "q7": "SELECT l.g, sum(l.a * r.b) AS s, count(*) AS n FROM {left} AS l "
    "JOIN {right} AS r ON l.id = r.id GROUP BY l.g",
    "q8": "SELECT k, v1, r FROM (SELECT k, v1, rank() OVER (PARTITION BY k ORDER BY v1 DESC) "
    "AS r FROM {t}) AS w WHERE r <= 3",
}


class DaftLike:
    """This engine and the real Daft: the same DataFrame API (`read_parquet`, `where`,
    `select`, `groupby`/`agg`, `sort`, `limit`, `count_rows`, `collect`)."""

    def __init__(self, config: dict) -> None:
        import daft

        self.daft = daft
        self.files = config["files"]

    def query(self, q: str, path: str):
        daft = self.daft
        col, lit = daft.col, daft.lit
        if q == "q7":
            left = daft.read_parquet(self.files["join_left"])
            right = daft.read_parquet(self.files["join_right"])
            return (
                left.join(right, on="id")
                .groupby("g")
                .agg((col("a") * col("b")).sum().alias("s"), col("id").count("all").alias("n"))
                .collect()
            )
        df = daft.read_parquet(path)
        if q == "q8":
            from daft.functions import rank

            w = daft.Window().partition_by("k").order_by("v1", desc=True)
            return df.select("k", "v1", rank().over(w).alias("r")).where(col("r") <= 3).collect()
        if q == "q1":
            return (
                df.where(col("v1") > 0.5)
                .select(col("k"), (col("v1") * 2.0 + col("v2")).alias("x"))
                .collect()
            )
        if q in ("q2", "q3"):
            return (
                df.groupby("k" if q == "q2" else "s")
                .agg(
                    col("v1").sum().alias("sum_v1"),
                    col("v2").mean().alias("mean_v2"),
                    col("price").sum().alias("sum_price"),
                    col("v1").count("all").alias("n"),
                )
                .collect()
            )
        if q == "q4":
            return df.sort(col("v2")).limit(100).collect()
        if q == "q5":
            return df.where((col("v2") > 0.5) & (col("qty") <= 25)).count_rows()
        if q == "q6":
            net = col("price") * (lit(1.0) - col("disc"))
            return (
                df.where(col("d") <= lit(CUTOFF))
                .groupby("flag", "status")
                .agg(
                    col("qty").sum().alias("sum_qty"),
                    col("price").sum().alias("sum_base_price"),
                    net.sum().alias("sum_disc_price"),
                    (net * (lit(1.0) + col("v1"))).sum().alias("sum_charge"),
                    col("qty").mean().alias("avg_qty"),
                    col("price").mean().alias("avg_price"),
                    col("disc").mean().alias("avg_disc"),
                    col("k").count("all").alias("count_order"),
                )
                .sort([col("flag"), col("status")])
                .collect()
            )
        raise ValueError(q)

    def columns(self, result) -> tuple:
        if isinstance(result, int):
            return ["n"], [[result]]
        d = result.to_pydict()
        return list(d), list(d.values())


class Polars:
    def __init__(self, config: dict) -> None:
        import polars as pl

        self.pl = pl
        self.files = config["files"]

    def query(self, q: str, path: str):
        pl = self.pl
        c = pl.col
        lf = pl.scan_parquet(path)
        if q == "q7":
            left = pl.scan_parquet(self.files["join_left"])
            right = pl.scan_parquet(self.files["join_right"])
            lf = (
                left.join(right, on="id")
                .group_by("g")
                .agg((c("a") * c("b")).sum().alias("s"), pl.len().alias("n"))
            )
        elif q == "q8":
            lf = lf.select(
                "k", "v1", c("v1").rank("min", descending=True).over("k").alias("r")
            ).filter(c("r") <= 3)
        elif q == "q1":
            lf = lf.filter(c("v1") > 0.5).select(c("k"), (c("v1") * 2.0 + c("v2")).alias("x"))
        elif q in ("q2", "q3"):
            lf = lf.group_by("k" if q == "q2" else "s").agg(
                c("v1").sum().alias("sum_v1"),
                c("v2").mean().alias("mean_v2"),
                c("price").sum().alias("sum_price"),
                pl.len().alias("n"),
            )
        elif q == "q4":
            lf = lf.sort("v2").head(100)
        elif q == "q5":
            return lf.filter((c("v2") > 0.5) & (c("qty") <= 25)).select(pl.len()).collect().item()
        elif q == "q6":
            net = c("price") * (1.0 - c("disc"))
            lf = (
                lf.filter(c("d") <= CUTOFF)
                .group_by("flag", "status")
                .agg(
                    c("qty").sum().alias("sum_qty"),
                    c("price").sum().alias("sum_base_price"),
                    net.sum().alias("sum_disc_price"),
                    (net * (1.0 + c("v1"))).sum().alias("sum_charge"),
                    c("qty").mean().alias("avg_qty"),
                    c("price").mean().alias("avg_price"),
                    c("disc").mean().alias("avg_disc"),
                    pl.len().alias("count_order"),
                )
                .sort("flag", "status")
            )
        else:
            raise ValueError(q)
        return lf.collect()

    def columns(self, result) -> tuple:
        if isinstance(result, int):
            return ["n"], [[result]]
        return list(result.columns), [result.get_column(n).to_list() for n in result.columns]


class DuckDB:
    def __init__(self, config: dict) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.files = config["files"]

    def query(self, q: str, path: str):
        # `execute` alone only starts a query (its result streams as it is fetched), so the
        # result is materialised as an Arrow table, as the Arrow-based tools' results are;
        # `sql(...).to_arrow_table()` is DuckDB's path for that without an extra copy.
        def table(p: str) -> str:
            return "read_parquet(" + "'" + p.replace("'", "''") + "')"

        sql = SQL[q].format(
            t=table(path),
            left=table(self.files["join_left"]),
            right=table(self.files["join_right"]),
        )
        return self.con.sql(sql).to_arrow_table()

    def columns(self, result) -> tuple:
        d = result.to_pydict()
        return list(d), list(d.values())


class DataFusion:
    def __init__(self, config: dict) -> None:
        import datafusion
        import pyarrow as pa

        self.datafusion, self.pa = datafusion, pa
        self.files = config["files"]

    def query(self, q: str, path: str):
        # A fresh session each run, so the file's footer is read each run, as the other
        # tools do with their `read_parquet(path)` / `scan_parquet(path)`.
        ctx = self.datafusion.SessionContext()
        ctx.register_parquet("t", path)
        if q == "q7":
            ctx.register_parquet("l", self.files["join_left"])
            ctx.register_parquet("r", self.files["join_right"])
        df = ctx.sql(SQL[q].format(t="t", left="l", right="r"))
        return df.schema(), df.collect()

    def columns(self, result) -> tuple:
        schema, batches = result
        d = self.pa.Table.from_batches(batches, schema=schema).to_pydict()
        return list(d), list(d.values())


def _plain(v):
    """A value as JSON can carry it and every tool agrees on: dates as ISO text."""
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    try:  # Decimal, numpy scalars
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def canonical(names: list, columns: list) -> dict:
    """The result in a form that does not depend on row order: the rows sorted, or, past
    FULL_ROWS rows, a summary of each column (count, exact float sum by `math.fsum`, min,
    max, distinct count for text) and the exact sum of the first two numeric columns'
    product, which ties the columns' rows together."""
    cols = [[_plain(v) for v in c] for c in columns]
    n = len(cols[0]) if cols else 0
    if n <= FULL_ROWS:
        rows = sorted(zip(*cols), key=lambda r: tuple((v is None, v) for v in r))
        return {"names": names, "rows": n, "values": [list(r) for r in rows]}
    summary = []
    numeric = []
    for c in cols:
        vals = [v for v in c if v is not None]
        entry = {"nulls": len(c) - len(vals), "min": min(vals), "max": max(vals)}
        if all(isinstance(v, (int, float)) for v in vals):
            floats = any(isinstance(v, float) for v in vals)
            entry["sum"] = math.fsum(vals) if floats else sum(vals)
            numeric.append(c)
        else:
            entry["distinct"] = len(set(vals))
        summary.append(entry)
    cross = None
    if len(numeric) >= 2:
        cross = math.fsum(a * b for a, b in zip(*numeric[:2]) if a is not None and b is not None)
    return {"names": names, "rows": n, "summary": summary, "cross": cross}


TOOLS = {
    "ours": DaftLike,
    "daft": DaftLike,
    "polars": Polars,
    "duckdb": DuckDB,
    "datafusion": DataFusion,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=sorted(TOOLS))
    ap.add_argument("config", help="JSON object: files (name -> Parquet path)")
    ap.add_argument("--once", help="run this task once and print the peak RSS")
    args = ap.parse_args()
    config = json.loads(args.config)
    files = config["files"]
    tool = TOOLS[args.tool](config)

    def run(task: str):
        q, name = task.split("@")
        return tool.query(q, files[name])

    if args.once:
        print(json.dumps(once(run, args.once)), flush=True)
        return
    serve(run, check=lambda task: canonical(*tool.columns(run(task))))


if __name__ == "__main__":
    main()
