"""The session: execution and planning settings and the runner, as Daft has them
(``daft.context.get_context()``, ``daft.set_execution_config``,
``daft.set_planning_config``, ``daft.set_runner_native``, ``daft.set_runner_ray``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
from collections.abc import Iterator
from typing import Any, NamedTuple

from daft import daft as _native

__all__ = [
    "DaftContext",
    "ExecutionConfig",
    "PlanningConfig",
    "execution_config_ctx",
    "get_context",
    "get_execution_config",
    "planning_config_ctx",
    "set_execution_config",
    "set_planning_config",
    "set_runner_native",
    "set_runner_ray",
]


def _stop_queries_at_exit() -> None:
    # Before the interpreter finalizes: a Python UDF batch may still run on an engine
    # thread, and the tasks of a query still running (another thread's, or the other
    # partitions of one that failed) may hold pyarrow's buffers; releasing one after
    # the process began tearing down pyarrow aborts it (`stop_queries`).
    _native.stop_queries(10.0)


atexit.register(_stop_queries_at_exit)

# Daft's execution settings that tune its own executor's scan splitting, shuffles and
# writers. Queries here run on DataFusion, which plans those itself, so they are accepted
# (a Daft script keeps working) and have no effect; docs/user-guide.md lists them.
_DAFT_ONLY_SETTINGS = frozenset(
    [
        "enable_scan_task_split_and_merge",
        "scan_tasks_min_size_bytes",
        "scan_tasks_max_size_bytes",
        "max_sources_per_scan_task",
        "broadcast_join_size_bytes_threshold",
        "parquet_split_row_groups_max_files",
        "hash_join_partition_size_leniency",
        "sample_size_for_sort",
        "parquet_target_filesize",
        "parquet_target_row_group_size",
        "parquet_inflation_factor",
        "csv_target_filesize",
        "csv_inflation_factor",
        "json_target_filesize",
        "json_inflation_factor",
        "text_inflation_factor",
        "shuffle_aggregation_default_partitions",
        "partial_aggregation_threshold",
        "high_cardinality_aggregation_threshold",
        "read_sql_partition_size_bytes",
        "default_morsel_size",
        "shuffle_algorithm",
        "pre_shuffle_merge_threshold",
        "pre_shuffle_merge_partition_threshold",
        "scantask_max_parallel",
        "native_parquet_writer",
        "min_cpu_per_task",
        "actor_udf_ready_timeout",
        "enable_dynamic_batching",
        "dynamic_batching_strategy",
        "flight_shuffle_dirs",
        "flight_shuffle_compression",
        "enable_multi_glob_path_tasks",
    ]
)

_num_preview_rows = 8


# Immutable records as NamedTuples rather than frozen dataclasses: `dataclasses` imports
# `inspect`, which would add about 9 ms to `import daft` (tests/test_import_time.py).
class ExecutionConfig(NamedTuple):
    """The execution settings in effect (``get_context().daft_execution_config``)."""

    memory_limit_bytes: int
    maintain_order: bool
    target_partitions: int
    spill_dir: str
    num_preview_rows: int
    progress_bar: bool | None = None


class PlanningConfig(NamedTuple):
    """The planning settings in effect (``get_context().daft_planning_config``)."""

    default_io_config: Any = None
    enable_strict_filter_pushdown: bool = False


_planning = PlanningConfig()


class DaftContext:
    """The session's settings and runner, from :func:`get_context`."""

    @property
    def daft_execution_config(self) -> ExecutionConfig:
        """The execution settings queries started now would use."""
        d = dict(_native.get_execution_config())
        from daft import _progress

        return ExecutionConfig(
            num_preview_rows=_num_preview_rows, progress_bar=_progress.setting, **d
        )

    @property
    def daft_planning_config(self) -> PlanningConfig:
        """The planning settings."""
        return _planning

    @property
    def runner(self) -> str:
        """The runner queries run on: ``"native"`` (this process, on DataFusion) or
        ``"ray"`` (a Ray cluster, :func:`set_runner_ray`)."""
        return "native" if _ray_runner is None else "ray"

    def __repr__(self) -> str:
        return f"DaftContext(runner={self.runner!r}, {self.daft_execution_config})"


_context = DaftContext()


def get_context() -> DaftContext:
    """The session's context: settings and runner."""
    return _context


def set_execution_config(
    config: ExecutionConfig | None = None,
    *,
    memory_limit_bytes: int | None = None,
    maintain_order: bool | None = None,
    target_partitions: int | None = None,
    num_preview_rows: int | None = None,
    progress_bar: bool | None = None,
    **daft_settings: Any,
) -> DaftContext:
    """Changes execution settings for the queries that start afterwards.

    Settings not given keep their current values.

    Args:
        config: an :class:`ExecutionConfig` (from ``get_context()``) to restore.
        memory_limit_bytes: memory that a query's operators (hash tables of
            group-bys and joins, sort buffers) may hold; beyond it they spill to
            the temporary directory (``TMPDIR``) or, where they cannot, the query
            fails with ``MemoryError``. Default: three quarters of the machine's
            (or the container's) memory.
        maintain_order: keep the input's row order through projections, filters
            and limits, as Daft does (default ``True``).
        target_partitions: how many partitions a query runs in parallel
            (default: the number of cores).
        num_preview_rows: rows ``show()`` and ``repr`` display (default 8).
        progress_bar: show (``True``) or hide (``False``) the progress of queries
            that run longer than a second, whatever ``DAFT_PROGRESS_BAR`` says.
            Default: on in terminals and notebooks, off in CI and when standard
            error is not a terminal.
        daft_settings: Daft's other settings (``scan_tasks_min_size_bytes``...),
            accepted so Daft scripts run; they tune Daft's own executor and have
            no effect here. An unknown name is an error.
    """
    global _num_preview_rows
    unknown = sorted(set(daft_settings) - _DAFT_ONLY_SETTINGS)
    if unknown:
        raise TypeError(f"set_execution_config: unknown setting(s) {unknown}")
    if config is not None:
        if not isinstance(config, ExecutionConfig):
            raise TypeError(
                f"set_execution_config: config must be an ExecutionConfig, got "
                f"{type(config).__name__}"
            )
        memory_limit_bytes = memory_limit_bytes or config.memory_limit_bytes
        maintain_order = config.maintain_order if maintain_order is None else maintain_order
        target_partitions = target_partitions or config.target_partitions
        num_preview_rows = num_preview_rows or config.num_preview_rows
        if progress_bar is None:
            # Restoring a config restores "decided by the environment" (None) too.
            from daft import _progress

            _progress.setting = config.progress_bar
    if num_preview_rows is not None:
        if isinstance(num_preview_rows, bool) or not isinstance(num_preview_rows, int):
            raise TypeError(f"num_preview_rows must be an int, got {num_preview_rows!r}")
        if num_preview_rows < 0:
            raise ValueError(f"num_preview_rows must be >= 0, got {num_preview_rows}")
        _num_preview_rows = num_preview_rows
    if progress_bar is not None:
        if not isinstance(progress_bar, bool):
            raise TypeError(f"progress_bar must be True or False, got {progress_bar!r}")
        from daft import _progress

        _progress.setting = progress_bar
    _native.set_execution_config(
        memory_limit_bytes=memory_limit_bytes,
        maintain_order=maintain_order,
        target_partitions=target_partitions,
    )
    return _context


def get_execution_config() -> dict[str, Any]:
    """The current execution settings as a dict."""
    from daft import _progress

    return {
        **dict(_native.get_execution_config()),
        "num_preview_rows": _num_preview_rows,
        "progress_bar": _progress.setting,
    }


def set_planning_config(
    config: PlanningConfig | None = None,
    default_io_config: Any = None,
    enable_strict_filter_pushdown: bool | None = None,
) -> DaftContext:
    """Changes planning settings: ``default_io_config`` (a ``daft.io.IOConfig``, used
    by readers and writers given none; local paths need none) and
    ``enable_strict_filter_pushdown`` (accepted; DataFusion's optimizer decides filter
    pushdown)."""
    from daft._io_config import io_config_of

    global _planning
    io_config_of("set_planning_config(default_io_config=...)", default_io_config)
    base = config if config is not None else _planning
    _planning = PlanningConfig(
        default_io_config=default_io_config
        if default_io_config is not None
        else base.default_io_config,
        enable_strict_filter_pushdown=base.enable_strict_filter_pushdown
        if enable_strict_filter_pushdown is None
        else bool(enable_strict_filter_pushdown),
    )
    return _context


@contextlib.contextmanager
def execution_config_ctx(**settings: Any) -> Iterator[None]:
    """Changes execution settings (as :func:`set_execution_config`) inside a
    ``with`` block, and restores the previous ones when the block ends, also
    when it raises or when a setting is refused.

    Example:
        >>> with daft.execution_config_ctx(num_preview_rows=20):
        ...     df.show()
    """
    original = get_context().daft_execution_config
    try:
        set_execution_config(**settings)
        yield
    finally:
        set_execution_config(config=original)


@contextlib.contextmanager
def planning_config_ctx(**settings: Any) -> Iterator[None]:
    """Changes planning settings (as :func:`set_planning_config`) inside a
    ``with`` block and restores the previous ones when it ends, also on error."""
    global _planning
    original = _planning
    try:
        set_planning_config(**settings)
        yield
    finally:
        _planning = original


class NativeRunner:
    """The runner of this process: queries run on DataFusion, on all cores."""

    name = "native"

    def __repr__(self) -> str:
        return "NativeRunner()"


# The Ray runner once set (``set_runner_ray`` or ``DAFT_RUNNER=ray``); as in Daft, it
# cannot be replaced afterwards.
_ray_runner: Any = None


def set_runner_native(num_threads: int | None = None) -> NativeRunner:
    """Runs queries in this process (the default). ``num_threads`` sets how many
    partitions a query runs in parallel (``target_partitions``).

    Raises ``RuntimeError`` once the Ray runner is set: as in Daft, a process does not
    switch runners (data a query cached on one would not be on the other)."""
    if _ray_runner is not None:
        raise RuntimeError("Cannot set runner more than once")
    if num_threads is not None:
        if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1:
            raise ValueError(
                f"set_runner_native: num_threads must be an int >= 1, got {num_threads!r}"
            )
        set_execution_config(target_partitions=num_threads)
    return NativeRunner()


def set_runner_ray(
    address: str | None = None,
    noop_if_initialized: bool = False,
    max_task_backlog: int | None = None,
    force_client_mode: bool = False,
) -> DaftContext:
    """Runs queries on a Ray cluster from now on, as Daft's ``set_runner_ray`` does.

    Each query is planned here, cut into stages at its exchanges (shuffles for group-bys,
    joins and distinct; gathers for sorts, limits and the result), and each stage runs as
    Ray tasks on the cluster's workers with the same engine; intermediate data stays in
    Ray's object store. Plugins installed as wheels are found by each worker at
    ``import daft``; plugins loaded here from a file are loaded by each worker before its
    first task. See ``docs/distributed.md``.

    Args:
        address: the Ray cluster to join (``"ray://host:10001"``, ``"auto"``...). Default:
            ``DAFT_RAY_ADDRESS`` if set, else the Ray instance this process already joined,
            else a new local one, started at the first query.
        noop_if_initialized: when the Ray runner is already set, do nothing instead of
            raising ``RuntimeError``.
        max_task_backlog: accepted for Daft's signature; stages are scheduled whole.
        force_client_mode: accepted for Daft's signature; a ``ray://`` address uses Ray
            Client by itself.

    Requires Ray (``pip install 'daft-engine[ray]'``); it is imported when the first
    query runs. Python UDFs run on the workers (pickled with cloudpickle); Python UDAFs
    and the percentile aggregates cannot run on it yet, and such a query fails naming
    the function. Writes compute on the cluster and write from this process (see
    ``docs/distributed.md``).
    """
    global _ray_runner
    if _ray_runner is not None:
        if noop_if_initialized:
            import warnings

            warnings.warn(
                "Calling daft.context.set_runner_ray(noop_if_initialized=True) multiple times "
                "has no effect beyond the first call.",
                stacklevel=2,
            )
            return _context
        raise RuntimeError("Cannot set runner more than once")
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise ImportError(
            "set_runner_ray: Ray is not installed; install it with "
            "pip install 'daft-engine[ray]' (or pip install ray)"
        )
    from daft._ray_runner import RayRunner

    if address is None:
        address = os.environ.get("DAFT_RAY_ADDRESS") or None
    _ray_runner = RayRunner(address=address, max_task_backlog=max_task_backlog)
    _native.set_distributed_runner(_ray_runner)
    return _context


def _runner_from_env() -> None:
    """``DAFT_RUNNER=ray`` sets the Ray runner at ``import daft`` (Ray itself is imported
    at the first query); ``native`` or nothing keeps this process's runner."""
    runner = os.environ.get("DAFT_RUNNER", "").strip().lower()
    if runner == "ray":
        set_runner_ray()
    elif runner not in ("", "native", "py"):
        raise ValueError(f"DAFT_RUNNER must be 'ray' or 'native', got {runner!r}")
