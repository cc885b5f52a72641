"""Python UDFs (issue 12): @daft.func (row-wise, async, generator),
@daft.func.batch, legacy @daft.udf and Expression.apply, each compared with a
plain Python loop over the same data (nulls, empty input, many batches), and
their errors."""

from __future__ import annotations

import random
import time
import traceback
import typing

import daft
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from daft import DataType, col


def data(n: int = 500, seed: int = 0) -> dict:
    rng = random.Random(seed)
    return {
        "x": [None if rng.random() < 0.1 else rng.randint(-100, 100) for _ in range(n)],
        "s": [None if rng.random() < 0.1 else rng.choice(["a", "bc", "", "def"]) for _ in range(n)],
    }


def many_batches(d: dict) -> daft.DataFrame:
    # Four files' worth of partitions: the UDF sees many batches.
    return daft.from_pydict(d).into_partitions(4)


@daft.func
def plus_k(x: int, k: int = 1) -> int:
    return None if x is None else x + k


def test_row_wise_func_matches_a_python_loop_and_sees_nulls_as_none():
    d = data()

    @daft.func
    def describe(x: int, s: str) -> str:
        return f"{x}:{s}"

    got = many_batches(d).select(describe(col("x"), col("s"))).to_pydict()["x"]
    assert got == [f"{x}:{s}" for x, s in zip(d["x"], d["s"])]


def test_constants_and_keywords_are_passed_as_python_values():
    d = data()
    df = many_batches(d)
    assert df.select(plus_k(col("x"), 5)).to_pydict()["x"] == [
        None if x is None else x + 5 for x in d["x"]
    ]
    assert df.select(plus_k(col("x"), k=-2)).to_pydict()["x"] == [
        None if x is None else x - 2 for x in d["x"]
    ]
    # Called with plain values it runs at once, as in Daft.
    assert plus_k(3, k=4) == 7


def test_the_result_is_named_after_the_first_argument_and_typed_from_the_annotation():
    df = daft.from_pydict({"x": [1, 2]})
    out = df.select(plus_k(col("x")))
    assert out.schema().column_names() == ["x"]
    assert str(out.schema()["x"].dtype) == "Int64"

    @daft.func(return_dtype=DataType.float32())
    def half(x):
        return x / 2

    out = df.select(half(col("x")).alias("h"))
    assert str(out.schema()["h"].dtype) == "Float32" and out.to_pydict() == {"h": [0.5, 1.0]}


def test_empty_input_calls_nothing():
    calls = []

    @daft.func
    def f(x: int) -> int:
        calls.append(x)
        return x

    out = daft.from_pydict({"x": [1, 2]}).where(col("x") > 5).select(f(col("x")))
    assert out.to_pydict() == {"x": []} and calls == []


def test_async_rows_run_concurrently_within_a_batch():
    import asyncio

    @daft.func(max_concurrency=100)
    async def slow(x: int) -> int:
        await asyncio.sleep(0.2)
        return x * 2

    df = daft.from_pydict({"x": list(range(50))})
    start = time.perf_counter()
    got = df.select(slow(col("x"))).to_pydict()["x"]
    elapsed = time.perf_counter() - start
    assert got == [x * 2 for x in range(50)]
    # 50 sleeps of 0.2 s one after another would take 10 s.
    assert elapsed < 5


def test_async_concurrency_is_bounded_by_max_concurrency():
    import asyncio

    active = {"now": 0, "peak": 0}

    @daft.func(max_concurrency=3)
    async def f(x: int) -> int:
        active["now"] += 1
        active["peak"] = max(active["peak"], active["now"])
        await asyncio.sleep(0.01)
        active["now"] -= 1
        return x

    assert daft.from_pydict({"x": list(range(30))}).select(f(col("x"))).to_pydict()["x"] == list(
        range(30)
    )
    assert 1 < active["peak"] <= 3


def test_generator_yields_rows_and_repeats_the_other_columns():
    @daft.func
    def chars(s: str) -> typing.Iterator[str]:
        if s is None:
            return
        yield from s

    d = data(200, seed=3)
    got = many_batches(d).select(col("x"), chars(col("s"))).to_pydict()
    want_x, want_s = [], []
    for x, s in zip(d["x"], d["s"]):
        # A row that yields nothing keeps one row with null, as in Daft.
        for c in list(s or "") or [None]:
            want_x.append(x)
            want_s.append(c)
    assert got == {"x": want_x, "s": want_s}


def test_batch_udf_gets_series_and_returns_arrow():
    d = data()

    @daft.func.batch(return_dtype=DataType.int64())
    def add(a, k):
        assert isinstance(a, daft.Series) and isinstance(k, int)
        return pc.add(a.to_arrow(), k)

    got = many_batches(d).select(add(col("x"), 10)).to_pydict()["x"]
    assert got == [None if x is None else x + 10 for x in d["x"]]


def test_legacy_udf_and_apply():
    d = data()

    @daft.udf(return_dtype=DataType.int64())
    def triple(x):
        return [None if v is None else 3 * v for v in x.to_pylist()]

    df = many_batches(d)
    assert df.select(triple(col("x"))).to_pydict()["x"] == [
        None if x is None else 3 * x for x in d["x"]
    ]
    got = df.select(
        col("s").apply(lambda v: None if v is None else len(v), return_dtype=DataType.int64())
    )
    assert got.to_pydict()["s"] == [None if s is None else len(s) for s in d["s"]]


def test_an_exception_names_the_udf_and_chains_the_original_with_its_traceback():
    @daft.func
    def fails(x: int) -> int:
        if x == 2:
            raise KeyError("boom at 2")
        return x

    df = daft.from_pydict({"x": [1, 2, 3]})
    with pytest.raises(
        daft.exceptions.DaftCoreException, match="UDF fails raised KeyError: 'boom at 2'"
    ) as info:
        df.select(fails(col("x"))).collect()
    cause = info.value.__cause__
    assert isinstance(cause, KeyError)
    assert "raise KeyError" in "".join(traceback.format_tb(cause.__traceback__))
    # The process is unharmed: the next query runs.
    assert df.select(plus_k(col("x"))).to_pydict() == {"x": [2, 3, 4]}


def test_a_value_that_does_not_fit_the_return_type_names_the_row_and_value():
    # Real Daft 0.7.26 gives null for such a value without a word.
    @daft.func
    def bad(x: int) -> int:
        return "seven" if x == 7 else x

    with pytest.raises(
        daft.exceptions.DaftCoreException,
        match=r"UDF bad returned 'seven' \(str\) in row 1, which does not fit its return type",
    ):
        daft.from_pydict({"x": [6, 7, 8]}).select(bad(col("x"))).collect()


def test_a_batch_udf_of_the_wrong_length_is_an_error():
    # Real Daft 0.7.26 repeats the one value it got to every row.
    @daft.func.batch(return_dtype=DataType.int64())
    def short(x):
        return x.to_arrow()[:1]

    with pytest.raises(
        daft.exceptions.DaftCoreException, match="UDF short returned 1 values for a batch of 3 rows"
    ):
        daft.from_pydict({"x": [1, 2, 3]}).select(short(col("x"))).collect()


def test_missing_return_type_and_bad_calls_fail_when_declared_or_called():
    with pytest.raises(ValueError, match="give its return type"):

        @daft.func
        def untyped(x):
            return x

    with pytest.raises(TypeError, match="UDF plus_k"):
        plus_k(col("x"), 1, 2)
    with pytest.raises(NotImplementedError, match="gpus=1"):
        daft.func(gpus=1)(lambda x: x)


def test_udfs_compose_with_built_ins_filters_and_aggregations():
    d = data(300, seed=5)
    df = many_batches(d)
    out = (
        df.with_column("y", plus_k(col("x"), 1) * 2)
        .where(col("y") > 0)
        .groupby(col("s"))
        .agg(col("y").sum())
        .sort("s")
        .to_pydict()
    )
    sums: dict = {}
    for x, s in zip(d["x"], d["s"]):
        if x is not None and (x + 1) * 2 > 0:
            sums[s] = sums.get(s, 0) + (x + 1) * 2
    keys = sorted(sums, key=lambda k: (k is None, k))
    assert out == {"s": keys, "y": [sums[k] for k in keys]}


def test_arrow_batches_reach_a_batch_udf_without_conversion_to_python():
    seen = []

    @daft.func.batch(return_dtype=DataType.string())
    def upper(s):
        arr = s.to_arrow()
        seen.append(type(arr))
        return pc.utf8_upper(arr)

    out = daft.from_arrow(pa.table({"s": ["a", None, "b"]})).select(upper(col("s")))
    assert out.to_pydict() == {"s": ["A", None, "B"]}
    assert all(issubclass(t, pa.Array) for t in seen)


def test_sigint_stops_a_slow_udf_and_the_process_exits_cleanly():
    import signal
    import subprocess
    import sys
    import textwrap

    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import time, daft
                @daft.func
                def slow(x: int) -> int:
                    time.sleep(0.01)
                    return x
                # 100,000 rows of 10 ms: over 8 minutes on 2 threads.
                df = daft.from_pydict({"x": list(range(100_000))})
                print("ready", flush=True)
                try:
                    df.select(slow(daft.col("x"))).collect()
                    print("finished", flush=True)
                except KeyboardInterrupt:
                    print("interrupted", flush=True)
                print(df.select(daft.col("x") + 1).limit(2).to_pydict(), flush=True)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    reacted = time.monotonic() - sent
    # Before: the interrupt waited for the batch (82 s of rows), and a UDF
    # still running at exit aborted the interpreter (return code -6).
    assert child.returncode == 0, err
    assert out.split("\n")[:2] == ["interrupted", "{'x': [1, 2]}"], out
    assert reacted < 30, reacted


def test_cls_is_constructed_once_and_serves_every_batch_and_method():
    built = []

    @daft.cls
    class Adder:
        def __init__(self, k: int):
            built.append(k)
            time.sleep(0.05)  # a slow load: two engine threads would both build
            self.k = k

        def __call__(self, x: int) -> int:
            return None if x is None else x + self.k

        @daft.method(return_dtype=DataType.string())
        def show(self, x):
            return f"{x}+{self.k}"

        @daft.method.batch(return_dtype=DataType.int64())
        def times(self, xs):
            return [None if v is None else v * self.k for v in xs.to_pylist()]

        def minus(self, x: int) -> int:
            return None if x is None else x - self.k

    adder = Adder(10)
    assert built == []  # nothing is built until a batch needs it
    d = data(400, seed=9)
    got = many_batches(d).select(
        adder(col("x")),
        adder.show(col("x")).alias("s"),
        adder.times(col("x")).alias("t"),
        adder.minus(col("x")).alias("m"),
    )
    assert got.to_pydict() == {
        "x": [None if x is None else x + 10 for x in d["x"]],
        # Each method sees the input column x, not another output named x
        # (real Daft 0.7.26 passes the first output on to the later ones).
        "s": [f"{x}+10" for x in d["x"]],
        "t": [None if x is None else x * 10 for x in d["x"]],
        "m": [None if x is None else x - 10 for x in d["x"]],
    }
    assert built == [10]
    assert adder(5) == 15 and adder.show(5) == "5+10" and built == [10]


def test_cls_async_and_generator_methods():
    import asyncio

    @daft.cls(max_concurrency=8)
    class Service:
        def __init__(self, prefix: str):
            self.prefix = prefix

        async def __call__(self, s: str) -> str:
            await asyncio.sleep(0.001)
            return None if s is None else self.prefix + s

        def split(self, s: str) -> typing.Iterator[str]:
            yield from (s or "")

    svc = Service("> ")
    df = daft.from_pydict({"s": ["ab", None, "c"]})
    assert df.select(svc(col("s"))).to_pydict() == {"s": ["> ab", None, "> c"]}
    assert df.select(svc.split(col("s"))).to_pydict() == {"s": ["a", "b", None, "c"]}


def test_on_error_log_and_ignore_give_null_for_the_failing_rows(caplog):
    @daft.func(on_error="log")
    def inverse(x: int) -> float:
        return 1 / x

    @daft.func(on_error="ignore")
    def inverse_quietly(x: int) -> float:
        return 1 / x

    df = daft.from_pydict({"x": [2, 0, 4]})
    with caplog.at_level("WARNING", logger="daft.udf"):
        got = df.select(inverse(col("x")), inverse_quietly(col("x")).alias("q")).to_pydict()
    assert got == {"x": [0.5, None, 0.25], "q": [0.5, None, 0.25]}
    logged = [r.getMessage() for r in caplog.records if r.name == "daft.udf"]
    assert logged == ["UDF inverse raised ZeroDivisionError: division by zero; the row is null"]


def test_run_process_gives_each_rows_command_output():
    import subprocess

    d = {"a": ["hello", "x y", None], "n": ["1", "22", "333"]}
    df = daft.from_pydict(d)
    got = df.select(daft.functions.run_process(["echo", col("a"), "!"]).alias("out")).to_pydict()
    assert got["out"] == [
        None
        if a is None
        else subprocess.run(["echo", a, "!"], capture_output=True, text=True).stdout
        for a in d["a"]
    ]
    counted = df.select(
        daft.functions.run_process(
            "printf %s " + col("n") + " | wc -c", shell=True, return_dtype=int
        ).alias("c")
    ).to_pydict()
    assert counted == {"c": [len(n) for n in d["n"]]}
    # A failing command is null and logged by default, as in Daft; or raises.
    failing = df.select(daft.functions.run_process(["false"]).alias("f")).to_pydict()
    assert failing == {"f": [None, None, None]}
    with pytest.raises(daft.exceptions.DaftCoreException, match="CalledProcessError"):
        df.select(daft.functions.run_process(["sh", "-c", "exit 3"], on_error="raise")).collect()


def test_resource_request_records_amounts_and_refuses_negative_ones():
    r = daft.ResourceRequest(num_cpus=1, memory_bytes=100)
    assert (
        repr(r)
        == "ResourceRequest { num_cpus: Some(1.0), num_gpus: None, memory_bytes: Some(100) }"
    )
    assert r == daft.ResourceRequest(num_cpus=1.0, memory_bytes=100)
    assert r.with_num_gpus(2).num_gpus == 2.0 and r.num_gpus is None
    top = daft.ResourceRequest.max_resources([r, daft.ResourceRequest(num_cpus=0.5, num_gpus=1)])
    assert (top.num_cpus, top.num_gpus, top.memory_bytes) == (1.0, 1.0, 100)
    with pytest.raises(ValueError, match="num_cpus must not be negative"):
        daft.ResourceRequest(num_cpus=-1)
