"""``explode`` and ``unnest`` as expressions: they change the number of rows or
columns, so they are not row-wise functions of the registry. Each returns a
marker expression that :meth:`DataFrame.select` and
:meth:`DataFrame.with_columns` turn into the DataFrame operation (an explode,
or one column per struct field); used anywhere else (a filter, an
aggregation, inside another expression) it is an error naming it, never a
silent no-op.
"""

from __future__ import annotations

from typing import Any

from daft.expressions import Expression


class _Reshaping(Expression):
    """An expression that only select / with_columns can apply."""

    __slots__ = ("_inner", "_alias")
    _what = ""

    def __init__(self, inner: Expression, alias: str | None = None) -> None:
        self._inner = inner
        self._alias = alias

    @property
    def _expr(self) -> Any:  # type: ignore[override]
        raise ValueError(
            f"{self!r}: {self._what} is only valid as a whole expression of select() or "
            "with_column(s)(), where it changes the rows or columns; apply it there, then "
            "use its result"
        )

    def name(self) -> str:
        return self._alias or self._inner.name()

    def __repr__(self) -> str:
        return f"{self._what}({self._inner!r})"

    def __bool__(self) -> bool:
        raise ValueError(f"{self!r} has no truth value")


class _Explode(_Reshaping):
    __slots__ = ("ignore_empty_and_null",)
    _what = "explode"

    def __init__(
        self, inner: Expression, ignore_empty_and_null: bool, alias: str | None = None
    ) -> None:
        super().__init__(inner, alias)
        self.ignore_empty_and_null = ignore_empty_and_null

    def alias(self, name: str) -> Expression:
        return _Explode(self._inner, self.ignore_empty_and_null, name)


class _Unnest(_Reshaping):
    __slots__ = ()
    _what = "unnest"

    def alias(self, name: str) -> Expression:
        raise ValueError("unnest(...) gives one column per struct field; it takes no alias")


def explode(list_expr: Expression, ignore_empty_and_null: bool = False) -> Expression:
    """One row per element of each list, the other columns of the row repeated.

    Valid as a whole expression of ``select`` or ``with_column(s)`` (as
    :meth:`DataFrame.explode`); several exploded lists in one select explode
    together, a shorter list padded with nulls. A null or empty list gives one
    row with null unless ``ignore_empty_and_null`` drops it.

    Args:
        list_expr: A list expression.
        ignore_empty_and_null: Drop the rows of null and empty lists.

    Returns:
        Expression: The list's items, one per row.

    Example:
        >>> df.select(daft.col("id"), daft.functions.explode(daft.col("tags")))
    """
    if not isinstance(list_expr, Expression) or isinstance(list_expr, _Reshaping):
        raise TypeError(f"explode: expected an expression, got {list_expr!r}")
    return _Explode(list_expr, bool(ignore_empty_and_null))


def unnest(expr: Expression) -> Expression:
    """One column per field of a struct, named as the fields.

    Valid as a whole expression of ``select`` or ``with_column(s)``; a null
    struct gives nulls in every field's column.

    Args:
        expr: A struct expression.

    Returns:
        Expression: The struct's fields as columns.

    Example:
        >>> df.select(daft.functions.unnest(daft.col("point")))
    """
    if not isinstance(expr, Expression) or isinstance(expr, _Reshaping):
        raise TypeError(f"unnest: expected an expression, got {expr!r}")
    return _Unnest(expr)


def _explode_method(self: Expression, ignore_empty_and_null: bool = False) -> Expression:
    """One row per element of each list; see :func:`daft.functions.explode`."""
    return explode(self, ignore_empty_and_null)


def _unnest_method(self: Expression) -> Expression:
    """One column per struct field; see :func:`daft.functions.unnest`."""
    return unnest(self)


EXPRESSION_METHODS = {"explode": _explode_method, "unnest": _unnest_method}


def has_reshaping(exprs: list[Expression]) -> bool:
    return any(isinstance(e, _Reshaping) for e in exprs)


def apply(df: Any, exprs: list[Expression]) -> Any:
    """``df.select(*exprs)`` where some are explode / unnest markers."""
    from daft.functions import get

    plain: list[Expression] = []
    exploded: list[str] = []
    ignore = set()
    for e in exprs:
        if isinstance(e, _Explode):
            plain.append(e._inner.alias(e.name()))
            exploded.append(e.name())
            ignore.add(e.ignore_empty_and_null)
        elif isinstance(e, _Unnest):
            dtype = df.select(e._inner).schema()[e._inner.name()].dtype
            if not dtype.is_struct():
                raise ValueError(f"unnest: {e._inner!r} has type {dtype}; expected a struct")
            plain += [get(e._inner, name).alias(name) for name in dtype.fields]
        else:
            plain.append(e)
    if len(ignore) > 1:
        raise ValueError(
            "explode: the exploded columns of one select must agree on ignore_empty_and_null"
        )
    out = df.select(*plain)
    if exploded:
        out = out.explode(*exploded, ignore_empty_and_null=ignore.pop())
    return out


__all__ = ["explode", "unnest"]
