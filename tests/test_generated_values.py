"""uuid and random_int (issue 11): Python's uuid module reads the versions and
timestamps, every row and every call draws anew (the engine does not fold a
call into one constant), values cover their range, and a seed repeats in a
fresh process."""

from __future__ import annotations

import collections
import subprocess
import sys
import time
import uuid

import daft
import pytest
from daft import DataType as D
from daft import functions as F


def test_uuid_v4_and_v7_are_fresh_per_row_and_per_call():
    df = daft.from_pydict({"a": list(range(2000))})
    out = df.select(F.uuid(), F.uuid().alias("again"), F.uuid(version="v7").alias("v7"))
    assert out.schema()["uuid"].dtype == D.uuid()
    before = int(time.time() * 1000)
    got = out.to_pydict()
    after = int(time.time() * 1000)
    v4, again, v7 = got["uuid"], got["again"], got["v7"]
    assert all(isinstance(u, uuid.UUID) for u in v4 + v7)
    assert {u.version for u in v4} == {4} and {u.version for u in v7} == {7}
    assert {u.variant for u in v4 + v7} == {uuid.RFC_4122}
    assert len(set(v4) | set(again) | set(v7)) == 6000
    for u in v7:
        millis = u.int >> 80
        assert before - 1000 <= millis <= after + 1000


def test_random_int_covers_its_closed_range_and_two_calls_differ():
    df = daft.from_pydict({"a": list(range(20000))})
    got = df.select(F.random_int(-2, 2).alias("r"), F.random_int(-2, 2).alias("s")).to_pydict()
    counts = collections.Counter(got["r"])
    assert set(counts) == {-2, -1, 0, 1, 2}
    # Uniform: each value near 4000 of 20000 (far beyond chance to fail).
    assert all(3400 < c < 4600 for c in counts.values()), counts
    assert got["r"] != got["s"]


def test_random_int_with_a_seed_repeats_in_a_fresh_process():
    code = (
        "import daft; from daft import functions as F;"
        "print(daft.from_pydict({'a': list(range(50))})"
        ".select(F.random_int(0, 10**9, seed=7)).to_pydict()['random_int'])"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout.strip()


def test_bad_bounds_and_versions_are_refused_at_plan_time():
    df = daft.from_pydict({"a": [1]})
    with pytest.raises(Exception, match=r"low \(3\) is greater than high \(1\)"):
        df.select(F.random_int(3, 1))
    with pytest.raises(Exception, match='version must be "v4" or "v7"'):
        df.select(F.uuid(version="v1"))
