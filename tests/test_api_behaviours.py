"""Small API behaviours Daft 0.7.26's users rely on: counting rows, aggregations in
select, subscripting frames and expressions, comparisons of nested values, coalesce's
arity, the config context managers and daft.errors.

Where the semantics are Python's own (indexing, slicing, comparing lists), Python is the
oracle; where they are Daft's choices, the expected values were read off Daft 0.7.26.
"""

from __future__ import annotations

import itertools
import random

import daft
import daft.functions as F
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from daft import DataType, col, lit
from daft.exceptions import DaftCoreException, DaftFieldNotFoundError

# --- counting rows -------------------------------------------------------------------


@pytest.mark.parametrize("args", [(), ("*",), (1,)], ids=["no-args", "star", "int"])
def test_count_without_columns_counts_rows_including_all_null_ones(args):
    df = daft.from_pydict({"a": [1, None, None], "b": [None, 2, None]})
    out = df.count(*args)
    assert out.to_pydict() == {"count": [3]}
    assert out.schema()["count"].dtype == DataType.uint64()


def test_count_of_an_empty_frame_is_zero_and_count_of_columns_skips_nulls():
    empty = daft.from_pydict({"a": pa.array([], pa.int64())})
    assert empty.count().to_pydict() == {"count": [0]}
    df = daft.from_pydict({"a": [1, None, None], "b": [None, 2, 2]})
    assert df.count("a", "b").to_pydict() == {"a": [1], "b": [2]}


def test_count_of_star_and_a_column_together_is_refused():
    df = daft.from_pydict({"a": [1]})
    with pytest.raises(ValueError, match=r"both \* and column names"):
        df.count("*", "a")


# --- aggregations in select ----------------------------------------------------------


def test_select_of_aggregations_is_one_row_as_agg():
    values = [3, 1, None, 7]
    df = daft.from_pydict({"a": values})
    table = pa.table({"a": values})
    got = df.select(col("a").sum(), col("a").max().alias("m")).to_pydict()
    assert got == {"a": [pc.sum(table["a"]).as_py()], "m": [pc.max(table["a"]).as_py()]}
    assert got == df.agg(col("a").sum(), col("a").max().alias("m")).to_pydict()


def test_select_may_put_literals_beside_aggregations_and_build_on_them():
    df = daft.from_pydict({"a": [1, 2, 3]})
    assert df.select(col("a").sum(), lit(5).alias("f")).to_pydict() == {"a": [6], "f": [5]}
    # Daft refuses this one in select (not in agg); both compute it here.
    out = df.select((col("a").sum() + 1).alias("x"), col("a").count() * 2)
    assert out.to_pydict() == {"x": [7], "a": [6]}
    assert df.agg((col("a").sum() + 1).alias("x")).to_pydict() == {"x": [7]}


def test_groupby_agg_builds_on_aggregations_per_group():
    k = [1, 2, 1, 2, 3]
    v = [10, 20, 30, None, 5]
    df = daft.from_pydict({"k": k, "v": v})
    got = (
        df.groupby("k")
        .agg((col("v").sum() - col("v").min()).alias("spread"), col("v").count())
        .sort("k")
        .to_pydict()
    )
    expected = pa.table({"k": k, "v": v}).group_by("k").aggregate([("v", "sum"), ("v", "min")])
    expected = expected.sort_by("k")
    spread = pc.subtract(expected["v_sum"], expected["v_min"]).to_pylist()
    assert got == {"k": [1, 2, 3], "spread": spread, "v": [2, 1, 1]}


def test_a_column_beside_aggregations_is_refused_with_daft_message():
    df = daft.from_pydict({"a": [1, 2, 3]})
    message = (
        "Expressions in aggregations must be composed of non-nested aggregation "
        r"expressions, got col\(a\)"
    )
    with pytest.raises(DaftCoreException, match=message):
        df.select(col("a").sum(), col("a"))
    with pytest.raises(DaftCoreException, match=message):
        df.select(col("a").sum() + col("a"))
    with pytest.raises(DaftCoreException, match="takes aggregation expressions"):
        df.agg(lit(1))
    assert df.to_pydict() == {"a": [1, 2, 3]}


# --- df[...] -------------------------------------------------------------------------


def test_frame_subscripts_select_columns_by_name_index_slice_and_list():
    df = daft.from_pydict({"a": [1], "b": [2], "c": [3]})
    names = df.column_names
    for item in [0, 1, 2, -1, -3, "b"]:
        expected = names[item] if isinstance(item, int) else item
        assert df[item].name() == expected
    for item in [slice(1, 3), slice(None, 2), slice(None, None, -1), slice(-2, None)]:
        assert df[item].column_names == names[item]
    assert df["a", "c"].column_names == ["a", "c"]
    assert df[["c", 0]].to_pydict() == {"c": [3], "a": [1]}


def test_frame_subscripts_name_what_is_wrong():
    df = daft.from_pydict({"a": [1], "b": [2]})
    with pytest.raises(IndexError, match="column index 2 out of range for 2 columns"):
        df[2]
    with pytest.raises(DaftFieldNotFoundError, match="'z' not found"):
        df[["a", "z"]]
    with pytest.raises(TypeError, match="got float"):
        df[1.5]


# --- expr[...], get and slice --------------------------------------------------------

LISTS = [[1, 2, 3], [4, None], None, [], [5]]


def _python_get(xs, k, default):
    if xs is None:
        return default
    try:
        return xs[k]
    except IndexError:
        return default


@pytest.mark.parametrize("k", range(-4, 5))
def test_list_index_is_python_indexing_with_a_default_out_of_range(k):
    df = daft.from_pydict({"l": LISTS})
    got = df.select(col("l")[k].alias("plain"), col("l").get(k, default=-1).alias("d"))
    assert got.to_pydict() == {
        "plain": [_python_get(xs, k, None) for xs in LISTS],
        "d": [_python_get(xs, k, -1) for xs in LISTS],
    }


def test_list_index_from_a_column_and_a_null_index_gives_null():
    df = daft.from_pydict({"l": [[1, 2], [3], [4, 5, 6]], "i": [None, 0, -1]})
    out = df.select(F.get(col("l"), col("i"), default=-1).alias("g")).to_pydict()
    # Daft 0.7.26 crashes on the null index (a Rust panic); here it is null.
    assert out == {"g": [None, 3, 6]}


def test_slices_of_lists_and_binaries_are_python_slices_for_every_bound_pair():
    rng = random.Random(17)
    lists = [[rng.randrange(100) for _ in range(rng.randrange(6))] for _ in range(12)]
    blobs = [bytes(xs) for xs in lists]
    df = daft.from_pydict({"l": lists, "b": blobs})
    bounds = [None, *range(-7, 8)]
    for start, end in itertools.product(bounds, bounds):
        got = df.select(col("l")[start:end], col("b")[start:end]).to_pydict()
        assert got["l"] == [xs[start:end] for xs in lists], (start, end)
        assert got["b"] == [b[start:end] for b in blobs], (start, end)


def test_slice_bounds_from_columns_and_null_bounds_give_null():
    df = daft.from_pydict({"l": [[1, 2], [3], [4, 5, 6]], "i": [None, 0, 1], "e": [1, None, -1]})
    # As Daft 0.7.26.
    assert df.select(F.slice(col("l"), col("i")).alias("s")).to_pydict() == {
        "s": [None, [3], [5, 6]]
    }
    assert df.select(F.slice(col("l"), 1, col("e")).alias("s")).to_pydict() == {
        "s": [[], None, [5]]
    }


def test_nested_access_reads_large_and_fixed_size_lists():
    fixed = pa.array([[1, 2], [3, 4], None], pa.list_(pa.int64(), 2))
    large = pa.array([[1, 2, 3], [], None], pa.large_list(pa.int64()))
    df = daft.from_arrow(pa.table({"f": fixed, "g": large}))
    out = df.select(col("f")[-1], col("g")[1:].alias("g1"), col("f")[:1].alias("f1"))
    assert out.to_pydict() == {"f": [2, 4, None], "g1": [[2, 3], [], None], "f1": [[1], [3], None]}


def test_struct_field_by_name_is_named_after_the_field_and_null_under_a_null_struct():
    df = daft.from_pydict({"p": [{"x": 1, "y": "a"}, None, {"x": None, "y": "c"}]})
    out = df.select(col("p")["x"], F.get(col("p"), "y"))
    assert out.to_pydict() == {"x": [1, None, None], "y": ["a", None, "c"]}


def test_nested_access_names_what_is_wrong():
    df = daft.from_pydict({"p": [{"x": 1}], "l": [[1]], "i": [1]})
    with pytest.raises(DaftCoreException, match='struct column "p" has no field "z"; its fields: '):
        df.select(col("p")["z"])
    with pytest.raises(ValueError, match="only supported for a list index"):
        F.get(col("p"), "x", default=0)
    with pytest.raises(ValueError, match="step is not supported"):
        col("l")[::2]
    with pytest.raises(DaftCoreException, match=r"list_get.*`expr`.*\"i\".*Int64.*a list"):
        df.select(col("i")[0])
    with pytest.raises(DaftCoreException, match=r"list_get: argument `default`"):
        df.select(col("l").get(0, default=[1, 2]))
    with pytest.raises(TypeError, match="not iterable"):
        list(col("l"))
    assert df.to_pydict() == {"p": [{"x": 1}], "l": [[1]], "i": [1]}


# --- comparisons of nested values ----------------------------------------------------


def test_lists_and_structs_compare_as_python_compares_them():
    pairs = [([1, 2], [1, 3]), ([1, 2], [1]), ([], [0]), ([2], [1, 9]), ([1, 2], [1, 2])]
    df = daft.from_pydict({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]})
    out = df.select(
        (col("a") == col("b")).alias("eq"),
        (col("a") < col("b")).alias("lt"),
        (col("a") >= col("b")).alias("ge"),
    ).to_pydict()
    assert out == {
        "eq": [a == b for a, b in pairs],
        "lt": [a < b for a, b in pairs],
        "ge": [a >= b for a, b in pairs],
    }
    s = daft.from_pydict({"s": [{"x": 1, "y": 2}, {"x": 1, "y": 3}], "t": [{"x": 1, "y": 2}] * 2})
    assert s.select((col("s") == col("t")).alias("e")).to_pydict() == {"e": [True, False]}


# --- config context managers ---------------------------------------------------------


def test_execution_config_ctx_changes_settings_inside_and_restores_them_after():
    before = daft.context.get_context().daft_execution_config
    with daft.execution_config_ctx(num_preview_rows=3, target_partitions=1):
        inside = daft.context.get_context().daft_execution_config
        assert (inside.num_preview_rows, inside.target_partitions) == (3, 1)
    assert daft.context.get_context().daft_execution_config == before


def test_execution_config_ctx_restores_on_error_and_after_a_refused_setting():
    before = daft.context.get_context().daft_execution_config
    with pytest.raises(RuntimeError, match="boom"):
        with daft.execution_config_ctx(num_preview_rows=3):
            raise RuntimeError("boom")
    assert daft.context.get_context().daft_execution_config == before
    with pytest.raises(ValueError, match="num_preview_rows must be >= 0"):
        with daft.execution_config_ctx(num_preview_rows=-1):
            pass
    with pytest.raises(TypeError, match="unknown setting"):
        with daft.execution_config_ctx(no_such_setting=1):
            pass
    assert daft.context.get_context().daft_execution_config == before


def test_planning_config_ctx_restores_on_exit_and_on_error():
    before = daft.context.get_context().daft_planning_config
    with pytest.raises(KeyError):
        with daft.planning_config_ctx(enable_strict_filter_pushdown=True):
            assert daft.context.get_context().daft_planning_config.enable_strict_filter_pushdown
            raise KeyError("x")
    assert daft.context.get_context().daft_planning_config == before


# --- error classes -------------------------------------------------------------------


def test_error_classes_have_daft_names_and_hierarchy():
    from daft import errors, exceptions

    transient = ["ConnectTimeoutError", "ReadTimeoutError", "ByteStreamError"]
    transient += ["SocketError", "ThrottleError", "MiscTransientError"]
    for name in transient:
        assert issubclass(getattr(exceptions, name), exceptions.DaftTransientError)
    assert issubclass(exceptions.DaftTransientError, exceptions.DaftCoreException)
    assert issubclass(exceptions.DaftCoreException, ValueError)
    cause = KeyError("k")
    try:
        raise errors.UDFException("my_udf failed") from cause
    except errors.UDFException as e:
        assert e.original_exception is cause and str(e) == "my_udf failed"
    retry = errors.RetryAfterError(2.5, cause)
    assert retry.retry_after == 2.5 and retry.__cause__ is cause
    assert issubclass(errors.ExpressionTypeError, Exception)
