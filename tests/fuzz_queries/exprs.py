"""Expression trees that render to three languages: a daft DataFrame-API
expression (Python source), DuckDB SQL, and the SQL of `daft.sql`.

Why one tree instead of three strings: the shrinker edits the tree (replaces a
node by one of its children, drops list items) and re-renders, so the daft
program and the oracle's SQL can never drift apart while a case is reduced.

Every translation that is not a plain spelling change is a semantic
difference between the engine (Daft's semantics) and DuckDB; each is listed
in the package docstring (tests/fuzz_queries/__init__.py) and implemented
here, next to the node it concerns.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, replace

from .datagen import py_literal

DUCK = "duckdb"
DSQL = "daft"  # the dialect of daft.sql

SQL_TYPES = {
    "int": "BIGINT",
    "float": "DOUBLE",
    "str": "VARCHAR",
    "bool": "BOOLEAN",
    "date": "DATE",
}
DAFT_TYPES = {
    "int": "DataType.int64()",
    "float": "DataType.float64()",
    "str": "DataType.string()",
    "bool": "DataType.bool()",
    "date": "DataType.date()",
}


# DuckDB macros the SQL uses (run on the connection before a case, and in
# every reproduction script):
# * daft_fkey(x): the engine's order of floats in comparisons and `between`
#   (Arrow's total order, as in Daft, except that -0.0 equals 0.0): a NaN
#   with its sign bit set (`inf - inf`, `0 / 0`, `-nan` on x86) is below
#   -inf and unequal to NaN; DuckDB has every NaN equal and above +inf.
# * daft_fbits(x): the engine's `is_in` on floats compares bit patterns (as
#   Daft): -0.0 is not 0.0, -NaN is not NaN.
# * daft_fcanon(x): the canonical float the engine keeps for a key of a
#   grouping, `distinct` or set operation: -0.0 as 0.0, every NaN positive.
DUCKDB_MACROS = (
    "CREATE OR REPLACE MACRO daft_fkey(x) AS CASE WHEN x IS NULL THEN NULL ELSE "
    "row(CASE WHEN isnan(x) THEN (CASE WHEN signbit(x) THEN -1 ELSE 1 END) ELSE 0 END, "
    "CASE WHEN isnan(x) THEN CAST(0 AS DOUBLE) ELSE CAST(x AS DOUBLE) END) END; "
    "CREATE OR REPLACE MACRO daft_fbits(x) AS CASE WHEN x IS NULL THEN NULL ELSE "
    "row(CAST(x AS DOUBLE), signbit(CAST(x AS DOUBLE))) END; "
    "CREATE OR REPLACE MACRO daft_fcanon(x) AS CASE WHEN isnan(x) THEN CAST('nan' AS DOUBLE) "
    "ELSE x + CAST(0 AS DOUBLE) END;"
)


def _fkey(e: Expr, d: str, floaty: bool) -> str:
    text = e.sql(d)
    return f"daft_fkey({text})" if floaty and d == DUCK else text


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class Expr:
    kind: str

    def children(self) -> tuple[Expr, ...]:
        return ()

    def with_children(self, cs: tuple[Expr, ...]) -> Expr:
        return self

    def columns(self) -> set[str]:
        out: set[str] = set()
        for c in self.children():
            out |= c.columns()
        return out

    def daft(self) -> str:
        raise NotImplementedError

    def sql(self, d: str) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Col(Expr):
    name: str
    kind: str

    def columns(self) -> set[str]:
        return {self.name}

    def daft(self) -> str:
        return f"col({self.name!r})"

    def sql(self, d: str) -> str:
        return q(self.name)


def sql_literal(value, kind: str, d: str = DUCK) -> str:
    if value is None:
        return f"CAST(NULL AS {SQL_TYPES[kind]})"
    if d == DSQL and kind in ("int", "float") and math.isfinite(value):
        # daft.sql types a plain number as Int64 or Float64, and takes only a
        # plain literal as the default of lag/lead.
        return f"({value!r})" if value < 0 or repr(value).startswith("-") else repr(value)
    if kind == "int":
        return f"CAST({value} AS BIGINT)"
    if kind == "float":
        # Through a string: DuckDB reads `-0.0` and `1.5` as DECIMAL, which
        # has no negative zero and changes arithmetic types.
        text = "nan" if math.isnan(value) else repr(value)
        return f"CAST('{text}' AS DOUBLE)"
    if kind == "str":
        return "'" + value.replace("'", "''") + "'"
    if kind == "bool":
        return "TRUE" if value else "FALSE"
    if kind == "date":
        return f"DATE '{value.isoformat()}'"
    raise ValueError(kind)


@dataclass(frozen=True)
class Lit(Expr):
    value: object
    kind: str

    def daft(self) -> str:
        if self.value is None:
            return f"lit(None).cast({DAFT_TYPES[self.kind]})"
        return f"lit({py_literal(self.value)})"

    def sql(self, d: str) -> str:
        return sql_literal(self.value, self.kind, d)


@dataclass(frozen=True)
class Arith(Expr):
    """`+ - * / // %`.

    `/` is true division in both (Float64). Integer `//` and `%` truncate
    toward zero in both. Float `//` is `floor(a / b)` in the engine, spelled
    so for DuckDB; float `%` is C's fmod in both (DuckDB's `fmod` function is
    not: `fmod(-2.5, 2.0)` is 1.5 there, so the operator is used). The generator only divides
    integers by non-zero literals (the engine raises on an integer division
    by zero, DuckDB returns NULL).
    """

    op: str
    a: Expr
    b: Expr
    kind: str

    def children(self):
        return (self.a, self.b)

    def with_children(self, cs):
        return replace(self, a=cs[0], b=cs[1])

    def daft(self) -> str:
        return f"({self.a.daft()} {self.op} {self.b.daft()})"

    def sql(self, d: str) -> str:
        a, b = self.a.sql(d), self.b.sql(d)
        if self.op == "//" and self.kind == "float" and d == DUCK:
            return f"floor({a} / {b})"
        return f"({a} {self.op} {b})"


@dataclass(frozen=True)
class Neg(Expr):
    a: Expr
    kind: str

    def children(self):
        return (self.a,)

    def with_children(self, cs):
        return replace(self, a=cs[0])

    def daft(self) -> str:
        return f"(-{self.a.daft()})"

    def sql(self, d: str) -> str:
        return f"(- {self.a.sql(d)})"


CMP_SQL = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


@dataclass(frozen=True)
class Cmp(Expr):
    op: str
    a: Expr
    b: Expr
    kind: str = "bool"

    def children(self):
        return (self.a, self.b)

    def with_children(self, cs):
        return replace(self, a=cs[0], b=cs[1])

    def daft(self) -> str:
        return f"({self.a.daft()} {self.op} {self.b.daft()})"

    def sql(self, d: str) -> str:
        floaty = "float" in (self.a.kind, self.b.kind)
        a, b = _fkey(self.a, d, floaty), _fkey(self.b, d, floaty)
        return f"({a} {CMP_SQL[self.op]} {b})"


@dataclass(frozen=True)
class Logic(Expr):
    """`& | ^` with Kleene logic; `^` is `<>` on booleans in SQL (null if
    either side is null, as the engine's xor)."""

    op: str
    a: Expr
    b: Expr
    kind: str = "bool"

    def children(self):
        return (self.a, self.b)

    def with_children(self, cs):
        return replace(self, a=cs[0], b=cs[1])

    def daft(self) -> str:
        return f"({self.a.daft()} {self.op} {self.b.daft()})"

    def sql(self, d: str) -> str:
        op = {"&": "AND", "|": "OR", "^": "<>"}[self.op]
        return f"({self.a.sql(d)} {op} {self.b.sql(d)})"


@dataclass(frozen=True)
class Not(Expr):
    a: Expr
    kind: str = "bool"

    def children(self):
        return (self.a,)

    def with_children(self, cs):
        return replace(self, a=cs[0])

    def daft(self) -> str:
        return f"(~{self.a.daft()})"

    def sql(self, d: str) -> str:
        return f"(NOT {self.a.sql(d)})"


@dataclass(frozen=True)
class IsNull(Expr):
    a: Expr
    negated: bool = False
    kind: str = "bool"

    def children(self):
        return (self.a,)

    def with_children(self, cs):
        return replace(self, a=cs[0])

    def daft(self) -> str:
        return f"{self.a.daft()}.{'not_null' if self.negated else 'is_null'}()"

    def sql(self, d: str) -> str:
        return f"({self.a.sql(d)} IS {'NOT ' if self.negated else ''}NULL)"


@dataclass(frozen=True)
class IsIn(Expr):
    """`is_in` with literal items (no null item: a null in the list makes
    SQL's IN null for a non-matching row; see the package docstring)."""

    a: Expr
    items: tuple
    kind: str = "bool"

    def children(self):
        return (self.a,)

    def with_children(self, cs):
        return replace(self, a=cs[0])

    def daft(self) -> str:
        return f"{self.a.daft()}.is_in([{', '.join(py_literal(v) for v in self.items)}])"

    def sql(self, d: str) -> str:
        items = [sql_literal(v, self.a.kind, d) for v in self.items]
        if d == DUCK and self.a.kind == "float":
            wrapped = ", ".join(f"daft_fbits({i})" for i in items)
            return f"(daft_fbits({self.a.sql(d)}) IN ({wrapped}))"
        return f"({self.a.sql(d)} IN ({', '.join(items)}))"


@dataclass(frozen=True)
class Between(Expr):
    a: Expr
    lo: Expr
    hi: Expr
    kind: str = "bool"

    def children(self):
        return (self.a, self.lo, self.hi)

    def with_children(self, cs):
        return replace(self, a=cs[0], lo=cs[1], hi=cs[2])

    def daft(self) -> str:
        return f"{self.a.daft()}.between({self.lo.daft()}, {self.hi.daft()})"

    def sql(self, d: str) -> str:
        floaty = "float" in (self.a.kind, self.lo.kind, self.hi.kind)
        a, lo, hi = (_fkey(x, d, floaty) for x in (self.a, self.lo, self.hi))
        if floaty and d == DUCK:
            # `between` is `lo <= a AND a <= hi` with the engine's comparisons.
            return f"(({a} >= {lo}) AND ({a} <= {hi}))"
        return f"({a} BETWEEN {lo} AND {hi})"


@dataclass(frozen=True)
class IfElse(Expr):
    """`cond.if_else(a, b)`: a null condition gives null in the engine (as in
    Daft), where SQL's CASE takes the ELSE branch; the SQL adds the branch."""

    cond: Expr
    a: Expr
    b: Expr
    kind: str

    def children(self):
        return (self.cond, self.a, self.b)

    def with_children(self, cs):
        return replace(self, cond=cs[0], a=cs[1], b=cs[2])

    def daft(self) -> str:
        return f"{self.cond.daft()}.if_else({self.a.daft()}, {self.b.daft()})"

    def sql(self, d: str) -> str:
        c = self.cond.sql(d)
        return (
            f"(CASE WHEN {c} THEN {self.a.sql(d)} WHEN NOT {c} THEN {self.b.sql(d)} "
            f"ELSE CAST(NULL AS {SQL_TYPES[self.kind]}) END)"
        )


@dataclass(frozen=True)
class Cast(Expr):
    a: Expr
    kind: str

    def children(self):
        return (self.a,)

    def with_children(self, cs):
        return replace(self, a=cs[0])

    def daft(self) -> str:
        return f"{self.a.daft()}.cast({DAFT_TYPES[self.kind]})"

    def sql(self, d: str) -> str:
        return f"CAST({self.a.sql(d)} AS {SQL_TYPES[self.kind]})"


# Registry functions: name -> (daft template, DuckDB template, daft.sql
# template). `{0}`, `{1}`... are the rendered arguments; only functions whose
# semantics were checked to match DuckDB's (or are translated here) appear.
FUNCS: dict[str, tuple[str, str, str]] = {
    "abs": ("{0}.abs()", "abs({0})", "abs({0})"),
    "ceil": ("{0}.ceil()", "ceil({0})", "ceil({0})"),
    "floor": ("{0}.floor()", "floor({0})", "floor({0})"),
    "sqrt": ("{0}.sqrt()", "sqrt({0})", "sqrt({0})"),
    "sign": ("{0}.sign()", "CAST(sign({0}) AS BIGINT)", "sign({0})"),  # DuckDB: TINYINT
    # The engine rounds half to even (pyarrow's default, as Daft): DuckDB's round_even.
    # The engine (as Daft) rounds to d digits as round_half_even(x * 10^d) / 10^d,
    # DuckDB's round_even(x, d) by another algorithm: they differ in the last
    # bit for large x (37494879540908.734 -> .74 vs .73), so it is spelled out.
    "round": (
        "{0}.round({1})",
        "(round_even({0} * power(10, {1}), 0) / power(10, {1}))",
        "round({0}, {1})",
    ),
    "upper": ("{0}.upper()", "upper({0})", "upper({0})"),
    "lower": ("{0}.lower()", "lower({0})", "lower({0})"),
    "length": ("{0}.length()", "length({0})", "length({0})"),
    "reverse": ("{0}.reverse()", "reverse({0})", "reverse({0})"),
    "startswith": ("{0}.startswith({1})", "starts_with({0}, {1})", "startswith({0}, {1})"),
    "endswith": ("{0}.endswith({1})", "ends_with({0}, {1})", "endswith({0}, {1})"),
    "contains": ("{0}.contains({1})", "contains({0}, {1})", "contains({0}, {1})"),
    "left": ("{0}.left({1})", "left({0}, {1})", "left({0}, {1})"),
    "right": ("{0}.right({1})", "right({0}, {1})", "right({0}, {1})"),
    "repeat": ("{0}.repeat({1})", "repeat({0}, {1})", "repeat({0}, {1})"),
    "concat": ("{0}.concat({1})", "({0} || {1})", "concat({0}, {1})"),
    "coalesce": ("F.coalesce({args})", "coalesce({args})", "coalesce({args})"),
    "fill_null": ("{0}.fill_null({1})", "coalesce({0}, {1})", "fill_null({0}, {1})"),
    "not_nan": ("{0}.not_nan()", "(NOT isnan({0}))", "not_nan({0})"),
    "fill_nan": (
        "{0}.fill_nan({1})",
        "(CASE WHEN isnan({0}) THEN {1} ELSE {0} END)",
        "fill_nan({0}, {1})",
    ),
    "nullif": ("{0}.nullif({1})", "nullif({0}, {1})", "nullif({0}, {1})"),
}


@dataclass(frozen=True)
class Call(Expr):
    fn: str
    args: tuple
    kind: str

    def children(self):
        return tuple(a for a in self.args if isinstance(a, Expr))

    def with_children(self, cs):
        it = iter(cs)
        return replace(self, args=tuple(next(it) if isinstance(a, Expr) else a for a in self.args))

    def _render(self, which: int, render) -> str:
        template = FUNCS[self.fn][which]
        parts = [render(a) for a in self.args]
        return template.format(*parts, args=", ".join(parts))

    def daft(self) -> str:
        return self._render(0, lambda a: a.daft() if isinstance(a, Expr) else py_literal(a))

    def sql(self, d: str) -> str:
        which = 1 if d == DUCK else 2
        return self._render(which, lambda a: a.sql(d) if isinstance(a, Expr) else repr(a))


def literal_kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, datetime.date):
        return "date"
    raise TypeError(v)


def subexpressions(e: Expr):
    """Every node of `e`, outermost first."""
    yield e
    for c in e.children():
        yield from subexpressions(c)


def replace_at(e: Expr, path: tuple[int, ...], new: Expr) -> Expr:
    """`e` with the node at `path` (child indexes from the root) replaced."""
    if not path:
        return new
    cs = list(e.children())
    cs[path[0]] = replace_at(cs[path[0]], path[1:], new)
    return e.with_children(tuple(cs))


def paths(e: Expr, prefix: tuple[int, ...] = ()):
    """(path, node) for every node of `e`, outermost first."""
    yield prefix, e
    for i, c in enumerate(e.children()):
        yield from paths(c, prefix + (i,))


def simpler_versions(e: Expr):
    """Expressions one step simpler than `e`: a node replaced by one of its
    children of the same kind (used by the shrinker)."""
    for path, node in paths(e):
        for c in node.children():
            if c.kind == node.kind:
                yield replace_at(e, path, c)
