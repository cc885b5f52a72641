"""Shared fixtures of the Python test suite."""

from __future__ import annotations

import datetime
import math
import random

import daft
import pyarrow as pa
import pytest


@pytest.fixture
def people():
    """A small frame with a null in every column."""
    return daft.from_pydict(
        {
            "name": ["ann", "bob", "cid", None, "eve"],
            "age": [31, 25, None, 40, 25],
            "score": [1.5, None, 3.0, -2.5, 0.0],
            "team": ["x", "y", "x", None, "y"],
        }
    )


@pytest.fixture
def mixed_table() -> pa.Table:
    """One column of each type the I/O round trips cover, with nulls."""
    n = 30
    return pa.table(
        {
            "i": pa.array([i if i % 7 else None for i in range(n)], pa.int64()),
            "f": pa.array([i / 3 if i % 5 else None for i in range(n)], pa.float64()),
            "s": pa.array([f'v{i}, "q"' if i % 4 else None for i in range(n)], pa.string()),
            "b": pa.array([bool(i % 2) if i % 6 else None for i in range(n)], pa.bool_()),
            "d": pa.array(
                [
                    datetime.date(2020, 1, 1) + datetime.timedelta(days=i) if i % 3 else None
                    for i in range(n)
                ],
                pa.date32(),
            ),
            "l": pa.array(
                [[i, None, i + 1] if i % 3 else None for i in range(n)], pa.list_(pa.int64())
            ),
        }
    )


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)


def assert_float_lists_equal(got: list, expected: list, rel: float = 1e-12) -> None:
    """Element-wise equality of float lists where NaN equals NaN and nulls must line up."""
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        if e is None or g is None:
            assert g is None and e is None, f"row {i}: got {g!r}, expected {e!r}"
        elif isinstance(e, float) and math.isnan(e):
            assert isinstance(g, float) and math.isnan(g), f"row {i}: got {g!r}, expected NaN"
        else:
            assert g == pytest.approx(e, rel=rel, abs=1e-300), f"row {i}: got {g!r}, expected {e!r}"


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible server (moto's server mode) on 127.0.0.1 for the whole session,
    checking credentials (tests/servers.py)."""
    from servers import S3Server

    server = S3Server()
    yield server
    server.stop()
