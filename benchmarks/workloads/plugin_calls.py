"""Questions 1, 2, 3, 5 and 6: what a plugin call costs against built-ins, peers and
Python UDFs, its memory, and a whole Parquet query with plugin functions; and their data."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from common import WORK, WORKER, Worker, interleave
from report import Report, fmt3, ratio_str, ratios, stats

if TYPE_CHECKING:
    from run import Setup, Sizes


def generate_data(sizes: Sizes, smoke: bool) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    d = WORK / ("data-smoke" if smoke else "data")
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)

    def words(n: int):
        # 100k distinct words of 4-24 characters; one in ten has a non-ASCII letter.
        pool_n = min(100_000, max(n, 1))
        alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
        lens = rng.integers(4, 25, pool_n)
        pool = []
        for i, ln in enumerate(lens):
            w = alphabet[rng.integers(0, 26, ln)].tobytes().decode()
            if i % 10 == 0:
                w = w[:2] + "é日" + w[2:]
            pool.append(w)
        return pc.take(pa.array(pool), pa.array(rng.integers(0, pool_n, n)))

    def ints(n: int, lo: int, hi: int):
        return pa.array(rng.integers(lo, hi, n, dtype=np.int64))

    def write_ipc(path: Path, table) -> None:
        with ipc.new_file(path, table.schema) as w:
            w.write_table(table, max_chunksize=1 << 20)

    paths = {
        "ints": d / f"ints-{sizes.ints}.arrow",
        "strs": d / f"strs-{sizes.strs}.arrow",
        "tiny": d / f"tiny-{sizes.tiny_batches}x{sizes.tiny_rows}.arrow",
        "parquet": d / f"table-{sizes.parquet_rows}.parquet",
    }
    if not paths["ints"].exists():
        write_ipc(paths["ints"], pa.table({"x": ints(sizes.ints, -(10**9), 10**9)}))
    if not paths["strs"].exists():
        write_ipc(paths["strs"], pa.table({"s": words(sizes.strs)}))
    if not paths["tiny"].exists():
        x = ints(sizes.tiny_batches * sizes.tiny_rows, -1000, 1000)
        t = pa.table({"x": x})
        with ipc.new_file(paths["tiny"], t.schema) as w:
            w.write_table(t, max_chunksize=sizes.tiny_rows)
    if not paths["parquet"].exists():
        n = sizes.parquet_rows
        t = pa.table(
            {"k": ints(n, 0, 1000), "x": ints(n, -(10**6), 10**6), "s": words(n)},
        )
        pq.write_table(t, paths["parquet"], row_group_size=1 << 20, compression="snappy")
    out = {k: str(v) for k, v in paths.items()}
    out["tiny_calls"] = sizes.tiny_calls
    return out


def q1_q2(rep: Report, ours: Worker, sizes: Sizes, setup: Setup, data: dict) -> None:
    contenders = []
    for kernel in ("abs", "reverse"):
        for kind in ("builtin", "plugin", "plugin_full"):
            contenders.append((f"{kind}.{kernel}", ours, f"q1.{kind}.{kernel}"))
    res = interleave(contenders, sizes.fast_runs)
    rows = [
        "| kernel | data | built-in ms median (min – max) | plugin ms | plugin / built-in "
        "median (min – max) | plugin, full validation ms | full / built-in |",
        "|---|---|---|---|---|---|---|",
    ]
    for kernel, data in (
        ("abs", f"{sizes.ints:,} Int64"),
        ("reverse", f"{sizes.strs:,} strings"),
    ):
        b, p, f = (res[f"{k}.{kernel}"] for k in ("builtin", "plugin", "plugin_full"))
        r = ratios(p, b)
        rf = ratios(f, b)
        rows.append(
            f"| `{kernel}` | {data} | {fmt3(stats([x['ns'] for x in b]))} | "
            f"{fmt3(stats([x['ns'] for x in p]))} | {fmt3(r, ratio_str)} | "
            f"{fmt3(stats([x['ns'] for x in f]))} | {fmt3(rf, ratio_str)} |"
        )
        rep.target("1", f"plugin / built-in, `{kernel}`", "≤ 1.02", ratio_str(r[0]), r[0] <= 1.02)
    boundary = (
        "## 1. Boundary overhead\n\n"
        f"{sizes.fast_runs} interleaved rounds. `select(f(col))` then `collect()` over an "
        "in-memory DataFrame, timed in the worker "
        "process (wall time, both cores). Built-in: `abs` / `reverse`; plugin: `bench_abs` / "
        "`bench_reverse` of the benchmark plugin, compiled from the same kernel file. "
        '"Full validation" is the plugin with `DAFT_PLUGIN_VALIDATION=full` '
        "(`ArrayData::validate_full` on every result). Ratios are taken within each round.\n\n"
        + "\n".join(rows)
    )

    contenders = [(kind, ours, f"qagg.{kind}") for kind in ("builtin", "plugin")]
    res = interleave(contenders, sizes.fast_runs)
    b, p = res["builtin"], res["plugin"]
    r = ratios(p, b)
    what = "plugin aggregate / built-in twin (`bench_sum` / `sum`)"
    rep.target("1", what, "≤ 1.05", ratio_str(r[0]), r[0] <= 1.05)
    # The aggregate twin is part of question 1's section.
    rep.add(
        boundary + "\n\n### Aggregates\n\n"
        f"{sizes.fast_runs} interleaved rounds. `groupby(k).agg(sum(x))` over the same "
        f"{sizes.ints:,} Int64 values in 1,000 groups, in memory: the built-in exact `sum` "
        "against `bench_sum`, a plugin aggregate with the built-in's algorithm (an `i128` per "
        "group, partial sums as Decimal128(38, 0), checked narrowing), called through the "
        "plugin ABI's groups accumulator.\n\n"
        "| built-in `sum` ms median (min – max) | plugin `bench_sum` ms | plugin / built-in "
        "median (min – max) |\n|---|---|---|\n"
        f"| {fmt3(stats([x['ns'] for x in b]))} | {fmt3(stats([x['ns'] for x in p]))} | "
        f"{fmt3(r, ratio_str)} |"
    )

    contenders = [(kind, ours, f"q2.{kind}") for kind in ("builtin", "plugin", "plugin_full")]
    res = interleave(contenders, sizes.runs)
    calls = sizes.tiny_batches * sizes.tiny_calls
    rows = [
        "| variant | wall ms median (min – max) | CPU ms median (min – max) | extra wall ns "
        "per call vs built-in median (min – max) | extra CPU ns per call median (min – max) |",
        "|---|---|---|---|---|",
    ]
    b = res["builtin"]
    for kind, label in (
        ("builtin", "built-in `abs`"),
        ("plugin", "plugin `bench_abs` (always-on checks)"),
        ("plugin_full", "plugin, `DAFT_PLUGIN_VALIDATION=full`"),
    ):
        v = res[kind]
        extra_wall = stats([(x["ns"] - y["ns"]) / calls for x, y in zip(v, b)])
        extra_cpu = stats([(x["cpu_ns"] - y["cpu_ns"]) / calls for x, y in zip(v, b)])
        ns = lambda x: f"{x:,.0f}"  # noqa: E731
        rows.append(
            f"| {label} | {fmt3(stats([x['ns'] for x in v]))} | "
            f"{fmt3(stats([x['cpu_ns'] for x in v]))} | "
            + (
                "– | – |"
                if kind == "builtin"
                else f"{fmt3(extra_wall, ns)} | {fmt3(extra_cpu, ns)} |"
            )
        )
        if kind == "plugin":
            rep.target(
                "2",
                "extra CPU time per plugin call (checks included)",
                "< 1,000 ns",
                f"{extra_cpu[0]:,.0f} ns",
                extra_cpu[0] < 1000,
            )
    prof = perf_profile(setup, "ours", data, "q2.plugin", "q2", sort="sym")
    if prof:
        rows.append(
            "\nWhere the CPU time of the plugin variant goes (`perf record -e cpu-clock -g` "
            "of one run in a fresh process, data load and the twins' check included; "
            "`perf report --no-children --sort sym`, entries ≥ 1.5 %):\n\n```\n" + prof + "\n```"
        )
    rep.add(
        "## 2. Per-call overhead\n\n"
        f"{sizes.tiny_batches:,} record batches of {sizes.tiny_rows} Int64 rows, each batch "
        f"projected through {sizes.tiny_calls} calls of the function "
        f"(`select(f(col('x')).alias('a0'), ...)`), so {calls:,} calls per run. The extra "
        "time per call is (plugin − built-in) / calls, within each round. CPU time is the "
        "worker process's user + system time, so it counts the work of both cores.\n\n"
        + "\n".join(rows)
    )


def q3(rep: Report, workers: dict, sizes: Sizes) -> None:
    tables = []
    for kernel, data in (("reverse", f"{sizes.strs:,} strings"), ("abs", f"{sizes.ints:,} Int64")):
        contenders = [
            ("this engine: plugin", workers["ours"], f"q1.plugin.{kernel}"),
            ("this engine: built-in", workers["ours"], f"q1.builtin.{kernel}"),
        ]
        if "daft" in workers:
            contenders += [
                ("Daft: built-in", workers["daft"], f"q3.builtin.{kernel}"),
                ("Daft: daft-ext extension", workers["daft"], f"q3.ext.{kernel}"),
            ]
        if "polars" in workers:
            contenders.append(("Polars: built-in", workers["polars"], f"q3.builtin.{kernel}"))
        if "pyarrow" in workers:
            contenders.append(("pyarrow.compute", workers["pyarrow"], f"q3.builtin.{kernel}"))
        if kernel == "reverse":
            if "daft" in workers:
                contenders.append(("Daft: `@daft.func` UDF", workers["daft"], "q3.udf.reverse"))
            if "polars" in workers:
                contenders.append(("Polars: `map_elements`", workers["polars"], "q3.udf.reverse"))
        res = interleave(contenders, sizes.runs)
        plugin = res["this engine: plugin"]
        rows = [
            f"### `{kernel}` over {data}\n",
            "| contender | ms median (min – max) | time / plugin's median (min – max) |",
            "|---|---|---|",
        ]
        for label, _, _ in contenders:
            rows.append(
                f"| {label} | {fmt3(stats([x['ns'] for x in res[label]]))} | "
                f"{fmt3(ratios(res[label], plugin), ratio_str)} |"
            )
        tables.append("\n".join(rows))
        udfs = [c for c in res if "UDF" in c or "map_elements" in c]
        for u in udfs:
            r = ratios(res[u], plugin)[0]
            rep.target("3", f"{u} / plugin, `{kernel}`", "≥ 50", ratio_str(r), r >= 50)
        peers = [
            c
            for c in res
            if c.endswith("built-in") and not c.startswith("this") or c == "pyarrow.compute"
        ]
        if peers:
            fastest = min(peers, key=lambda c: stats([x["ns"] for x in res[c]])[0])
            r = ratios(plugin, res[fastest])[0]
            rep.target(
                "3",
                f"plugin / fastest peer built-in ({fastest}), `{kernel}`",
                "≤ 1.0",
                ratio_str(r),
                r <= 1.0,
            )
    rep.add(
        "## 3. Against built-ins of peers and Python UDFs\n\n"
        "The same computation on the same data, each tool in its own virtual environment "
        "(PyPI), each loading the data once from the same Arrow IPC file; a run is the call "
        "that produces the result column (a DataFrame `select` + `collect`, Polars' eager "
        "`select`, one `pyarrow.compute` call). The daft-ext extension is "
        "`benchmarks/daft-ext-twin`, the same kernel file built against the `daft-ext` SDK "
        "and loaded with `daft.load_extension`. The row-wise Python UDFs (`s[::-1]`) run on "
        "the strings only: on 10 million integers one run would take longer than the whole "
        "time budget of `make bench`.\n\n" + "\n\n".join(tables)
    )


def q5(rep: Report, setup: Setup, data: dict, sizes: Sizes) -> None:
    res: dict = {}
    for _ in range(sizes.runs):
        for kernel in ("abs", "reverse"):
            for kind in ("builtin", "plugin"):
                out = subprocess.run(
                    [
                        setup.pythons["ours"],
                        WORKER,
                        "ours",
                        json.dumps(data),
                        "--once",
                        f"mem.{kind}.{kernel}",
                    ],
                    env=setup.envs["ours"],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                res.setdefault((kind, kernel), []).append(json.loads(out.stdout.splitlines()[-1]))
    rows = [
        "| kernel | data | built-in peak MiB median (min – max) | plugin peak MiB | "
        "plugin / built-in peak median (min – max) | query's own peak, built-in → plugin "
        "MiB (median) |",
        "|---|---|---|---|---|---|",
    ]
    mib = lambda b: f"{b / 2**20:,.0f}"  # noqa: E731
    for kernel, d in (("abs", f"{sizes.ints:,} Int64"), ("reverse", f"{sizes.strs:,} strings")):
        b, p = res[("builtin", kernel)], res[("plugin", kernel)]
        r = stats([x["rss_after"] / y["rss_after"] for x, y in zip(p, b)])
        own = lambda v: statistics.median(x["rss_after"] - x["rss_before"] for x in v)  # noqa: E731
        rows.append(
            f"| `{kernel}` | {d} | {fmt3(stats([x['rss_after'] for x in b]), mib)} | "
            f"{fmt3(stats([x['rss_after'] for x in p]), mib)} | {fmt3(r, ratio_str)} | "
            f"{mib(own(b))} → {mib(own(p))} |"
        )
        rep.target(
            "5", f"peak RSS plugin / built-in, `{kernel}`", "≤ 1.05", ratio_str(r[0]), r[0] <= 1.05
        )
    rep.add(
        "## 5. Memory\n\n"
        "Peak resident memory (`VmHWM` of `/proc/self/status`, not `ru_maxrss`, which "
        "would start from the driver's own peak) of a fresh process that loads the data and runs "
        f"the query once ({sizes.runs} interleaved rounds). A copy of the data at the "
        "boundary would show as a higher peak for the plugin; the last column is the peak "
        "growth during the query alone.\n\n" + "\n".join(rows)
    )


def perf_profile(
    setup: Setup, tool: str, data: dict, task: str, name: str, sort: str = "dso,sym"
) -> str | None:
    if setup.smoke or not shutil.which("perf"):
        return None
    out = WORK / f"{name}.perf.data"
    cmd = [
        "perf",
        "record",
        "-q",
        "-F",
        "499",
        "-e",
        "cpu-clock",
        "-g",
        "-o",
        out,
        "--",
        setup.pythons[tool],
        WORKER,
        tool,
        json.dumps(data),
        "--once",
        task,
    ]
    if subprocess.run([str(c) for c in cmd], env=setup.envs[tool], capture_output=True).returncode:
        return None
    report = subprocess.run(
        [
            "perf",
            "report",
            "-i",
            str(out),
            "--stdio",
            "--no-children",
            "--sort",
            sort,
            "--percent-limit",
            "1.5",
            "-g",
            "none",
        ],
        capture_output=True,
        text=True,
    ).stdout
    lines = [ln for ln in report.splitlines() if ln.strip() and not ln.startswith("#")]
    return "\n".join(ln[:150] for ln in lines[:25])


def q6(rep: Report, workers: dict, setup: Setup, data: dict, sizes: Sizes) -> None:
    contenders = [
        ("this engine: plugin functions", workers["ours"], "q6.plugin"),
        ("this engine: built-ins", workers["ours"], "q6.builtin"),
    ]
    for tool, label in (("daft", "Daft 0.7.26"), ("polars", "Polars (lazy)"), ("duckdb", "DuckDB")):
        if tool in workers:
            contenders.append((label, workers[tool], "q6.builtin"))
    res = interleave(contenders, sizes.runs)
    plugin = res["this engine: plugin functions"]
    rows = [
        "| contender | ms median (min – max) | time / this engine's (plugin) |",
        "|---|---|---|",
    ]
    for label, _, _ in contenders:
        rows.append(
            f"| {label} | {fmt3(stats([x['ns'] for x in res[label]]))} | "
            f"{fmt3(ratios(res[label], plugin), ratio_str)} |"
        )
    prof = perf_profile(setup, "ours", data, "q6.plugin", "q6")
    text = (
        "## 6. Query throughput\n\n"
        f"`read_parquet` of a generated {sizes.parquet_rows:,}-row file (columns `k` Int64 with "
        "1,000 groups, `x` Int64, `s` strings; snappy, row groups of 1 Mi rows), "
        "`where x > -500000` (75 % of the rows), projection `k, abs(x) AS a, reverse(s) AS r` "
        "(plugin functions `bench_abs`/`bench_reverse` in the first row), `groupby(k)` with "
        "`sum(a)` and `max(r)`. The peers run the same query with their built-ins (DuckDB in "
        "SQL).\n\n" + "\n".join(rows)
    )
    if prof:
        text += (
            "\n\nWhere the time goes in this engine (`perf record -e cpu-clock -g` of one "
            "run in a fresh process, data load included; `perf report --sort dso,sym`, "
            "entries ≥ 1.5 %):\n\n```\n" + prof + "\n```"
        )
    rep.add(text)
