"""`make bench`: what a plugin call costs, side by side with built-ins, Python UDFs and peers.

Full mode (``make bench``, or ``python benchmarks/run.py``) builds the benchmark plugin
wheel, the real-Daft extension twin and ten plugins generated from ``plugins/hello``,
creates one virtual environment per tool under ``target/bench`` from PyPI, generates the
data, runs every question with interleaved rounds and writes ``docs/benchmarks.md``.

Smoke mode (``--smoke``) runs the same code paths on tiny data with the current
interpreter and only the peers already importable there, and writes a report (no timing
claims) to ``--out``; ``tests/test_benchmarks_smoke.py`` runs it so the script cannot rot.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
WORK = ROOT / "target" / "bench"
WORKER = BENCH / "worker.py"

# The peers, each installed from PyPI into its own virtual environment.
PEERS = {
    "daft": ["daft==0.7.26"],
    "polars": ["polars==2.1.0"],
    "pyarrow": ["pyarrow==26.0.1"],
    "duckdb": ["duckdb==2.0.1"],
}
N_GENERATED = 10


class Sizes:
    def __init__(self, smoke: bool, quick: bool = False) -> None:
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


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sh(cmd: list, **kw) -> str:
    log(" ".join(str(c) for c in cmd))
    out = subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, **kw)
    return out.stdout


def clean_env(**extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DAFT_", "PYTHON", "VIRTUAL_ENV")) and k != "CARGO_TARGET_DIR"
    }
    env.update(extra)
    return env


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
    digest = sources_digest(src, ROOT / "plugin-api") + f"-{n}-" + profile
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
        (dst / "python" / "daft_plugin_hello").rename(dst / "python" / f"daft_plugin_{name}")
        edits = {
            "Cargo.toml": [
                ("daft-plugin-hello", f"daft-plugin-{name}"),
                ("daft_plugin_hello", f"daft_plugin_{name}"),
                ('path = "../../plugin-api"', f"path = {json.dumps(str(ROOT / 'plugin-api'))}"),
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
                # A standalone crate with the workspace's lock file and the workspace's
                # release profile, so it reuses the dependencies the core build compiled.
                text = "[workspace]\n\n" + text + "\n" + profile
                shutil.copy(ROOT / "Cargo.lock", dst / "Cargo.lock")
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

    def __init__(self, smoke: bool, plugin_lib: str | None) -> None:
        self.smoke = smoke
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
        lib = plugin_lib or os.path.join(
            os.environ.get("DAFT_TEST_PLUGIN_DIR", ROOT / "target" / "debug"),
            "libdaft_plugin_bench.so",
        )
        if not os.path.isfile(lib):
            raise SystemExit(f"benchmark plugin library not found: {lib} (cargo build --workspace)")
        self.pythons["ours"] = Path(sys.executable)
        self.envs["ours"] = clean_env(DAFT_PLUGIN_PATH=str(lib))
        for tool, module in (("polars", "polars"), ("pyarrow", "pyarrow"), ("duckdb", "duckdb")):
            found = subprocess.run(
                [sys.executable, "-c", f"import {module}"], capture_output=True
            ).returncode
            if found == 0:
                self.pythons[tool] = Path(sys.executable)
                self.envs[tool] = clean_env()
        self.import_sets = {"installed": ""}

    def _full(self) -> None:
        # A snapshot of the wheels `make install` built, so that a concurrent rebuild of
        # target/wheels cannot pull them away in the middle of the run.
        snap = WORK / "install-wheels"
        shutil.rmtree(snap, ignore_errors=True)
        snap.mkdir(parents=True)
        for w in glob.glob(str(ROOT / "target" / "wheels" / "*.whl")):
            shutil.copy(w, snap)
        wheels = {p.name.split("-")[0]: p for p in snap.glob("*.whl")}
        missing = {"daft_engine", "daft_plugin_text", "daft_plugin_geo"} - set(wheels)
        if missing:
            raise SystemExit(f"no {sorted(missing)} wheels in target/wheels: run `make install`")
        core = [wheels["daft_engine"]]
        bench_wheel = build_plugin_wheel(
            BENCH / "plugin" / "Cargo.toml", WORK / "wheels", ROOT / "target"
        )
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
        generated = generate_hello_plugins(N_GENERATED)
        # Our engine: the core wheel exactly as `make install` built it, plus pyarrow.
        ours = make_venv("ours", ["pyarrow==26.0.1"])
        sh([ours, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", core[-1]])
        self.pythons["ours"] = ours
        site = WORK / "site"
        bench_site = install_target([bench_wheel], site / "bench")
        self.envs["ours"] = clean_env(PYTHONPATH=str(bench_site))
        self.import_sets = {
            "0": "",
            "2": str(
                install_target(
                    [wheels["daft_plugin_text"], wheels["daft_plugin_geo"]], site / "two"
                )
            ),
            "10": str(install_target(generated, site / "ten")),
        }
        for tool, reqs in PEERS.items():
            self.pythons[tool] = make_venv(tool, reqs)
            self.envs[tool] = clean_env()


# ---------------------------------------------------------------------------
# Data


def generate_data(sizes: Sizes, smoke: bool) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    d = WORK / ("data-smoke" if smoke else "data")
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)

    def words(n: int):
        # 100k distinct words of 4-24 characters; one in ten has a non-ASCII letter.
        pool_n = min(100_000, max(n, 1))
        alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
        lens = rng.integers(4, 25, pool_n)
        pool = []
        for i, ln in enumerate(lens):
            w = alphabet[rng.integers(0, 26, ln)].tobytes().decode()
            if i % 10 == 0:
                w = w[:2] + "é日" + w[2:]
            pool.append(w)
        return pc.take(pa.array(pool), pa.array(rng.integers(0, pool_n, n)))

    def ints(n: int, lo: int, hi: int):
        return pa.array(rng.integers(lo, hi, n, dtype=np.int64))

    def write_ipc(path: Path, table) -> None:
        with ipc.new_file(path, table.schema) as w:
            w.write_table(table, max_chunksize=1 << 20)

    paths = {
        "ints": d / f"ints-{sizes.ints}.arrow",
        "strs": d / f"strs-{sizes.strs}.arrow",
        "tiny": d / f"tiny-{sizes.tiny_batches}x{sizes.tiny_rows}.arrow",
        "parquet": d / f"table-{sizes.parquet_rows}.parquet",
    }
    if not paths["ints"].exists():
        write_ipc(paths["ints"], pa.table({"x": ints(sizes.ints, -(10**9), 10**9)}))
    if not paths["strs"].exists():
        write_ipc(paths["strs"], pa.table({"s": words(sizes.strs)}))
    if not paths["tiny"].exists():
        x = ints(sizes.tiny_batches * sizes.tiny_rows, -1000, 1000)
        t = pa.table({"x": x})
        with ipc.new_file(paths["tiny"], t.schema) as w:
            w.write_table(t, max_chunksize=sizes.tiny_rows)
    if not paths["parquet"].exists():
        n = sizes.parquet_rows
        t = pa.table(
            {"k": ints(n, 0, 1000), "x": ints(n, -(10**6), 10**6), "s": words(n)},
        )
        pq.write_table(t, paths["parquet"], row_group_size=1 << 20, compression="snappy")
    out = {k: str(v) for k, v in paths.items()}
    out["tiny_calls"] = sizes.tiny_calls
    return out


# ---------------------------------------------------------------------------
# Measuring


class Worker:
    def __init__(self, tool: str, setup: Setup, data: dict) -> None:
        self.tool = tool
        self.proc = subprocess.Popen(
            [setup.pythons[tool], WORKER, tool, json.dumps(data)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=setup.envs[tool],
        )
        self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.tool} exited ({self.proc.wait()})")
        msg = json.loads(line)
        if "error" in msg:
            raise RuntimeError(f"worker {self.tool}: {msg['error']}")
        return msg

    def run(self, task: str) -> dict:
        self.proc.stdin.write(json.dumps({"task": task}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def interleave(contenders: list, runs: int) -> dict:
    """Runs every (label, worker, task) once per round, rotating the order each round,
    after one warm-up run each. Returns label -> list of {"ns", "cpu_ns"} in round order."""
    for label, w, task in contenders:
        log(f"warm-up {label}")
        w.run(task)
    out: dict = {label: [] for label, _, _ in contenders}
    for r in range(runs):
        k = r % len(contenders)
        for label, w, task in contenders[k:] + contenders[:k]:
            out[label].append(w.run(task))
        log(f"round {r + 1}/{runs} done")
    return out


def stats(values: list) -> tuple:
    return statistics.median(values), min(values), max(values)


def ms(ns: float) -> str:
    v = ns / 1e6
    return f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"


def fmt3(v: tuple, f=ms) -> str:
    med, lo, hi = v
    return f"{f(med)} ({f(lo)} – {f(hi)})"


def ratio_str(v: float) -> str:
    return f"{v:.3f}" if v < 10 else f"{v:,.1f}"


def ratios(a: list, b: list, key: str = "ns") -> tuple:
    return stats([x[key] / y[key] for x, y in zip(a, b)])


# ---------------------------------------------------------------------------
# The questions


class Report:
    def __init__(self) -> None:
        self.sections: list = []
        self.targets: list = []  # (question, what, target, measured, met)

    def add(self, text: str) -> None:
        self.sections.append(text.rstrip() + "\n")
        # Sections start with "## <question number>."; keep them in that order.
        self.sections.sort(key=lambda t: t.split(".", 1)[0])

    def target(self, q: str, what: str, target: str, measured: str, met: bool) -> None:
        self.targets.append((q, what, target, measured, met))


def q1_q2(rep: Report, ours: Worker, sizes: Sizes, setup: Setup, data: dict) -> None:
    contenders = []
    for kernel in ("abs", "reverse"):
        for kind in ("builtin", "plugin", "plugin_full"):
            contenders.append((f"{kind}.{kernel}", ours, f"q1.{kind}.{kernel}"))
    res = interleave(contenders, sizes.fast_runs)
    rows = [
        "| kernel | data | built-in ms median (min – max) | plugin ms | plugin / built-in "
        "median (min – max) | plugin, full validation ms | full / built-in |",
        "|---|---|---|---|---|---|---|",
    ]
    for kernel, data in (
        ("abs", f"{sizes.ints:,} Int64"),
        ("reverse", f"{sizes.strs:,} strings"),
    ):
        b, p, f = (res[f"{k}.{kernel}"] for k in ("builtin", "plugin", "plugin_full"))
        r = ratios(p, b)
        rf = ratios(f, b)
        rows.append(
            f"| `{kernel}` | {data} | {fmt3(stats([x['ns'] for x in b]))} | "
            f"{fmt3(stats([x['ns'] for x in p]))} | {fmt3(r, ratio_str)} | "
            f"{fmt3(stats([x['ns'] for x in f]))} | {fmt3(rf, ratio_str)} |"
        )
        rep.target("1", f"plugin / built-in, `{kernel}`", "≤ 1.02", ratio_str(r[0]), r[0] <= 1.02)
    rep.add(
        "## 1. Boundary overhead\n\n"
        f"{sizes.fast_runs} interleaved rounds. `select(f(col))` then `collect()` over an "
        "in-memory DataFrame, timed in the worker "
        "process (wall time, both cores). Built-in: `abs` / `reverse`; plugin: `bench_abs` / "
        "`bench_reverse` of the benchmark plugin, compiled from the same kernel file. "
        '"Full validation" is the plugin with `DAFT_PLUGIN_VALIDATION=full` '
        "(`ArrayData::validate_full` on every result). Ratios are taken within each round.\n\n"
        + "\n".join(rows)
    )

    contenders = [(kind, ours, f"q2.{kind}") for kind in ("builtin", "plugin", "plugin_full")]
    res = interleave(contenders, sizes.runs)
    calls = sizes.tiny_batches * sizes.tiny_calls
    rows = [
        "| variant | wall ms median (min – max) | CPU ms median (min – max) | extra wall ns "
        "per call vs built-in median (min – max) | extra CPU ns per call median (min – max) |",
        "|---|---|---|---|---|",
    ]
    b = res["builtin"]
    for kind, label in (
        ("builtin", "built-in `abs`"),
        ("plugin", "plugin `bench_abs` (always-on checks)"),
        ("plugin_full", "plugin, `DAFT_PLUGIN_VALIDATION=full`"),
    ):
        v = res[kind]
        extra_wall = stats([(x["ns"] - y["ns"]) / calls for x, y in zip(v, b)])
        extra_cpu = stats([(x["cpu_ns"] - y["cpu_ns"]) / calls for x, y in zip(v, b)])
        ns = lambda x: f"{x:,.0f}"  # noqa: E731
        rows.append(
            f"| {label} | {fmt3(stats([x['ns'] for x in v]))} | "
            f"{fmt3(stats([x['cpu_ns'] for x in v]))} | "
            + (
                "– | – |"
                if kind == "builtin"
                else f"{fmt3(extra_wall, ns)} | {fmt3(extra_cpu, ns)} |"
            )
        )
        if kind == "plugin":
            rep.target(
                "2",
                "extra CPU time per plugin call (checks included)",
                "< 1,000 ns",
                f"{extra_cpu[0]:,.0f} ns",
                extra_cpu[0] < 1000,
            )
    prof = perf_profile(setup, "ours", data, "q2.plugin", "q2", sort="sym")
    if prof:
        rows.append(
            "\nWhere the CPU time of the plugin variant goes (`perf record -e cpu-clock -g` "
            "of one run in a fresh process, data load and the twins' check included; "
            "`perf report --no-children --sort sym`, entries ≥ 1.5 %):\n\n```\n" + prof + "\n```"
        )
    rep.add(
        "## 2. Per-call overhead\n\n"
        f"{sizes.tiny_batches:,} record batches of {sizes.tiny_rows} Int64 rows, each batch "
        f"projected through {sizes.tiny_calls} calls of the function "
        f"(`select(f(col('x')).alias('a0'), ...)`), so {calls:,} calls per run. The extra "
        "time per call is (plugin − built-in) / calls, within each round. CPU time is the "
        "worker process's user + system time, so it counts the work of both cores.\n\n"
        + "\n".join(rows)
    )


def q3(rep: Report, workers: dict, sizes: Sizes) -> None:
    tables = []
    for kernel, data in (("reverse", f"{sizes.strs:,} strings"), ("abs", f"{sizes.ints:,} Int64")):
        contenders = [
            ("this engine: plugin", workers["ours"], f"q1.plugin.{kernel}"),
            ("this engine: built-in", workers["ours"], f"q1.builtin.{kernel}"),
        ]
        if "daft" in workers:
            contenders += [
                ("Daft: built-in", workers["daft"], f"q3.builtin.{kernel}"),
                ("Daft: daft-ext extension", workers["daft"], f"q3.ext.{kernel}"),
            ]
        if "polars" in workers:
            contenders.append(("Polars: built-in", workers["polars"], f"q3.builtin.{kernel}"))
        if "pyarrow" in workers:
            contenders.append(("pyarrow.compute", workers["pyarrow"], f"q3.builtin.{kernel}"))
        if kernel == "reverse":
            if "daft" in workers:
                contenders.append(("Daft: `@daft.func` UDF", workers["daft"], "q3.udf.reverse"))
            if "polars" in workers:
                contenders.append(("Polars: `map_elements`", workers["polars"], "q3.udf.reverse"))
        res = interleave(contenders, sizes.runs)
        plugin = res["this engine: plugin"]
        rows = [
            f"### `{kernel}` over {data}\n",
            "| contender | ms median (min – max) | time / plugin's median (min – max) |",
            "|---|---|---|",
        ]
        for label, _, _ in contenders:
            rows.append(
                f"| {label} | {fmt3(stats([x['ns'] for x in res[label]]))} | "
                f"{fmt3(ratios(res[label], plugin), ratio_str)} |"
            )
        tables.append("\n".join(rows))
        udfs = [c for c in res if "UDF" in c or "map_elements" in c]
        for u in udfs:
            r = ratios(res[u], plugin)[0]
            rep.target("3", f"{u} / plugin, `{kernel}`", "≥ 50", ratio_str(r), r >= 50)
        peers = [
            c
            for c in res
            if c.endswith("built-in") and not c.startswith("this") or c == "pyarrow.compute"
        ]
        if peers:
            fastest = min(peers, key=lambda c: stats([x["ns"] for x in res[c]])[0])
            r = ratios(plugin, res[fastest])[0]
            rep.target(
                "3",
                f"plugin / fastest peer built-in ({fastest}), `{kernel}`",
                "≤ 1.0",
                ratio_str(r),
                r <= 1.0,
            )
    rep.add(
        "## 3. Against built-ins of peers and Python UDFs\n\n"
        "The same computation on the same data, each tool in its own virtual environment "
        "(PyPI), each loading the data once from the same Arrow IPC file; a run is the call "
        "that produces the result column (a DataFrame `select` + `collect`, Polars' eager "
        "`select`, one `pyarrow.compute` call). The daft-ext extension is "
        "`benchmarks/daft-ext-twin`, the same kernel file built against the `daft-ext` SDK "
        "and loaded with `daft.load_extension`. The row-wise Python UDFs (`s[::-1]`) run on "
        "the strings only: on 10 million integers one run would take longer than the whole "
        "time budget of `make bench`.\n\n" + "\n\n".join(tables)
    )


def q4(rep: Report, setup: Setup, sizes: Sizes) -> None:
    configs = []
    for n, path in setup.import_sets.items():
        env = dict(setup.envs["ours"])
        env.pop("PYTHONPATH", None)
        env.pop("DAFT_PLUGIN_PATH", None)
        if path:
            env["PYTHONPATH"] = path
        label = "this engine, plugins " + (
            "installed in this environment" if n == "installed" else n
        )
        configs.append((label, setup.pythons["ours"], "import daft", env))
    if "daft" in setup.pythons and not setup.smoke:
        configs.append(("Daft 0.7.26", setup.pythons["daft"], "import daft", setup.envs["daft"]))
    if "polars" in setup.pythons:
        configs.append(("Polars", setup.pythons["polars"], "import polars", setup.envs["polars"]))
    counts = {}
    for label, py, stmt, env in configs:
        if stmt == "import daft" and label.startswith("this"):
            counts[label] = subprocess.run(
                [
                    py,
                    "-c",
                    "import daft; print(daft.plugins().to_pydict()['status'].count('loaded'))",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
    times: dict = {c[0]: [] for c in configs}
    base: dict = {c[0]: [] for c in configs}
    for _ in range(sizes.import_runs):
        for label, py, stmt, env in configs:
            for what, code in ((base, "pass"), (times, stmt)):
                t0 = time.perf_counter_ns()
                subprocess.run([py, "-c", code], env=env, check=True)
                what[label].append(time.perf_counter_ns() - t0)
    rows = [
        '| environment | plugins loaded | `python -c "<import>"` ms median (min – max) | '
        "minus `python -c pass` ms (median) |",
        "|---|---|---|---|",
    ]
    for label, *_ in configs:
        net = statistics.median([a - b for a, b in zip(times[label], base[label])])
        rows.append(
            f"| {label} | {counts.get(label, '–')} | {fmt3(stats(times[label]))} | {ms(net)} |"
        )
    if "10" in setup.import_sets:
        l0, l10 = "this engine, plugins 0", "this engine, plugins 10"
        add = stats([a - b for a, b in zip(times[l10], times[l0])])
        rows.append(
            f"\nTen plugins add {fmt3(add)} ms: median (min – max) of the per-round difference."
        )
        rep.target(
            "4", "import time added by 10 plugins", "≤ 20 ms", f"{ms(add[0])} ms", add[0] <= 20e6
        )
        if "Daft 0.7.26" in times:
            for label in (l0, "this engine, plugins 10"):
                r = ratios(
                    [{"ns": x} for x in times[label]], [{"ns": x} for x in times["Daft 0.7.26"]]
                )
                rep.target("4", f"import time / Daft's ({label})", "< 1", ratio_str(r[0]), r[0] < 1)
    rep.add(
        "## 4. Import time\n\n"
        f'Wall time of a fresh `python -c "import daft"` (interpreter start included), '
        f"{sizes.import_runs} interleaved rounds. The 0-plugin environment has only this "
        "engine's core wheel and pyarrow; the 2 plugins are the `text` and `geo` wheels; the "
        "10 are generated from `plugins/hello` with distinct names and installed as wheels "
        "(entry points). The last column subtracts the interpreter's own start-up.\n\n"
        + "\n".join(rows)
    )


def q5(rep: Report, setup: Setup, data: dict, sizes: Sizes) -> None:
    res: dict = {}
    for _ in range(sizes.runs):
        for kernel in ("abs", "reverse"):
            for kind in ("builtin", "plugin"):
                out = subprocess.run(
                    [
                        setup.pythons["ours"],
                        WORKER,
                        "ours",
                        json.dumps(data),
                        "--once",
                        f"mem.{kind}.{kernel}",
                    ],
                    env=setup.envs["ours"],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                res.setdefault((kind, kernel), []).append(json.loads(out.stdout.splitlines()[-1]))
    rows = [
        "| kernel | data | built-in peak MiB median (min – max) | plugin peak MiB | "
        "plugin / built-in peak median (min – max) | query's own peak, built-in → plugin "
        "MiB (median) |",
        "|---|---|---|---|---|---|",
    ]
    mib = lambda b: f"{b / 2**20:,.0f}"  # noqa: E731
    for kernel, d in (("abs", f"{sizes.ints:,} Int64"), ("reverse", f"{sizes.strs:,} strings")):
        b, p = res[("builtin", kernel)], res[("plugin", kernel)]
        r = stats([x["rss_after"] / y["rss_after"] for x, y in zip(p, b)])
        own = lambda v: statistics.median(x["rss_after"] - x["rss_before"] for x in v)  # noqa: E731
        rows.append(
            f"| `{kernel}` | {d} | {fmt3(stats([x['rss_after'] for x in b]), mib)} | "
            f"{fmt3(stats([x['rss_after'] for x in p]), mib)} | {fmt3(r, ratio_str)} | "
            f"{mib(own(b))} → {mib(own(p))} |"
        )
        rep.target(
            "5", f"peak RSS plugin / built-in, `{kernel}`", "≤ 1.05", ratio_str(r[0]), r[0] <= 1.05
        )
    rep.add(
        "## 5. Memory\n\n"
        "Peak resident memory (`ru_maxrss`) of a fresh process that loads the data and runs "
        f"the query once ({sizes.runs} interleaved rounds). A copy of the data at the "
        "boundary would show as a higher peak for the plugin; the last column is the peak "
        "growth during the query alone.\n\n" + "\n".join(rows)
    )


def perf_profile(
    setup: Setup, tool: str, data: dict, task: str, name: str, sort: str = "dso,sym"
) -> str | None:
    if setup.smoke or not shutil.which("perf"):
        return None
    out = WORK / f"{name}.perf.data"
    cmd = [
        "perf",
        "record",
        "-q",
        "-F",
        "499",
        "-e",
        "cpu-clock",
        "-g",
        "-o",
        out,
        "--",
        setup.pythons[tool],
        WORKER,
        tool,
        json.dumps(data),
        "--once",
        task,
    ]
    if subprocess.run([str(c) for c in cmd], env=setup.envs[tool], capture_output=True).returncode:
        return None
    report = subprocess.run(
        [
            "perf",
            "report",
            "-i",
            str(out),
            "--stdio",
            "--no-children",
            "--sort",
            sort,
            "--percent-limit",
            "1.5",
            "-g",
            "none",
        ],
        capture_output=True,
        text=True,
    ).stdout
    lines = [ln for ln in report.splitlines() if ln.strip() and not ln.startswith("#")]
    return "\n".join(ln[:150] for ln in lines[:25])


def q6(rep: Report, workers: dict, setup: Setup, data: dict, sizes: Sizes) -> None:
    contenders = [
        ("this engine: plugin functions", workers["ours"], "q6.plugin"),
        ("this engine: built-ins", workers["ours"], "q6.builtin"),
    ]
    for tool, label in (("daft", "Daft 0.7.26"), ("polars", "Polars (lazy)"), ("duckdb", "DuckDB")):
        if tool in workers:
            contenders.append((label, workers[tool], "q6.builtin"))
    res = interleave(contenders, sizes.runs)
    plugin = res["this engine: plugin functions"]
    rows = [
        "| contender | ms median (min – max) | time / this engine's (plugin) |",
        "|---|---|---|",
    ]
    for label, _, _ in contenders:
        rows.append(
            f"| {label} | {fmt3(stats([x['ns'] for x in res[label]]))} | "
            f"{fmt3(ratios(res[label], plugin), ratio_str)} |"
        )
    prof = perf_profile(setup, "ours", data, "q6.plugin", "q6")
    text = (
        "## 6. Query throughput\n\n"
        f"`read_parquet` of a generated {sizes.parquet_rows:,}-row file (columns `k` Int64 with "
        "1,000 groups, `x` Int64, `s` strings; snappy, row groups of 1 Mi rows), "
        "`where x > -500000` (75 % of the rows), projection `k, abs(x) AS a, reverse(s) AS r` "
        "(plugin functions `bench_abs`/`bench_reverse` in the first row), `groupby(k)` with "
        "`sum(a)` and `max(r)`. The peers run the same query with their built-ins (DuckDB in "
        "SQL).\n\n" + "\n".join(rows)
    )
    if prof:
        text += (
            "\n\nWhere the time goes in this engine (`perf record -e cpu-clock -g` of one "
            "run in a fresh process, data load included; `perf report --sort dso,sym`, "
            "entries ≥ 1.5 %):\n\n```\n" + prof + "\n```"
        )
    rep.add(text)


# ---------------------------------------------------------------------------
# The report


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    mem = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": platform.platform()}


def versions(setup: Setup) -> dict:
    v = {"python": platform.python_version()}
    for tool, code in (
        ("ours", "import daft; print(daft.__version__)"),
        ("daft", "import daft; print(daft.__version__)"),
        ("polars", "import polars; print(polars.__version__)"),
        ("pyarrow", "import pyarrow; print(pyarrow.__version__)"),
        ("duckdb", "import duckdb; print(duckdb.__version__)"),
    ):
        if tool in setup.pythons and (tool != "daft" or not setup.smoke):
            out = subprocess.run(
                [setup.pythons[tool], "-c", code],
                env=setup.envs[tool],
                capture_output=True,
                text=True,
            )
            v[tool] = out.stdout.strip() or "?"
    for name, cmd in (
        ("rustc", ["rustc", "--version"]),
        ("commit", ["git", "rev-parse", "--short", "HEAD"]),
    ):
        try:
            v[name] = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            v[name] = "?"
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT
    )
    if dirty.stdout.strip():
        v["commit"] += " (with uncommitted changes in the checkout)"
    return v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--smoke", action="store_true", help="tiny sizes, current interpreter, no timing claims"
    )
    ap.add_argument("--quick", action="store_true", help="full set-up, a tenth of the data")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--plugin-lib", help="smoke mode: the benchmark plugin library to load")
    ap.add_argument("--command", default=None, help="the command to record in the report")
    args = ap.parse_args()
    started = time.time()
    load_start = os.getloadavg()
    sizes = Sizes(args.smoke, args.quick)
    setup = Setup(args.smoke, args.plugin_lib)
    data = generate_data(sizes, args.smoke)
    log("data ready")
    setup.seconds = time.time() - started
    if setup.twin:
        data["twin"] = setup.twin
    rep = Report()
    workers = {tool: Worker(tool, setup, data) for tool in setup.pythons}
    try:
        q1_q2(rep, workers["ours"], sizes, setup, data)
        q3(rep, workers, sizes)
        q5(rep, setup, data, sizes)
        q6(rep, workers, setup, data, sizes)
    finally:
        for w in workers.values():
            w.close()
    q4(rep, setup, sizes)
    write_report(args, rep, setup, sizes, started, load_start)


def write_report(args, rep: Report, setup: Setup, sizes: Sizes, started: float, load_start) -> None:
    m = machine()
    v = versions(setup)
    load_end = os.getloadavg()
    wall = time.time() - started
    command = args.command or ("python benchmarks/run.py" + (" --smoke" if args.smoke else ""))
    head = [
        "# Benchmarks",
        "",
        "SMOKE RUN: tiny sizes, no timing claims (this only checks that the script works)."
        if args.smoke
        else "Generated by `make bench` from a real run; do not edit by hand (edit "
        "`benchmarks/run.py` and `benchmarks/analysis.md`, then rerun).",
        "",
        f"- command: `{command}`, {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, "
        f"wall time {wall / 60:.1f} min, of which {setup.seconds / 60:.1f} min builds, "
        "environments and data (reused from an earlier run where their inputs were unchanged)",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['os']}",
        f"- load average (1 / 5 / 15 min) at start {' / '.join(f'{x:.2f}' for x in load_start)}, "
        f"at end {' / '.join(f'{x:.2f}' for x in load_end)} (the machine is shared: other "
        "builds ran at the same time)",
        "- versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- every figure: median of {sizes.runs} interleaved rounds (order rotated each round, "
        f"after one warm-up run each), with min and max; ratios are taken within each round "
        f"({sizes.fast_runs} rounds for question 1, {sizes.import_runs} for import time)",
        "",
        "## Targets",
        "",
        "| question | figure | target | measured (median) | met |",
        "|---|---|---|---|---|",
    ]
    for q, what, target, measured, met in rep.targets:
        head.append(f"| {q} | {what} | {target} | {measured} | {'yes' if met else '**no**'} |")
    missed = [t for t in rep.targets if not t[4]]
    head.append("")
    head.append(
        "Missed: "
        + ("; ".join(f"{t[1]} ({t[3]}, target {t[2]})" for t in missed) if missed else "none")
        + ". The reasons, found by profiling, are under *Analysis* at the end."
    )
    body = "\n".join(head) + "\n\n" + "\n".join(rep.sections)
    method = BENCH / "method.md"
    analysis = BENCH / "analysis.md"
    if method.exists():
        body += "\n" + method.read_text()
    if analysis.exists() and not args.smoke:
        body += "\n" + analysis.read_text()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(body)
    log(f"wrote {args.out} in {wall / 60:.1f} min")


if __name__ == "__main__":
    main()
