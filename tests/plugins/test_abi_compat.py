"""ABI compatibility as a user meets it: a plugin built with the plugin SDK of ABI 1.0
(kept frozen in tests/fixtures/abi-1.0) loads into this daft (ABI 1.1) with
``daft.load_plugin`` and its functions run, unchanged; ``daft.plugins()`` shows its ABI.

Run in a child interpreter, so that the fixture's functions do not join the registry of
the test session (other tests list every registered function)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import daft
from fixture_libs import lib


def test_a_1_0_plugin_loads_and_runs_in_a_1_1_daft():
    script = textwrap.dedent(
        f"""
        import json, daft
        from daft import col
        status = daft.load_plugin({lib("daft_plugin_hello_abi10")!r})
        df = daft.from_pydict({{"x": [1, None, 41], "name": ["a", "b", None]}})
        F = daft.functions.hello_abi10
        out = df.select(F.abi10_add_one(col("x")), F.abi10_greet(col("name"))).to_pydict()
        rows = daft.plugins().to_pydict()
        abi = rows["abi_version"][rows["name"].index("hello_abi10")]
        print(json.dumps({{"name": status["name"], "out": out, "abi": abi}}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got == {
        "name": "hello_abi10",
        "out": {"x": [2, None, 42], "name": ["hello, a", "hello, b", None]},
        "abi": "1.0",
    }


def test_this_daft_is_abi_1_1():
    assert daft.daft.build_info()["plugin_abi_version"] == "1.1"
