"""Question 10: Python UDFs. A row-wise UDF and two batch UDFs on 1 M rows in this engine
against the real Daft's same UDFs, Polars' `map_elements` / `map_batches`, pandas'
`apply`, and the same pyarrow function called directly on the whole column.

Each tool's worker (`udfs_worker.py`, in that tool's environment) builds the same data in
its own memory before anything is timed; a run is the UDF over the column with its result
materialised. Before timing, every tool's result is summarised (length, sum, first and
last value) and compared with this engine's; a tool whose result differs is not timed.

The issue's targets: the row-wise UDF's cost per row at most real Daft's, and a batch UDF
within 1.1x of calling the same pyarrow function directly. The second is judged on
`batch_str` (`utf8_upper`, whose own work dominates); `batch_int` (`add`, 1 ms of work on
the whole column) shows what is left when the function costs almost nothing: the cost of
the select, the calls and the collect, which no engine's query avoids.
"""

from __future__ import annotations

import datetime
import os
import statistics
from pathlib import Path
from typing import TYPE_CHECKING

from common import Worker, interleave, log
from report import fmt3, ratio_str, ratios, stats

from workloads.kernels import provenance

if TYPE_CHECKING:
    from report import Report
    from run import Setup, Sizes

WORKER = Path(__file__).with_name("udfs_worker.py")
HEADING = "## 10. Python UDFs"
# Batch UDF time at most this multiple of the direct pyarrow call (the target).
BATCH_TARGET = 1.1

TOOLS = [
    ("ours", "this engine"),
    ("daft", "Daft 0.7.26"),
    ("polars", "Polars"),
    ("pandas", "pandas"),
    ("pyarrow", "pyarrow directly / a Python loop"),
]
LABEL = dict(TOOLS)
TASKS = [
    ("row_int", "`x + 1` as a row-wise Python function (Int64)"),
    ("batch_int", "`pyarrow.compute.add(x, 1)` as a batch UDF (Int64)"),
    ("batch_str", "`pyarrow.compute.utf8_upper(s)` as a batch UDF (short strings)"),
]
CALLS = {
    "ours": "`@daft.func` / `@daft.func.batch`, `df.select(udf(col)).collect()`",
    "daft": "the same",
    "polars": "`map_elements(..., return_dtype=...)` / `map_batches(...)` in a `select`",
    "pandas": "`Series.apply` (row-wise only: pandas has no batch UDF)",
    "pyarrow": "the pyarrow function on the whole column; for `row_int`, "
    "`pa.array([v + 1 for v in column.to_pylist()])`",
}


def run(rep: Report, setup: Setup, sizes: Sizes, command: str) -> None:
    tools = [t for t, _ in TOOLS if t in setup.pythons and not (t == "daft" and setup.smoke)]
    if tools[0] != "ours":
        raise SystemExit("udfs: this engine is not set up")
    started = datetime.datetime.now()
    load_start = os.getloadavg()
    workers: dict = {}
    times: dict = {}
    notes: list = []
    try:
        for t in tools:
            log(f"udfs: {LABEL[t]} builds the data")
            workers[t] = Worker(t, setup, {"rows": sizes.udf_rows}, script=WORKER)
        for task, _ in TASKS:
            want = workers["ours"].ask({"task": task, "check": True})["result"]
            timed = []
            for t in tools:
                got = want if t == "ours" else workers[t].ask({"task": task, "check": True})
                got = got if t == "ours" else got["result"]
                if got is None:
                    continue
                if got != want:
                    notes.append(f"{LABEL[t]}, {task}: result {got} differs from {want}")
                    continue
                timed.append(t)
            log(f"udfs {task}")
            times[task] = interleave([(t, workers[t], task) for t in timed], sizes.udf_runs)
    finally:
        for w in workers.values():
            w.close()
    _section(rep, tools, sizes, times, notes, provenance(setup, command, started, load_start))


def _section(rep, tools, sizes, times, notes, provenance) -> None:
    rows = sizes.udf_rows
    head = "| task | " + " | ".join(LABEL[t] for t in tools) + " |"
    rule = "|---|" + "---|" * len(tools)
    wall = [head, rule]
    for task, what in TASKS:
        cells = [
            fmt3(stats([x["ns"] for x in times[task][t]])) if t in times[task] else "—"
            for t in tools
        ]
        wall.append(f"| {task}: {what} | " + " | ".join(cells) + " |")
    verdicts = []
    row = times["row_int"]
    if "daft" in row:
        per_row = {t: statistics.median(x["ns"] for x in row[t]) / rows for t in row}
        r = ratios(row["ours"], row["daft"])
        met = r[0] <= 1.0
        verdicts.append(
            f"- Row-wise: {per_row['ours']:.0f} ns per row here, {per_row['daft']:.0f} ns in "
            f"Daft 0.7.26 (this engine ÷ Daft, per round: {fmt3(r, ratio_str)}); target: at "
            f"most Daft's: {'met' if met else 'NOT met'}."
        )
        rep.target("10", "row-wise UDF cost per row ÷ Daft 0.7.26's", "≤ 1", ratio_str(r[0]), met)
    for task in ("batch_str", "batch_int"):
        t = times[task]
        if "pyarrow" not in t:
            continue
        r = ratios(t["ours"], t["pyarrow"])
        judged = task == "batch_str"
        met = r[0] <= BATCH_TARGET
        verdicts.append(
            f"- `{task}`: this engine ÷ the direct pyarrow call, per round: "
            f"{fmt3(r, ratio_str)}"
            + (
                f"; target ≤ {BATCH_TARGET:g}: {'met' if met else 'NOT met'}."
                if judged
                else " (not judged: the function itself costs almost nothing, so this is mostly"
                " the query's own cost)."
            )
        )
        if judged:
            rep.target(
                "10",
                "batch UDF ÷ the same pyarrow call",
                f"≤ {BATCH_TARGET:g}",
                ratio_str(r[0]),
                met,
            )
    text = (
        f"{HEADING}\n\n{provenance}\n\n"
        f"{rows:,} rows, each tool's data in its own memory before timing. The calls:\n\n"
        + "\n".join(f"- {LABEL[t]}: {CALLS[t]}" for t in tools)
        + "\n\nEvery tool's result was summarised (length, sum, first and last value) and"
        " compared with this engine's before timing"
        + (": " + "; ".join(notes) + " (not timed)." if notes else "; all agreed.")
        + f"\n\n### Wall time, ms: median (min – max) over {sizes.udf_runs} rounds\n\n"
        "Interleaved rounds, the tools' order rotated each round, after one warm-up run"
        " each.\n\n" + "\n".join(wall) + "\n\n### Against the targets\n\n" + "\n".join(verdicts)
    )
    rep.add(text)


def splice(path: Path, section: str) -> None:
    """Puts `section` into the report at `path` in place of its earlier UDF section (or
    before the method), so `--only udfs` refreshes its part of `docs/benchmarks.md`."""
    from workloads.kernels import splice_section

    splice_section(path, HEADING, section, None)
