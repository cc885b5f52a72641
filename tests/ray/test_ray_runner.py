"""The Ray runner (``daft.set_runner_ray``, docs/distributed.md) on a local Ray with two
CPUs: queries with plugin functions and aggregates, group-bys, joins, windows and sorts give
the rows the native runner gives; their stages run in Ray's worker processes; a plugin the
driver loaded from a file after the runner started is loaded by the workers; errors name
the plugin, the stage and the task.

Ray binds to 127.0.0.1 here (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, checked).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import daft
import pyarrow as pa
import pytest
import ray
from daft import col

from tests.plugins.fixture_libs import lib, load_once
from tests.ray.support import native_runner, ray_runner

F = daft.functions

if not hasattr(F, "checksum"):
    raise ImportError("the text plugin (daft-plugin-text) is not installed")


@pytest.fixture(scope="module", autouse=True)
def on_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        nodes = ray.nodes()
        assert [n["NodeManagerAddress"] for n in nodes] == ["127.0.0.1"], nodes
        with ray_runner():
            yield
    finally:
        ray.shutdown()


def same_on_both(make: object, sort_by: list[str] | None = None) -> dict:
    """Runs the DataFrame ``make()`` gives on Ray and natively; the rows must agree (sorted
    by ``sort_by`` where the query's order is not defined). Returns them."""
    on_ray = make().to_pydict()  # type: ignore[operator]
    with native_runner():
        native = make().to_pydict()  # type: ignore[operator]
    if sort_by:
        on_ray, native = (
            pa.Table.from_pydict(t).sort_by([(c, "ascending") for c in sort_by]).to_pydict()
            for t in (on_ray, native)
        )
    assert on_ray == native
    assert len(next(iter(native.values()))) > 0
    return native


def test_the_context_reports_the_ray_runner():
    assert daft.context.get_context().runner == "ray"
    with pytest.raises(RuntimeError, match="Cannot set runner more than once"):
        daft.set_runner_ray()
    with pytest.raises(RuntimeError, match="Cannot set runner more than once"):
        daft.set_runner_native()
    with pytest.warns(UserWarning, match="no effect"):
        daft.set_runner_ray(noop_if_initialized=True)


def test_a_group_by_with_a_plugin_function_and_a_plugin_aggregate(files):
    def make():
        return (
            daft.read_parquet(files)
            .with_column("slug", F.text.slugify(col("s")))
            .groupby("k")
            .agg(
                F.text.checksum(col("slug")).alias("c"),
                col("x").sum().alias("sx"),
                col("s").count().alias("n"),
                col("x").mean().alias("mx"),
            )
            .sort("k")
        )

    rows = same_on_both(make)
    assert len(rows["k"]) == 8


def test_a_join_of_plugin_output_with_a_window_and_a_sort(files):
    from daft.functions import row_number
    from daft.window import Window

    def make():
        left = daft.read_parquet(files).with_column("slug", F.text.slugify(col("s")))
        right = daft.from_pydict({"k": list(range(7)), "name": [f"n{i}" for i in range(7)]})
        w = Window().partition_by("k").order_by(["x", "s"])
        return (
            left.join(right, on="k")
            .with_column("rn", row_number().over(w))
            .where(col("rn") <= 3)
            .sort(["k", "rn"])
        )

    rows = same_on_both(make)
    assert len(rows["k"]) == 21


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT k, count(*) AS n, sum(x) AS sx, min(s) AS lo FROM facts GROUP BY k",
        "SELECT DISTINCT s FROM facts",
        "SELECT f.k, d.name, f.x FROM facts f LEFT JOIN dims d ON f.k = d.k",
        "SELECT k, x FROM facts WHERE x > 100 ORDER BY x DESC, k LIMIT 37",
        "SELECT k FROM facts UNION ALL SELECT k FROM dims",
        "SELECT count(*) AS n, approx_count_distinct(s) AS d FROM facts",
    ],
)
def test_sql_queries(files, sql):
    def make():
        facts = daft.read_parquet(files)  # noqa: F841 (named in the query)
        dims = daft.from_pydict({"k": list(range(5)), "name": list("abcde")})  # noqa: F841
        return daft.sql(sql)

    ordered = "ORDER BY" in sql
    columns = list(make().schema().column_names())
    same_on_both(make, None if ordered else columns)


def test_stages_run_in_ray_worker_processes_with_a_plugin_loaded_after_the_runner_started(
    files,
):
    # Loaded here after set_runner_ray (the fixture set it): the workers load it from the
    # same file before their first task.
    load_once(lib("broken_crashes"))
    df = daft.read_parquet(files).select(col("k").crash_pid().alias("pid")).distinct()
    pids = set(df.to_pydict()["pid"])
    assert os.getpid() not in pids
    assert len(pids) >= 1
    doubled = daft.read_parquet(files).select(col("k").crash_double().alias("d"))
    with native_runner():
        expected = daft.read_parquet(files).select((col("k") * 2).alias("d")).to_pydict()
    assert sorted(doubled.to_pydict()["d"], key=lambda v: (v is None, v)) == sorted(
        expected["d"], key=lambda v: (v is None, v)
    )


def test_a_plugin_file_the_workers_cannot_find_fails_the_query_naming_it(tmp_path, files):
    # The benchmark plugin, loaded from a copy that is gone by the time the workers look.
    copy = tmp_path / "libdaft_plugin_bench.so"
    shutil.copy(lib("daft_plugin_bench"), copy)
    status = daft.load_plugin(str(copy))
    assert status["name"] == "bench"
    os.remove(copy)
    df = daft.read_parquet(files).select(F.bench_abs(col("k")).alias("v"))
    with pytest.raises(Exception) as info:
        df.to_pydict()
    said = str(info.value)
    assert 'plugin "bench"' in said and "not loaded" in said, said
    assert str(copy) in said and "does not exist" in said, said
    assert "stage" in said and "task" in said, said


def test_python_udfs_run_on_the_workers(files):
    @daft.func(return_dtype=daft.DataType.int64())
    def plus_one(x: int | None) -> int | None:
        return None if x is None else x + 1

    @daft.func.batch(return_dtype=daft.DataType.float64())
    def halve(x: daft.Series) -> daft.Series:
        import pyarrow.compute as pc

        return pc.divide(x.to_arrow(), 2.0)

    def make():
        return (
            daft.read_parquet(files)
            .select(plus_one(col("k")).alias("k1"), halve(col("x")).alias("h"))
            .groupby("k1")
            .agg(col("h").sum().alias("sh"), col("h").count().alias("n"))
            .sort("k1")
        )

    rows = same_on_both(make)
    assert len(rows["k1"]) == 8

    @daft.func(return_dtype=daft.DataType.int64())
    def where_am_i(x: int | None) -> int:
        return os.getpid()

    pids = set(daft.read_parquet(files).select(where_am_i(col("k"))).to_pydict()["k"])
    assert os.getpid() not in pids


def test_a_class_udf_is_built_once_per_worker_process(files):
    @daft.cls
    class Tagger:
        def __init__(self) -> None:
            import uuid

            self.tag = f"{os.getpid()}:{uuid.uuid4().hex}"

        @daft.method(return_dtype=daft.DataType.string())
        def __call__(self, x: int | None) -> str:
            return self.tag

    tagger = Tagger()
    # Three queries, each of several tasks, on the same workers.
    tags: set[str] = set()
    for _ in range(3):
        df = daft.read_parquet(files).select(tagger(col("k")).alias("t")).distinct()
        tags |= set(df.to_pydict()["t"])
    pids = [t.split(":")[0] for t in tags]
    assert str(os.getpid()) not in pids
    # One instance per worker process, whatever the number of tasks it ran.
    assert len(pids) == len(set(pids)), sorted(tags)


def test_a_python_udf_that_raises_names_the_udf_the_stage_and_the_task(files):
    @daft.func(return_dtype=daft.DataType.int64())
    def picky(x: int | None) -> int:
        if x == 3:
            raise KeyError("three")
        return 0

    df = daft.read_parquet(files).select(picky(col("k")))
    with pytest.raises(Exception) as info:
        df.to_pydict()
    said = str(info.value)
    assert "picky" in said and "three" in said, said
    assert "stage" in said and "task" in said, said


def test_a_python_udaf_is_refused_naming_it(files):
    df = daft.read_parquet(files).agg(col("x").approx_percentiles(0.5).alias("p"))
    with pytest.raises(Exception, match="percentile"):
        df.to_pydict()


def test_daft_runner_ray_in_the_environment_sets_the_runner_at_import():
    script = textwrap.dedent(
        """
        import sys
        import daft
        assert "ray" not in sys.modules, "import daft imported ray"
        assert daft.context.get_context().runner == "ray"
        import ray
        ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
        df = daft.from_pydict({"k": [1, 2, 1, None], "v": [1.0, 2.0, 3.0, 4.0]})
        print(sorted(df.groupby("k").agg(daft.col("v").sum()).to_pydict()["v"]))
        """
    )
    env = {**os.environ, "DAFT_RUNNER": "ray", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[2.0, 4.0, 4.0]"


def test_import_daft_does_not_import_ray():
    out = subprocess.run(
        [sys.executable, "-c", "import sys, daft; print('ray' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "DAFT_RUNNER"},
    )
    assert out.stdout.strip() == "False", out.stderr
