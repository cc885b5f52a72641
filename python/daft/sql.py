"""SQL over DataFrames: ``daft.sql(query)`` and ``daft.sql_expr(text)``.

Table names in a query resolve, as in Daft, to the DataFrames bound to those
names in the caller's variables (local first, then global) and to keyword
arguments (``daft.sql("SELECT * FROM t", t=df)``, which win). Every function
of the registry — built in or from a plugin — is callable by name, with the
same type checks and messages as from Python; plugin functions are also
reachable as ``plugin.name(...)``. See docs/user-guide.md, "SQL".
"""

from __future__ import annotations

import sys
from typing import Any

from daft import _boundary
from daft.daft import PyExpr, PyLogicalPlan
from daft.dataframe import DataFrame
from daft.expressions import Expression

__all__ = ["sql", "sql_expr"]


def sql(sql: str, register_globals: bool = True, **bindings: DataFrame) -> DataFrame:
    """A DataFrame from a SQL query over DataFrames.

    Args:
        sql: one query (``SELECT``, ``WITH``, ``UNION``...).
        register_globals: also resolve table names to DataFrames in the
            caller's local and global variables (default ``True``).
        bindings: tables by name; they take precedence over variables.

    Example:
        >>> orders = daft.read_parquet("orders.parquet")
        >>> daft.sql("SELECT customer, sum(amount) AS total FROM orders GROUP BY customer")
    """
    if not isinstance(sql, str):
        raise TypeError(f"daft.sql takes the query as a str, got {type(sql).__name__}")
    tables: dict[str, Any] = {}
    if register_globals:
        # sys._getframe, not inspect.currentframe: `import daft` does not import inspect.
        frame = sys._getframe(0) if hasattr(sys, "_getframe") else None
        caller = frame.f_back if frame is not None else None
        if caller is not None:
            for scope in (caller.f_globals, caller.f_locals):
                for name, value in scope.items():
                    if isinstance(value, DataFrame):
                        tables[name] = value._builder
        del frame, caller
    for name, value in bindings.items():
        if not isinstance(value, DataFrame):
            raise TypeError(
                f"daft.sql: binding {name}= must be a DataFrame, got {type(value).__name__}"
            )
        tables[name] = value._builder
    return DataFrame(PyLogicalPlan.sql(sql, tables))


def sql_expr(sql: str) -> Expression:
    """An Expression from SQL text, e.g. ``daft.sql_expr("x * 2 + 1")``.

    Column names are checked when the expression is used on a DataFrame.
    """
    if not isinstance(sql, str):
        raise TypeError(f"daft.sql_expr takes a str, got {type(sql).__name__}")
    return Expression._from_pyexpr(PyExpr.sql(sql))


# Last: errors reach the caller named after the call, with the caller's line last in
# the traceback (daft/_boundary.py).
_boundary.wrap_functions(globals(), __all__)
