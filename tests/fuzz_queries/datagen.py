"""Random typed tables with nulls, the inputs of every fuzz case.

The values are chosen so that a difference between the engines means a
difference in semantics, not in rounding or overflow luck:

* Integers come in three magnitudes per column (single digits, up to 1e5,
  and up to 2**52). With at most 200 rows, a sum, a sum of two columns, or a
  column times a literal of at most 4 stays below 2**63 even in its partial
  sums, whatever order the engines add in. Overflow is still exercised on
  purpose: the query generator multiplies by a huge literal now and then, and
  both engines must then raise.
* Floats are multiples of 1/4 (or of 1/1024 for small ones): every sum of them
  is exact in float64, so a sum does not depend on the order of addition and
  the comparer's tolerance only has to absorb the last bit of a mean or a
  variance. NaN, -0.0, 0.0, inf and -inf are mixed in at a per-column rate.
* Strings come from a small pool with the empty string, case pairs and a few
  non-ASCII characters (multi-byte, no combining marks: DuckDB's `reverse`
  works on grapheme clusters, the engine on characters).
* Each column draws from a pool of a random size, so duplicates (for
  DISTINCT, set operations, count_distinct) and ties (for ranks) are common.
* The key column `k` (same type in both tables, few values) is what joins and
  groupings use, so joins produce matches, misses and null keys.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field

import pyarrow as pa

KINDS = ("int", "float", "str", "bool", "date")
ARROW_TYPES = {
    "int": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}
# Largest integer magnitude in the data (see the module docstring).
LARGE_INT = 2**52
STRINGS = [
    "",
    "a",
    "b",
    "ab",
    "abc",
    "ba",
    "A",
    "B",
    "Ab",
    "a b",
    " a",
    "zz",
    "é",
    "É",
    "aé",
    "日本",
    "naïve",
    "Ωmega",
    "straße",
    "x1",
    "10",
    "9",
]
EPOCH = datetime.date(1970, 1, 1)


@dataclass
class Column:
    name: str
    kind: str
    values: list = field(default_factory=list)


@dataclass
class Table:
    name: str
    columns: list[Column]

    @property
    def num_rows(self) -> int:
        return len(self.columns[0].values) if self.columns else 0

    def schema(self) -> list[tuple[str, str]]:
        return [(c.name, c.kind) for c in self.columns]

    def to_arrow(self) -> pa.Table:
        return pa.table({c.name: pa.array(c.values, ARROW_TYPES[c.kind]) for c in self.columns})

    def keep_rows(self, keep: list[int]) -> Table:
        cols = [Column(c.name, c.kind, [c.values[i] for i in keep]) for c in self.columns]
        return Table(self.name, cols)

    def drop_column(self, name: str) -> Table:
        return Table(self.name, [c for c in self.columns if c.name != name])


def _pool(rnd: random.Random, draw, size: int | None) -> callable:
    """A value source: `size` fixed values drawn once, or fresh draws each time."""
    if size is None:
        return draw
    values = [draw() for _ in range(size)]
    return lambda: rnd.choice(values)


def _int_draw(rnd: random.Random):
    magnitude = rnd.choice([9, 9, 100_000, LARGE_INT])
    if magnitude == LARGE_INT:
        # Mostly huge values of both signs, a few small ones beside them.
        return lambda: (
            rnd.choice([-1, 1]) * rnd.randint(LARGE_INT // 4, LARGE_INT)
            if rnd.random() < 0.8
            else rnd.randint(-9, 9)
        )
    return lambda: rnd.randint(-magnitude, magnitude)


def _float_draw(rnd: random.Random):
    scale = rnd.choice([4.0, 100.0, 1e6])
    step = 1 / 1024 if scale == 4.0 else 0.25
    special_rate = rnd.choice([0.0, 0.05, 0.2])
    specials = [math.nan, -0.0, 0.0, math.inf, -math.inf, -0.0, 0.0, math.nan]

    def draw():
        if rnd.random() < special_rate:
            return rnd.choice(specials)
        return round(rnd.uniform(-scale, scale) / step) * step

    return draw


def _str_draw(rnd: random.Random):
    pool = rnd.sample(STRINGS, rnd.randint(3, len(STRINGS)))
    return lambda: rnd.choice(pool)


def _date_draw(rnd: random.Random):
    span = rnd.choice([30, 3000, 40000])
    return lambda: EPOCH + datetime.timedelta(days=rnd.randint(-span, span))


def _bool_draw(rnd: random.Random):
    return lambda: rnd.random() < 0.5


DRAWS = {
    "int": _int_draw,
    "float": _float_draw,
    "str": _str_draw,
    "bool": _bool_draw,
    "date": _date_draw,
}


def _column(rnd: random.Random, name: str, kind: str, n: int, pool_size: int | None) -> Column:
    draw = _pool(rnd, DRAWS[kind](rnd), pool_size)
    null_rate = rnd.choice([0.0, 0.0, 0.05, 0.2, 0.5, 1.0])
    values = [None if rnd.random() < null_rate else draw() for _ in range(n)]
    return Column(name, kind, values)


def _num_rows(rnd: random.Random) -> int:
    r = rnd.random()
    if r < 0.15:
        return rnd.randint(0, 2)
    if r < 0.5:
        return rnd.randint(3, 20)
    return rnd.randint(21, 200)


def generate_tables(rnd: random.Random) -> list[Table]:
    """Two tables `t0` and `t1`, each with the key `k` and 1-5 other columns.

    Column names carry the table and the type (`a` / `b`, then `i f s b d`) so a
    reproduction reads without the schema, and are unique across the two
    tables, so a join never has to rename a column.
    """
    key_kind = rnd.choices(KINDS, weights=[60, 8, 22, 4, 6])[0]
    key_pool = rnd.randint(1, 6)
    key_draw = _pool(rnd, DRAWS[key_kind](rnd), key_pool)
    tables = []
    for letter, tname in (("a", "t0"), ("b", "t1")):
        n = _num_rows(rnd)
        key_null = rnd.choice([0.0, 0.1, 0.3])
        cols = [
            Column(
                "k", key_kind, [None if rnd.random() < key_null else key_draw() for _ in range(n)]
            )
        ]
        for i in range(rnd.randint(1, 5)):
            kind = rnd.choices(KINDS, weights=[30, 30, 20, 10, 10])[0]
            pool = rnd.choice([2, 5, 20, None])
            cols.append(_column(rnd, f"{letter}{kind[0]}{i}", kind, n, pool))
        tables.append(Table(tname, cols))
    return tables


def py_literal(v) -> str:
    """Python source for one value (NaN and infinities have no literal)."""
    if isinstance(v, float):
        if math.isnan(v):
            return 'float("nan")'
        if math.isinf(v):
            return 'float("inf")' if v > 0 else 'float("-inf")'
        return repr(v)
    if isinstance(v, datetime.date):
        return f"datetime.date({v.year}, {v.month}, {v.day})"
    return repr(v)


def table_source(t: Table) -> str:
    """Python source that rebuilds `t` as a pyarrow table (for reproductions)."""
    types = {
        "int": "pa.int64()",
        "float": "pa.float64()",
        "str": "pa.string()",
        "bool": "pa.bool_()",
        "date": "pa.date32()",
    }
    lines = [f"{t.name} = pa.table(", "    {"]
    for c in t.columns:
        vals = ", ".join(py_literal(v) for v in c.values)
        lines.append(f"        {c.name!r}: pa.array([{vals}], {types[c.kind]}),")
    lines += ["    }", ")"]
    return "\n".join(lines)
