"""Set operations and row-shaping methods: concat, union(_all)(_by_name),
intersect(_all), except_distinct/all, distinct(on), offset, drop_null/nan,
with_columns_renamed, transform, pipe. Multisets are checked against DuckDB
and collections.Counter."""

from __future__ import annotations

import math
import random
from collections import Counter

import daft
import duckdb
import pyarrow as pa
import pytest
from daft import col


def _key(v):
    return (v is None, v if v is not None else 0)


def _bag(values) -> Counter:
    return Counter(values)


@pytest.fixture(scope="module")
def pair():
    rnd = random.Random(3)

    def side(n):
        return [rnd.choice([1, 2, 3, 4, None]) for _ in range(n)]

    return side(60), side(45)


@pytest.mark.parametrize(
    "method, sql",
    [
        ("union", "SELECT x FROM a UNION SELECT x FROM b"),
        ("union_all", "SELECT x FROM a UNION ALL SELECT x FROM b"),
        ("intersect", "SELECT x FROM a INTERSECT SELECT x FROM b"),
        ("intersect_all", "SELECT x FROM a INTERSECT ALL SELECT x FROM b"),
        ("except_distinct", "SELECT x FROM a EXCEPT SELECT x FROM b"),
        ("except_all", "SELECT x FROM a EXCEPT ALL SELECT x FROM b"),
    ],
)
def test_set_operations_match_duckdb_as_multisets_with_nulls(pair, method, sql):
    xa, xb = pair
    a, b = pa.table({"x": pa.array(xa, pa.int64())}), pa.table({"x": pa.array(xb, pa.int64())})
    got = getattr(daft.from_arrow(a), method)(daft.from_arrow(b)).to_pydict()["x"]
    con = duckdb.connect()
    con.register("a", a)
    con.register("b", b)
    want = con.sql(sql).to_arrow_table()["x"].to_pylist()
    assert _bag(got) == _bag(want)


def test_intersect_all_and_except_all_count_duplicates():
    a = daft.from_pydict({"x": [1, 2, 2, 2, None, None]})
    b = daft.from_pydict({"x": [2, 2, None, 3]})
    assert _bag(a.intersect_all(b).to_pydict()["x"]) == Counter({2: 2, None: 1})
    assert _bag(a.except_all(b).to_pydict()["x"]) == Counter({1: 1, 2: 1, None: 1})


def test_concat_keeps_order_and_needs_the_same_schema():
    a = daft.from_pydict({"x": [3, 1], "s": ["a", "b"]})
    b = daft.from_pydict({"x": [2], "s": ["c"]})
    assert a.concat(b).to_pydict() == {"x": [3, 1, 2], "s": ["a", "b", "c"]}
    with pytest.raises(daft.exceptions.DaftSchemaMismatchError, match="exactly the same schema"):
        a.concat(b.select("s", "x"))


def test_union_all_matches_by_position_in_the_common_type():
    a = daft.from_pydict({"x": [1], "s": ["a"]})
    b = daft.from_pydict({"y": [2.5], "t": ["b"]})
    out = a.union_all(b)
    assert out.column_names == ["x", "s"]
    assert out.schema()["x"].dtype == daft.DataType.float64()
    assert out.to_pydict() == {"x": [1.0, 2.5], "s": ["a", "b"]}
    with pytest.raises(daft.exceptions.DaftSchemaMismatchError, match="same number of columns"):
        a.union_all(b.select("y"))
    with pytest.raises(daft.exceptions.DaftSchemaMismatchError, match="no common type"):
        a.union_all(daft.from_pydict({"x": [[1]], "s": ["c"]}))


def test_union_by_name_fills_missing_columns_with_nulls():
    a = daft.from_pydict({"x": [1, 2], "y": ["a", "b"]})
    b = daft.from_pydict({"z": [True], "x": [2]})
    out = a.union_all_by_name(b)
    assert out.column_names == ["x", "y", "z"]
    assert out.to_pydict() == {"x": [1, 2, 2], "y": ["a", "b", None], "z": [None, None, True]}
    got = a.union_by_name(a).sort("x").to_pydict()
    assert got == {"x": [1, 2], "y": ["a", "b"]}


def test_distinct_on_keeps_one_whole_row_per_key():
    rows = [{"k": i % 3, "a": i, "b": -i} for i in range(30)]
    out = daft.from_pylist(rows).distinct("k").to_pylist()
    assert sorted(r["k"] for r in out) == [0, 1, 2]
    # Each kept row is one of the input rows, not a mix of several.
    assert all(r["b"] == -r["a"] and r["a"] % 3 == r["k"] for r in out)
    df = daft.from_pydict({"k": [1, 1, None, None], "v": [1, 1, 2, 2]})
    assert sorted(df.drop_duplicates().to_pydict()["v"]) == [1, 2]
    assert sorted(df.unique("k").to_pydict()["v"]) == [1, 2]


def test_offset_skips_rows_and_combines_with_limit():
    df = daft.from_pydict({"x": list(range(10))}).sort("x")
    assert df.offset(7).to_pydict() == {"x": [7, 8, 9]}
    assert df.offset(2).limit(3).to_pydict() == {"x": [2, 3, 4]}
    assert df.limit(5).offset(3).to_pydict() == {"x": [3, 4]}
    assert df.offset(20).to_pydict() == {"x": []}
    with pytest.raises(ValueError, match="non-negative int"):
        df.offset(-1)


def test_drop_null_and_drop_nan():
    df = daft.from_pydict({"a": [1.0, None, math.nan, 4.0], "b": ["x", "y", None, "z"]})
    assert df.drop_null().to_pydict()["b"] == ["x", "z"]
    assert df.drop_null("a").to_pydict()["b"] == ["x", None, "z"]
    assert df.drop_nan().to_pydict()["b"] == ["x", "y", "z"]
    assert df.drop_nan("a").to_pydict()["b"] == ["x", "y", "z"]


def test_with_columns_renamed_transform_and_pipe():
    df = daft.from_pydict({"a": [1], "b": [2]})
    assert df.with_columns_renamed({"a": "x", "b": "y"}).column_names == ["x", "y"]
    with pytest.raises(daft.exceptions.DaftFieldNotFoundError, match="zz"):
        df.with_columns_renamed({"zz": "q"})

    def add(d, n):
        return d.with_column("c", col("a") + n)

    assert df.transform(add, 10).to_pydict() == {"a": [1], "b": [2], "c": [11]}
    with pytest.raises(ValueError, match="must return a DataFrame"):
        df.transform(lambda d: 1)
    assert df.pipe(lambda d, k: d.column_names * k, 2) == ["a", "b", "a", "b"]
