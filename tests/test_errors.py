"""Every error path: the exception class, what its message names, and when it
is raised. After each error the DataFrame and the session keep working."""

from __future__ import annotations

import daft
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from daft import col
from daft.exceptions import (
    DaftCoreException,
    DaftFieldNotFoundError,
    DaftSchemaMismatchError,
    DaftTypeError,
)

COLUMNS = ["int_col", "str_col", "float_col", "bool_col"]


@pytest.fixture
def df():
    return daft.from_pydict(
        {
            "int_col": [1, 2, 3],
            "str_col": ["a", "b", None],
            "float_col": [1.5, None, -2.0],
            "bool_col": [True, False, None],
        }
    )


def still_works(df) -> None:
    """The frame and the session are usable after an error."""
    assert df.where(col("int_col") > 1).select("int_col").to_pydict() == {"int_col": [2, 3]}
    assert daft.from_pydict({"z": [1]}).select(col("z") + 1).to_pydict() == {"z": [2]}


def assert_names_column_and_lists_available(error: Exception, missing: str) -> None:
    message = str(error)
    assert missing in message
    for name in COLUMNS:
        assert name in message, f"{name!r} not listed in {message!r}"


def test_exception_classes_are_value_errors_like_daft():
    assert issubclass(DaftTypeError, DaftCoreException)
    assert issubclass(DaftFieldNotFoundError, DaftCoreException)
    assert issubclass(DaftSchemaMismatchError, DaftCoreException)
    assert issubclass(DaftCoreException, ValueError)


# --- missing columns: raised when the expression meets the plan ------------------


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda df: df.select(col("nope")), id="select"),
        pytest.param(lambda df: df.select("nope"), id="select-by-name"),
        pytest.param(lambda df: df.select(col("nope").upper()), id="select-function-arg"),
        pytest.param(lambda df: df.select(col("int_col") + col("nope")), id="select-operand"),
        pytest.param(lambda df: df.where(col("nope") > 1), id="where"),
        pytest.param(lambda df: df.sort("nope"), id="sort"),
        pytest.param(lambda df: df.sort(["int_col", "nope"]), id="sort-second-key"),
        pytest.param(lambda df: df.groupby("nope"), id="groupby"),
        pytest.param(lambda df: df.groupby(col("nope") % 2), id="groupby-expression"),
        pytest.param(lambda df: df.groupby("int_col").agg(col("nope").sum()), id="groupby-agg"),
        pytest.param(lambda df: df.agg(col("nope").max()), id="agg"),
        pytest.param(lambda df: df.with_column("x", col("nope") * 2), id="with_column"),
        pytest.param(lambda df: df.with_columns({"x": col("nope")}), id="with_columns"),
        pytest.param(lambda df: df.exclude("nope"), id="exclude"),
        pytest.param(lambda df: df["nope"], id="getitem"),
        pytest.param(lambda df: df.with_column_renamed("nope", "x"), id="with_column_renamed"),
    ],
)
def test_missing_column_raises_field_not_found_at_plan_build(df, build):
    with pytest.raises(DaftFieldNotFoundError) as info:
        build(df)  # no collect: the error comes when the plan is built
    assert_names_column_and_lists_available(info.value, "nope")
    still_works(df)


def test_missing_column_after_a_select_lists_the_columns_of_that_step(df):
    narrowed = df.select("int_col", (col("str_col").upper()).alias("up"))
    with pytest.raises(DaftFieldNotFoundError) as info:
        narrowed.where(col("float_col") > 0)
    assert "float_col" in str(info.value)
    assert "[int_col, up]" in str(info.value)


# --- wrong calls of functions --------------------------------------------------------


def test_function_with_too_many_arguments_is_a_type_error_naming_it(df):
    with pytest.raises(TypeError, match="lower"):
        daft.functions.lower(col("str_col"), col("str_col"))
    with pytest.raises(TypeError, match="lower"):
        col("str_col").lower(col("str_col"))
    still_works(df)


def test_function_with_too_few_arguments_is_a_type_error_naming_it(df):
    with pytest.raises(TypeError, match="startswith"):
        daft.functions.startswith(col("str_col"))
    still_works(df)


def test_coalesce_of_nothing_is_a_value_error_and_of_one_argument_warns_as_in_daft(df):
    with pytest.raises(ValueError, match="coalesce requires at least one argument"):
        daft.functions.coalesce()
    with pytest.warns(UserWarning, match="single argument is a no-op"):
        one = daft.functions.coalesce(col("int_col"))
    assert df.select(one).to_pydict() == df.select("int_col").to_pydict()
    still_works(df)


def test_native_call_with_wrong_arity_is_a_type_error_naming_it():
    # Below the Python signature, the registry checks arity itself.
    fn = daft.daft.get_function("lower")
    with pytest.raises(TypeError, match="lower.*takes 1 expression argument"):
        fn.call([], {})


def test_wrong_argument_type_is_a_daft_type_error_at_plan_build(df):
    with pytest.raises(DaftTypeError) as info:
        df.select(col("int_col").lower())  # no collect
    message = str(info.value)
    assert "lower" in message  # the function
    assert "expr" in message  # the argument
    assert "int_col" in message
    assert "Int64" in message  # the type it got
    assert "string" in message  # what it accepts
    still_works(df)


def test_wrong_type_of_a_second_argument_names_that_argument(df):
    with pytest.raises(DaftTypeError) as info:
        df.select(col("str_col").startswith(col("int_col")))
    message = str(info.value)
    assert "startswith" in message and "prefix" in message and "Int64" in message


def test_wrong_argument_type_in_where_and_sort_and_groupby(df):
    with pytest.raises(DaftTypeError, match="sqrt"):
        df.where(col("str_col").sqrt() > 1)
    with pytest.raises(DaftTypeError, match="upper"):
        df.sort(col("int_col").upper())
    with pytest.raises(DaftTypeError, match="abs"):
        df.groupby(col("str_col").abs())
    still_works(df)


def test_unknown_option_is_an_error_naming_it(df):
    with pytest.raises(TypeError, match="digits"):
        daft.functions.round(col("float_col"), digits=2)
    with pytest.raises(TypeError, match="digits"):
        col("float_col").round(digits=2)
    still_works(df)


def test_native_call_with_unknown_option_names_it_and_the_known_ones():
    fn = daft.daft.get_function("round")
    with pytest.raises(DaftTypeError, match="digits.*decimals"):
        fn.call([col("x")._expr], {"digits": 2})


def test_option_of_the_wrong_type_names_the_option(df):
    with pytest.raises(DaftTypeError, match="decimals.*str"):
        col("float_col").round(decimals="two")
    still_works(df)


def test_missing_required_option_names_it(df):
    with pytest.raises(TypeError, match="dtype"):
        daft.functions.cast(col("int_col"))


def test_unknown_function_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        daft.functions.no_such_function  # noqa: B018
    with pytest.raises(ValueError, match="no_such_function"):
        daft.daft.get_function("no_such_function")


def test_literal_of_an_unsupported_python_object_is_a_type_error(df):
    with pytest.raises(TypeError, match="lit"):
        col("str_col").contains(object())


# --- operators and predicates --------------------------------------------------------


def test_non_boolean_filter_predicate_is_a_daft_type_error(df):
    with pytest.raises(DaftTypeError, match="Int64"):
        df.where(col("int_col"))
    with pytest.raises(DaftTypeError, match="boolean"):
        df.where(col("int_col") + 1)
    still_works(df)


def test_a_string_predicate_is_sql_and_a_non_expression_is_a_type_error(df):
    assert df.where("int_col > 1").to_pydict() == df.where(col("int_col") > 1).to_pydict()
    with pytest.raises(TypeError):
        df.where(object())


def test_adding_a_string_to_an_int_is_a_daft_type_error_at_plan_build(df):
    with pytest.raises(DaftTypeError) as info:
        df.select(col("str_col") + col("int_col"))
    assert "String" in str(info.value) and "Int64" in str(info.value)
    with pytest.raises(DaftTypeError):
        df.select(col("int_col") + "a")
    still_works(df)


def test_logical_operators_on_non_booleans_are_daft_type_errors(df):
    with pytest.raises(DaftTypeError, match="&"):
        df.select(col("int_col") & col("bool_col"))
    with pytest.raises(DaftTypeError, match="~"):
        df.select(~col("int_col"))


def test_arithmetic_on_booleans_or_strings_is_a_daft_type_error(df):
    with pytest.raises(DaftTypeError):
        df.select(col("str_col") * 2)
    with pytest.raises(DaftTypeError):
        df.select(col("str_col") - col("str_col"))


# --- aggregations --------------------------------------------------------------------


def test_aggregation_outside_agg_is_an_error(df):
    with pytest.raises(DaftCoreException, match="must be composed of non-nested aggregation"):
        df.with_column("total", col("int_col").sum())
    with pytest.raises(DaftCoreException, match="aggregation"):
        df.where(col("int_col").sum() > 1)
    with pytest.raises(DaftCoreException, match="aggregation"):
        df.sort(col("int_col").max())
    still_works(df)


def test_aggregation_inside_a_function_argument_is_an_error(df):
    with pytest.raises(DaftCoreException, match="aggregation"):
        daft.functions.abs(col("int_col").sum())


def test_non_aggregation_in_agg_is_an_error(df):
    with pytest.raises(DaftCoreException, match="agg"):
        df.agg(col("int_col"))
    with pytest.raises(DaftCoreException, match="agg"):
        df.groupby("str_col").agg(col("int_col") + 1)
    still_works(df)


def test_numeric_aggregation_of_strings_is_a_daft_type_error(df):
    with pytest.raises(DaftTypeError, match="str_col"):
        df.agg(col("str_col").sum())
    with pytest.raises(DaftTypeError, match="str_col"):
        df.groupby("int_col").agg(col("str_col").mean())


def test_groupby_without_keys_is_an_error(df):
    with pytest.raises(ValueError, match="key"):
        df.groupby()


# --- duplicate names -----------------------------------------------------------------


def test_duplicate_output_column_names_are_an_error(df):
    with pytest.raises(DaftCoreException, match="int_col"):
        df.select(col("int_col"), col("int_col"))
    with pytest.raises(DaftCoreException, match="int_col"):
        df.select("int_col", col("int_col") + 1)  # same output name
    with pytest.raises(DaftCoreException, match="str_col"):
        df.groupby("str_col").agg(col("str_col").count())
    # An alias resolves it.
    assert df.select("int_col", (col("int_col") + 1).alias("next")).column_names == [
        "int_col",
        "next",
    ]
    still_works(df)


# --- files ---------------------------------------------------------------------------


def test_missing_parquet_file_is_file_not_found_naming_the_path(tmp_path, df):
    path = str(tmp_path / "missing.parquet")
    with pytest.raises(FileNotFoundError, match="missing.parquet"):
        daft.read_parquet(path)
    still_works(df)


def test_missing_csv_file_is_file_not_found_naming_the_path(tmp_path, df):
    path = str(tmp_path / "missing.csv")
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        daft.read_csv(path)
    still_works(df)


def test_glob_matching_nothing_is_file_not_found_naming_the_pattern(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing-\*\.parquet"):
        daft.read_parquet(str(tmp_path / "nothing-*.parquet"))


def test_directory_without_matching_files_is_file_not_found(tmp_path):
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        daft.read_parquet(str(tmp_path))


def test_missing_file_in_a_list_names_that_file(tmp_path):
    pq.write_table(pa.table({"a": [1]}), str(tmp_path / "ok.parquet"))
    with pytest.raises(FileNotFoundError, match="gone.parquet"):
        daft.read_parquet([str(tmp_path / "ok.parquet"), str(tmp_path / "gone.parquet")])


def test_non_parquet_file_is_an_error_naming_the_file(tmp_path, df):
    path = tmp_path / "fake.parquet"
    path.write_text("this is not parquet at all")
    with pytest.raises(DaftCoreException, match="fake.parquet"):
        daft.read_parquet(str(path))
    still_works(df)


def test_truncated_parquet_file_is_an_error_naming_the_file(tmp_path):
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"a": list(range(1000))}), str(good))
    data = good.read_bytes()
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(DaftCoreException, match="bad.parquet"):
        daft.read_parquet(str(bad)).collect()


def test_csv_row_with_the_wrong_number_of_fields_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3\n")
    with pytest.raises(DaftCoreException, match="ragged.csv"):
        daft.read_csv(str(path)).collect()


# --- errors found while the query runs --------------------------------------------------


def test_invalid_regex_is_an_error_naming_the_pattern(df):
    with pytest.raises(DaftCoreException) as info:
        df.select(col("str_col").regexp_match("a(b")).collect()
    assert "a(b" in str(info.value)
    assert "regexp_match" in str(info.value)
    still_works(df)


def test_invalid_regex_in_replace_names_the_pattern(df):
    with pytest.raises(DaftCoreException, match=r"\[unclosed"):
        df.select(col("str_col").regexp_replace("[unclosed", "x")).collect()


def test_runtime_error_in_a_large_parallel_query_is_raised_and_the_session_works(df):
    n = 500_000
    big = daft.from_pydict({"a": list(range(n)), "b": [1] * (n - 1) + [0]})
    with pytest.raises(DaftCoreException, match="zero"):
        big.select(col("a") // col("b")).collect()
    still_works(df)


def test_a_failed_collect_leaves_the_frame_unmaterialized_and_retryable(df):
    bad = df.select((col("int_col") // (col("int_col") - 2)).alias("q"))
    for _ in range(2):
        with pytest.raises(DaftCoreException, match="zero"):
            bad.collect()
    assert "not materialized" in repr(bad)
