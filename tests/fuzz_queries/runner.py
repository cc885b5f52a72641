"""The command line: run a range of seeds, shrink and write each mismatch.

    .venv/bin/python -m tests.fuzz_queries --seed-start 0 --cases 1000 --out target/fuzz-queries

Each seed is one case (its own data and query), so any case is replayed with
`--seed-start SEED --cases 1`. For every mismatch the shrunk reproduction is
written to `OUT/seed-SEED.py` (a standalone script) and its summary to
`OUT/seed-SEED.txt`; `OUT/summary.txt` lists them all.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

from .engines import Outcome, run_case
from .querygen import generate_case
from .repro import repro_script, summary
from .shrink import Shrinker


@dataclass
class Mismatch:
    seed: int
    mode: str
    reason: str
    signature: tuple
    summary: str
    repro: str


def check_seed(seed: int, shrink: bool = True, shrink_seconds: float = 30.0) -> Mismatch | None:
    """Run one case; None when the engines agree."""
    case = generate_case(seed)
    out: Outcome = run_case(case.query, case.tables, case.mode)
    if out.reason is None:
        return None
    query, tables = case.query, case.tables
    if shrink:
        query, tables, out = Shrinker(case.mode, max_seconds=shrink_seconds).shrink(
            query, tables, out
        )
    return Mismatch(
        seed,
        case.mode,
        out.reason,
        out.signature,
        summary(seed, case.mode, out),
        repro_script(seed, case.mode, tables, out),
    )


@dataclass
class Stats:
    start: int
    cases: int = 0
    mismatches: list | None = None
    seconds: float = 0.0

    @property
    def agreements(self) -> int:
        return self.cases - len(self.mismatches or [])


def run_range(
    start: int,
    count: int,
    out_dir: str | None = None,
    shrink: bool = True,
    progress: bool = False,
) -> Stats:
    stats = Stats(start, mismatches=[])
    t0 = time.monotonic()
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    for seed in range(start, start + count):
        m = check_seed(seed, shrink)
        stats.cases += 1
        if m is not None:
            stats.mismatches.append(m)
            if out_dir:
                with open(os.path.join(out_dir, f"seed-{seed}.py"), "w") as f:
                    f.write(m.repro)
                with open(os.path.join(out_dir, f"seed-{seed}.txt"), "w") as f:
                    f.write(m.summary)
            if progress:
                print(f"mismatch: seed {seed}: {m.reason}", flush=True)
        if progress and stats.cases % 500 == 0:
            elapsed = time.monotonic() - t0
            print(
                f"... {stats.cases} cases, {len(stats.mismatches)} mismatches, {elapsed:.0f}s",
                flush=True,
            )
    stats.seconds = time.monotonic() - t0
    return stats


def run_isolated(start: int, count: int, out_dir: str, shrink: bool, timeout: float) -> Stats:
    """`run_range` in child processes: a case that crashes the interpreter
    (a signal, an abort in native code) or runs longer than `timeout` seconds
    is recorded as a mismatch of its own and the run goes on with the next
    seed in a new child."""
    import json
    import queue
    import subprocess
    import threading

    stats = Stats(start, mismatches=[])
    t0 = time.monotonic()
    os.makedirs(out_dir, exist_ok=True)
    seed, end = start, start + count
    while seed < end:
        cmd = [sys.executable, "-m", __package__, "--worker", "--seed-start", str(seed)]
        cmd += ["--cases", str(end - seed), "--out", out_dir] + ([] if shrink else ["--no-shrink"])
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        lines: queue.Queue = queue.Queue()

        def pump(out=child.stdout, lines=lines) -> None:
            for x in out:
                lines.put(x)
            lines.put(None)  # end of output: the child exited

        threading.Thread(target=pump, daemon=True).start()
        current = None
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                child.kill()
                break
            if line is None:
                break
            if not line.startswith('{"'):
                continue  # something else the case printed
            msg = json.loads(line)
            if msg["status"] == "start":
                current = msg["seed"]
                continue
            if msg["status"] == "end":
                break
            stats.cases += 1
            current = None
            seed = msg["seed"] + 1
            if msg["status"] == "mismatch":
                stats.mismatches.append(
                    Mismatch(msg["seed"], msg["mode"], msg["reason"], (), "", "")
                )
                print(f"mismatch: seed {msg['seed']}: {msg['reason']}", flush=True)
            if stats.cases % 500 == 0:
                elapsed = time.monotonic() - t0
                print(
                    f"... {stats.cases} cases, {len(stats.mismatches)} mismatches, {elapsed:.0f}s",
                    flush=True,
                )
        code = child.wait()
        if current is not None:
            reason = f"the case crashed or hung (exit status {code})"
            stats.cases += 1
            stats.mismatches.append(Mismatch(current, "?", reason, ("crash",), reason, ""))
            with open(os.path.join(out_dir, f"seed-{current}.txt"), "w") as f:
                f.write(f"seed {current}: {reason}; replay with --seed-start {current} --cases 1\n")
            print(f"mismatch: seed {current}: {reason}", flush=True)
            seed = current + 1
        elif code != 0 and seed < end:
            raise RuntimeError(f"the fuzzing worker failed (exit status {code})")
    stats.seconds = time.monotonic() - t0
    return stats


def _worker(start: int, count: int, out_dir: str, shrink: bool) -> int:
    import json

    for seed in range(start, start + count):
        print(json.dumps({"seed": seed, "status": "start"}), flush=True)
        m = check_seed(seed, shrink)
        msg = {"seed": seed, "status": "ok"}
        if m is not None:
            with open(os.path.join(out_dir, f"seed-{seed}.py"), "w") as f:
                f.write(m.repro)
            with open(os.path.join(out_dir, f"seed-{seed}.txt"), "w") as f:
                f.write(m.summary)
            msg = {"seed": seed, "status": "mismatch", "mode": m.mode, "reason": m.reason}
        print(json.dumps(msg), flush=True)
    print(json.dumps({"status": "end"}), flush=True)
    return 0


def report(stats: Stats) -> str:
    last = stats.start + stats.cases - 1
    lines = [
        f"seeds {stats.start}..{last}: {stats.cases} cases, {stats.agreements} agreements, "
        f"{len(stats.mismatches)} mismatches, {stats.seconds:.1f}s"
    ]
    for m in stats.mismatches:
        lines.append(f"  seed {m.seed} ({m.mode}): {m.reason}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tests.fuzz_queries",
        description="Differential query fuzzing of daft against DuckDB.",
    )
    ap.add_argument("--seed-start", type=int, default=0)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--out", default="target/fuzz-queries", help="folder for reproductions")
    ap.add_argument("--no-shrink", action="store_true", help="write mismatches unshrunk")
    ap.add_argument("--show", action="store_true", help="print each case's program and SQL")
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="run the cases in this process (default: in a child process, so that a crash "
        "or a hang is recorded as a mismatch and the run goes on)",
    )
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds a case may take")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return _worker(args.seed_start, args.cases, args.out, not args.no_shrink)
    if args.show:
        from .engines import daft_program, duckdb_sql

        for seed in range(args.seed_start, args.seed_start + args.cases):
            case = generate_case(seed)
            print(f"# seed {seed} ({case.mode})")
            print(daft_program(case.query, case.tables, case.mode))
            print(duckdb_sql(case.query, case.tables), "\n")
        return 0
    if args.in_process:
        stats = run_range(args.seed_start, args.cases, args.out, not args.no_shrink, progress=True)
    else:
        stats = run_isolated(
            args.seed_start, args.cases, args.out, not args.no_shrink, args.timeout
        )
    text = report(stats)
    print(text)
    if args.out:
        with open(os.path.join(args.out, "summary.txt"), "a") as f:
            f.write(text + "\n")
    return 1 if stats.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
