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


def test_a_sorted_branch_of_a_union_stays_sorted_as_in_daft():
    # DataFusion drops a sort below a union when nothing above needs the order, so
    # `l.sort("x").union_all(r)` came out in l's input order (daft-exec/src/union_fence.rs).
    # Real Daft 0.7.26 gives each branch in its order, one after the other.
    left = daft.from_pydict({"x": [3, 1, 2, 6, 5, 4]})
    right = daft.from_pydict({"x": [9, 7, 8]})
    assert left.sort("x").union_all(right).to_pydict() == {"x": [1, 2, 3, 4, 5, 6, 9, 7, 8]}
    both = left.sort("x").concat(right.sort("x", desc=True)).to_pydict()
    assert both == {"x": [1, 2, 3, 4, 5, 6, 9, 8, 7]}
    three = left.sort("x").union_all(right).union_all(left.sort("x", desc=True))
    assert three.to_pydict()["x"] == [1, 2, 3, 4, 5, 6, 9, 7, 8, 6, 5, 4, 3, 2, 1]
    sql = daft.sql(
        "SELECT * FROM (SELECT * FROM l ORDER BY x) UNION ALL SELECT * FROM r", l=left, r=right
    )
    assert sql.to_pydict() == {"x": [1, 2, 3, 4, 5, 6, 9, 7, 8]}


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


def test_when_otherwise_chains_branches_and_a_null_condition_gives_null():
    from daft.functions import when

    df = daft.from_pydict({"x": [0, 1, 2, None]})
    out = df.select(
        when(col("x") > 1, "big").when(col("x") > 0, "mid").otherwise("small").alias("s")
    )
    # As in Daft 0.7.26: the null row's conditions are null, so is its value.
    assert out.to_pydict() == {"s": ["small", "mid", "big", None]}
    assert df.select(when(col("x") > 1, "big").alias("s")).to_pydict()["s"] == [
        None,
        None,
        "big",
        None,
    ]


def test_regexp_is_daft_s_name_for_regexp_match():
    df = daft.from_pydict({"s": ["ab1", "cd", None]})
    assert df.select(col("s").regexp(r"\d").alias("m")).to_pydict() == {"m": [True, False, None]}
    assert daft.functions.regexp(col("s"), "^a").name() == "s"


def test_frame_level_aggregations_and_arrow_iter():
    df = daft.from_pydict({"a": [1, 1, 2, None], "b": ["x", None, "y", "x"]})
    assert df.count_distinct().to_pydict() == {"a": [2], "b": [2]}
    assert sorted(df.agg_list("a").to_pydict()["a"][0], key=_key) == [1, 1, 2, None]
    assert df.any_value("a").to_pydict()["a"][0] in (1, 2)
    assert sum(b.num_rows for b in df.to_arrow_iter()) == 4


def test_from_glob_path_lists_files_with_sizes(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("hello")
    (tmp_path / "sub" / "b.txt").write_text("hi")
    out = daft.from_glob_path(str(tmp_path / "**"))
    assert out.column_names == ["path", "size", "num_rows"]
    got = out.to_pydict()
    assert [p.rsplit("/", 1)[1] for p in got["path"]] == ["a.txt", "b.txt"]
    assert got["size"] == [5, 2] and got["path"][0].startswith("file://")
    assert daft.from_glob_path(str(tmp_path)).count_rows() == 1
    with pytest.raises(FileNotFoundError, match="no file matches"):
        daft.from_glob_path(str(tmp_path / "*.csv"))


def test_sample_is_reproducible_with_a_seed_and_respects_size_and_fraction():
    df = daft.from_pydict({"x": list(range(1000))})
    a = df.sample(0.1, seed=7).to_pydict()["x"]
    assert a == df.sample(0.1, seed=7).to_pydict()["x"]
    assert 50 < len(a) < 150 and len(set(a)) == len(a) and a == sorted(a)
    assert len(df.sample(size=25, seed=1).to_pydict()["x"]) == 25
    drawn = df.sample(size=2000, with_replacement=True, seed=2).to_pydict()["x"]
    assert len(drawn) == 2000 and len(set(drawn)) < 1000
    with pytest.raises(ValueError, match="exactly one of"):
        df.sample()
    with pytest.raises(ValueError, match="more than the 1000 rows"):
        df.sample(size=2000)


def test_describe_and_summarize():
    df = daft.from_pydict({"a": [1, 2, None, 4], "s": ["x", "y", "x", None]})
    assert df.describe().to_pydict() == {"column_name": ["a", "s"], "type": ["Int64", "String"]}
    assert df.summarize().to_pydict() == {
        "column": ["a", "s"],
        "type": ["Int64", "String"],
        "min": ["1", "x"],
        "max": ["4", "y"],
        "count": [3, 3],
        "count_nulls": [1, 1],
        "approx_count_distinct": [3, 2],
    }
