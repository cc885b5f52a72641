"""The checks of one plugin aggregate function: the row-wise checks' inputs, aggregated.

Each input's rows are aggregated in groups (row ``i`` in group ``i % 3``) and as one global
group, and the result compared is the global value followed by the groups' values in group
order. Every input is also aggregated again split into three partitions in another row order,
whose partial states the engine merges: the contract says a group's result must not depend
on how its rows were split or ordered, so a difference is a finding.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa

import daft
from daft import col, lit
from daft.testing._checks import _FunctionChecker
from daft.testing._inputs import _Input, _Outcome, _short

_GROUPS = 3
_KEY = "__daft_testing_group"


class _AggregateChecker(_FunctionChecker):
    """Runs every check of one plugin aggregate function (see the module documentation)."""

    def grouped_source(self, inp: _Input) -> pa.RecordBatchReader:
        batch = inp.batch()
        keys = pa.array([i % _GROUPS for i in range(inp.rows)], pa.int64())
        schema = batch.schema.append(pa.field(_KEY, pa.int64(), nullable=False))
        with_keys = pa.RecordBatch.from_arrays([*batch.columns, keys], schema=schema)
        return pa.RecordBatchReader.from_batches(schema, [with_keys])

    def evaluate_call(self, inp: _Input) -> _Outcome:
        df = daft.from_arrow(self.grouped_source(inp))
        try:
            expr = self.call(*[col(f.name) for f in inp.fields], **inp.options).alias("out")
            whole = df.agg(expr)
            grouped = df.groupby(_KEY).agg(expr).sort(_KEY)
            split = df.repartition(_GROUPS).groupby(_KEY).agg(expr).sort(_KEY)
            # No batch at all reaches this aggregation (an empty input still sends one).
            filtered = df.where(lit(False)).repartition(_GROUPS).agg(expr)
        except Exception as e:
            return self.plan_failed(e)
        declared = pa.schema(whole.schema()).field("out")
        groups = min(inp.rows, _GROUPS)
        plans = [
            (whole, 1, "a global aggregation (one row)"),
            (grouped, groups, f"{groups} groups"),
            (split, groups, f"{groups} groups split into partitions"),
        ]
        if inp.rows == 0:
            plans.append((filtered, 1, "a global aggregation of partitions no row reached"))
        outcomes = []
        for plan, rows, of in plans:
            try:
                column = plan.to_arrow().column("out")
            except Exception as e:
                return self.run_failed(e, declared)
            out = self.checked(column, declared, rows, of)
            if out.kind != "ok":
                return out
            outcomes.append(out.values)
        value, per_group, split_per_group = outcomes[:3]
        if inp.rows == 0 and not value.equals(outcomes[3]):
            return _Outcome(
                "split-dependent",
                f"a global aggregation of no rows is {_short(value[0].as_py())} but "
                f"{_short(outcomes[3][0].as_py())} where no row reached any partition; both "
                "must give the value of an empty group",
                declared=declared,
            )
        diff = _same_merged(per_group, split_per_group)
        if diff is not None:
            return _Outcome(
                "split-dependent",
                f"{diff}; a group's result must not depend on how its rows are split into "
                "batches and partitions or on their order (partial states must merge to the "
                "same value)",
                declared=declared,
            )
        return _Outcome("ok", values=pa.concat_arrays([value, per_group]), declared=declared)

    def large_input(self) -> tuple[_Input, pa.Array | None]:
        # The large input's aggregate is not the concatenation of the small inputs' results;
        # the split comparison in every evaluation checks it instead.
        inp, _ = super().large_input()
        return inp, None


def _same_merged(a: pa.Array, b: pa.Array) -> str | None:
    """``None`` when the groups' values in one partition (``a``) and merged from several
    (``b``) agree: exactly, or for floats within a relative 1e-9 (a sum's rounding depends on
    the order of its terms)."""
    if a.equals(b):
        return None
    for i, (x, y) in enumerate(zip(a.to_pylist(), b.to_pylist())):
        if not _close(x, y):
            return (
                f"group {i} is {_short(x)} in one partition but {_short(y)} merged from "
                f"{_GROUPS} partitions"
            )
    return None


def _close(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        if math.isnan(x) and math.isnan(y):
            return True
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_close(p, q) for p, q in zip(x, y))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_close(x[k], y[k]) for k in x)
    return x == y
