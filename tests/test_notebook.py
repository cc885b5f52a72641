"""Notebook display: the HTML views (`_repr_html_`) in a real headless browser, and a
notebook run end to end in a Jupyter kernel.

The browser is Debian's `chromium-headless-shell` (`.ci/run` installs it). Without it the
browser test is skipped on a developer's machine and fails in CI, so that CI never passes
without having looked.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import daft
import daft.functions as F
import pytest
from daft import col

ROOT = Path(__file__).resolve().parent.parent
RED = (220, 20, 20)


def _png(size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def _browser() -> str:
    for name in ("chromium-headless-shell", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("no headless Chromium in CI: .ci/run installs chromium-headless-shell")
    pytest.skip("no headless Chromium (apt-get install chromium-headless-shell)")


def _frame_with_images() -> daft.DataFrame:
    return (
        daft.from_pydict(
            {
                "name": ["red <b>", "small", "none"],
                "x": [1, 2, None],
                "file": [_png((300, 200), RED), _png((40, 30), (20, 120, 220)), None],
            }
        )
        .select("name", "x", F.decode_image(col("file")).alias("image"))
        .collect()
    )


# Runs in the page after load: what the browser made of the HTML, written into the DOM
# so that --dump-dom reports it, with any script error the page raised.
HARNESS = """
<pre id="result" style="display:none"></pre>
<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message)));
window.addEventListener("load", () => {
  const t = document.querySelector("table.dataframe");
  const imgs = Array.from(document.querySelectorAll("img"));
  document.getElementById("result").textContent = JSON.stringify({
    tables: document.querySelectorAll("table.dataframe").length,
    header: t ? Array.from(t.querySelectorAll("thead th")).map(th => th.innerText) : [],
    rows: t ? t.querySelectorAll("tbody tr").length : -1,
    cells: t ? Array.from(t.querySelectorAll("tbody td")).map(td => td.innerText) : [],
    images: imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight]),
    caption: (document.querySelector("small") || {}).innerText || "",
    errors: window.__errors,
  });
});
</script>
"""


def _render(tmp_path: Path, body: str) -> tuple[dict, Path]:
    page = tmp_path / "page.html"
    page.write_text(f"<!doctype html><html><body>{body}{HARNESS}</body></html>")
    shot = tmp_path / "shot.png"
    common = [
        _browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,900",
    ]
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'<pre id="result"[^>]*>(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stdout[-2000:]
    import html

    result = json.loads(html.unescape(found.group(1)))
    snap = subprocess.run(
        [*common, f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert snap.returncode == 0 and shot.exists(), snap.stderr[-2000:]
    return result, shot


def test_dataframe_html_renders_in_headless_chromium(tmp_path):
    df = _frame_with_images()
    result, shot = _render(tmp_path, df._repr_html_())

    assert result["errors"] == []
    assert result["tables"] == 1
    assert result["header"] == ["name\nString", "x\nInt64", "image\nImage[RGB]"]
    assert result["rows"] == 3
    # Escaped, not interpreted: the cell shows the markup as text.
    assert result["cells"][0] == "red <b>"
    assert result["cells"][3:5] == ["small", "2"]
    assert result["cells"][7] == "None"  # the null x
    assert result["caption"] == "(Showing first 3 of 3 rows)"
    # Two thumbnails that decoded, scaled to fit 128 px (aspect kept; small ones not
    # enlarged); the null image is text.
    assert result["images"] == [[True, 128, 85], [True, 40, 30]]
    assert result["cells"][8] == "None"

    # The screenshot, compared structurally: the page drew text and the red thumbnail
    # at its size (a block of RED pixels about 128 x 85).
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    w, h = img.size
    px = img.load()
    red = [(x, y) for y in range(h) for x in range(0, w, 2) if px[x, y] == RED]
    assert red, "the red thumbnail is not on the screenshot"
    xs = [x for x, _ in red]
    ys = [y for _, y in red]
    assert 120 <= max(xs) - min(xs) + 2 <= 130
    assert 80 <= max(ys) - min(ys) + 1 <= 90
    dark = sum(1 for y in range(h) for x in range(0, w, 4) if sum(px[x, y]) < 200)
    assert dark > 100, "no text drawn"


def test_unmaterialized_dataframe_shows_its_columns_and_runs_nothing(tmp_path):
    df = daft.from_pydict({"a": [1, 2, 3]}).select((col("a") + 1).alias("b"))
    html = df._repr_html_()
    assert "Dataframe not materialized" in html
    assert "<tbody>" not in html
    result, _ = _render(tmp_path, html)
    assert result["errors"] == []
    assert result["header"] == ["b\nInt64"]
    assert result["rows"] == 0


def test_html_preview_shows_the_configured_number_of_rows():
    df = daft.from_pydict({"a": list(range(20))}).collect()
    html = df._repr_html_()
    assert html.count("<tr><td") == 8
    assert "(Showing first 8 of 20 rows)" in html
    with daft.execution_config_ctx(num_preview_rows=3):
        html = df._repr_html_()
    assert html.count("<tr><td") == 3
    assert "(Showing first 3 of 20 rows)" in html


def test_html_views_match_daft_layout_for_schema_and_expression():
    schema = daft.from_pydict({"a": [1], "s": ["x"]}).schema()
    html = schema._repr_html_()
    assert html.startswith('<table class="dataframe">')
    assert html.count("<tr><td") == 2
    assert ">Int64<" in html and ">String<" in html
    assert (col("a") + 1)._repr_html_() == "<code>col(a) + lit(1)</code>"
    assert (col("<a>") == "x")._repr_html_().startswith("<code>col(&lt;a&gt;)")


def test_image_cells_are_text_without_the_image_plugin(monkeypatch):
    df = _frame_with_images()
    monkeypatch.delattr(F, "resize")
    html = df._repr_html_()
    assert "<img" not in html
    assert html.count("&lt;Image&gt;") == 2


def test_notebook_runs_end_to_end():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(ROOT / "examples" / "notebook.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()

    def html_of(cell_index: int) -> str:
        outputs = nb.cells[cell_index].outputs
        (out,) = [o for o in outputs if o.output_type == "execute_result"]
        return out.data["text/html"]

    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    frame, lazy, collected, schema, expr, plugins, images = code[1:]
    assert "(Showing first 3 of 3 rows)" in html_of(frame)
    assert "&lt;cid&gt;" in html_of(frame)
    assert "Dataframe not materialized" in html_of(lazy)
    assert "(Showing first 1 of 1 rows)" in html_of(collected)
    assert "column_name" in html_of(schema)
    assert html_of(expr).startswith("<code>")
    # The kernel is a fresh process: count what one loads at import (this test process may
    # have loaded more plugins in earlier tests).
    fresh = subprocess.run(
        [sys.executable, "-c", "import daft; print(daft.plugins().count_rows())"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    loaded = int(fresh.stdout.strip())
    assert f"(Showing first {min(loaded, 8)} of {loaded} rows)" in html_of(plugins)
    assert html_of(images).count("<img") == 2


def test_notebook_shows_the_progress_of_a_long_query():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import time, daft\n"
            "@daft.func\n"
            "def slow(x: int) -> int:\n"
            "    time.sleep(0.2)\n"
            "    return x\n"
            'df = daft.from_pydict({"x": list(range(8))}).into_partitions(1)\n'
            'df.select(slow(daft.col("x"))).to_pydict()'
        )
    ]
    env_ci = os.environ.pop("CI", None)  # the kernel inherits it: progress is off in CI
    try:
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    finally:
        if env_ci is not None:
            os.environ["CI"] = env_ci
    outputs = nb.cells[0].outputs
    drawn = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert re.search(r"ProjectionExec: 8(\.0+)? rows", drawn), outputs
    assert "Warning" not in drawn  # no complaint about missing notebook widgets
    (result,) = [o for o in outputs if o.output_type == "execute_result"]
    assert "[0, 1, 2, 3, 4, 5, 6, 7]" in result.data["text/plain"]
