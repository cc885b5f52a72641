"""daft.Schema as Daft 0.7.26 has it: names, fields, pyarrow conversion, union,
equality, and the repr Daft prints."""

from __future__ import annotations

import pickle

import daft
import numpy as np
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import Schema


@pytest.fixture
def schema() -> Schema:
    return daft.from_pydict({"a": [1], "s": ["x"], "t": [np.zeros((2, 2))]}).schema()


def test_names_fields_and_lookup(schema):
    assert schema.column_names() == ["a", "s", "t"]
    assert schema.to_name_set() == {"a", "s", "t"}
    field = schema["s"]
    assert (field.name, field.dtype) == ("s", D.string())
    assert [(f.name, f.dtype) for f in schema] == [
        ("a", D.int64()),
        ("s", D.string()),
        ("t", D.tensor(D.float64())),
    ]
    assert len(schema) == 3 and "a" in schema and "z" not in schema
    assert repr(field) == "Field(name=s, dtype=String)"
    with pytest.raises(KeyError, match="column 'z' not in schema"):
        schema["z"]


def test_pyarrow_schema_round_trip_keeps_logical_types(schema):
    arrow = schema.to_pyarrow_schema()
    assert arrow.field("a").type == pa.int64()
    assert Schema.from_pyarrow_schema(arrow) == schema
    assert pickle.loads(pickle.dumps(schema)) == schema


def test_from_pydict_and_union():
    left = Schema.from_pydict({"a": D.int64(), "e": D.embedding(D.float32(), 3)})
    right = Schema.from_pydict({"b": D.list(D.string())})
    both = left.union(right)
    assert both.column_names() == ["a", "e", "b"]
    assert both["e"].dtype == D.embedding(D.float32(), 3)
    with pytest.raises(ValueError, match=r"both schemas have the columns \['a', 'e'\]"):
        left.union(left)


def test_equality_is_by_names_and_daft_types():
    a = Schema.from_pydict({"x": D.string()})
    assert a == Schema.from_pyarrow_schema(pa.schema([("x", pa.large_string())]))
    assert a != Schema.from_pydict({"x": D.int64()})
    assert a != Schema.from_pydict({"y": D.string()})


def test_repr_is_daft_table_of_names_and_types(schema):
    lines = repr(schema).splitlines()
    assert lines[0].startswith("╭") and lines[-1].startswith("╰")
    assert "Column Name" in lines[1] and "DType" in lines[1]
    body = "\n".join(lines)
    for name, dtype in [("a", "Int64"), ("s", "String"), ("t", "Tensor[Float64]")]:
        assert any(name in line and dtype in line for line in lines), body


def test_html_repr_is_a_table_of_names_and_types(schema):
    html = schema._repr_html_()
    assert html.startswith('<table class="dataframe">')
    assert html.count("<tr>") == 4  # header and three columns
    assert "<td" in html and "Tensor[Float64]" in html
