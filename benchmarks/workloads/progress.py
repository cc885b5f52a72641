"""Question 11: what the progress display costs a query (issue 16's target: < 1 %).

One process of this engine runs the same query of a few seconds with the display on
(`set_execution_config(progress_bar=True)`; tqdm draws every operator's bar into a
pseudo-terminal that a thread drains, as a terminal would) and off, the two alternating
(the order flipped each round), and reports the per-round ratio on / off.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from typing import TYPE_CHECKING

from report import fmt3, stats

if TYPE_CHECKING:
    from report import Report
    from run import Setup, Sizes

HEADING = "## 11. Progress display"
TARGET = 1.01

SCRIPT = textwrap.dedent(
    """
    import fcntl, json, os, pty, struct, sys, termios, threading, time
    import pyarrow as pa
    import daft
    from daft import col

    rows, rounds = int(sys.argv[1]), int(sys.argv[2])
    # tqdm draws into a pseudo-terminal, which a thread reads, as a terminal would.
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    sys.stderr = os.fdopen(slave, "w", buffering=1)
    drained = [0]
    def drain():
        while True:
            try:
                drained[0] += len(os.read(master, 65536))
            except OSError:
                return
    threading.Thread(target=drain, daemon=True).start()

    df = daft.from_arrow(pa.table({"x": pa.array(range(rows), pa.int64())})).collect()

    def query():
        return (
            df.with_column("s", (col("x") % 200_003).cast(daft.DataType.string()))
            .groupby("s")
            .agg(col("x").sum().alias("t"), col("x").count().alias("n"))
            .sort("t")
            .limit(5)
            .to_pydict()
        )

    for mode in (True, False):  # warm-up
        daft.set_execution_config(progress_bar=mode)
        query()
    for r in range(rounds):
        order = (True, False) if r % 2 == 0 else (False, True)
        got = {}
        for mode in order:
            daft.set_execution_config(progress_bar=mode)
            t0 = time.perf_counter_ns()
            query()
            got[mode] = time.perf_counter_ns() - t0
        print(json.dumps({"on": got[True], "off": got[False]}), flush=True)
    print(json.dumps({"drawn_bytes": drained[0]}), flush=True)
    """
)


def run(rep: Report, setup: Setup, sizes: Sizes) -> None:
    out = subprocess.run(
        [setup.pythons["ours"], "-c", SCRIPT, str(sizes.progress_rows), str(sizes.progress_runs)],
        env=setup.envs["ours"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    rounds = [x for x in lines if "on" in x]
    drawn = next(x["drawn_bytes"] for x in lines if "drawn_bytes" in x)
    if not drawn and not setup.smoke:  # a smoke run's query is too short to show it
        raise SystemExit(
            "progress: the display drew nothing (is tqdm installed in the engine's venv, "
            "and does the query run longer than a second?)"
        )
    on = stats([x["on"] for x in rounds])
    off = stats([x["off"] for x in rounds])
    ratio = stats([x["on"] / x["off"] for x in rounds])
    met = ratio[0] < TARGET
    rep.target(
        "11",
        "query time with the progress display / without",
        f"< {TARGET}",
        f"{ratio[0]:.3f}",
        met,
    )
    rep.add(
        f"{HEADING}\n\n"
        f"A group-by of {sizes.progress_rows:,} rows on a string key made from an integer "
        "(200,003 groups, two aggregations, a sort; a few seconds) in one process, with the "
        "progress display on (every operator's bar drawn by tqdm into a pseudo-terminal "
        "that a thread drains) and off, "
        f"alternating, the order flipped each round; {len(rounds)} rounds. The display "
        f"drew {drawn:,} bytes in all.\n\n"
        "| | ms median (min – max) |\n|---|---|\n"
        f"| display on | {fmt3(on)} |\n| display off | {fmt3(off)} |\n\n"
        f"Per-round ratio on / off: {ratio[0]:.3f} ({ratio[1]:.3f} – {ratio[2]:.3f}); "
        f"target < {TARGET}: {'met' if met else 'NOT met'}."
    )
