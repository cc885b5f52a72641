"""``DataFrame.sample`` and ``DataFrame.summarize``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from daft.expressions import col

if TYPE_CHECKING:
    from daft.dataframe import DataFrame

# Types min/max order (their text form is what summarize shows).
_UNORDERED_PREFIXES = ("List", "LargeList", "FixedSizeList", "Struct", "Map", "Union")


def sample(
    df: DataFrame,
    fraction: float | None,
    size: int | None,
    with_replacement: bool,
    seed: int | None,
) -> DataFrame:
    import numpy as np
    import pyarrow as pa

    from daft.io import from_arrow

    if (fraction is None) == (size is None):
        raise ValueError("sample: give exactly one of fraction= and size=")
    if fraction is not None and not (0.0 <= float(fraction) <= 1.0):
        raise ValueError(f"sample: fraction must be between 0 and 1, got {fraction!r}")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise ValueError(f"sample: size must be a non-negative int, got {size!r}")
    table = pa.table(df)
    n = table.num_rows
    rng = np.random.default_rng(seed)
    if fraction is not None:
        if with_replacement:
            # Each row drawn a Poisson number of times: fraction per row on average.
            counts = rng.poisson(float(fraction), n)
            idx = np.repeat(np.arange(n), counts)
        else:
            idx = np.flatnonzero(rng.random(n) < float(fraction))
    else:
        if not with_replacement and size > n:
            raise ValueError(f"sample: size={size} is more than the {n} rows (without replacement)")
        idx = np.sort(rng.choice(n, size=size, replace=with_replacement)) if n else np.arange(0)
    return from_arrow(table.take(pa.array(idx, pa.int64())))


def summarize(df: DataFrame) -> DataFrame:
    from daft.io import from_pydict

    def text(v: object) -> str | None:
        return None if v is None else str(v)

    fields = df._builder.schema().fields()
    aggs = []
    for i, (name, typ) in enumerate(fields):
        c = col(name)
        if not typ.startswith(_UNORDERED_PREFIXES):
            aggs.append(c.min().alias(f"min{i}"))
            aggs.append(c.max().alias(f"max{i}"))
        aggs.append(c.count().alias(f"count{i}"))
        aggs.append(c.count("null").alias(f"nulls{i}"))
        aggs.append(c.count_distinct().alias(f"distinct{i}"))
    row = df.agg(*aggs).to_pylist()[0] if aggs else {}
    return from_pydict(
        {
            "column": [n for n, _ in fields],
            "type": [t for _, t in fields],
            "min": [text(row.get(f"min{i}")) for i in range(len(fields))],
            "max": [text(row.get(f"max{i}")) for i in range(len(fields))],
            "count": [row[f"count{i}"] for i in range(len(fields))],
            "count_nulls": [row[f"nulls{i}"] for i in range(len(fields))],
            "approx_count_distinct": [row[f"distinct{i}"] for i in range(len(fields))],
        }
    )
