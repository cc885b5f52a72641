"""Plans as bytes (``PyLogicalPlan.plan_bytes`` and ``daft.daft.run_plan_bytes``, the
distributed runner's plan fragments; docs/distributed.md): functions from installed plugin
wheels travel by plugin name and version and are resolved again by the receiving process.

The plans are compared with running the same DataFrame directly; the receiving process of
the last tests is a fresh interpreter, started without the plugin or with the other version.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import daft
import pytest
from daft import col

if not hasattr(daft.functions, "checksum"):
    if os.environ.get("CI"):
        raise ImportError("the text plugin (daft-plugin-text) is not installed")
    pytest.skip("the text plugin (daft-plugin-text) is not installed", allow_module_level=True)

F = daft.functions


def frame() -> daft.DataFrame:
    n = 3_000
    return daft.from_pydict(
        {
            "k": [i % 7 if i % 11 else None for i in range(n)],
            "s": [f"Word {i % 53}!" if i % 13 else None for i in range(n)],
            "x": [i * 0.5 - 100.0 if i % 17 else None for i in range(n)],
        }
    )


def through_bytes(df: daft.DataFrame) -> dict:
    """`df` encoded as its physical plan, decoded and run in this process."""
    received = daft.daft.run_plan_bytes(df._builder.plan_bytes())
    return daft.DataFrame(received).to_pydict()


def test_a_plan_with_a_plugin_function_and_a_plugin_aggregate_gives_the_same_rows():
    df = (
        frame()
        .with_column("slug", F.text.slugify(col("s")))
        .groupby("k")
        .agg(
            F.text.checksum(col("slug")).alias("c"),
            col("x").sum().alias("sx"),
            col("s").count().alias("n"),
        )
        .sort("k")
    )
    expected = df.to_pydict()
    assert len(expected["k"]) == 8
    assert through_bytes(df) == expected


def test_a_plan_of_built_ins_with_a_join_and_a_window_gives_the_same_rows():
    from daft.functions import row_number
    from daft.window import Window

    left = frame().with_column("u", col("s").upper())
    right = daft.from_pydict({"k": list(range(7)), "name": [f"n{i}" for i in range(7)]})
    w = Window().partition_by("k").order_by("x")
    df = (
        left.join(right, on="k")
        .with_column("rn", row_number().over(w))
        .where(col("rn") <= 3)
        .sort(["k", "rn"])
    )
    expected = df.to_pydict()
    assert len(expected["k"]) == 21
    assert through_bytes(df) == expected


def test_a_python_udf_travels_pickled_and_gives_the_same_rows():
    @daft.func
    def plus_one(x: int | None) -> int | None:
        return None if x is None else x + 1

    df = frame().select(plus_one(col("k")).alias("k1"), col("s"))
    assert through_bytes(df) == df.to_pydict()


def test_a_python_udf_cloudpickle_cannot_pickle_is_refused_naming_it():
    import threading

    lock = threading.Lock()

    @daft.func
    def holds_a_lock(x: int | None) -> int:
        with lock:
            return 1

    df = frame().select(holds_a_lock(col("k")))
    with pytest.raises(Exception, match="holds_a_lock.*picklable"):
        df._builder.plan_bytes()


RECEIVER = textwrap.dedent(
    """
    import os
    import sys
    import daft
    if os.environ.get("LOAD_FIRST"):
        daft.load_plugin(os.environ["LOAD_FIRST"])
    try:
        daft.daft.run_plan_bytes(sys.stdin.buffer.read())
    except Exception as e:
        print(type(e).__name__, e)
    else:
        print("ran")
    """
)


def loaded_version(plugin: str) -> str:
    """The version of `plugin` as this process loaded it."""
    status = daft.plugins().to_pydict()
    return status["version"][status["name"].index(plugin)]


def receive_elsewhere(plan: bytes, **env: str) -> str:
    """What a fresh interpreter with `env` says when it runs `plan`."""
    out = subprocess.run(
        [sys.executable, "-c", RECEIVER],
        input=plan,
        capture_output=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout.decode().strip()


def test_a_process_without_the_plugin_refuses_the_plan_naming_plugin_function_and_place():
    df = frame().select(F.text.slugify(col("s")))
    said = receive_elsewhere(df._builder.plan_bytes(), DAFT_PLUGINS_DISABLE="1")
    version = loaded_version("text")
    assert 'plugin "text"' in said and "slugify" in said, said
    assert f"version {version} where the plan was made" in said, said
    assert "but the plugin is not loaded on" in said and "process" in said, said


def test_a_process_with_the_plugin_runs_a_plan_made_in_another_process():
    df = frame().select(F.text.slugify(col("s")))
    assert receive_elsewhere(df._builder.plan_bytes()) == "ran"


def test_a_process_with_another_version_of_the_plugin_refuses_the_plan_naming_both():
    from fixture_libs import lib

    df = frame().select(F.hello_greet(col("s")))
    said = receive_elsewhere(
        df._builder.plan_bytes(),
        DAFT_PLUGINS_DISABLE="1",
        LOAD_FIRST=lib("broken_hello_v2"),
    )
    version = loaded_version("hello")
    assert version != "9.9.9"
    assert 'plugin "hello"' in said and "hello_greet" in said, said
    assert f"with version {version} where the plan was made" in said, said
    assert "has version 9.9.9" in said, said
