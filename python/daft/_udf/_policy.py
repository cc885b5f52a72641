"""What a UDF does when its function raises: ``max_retries`` (call it again)
and ``on_error`` (``raise``, or a null result, logged or not), as Daft 0.7.26
has them.

The policy wraps the user's function in one of the same kind (plain, async,
generator), so the runner calls it exactly as it calls an unwrapped one. A
row-wise function is retried and excused per row; a batch function per batch
call, and a batch it gives up on becomes :data:`FAILED`, which the runner
turns into a batch of nulls.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

_log = logging.getLogger("daft.udf")


class _Failed:
    """The result of a batch call given up on with ``on_error`` log/ignore."""

    def __repr__(self) -> str:
        return "FAILED"


FAILED = _Failed()


def check(max_retries: Any, on_error: Any) -> None:
    """Refuses option values Daft does not take, naming the option."""
    if max_retries is not None and (
        not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0
    ):
        raise ValueError(f"max_retries must be a non-negative int, got {max_retries!r}")
    if on_error not in (None, "raise", "log", "ignore"):
        raise ValueError(f"on_error must be 'raise', 'log' or 'ignore', got {on_error!r}")


def with_policy(
    fn: Callable[..., Any],
    kind: str,
    name: str,
    max_retries: int | None,
    on_error: str | None,
) -> Callable[..., Any]:
    """``fn`` called up to ``1 + max_retries`` times while it raises; after the
    last failure it raises (``on_error`` ``raise`` or None) or its result is
    null (a generator row yields nothing more; a batch is :data:`FAILED`),
    logged as a warning on the ``daft.udf`` logger with ``on_error="log"``."""
    tries = 1 + (max_retries or 0)
    tolerant = on_error in ("log", "ignore")
    if tries == 1 and not tolerant:
        return fn
    failed_value = FAILED if kind == "batch" else None

    def give_up(e: Exception) -> Any:
        if not tolerant:
            raise e
        if on_error == "log":
            what = "the batch is null" if kind == "batch" else "the row is null"
            _log.warning("UDF %s raised %s: %s; %s", name, type(e).__name__, e, what)
        return failed_value

    if kind == "async":

        async def call(*a: Any, **k: Any) -> Any:
            for attempt in range(tries):
                try:
                    return await fn(*a, **k)
                except Exception as e:  # noqa: BLE001  (the policy decides)
                    if attempt + 1 == tries:
                        return give_up(e)
            return None  # unreachable: the last attempt returns or raises

    elif kind == "generator":

        def call(*a: Any, **k: Any) -> Any:
            # A retry starts the row again: what a failed attempt yielded is
            # dropped, so a row never holds values of two attempts.
            for attempt in range(tries):
                values: list[Any] = []
                try:
                    values.extend(fn(*a, **k))
                except Exception as e:  # noqa: BLE001
                    if attempt + 1 < tries:
                        continue
                    give_up(e)
                yield from values
                return

    else:

        def call(*a: Any, **k: Any) -> Any:
            for attempt in range(tries):
                try:
                    return fn(*a, **k)
                except Exception as e:  # noqa: BLE001
                    if attempt + 1 == tries:
                        return give_up(e)
            return None  # unreachable

    functools.update_wrapper(call, fn)
    return call
