"""``isolation="process"``: a plugin whose kernel segfaults, aborts, exits or hangs fails the
call, the process lives, and the next call works.

Each case runs in its own interpreter (as in ``test_broken_plugins.py``), so a regression
that lets a crash through kills one case, not the test run; each subprocess prints one JSON
line that the test checks. The crashing kernels are the fixture crate
``tests/fixtures/broken-plugins/crashes`` (built by ``cargo build --workspace``): each
misbehaves only on a negative argument.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from fixture_libs import lib

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fixtures are built as .so")


CRASHES = "broken_crashes"
BAD_RESULTS = "broken_bad_results"
HELLO = "daft_plugin_hello"


def run(
    code: str, timeout: float = 120, **env_vars: str
) -> tuple[object, subprocess.CompletedProcess]:
    """Runs ``code`` in a fresh interpreter with plugin discovery off; returns what it printed
    as JSON on its last line, and the finished process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAFT_")}
    env.update(DAFT_PLUGINS_DISABLE="1", RUST_BACKTRACE="0")
    env.update(env_vars)
    prelude = "import json, os, daft\nfrom daft import col\nimport daft.functions as F\n"
    proc = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    lines = proc.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if proc.returncode == 0 and lines else None
    return result, proc


def ok(code: str, **env_vars: str) -> object:
    result, proc = run(code, **env_vars)
    assert proc.returncode == 0, (
        f"the process died (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    )
    return result


# Runs `query` expecting an error; records its class and text, then the same function on good
# data and a built-in, in the same process.
CRASH_THEN_RECOVER = """
daft.load_plugin({path!r}, isolation="process", call_timeout={timeout})
def error_of(thunk):
    try:
        thunk()
    except Exception as e:
        return [type(e).__name__, str(e)]
    return None
bad = daft.from_pydict({{"x": [1, -2, 3]}})
good = daft.from_pydict({{"x": [1, 2, 3]}})
err = error_of(lambda: bad.select(col("x").{fn}()).to_pydict())
after = good.select(col("x").{fn}()).to_pydict()["x"]
again = error_of(lambda: bad.select(col("x").{fn}()).to_pydict())
builtin = daft.from_pydict({{"v": [4.0]}}).select(F.sqrt(col("v"))).to_pydict()["v"]
print(json.dumps([err, after, again is not None, builtin]))
"""


@pytest.mark.parametrize(
    ("fn", "how"),
    [
        ("crash_segfault", "was killed by signal 11 (SIGSEGV)"),
        ("crash_abort", "was killed by signal 6 (SIGABRT)"),
        ("crash_exit", "exited with status 7"),
        ("crash_hang", "did not answer within 2 s, so it was stopped"),
    ],
)
def test_a_crashing_kernel_fails_the_query_and_the_next_call_works(fn: str, how: str) -> None:
    err, after, failed_again, builtin = ok(
        CRASH_THEN_RECOVER.format(path=lib(CRASHES), fn=fn, timeout=2)
    )
    cls, message = err
    assert cls == "DaftPluginError"
    assert 'plugin "crashes"' in message
    assert f"function {fn}: its kernel failed in the plugin's isolated worker process" in message
    assert how in message
    assert "a new worker starts for the next call" in message
    assert after == [1, 2, 3]
    assert failed_again  # the same bad input fails the same way, it is not skipped
    assert builtin == [2.0]


def test_a_crashing_return_type_rule_fails_planning_and_the_next_call_works() -> None:
    err, after = ok(
        f"""
        daft.load_plugin({lib(CRASHES)!r}, isolation="process")
        try:
            daft.from_pydict({{"s": ["a"]}}).select(col("s").crash_in_return_type()).to_pydict()
            err = None
        except Exception as e:
            err = [type(e).__name__, str(e)]
        after = daft.from_pydict({{"x": [5]}}).select(col("x").crash_in_return_type()).to_pydict()
        print(json.dumps([err, after["x"]]))
        """
    )
    assert err[0] == "DaftPluginError"
    assert "function crash_in_return_type: its return-type rule failed" in err[1]
    assert "was killed by signal 11 (SIGSEGV)" in err[1]
    assert after == [None]


def test_an_isolated_plugin_runs_in_worker_processes_and_gives_the_in_process_results() -> None:
    host_pid, worker_pids, isolated, status = ok(
        f"""
        import pyarrow as pa
        daft.load_plugin({lib(CRASHES)!r}, isolation="process", workers=2)
        # Eight partitions over two workers: calls run concurrently and wait for a worker.
        df = daft.from_pydict({{"x": list(range(-5, 100_000))}}).into_partitions(8)
        pids = df.select(col("x").crash_pid()).distinct().to_pydict()["x"]
        doubled = df.select(col("x").crash_double()).to_pydict()["x"]
        assert doubled == [2 * v for v in range(-5, 100_000)], "wrong results"
        text = ["ab", None, "", "ünï", "x" * 10_000]
        daft.load_plugin({lib(HELLO)!r}, isolation="process")
        got = daft.from_pydict({{"s": text}}).select(col("s").hello_greet()).to_pydict()["s"]
        records = daft.plugins().to_pydict()
        status = dict(zip(records["name"], records["isolation"]))
        # The host never maps an isolated plugin's library.
        with open("/proc/self/maps") as maps:
            mapped = maps.read()
        assert "libbroken_crashes" not in mapped and "libdaft_plugin_hello" not in mapped
        print(json.dumps([os.getpid(), sorted(pids), got, status]))
        """
    )
    assert host_pid not in worker_pids
    assert 1 <= len(worker_pids) <= 2
    # The oracle: the same plugin loaded in process.
    expected = ok(
        f"""
        daft.load_plugin({lib(HELLO)!r})
        text = ["ab", None, "", "ünï", "x" * 10_000]
        df = daft.from_pydict({{"s": text}})
        print(json.dumps(df.select(col("s").hello_greet()).to_pydict()["s"]))
        """
    )
    assert isolated == expected
    assert status == {"crashes": "process", "hello": "process"}


def test_a_worker_killed_while_idle_is_replaced_without_failing_a_call() -> None:
    first, second, values = ok(
        f"""
        import signal, time
        daft.load_plugin({lib(CRASHES)!r}, isolation="process", workers=1)
        one = daft.from_pydict({{"x": [1]}})
        first = one.select(col("x").crash_pid()).to_pydict()["x"][0]
        os.kill(first, signal.SIGKILL)
        time.sleep(0.2)
        second = one.select(col("x").crash_pid()).to_pydict()["x"][0]
        values = daft.from_pydict({{"x": [1, 2]}}).select(col("x").crash_double()).to_pydict()["x"]
        print(json.dumps([first, second, values]))
        """
    )
    assert first != second
    assert values == [2, 4]


@pytest.mark.skipif(not hasattr(signal, "SIGABRT"), reason="needs SIGABRT")
def test_a_library_that_crashes_when_opened_is_a_failed_load_only_when_isolated() -> None:
    # In process, the dynamic loader runs the library's constructor in the host: it dies.
    _, proc = run(f"daft.load_plugin({lib(CRASHES)!r})\nprint('[]')", DAFT_TEST_CRASH_AT_LOAD="1")
    assert proc.returncode == -signal.SIGABRT
    err, loaded, builtin = ok(
        f"""
        try:
            daft.load_plugin({lib(CRASHES)!r}, isolation="process")
            err = None
        except Exception as e:
            err = [type(e).__name__, str(e)]
        loaded = [r for r in daft.plugins().to_pydict()["status"]]
        builtin = daft.from_pydict({{"v": [9.0]}}).select(F.sqrt(col("v"))).to_pydict()["v"]
        print(json.dumps([err, loaded, builtin]))
        """,
        DAFT_TEST_CRASH_AT_LOAD="1",
    )
    assert err[0] == "DaftPluginError"
    assert f"opening {lib(CRASHES)} in an isolated worker process" in err[1]
    assert "was killed by signal 6 (SIGABRT)" in err[1]
    assert loaded == ["failed"]
    assert builtin == [3.0]


@pytest.mark.parametrize(
    "env",
    [{"DAFT_PLUGIN_ISOLATION": "process"}, {"DAFT_PLUGIN_ISOLATE": "broken_crashes,other"}],
    ids=["all", "by-name"],
)
def test_the_environment_isolates_plugins_found_at_import(env: dict) -> None:
    isolation, err = ok(
        """
        records = daft.plugins().to_pydict()
        try:
            daft.from_pydict({"x": [-1]}).select(col("x").crash_abort()).to_pydict()
            err = None
        except Exception as e:
            err = type(e).__name__
        print(json.dumps([records["isolation"], err]))
        """,
        DAFT_PLUGINS_DISABLE="0",
        DAFT_PLUGIN_PATH=lib(CRASHES),
        DAFT_PLUGINS_ALLOW="broken_crashes",
        **env,
    )
    assert isolation == ["process"]
    assert err == "DaftPluginError"


@pytest.mark.parametrize(
    "fn",
    [
        "bad_wrong_length",
        "bad_wrong_type",
        "bad_offsets",
        "bad_offsets_past_buffer",
        "bad_writes_input",
    ],
)
def test_an_isolated_plugin_gets_the_same_errors_as_in_process(fn: str) -> None:
    code = """
    daft.load_plugin({path!r}{extra})
    try:
        daft.from_pydict({{"x": [1, 2, 3]}}).select(col("x").{fn}()).to_pydict()
        err = None
    except Exception as e:
        err = [type(e).__name__, str(e)]
    print(json.dumps(err))
    """
    strict = {"DAFT_PLUGIN_VALIDATION": "full"}
    in_process = ok(code.format(path=lib(BAD_RESULTS), extra="", fn=fn), **strict)
    isolated = ok(
        code.format(path=lib(BAD_RESULTS), extra=', isolation="process"', fn=fn), **strict
    )
    assert in_process is not None
    assert isolated == in_process


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ('isolation="thread"', "isolation must be one of 'none', 'process'"),
        ('isolation="process", call_timeout=0', "call_timeout must be positive seconds"),
        ('isolation="process", workers=0', "workers must be an int of at least 1"),
    ],
)
def test_bad_isolation_settings_are_refused_before_loading(kwargs: str, message: str) -> None:
    err = ok(
        f"""
        try:
            daft.load_plugin({lib(CRASHES)!r}, {kwargs})
            err = None
        except Exception as e:
            err = [type(e).__name__, str(e)]
        print(json.dumps([err, daft.plugins().count_rows()]))
        """
    )
    assert err[0][0] == "ValueError"
    assert message in err[0][1]
    assert err[1] == 0


def _ended(pid: int) -> bool:
    """Whether the process is gone or a zombie (exited, waiting for whoever reaps it)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            state = next(line for line in f if line.startswith("State:"))
    except (FileNotFoundError, ProcessLookupError):
        return True
    return "Z" in state.split()[1]


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "stuck-in-a-kernel"])
def test_workers_end_when_the_host_process_exits(busy: bool) -> None:
    import time

    pid = ok(
        f"""
        import threading, time
        daft.load_plugin({lib(CRASHES)!r}, isolation="process", workers=1, call_timeout=600)
        pid = daft.from_pydict({{"x": [1]}}).select(col("x").crash_pid()).to_pydict()["x"][0]
        if {busy}:
            hang = lambda: daft.from_pydict({{"x": [-1]}}).select(col("x").crash_hang()).collect()
            threading.Thread(target=hang, daemon=True).start()
            time.sleep(0.5)
        print(json.dumps(pid), flush=True)
        os._exit(0)
        """
    )
    deadline = time.monotonic() + 10
    while not _ended(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _ended(pid), f"worker {pid} outlived its host"


def test_a_kernel_writing_into_its_inputs_cannot_reach_the_callers_data_when_isolated() -> None:
    # Without strict mode: in process this kernel changes the user's numpy array (the case
    # test_broken_plugins.py shows caught by strict mode); isolated, it writes into the
    # worker's copy of the batch.
    values, frame, result = ok(
        f"""
        import numpy as np
        daft.load_plugin({lib(BAD_RESULTS)!r}, isolation="process")
        values = np.array([1, 2, 3], dtype=np.int64)
        df = daft.from_pydict({{"x": values}})
        out = df.select(F.bad_writes_input(col("x")).alias("y")).to_pydict()["y"]
        print(json.dumps([values.tolist(), df.to_pydict()["x"], out]))
        """
    )
    assert values == [1, 2, 3]
    assert frame == [1, 2, 3]
    assert result == [1, 2, 3]
