"""Reshaping DataFrames: ``unpivot`` (``melt``) and ``pivot``, built from the
engine's projections, unions and aggregations (no node of their own)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from daft.exceptions import DaftFieldNotFoundError
from daft.expressions import Expression, col, lit

if TYPE_CHECKING:
    from daft.dataframe import DataFrame

_PIVOT_AGGS = ("sum", "mean", "min", "max", "count", "any_value", "agg_list", "list_agg")


def _exprs(value: Any) -> list[Expression]:
    from daft.dataframe import _columns

    if value is None:
        return []
    if not isinstance(value, (str, Expression)):
        value = list(value)
    return _columns((value,))


def _check_columns(df: DataFrame, exprs: list[Expression], what: str) -> None:
    for e in exprs:
        for name in e._expr.columns():
            if name not in df.column_names:
                raise DaftFieldNotFoundError(
                    f"{what}: column {name!r} not found; available columns: {df.column_names}"
                )


def unpivot(
    df: DataFrame,
    ids: Any,
    values: Any = None,
    variable_name: str = "variable",
    value_name: str = "value",
) -> DataFrame:
    """Daft's ``unpivot``: one row per (input row, value column), the ``ids``
    kept, the column's name in ``variable_name`` and its value in
    ``value_name`` (in the value columns' common type). With no ``values``,
    every column that is not an id."""
    id_exprs = _exprs(ids)
    if not id_exprs:
        raise ValueError("unpivot: ids must name at least one column")
    _check_columns(df, id_exprs, "unpivot ids")
    id_names = [e.name() for e in id_exprs]
    value_exprs = _exprs(values) or [col(n) for n in df.column_names if n not in id_names]
    if not value_exprs:
        raise ValueError("unpivot: there are no value columns (every column is an id)")
    _check_columns(df, value_exprs, "unpivot values")
    parts = [
        df.select(*id_exprs, lit(v.name()).alias(variable_name), v.alias(value_name))
        for v in value_exprs
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out.union_all(p)
    return out


def pivot(
    df: DataFrame,
    group_by: Any,
    pivot_col: Any,
    value_col: Any,
    agg_fn: str,
    names: list[str] | None = None,
) -> DataFrame:
    """Daft's ``pivot``: one row per group, one column per distinct value of
    ``pivot_col`` holding ``agg_fn`` of ``value_col`` over the group's rows
    with that value (null where there are none). Without ``names`` the
    distinct values are found by running a query first, and sorted; a null
    value's column is named ``"None"``, as in Daft."""
    keys = _exprs(group_by)
    (pivot_e,) = _exprs(pivot_col)
    (value_e,) = _exprs(value_col)
    _check_columns(df, keys + [pivot_e, value_e], "pivot")
    if agg_fn not in _PIVOT_AGGS:
        raise ValueError(f"pivot: agg_fn must be one of {list(_PIVOT_AGGS)}, got {agg_fn!r}")
    from daft.datatype import DataType

    if names is None:
        found = df.select(pivot_e.alias("__pivot")).distinct().to_pydict()["__pivot"]
        values: list[Any] = sorted([v for v in found if v is not None], key=str)
        if any(v is None for v in found):
            values.append(None)
        key = pivot_e
    else:
        # Names are text: the pivot column is compared as text.
        values = [None if n == "None" else n for n in names]
        key = pivot_e.cast(DataType.string())  # type: ignore[attr-defined]
    value_type = df.select(value_e).schema()[value_e.name()].dtype
    aggs = []
    for v in values:
        if v is None:
            hit = key.is_null()  # type: ignore[attr-defined]
        else:
            hit = (key == lit(v)).fill_null(False)  # type: ignore[attr-defined]
        picked = hit.if_else(value_e, lit(None).cast(value_type))  # type: ignore[attr-defined]
        aggs.append(getattr(picked, agg_fn)().alias(str(v)))
    return df.groupby(*keys).agg(*aggs)
