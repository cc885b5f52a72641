"""Maps and structs of issue 11 against Python's dicts and collections.Counter
on random data with nulls: map_get, map_keys, value_counts and to_struct."""

from __future__ import annotations

import collections
import datetime as dt
import random

import daft
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col
from daft import functions as F


def run(expr, table: pa.Table) -> list:
    return daft.from_arrow(table).select(expr.alias("r")).to_pydict()["r"]


def random_maps(n: int = 300, seed: int = 0) -> list:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.1:
            out.append(None)
            continue
        keys = rng.sample(["a", "b", "c", "d", "é"], rng.randint(0, 4))
        out.append([(k, rng.choice([None, rng.randint(-9, 9)])) for k in keys])
    return out


@pytest.mark.parametrize("key", ["a", "é", "zz"])
def test_map_get_and_map_keys_match_python_dicts(key):
    maps = random_maps()
    table = pa.table({"m": pa.array(maps, pa.map_(pa.string(), pa.int64()))})
    got = run(F.map_get(col("m"), key), table)
    assert got == [None if m is None else dict(m).get(key) for m in maps]
    assert run(col("m").map_keys(), table) == [
        None if m is None else [k for k, _ in m] for m in maps
    ]


def test_map_get_takes_a_key_per_row_and_casts_it_to_the_key_type():
    maps = [[(1, "x"), (2, "y")], [(3, "z")], None, [(1, "w")]]
    table = pa.table({"m": pa.array(maps, pa.map_(pa.int32(), pa.string())), "k": [2, 3, 1, None]})
    assert run(F.map_get(col("m"), col("k")), table) == ["y", "z", None, None]
    with pytest.raises(Exception, match="map_get: argument `key` has type String"):
        run(F.map_get(col("m"), "a"), table)
    with pytest.raises(Exception, match="map_get: argument `expr` has type Int64; expected a map"):
        run(F.map_get(col("k"), 1), table)


@pytest.mark.parametrize(
    "items",
    [
        [1, 2, 3, None],
        ["a", "b", "é", None],
        [dt.date(2024, 1, 1), dt.date(2024, 1, 2), None],
        [True, False, None],
    ],
)
def test_value_counts_matches_counter_in_first_occurrence_order(items):
    rng = random.Random(1)
    lists = [
        None if rng.random() < 0.1 else [rng.choice(items) for _ in range(rng.randint(0, 8))]
        for _ in range(300)
    ]
    table = pa.table({"xs": pa.array(lists)})
    got = run(F.value_counts(col("xs")), table)
    want = [
        None if xs is None else list(collections.Counter(x for x in xs if x is not None).items())
        for xs in lists
    ]
    assert got == want
    dtype = daft.from_arrow(table).select(F.value_counts(col("xs")).alias("r")).schema()["r"].dtype
    assert dtype == D.map(D.from_arrow_type(table.schema.field("xs").type.value_type), D.uint64())


def test_value_counts_refuses_list_items():
    with pytest.raises(Exception, match="a map key cannot be a list"):
        daft.from_pydict({"xs": [[[1]]]}).select(F.value_counts(col("xs")))


def test_to_struct_names_fields_by_expression_and_keyword():
    rng = random.Random(2)
    a = [rng.choice([None, rng.randint(0, 9)]) for _ in range(100)]
    b = [rng.choice([None, "x", "y"]) for _ in range(100)]
    df = daft.from_pydict({"a": a, "b": b}).select(F.to_struct(col("a"), "b", c=col("a") * 2))
    [name] = df.column_names
    assert name == "struct"
    assert df.schema()[name].dtype == D.struct({"a": D.int64(), "b": D.string(), "c": D.int64()})
    assert df.to_pydict()[name] == [
        {"a": x, "b": y, "c": None if x is None else x * 2} for x, y in zip(a, b)
    ]
    with pytest.raises(Exception, match='two fields are named "a"'):
        daft.from_pydict({"a": [1]}).select(F.to_struct(col("a"), col("a")))
    with pytest.raises(TypeError, match="at least one field"):
        F.to_struct()


def test_to_struct_keeps_the_logical_types_of_its_fields():
    emb = D.embedding(D.float64(), 2)
    df = daft.from_pydict({"e": [[1.0, 2.0], None]}).with_column("e", col("e").cast(emb))
    out = df.select(F.to_struct(col("e"), x=col("e")))
    assert out.schema()["struct"].dtype == D.struct({"e": emb, "x": emb})
    assert out.to_pydict()["struct"][1] == {"e": None, "x": None}
