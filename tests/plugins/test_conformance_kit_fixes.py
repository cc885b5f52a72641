"""Where a stranger writing a plugin from ``docs/plugins.md`` alone stumbled over the
conformance kit, ``daft.testing``, and the guide's section 6 ("Check it with the conformance
kit"); each test pins one fix.

1. A bare name on the command line is an installed plugin, never a file or folder of that
   name in the working directory.
2. A report that is not ``ok`` always says why, in one line naming the function and check.
3. The signature the report prints is ``inspect.signature`` of the function users call.
4. The kit itself notices a kernel that writes into its input arrays (checksums of every
   buffer before and after the call), whether or not the engine's strict mode is on.
5. The guide's section 6 says how to reinstall a rebuilt wheel, how result columns are
   named, and which exception a user sees for each kind of plugin failure; the last two are
   checked here against the engine.

The fixture plugins (``$DAFT_TEST_PLUGIN_DIR``, see ``fixture_libs.py``) are loaded only in
child interpreters, so this test process keeps its own set of plugins.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import daft
import pyarrow as pa
import pytest
from daft import col
from fixture_libs import ROOT, lib

testing = pytest.importorskip("daft.testing", reason="daft.testing needs hypothesis")

from daft.testing import _checks, _inputs, _locate, _runner  # noqa: E402
from daft.testing._report import CheckResult, FunctionReport, PluginReport  # noqa: E402

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="fixtures are built as .so")
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses a shell script")

TINY = {"max_examples": 3, "large_rows": 1000, "threads": 2}


def installed(plugin: str) -> bool:
    return any(r["name"] == plugin and r["status"] == "loaded" for r in daft.plugins().to_pylist())


def needs(plugin: str) -> None:
    if not installed(plugin):
        if os.environ.get("CI"):
            raise AssertionError(f"the {plugin} plugin is not installed (make install)")
        pytest.skip(f"the {plugin} plugin is not installed")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "daft.testing", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def run_python(code: str, **env_vars: str) -> subprocess.CompletedProcess:
    """Runs ``code`` in a fresh interpreter without the installed plugins; it prints JSON
    as its last line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAFT_")}
    env.update(DAFT_PLUGINS_DISABLE="1", RUST_BACKTRACE="0", **env_vars)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def last_json(proc: subprocess.CompletedProcess):
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---- 1. a bare name is a plugin, not a file here -------------------------------------------


def test_only_the_spelling_makes_a_target_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hello").mkdir()
    (tmp_path / "shout").write_text("not a library")
    # Bare names, although a folder and a file of those names are here.
    assert not _locate._looks_like_path("hello")
    assert not _locate._looks_like_path("shout")
    assert not _locate._looks_like_path("daft_plugin_hello")
    for path in ["./hello", "build/libshout.so", "libshout.so", "shout.dylib", "shout.dll"]:
        assert _locate._looks_like_path(path), path
    # So the child checking "hello" still sees the installed plugins.
    monkeypatch.delenv("DAFT_PLUGINS_DISABLE", raising=False)
    assert "DAFT_PLUGINS_DISABLE" not in _runner._child_env("hello")
    assert _runner._child_env("./hello")["DAFT_PLUGINS_DISABLE"] == "1"


def test_the_command_line_checks_the_installed_plugin_when_a_folder_has_its_name(tmp_path):
    needs("hello")
    (tmp_path / "hello").mkdir()  # e.g. the plugin's own crate folder
    proc = run_cli(
        "hello", "--function", "hello_add_one", "--in-process", *_cli(TINY), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("daft.testing: plugin hello "), proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith("PASS: 8 checks of 1 function")


def test_no_such_plugin_says_to_write_dot_slash_for_a_file_here(tmp_path):
    (tmp_path / "no_such_plugin_here").mkdir()
    (tmp_path / "libnothing").write_text("not a library")
    for name in ["no_such_plugin_here", "libnothing"]:
        proc = run_cli(name, "--in-process", cwd=tmp_path)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        last = proc.stdout.strip().splitlines()[-1]
        assert last.startswith(f"ERROR: no plugin {name!r}: "), last
        assert f"write ./{name} to check that file" in last, last
    # Without such a file, no such hint.
    proc = run_cli("no_such_plugin_anywhere", "--in-process", cwd=tmp_path)
    assert proc.returncode == 2
    assert "write ./" not in proc.stdout


def test_a_pathlike_is_a_file_even_without_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = testing.check_plugin(Path("hello"), functions=["hello_add_one"], isolate=False, **TINY)
    # Not the installed hello plugin: the file ./hello, which does not exist.
    assert report.plugin is None
    assert report.error.startswith("cannot load ./hello: "), report.error


def _cli(options: dict) -> list[str]:
    return [a for k, v in options.items() for a in (f"--{k.replace('_', '-')}", str(v))]


# ---- 2. a report that is not ok says why ---------------------------------------------------


def test_a_failed_check_always_has_a_one_line_detail():
    assert CheckResult("empty", "FAIL", "").detail.startswith("the empty check failed without")
    assert CheckResult("empty", "FAIL", "  \n ").detail != ""
    assert CheckResult("random", "FAIL", "first line\n  second line\n").detail == (
        "first line | second line"
    )
    assert CheckResult("random", "PASS", "3 inputs").detail == "3 inputs"


def test_the_reason_names_the_function_and_the_check():
    report = PluginReport("p", plugin="p")
    assert report.ok and report.reason is None and report.reasons == []
    report.functions.append(
        FunctionReport(
            "p.f",
            "(x)",
            [
                CheckResult("signatures", "PASS", "accepts 1 of 1"),
                CheckResult("empty", "FAIL", "returned the wrong number\nof rows"),
                CheckResult("all-null", "FAIL", ""),
            ],
        )
    )
    assert not report.ok
    assert report.reason == (
        "p.f: empty: returned the wrong number | of rows (and 1 more failed check)"
    )
    assert report.reasons[1].startswith("p.f: all-null: the all-null check failed without")
    for error in ["", "cannot load x:\nbad ELF"]:
        broken = PluginReport("x", error=error)
        assert not broken.ok
        assert broken.reason and "\n" not in broken.reason
        assert str(broken).splitlines()[-1] == f"ERROR: {broken.reason}"


def fake_child(tmp_path: Path, events: list[dict], monkeypatch) -> None:
    """Makes the kit's child a shell script that prints ``events`` and dies of SIGSEGV (and,
    started again to check the remaining functions, finds none left)."""
    lines = "\n".join(f"echo {_sh(json.dumps(e))}" for e in events)
    plugin = {"event": "plugin", "plugin": "p", "version": "0", "path": "x", "functions": []}
    script = tmp_path / "fake-python"
    script.write_text(
        "#!/bin/sh\n"
        'case "$*" in *--skip*)\n'
        f"  echo {_sh(json.dumps(plugin))}\n"
        f"  echo {_sh(json.dumps({'event': 'done'}))}\n"
        "  exit 0;;\n"
        "esac\n"
        f"{lines}\n"
        "kill -SEGV $$\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "executable", str(script))


def _sh(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


PLUGIN = {"event": "plugin", "plugin": "p", "version": "0", "path": "x", "functions": ["p.f"]}
FUNCTION = {"event": "function", "function": "p.f", "signature": "(x)"}


def running(check: str, inp: str | None = None) -> dict:
    return {"event": "running", "function": "p.f", "check": check, "input": inp}


def passed(check: str) -> dict:
    return {
        "event": "check",
        "function": "p.f",
        "check": check,
        "status": "PASS",
        "detail": "fine",
        "input": None,
    }


@posix_only
@pytest.mark.parametrize(
    ("events", "reason"),
    [
        # Dead while loading the plugin: nothing was printed.
        ([], "the checking process was killed by SIGSEGV while finding or loading the plugin p"),
        # Dead after the plugin loaded, before its first function.
        ([PLUGIN], "the checking process was killed by SIGSEGV after loading the plugin p"),
        # Dead during a check.
        (
            [PLUGIN, FUNCTION, running("signatures"), passed("signatures"), running("empty")],
            "p.f: empty: the process was killed by SIGSEGV during this check",
        ),
        # Dead between two checks of a function.
        (
            [PLUGIN, FUNCTION, running("signatures"), passed("signatures")],
            "p.f: empty: the process was killed by SIGSEGV after the signatures check, before "
            "this check began",
        ),
        # Dead right after a function began.
        (
            [PLUGIN, FUNCTION],
            "p.f: signatures: the process was killed by SIGSEGV before this check, the function's "
            "first, began",
        ),
    ],
)
def test_a_crash_of_the_child_always_gives_a_reason(tmp_path, monkeypatch, events, reason):
    fake_child(tmp_path, events, monkeypatch)
    report = testing.check_plugin("p", timeout=60)
    assert not report.ok
    assert report.reason.startswith(reason), report.reason
    assert "\n" not in report.reason
    for f in report.functions:
        # The function the crash is charged to has every check, the rest skipped.
        assert [c.check for c in f.checks] == list(testing.CHECKS), str(report)


def test_a_function_that_is_not_there_is_an_error_not_a_pass():
    needs("hello")
    report = testing.check_plugin("hello", functions=["no_such_function"], isolate=False)
    assert not report.ok
    assert report.reason == (
        "plugin hello has no function 'no_such_function' (it has: hello_add_one, hello_greet)"
    )


def test_a_load_failure_gives_a_reason(tmp_path):
    bogus = tmp_path / "libbogus.so"
    bogus.write_text("not a library")
    report = testing.check_plugin(str(bogus))
    assert not report.ok
    assert report.reason.startswith(f"cannot load {bogus}: "), report.reason
    assert "\n" not in report.reason


def test_assert_plugin_conforms_leads_with_the_reason(tmp_path):
    bogus = tmp_path / "libbogus.so"
    bogus.write_text("not a library")
    with pytest.raises(AssertionError) as raised:
        testing.assert_plugin_conforms(str(bogus))
    first = str(raised.value).splitlines()[0]
    assert first.startswith(f"the plugin does not conform: cannot load {bogus}: "), first


# ---- 3. the printed signature is the one users call ----------------------------------------


@pytest.mark.parametrize("plugin", ["hello", "text"])
def test_the_printed_signature_is_inspect_signature_of_the_function(plugin):
    needs(plugin)
    namespace = getattr(daft.functions, plugin)
    _plain, by_provider = daft.daft.list_functions()
    fns = dict(by_provider)[plugin]
    assert fns
    events: list[dict] = []
    for pyfn in fns:
        checker = _checks._FunctionChecker(
            pyfn, plugin, [], events.append, max_examples=1, large_rows=1, threads=1, seed=0
        )
        users = getattr(namespace, pyfn.name)
        assert checker.signature == str(inspect.signature(users)), pyfn.name
        if getattr(daft.functions, pyfn.name, None) is not None:
            plain = getattr(daft.functions, pyfn.name)
            if getattr(plain, "_daft_provider", None) == plugin:
                assert checker.signature == str(inspect.signature(plain)), pyfn.name


def test_the_report_prints_the_signature_users_see():
    needs("hello")
    report = testing.check_plugin("hello", functions=["hello_greet"], isolate=False, **TINY)
    assert report.ok, str(report)
    expected = str(inspect.signature(daft.functions.hello.hello_greet))
    assert report.function("hello_greet").signature == expected
    assert f"hello.hello_greet{expected}" in str(report).splitlines()


# ---- 4. the kit notices a kernel that writes into its input --------------------------------


def _int64s(values: bytearray, rows: int, offset: int = 0, validity: bytearray | None = None):
    buffers = [None if validity is None else pa.py_buffer(validity), pa.py_buffer(values)]
    return pa.Array.from_buffers(pa.int64(), rows, buffers, offset=offset)


def test_the_checksum_sees_a_write_into_any_buffer():
    values = bytearray(8 * 4)
    validity = bytearray([0b1011])
    array = _int64s(values, 3, offset=1, validity=validity)
    before = _inputs._digest(array)
    assert _inputs._digest(array) == before
    values[0] = 1  # in the row sliced off, outside what the array shows
    assert _inputs._digest(array) != before
    values[0] = 0
    assert _inputs._digest(array) == before
    values[16] = 1  # under the null at row 1 (slot 2): every value stays the same
    assert array.to_pylist() == [0, None, 0]
    assert _inputs._digest(array) != before
    values[16] = 0
    validity[0] = 0b1111  # the validity bitmap
    assert _inputs._digest(array) != before

    # A child's buffer (the values of a list), and a dictionary's values.
    items = bytearray(8 * 3)
    child = _int64s(items, 3)
    lists = pa.ListArray.from_arrays(pa.array([0, 2, 3], pa.int32()), child)
    strings = pa.array(["a", "b", "a"]).dictionary_encode()
    digests = _inputs._digests([lists, strings])
    items[8] = 5
    assert _inputs._digests([lists, strings])[0] != digests[0]
    assert _inputs._digests([lists, strings])[1] == digests[1]


def test_evaluate_reports_a_call_that_wrote_into_its_argument():
    # A stand-in for a kernel writing into the memory of its argument during the call,
    # which the engine's strict mode (its copies) plays no part in.
    values = bytearray(8 * 3)
    x = _int64s(values, 3)
    untouched = pa.array(["a", "b", "c"])
    inp = _inputs._Input(
        [pa.field("s", pa.string()), pa.field("x", pa.int64())], [untouched, x], 0, {}, 3
    )

    def scribbling_call(s, x):
        values[8] = 42
        return x

    checker = _checks._FunctionChecker.__new__(_checks._FunctionChecker)
    checker.qualname = "fake.scribble"
    checker.call = scribbling_call
    out = checker.evaluate(inp)
    assert out.kind == "wrote-input" and out.finding
    assert out.explain().startswith(
        "function fake.scribble wrote into its argument #2 (x: int64, 3 rows)"
    ), out.explain()
    # The same input, left alone, is fine.
    checker.call = lambda s, x: x
    assert checker.evaluate(inp).kind == "ok"


@linux_only
def test_the_kit_catches_a_kernel_writing_into_its_input_without_strict_mode():
    # The engine's strict mode would catch it first (and hand the kernel copies); turned off
    # here, the kit's own checksums must.
    proc = run_python(
        f"""
        import json, daft, daft.testing
        daft.daft.set_plugin_strict_validation(False)
        # The kit turns strict mode on for its checks; here it cannot.
        daft.daft.set_plugin_strict_validation = lambda on: None
        report = daft.testing.check_plugin(
            {lib("broken_bad_results")!r},
            functions=["bad_writes_input", "bad_writes_null_slots", "sqrt"],
            isolate=False,
            max_examples=12,
            large_rows=1000,
            threads=2,
        )
        print(json.dumps([report.reasons, report.function("sqrt").ok]))
        """
    )
    reasons, sqrt_ok = last_json(proc)
    assert sqrt_ok
    first = {}
    for reason in reasons:
        first.setdefault(reason.split(":")[0], reason)
    assert sorted(first) == [
        "bad_results.bad_writes_input",
        "bad_results.bad_writes_null_slots",
    ], reasons
    for name, reason in first.items():
        assert f"function {name} wrote into its argument #1 (x: " in reason, reason
        assert "DaftPluginError" not in reason  # not the engine's strict mode


# ---- 5. the guide's section 6 --------------------------------------------------------------


def section_6() -> str:
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    start = text.index("## 6. Check it with the conformance kit")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_guide_says_how_to_reinstall_a_rebuilt_wheel():
    text = section_6()
    assert "pip install --force-reinstall" in text
    assert "DAFT_PLUGIN_PATH" in text
    assert "daft.load_plugin(" in text
    assert "./name" in text or "`./" in text  # a file in the working directory


def test_the_guide_shows_the_signature_users_see():
    text = section_6()
    needs("hello")
    for name in ["hello_add_one", "hello_greet"]:
        fn = getattr(daft.functions.hello, name)
        assert f"hello.{name}{inspect.signature(fn)}\n" in text, name


def test_result_columns_are_named_as_the_guide_says():
    needs("hello")
    text = section_6()
    assert "named after its first argument" in text
    assert ".alias(" in text
    df = daft.from_pydict({"name": ["a"], "x": [1]})
    F = daft.functions
    assert df.select(F.hello_greet(col("name"))).column_names == ["name"]
    assert df.select(F.hello.hello_greet(col("name"), greeting="hi")).column_names == ["name"]
    assert df.select(F.hello_add_one(col("x") + 1)).column_names == ["x"]
    assert df.select(F.hello_add_one(col("x")).alias("y")).column_names == ["y"]
    with pytest.raises(daft.exceptions.DaftCoreException):
        # Two columns named x: one must be renamed.
        df.select(col("x"), F.hello_add_one(col("x"))).collect()


# (the words of the guide's table row, the class, code run in a child that raises it)
FAILURES = [
    (
        "a kernel returns `Err(",
        "DaftCoreException",
        "fixture",
        'df.select(F.fixture_err_kernel(col("x"))).collect()',
    ),
    (
        "a kernel panics",
        "DaftPluginError",
        "fixture",
        'df.select(F.fixture_panic_kernel(col("x"))).collect()',
    ),
    (
        "a return-type rule panics",
        "DaftPluginError",
        "fixture",
        'df.select(F.fixture_panic_rule(col("x")))',
    ),
    (
        "a return-type rule returns `Err(",
        "DaftTypeError",
        "fixture",
        'df.select(F.fixture_reject(col("x")))',
    ),
    (
        "the wrong number of rows",
        "DaftPluginError",
        "bad_results",
        'df.select(F.bad_wrong_length(col("x"))).collect()',
    ),
    (
        "another type than",
        "DaftPluginError",
        "bad_results",
        'df.select(F.bad_wrong_type(col("x"))).collect()',
    ),
    (
        "nulls in a result",
        "DaftPluginError",
        "bad_results",
        'df.select(F.bad_nulls_declared_non_nullable(col("x"))).collect()',
    ),
    (
        "an invalid Arrow array",
        "DaftPluginError",
        "bad_results",
        'df.select(F.bad_offsets(col("x"))).collect()',
    ),
    (
        "writes into its arguments",
        "DaftPluginError",
        "bad_results",
        'df.select(F.bad_writes_input(col("x"))).collect()',
    ),
]


def guide_exception_rows() -> dict[str, str]:
    """The guide's table of failures: the first cell's text -> the exception class."""
    text = section_6()
    start = text.index("| when your plugin")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        classes = re.findall(r"`(Daft\w+)`", cells[-1])
        rows[cells[0]] = classes[0] if classes else cells[-1]
    return rows


def test_the_guide_lists_the_exception_of_each_failure():
    rows = guide_exception_rows()
    for words, cls, _, _ in FAILURES:
        matching = [row for row in rows if words in row]
        assert len(matching) == 1, (words, list(rows))
        assert rows[matching[0]] == cls, (words, rows[matching[0]])


@linux_only
def test_each_failure_raises_the_exception_the_guide_names():
    cases = [(words, plugin, code) for words, _, plugin, code in FAILURES]
    proc = run_python(
        f"""
        import json, daft
        from daft import col
        import daft.functions as F

        daft.load_plugin({lib("daft_plugin_test_fixture")!r})
        daft.load_plugin({lib("broken_bad_results")!r})
        df = daft.from_pydict({{"x": [1, 2, 3]}})
        seen = {{}}
        for words, _plugin, code in {cases!r}:
            try:
                exec(code)
                seen[words] = None
            except Exception as e:
                seen[words] = [c.__name__ for c in type(e).__mro__]
        print(json.dumps(seen))
        """,
        DAFT_PLUGIN_VALIDATION="full",
    )
    seen = last_json(proc)
    rows = guide_exception_rows()
    for words, cls, _, _ in FAILURES:
        assert seen[words] is not None, words
        assert seen[words][0] == cls, (words, seen[words])
        # Every one of them is a DaftCoreException, itself a ValueError.
        assert "DaftCoreException" in seen[words] and "ValueError" in seen[words]
        assert rows[next(r for r in rows if words in r)] == cls


def test_the_large_input_of_an_aggregate_has_its_rows_when_results_outnumber_them():
    # An aggregate's result per input is the global value plus one per group: more values
    # than rows for inputs of 0 or 1 rows. The large input was tiled by the results'
    # count, so its columns came out shorter than its row count and the check itself
    # failed ("Arrays were not all the same length: 300000 vs 222239").
    from daft.testing._aggregate_checks import _AggregateChecker

    checker = object.__new__(_AggregateChecker)
    checker.large_rows = 1_000
    field = pa.field("x", pa.int64())
    tiny = [
        (_inputs._Input([field], [pa.array([7], pa.int64())], 0, {}, 1), pa.array([7, 7]))
        for _ in range(5)
    ]
    checker.successes = {"x: int64": tiny}
    inp, expected = checker.large_input()
    assert expected is None
    assert inp.rows == 1_000
    assert [len(c) for c in inp.columns] == [1_001]
    assert checker.grouped_source(inp).read_all().num_rows == 1_000


def test_a_finding_hypothesis_calls_flaky_is_still_reported_as_the_finding():
    # A merge whose result depends on partition order fails one run and passes the next;
    # hypothesis then raises FlakyFailure, which the kit reported as the reason instead
    # of the finding inside it.
    hypothesis = pytest.importorskip("hypothesis")
    finding = _inputs._Finding("group 0 is 1 in one partition but 0 merged", "x: [1]")
    flaky = hypothesis.errors.FlakyFailure("unreliable", [finding])
    assert _checks._finding_in(flaky) is finding
    assert _checks._finding_in(ValueError("no")) is None
