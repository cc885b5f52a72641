"""Deliberately broken plugins: each gives its exact error and daft keeps working.

Every case runs in its own subprocess (``sys.executable``, i.e. the environment where daft
is installed), so a crash in one case is a failed test instead of a dead test run. Each
subprocess starts with plugin discovery off (``DAFT_PLUGINS_DISABLE=1``), loads the healthy
``hello`` plugin from ``$DAFT_TEST_PLUGIN_DIR`` (the workspace build, ``target/release`` by
default), then the broken one, and prints, as the last line, a JSON list: the error
class and message, then the results of the healthy plugin's ``hello_greet`` and of the
built-in ``sqrt`` run after the failure. The broken fixtures are the crates under
``tests/fixtures/broken-plugins/`` (built by ``cargo build --workspace``) and the
misbehaving ``daft-plugin-test-fixture`` crate of the loader's tests.

See ``docs/reliability.md`` for the table of cases.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from fixture_libs import lib

HELLO = "daft_plugin_hello"
FIXTURE = "daft_plugin_test_fixture"
BAD_RESULTS = "broken_bad_results"

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fixtures are built as .so")

# Runs `body` (which may set `err` by raising) and then checks that daft still works.
PRELUDE = """
import json, daft
from daft import col
import daft.functions as F

if not hasattr(F, "hello_greet"):  # not already loaded from its wheel at import
    daft.load_plugin({hello!r})
err = None
"""

EPILOGUE = """
greet = daft.from_pydict({"n": ["x"]}).select(col("n").hello_greet()).to_pydict()["n"]
root = daft.from_pydict({"v": [4.0]}).select(F.sqrt(col("v"))).to_pydict()["v"]
print(json.dumps([err, greet, root]))
"""


def run_case(body: str, **env_vars: str) -> tuple[list, subprocess.CompletedProcess]:
    """Runs one case in a fresh interpreter; returns ``(error, proc)``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAFT_")}
    env.update(DAFT_PLUGINS_DISABLE="1", RUST_BACKTRACE="0")
    env.update(env_vars)
    body = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    code = (
        PRELUDE.format(hello=lib(HELLO))
        + "try:\n"
        + body
        + "\nexcept Exception as e:\n    err = [type(e).__name__, str(e)]\n"
        + EPILOGUE
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )
    err, greet, root = json.loads(proc.stdout.strip().splitlines()[-1])
    # daft and the healthy plugin still work after the failure.
    assert greet == ["hello, x"]
    assert root == [2.0]
    return err, proc


def load_error(path: str, **env_vars: str) -> list:
    err, _ = run_case(f"daft.load_plugin({path!r})", **env_vars)
    return err


def test_an_engine_warning_reaches_stderr_when_the_program_never_imported_logging():
    # The bridge to Python's logging is built at the first warning, so the default
    # handler of logging (warnings and up, to stderr) still shows it.
    err, proc = run_case(
        f"""
        import sys
        before = "logging" in sys.modules
        daft.load_plugin({lib(BAD_RESULTS)!r})
        err = [before, "logging" in sys.modules]
        """
    )
    assert err == [False, True]
    assert 'function "sqrt" clashes with the built-in function "sqrt"' in proc.stderr, proc.stderr


# ---- 1. files that are no plugin library -----------------------------------------------


def test_a_file_that_is_not_a_shared_library(tmp_path):
    bogus = tmp_path / "libnot_elf.so"
    bogus.write_text("this is a text file, not a shared library\n" * 4)
    assert load_error(str(bogus)) == [
        "DaftPluginError",
        f'plugin "libnot_elf.so": cannot load {bogus}: not a shared library: the file does '
        "not start with an ELF header",
    ]


TRUNCATED = "(an interrupted copy or install?); reinstall the plugin"


@pytest.mark.parametrize("keep", ["empty", "header", "4KiB", "half", "all-but-4KiB"])
def test_a_truncated_plugin_file_is_an_error_not_a_signal(tmp_path, keep):
    # Before: SIGBUS (rc -7) at every cut, because dlopen maps segments past the end.
    data = Path(lib(HELLO)).read_bytes()
    size = {
        "empty": 0,
        "header": 64,
        "4KiB": 4096,
        "half": len(data) // 2,
        "all-but-4KiB": len(data) - 4096,
    }[keep]
    cut = tmp_path / "libcut.so"
    cut.write_bytes(data[:size])
    kind, message = load_error(str(cut))
    assert kind == "DaftPluginError"
    if keep == "all-but-4KiB":
        # Only section headers and symbols are cut, which dlopen does not need: the copy
        # opens and is refused as a second copy of hello. What matters is no signal.
        assert "two copies are installed" in message or TRUNCATED in message
        return
    assert message.startswith(f'plugin "libcut.so": cannot load {cut}: the file ')
    assert ("empty" if size == 0 else TRUNCATED) in message


def test_a_library_for_another_machine_is_refused(tmp_path):
    data = bytearray(Path(lib(HELLO)).read_bytes())
    data[18:20] = (183).to_bytes(2, "little")  # e_machine: aarch64 on x86_64, or the reverse
    if os.uname().machine == "aarch64":
        data[18:20] = (62).to_bytes(2, "little")
    foreign = tmp_path / "libforeign.so"
    foreign.write_bytes(bytes(data))
    kind, message = load_error(str(foreign))
    assert kind == "DaftPluginError"
    assert "built for another machine (ELF machine" in message


def test_allow_list_is_applied_before_a_library_is_opened(tmp_path):
    # A truncated library on DAFT_PLUGIN_PATH that the allow-list leaves out: before, it was
    # opened (and crashed import daft) before its name was checked.
    folder = tmp_path / "plugins"
    folder.mkdir()
    data = Path(lib(HELLO)).read_bytes()
    (folder / "libcut.so").write_bytes(data[: len(data) // 2])
    shutil.copy(lib(BAD_RESULTS), folder / "libbroken_bad_results.so")
    body = """
        err = sorted(
            [r["status"], r["name"] or "", r["error"] is not None]
            for r in daft.plugins().to_pylist()
        )
        """
    err, proc = run_case(
        body,
        DAFT_PLUGINS_DISABLE="",
        DAFT_PLUGINS_ALLOW="hello,broken_bad_results",
        DAFT_PLUGIN_PATH=str(folder),
    )
    # Only the listed file was opened; the cut one left no record at all.
    assert ["loaded", "bad_results", False] in err
    assert not any(status == "failed" for status, _, _ in err), err
    # Allowed by its file stem, the cut file is opened and fails with a warning.
    err, proc = run_case(
        body,
        DAFT_PLUGINS_DISABLE="",
        DAFT_PLUGINS_ALLOW="hello,cut",
        DAFT_PLUGIN_PATH=str(folder),
    )
    assert ["failed", "", True] in err
    assert TRUNCATED in proc.stderr


def test_a_bare_name_means_an_installed_plugin_not_a_file_in_the_working_directory(tmp_path):
    # Before: load_plugin("text") loaded a file ./text ahead of the installed plugin.
    shutil.copy(lib("broken_not_a_plugin"), tmp_path / "text")
    code = (
        "import json, os, daft\n"
        f"os.chdir({str(tmp_path)!r})\n"
        "try:\n"
        "    status = daft.load_plugin('text')\n"
        "    out = [status['name'], status['path']]\n"
        "except Exception as e:\n"
        "    out = [type(e).__name__, str(e)]\n"
        "try:\n"
        "    daft.load_plugin('no_such_plugin_here')\n"
        "except Exception as e:\n"
        "    out += [type(e).__name__, str(e)]\n"
        "print(json.dumps(out))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAFT_")}
    env["DAFT_PLUGINS_DISABLE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out[0] == "DaftPluginError" and "no installed plugin" in out[1]:
        pytest.skip("the text plugin wheel is not installed in this environment")
    assert out[0] == "text"
    assert os.path.dirname(out[1]) != str(tmp_path)
    assert out[2] == "DaftPluginError"
    assert "no installed plugin is called 'no_such_plugin_here'" in out[3]
    assert "'./no_such_plugin_here'" in out[3]


@pytest.mark.parametrize(
    "entry, reason",
    [
        ("plugins", "relative entry refused: it would be resolved against the working directory"),
        ("", "empty entry refused (it would mean the working directory)"),
    ],
)
def test_relative_and_empty_plugin_path_entries_are_refused(tmp_path, entry, reason):
    err, proc = run_case(
        """
        err = [r["error"] for r in daft.plugins().to_pylist() if r["status"] == "failed"]
        """,
        DAFT_PLUGINS_DISABLE="",
        DAFT_PLUGINS_ALLOW="hello,broken_bad_results",
        DAFT_PLUGIN_PATH=os.pathsep.join([entry, lib(BAD_RESULTS)]),
    )
    # The entry is refused; the absolute one after it still loads.
    assert len(err) == 1 and err[0].startswith(reason), err
    assert "RuntimeWarning" in proc.stderr


@pytest.mark.parametrize("who", ["file-world", "file-group", "folder-world"])
def test_plugin_files_other_users_can_write_are_refused(tmp_path, who):
    folder = tmp_path / "shared"
    folder.mkdir()
    copy = folder / "libhello_copy.so"
    shutil.copy(lib(BAD_RESULTS), copy)
    target = copy if who.startswith("file") else folder
    target.chmod(target.stat().st_mode | (0o002 if who.endswith("world") else 0o020))
    kind, message = load_error(str(copy))
    assert kind == "DaftPluginError"
    what = "file" if who.startswith("file") else "folder"
    group = "its group" if who.endswith("group") else "every user"
    assert f"refused: the {what} {target} is writable by {group}" in message
    assert "DAFT_PLUGINS_ALLOW_WRITABLE=1" in message
    # The explicit switch loads it.
    assert load_error(str(copy), DAFT_PLUGINS_ALLOW_WRITABLE="1") is None


def test_a_missing_path(tmp_path):
    missing = tmp_path / "libnothing.so"
    assert load_error(str(missing)) == [
        "FileNotFoundError",
        f"load_plugin: no such plugin file: {missing}",
    ]


def test_a_missing_path_in_daft_plugin_path_is_a_warning(tmp_path):
    missing = tmp_path / "libnothing.so"
    err, proc = run_case(
        """
        failed = [r for r in daft.plugins().to_pylist() if r["status"] == "failed"]
        err = [(r["path"], r["error"]) for r in failed]
        """,
        DAFT_PLUGINS_DISABLE="",
        DAFT_PLUGINS_ALLOW="hello",
        DAFT_PLUGIN_PATH=str(missing),
    )
    reason = f"no such file or folder: {missing}"
    assert err == [[f"DAFT_PLUGIN_PATH entry {missing}", reason]]
    assert f"daft: plugin DAFT_PLUGIN_PATH entry {missing} failed to load" in proc.stderr


def test_a_folder_with_no_plugin(tmp_path):
    (tmp_path / "README.txt").write_text("no libraries here")
    # Given to load_plugin: a folder is not a library file.
    assert load_error(str(tmp_path)) == [
        "DaftPluginError",
        f'plugin "{tmp_path.name}": cannot load {tmp_path}: it is a directory; '
        "name the plugin library file",
    ]
    # Named in DAFT_PLUGIN_PATH: a warning and a failed status.
    err, proc = run_case(
        """
        err = [r["error"] for r in daft.plugins().to_pylist() if r["status"] == "failed"]
        """,
        DAFT_PLUGINS_DISABLE="",
        DAFT_PLUGINS_ALLOW="hello",
        DAFT_PLUGIN_PATH=str(tmp_path),
    )
    assert err == [f"folder {tmp_path} contains no plugin library"]
    assert "RuntimeWarning" in proc.stderr


def test_a_file_without_read_permission():
    # Root reads any file, so as root the load runs with the effective user id of
    # "nobody" (restored afterwards), from a folder that user may enter.
    folder = Path(tempfile.mkdtemp(prefix="daft-unreadable-"))
    try:
        folder.chmod(0o755)
        copy = folder / "libunreadable.so"
        shutil.copy(lib(HELLO), copy)
        copy.chmod(0o000)
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        body = f"daft.load_plugin({str(copy)!r})"
        if as_root:
            body = f"import os\nos.seteuid(65534)\ntry:\n    {body}\nfinally:\n    os.seteuid(0)"
        err, _ = run_case(body)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert err[0] == "DaftPluginError"
    assert err[1].startswith(f'plugin "libunreadable.so": cannot load {copy}: ')
    assert "Permission denied" in err[1]


# ---- 2. a shared library that is not a plugin ------------------------------------------


def test_a_shared_library_that_is_not_a_plugin():
    path = lib("broken_not_a_plugin")
    assert load_error(path) == [
        "DaftPluginError",
        f'plugin "libbroken_not_a_plugin.so": cannot load {path}: not a daft plugin '
        "(no root module; was `export_plugin!` invoked?): "
        f"{path}: undefined symbol: _1as_0lib_1header_0root_bmodule_bloader",
    ]


# ---- 3. a newer ABI --------------------------------------------------------------------


def _with_abi_version(tmp_path: Path, version: bytes) -> Path:
    """A copy of hello whose abi_stable header claims another plugin ABI version.

    There is no test-only hook to build a plugin of another ABI, so the version string in
    the library header is patched in a copy, as the loader's Rust tests do.
    """
    data = Path(lib(HELLO)).read_bytes()
    needle = b"daft plugin1.1.0"
    if data.count(needle) != 1:
        pytest.skip(f"the ABI version string occurs {data.count(needle)} times in hello")
    out = tmp_path / f"libhello_abi_{version.decode().replace('.', '_')}.so"
    out.write_bytes(data.replace(needle, b"daft plugin" + version))
    return out


@pytest.mark.parametrize(("version", "shown"), [(b"2.0.0", "2.0"), (b"1.9.0", "1.9")])
def test_a_newer_abi_version(tmp_path, version, shown):
    path = _with_abi_version(tmp_path, version)
    assert load_error(str(path)) == [
        "DaftPluginError",
        f'plugin "{path.name}": cannot load {path}: ABI version mismatch: the plugin was '
        f"built for plugin ABI {shown}, but this daft loads plugin ABI 1.0 to 1.1; rebuild "
        "the plugin against a daft-plugin-api of ABI 1.x or use a daft that supports "
        f"ABI {shown}",
    ]


# ---- 4. load-time code that panics -----------------------------------------------------


def test_a_manifest_that_panics():
    path = lib(FIXTURE)
    err, proc = run_case(
        f"""
        try:
            daft.load_plugin({path!r})
        finally:
            # Nothing of it was registered.
            assert not hasattr(F, "fixture_identity")
        """,
        DAFT_TEST_FIXTURE_PANIC_AT_LOAD="1",
    )
    assert err == [
        "DaftPluginError",
        f'plugin "libdaft_plugin_test_fixture.so": cannot load {path}: its manifest entry '
        "point failed: panicked: manifest exploded",
    ]


# ---- 5. a kernel that panics -----------------------------------------------------------


def test_a_panicking_kernel_is_an_exception_every_time_and_others_keep_working():
    body = f"""
    daft.load_plugin({lib(FIXTURE)!r})
    df = daft.from_pydict({{"x": [1, 2, 3]}})
    seen = []
    for _ in range(3):
        try:
            df.select(F.fixture_panic_kernel(col("x"))).collect()
        except daft.exceptions.DaftPluginError as e:
            seen.append(str(e))
        # Healthy functions of the same plugin, of another plugin, and a built-in.
        seen.append(df.select(F.fixture_identity(col("x"))).to_pydict()["x"])
        seen.append(df.select(col("x").hello_add_one()).to_pydict()["x"])
        seen.append(df.select(F.abs(col("x") - 2)).to_pydict()["x"])
    raise RuntimeError(json.dumps(seen))
    """
    err, proc = run_case(body)
    assert err[0] == "RuntimeError"
    # The engine's message, named after the API call that ran the query.
    message = (
        'DataFrame.collect: plugin "fixture": function fixture_panic_kernel: '
        "kernel panicked: kernel exploded"
    )
    assert json.loads(err[1]) == [message, [1, 2, 3], [2, 3, 4], [1, 0, 1]] * 3
    # The panic message is shown (by the plugin's panic hook) but nothing aborts.
    assert "kernel exploded" in proc.stderr


# ---- 6. wrong results ------------------------------------------------------------------


def _call_error(function: str) -> list:
    return load_and_call(BAD_RESULTS, f'df.select(F.{function}(col("x"))).collect()')


def load_and_call(library: str, statement: str) -> list:
    err, _ = run_case(
        f"""
        daft.load_plugin({lib(library)!r})
        df = daft.from_pydict({{"x": [1, 2, 3]}})
        {statement}
        """
    )
    return err


def test_a_result_of_the_wrong_length():
    assert _call_error("bad_wrong_length") == [
        "DaftPluginError",
        'DataFrame.collect: plugin "bad_results": function bad_wrong_length: returned 4 rows '
        "for an input of 3 rows",
    ]


def test_a_result_of_another_type_than_declared():
    assert _call_error("bad_wrong_type") == [
        "DaftPluginError",
        'DataFrame.collect: plugin "bad_results": function bad_wrong_type: returned type '
        "String but declared Int64",
    ]


def test_nulls_in_a_result_declared_non_nullable_name_the_plugin_and_function():
    assert _call_error("bad_nulls_declared_non_nullable") == [
        "DaftPluginError",
        'DataFrame.collect: plugin "bad_results": function bad_nulls_declared_non_nullable: '
        "declared its result non-nullable but returned 3 null(s) in 3 rows",
    ]


def test_types_that_print_alike_show_what_differs():
    # List[Utf8] either way in the short form; the item's nullability differs.
    assert _call_error("bad_list_item_nullability") == [
        "DaftPluginError",
        'DataFrame.collect: plugin "bad_results": function bad_list_item_nullability: '
        "returned type List<item: Utf8> but declared List<item: Utf8 not null>",
    ]


def test_a_result_with_invalid_offsets():
    # Caught by the SDK's check on the plugin side, where the buffer sizes are known.
    assert _call_error("bad_offsets") == [
        "DaftPluginError",
        'DataFrame.collect: plugin "bad_results": function bad_offsets: returned an '
        "invalid array: "
        "Invalid argument error: First offset 1 in Utf8 is smaller than last offset 0",
    ]


def test_a_result_whose_offsets_run_past_its_buffer_is_an_error_not_a_read_of_other_memory():
    # Before: the host sized the values buffer from the offsets (the C Data Interface
    # carries no sizes) and returned 64 bytes of other memory per row, even with full
    # validation. The SDK now checks the offsets against the real allocation.
    message = (
        'DataFrame.collect: plugin "bad_results": function bad_offsets_past_buffer: '
        "returned an invalid array: "
        "Invalid argument error: Last offset 192 of Utf8 is larger than values length 4"
    )
    assert _call_error("bad_offsets_past_buffer") == ["DaftPluginError", message]
    err, _ = run_case(
        f"""
        daft.load_plugin({lib(BAD_RESULTS)!r})
        daft.from_pydict({{"x": [1, 2, 3]}}).select(F.bad_offsets_past_buffer(col("x"))).collect()
        """,
        DAFT_PLUGIN_VALIDATION="full",
    )
    assert err == ["DaftPluginError", message]


def test_a_kernel_that_writes_into_its_input_is_caught_in_strict_mode_and_changes_nothing():
    # Before: the kernel's in-place write changed the DataFrame and the user's numpy
    # array, and the conformance kit passed it. Strict mode hands kernels copies.
    body = f"""
    import numpy as np
    daft.load_plugin({lib(BAD_RESULTS)!r})
    values = np.array([1, 2, 3], dtype=np.int64)
    df = daft.from_pydict({{"x": values}})
    try:
        df.select(F.bad_writes_input(col("x"))).collect()
    except daft.exceptions.DaftPluginError as e:
        raise RuntimeError(json.dumps([str(e), values.tolist(), df.to_pydict()["x"]]))
    """
    err, _ = run_case(body, DAFT_PLUGIN_VALIDATION="full")
    assert err[0] == "RuntimeError"
    assert json.loads(err[1]) == [
        'DataFrame.collect: plugin "bad_results": function bad_writes_input: wrote into '
        "its argument #1 "
        "(Int64, 3 rows): a kernel must not modify its inputs, which belong to the caller",
        [1, 2, 3],
        [1, 2, 3],
    ]


def test_a_kernel_that_writes_only_under_the_nulls_of_its_input_is_caught_in_strict_mode():
    # Before: strict mode compared the copies by value, and a null slot's value is no
    # value, so a write there passed. Now every byte of every input buffer is compared.
    body = f"""
    daft.load_plugin({lib(BAD_RESULTS)!r})
    df = daft.from_pydict({{"x": [1, None, 3]}})
    print(json.dumps(df.select(F.bad_writes_null_slots(col("x"))).to_pydict()["x"]))
    """
    err, proc = run_case(body)
    assert err is None
    assert json.loads(proc.stdout.strip().splitlines()[-2]) == [1, None, 3]
    err, _ = run_case(body, DAFT_PLUGIN_VALIDATION="full")
    assert err == [
        "DaftPluginError",
        'DataFrame.to_pydict: plugin "bad_results": function bad_writes_null_slots: wrote '
        "into its argument #1 "
        "(Int64, 3 rows): a kernel must not modify its inputs, which belong to the caller",
    ]


@pytest.mark.parametrize(
    ("function", "problem"),
    [
        ("raw_no_release", "returned an array without a release callback"),
        ("raw_null_buffers", "returned an array with buffers but a null buffers pointer"),
        (
            "raw_null_data_buffer",
            "returned an array arrow cannot import: C Data interface error: "
            "The external buffer at position 1 is null.",
        ),
    ],
)
def test_a_corrupt_arrow_struct_from_a_plugin_built_without_the_sdk(function, problem):
    # Called twice: the first failure leaves nothing behind that breaks the second.
    err, _ = run_case(
        f"""
        daft.load_plugin({lib("broken_raw_arrays")!r})
        df = daft.from_pydict({{"x": [1, 2, 3]}})
        seen = []
        for _ in range(2):
            try:
                df.select(F.{function}(col("x"))).collect()
            except daft.exceptions.DaftPluginError as e:
                seen.append(str(e))
        raise RuntimeError(json.dumps(seen))
        """
    )
    message = f'DataFrame.collect: plugin "raw_arrays": function {function}: {problem}'
    assert err == ["RuntimeError", json.dumps([message, message])]


# ---- 7. return-type rules --------------------------------------------------------------


def test_a_return_type_rule_that_panics_fails_at_plan_time():
    # `select` binds the expression to the schema: no data is read.
    assert load_and_call(FIXTURE, 'df.select(F.fixture_panic_rule(col("x")))') == [
        "DaftPluginError",
        'DataFrame.select: plugin "fixture": function fixture_panic_rule: return-type rule '
        "panicked: rule exploded",
    ]


def test_a_return_type_rule_that_errors_fails_at_plan_time():
    assert load_and_call(FIXTURE, 'df.select(F.fixture_reject(col("x")))') == [
        "DaftTypeError",
        'DataFrame.select: function fixture.fixture_reject: cannot use a column named "x"',
    ]


# ---- 8. duplicate names ----------------------------------------------------------------


def test_a_function_declared_twice_in_one_plugin():
    path = lib("broken_dup_names")
    err, _ = run_case(
        f"""
        try:
            daft.load_plugin({path!r})
        finally:
            assert not hasattr(F, "dup_twice")
        """
    )
    assert err == [
        "DaftPluginError",
        f'plugin "dup_names": {path} (version 0.0.1): declares function "dup_twice" more than once',
    ]


def test_a_function_name_of_another_plugin():
    err, proc = run_case(
        f"""
        daft.load_plugin({lib(FIXTURE)!r})
        df = daft.from_pydict({{"n": ["x"]}})
        err = [
            F.hello_greet._daft_provider,
            df.select(F.fixture.hello_greet(col("n"))).to_pydict()["n"],
        ]
        """
    )
    assert err == ["hello", ["x"]]  # the fixture's hello_greet returns its input
    assert (
        'plugin "fixture" function "hello_greet" clashes with plugin "hello"\'s function '
        '"hello_greet", which keeps the name; call the plugin\'s as fixture.hello_greet'
    ) in proc.stderr


def test_a_function_name_of_a_builtin():
    err, proc = run_case(
        f"""
        daft.load_plugin({lib(BAD_RESULTS)!r})
        df = daft.from_pydict({{"x": [4.0]}})
        err = [
            F.sqrt._daft_provider,
            df.select(F.bad_results.sqrt(col("x"))).to_pydict()["x"],
        ]
        """
    )
    assert err == ["builtin", [4.0]]
    assert (
        'plugin "bad_results" function "sqrt" clashes with the built-in function "sqrt", '
        "which keeps the name; call the plugin's as bad_results.sqrt"
    ) in proc.stderr


def test_the_same_plugin_installed_twice(tmp_path):
    # A second copy of hello at another path (same version: the version string of a
    # built library cannot be patched reliably).
    copy = tmp_path / "libhello_copy.so"
    shutil.copy(lib(HELLO), copy)
    assert load_error(str(copy)) == [
        "DaftPluginError",
        f'plugin "hello": {copy} (version 0.1.0): a plugin named "hello" is already '
        f"loaded: version 0.1.0 from {lib(HELLO)}; two copies are installed, remove one "
        "of them",
    ]


def test_another_version_of_a_loaded_plugin():
    # `broken_hello_v2` calls itself "hello", version 9.9.9.
    path = lib("broken_hello_v2")
    err, _ = run_case(
        f"""
        try:
            daft.load_plugin({path!r})
        finally:
            assert not hasattr(F, "hello_v2_only")
        """
    )
    assert err[0] == "DaftPluginError"
    assert err[1].startswith(
        f'plugin "hello": {path} (version 9.9.9): a plugin named "hello" is already loaded: '
        "version 0.1.0 from "
    )
    assert err[1].endswith("; two copies are installed, remove one of them")


# ---- 9. invalid names ------------------------------------------------------------------


def test_an_empty_plugin_name():
    path = lib("broken_empty_name")
    err, _ = run_case(
        f"""
        try:
            daft.load_plugin({path!r})
        finally:
            assert not hasattr(F, "nameless_identity")
        """
    )
    assert err == [
        "DaftPluginError",
        f'plugin "libbroken_empty_name.so": {path} (version 0.0.1): invalid plugin name "": '
        "use letters, digits and underscores, not starting with a digit",
    ]


def test_an_empty_function_name():
    path = lib("broken_empty_function_name")
    assert load_error(path) == [
        "DaftPluginError",
        f'plugin "empty_function_name": {path} (version 0.0.1): invalid function name ""',
    ]


def test_a_plugin_name_that_is_not_utf8():
    path = lib("broken_non_utf8_name")
    err, _ = run_case(
        f"""
        try:
            daft.load_plugin({path!r})
        finally:
            assert not hasattr(F, "non_utf8_identity")
        """
    )
    assert err == [
        "DaftPluginError",
        f'plugin "libbroken_non_utf8_name.so": cannot load {path}: its manifest is invalid: '
        'the plugin name is not valid UTF-8: "caf\ufffd"',
    ]


def test_a_function_name_that_is_not_utf8():
    path = lib("broken_non_utf8_function_name")
    assert load_error(path) == [
        "DaftPluginError",
        f'plugin "libbroken_non_utf8_function_name.so": cannot load {path}: '
        'its manifest is invalid: the name of function #0 is not valid UTF-8: "bad_\ufffd_name"',
    ]


# ---- several broken plugins at import --------------------------------------------------


def test_broken_plugins_at_import_are_each_reported_and_healthy_ones_load(tmp_path):
    bogus = tmp_path / "libbogus.so"
    bogus.write_text("not a library")
    entries = [
        lib("broken_not_a_plugin"),
        str(bogus),
        lib("broken_dup_names"),
        lib("broken_empty_name"),
        str(tmp_path / "missing.so"),
        lib(BAD_RESULTS),
    ]
    err, proc = run_case(
        """
        import os
        err = sorted(
            [r["status"], os.path.basename(r["path"] or "")]
            for r in daft.plugins().to_pylist()
            if r["name"] != "hello"
        )
        """,
        DAFT_PLUGINS_DISABLE="",
        # Entry points other than hello's stay out; the files are allowed by their stems.
        DAFT_PLUGINS_ALLOW="hello,broken_not_a_plugin,bogus,broken_dup_names,"
        "broken_empty_name,broken_bad_results",
        DAFT_PLUGIN_PATH=os.pathsep.join(entries),
    )
    assert err == sorted(
        [
            ["failed", "libbroken_not_a_plugin.so"],
            ["failed", "libbogus.so"],
            ["failed", "libbroken_dup_names.so"],
            ["failed", "libbroken_empty_name.so"],
            ["failed", "missing.so"],
            ["loaded", "libbroken_bad_results.so"],
        ]
    )
    assert proc.stderr.count("failed to load and was skipped") == 5
