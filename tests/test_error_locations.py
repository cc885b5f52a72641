"""Errors where the user looks: a failing call's exception names the API call and the
column or expression, and its traceback ends at the user's own line."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import traceback

import daft
import daft.functions as F
import pytest
from daft import col
from daft.exceptions import DaftCoreException, DaftFieldNotFoundError, DaftTypeError


def _raised(call):
    with pytest.raises(Exception) as info:
        call()
    return info.value


def _last_frame(exc: BaseException) -> traceback.FrameSummary:
    return traceback.extract_tb(exc.__traceback__)[-1]


@pytest.fixture
def df():
    return daft.from_pydict({"x": [1, 200], "s": ["a", "b"]})


@pytest.mark.parametrize(
    "call, kind, message",
    [
        (
            lambda df: df.select(col("nope") + 1),
            DaftFieldNotFoundError,
            'DataFrame.select: column "nope" not found; available columns: [x, s]',
        ),
        (
            lambda df: df.select(F.upper(col("x"))),
            DaftTypeError,
            'DataFrame.select: function upper: argument `expr` (column "x") has type Int64',
        ),
        (
            lambda df: df.where(col("x")),
            DaftTypeError,
            "DataFrame.where: filter predicate col(x) must be a boolean",
        ),
        (
            lambda df: df.groupby("zz").agg(col("x").sum()),
            DaftFieldNotFoundError,
            'DataFrame.groupby: column "zz" not found',
        ),
        (
            lambda df: df.join(df, on="nope"),
            DaftFieldNotFoundError,
            "DataFrame.join: column 'nope' of on= is not in the left DataFrame",
        ),
        (
            lambda df: daft.sql("SELECT nope FROM df"),
            DaftCoreException,
            "sql: SQL: column nope (line 1, column 8) not found",
        ),
    ],
    ids=["select", "function-type", "where", "groupby", "join", "sql"],
)
def test_plan_errors_name_the_call_and_end_at_the_callers_line(df, call, kind, message):
    exc = _raised(lambda: call(df))
    assert isinstance(exc, kind)
    assert str(exc).startswith(message), str(exc)
    # The traceback's last frame is this file's (the lambda above), not the engine's.
    assert _last_frame(exc).filename == __file__
    assert all(
        "site-packages/daft" not in f.filename for f in traceback.extract_tb(exc.__traceback__)
    )


def test_execution_error_names_the_call_that_ran_the_query_and_keeps_the_udf_frame(df):
    @daft.func
    def parse(s: str) -> int:
        return int(s)

    query = df.select(parse(col("s")).alias("n"))  # built fine: the error comes at run time
    exc = _raised(query.to_pydict)
    assert isinstance(exc, DaftCoreException)
    assert str(exc).startswith("DataFrame.to_pydict: UDF parse raised ValueError"), str(exc)
    assert _last_frame(exc).filename == __file__
    # The UDF's own exception is chained, its traceback ending in the UDF's body.
    cause = exc.__cause__
    assert isinstance(cause, ValueError)
    last = _last_frame(cause)
    assert last.filename == __file__ and last.name == "parse"


def test_nested_api_calls_are_named_after_the_outermost(df):
    @daft.func
    def boom(x: int) -> int:
        raise RuntimeError("boom")

    # show() runs limit() and the query inside: the user called show.
    exc = _raised(lambda: df.select(boom(col("x"))).show())
    assert str(exc).startswith("DataFrame.show: "), str(exc)
    assert not str(exc).startswith("DataFrame.show: DataFrame.")


def test_errors_that_are_not_daft_errors_keep_their_message_and_end_at_the_caller(df):
    exc = _raised(lambda: df.select(col("x"), nonsense=1))
    assert isinstance(exc, TypeError)
    assert "nonsense" in str(exc)
    assert _last_frame(exc).filename == __file__


def test_full_tracebacks_on_request():
    code = "import daft\nfrom daft import col\ndaft.from_pydict({'x': [1]}).select(col('nope'))\n"
    for env, engine_frames in (({}, False), ({"DAFT_FULL_TRACEBACK": "1"}, True)):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=120,
        )
        assert out.returncode == 1
        assert 'DataFrame.select: column "nope" not found' in out.stderr
        assert ("daft/dataframe.py" in out.stderr) is engine_frames, out.stderr


def test_wrapped_api_keeps_names_docs_and_signatures(df):
    assert daft.DataFrame.select.__name__ == "select"
    assert df.select.__doc__ and "columns" in df.select.__doc__
    assert str(inspect.signature(df.select)) == str(
        inspect.signature(daft.DataFrame.select.__wrapped__.__get__(df))
    )
    assert "self" not in str(inspect.signature(df.select))
    assert inspect.signature(daft.read_parquet).parameters["path"]
    assert df.select(col("x")).to_pydict() == {"x": [1, 200]}
    assert "where" in {n for n, _ in inspect.getmembers(daft.DataFrame, inspect.isroutine)}
