"""What `import daft` loads, and that what it leaves out still arrives when needed.

No timing here (the machines are shared and noisy): `make bench` measures the time
(docs/benchmarks.md, question 4). These tests check the cause of the time instead:
which modules a fresh `import daft` brings in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

# Modules a user who reads one Parquet file and writes another never needs from
# Python, and what each cost at import when `import daft` loaded them eagerly.
DEFERRED = [
    "pyarrow",  # with numpy: about 130 ms
    "numpy",
    "pandas",
    "importlib.metadata",  # entry points are read without it (daft._entry_points)
    "asyncio",  # only async UDFs need it
    "subprocess",  # only run_process and use_process UDFs need it
    "cloudpickle",
    "html",  # only notebook display needs it
    # About 9 ms: registry functions build their signatures when first asked, and the UDF
    # decorators (whose modules use it) load on first use.
    "inspect",
    "dataclasses",  # imports inspect
    # About 5 ms: the engine's bridge to logging is built when logging is first needed.
    "logging",
]


def _fresh(code: str, **env: str) -> dict:
    """Runs ``code`` in a fresh interpreter; it prints a JSON value as its last line."""
    full_env = {**os.environ, **env}
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_daft_defers_pyarrow_numpy_pandas_and_entry_point_machinery():
    got = _fresh(
        f"""
        import json, sys
        import daft
        print(json.dumps({{
            "loaded": [m for m in {DEFERRED!r} if m in sys.modules],
            "plugins": daft.plugins().to_pydict()["status"],
        }}))
        """
    )
    assert got["loaded"] == []
    # The first-party plugins were found and loaded all the same (daft.plugins() itself
    # returns a DataFrame, so the check runs after the sys.modules one above).
    assert got["plugins"] and set(got["plugins"]) == {"loaded"}


def test_building_expressions_and_types_does_not_load_pyarrow():
    got = _fresh(
        """
        import json, sys
        import daft
        from daft import col, DataType
        e = (col("x") + 1).alias("y").cast(DataType.int64)
        t = DataType.list(DataType.string())
        print(json.dumps({"pyarrow": "pyarrow" in sys.modules, "expr": repr(e)}))
        """
    )
    assert "y" in got["expr"]
    # DataType.list builds its Arrow type, so pyarrow may load there; the singletons and
    # expressions alone must not be what loads it.
    got = _fresh(
        """
        import json, sys
        import daft
        from daft import col, DataType
        e = (col("x") + 1).alias("y")
        t = DataType.int64
        print(json.dumps({"pyarrow": "pyarrow" in sys.modules}))
        """
    )
    assert got == {"pyarrow": False}


def test_pyarrow_arrives_on_first_use_with_daft_types_registered(tmp_path):
    got = _fresh(
        f"""
        import json, sys
        import daft
        before = "pyarrow" in sys.modules
        df = daft.from_pydict({{"x": [[1.0, 2.0], [3.0, 4.0]]}})
        df = df.select(daft.col("x").cast(daft.DataType.embedding(daft.DataType.float32(), 2)))
        df.write_parquet({str(tmp_path)!r})
        t = df.to_arrow().schema.field("x").type
        print(json.dumps({{"before": before, "type": type(t).__name__}}))
        """
    )
    assert got == {"before": False, "type": "DaftExtensionType"}


def test_user_importing_pyarrow_first_still_reads_daft_types(tmp_path):
    """`import daft` registers Daft's extension types with pyarrow as pyarrow loads,
    whoever imports it, so pyarrow alone reads a file Daft wrote as Daft's types."""
    import daft

    daft.from_pydict({"x": [[1.0, 2.0]]}).select(
        daft.col("x").cast(daft.DataType.embedding(daft.DataType.float32(), 2))
    ).write_parquet(str(tmp_path))
    (path,) = [os.path.join(tmp_path, f) for f in os.listdir(tmp_path)]
    expected = pq.read_table(path).schema.field("x").type
    assert isinstance(expected, pa.ExtensionType)  # this process: registered long ago
    for order in (
        "import daft; import pyarrow.parquet as pq",
        "import pyarrow.parquet as pq; import daft",
    ):
        got = _fresh(
            f"""
            import json
            {order}
            t = pq.read_table({path!r}).schema.field("x").type
            print(json.dumps([type(t).__name__, str(t.extension_name)
                              if hasattr(t, "extension_name") else None]), flush=True)
            # Skip interpreter teardown: pyarrow's Parquet threads can abort the process
            # at exit ("terminate called without an active exception", apache/arrow#34314),
            # 4 runs in 110 here with daft loaded (docs/reliability.md, known problems).
            import os
            os._exit(0)
            """
        )
        assert got == [type(expected).__name__, expected.extension_name], order


def test_entry_point_discovery_matches_importlib_metadata():
    import importlib.metadata

    from daft import _entry_points

    ours = sorted((e.name, e.value, e.dist.name) for e in _entry_points.discover())
    ref = sorted(
        (e.name, e.value, e.dist.name.replace("-", "_"))
        for e in importlib.metadata.entry_points(group="daft.plugins")
    )
    assert [x[:2] for x in ours] == [x[:2] for x in ref]
    assert ours, "the first-party plugin wheels are installed in the test environment"


def test_entry_point_discovery_first_distribution_on_the_path_wins(tmp_path, monkeypatch):
    from daft import _entry_points

    for folder, value in (("a", "first:path"), ("b", "second:path")):
        info = tmp_path / folder / "daft_plugin_dup-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "entry_points.txt").write_text(
            f"[console_scripts]\nx = y:z\n\n[daft.plugins]\n# a comment\ndup = {value}\n"
        )
    monkeypatch.setattr(sys, "path", [str(tmp_path / "a"), str(tmp_path / "b")])
    found = [(e.name, e.value) for e in _entry_points.discover()]
    assert found == [("dup", "first:path")]
    import importlib.metadata

    assert [(e.name, e.value) for e in importlib.metadata.entry_points(group="daft.plugins")] == [
        ("dup", "first:path")
    ]


def test_entry_point_discovery_falls_back_to_importlib_for_zipped_paths(tmp_path, monkeypatch):
    from daft import _entry_points

    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip file
    monkeypatch.setattr(sys, "path", [str(archive), *sys.path])
    called = []
    monkeypatch.setattr(_entry_points, "_with_importlib", lambda g: called.append(g) or [])
    assert _entry_points.discover() == []
    assert called == ["daft.plugins"]


@pytest.mark.parametrize("value", ["pkg.mod:obj.attr", "pkg.mod:obj.attr [extra]"])
def test_entry_point_load_follows_attributes_and_ignores_extras(value, tmp_path, monkeypatch):
    from daft import _entry_points

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text("class obj:\n    attr = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = _entry_points.EntryPoint("x", value, "daft.plugins", _entry_points._Dist("pkg"))
    assert ep.load() == 42


def test_registry_signatures_and_udf_decorators_arrive_when_asked():
    got = _fresh(
        """
        import json, sys
        import daft
        deferred = [m for m in ("inspect", "daft._udf") if m in sys.modules]
        import inspect
        from daft import col
        sig = str(inspect.signature(daft.functions.substr))
        method = str(inspect.signature(col("s").substr))
        try:
            daft.functions.substr()
        except TypeError as e:
            bad_call = str(e)

        @daft.func
        def plus_one(x: int) -> int:
            return x + 1

        from daft import ResourceRequest, cls, method as method_decorator, udaf, udf

        out = daft.from_pydict({"x": [1]}).select(plus_one(col("x"))).to_pydict()
        print(json.dumps({
            "deferred": deferred, "sig": sig, "method": method, "bad_call": bad_call,
            "out": list(out.values()), "in_dir": "func" in dir(daft),
            "names": [ResourceRequest.__name__, cls.__name__, udaf.__name__, udf.__name__],
        }))
        """
    )
    assert got["deferred"] == []
    assert got["sig"] == "(expr, start, *length)"
    assert got["method"] == "(start, *length)"
    assert got["bad_call"].startswith("substr(expr, start, *length): missing"), got["bad_call"]
    assert got["out"] == [[2]]
    assert got["in_dir"]
    assert got["names"] == ["ResourceRequest", "cls", "udaf", "udf"]
