"""Functions of a list's elements: ``list_map`` and ``list_filter``, with the
element written ``daft.element()``.

The body is an ordinary expression, evaluated once per element: it may use
the element, literals, any function and the row's other columns (each element
sees its own row's values). It cannot aggregate or use a window function. In
nested lambdas ``daft.element()`` is the element of the innermost list.
"""

from __future__ import annotations

from typing import Any

from daft.expressions import Expression, _py


def _lambda(kind: str, list_expr: Any, body: Any) -> Expression:
    if not isinstance(list_expr, Expression):
        raise TypeError(f"list_{kind}: expected a list expression, got {list_expr!r}")
    return Expression._from_pyexpr(_py(list_expr).list_lambda(kind, _py(body)))


def list_map(list_expr: Expression, mapper: Expression) -> Expression:
    """Evaluates ``mapper`` on every element of each list.

    Args:
        list_expr: A list (or fixed-size list) expression.
        mapper: The value of each element, written with ``daft.element()``;
            it may read the row's other columns. A literal gives that value
            for every element.

    Returns:
        Expression: A list of the mapper's type, each as long as its input
        list; null where the list is null.

    Example:
        >>> df = daft.from_pydict({"xs": [[1, 2], [3, None]]})
        >>> df.select(daft.functions.list_map(daft.col("xs"), daft.element() * 10))
    """
    return _lambda("map", list_expr, mapper)


def list_filter(list_expr: Expression, predicate: Expression) -> Expression:
    """Keeps the elements of each list for which ``predicate`` is true.

    Elements where the predicate is false or null are removed; a null list
    stays null and an empty list empty.

    Args:
        list_expr: A list (or fixed-size list) expression.
        predicate: A boolean expression of ``daft.element()`` (and perhaps
            the row's other columns).

    Returns:
        Expression: A list of the input's item type.

    Example:
        >>> df = daft.from_pydict({"xs": [[1, 5, None], [7]]})
        >>> df.select(daft.functions.list_filter(daft.col("xs"), daft.element() > 2))
    """
    return _lambda("filter", list_expr, predicate)


def _list_map_method(self: Expression, mapper: Expression) -> Expression:
    """Evaluates ``mapper`` on every element; see :func:`daft.functions.list_map`."""
    return list_map(self, mapper)


def _list_filter_method(self: Expression, predicate: Expression) -> Expression:
    """Keeps the elements where ``predicate`` holds; see :func:`daft.functions.list_filter`."""
    return list_filter(self, predicate)


EXPRESSION_METHODS = {"list_map": _list_map_method, "list_filter": _list_filter_method}

__all__ = ["list_filter", "list_map"]
