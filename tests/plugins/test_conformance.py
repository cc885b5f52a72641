"""The plugin conformance kit, ``daft.testing``.

It passes on every first-party plugin (``hello``, ``text``, ``geo``, installed from their
wheels, found by name the way ``import daft`` finds them), which is how CI runs the kit on
them, and it fails, naming the right finding, on the misbehaving fixture plugins built by
``cargo build --workspace`` into ``$DAFT_TEST_PLUGIN_DIR`` (``target/release`` by default):
``libdaft_plugin_test_fixture.so`` and ``libbroken_bad_results.so`` (which has a function
that aborts the process: the kit's child dies, pytest does not).

Inputs are small here (few examples, two morsels) to keep the file quick; the seed is fixed,
so every run checks the same inputs.
"""

from __future__ import annotations

import os
import subprocess
import sys

import daft
import pyarrow as pa
import pytest
from fixture_libs import lib

testing = pytest.importorskip("daft.testing", reason="daft.testing needs hypothesis")

# Two morsels of the engine (128Ki rows each), so the second starts at an offset.
SMALL = {"max_examples": 12, "large_rows": 140_000, "threads": 3}


linux_only = pytest.mark.skipif(sys.platform != "linux", reason="fixtures are built as .so")


# ---- first-party plugins conform -----------------------------------------------------------


@pytest.mark.parametrize("plugin", ["hello", "text", "geo"])
def test_a_first_party_plugin_conforms(plugin, tmp_path):
    installed = {r["name"] for r in daft.plugins().to_pylist() if r["status"] == "loaded"}
    if plugin not in installed:
        if os.environ.get("CI"):
            raise AssertionError(f"the {plugin} plugin is not installed (make install)")
        pytest.skip(f"the {plugin} plugin is not installed")
    # text.in_wordlist reads the word list its `path` option names: the kit is given one.
    words = tmp_path / "words.txt"
    words.write_text("a\nb\n")
    option_values = {"in_wordlist": {"path": str(words)}} if plugin == "text" else None
    report = testing.assert_plugin_conforms(plugin, option_values=option_values, **SMALL)
    assert report.plugin == plugin
    assert report.functions
    for f in report.functions:
        assert [c.check for c in f.checks] == list(testing.CHECKS)
        # Every function accepts some input, so every check really ran.
        assert all(c.status == "PASS" for c in f.checks), str(report)
    # Aggregates get the same checks, on the same inputs aggregated.
    if plugin == "text":
        checksum = report.function("checksum")
        assert checksum is not None and checksum.ok, str(report)
        assert "accepts" in checksum.check("signatures").detail


def test_geo_functions_are_fed_geo_points():
    # The extension types a plugin declares are generated for its `Any` parameters.
    report = testing.check_plugin("geo", functions=["haversine"], **SMALL)
    signatures = report.function("haversine").check("signatures")
    assert "(a: geo.point, b: geo.point)" in signatures.detail, str(report)


def test_plugin_extension_types_gives_storage_and_metadata():
    schema = pa.schema(daft.daft.plugin_extension_types())
    if "geo.point" not in schema.names:
        pytest.skip("the geo plugin is not installed")
    point = schema.field("geo.point")
    assert point.type == pa.struct(
        [pa.field("lat", pa.float64(), False), pa.field("lon", pa.float64(), False)]
    )
    assert point.metadata == {
        b"ARROW:extension:name": b"geo.point",
        b"ARROW:extension:metadata": b'{"crs":"WGS84"}',
    }


# ---- misbehaving plugins fail, with the right finding -------------------------------------


@pytest.fixture(scope="module")
def fixture_report():
    return testing.check_plugin(lib("daft_plugin_test_fixture"), **SMALL)


@pytest.fixture(scope="module")
def bad_results_report():
    return testing.check_plugin(lib("broken_bad_results"), **SMALL)


def failure(report, function: str, check: str):
    f = report.function(function)
    assert f is not None, str(report)
    result = f.check(check)
    assert result is not None and result.status == "FAIL", str(report)
    return result


@linux_only
def test_a_panicking_kernel_is_a_finding_and_daft_keeps_working(fixture_report):
    assert not fixture_report.ok
    empty = failure(fixture_report, "fixture_panic_kernel", "empty")
    assert empty.detail.startswith("panicked; a kernel must return an error instead: ")
    assert "kernel panicked: kernel exploded" in empty.detail
    assert "daft kept working" in empty.detail
    assert empty.input is not None and "= []" in empty.input


@linux_only
def test_a_panicking_return_type_rule_is_a_finding(fixture_report):
    result = failure(fixture_report, "fixture_panic_rule", "signatures")
    assert "return-type rule panicked: rule exploded" in result.detail
    rest = fixture_report.function("fixture_panic_rule").checks[1:]
    assert {c.status for c in rest} == {"SKIP"}


@linux_only
def test_a_rule_declaring_the_wrong_extension_storage_is_a_finding(fixture_report):
    result = failure(fixture_report, "fixture_bad_point", "signatures")
    assert "returned extension type fixture.point with storage Utf8" in result.detail


@linux_only
def test_a_kernel_that_always_errors_fails_on_inputs_without_values(fixture_report):
    result = failure(fixture_report, "fixture_err_kernel", "empty")
    assert "failed on an input without values" in result.detail
    assert "bad input value" in result.detail


@linux_only
def test_a_function_rejecting_every_type_is_skipped_not_failed(fixture_report):
    f = fixture_report.function("fixture_reject")
    assert f.ok
    assert f.check("signatures").status == "SKIP"
    assert "rejects every input type" in f.check("signatures").detail


@linux_only
@pytest.mark.parametrize(
    "function",
    ["fixture_identity", "fixture_point", "fixture_sum", "fixture_zeros", "hello_greet"],
)
def test_the_fixtures_healthy_functions_pass(fixture_report, function):
    f = fixture_report.function(function)
    assert f is not None and f.ok, str(fixture_report)
    assert [c.status for c in f.checks] == ["PASS"] * len(testing.CHECKS), str(fixture_report)


@linux_only
@pytest.mark.parametrize(
    ("function", "check", "words"),
    [
        ("bad_wrong_length", "empty", "returned 1 rows for an input of 0 rows"),
        ("bad_wrong_type", "empty", "returned type String but declared Int64"),
        # On an empty input its single offset points at nothing that could be read, and the
        # host repairs such an array on import (plugin-api/src/arrow_import.rs); the first
        # input with rows shows it.
        ("bad_offsets", "all-null", "returned an invalid array"),
        ("bad_offsets_past_buffer", "all-null", "of Utf8 is larger than values length 4"),
        ("bad_writes_input", "random", "wrote into its argument #1"),
        # Writes only under the nulls: every value stays the same, the bytes do not.
        ("bad_writes_null_slots", "all-null", "wrote into its argument #1"),
        ("bad_ignores_offset", "sliced", "the result depends on the array's offset"),
        ("bad_nondeterministic", "determinism", "the same input twice gave different results"),
        ("bad_nulls_declared_non_nullable", "all-null", "declared its result non-nullable"),
        ("bad_list_item_nullability", "empty", "List<item: Utf8 not null>"),
    ],
)
def test_wrong_results_are_findings(bad_results_report, function, check, words):
    result = failure(bad_results_report, function, check)
    assert words in result.detail
    assert result.input is not None


@linux_only
def test_an_offset_bug_is_shown_on_a_shrunk_input(bad_results_report):
    result = failure(bad_results_report, "bad_ignores_offset", "sliced")
    # Shrunk: one string after one sliced-off string is enough to show it.
    assert result.input.startswith("s: string")
    assert result.input.endswith(" = ['1'] sliced at offset 1 from ['0', '1']")
    assert "row 0 is '0' sliced at 1 but '1' at offset 0" in result.detail
    # Empty and all-null inputs do not show the bug.
    f = bad_results_report.function("bad_ignores_offset")
    assert f.check("empty").status == f.check("all-null").status == "PASS"


@linux_only
def test_a_crash_fails_the_running_check_and_the_rest_is_still_checked(bad_results_report):
    result = failure(bad_results_report, "crash_abort_on_null", "all-null")
    assert "the process was killed by SIGABRT during this check" in result.detail
    assert "x: " in result.input and "None" in result.input
    f = bad_results_report.function("crash_abort_on_null")
    assert f.check("empty").status == "PASS"
    after = f.checks[[c.check for c in f.checks].index("all-null") + 1 :]
    assert {c.status for c in after} == {"SKIP"}
    # Every function of the plugin was checked, before and after the crash.
    assert {fn.name for fn in bad_results_report.functions} == {
        f"bad_results.{n}"
        for n in [
            "bad_wrong_length",
            "bad_wrong_type",
            "bad_offsets",
            "bad_offsets_past_buffer",
            "bad_writes_input",
            "bad_writes_null_slots",
            "sqrt",
            "bad_ignores_offset",
            "bad_nondeterministic",
            "crash_abort_on_null",
            "bad_nulls_declared_non_nullable",
            "bad_list_item_nullability",
        ]
    }
    for fn in bad_results_report.functions:
        assert [c.check for c in fn.checks] == list(testing.CHECKS)
    # The healthy one among them passes.
    assert bad_results_report.function("sqrt").ok


@linux_only
def test_the_report_text_names_each_function_and_check(bad_results_report):
    text = str(bad_results_report)
    lines = text.splitlines()
    assert lines[0].startswith("daft.testing: plugin bad_results 0.0.1 (")
    assert "bad_results.bad_wrong_type(x)" in lines
    assert any(line.split()[:2] == ["FAIL", "sliced"] and "offset" in line for line in lines), text
    assert lines[-1].startswith("FAIL: ")
    assert "bad_results.crash_abort_on_null" in lines[-1]


@linux_only
def test_assert_plugin_conforms_raises_with_the_report():
    with pytest.raises(AssertionError, match=r"(?s)does not conform.*FAIL +empty"):
        testing.assert_plugin_conforms(
            lib("broken_bad_results"), functions=["bad_wrong_type"], **SMALL
        )


@linux_only
def test_the_same_seed_gives_the_same_report():
    kw = {**SMALL, "functions": ["bad_ignores_offset", "bad_nondeterministic"], "seed": 7}
    first = testing.check_plugin(lib("broken_bad_results"), **kw)
    second = testing.check_plugin(lib("broken_bad_results"), **kw)
    # A deterministic function's report is the same to the letter.
    assert str(first.functions[0]) == str(second.functions[0])

    # The seed picks the inputs, so a nondeterministic function fails the same checks
    # on the same inputs; the values it returned differ, since it counts its calls and
    # the engine runs a large input's partitions on parallel threads.
    def outline(report):
        return [(c.check, c.status, c.input) for c in report.functions[1].checks]

    assert first.functions[1].name == "bad_results.bad_nondeterministic"
    assert outline(first) == outline(second)


# ---- other ways to run it -----------------------------------------------------------------


def test_in_process_run_of_a_loaded_plugin():
    if not hasattr(daft.functions, "hello_add_one"):
        pytest.skip("the hello plugin is not installed")
    report = testing.check_plugin(
        "hello", functions=["hello_add_one"], isolate=False, max_examples=5, large_rows=1000
    )
    assert report.ok, str(report)
    assert [f.name for f in report.functions] == ["hello.hello_add_one"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "daft.testing", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@linux_only
def test_the_command_line_exits_1_on_a_failure():
    proc = run_cli(
        lib("broken_bad_results"),
        "--function",
        "bad_wrong_length",
        "--max-examples",
        "5",
        "--large-rows",
        "1000",
    )
    assert proc.returncode == 1, proc.stderr
    assert "FAIL  empty" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith("FAIL: ")


def test_the_command_line_exits_0_when_everything_passes():
    if not hasattr(daft.functions, "hello_greet"):
        pytest.skip("the hello plugin is not installed")
    proc = run_cli("daft_plugin_hello", "--max-examples", "5", "--large-rows", "1000")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("PASS: 16 checks of 2 functions")


def test_the_command_line_exits_2_when_there_is_no_such_plugin():
    proc = run_cli("no_such_plugin_anywhere")
    assert proc.returncode == 2
    assert "no plugin 'no_such_plugin_anywhere'" in proc.stdout


def test_import_daft_does_not_import_hypothesis():
    code = "import sys, daft; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_hypothesis_the_import_error_names_the_extra():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import daft.testing\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "daft-engine[testing]" in out.stdout


def test_option_values_reach_the_function_and_unknown_names_are_refused(tmp_path):
    if not hasattr(daft.functions, "in_wordlist"):
        if os.environ.get("CI"):
            raise AssertionError("the text plugin is not installed (make install)")
        pytest.skip("the text plugin is not installed")
    # Without a word list the function cannot run on the inputs that must not fail.
    without = testing.check_plugin("text", functions=["in_wordlist"], **SMALL)
    assert not without.ok and "cannot read the word list" in without.reason
    words = tmp_path / "words.txt"
    words.write_text("x\n")
    given = testing.check_plugin(
        "text",
        functions=["in_wordlist"],
        option_values={"in_wordlist": {"path": str(words)}},
        **SMALL,
    )
    assert given.ok, str(given)
    wrong = testing.check_plugin("text", option_values={"nope": {"path": "x"}}, **SMALL)
    assert wrong.error is not None and "'nope'" in wrong.error and "no such function" in wrong.error


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("merge_drops_states", "merged from 3 partitions"),
        ("panic", "panicked"),
        ("wrong_type", "has type Int32 but Int64 was declared"),
        ("wrong_rows", "rows for"),
    ],
)
def test_the_kit_catches_a_misbehaving_aggregate(mode, words):
    report = testing.check_plugin(
        lib("daft_plugin_test_fixture"),
        functions=["fixture_count"],
        option_values={"fixture_count": {"mode": mode}},
        **SMALL,
    )
    assert not report.ok, str(report)
    assert report.reason.startswith("fixture.fixture_count: "), report.reason
    assert words in report.reason, report.reason


def test_a_well_behaved_aggregate_passes_every_check():
    report = testing.check_plugin(
        lib("daft_plugin_test_fixture"), functions=["fixture_count"], **SMALL
    )
    assert report.ok, str(report)
    (fn,) = report.functions
    assert [c.check for c in fn.checks] == list(testing.CHECKS)
    assert "each run twice" in fn.check("determinism").detail
