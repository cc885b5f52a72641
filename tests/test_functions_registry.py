"""The function registry as Python sees it, build info, and logging."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import daft
import pytest
from daft import Expression, col

# The registry's functions, each reachable in daft.functions under its name (a
# few through a Python wrapper that takes Daft's arguments, such as coalesce);
# daft.functions also has the window functions, which the engine plans itself
# (tested in test_window.py and below).
FUNCTION_NAMES = sorted(f.name for f in daft.daft.list_functions()[0])

# Names Expression defines itself (operators, alias, aggregations) win over
# registry functions of the same name.
EXPRESSION_OWN = {"alias", "name", "sum", "mean", "min", "max", "count", "agg_list", "coalesce"}
# Daft's date_trunc function takes the interval first, its method the interval
# after the timestamp: the method is a different wrapper (tested in
# test_calendar_arithmetic.py).
EXPRESSION_OWN |= {"date_trunc"}
# Daft has json_tuple and to_struct only as functions (their names are variadic).
EXPRESSION_OWN |= {"json_tuple", "to_struct"}


def test_registry_lists_at_least_forty_functions():
    assert len(FUNCTION_NAMES) >= 40
    assert len(set(FUNCTION_NAMES)) == len(FUNCTION_NAMES)


def test_the_functions_the_api_promises_are_there():
    expected = {"abs", "ceil", "floor", "round", "sqrt", "lower", "upper", "contains", "split"}
    expected |= {"fill_null", "coalesce", "if_else", "is_in", "between", "cast", "is_null"}
    assert expected <= set(FUNCTION_NAMES)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_has_a_docstring_a_signature_and_is_in_dir(name):
    fn = getattr(daft.functions, name)
    assert callable(fn)
    assert fn.__name__ == name
    assert fn.__doc__ and fn.__doc__.strip()
    assert "Args:" in fn.__doc__ and "Returns:" in fn.__doc__
    sig = inspect.signature(fn)
    assert len(sig.parameters) >= 1
    assert name in dir(daft.functions)


# Functions of no expression (uuid, random_int) are no methods.
NULLARY = {
    f.name
    for f in daft.daft.list_functions()[0]
    if not any(kind in ("expr", "variadic") for _, kind, *_ in f.params)
}


def test_functions_of_no_expression_are_no_methods():
    assert {"uuid", "random_int"} <= NULLARY
    assert not any(hasattr(Expression, n) for n in NULLARY)


@pytest.mark.parametrize(
    "name", [n for n in FUNCTION_NAMES if n not in EXPRESSION_OWN and n not in NULLARY]
)
def test_function_is_an_expression_method_with_the_same_signature_and_doc(name):
    fn = getattr(daft.functions, name)
    method = getattr(Expression, name)
    assert method.__doc__ == fn.__doc__
    full = list(inspect.signature(fn).parameters.values())
    bound = getattr(col("x"), name)
    assert bound.__doc__ == fn.__doc__
    bound_params = list(inspect.signature(bound).parameters.values())
    if full[0].kind == inspect.Parameter.VAR_POSITIONAL:
        # coalesce(*exprs): the bound expression is the first of the exprs.
        assert bound_params == full
    else:
        assert bound_params == full[1:]


def test_help_shows_the_docstring(capsys):
    help(daft.functions.lower)
    assert "lowercase" in capsys.readouterr().out.lower()


def test_signature_of_a_function_with_options_shows_defaults():
    sig = inspect.signature(daft.functions.round)
    assert list(sig.parameters) == ["expr", "decimals"]
    assert sig.parameters["decimals"].default == 0
    sig = inspect.signature(daft.functions.is_in)
    assert sig.parameters["items"].kind == inspect.Parameter.VAR_POSITIONAL


def test_function_and_method_build_the_same_expression():
    df = daft.from_pydict({"s": ["Hello", None]})
    a = df.select(daft.functions.upper(col("s"))).to_pydict()
    b = df.select(col("s").upper()).to_pydict()
    assert a == b == {"s": ["HELLO", None]}


def test_is_in_takes_a_list_or_separate_items():
    df = daft.from_pydict({"x": [1, 2, 3]})
    a = df.select(col("x").is_in([1, 3])).to_pydict()
    b = df.select(col("x").is_in(1, 3)).to_pydict()
    assert a == b == {"x": [True, False, True]}


def test_options_accept_keyword_or_position():
    df = daft.from_pydict({"x": [1.234]})
    assert (
        df.select(col("x").round(2)).to_pydict()
        == df.select(col("x").round(decimals=2)).to_pydict()
    )


def test_native_function_objects_describe_themselves():
    plain, _ = daft.daft.list_functions()
    by_name = {f.name: f for f in plain}
    assert set(by_name) == set(FUNCTION_NAMES)
    lower = by_name["lower"]
    assert lower.is_builtin and lower.provider == "builtin"
    assert lower.signature == "(expr)"
    assert "lower" in repr(lower)
    assert daft.daft.get_function("round").signature == "(expr, *, decimals=0)"


# --- build info and version ---------------------------------------------------------


def test_build_info_has_the_documented_keys():
    info = daft.daft.build_info()
    expected = {
        "version",
        "rustc_version",
        "arrow_version",
        "pyo3_version",
        "allocator",
        "profile",
        "target",
        "threads",
        "builtin_functions",
    }
    assert expected <= set(info)
    assert info["version"] == daft.daft.__version__
    assert info["rustc_version"].startswith("rustc ")
    assert info["profile"] in ("debug", "release")
    assert info["threads"] >= 1
    builtins = [f for f in daft.daft.list_functions()[0] if f.provider == "builtin"]
    assert info["builtin_functions"] == len(builtins)
    assert info["pyo3_version"] != "unknown"


def test_the_allocator_keeps_freed_memory_ten_seconds_unless_the_environment_says_otherwise():
    # Without MIMALLOC_PURGE_DELAY in the environment (the test runner's may have it).
    code = "import daft; print(daft.daft.build_info()['allocator_purge_delay_ms'])"
    env = {k: v for k, v in os.environ.items() if k != "MIMALLOC_PURGE_DELAY"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "10000", out.stderr
    env["MIMALLOC_PURGE_DELAY"] = "25"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "25", out.stderr


def test_version_is_a_dotted_version_string():
    version = daft.daft.__version__
    assert isinstance(version, str)
    assert len(version.split(".")) >= 3
    assert all(part.isdigit() for part in version.split(".")[:2])
    assert daft.__version__ == version


# --- logging ---------------------------------------------------------------------------

QUERY = (
    "import daft\n"
    "df = daft.from_pydict({'a': [1, 2, 3]})\n"
    "print(df.where(daft.col('a') > 1).count_rows())\n"
)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DAFT_LOG"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=True,
    )


def logger_names(stderr: str) -> list[str]:
    # The handler DAFT_LOG installs formats "<time> <LEVEL> <logger>: <message>".
    names = []
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] in ("DEBUG", "INFO", "WARNING", "ERROR"):
            names.append(parts[3].rstrip(":"))
    return names


def test_daft_log_debug_logs_records_from_daft_loggers():
    proc = run_python(QUERY, DAFT_LOG="debug")
    assert proc.stdout.strip() == "2"
    names = logger_names(proc.stderr)
    assert names, f"no log records in stderr: {proc.stderr!r}"
    assert all(n.startswith("daft") for n in names), names
    assert any("DEBUG" in line for line in proc.stderr.splitlines())
    # Spans of plan building and of execution are logged with their durations.
    assert any(n.startswith("daft.plan") for n in names), names
    assert any("span count_rows" in line for line in proc.stderr.splitlines()), proc.stderr


FAILING_QUERY = (
    "import daft, numpy as np\n"
    "from daft import Window, col\n"
    "from daft.functions import rank\n"
    "rng = np.random.default_rng(3)\n"
    "n = 1_000_000\n"
    "df = daft.from_pydict({'k': rng.integers(0, 200_000, n), 'v': rng.random(n)})\n"
    "daft.set_execution_config(memory_limit_bytes=3_000_000)\n"
    "w = Window().partition_by('k').order_by('v')\n"
    "try:\n"
    "    df.select('k', rank().over(w).alias('r')).where(col('r') <= 1).collect()\n"
    "except MemoryError:\n"
    "    print('MemoryError')\n"
)


# Five million rows whose group-by takes about a second: long enough to be
# running (past several 50 ms polls) when the process exits or is stopped.
GROUPBY_INPUT = (
    "rng = np.random.default_rng(3)\n"
    "n = 5_000_000\n"
    "df = daft.from_pydict({'k': rng.integers(0, n // 2, n), 'v': rng.random(n)})\n"
)


def test_a_query_failing_on_one_partition_while_others_log_exits_without_a_panic():
    # One partition's sort runs out of memory; the script ends while the
    # other partition's task still logs, after the interpreter is gone. It
    # is a race (before the fix, about one run in three panicked): five runs.
    for _ in range(5):
        proc = run_python(FAILING_QUERY, DAFT_LOG="debug")
        assert proc.stdout.strip() == "MemoryError"
        assert "panicked" not in proc.stderr, proc.stderr[-2000:]


def test_at_exit_the_other_partitions_of_a_failed_query_are_waited_for():
    # The failing partition's error comes back while the others' tasks may still
    # hold its input, pyarrow's memory; released after exit tore pyarrow down, it
    # aborted the process ("cannot create default memory pool", about one run in a
    # hundred on 2 busy cores). `import daft` registers `stop_queries` at exit: once
    # it returns, every buffer the query held is back in pyarrow's pool.
    code = (
        "import gc, daft, numpy as np, pyarrow as pa\n"
        "from daft import Window, col\n"
        "from daft.functions import rank\n"
        "rng = np.random.default_rng(3)\n"
        "n = 2_000_000\n"
        "base = pa.total_allocated_bytes()\n"
        "t = pa.table({'k': pa.array(rng.integers(0, 200_000, n)).cast(pa.int32()),\n"
        "              'v': pa.array(rng.random(n)).cast(pa.float32())})\n"
        "df = daft.from_arrow(t)\n"
        "del t\n"
        "daft.set_execution_config(memory_limit_bytes=3_000_000)\n"
        "w = Window().partition_by('k').order_by('v')\n"
        "try:\n"
        "    df.select('k', rank().over(w).alias('r')).where(col('r') <= 1).collect()\n"
        "except MemoryError:\n"
        "    print('MemoryError')\n"
        "del df\n"
        "gc.collect()\n"
        "print(daft.daft.stop_queries(60.0), pa.total_allocated_bytes() - base)\n"
    )
    assert run_python(code).stdout.split() == ["MemoryError", "True", "0"]


def test_a_query_running_in_a_daemon_thread_at_exit_is_stopped_cleanly():
    # Without the stop at exit, the thread's poll for Ctrl-C touched the
    # finalized interpreter (a pyo3 panic on stderr).
    code = (
        "import threading, time, daft, numpy as np\nfrom daft import col\n"
        + GROUPBY_INPUT
        + (
            "started = threading.Event()\n"
            "def work():\n"
            "    started.set()\n"
            "    try:\n"
            "        df.groupby('k').agg(col('v').sum()).sort('k').collect()\n"
            "    except BaseException as e:\n"
            "        print('stopped', type(e).__name__, flush=True)\n"
            "threading.Thread(target=work, daemon=True).start()\n"
            "started.wait()\n"
            "time.sleep(0.2)\n"
        )
    )
    proc = run_python(code)
    assert "panicked" not in proc.stderr, proc.stderr[-2000:]
    assert proc.stdout.split() in ([], ["stopped", "KeyboardInterrupt"])


def test_a_query_started_after_the_exit_stop_runs_to_its_end():
    # An exit handler that runs before daft's (registered after `import daft`)
    # or after it may still run a query: only the queries running when
    # `stop_queries` was called are stopped.
    code = (
        "import daft, numpy as np\n"
        "from daft import col\n"
        "assert daft.daft.stop_queries(5.0)\n"
        + GROUPBY_INPUT
        + "print(len(df.groupby('k').agg(col('v').sum()).sort('k').to_pydict()['k']))\n"
    )
    groups = run_python(code).stdout.strip()
    assert int(groups) > 1_000_000


def test_without_daft_log_nothing_is_logged():
    proc = run_python(QUERY)
    assert proc.stdout.strip() == "2"
    assert logger_names(proc.stderr) == []


def test_daft_log_with_a_bad_level_warns_and_still_works():
    proc = run_python(QUERY, DAFT_LOG="loud")
    assert proc.stdout.strip() == "2"
    assert "loud" in proc.stderr


def test_logging_imported_after_daft_reaches_the_engine_after_refresh():
    # `import daft` does not import logging; the bridge to it is built by refresh_logger.
    code = (
        "import sys\n"
        "import daft\n"
        "assert 'logging' not in sys.modules\n"
        "import logging, io\n"
        "stream = io.StringIO()\n"
        "logging.getLogger('daft').addHandler(logging.StreamHandler(stream))\n"
        "logging.getLogger('daft').setLevel(logging.DEBUG)\n"
        "daft.refresh_logger()\n"
        "daft.from_pydict({'a': [1]}).where(daft.col('a') > 0).collect()\n"
        "print('records' if 'span' in stream.getvalue() else 'none')\n"
    )
    assert run_python(code).stdout.strip() == "records"


def test_python_logging_level_changes_reach_the_engine():
    code = (
        "import logging, io\n"
        "import daft\n"
        "stream = io.StringIO()\n"
        "h = logging.StreamHandler(stream)\n"
        "logging.getLogger('daft').addHandler(h)\n"
        "logging.getLogger('daft').setLevel(logging.DEBUG)\n"
        "daft.refresh_logger()\n"
        "daft.from_pydict({'a': [1]}).where(daft.col('a') > 0).collect()\n"
        "print('records' if stream.getvalue() else 'none')\n"
    )
    assert run_python(code).stdout.strip() == "records"


@pytest.mark.parametrize("name", sorted(daft.functions._OWN))
def test_python_side_functions_are_listed_documented_and_survive_a_registry_sync(name):
    assert name in daft.functions.__all__ and name in dir(daft.functions)
    fn = getattr(daft.functions, name)
    assert fn.__doc__ and fn.__module__ in (
        "daft.window",
        "daft._when",
        "daft.functions",
        "daft.functions.agg",
        "daft.functions.aliases",
        "daft.functions.calendar",
        "daft.functions.lambdas",
        "daft.functions.process",
        "daft.functions.reshape",
    )
    daft._registry.sync()
    assert getattr(daft.functions, name) is fn
