"""The DataFrame API: construction, transformations, aggregations, output."""

from __future__ import annotations

import datetime
import math
import os

import daft
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from daft import DataType, col, lit

# --- construction -----------------------------------------------------------


def test_from_pydict_keeps_columns_values_and_nulls():
    df = daft.from_pydict({"a": [1, 2, None], "b": ["x", None, "z"]})
    assert df.column_names == ["a", "b"]
    assert df.to_pydict() == {"a": [1, 2, None], "b": ["x", None, "z"]}


def test_from_pydict_accepts_numpy_and_arrow_arrays():
    df = daft.from_pydict({"n": np.arange(3), "p": pa.array(["a", "b", "c"])})
    assert df.to_pydict() == {"n": [0, 1, 2], "p": ["a", "b", "c"]}


def test_from_pydict_rejects_columns_of_different_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        daft.from_pydict({"a": [1, 2], "b": [1]})


def test_from_pylist_fills_missing_keys_with_null():
    df = daft.from_pylist([{"a": 1, "b": "x"}, {"a": 2}])
    assert df.to_pydict() == {"a": [1, 2], "b": ["x", None]}


def test_from_arrow_table():
    t = pa.table({"a": [1, 2, 3], "b": ["x", None, "z"]})
    assert daft.from_arrow(t).to_arrow().equals(t)


def test_from_arrow_record_batch():
    t = pa.table({"a": [1, 2, 3]})
    assert daft.from_arrow(t.to_batches()[0]).to_pydict() == {"a": [1, 2, 3]}


def test_from_arrow_list_of_batches_concatenates_them_in_order():
    b1 = pa.record_batch({"a": [1, 2]})
    b2 = pa.record_batch({"a": [3]})
    assert daft.from_arrow([b1, b2]).to_pydict() == {"a": [1, 2, 3]}


def test_from_arrow_list_of_tables():
    t = pa.table({"a": [1, 2]})
    assert daft.from_arrow([t, t]).to_pydict() == {"a": [1, 2, 1, 2]}


def test_from_arrow_reads_any_arrow_c_stream_object():
    t = pa.table({"a": [1, 2, 3], "s": ["p", "q", None]})
    reader = pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=1))
    assert hasattr(reader, "__arrow_c_stream__")
    assert daft.from_arrow(reader).to_pydict() == t.to_pydict()


def test_from_arrow_normalizes_large_and_dictionary_strings_to_utf8():
    t = pa.table(
        {
            "large": pa.array(["a", None], pa.large_string()),
            "dict": pa.array(["x", "y"]).dictionary_encode(),
        }
    )
    df = daft.from_arrow(t)
    assert df.schema()["large"].dtype == DataType.string()
    assert df.schema()["dict"].dtype == DataType.string()
    assert df.select(col("large").upper(), col("dict").upper()).to_pydict() == {
        "large": ["A", None],
        "dict": ["X", "Y"],
    }


def test_from_arrow_of_a_sliced_table_sees_only_the_slice():
    t = pa.table({"a": list(range(100)), "s": [str(i) for i in range(100)]}).slice(3, 50)
    df = daft.from_arrow(t)
    out = df.select(col("a") + 1, col("s").upper()).to_pydict()
    assert out["a"] == list(range(4, 54))
    assert out["s"] == [str(i) for i in range(3, 53)]


def test_from_arrow_rejects_duplicate_column_names():
    t = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["a", "a"])
    with pytest.raises(ValueError, match="'?\"?a"):
        daft.from_arrow(t)


def test_from_pandas_drops_the_index():
    pdf = pd.DataFrame({"a": [1, 2], "b": ["x", None]}, index=[10, 20])
    df = daft.from_pandas(pdf)
    assert df.column_names == ["a", "b"]
    assert df.to_pydict() == {"a": [1, 2], "b": ["x", None]}


# --- projections ------------------------------------------------------------


def test_select_by_name_and_expression_in_the_given_order(people):
    df = people.select("team", (col("age") + 1).alias("age1"))
    assert df.column_names == ["team", "age1"]
    assert df.to_pydict() == {"team": ["x", "y", "x", None, "y"], "age1": [32, 26, None, 41, 26]}


def test_select_accepts_a_list_of_columns(people):
    assert people.select(["age", "name"]).column_names == ["age", "name"]


def test_select_of_only_a_literal_broadcasts_it_to_every_row(people):
    assert people.select(lit(7).alias("seven")).to_pydict() == {"seven": [7] * 5}


def test_with_column_appends_a_new_column(people):
    df = people.with_column("double", col("age") * 2)
    assert df.column_names == ["name", "age", "score", "team", "double"]
    assert df.to_pydict()["double"] == [62, 50, None, 80, 50]


def test_with_column_replaces_an_existing_column_in_place(people):
    df = people.with_column("age", col("age") - 1)
    assert df.column_names == ["name", "age", "score", "team"]
    assert df.to_pydict()["age"] == [30, 24, None, 39, 24]


def test_with_columns_replaces_and_appends(people):
    df = people.with_columns({"age": col("age") * 10, "one": lit(1)})
    assert df.column_names == ["name", "age", "score", "team", "one"]
    out = df.to_pydict()
    assert out["age"] == [310, 250, None, 400, 250]
    assert out["one"] == [1] * 5


def test_exclude_drops_the_named_columns(people):
    assert people.exclude("score", "team").column_names == ["name", "age"]


def test_expression_output_name_is_its_first_input(people):
    assert people.select(col("age") * col("score")).column_names == ["age"]
    assert people.select(col("name").upper()).column_names == ["name"]


# --- filtering and limiting ---------------------------------------------------


def test_where_keeps_true_rows_and_drops_null_predicates(people):
    # age is null for "cid": the predicate is null there, which counts as false.
    assert people.where(col("age") > 26).to_pydict()["name"] == ["ann", None]


def test_filter_is_an_alias_of_where(people):
    assert (
        people.filter(col("team") == "x").to_pydict()
        == people.where(col("team") == "x").to_pydict()
    )


def test_where_that_removes_every_row_gives_an_empty_frame_with_the_schema(people):
    df = people.where(col("age") > 1000)
    assert df.count_rows() == 0
    assert df.to_pydict() == {"name": [], "age": [], "score": [], "team": []}
    assert df.to_arrow().schema == people.to_arrow().schema


def test_limit_takes_the_first_rows(people):
    assert people.limit(2).to_pydict()["name"] == ["ann", "bob"]
    assert people.limit(0).count_rows() == 0
    assert people.limit(100).count_rows() == 5


def test_limit_rejects_negative_counts(people):
    with pytest.raises(ValueError):
        people.limit(-1)


# --- sorting ------------------------------------------------------------------


def test_sort_ascending_puts_nulls_last_by_default():
    df = daft.from_pydict({"a": [3, None, 1, 2]})
    assert df.sort("a").to_pydict() == {"a": [1, 2, 3, None]}


def test_sort_descending_puts_nulls_first_by_default_like_daft():
    df = daft.from_pydict({"a": [3, None, 1, 2]})
    assert df.sort("a", desc=True).to_pydict() == {"a": [None, 3, 2, 1]}


def test_sort_with_explicit_nulls_first_overrides_the_default():
    df = daft.from_pydict({"a": [3, None, 1]})
    assert df.sort("a", nulls_first=True).to_pydict() == {"a": [None, 1, 3]}
    assert df.sort("a", desc=True, nulls_first=False).to_pydict() == {"a": [3, 1, None]}


def test_sort_by_several_keys_with_a_direction_per_key():
    df = daft.from_pydict({"g": ["b", "a", "b", "a", "a"], "v": [1, 2, 3, 4, None]})
    out = df.sort(["g", "v"], desc=[False, True]).to_pydict()
    # v descending within g: its null (default nulls_first = desc) comes first.
    assert out == {"g": ["a", "a", "a", "b", "b"], "v": [None, 4, 2, 3, 1]}


def test_sort_with_a_nulls_first_flag_per_key():
    df = daft.from_pydict({"a": [1, None, 1, None], "b": [None, 1, 2, None]})
    out = df.sort(["a", "b"], desc=[True, False], nulls_first=[False, True]).to_pydict()
    assert out == {"a": [1, 1, None, None], "b": [None, 2, None, 1]}


def test_sort_by_an_expression():
    df = daft.from_pydict({"a": [1, -5, 3]})
    assert df.sort(col("a") * col("a")).to_pydict() == {"a": [1, 3, -5]}


def test_sort_rejects_a_desc_list_of_the_wrong_length():
    df = daft.from_pydict({"a": [1], "b": [2]})
    with pytest.raises(ValueError, match="desc"):
        df.sort(["a", "b"], desc=[True])


def test_sort_strings_and_floats_descending():
    df = daft.from_pydict({"s": ["b", "c", "a"], "f": [0.5, -1.0, 2.0]})
    assert df.sort("s", desc=True).to_pydict()["s"] == ["c", "b", "a"]
    assert df.sort("f", desc=True).to_pydict()["f"] == [2.0, 0.5, -1.0]


# --- distinct -------------------------------------------------------------------


def test_distinct_removes_duplicate_rows_and_treats_nulls_as_equal():
    # Distinct rows come out in hash order, as in Daft; compare as a set.
    df = daft.from_pydict({"a": [1, 2, 1, None, None, 2], "b": ["x", "y", "x", None, None, "z"]})
    out = df.distinct().to_pylist()
    key = lambda r: (r["a"] is None, r["a"] or 0, r["b"] or "")  # noqa: E731
    assert sorted(out, key=key) == [
        {"a": 1, "b": "x"},
        {"a": 2, "b": "y"},
        {"a": 2, "b": "z"},
        {"a": None, "b": None},
    ]


def test_distinct_of_one_column():
    df = daft.from_pydict({"a": [3, 3, 1, 3, 1]})
    assert df.distinct().to_pydict() == {"a": [3, 1]}


# --- aggregations -----------------------------------------------------------------


def test_groupby_agg_computes_every_aggregation_per_group():
    df = daft.from_pydict(
        {
            "k": ["a", "b", "a", "b", "a"],
            "v": [1, 2, None, 4, 5],
            "s": ["x", "y", "x", "z", None],
        }
    )
    out = (
        df.groupby("k")
        .agg(
            col("v").sum().alias("sum"),
            col("v").mean().alias("mean"),
            col("v").min().alias("min"),
            col("v").max().alias("max"),
            col("v").count().alias("count"),
            col("v").count("null").alias("nulls"),
            col("v").count("all").alias("all"),
            col("s").count_distinct().alias("distinct"),
            col("v").any_value().alias("any"),
            col("v").agg_list().alias("list"),
        )
        .sort("k")
        .to_pydict()
    )
    assert out == {
        "k": ["a", "b"],
        "sum": [6, 6],
        "mean": [3.0, 3.0],
        "min": [1, 2],
        "max": [5, 4],
        "count": [2, 2],
        "nulls": [1, 0],
        "all": [3, 2],
        "distinct": [1, 2],
        "any": [1, 2],
        "list": [[1, None, 5], [2, 4]],
    }


def test_list_agg_is_an_alias_of_agg_list():
    df = daft.from_pydict({"k": [1, 1], "v": ["a", "b"]})
    assert df.groupby("k").agg(col("v").list_agg()).to_pydict() == {"k": [1], "v": [["a", "b"]]}


def test_any_value_skips_nulls_and_is_null_only_for_all_null_groups():
    df = daft.from_pydict({"k": [1, 1, 2], "v": [None, 7, None]})
    out = df.groupby("k").agg(col("v").any_value()).sort("k").to_pydict()
    assert out == {"k": [1, 2], "v": [7, None]}


def test_count_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        col("a").count("bogus")


def test_global_agg_over_all_rows(people):
    out = people.agg(
        col("age").sum().alias("sum"),
        col("age").mean().alias("mean"),
        col("score").min().alias("min"),
        col("name").max().alias("max"),
        col("age").count().alias("n"),
    ).to_pydict()
    assert out == {"sum": [121], "mean": [30.25], "min": [-2.5], "max": ["eve"], "n": [4]}


def test_global_agg_on_an_empty_frame_gives_one_row_of_nulls_and_zero_counts(people):
    empty = people.where(col("age") > 1000)
    out = empty.agg(
        col("age").sum().alias("sum"),
        col("age").mean().alias("mean"),
        col("age").min().alias("min"),
        col("age").count().alias("count"),
        col("age").count_distinct().alias("distinct"),
        col("age").agg_list().alias("list"),
    ).to_pydict()
    assert out == {
        "sum": [None],
        "mean": [None],
        "min": [None],
        "count": [0],
        "distinct": [0],
        "list": [[]],
    }


def test_aggregations_of_an_all_null_column_count_no_values():
    df = daft.from_pydict({"k": [1, 1, 2], "n": [None, None, None]})
    out = (
        df.groupby("k")
        .agg(
            col("n").count().alias("count"),
            col("n").count_distinct().alias("distinct"),
            col("n").any_value().alias("any"),
            col("n").count("null").alias("nulls"),
        )
        .sort("k")
        .to_pydict()
    )
    assert out == {
        "k": [1, 2],
        "count": [0, 0],
        "distinct": [0, 0],
        "any": [None, None],
        "nulls": [2, 1],
    }


def test_groupby_on_an_empty_frame_gives_no_groups(people):
    out = people.where(col("age") > 1000).groupby("team").agg(col("age").sum()).to_pydict()
    assert out == {"team": [], "age": []}


def test_groupby_puts_null_keys_in_one_group():
    df = daft.from_pydict({"k": [None, "a", None, "a"], "v": [1, 2, 3, 4]})
    out = df.groupby("k").agg(col("v").sum()).to_pydict()
    assert len(out["k"]) == 2
    assert dict(zip(out["k"], out["v"])) == {"a": 6, None: 4}


def test_groupby_on_an_expression_key():
    df = daft.from_pydict({"v": [1, 2, 3, 4, 5, None]})
    out = (
        df.groupby((col("v") % 2).alias("parity"))
        .agg(col("v").count().alias("n"))
        .sort("parity")
        .to_pydict()
    )
    assert out == {"parity": [0, 1, None], "n": [2, 3, 0]}


def test_groupby_on_several_keys():
    df = daft.from_pydict({"a": [1, 1, 2, 1], "b": ["x", "y", "x", "x"], "v": [1, 2, 3, 4]})
    out = df.groupby("a", "b").agg(col("v").sum()).sort(["a", "b"]).to_pydict()
    assert out == {"a": [1, 1, 2], "b": ["x", "y", "x"], "v": [5, 2, 3]}


def test_grouped_shortcuts_aggregate_every_non_key_column():
    df = daft.from_pydict({"k": [1, 1, 2], "v": [1, 2, 3], "w": [1.0, 3.0, 5.0]})
    assert df.groupby("k").sum().sort("k").to_pydict() == {
        "k": [1, 2],
        "v": [3, 3],
        "w": [4.0, 5.0],
    }
    assert df.groupby("k").mean("w").sort("k").to_pydict() == {"k": [1, 2], "w": [2.0, 5.0]}


def test_frame_level_shortcuts_aggregate_every_column():
    df = daft.from_pydict({"v": [1, 2, 3], "w": [4, None, 6]})
    assert df.sum().to_pydict() == {"v": [6], "w": [10]}
    assert df.count("v", "w").to_pydict() == {"v": [3], "w": [2]}
    assert df.max("w").to_pydict() == {"w": [6]}


def test_sum_of_floats_and_mean_of_ints():
    df = daft.from_pydict({"i": [1, 2], "f": [0.5, 0.25]})
    out = df.agg(col("f").sum(), col("i").mean()).to_pydict()
    assert out == {"f": [0.75], "i": [1.5]}


def test_min_max_of_dates():
    d = [datetime.date(2021, 5, 1), None, datetime.date(2020, 1, 1)]
    out = daft.from_pydict({"d": d}).agg(col("d").min().alias("lo"), col("d").max().alias("hi"))
    assert out.to_pydict() == {"lo": [datetime.date(2020, 1, 1)], "hi": [datetime.date(2021, 5, 1)]}


# --- execution and display ---------------------------------------------------------


def test_collect_returns_the_frame_and_keeps_the_result(people):
    df = people.where(col("age") > 26)
    assert df.collect() is df
    assert len(df) == 2
    assert df.where(col("team") == "x").to_pydict()["name"] == ["ann"]


def test_len_of_an_unmaterialized_frame_asks_for_collect(people):
    with pytest.raises(RuntimeError, match="collect"):
        len(people.where(col("age") > 1))


def test_show_prints_the_columns_types_and_rows(people, capsys):
    people.where(col("age") > 26).show()
    out = capsys.readouterr().out
    for text in ["name", "age", "Int64", "String", "Float64", "ann", "None"]:
        assert text in out
    assert "bob" not in out


def test_show_prints_at_most_n_rows(capsys):
    daft.from_pydict({"a": list(range(100, 120))}).show(3)
    out = capsys.readouterr().out
    assert "100" in out and "102" in out
    assert "103" not in out


def test_repr_before_collect_shows_the_schema_but_no_data(people):
    text = repr(people.where(col("age") > 26))
    assert "not materialized" in text
    assert "name" in text and "String" in text
    assert "ann" not in text


def test_repr_after_collect_shows_the_rows_and_how_many_were_left_out():
    df = daft.from_pydict({"a": list(range(1000, 1020))}).where(col("a") >= 1000).collect()
    text = repr(df)
    assert "1000" in text and "1007" in text
    assert "1008" not in text
    assert "8 of 20" in text


def test_schema_names_and_types_without_running_the_query(people):
    df = people.select(col("age").cast(DataType.float32()), (col("age") > 1).alias("old"))
    schema = df.schema()
    assert schema.column_names() == ["age", "old"]
    assert schema["age"].dtype == DataType.float32()
    assert schema["old"].dtype == DataType.bool()
    assert "age" in schema and "nope" not in schema
    assert len(schema) == 2
    assert [f.name for f in schema] == ["age", "old"]
    assert schema.to_pyarrow_schema() == pa.schema([("age", pa.float32()), ("old", pa.bool_())])


def test_column_names(people):
    assert people.column_names == ["name", "age", "score", "team"]


def test_count_rows_runs_the_query(people):
    assert people.count_rows() == 5
    assert people.where(col("team") == "y").count_rows() == 2


def test_explain_prints_the_plan_root_first_and_returns_none_as_daft_does(people, capsys):
    assert people.where(col("age") > 1).select("name").explain() is None
    text = capsys.readouterr().out
    lines = text.splitlines()
    project = next(i for i, line in enumerate(lines) if "Project" in line)
    filt = next(i for i, line in enumerate(lines) if "Filter" in line)
    scan = next(i for i, line in enumerate(lines) if "Scan" in line)
    assert project < filt < scan


# --- conversion ------------------------------------------------------------------------


def test_to_pydict_to_pylist_to_arrow_and_to_pandas_agree(people):
    d = people.to_pydict()
    assert people.to_pylist() == [dict(zip(d, row)) for row in zip(*d.values())]
    t = people.to_arrow()
    assert isinstance(t, pa.Table)
    assert t.to_pydict() == d
    pdf = people.to_pandas()
    assert list(pdf.columns) == ["name", "age", "score", "team"]
    assert pdf["age"].isna().tolist() == [False, False, True, False, False]
    assert pdf["score"].iloc[2] == 3.0


def test_pyarrow_reads_the_frame_through_arrow_c_stream(people):
    df = people.where(col("age") > 1)
    assert pa.table(df).to_pydict() == df.to_pydict()
    reader = pa.RecordBatchReader.from_stream(df)
    assert reader.read_all().to_pydict() == df.to_pydict()


def test_arrow_c_stream_of_an_empty_result_keeps_the_schema(people):
    t = pa.table(people.where(col("age") > 1000))
    assert t.num_rows == 0
    assert t.schema.names == ["name", "age", "score", "team"]


def test_polars_reads_the_frame():
    pl = pytest.importorskip("polars")
    df = daft.from_pydict({"a": [1, None, 3], "s": ["x", "y", None]})
    assert pl.DataFrame(df).to_dict(as_series=False) == {"a": [1, None, 3], "s": ["x", "y", None]}


def test_duckdb_reads_the_frame():
    duckdb = pytest.importorskip("duckdb")
    # duckdb finds the local variable `df` by name (a replacement scan).
    df = daft.from_pydict({"a": [1, 2, 3]})  # noqa: F841
    assert duckdb.sql("select sum(a) from df").fetchall() == [(6,)]


# --- writing ---------------------------------------------------------------------------


def test_write_parquet_returns_a_frame_of_paths_that_pyarrow_reads(people, tmp_path):
    written = people.where(col("age") > 1).write_parquet(str(tmp_path / "out"))
    paths = written.to_pydict()["path"]
    assert len(paths) == 1 and paths[0].endswith(".parquet") and os.path.exists(paths[0])
    assert pq.read_table(paths[0]).to_pydict() == people.where(col("age") > 1).to_pydict()


def test_write_parquet_appends_by_default_and_overwrite_replaces(people, tmp_path):
    root = str(tmp_path / "out")
    people.write_parquet(root)
    people.write_parquet(root)
    assert len(os.listdir(root)) == 2
    assert daft.read_parquet(root).count_rows() == 10
    people.limit(1).write_parquet(root, write_mode="overwrite")
    assert len(os.listdir(root)) == 1
    assert daft.read_parquet(root).count_rows() == 1


def test_write_parquet_with_each_compression(people, tmp_path):
    for codec in ["snappy", "zstd", "lz4", "none"]:
        [path] = people.write_parquet(str(tmp_path / codec), compression=codec).to_pydict()["path"]
        assert pq.read_table(path).to_pydict() == people.to_pydict()


def test_write_parquet_rejects_an_unknown_compression(people, tmp_path):
    with pytest.raises(ValueError, match="brotli-ish"):
        people.write_parquet(str(tmp_path), compression="brotli-ish")


def test_write_rejects_an_unknown_write_mode(people, tmp_path):
    with pytest.raises(ValueError, match="write_mode"):
        people.write_csv(str(tmp_path), write_mode="upsert")


def test_write_csv_returns_paths_and_writes_a_header(people, tmp_path):
    written = people.select("name", "age").write_csv(str(tmp_path / "csv"))
    [path] = written.to_pydict()["path"]
    assert path.endswith(".csv")
    with open(path) as f:
        assert f.readline().strip() == "name,age"
    t = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(strings_can_be_null=True))
    assert t.to_pydict() == people.select("name", "age").to_pydict()


def test_write_csv_appends_by_default_and_overwrite_replaces(people, tmp_path):
    root = str(tmp_path / "csv")
    people.write_csv(root)
    people.write_csv(root)
    assert len(os.listdir(root)) == 2
    assert daft.read_csv(root).count_rows() == 10
    people.write_csv(root, write_mode="overwrite")
    assert len(os.listdir(root)) == 1


def test_write_csv_of_an_empty_result_still_writes_the_header(people, tmp_path):
    [path] = people.where(col("age") > 1000).write_csv(str(tmp_path)).to_pydict()["path"]
    t = pcsv.read_csv(path)
    assert t.num_rows == 0
    assert t.column_names == ["name", "age", "score", "team"]


def test_failed_query_leaves_no_partial_parquet_file(tmp_path):
    df = daft.from_pydict({"a": [1, 2], "b": [1, 0]})
    with pytest.raises(daft.exceptions.DaftCoreException, match="zero"):
        df.select(col("a") // col("b")).write_parquet(str(tmp_path))
    assert os.listdir(tmp_path) == []


def test_failed_overwrite_keeps_the_existing_files(people, tmp_path):
    root = str(tmp_path / "out")
    people.write_parquet(root)
    bad = daft.from_pydict({"a": [1], "b": [0]}).select(col("a") // col("b"))
    with pytest.raises(daft.exceptions.DaftCoreException):
        bad.write_parquet(root, write_mode="overwrite")
    assert daft.read_parquet(root).to_pydict() == people.to_pydict()


def test_failed_write_leaves_no_partial_file_behind(tmp_path):
    df = daft.from_pydict({"a": [1], "l": [[1, 2]]})
    with pytest.raises(daft.exceptions.DaftCoreException, match="List"):
        df.write_csv(str(tmp_path))
    assert os.listdir(tmp_path) == []


# --- expressions -----------------------------------------------------------------------


def test_lit_of_each_python_type_has_the_matching_type():
    df = daft.from_pydict({"x": [0, 1]})
    out = df.select(
        lit(3).alias("i"),
        lit(2.5).alias("f"),
        lit("s").alias("s"),
        lit(True).alias("b"),
        lit(None).alias("n"),
        lit(datetime.date(2020, 1, 2)).alias("d"),
        lit(datetime.datetime(2020, 1, 2, 3, 4, 5)).alias("t"),
    ).to_arrow()
    assert out.schema == pa.schema(
        [
            ("i", pa.int64()),
            ("f", pa.float64()),
            ("s", pa.string()),
            ("b", pa.bool_()),
            ("n", pa.null()),
            ("d", pa.date32()),
            ("t", pa.timestamp("us")),
        ]
    )
    assert out.to_pylist()[1] == {
        "i": 3,
        "f": 2.5,
        "s": "s",
        "b": True,
        "n": None,
        "d": datetime.date(2020, 1, 2),
        "t": datetime.datetime(2020, 1, 2, 3, 4, 5),
    }


def test_arithmetic_on_ints_with_nulls():
    df = daft.from_pydict({"a": [6, None, -4], "b": [3, 2, None]})
    out = df.select(
        (col("a") + col("b")).alias("add"),
        (col("a") - col("b")).alias("sub"),
        (col("a") * col("b")).alias("mul"),
        (col("a") / col("b")).alias("div"),
        (-col("a")).alias("neg"),
        (10 - col("a")).alias("rsub"),
    ).to_pydict()
    assert out == {
        "add": [9, None, None],
        "sub": [3, None, None],
        "mul": [18, None, None],
        "div": [2.0, None, None],
        "neg": [-6, None, 4],
        "rsub": [4, None, 14],
    }


def test_unary_minus_abs_and_power_operators_keep_the_column_name():
    df = daft.from_pydict({"a": [3, -2, None], "f": [0.0, -1.5, 2.0]})
    out = df.select(
        -col("a"), abs(col("f")), (col("a") ** 2).alias("sq"), (2 ** col("a")).alias("p")
    )
    assert out.column_names == ["a", "f", "sq", "p"]
    assert out.to_pydict() == {
        "a": [-3, 2, None],
        "f": [0.0, 1.5, 2.0],
        "sq": [9.0, 4.0, None],
        "p": [8.0, 0.25, None],
    }
    assert str(df.select(-col("f")).to_pydict()["f"][0]) == "-0.0"


def test_true_division_of_ints_gives_floats():
    df = daft.from_pydict({"a": [7], "b": [2]})
    assert df.select(col("a") / col("b")).schema()["a"].dtype == DataType.float64()
    assert df.select(col("a") / col("b")).to_pydict() == {"a": [3.5]}


# Daft 0.7.26's semantics (docs/user-guide.md, "Operators"): integer // and %
# truncate toward zero, as Rust and SQL do; float // is floor(a / b) and float
# % is C's fmod. math.fmod and math.trunc are the oracles.
def test_integer_floor_division_and_modulo_truncate_toward_zero_as_daft_does():
    a = [-7, 7, -7, 7, 6, -6, 0]
    b = [2, -2, -2, 2, -3, 3, -5]
    df = daft.from_pydict({"a": a, "b": b})
    out = df.select((col("a") // col("b")).alias("q"), (col("a") % col("b")).alias("r"))
    got = out.to_pydict()
    assert got["q"] == [math.trunc(x / y) for x, y in zip(a, b)]
    assert got["r"] == [int(math.fmod(x, y)) for x, y in zip(a, b)]
    assert got["q"][:2] == [-3, -3] and got["r"][:2] == [-1, 1]
    # Truncated division keeps a == (a // b) * b + a % b.
    assert [q * y + r for q, y, r in zip(got["q"], b, got["r"])] == a


def test_float_floor_division_floors_the_quotient_and_modulo_is_fmod():
    a = [-7.5, 7.5, 1.0, -1.0, 5.25, 1.0]
    b = [2.0, -2.0, -2.0, 2.0, 0.5, 0.1]
    df = daft.from_pydict({"a": a, "b": b})
    got = df.select((col("a") // col("b")).alias("q"), (col("a") % col("b")).alias("r")).to_pydict()
    assert got["q"] == [math.floor(x / y) for x, y in zip(a, b)]
    assert got["r"] == [math.fmod(x, y) for x, y in zip(a, b)]
    # As in Daft, 1.0 // 0.1 is floor(10.000000000000002) == 10.0 (Python says 9.0).
    assert got["q"][-1] == 10.0


def test_float_division_and_modulo_by_zero_give_inf_and_nan_like_numpy():
    df = daft.from_pydict({"a": [1.0, -1.0], "b": [0.0, 0.0]})
    got = df.select((col("a") // col("b")).alias("q"), (col("a") % col("b")).alias("r")).to_pydict()
    assert got["q"] == [float("inf"), float("-inf")]
    assert all(np.isnan(got["r"]))


def test_floor_division_and_modulo_by_a_literal():
    df = daft.from_pydict({"a": [-7, 7, None]})
    got = df.select(
        (col("a") // 3).alias("q"), (col("a") % 3).alias("r"), (20 % col("a")).alias("rr")
    )
    assert got.to_pydict() == {"q": [-2, 2, None], "r": [-1, 1, None], "rr": [6, 6, None]}


def test_mixed_int_and_float_arithmetic_gives_floats():
    df = daft.from_pydict({"i": [-7, 3], "f": [2.0, -0.5]})
    out = df.select(
        (col("i") + col("f")).alias("add"),
        (col("i") // col("f")).alias("fdiv"),
        (col("i") % col("f")).alias("mod"),
        (col("i") * 1.5).alias("mul"),
    )
    assert out.schema()["add"].dtype == DataType.float64()
    assert out.to_pydict() == {
        "add": [-5.0, 2.5],
        "fdiv": [math.floor(-7 / 2.0), math.floor(3 / -0.5)],
        "mod": [math.fmod(-7, 2.0), math.fmod(3, -0.5)],
        "mul": [-10.5, 4.5],
    }


def test_integer_division_by_zero_is_an_error_not_a_crash():
    df = daft.from_pydict({"a": [1], "b": [0]})
    with pytest.raises(daft.exceptions.DaftCoreException, match="zero"):
        df.select(col("a") // col("b")).collect()


def test_comparisons_with_nulls_give_null():
    df = daft.from_pydict({"a": [1, 2, 3, None], "b": [2, 2, 2, 2]})
    out = df.select(
        (col("a") == col("b")).alias("eq"),
        (col("a") != col("b")).alias("ne"),
        (col("a") < col("b")).alias("lt"),
        (col("a") <= col("b")).alias("le"),
        (col("a") > col("b")).alias("gt"),
        (col("a") >= col("b")).alias("ge"),
    ).to_pydict()
    assert out == {
        "eq": [False, True, False, None],
        "ne": [True, False, True, None],
        "lt": [True, False, False, None],
        "le": [True, True, False, None],
        "gt": [False, False, True, None],
        "ge": [False, True, True, None],
    }


def test_comparisons_across_int_and_float_and_with_strings_and_dates():
    df = daft.from_pydict(
        {"i": [1, 2], "s": ["a", "b"], "d": [datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)]}
    )
    out = df.select(
        (col("i") > 1.5).alias("if"),
        (col("s") == "b").alias("s"),
        (col("d") < lit(datetime.date(2020, 6, 1))).alias("d"),
    ).to_pydict()
    assert out == {"if": [False, True], "s": [False, True], "d": [True, False]}


TRUTH = [True, True, True, False, False, False, None, None, None]
OTHER = [True, False, None] * 3


def test_and_or_follow_kleene_logic_with_nulls():
    df = daft.from_pydict({"x": TRUTH, "y": OTHER})
    out = df.select((col("x") & col("y")).alias("and"), (col("x") | col("y")).alias("or"))
    assert out.to_pydict() == {
        "and": [True, False, None, False, False, False, None, False, None],
        "or": [True, True, True, True, False, None, True, None, None],
    }


def test_xor_and_not_with_nulls():
    df = daft.from_pydict({"x": TRUTH, "y": OTHER})
    out = df.select((col("x") ^ col("y")).alias("xor"), (~col("x")).alias("not")).to_pydict()
    assert out == {
        "xor": [False, True, None, True, False, None, None, None, None],
        "not": [False, False, False, True, True, True, None, None, None],
    }


def test_logical_operators_with_python_bool_literals():
    df = daft.from_pydict({"x": [True, False, None]})
    out = df.select((col("x") & True).alias("a"), (False | col("x")).alias("o")).to_pydict()
    assert out == {"a": [True, False, None], "o": [True, False, None]}


def test_expression_has_no_truth_value():
    with pytest.raises(TypeError, match="truth value"):
        bool(col("a") > 1)


def test_alias_renames_and_the_last_alias_wins():
    df = daft.from_pydict({"a": [1]})
    assert df.select(col("a").alias("b").alias("c")).column_names == ["c"]


def test_cast_with_daft_datatypes():
    df = daft.from_pydict({"i": [1, None, 3], "s": ["1.5", "x", None]})
    out = df.select(
        col("i").cast(DataType.float64()).alias("f"),
        col("i").cast(DataType.string()).alias("is"),
        col("s").cast(DataType.float64()).alias("sf"),
    )
    assert out.schema()["f"].dtype == DataType.float64()
    # Safe cast: an unparsable string becomes null.
    assert out.to_pydict() == {
        "f": [1.0, None, 3.0],
        "is": ["1", None, "3"],
        "sf": [1.5, None, None],
    }


def test_if_else_picks_per_row_and_null_predicate_gives_null():
    df = daft.from_pydict({"x": [1, -2, None]})
    out = df.select((col("x") > 0).if_else(lit("pos"), lit("neg")).alias("sign"))
    assert out.to_pydict() == {"sign": ["pos", "neg", None]}


def test_subtracting_dates_and_timestamps_gives_durations():
    df = daft.from_pydict(
        {
            "d": [datetime.date(2020, 1, 5), None],
            "e": [datetime.date(2020, 1, 1), datetime.date(2020, 1, 1)],
            "t": [datetime.datetime(2020, 1, 2, 3), datetime.datetime(2020, 1, 1)],
            "u": [datetime.datetime(2020, 1, 1), datetime.datetime(2020, 1, 1, 0, 0, 1)],
        }
    )
    out = df.select((col("d") - col("e")).alias("days"), (col("t") - col("u")).alias("delta"))
    assert out.schema()["days"].dtype == DataType.duration("s")
    assert out.schema()["delta"].dtype == DataType.duration("us")
    assert out.to_pydict() == {
        "days": [datetime.timedelta(days=4), None],
        "delta": [datetime.timedelta(days=1, hours=3), datetime.timedelta(seconds=-1)],
    }


def test_getitem_gives_a_column_expression(people):
    assert people.select(people["age"]).to_pydict() == {"age": [31, 25, None, 40, 25]}


def test_with_column_renamed(people):
    df = people.with_column_renamed("age", "years")
    assert df.column_names == ["name", "years", "score", "team"]


def test_string_concatenation_with_plus():
    df = daft.from_pydict({"a": ["x", None], "b": ["y", "z"]})
    assert df.select(col("a") + col("b") + "!").to_pydict() == {"a": ["xy!", None]}


# --- large input -----------------------------------------------------------------------


N_LARGE = 1_000_000


@pytest.fixture(scope="module")
def large_table() -> pa.Table:
    rng = np.random.default_rng(42)
    x = rng.normal(size=N_LARGE)
    return pa.table(
        {
            "i": np.arange(N_LARGE, dtype=np.int64),
            "k": rng.integers(0, 1000, N_LARGE),
            "x": pa.array(x, mask=rng.random(N_LARGE) < 0.05),
        }
    )


def test_large_select_and_where_keep_every_row_in_order(large_table):
    df = daft.from_arrow(large_table)
    out = (
        df.select("i", (col("x") * 2 + col("k")).alias("y"), "k")
        .where((col("k") % 3 == 0) & col("y").not_null())
        .to_arrow()
    )
    t = large_table
    y = pc.add(pc.multiply(t["x"], 2), pc.cast(t["k"], pa.float64()))
    # pyarrow.compute has no modulo: k - (k / 3) * 3 with integer division.
    rem = pc.subtract(t["k"], pc.multiply(pc.divide(t["k"], 3), 3))
    mask = pc.and_(pc.equal(rem, 0), y.is_valid())
    expected = pa.table({"i": t["i"], "y": y, "k": t["k"]}).filter(mask)
    assert out.num_rows == expected.num_rows
    assert out["i"].equals(expected["i"])  # order kept across morsels
    assert out["y"].equals(expected["y"])


def test_large_groupby_matches_pyarrow(large_table):
    df = daft.from_arrow(large_table)
    out = (
        df.groupby("k")
        .agg(
            col("x").sum().alias("sum"),
            col("x").count().alias("count"),
            col("i").max().alias("max"),
        )
        .sort("k")
        .to_arrow()
    )
    expected = large_table.group_by("k").aggregate([("x", "sum"), ("x", "count"), ("i", "max")])
    expected = expected.sort_by("k")
    assert out["k"].equals(expected["k"])
    assert out["count"].to_pylist() == expected["x_count"].to_pylist()
    assert out["max"].to_pylist() == expected["i_max"].to_pylist()
    np.testing.assert_allclose(out["sum"].to_numpy(), expected["x_sum"].to_numpy(), rtol=1e-9)


def test_large_limit_after_filter_takes_the_first_matching_rows(large_table):
    df = daft.from_arrow(large_table)
    out = df.where(col("k") == 7).limit(10).to_pydict()["i"]
    expected = large_table.filter(pc.equal(large_table["k"], 7))["i"].to_pylist()[:10]
    assert out == expected


def test_is_in_with_an_empty_list_matches_nothing():
    df = daft.from_pydict({"x": [1, None, 3]})
    assert df.select(col("x").is_in([])).to_pydict() == {"x": [False, None, False]}


def test_explain_writes_to_a_file_when_given_one(people, capsys):
    import io

    buf = io.StringIO()
    people.select("name").explain(file=buf)
    assert "Project" in buf.getvalue()
    assert capsys.readouterr().out == ""
