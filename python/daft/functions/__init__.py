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

from typing import TYPE_CHECKING

# Window functions are planned by the engine itself rather than the registry
# (they see a window of rows, not one row), `when` builds if_else calls, and
# get/slice/coalesce take Daft's Python arguments (a str key, an omitted end)
# and call registry functions; they live beside the registry's functions.
from daft import window as _window  # noqa: E402
from daft._when import WhenExpr as WhenExpr  # noqa: E402  (re-exported)
from daft._when import when as when  # noqa: E402
from daft.functions import agg as _agg  # noqa: E402
from daft.functions import aliases as _aliases  # noqa: E402
from daft.functions import calendar as _calendar  # noqa: E402
from daft.functions import lambdas as _lambdas  # noqa: E402
from daft.functions import process as _process  # noqa: E402
from daft.functions import reshape as _reshape  # noqa: E402
from daft.functions.agg import *  # noqa: E402, F401, F403  (re-exported)
from daft.functions.aliases import *  # noqa: E402, F401, F403  (re-exported)
from daft.functions.calendar import *  # noqa: E402, F401, F403  (re-exported)
from daft.functions.lambdas import *  # noqa: E402, F401, F403  (re-exported)
from daft.functions.process import run_process as run_process  # noqa: E402
from daft.functions.reshape import explode as explode  # noqa: E402
from daft.functions.reshape import unnest as unnest  # noqa: E402
from daft.window import dense_rank as dense_rank  # noqa: E402
from daft.window import first_value as first_value  # noqa: E402
from daft.window import lag as lag  # noqa: E402
from daft.window import last_value as last_value  # noqa: E402
from daft.window import lead as lead  # noqa: E402
from daft.window import monotonically_increasing_id as monotonically_increasing_id  # noqa: E402
from daft.window import percent_rank as percent_rank  # noqa: E402
from daft.window import rank as rank  # noqa: E402
from daft.window import row_number as row_number  # noqa: E402


def regexp(expr, pattern):  # noqa: ANN001, ANN201
    """Daft's name for :func:`regexp_match`: whether each string matches the
    regular expression ``pattern``.

    Args:
        expr: A string expression.
        pattern: The regular expression.

    Returns:
        Expression: Boolean.
    """
    return regexp_match(expr, pattern)  # type: ignore[name-defined]  # noqa: F405, F821


def _builtin(name):  # noqa: ANN001, ANN202
    """The registry function ``name`` as a Python function, for the wrappers below
    that take Daft's arguments and call it."""
    from daft import _registry
    from daft import daft as _native

    return _registry.make_function(_native.get_function(name))


def get(expr, key, default=None):  # noqa: ANN001, ANN201
    """An element of each list, or a field of each struct.

    ``expr.get(key)`` and ``expr[key]`` are the same.

    Args:
        expr: A list or struct expression.
        key: For a list, an int or an integer expression: the index, negative
            from the end (-1 is the last element). For a struct, the field's
            name (str).
        default: For a list, the value where the index is out of range or the
            list is null (default: null). Not supported for a struct field.

    Returns:
        Expression: Of the list's item type (named as ``expr``), or of the
        field's type (named as the field).

    Example:
        >>> df = daft.from_pydict({"xs": [[1, 2, 3], [4]], "p": [{"x": 1}, {"x": 2}]})
        >>> df.select(daft.functions.get(daft.col("xs"), -1), daft.col("p")["x"])
    """
    from daft.expressions import Expression, lit

    if isinstance(key, str):
        if default is not None:
            raise ValueError(
                "daft.functions.get: a default is only supported for a list index, "
                f"not for the struct field {key!r}"
            )
        return _builtin("struct_get")(expr, name=key).alias(key)
    if isinstance(key, bool) or not isinstance(key, (int, Expression)):
        raise TypeError(
            "daft.functions.get: key must be an int or an integer expression (list index) "
            f"or a str (struct field), got {type(key).__name__}"
        )
    return _builtin("list_get")(expr, key, lit(default))


def slice(expr, start, end=None):  # noqa: A001, ANN001, ANN201
    """A cut ``value[start:end]`` of each list or binary value.

    ``expr.slice(start, end)`` and ``expr[start:end]`` are the same.

    Args:
        expr: A list or binary expression.
        start: An int or an integer expression: the first index kept,
            negative from the end.
        end: An int or an integer expression: the first index no longer
            kept, negative from the end; None (the default) for "to the end".
            Bounds past either end are clamped; ``start >= end`` gives an
            empty value.

    Returns:
        Expression: Of the input's type; null where the value, ``start`` or
        an ``end`` column's value is null.

    Example:
        >>> df = daft.from_pydict({"xs": [[1, 2, 3], [4, 5, 6, 7], [8]]})
        >>> df.select(daft.functions.slice(daft.col("xs"), 1, -1))
    """
    from daft.expressions import lit

    return _builtin("list_slice")(expr, start, lit(end) if end is None else end)


def coalesce(*args):  # noqa: ANN002, ANN201
    """The first non-null value among the arguments, row by row.

    All arguments are cast to their common type first. With one argument this
    returns it unchanged and warns, as Daft does.

    Args:
        *args: One or more expressions (or literals).

    Returns:
        Expression: Of the arguments' common type; null where all are null.

    Raises:
        ValueError: if no argument is given.

    Example:
        >>> df = daft.from_pydict({"a": [None, 2], "b": [1, None]})
        >>> df.select(daft.functions.coalesce(daft.col("a"), daft.col("b"), 0))
    """
    if not args:
        raise ValueError("coalesce requires at least one argument")
    if len(args) == 1:
        import warnings

        warnings.warn(
            "coalesce with a single argument is a no-op; it returns the argument unchanged",
            UserWarning,
            stacklevel=2,
        )
    return _builtin("coalesce")(*args)


def _install_expression_methods() -> None:
    from daft.expressions import Expression

    for name, method in {
        **_calendar.EXPRESSION_METHODS,
        **_lambdas.EXPRESSION_METHODS,
        **_reshape.EXPRESSION_METHODS,
    }.items():
        setattr(Expression, name, method)


_install_expression_methods()

# Names this module defines itself; the registry's sync leaves them alone.
_OWN = frozenset(
    [
        "regexp",
        "when",
        "get",
        "slice",
        "coalesce",
        *(n for n in _window.__all__ if n != "Window"),
        *_agg.__all__,
        *_aliases.__all__,
        *_calendar.__all__,
        *_lambdas.__all__,
        *_process.__all__,
        *_reshape.__all__,
    ]
)

if TYPE_CHECKING:
    # The registry's functions (built-ins and plugins), for type checkers and editors
    # only: at run time `daft._registry.sync` installs them (see daft._stubs).
    from daft._generated import *  # noqa: F403
