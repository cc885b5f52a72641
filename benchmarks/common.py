"""What the driver and the workloads of `benchmarks/run.py` share: paths, logging,
subprocesses, and the persistent worker processes with their interleaved rounds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
WORK = ROOT / "target" / "bench"
WORKER = BENCH / "worker.py"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(cmd: list, **kw) -> str:
    log(" ".join(str(c) for c in cmd))
    out = subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, **kw)
    return out.stdout


def clean_env(**extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DAFT_", "PYTHON", "VIRTUAL_ENV")) and k != "CARGO_TARGET_DIR"
    }
    env.update(extra)
    return env


# ---------------------------------------------------------------------------
# Measuring


class Worker:
    """One tool's persistent worker process (`script`, by default `benchmarks/worker.py`),
    started in that tool's environment; it answers one JSON line per request."""

    def __init__(
        self, tool: str, setup, data: dict, script: Path = WORKER, env: dict | None = None
    ) -> None:
        self.tool = tool
        self.proc = subprocess.Popen(
            [setup.pythons[tool], script, tool, json.dumps(data)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=setup.envs[tool] if env is None else env,
        )
        self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.tool} exited ({self.proc.wait()})")
        msg = json.loads(line)
        if "error" in msg:
            raise RuntimeError(f"worker {self.tool}: {msg['error']}")
        return msg

    def ask(self, request: dict) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def run(self, task: str) -> dict:
        return self.ask({"task": task})

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def interleave(contenders: list, runs: int) -> dict:
    """Runs every (label, worker, task) once per round, rotating the order each round,
    after one warm-up run each. Returns label -> list of {"ns", "cpu_ns"} in round order."""
    for label, w, task in contenders:
        log(f"warm-up {label}")
        w.run(task)
    out: dict = {label: [] for label, _, _ in contenders}
    for r in range(runs):
        k = r % len(contenders)
        for label, w, task in contenders[k:] + contenders[:k]:
            out[label].append(w.run(task))
        log(f"round {r + 1}/{runs} done")
    return out
