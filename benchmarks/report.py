"""The report of `benchmarks/run.py`: figures formatted, the sections and targets the
workloads add, and the Markdown file written at the end (`docs/benchmarks.md`)."""

from __future__ import annotations

import datetime
import os
import platform
import re
import statistics
import subprocess
import time
from pathlib import Path

from common import BENCH, ROOT, log


def stats(values: list) -> tuple:
    return statistics.median(values), min(values), max(values)


def ms(ns: float) -> str:
    v = ns / 1e6
    return f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"


def fmt3(v: tuple, f=ms) -> str:
    med, lo, hi = v
    return f"{f(med)} ({f(lo)} – {f(hi)})"


def ratio_str(v: float) -> str:
    return f"{v:.3f}" if v < 10 else f"{v:,.1f}"


def ratios(a: list, b: list, key: str = "ns") -> tuple:
    return stats([x[key] / y[key] for x, y in zip(a, b)])


class Report:
    def __init__(self) -> None:
        self.sections: list = []
        self.targets: list = []  # (question, what, target, measured, met)

    def add(self, text: str) -> None:
        """Adds a section, which starts with "## <question number>."; the sections stay in
        the order of their numbers (as numbers: 2 before 10)."""
        found = re.match(r"## (\d+)\.", text)
        if found is None:
            raise ValueError(f"a report section starts with '## <number>.': {text[:60]!r}")
        self.sections.append(text.rstrip() + "\n")
        self.sections.sort(key=lambda t: int(re.match(r"## (\d+)\.", t).group(1)))

    def target(self, q: str, what: str, target: str, measured: str, met: bool) -> None:
        self.targets.append((q, what, target, measured, met))


def target_row(q: str, what: str, target: str, measured: str, met: bool) -> str:
    return f"| {q} | {what} | {target} | {measured} | {'yes' if met else '**no**'} |"


def missed_line(rows: list, explained: bool) -> str:
    """The report's "Missed:" line for `rows` of (question, what, target, measured, met)."""
    missed = [t for t in rows if not t[4]]
    return (
        "Missed: "
        + ("; ".join(f"{t[1]} ({t[3]}, target {t[2]})" for t in missed) if missed else "none")
        + "."
        + (
            " The reasons, found by profiling and by measuring plain DataFusion beside "
            "this engine, are under *Analysis* at the end."
            if explained and missed
            else ""
        )
    )


def splice_targets(path: Path, targets: list, command: str) -> None:
    """Puts the `targets` of a one-section run (`--only kernels` and the like) into the
    Targets table of the full report at `path`, in place of that question's rows, and
    recomputes its "Missed:" line; a line under the table names the questions whose rows
    came from such a run since (their sections carry that run's date and commit). Without
    this the table kept the full run's figures while the section below showed newer ones."""
    if not targets or not path.exists():
        return
    doc = path.read_text()
    start = doc.find("## Targets\n")
    end = doc.find("\n## ", start + 1)
    if start == -1 or end == -1:
        return
    lines = doc[start:end].split("\n")
    questions = {t[0] for t in targets}
    row = re.compile(r"^\| (\d+) \| (.*) \| (.*) \| (.*) \| (yes|\*\*no\*\*) \|$")
    rows, first_at, others = [], None, []
    for line in lines:
        m = row.match(line)
        if m is None:
            others.append(line)
            continue
        if m.group(1) in questions:
            first_at = len(rows) if first_at is None else first_at
            continue
        rows.append((m.group(1), m.group(2), m.group(3), m.group(4), m.group(5) == "yes"))
    if first_at is None:  # the question had no rows yet: after the lower numbers
        q0 = int(next(iter(questions)))
        first_at = sum(1 for r in rows if int(r[0]) <= q0)
    rows[first_at:first_at] = [tuple(t) for t in targets]
    had_reasons = "under *Analysis* at the end" in doc[start:end]
    refreshed = {}
    for line in others:
        if line.startswith("Refreshed by a one-section run since: "):
            for item in line.removeprefix("Refreshed by a one-section run since: ").split("; "):
                q, _, how = item.partition(" by ")
                refreshed[q.removeprefix("question ")] = how.rstrip(".")
    for q in questions:
        refreshed[q] = f"`{command}`"
    table = [
        "## Targets",
        "",
        "| question | figure | target | measured (median) | met |",
        "|---|---|---|---|---|",
        *(target_row(*r) for r in rows),
        "",
        missed_line(rows, had_reasons),
        "",
        "Refreshed by a one-section run since: "
        + "; ".join(
            f"question {q} by {how}"
            for q, how in sorted(refreshed.items(), key=lambda x: int(x[0]))
        )
        + ".",
        "",
    ]
    path.write_text(doc[:start] + "\n".join(table) + doc[end:])


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    mem = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": platform.platform()}


def versions(setup) -> dict:
    v = {"python": platform.python_version()}
    for tool, code in (
        ("ours", "import daft; print(daft.__version__)"),
        ("daft", "import daft; print(daft.__version__)"),
        ("polars", "import polars; print(polars.__version__)"),
        ("pyarrow", "import pyarrow; print(pyarrow.__version__)"),
        ("duckdb", "import duckdb; print(duckdb.__version__)"),
        ("datafusion", "import datafusion; print(datafusion.__version__)"),
    ):
        if tool in setup.pythons and (tool != "daft" or not setup.smoke):
            out = subprocess.run(
                [setup.pythons[tool], "-c", code],
                env=setup.envs[tool],
                capture_output=True,
                text=True,
            )
            v[tool] = out.stdout.strip() or "?"
    for name, cmd in (
        ("rustc", ["rustc", "--version"]),
        ("commit", ["git", "rev-parse", "--short", "HEAD"]),
    ):
        try:
            v[name] = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            v[name] = "?"
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT
    )
    if dirty.stdout.strip():
        v["commit"] += " (with uncommitted changes in the checkout)"
    return v


def command_line(args) -> str:
    """The command recorded in the report: `--command`'s, or the options this run was
    given (without the paths of `--out` and `--plugin-lib`)."""
    if args.command:
        return args.command
    cmd = "python benchmarks/run.py"
    for flag in ("smoke", "quick"):
        if getattr(args, flag):
            cmd += f" --{flag}"
    if args.only:
        cmd += f" --only {args.only}"
    if args.analytics_rows:
        cmd += f" --analytics-rows {args.analytics_rows}"
    if getattr(args, "ours_from_env", False):
        cmd += " --ours-from-env"
    return cmd


def write_report(args, rep: Report, setup, sizes, started: float, load_start, command: str) -> None:
    m = machine()
    v = versions(setup)
    load_end = os.getloadavg()
    wall = time.time() - started
    only = getattr(args, "only", None)
    if only:
        rounds = (
            f"- every figure: the {only} section's own rounds, stated in it "
            "(interleaved across tools, order rotated each round, after one warm-up run each)"
        )
    else:
        rounds = (
            f"- every figure: median of {sizes.runs} interleaved rounds (order rotated each "
            f"round, after one warm-up run each), with min and max; ratios are taken within "
            f"each round ({sizes.fast_runs} rounds for question 1, {sizes.import_runs} for "
            f"import time, {sizes.analytics_runs} for the analytics queries)"
        )
    head = [
        "# Benchmarks" + (f": {only} only" if only else ""),
        "",
        "SMOKE RUN: tiny sizes, no timing claims (this only checks that the script works)."
        if args.smoke
        else f"Generated by `{command}` from a real run; do not edit by hand (edit "
        "`benchmarks/` and `benchmarks/analysis.md`, then rerun).",
        "",
        f"- command: `{command}`, {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, "
        f"wall time {wall / 60:.1f} min, of which {setup.seconds / 60:.1f} min builds, "
        "environments and data (reused from an earlier run where their inputs were unchanged)",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['os']}",
        f"- load average (1 / 5 / 15 min) at start {' / '.join(f'{x:.2f}' for x in load_start)}, "
        f"at end {' / '.join(f'{x:.2f}' for x in load_end)} (the machine is shared: other "
        "builds ran at the same time)",
        "- versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        rounds,
        "",
        "## Targets",
        "",
        "| question | figure | target | measured (median) | met |",
        "|---|---|---|---|---|",
    ]
    for t in rep.targets:
        head.append(target_row(*t))
    head.append("")
    head.append(missed_line(rep.targets, explained=not only))
    body = "\n".join(head) + "\n\n" + "\n".join(rep.sections)
    method = BENCH / "method.md"
    analysis = BENCH / "analysis.md"
    if method.exists():
        body += "\n" + method.read_text()
    if analysis.exists() and not args.smoke and not only:
        body += "\n" + analysis.read_text()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(body)
    log(f"wrote {args.out} in {wall / 60:.1f} min")
