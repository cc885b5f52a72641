"""``use_process=True`` UDFs (issue 12): batches run in worker processes, so
CPU-bound Python code uses more than one core; results equal a plain loop,
exceptions keep their type and the worker's traceback, a dying worker is an
error naming the UDF, and a ``@daft.cls`` instance is built once per worker."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import daft
import pytest
from daft import DataType, col
from daft.exceptions import DaftCoreException


def many_batches(values: list) -> daft.DataFrame:
    return daft.from_pydict({"x": values}).into_partitions(4)


@daft.func(use_process=True)
def worker_pid(x: int) -> int:
    return os.getpid()


@daft.func(use_process=True, max_concurrency=2)
def cube(x: int) -> int:
    return None if x is None else x**3


@daft.func.batch(return_dtype=DataType.string(), use_process=True, batch_size=50)
def shout(s):
    return [None if v is None else v.upper() + "!" for v in s.to_pylist()]


def test_rows_and_batches_run_in_other_processes_and_match_a_loop():
    values = [None if i % 9 == 0 else i - 500 for i in range(2000)]
    words = [None if i % 4 == 0 else f"w{i}" for i in range(2000)]
    df = daft.from_pydict({"x": values, "s": words}).into_partitions(4)
    got = df.select(cube(col("x")), shout(col("s"))).to_pydict()
    assert got["x"] == [None if v is None else v**3 for v in values]
    assert got["s"] == [None if v is None else v.upper() + "!" for v in words]
    pids = set(many_batches(list(range(100))).select(worker_pid(col("x"))).to_pydict()["x"])
    assert os.getpid() not in pids and 1 <= len(pids) <= (os.cpu_count() or 1)


def test_an_exception_in_a_worker_keeps_its_type_and_the_workers_traceback():
    @daft.func(use_process=True)
    def picky(x: int) -> int:
        if x == 3:
            raise KeyError(f"no key {x}")
        return x

    with pytest.raises(DaftCoreException, match="UDF picky raised KeyError") as info:
        daft.from_pydict({"x": [1, 2, 3]}).select(picky(col("x"))).collect()
    cause = info.value.__cause__
    assert isinstance(cause, KeyError) and cause.args == ("no key 3",)
    # The worker's own traceback, down to the function that raised.
    remote = str(cause.__cause__)
    assert ", in picky\n" in remote and remote.endswith("KeyError: 'no key 3'\n"), remote


def test_a_worker_that_dies_fails_the_batch_by_name_and_the_next_query_works():
    @daft.func(use_process=True)
    def fatal(x: int) -> int:
        if x == 2:
            os._exit(7)
        return x

    with pytest.raises(DaftCoreException, match=r"UDF fatal: its worker process .* code 7"):
        daft.from_pydict({"x": [1, 2]}).select(fatal(col("x"))).collect()
    assert daft.from_pydict({"x": [1, 5]}).select(fatal(col("x"))).to_pydict() == {"x": [1, 5]}


def test_an_unpicklable_udf_is_refused_when_the_expression_is_built():
    import threading

    lock = threading.Lock()

    @daft.func(use_process=True)
    def holds_a_lock(x: int) -> int:
        with lock:
            return x

    with pytest.raises(ValueError, match="UDF holds_a_lock has use_process=True, so it must be"):
        holds_a_lock(col("x"))


def test_a_cls_instance_is_built_once_per_worker_process():
    @daft.cls(use_process=True, max_concurrency=2)
    class Counter:
        built = 0

        def __init__(self, offset: int) -> None:
            type(self).built += 1
            self.offset = offset

        def __call__(self, x: int) -> str:
            # The worker's pid and how many instances that process built.
            return f"{os.getpid()}:{type(self).built}:{x + self.offset}"

    out = many_batches(list(range(400))).select(Counter(1000)(col("x"))).to_pydict()["x"]
    parts = [v.split(":") for v in out]
    assert [int(p[2]) for p in parts] == [x + 1000 for x in range(400)]
    assert {p[1] for p in parts} == {"1"}  # each worker built exactly one instance
    assert str(os.getpid()) not in {p[0] for p in parts}
    assert Counter.built == 0 if hasattr(Counter, "built") else True


def test_cpu_bound_rows_run_in_parallel_worker_processes():
    # Structural, not timed: each row records the worker process that computed it and
    # when (CLOCK_MONOTONIC is one clock for every process of the machine). Rows of two
    # different processes whose intervals overlap ran at the same time, which a single
    # interpreter's GIL would not allow for CPU-bound Python code.
    @daft.func(use_process=True, max_concurrency=2)
    def burn(x: int) -> str:
        import os
        import time

        start = time.monotonic()
        total = 0
        for i in range(3_000_000):
            total += i % 7
        return f"{os.getpid()} {start} {time.monotonic()} {total + x}"

    df = daft.from_pydict({"x": list(range(8))}).into_partitions(2).collect()
    rows = [r.split() for r in df.select(burn(daft.col("x"))).to_pydict()["x"]]
    assert len(rows) == 8
    spans = [(int(pid), float(a), float(b)) for pid, a, b, _ in rows]
    assert len({pid for pid, _, _ in spans}) >= 2
    assert os.getpid() not in {pid for pid, _, _ in spans}
    overlapping = any(p != q and a1 < b2 and a2 < b1 for p, a1, b1 in spans for q, a2, b2 in spans)
    assert overlapping, spans


def test_sigint_kills_the_worker_of_an_interrupted_batch():
    import signal
    import time

    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import os, time, daft
                @daft.func(use_process=True, max_concurrency=1)
                def slow(x: int) -> int:
                    # The worker says who it is, then sleeps far past the test.
                    if x == 0:
                        print("worker", os.getpid(), flush=True)
                    time.sleep(600)
                    return x
                df = daft.from_pydict({"x": [0, 1]})
                try:
                    df.select(slow(daft.col("x"))).collect()
                    print("finished", flush=True)
                except KeyboardInterrupt:
                    print("interrupted", flush=True)
                print(df.select(daft.col("x") + 1).to_pydict(), flush=True)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = child.stdout.readline().split()
    assert line[0] == "worker", line
    worker = int(line[1])
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert out.split("\n")[:2] == ["interrupted", "{'x': [1, 2]}"], out
    # The worker was killed with its batch, not left sleeping.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"worker {worker} still runs after the interrupt")
