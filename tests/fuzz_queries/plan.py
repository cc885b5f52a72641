"""Query plans: a pipeline of relational stages over a source (a table, a join
of two pipelines, or a set operation of two pipelines), with aggregations and
window functions, rendered to a daft program, DuckDB SQL and daft.sql SQL.

Why a linear pipeline of stages: each stage is one DataFrame method call on
the daft side and one wrapping subquery on the SQL side, so the two renderings
correspond clause for clause, and the shrinker can drop any stage and still
have a well-formed query (or one both engines refuse, which it then skips).

Output column order is made explicit wherever the engine and SQL could
disagree (after a join the daft program `select`s the columns in the order
the SQL lists them), so results are compared by position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .exprs import DSQL, DUCK, SQL_TYPES, Expr, q

# Comparison hints of output columns: how the comparer matches a value.
EXACT, APPROX, LIST, CONCAT = "exact", "approx", "list", "concat"


@dataclass(frozen=True)
class Agg:
    """One aggregation. The translations to DuckDB:

    * integer `sum` and `product` are cast to BIGINT: DuckDB sums BIGINT into
      HUGEINT (and multiplies into DOUBLE), where the engine keeps Int64 and
      raises on overflow; the cast makes DuckDB raise too.
    * `count(mode="null")` is `count(*) - count(x)`; `mean` is `avg`;
      `stddev`/`var` with ddof 1/0 are `*_samp`/`*_pop`.
    * `list_agg_distinct` is `list_distinct(list(x))` (both leave nulls out).
    * `stddev`/`var` with ddof 0 of a single value is `v - v` (0, or NaN for
      NaN and inf, as in Daft and Polars); DuckDB's is 0 for any one value.
    """

    fn: str
    arg: Expr | None
    kind: str
    approx: bool = False  # a float sum or mean of values whose sum is not exact

    @property
    def hint(self) -> str:
        if self.fn in ("stddev", "stddev_pop", "var", "var_pop", "product") or self.approx:
            return APPROX
        if self.fn in ("agg_list", "agg_set"):
            return LIST
        if self.fn == "string_agg":
            return CONCAT
        return EXACT

    def daft(self) -> str:
        a = self.arg.daft() if self.arg is not None else ""
        return {
            "sum": f"{a}.sum()",
            "mean": f"{a}.mean()",
            "min": f"{a}.min()",
            "max": f"{a}.max()",
            "count": f"{a}.count()",
            "count_all": f'{a}.count("all")',
            "count_null": f'{a}.count("null")',
            "count_distinct": f"{a}.count_distinct()",
            "stddev": f"{a}.stddev()",
            "stddev_pop": f"{a}.stddev(ddof=0)",
            "var": f"{a}.var()",
            "var_pop": f"{a}.var(ddof=0)",
            "product": f"{a}.product()",
            "agg_list": f"{a}.agg_list()",
            "agg_set": f"{a}.list_agg_distinct()",
            "string_agg": f'{a}.string_agg(",")',
        }[self.fn]

    def sql(self, d: str, over: str = "") -> str:
        a = self.arg.sql(d) if self.arg is not None else ""
        int_arg = self.arg is not None and self.arg.kind == "int"
        # An aggregated list of no rows is [] in the engine (as in Daft), NULL in DuckDB.
        empty = f"CAST([] AS {SQL_TYPES.get(self.arg.kind, 'BIGINT')}[])" if self.arg else ""
        texts = {
            "sum": f"sum({a}){over}",
            "mean": f"avg({a}){over}",
            "min": f"min({a}){over}",
            "max": f"max({a}){over}",
            "count": f"count({a}){over}",
            "count_all": f"count(*){over}",
            "count_null": f"(count(*){over} - count({a}){over})",
            "count_distinct": f"count(DISTINCT {a}){over}",
            "stddev_pop": f"stddev_pop({a}){over}",
            "var_pop": f"var_pop({a}){over}",
            "product": f"product({a}){over}",
            "string_agg": f"string_agg({a}, ','){over}",
        }
        if d == DSQL:
            texts |= {
                "stddev": f"stddev({a}){over}",
                "var": f"var({a}){over}",
                "agg_list": f"list_agg({a}){over}",
                "agg_set": f"list_agg_distinct({a}){over}",
            }
            return texts[self.fn]
        texts |= {
            "stddev": f"stddev_samp({a}){over}",
            "var": f"var_samp({a}){over}",
            "agg_list": f"coalesce(list({a}){over}, {empty})",
            "agg_set": f"coalesce(list_distinct(list({a}){over}), {empty})",
        }
        text = texts[self.fn]
        if self.fn in ("sum", "product") and int_arg:
            text = f"CAST({text} AS BIGINT)"
        if self.fn in ("stddev_pop", "var_pop"):
            # DuckDB gives 0 for one value even when it is NaN or inf; the
            # engine (as Daft and Polars) gives v - v: 0, or NaN.
            one = f"max({a}){over}"
            text = f"CASE WHEN count({a}){over} = 1 THEN {one} - {one} ELSE {text} END"
        return text


@dataclass(frozen=True)
class OrderKey:
    name: str
    kind: str
    desc: bool = False
    nulls_first: bool | None = None  # None: the engine's default (nulls last ascending)

    @property
    def effective_nulls_first(self) -> bool:
        return self.desc if self.nulls_first is None else self.nulls_first

    def sql(self, d: str) -> str:
        direction = "DESC" if self.desc else "ASC"
        nulls = "FIRST" if self.effective_nulls_first else "LAST"
        # Floats: every NaN last and -0.0 a peer of 0.0 in both engines.
        return f"{q(self.name)} {direction} NULLS {nulls}"


def _daft_order(keys: tuple[OrderKey, ...]) -> str:
    names = ", ".join(repr(k.name) for k in keys)
    desc = [k.desc for k in keys]
    args = f"[{names}], desc={desc}"
    if any(k.nulls_first is not None for k in keys):
        args += f", nulls_first={[k.effective_nulls_first for k in keys]}"
    return args


RANKING = ("row_number", "rank", "dense_rank")
WHOLE = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
RUNNING = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"


@dataclass(frozen=True)
class Win:
    """A window function. An aggregation over a window with an order and no
    frame covers the whole partition in the engine (Daft's rule) and is a
    running aggregate in SQL, so the SQL states the whole-partition frame;
    `frame="running"` is an explicit rows frame from the partition's start."""

    fn: str
    arg: Expr | None
    partition: tuple[str, ...]
    order: tuple[OrderKey, ...]
    frame: str | None
    kind: str
    offset: int = 1
    default: object = None
    approx: bool = False

    @property
    def hint(self) -> str:
        return APPROX if self.approx else EXACT

    def columns(self) -> set[str]:
        out = set(self.partition) | {k.name for k in self.order}
        if self.arg is not None:
            out |= self.arg.columns()
        return out

    def daft(self) -> str:
        w = "Window()"
        if self.partition:
            w += f".partition_by({', '.join(repr(p) for p in self.partition)})"
        if self.order:
            names = ", ".join(repr(k.name) for k in self.order)
            w += f".order_by({names}, desc={[k.desc for k in self.order]}"
            if any(k.nulls_first is not None for k in self.order):
                w += f", nulls_first={[k.effective_nulls_first for k in self.order]}"
            w += ")"
        if self.frame == "running":
            w += ".rows_between(Window.unbounded_preceding, Window.current_row)"
        if self.fn in RANKING:
            return f"F.{self.fn}().over({w})"
        a = self.arg.daft()
        if self.fn in ("lag", "lead"):
            from .datagen import py_literal

            dflt = "" if self.default is None else f", default={py_literal(self.default)}"
            return f"{a}.{self.fn}({self.offset}{dflt}).over({w})"
        if self.fn in ("first_value", "last_value"):
            return f"{a}.{self.fn}().over({w})"
        return f"{Agg(self.fn, self.arg, self.kind).daft()}.over({w})"

    def sql(self, d: str) -> str:
        parts = []
        if self.partition:
            parts.append("PARTITION BY " + ", ".join(q(p) for p in self.partition))
        if self.order:
            parts.append("ORDER BY " + ", ".join(k.sql(d) for k in self.order))
        if self.fn not in RANKING and self.fn not in ("lag", "lead") and self.order:
            parts.append(RUNNING if self.frame == "running" else WHOLE)
        over = f" OVER ({' '.join(parts)})"
        if self.fn in RANKING:
            return f"{self.fn}(){over}"
        if self.fn in ("lag", "lead"):
            from .exprs import sql_literal

            dflt = "" if self.default is None else f", {sql_literal(self.default, self.kind, d)}"
            return f"{self.fn}({self.arg.sql(d)}, {self.offset}{dflt}){over}"
        if self.fn in ("first_value", "last_value"):
            return f"{self.fn}({self.arg.sql(d)}){over}"
        return Agg(self.fn, self.arg, self.kind).sql(d, over)


# --- stages ------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    pred: Expr


@dataclass(frozen=True)
class Select:
    items: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True)
class WithColumn:
    name: str
    expr: object  # Expr or Win


@dataclass(frozen=True)
class GroupBy:
    keys: tuple[str, ...]
    aggs: tuple[tuple[str, Agg], ...]


@dataclass(frozen=True)
class GlobalAgg:
    aggs: tuple[tuple[str, Agg], ...]


@dataclass(frozen=True)
class Distinct:
    pass


@dataclass(frozen=True)
class SortLimit:
    keys: tuple[OrderKey, ...]
    limit: int | None = None
    offset: int | None = None


# --- sources -----------------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    table: str


@dataclass(frozen=True)
class Join:
    how: str
    left: Pipeline
    right: Pipeline


@dataclass(frozen=True)
class SetOp:
    op: str
    left: Pipeline
    right: Pipeline


@dataclass(frozen=True)
class Pipeline:
    source: object
    stages: tuple = field(default_factory=tuple)


SETOPS = {
    "union_all": "UNION ALL",
    "union": "UNION",
    "intersect": "INTERSECT",
    "intersect_all": "INTERSECT ALL",
    "except_distinct": "EXCEPT",
    "except_all": "EXCEPT ALL",
}
JOINS = {
    "inner": "JOIN",
    "left": "LEFT JOIN",
    "right": "RIGHT JOIN",
    "outer": "FULL OUTER JOIN",
    "semi": "SEMI JOIN",
    "anti": "ANTI JOIN",
}

# A schema is a list of (name, kind, hint).
Schema = list[tuple[str, str, str]]


def schema_of(p: Pipeline, tables: dict[str, list[tuple[str, str]]]) -> Schema:
    src = p.source
    if isinstance(src, Scan):
        out = [(n, k, EXACT) for n, k in tables[src.table]]
    elif isinstance(src, Join):
        left, right = schema_of(src.left, tables), schema_of(src.right, tables)
        out = list(left)
        if src.how not in ("semi", "anti"):
            out += [c for c in right if c[0] != "k"]
    elif isinstance(src, SetOp):
        out = list(schema_of(src.left, tables))
    else:
        raise TypeError(src)
    for st in p.stages:
        out = stage_schema(st, out)
    return out


def stage_schema(st, s: Schema) -> Schema:
    if isinstance(st, (Filter, Distinct, SortLimit)):
        return s
    if isinstance(st, Select):
        return [(n, e.kind, _expr_hint(e, s)) for n, e in st.items]
    if isinstance(st, WithColumn):
        return s + [(st.name, st.expr.kind, getattr(st.expr, "hint", EXACT))]
    if isinstance(st, GroupBy):
        kinds = {n: (k, h) for n, k, h in s}
        return [(n, *kinds.get(n, ("int", EXACT))) for n in st.keys] + [
            (n, a.kind, a.hint) for n, a in st.aggs
        ]
    if isinstance(st, GlobalAgg):
        return [(n, a.kind, a.hint) for n, a in st.aggs]
    raise TypeError(st)


def _expr_hint(e: Expr, s: Schema) -> str:
    hints = {n: h for n, _, h in s}
    from .exprs import Col

    return hints.get(e.name, EXACT) if isinstance(e, Col) else EXACT


# --- rendering: daft ---------------------------------------------------------


class _Names:
    def __init__(self) -> None:
        self.n = 0

    def fresh(self, base: str) -> str:
        self.n += 1
        return f"{base}{self.n}"


def render_daft(p: Pipeline, tables: dict, var: str = "df") -> list[str]:
    """Python lines that leave the query's DataFrame in `var`."""
    lines: list[str] = []
    _daft_into(p, tables, var, lines, _Names())
    return lines


def _daft_into(p: Pipeline, tables: dict, var: str, lines: list[str], names: _Names) -> None:
    src = p.source
    if isinstance(src, Scan):
        lines.append(f"{var} = {src.table}")
    elif isinstance(src, Join):
        lv, rv = names.fresh("left"), names.fresh("right")
        _daft_into(src.left, tables, lv, lines, names)
        _daft_into(src.right, tables, rv, lines, names)
        cols = ", ".join(repr(n) for n, _, _ in schema_of(Pipeline(src), tables))
        lines.append(f'{var} = {lv}.join({rv}, on="k", how="{src.how}").select({cols})')
    elif isinstance(src, SetOp):
        lv, rv = names.fresh("left"), names.fresh("right")
        _daft_into(src.left, tables, lv, lines, names)
        _daft_into(src.right, tables, rv, lines, names)
        lines.append(f"{var} = {lv}.{src.op}({rv})")
    for st in p.stages:
        lines.append(f"{var} = {var}{_daft_stage(st)}")


def _daft_stage(st) -> str:
    if isinstance(st, Filter):
        return f".where({st.pred.daft()})"
    if isinstance(st, Select):
        return ".select(" + ", ".join(f"{e.daft()}.alias({n!r})" for n, e in st.items) + ")"
    if isinstance(st, WithColumn):
        return f".with_column({st.name!r}, {st.expr.daft()})"
    if isinstance(st, GroupBy):
        keys = ", ".join(repr(k) for k in st.keys)
        aggs = ", ".join(f"{a.daft()}.alias({n!r})" for n, a in st.aggs)
        return f".groupby({keys}).agg({aggs})"
    if isinstance(st, GlobalAgg):
        return ".agg(" + ", ".join(f"{a.daft()}.alias({n!r})" for n, a in st.aggs) + ")"
    if isinstance(st, Distinct):
        return ".distinct()"
    if isinstance(st, SortLimit):
        out = f".sort({_daft_order(st.keys)})"
        if st.offset is not None:
            out += f".offset({st.offset})"
        if st.limit is not None:
            out += f".limit({st.limit})"
        return out
    raise TypeError(st)


# --- rendering: SQL ----------------------------------------------------------


def render_sql(p: Pipeline, tables: dict, d: str = DUCK) -> str:
    return _sql(p, tables, d, _Names())


def _item(inner: str) -> str:
    """`inner` as a FROM item: a bare table name when it is one, else a subquery."""
    prefix = "SELECT * FROM "
    if inner.startswith(prefix) and " " not in inner[len(prefix) :]:
        return inner[len(prefix) :]
    return f"({inner})"


def _from(inner: str, names: _Names) -> str:
    return f"{_item(inner)} AS {names.fresh('q')}"


def _sql(p: Pipeline, tables: dict, d: str, names: _Names) -> str:
    src = p.source
    if isinstance(src, Scan):
        text = f"SELECT * FROM {src.table}"
    elif isinstance(src, Join):
        left, right = schema_of(src.left, tables), schema_of(src.right, tables)
        lsql, rsql = _sql(src.left, tables, d, names), _sql(src.right, tables, d, names)
        la, ra = names.fresh("l"), names.fresh("r")
        lfrom, rfrom = _item(lsql), _item(rsql)
        key = {
            "right": f"{ra}.{q('k')}",
            "outer": f"coalesce({la}.{q('k')}, {ra}.{q('k')})",
        }.get(src.how, f"{la}.{q('k')}")
        cols = [f"{key} AS {q('k')}" if n == "k" else f"{la}.{q(n)}" for n, _, _ in left]
        if src.how not in ("semi", "anti"):
            cols += [f"{ra}.{q(n)}" for n, _, _ in right if n != "k"]
        text = (
            f"SELECT {', '.join(cols)} FROM {lfrom} AS {la} {JOINS[src.how]} {rfrom} AS {ra} "
            f"ON {la}.{q('k')} = {ra}.{q('k')}"
        )
    elif isinstance(src, SetOp):
        lsql, rsql = _sql(src.left, tables, d, names), _sql(src.right, tables, d, names)
        text = (
            f"SELECT * FROM {_from(lsql, names)} {SETOPS[src.op]} "
            f"SELECT * FROM {_from(rsql, names)}"
        )
        if src.op != "union_all":
            text = _canonical(text, schema_of(src.left, tables), None, d, names)
    else:
        raise TypeError(src)
    schema = schema_of(Pipeline(src), tables)
    for st in p.stages:
        if isinstance(st, Distinct):
            text = _canonical(text, schema, None, d, names)
        elif isinstance(st, GroupBy):
            text = _canonical(text, schema, set(st.keys), d, names)
        text = _sql_stage(st, text, d, names)
        schema = stage_schema(st, schema)
    return text


def _canonical(inner: str, schema: Schema, only: set | None, d: str, names: _Names) -> str:
    """`inner` with its float columns (all, or those in `only`) made canonical
    for DuckDB, -0.0 as 0.0 and every NaN the positive one: the engine keeps
    the canonical value of a float key of a grouping, `distinct` or set
    operation, and later comparisons (where a NaN with its sign bit set is
    below -inf) depend on which one is kept."""
    floats = [n for n, k, _ in schema if k == "float" and (only is None or n in only)]
    if d != DUCK or not floats:
        return inner
    cols = [f"daft_fcanon({q(n)}) AS {q(n)}" if n in floats else q(n) for n, _, _ in schema]
    return f"SELECT {', '.join(cols)} FROM {_from(inner, names)}"


def _sql_stage(st, inner: str, d: str, names: _Names) -> str:
    f = _from(inner, names)
    if isinstance(st, Filter):
        return f"SELECT * FROM {f} WHERE {st.pred.sql(d)}"
    if isinstance(st, Select):
        cols = ", ".join(f"{e.sql(d)} AS {q(n)}" for n, e in st.items)
        return f"SELECT {cols} FROM {f}"
    if isinstance(st, WithColumn):
        return f"SELECT *, {st.expr.sql(d)} AS {q(st.name)} FROM {f}"
    if isinstance(st, GroupBy):
        keys = ", ".join(q(k) for k in st.keys)
        aggs = ", ".join(f"{a.sql(d)} AS {q(n)}" for n, a in st.aggs)
        return f"SELECT {keys}, {aggs} FROM {f} GROUP BY {keys}"
    if isinstance(st, GlobalAgg):
        aggs = ", ".join(f"{a.sql(d)} AS {q(n)}" for n, a in st.aggs)
        return f"SELECT {aggs} FROM {f}"
    if isinstance(st, Distinct):
        return f"SELECT DISTINCT * FROM {f}"
    if isinstance(st, SortLimit):
        text = f"SELECT * FROM {f} ORDER BY " + ", ".join(k.sql(d) for k in st.keys)
        if st.limit is not None:
            text += f" LIMIT {st.limit}"
        if st.offset is not None:
            text += f" OFFSET {st.offset}"
        return text
    raise TypeError(st)


def final_order(p: Pipeline) -> SortLimit | None:
    """The final sort, when the query's last stage is one (its results are
    then compared in order)."""
    return p.stages[-1] if p.stages and isinstance(p.stages[-1], SortLimit) else None
