"""The plugin scaffold, ``python -m daft.plugins new NAME`` (``daft.plugins_new``).

The last test is the whole promise: the project the scaffold writes builds into a wheel
with maturin, installs into a fresh virtual environment, and passes its own tests there
(its Rust unit tests, and its pytest suite, which runs daft's conformance kit).

How that test builds, without changing the project:

* The project depends on ``daft-plugin-api = "0.1"`` from crates.io. A cargo config file
  in the project's *parent* folder (cargo reads config files from the working directory
  upwards) patches that to this checkout's ``plugin-api/``, so the project itself names
  no path of this machine (and every cargo run maturin starts sees it, which a
  ``--config`` option would not guarantee).
* The same file repeats this workspace's ``[profile]`` settings, the project gets a copy
  of the plugin packs' ``Cargo.lock`` (``plugins/``), and cargo builds into
  ``$CARGO_TARGET_DIR`` (which the Makefile sets to this checkout's ``target/``;
  ``target/`` when unset): the arrow the first-party plugin wheels were built with is then
  reused rather than compiled again, and cargo runs offline.

How the fresh environment gets its packages, offline and without this environment's daft:
``pip install --no-index --no-deps`` of the core wheel (``target/wheels``, from
``make wheels``) and of the scaffold's wheel; the third-party packages they need (pyarrow,
hypothesis, pytest, ...) come from this environment's site-packages through a ``.pth``
file that points at a folder of links to every entry there *except* daft's own: the core
package and the installed plugin packages (whose ``daft.plugins`` entry points would
otherwise be discovered too). The test checks that the environment's daft is the one it
installed and that the scaffold's plugin is the only plugin it loads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import venv
import zipfile
from pathlib import Path

import pytest
from daft.plugins_new import main, new_plugin

ROOT = Path(__file__).resolve().parents[1]
WHEELS = Path(os.environ.get("DAFT_WHEELS_DIR", ROOT / "target" / "wheels"))

PROJECT_FILES = {
    ".github/workflows/wheels.yml",
    ".gitignore",
    "Cargo.toml",
    "README.md",
    "native/Cargo.toml",
    "native/src/lib.rs",
    "no-bindings/Cargo.toml",
    "no-bindings/src/lib.rs",
    "no-bindings/src/main.rs",
    "pyproject.toml",
    "python/daft_plugin_demo/__init__.py",
    "tests/test_demo.py",
}


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_new_plugin_writes_a_complete_project(tmp_path):
    root = new_plugin("demo", tmp_path / "demo")
    assert root == tmp_path / "demo"
    assert _files(root) == PROJECT_FILES
    cargo = (root / "native/Cargo.toml").read_text()
    assert 'name = "daft-plugin-demo"' in cargo
    assert 'daft-plugin-api = "0.1"' in cargo
    assert 'members = ["native", "no-bindings"]' in (root / "Cargo.toml").read_text()
    assert 'name = "uniffi-bindgen"' in (root / "no-bindings/Cargo.toml").read_text()
    pyproject = (root / "pyproject.toml").read_text()
    assert 'demo = "daft_plugin_demo:plugin_path"' in pyproject
    assert 'bindings = "uniffi"' in pyproject and "cffi" not in pyproject
    assert 'manifest-path = "native/Cargo.toml"' in pyproject
    assert 'module-name = "daft_plugin_demo._native"' in pyproject
    lib = (root / "native/src/lib.rs").read_text()
    assert 'name: "demo_shout",' in lib and 'name: "demo_total_chars",' in lib
    # Every placeholder filled; nothing points back at this checkout or this machine.
    for name in PROJECT_FILES:
        text = (root / name).read_text()
        assert not re.search("@(name|dist|module)@", text), name
        assert str(ROOT) not in text and str(tmp_path) not in text, name


def test_the_workflow_builds_every_platform_and_publishes_on_tags(tmp_path):
    yaml = pytest.importorskip("yaml")
    root = new_plugin("demo", tmp_path / "demo")
    workflow = yaml.safe_load((root / ".github/workflows/wheels.yml").read_text())
    jobs = workflow["jobs"]
    assert {"linux", "macos", "windows", "sdist", "test", "publish"} <= set(jobs)
    runners = {jobs[j]["runs-on"] for j in ("linux", "macos", "windows")}
    assert runners == {"ubuntu-latest", "macos-latest", "windows-latest"}
    for job in ("linux", "macos", "windows", "sdist"):
        assert any(
            step.get("uses", "").startswith("PyO3/maturin-action@") for step in jobs[job]["steps"]
        ), job
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"}  # trusted publishing, no token
    assert set(publish["needs"]) == {"test", "linux", "macos", "windows", "sdist"}
    assert publish["if"].startswith("startsWith(github.ref, 'refs/tags/")
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    assert "tags" in (workflow.get("on") or workflow[True])["push"]


@pytest.mark.parametrize(
    "name, why",
    [
        ("Shout", "lowercase"),
        ("2fast", "starting with a letter"),
        ("my-plugin", "lowercase letters, digits and underscores"),
        ("", "starting with a letter"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("print", "builtin"),
        ("list", "builtin"),
        ("a__b", "doubled underscore"),
        ("x" * 41, "at most 40"),
    ],
)
def test_bad_names_are_refused_with_the_reason(tmp_path, name, why):
    with pytest.raises(ValueError, match=why):
        new_plugin(name, tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_a_folder_that_is_not_empty_is_refused(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        new_plugin("demo", tmp_path / "busy")
    assert _files(tmp_path / "busy") == {"notes.txt"}
    (tmp_path / "file").write_text("")
    with pytest.raises(FileExistsError, match="is a file"):
        new_plugin("demo", tmp_path / "file")
    (tmp_path / "empty").mkdir()
    assert _files(new_plugin("demo", tmp_path / "empty")) == PROJECT_FILES


def test_the_default_folder_is_named_after_the_plugin(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = new_plugin("my_text")
    assert root == tmp_path / "daft-plugin-my-text"
    assert 'name = "daft-plugin-my-text"' in (root / "native/Cargo.toml").read_text()
    assert (root / "python/daft_plugin_my_text/__init__.py").is_file()


def test_command_line(tmp_path, capsys):
    proc = subprocess.run(
        [sys.executable, "-m", "daft.plugins", "new", "demo", "--path", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        env={**os.environ, "DAFT_PLUGINS_DISABLE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    # runpy's "found in sys.modules" warning (daft imports daft.plugins first) is silenced.
    assert "Warning" not in proc.stderr, proc.stderr
    assert "daft-plugin-demo" in proc.stdout
    assert _files(tmp_path / "d") == PROJECT_FILES
    with pytest.raises(SystemExit) as exit_info:
        main(["new", "Bad Name"])
    assert exit_info.value.code == 2
    assert "invalid plugin name 'Bad Name'" in capsys.readouterr().err


# ---- the project builds, installs and passes its own tests --------------------------------


def _toml_tables(prefix: str, table: dict) -> list[str]:
    """``table`` as TOML (the scalar values of cargo's profile settings)."""
    lines = [f"[{prefix}]"]
    nested = []
    for key, value in table.items():
        if isinstance(value, dict):
            nested.append((key, value))
        else:
            lines.append(f"{json.dumps(key)} = {json.dumps(value)}")
    for key, value in nested:
        lines += _toml_tables(f"{prefix}.{json.dumps(key)}", value)
    return lines


def _cargo_config(project: Path) -> None:
    """Points the project's `daft-plugin-api` at this checkout, from a config file beside
    the project, with this workspace's profiles and the packs' lock file (module docstring)."""
    lines = _toml_tables("patch.crates-io.daft-plugin-api", {"path": str(ROOT / "plugin-api")})
    try:
        import tomllib
    except ImportError:  # Python < 3.11: no profile settings to share, only a slower build
        profiles = {}
    else:
        profiles = tomllib.loads((ROOT / "Cargo.toml").read_text()).get("profile", {})
    for name, settings in profiles.items():
        lines += _toml_tables(f"profile.{json.dumps(name)}", settings)
    config = project.parent / ".cargo" / "config.toml"
    config.parent.mkdir()
    config.write_text("\n".join(lines) + "\n")
    shutil.copy(ROOT / "plugins" / "Cargo.lock", project / "Cargo.lock")


def _tool(name: str) -> str:
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (make venv installs maturin; cargo comes with Rust)")
    return found


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 1800) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{' '.join(args)} failed ({proc.returncode})\n"
        f"--- stdout\n{proc.stdout[-6000:]}\n--- stderr\n{proc.stderr[-6000:]}"
    )
    return proc.stdout


def _site_view(folder: Path) -> Path:
    """A folder of links to this environment's site-packages, less daft and its plugins."""
    folder.mkdir()
    sites = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    for site in sorted(sites):
        for entry in sorted(os.listdir(site)):
            lowered = entry.lower()
            if (
                lowered.startswith("daft")
                or entry.endswith(".pth")
                or entry in ("__pycache__", "_distutils_hack")
                or (folder / entry).exists()
            ):
                continue
            os.symlink(os.path.join(site, entry), folder / entry)
    return folder


def _fresh_env(root: Path, wheels: list[str]) -> str:
    venv.EnvBuilder(with_pip=True).create(root)
    py = str(root / "bin" / "python")
    purelib = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    view = _site_view(root.parent / "site-view")
    Path(purelib, "zz_third_party.pth").write_text(str(view) + "\n")
    env = _child_env()
    _run(
        [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index"]
        + ["--no-deps", *wheels],
        root,
        env,
    )
    return py


def _child_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DAFT_", "PYTHON", "VIRTUAL_ENV", "PYTEST_"))
    }
    env.update(extra)
    return env


def _check_the_sdist_builds_a_portable_wheel(
    project: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    """`maturin sdist` packs everything the build needs (the no-op binding generator too,
    and no build output), and the unpacked sdist builds a manylinux wheel on its own."""
    sdist_dir = tmp_path / "sdist"
    _run([_tool("maturin"), "sdist", "--out", str(sdist_dir)], project, env)
    (sdist,) = sdist_dir.glob("daft_plugin_scaffolded-*.tar.gz")
    # Unpacked beside the project, where the cargo config's [patch] reaches (section 1 of
    # docs/plugins.md: until daft-plugin-api is on crates.io).
    unpacked = project.parent / "from-sdist"
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        tar.extractall(unpacked, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    top = sdist.name[: -len(".tar.gz")]
    for needed in ("Cargo.lock", "native/src/lib.rs", "no-bindings/src/main.rs", "pyproject.toml"):
        assert f"{top}/{needed}" in names, (needed, names)
    assert not [n for n in names if "/dist/" in n or "/target/" in n], names
    out = tmp_path / "from-sdist-wheel"
    _run(
        [_tool("maturin"), "build", "--release", "--compatibility", "pypi", "--out", str(out)],
        unpacked / top,
        env,
    )
    (wheel,) = out.glob("daft_plugin_scaffolded-*.whl")
    assert "-py3-none-manylinux" in wheel.name, wheel.name


@pytest.mark.skipif(sys.platform == "win32", reason="the fresh environment's layout is POSIX")
def test_scaffolded_project_builds_installs_and_passes_its_own_tests(tmp_path):
    started = time.monotonic()
    core = sorted(WHEELS.glob("daft_engine-*.whl"))
    if not core:
        pytest.fail(f"no daft_engine wheel in {WHEELS}; run `make wheels` first (make test does)")
    project = new_plugin("scaffolded", tmp_path / "work" / "daft-plugin-scaffolded")
    _cargo_config(project)
    # A constant that is not an integer: it broke the build when wheels were made in
    # maturin's cffi mode, whose header parser reads integer constants only.
    with open(project / "native" / "src" / "lib.rs", "a", encoding="utf-8") as lib:
        lib.write("\n/// Not an integer.\npub const SCAFFOLDED_RATE: f64 = 0.5;\n")
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")
    build_env = _child_env(CARGO_TARGET_DIR=target, CARGO_NET_OFFLINE="true")

    dist = tmp_path / "dist"
    _run([_tool("maturin"), "build", "--release", "--out", str(dist)], project, build_env)
    wheels = sorted(dist.glob("daft_plugin_scaffolded-*.whl"))
    assert len(wheels) == 1, wheels
    assert "-py3-none-" in wheels[0].name, wheels[0].name
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    native = "daft_plugin_scaffolded/_native/"
    assert {n for n in names if n.startswith(native)} == {
        native + "__init__.py",
        native + "libdaft_plugin_scaffolded.so",
    }, names
    assert b"Requires-Dist" not in metadata, metadata  # no cffi, no anything
    # The release profile, whose dependencies maturin just built: a debug build would
    # compile arrow a second time (minutes of CI for no extra check).
    _run([_tool("cargo"), "test", "--release", "--quiet"], project, build_env)
    _check_the_sdist_builds_a_portable_wheel(project, tmp_path, build_env)
    built = time.monotonic()

    py = _fresh_env(tmp_path / "venv", [str(core[-1]), str(wheels[0])])
    probe = (
        "import json, daft, daft_plugin_scaffolded as p\n"
        "names = [r['name'] for r in daft.plugins().to_pylist()]\n"
        "print(json.dumps([daft.__file__, names, p.plugin_path()]))"
    )
    out = _run([py, "-c", probe], project, _child_env())
    daft_file, loaded, library = json.loads(out.strip().splitlines()[-1])
    assert daft_file.startswith(str(tmp_path / "venv")), daft_file
    assert loaded == ["scaffolded"]
    assert library.startswith(str(tmp_path / "venv")) and os.path.isfile(library)

    out = _run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], project, _child_env())
    assert " passed" in out and "failed" not in out, out
    print(
        f"scaffold: built in {built - started:.0f} s, whole test {time.monotonic() - started:.0f} s"
    )


# ---- the guide's Rust samples compile and their tests pass ---------------------------------

GUIDE = ROOT / "docs" / "plugins.md"


def _rust_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```rust\n(.*?)^```", markdown, flags=re.S | re.M)


def _guide_project_files(markdown: str) -> dict[str, str]:
    """The files sections 1 to 3 write by hand: each code block introduced by a line that
    names its file (`` `native/Cargo.toml`: ``)."""
    by_hand = markdown[: markdown.index("\n## 4. ")]
    found = re.finditer(r"`([\w./-]+)`[^`\n]*:\n\n```\w+\n(.*?)^```", by_hand, flags=re.S | re.M)
    return {m.group(1): m.group(2) for m in found}


def test_the_guides_project_by_hand_builds_a_wheel_that_needs_nothing(tmp_path):
    # Sections 1 to 3 of the guide, file by file as a reader types them, must give a
    # project that maturin packages (the no-op binding generator included) into a wheel
    # holding the package and the library, with no dependency, whose plugin_path() finds
    # the library.
    files = _guide_project_files(GUIDE.read_text(encoding="utf-8"))
    assert set(files) == {
        "Cargo.toml",
        "native/Cargo.toml",
        "native/src/lib.rs",
        "no-bindings/Cargo.toml",
        "no-bindings/src/lib.rs",
        "no-bindings/src/main.rs",
        "pyproject.toml",
        "python/daft_plugin_shout/__init__.py",
    }, sorted(files)
    project = tmp_path / "work" / "daft-plugin-shout"
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    _cargo_config(project)
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")
    env = _child_env(CARGO_TARGET_DIR=target, CARGO_NET_OFFLINE="true")
    dist = tmp_path / "dist"
    _run([_tool("maturin"), "build", "--release", "--out", str(dist)], project, env)
    (wheel,) = dist.glob("daft_plugin_shout-*.whl")
    assert "-py3-none-" in wheel.name, wheel.name
    unpacked = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        zf.extractall(unpacked)
    assert b"Requires-Dist" not in metadata, metadata
    assert "daft_plugin_shout/_native/libdaft_plugin_shout.so" in names, sorted(names)
    assert not [n for n in names if "cffi" in n or n.endswith("ffi.py")], sorted(names)
    probe = "import daft_plugin_shout as p, os; print(os.path.isfile(p.plugin_path()))"
    out = _run([sys.executable, "-c", probe], unpacked, _child_env(PYTHONPATH=str(unpacked)))
    assert out.strip() == "True", out


def test_the_guides_rust_samples_build_and_their_tests_pass(tmp_path):
    # A stranger pasted section 8's aggregate into the crate of section 2 and got four
    # compile errors (missing imports, a helper the guide never showed, a `merge` with no
    # body). Every sample is now complete: section 2's library and its unit tests as they
    # stand, sections 8 and 9 each in a module of the same crate.
    blocks = _rust_blocks(GUIDE.read_text(encoding="utf-8"))
    library = [b for b in blocks if "export_plugin!" in b]
    assert len(library) == 1, "section 2's src/lib.rs"
    unit_tests = [b for b in blocks if b.lstrip().startswith("#[cfg(test)]")]
    # no-bindings/'s two files belong to packaging (the test above builds them).
    files = _guide_project_files(GUIDE.read_text(encoding="utf-8"))
    packaging = [text for name, text in files.items() if name.startswith("no-bindings/")]
    samples = [b for b in blocks if b not in library + unit_tests + packaging]
    assert len(unit_tests) == 1 and len(samples) >= 2, (len(unit_tests), len(samples))
    project = tmp_path / "work" / "daft-plugin-guide"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text(
        '[package]\nname = "daft-plugin-guide"\nversion = "0.1.0"\nedition = "2021"\n'
        'publish = false\n\n[lib]\ncrate-type = ["cdylib"]\n\n'
        '[dependencies]\ndaft-plugin-api = "0.1"\n'
    )
    modules = "".join(
        f"\nmod section_sample_{i} {{\n{block}}}\n" for i, block in enumerate(samples)
    )
    (project / "src" / "lib.rs").write_text(library[0] + "\n" + unit_tests[0] + modules)
    _cargo_config(project)
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")
    env = _child_env(CARGO_TARGET_DIR=target, CARGO_NET_OFFLINE="true")
    out = _run([_tool("cargo"), "test", "--release"], project, env)
    assert "test result: ok. 2 passed" in out, out
