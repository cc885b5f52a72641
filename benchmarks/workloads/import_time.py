"""Question 4: the wall time of `import daft` with 0, 3 (the first-party packs) and 10
plugins installed, against the real Daft's and Polars' import."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from typing import TYPE_CHECKING

from report import Report, fmt3, ms, ratio_str, ratios, stats

if TYPE_CHECKING:
    from run import Setup, Sizes

HEADING = "## 4. Import time"

# In a fresh process that imported daft without its plugins: the time to find and load
# each installed plugin (its entry point, its package, the native loader) and the extra
# time of the registry's sync that exposes their functions, as `import daft` does them.
PER_PLUGIN = """
import json, os, time
os.environ["DAFT_PLUGINS_DISABLE"] = "1"
import daft
from daft import _entry_points, _registry
from daft import daft as native
t = time.perf_counter_ns(); _registry.sync(); sync0 = time.perf_counter_ns() - t
loads = {}
for ep in _entry_points.discover():
    t = time.perf_counter_ns()
    getter = ep.load()
    native.load_plugin(os.fspath(getter() if callable(getter) else getter), None, None)
    loads[ep.name] = time.perf_counter_ns() - t
t = time.perf_counter_ns(); _registry.sync(); sync1 = time.perf_counter_ns() - t
print(json.dumps({"loads": loads, "sync_extra": sync1 - sync0}))
"""


def q4(rep: Report, setup: Setup, sizes: Sizes) -> None:
    configs = []
    for n, path in setup.import_sets.items():
        env = dict(setup.envs["ours"])
        env.pop("PYTHONPATH", None)
        env.pop("DAFT_PLUGIN_PATH", None)
        if path:
            env["PYTHONPATH"] = path
        label = "this engine, plugins " + (
            "installed in this environment" if n == "installed" else n
        )
        configs.append((label, setup.pythons["ours"], "import daft", env))
    if "daft" in setup.pythons and not setup.smoke:
        configs.append(("Daft 0.7.26", setup.pythons["daft"], "import daft", setup.envs["daft"]))
    if "polars" in setup.pythons:
        configs.append(("Polars", setup.pythons["polars"], "import polars", setup.envs["polars"]))
    counts = {}
    for label, py, stmt, env in configs:
        if stmt == "import daft" and label.startswith("this"):
            counts[label] = subprocess.run(
                [
                    py,
                    "-c",
                    "import daft; print(daft.plugins().to_pydict()['status'].count('loaded'))",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
    times: dict = {c[0]: [] for c in configs}
    base: dict = {c[0]: [] for c in configs}
    for _ in range(sizes.import_runs):
        for label, py, stmt, env in configs:
            for what, code in ((base, "pass"), (times, stmt)):
                t0 = time.perf_counter_ns()
                subprocess.run([py, "-c", code], env=env, check=True)
                what[label].append(time.perf_counter_ns() - t0)
    nets = {label: [a - b for a, b in zip(times[label], base[label])] for label in times}
    rows = [
        '| environment | plugins loaded | `python -c "<import>"` ms median (min – max) | '
        "minus `python -c pass` ms (median) |",
        "|---|---|---|---|",
    ]
    for label, *_ in configs:
        rows.append(
            f"| {label} | {counts.get(label, '–')} | {fmt3(stats(times[label]))} | "
            f"{ms(statistics.median(nets[label]))} |"
        )
    verdicts = []

    def target(what: str, goal: str, measured: str, met: bool) -> None:
        rep.target("4", what, goal, measured, met)
        verdicts.append(f"- {what}: {measured} (target {goal}): {'met' if met else 'NOT met'}")

    l0 = "this engine, plugins 0"
    three = "this engine, plugins 3"
    if three in nets:
        net3 = statistics.median(nets[three])
        target(
            "`import daft` with the three first-party plugins, minus interpreter start",
            "≤ 50 ms",
            f"{ms(net3)} ms",
            net3 <= 50e6,
        )
    for n in ("3", "10"):
        label = f"this engine, plugins {n}"
        if label in times and l0 in times:
            add = stats([(a - b) / int(n) for a, b in zip(times[label], times[l0])])
            rows.append(
                f"\nEach of {n} plugins adds {fmt3(add)} ms: median (min – max) of the "
                "per-round difference from the 0-plugin environment, divided by "
                f"{n}."
            )
            target(
                f"import time per plugin ({n} installed)",
                "≤ 2 ms",
                f"{ms(add[0])} ms",
                add[0] <= 2e6,
            )
    if setup.import_sets.get("3"):
        env = dict(setup.envs["ours"], PYTHONPATH=setup.import_sets["3"])
        env.pop("DAFT_PLUGIN_PATH", None)
        runs = [
            json.loads(
                subprocess.run(
                    [setup.pythons["ours"], "-c", PER_PLUGIN],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            for _ in range(sizes.import_runs)
        ]
        names = sorted(runs[0]["loads"])
        per = {n: statistics.median(r["loads"][n] for r in runs) for n in names}
        extra = statistics.median(r["sync_extra"] for r in runs)
        each = (sum(per.values()) + extra) / len(names)
        rows.append(
            "\nMeasured inside the process instead (no start-up noise): finding and loading "
            "each plugin takes "
            + ", ".join(f"{ms(per[n])} ms (`{n}`)" for n in names)
            + f", and exposing their functions {ms(extra)} ms more in all: "
            f"{ms(each)} ms per plugin (medians of {len(runs)} fresh processes)."
        )
        target(
            "import time per plugin, measured in the process",
            "≤ 2 ms",
            f"{ms(each)} ms",
            each <= 2e6,
        )
    if "Daft 0.7.26" in times:
        for label in (l0, three):
            if label in times:
                r = ratios(
                    [{"ns": x} for x in times[label]], [{"ns": x} for x in times["Daft 0.7.26"]]
                )
                target(f"import time / Daft's ({label})", "< 1", ratio_str(r[0]), r[0] < 1)
    section = (
        HEADING + "\n\n"
        f'Wall time of a fresh `python -c "import daft"` (interpreter start included), '
        f"{sizes.import_runs} interleaved rounds. The 0-plugin environment has only this "
        "engine's core wheel and pyarrow (installed, not imported: `import daft` loads "
        "pyarrow on first use); the 3 plugins are the first-party `text`, `geo` and "
        "`image` wheels; the 10 (full run only) are generated from `plugins/hello` with "
        "distinct names and installed as wheels (entry points). The last column subtracts "
        "the interpreter's own start-up, measured in the same round.\n\n" + "\n".join(rows)
    )
    if verdicts:
        section += "\n\n### Against the targets\n\n" + "\n".join(verdicts)
    rep.add(section)
