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
