"""`make bench`: what a plugin call costs, side by side with built-ins, Python UDFs and peers.

Full mode (``make bench``, or ``python benchmarks/run.py``) builds the benchmark plugin
wheel, the real-Daft extension twin and ten plugins generated from ``plugins/hello``,
creates one virtual environment per tool under ``target/bench`` from PyPI, generates the
data, runs every question with interleaved rounds and writes ``docs/benchmarks.md``.

Smoke mode (``--smoke``) runs the same code paths on tiny data with the current
interpreter and only the peers already importable there, and writes a report (no timing
claims) to ``--out``; ``tests/test_benchmarks_smoke.py`` runs it so the script cannot rot.

This file is the driver: the command line, the builds and environments of the contenders,
and the order of the questions. The questions themselves are in ``benchmarks/workloads/``,
what they share (workers, interleaved rounds) in ``benchmarks/common.py``, and the report's
formatting and writing in ``benchmarks/report.py``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import BENCH, ROOT, WORK, Worker, clean_env, log, sh
from report import Report, command_line, splice_targets, write_report
from workloads import (
    analytics,
    import_time,
    isolation,
    kernels,
    plugin_calls,
    progress,
    remote,
    udfs,
)

# The peers, each installed from PyPI into its own virtual environment.
PEERS = {
    "daft": ["daft==0.7.26"],
    # pyarrow for the UDF section, whose map_batches call pyarrow functions.
    "polars": ["polars==2.1.0", "pyarrow==26.0.1"],
    "pyarrow": ["pyarrow==26.0.1"],
    # pyarrow for the analytics section, where DuckDB's results are fetched as Arrow tables.
    "duckdb": ["duckdb==2.0.1", "pyarrow==26.0.1"],
    # Plain DataFusion for the analytics section: the release of DataFusion 55.
    "datafusion": ["datafusion==55.0.0"],
    # pandas' `apply` in the UDF section.
    "pandas": ["pandas==3.1.1", "pyarrow==26.0.1"],
}
# The tools `benchmarks/worker.py` serves (questions 1 to 6); the analytics section has
# its own worker (`benchmarks/workloads/analytics_worker.py`).
PLUGIN_QUESTION_TOOLS = ("ours", "daft", "polars", "pyarrow", "duckdb")
# The peers the analytics section runs against.
ANALYTICS_PEERS = ("datafusion", "duckdb", "polars", "daft")
# The peers the function-kernels section runs against.
KERNEL_PEERS = ("daft", "polars", "duckdb")
# The peers the Python-UDF section runs against.
UDF_PEERS = ("daft", "polars", "pandas", "pyarrow")
# The peers the import-time section runs against.
IMPORT_PEERS = ("daft", "polars")
# The peers the object-store section runs against.
REMOTE_PEERS = ("polars", "pyarrow")
# This engine's runtime dependencies (pyproject.toml), pinned, for its benchmark venv: its
# wheel is installed with --no-deps.
OURS_REQUIREMENTS = ["pyarrow==26.0.1", "cloudpickle==3.1.3", "tqdm==4.70.1"]
N_GENERATED = 10


class Sizes:
    def __init__(self, smoke: bool, quick: bool = False, analytics_rows: int | None = None) -> None:
        self.ints = 20_000 if smoke else 10_000_000
        self.strs = 5_000 if smoke else 1_000_000
        self.tiny_batches = 200 if smoke else 100_000
        self.tiny_rows = 8
        self.tiny_calls = 4 if smoke else 8
        self.parquet_rows = 20_000 if smoke else 10_000_000
        self.runs = 2 if smoke else 5
        # Question 1's runs take milliseconds, so a few runs are at the mercy of the
        # machine's other work; more rounds cost seconds and steady the median.
        self.fast_runs = 2 if smoke else 21
        self.import_runs = 2 if smoke else 31
        if quick:  # development runs: full set-up, a tenth of the data, 3 rounds
            self.ints, self.strs, self.tiny_batches = 1_000_000, 100_000, 10_000
            self.parquet_rows, self.runs, self.import_runs = 1_000_000, 3, 5
            self.fast_runs = 5
        # The analytics section (question 7): its main file, the sizes of the group-by-int
        # query's cost per row, rounds, and rounds of fresh processes for peak memory.
        self.analytics_rows = 20_000 if smoke else 1_000_000 if quick else 10_000_000
        self.scaling_rows: tuple = (1_000_000, 10_000_000, 30_000_000)
        self.analytics_runs = 2 if smoke else 5 if quick else 7
        self.rss_runs = 1 if smoke or quick else 3
        if analytics_rows:
            self.analytics_rows = analytics_rows
        if smoke or quick or analytics_rows:
            n = self.analytics_rows
            self.scaling_rows = (n // 10, 3 * n // 10, n)
        # The function-kernels section (question 9): rows of the cheap kernels' data, pairs
        # of words for string similarity (a run of well under a second), rounds. Its runs
        # take 10 ms to 1 s, so a round costs seconds, and 11 rounds steady the medians
        # against the builds that share the machine.
        self.kernel_rows = 20_000 if smoke else 1_000_000 if quick else 10_000_000
        self.kernel_word_rows = 5_000 if smoke else 100_000 if quick else 1_000_000
        self.kernel_runs = 2 if smoke else 5 if quick else 11
        # The Python-UDF section (question 10): rows (the 1 M), rounds (runs of
        # milliseconds, at the mercy of the machine's other work: many rounds, seconds in all).
        self.udf_rows = 5_000 if smoke else 100_000 if quick else 1_000_000
        self.udf_runs = 2 if smoke else 3 if quick else 15
        # The object-store section: rows of the analytics file it uploads, and rounds.
        self.remote_rows = 20_000 if smoke else 200_000 if quick else 2_000_000
        self.remote_runs = 2 if smoke else 3 if quick else 7
        # The progress-display section (question 11): rows of its group-by (a query of a
        # few seconds, so the display is up most of the time) and rounds.
        self.progress_rows = 300_000 if smoke else 20_000_000 if quick else 50_000_000
        self.progress_runs = 2 if smoke else 3 if quick else 11


# ---------------------------------------------------------------------------
# Building and installing


def venv_python(name: str) -> Path:
    return WORK / f"venv-{name}" / "bin" / "python"


def make_venv(name: str, requirements: list) -> Path:
    """A virtual environment with exactly `requirements`, reused while they are unchanged."""
    py = venv_python(name)
    stamp = py.parent.parent / "bench-requirements.json"
    if py.exists() and stamp.exists() and json.loads(stamp.read_text()) == requirements:
        return py
    shutil.rmtree(py.parent.parent, ignore_errors=True)
    sh([sys.executable, "-m", "venv", py.parent.parent])
    sh([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements])
    stamp.write_text(json.dumps(requirements))
    return py


def maturin() -> Path:
    return Path(sys.executable).parent / "maturin"


def build_plugin_wheel(manifest: Path, out: Path, target_dir: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.whl"):
        old.unlink()
    env = clean_env(CARGO_TARGET_DIR=str(target_dir))
    sh([maturin(), "build", "--release", "--quiet", "-m", manifest, "--out", out], env=env)
    (wheel,) = out.glob("*.whl")
    return wheel


def sources_digest(*dirs: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for d in dirs:
        for f in sorted(p for p in d.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def workspace_release_profile() -> str:
    """The `[profile.release]` table of the workspace's Cargo.toml, as written there."""
    text = (ROOT / "Cargo.toml").read_text()
    found = re.search(r"^\[profile\.release\]\n(?:(?!\[).*\n)*", text, re.MULTILINE)
    if not found:
        raise RuntimeError("Cargo.toml has no [profile.release] table")
    return found.group(0).strip() + "\n"


def generate_hello_plugins(n: int) -> list:
    """`n` copies of plugins/hello with distinct plugin, function and package names
    (reused while plugins/hello, plugin-api and the release profile are unchanged)."""
    src = ROOT / "plugins" / "hello"
    profile = workspace_release_profile()
    digest = (
        sources_digest(src, ROOT / "plugin-api", ROOT / "plugins" / "no-bindings")
        + f"-{n}-"
        + profile
    )
    stamp = WORK / "gen-wheels" / "sources.sha256"
    cached = sorted((WORK / "gen-wheels").glob("hello*/*.whl"))
    if stamp.exists() and stamp.read_text() == digest and len(cached) == n:
        log(f"reusing the {n} generated plugin wheels")
        return cached
    wheels = []
    for i in range(n):
        name = f"hello{i}"
        dst = WORK / "gen" / name
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst)
        # The no-op binding generator maturin runs (plugins/no-bindings), as a member of
        # the copy's own workspace.
        shutil.copytree(ROOT / "plugins" / "no-bindings", dst / "no-bindings")
        (dst / "python" / "daft_plugin_hello").rename(dst / "python" / f"daft_plugin_{name}")
        edits = {
            "Cargo.toml": [
                ("daft-plugin-hello", f"daft-plugin-{name}"),
                ("daft_plugin_hello", f"daft_plugin_{name}"),
                ('path = "../../plugin-api"', f"path = {json.dumps(str(ROOT / 'plugin-api'))}"),
                ('path = "../no-bindings"', 'path = "no-bindings"'),
            ],
            "pyproject.toml": [
                ("daft-plugin-hello", f"daft-plugin-{name}"),
                ("daft_plugin_hello", f"daft_plugin_{name}"),
                ("\nhello = ", f"\n{name} = "),
            ],
            "src/lib.rs": [
                ('name = "hello"', f'name = "{name}"'),
                ('"hello_greet"', f'"{name}_greet"'),
                ('"hello_add_one"', f'"{name}_add_one"'),
            ],
        }
        for rel, pairs in edits.items():
            p = dst / rel
            text = p.read_text()
            for a, b in pairs:
                if a not in text:
                    raise RuntimeError(f"plugins/hello/{rel} no longer contains {a!r}")
                text = text.replace(a, b)
            if rel == "Cargo.toml":
                # A standalone crate with the plugin packs' lock file and the release
                # profile, so it reuses the dependencies the packs' build compiled.
                # `cargo run --bin uniffi-bindgen` (maturin) looks in the default members.
                members = '[".", "no-bindings"]'
                text = (
                    f"[workspace]\nmembers = {members}\ndefault-members = {members}\n\n"
                    + text
                    + "\n"
                    + profile
                )
                shutil.copy(ROOT / "plugins" / "Cargo.lock", dst / "Cargo.lock")
            p.write_text(text)
        wheels.append(
            build_plugin_wheel(dst / "Cargo.toml", WORK / "gen-wheels" / name, ROOT / "target")
        )
    stamp.write_text(digest)
    return wheels


def install_target(wheels: list, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    sh(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--target",
            dest,
            *wheels,
        ]
    )
    return dest


class Setup:
    """Interpreters, environments and libraries of every contender."""

    def __init__(
        self,
        smoke: bool,
        plugin_lib: str | None,
        only: str | None = None,
        ours_from_env: bool = False,
    ) -> None:
        self.smoke = smoke
        self.only = only
        self.ours_from_env = ours_from_env
        self.pythons: dict = {}
        self.envs: dict = {}
        self.twin: str | None = None
        self.import_sets: dict = {}
        self.seconds = 0.0
        if smoke:
            self._smoke(plugin_lib)
        else:
            self._full()

    def _smoke(self, plugin_lib: str | None) -> None:
        self.pythons["ours"] = Path(sys.executable)
        if self.only in ("analytics", "import", "kernels", "progress", "remote", "udfs"):
            self.envs["ours"] = clean_env()
        else:
            lib = plugin_lib or os.path.join(
                os.environ.get("DAFT_TEST_PLUGIN_DIR", ROOT / "target" / "debug"),
                "libdaft_plugin_bench.so",
            )
            if not os.path.isfile(lib):
                raise SystemExit(
                    f"benchmark plugin library not found: {lib} (cargo build --workspace)"
                )
            self.envs["ours"] = clean_env(DAFT_PLUGIN_PATH=str(lib))
        for tool in ("polars", "pyarrow", "duckdb", "datafusion", "pandas"):
            found = subprocess.run(
                [sys.executable, "-c", f"import {tool}"], capture_output=True
            ).returncode
            if found == 0:
                self.pythons[tool] = Path(sys.executable)
                self.envs[tool] = clean_env()
        self.import_sets = {"installed": ""}

    def _full(self) -> None:
        if self.ours_from_env:
            self._ours_from_env()
        else:
            self._ours_from_wheel()
        if self.only == "isolation":
            self._bench_plugin()
            return
        if self.only is None:
            self._plugins(self.wheels)
        if self.only == "import":
            self.import_sets = self._import_sets(self.wheels, generated=None)
        peers = {
            "analytics": ANALYTICS_PEERS,
            "kernels": KERNEL_PEERS,
            "udfs": UDF_PEERS,
            "import": IMPORT_PEERS,
            "remote": REMOTE_PEERS,
            "progress": (),
        }.get(self.only, PEERS)
        for tool in peers:
            self.pythons[tool] = make_venv(tool, PEERS[tool])
            self.envs[tool] = clean_env()

    def _ours_from_wheel(self) -> None:
        # A snapshot of the wheels `make install` built, so that a concurrent rebuild of
        # target/wheels cannot pull them away in the middle of the run.
        snap = WORK / "install-wheels"
        shutil.rmtree(snap, ignore_errors=True)
        snap.mkdir(parents=True)
        for w in glob.glob(str(ROOT / "target" / "wheels" / "*.whl")):
            shutil.copy(w, snap)
        wheels = {p.name.split("-")[0]: p for p in snap.glob("*.whl")}
        self.wheels = wheels
        needed = {"daft_engine"}
        if self.only in (None, "import"):
            needed |= {"daft_plugin_text", "daft_plugin_geo", "daft_plugin_image"}
        missing = needed - set(wheels)
        if missing:
            raise SystemExit(
                f"no {sorted(missing)} wheels in target/wheels: run `make install` "
                "(or, for --only analytics, kernels or udfs, pass --ours-from-env)"
            )
        # Our engine: the core wheel exactly as `make install` built it, plus pyarrow.
        ours = make_venv("ours", OURS_REQUIREMENTS)
        sh(
            [
                ours,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--force-reinstall",
                wheels["daft_engine"],
            ]
        )
        self.pythons["ours"] = ours
        self.envs["ours"] = clean_env()

    def _ours_from_env(self) -> None:
        """Our engine as installed in the interpreter running this script (no `make
        install` wheel): a copy of its `daft` package, taken now so that a reinstall during
        the run changes nothing, put ahead of `venv-ours`' own on `PYTHONPATH`."""
        import importlib.util

        spec = importlib.util.find_spec("daft")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("--ours-from-env: this interpreter has no `daft` package")
        src = Path(list(spec.submodule_search_locations)[0])
        site = WORK / "site" / "ours-from-env"
        shutil.rmtree(site, ignore_errors=True)
        site.mkdir(parents=True)
        shutil.copytree(src, site / "daft", ignore=shutil.ignore_patterns("__pycache__"))
        for info in src.parent.glob("daft_engine-*.dist-info"):
            shutil.copytree(info, site / info.name)
        log(f"this engine: a copy of the `daft` package installed in {sys.executable}")
        self.wheels = {}
        self.pythons["ours"] = make_venv("ours", OURS_REQUIREMENTS)
        self.envs["ours"] = clean_env(PYTHONPATH=str(site))
        found = subprocess.run(
            [self.pythons["ours"], "-c", "import daft; print(daft.__file__)"],
            env=self.envs["ours"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not found.startswith(str(site)):
            raise SystemExit(f"--ours-from-env: venv-ours imports daft from {found!r}")

    def _bench_plugin(self) -> None:
        """Builds the benchmark plugin's wheel and installs it for our engine's workers."""
        bench_wheel = build_plugin_wheel(
            BENCH / "plugin" / "Cargo.toml", WORK / "wheels", ROOT / "target"
        )
        bench_site = install_target([bench_wheel], WORK / "site" / "bench")
        self.envs["ours"] = clean_env(PYTHONPATH=str(bench_site))

    def _plugins(self, wheels: dict) -> None:
        """The benchmark plugin, the daft-ext twin and the plugin sets of question 4."""
        self._bench_plugin()
        twin_dir = ROOT / "target" / "daft-ext-twin"
        sh(
            [
                "cargo",
                "build",
                "--release",
                "--quiet",
                "--manifest-path",
                BENCH / "daft-ext-twin" / "Cargo.toml",
                "--target-dir",
                twin_dir,
            ],
            env=clean_env(),
        )
        self.twin = str(twin_dir / "release" / "libdaft_ext_twin.so")
        self.import_sets = self._import_sets(wheels, generate_hello_plugins(N_GENERATED))

    @staticmethod
    def _import_sets(wheels: dict, generated: list | None) -> dict:
        """Question 4's plugin sets: none, the three first-party packs, and (in the full
        run) `generated` plugins; each a folder to put on `PYTHONPATH`."""
        site = WORK / "site"
        first_party = [wheels[f"daft_plugin_{n}"] for n in ("text", "geo", "image")]
        sets = {"0": "", "3": str(install_target(first_party, site / "three"))}
        if generated is not None:
            sets[str(len(generated))] = str(install_target(generated, site / "ten"))
        return sets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--smoke", action="store_true", help="tiny sizes, current interpreter, no timing claims"
    )
    ap.add_argument("--quick", action="store_true", help="full set-up, a tenth of the data")
    ap.add_argument(
        "--only",
        choices=["analytics", "import", "isolation", "kernels", "progress", "remote", "udfs"],
        help="run only this section (its report goes to docs/benchmarks-<section>.md; "
        "import, kernels, progress and udfs: the section replaces its own in "
        "docs/benchmarks.md)",
    )
    ap.add_argument(
        "--ours-from-env",
        action="store_true",
        help="this engine as installed in the interpreter running this script, instead of "
        "`make install`'s wheel (nothing is built; not with the plugin questions)",
    )
    ap.add_argument(
        "--analytics-rows",
        type=int,
        metavar="N",
        help="rows of the analytics section's file (its cost-per-row sizes: N/10, 3N/10, N)",
    )
    ap.add_argument("--out", default=None, help="the report's path")
    ap.add_argument("--plugin-lib", help="smoke mode: the benchmark plugin library to load")
    ap.add_argument("--command", default=None, help="the command to record in the report")
    args = ap.parse_args()
    if args.ours_from_env and args.only not in (
        "analytics",
        "kernels",
        "progress",
        "remote",
        "udfs",
    ):
        ap.error("--ours-from-env needs --only analytics, kernels, progress, remote or udfs")
    # `--only kernels` and `--only udfs` refresh their section of the main report, not a
    # report of their own.
    splice = (
        args.only in ("import", "kernels", "progress", "remote", "udfs")
        and args.out is None
        and not args.smoke
    )
    if splice:
        args.out = str(ROOT / "docs" / "benchmarks.md")
    if args.out is None:
        name = f"benchmarks-{args.only}.md" if args.only else "benchmarks.md"
        args.out = str(ROOT / "docs" / name)
    command = command_line(args)
    started = time.time()
    load_start = os.getloadavg()
    sizes = Sizes(args.smoke, args.quick, args.analytics_rows)
    setup = Setup(args.smoke, args.plugin_lib, args.only, args.ours_from_env)
    data = (
        None
        if args.only in ("analytics", "import", "kernels", "progress", "remote", "udfs")
        else plugin_calls.generate_data(sizes, args.smoke)
    )
    analytics_files = (
        None
        if args.only in ("import", "isolation", "kernels", "progress", "remote", "udfs")
        else analytics.prepare(sizes)
    )
    kernel_files = kernels.prepare(sizes) if args.only in (None, "kernels") else None
    log("data ready")
    setup.seconds = time.time() - started
    rep = Report()
    if data is not None:
        if setup.twin:
            data["twin"] = setup.twin
        workers = {
            tool: Worker(tool, setup, data)
            for tool in setup.pythons
            if tool in PLUGIN_QUESTION_TOOLS
        }
        try:
            if args.only is None:
                plugin_calls.q1_q2(rep, workers["ours"], sizes, setup, data)
                plugin_calls.q3(rep, workers, sizes)
                plugin_calls.q5(rep, setup, data, sizes)
                plugin_calls.q6(rep, workers, setup, data, sizes)
            isolation.q8(rep, workers["ours"], setup, data, sizes)
        finally:
            for w in workers.values():
                w.close()
        if args.only is None:
            import_time.q4(rep, setup, sizes)
    if analytics_files is not None:
        analytics.run(rep, setup, sizes, analytics_files, command)
    if kernel_files is not None:
        kernels.run(rep, setup, sizes, kernel_files, command)
    if args.only == "import":
        import_time.q4(rep, setup, sizes)
    if args.only in (None, "udfs"):
        udfs.run(rep, setup, sizes, command)
    if args.only in (None, "progress"):
        progress.run(rep, setup, sizes)
    if args.only in (None, "remote"):
        remote.run(rep, setup, sizes, command)
    if splice:
        (section,) = rep.sections
        if args.only == "udfs":
            udfs.splice(Path(args.out), section)
        elif args.only == "import":
            kernels.splice_section(Path(args.out), import_time.HEADING, section, None)
        elif args.only == "progress":
            kernels.splice_section(Path(args.out), progress.HEADING, section, None)
        elif args.only == "remote":
            remote.splice(Path(args.out), section)
        else:
            method = BENCH / "method.md"
            text = method.read_text() if method.exists() else None
            kernels.splice(Path(args.out), section, text)
        splice_targets(Path(args.out), rep.targets, command)
        log(f"replaced the {args.only} section and its targets of {args.out}")
        return
    write_report(args, rep, setup, sizes, started, load_start, command)


if __name__ == "__main__":
    main()
