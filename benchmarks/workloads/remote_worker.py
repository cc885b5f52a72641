"""One tool of the object-store section (`benchmarks/workloads/remote.py`), run in that
tool's own environment.

Started as ``remote_worker.py TOOL CONFIG`` (``ours``, ``polars``, ``pyarrow``; CONFIG is
a JSON object with ``glob``, the ``s3://`` URL of the table's objects, and ``s3``, the
server's ``endpoint``, ``key_id`` and ``access_key``), it answers the requests of
`worker_support.serve`: ``{"task": "q2"}`` runs analytics query ``q2`` over the objects
once, reading them through the S3 API, and ``{"task": "q2", "check": true}`` answers the
result in the analytics section's canonical form (`analytics_worker.canonical`).

The queries are the analytics section's single-table ones (`analytics_worker.py`): this
engine and Polars run that section's code with their S3 settings; pyarrow, which has no
query language, runs the same plans with `pyarrow.dataset` (projection and filter pushed
into the scan) and Acero's group-by.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from analytics_worker import CUTOFF, DaftLike, Polars, canonical  # noqa: E402
from worker_support import serve  # noqa: E402

QUERIES = ("q1", "q2", "q5", "q6")


def ours(config: dict):
    import daft
    from daft.io import IOConfig, S3Config

    s3 = config["s3"]
    io = IOConfig(
        s3=S3Config(
            endpoint_url=s3["endpoint"],
            key_id=s3["key_id"],
            access_key=s3["access_key"],
            region_name="us-east-1",
        )
    )
    daft.set_planning_config(default_io_config=io)
    return DaftLike({"files": {}})


class _PolarsS3:
    """Polars with the server's settings on every `scan_parquet`."""

    def __init__(self, pl, options: dict) -> None:
        self._pl, self._options = pl, options

    def scan_parquet(self, path: str):
        return self._pl.scan_parquet(path, storage_options=self._options)

    def __getattr__(self, name: str):
        return getattr(self._pl, name)


def polars(config: dict):
    import polars as pl

    s3 = config["s3"]
    tool = Polars({"files": {}})
    tool.pl = _PolarsS3(
        pl,
        {
            "aws_endpoint_url": s3["endpoint"],
            "aws_access_key_id": s3["key_id"],
            "aws_secret_access_key": s3["access_key"],
            "aws_region": "us-east-1",
            "aws_allow_http": "true",
        },
    )
    return tool


class PyArrow:
    """The queries as pyarrow plans: a dataset scan with the columns and filter pushed
    down, then compute kernels and Acero's group-by."""

    def __init__(self, config: dict) -> None:
        import pyarrow.fs

        s3 = config["s3"]
        self.fs = pyarrow.fs.S3FileSystem(
            access_key=s3["key_id"],
            secret_key=s3["access_key"],
            endpoint_override=s3["endpoint"].removeprefix("http://"),
            scheme="http",
            region="us-east-1",
        )

    def query(self, q: str, url: str):
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.dataset as ds

        # A fresh dataset each run, so the objects are listed and their footers read each
        # run, as the other tools do.
        prefix = url.removeprefix("s3://").rsplit("/", 1)[0]
        data = ds.dataset(prefix, filesystem=self.fs, format="parquet")
        f = ds.field
        if q == "q1":
            t = data.to_table(columns=["k", "v1", "v2"], filter=f("v1") > 0.5)
            x = pc.add(pc.multiply(t["v1"], 2.0), t["v2"])
            return pa.table({"k": t["k"], "x": x})
        if q == "q2":
            t = data.to_table(columns=["k", "v1", "v2", "price"])
            out = t.group_by("k").aggregate(
                [("v1", "sum"), ("v2", "mean"), ("price", "sum"), ("k", "count")]
            )
            # Acero puts the aggregates first and the key last.
            out = out.select(["k", "v1_sum", "v2_mean", "price_sum", "k_count"])
            return out.rename_columns(["k", "sum_v1", "mean_v2", "sum_price", "n"])
        if q == "q5":
            return data.count_rows(filter=(f("v2") > 0.5) & (f("qty") <= 25))
        if q == "q6":
            cols = ["flag", "status", "qty", "price", "disc", "v1"]
            t = data.to_table(columns=cols, filter=f("d") <= pa.scalar(CUTOFF, pa.date32()))
            net = pc.multiply(t["price"], pc.subtract(1.0, t["disc"]))
            charge = pc.multiply(net, pc.add(1.0, t["v1"]))
            t = t.append_column("net", net).append_column("charge", charge)
            out = t.group_by(["flag", "status"]).aggregate(
                [
                    ("qty", "sum"),
                    ("price", "sum"),
                    ("net", "sum"),
                    ("charge", "sum"),
                    ("qty", "mean"),
                    ("price", "mean"),
                    ("disc", "mean"),
                    ("flag", "count"),
                ]
            )
            names = [
                "flag",
                "status",
                "sum_qty",
                "sum_base_price",
                "sum_disc_price",
                "sum_charge",
                "avg_qty",
                "avg_price",
                "avg_disc",
                "count_order",
            ]
            out = out.select(
                [
                    "flag",
                    "status",
                    "qty_sum",
                    "price_sum",
                    "net_sum",
                    "charge_sum",
                    "qty_mean",
                    "price_mean",
                    "disc_mean",
                    "flag_count",
                ]
            ).rename_columns(names)
            return out.sort_by([("flag", "ascending"), ("status", "ascending")])
        raise ValueError(q)

    def columns(self, result) -> tuple:
        if isinstance(result, int):
            return ["n"], [[result]]
        d = result.to_pydict()
        return list(d), list(d.values())


TOOLS = {"ours": ours, "polars": polars, "pyarrow": PyArrow}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=sorted(TOOLS))
    ap.add_argument("config", help="JSON object: glob, s3 (endpoint, key_id, access_key)")
    args = ap.parse_args()
    config = json.loads(args.config)
    tool = TOOLS[args.tool](config)

    def run(task: str):
        return tool.query(task, config["glob"])

    serve(run, check=lambda task: canonical(*tool.columns(run(task))))


if __name__ == "__main__":
    main()
