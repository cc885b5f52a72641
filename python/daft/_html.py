"""What a notebook shows for a DataFrame, a Schema and an Expression (``_repr_html_``).

The layout is Daft 0.7.26's: a table with each column's name and type in its header, the
first rows (``num_preview_rows`` of the execution config, 8 by default) and
"(Showing first N of M rows)" below it; a DataFrame that has not run shows its header and
says so, and never runs a query to draw itself. Cells are the texts ``show()`` prints,
HTML-escaped; images are shown as PNG thumbnails when the first-party image plugin is
loaded (its ``resize`` and ``encode_image`` make them), and as ``<Image>`` otherwise.
``daft.plugins()`` is a DataFrame, so it is shown the same way.

``tests/test_notebook.py`` checks the HTML in a headless Chromium and runs a notebook.
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from daft.dataframe import DataFrame
    from daft.expressions import Expression
    from daft.schema import Schema

# Longest cell text put into the page: the cell's CSS clips what does not fit, and this
# bounds the page's size for a column of long strings.
MAX_CELL_CHARS = 1000
# Thumbnails fit in a square of this many pixels (smaller images are not enlarged).
THUMBNAIL_PX = 128

_TH = (
    "text-wrap: nowrap; width: calc(100vw / {n}); min-width: 192px; overflow: hidden; "
    "text-overflow: ellipsis; text-align:left"
)
_TD = (
    "text-align:left; width: calc(100vw / {n}); min-width: 192px; max-height: 100px; "
    "overflow: hidden; text-overflow: ellipsis; word-wrap: break-word; overflow-y: auto"
)
_NOT_MATERIALIZED = (
    "(No data to display: Dataframe not materialized, use .collect() to materialize)"
)


def dataframe(df: DataFrame) -> str:
    """The notebook view of ``df``."""
    from daft.context import get_context

    schema = df.schema()
    names = schema.column_names()
    n_cols = max(len(names), 1)
    th = _TH.format(n=n_cols)
    head = "".join(
        f'<th style="{th}">{html.escape(f.name)}<br />{html.escape(repr(f.dtype))}</th>'
        for f in schema
    )
    limit = get_context().daft_execution_config.num_preview_rows
    rows = df._builder.preview_cells(limit)
    if rows is None:
        return (
            '<div>\n<table class="dataframe" style="table-layout: fixed; min-width: 100%">\n'
            f"<thead><tr>{head}</tr></thead>\n</table>\n"
            f"<small>{_NOT_MATERIALIZED}</small>\n</div>"
        )
    images = {
        i: _thumbnails(df, f.name, len(rows))
        for i, f in enumerate(schema)
        if f.dtype.is_image() or f.dtype.is_fixed_shape_image()
    }
    td = _TD.format(n=n_cols)
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, text in enumerate(row):
            thumbs = images.get(c)
            if thumbs is not None and thumbs[r] is not None:
                inner = thumbs[r]
            else:
                inner = html.escape(_cut(text))
            cells.append(f'<td data-row="{r}" data-col="{c}"><div style="{td}">{inner}</div></td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    shown = f"(Showing first {len(rows)} of {df._builder.count_rows()} rows)"
    return (
        '<div>\n<table class="dataframe" style="table-layout: fixed; min-width: 100%">\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + f"\n</tbody>\n</table>\n<small>{shown}</small>\n</div>"
    )


def schema(s: Schema) -> str:
    """The notebook view of a schema: one row per column, its name and type."""
    cell = "text-align:left; max-width:192px; max-height:64px; overflow:auto"
    th = "text-wrap: nowrap; max-width:192px; overflow:auto; text-align:left"
    rows = "".join(
        f'<tr><td style="{cell}">{html.escape(f.name)}</td>'
        f'<td style="{cell}">{html.escape(repr(f.dtype))}</td></tr>\n'
        for f in s
    )
    return (
        '<table class="dataframe">\n'
        f'<thead><tr><th style="{th}">column_name</th><th style="{th}">type</th></tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table>"
    )


def expression(e: Expression) -> str:
    """The notebook view of an expression: its text, in code type."""
    return f"<code>{html.escape(repr(e))}</code>"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


def _thumbnails(df: DataFrame, name: str, n: int) -> list[str | None] | None:
    """``<img>`` tags of the first ``n`` images of column ``name``, each scaled to fit
    ``THUMBNAIL_PX`` (``None`` for a null or an image the encoder cannot store as PNG),
    or ``None`` when the image plugin's functions are not loaded."""
    import daft.functions as F

    resize: Any = getattr(F, "resize", None)
    encode: Any = getattr(F, "encode_image", None)
    width: Any = getattr(F, "image_width", None)
    height: Any = getattr(F, "image_height", None)
    if resize is None or encode is None or width is None or height is None:
        return None
    from daft.expressions import col

    try:
        # An image column may be a fixed-shape image; the image functions take both.
        head = df.select(col(name)).limit(n).collect()
        sizes = head.select(width(col(name)).alias("w"), height(col(name)).alias("h")).to_pydict()
    except Exception:
        return None
    out: list[str | None] = []
    for i, (w, h) in enumerate(zip(sizes["w"], sizes["h"])):
        if w is None or h is None or w == 0 or h == 0:
            out.append(None)
            continue
        scale = min(1.0, THUMBNAIL_PX / max(w, h))
        tw, th = max(1, round(w * scale)), max(1, round(h * scale))
        try:
            one = head.offset(i).limit(1)
            png = one.select(encode(resize(col(name), tw, th), "png").alias("png")).to_pydict()[
                "png"
            ][0]
        except Exception:
            out.append(None)  # a mode PNG cannot store (float images): shown as text
            continue
        data = base64.b64encode(png).decode("ascii")
        out.append(
            f'<img style="max-height:{THUMBNAIL_PX}px;width:auto" '
            f'src="data:image/png;base64,{data}" alt="image {w}x{h}" />'
        )
    return out
