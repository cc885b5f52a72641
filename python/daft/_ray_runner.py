"""The Ray runner (``daft.set_runner_ray``): a query's stages as Ray tasks.

The engine plans a query as it would locally and cuts the physical plan into stages at
its exchanges (``host/daft-distributed/src/stages.rs``). This module schedules them: the
tasks of a stage run on Ray workers (``_run_task``), each executing one partition of the
stage's plan with the same engine, and each task's output stays in Ray's object store as
Arrow IPC bytes until the tasks of a later stage fetch it (a shuffle's bucket ``j`` of
every task, or a task's whole output). Stages run one after another; the last stage's
outputs, in task order, are the query's partitions.

Plans travel as bytes in which every function is named by provider and registry name
(``docs/distributed.md``). Before its first task, a worker loads the plugins that the
driver loaded from a file (workers discover installed plugin wheels at ``import daft``
like any process); a plugin it cannot load, or has in another version, fails the query
with an error naming the plugin, the versions and the worker.

Ray is imported only when a query runs on this runner.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from daft import daft as _native

__all__ = ["RayRunner"]

# A stage as the engine hands it over: id, plan bytes, number of tasks, buckets per task
# (0: one piece per task), ids of the stages it reads.
_Stage = tuple[int, bytes, int, int, list[int]]


class RayRunner:
    """Runs queries on a Ray cluster: the one at ``address``, or, with no address, the Ray
    instance this process already started or joined, or a new local one."""

    name = "ray"

    def __init__(self, address: str | None = None, max_task_backlog: int | None = None) -> None:
        self.address = address
        self.max_task_backlog = max_task_backlog
        self._remote: Any = None

    def __repr__(self) -> str:
        return f"RayRunner(address={self.address!r})"

    def _ray(self) -> Any:
        import ray

        if not ray.is_initialized():
            ray.init(address=self.address, ignore_reinit_error=True, log_to_driver=False)
        if self._remote is None:
            self._remote = ray.remote(_run_task)
            # Plans get at least as many partitions as the cluster has CPUs, so that a
            # stage has a task for each (the session's default is this machine's cores).
            from daft.context import get_context, set_execution_config

            cpus = int(ray.cluster_resources().get("CPU", 1))
            if cpus > get_context().daft_execution_config.target_partitions:
                set_execution_config(target_partitions=cpus)
        return ray

    def prepare(self) -> None:
        """Joins or starts Ray before a query is planned (the plan's partition count
        follows the cluster's CPUs)."""
        self._ray()

    def run_stages(self, stages: list[_Stage]) -> list[list[bytes]]:
        """Runs the stages in order; returns the last stage's output, one list of Arrow IPC
        pieces per partition."""
        ray = self._ray()
        plugins = _loaded_plugins()
        # Per stage: its shape (tasks, buckets), each task's output references and the byte
        # size of each piece (0: empty, not worth a fetch).
        shapes: dict[int, tuple[int, int]] = {}
        outputs: dict[int, list[list[Any]]] = {}
        sizes: dict[int, list[list[int]]] = {}
        for stage_id, plan, tasks, buckets, reads in stages:
            shapes[stage_id] = (tasks, buckets)
            inputs = {s: _reader_partitions(outputs[s], sizes[s], shapes[s][1]) for s in reads}
            plan_ref = ray.put(plan)
            returns = 1 + max(buckets, 1)
            refs = [
                self._remote.options(
                    num_returns=returns,
                    name=f"daft stage {stage_id} task {t}",
                    retry_exceptions=False,
                ).remote(plan_ref, t, inputs, plugins)
                for t in range(tasks)
            ]
            sizes[stage_id] = _wait_for_stage(ray, stage_id, len(stages), refs)
            outputs[stage_id] = [r[1:] for r in refs]
        last = stages[-1][0]
        return [
            [piece for piece, size in zip(ray.get(task_refs), task_sizes) if size]
            for task_refs, task_sizes in zip(outputs[last], sizes[last])
        ]


def _reader_partitions(outputs: list[list[Any]], sizes: list[list[int]], buckets: int) -> list:
    """A reader's partitions of a stage's output: bucket ``j`` of every task, or each
    task's one piece; empty pieces left out."""
    if buckets:
        return [[refs[j] for refs, size in zip(outputs, sizes) if size[j]] for j in range(buckets)]
    return [[refs[0]] if size[0] else [] for refs, size in zip(outputs, sizes)]


def _wait_for_stage(ray: Any, stage_id: int, num_stages: int, refs: list[list[Any]]) -> list:
    """Waits for every task of a stage; returns each task's piece sizes. A task that
    failed (and that Ray did not retry into success) fails the query, naming the stage
    and the task; the stage's other tasks are cancelled."""
    pending = {task_refs[0]: t for t, task_refs in enumerate(refs)}
    sizes: list = [None] * len(refs)
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                task = pending.pop(ref)
                try:
                    sizes[task] = ray.get(ref)
                except Exception as e:
                    raise _task_error(e, stage_id, num_stages, task, len(refs)) from None
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=False)
        raise
    return sizes


def _task_error(
    error: BaseException, stage_id: int, num_stages: int, task: int, tasks: int
) -> BaseException:
    """The exception a failed task raises on the driver: the worker's own class and
    message (with its traceback there), naming the stage and the task."""
    from daft.exceptions import DaftCoreException

    where = f"stage {stage_id + 1} of {num_stages}, task {task + 1} of {tasks}"
    cause = getattr(error, "cause", None)
    if isinstance(cause, BaseException):
        node = getattr(error, "ip", None)
        detail = f"{where}, on the Ray worker at {node}" if node else where
        message = f"{cause} ({detail})"
        try:
            raised = type(cause)(message)
        except Exception:
            raised = DaftCoreException(message)
        raised.__cause__ = error
        return raised
    raised = DaftCoreException(f"the Ray task of {where} failed: {error}")
    raised.__cause__ = error
    return raised


def _loaded_plugins() -> list[tuple[str, str, str, str]]:
    """The plugins this process loaded: name, version, library path, isolation."""
    return [
        (r["name"], r["version"], r["path"], r["isolation"] or "none")
        for r in _native.plugin_statuses()
        if r["status"] == "loaded"
    ]


# Plugins of the driver this worker process could not load, by name, with the reason: a
# task whose plan calls one of them fails, and the error says why the plugin is missing.
_load_failures: dict[str, str] = {}


def _ensure_plugins(plugins: list[tuple[str, str, str, str]]) -> None:
    loaded = {r["name"] for r in _native.plugin_statuses() if r["status"] == "loaded"}
    for name, version, path, isolation in plugins:
        if name in loaded or name in _load_failures:
            continue
        if not os.path.exists(path):
            _load_failures[name] = (
                f"the driver loaded version {version} from {path}, which does not exist on "
                f"{socket.gethostname()}: install the plugin's wheel on every node, or put the "
                f"library at the same path"
            )
            continue
        try:
            from daft.plugins import load_plugin

            load_plugin(path, isolation=isolation)
        except Exception as e:
            _load_failures[name] = (
                f"loading version {version} from {path} on {socket.gethostname()} failed: {e}"
            )


def _run_task(plan: bytes, task: int, inputs: dict[int, list], plugins: list) -> tuple:
    """One task on a Ray worker: the piece sizes, then the pieces (Arrow IPC bytes)."""
    import ray

    _ensure_plugins(plugins)

    def fetch(stage: int, partition: int) -> list[bytes]:
        refs = inputs[stage][partition]
        return ray.get(refs) if refs else []

    try:
        pieces = _native.run_stage_task(plan, task, fetch)
    except Exception as e:
        missing = [f"plugin {n!r}: {why}" for n, why in _load_failures.items() if n in str(e)]
        if not missing:
            raise
        message = f"{e} ({'; '.join(missing)})"
        try:
            raised = type(e)(message)
        except Exception:
            raise e from None
        raise raised from e
    return ([len(p) for p in pieces], *pieces)
