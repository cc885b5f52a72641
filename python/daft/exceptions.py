"""Exceptions raised by daft.

The classes follow the real Daft project's names: every engine error is a
:class:`DaftCoreException` (itself a :class:`ValueError`), with subclasses for
the kinds a caller may want to catch separately.
"""

from __future__ import annotations

__all__ = [
    "DaftCoreException",
    "DaftFieldNotFoundError",
    "DaftPluginError",
    "DaftSchemaMismatchError",
    "DaftTypeError",
]


class DaftCoreException(ValueError):
    """Base class of the errors raised by the daft engine."""


class DaftTypeError(DaftCoreException):
    """A function, operator or cast was given arguments of the wrong type or number."""


class DaftFieldNotFoundError(DaftCoreException):
    """A column named in a query does not exist; the message lists the available ones."""


class DaftSchemaMismatchError(DaftCoreException):
    """Two schemas that must agree do not (e.g. the files of one glob)."""


class DaftPluginError(DaftCoreException):
    """A plugin failed to load, or one of its functions misbehaved."""
