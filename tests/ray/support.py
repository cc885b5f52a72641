"""Switching the test process between the Ray runner and this process's runner.

A process sets its runner once (as in Daft); the tests set and reset it through the
runner's private state, so that each module can start its own Ray and compare with the
native runner in the same process."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import daft


@contextlib.contextmanager
def ray_runner() -> Iterator[None]:
    """The Ray runner (on the Ray this process joined) for the block, then none."""
    daft.set_runner_ray()
    try:
        yield
    finally:
        daft.context._ray_runner = None
        daft.daft.set_distributed_runner(None)


@contextlib.contextmanager
def native_runner() -> Iterator[None]:
    """Runs the block's queries in this process, then puts the Ray runner back."""
    runner = daft.context._ray_runner
    daft.daft.set_distributed_runner(None)
    try:
        yield
    finally:
        daft.daft.set_distributed_runner(runner)
