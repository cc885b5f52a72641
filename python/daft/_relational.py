"""The join and set-operation methods of :class:`daft.DataFrame` (a mixin, so
that ``dataframe.py`` keeps to its core): ``join``, ``concat``, the unions,
``intersect`` and ``except``. Semantics: docs/user-guide.md, "Joins" and
"Set operations"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from daft.exceptions import DaftFieldNotFoundError
from daft.expressions import Expression, col, lit

if TYPE_CHECKING:
    from daft.dataframe import DataFrame
    from daft.schema import Schema


def _frame(other: Any, what: str) -> DataFrame:
    from daft.dataframe import DataFrame

    if not isinstance(other, DataFrame):
        raise TypeError(f"{what}: other must be a DataFrame, got {type(other).__name__}")
    return other


class JoinsAndSetOps:
    """Methods of DataFrame that combine two DataFrames."""

    _builder: Any

    def join(
        self,
        other: DataFrame,
        on: str | Expression | list[str | Expression] | None = None,
        left_on: str | Expression | list[str | Expression] | None = None,
        right_on: str | Expression | list[str | Expression] | None = None,
        how: str = "inner",
        strategy: str | None = None,
        prefix: str | None = None,
        suffix: str | None = None,
    ) -> DataFrame:
        """Rows of this DataFrame paired with rows of ``other`` whose keys are equal.

        Args:
            other: the right side.
            on: key column(s) of the same name on both sides (shown once).
            left_on, right_on: keys of each side (names or expressions), pairwise.
            how: ``"inner"``, ``"left"``, ``"right"``, ``"outer"``, ``"semi"``,
                ``"anti"`` or ``"cross"`` (no keys).
            strategy: accepted for Daft compatibility (``"hash"``,
                ``"sort_merge"``, ``"broadcast"``); DataFusion's optimizer picks
                the join algorithm.
            prefix, suffix: rename the right side's columns whose names are
                taken (default prefix ``"right."``).

        A null key matches nothing. Keys are compared in their common type
        (an Int64 key joins a Float64 key); keys with no common type are an
        error. See docs/user-guide.md, "Joins".

        Example:
            >>> orders.join(customers, left_on="customer_id", right_on="id", how="left")
        """
        _frame(other, "join")
        if strategy not in (None, "hash", "sort_merge", "broadcast"):
            raise ValueError(
                f"join: strategy must be 'hash', 'sort_merge', 'broadcast' or None, "
                f"got {strategy!r}"
            )
        if on is not None and (left_on is not None or right_on is not None):
            raise ValueError("join: give on=, or left_on= and right_on=, not both")
        if on is not None:
            left_on = right_on = on

        from daft.dataframe import _columns

        def keys(k: Any) -> list[Expression]:
            if k is None:
                return []
            return _columns((k,)) if not isinstance(k, (list, tuple)) else _columns(tuple(k))

        lk, rk = keys(left_on), keys(right_on)
        what_l, what_r = ("on", "on") if on is not None else ("left_on", "right_on")
        for ks, frame, what, side in ((lk, self, what_l, "left"), (rk, other, what_r, "right")):
            for k in ks:
                names = frame.column_names
                for name in k._expr.columns():
                    if name not in names:
                        raise DaftFieldNotFoundError(
                            f"join: column {name!r} of {what}= is not in the {side} DataFrame; "
                            f"its columns: {names}"
                        )
        return type(self)(
            self._builder.join(
                other._builder, [k._expr for k in lk], [k._expr for k in rk], how, prefix, suffix
            )
        )

    def concat(self, other: DataFrame) -> DataFrame:
        """This DataFrame's rows, then ``other``'s, which must have exactly the
        same schema (see :meth:`union_all_by_name` to match columns by name)."""
        return type(self)(self._builder.concat(_frame(other, "concat")._builder))

    def union_all(self, other: DataFrame) -> DataFrame:
        """All rows of both DataFrames, columns matched by position (in their
        common type), duplicates kept."""
        return type(self)(self._builder.union_all(_frame(other, "union_all")._builder))

    def union(self, other: DataFrame) -> DataFrame:
        """The distinct rows of both DataFrames, columns matched by position."""
        return self.union_all(_frame(other, "union")).distinct()

    def _by_name(self, other: DataFrame, what: str) -> tuple[DataFrame, DataFrame]:
        other = _frame(other, what)
        mine = dict(self._builder.schema().fields())
        theirs = dict(other._builder.schema().fields())
        names = list(self.column_names) + [n for n in other.column_names if n not in mine]
        left_types = self.schema()
        right_types = other.schema()

        def aligned(df: DataFrame, has: dict, types_from: Schema) -> DataFrame:
            exprs = []
            for n in names:
                if n in has:
                    exprs.append(col(n))
                else:
                    dtype = types_from[n].dtype
                    exprs.append(lit(None).cast(dtype).alias(n))  # type: ignore[attr-defined]
            return df.select(*exprs)

        return aligned(self, mine, right_types), aligned(other, theirs, left_types)

    def union_all_by_name(self, other: DataFrame) -> DataFrame:
        """All rows of both DataFrames, columns matched by name; a column only
        one side has is null in the other's rows."""
        a, b = self._by_name(other, "union_all_by_name")
        return a.union_all(b)

    def union_by_name(self, other: DataFrame) -> DataFrame:
        """The distinct rows of both DataFrames, columns matched by name."""
        return self.union_all_by_name(other).distinct()

    def intersect(self, other: DataFrame) -> DataFrame:
        """The distinct rows that are in both DataFrames (nulls compare equal)."""
        return type(self)(
            self._builder.set_op(_frame(other, "intersect")._builder, "intersect", False)
        )

    def intersect_all(self, other: DataFrame) -> DataFrame:
        """The rows in both DataFrames, each as many times as the fewer of its
        two counts."""
        return type(self)(
            self._builder.set_op(_frame(other, "intersect_all")._builder, "intersect", True)
        )

    def except_distinct(self, other: DataFrame) -> DataFrame:
        """The distinct rows of this DataFrame that are not in ``other``."""
        return type(self)(
            self._builder.set_op(_frame(other, "except_distinct")._builder, "except", False)
        )

    def except_all(self, other: DataFrame) -> DataFrame:
        """This DataFrame's rows minus ``other``'s, counting duplicates: a row
        present m times here and n times there remains max(m - n, 0) times."""
        return type(self)(
            self._builder.set_op(_frame(other, "except_all")._builder, "except", True)
        )
