"""Plugin functions under load: many morsels on every worker thread, and several queries at once.

The engine splits its input into morsels of 128 Ki rows and evaluates projections on all of
rayon's workers at once, so one query over a few million rows calls the ``hello`` plugin's
kernels from every worker thread concurrently, dozens of times. ``collect`` releases the GIL,
so queries started from several Python threads also run side by side. Every row of every
result is checked against an expectation computed here.

The plugin comes from its installed wheel, or from ``$DAFT_TEST_PLUGIN_DIR`` (the workspace
build, ``target/release`` by default) when the wheel is not installed. See
``docs/reliability.md`` ("Threads").
"""

from __future__ import annotations

import sys
import threading

import daft
import daft.functions as F
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from daft import col
from fixture_libs import LIB_DIR

MORSEL_ROWS = 128 * 1024  # host/daft-exec/src/lib.rs

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the plugin is built as .so")


@pytest.fixture(scope="module", autouse=True)
def hello() -> None:
    """Makes sure the hello plugin is loaded (its wheel's entry point, or the workspace build)."""
    if hasattr(F, "hello_add_one"):
        return
    path = LIB_DIR / "libdaft_plugin_hello.so"
    if not path.is_file():
        pytest.fail(f"{path} is missing; run `cargo build --workspace` (make test does)")
    daft.load_plugin(str(path))


def ints(n: int, start: int) -> pa.Array:
    """``start .. start+n`` with a null every 7th row."""
    values = pa.array(range(start, start + n), pa.int64())
    return pc.if_else(pc.equal(pc.bit_wise_and(values, 7), 3), None, values)


def names(n: int, tag: str) -> list[str | None]:
    return [None if i % 11 == 5 else f"{tag}{i}" for i in range(n)]


def test_one_query_calls_the_plugin_from_every_worker_over_many_morsels():
    n = 24 * MORSEL_ROWS + 1234  # 25 morsels, the last one short
    x = ints(n, start=-1000)
    df = daft.from_arrow(pa.table({"x": x}))
    out = df.select(col("x").hello_add_one().alias("y")).to_arrow()
    assert out.num_rows == n
    expected = pc.add_checked(x, 1)
    got = out.column("y").combine_chunks()
    assert got.null_count == x.null_count
    assert got.equals(expected)


def test_queries_from_several_python_threads_at_once():
    threads, rows = 4, 5 * MORSEL_ROWS + 77
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(t: int) -> None:
        try:
            x = ints(rows, start=t * 10_000_000)
            s = names(rows, tag=f"t{t}r")
            df = daft.from_arrow(pa.table({"x": x, "s": pa.array(s, pa.string())}))
            query = df.select(
                col("x").hello_add_one().alias("y"),
                col("s").hello_greet(greeting=f"hi{t}").alias("g"),
            )
            start.wait(timeout=60)
            out = query.to_arrow()
            assert out.num_rows == rows
            assert out.column("y").combine_chunks().equals(pc.add_checked(x, 1))
            expected = [None if v is None else f"hi{t}, {v}" for v in s]
            assert out.column("g").to_pylist() == expected
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    assert not any(w.is_alive() for w in workers), "a query did not finish"
    if errors:
        raise errors[0]
