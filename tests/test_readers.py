"""read_json / write_json and read_csv's options, against pyarrow's readers and
Daft 0.7.26's documented CSV semantics (empty string fields are "")."""

from __future__ import annotations

import json
import random

import daft
import pyarrow as pa
import pyarrow.json as pajson
import pytest
from daft import DataType, col


def _write_ndjson(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_read_json_matches_pyarrow_with_missing_keys_and_nulls(tmp_path):
    rnd = random.Random(8)
    rows = []
    for i in range(500):
        r = {
            "id": i,
            "x": rnd.random() if rnd.random() > 0.2 else None,
            "s": rnd.choice(["a", "b", None]),
        }
        if rnd.random() > 0.3:
            r["tags"] = [rnd.randrange(5) for _ in range(rnd.randrange(3))]
        rows.append(r)
    _write_ndjson(tmp_path / "t.json", rows)
    got = daft.read_json(str(tmp_path / "t.json")).sort("id").to_arrow()
    want = pajson.read_json(tmp_path / "t.json")
    assert set(got.column_names) == set(want.column_names)
    for name in want.column_names:
        assert got[name].to_pylist() == want[name].to_pylist(), name


def test_read_json_of_a_directory_unions_keys_and_widens_types(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    _write_ndjson(d / "a.json", [{"k": 1, "v": 1}, {"k": 2, "v": 2}])
    _write_ndjson(d / "b.json", [{"k": 3, "v": 2.5, "extra": "x"}])
    df = daft.read_json(str(d))
    assert df.schema()["v"].dtype == DataType.float64()
    assert df.sort("k").to_pydict() == {
        "k": [1, 2, 3],
        "v": [1.0, 2.0, 2.5],
        "extra": [None, None, "x"],
    }
    assert daft.read_json(str(d / "*.json")).where(col("k") > 1).count_rows() == 2


def test_read_json_schema_hints_override_or_replace_inference(tmp_path):
    _write_ndjson(tmp_path / "t.json", [{"a": 1, "b": "x"}, {"a": 2, "b": None}])
    df = daft.read_json(str(tmp_path / "t.json"), schema={"a": DataType.float64()})
    assert df.schema()["a"].dtype == DataType.float64()
    df = daft.read_json(
        str(tmp_path / "t.json"), infer_schema=False, schema={"b": DataType.string()}
    )
    assert df.to_pydict() == {"b": ["x", None]}
    with pytest.raises(ValueError, match="infer_schema=False needs schema"):
        daft.read_json(str(tmp_path / "t.json"), infer_schema=False)
    with pytest.raises(NotImplementedError, match="skip_empty_files"):
        daft.read_json(str(tmp_path / "t.json"), skip_empty_files=True)


def test_bad_json_names_the_file(tmp_path):
    (tmp_path / "bad.json").write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(daft.exceptions.DaftCoreException, match="bad.json"):
        daft.read_json(str(tmp_path / "bad.json")).collect()


def test_write_json_round_trips_through_pyarrow(tmp_path):
    df = daft.from_pydict({"a": [1, None, 3], "s": ["x", "y", None], "f": [0.5, 1.5, None]})
    paths = df.write_json(str(tmp_path / "out")).to_pydict()["path"]
    assert len(paths) == 1 and paths[0].endswith(".json")
    back = pajson.read_json(paths[0])
    assert back.to_pydict() == {"a": [1, None, 3], "s": ["x", "y", None], "f": [0.5, 1.5, None]}
    assert daft.read_json(str(tmp_path / "out")).to_pydict() == df.to_pydict()


def test_csv_empty_fields_are_empty_strings_for_strings_and_null_for_numbers(tmp_path):
    # As Daft 0.7.26 reads them.
    (tmp_path / "t.csv").write_text('a,b,c\nx,1,\n,2,3\n"",,4\n')
    got = daft.read_csv(str(tmp_path / "t.csv")).to_pydict()
    assert got == {"a": ["x", "", ""], "b": [1, 2, None], "c": [None, 3, 4]}


def test_csv_round_trip_of_nulls_matches_daft(tmp_path):
    df = daft.from_pydict({"s": ["a", None, ""], "n": [1, None, 3]})
    df.write_csv(str(tmp_path / "out"))
    assert daft.read_csv(str(tmp_path / "out")).to_pydict() == {
        "s": ["a", "", ""],
        "n": [1, None, 3],
    }


def test_csv_quote_escape_comment_and_schema_options(tmp_path):
    (tmp_path / "q.csv").write_text("# a comment\na|b\n'x|y'|1\n'it\\'s'|2\n")
    df = daft.read_csv(
        str(tmp_path / "q.csv"), delimiter="|", quote="'", escape_char="\\", comment="#"
    )
    assert df.to_pydict() == {"a": ["x|y", "it's"], "b": [1, 2]}
    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,4\n")
    df = daft.read_csv(str(tmp_path / "t.csv"), schema={"b": DataType.float64()})
    assert df.schema()["b"].dtype == DataType.float64()
    df = daft.read_csv(
        str(tmp_path / "t.csv"),
        infer_schema=False,
        schema={"x": DataType.string(), "y": DataType.int32()},
    )
    assert df.to_pydict() == {"x": ["1", "3"], "y": [2, 4]}
    with pytest.raises(daft.exceptions.DaftFieldNotFoundError, match="zz"):
        daft.read_csv(str(tmp_path / "t.csv"), schema={"zz": DataType.int64()})
    with pytest.raises(ValueError, match="quote must be one ASCII character"):
        daft.read_csv(str(tmp_path / "t.csv"), quote="''")
    with pytest.raises(NotImplementedError, match="allow_variable_columns"):
        daft.read_csv(str(tmp_path / "t.csv"), allow_variable_columns=True)
    assert pa.table(daft.read_csv(str(tmp_path / "t.csv"))).num_rows == 2


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_partitioned_writes_are_hive_directories_that_read_back(tmp_path, fmt):
    df = daft.from_pydict(
        {"y": [2020, 2020, 2021, None], "s": ["a b", "c", "a b", "d"], "v": [1, 2, 3, 4]}
    )
    out = getattr(df, f"write_{fmt}")(str(tmp_path / "t"), partition_cols=["y", "s"])
    got = out.to_pydict()
    assert set(got) == {"path", "y", "s"} and len(got["path"]) == 4
    dirs = sorted(p.split("/t/", 1)[1].rsplit("/", 1)[0] for p in got["path"])
    # As Daft names them: the value URL-quoted, a null as the Hive default.
    assert dirs == [
        "y=2020/s=a%20b",
        "y=2020/s=c",
        "y=2021/s=a%20b",
        "y=__HIVE_DEFAULT_PARTITION__/s=d",
    ]
    back = getattr(daft, f"read_{fmt}")(str(tmp_path / "t"), hive_partitioning=True)
    assert back.column_names == ["v", "y", "s"]
    assert back.sort("v").to_pydict() == {
        "v": [1, 2, 3, 4],
        "y": ["2020", "2020", "2021", None],
        "s": ["a b", "c", "a b", "d"],
    }


def test_partitioned_overwrite_replaces_the_old_partitions(tmp_path):
    root = str(tmp_path / "t")
    daft.from_pydict({"k": [1, 2], "v": [1, 2]}).write_parquet(root, partition_cols=["k"])
    daft.from_pydict({"k": [3], "v": [9]}).write_parquet(
        root, partition_cols=["k"], write_mode="overwrite"
    )
    back = daft.read_parquet(root, hive_partitioning=True).to_pydict()
    assert back == {"v": [9], "k": ["3"]}
    with pytest.raises(daft.exceptions.DaftFieldNotFoundError, match="zz"):
        daft.from_pydict({"k": [1]}).write_parquet(root, partition_cols=["zz"])
    with pytest.raises(NotImplementedError, match="single_file"):
        daft.from_pydict({"k": [1]}).write_parquet(root, single_file=True)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_overwrite_partitions_replaces_only_the_partitions_written_as_daft_does(tmp_path, fmt):
    root = str(tmp_path / "t")
    write = lambda df, **kw: getattr(df, f"write_{fmt}")(root, partition_cols=["k", "j"], **kw)  # noqa: E731
    write(daft.from_pydict({"k": ["a", "a", "b"], "j": [1, 2, 1], "v": [1, 2, 3]}))
    out = write(
        daft.from_pydict({"k": ["a", "c"], "j": [1, 1], "v": [10, 20]}),
        write_mode="overwrite-partitions",
    ).to_pydict()
    assert sorted(out["k"]) == ["a", "c"]
    back = getattr(daft, f"read_{fmt}")(root, hive_partitioning=True).sort("v").to_pydict()
    # k=a/j=1 replaced; k=a/j=2 and k=b/j=1 kept; k=c/j=1 added.
    assert back["v"] == [2, 3, 10, 20]
    assert list(zip(back["k"], back["j"])) == [("a", "2"), ("b", "1"), ("a", "1"), ("c", "1")]


def test_overwrite_partitions_without_partition_cols_is_refused(tmp_path):
    with pytest.raises(ValueError, match="overwrite-partitions.*needs partition_cols"):
        daft.from_pydict({"v": [1]}).write_parquet(str(tmp_path), write_mode="overwrite-partitions")


def _three_files(tmp_path, kind: str) -> list[str]:
    """Three small files of `kind` with rows 0..2, 3..4, 5, written by pyarrow."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    paths = []
    for i, ids in enumerate([[0, 1, 2], [3, 4], [5]]):
        p = tmp_path / f"part-{i}.{kind}"
        t = pa.table({"id": pa.array(ids, pa.int64()), "s": [f"r{x}" for x in ids]})
        if kind == "parquet":
            pq.write_table(t, p)
        elif kind == "csv":
            pacsv.write_csv(t, p)
        else:
            _write_ndjson(p, t.to_pylist())
        paths.append(str(p))
    return paths


@pytest.mark.parametrize("kind", ["parquet", "csv", "json"])
def test_file_path_column_gives_each_row_its_files_path_as_matched(tmp_path, kind, monkeypatch):
    paths = _three_files(tmp_path, kind)
    read = getattr(daft, f"read_{kind}")
    df = read(str(tmp_path / f"*.{kind}"), file_path_column="source")
    assert df.column_names == ["id", "s", "source"]
    assert df.schema()["source"].dtype == DataType.string()
    got = df.to_pydict()
    assert got["id"] == [0, 1, 2, 3, 4, 5]
    assert got["source"] == [paths[0]] * 3 + [paths[1]] * 2 + [paths[2]]
    # A relative pattern gives relative paths, as Daft does.
    monkeypatch.chdir(tmp_path)
    rel = read(f"*.{kind}", file_path_column="source").where(col("id") == 3).to_pydict()
    assert rel["source"] == [f"part-1.{kind}"]


def test_file_path_column_that_clashes_with_a_column_is_refused(tmp_path):
    paths = _three_files(tmp_path, "parquet")
    with pytest.raises(ValueError, match='file_path_column "s" is already a column'):
        daft.read_parquet(paths, file_path_column="s")


def test_file_path_column_with_hive_partitioning_keeps_both(tmp_path):
    df = daft.from_pydict({"k": ["a", "b", "a"], "v": [1, 2, 3]})
    df.write_parquet(str(tmp_path / "out"), partition_cols=["k"])
    got = (
        daft.read_parquet(str(tmp_path / "out"), hive_partitioning=True, file_path_column="f")
        .sort("v")
        .to_pydict()
    )
    assert got["v"] == [1, 2, 3]
    assert got["k"] == ["a", "b", "a"]
    assert [f"k={k}" in f for k, f in zip(got["k"], got["f"])] == [True] * 3


@pytest.fixture()
def small_parquet(tmp_path):
    import pyarrow.parquet as pq

    p = tmp_path / "h.parquet"
    pq.write_table(pa.table({"a": pa.array([1, 2], pa.int32()), "b": ["x", "7"]}), p)
    return str(p)


def test_read_parquet_schema_hints_cast_and_add_columns_as_daft_does(small_parquet):
    df = daft.read_parquet(small_parquet, schema={"a": DataType.float64(), "zz": DataType.int64()})
    assert [(f.name, f.dtype) for f in df.schema()] == [
        ("a", DataType.float64()),
        ("b", DataType.string()),
        ("zz", DataType.int64()),
    ]
    assert df.to_pydict() == {"a": [1.0, 2.0], "b": ["x", "7"], "zz": [None, None]}


def test_read_parquet_without_inference_keeps_only_the_schemas_columns(small_parquet):
    df = daft.read_parquet(small_parquet, schema={"a": DataType.int64()}, infer_schema=False)
    assert df.to_pydict() == {"a": [1, 2]}
    with pytest.raises(ValueError, match="infer_schema=False needs schema"):
        daft.read_parquet(small_parquet, infer_schema=False)


def test_read_parquet_schema_hint_that_does_not_convert_gives_null_as_daft_does(small_parquet):
    # The hint is the engine's `cast`, which (as Daft's) gives null for a value
    # it cannot convert.
    df = daft.read_parquet(small_parquet, schema={"b": DataType.int64()})
    assert df.to_pydict() == {"a": [1, 2], "b": [None, 7]}


@pytest.mark.parametrize("partition_cols", [None, ["k"]])
def test_write_success_file_marks_a_complete_write_and_survives_an_overwrite(
    tmp_path, partition_cols
):
    root = tmp_path / "out"
    df = daft.from_pydict({"k": ["a", "b"], "v": [1, 2]})
    paths = df.write_parquet(str(root), partition_cols=partition_cols, write_success_file=True)
    assert (root / "_SUCCESS").read_bytes() == b""
    assert all("_SUCCESS" not in p for p in paths.to_pydict()["path"])
    df.write_parquet(str(root), partition_cols=partition_cols, write_mode="overwrite")
    assert (root / "_SUCCESS").exists()
    back = daft.read_parquet(str(root), hive_partitioning=partition_cols is not None)
    assert sorted(back.to_pydict()["v"]) == [1, 2]


def _one_file(df, method: str, tmp_path, **options) -> str:
    paths = getattr(df, method)(str(tmp_path / method), **options).to_pydict()["path"]
    assert len(paths) == 1
    return paths[0]


@pytest.mark.parametrize(
    "options",
    [
        {"delimiter": ";"},
        {"delimiter": "\t", "quote": "'"},
        {"delimiter": "|", "quote": "'"},
    ],
)
def test_write_csv_options_read_back_by_pyarrow_with_the_same_options(tmp_path, options):
    import pyarrow.csv as pacsv

    # Strings holding every special character the options name.
    rnd = random.Random(4)
    alphabet = ["a", "b", ",", ";", "\t", "|", "'", '"', "\\", " ", "\n"]
    strings = ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(8))) for _ in range(300)]
    t = pa.table({"s": strings, "n": list(range(300))})
    path = _one_file(daft.from_arrow(t), "write_csv", tmp_path, **options)
    parse = pacsv.ParseOptions(
        delimiter=options.get("delimiter", ","),
        quote_char=options.get("quote", '"'),
        escape_char=options.get("escape", False),
        double_quote="escape" not in options,
        newlines_in_values=True,
    )
    convert = pacsv.ConvertOptions(strings_can_be_null=False, quoted_strings_can_be_null=False)
    back = pacsv.read_csv(path, parse_options=parse, convert_options=convert)
    assert back["s"].to_pylist() == strings
    assert back["n"].to_pylist() == list(range(300))


def test_write_csv_without_header_and_with_date_formats(tmp_path):
    import datetime

    df = daft.from_pydict(
        {
            "d": [datetime.date(2024, 1, 2), None],
            "t": [datetime.datetime(2024, 1, 2, 3, 4, 5), None],
        }
    )
    path = _one_file(
        df, "write_csv", tmp_path, header=False, date_format="%d.%m.%Y", timestamp_format="%H:%M"
    )
    assert open(path).read() == "02.01.2024,03:04\n,\n"


def test_write_json_writes_nulls_unless_ignore_null_fields_as_daft_does(tmp_path):
    import datetime

    df = daft.from_pydict({"a": [1, None], "d": [datetime.date(2024, 1, 2), None]})
    (tmp_path / "x").mkdir()
    plain = _one_file(df, "write_json", tmp_path / "x")
    assert open(plain).read() == '{"a":1,"d":"2024-01-02"}\n{"a":null,"d":null}\n'
    (tmp_path / "y").mkdir()
    ignoring = _one_file(
        df, "write_json", tmp_path / "y", ignore_null_fields=True, date_format="%Y/%m/%d"
    )
    assert open(ignoring).read() == '{"a":1,"d":"2024/01/02"}\n{}\n'


@pytest.mark.parametrize(
    "options, message",
    [
        ({"delimiter": ";;"}, "delimiter must be one ASCII character"),
        ({"delimiter": "'", "quote": "'"}, "delimiter and quote are both"),
        ({"quote": "\n"}, "quote cannot be a line break"),
        ({"date_format": "%Q"}, 'date_format "%Q" is not a valid strftime format'),
    ],
)
def test_write_csv_refuses_options_that_cannot_read_back(tmp_path, options, message):
    # `escape` is refused until the writer escapes the escape character too.
    with pytest.raises(NotImplementedError, match="escape"):
        daft.from_pydict({"a": [1]}).write_csv(str(tmp_path / "e"), escape="\\")
    root = tmp_path / "out"
    with pytest.raises(ValueError, match=message):
        daft.from_pydict({"a": [1]}).write_csv(str(root), **options)
    assert not root.exists() or not list(root.iterdir())
