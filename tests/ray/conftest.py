"""What the Ray runner's tests share: Ray bound to 127.0.0.1 and the Parquet files they
query."""

from __future__ import annotations

import os

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

import pyarrow as pa
import pyarrow.parquet as pq
import pytest


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Six Parquet files (so several scan partitions) of 6,000 rows with nulls."""
    folder = tmp_path_factory.mktemp("facts")
    for f in range(6):
        rows = range(f * 1_000, (f + 1) * 1_000)
        pq.write_table(
            pa.table(
                {
                    "k": [i % 7 if i % 11 else None for i in rows],
                    "s": [f"Word {i % 53}!" if i % 13 else None for i in rows],
                    "x": [i * 0.5 - 100.0 if i % 17 else None for i in rows],
                }
            ),
            folder / f"part-{f}.parquet",
        )
    return str(folder / "*.parquet")
