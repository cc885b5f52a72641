"""Types: `py.typed`, the native module's stub, the generated stub of the registry's
functions, and a user's script under `mypy --strict` and pyright's strict mode.

pyright runs as basedpyright (a build of pyright on PyPI that carries its own Node.js; the
`pyright` package downloads pyright from npm at first use, which an offline machine cannot).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import daft
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "typed_usage.py"
BIN = Path(sys.executable).parent

# A script with two mistakes each checker must find: proof that they read daft's types
# rather than treating the package as Any.
MISTAKES = """\
import daft
from daft import col

n: str = daft.from_pydict({"a": [1]}).count_rows()
col("s").upper().no_such_method()
"""


def _run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=600
    )


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN))
    if found is None:
        pytest.skip(f"{name} is not installed here (requirements-dev.txt installs it)")
    return found


@pytest.fixture(scope="module")
def installed_stubs() -> None:
    """What a user runs after installing plugin wheels: the stub of the registry's
    functions for the installed plugins, written into the installed package."""
    out = _run([sys.executable, "-m", "daft._stubs"], ROOT)
    assert out.returncode == 0, out.stderr
    checked = _run([sys.executable, "-m", "daft._stubs", "--check"], ROOT)
    assert checked.returncode == 0, checked.stderr


def test_package_is_marked_typed():
    package = Path(daft.__file__).parent
    assert (package / "py.typed").exists()
    assert (package / "daft.pyi").exists()
    assert (package / "_generated.pyi").exists()


def test_native_module_stub_matches_the_module(tmp_path):
    out = _run([sys.executable, "-m", "mypy.stubtest", "daft.daft"], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_shipped_stub_of_builtins_is_current():
    """The wheel's stub is the built-ins' (no plugins): regenerate it with
    `DAFT_PLUGINS_DISABLE=1 python -m daft._stubs --out python/daft/_generated.pyi`."""
    out = _run(
        [
            sys.executable,
            "-m",
            "daft._stubs",
            "--check",
            "--out",
            str(ROOT / "python" / "daft" / "_generated.pyi"),
        ],
        ROOT,
        DAFT_PLUGINS_DISABLE="1",
    )
    assert out.returncode == 0, out.stderr


def test_stub_command_covers_the_loaded_plugins(tmp_path):
    with_plugins = tmp_path / "with.pyi"
    without = tmp_path / "without.pyi"
    assert (
        _run([sys.executable, "-m", "daft._stubs", "--out", str(with_plugins)], ROOT).returncode
        == 0
    )
    assert (
        _run(
            [sys.executable, "-m", "daft._stubs", "--out", str(without)],
            ROOT,
            DAFT_PLUGINS_DISABLE="1",
        ).returncode
        == 0
    )
    text = with_plugins.read_text()
    # A plugin function: plain, as a method, and in its plugin's namespace.
    assert "\ndef haversine(a: Expression | Any, b: Expression | Any) -> Expression:" in text
    assert "    def haversine(self, b: Expression | Any) -> Expression:" in text
    assert "class _geo_functions:" in text and "\ngeo: _geo_functions" in text
    # An option keeps its declared type and default.
    assert "def round(expr: Expression | Any, decimals: int = ...) -> Expression:" in text
    assert "def haversine" not in without.read_text()
    assert "def lower(" in without.read_text()


def test_generated_stub_passes_mypy_strict(tmp_path, installed_stubs):
    mypy = _tool("mypy")
    stub = tmp_path / "generated_check.pyi"
    shutil.copy(Path(daft.__file__).parent / "_generated.pyi", stub)
    out = _run([mypy, "--strict", "--cache-dir", str(tmp_path / "cache"), stub.name], tmp_path)
    assert out.returncode == 0, out.stdout


def test_user_script_passes_mypy_strict(tmp_path, installed_stubs):
    mypy = _tool("mypy")
    out = _run([mypy, "--strict", "--cache-dir", str(tmp_path / "cache"), str(EXAMPLE)], tmp_path)
    assert out.returncode == 0, out.stdout
    (tmp_path / "mistakes.py").write_text(MISTAKES)
    out = _run([mypy, "--strict", "--cache-dir", str(tmp_path / "cache"), "mistakes.py"], tmp_path)
    assert out.returncode == 1
    assert 'Incompatible types in assignment (expression has type "int"' in out.stdout
    assert '"Expression" has no attribute "no_such_method"' in out.stdout


def test_user_script_passes_pyright_strict(tmp_path, installed_stubs):
    pyright = _tool("basedpyright")
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)
    (tmp_path / "mistakes.py").write_text(MISTAKES)
    config = '{"typeCheckingMode": "strict", "pythonVersion": "3.11"}'
    (tmp_path / "pyrightconfig.json").write_text(config)
    args = [pyright, "--pythonpath", sys.executable]
    out = _run([*args, EXAMPLE.name], tmp_path)
    assert out.returncode == 0, out.stdout
    assert "0 errors, 0 warnings" in out.stdout
    out = _run([*args, "mistakes.py"], tmp_path)
    assert out.returncode == 1
    assert "3 errors" in out.stdout, out.stdout  # the attribute counts twice
    assert 'Type "int" is not assignable to declared type "str"' in out.stdout
    assert 'Cannot access attribute "no_such_method" for class "Expression"' in out.stdout


def test_user_script_runs():
    out = _run([sys.executable, str(EXAMPLE)], ROOT)
    assert out.returncode == 0, out.stderr
    assert "'adults.shout': ['ANN!', 'CID!']" in out.stdout
