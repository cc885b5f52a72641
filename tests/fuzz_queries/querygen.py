"""Random queries over the generated tables, from a seeded random.Random.

Why the generator tracks more than names and types (`Rel`): a query is only
worth comparing if its answer is determined. So it knows, per column, an upper
bound of integer magnitudes (a sum is generated only when it cannot overflow
int64 in any order of addition), which columns are order-dependent aggregates
(lists, concatenations: never compared as values, sorted or deduplicated), and
a set of columns unique per row (after a group-by, its keys). A sort followed
by a limit, a row_number, a running frame or lag/lead always get an order
that is complete: it contains a unique key or every column, so ties are only
between rows that are equal anyway.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from .datagen import STRINGS, Table
from .exprs import (
    Arith,
    Between,
    Call,
    Cast,
    Cmp,
    Col,
    Expr,
    IfElse,
    IsIn,
    IsNull,
    Lit,
    Logic,
    Neg,
    Not,
    subexpressions,
)
from .plan import (
    APPROX,
    EXACT,
    LIST,
    Agg,
    Distinct,
    Filter,
    GlobalAgg,
    GroupBy,
    Join,
    OrderKey,
    Pipeline,
    Scan,
    Select,
    SetOp,
    SortLimit,
    Win,
    WithColumn,
)

INT_SAFE = 2**62  # integer values a query may produce without meaning to overflow
ORDERABLE = ("int", "float", "str", "bool", "date")


def deliberate_overflow(e: Expr) -> bool:
    """Whether `e` holds a deliberately overflowing multiplication (by a
    literal of magnitude about 2**62, see `_int_expr`)."""
    return any(
        isinstance(x, Lit) and x.kind == "int" and abs(x.value or 0) >= 2**61
        for x in subexpressions(e)
    )


@dataclass
class ColInfo:
    name: str
    kind: str
    hint: str = EXACT
    bound: float = 0.0  # max |value| of an int column
    inexact: bool = False  # a float column whose sums depend on the order of addition
    unsigned: bool = False  # UInt64 in the engine (counts, ranks): never negated


@dataclass
class Rel:
    cols: list[ColInfo]
    max_rows: int
    unique: tuple[str, ...] | None = None  # columns that identify a row, if known

    def usable(self, kind: str | None = None) -> list[ColInfo]:
        """Columns whose values can be computed with, compared and sorted."""
        return [
            c for c in self.cols if c.hint == EXACT and c.kind != "list" and kind in (None, c.kind)
        ]

    def all_exact(self) -> bool:
        return all(c.hint == EXACT and c.kind != "list" for c in self.cols)


@dataclass
class Case:
    """One generated fuzz case: the data, the query, and how daft runs it."""

    seed: int
    tables: list[Table]
    query: Pipeline
    mode: str  # "api": DataFrame methods; "sql": daft.sql


class QueryGen:
    def __init__(self, rnd: random.Random, tables: list[Table], mode: str = "api") -> None:
        self.rnd = rnd
        self.tables = {t.name: t for t in tables}
        self.mode = mode
        self.n = 0
        self.values: dict[str, list] = {}
        for t in tables:
            for c in t.columns:
                self.values.setdefault(c.kind, []).extend(v for v in c.values if v is not None)

    def fresh(self, base: str) -> str:
        self.n += 1
        return f"{base}{self.n}"

    # --- relations ------------------------------------------------------

    def scan(self, name: str) -> tuple[Pipeline, Rel]:
        t = self.tables[name]
        cols = []
        for c in t.columns:
            bound = (
                max((abs(v) for v in c.values if v is not None), default=0)
                if c.kind == "int"
                else 0
            )
            cols.append(ColInfo(c.name, c.kind, EXACT, float(bound)))
        return Pipeline(Scan(name)), Rel(cols, max(t.num_rows, 1))

    def query(self) -> Pipeline:
        r = self.rnd.random()
        if r < 0.35:
            p, rel = self.scan("t0")
        elif r < 0.45:
            p, rel = self.scan("t1")
        elif r < 0.75:
            p, rel = self.join()
        else:
            p, rel = self.setop()
        stages = list(p.stages)
        for _ in range(self.rnd.choice([0, 1, 1, 2, 2, 3, 4])):
            st = self.stage(rel)
            if st is None:
                continue
            stage, rel = st
            stages.append(stage)
        if self.rnd.random() < 0.5:
            final = self.sort(rel, final=True)
            if final is not None:
                stages.append(final[0])
        return replace(p, stages=tuple(stages))

    def join(self) -> tuple[Pipeline, Rel]:
        how = self.rnd.choice(["inner", "left", "right", "outer", "semi", "anti"])
        lp, lrel = self.scan("t0")
        rp, rrel = self.scan("t1")
        if self.rnd.random() < 0.25:
            lp = replace(lp, stages=(Filter(self.expr(lrel, "bool", 2)),))
        if self.rnd.random() < 0.2:
            rp = replace(rp, stages=(Filter(self.expr(rrel, "bool", 2)),))
        pairs = lrel.max_rows * rrel.max_rows
        max_rows = {
            "inner": pairs,
            "left": pairs + lrel.max_rows,
            "right": pairs + rrel.max_rows,
            "outer": pairs + lrel.max_rows + rrel.max_rows,
        }.get(how, lrel.max_rows)
        cols = list(lrel.cols)
        if how not in ("semi", "anti"):
            cols += [c for c in rrel.cols if c.name != "k"]
        return Pipeline(Join(how, lp, rp)), Rel(cols, max_rows)

    def setop(self) -> tuple[Pipeline, Rel]:
        ops = ["union_all", "union", "intersect", "except_distinct", "intersect_all", "except_all"]
        op = self.rnd.choice(ops)
        base = self.scan("t0")[1]
        kinds = [self.pick_kind(base) for _ in range(self.rnd.randint(1, 3))]
        sides = []
        for name in ("t0", self.rnd.choice(["t0", "t1"])):
            p, rel = self.scan(name)
            stages = []
            if self.rnd.random() < 0.3:
                stages.append(Filter(self.expr(rel, "bool", 2)))
            items = tuple(
                (self.fresh("p"), self.signed(self.expr(rel, kind, 1), rel)) for kind in kinds
            )
            stages.append(Select(items))
            sides.append((replace(p, stages=tuple(stages)), rel, items))
        (lp, lrel, litems), (rp, rrel, _) = sides
        cols = [
            ColInfo(n, e.kind, EXACT, self.bound(e, lrel), self.inexact(e, lrel)) for n, e in litems
        ]
        for c, (_, e) in zip(cols, sides[1][2]):
            c.bound = max(c.bound, self.bound(e, rrel))
        distinct = op in ("union", "intersect", "except_distinct")
        rel = Rel(
            cols, lrel.max_rows + rrel.max_rows, tuple(c.name for c in cols) if distinct else None
        )
        return Pipeline(SetOp(op, lp, rp)), rel

    # --- stages ---------------------------------------------------------

    def stage(self, rel: Rel):
        choices = ["filter", "select", "window", "groupby", "agg", "distinct", "topn"]
        weights = [30, 15, 20, 15, 6, 6, 5]
        what = self.rnd.choices(choices, weights)[0]
        if what == "filter":
            return Filter(self.expr(rel, "bool", self.rnd.randint(1, 3))), rel
        if what == "select":
            return self.select(rel)
        if what == "window":
            return self.with_column(rel)
        if what == "groupby":
            return self.groupby(rel)
        if what == "agg":
            aggs = tuple((self.fresh("a"), self.agg(rel)) for _ in range(self.rnd.randint(1, 3)))
            cols = [self.agg_col(n, a, rel) for n, a in aggs]
            return GlobalAgg(aggs), Rel(cols, 1, ())
        if what == "distinct" and rel.all_exact():
            return Distinct(), replace(rel, unique=tuple(c.name for c in rel.cols))
        if what == "topn":
            return self.sort(rel, final=False)
        return None

    def select(self, rel: Rel):
        items, cols = [], []
        for c in rel.cols:
            if self.rnd.random() < 0.5:
                items.append((c.name, Col(c.name, c.kind)))
                cols.append(replace(c))
        for _ in range(self.rnd.randint(0 if items else 1, 3)):
            kind = self.pick_kind(rel)
            e = self.expr(rel, kind, self.rnd.randint(1, 3))
            name = self.fresh("p")
            items.append((name, e))
            cols.append(ColInfo(name, kind, EXACT, self.bound(e, rel), self.inexact(e, rel)))
            cols[-1].unsigned = self.touches_unsigned(e, rel)
        kept = {n for n, e in items if isinstance(e, Col)}
        unique = rel.unique if rel.unique is not None and set(rel.unique) <= kept else None
        return Select(tuple(items)), Rel(cols, rel.max_rows, unique)

    def with_column(self, rel: Rel):
        name = self.fresh("w")
        if self.rnd.random() < 0.2:
            kind = self.pick_kind(rel)
            e = self.expr(rel, kind, 2)
            col = ColInfo(name, kind, EXACT, self.bound(e, rel), self.inexact(e, rel))
            col.unsigned = self.touches_unsigned(e, rel)
        else:
            e = self.window(rel)
            if e is None:
                return None
            col = ColInfo(name, e.kind, e.hint, self.win_bound(e, rel))
            col.unsigned = e.fn in ("row_number", "rank", "dense_rank", "count") or (
                e.arg is not None and e.kind == "int" and self.touches_unsigned(e.arg, rel)
            )
        return WithColumn(name, e), Rel(rel.cols + [col], rel.max_rows, rel.unique)

    def groupby(self, rel: Rel):
        keyable = rel.usable()
        if not keyable:
            return None
        ks = [c for c in keyable if c.name == "k"] or keyable
        keys = [self.rnd.choice(ks)]
        if self.rnd.random() < 0.3:
            extra = self.rnd.choice(keyable)
            if extra.name not in [c.name for c in keys]:
                keys.append(extra)
        aggs = tuple((self.fresh("a"), self.agg(rel)) for _ in range(self.rnd.randint(1, 3)))
        cols = [replace(c) for c in keys] + [self.agg_col(n, a, rel) for n, a in aggs]
        names = tuple(c.name for c in keys)
        return GroupBy(names, aggs), Rel(cols, rel.max_rows, names)

    def order_keys(self, cols: list[ColInfo]) -> tuple[OrderKey, ...]:
        keys = []
        for c in cols:
            nulls = self.rnd.choice([None, None, True, False])
            keys.append(OrderKey(c.name, c.kind, self.rnd.random() < 0.4, nulls))
        return tuple(keys)

    def complete_order(self, rel: Rel) -> tuple[OrderKey, ...] | None:
        """Keys that order every row, or None when there are none."""
        if rel.unique is not None:
            by = {c.name: c for c in rel.cols}
            cols = [by[n] for n in rel.unique]
            extra = [c for c in rel.usable() if c.name not in rel.unique]
            self.rnd.shuffle(extra)
            cols = cols + extra[: self.rnd.randint(0, len(extra))]
        elif rel.all_exact():
            cols = list(rel.cols)
        else:
            return None
        if not cols:
            if not rel.usable():
                return None
            cols = [self.rnd.choice(rel.usable())]
        self.rnd.shuffle(cols)
        return self.order_keys(cols)

    def sort(self, rel: Rel, final: bool):
        keys = self.complete_order(rel)
        if keys is None or not keys:
            if not final or not rel.usable():
                return None
            # A sort on some columns only: compared in the order of its keys.
            cols = self.rnd.sample(rel.usable(), self.rnd.randint(1, len(rel.usable())))
            return SortLimit(self.order_keys(cols)), rel
        limit = offset = None
        if self.rnd.random() < (0.6 if final else 1.0):
            limit = self.rnd.choice([0, 1, 2, 3, 5, 10, 50])
        if self.rnd.random() < 0.2:
            offset = self.rnd.choice([0, 1, 3, 10])
        if limit is None and offset is None and not final:
            limit = 5
        rows = rel.max_rows if limit is None else min(rel.max_rows, limit)
        return SortLimit(keys, limit, offset), replace(rel, max_rows=max(rows, 1))

    # --- aggregations and windows --------------------------------------

    def agg(self, rel: Rel) -> Agg:
        rnd = self.rnd
        fns = ["sum", "mean", "min", "max", "count", "count_all", "count_null", "count_distinct"]
        fns += ["stddev", "stddev_pop", "var", "var_pop", "product", "string_agg"]
        fns += ["agg_list", "agg_set"]
        for _ in range(20):
            fn = rnd.choice(fns)
            kinds = {
                "sum": ("int", "float"),
                "mean": ("int", "float"),
                "stddev": ("int", "float"),
                "stddev_pop": ("int", "float"),
                "var": ("int", "float"),
                "var_pop": ("int", "float"),
                "product": ("int", "float"),
                "string_agg": ("str",),
            }.get(fn, ORDERABLE)
            kind = self.pick_kind(rel, kinds)
            arg = self.agg_arg(rel, kind)
            if arg is None:
                continue
            b = self.bound(arg, rel)
            if fn == "sum" and kind == "int" and b * rel.max_rows >= INT_SAFE:
                continue
            if fn.startswith(("stddev", "var")) and kind == "int" and b > 2**40:
                continue
            if fn.startswith(("stddev", "var")) and kind == "float" and b > 2**40:
                # A float of a huge integer (`af - ai` near 2**52) keeps few
                # digits below its magnitude: both engines' variances are
                # mostly rounding error, each its own (seed 83638).
                continue
            if fn == "product" and kind == "int" and rel.max_rows * math.log2(b + 2) > 60:
                # An overflowing product raises in both engines, but whether
                # it is evaluated at all for a row a later filter drops is
                # up to each optimizer.
                continue
            if (
                fn in ("min", "max", "count_distinct", "agg_set")
                and kind == "bool"
                and self.mode == "sql"
            ):
                continue
            out = {
                "mean": "float",
                "count": "int",
                "count_all": "int",
                "count_null": "int",
                "count_distinct": "int",
                "stddev": "float",
                "stddev_pop": "float",
                "var": "float",
                "var_pop": "float",
                "agg_list": "list",
                "agg_set": "list",
            }.get(fn, kind)
            if fn == "product" and kind == "float" and rel.max_rows > 30:
                # Values up to ~1e6: a longer product may reach inf, and
                # inf * 0 is NaN or 0 * ... stays 0 depending on the order.
                continue
            approx = fn in ("sum", "mean") and self.inexact(arg, rel)
            # A mean of integers is a Float64 sum in the engine (as Daft),
            # exact (HUGEINT) in DuckDB: beyond 2**53 the last bits differ.
            approx = approx or (fn == "mean" and kind == "int" and b * rel.max_rows >= 2**53)
            return Agg(fn, arg, out, approx)
        return Agg("count_all", Col(rel.cols[0].name, rel.cols[0].kind), "int")

    def agg_arg(self, rel: Rel, kind: str) -> Expr | None:
        cols = rel.usable(kind)
        if cols and self.rnd.random() < 0.75:
            c = self.rnd.choice(cols)
            return Col(c.name, c.kind)
        if not rel.usable():
            return None
        return self.expr(rel, kind, 1)

    def agg_col(self, name: str, a: Agg, rel: Rel) -> ColInfo:
        c = ColInfo(name, a.kind, a.hint, self.agg_bound(a, rel))
        c.unsigned = a.fn.startswith("count") or (
            a.arg is not None and a.kind == "int" and self.touches_unsigned(a.arg, rel)
        )
        return c

    def agg_bound(self, a: Agg, rel: Rel) -> float:
        if a.kind != "int":
            return 0.0
        if a.fn.startswith("count"):
            return float(rel.max_rows)
        if a.fn == "sum":
            return self.bound(a.arg, rel) * rel.max_rows
        if a.fn == "product":
            return float(INT_SAFE)
        return self.bound(a.arg, rel)

    def window(self, rel: Rel) -> Win | None:
        rnd = self.rnd
        keyable = rel.usable()
        if not keyable:
            return None
        partition: tuple[str, ...] = ()
        if rnd.random() < 0.75:
            ks = [c for c in keyable if c.name == "k"] or keyable
            partition = (rnd.choice(ks).name,)
            if rnd.random() < 0.2:
                other = rnd.choice(keyable).name
                if other not in partition:
                    partition += (other,)
        fn = rnd.choice(
            ["row_number", "rank", "dense_rank", "lag", "lead", "first_value", "last_value"]
            + ["sum", "min", "max", "count", "mean"] * 2
        )
        complete = self.complete_order(rel)
        if fn in ("rank", "dense_rank"):
            cols = rnd.sample(keyable, rnd.randint(1, min(2, len(keyable))))
            return Win(fn, None, partition, self.order_keys(cols), None, "int")
        if fn in ("row_number", "lag", "lead", "first_value", "last_value"):
            if complete is None:
                return None
            if fn == "row_number":
                return Win(fn, None, partition, complete, None, "int")
            c = rnd.choice(keyable)
            arg = Col(c.name, c.kind)
            if fn in ("lag", "lead"):
                default = None
                if rnd.random() < 0.3:
                    default = self.literal(c.kind).value
                    if c.unsigned and default is not None and default < 0:
                        # A negative default does not fit a UInt64 count, which daft
                        # refuses by design (DuckDB's counts are signed).
                        default = -default
                    if self.mode == "sql" and (
                        c.kind == "date" or (c.kind == "float" and not math.isfinite(default))
                    ):
                        default = None  # daft.sql takes only a plain literal here
                return Win(fn, arg, partition, complete, None, c.kind, rnd.randint(1, 3), default)
            return Win(fn, arg, partition, complete, None, c.kind)
        kinds = ("int", "float") if fn in ("sum", "mean") else ORDERABLE
        kind = self.pick_kind(rel, kinds)
        cols = rel.usable(kind)
        if not cols:
            return None
        c = rnd.choice(cols)
        if fn == "sum" and kind == "int" and c.bound * rel.max_rows >= INT_SAFE:
            return None
        out = {"count": "int", "mean": "float"}.get(fn, kind)
        arg = Col(c.name, c.kind)
        approx = fn in ("sum", "mean") and c.inexact
        approx = approx or (fn == "mean" and kind == "int" and c.bound * rel.max_rows >= 2**53)
        r = rnd.random()
        if r < 0.4:
            return Win(fn, arg, partition, (), None, out, approx=approx)
        if r < 0.7 or complete is None:
            cols2 = rnd.sample(keyable, rnd.randint(1, min(2, len(keyable))))
            return Win(fn, arg, partition, self.order_keys(cols2), None, out, approx=approx)
        return Win(fn, arg, partition, complete, "running", out, approx=approx)

    def win_bound(self, w: Win, rel: Rel) -> float:
        if w.kind != "int":
            return 0.0
        if w.fn in ("row_number", "rank", "dense_rank", "count"):
            return float(rel.max_rows)
        b = self.bound(w.arg, rel)
        return b * rel.max_rows if w.fn == "sum" else b

    # --- expressions ----------------------------------------------------

    def bound(self, e: Expr, rel: Rel) -> float:
        """An upper bound of |value| for an int expression, and for a float one
        as far as its integer parts go (0 for others)."""
        if e.kind not in ("int", "float"):
            return 0.0
        if isinstance(e, Col):
            for c in rel.cols:
                if c.name == e.name:
                    return c.bound
            return float(INT_SAFE)
        if isinstance(e, Lit):
            return float(abs(e.value or 0))
        if isinstance(e, Arith):
            a, b = self.bound(e.a, rel), self.bound(e.b, rel)
            return {"+": a + b, "-": a + b, "*": a * b}.get(e.op, a)
        if isinstance(e, Call) and e.fn == "length":
            return 100.0
        if isinstance(e, Cast):
            return 1.0
        return max([self.bound(c, rel) for c in e.children()] + [0.0])

    def signed(self, e: Expr, rel: Rel) -> Expr:
        """`e` as Int64: UInt64 with Int64 is Float64 in the engine (Daft's
        rule; floor semantics for `//`, "3.0" as text), BIGINT in DuckDB."""
        return Cast(e, "int") if self.touches_unsigned(e, rel) else e

    def touches_unsigned(self, e: Expr, rel: Rel) -> bool:
        """Whether the int expression may be UInt64 in the engine: it uses a
        count or rank column or `length` (UInt64, as in Daft)."""
        if e.kind != "int" or isinstance(e, (Cast, Lit)):
            return False
        if isinstance(e, Col):
            return any(c.unsigned for c in rel.cols if c.name == e.name)
        if isinstance(e, Call) and e.fn == "length":
            return True
        return any(self.touches_unsigned(c, rel) for c in e.children() if c.kind == "int")

    def inexact(self, e: Expr, rel: Rel) -> bool:
        """Whether sums of the float expression `e` may depend on the order of
        addition (its values need more than float64's 53 bits to add exactly)."""
        if e.kind != "float":
            return False
        if isinstance(e, Col):
            return any(c.inexact for c in rel.cols if c.name == e.name)
        if isinstance(e, Arith) and e.op == "/":
            return True
        if isinstance(e, Arith) and e.op == "*":
            if not (isinstance(e.a, Lit) or isinstance(e.b, Lit)):
                return True
        if isinstance(e, Call) and e.fn in ("sqrt", "round"):
            return True
        return any(self.inexact(c, rel) for c in e.children())

    def literal(self, kind: str) -> Lit:
        rnd = self.rnd
        seen = self.values.get(kind)
        if seen and rnd.random() < 0.6:
            return Lit(rnd.choice(seen), kind)
        if kind == "int":
            return Lit(rnd.randint(-10, 10), kind)
        if kind == "float":
            return Lit(rnd.choice([0.0, -0.0, 0.5, -1.25, 3.0, 100.0, math.nan, math.inf]), kind)
        if kind == "str":
            return Lit(rnd.choice(STRINGS), kind)
        if kind == "bool":
            return Lit(rnd.random() < 0.5, kind)
        import datetime

        return Lit(
            datetime.date(1970, 1, 1) + datetime.timedelta(days=rnd.randint(-3000, 3000)), kind
        )

    def pick_kind(self, rel: Rel, among: tuple[str, ...] = ORDERABLE) -> str:
        """A kind, mostly one that some usable column has (literal-only
        expressions test little)."""
        have = [c.kind for c in rel.usable() if c.kind in among]
        if have and self.rnd.random() < 0.85:
            return self.rnd.choice(have)
        return self.rnd.choice(among)

    def leaf(self, rel: Rel, kind: str) -> Expr:
        cols = rel.usable(kind)
        if cols and self.rnd.random() < 0.8:
            c = self.rnd.choice(cols)
            return Col(c.name, c.kind)
        return self.literal(kind)

    def expr(self, rel: Rel, kind: str, depth: int) -> Expr:
        if depth <= 0 or self.rnd.random() < 0.25:
            return self.leaf(rel, kind)
        for _ in range(10):
            e = getattr(self, f"_{kind}_expr")(rel, depth - 1)
            if e is not None:
                return e
        return self.leaf(rel, kind)

    def _common(self, rel: Rel, kind: str, d: int) -> Expr | None:
        r = self.rnd.random()
        if r < 0.4:
            args = tuple(self.expr(rel, kind, d) for _ in range(self.rnd.randint(2, 3)))
            e = Call("coalesce", args, kind)
        elif r < 0.7:
            e = Call("fill_null", (self.expr(rel, kind, d), self.literal(kind)), kind)
        else:
            e = IfElse(
                self.expr(rel, "bool", d), self.expr(rel, kind, d), self.expr(rel, kind, d), kind
            )
        # The engine evaluates every argument (and raises on an overflow in
        # any), DuckDB's coalesce and CASE only the ones they need and its
        # optimizer folds `x * C = D` to `x = D / C`: a deliberate overflow
        # is only placed where both engines must evaluate it.
        return None if deliberate_overflow(e) else e

    def _int_expr(self, rel: Rel, d: int) -> Expr | None:
        rnd = self.rnd
        what = rnd.choice(
            ["add", "sub", "mul", "div", "mod", "neg", "abs", "sign", "len", "cast", "common"]
        )
        a = self.signed(self.expr(rel, "int", d), rel)
        ba = self.bound(a, rel)
        if what in ("add", "sub"):
            b = self.signed(self.expr(rel, "int", d), rel)
            if ba + self.bound(b, rel) >= INT_SAFE:
                return None
            return Arith("+" if what == "add" else "-", a, b, "int")
        if what == "mul":
            if rnd.random() < 0.05:
                # Deliberate overflow: both engines must raise. Not of a
                # literal-only operand: the engine folds it when planning,
                # DuckDB only evaluates it for rows (an empty side has none).
                if not any(isinstance(x, Col) for x in subexpressions(a)):
                    return None
                return Arith(
                    "*", a, Lit(rnd.choice([2**62, -(2**62)]) + rnd.randint(0, 9), "int"), "int"
                )
            k = rnd.randint(-4, 4)
            if ba * abs(k) >= INT_SAFE:
                return None
            return Arith("*", a, Lit(k, "int"), "int")
        if what in ("div", "mod"):
            k = rnd.choice([1, 2, 3, 7, -2, -5])
            if self.mode == "sql" and what == "div":
                return None
            return Arith("//" if what == "div" else "%", a, Lit(k, "int"), "int")
        if what == "neg":
            # Counts and ranks are UInt64 in the engine (as in Daft), whose
            # negation is an error; DuckDB's are BIGINT.
            return None if self.touches_unsigned(a, rel) else Neg(a, "int")
        if what in ("abs", "sign"):
            return Call(what, (a,), "int")
        if what == "len":
            return Call("length", (self.expr(rel, "str", d),), "int")
        if what == "cast":
            return Cast(self.expr(rel, "bool", d), "int")
        return self._common(rel, "int", d)

    def _float_expr(self, rel: Rel, d: int) -> Expr | None:
        rnd = self.rnd
        what = rnd.choice(
            ["arith", "div", "idiv", "neg", "abs", "ceil", "floor", "sqrt", "round", "cast"]
            + ["fill_nan", "common"]
        )
        a = self.expr(rel, "float", d)
        if what == "arith":
            other = self.expr(rel, rnd.choice(["int", "float"]), d)
            if other.kind == "int" and self.bound(other, rel) > 2**53:
                return None
            op = rnd.choice(["+", "-", "*"])
            return (
                Arith(op, a, other, "float") if rnd.random() < 0.5 else Arith(op, other, a, "float")
            )
        if what == "div":
            num = self.expr(rel, rnd.choice(["int", "float"]), d)
            den = (
                self.expr(rel, "float", d)
                if rnd.random() < 0.5
                else Lit(rnd.choice([2, 3, -7]), "int")
            )
            return Arith("/", num, den, "float")
        if what == "idiv":
            if self.mode == "sql":
                return None
            k = Lit(rnd.choice([0.5, 2.0, -3.0, 0.25]), "float")
            return Arith(rnd.choice(["//", "%"]), a, k, "float")
        if what == "neg":
            return Neg(a, "float")
        if what in ("abs", "ceil", "floor"):
            return Call(what, (a,), "float")
        if what == "sqrt":
            return Call("sqrt", (Call("abs", (a,), "float"),), "float")
        if what == "round":
            return Call("round", (a, rnd.choice([0, 1, 2])), "float")
        if what == "cast":
            i = self.expr(rel, "int", d)
            return Cast(i, "float") if self.bound(i, rel) <= 2**53 else None
        if what == "fill_nan":
            return Call("fill_nan", (a, self.literal("float")), "float")
        return self._common(rel, "float", d)

    def _str_expr(self, rel: Rel, d: int) -> Expr | None:
        rnd = self.rnd
        what = rnd.choice(
            ["upper", "lower", "reverse", "left", "right", "repeat", "concat", "cast", "common"]
        )
        a = self.expr(rel, "str", d)
        if what in ("upper", "lower", "reverse"):
            return Call(what, (a,), "str")
        if what in ("left", "right"):
            return Call(what, (a, Lit(rnd.randint(0, 4), "int")), "str")
        if what == "repeat":
            return Call("repeat", (a, Lit(rnd.randint(0, 3), "int")), "str")
        if what == "concat":
            return Call("concat", (a, self.expr(rel, "str", d)), "str")
        if what == "cast":
            return Cast(self.signed(self.expr(rel, rnd.choice(["int", "date"]), d), rel), "str")
        return self._common(rel, "str", d)

    def _date_expr(self, rel: Rel, d: int) -> Expr | None:
        return self._common(rel, "date", d)

    def _bool_expr(self, rel: Rel, d: int) -> Expr | None:
        rnd = self.rnd
        what = rnd.choices(
            ["cmp", "logic", "not", "null", "in", "between", "str", "nan", "common"],
            [35, 20, 8, 10, 8, 6, 6, 3, 4],
        )[0]
        if what == "cmp":
            kind = self.pick_kind(rel)
            a = self.expr(rel, kind, d)
            if kind in ("int", "float") and rnd.random() < 0.2:
                other = "float" if kind == "int" else "int"
                b = self.expr(rel, other, d)
                if self.bound(a, rel) > 2**53 or self.bound(b, rel) > 2**53:
                    return None
            else:
                b = self.expr(rel, kind, d) if rnd.random() < 0.4 else self.literal(kind)
            return Cmp(rnd.choice(["==", "!=", "<", "<=", ">", ">="]), a, b)
        if what == "logic":
            return Logic(
                rnd.choice(["&", "|", "&", "|", "^"]),
                self.expr(rel, "bool", d),
                self.expr(rel, "bool", d),
            )
        if what == "not":
            return Not(self.expr(rel, "bool", d))
        if what == "null":
            kind = self.pick_kind(rel)
            return IsNull(self.expr(rel, kind, d), rnd.random() < 0.5)
        if what == "in":
            kind = self.pick_kind(rel)
            items = tuple(self.literal(kind).value for _ in range(rnd.randint(1, 4)))
            return IsIn(self.expr(rel, kind, d), items)
        if what == "between":
            kind = self.pick_kind(rel, ("int", "float", "str", "date"))
            lo, hi = self.literal(kind), self.literal(kind)
            return Between(self.expr(rel, kind, d), lo, hi)
        if what == "str":
            fn = rnd.choice(["startswith", "endswith", "contains"])
            return Call(fn, (self.expr(rel, "str", d), self.literal("str")), "bool")
        if what == "nan":
            return Call("not_nan", (self.expr(rel, "float", d),), "bool")
        return self._common(rel, "bool", d)


def generate_case(seed: int) -> Case:
    from .datagen import generate_tables

    rnd = random.Random(seed)
    tables = generate_tables(rnd)
    mode = "sql" if rnd.random() < 0.25 else "api"
    query = QueryGen(rnd, tables, mode).query()
    return Case(seed, tables, query, mode)


__all__ = ["APPROX", "LIST", "Case", "QueryGen", "generate_case"]
