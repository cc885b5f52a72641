"""Logging set-up: the engine logs to the ``daft`` logger (and children).

``DAFT_LOG=debug`` (or info, warning, error, trace) sets that logger's level
at import and adds a stderr handler if it has none. After changing levels
from Python, call :func:`daft.refresh_logger` so the engine sees them.
"""

from __future__ import annotations

import os

from daft import daft as _native

# Python's numeric levels (logging.DEBUG and the rest), so that `import daft` does not
# import `logging` unless DAFT_LOG asks for it.
_LEVELS = {
    "trace": 5,
    "debug": 10,
    "info": 20,
    "warn": 30,
    "warning": 30,
    "error": 40,
}


def configure_from_env() -> None:
    value = os.environ.get("DAFT_LOG", "").strip().lower()
    if not value:
        return
    import logging

    level = _LEVELS.get(value)
    if level is None:
        logging.getLogger("daft").warning(
            "DAFT_LOG=%r is not a level; expected one of %s", value, ", ".join(_LEVELS)
        )
        return
    logger = logging.getLogger("daft")
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    refresh_logger()


def refresh_logger() -> None:
    """Makes the engine pick up the current levels of Python's ``daft`` loggers."""
    _native.refresh_logger_levels()
