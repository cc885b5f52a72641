"""Question 8: what ``isolation="process"`` costs, per call and per MiB, against the same
plugin loaded in process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from common import Worker, interleave
from report import Report, fmt3, ratio_str, ratios, stats

if TYPE_CHECKING:
    from run import Setup, Sizes


def _mib(path: str) -> float:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    return ipc.open_file(pa.memory_map(path)).read_all().nbytes / 2**20


def q8(rep: Report, ours: Worker, setup: Setup, data: dict, sizes: Sizes) -> None:
    env = dict(setup.envs["ours"], DAFT_PLUGIN_ISOLATION="process")
    isolated = Worker("ours", setup, data, env=env)
    try:
        calls = sizes.tiny_batches * sizes.tiny_calls
        res = interleave(
            [("in process", ours, "q2.plugin"), ("isolated", isolated, "q2.plugin")], sizes.runs
        )
        inp, iso = res["in process"], res["isolated"]
        per_call = stats([(x["ns"] - y["ns"]) / calls for x, y in zip(iso, inp)])
        contenders = []
        for kernel in ("abs", "reverse"):
            for label, w in (("in", ours), ("iso", isolated)):
                contenders.append((f"{label}.{kernel}", w, f"q1.plugin.{kernel}"))
        big = interleave(contenders, sizes.fast_runs)
    finally:
        isolated.close()
    ns = lambda x: f"{x:,.0f}"  # noqa: E731
    rows = [
        "| workload | in process ms median (min – max) | isolated ms | isolated / in process "
        "| extra cost |",
        "|---|---|---|---|---|",
        f"| {calls:,} calls on {sizes.tiny_rows}-row batches (`bench_abs`) | "
        f"{fmt3(stats([x['ns'] for x in inp]))} | {fmt3(stats([x['ns'] for x in iso]))} | "
        f"{fmt3(ratios(iso, inp), ratio_str)} | {fmt3(per_call, ns)} ns per call |",
    ]
    for kernel, path, what in (
        ("abs", data["ints"], f"{sizes.ints:,} Int64"),
        ("reverse", data["strs"], f"{sizes.strs:,} strings"),
    ):
        mib = _mib(path)
        a, b = big[f"in.{kernel}"], big[f"iso.{kernel}"]
        per_mib = stats([(x["ns"] - y["ns"]) / mib for x, y in zip(b, a)])
        rows.append(
            f"| `bench_{kernel}` over {what} ({mib:,.1f} MiB of arguments) | "
            f"{fmt3(stats([x['ns'] for x in a]))} | {fmt3(stats([x['ns'] for x in b]))} | "
            f"{fmt3(ratios(b, a), ratio_str)} | {fmt3(per_mib, ns)} ns per MiB |"
        )
    rep.add(
        "## 8. Cost of crash isolation\n\n"
        "The benchmark plugin loaded in process and, in a second worker process of the same "
        "environment, with `DAFT_PLUGIN_ISOLATION=process` (its kernels then run in "
        "isolated worker processes; arguments and results cross as Arrow IPC through shared "
        "memory). The per-call row is question 2's query; the per-MiB rows are question 1's. "
        "The extra cost is (isolated − in process) per call or per MiB of argument data "
        "(each result is as large as its argument), within each interleaved round; "
        f"{sizes.runs} and {sizes.fast_runs} rounds.\n\n" + "\n".join(rows)
    )
