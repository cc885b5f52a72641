"""Functions over expressions: ``daft.functions.NAME(expr, ...)``.

This module has no hand-written list: its contents are the engine's function
registry — every built-in function and every function of a loaded plugin —
installed by :func:`daft._registry.sync`. Each function is also a method of
:class:`daft.Expression` (``daft.col("s").lower()`` is
``daft.functions.lower(daft.col("s"))``). Functions of a plugin are in
addition reachable as ``daft.functions.<plugin>.<name>``.

Use ``dir(daft.functions)`` to list them and ``help(daft.functions.NAME)`` to
read one's documentation.
"""

# Window functions are planned by the engine itself rather than the registry
# (they see a window of rows, not one row), and `when` builds if_else calls;
# they live beside the registry's functions.
from daft import window as _window  # noqa: E402
from daft._when import WhenExpr, when  # noqa: E402, F401  (re-exported)
from daft.window import (  # noqa: E402, F401  (re-exported)
    dense_rank,
    first_value,
    lag,
    last_value,
    lead,
    percent_rank,
    rank,
    row_number,
)


def regexp(expr, pattern):  # noqa: ANN001, ANN201
    """Daft's name for :func:`regexp_match`: whether each string matches the
    regular expression ``pattern``.

    Args:
        expr: A string expression.
        pattern: The regular expression.

    Returns:
        Expression: Boolean.
    """
    return regexp_match(expr, pattern)  # type: ignore[name-defined]  # noqa: F821


# Names this module defines itself; the registry's sync leaves them alone.
_OWN = frozenset(["regexp", "when", *(n for n in _window.__all__ if n != "Window")])
