"""The progress display of queries and writes that run longer than a second.

One bar per operator of the running query (its rows and bytes output so far), drawn by
tqdm: text on a terminal, a widget in a notebook (text there without ipywidgets). The
engine calls :func:`update` from the thread that waits for the query
(``host/daft-python/src/progress.rs``), about every 50 ms once the query has run for a
second, and :func:`finish` when it ends; the bars are then removed.

Whether it is shown: ``set_execution_config(progress_bar=True/False)`` decides if given;
else the environment variable ``DAFT_PROGRESS_BAR`` (``0`` off, ``1`` on, as in Daft);
else it is on when standard error is a terminal or the code runs in a Jupyter kernel,
and off under CI (``CI`` set) and everywhere else, so logs and pipes stay clean.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

#: Set by ``set_execution_config(progress_bar=...)``; None: decided as described above.
setting: bool | None = None

_lock = threading.Lock()
_bars: dict[int, list[Any]] = {}


def enabled() -> bool:
    """Whether queries started now show progress."""
    if setting is not None:
        return setting
    env = os.environ.get("DAFT_PROGRESS_BAR", "").strip().lower()
    if env in ("0", "false", "no", "off"):
        return False
    if env in ("1", "true", "yes", "on"):
        return True
    if os.environ.get("CI"):
        return False
    return _in_notebook() or _is_terminal(sys.stderr)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ip = shell.get_ipython() if hasattr(shell, "get_ipython") else None
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def _tqdm() -> tuple[Any, Any]:
    """The bar class and the stream it draws on: a widget in a notebook that has
    ipywidgets; text otherwise, on standard output in a notebook (as Daft does: Jupyter
    shades standard error red) and on standard error elsewhere."""
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm as widget

            return widget, sys.stdout
        except ImportError:
            pass
        from tqdm import tqdm as text

        return text, sys.stdout
    from tqdm import tqdm

    return tqdm, sys.stderr


def update(key: int, elapsed: float, operators: list[tuple[int, str, int | None, int]]) -> bool:
    """Draws the counters of query ``key``: ``(depth, name, rows, bytes)`` per operator,
    root first (``rows`` is None for an operator that does not count its rows: it gets no
    bar). Returns whether the display is on (the engine stops calling when not)."""
    if not enabled():
        return False
    counted = [op for op in operators if op[2] is not None]
    with _lock:
        bars = _bars.get(key)
        if bars is None:
            tqdm, stream = _tqdm()
            bars = [
                tqdm(
                    desc=("  " * depth) + name,
                    unit=" rows",
                    unit_scale=True,
                    position=i,
                    leave=False,
                    file=stream,
                    mininterval=0.2,
                    dynamic_ncols=True,
                )
                for i, (depth, name, _, _) in enumerate(counted)
            ]
            _bars[key] = bars
        for bar, (_, _, rows, size) in zip(bars, counted):
            if rows is not None and rows != bar.n:
                bar.update(rows - bar.n)
            if size:
                bar.set_postfix_str(_bytes(size), refresh=False)
    return True


def finish(key: int) -> None:
    """Draws the last counts of query ``key``, then removes its bars."""
    with _lock:
        bars = _bars.pop(key, [])
    for bar in bars:
        bar.refresh()
    for bar in reversed(bars):
        bar.close()


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
