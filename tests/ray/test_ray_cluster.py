"""The Ray runner on a three-node Ray cluster on this machine (``ray.cluster_utils.Cluster``,
every node on 127.0.0.1): plugin functions and aggregates in a distributed group-by and join,
a worker process killed in the middle of a query (Ray runs its task again and the answer is
right), a task that fails every time (an error naming the stage and the task), and workers
with another version of a plugin (an error naming both versions).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import daft
import pytest
import ray
from daft import col
from ray.cluster_utils import Cluster

from tests.plugins.fixture_libs import lib, load_once
from tests.ray.support import native_runner, ray_runner

F = daft.functions

if not hasattr(F, "checksum"):
    raise ImportError("the text plugin (daft-plugin-text) is not installed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        for _ in range(2):
            c.add_node(num_cpus=1)
        c.wait_for_nodes()
        yield c
    finally:
        c.shutdown()


@pytest.fixture(scope="module", autouse=True)
def on_cluster(cluster: Cluster) -> Iterator[None]:
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
    try:
        nodes = [n for n in ray.nodes() if n["Alive"]]
        assert len(nodes) == 3, nodes
        assert {n["NodeManagerAddress"] for n in nodes} == {"127.0.0.1"}, nodes
        with ray_runner():
            load_once(lib("broken_crashes"))
            yield
    finally:
        ray.shutdown()


def native(make) -> dict:
    with native_runner():
        return make().to_pydict()


def test_a_plugin_group_by_and_join_on_three_nodes(files):
    def make():
        facts = daft.read_parquet(files).with_column("slug", F.text.slugify(col("s")))
        names = daft.from_pydict({"k": list(range(7)), "name": [f"n{i}" for i in range(7)]})
        return (
            facts.join(names, on="k")
            .groupby("name")
            .agg(F.text.checksum(col("slug")).alias("c"), col("x").sum().alias("sx"))
            .sort("name")
        )

    assert make().to_pydict() == native(make)
    # The scan's tasks (slowed down so that they overlap) ran in more than one worker.
    pids = (
        daft.read_parquet(files)
        .with_column("z", (col("k").fill_null(0) * 0 + 300).crash_sleep())
        .select(col("z").crash_pid().alias("p"))
        .distinct()
    )
    assert len(set(pids.to_pydict()["p"])) >= 2


def _task_processes() -> list[int]:
    """Ray worker processes running one of the runner's tasks (Ray titles a worker after
    the task it runs: ``ray::daft stage S task T``)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if cmdline.startswith(b"ray::daft stage"):
            found.append(int(pid))
    return found


def test_a_worker_killed_during_a_query_is_retried_and_the_answer_is_right(files):
    # Each scan task sleeps 1.5 s in the plugin; one of the workers running them is killed.
    def make():
        return (
            daft.read_parquet(files)
            .with_column("slow", (col("k").fill_null(0) * 0 + 1500).crash_sleep())
            .where(col("slow") == 1500)
            .groupby("k")
            .agg(col("x").count().alias("n"), col("x").sum().alias("sx"))
            .sort("k")
        )

    killed: list[int] = []

    def kill_one() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for pid in _task_processes():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
            time.sleep(0.02)

    killer = threading.Thread(target=kill_one)
    killer.start()
    got = make().to_pydict()
    killer.join()
    assert killed, "no task process was seen to kill"
    assert got == native(make)


def test_a_task_that_fails_every_time_is_an_error_naming_the_stage_and_the_task(files):
    # crash_exit ends the worker process on a negative value, on every try.
    df = daft.read_parquet(files).select((col("k").fill_null(0) - 100).crash_exit())
    with pytest.raises(Exception) as info:
        df.to_pydict()
    said = str(info.value)
    assert "stage" in said and "task" in said, said


def test_workers_with_another_version_of_a_plugin_fail_the_query_naming_both(cluster):
    # The workers of this job load the hello fixture of version 9.9.9 at `import daft`
    # (DAFT_PLUGIN_PATH, and only it: DAFT_PLUGINS_ALLOW), while the driver has the
    # installed hello wheel.
    script = textwrap.dedent(
        f"""
        import os
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        import daft, ray
        ray.init(address={cluster.address!r}, include_dashboard=False, log_to_driver=False,
                 runtime_env={{"env_vars": {{"DAFT_PLUGIN_PATH": {lib("broken_hello_v2")!r},
                                             "DAFT_PLUGINS_ALLOW": "broken_hello_v2",
                                             "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}}}})
        daft.set_runner_ray()
        names = daft.from_pydict({{"name": ["a", "b"]}})
        df = names.select(daft.functions.hello_greet(daft.col("name")))
        try:
            df.to_pydict()
        except Exception as e:
            print("ERROR:", e)
        else:
            print("NO ERROR")
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DAFT_PLUGIN_PATH", "DAFT_RUNNER")}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    said = out.stdout
    assert "ERROR:" in said, out.stderr[-3000:]
    assert 'plugin "hello"' in said and "9.9.9" in said, said
    hello_version = daft.daft.plugin_statuses()
    versions = [r["version"] for r in hello_version if r["name"] == "hello"]
    assert versions and versions[0] in said, said
