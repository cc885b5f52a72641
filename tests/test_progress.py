"""The progress display of long queries: shown on a terminal (captured here through a
pseudo-terminal), hidden in pipes, in CI and when switched off, never failing a query."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import textwrap

import daft
import pytest

# A query of about 2.4 s: twelve rows through a row-wise UDF that sleeps, in one partition.
SLOW_QUERY = textwrap.dedent(
    """
    import sys, time
    import daft

    @daft.func
    def slow(x: int) -> int:
        time.sleep(0.2)
        return x

    {setup}
    df = daft.from_pydict({{"x": list(range(12))}}).into_partitions(1)
    out = df.select(slow(daft.col("x")).alias("y")).to_pydict()
    assert out["y"] == list(range(12)), out
    print("RESULT-OK", flush=True)
    """
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DAFT_PROGRESS_BAR")}
    env.update(extra)
    return env


def _run_in_terminal(code: str, **env: str) -> str:
    """Runs ``code`` with its standard error on a pseudo-terminal (standard output on a
    pipe); returns what the terminal received, after checking the run succeeded."""
    master, slave = pty.openpty()
    # A terminal has a size (tqdm draws nothing into a zero-column one).
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=_env(**env),
    )
    os.close(slave)
    received = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            pytest.fail("the query made no progress for 60 s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.wait(timeout=60) == 0, received.decode(errors="replace")
    assert "RESULT-OK" in stdout
    return received.decode(errors="replace")


def test_long_query_shows_per_operator_rows_on_a_terminal():
    shown = _run_in_terminal(SLOW_QUERY.format(setup=""))
    # One bar per operator, named as in the physical plan, counting rows; redrawn in place.
    assert "ProjectionExec" in shown, shown
    assert "rows" in shown
    assert "\r" in shown
    # The last frame, drawn when the query ended and before the bars were removed, has
    # the final count: the projection passed the twelve rows on. Operators that count no
    # rows (the engine's batch coalescer for Python UDFs) get no bar rather than a 0.
    assert re.search(r"ProjectionExec: 12(\.0)? rows", shown), shown
    assert "CoalesceForPythonExec" not in shown


@pytest.mark.parametrize(
    "env, setup",
    [
        ({"DAFT_PROGRESS_BAR": "0"}, ""),
        ({"CI": "true"}, ""),
        ({}, "daft.set_execution_config(progress_bar=False)"),
    ],
    ids=["env-off", "ci", "config-off"],
)
def test_progress_is_hidden_when_switched_off_or_in_ci(env, setup):
    shown = _run_in_terminal(SLOW_QUERY.format(setup=setup), **env)
    assert "ProjectionExec" not in shown
    assert "rows" not in shown


def test_progress_is_hidden_in_a_pipe_unless_asked_for():
    for setup, expect in (("", False), ("daft.set_execution_config(progress_bar=True)", True)):
        out = subprocess.run(
            [sys.executable, "-c", SLOW_QUERY.format(setup=setup)],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        assert ("ProjectionExec" in out.stderr) is expect, out.stderr


def test_short_queries_never_reach_the_display(monkeypatch):
    from daft import _progress

    calls = []
    monkeypatch.setattr(_progress, "update", lambda *a: calls.append(a) or True)
    with daft.execution_config_ctx(progress_bar=True):
        assert daft.from_pydict({"x": [1, 2, 3]}).select(daft.col("x") + 1).to_pydict()
    assert calls == []


def test_a_failing_display_does_not_fail_the_query(monkeypatch):
    code = SLOW_QUERY.format(
        setup=(
            "import daft._progress as p\n"
            "def broken(*a):\n"
            "    raise RuntimeError('display broke')\n"
            "p.update = broken\n"
            "daft.set_execution_config(progress_bar=True)"
        )
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "RESULT-OK" in out.stdout


def test_progress_setting_round_trips_through_the_config():
    assert daft.get_execution_config()["progress_bar"] is None
    with daft.execution_config_ctx(progress_bar=False):
        assert daft.get_context().daft_execution_config.progress_bar is False
    assert daft.get_context().daft_execution_config.progress_bar is None
    with pytest.raises(TypeError, match="progress_bar must be True or False"):
        daft.set_execution_config(progress_bar="yes")  # type: ignore[arg-type]
