"""unpivot / melt and pivot, checked against pandas (melt, pivot_table)."""

from __future__ import annotations

import math
import random

import daft
import pandas as pd
import pytest


def test_unpivot_matches_pandas_melt_and_takes_the_common_type():
    df = daft.from_pydict({"id": [1, 2, 3], "a": [10, 20, None], "b": [1.5, None, 3.0]})
    out = df.unpivot("id", ["a", "b"], variable_name="var", value_name="val")
    assert out.column_names == ["id", "var", "val"]
    assert out.schema()["val"].dtype == daft.DataType.float64()
    want = pd.DataFrame({"id": [1, 2, 3], "a": [10, 20, None], "b": [1.5, None, 3.0]}).melt(
        id_vars="id", value_vars=["a", "b"], var_name="var", value_name="val"
    )
    got = out.to_pandas()
    key = lambda d: sorted(  # noqa: E731
        (r.id, r.var, None if pd.isna(r.val) else r.val) for r in d.itertuples()
    )
    assert key(got) == key(want)
    # With no values: every column that is not an id; melt is the same method.
    assert df.melt("id").to_pydict()["variable"] == ["a", "a", "a", "b", "b", "b"]


def test_unpivot_errors_name_the_column():
    df = daft.from_pydict({"id": [1], "a": [1]})
    with pytest.raises(daft.exceptions.DaftFieldNotFoundError, match="'zz'"):
        df.unpivot("zz")
    with pytest.raises(ValueError, match="no value columns"):
        df.unpivot(["id", "a"])


@pytest.mark.parametrize("agg", ["sum", "mean", "min", "max", "count"])
def test_pivot_matches_pandas_pivot_table(agg):
    rnd = random.Random(4)
    rows = [
        {"g": rnd.choice("xyz"), "p": rnd.choice(["m", "n", "o"]), "v": rnd.randrange(100)}
        for _ in range(200)
    ]
    got = daft.from_pylist(rows).pivot("g", "p", "v", agg).sort("g").to_pandas()
    want = (
        pd.DataFrame(rows)
        .pivot_table(index="g", columns="p", values="v", aggfunc=agg)
        .reset_index()
        .sort_values("g")
    )
    assert list(got.columns) == ["g", "m", "n", "o"]
    for c in ["m", "n", "o"]:
        for a, b in zip(got[c], want[c]):
            assert (pd.isna(a) and pd.isna(b)) or math.isclose(a, b)


def test_pivot_with_names_and_null_pivot_values():
    df = daft.from_pydict(
        {"g": ["x", "x", "y", "y", "y"], "p": ["m", "n", "m", "m", None], "v": [1, 2, 3, 4, 5]}
    )
    assert df.pivot("g", "p", "v", "sum").sort("g").to_pydict() == {
        "g": ["x", "y"],
        "m": [1, 7],
        "n": [2, None],
        "None": [None, 5],
    }
    assert df.pivot("g", "p", "v", "sum", names=["n", "m"]).sort("g").to_pydict() == {
        "g": ["x", "y"],
        "n": [2, None],
        "m": [1, 7],
    }
    with pytest.raises(ValueError, match="agg_fn"):
        df.pivot("g", "p", "v", "median")


def test_explode_matches_pandas_with_empty_and_null_lists():
    rnd = random.Random(9)
    lists = [
        None if rnd.random() < 0.1 else [rnd.randrange(9) for _ in range(rnd.randrange(4))]
        for _ in range(300)
    ]
    df = daft.from_pydict({"id": list(range(300)), "l": lists})
    got = df.explode("l").to_pandas()
    want = pd.DataFrame({"id": list(range(300)), "l": lists}).explode("l")
    assert list(got["id"]) == list(want["id"])
    assert [None if pd.isna(v) else v for v in got["l"]] == [
        None if (v is None or v != v) else v for v in want["l"]
    ]


def test_explode_options_and_several_columns():
    e = daft.from_pydict(
        {"id": [1, 2, 3, 4], "l": [[1, 2], [], None, [3]], "m": [["a", "b"], ["x"], None, []]}
    )
    assert e.explode("l", ignore_empty_and_null=True).to_pydict()["id"] == [1, 1, 4]
    out = e.explode("l", index_column="i")
    assert out.schema()["i"].dtype == daft.DataType.uint64()
    assert out.to_pydict()["i"] == [0, 1, None, None, 0]
    # Together: the k-th elements share a row; the shorter list pads with nulls.
    assert e.explode("l", "m").to_pydict()["m"] == ["a", "b", "x", None, None]
    with pytest.raises(daft.exceptions.DaftTypeError, match='"id" must be a list'):
        e.explode("id")
    with pytest.raises(daft.exceptions.DaftFieldNotFoundError, match="zz"):
        e.explode("zz")
