"""``daft.functions.when(...).when(...).otherwise(...)``: Daft's CASE WHEN,
built from nested ``if_else`` calls (a null condition gives null, as in Daft)."""

from __future__ import annotations

from typing import Any

from daft.expressions import Expression, _to_expr, lit


class WhenExpr(Expression):
    """An Expression of ``when`` branches: the first branch whose condition is
    true gives the value; none does, null (or the ``otherwise`` value). Usable
    as an Expression as is."""

    __slots__ = ("_branches",)

    @classmethod
    def _build(cls, branches: list[tuple[Expression, Expression]], default: Any) -> WhenExpr:
        out = _to_expr(default)
        for cond, value in reversed(branches):
            out = cond.if_else(value, out)  # type: ignore[attr-defined]
        e = cls._from_pyexpr(out._expr)
        e._branches = branches
        return e

    def when(self, condition: Expression | bool, then: Any) -> WhenExpr:
        """Adds a branch, tried after the earlier ones."""
        return WhenExpr._build([*self._branches, (_to_expr(condition), _to_expr(then))], None)

    def otherwise(self, value: Any) -> Expression:
        """The value where no branch's condition is true."""
        return Expression._from_pyexpr(WhenExpr._build(self._branches, value)._expr)


def when(condition: Expression | bool, then: Any) -> WhenExpr:
    """``then`` where ``condition`` is true; chain ``.when(...)`` for more
    branches and end with ``.otherwise(value)`` (null if left out).

    Example:
        >>> from daft.functions import when
        >>> df.select(when(col("x") > 1, "big").when(col("x") > 0, "mid").otherwise("small"))
    """
    return WhenExpr._build([(_to_expr(condition), _to_expr(then))], lit(None))
