"""Question 4: the wall time of `import daft` with 0, 2 and 10 plugins installed, against
the real Daft's and Polars' import."""

from __future__ import annotations

import statistics
import subprocess
import time
from typing import TYPE_CHECKING

from report import Report, fmt3, ms, ratio_str, ratios, stats

if TYPE_CHECKING:
    from run import Setup, Sizes


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
    rows = [
        '| environment | plugins loaded | `python -c "<import>"` ms median (min – max) | '
        "minus `python -c pass` ms (median) |",
        "|---|---|---|---|",
    ]
    for label, *_ in configs:
        net = statistics.median([a - b for a, b in zip(times[label], base[label])])
        rows.append(
            f"| {label} | {counts.get(label, '–')} | {fmt3(stats(times[label]))} | {ms(net)} |"
        )
    if "10" in setup.import_sets:
        l0, l10 = "this engine, plugins 0", "this engine, plugins 10"
        add = stats([a - b for a, b in zip(times[l10], times[l0])])
        rows.append(
            f"\nTen plugins add {fmt3(add)} ms: median (min – max) of the per-round difference."
        )
        rep.target(
            "4", "import time added by 10 plugins", "≤ 20 ms", f"{ms(add[0])} ms", add[0] <= 20e6
        )
        if "Daft 0.7.26" in times:
            for label in (l0, "this engine, plugins 10"):
                r = ratios(
                    [{"ns": x} for x in times[label]], [{"ns": x} for x in times["Daft 0.7.26"]]
                )
                rep.target("4", f"import time / Daft's ({label})", "< 1", ratio_str(r[0]), r[0] < 1)
    rep.add(
        "## 4. Import time\n\n"
        f'Wall time of a fresh `python -c "import daft"` (interpreter start included), '
        f"{sizes.import_runs} interleaved rounds. The 0-plugin environment has only this "
        "engine's core wheel and pyarrow; the 2 plugins are the `text` and `geo` wheels; the "
        "10 are generated from `plugins/hello` with distinct names and installed as wheels "
        "(entry points). The last column subtracts the interpreter's own start-up.\n\n"
        + "\n".join(rows)
    )
