"""Question 7: eight analytics query shapes (scans, group-bys, a sort, a join of two
tables, a window function) on generated Parquet files, this engine against plain
DataFusion, DuckDB, Polars and the real Daft.

Each tool runs in its own process and virtual environment (`analytics_worker.py`). Before
anything is timed, every tool's result of every query is compared with this engine's
(`check`), and the run stops if one differs. Then each query runs in interleaved rounds
across the tools; each tool's peak resident memory is taken per query in a fresh process
of its own; the group-by-int query also runs at three sizes for the cost per row.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from common import WORK, Worker, interleave, log
from report import Report, ms, ratio_str, ratios

if TYPE_CHECKING:
    from run import Setup, Sizes

WORKER = Path(__file__).with_name("analytics_worker.py")

# The data: a seed, and a version bumped whenever the generator changes (it is part of
# the cached files' names, so a changed generator never reuses an old file).
SEED = 7
GENERATOR_VERSION = 1
CHUNK_ROWS = 1 << 20  # rows generated at a time; each chunk has its own seed
ROW_GROUP_ROWS = 1 << 17
N_KEYS, N_STRINGS = 1000, 100
FIRST_DAY, LAST_DAY = 8035, 10561  # 1992-01-01 and 1998-12-01 as days since 1970-01-01

# Floats are compared to this relative (and absolute) tolerance: sums and means of many
# values differ in their last bits with the order of summation, which differs by tool.
TOLERANCE = 1e-8

QUERIES = [
    (
        "q1",
        "filter + arithmetic projection",
        "`where(v1 > 0.5).select(k, (v1 * 2.0 + v2).alias('x'))`, the result materialised",
    ),
    (
        "q2",
        "group by the int key",
        "`groupby(k).agg(sum(v1), mean(v2), sum(price), count(v1, 'all'))` "
        "(`'all'`: every row, as SQL's `count(*)`)",
    ),
    ("q3", "group by the string key", "`groupby(s)` with the same aggregations"),
    ("q4", "sort + limit", "`sort(v2).limit(100)`, all 10 columns"),
    ("q5", "count after a filter", "`where((v2 > 0.5) & (qty <= 25)).count_rows()`"),
    (
        "q6",
        "TPC-H Q1 shape",
        "`where(d <= 1998-09-02).groupby(flag, status)`: `sum(qty)`, `sum(price)`, "
        "`sum(price * (1 - disc))`, `sum(price * (1 - disc) * (1 + v1))`, `mean(qty)`, "
        "`mean(price)`, `mean(disc)`, `count(k, 'all')`; then `sort(flag, status)`",
    ),
    (
        "q7",
        "join of two tables",
        "two generated tables of as many rows as the main file (`id` a permutation of "
        "0..n on each side, `g` 100 groups, `a` / `b` Float64): "
        "`l.join(r, on='id').groupby(g).agg(sum(a * b), count(id, 'all'))`",
    ),
    (
        "q8",
        "window function",
        "top 3 per key: `select(k, v1, rank().over(Window().partition_by(k)"
        ".order_by(v1, desc=True)))`, then `where(rank <= 3)`",
    ),
]
Q_IDS = [q for q, _, _ in QUERIES]

# (tool, label); the first is the one the others are checked against and judged by.
TOOLS = [
    ("ours", "this engine"),
    ("datafusion", "DataFusion"),
    ("duckdb", "DuckDB"),
    ("polars", "Polars (lazy)"),
    ("daft", "Daft 0.7.26"),
]
LABEL = dict(TOOLS)


# ---------------------------------------------------------------------------
# Data


def data_file(rows: int) -> Path:
    """The generated file of `rows` rows, written once and reused (keyed by size, seed and
    generator version). A smaller file is a prefix of a larger one."""
    d = WORK / "analytics"
    path = d / f"table-{rows}-seed{SEED}-v{GENERATOR_VERSION}.parquet"
    if path.exists():
        return path
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    d.mkdir(parents=True, exist_ok=True)
    log(f"generating {path.name}")
    rng = np.random.default_rng(SEED)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    words = pa.array(
        [
            letters[rng.integers(0, 26, ln)].tobytes().decode() + f"-{i:02d}"
            for i, ln in enumerate(rng.integers(3, 13, N_STRINGS))
        ]
    )
    flags, statuses = pa.array(["A", "N", "R"]), pa.array(["F", "O"])
    schema = pa.schema(
        [
            ("k", pa.int64()),
            ("v1", pa.float64()),
            ("v2", pa.float64()),
            ("s", pa.string()),
            ("d", pa.date32()),
            ("flag", pa.string()),
            ("status", pa.string()),
            ("qty", pa.int64()),
            ("price", pa.float64()),
            ("disc", pa.float64()),
        ]
    )
    tmp = path.with_name(path.name + ".tmp")
    with pq.ParquetWriter(tmp, schema, compression="snappy") as w:
        for i, start in enumerate(range(0, rows, CHUNK_ROWS)):
            n = min(CHUNK_ROWS, rows - start)
            r = np.random.default_rng([SEED, i])
            days = r.integers(FIRST_DAY, LAST_DAY + 1, n, dtype=np.int32)
            table = pa.table(
                {
                    "k": r.integers(0, N_KEYS, n, dtype=np.int64),
                    "v1": r.random(n),
                    "v2": r.standard_normal(n),
                    "s": pc.take(words, r.integers(0, N_STRINGS, n)),
                    "d": pa.array(days).cast(pa.date32()),
                    "flag": pc.take(flags, r.integers(0, 3, n)),
                    "status": pc.take(statuses, r.integers(0, 2, n)),
                    "qty": r.integers(1, 51, n, dtype=np.int64),
                    "price": np.round(r.uniform(900.0, 105_000.0, n), 2),
                    "disc": r.integers(0, 11, n) / 100.0,
                },
                schema=schema,
            )
            w.write_table(table, row_group_size=ROW_GROUP_ROWS)
    os.replace(tmp, path)
    return path


def join_file(rows: int, side: str) -> Path:
    """One side of the join query (q7): `id` a permutation of 0..rows (so each id
    matches once), `g` 100 groups (left) or `h` (right), and `a` (left) or `b` (right)
    Float64. Written once and reused, like `data_file`."""
    d = WORK / "analytics"
    path = d / f"join-{side}-{rows}-seed{SEED}-v{GENERATOR_VERSION}.parquet"
    if path.exists():
        return path
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    d.mkdir(parents=True, exist_ok=True)
    log(f"generating {path.name}")
    rng = np.random.default_rng([SEED, 1 if side == "left" else 2])
    ids = rng.permutation(rows).astype(np.int64)
    group, value = ("g", "a") if side == "left" else ("h", "b")
    table = pa.table(
        {"id": ids, group: rng.integers(0, 100, rows, dtype=np.int64), value: rng.random(rows)}
    )
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="snappy")
    os.replace(tmp, path)
    return path


def prepare(sizes: Sizes) -> dict:
    """Name -> path of the files the section reads: ``main``, the two sides of the join
    query, and one per scaling size."""
    files = {
        "main": str(data_file(sizes.analytics_rows)),
        "join_left": str(join_file(sizes.analytics_rows, "left")),
        "join_right": str(join_file(sizes.analytics_rows, "right")),
    }
    for n in sizes.scaling_rows:
        files[str(n)] = str(data_file(n))
    return files


# ---------------------------------------------------------------------------
# Measuring


def _env(setup: Setup, tool: str) -> dict:
    env = dict(setup.envs[tool])
    # The engine alone: no benchmark plugin on the path (with --ours-from-env the path is
    # the engine's own copy, which stays).
    if tool == "ours" and not setup.ours_from_env:
        env.pop("PYTHONPATH", None)
        env.pop("DAFT_PLUGIN_PATH", None)
    return env


def _differs(a, b, where: str = "") -> str | None:
    """Where `a` and `b` first differ (floats within TOLERANCE are equal), or None."""
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool):
        if math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            return None
        return f"{where}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            d = _differs(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = _differs(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r} != {b!r}"


def check(workers: dict, tasks: list) -> dict:
    """Every tool's result of every task against the first tool's; stops the run loudly
    on a difference. Returns task -> rows of the result."""
    rows = {}
    for task in tasks:
        results = {t: w.ask({"task": task, "check": True})["result"] for t, w in workers.items()}
        (ref_tool, ref), *others = results.items()
        for tool, res in others:
            d = _differs(ref, res, "result")
            if d:
                raise SystemExit(
                    f"analytics: {task} gives different results in {LABEL[ref_tool]} and "
                    f"{LABEL[tool]} ({d}); no timing of a wrong answer"
                )
        rows[task] = ref["rows"]
        log(f"checked {task}: {ref['rows']:,} rows, the same in {len(results)} tools")
    return rows


def measure_rss(setup: Setup, tools: list, files: dict, runs: int) -> dict:
    """(tool, query) -> list of {"rss_before", "rss_after", "ns", "cpu_ns"}: one fresh
    process per measurement, the tools' order rotated each round."""
    out: dict = {}
    config = json.dumps({"files": files})
    for r in range(runs):
        for q in Q_IDS:
            k = r % len(tools)
            for tool in tools[k:] + tools[:k]:
                proc = subprocess.run(
                    [setup.pythons[tool], WORKER, tool, config, "--once", f"{q}@main"],
                    env=_env(setup, tool),
                    capture_output=True,
                    text=True,
                )
                if proc.returncode:
                    raise RuntimeError(f"{tool} --once {q}: {proc.stderr[-2000:]}")
                out.setdefault((tool, q), []).append(json.loads(proc.stdout.splitlines()[-1]))
        log(f"memory round {r + 1}/{runs} done")
    return out


# ---------------------------------------------------------------------------
# The section


def _median(values) -> float:
    return statistics.median(list(values))


def _ns(v: float) -> str:
    return f"{v:.2f}" if v < 100 else f"{v:,.0f}"


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def run(rep: Report, setup: Setup, sizes: Sizes, files: dict, command: str) -> None:
    tools = [t for t, _ in TOOLS if t in setup.pythons and not (t == "daft" and setup.smoke)]
    if tools[0] != "ours":
        raise SystemExit("analytics: this engine is not set up")
    scale = list(sizes.scaling_rows)
    workers: dict = {}
    try:
        for t in tools:
            workers[t] = Worker(t, setup, {"files": files}, script=WORKER, env=_env(setup, t))
        rows = check(workers, [f"{q}@main" for q in Q_IDS] + [f"q2@{n}" for n in scale])
        times = {}
        for q in Q_IDS:
            log(f"analytics {q}")
            contenders = [(t, workers[t], f"{q}@main") for t in tools]
            times[q] = interleave(contenders, sizes.analytics_runs)
        scaling = {}
        for n in scale:
            log(f"analytics q2 at {n:,} rows")
            contenders = [(t, workers[t], f"q2@{n}") for t in tools]
            scaling[n] = interleave(contenders, sizes.analytics_runs)
    finally:
        for w in workers.values():
            w.close()
    rss = measure_rss(setup, tools, files, sizes.rss_runs)
    _section(rep, setup, tools, sizes, rows, times, scaling, rss, command)


def _section(rep, setup, tools, sizes, rows, times, scaling, rss, command) -> None:
    n_main = sizes.analytics_rows
    med = {q: {t: _median(x["ns"] for x in times[q][t]) for t in tools} for q in Q_IDS}
    mib = lambda b: f"{b / 2**20:,.0f}"  # noqa: E731
    head = "| query | " + " | ".join(LABEL[t] for t in tools) + " |"
    rule = "|---|" + "---|" * len(tools)

    queries = ["| query | shape | what runs | result rows |", "|---|---|---|---|"]
    for q, shape, what in QUERIES:
        queries.append(f"| {q} | {shape} | {what} | {rows[f'{q}@main']:,} |")

    ratio_rows = [head, rule]
    abs_rows = [head, rule]
    for q in Q_IDS:
        fastest = min(med[q].values())
        ratio_rows.append(
            f"| {q} | "
            + " | ".join(
                f"**{med[q][t] / fastest:.2f}**"
                if med[q][t] == fastest
                else f"{med[q][t] / fastest:.2f}"
                for t in tools
            )
            + " |"
        )
        abs_rows.append(
            f"| {q} | "
            + " | ".join(
                f"{ms(med[q][t])} ({ms(min(x['ns'] for x in times[q][t]))})" for t in tools
            )
            + " |"
        )

    rss_rows = [head, rule]
    peak = {}
    for q in Q_IDS:
        cells = []
        for t in tools:
            v = rss[(t, q)]
            peak[(t, q)] = _median(x["rss_after"] for x in v)
            grew = _median(x["rss_after"] - x["rss_before"] for x in v)
            cells.append(f"{mib(peak[(t, q)])} (+{mib(grew)})")
        rss_rows.append(f"| {q} | " + " | ".join(cells) + " |")

    cpu_rows = [head, rule]
    cpu = {}
    for q in Q_IDS:
        for t in tools:
            cpu[(t, q)] = _median(x["cpu_ns"] / x["ns"] for x in times[q][t])
        cpu_rows.append(f"| {q} | " + " | ".join(f"{cpu[(t, q)]:.2f}" for t in tools) + " |")

    scale = list(sizes.scaling_rows)
    mid, big = scale[-2], scale[-1]
    per_row = {
        (t, n): [x["ns"] / n for x in scaling[n][t]] for n in scale for t in tools
    }  # ns per input row, per round
    scale_rows = [
        "| tool | "
        + " | ".join(f"ns/row at {n:,} rows, median (min)" for n in scale)
        + f" | at {big:,} / at {mid:,} |",
        "|---|" + "---|" * (len(scale) + 1),
    ]
    for t in tools:
        cells = [f"{_ns(_median(per_row[(t, n)]))} ({_ns(min(per_row[(t, n)]))})" for n in scale]
        ratio = _median(per_row[(t, big)]) / _median(per_row[(t, mid)])
        scale_rows.append(f"| {LABEL[t]} | " + " | ".join(cells) + f" | {ratio:.3f} |")

    # The targets, for this engine, on every query.
    criteria = []  # (name, target text, per-query (value, met) or None)
    for peer, bound, strict in (
        ("datafusion", 1.2, False),
        ("duckdb", 1.5, False),
        ("daft", 1.0, True),
        ("polars", 1.0, True),
    ):
        if peer not in tools:
            continue
        vals = {}
        for q in Q_IDS:
            r = ratios(times[q]["ours"], times[q][peer])[0]
            vals[q] = (r, r < bound if strict else r <= bound)
        criteria.append((f"time / {LABEL[peer]}", ("< " if strict else "≤ ") + f"{bound:g}", vals))
    if "duckdb" in tools:
        vals = {}
        for q in Q_IDS:
            r = peak[("ours", q)] / peak[("duckdb", q)]
            vals[q] = (r, r <= 1.5)
        criteria.append(("peak RSS / DuckDB's", "≤ 1.5", vals))
    criteria.append(
        ("cpu / wall", "≥ 1.7", {q: (cpu[("ours", q)], cpu[("ours", q)] >= 1.7) for q in Q_IDS})
    )
    target_rows = [
        "| query | " + " | ".join(f"{name} ({target})" for name, target, _ in criteria) + " |",
        "|---|" + "---|" * len(criteria),
    ]
    for q in Q_IDS:
        target_rows.append(
            f"| {q} | "
            + " | ".join(f"{ratio_str(v[q][0])} {_yes(v[q][1])}" for _, _, v in criteria)
            + " |"
        )
    for name, target, v in criteria:
        worst_q = (
            max(v, key=lambda q: v[q][0]) if target[0] != "≥" else min(v, key=lambda q: v[q][0])
        )
        rep.target(
            "7",
            f"this engine: {name}, on every query (worst shown)",
            target,
            f"{ratio_str(v[worst_q][0])} ({worst_q})",
            all(met for _, met in v.values()),
        )
    growth = _median(per_row[("ours", big)]) / _median(per_row[("ours", mid)])
    rep.target(
        "7",
        f"this engine: ns/row of q2 at {big:,} rows / at {mid:,} rows",
        "≤ 1",
        f"{growth:.3f}",
        growth <= 1.0,
    )

    tools_text = {
        "ours": "this engine, built from this repository, through its Python API "
        "(`daft.read_parquet(path)` and the DataFrame methods above, then `collect()`, "
        "which keeps the result as Arrow batches; `count_rows()` for q5)",
        "datafusion": "plain DataFusion, the `datafusion` Python package, in SQL (a fresh "
        "`SessionContext` with the file registered each run, then `collect()`)",
        "duckdb": "DuckDB in SQL over `read_parquet(path)`, the result materialised as an "
        "Arrow table (`sql(...).to_arrow_table()`; `execute` alone only starts a query "
        "whose result streams)",
        "polars": "Polars, `scan_parquet(path)` … `collect()`",
        "daft": "the real Daft 0.7.26, the same DataFrame calls as this engine",
    }
    text = (
        "## 7. Analytics queries\n\n"
        f"Produced by `{command}`. Eight query shapes on a generated {n_main:,}-row Parquet "
        f"file of 10 columns (seed {SEED}, snappy, row groups of {ROW_GROUP_ROWS:,} rows, "
        "written once and cached under `target/bench/analytics`): `k` Int64 with "
        f"{N_KEYS:,} distinct values, `v1` Float64 uniform in [0, 1), `v2` Float64 "
        f"standard normal, `s` strings with {N_STRINGS} distinct values, `d` Date32 from "
        "1992-01-01 to 1998-12-01, `flag` (3 values) and `status` (2 values) strings, "
        "`qty` Int64 1–50, `price` Float64, `disc` Float64 0.00–0.10; no nulls. The "
        "contenders, each in its own process "
        + (
            "(smoke mode: all in the current interpreter's environment)"
            if setup.smoke
            else "and virtual environment"
        )
        + ", with its default threads: "
        + "; ".join(tools_text[t] for t in tools)
        + ". The queries' code, the same SQL for the SQL engines, is in "
        "`benchmarks/workloads/analytics_worker.py`.\n\n"
        "Before any timing, every tool's result of every query (and of q2 at each size "
        "below) is compared with this engine's, rows sorted and floats equal to a relative "
        f"{TOLERANCE:g}; results of more than 2,000 rows (q1) are compared by their row "
        "count and each column's count, exact sum (`math.fsum`), min and max, plus the "
        "exact sum of `k * x` over the rows. The run stops if one differs.\n\n"
        + "\n".join(queries)
        + f"\n\n### Time relative to the fastest tool\n\nEach tool's median over "
        f"{sizes.analytics_runs} interleaved rounds (order rotated each round, after one "
        "warm-up run each) divided by the fastest tool's median (bold).\n\n"
        + "\n".join(ratio_rows)
        + "\n\n### Wall time, ms: median (min)\n\n"
        + "\n".join(abs_rows)
        + "\n\n### Peak resident memory, MiB: median (growth during the query)\n\n"
        "The peak resident memory (`VmHWM` of `/proc/self/status`; `ru_maxrss` would "
        "include the peak of the driver that started the process) of a fresh process of the "
        f"tool that imports it and runs the query once ({sizes.rss_runs} round(s), tools' "
        "order rotated); in brackets, the peak's growth from before the query (after the "
        "import) to after it.\n\n"
        + "\n".join(rss_rows)
        + "\n\n### CPU time / wall time during the query (median over the rounds)\n\n"
        f"The worker process's user + system time (all threads) over the query's wall time; "
        f"{os.cpu_count()} cores.\n\n"
        + "\n".join(cpu_rows)
        + "\n\n### Cost per row of q2 (group by the int key) by size\n\n"
        "Wall time per input row over the same interleaved rounds, on generated files of "
        "these sizes (the smaller ones are prefixes of the larger ones).\n\n"
        + "\n".join(scale_rows)
        + "\n\n### Targets for this engine\n\n"
        "Per query: this engine's time over each peer's, the median of the ratios taken "
        "within each round; its peak RSS over DuckDB's; its CPU time / wall time. Also "
        f"(in the targets at the top) q2's ns/row at {big:,} rows no higher than at "
        f"{mid:,} ({growth:.3f}: {_yes(growth <= 1.0)}).\n\n" + "\n".join(target_rows)
    )
    rep.add(text)
