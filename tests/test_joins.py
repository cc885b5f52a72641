"""DataFrame.join: every join type against DuckDB on random data with null and
duplicate keys, Daft's column naming, and the error paths."""

from __future__ import annotations

import random

import daft
import duckdb
import pyarrow as pa
import pytest
from daft import col
from daft.exceptions import DaftFieldNotFoundError


def _sorted_rows(table: pa.Table) -> list[tuple]:
    rows = [tuple(r.values()) for r in table.to_pylist()]
    return sorted(rows, key=lambda r: [(v is None, v if v is not None else 0) for v in r])


def _random_side(seed: int, n: int, key_range: int, value_name: str) -> pa.Table:
    rnd = random.Random(seed)
    keys = [rnd.randrange(key_range) if rnd.random() > 0.15 else None for _ in range(n)]
    return pa.table(
        {
            "k": pa.array(keys, pa.int64()),
            "v": pa.array([f"{value_name}{i}" if i % 7 else None for i in range(n)]),
            value_name: pa.array([rnd.randrange(1000) for _ in range(n)], pa.int64()),
        }
    )


@pytest.fixture(scope="module")
def sides():
    return _random_side(1, 300, 40, "x"), _random_side(2, 250, 40, "y")


# DuckDB with Daft's output columns: the shared key once, clashing right
# columns prefixed "right.".
ORACLE = {
    "inner": 'SELECT l.k, l.v, l.x, r.v AS "right.v", r.y FROM l JOIN r ON l.k = r.k',
    "left": 'SELECT l.k, l.v, l.x, r.v AS "right.v", r.y FROM l LEFT JOIN r ON l.k = r.k',
    "right": 'SELECT r.k, l.v, l.x, r.v AS "right.v", r.y FROM l RIGHT JOIN r ON l.k = r.k',
    "outer": 'SELECT coalesce(l.k, r.k) AS k, l.v, l.x, r.v AS "right.v", r.y '
    "FROM l FULL JOIN r ON l.k = r.k",
    "semi": "SELECT * FROM l SEMI JOIN r ON l.k = r.k",
    "anti": "SELECT * FROM l ANTI JOIN r ON l.k = r.k",
}


@pytest.mark.parametrize("how", sorted(ORACLE))
def test_every_join_type_matches_duckdb_with_null_and_duplicate_keys(sides, how):
    left, right = sides
    got = daft.from_arrow(left).join(daft.from_arrow(right), on="k", how=how).to_arrow()
    con = duckdb.connect()
    con.register("l", left)
    con.register("r", right)
    want = con.sql(ORACLE[how]).to_arrow_table()
    assert got.column_names == want.column_names
    assert _sorted_rows(got) == _sorted_rows(want)


def test_cross_join_pairs_every_row_and_prefixes_every_clashing_column():
    a = daft.from_pydict({"k": [1, 2], "v": ["a", "b"]})
    b = daft.from_pydict({"k": [3, 4, None], "w": [True, False, None]})
    out = a.join(b, how="cross")
    assert out.column_names == ["k", "v", "right.k", "w"]
    got = sorted(out.to_arrow().to_pylist(), key=lambda r: (r["k"], str(r["right.k"])))
    assert len(got) == 6
    assert [(r["k"], r["right.k"]) for r in got] == [
        (1, 3),
        (1, 4),
        (1, None),
        (2, 3),
        (2, 4),
        (2, None),
    ]


def test_null_keys_never_match_each_other():
    a = daft.from_pydict({"k": [None, 1], "x": [1, 2]})
    b = daft.from_pydict({"k": [None, 1], "y": [3, 4]})
    assert a.join(b, on="k").to_pydict() == {"k": [1], "x": [2], "y": [4]}
    assert sorted(a.join(b, on="k", how="anti").to_pydict()["x"]) == [1]


def test_left_on_right_on_with_different_names_keeps_both_key_columns():
    a = daft.from_pydict({"id": [1, 2, 3], "v": ["a", "b", "c"]})
    b = daft.from_pydict({"cust": [2, 3, 3], "v": ["x", "y", "z"]})
    out = a.join(b, left_on="id", right_on="cust").sort(["id", "right.v"])
    assert out.column_names == ["id", "v", "cust", "right.v"]
    assert out.to_pydict() == {
        "id": [2, 3, 3],
        "v": ["b", "c", "c"],
        "cust": [2, 3, 3],
        "right.v": ["x", "y", "z"],
    }


def test_multi_column_keys_and_expression_keys():
    a = daft.from_pydict({"a": [1, 1, 2], "b": ["x", "y", "x"], "n": [10, 20, 30]})
    b = daft.from_pydict({"a": [1, 2, 2], "b": ["y", "x", "z"], "m": [1, 2, 3]})
    out = a.join(b, on=["a", "b"]).sort("n")
    assert out.to_pydict() == {"a": [1, 2], "b": ["y", "x"], "n": [20, 30], "m": [1, 2]}
    # An expression key: the right key column is kept (renamed as it clashes).
    out = a.join(b, left_on=col("a") + 1, right_on="a", how="inner").sort(["n", "m"])
    assert out.column_names == ["a", "b", "n", "right.a", "right.b", "m"]
    assert out.select("n", "m").to_pydict() == {"n": [10, 10, 20, 20], "m": [2, 3, 2, 3]}


def test_prefix_and_suffix_rename_clashing_right_columns():
    a = daft.from_pydict({"k": [1], "v": [1]})
    b = daft.from_pydict({"k": [1], "v": [2]})
    assert a.join(b, on="k", prefix="r_").column_names == ["k", "v", "r_v"]
    assert a.join(b, on="k", suffix="_r").column_names == ["k", "v", "v_r"]
    assert a.join(b, on="k", prefix="p_", suffix="_s").column_names == ["k", "v", "p_v_s"]


def test_keys_of_different_numeric_types_join_in_their_common_type():
    a = daft.from_pydict({"k": [1, 2, 3]})
    b = daft.from_pydict({"k": [2.0, 3.5], "z": [1, 2]})
    assert a.join(b, on="k").to_pydict() == {"k": [2], "z": [1]}


def test_outer_join_key_is_the_first_non_null_of_both_sides():
    a = daft.from_pydict({"k": [1, 2], "x": [1, 2]})
    b = daft.from_pydict({"k": [2, 3], "y": [5, 6]})
    out = a.join(b, on="k", how="outer").sort("k")
    assert out.to_pydict() == {"k": [1, 2, 3], "x": [1, 2, None], "y": [None, 5, 6]}


def test_join_of_parquet_tables_with_string_keys(tmp_path):
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"s": ["a", "b", None, "c"], "x": [1, 2, 3, 4]}), tmp_path / "l.parquet"
    )
    pq.write_table(
        pa.table({"s": ["b", "c", "c", None], "y": [5, 6, 7, 8]}), tmp_path / "r.parquet"
    )
    left = daft.read_parquet(str(tmp_path / "l.parquet"))
    right = daft.read_parquet(str(tmp_path / "r.parquet"))
    out = left.join(right, on="s").sort(["s", "y"])
    assert out.schema()["s"].dtype == daft.DataType.string()
    assert out.to_pydict() == {"s": ["b", "c", "c"], "x": [2, 4, 4], "y": [5, 6, 7]}
    # A Parquet side joined with an in-memory side.
    mem = daft.from_pydict({"s": ["a", "c"], "z": [0, 1]})
    assert sorted(left.join(mem, on="s").to_pydict()["x"]) == [1, 4]


def test_unknown_key_column_names_the_side_and_its_columns():
    a = daft.from_pydict({"k": [1]})
    b = daft.from_pydict({"j": [1]})
    with pytest.raises(DaftFieldNotFoundError, match=r"'k' of on= is not in the right DataFrame"):
        a.join(b, on="k")
    with pytest.raises(DaftFieldNotFoundError, match=r"'zz' of left_on= is not in the left"):
        a.join(b, left_on="zz", right_on="j")


def test_keys_with_no_common_type_are_refused_when_planned():
    a = daft.from_pydict({"k": [1]})
    b = daft.from_pydict({"k": ["1"]})
    with pytest.raises(daft.exceptions.DaftTypeError, match="no common type"):
        a.join(b, on="k")


def test_bad_join_arguments_say_what_is_wrong():
    a = daft.from_pydict({"k": [1]})
    with pytest.raises(ValueError, match="not a join type"):
        a.join(a, on="k", how="sideways")
    with pytest.raises(ValueError, match="not both"):
        a.join(a, on="k", left_on="k", right_on="k")
    with pytest.raises(ValueError, match="needs keys"):
        a.join(a)
    with pytest.raises(ValueError, match="cross join takes no keys"):
        a.join(a, on="k", how="cross")
    with pytest.raises(ValueError, match="strategy"):
        a.join(a, on="k", strategy="magic")
    with pytest.raises(TypeError, match="must be a DataFrame"):
        a.join({"k": [1]}, on="k")


def test_join_then_aggregate_and_explain_shows_both_inputs(capsys):
    a = daft.from_pydict({"k": [1, 1, 2], "x": [1, 2, 3]})
    b = daft.from_pydict({"k": [1, 2], "name": ["one", "two"]})
    out = a.join(b, on="k").groupby("name").agg(col("x").sum()).sort("name")
    out.explain()
    text = capsys.readouterr().out
    assert out.to_pydict() == {"name": ["one", "two"], "x": [3, 3]}
    assert "Join: inner" in text and "input 1" in text and "input 2" in text
