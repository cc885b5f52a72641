"""Reducing a mismatching case to a small one that still mismatches.

Greedy: try each simpler candidate (a stage dropped, a join or set operation
replaced by one side, an expression replaced by a sub-expression, an
aggregation or projection item dropped, then blocks of rows and unused
columns removed) and keep the first that shows the same kind of mismatch
(same `Outcome.signature`), until nothing simpler does or the budget is spent.

Why a determinism check on each candidate: dropping, say, the group-by in
front of `sort(k).limit(2)` leaves a limit over ties, whose answer legitimately
differs between engines; such a candidate would "still mismatch" and turn a
real bug into a bogus reproduction. Candidates whose order-sensitive parts
(limits, row_number, lag/lead, first/last value, running frames) no longer
have a complete order are skipped.
"""

from __future__ import annotations

import time
from dataclasses import replace

from .datagen import Table
from .engines import Outcome, run_case, table_schemas
from .exprs import Col, Expr, simpler_versions
from .plan import (
    RANKING,
    Distinct,
    Filter,
    GlobalAgg,
    GroupBy,
    Join,
    Pipeline,
    Scan,
    Select,
    SetOp,
    SortLimit,
    Win,
    WithColumn,
    schema_of,
    stage_schema,
)


def _unique_after(p: Pipeline, tables: dict) -> tuple[set | None, bool]:
    """(columns unique per row or None, whether every order-sensitive part
    of `p` has a complete order)."""
    src = p.source
    ok = True
    if isinstance(src, Scan):
        unique = None
        schema = schema_of(Pipeline(src), tables)
    elif isinstance(src, Join):
        ok = _unique_after(src.left, tables)[1] and _unique_after(src.right, tables)[1]
        unique, schema = None, schema_of(Pipeline(src), tables)
    else:
        ok = _unique_after(src.left, tables)[1] and _unique_after(src.right, tables)[1]
        schema = schema_of(Pipeline(src), tables)
        distinct = src.op in ("union", "intersect", "except_distinct")
        unique = {n for n, _, _ in schema} if distinct else None
    for st in p.stages:
        names = {n for n, _, _ in schema}
        exact = all(h == "exact" and k != "list" for _, k, h in schema)

        def complete(keys, unique=unique, exact=exact, names=names) -> bool:
            ks = {k.name for k in keys}
            if unique is not None and unique <= ks:
                return True
            return exact and names <= ks

        if isinstance(st, SortLimit) and (st.limit is not None or st.offset is not None):
            ok = ok and complete(st.keys)
        if isinstance(st, WithColumn) and isinstance(st.expr, Win):
            w = st.expr
            sensitive = w.fn in ("row_number", "lag", "lead", "first_value", "last_value")
            if sensitive or w.frame == "running":
                ok = ok and complete(w.order)
            if (w.fn in RANKING or w.fn in ("lag", "lead")) and not w.order:
                ok = False
        if isinstance(st, GroupBy):
            unique = set(st.keys)
        elif isinstance(st, GlobalAgg):
            unique = set()
        elif isinstance(st, Distinct):
            unique = set(names)
        elif isinstance(st, Select):
            kept = {n for n, e in st.items if isinstance(e, Col) and e.name == n}
            unique = unique if unique is not None and unique <= kept else None
        schema = stage_schema(st, schema)
    return unique, ok


def deterministic(p: Pipeline, tables: dict) -> bool:
    try:
        return _unique_after(p, tables)[1]
    except (KeyError, ValueError, AttributeError, TypeError):
        return False


def _stage_variants(st):
    """Simpler versions of one stage."""
    if isinstance(st, Filter):
        for e in simpler_versions(st.pred):
            yield Filter(e)
        for c in st.pred.children():
            if c.kind == "bool":
                yield Filter(c)
    elif isinstance(st, Select):
        if len(st.items) > 1:
            for i in range(len(st.items)):
                yield Select(st.items[:i] + st.items[i + 1 :])
        for i, (n, e) in enumerate(st.items):
            for e2 in simpler_versions(e):
                yield Select(st.items[:i] + ((n, e2),) + st.items[i + 1 :])
    elif isinstance(st, (GroupBy, GlobalAgg)):
        if len(st.aggs) > 1:
            for i in range(len(st.aggs)):
                yield replace(st, aggs=st.aggs[:i] + st.aggs[i + 1 :])
        if isinstance(st, GroupBy):
            if len(st.keys) > 1:
                for i in range(len(st.keys)):
                    yield replace(st, keys=st.keys[:i] + st.keys[i + 1 :])
            yield GlobalAgg(st.aggs)
        for i, (n, a) in enumerate(st.aggs):
            if a.arg is not None and not isinstance(a.arg, Col):
                for e2 in simpler_versions(a.arg):
                    yield replace(
                        st, aggs=st.aggs[:i] + ((n, replace(a, arg=e2)),) + st.aggs[i + 1 :]
                    )
    elif isinstance(st, WithColumn):
        e = st.expr
        if isinstance(e, Win):
            if e.partition:
                yield replace(st, expr=replace(e, partition=()))
            if len(e.order) > 1:
                for i in range(len(e.order)):
                    yield replace(st, expr=replace(e, order=e.order[:i] + e.order[i + 1 :]))
            if e.frame is not None:
                yield replace(st, expr=replace(e, frame=None))
        elif isinstance(e, Expr):
            for e2 in simpler_versions(e):
                yield replace(st, expr=e2)
    elif isinstance(st, SortLimit):
        if st.offset is not None:
            yield replace(st, offset=None)
        if st.limit is not None and st.offset is None:
            yield replace(st, limit=None)
        if len(st.keys) > 1:
            for i in range(len(st.keys)):
                yield replace(st, keys=st.keys[:i] + st.keys[i + 1 :])


def pipeline_variants(p: Pipeline):
    """Simpler pipelines than `p`, roughly the biggest simplifications first."""
    src = p.source
    if isinstance(src, (Join, SetOp)):
        yield Pipeline(src.left.source, src.left.stages + p.stages)
        yield Pipeline(src.right.source, src.right.stages + p.stages)
    for i in range(len(p.stages)):
        yield replace(p, stages=p.stages[:i] + p.stages[i + 1 :])
    if isinstance(src, (Join, SetOp)):
        for side in ("left", "right"):
            for v in pipeline_variants(getattr(src, side)):
                yield replace(p, source=replace(src, **{side: v}))
        if isinstance(src, Join) and src.how != "inner":
            yield replace(p, source=replace(src, how="inner"))
    for i, st in enumerate(p.stages):
        for v in _stage_variants(st):
            yield replace(p, stages=p.stages[:i] + (v,) + p.stages[i + 1 :])


class Shrinker:
    def __init__(self, mode: str, max_runs: int = 400, max_seconds: float = 60.0) -> None:
        self.mode = mode
        self.max_runs = max_runs
        self.deadline = time.monotonic() + max_seconds
        self.runs = 0

    def _budget(self) -> bool:
        return self.runs < self.max_runs and time.monotonic() < self.deadline

    def _same(self, query: Pipeline, tables: list[Table], sig) -> Outcome | None:
        if not deterministic(query, table_schemas(tables)):
            return None
        self.runs += 1
        out = run_case(query, tables, self.mode)
        return out if out.signature == sig else None

    def shrink(self, query: Pipeline, tables: list[Table], first: Outcome):
        sig = first.signature
        best = first
        changed = True
        while changed and self._budget():
            changed = False
            for cand in pipeline_variants(query):
                if not self._budget():
                    break
                out = self._same(cand, tables, sig)
                if out is not None:
                    query, best, changed = cand, out, True
                    break
            if changed:
                continue
            tables, out = self._shrink_rows(query, tables, sig)
            if out is not None:
                best, changed = out, True
                continue
            tables, out = self._shrink_columns(query, tables, sig)
            if out is not None:
                best, changed = out, True
        return query, tables, best

    def _shrink_rows(self, query, tables, sig):
        """Drop blocks of rows (halves, quarters, ... single rows) of each table."""
        best = None
        for ti in range(len(tables)):
            n = tables[ti].num_rows
            chunk = max(n // 2, 1)
            while chunk >= 1 and self._budget():
                i, progressed = 0, False
                while i < tables[ti].num_rows and self._budget():
                    keep = [j for j in range(tables[ti].num_rows) if not i <= j < i + chunk]
                    cand = list(tables)
                    cand[ti] = tables[ti].keep_rows(keep)
                    out = self._same(query, cand, sig)
                    if out is not None:
                        tables, best, progressed = cand, out, True
                    else:
                        i += chunk
                if not progressed:
                    chunk //= 2
        return tables, best

    def _shrink_columns(self, query, tables, sig):
        best = None
        for ti in range(len(tables)):
            for c in list(tables[ti].columns):
                if c.name == "k" or not self._budget():
                    continue
                cand = list(tables)
                cand[ti] = tables[ti].drop_column(c.name)
                out = self._same(query, cand, sig)
                if out is not None:
                    tables, best = cand, out
        return tables, best
