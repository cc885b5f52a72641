"""Files: reading what pyarrow wrote, and pyarrow reading what we wrote."""

from __future__ import annotations

import datetime
import os

import daft
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from daft import col
from daft.exceptions import DaftSchemaMismatchError

# --- parquet written by pyarrow -----------------------------------------------


def test_read_parquet_with_several_row_groups(tmp_path, mixed_table):
    path = str(tmp_path / "t.parquet")
    pq.write_table(mixed_table, path, row_group_size=7)
    assert pq.ParquetFile(path).metadata.num_row_groups == 5
    df = daft.read_parquet(path)
    assert df.count_rows() == mixed_table.num_rows
    assert df.to_arrow().equals(mixed_table)


def test_read_parquet_schema_is_known_before_reading_rows(tmp_path, mixed_table):
    path = str(tmp_path / "t.parquet")
    pq.write_table(mixed_table, path)
    assert daft.read_parquet(path).schema().to_pyarrow_schema() == mixed_table.schema


def test_read_parquet_of_a_directory_reads_its_files_in_name_order(tmp_path, mixed_table):
    (tmp_path / "d").mkdir()
    pq.write_table(mixed_table.slice(10), str(tmp_path / "d" / "part-1.parquet"))
    pq.write_table(mixed_table.slice(0, 10), str(tmp_path / "d" / "part-0.parquet"))
    (tmp_path / "d" / "README.txt").write_text("not data")
    assert daft.read_parquet(str(tmp_path / "d")).to_arrow().equals(mixed_table)


def test_read_parquet_of_a_glob(tmp_path, mixed_table):
    for i in range(3):
        pq.write_table(mixed_table.slice(i * 10, 10), str(tmp_path / f"p{i}.parquet"))
    pq.write_table(mixed_table, str(tmp_path / "other.parquet"))
    df = daft.read_parquet(str(tmp_path / "p*.parquet"))
    assert df.to_arrow().equals(mixed_table)


def test_read_parquet_of_a_list_of_paths_keeps_the_list_order(tmp_path):
    pq.write_table(pa.table({"a": [1, 2]}), str(tmp_path / "a.parquet"))
    pq.write_table(pa.table({"a": [3]}), str(tmp_path / "b.parquet"))
    paths = [str(tmp_path / "b.parquet"), str(tmp_path / "a.parquet")]
    assert daft.read_parquet(paths).to_pydict() == {"a": [3, 1, 2]}


def test_read_parquet_accepts_pathlib_paths(tmp_path):
    pq.write_table(pa.table({"a": [1]}), str(tmp_path / "a.parquet"))
    assert daft.read_parquet(tmp_path / "a.parquet").to_pydict() == {"a": [1]}


def test_read_parquet_then_query(tmp_path, mixed_table):
    path = str(tmp_path / "t.parquet")
    pq.write_table(mixed_table, path, row_group_size=4)
    out = daft.read_parquet(path).where(col("i") > 20).select("i", "s").limit(3).to_pydict()
    rows = [r for r in mixed_table.to_pylist() if r["i"] is not None and r["i"] > 20][:3]
    assert out == {"i": [r["i"] for r in rows], "s": [r["s"] for r in rows]}


def test_read_parquet_large_strings_are_read_as_utf8(tmp_path):
    path = str(tmp_path / "t.parquet")
    pq.write_table(pa.table({"s": pa.array(["a", None], pa.large_string())}), path)
    df = daft.read_parquet(path)
    assert df.schema()["s"].dtype == daft.DataType.string()
    assert df.select(col("s").upper()).to_pydict() == {"s": ["A", None]}


def test_glob_of_files_with_different_schemas_names_both_files(tmp_path):
    pq.write_table(pa.table({"a": [1]}), str(tmp_path / "1.parquet"))
    pq.write_table(pa.table({"a": ["x"]}), str(tmp_path / "2.parquet"))
    with pytest.raises(DaftSchemaMismatchError) as info:
        daft.read_parquet(str(tmp_path / "*.parquet"))
    message = str(info.value)
    assert "1.parquet" in message and "2.parquet" in message
    assert "Int64" in message and "String" in message


def test_files_with_different_column_names_are_a_schema_mismatch(tmp_path):
    pq.write_table(pa.table({"a": [1]}), str(tmp_path / "1.parquet"))
    pq.write_table(pa.table({"b": [1]}), str(tmp_path / "2.parquet"))
    with pytest.raises(DaftSchemaMismatchError, match="2.parquet"):
        daft.read_parquet(str(tmp_path))


# --- csv written by pyarrow or by hand ---------------------------------------------


def test_read_csv_with_header_infers_types(tmp_path):
    t = pa.table(
        {
            "i": [1, None, 3],
            "f": [0.5, 1.25, None],
            "s": ["a", "b c", None],
            "d": [datetime.date(2020, 1, 1), None, datetime.date(2021, 2, 3)],
        }
    )
    pcsv.write_csv(t, str(tmp_path / "t.csv"))
    df = daft.read_csv(str(tmp_path / "t.csv"))
    assert df.schema().to_pyarrow_schema() == t.schema
    # An empty field of a string column is "" (Daft's reading); elsewhere null.
    want = t.to_pydict()
    want["s"] = ["a", "b c", ""]
    assert df.to_pydict() == want


def test_read_csv_without_header_names_columns(tmp_path):
    (tmp_path / "t.csv").write_text("1,a\n2,b\n")
    df = daft.read_csv(str(tmp_path / "t.csv"), has_headers=False)
    assert df.to_pydict() == {"column_1": [1, 2], "column_2": ["a", "b"]}


def test_read_csv_with_a_delimiter(tmp_path):
    (tmp_path / "t.csv").write_text("a;b\n1;x,y\n2;z\n")
    df = daft.read_csv(str(tmp_path / "t.csv"), delimiter=";")
    assert df.to_pydict() == {"a": [1, 2], "b": ["x,y", "z"]}


def test_read_csv_rejects_a_multi_character_delimiter(tmp_path):
    (tmp_path / "t.csv").write_text("a\n1\n")
    with pytest.raises(ValueError, match="delimiter"):
        daft.read_csv(str(tmp_path / "t.csv"), delimiter="::")


def test_read_csv_of_a_directory_and_a_glob(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "0.csv").write_text("a\n1\n2\n")
    (tmp_path / "d" / "1.csv").write_text("a\n3\n")
    assert daft.read_csv(str(tmp_path / "d")).to_pydict() == {"a": [1, 2, 3]}
    assert daft.read_csv(str(tmp_path / "d" / "*.csv")).to_pydict() == {"a": [1, 2, 3]}


def test_read_csv_merges_an_int_column_with_a_float_one_of_another_file(tmp_path):
    (tmp_path / "0.csv").write_text("a\n1\n")
    (tmp_path / "1.csv").write_text("a\n2.5\n")
    df = daft.read_csv(str(tmp_path))
    assert df.to_pydict() == {"a": [1.0, 2.5]}


def test_read_csv_column_that_is_text_in_one_file_and_int_in_another_is_utf8(tmp_path):
    (tmp_path / "0.csv").write_text("a,b\n1,x\n")
    (tmp_path / "1.csv").write_text("a,b\nhello,y\n")
    df = daft.read_csv(str(tmp_path))
    assert df.schema()["a"].dtype == daft.DataType.string()
    assert df.to_pydict() == {"a": ["1", "hello"], "b": ["x", "y"]}


def test_csv_files_with_different_columns_are_a_schema_mismatch_naming_both(tmp_path):
    (tmp_path / "0.csv").write_text("a,b\n1,2\n")
    (tmp_path / "1.csv").write_text("b,a\n3,4\n")
    with pytest.raises(DaftSchemaMismatchError) as info:
        daft.read_csv(str(tmp_path / "*.csv"))
    assert "0.csv" in str(info.value) and "1.csv" in str(info.value)


def test_read_csv_of_many_rows_in_several_morsels(tmp_path):
    n = 300_000
    t = pa.table({"i": pa.array(range(n), pa.int64())})
    pcsv.write_csv(t, str(tmp_path / "big.csv"))
    df = daft.read_csv(str(tmp_path / "big.csv"))
    assert df.count_rows() == n
    assert df.agg(col("i").sum()).to_pydict() == {"i": [n * (n - 1) // 2]}


# --- what we write, read by pyarrow ---------------------------------------------------


def test_parquet_round_trip_through_pyarrow_is_exact(tmp_path, mixed_table):
    [path] = daft.from_arrow(mixed_table).write_parquet(str(tmp_path)).to_pydict()["path"]
    back = pq.read_table(path)
    assert back.schema == mixed_table.schema
    assert back.equals(mixed_table)


def test_parquet_round_trip_through_ourselves(tmp_path, mixed_table):
    daft.from_arrow(mixed_table).write_parquet(str(tmp_path))
    assert daft.read_parquet(str(tmp_path)).to_arrow().equals(mixed_table)


def test_parquet_of_a_query_result(tmp_path, mixed_table):
    df = daft.from_arrow(mixed_table).where(col("i") > 10).select("i", (col("f") * 2).alias("f2"))
    [path] = df.write_parquet(str(tmp_path)).to_pydict()["path"]
    assert pq.read_table(path).to_pydict() == df.to_pydict()


def test_parquet_round_trip_of_timestamps_and_floats_edge_values(tmp_path):
    t = pa.table(
        {
            "ts": pa.array([datetime.datetime(2020, 1, 2, 3, 4, 5, 6), None], pa.timestamp("us")),
            "f": [float("inf"), -0.0],
        }
    )
    [path] = daft.from_arrow(t).write_parquet(str(tmp_path)).to_pydict()["path"]
    assert pq.read_table(path).equals(t)


def test_csv_round_trip_through_pyarrow(tmp_path, mixed_table):
    # CSV cannot hold lists; and a null string is written as an empty field,
    # which pyarrow reads back as null only with strings_can_be_null=True.
    t = mixed_table.drop_columns(["l"])
    [path] = daft.from_arrow(t).write_csv(str(tmp_path)).to_pydict()["path"]
    back = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(strings_can_be_null=True))
    assert back.schema == t.schema
    assert back.equals(t)


def test_csv_round_trip_through_ourselves(tmp_path, mixed_table):
    t = mixed_table.drop_columns(["l"])
    daft.from_arrow(t).write_csv(str(tmp_path))
    # CSV has no null string: a null string comes back as "", as in Daft.
    i = t.column_names.index("s")
    want = t.set_column(i, "s", pc.fill_null(t["s"], ""))
    assert daft.read_csv(str(tmp_path)).to_arrow().equals(want)


def test_csv_writes_floats_that_read_back_exactly(tmp_path):
    values = [0.1, 1 / 3, 1e-300, 123456789.123456789, -2.5e20]
    [path] = daft.from_pydict({"f": values}).write_csv(str(tmp_path)).to_pydict()["path"]
    assert pcsv.read_csv(path)["f"].to_pylist() == values


def test_csv_quotes_delimiters_and_quotes_inside_strings(tmp_path):
    values = ["a,b", 'say "hi"', "line\nbreak"]
    [path] = daft.from_pydict({"s": values}).write_csv(str(tmp_path)).to_pydict()["path"]
    assert pcsv.read_csv(path)["s"].to_pylist() == values


def test_write_creates_missing_directories(tmp_path):
    root = tmp_path / "a" / "b"
    [path] = daft.from_pydict({"x": [1]}).write_parquet(str(root)).to_pydict()["path"]
    assert os.path.dirname(path) == str(root)
