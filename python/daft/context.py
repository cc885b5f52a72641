"""Session-wide execution settings (``daft.set_execution_config``)."""

from __future__ import annotations

from typing import Any

from daft import daft as _native


def set_execution_config(
    *,
    memory_limit_bytes: int | None = None,
    maintain_order: bool | None = None,
    target_partitions: int | None = None,
) -> None:
    """Changes execution settings for the queries that start afterwards.

    Settings not given keep their current values.

    Args:
        memory_limit_bytes: memory that a query's operators (hash tables of
            group-bys and joins, sort buffers) may hold; beyond it they spill to
            the temporary directory (``TMPDIR``) or, where they cannot, the query
            fails with ``MemoryError``. Default: three quarters of the machine's
            (or the container's) memory.
        maintain_order: keep the input's row order through projections, filters
            and limits, as Daft does (default ``True``).
        target_partitions: how many partitions a query runs in parallel
            (default: the number of cores).
    """
    _native.set_execution_config(
        memory_limit_bytes=memory_limit_bytes,
        maintain_order=maintain_order,
        target_partitions=target_partitions,
    )


def get_execution_config() -> dict[str, Any]:
    """The current execution settings as a dict."""
    return dict(_native.get_execution_config())
