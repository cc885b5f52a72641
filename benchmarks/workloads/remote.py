"""Question 12: the analytics section's single-table queries over objects in an S3-compatible
server, this engine against Polars' and pyarrow's S3 readers of the same objects.

The server is moto's server mode on 127.0.0.1 (`tests/servers.py`, as the tests use it),
started by the driver; the analytics file of `Sizes.remote_rows` rows is uploaded as
`REMOTE_OBJECTS` objects and every tool reads them by the glob `s3://bench/table/*.parquet`
(pyarrow: the prefix as a dataset). Every tool's result is compared with this engine's
(`_check`) before anything is timed. The timed runs talk to the server directly; a second
worker of each tool goes through a proxy of its own that counts the bytes the server sends
back, so the report gives each tool's bytes fetched per query beside its time.

moto is a Python server: its throughput bounds every tool alike, so the ratios say how
well each reader uses a slow store (fetching less, in parallel), not how fast a real
S3 endpoint would be read.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from common import ROOT, Worker, interleave, log
from report import fmt3, ratio_str, stats

from workloads import analytics
from workloads.kernels import provenance

if TYPE_CHECKING:
    from report import Report
    from run import Setup, Sizes

WORKER = Path(__file__).with_name("remote_worker.py")
HEADING = "## 12. Reading from an object store"
REMOTE_OBJECTS = 4
BUCKET = "bench"
# This engine's time at most this multiple of the fastest peer's (the target).
TARGET = 1.2

TOOLS = [("ours", "this engine"), ("polars", "Polars"), ("pyarrow", "pyarrow")]
LABEL = dict(TOOLS)
QUERIES = [q for q in analytics.QUERIES if q[0] in ("q1", "q2", "q5", "q6")]
CALLS = {
    "ours": "`daft.read_parquet(glob)` with `S3Config(endpoint_url=..., key_id=..., "
    "access_key=...)` as the session's default `io_config`, then the analytics code",
    "polars": "`pl.scan_parquet(glob, storage_options={aws_endpoint_url, ...})`, then the "
    "analytics code",
    "pyarrow": "`pyarrow.dataset.dataset(prefix, filesystem=S3FileSystem(...))`, "
    "`to_table(columns=..., filter=...)` (pushed into the scan), then compute kernels and "
    "`Table.group_by`",
}


def _upload(server, path: str) -> int:
    """Uploads the rows of the Parquet file `path` as REMOTE_OBJECTS objects (whole row
    groups each); returns the objects' total size."""
    import io

    import pyarrow.parquet as pq

    src = pq.ParquetFile(path)
    groups = list(range(src.num_row_groups))
    client = server.client()
    client.create_bucket(Bucket=BUCKET)
    total = 0
    per = max(1, -(-len(groups) // REMOTE_OBJECTS))
    for i in range(0, len(groups), per):
        table = src.read_row_groups(groups[i : i + per])
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="snappy", row_group_size=analytics.ROW_GROUP_ROWS)
        total += buf.tell()
        client.put_object(Bucket=BUCKET, Key=f"table/part-{i // per}.parquet", Body=buf.getvalue())
    return total


def run(rep: Report, setup: Setup, sizes: Sizes, command: str) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from servers import CountingProxy, S3Server

    tools = [t for t, _ in TOOLS if t in setup.pythons]
    if tools[0] != "ours":
        raise SystemExit("remote: this engine is not set up")
    started = datetime.datetime.now()
    load_start = os.getloadavg()
    rows = sizes.remote_rows
    server = S3Server()
    proxies: dict = {}
    workers: dict = {}
    counters: dict = {}
    try:
        size = _upload(server, analytics.data_file(rows))
        log(f"remote: {rows:,} rows in {REMOTE_OBJECTS} objects, {size:,} bytes")

        def config(endpoint: str) -> dict:
            return {
                "glob": f"s3://{BUCKET}/table/*.parquet",
                "s3": {
                    "endpoint": endpoint,
                    "key_id": server.key_id,
                    "access_key": server.access_key,
                },
            }

        # Timed runs talk to the server directly: through the (simple, Python) proxy,
        # Polars' pooled connections broke now and then and cost it a second's retry.
        # A second worker per tool goes through a proxy of its own to count the bytes.
        for t in tools:
            proxies[t] = CountingProxy(server.port)
            workers[t] = Worker(t, setup, config(server.endpoint), script=WORKER)
            counters[t] = Worker(t, setup, config(proxies[t].endpoint), script=WORKER)
        _check(workers)
        times: dict = {}
        fetched: dict = {}
        for q, _, _ in QUERIES:
            fetched[q] = {}
            for t in tools:
                proxies[t].reset()
                counters[t].run(q)
                fetched[q][t] = proxies[t].received
            log(f"remote {q}")
            times[q] = interleave([(t, workers[t], q) for t in tools], sizes.remote_runs)
    finally:
        for w in [*workers.values(), *counters.values()]:
            w.close()
        for p in proxies.values():
            p.stop()
        server.stop()
    made = provenance(setup, command, started, load_start)
    _section(rep, tools, sizes, size, times, fetched, made)


def _check(workers: dict) -> None:
    """Every tool's result of every query against this engine's; stops the run on a
    difference (no timing of a wrong answer)."""
    for q, _, _ in QUERIES:
        want = workers["ours"].ask({"task": q, "check": True})["result"]
        for t, w in workers.items():
            if t == "ours":
                continue
            d = analytics._differs(want, w.ask({"task": q, "check": True})["result"], "result")
            if d:
                raise SystemExit(f"remote: {q} differs in {LABEL[t]} ({d})")
        log(f"remote: checked {q}")


def _section(rep, tools, sizes, size, times, fetched, provenance) -> None:
    head = "| query | " + " | ".join(LABEL[t] for t in tools) + " |"
    rule = "|---|" + "---|" * len(tools)
    wall = [head, rule]
    bytes_rows = [head, rule]
    verdicts = []
    for q, name, _ in QUERIES:
        med = {t: statistics.median(x["ns"] for x in times[q][t]) for t in tools}
        cells = [fmt3(stats([x["ns"] for x in times[q][t]])) for t in tools]
        wall.append(f"| {q}: {name} | " + " | ".join(cells) + " |")
        mib = [f"{fetched[q][t] / 2**20:.1f} ({fetched[q][t] / size:.0%})" for t in tools]
        bytes_rows.append(f"| {q} | " + " | ".join(mib) + " |")
        peers = {t: med[t] for t in tools if t != "ours"}
        if not peers:
            continue
        best = min(peers, key=peers.get)
        r = med["ours"] / peers[best]
        met = r <= TARGET
        verdicts.append(
            f"- {q}: this engine ÷ {LABEL[best]} (the fastest peer) {ratio_str(r)}: "
            f"{'met' if met else 'NOT met'}."
        )
        rep.target("12", f"{q} over S3 ÷ the fastest peer", f"≤ {TARGET:g}", ratio_str(r), met)
    text = (
        f"{HEADING}\n\n{provenance}\n\n"
        f"The analytics file of {sizes.remote_rows:,} rows as {REMOTE_OBJECTS} objects "
        f"({size / 2**20:.1f} MiB in all) in moto's S3 server on 127.0.0.1, read by the glob "
        "`s3://bench/table/*.parquet`. The calls:\n\n"
        + "\n".join(f"- {LABEL[t]}: {CALLS[t]}" for t in tools)
        + "\n\nEvery tool's result of every query was compared with this engine's before "
        "timing; all agreed.\n\n"
        f"### Wall time, ms: median (min – max) over {sizes.remote_runs} rounds\n\n"
        "Interleaved rounds, the tools' order rotated each round, after one warm-up run "
        "each. Each run plans the query again (lists the objects, reads the footers).\n\n"
        + "\n".join(wall)
        + "\n\n### Bytes the server sent, MiB (share of the objects' size), one run\n\n"
        "Counted by a proxy in front of the server in a separate run of each tool (the timed "
        "runs go to the server directly), HTTP headers included.\n\n"
        + "\n".join(bytes_rows)
        + f"\n\n### Against the target (≤ {TARGET:g} of the fastest peer)\n\n"
        + "\n".join(verdicts)
        + "\n\nmoto is a Python server: its throughput bounds every tool alike, so these "
        "ratios say how well each reader uses a slow store, not how fast a real S3 endpoint "
        "would be read."
    )
    rep.add(text)


def splice(path: Path, section: str) -> None:
    """Puts `section` into the report at `path` in place of its earlier object-store
    section (or before the method), so `--only remote` refreshes its part."""
    from workloads.kernels import splice_section

    splice_section(path, HEADING, section, None)
