"""explode and unnest as expressions (issue 11), against Polars' explode and
unnest on random data with nulls and empty lists, and their errors where a
row-wise expression is expected."""

from __future__ import annotations

import random

import daft
import polars as pl
import pyarrow as pa
import pytest
from daft import col
from daft import functions as F


def data(seed: int = 0) -> pa.Table:
    rng = random.Random(seed)
    n = 200
    xs = [
        None
        if rng.random() < 0.1
        else [rng.choice([None, rng.randint(0, 9)]) for _ in range(rng.randint(0, 4))]
        for _ in range(n)
    ]
    s = [
        None if rng.random() < 0.1 else {"a": rng.randint(0, 9), "b": rng.choice(["x", None])}
        for _ in range(n)
    ]
    return pa.table({"id": list(range(n)), "xs": xs, "s": s})


def test_explode_in_select_matches_polars_explode():
    t = data()
    got = daft.from_arrow(t).select(col("id"), F.explode(col("xs"))).to_pydict()
    # Polars keeps a null or empty list as one null row, as Daft does.
    want = (
        pl.from_arrow(t)
        .select("id", "xs")
        .explode("xs", empty_as_null=True)
        .to_dict(as_series=False)
    )
    assert got == want


def test_explode_dropping_empty_and_null_lists_and_as_a_method_with_alias():
    t = data(1)
    got = daft.from_arrow(t).select(
        col("id"), col("xs").explode(ignore_empty_and_null=True).alias("x")
    )
    rows = [(i, x) for i, xs in zip(t["id"].to_pylist(), t["xs"].to_pylist()) for x in (xs or [])]
    assert got.to_pydict() == {"id": [r[0] for r in rows], "x": [r[1] for r in rows]}


def test_explode_in_with_column_repeats_the_other_columns():
    t = data(2)
    got = daft.from_arrow(t).with_column("x", F.explode(col("xs"))).to_pydict()
    want = (
        pl.from_arrow(t)
        .with_columns(pl.col("xs").alias("x"))
        .explode("x", empty_as_null=True)
        .to_dict(as_series=False)
    )
    assert got == want


def test_unnest_gives_one_column_per_field_like_polars_unnest():
    t = data(3)
    got = daft.from_arrow(t).select(F.unnest(col("s")), col("id")).to_pydict()
    # Polars gives a null struct's fields as nulls too.
    want = pl.from_arrow(t).select("s", "id").unnest("s").to_dict(as_series=False)
    assert got == want
    assert daft.from_arrow(t).select(col("s").unnest()).column_names == ["a", "b"]


def test_reshaping_expressions_anywhere_else_are_errors_naming_them():
    df = daft.from_arrow(data())
    with pytest.raises(ValueError, match=r"explode\(col\(xs\)\): explode is only valid"):
        df.where(F.explode(col("xs")) > 1)
    with pytest.raises(ValueError, match="unnest is only valid"):
        df.select(F.unnest(col("s")) + 1)
    with pytest.raises(ValueError, match="expected a struct"):
        df.select(F.unnest(col("id")))
    with pytest.raises(ValueError, match="takes no alias"):
        F.unnest(col("s")).alias("x")
