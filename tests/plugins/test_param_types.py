"""Precise parameter types (plugin ABI 1.1) as a Python user meets them: the test fixture's
``fixture_scale(x: exactly Float64, factor: same type as x)`` and
``fixture_point_meters(p: the extension type fixture.point)``, in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from fixture_libs import lib

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fixtures are built as .so")

CODE = """
import json, daft
from daft import col
import daft.functions as F

daft.load_plugin(FIXTURE)
params = {
    name: [p[4] for p in daft.daft.get_function("fixture." + name).params if p[1] == "expr"]
    for name in ["fixture_scale", "fixture_point_meters"]
}
df = daft.from_pydict({"x": [1.5, None, 2.0], "f": [2.0, 3.0, None], "n": [1, 2, 3]})
ok = df.select(F.fixture_scale(col("x"), col("f"))).to_pydict()["x"]
errors = []
for build in [
    lambda: df.select(F.fixture_scale(col("n"), col("f"))),
    lambda: df.select(F.fixture_scale(col("x"), col("n"))),
    lambda: df.select(F.fixture_point_meters(col("n"))),
]:
    try:
        build().collect()
        errors.append(None)
    except Exception as e:
        errors.append([type(e).__name__, str(e)])
meters = df.select(F.fixture_point_meters(F.fixture_point(col("n")))).to_pydict()["n"]
# Casting to the plugin's extension type (its storage), and back.
point = daft.DataType.extension("fixture.point", daft.DataType.int64())
cast = df.select(col("n").cast(daft.DataType.int32()).cast(point).alias("p"))
cast_schema = str(cast.schema()["p"].dtype)
cast_meters = cast.select(F.fixture_point_meters(col("p"))).to_pydict()["p"]
back = cast.select(col("p").cast(daft.DataType.float64())).to_pydict()["p"]
try:
    daft.DataType.extension("fixture.point", daft.DataType.string())
    wrong_storage = None
except ValueError as e:
    wrong_storage = str(e)
casts = {}
for label, to in [
    ("default", None),
    ("int32", daft.DataType.int32()),
    ("string", daft.DataType.string()),
    ("timestamp", daft.DataType.timestamp("us", "UTC")),
]:
    expr = F.fixture_cast(col("n")) if to is None else F.fixture_cast(col("n"), to=to)
    out = df.select(expr)
    casts[label] = [str(out.schema()["n"].dtype), out.to_pydict()["n"][0]]
lists = daft.from_pydict({"l": [[1, 2], None]}).select(
    F.fixture_cast(col("l"), to=daft.DataType.list(daft.DataType.int64()))
)
casts["list"] = [str(lists.schema()["l"].dtype), lists.to_pydict()["l"]]
try:
    F.fixture_cast(col("n"), to=5)
    casts["not_a_type"] = None
except Exception as e:
    casts["not_a_type"] = [type(e).__name__, str(e)]
print(json.dumps(default=str, obj=dict(
    casts=casts, params=params, ok=ok, errors=errors, meters=meters, cast_schema=cast_schema,
    cast_meters=cast_meters, back=back, wrong_storage=wrong_storage,
)))
"""


def test_precise_types_are_described_checked_and_named_in_errors():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAFT_")}
    env.update(DAFT_PLUGINS_DISABLE="1", RUST_BACKTRACE="0")
    code = textwrap.dedent(CODE.replace("FIXTURE", repr(lib("daft_plugin_test_fixture"))))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["params"] == {
        "fixture_scale": ["exactly Float64", "the same type as `x`"],
        "fixture_point_meters": ["the extension type fixture.point (stored as Int64)"],
    }
    assert seen["ok"] == [3.0, None, None]
    exact, same, extension = seen["errors"]
    assert exact[0] == "DaftTypeError" and "expected exactly Float64" in exact[1], exact
    assert same[0] == "DaftTypeError", same
    assert 'argument `factor` (column "n") has type Int64' in same[1], same
    assert "expected the same type as `x` (Float64)" in same[1], same
    assert "expected the extension type fixture.point (stored as Int64)" in extension[1]
    assert seen["meters"] == [1.0, 2.0, 3.0]
    assert seen["cast_schema"] == "fixture.point"
    assert seen["cast_meters"] == [1.0, 2.0, 3.0]
    assert seen["back"] == [1.0, 2.0, 3.0]
    assert seen["wrong_storage"] == (
        "DataType.extension: the extension type fixture.point is declared by a loaded plugin "
        "with storage Int64, not String"
    )
    casts = seen["casts"]
    assert casts["default"] == ["Int64", 1]
    assert casts["int32"] == ["Int32", 1]
    assert casts["string"] == ["String", "1"]
    assert casts["timestamp"][0] == "Timestamp[us; UTC]"
    assert casts["list"] == ["List[Int64]", [[1, 2], None]]
    assert casts["not_a_type"] == ["TypeError", "cannot interpret 5 as a DataType"]
