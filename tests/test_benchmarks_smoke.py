"""`benchmarks/run.py --smoke`: the benchmark script runs end to end on tiny data.

It never times anything worth reading and never writes docs/benchmarks.md: the report
goes to a temporary path. It needs the benchmark plugin from the workspace build
(`libdaft_plugin_bench` in ``$DAFT_TEST_PLUGIN_DIR``, ``target/release`` by default).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIB = Path(os.environ.get("DAFT_TEST_PLUGIN_DIR", ROOT / "target" / "release")) / (
    "libdaft_plugin_bench.so"
)


def run_smoke(out: Path, *args: str) -> str:
    """Runs `benchmarks/run.py --smoke --out OUT ARGS...`, checks that it succeeded and
    returns the report it wrote."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out.read_text()


@pytest.mark.skipif(not LIB.is_file(), reason=f"{LIB} not built (cargo build --workspace)")
def test_bench_smoke_writes_a_well_formed_report(tmp_path):
    out = tmp_path / "report.md"
    docs = ROOT / "docs" / "benchmarks.md"
    before = docs.read_bytes() if docs.exists() else None
    text = run_smoke(out, "--plugin-lib", str(LIB))
    assert text.startswith("# Benchmarks\n\nSMOKE RUN")
    for heading in (
        "## Targets",
        "## 1. Boundary overhead",
        "## 2. Per-call overhead",
        "## 3. Against built-ins of peers and Python UDFs",
        "## 4. Import time",
        "## 5. Memory",
        "## 6. Query throughput",
        "## 8. Cost of crash isolation",
        *ANALYTICS_HEADINGS,
        *KERNEL_HEADINGS,
        "## 10. Python UDFs",
        "## 11. Progress display",
    ):
        assert heading in text, heading
    assert_well_formed(text)
    assert "| `abs` |" in text and "| `reverse` |" in text
    # Sections in the order of their numbers (10 and 11 came right after 1 when they were
    # sorted as text), and the aggregate twin inside question 1's section (it sorted after
    # section 9, where splicing a re-run kernels section dropped it).
    numbers = [int(n) for n in re.findall(r"^## (\d+)\.", text, flags=re.M)]
    assert numbers == sorted(numbers), numbers
    aggregates = text.index("### Aggregates")
    assert text.index("## 1. Boundary overhead") < aggregates < text.index("## 2. Per-call")
    # The committed report is never touched by a smoke run.
    assert (docs.read_bytes() if docs.exists() else None) == before


ANALYTICS_HEADINGS = (
    "## 7. Analytics queries",
    "### Time relative to the fastest tool",
    "### Wall time, ms: median (min)",
    "### Peak resident memory, MiB: median (growth during the query)",
    "### CPU time / wall time during the query (median over the rounds)",
    "### Cost per row of q2 (group by the int key) by size",
    "### Targets for this engine",
)


KERNEL_HEADINGS = (
    "## 9. Function kernels",
    "### Checks before timing",
    "### Wall time, ms: median (min – max) over 2 rounds",
    "### This engine against the fastest peer",
    "### CPU time / wall time during a run (median)",
)
KERNELS = ("date_parts", "list_sum", "levenshtein", "jaro_winkler", "hash_int", "hash_str")


def assert_well_formed(text: str) -> None:
    # Each table row has as many cells as its header, and every figure is a number.
    for block in text.split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.startswith("|")]
        if not lines:
            continue
        width = lines[0].count("|")
        assert all(ln.count("|") == width for ln in lines), block
    assert "nan" not in text.lower().replace("nanosecond", "")
    assert "inf" not in text.lower().replace("info", "")


@pytest.mark.skipif(not LIB.is_file(), reason=f"{LIB} not built (cargo build --workspace)")
def test_bench_smoke_isolation_alone(tmp_path):
    """`--only isolation`: the benchmark plugin in process against the same plugin with
    `DAFT_PLUGIN_ISOLATION=process`, per call and per MiB, and nothing else."""
    out = tmp_path / "isolation.md"
    text = run_smoke(out, "--only", "isolation", "--plugin-lib", str(LIB))
    assert text.startswith("# Benchmarks: isolation only\n\nSMOKE RUN")
    assert "## 8. Cost of crash isolation" in text
    assert "ns per call |" in text and "ns per MiB |" in text
    assert "## 1. Boundary overhead" not in text and "## 7. Analytics" not in text
    assert_well_formed(text)


def test_bench_smoke_analytics_alone(tmp_path):
    """`--only analytics`: the six queries, checked equal across whichever of DataFusion,
    DuckDB and Polars are importable here, timed, with memory and the cost per row; no
    plugin needed."""
    out = tmp_path / "analytics.md"
    docs = ROOT / "docs" / "benchmarks-analytics.md"
    before = docs.read_bytes() if docs.exists() else None
    text = run_smoke(out, "--only", "analytics")
    assert text.startswith("# Benchmarks: analytics only\n\nSMOKE RUN")
    for heading in ANALYTICS_HEADINGS:
        assert heading in text, heading
    assert "## 1. Boundary overhead" not in text
    assert "Produced by `python benchmarks/run.py --smoke --only analytics`" in text
    for q in ("q1", "q2", "q3", "q4", "q5", "q6"):
        assert f"| {q} |" in text, q
    # The targets: per query in the section, summed up in the table at the top.
    assert "| 7 | this engine: cpu / wall, on every query (worst shown) | ≥ 1.7 |" in text
    assert_well_formed(text)
    assert (docs.read_bytes() if docs.exists() else None) == before


def test_bench_smoke_kernels_alone(tmp_path):
    """`--only kernels`: every kernel checked against the references and this engine, then
    timed against whichever of Polars and DuckDB are importable here; no plugin needed,
    and docs/benchmarks.md (whose section a real `--only kernels` run replaces) is left
    alone when the report goes to `--out`."""
    out = tmp_path / "kernels.md"
    docs = ROOT / "docs" / "benchmarks.md"
    before = docs.read_bytes() if docs.exists() else None
    text = run_smoke(out, "--only", "kernels")
    assert text.startswith("# Benchmarks: kernels only\n\nSMOKE RUN")
    for heading in KERNEL_HEADINGS:
        assert heading in text, heading
    assert "## 7. Analytics" not in text and "## 1. Boundary overhead" not in text
    assert "Produced by `python benchmarks/run.py --smoke --only kernels`" in text
    wall = text.split("### Wall time")[1].split("###")[0]
    # Every tool's results agree with the references, so every kernel is timed.
    assert "not timed" not in wall
    ratios = text.split("### This engine against the fastest peer")[1].split("###")[0]
    for kernel in KERNELS:
        assert f"| `{kernel}` | " in wall, kernel
        assert f"| `{kernel}` | " in ratios, kernel
    # A target per kernel that some peer here computes, in the table at the top.
    if "none timed" not in ratios:
        assert "| 9 | this engine / fastest peer (" in text
    assert_well_formed(text)
    assert (docs.read_bytes() if docs.exists() else None) == before


def test_bench_smoke_udfs_alone(tmp_path):
    """`--only udfs`: the row-wise and batch UDFs, each tool's result checked against this
    engine's, then timed against whichever of Polars, pandas and pyarrow are importable."""
    out = tmp_path / "udfs.md"
    docs = ROOT / "docs" / "benchmarks.md"
    before = docs.read_bytes() if docs.exists() else None
    text = run_smoke(out, "--only", "udfs")
    assert text.startswith("# Benchmarks: udfs only\n\nSMOKE RUN")
    assert "## 10. Python UDFs" in text and "## 9. Function kernels" not in text
    assert "all agreed" in text
    wall = text.split("### Wall time")[1].split("###")[0]
    for task in ("row_int", "batch_int", "batch_str"):
        assert f"| {task}: " in wall, task
    # pyarrow is always here: the batch target is judged against the direct call.
    assert "`batch_str`: this engine ÷ the direct pyarrow call" in text
    assert_well_formed(text)
    assert (docs.read_bytes() if docs.exists() else None) == before


def test_bench_smoke_remote_alone(tmp_path):
    """`--only remote`: the S3 server started, the analytics file uploaded, every tool's
    result checked against this engine's, then each query timed with the bytes it fetched;
    docs/benchmarks.md is left as it was."""
    out = tmp_path / "remote.md"
    docs = ROOT / "docs" / "benchmarks.md"
    before = docs.read_bytes() if docs.exists() else None
    text = run_smoke(out, "--only", "remote")
    assert text.startswith("# Benchmarks: remote only\n\nSMOKE RUN")
    assert "## 12. Reading from an object store" in text and "## 10. Python UDFs" not in text
    assert "all agreed" in text
    fetched = text.split("### Bytes the server sent")[1].split("###")[0]
    for q in ("q1", "q2", "q5", "q6"):
        assert f"| {q} | " in fetched, q
    assert "| 12 | q1 over S3 ÷ the fastest peer |" in text
    assert_well_formed(text)
    assert (docs.read_bytes() if docs.exists() else None) == before


def test_bench_kernels_splice_replaces_only_its_section(tmp_path):
    """What `--only kernels` does to docs/benchmarks.md: its section (and the method's
    copy) replaced in place, or put before the method the first time; the rest as it was."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from workloads import kernels
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    doc = tmp_path / "benchmarks.md"
    head = "# Benchmarks\n\n## 8. Cost of crash isolation\n\nfigures\n\n"
    method_old = "## How this is measured (decisions)\n\n- old\n\n"
    tail = "## Analysis: why\n\ntext\n"
    doc.write_text(head + method_old + tail)
    kernels.splice(
        doc, "## 9. Function kernels\n\nfirst\n", "## How this is measured (decisions)\n\n- new\n"
    )
    first = head + "## 9. Function kernels\n\nfirst\n\n"
    assert doc.read_text() == first + "## How this is measured (decisions)\n\n- new\n\n" + tail
    kernels.splice(doc, "## 9. Function kernels\n\nsecond\n\n### sub\n\nmore\n", None)
    assert doc.read_text() == (
        head
        + "## 9. Function kernels\n\nsecond\n\n### sub\n\nmore\n\n"
        + "## How this is measured (decisions)\n\n- new\n\n"
        + tail
    )


def test_a_one_section_run_replaces_its_rows_of_the_targets_table(tmp_path):
    """`--only kernels` refreshes question 9's rows of the Targets table (they kept the
    full run's figures while the section below showed the new ones), recomputes the
    "Missed:" line and says which questions came from such a run; other rows stay."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from report import splice_targets
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    doc = tmp_path / "benchmarks.md"
    table = (
        "## Targets\n\n"
        "| question | figure | target | measured (median) | met |\n"
        "|---|---|---|---|---|\n"
        "| 1 | a | ≤ 1 | 0.9 | yes |\n"
        "| 9 | k1 | ≤ 1.2 | 1.0 | yes |\n"
        "| 9 | k2 | ≤ 1.2 | 1.1 | yes |\n"
        "| 10 | u | ≤ 1.1 | 1.3 | **no** |\n\n"
        "Missed: u (1.3, target ≤ 1.1). The reasons, found by profiling and by measuring "
        "plain DataFusion beside this engine, are under *Analysis* at the end.\n\n"
    )
    doc.write_text("# Benchmarks\n\n- head\n\n" + table + "## 1. First\n\nbody\n")
    splice_targets(
        doc,
        [("9", "k1", "≤ 1.2", "1.4", False), ("9", "k2", "≤ 1.2", "0.8", True)],
        "make bench-kernels",
    )
    text = doc.read_text()
    rows = [line for line in text.splitlines() if re.match(r"\| \d+ \|", line)]
    assert rows == [
        "| 1 | a | ≤ 1 | 0.9 | yes |",
        "| 9 | k1 | ≤ 1.2 | 1.4 | **no** |",
        "| 9 | k2 | ≤ 1.2 | 0.8 | yes |",
        "| 10 | u | ≤ 1.1 | 1.3 | **no** |",
    ]
    assert "Missed: k1 (1.4, target ≤ 1.2); u (1.3, target ≤ 1.1). The reasons" in text
    assert "Refreshed by a one-section run since: question 9 by `make bench-kernels`." in text
    assert text.startswith("# Benchmarks\n\n- head\n\n## Targets")
    assert text.endswith("\n\n## 1. First\n\nbody\n")
    # A second section's run keeps the first one's note.
    splice_targets(doc, [("10", "u", "≤ 1.1", "1.0", True)], "make bench-udfs")
    text = doc.read_text()
    assert "Missed: k1 (1.4, target ≤ 1.2). The reasons" in text
    assert (
        "Refreshed by a one-section run since: question 9 by `make bench-kernels`; "
        "question 10 by `make bench-udfs`." in text
    )
