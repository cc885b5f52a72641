"""Writes are atomic: a writer killed at any moment leaves readers the old data or
the new data, never a partial file or a mix; readers skip in-progress files.

The kill tests run a writer in a subprocess over a directory that holds an older
write, SIGKILL it after delays spread over the write's measured duration (from
its very start to past its end), and read the directory back after each kill.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import daft
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from daft import col

# Rows of the killed writes, per format: enough that one write takes over a
# second on the 2-core machine (measured beside a concurrent build: 1.5 s for
# the CSV write, 1.3 s for the Parquet one; the kill points scale with it).
NEW_ROWS = {"csv": 4_000_000, "parquet": 8_000_000}
OLD_ROWS = 1_000
# Kill points as fractions of the measured write time: very early, spread, and
# at and past the end, each jittered a little (fixed seed, so reruns agree).
KILL_FRACTIONS = [0.01, 0.3, 0.6, 0.9, 1.02]

WRITER = r"""
import sys, time
import daft

src, dest, fmt, mode = sys.argv[1:]
df = daft.read_parquet(src)
print("ready", flush=True)
start = time.perf_counter()
if fmt == "csv":
    df.write_csv(dest, write_mode=mode)
else:
    df.write_parquet(dest, write_mode=mode)
print(f"done {time.perf_counter() - start:.3f}", flush=True)
"""


def table(ids: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "v": pa.array(ids * 0.5, pa.float64()),
            "s": pc.take(pa.array([f"k{i}" for i in range(1000)]), pa.array(ids % 1000)),
        }
    )


def fingerprint(t: pa.Table) -> tuple:
    """What a partial file or a mix of files cannot keep equal."""
    return (
        t.num_rows,
        tuple(t.column_names),
        pc.sum(t["id"]).as_py(),
        pc.sum(t["v"]).as_py(),
        pc.sum(pc.utf8_length(t["s"])).as_py(),
        pc.min(t["id"]).as_py(),
        pc.max(t["id"]).as_py(),
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Per format: the source the writer reads, and the old and new contents."""
    base = tmp_path_factory.mktemp("atomic")
    old = table(-np.arange(1, OLD_ROWS + 1))
    out = {}
    for fmt, rows in NEW_ROWS.items():
        new = table(np.arange(rows))
        src = str(base / f"src-{fmt}.parquet")
        pq.write_table(new, src, row_group_size=256 * 1024)
        out[fmt] = {
            "src": src,
            "old": fingerprint(old),
            "new": fingerprint(new),
            "both": fingerprint(pa.concat_tables([old, new])),
            "old_table": old,
        }
    return out


def read_back(fmt: str, root: Path) -> pa.Table:
    read = daft.read_csv if fmt == "csv" else daft.read_parquet
    return read(str(root)).to_arrow()


def start_writer(src: str, dest: Path, fmt: str, mode: str) -> subprocess.Popen:
    p = subprocess.Popen(
        [sys.executable, "-c", WRITER, src, str(dest), fmt, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = p.stdout.readline()
    if line.strip() != "ready":
        p.kill()
        raise AssertionError(f"writer did not start: {line!r} {p.stderr.read()}")
    return p


def write_old(fmt: str, root: Path, old: pa.Table) -> None:
    df = daft.from_arrow(old)
    if fmt == "csv":
        df.write_csv(str(root))
    else:
        df.write_parquet(str(root))


@pytest.fixture(scope="module")
def write_seconds(data, tmp_path_factory):
    """How long one uninterrupted write takes, per format (and that it completes)."""
    out = {}
    for fmt, d in data.items():
        root = tmp_path_factory.mktemp(f"timing-{fmt}") / "out"
        p = start_writer(d["src"], root, fmt, "overwrite")
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        out[fmt] = float(stdout.split()[-1])
        assert fingerprint(read_back(fmt, root)) == d["new"]
    return out


def leftovers(parent: Path, root: Path) -> list[str]:
    """The hidden in-progress entries a killed writer left."""
    inside = [n for n in os.listdir(root) if n.endswith(".daft-tmp")] if root.exists() else []
    beside = [n for n in os.listdir(parent) if ".daft-staging-" in n]
    return inside + beside


def kill_trials(fmt, mode, data, write_seconds, tmp_path, expected_after):
    d = data[fmt]
    seconds = write_seconds[fmt]
    rng = random.Random(f"{fmt}-{mode}")
    outcomes = []
    for i, frac in enumerate(KILL_FRACTIONS):
        delay = seconds * frac * rng.uniform(0.9, 1.1)
        parent = tmp_path / f"trial-{i}"
        root = parent / "out"
        root.mkdir(parents=True)
        write_old(fmt, root, d["old_table"])
        p = start_writer(d["src"], root, fmt, mode)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=60)
        left = leftovers(parent, root)
        got = fingerprint(read_back(fmt, root))
        state = {d["old"]: "old", d[expected_after]: "new"}.get(got)
        outcomes.append((round(delay, 2), p.returncode, state, left))
        assert state is not None, (
            f"kill after {delay:.2f}s of a {seconds:.2f}s {mode} write left "
            f"{got[0]} rows, neither the old {d['old'][0]} nor the new {d[expected_after][0]}; "
            f"trials so far: {outcomes}"
        )
        shutil.rmtree(parent)
    print(f"{fmt} {mode}: write takes {seconds:.2f}s; (kill after s, exit, read, left): {outcomes}")
    # The kills must have hit the write while it ran, not only before or after it.
    killed_mid_write = [o for o in outcomes if o[1] == -signal.SIGKILL and o[3]]
    assert killed_mid_write, f"no kill landed during the write: {outcomes}"
    return outcomes


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_killed_overwrite_reads_old_or_new_never_partial(fmt, data, write_seconds, tmp_path):
    outcomes = kill_trials(fmt, "overwrite", data, write_seconds, tmp_path, "new")
    assert outcomes[0][2] == "old", outcomes


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_killed_append_reads_old_or_old_plus_new_never_partial(fmt, data, write_seconds, tmp_path):
    outcomes = kill_trials(fmt, "append", data, write_seconds, tmp_path, "both")
    assert outcomes[0][2] == "old", outcomes


# --- what the atomic protocol looks like from outside ---------------------------------


def test_readers_skip_hidden_and_in_progress_files(tmp_path):
    root = tmp_path / "d"
    daft.from_pydict({"x": [1, 2]}).write_csv(str(root))
    (root / ".part-0.csv.daft-tmp").write_text("x\n3\n4")
    (root / ".hidden.csv").write_text("x\n5\n")
    (root / "_partial.csv").write_text("x\n6\n")
    assert sorted(daft.read_csv(str(root)).to_pydict()["x"]) == [1, 2]
    assert sorted(daft.read_csv(str(root / "*.csv")).to_pydict()["x"]) == [1, 2]
    # A file named explicitly is read whatever its name.
    assert daft.read_csv(str(root / ".hidden.csv")).to_pydict()["x"] == [5]


def test_overwrite_removes_every_file_under_root_dir_but_keeps_markers(tmp_path):
    root = tmp_path / "out"
    (root / "sub").mkdir(parents=True)
    (root / "old.parquet").write_bytes(b"stale")
    (root / "README.txt").write_text("not data")
    (root / "sub" / "nested.parquet").write_bytes(b"stale")
    (root / "_SUCCESS").write_text("")
    written = daft.from_pydict({"x": [1]}).write_parquet(str(root), write_mode="overwrite")
    [path] = written.to_pydict()["path"]
    names = sorted(os.listdir(root))
    assert names == sorted([os.path.basename(path), "_SUCCESS", "sub"])
    assert os.listdir(root / "sub") == []
    assert daft.read_parquet(str(root)).to_pydict() == {"x": [1]}
    assert [n for n in os.listdir(tmp_path) if n != "out"] == [], "staging directory left"


def test_failed_overwrite_leaves_old_files_and_nothing_else(tmp_path):
    root = tmp_path / "out"
    daft.from_pydict({"a": [7]}).write_csv(str(root))
    before = sorted(os.listdir(root))
    bad = daft.from_pydict({"a": [1, 2], "b": [1, 0]}).select(col("a") // col("b"))
    with pytest.raises(daft.exceptions.DaftCoreException, match="zero"):
        bad.write_csv(str(root), write_mode="overwrite")
    assert sorted(os.listdir(root)) == before
    assert os.listdir(tmp_path) == ["out"]
    assert daft.read_csv(str(root)).to_pydict() == {"a": [7]}


def test_overwrite_of_a_missing_directory_creates_it(tmp_path):
    root = tmp_path / "a" / "b"
    written = daft.from_pydict({"x": [1, 2]}).write_csv(str(root), write_mode="overwrite")
    [path] = written.to_pydict()["path"]
    assert os.path.dirname(path) == str(root)
    assert os.path.basename(path).endswith("-0.csv")
    assert daft.read_csv(str(root)).to_pydict() == {"x": [1, 2]}
