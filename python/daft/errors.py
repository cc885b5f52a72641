"""Daft's other error classes (``daft.errors``), beside the engine's in
:mod:`daft.exceptions`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ExpressionTypeError", "RetryAfterError", "UDFException"]


class ExpressionTypeError(Exception):
    """An expression cannot be used where it was given, for its type."""


class UDFException(Exception):
    """A user-defined function raised an exception.

    ``message`` says which function; the exception it raised is
    :attr:`original_exception` (also ``__cause__``).
    """

    def __init__(self, message: str, tb_info: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.tb_info = tb_info

    @property
    def original_exception(self) -> BaseException | None:
        """The exception the function raised."""
        return self.__cause__

    def __str__(self) -> str:
        if self.tb_info is not None:
            trace = "\n".join(self.tb_info.format())
            return f"{trace}\nThe above exception was the direct cause of:\n\n{self.message}"
        return self.message


class RetryAfterError(Exception):
    """A failure to retry after ``retry_after`` seconds (as a server's
    ``Retry-After`` header asks); the failure itself is ``__cause__``."""

    def __init__(self, retry_after: float, original: Exception | None = None) -> None:
        super().__init__(str(original) if original else "RetryAfterError")
        self.retry_after = retry_after
        self.__cause__ = original
