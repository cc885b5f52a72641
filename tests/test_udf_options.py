"""Options of Python UDFs (issue 12), as Daft 0.7.26 has them: max_retries,
on_error for batch UDFs, batch_size and unnest; each compared with a plain
Python loop over the same data, over many batches and with nulls."""

from __future__ import annotations

import asyncio
import threading

import daft
import pyarrow as pa
import pytest
from daft import DataType, col
from daft.exceptions import DaftCoreException


def many_batches(values: list) -> daft.DataFrame:
    return daft.from_pydict({"x": values}).into_partitions(4)


class Flaky:
    """Raises the first time it sees each key, and never again for that key
    (the order of the engine's threads does not matter)."""

    def __init__(self) -> None:
        self.calls = 0
        self.seen: set = set()
        self.lock = threading.Lock()

    def tick(self, key) -> None:
        with self.lock:
            self.calls += 1
            first = key not in self.seen
            self.seen.add(key)
        if first:
            raise ConnectionError("flaky service")


def test_max_retries_calls_a_failing_row_again_until_it_succeeds():
    flaky = Flaky()  # each value's first call fails: one retry suffices

    @daft.func(max_retries=1)
    def times10(x: int) -> int:
        flaky.tick(x)
        return None if x is None else x * 10

    values = [None if i % 7 == 0 else i for i in range(300)]
    got = many_batches(values).select(times10(col("x"))).to_pydict()["x"]
    assert got == [None if v is None else v * 10 for v in values]
    assert flaky.calls == len(values) + len(set(values))


def test_without_retries_the_first_failure_fails_the_query():
    flaky = Flaky()

    @daft.func(max_retries=0)
    def times10(x: int) -> int:
        flaky.tick(x)
        return x * 10

    with pytest.raises(DaftCoreException, match="UDF times10 raised ConnectionError"):
        daft.from_pydict({"x": [1, 2]}).select(times10(col("x"))).collect()


def test_retries_exhausted_then_on_error_decides():
    calls = []

    @daft.func(max_retries=2, on_error="ignore")
    def never(x: int) -> int:
        calls.append(x)
        raise ValueError("always")

    assert daft.from_pydict({"x": [1, 2]}).select(never(col("x"))).to_pydict() == {
        "x": [None, None]
    }
    assert sorted(calls) == [1, 1, 1, 2, 2, 2]


def test_async_and_generator_rows_are_retried_whole():
    flaky_a = Flaky()
    flaky_g = Flaky()

    @daft.func(max_retries=1)
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        flaky_a.tick(x)
        return x * 2

    @daft.func(max_retries=1)
    def upto(n: int) -> typing_iter_int():
        yield 0
        flaky_g.tick(n)  # fails after a value was yielded: the retry starts over
        yield from range(1, n)

    df = daft.from_pydict({"x": [1, 2, 3]})
    assert df.select(double(col("x"))).to_pydict() == {"x": [2, 4, 6]}
    got = df.select(upto(col("x"))).to_pydict()["x"]
    assert got == [v for n in [1, 2, 3] for v in range(n)]


def typing_iter_int():
    import typing

    return typing.Iterator[int]


def test_a_batch_udf_is_retried_per_batch():
    flaky = Flaky()

    @daft.func.batch(return_dtype=DataType.int64(), max_retries=1)
    def plus1(x):
        flaky.tick(tuple(x.to_pylist()))
        return [None if v is None else v + 1 for v in x.to_pylist()]

    values = [None if i % 5 == 0 else i for i in range(1000)]
    got = many_batches(values).select(plus1(col("x"))).to_pydict()["x"]
    assert got == [None if v is None else v + 1 for v in values]
    assert flaky.calls == 2 * len(flaky.seen) >= 8


def test_batch_on_error_ignore_and_log_null_the_failing_batch_only(caplog):
    def fails_on_zero(x):
        values = x.to_pylist()
        if 0 in values:
            raise ZeroDivisionError("a zero in the batch")
        return [100 // v for v in values]

    quiet = daft.func.batch(return_dtype=DataType.int64(), on_error="ignore", batch_size=4)(
        fails_on_zero
    )
    logged = daft.func.batch(return_dtype=DataType.int64(), on_error="log", batch_size=4)(
        fails_on_zero
    )
    values = [1, 2, 4, 5, 0, 10, 20, 25, 50, 100]
    # batch_size=4 cuts each engine batch into calls of at most 4 rows: the
    # call holding the 0 (rows 4..7 of one batch of 10) becomes nulls.
    expected = [100, 50, 25, 20, None, None, None, None, 2, 1]
    df = daft.from_pydict({"x": values})
    with caplog.at_level("WARNING", logger="daft.udf"):
        got = df.select(quiet(col("x")).alias("q"), logged(col("x")).alias("l")).to_pydict()
    assert got == {"q": expected, "l": expected}
    messages = [r.getMessage() for r in caplog.records if r.name == "daft.udf"]
    assert messages == [
        "UDF fails_on_zero raised ZeroDivisionError: a zero in the batch; the batch is null"
    ]


def test_batch_size_bounds_the_rows_of_each_call():
    seen: list[int] = []
    lock = threading.Lock()

    @daft.func.batch(return_dtype=DataType.int64(), batch_size=7)
    def size_of_call(x):
        with lock:
            seen.append(len(x))
        return pa.array([len(x)] * len(x), pa.int64())

    values = list(range(1000))
    got = many_batches(values).select(size_of_call(col("x"))).to_pydict()["x"]
    assert len(got) == 1000 and max(seen) == 7 and sum(seen) == 1000
    assert sorted(seen, reverse=True)[: len(seen) - 8] == [7] * (len(seen) - 8)

    @daft.udf(return_dtype=DataType.int64(), batch_size=3)
    def legacy(x):
        return [len(x)] * len(x)

    assert daft.from_pydict({"x": [1, 2, 3, 4]}).select(legacy(col("x"))).to_pydict() == {
        "x": [3, 3, 3, 1]
    }
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        daft.func.batch(return_dtype=DataType.int64(), batch_size=0)(lambda x: x)


def test_unnest_makes_each_struct_field_a_column():
    @daft.func(
        return_dtype=DataType.struct({"lo": DataType.int64(), "hi": DataType.int64()}),
        unnest=True,
    )
    def bounds(x: int):
        return None if x is None else {"lo": x - 1, "hi": x + 1}

    values = [3, None, 10]
    got = daft.from_pydict({"x": values, "y": ["a", "b", "c"]}).select("y", bounds(col("x")))
    assert got.to_pydict() == {
        "y": ["a", "b", "c"],
        "lo": [None if v is None else v - 1 for v in values],
        "hi": [None if v is None else v + 1 for v in values],
    }
    with pytest.raises(ValueError, match="UDF plain: unnest=True needs a struct return type"):

        @daft.func(unnest=True)
        def plain(x: int) -> int:
            return x


def test_bad_option_values_name_the_option():
    with pytest.raises(ValueError, match="max_retries must be a non-negative int, got -1"):
        daft.func(max_retries=-1)(lambda x: x)
    with pytest.raises(ValueError, match="on_error must be 'raise', 'log' or 'ignore'"):
        daft.func.batch(return_dtype=DataType.int64(), on_error="skip")(lambda x: x)
    with pytest.raises(ValueError, match="max_retries must be a non-negative int"):
        daft.cls(max_retries=1.5)


def test_batch_udfs_see_daft_sized_morsels_in_order(tmp_path):
    # Real Daft 0.7.26 hands a UDF morsels of 131,072 rows; DataFusion's
    # batches are 8,192, whose per-call cost made a cheap batch UDF 3-10x
    # slower than on bigger batches.
    import pyarrow.parquet as pq

    sizes: list[int] = []
    lock = threading.Lock()

    @daft.func.batch(return_dtype=DataType.int64())
    def record(x):
        with lock:
            sizes.append(len(x))
        return x

    n = 300_000
    pq.write_table(pa.table({"x": pa.array(range(n), pa.int64())}), tmp_path / "x.parquet")
    got = daft.read_parquet(str(tmp_path / "x.parquet")).select(record(col("x")))
    assert got.to_pydict()["x"] == list(range(n))
    assert sorted(sizes, reverse=True) == [131_072, 131_072, n - 2 * 131_072]
    sizes.clear()
    # A limit above still reads only what it needs.
    limited = daft.read_parquet(str(tmp_path / "x.parquet")).select(record(col("x"))).limit(3)
    assert limited.to_pydict() == {"x": [0, 1, 2]}


def test_legacy_udf_on_a_class_with_init_args_concurrency_and_options():
    built = []

    @daft.udf(return_dtype=DataType.int64())
    class Offset:
        def __init__(self, k: int) -> None:
            built.append(k)
            self.k = k

        def __call__(self, x):
            return [None if v is None else v + self.k for v in x.to_pylist()]

    values = [None if i % 6 == 0 else i for i in range(1000)]
    plus10 = Offset.with_init_args(10).with_concurrency(2)
    got = many_batches(values).select(plus10(col("x"))).to_pydict()["x"]
    assert got == [None if v is None else v + 10 for v in values]
    assert built == [10]  # one instance, shared by every batch
    with pytest.raises(ValueError, match=r"UDF Offset: its __init__ needs \['k'\]"):
        Offset(col("x"))

    seen = []

    @daft.udf(return_dtype=DataType.int64(), num_cpus=1)
    def sizes(x):
        seen.append(len(x))
        return [len(x)] * len(x)

    small = sizes.override_options(batch_size=2, num_cpus=2)
    assert small.resource_request.num_cpus == 2.0 and sizes.batch_size is None
    got = daft.from_pydict({"x": [1, 2, 3]}).select(small(col("x"))).to_pydict()
    assert got == {"x": [2, 2, 1]}
    with pytest.raises(ValueError, match="Function UDFs cannot have init args"):
        sizes.with_init_args(1)
