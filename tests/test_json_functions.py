"""JSON functions of issue 11 against oracles on random documents with nulls:
the reference jq (libjq, PyPI's ``jq``) for jq, Python's json module for
json_array_length, json_object_keys, json_tuple and serialize, pyarrow's JSON
reader for deserialize, and DuckDB's json functions."""

from __future__ import annotations

import json
import random

import daft
import duckdb
import jq as libjq
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col
from daft import functions as F


def run(expr, data: dict) -> list:
    return daft.from_arrow(pa.table(data)).select(expr.alias("r")).to_pydict()["r"]


def value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(7 if depth < 3 else 4)
    if kind == 0:
        return rng.randint(-1000, 1000)
    if kind == 1:
        return rng.choice(["a", "héllo", "", 'q"uote', "x y"])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return round(rng.uniform(-10, 10), 3)
    if kind in (4, 5):
        keys = rng.sample(["id", "name", "tags", "z", "a", "nested"], rng.randint(0, 4))
        return {k: value(rng, depth + 1) for k in keys}
    return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def documents(n: int = 300, seed: int = 0) -> list:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.08:
            out.append(None)
        elif r < 0.5:
            doc = {k: value(rng, 1) for k in rng.sample(["id", "name", "tags", "z", "a"], 3)}
            out.append(json.dumps(doc))
        else:
            out.append(json.dumps(value(rng)))
    return out


FILTERS = [".", ".id?", ".tags?", ".[]?", "[.[]?] | length", "keys? // null", '.name? // "none"']


@pytest.mark.parametrize("code", FILTERS)
def test_jq_matches_the_reference_jq(code):
    docs = documents()
    got = run(F.jq(col("j"), code), {"j": docs})
    for doc, out in zip(docs, got):
        if doc is None:
            assert out is None
            continue
        want = libjq.compile(code).input_text(doc).all()
        if not want:
            assert out is None, (code, doc)
        elif len(want) == 1:
            assert json.loads(out) == want[0], (code, doc)
        else:
            assert json.loads(out) == want, (code, doc)


def test_jq_errors_name_the_row_and_the_filter_is_checked_at_plan_time():
    with pytest.raises(Exception, match=r'jq: filter ".a" failed on row 1'):
        run(F.jq(col("j"), ".a"), {"j": ['{"a": 1}', "[1, 2]"]})
    with pytest.raises(Exception, match="jq: row 0 is no JSON"):
        run(F.jq(col("j"), "."), {"j": ["{bad"]})
    df = daft.from_pydict({"j": ["{}"]})
    with pytest.raises(Exception, match=r'jq: filter ".\[" is not a jq program'):
        df.select(F.jq(col("j"), ".["))
    with pytest.raises(Exception, match="unknown filter.* nosuchfn"):
        df.select(col("j").jq("nosuchfn(1)"))


def parsed(doc: str | None):
    if doc is None:
        return None
    try:
        return json.loads(doc)
    except ValueError:
        return None


def test_array_length_and_object_keys_match_python_json_and_keep_key_order():
    docs = documents(seed=1) + ["not json", "[1,", '{"b": 1, "a": 2}', "  [ ]  "]
    lengths = run(F.json_array_length(col("j")), {"j": docs})
    keys = run(F.json_object_keys(col("j")), {"j": docs})
    for doc, n, k in zip(docs, lengths, keys):
        v = parsed(doc)
        assert n == (len(v) if isinstance(v, list) else None), doc
        assert k == (list(v) if isinstance(v, dict) else None), doc
    # DuckDB's json_keys keeps the order too (Daft 0.7.26 sorts).
    duck = duckdb.sql("""select json_keys('{"b": 1, "a": 2}')""").fetchall()[0][0]
    assert keys[-2] == duck == ["b", "a"]


def test_json_tuple_gives_text_of_each_key_and_null_for_missing_or_null():
    docs = documents(seed=2)
    got = run(F.json_tuple(col("j"), "id", "name", "tags"), {"j": docs})
    for doc, row in zip(docs, got):
        v = parsed(doc)
        if not isinstance(v, dict):
            assert row is None
            continue
        for key in ("id", "name", "tags"):
            x = v.get(key)
            want = None if x is None else x if isinstance(x, str) else x
            if want is None or isinstance(want, str):
                assert row[key] == want
            else:
                assert json.loads(row[key]) == want
    df = daft.from_pydict({"j": ["{}"]}).select(F.json_tuple(col("j"), "a", "b").alias("r"))
    assert df.schema()["r"].dtype == D.struct({"a": D.string(), "b": D.string()})
    with pytest.raises(TypeError, match="json_tuple: give one or more field names"):
        F.json_tuple(col("j"))
    with pytest.raises(Exception, match='json_tuple: field "a" is given twice'):
        daft.from_pydict({"j": ["{}"]}).select(F.json_tuple(col("j"), "a", "a"))


def test_serialize_writes_json_that_parses_back_to_the_values():
    rng = random.Random(3)
    rows = [
        None
        if rng.random() < 0.1
        else {"a": rng.choice([None, rng.randint(-9, 9)]), "b": [rng.random() for _ in range(2)]}
        for _ in range(200)
    ]
    got = run(F.serialize(col("s"), "json"), {"s": rows})
    assert [None if g is None else json.loads(g) for g in got] == rows
    # Null fields are written, as Daft writes them.
    assert run(F.serialize(col("s"), "json"), {"s": [{"a": None}]}) == ['{"a":null}']
    assert run(col("x").serialize("json"), {"x": [[1, None], None]}) == ["[1,null]", None]


def test_deserialize_matches_pyarrows_json_reader_and_round_trips_serialize():
    rng = random.Random(4)
    dtype = pa.struct([("a", pa.int64()), ("b", pa.list_(pa.float64())), ("c", pa.string())])
    rows = [
        None
        if rng.random() < 0.1
        else {"a": rng.randint(-9, 9), "b": [rng.random()], "c": rng.choice([None, "x"])}
        for _ in range(200)
    ]
    text = [None if r is None else json.dumps(r) for r in rows]
    got = run(F.deserialize(col("j"), "json", D.from_arrow_type(dtype)), {"j": text})
    assert got == rows
    back = run(
        F.deserialize(F.serialize(col("s"), "json"), "json", D.from_arrow_type(dtype)),
        {"s": pa.array(rows, dtype)},
    )
    assert back == rows


def test_deserialize_errors_name_the_row_and_try_deserialize_gives_null():
    texts = ["12", '"13"', "{bad", '"x"', None, "1, 2"]
    with pytest.raises(Exception, match=r"deserialize: row 2 .* is not a JSON Int64"):
        run(F.deserialize(col("j"), "json", D.int64()), {"j": texts})
    # Numbers written as strings are read as numbers, as Daft reads them.
    assert run(F.try_deserialize(col("j"), "json", D.int64()), {"j": texts}) == [
        12,
        13,
        None,
        None,
        None,
        None,
    ]
    # A text must be one JSON value: no second key smuggled into a struct.
    smuggled = ['1, "a": 2']
    struct = D.struct({"a": D.int64()})
    assert run(F.try_deserialize(col("j"), "json", struct), {"j": smuggled}) == [None]
    with pytest.raises(Exception, match='format "xml" is not supported'):
        daft.from_pydict({"j": ["1"]}).select(F.deserialize(col("j"), "xml", D.int64()))
