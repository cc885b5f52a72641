"""What every benchmark worker process shares (`worker.py`, `workloads/analytics_worker.py`):
its own peak memory and CPU time, and the request loop that times one task per request.

Workers run in each tool's own virtual environment, so this module imports nothing beyond
the standard library.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from typing import Any, Callable


def peak_rss_bytes() -> int:
    """This process's peak resident memory. On Linux, `VmHWM` of /proc/self/status: the
    peak of this program's own memory, where `ru_maxrss` would start from the peak of the
    process that started it (Linux carries it over `fork` and `exec`)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def cpu_ns() -> int:
    """User + system CPU time of this process (all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return int((r.ru_utime + r.ru_stime) * 1e9)


def timed(run: Callable[[str], Any], task: str) -> dict:
    """Runs `task` once; its wall and CPU time. The result is dropped before returning, so
    freeing it is not part of the next task's time."""
    cpu = cpu_ns()
    start = time.perf_counter_ns()
    result = run(task)
    ns = time.perf_counter_ns() - start
    cpu = cpu_ns() - cpu
    del result
    return {"ns": ns, "cpu_ns": cpu}


def once(run: Callable[[str], Any], task: str) -> dict:
    """Runs `task` once in this (fresh) process: its times and the peak memory before and
    after it."""
    before = peak_rss_bytes()
    out = timed(run, task)
    return {"rss_before": before, "rss_after": peak_rss_bytes(), **out}


def serve(run: Callable[[str], Any], check: Callable[[str], Any] | None = None) -> None:
    """Announces readiness, then answers one JSON request per line of stdin with one JSON
    line: ``{"task": T}`` with `timed`, ``{"task": T, "check": true}`` with
    ``{"result": check(T)}``; an exception is answered as ``{"error": ...}`` (the driver
    stops on it)."""
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req.get("check") and check is not None:
                out = {"result": check(req["task"])}
            else:
                out = timed(run, req["task"])
        except Exception as e:
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)
