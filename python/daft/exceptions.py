"""Exceptions raised by daft.

The classes follow the real Daft project's names: every engine error is a
:class:`DaftCoreException` (itself a :class:`ValueError`), with subclasses for
the kinds a caller may want to catch separately.
"""

from __future__ import annotations

__all__ = [
    "ByteStreamError",
    "ConnectTimeoutError",
    "DaftCoreException",
    "DaftFieldNotFoundError",
    "DaftPluginError",
    "DaftSchemaMismatchError",
    "DaftTransientError",
    "DaftTypeError",
    "MiscTransientError",
    "ReadTimeoutError",
    "SocketError",
    "ThrottleError",
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


class DaftTransientError(DaftCoreException):
    """A failure that may pass if retried (a network timeout, throttling).

    It and its subclasses below are Daft's classes for remote I/O: a request to an
    object store that timed out, was throttled (HTTP 503 or 429) or lost its
    connection, after the tries its ``IOConfig`` allows, raises one of them.
    """


class ConnectTimeoutError(DaftTransientError):
    """No connection to the server within the connect timeout."""


class ReadTimeoutError(DaftTransientError):
    """No bytes from the server within the read timeout."""


class ByteStreamError(DaftTransientError):
    """A byte stream from the server broke off."""


class SocketError(DaftTransientError):
    """A socket failed."""


class ThrottleError(DaftTransientError):
    """The server asked the client to slow down."""


class MiscTransientError(DaftTransientError):
    """Another failure that may pass if retried."""
