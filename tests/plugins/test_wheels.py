"""Plugin wheels installed the way users install them.

The suite creates one fresh virtual environment, ``pip install``s the core wheel and the
first-party plugin wheels from ``target/wheels`` (built by ``make wheels``), and runs each
scenario in a subprocess of that environment, so every ``import daft`` is a real first
import with real discovery.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELS = Path(os.environ.get("DAFT_WHEELS_DIR", ROOT / "target" / "wheels"))
PLUGIN_WHEELS = ("daft_plugin_hello", "daft_plugin_text", "daft_plugin_geo")


def _wheel(prefix: str) -> str:
    found = sorted(glob.glob(str(WHEELS / f"{prefix}-*.whl")))
    if not found:
        pytest.fail(f"no {prefix} wheel in {WHEELS}; run `make wheels` first (make test does)")
    return found[-1]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A fresh venv with the core and plugin wheels installed by pip."""
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(root)
    py = str(root / "bin" / "python")
    wheels = [_wheel("daft_engine")] + [_wheel(p) for p in PLUGIN_WHEELS]
    subprocess.run(
        [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wheels],
        check=True,
    )
    return py


def run(py: str, code: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAFT_")}
    env.update(env_vars)
    return subprocess.run(
        [py, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=120
    )


def run_ok(py: str, code: str, **env_vars: str) -> str:
    proc = run(py, code, **env_vars)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout


def run_json(py: str, code: str, **env_vars: str):
    return json.loads(run_ok(py, code, **env_vars).strip().splitlines()[-1])


def test_installed_plugins_are_discovered_and_listed(env):
    out = run_json(
        env,
        """
        import json, daft
        st = daft.plugins().to_pylist()
        print(json.dumps({r["name"]: (r["status"], r["abi_version"]) for r in st}))
        """,
    )
    assert out == {
        "geo": ["loaded", "1.1"],
        "hello": ["loaded", "1.1"],
        "text": ["loaded", "1.1"],
    }


def test_plugin_functions_look_like_builtins(env):
    out = run_json(
        env,
        """
        import inspect, json, daft
        import daft.functions as F
        names = ["hello_greet", "levenshtein", "haversine", "lower"]
        print(json.dumps({
            n: {
                "in_dir": n in dir(F),
                "method": n in dir(daft.Expression),
                "doc": bool(getattr(F, n).__doc__),
                "sig": str(inspect.signature(getattr(F, n))),
                "same_doc": getattr(daft.Expression, n).__doc__ == getattr(F, n).__doc__,
            }
            for n in names
        }))
        """,
    )
    for name, info in out.items():
        assert info["in_dir"] and info["method"] and info["doc"] and info["same_doc"], name
    assert out["hello_greet"]["sig"] == "(name, greeting='hello')"


def test_plugin_functions_work_wherever_builtins_do(env):
    out = run_json(
        env,
        """
        import json, daft
        from daft import col
        import daft.functions as F
        df = daft.from_pydict({"a": ["kitten", "flaw", "abc", None], "b": ["sitting", "lawn", "abc", "x"]})
        d = F.levenshtein(col("a"), col("b"))
        res = {
            "select": df.select(d.alias("d")).to_pydict()["d"],
            "method": df.select(col("a").levenshtein(col("b")).alias("d")).to_pydict()["d"],
            "where": df.where(d > 0).select("a").to_pydict()["a"],
            "sort": df.sort(d, desc=True).select("a").to_pydict()["a"],
            "groupby": sorted(
                df.groupby(d.alias("d")).agg(col("a").count().alias("n")).to_pylist(),
                key=lambda r: (r["d"] is None, r["d"] or 0),
            ),
            "agg": df.agg(d.sum().alias("s")).to_pydict()["s"],
            "mixed": df.select(F.upper(col("a")).hello_greet(greeting="hi").alias("g")).to_pydict()["g"],
        }
        print(json.dumps(res))
        """,
    )
    assert out["select"] == [3, 2, 0, None]
    assert out["method"] == [3, 2, 0, None]
    assert out["where"] == ["kitten", "flaw"]
    assert out["sort"] == [None, "kitten", "flaw", "abc"]
    assert out["groupby"] == [
        {"d": 0, "n": 1},
        {"d": 2, "n": 1},
        {"d": 3, "n": 1},
        {"d": None, "n": 0},
    ]
    assert out["agg"] == [5]
    assert out["mixed"] == ["hi, KITTEN", "hi, FLAW", "hi, ABC", None]


def test_wrong_plugin_argument_type_fails_at_plan_time(env):
    out = run_ok(
        env,
        """
        import daft
        from daft import col
        df = daft.from_pydict({"x": [1, 2]})
        try:
            df.select(daft.functions.levenshtein(col("x"), col("x")))
        except daft.exceptions.DaftTypeError as e:
            print("DaftTypeError:", e)
        """,
    )
    assert "DaftTypeError" in out and "levenshtein" in out and "Int64" in out


def test_extension_type_in_schema_and_through_parquet(env, tmp_path):
    out = run_json(
        env,
        f"""
        import json, daft
        from daft import col
        import daft.functions as F
        df = daft.from_pydict({{"lat": [48.8566, 51.5074], "lon": [2.3522, -0.1278]}})
        pts = df.select(F.point(col("lat"), col("lon")).alias("p"))
        schema_type = pts.schema()["p"].type_name
        pts.write_parquet({str(tmp_path)!r})
        back = daft.read_parquet({str(tmp_path)!r})
        paris = F.point(daft.lit(48.8566), daft.lit(2.3522))
        dist = back.select(F.haversine(col("p"), paris).alias("km")).to_pydict()["km"]
        print(json.dumps({{"schema": schema_type, "read_back": back.schema()["p"].type_name, "km": dist}}))
        """,
    )
    assert out["schema"] == "geo.point"
    assert out["read_back"] == "geo.point"
    assert out["km"][0] == pytest.approx(0.0, abs=1e-9)
    assert out["km"][1] == pytest.approx(343.5, rel=0.01)


def test_disable_switch_loads_no_plugin(env):
    out = run_json(
        env,
        """
        import json, daft
        print(json.dumps([hasattr(daft.functions, "hello_greet"), daft.plugins().count_rows()]))
        """,
        DAFT_PLUGINS_DISABLE="1",
    )
    assert out == [False, 0]


def test_allow_list_loads_only_named_plugins(env):
    out = run_json(
        env,
        """
        import json, daft
        print(json.dumps(sorted(r["name"] for r in daft.plugins().to_pylist())))
        """,
        DAFT_PLUGINS_ALLOW="text,geo",
    )
    assert out == ["geo", "text"]


def test_plugin_path_and_load_plugin_and_strict_switch(env, tmp_path):
    hello_lib = run_ok(
        env, "import daft_plugin_hello; print(daft_plugin_hello.plugin_path())"
    ).strip()
    # DAFT_PLUGIN_PATH: the same library given as a path while its wheel is allowed out.
    out = run_json(
        env,
        """
        import json, daft
        print(json.dumps(daft.functions.hello_add_one.__doc__ is not None))
        """,
        DAFT_PLUGINS_ALLOW="hello",
        DAFT_PLUGIN_PATH=hello_lib,
    )
    assert out is True
    # load_plugin at run time, after a start with plugins disabled.
    out = run_json(
        env,
        f"""
        import json, daft
        before = hasattr(daft.functions, "hello_greet")
        status = daft.load_plugin({hello_lib!r})
        df = daft.from_pydict({{"n": ["x"]}})
        print(json.dumps([before, status["name"], df.select(daft.col("n").hello_greet()).to_pydict()["n"]]))
        """,
        DAFT_PLUGINS_DISABLE="1",
    )
    assert out == [False, "hello", ["hello, x"]]
    # A broken DAFT_PLUGIN_PATH entry: a warning and a failed status by default...
    bogus = tmp_path / "libnot_a_plugin.so"
    bogus.write_bytes(b"not an ELF file")
    proc = run(
        env,
        """
        import json, daft
        failed = [r for r in daft.plugins().to_pylist() if r["status"] == "failed"]
        print(json.dumps([(r["path"], r["error"]) for r in failed]))
        print(json.dumps(daft.from_pydict({"s": ["a"]}).select(daft.col("s").levenshtein("b")).to_pydict()))
        """,
        DAFT_PLUGIN_PATH=str(bogus),
    )
    assert proc.returncode == 0, proc.stderr
    failed, still_works = (json.loads(line) for line in proc.stdout.strip().splitlines()[-2:])
    assert len(failed) == 1 and "libnot_a_plugin.so" in failed[0][0]
    assert still_works == {"s": [1]}
    assert "libnot_a_plugin.so" in proc.stderr and "RuntimeWarning" in proc.stderr
    # ...and an exception at import with DAFT_PLUGINS_STRICT=1.
    proc = run(env, "import daft", DAFT_PLUGIN_PATH=str(bogus), DAFT_PLUGINS_STRICT="1")
    assert proc.returncode != 0
    assert "DaftPluginError" in proc.stderr and "libnot_a_plugin.so" in proc.stderr


def test_uninstalled_plugin_is_gone_at_next_import(env):
    subprocess.run(
        [env, "-m", "pip", "uninstall", "--yes", "--quiet", "daft-plugin-hello"], check=True
    )
    try:
        out = run_json(
            env,
            """
            import json, daft
            print(json.dumps([hasattr(daft.functions, "hello_greet"),
                              sorted(r["name"] for r in daft.plugins().to_pylist())]))
            """,
        )
        assert out == [False, ["geo", "text"]]
    finally:
        subprocess.run(
            [
                env,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                _wheel("daft_plugin_hello"),
            ],
            check=True,
        )


def test_plugin_wheels_are_python_version_independent():
    for prefix in PLUGIN_WHEELS:
        name = os.path.basename(_wheel(prefix))
        assert "-py3-none-" in name, name
    assert "-abi3-" in os.path.basename(_wheel("daft_engine"))
    assert sys.version_info >= (3, 9)


def test_plugin_wheels_need_nothing_but_the_library_and_their_package():
    # Packaged with maturin's cffi mode before, each wheel carried a cffi loader daft never
    # imported and a dependency on cffi for it; now the wheel is the package, an empty
    # `_native/__init__.py` and the library, and it requires nothing.
    import zipfile

    for prefix in (*PLUGIN_WHEELS, "daft_plugin_image"):
        with zipfile.ZipFile(_wheel(prefix)) as wheel:
            names = wheel.namelist()
            metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
            requires = [
                line
                for line in wheel.read(metadata).decode().splitlines()
                if line.startswith("Requires-Dist:")
            ]
            native = sorted(n for n in names if "/_native/" in n)
            init = wheel.read(f"{prefix}/_native/__init__.py")
        assert requires == [], (prefix, requires)
        assert native == [f"{prefix}/_native/__init__.py", f"{prefix}/_native/lib{prefix}.so"], (
            prefix,
            native,
        )
        assert init.strip() == b"", (prefix, init)


def test_plugin_functions_are_registered_into_the_native_module(env):
    out = run_json(
        env,
        """
        import json, daft
        native = daft.daft.functions
        print(json.dumps([hasattr(native, "levenshtein"), hasattr(native, "lower"),
                          hasattr(native.text, "slugify"), native.point.provider]))
        """,
    )
    assert out == [True, True, True, "geo"]


def _fixture_library() -> str:
    """The loader's misbehaving test plugin (its `hello_greet` clashes with hello's)."""
    built = os.environ.get("DAFT_TEST_PLUGIN_DIR")
    if built:  # set by the Makefile after `cargo build --workspace`
        return os.path.join(built, "libdaft_plugin_test_fixture.so")
    out = subprocess.run(
        ["cargo", "build", "-p", "daft-plugin-test-fixture", "--message-format=json"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == (
            "daft_plugin_test_fixture"
        ):
            return next(f for f in msg["filenames"] if f.endswith(".so"))
    raise AssertionError("cargo built no daft_plugin_test_fixture library")


def test_clashing_plugin_function_stays_reachable_under_its_plugin(env):
    proc = run(
        env,
        """
        import json, daft
        from daft import col
        df = daft.from_pydict({"n": ["x"]})
        print(json.dumps([
            daft.functions.hello_greet._daft_provider,
            df.select(col("n").hello_greet()).to_pydict()["n"],
            daft.functions.fixture.hello_greet._daft_provider,
            [r["namespaced_only"] for r in daft.plugins().to_pylist() if r["name"] == "fixture"],
        ]))
        """,
        DAFT_PLUGIN_PATH=_fixture_library(),
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == ["hello", ["hello, x"], "fixture", [["hello_greet"]]]
    assert "clashes" in proc.stderr and "daft.functions.fixture.hello_greet" in proc.stderr


def test_panicking_plugin_function_is_an_exception_and_the_next_call_works(env):
    out = run_json(
        env,
        """
        import json, daft
        from daft import col
        import daft.functions as F
        df = daft.from_pydict({"x": [1, 2, 3]})
        try:
            df.select(F.fixture_panic_kernel(col("x"))).collect()
            err = None
        except daft.exceptions.DaftCoreException as e:
            err = [type(e).__name__, str(e)]
        again = df.select(col("x").hello_add_one()).to_pydict()["x"]
        print(json.dumps([err, again]))
        """,
        DAFT_PLUGIN_PATH=_fixture_library(),
    )
    (cls, message), again = out
    assert cls == "DaftPluginError"
    assert "fixture" in message and "fixture_panic_kernel" in message and "panic" in message
    assert again == [2, 3, 4]
