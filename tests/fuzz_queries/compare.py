"""Comparing two query results.

Rules, and why:

* Rows are compared as multisets: neither engine promises an order without a
  final ORDER BY. When the query ends with a sort, the multisets must match
  and, in addition, the sequence of sort-key values must match position by
  position; the order of rows with equal keys is free (for a complete order
  those rows are equal anyway, so this is the same as comparing ordered
  lists).
* Values: null equals null, every NaN equals every NaN (the sign and payload
  of a NaN are not semantics), -0.0 equals 0.0. Integers and floats compare
  by numeric value, so an Int64 count matches DuckDB's BIGINT and a HUGEINT or
  DECIMAL sum matches an Int64 one; result *types* are not compared.
* Floats: |a - b| <= max(1e-12, 1e-9 * max(|a|, |b|)). The data makes plain
  sums exact (see datagen), so this only absorbs a mean's or a product's last
  bits. Columns the plan marks APPROX (stddev, var, product, sums of inexact
  values) get 1e-6 relative and absolute: their algorithms (Welford in one
  engine, another in the other) and summation orders differ by design.
  Infinities must be equal.
* Columns marked LIST (agg_list, list_agg_distinct) are compared as sorted
  lists (item order is not defined), CONCAT (string_agg with ",") as the
  sorted list of their comma-separated parts.
* Both engines raising is agreement (for example both refusing an integer
  overflow), unless daft's error is an internal error or a panic; exactly
  one raising is a mismatch, except for an overflow error where the other
  engine returned no rows (see `compare`).
"""

from __future__ import annotations

import datetime
import decimal
import math
from collections import defaultdict

from .plan import APPROX, CONCAT, LIST

REL_TOL, ABS_TOL = 1e-9, 1e-12
APPROX_TOL = 1e-6


def canon(v, hint: str = "exact"):
    """A value as a tagged tuple that sorts and compares across engines."""
    if v is None:
        return (0,)
    if isinstance(v, bool):
        return (1, v)
    if isinstance(v, decimal.Decimal):
        v = int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float):
        if math.isnan(v):
            return (3,)
        return (2, 0.0 if v == 0 else v)
    if isinstance(v, int):
        return (2, v)
    if isinstance(v, str):
        if hint == CONCAT:
            return (6, tuple(sorted(v.split(","))))
        return (4, v)
    if isinstance(v, datetime.datetime):
        return (5, v)
    if isinstance(v, datetime.date):
        return (5, datetime.datetime(v.year, v.month, v.day))
    if isinstance(v, (list, tuple)):
        items = [canon(x) for x in v]
        return (7, tuple(sorted(items) if hint == LIST else items))
    if isinstance(v, dict):
        return (8, tuple(sorted((k, canon(x)) for k, x in v.items())))
    return (9, repr(v))


def close(a, b, hint: str = "exact") -> bool:
    """Whether two canonical values are equal under the tolerance rules."""
    if a[0] != b[0]:
        return False
    if a[0] == 2:
        x, y = a[1], b[1]
        if isinstance(x, int) and isinstance(y, int) and hint != APPROX:
            return x == y
        x, y = float(x), float(y)
        if math.isinf(x) or math.isinf(y):
            return x == y
        rel, abs_ = (APPROX_TOL, APPROX_TOL) if hint == APPROX else (REL_TOL, ABS_TOL)
        return abs(x - y) <= max(abs_, rel * max(abs(x), abs(y)))
    if a[0] == 7:
        return len(a[1]) == len(b[1]) and all(close(x, y) for x, y in zip(a[1], b[1]))
    return a == b


def _rows_close(r1, r2, hints) -> bool:
    return all(close(x, y, h) for x, y, h in zip(r1, r2, hints))


def _exact_part(row, hints):
    """The part of a canonical row that is compared without tolerance."""
    return tuple(v if v[0] not in (2, 7) else (v[0],) for v in row)


def multiset_equal(a: list[tuple], b: list[tuple], hints: list[str]) -> bool:
    if len(a) != len(b):
        return False
    sa, sb = sorted(a), sorted(b)
    if all(_rows_close(x, y, hints) for x, y in zip(sa, sb)):
        return True
    # Sorting can interleave rows whose floats differ within the tolerance:
    # match within buckets of equal non-numeric parts instead.
    buckets: dict = defaultdict(list)
    for r in sb:
        buckets[_exact_part(r, hints)].append(r)
    for r in sa:
        bucket = buckets.get(_exact_part(r, hints))
        if not bucket:
            return False
        for i, cand in enumerate(bucket):
            if _rows_close(r, cand, hints):
                bucket.pop(i)
                break
        else:
            return False
    return True


class Result:
    """What one engine returned: column names and rows, or an error."""

    def __init__(self, names=None, rows=None, error: BaseException | None = None) -> None:
        self.names = names or []
        self.rows = rows or []
        self.error = error

    def error_text(self) -> str:
        e = self.error
        return f"{type(e).__name__}: {e}" if e is not None else ""


def _engine_fault(e: BaseException) -> bool:
    return type(e).__name__ == "PanicException" or "internal error" in str(e)


def compare(
    got: Result, want: Result, hints: list[str], order_keys: list[int] | None
) -> str | None:
    """None when the results agree, else a one-line reason."""
    if got.error is not None and _engine_fault(got.error):
        # An internal error or a panic is a bug whatever DuckDB did.
        return f"daft failed internally: {got.error_text()[:300]}"
    if got.error is not None and want.error is not None:
        return None
    # An overflow is evaluation-order dependent: an engine may fold a
    # constant expression at plan time, or skip one over rows it never
    # needs (an empty join side). Where the other engine returned no rows,
    # no overflowing value can be in its result.
    for err, other in ((got.error, want), (want.error, got)):
        if err is not None and "overflow" in str(err).lower() and not other.rows:
            return None
    if got.error is not None:
        return f"daft raised, DuckDB did not: {got.error_text()[:300]}"
    if want.error is not None:
        return f"DuckDB raised, daft did not: {want.error_text()[:300]}"
    if len(got.names) != len(want.names):
        return f"column count differs: daft {got.names}, DuckDB {want.names}"
    if len(got.rows) != len(want.rows):
        return f"row count differs: daft {len(got.rows)}, DuckDB {len(want.rows)}"
    hints = list(hints) + ["exact"] * (len(got.names) - len(hints))
    ga = [tuple(canon(v, h) for v, h in zip(r, hints)) for r in got.rows]
    wa = [tuple(canon(v, h) for v, h in zip(r, hints)) for r in want.rows]
    if not multiset_equal(ga, wa, hints):
        return "rows differ"
    if order_keys:
        for i, (x, y) in enumerate(zip(ga, wa)):
            if not all(close(x[k], y[k], hints[k]) for k in order_keys):
                return f"order differs at row {i}"
    return None


def differing_rows(got: Result, want: Result, hints: list[str], limit: int = 10) -> str:
    """A short text of rows only one side has (for reports)."""
    from collections import Counter

    hints = list(hints) + ["exact"] * (len(got.names) - len(hints))
    ga = Counter(tuple(canon(v, h) for v, h in zip(r, hints)) for r in got.rows)
    wa = Counter(tuple(canon(v, h) for v, h in zip(r, hints)) for r in want.rows)
    only_g = list((ga - wa).elements())[:limit]
    only_w = list((wa - ga).elements())[:limit]
    return f"only in daft: {only_g}\nonly in DuckDB: {only_w}"
