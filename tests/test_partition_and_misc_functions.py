"""Iceberg's partition transforms, UUIDv7 parts, parse_url, conv,
great_circle_distance and jaccard_similarity (issue 11) against oracles on
random data with nulls: mmh3 and the Iceberg spec's examples, Python's
datetime, uuid and int(), the haversine package and Python's sets."""

from __future__ import annotations

import datetime as dt
import decimal
import random
import struct
import uuid

import daft
import haversine
import mmh3
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col
from daft import functions as F


def run(expr, table: pa.Table) -> list:
    return daft.from_arrow(table).select(expr.alias("r")).to_pydict()["r"]


def iceberg_hash(v) -> int:
    """The Iceberg spec's hash, written from its appendix with mmh3."""
    if isinstance(v, (int, dt.date)) and not isinstance(v, bool):
        n = (v - dt.date(1970, 1, 1)).days if isinstance(v, dt.date) else v
        return mmh3.hash(struct.pack("<q", n), 0)
    if isinstance(v, str):
        return mmh3.hash(v.encode(), 0)
    if isinstance(v, bytes):
        return mmh3.hash(v, 0)
    raise TypeError(v)


@pytest.mark.parametrize(
    "values,arrow_type",
    [
        ([random.Random(0).randint(-(2**40), 2**40) for _ in range(200)], pa.int64()),
        ([random.Random(1).randint(-(2**31), 2**31 - 1) for _ in range(200)], pa.int32()),
        (["".join(random.Random(i).choices("abcé", k=i % 7)) for i in range(200)], pa.string()),
        ([bytes(random.Random(i).randbytes(i % 9)) for i in range(200)], pa.binary()),
        ([dt.date(1970, 1, 1) + dt.timedelta(days=i * 37 - 3000) for i in range(200)], pa.date32()),
    ],
)
def test_murmur3_and_bucket_match_the_iceberg_spec_through_mmh3(values, arrow_type):
    values = [None if i % 10 == 3 else v for i, v in enumerate(values)]
    table = pa.table({"x": pa.array(values, arrow_type)})
    assert run(F.murmur3_32(col("x")), table) == [
        None if v is None else iceberg_hash(v) for v in values
    ]
    assert run(F.partition_iceberg_bucket(col("x"), 16), table) == [
        None if v is None else (iceberg_hash(v) & 0x7FFFFFFF) % 16 for v in values
    ]
    assert daft.Series.from_arrow(table["x"].combine_chunks()).murmur3_32().to_pylist() == [
        None if v is None else iceberg_hash(v) for v in values
    ]


def test_iceberg_spec_examples_for_every_hashed_type():
    # https://iceberg.apache.org/spec/#appendix-b-32-bit-hash-requirements
    examples = [
        (pa.array([34], pa.int32()), 2017239379),
        (pa.array([34], pa.int64()), 2017239379),
        (pa.array([dt.date(2017, 11, 16)], pa.date32()), -653330422),
        (pa.array([dt.datetime(2017, 11, 16, 22, 31, 8)], pa.timestamp("us")), -2047944441),
        (pa.array([decimal.Decimal("14.20")], pa.decimal128(4, 2)), -500754589),
        (pa.array(["iceberg"]), 1210000089),
        (pa.array([b"\x00\x01\x02\x03"]), -188683207),
    ]
    for array, want in examples:
        assert run(F.murmur3_32(col("x")), pa.table({"x": array})) == [want], array.type


def test_truncate_follows_the_iceberg_spec():
    rng = random.Random(2)
    ints = [None if i % 9 == 0 else rng.randint(-1000, 1000) for i in range(200)]
    assert run(F.partition_iceberg_truncate(col("x"), 10), pa.table({"x": ints})) == [
        None if v is None else v - v % 10 for v in ints
    ]
    words = [None if i % 9 == 0 else "".join(rng.choices("aé€b", k=i % 6)) for i in range(200)]
    assert run(col("s").partition_iceberg_truncate(3), pa.table({"s": words})) == [
        None if w is None else w[:3] for w in words
    ]
    dec = pa.array([decimal.Decimal("10.65"), decimal.Decimal("-0.05"), None], pa.decimal128(5, 2))
    assert run(F.partition_iceberg_truncate(col("d"), 50), pa.table({"d": dec})) == [
        decimal.Decimal("10.50"),
        decimal.Decimal("-0.50"),
        None,
    ]
    with pytest.raises(Exception, match="w must be a positive integer"):
        daft.from_pydict({"x": [1]}).select(F.partition_iceberg_truncate(col("x"), 0))


def test_uuid7_parts_match_the_embedded_millisecond_timestamp():
    rng = random.Random(3)
    millis = [rng.randint(0, 2**47) for _ in range(200)]
    ids = [
        None if i % 10 == 0 else (ms << 80 | 0x7 << 76 | rng.getrandbits(76)).to_bytes(16, "big")
        for i, ms in enumerate(millis)
    ]
    table = pa.table({"u": pa.array(ids, pa.binary(16))})
    epoch = dt.datetime(1970, 1, 1)
    for name, of in [
        ("extract_day_uuid7", lambda ms: ms // 86_400_000),
        ("extract_hour_uuid7", lambda ms: ms // 3_600_000),
        ("extract_minute_uuid7", lambda ms: ms // 60_000),
        (
            "extract_month_uuid7",
            lambda ms: (
                (epoch + dt.timedelta(milliseconds=ms)).year * 12
                + (epoch + dt.timedelta(milliseconds=ms)).month
                - 1970 * 12
                - 1
            ),
        ),
    ]:
        got = run(getattr(F, name)(col("u")), table)
        assert got == [None if u is None else of(ms) for u, ms in zip(ids, millis)], name
    # Daft 0.7.26's value for a real UUIDv7.
    real = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057").bytes
    assert run(F.extract_day_uuid7(col("u")), pa.table({"u": pa.array([real], pa.binary(16))})) == [
        19538
    ]


def test_parse_url_gives_the_parts_daft_gives():
    urls = [
        "https://user:pass@example.com:8080/path/x?query=value&b=2#frag",
        "http://localhost/api",
        "https://example.com:443/",
        "not a url",
        None,
        "mailto:a@b.c",
    ]
    got = run(F.parse_url(col("u")), pa.table({"u": urls}))
    nothing = dict.fromkeys(
        ["scheme", "username", "password", "host", "port", "path", "query", "fragment"]
    )
    assert got == [
        {
            "scheme": "https",
            "username": "user",
            "password": "pass",
            "host": "example.com",
            "port": 8080,
            "path": "/path/x",
            "query": "query=value&b=2",
            "fragment": "frag",
        },
        {**nothing, "scheme": "http", "host": "localhost", "path": "/api"},
        {**nothing, "scheme": "https", "host": "example.com", "path": "/"},
        nothing,
        None,
        {**nothing, "scheme": "mailto", "path": "a@b.c"},
    ]


def python_conv(text: str, src: int, dst: int) -> str | None:
    """Spark's conv, written from its description with int() and divmod."""
    text = text.strip()
    neg = text.startswith("-")
    digits = text[1:] if neg else text
    valid = ""
    for c in digits:
        try:
            int(c, src)
        except ValueError:
            break
        valid += c
    v = int(valid, src) if valid else 0
    if v >= 2**64:
        return None
    if dst > 0:
        v = (-v) % 2**64 if neg else v
    else:
        v = -v if neg else v
        if v >= 2**63:
            v -= 2**64
    sign, v = ("-", -v) if v < 0 else ("", v)
    out = ""
    base = abs(dst)
    while True:
        v, d = divmod(v, base)
        out = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[d] + out
        if v == 0:
            return sign + out


@pytest.mark.parametrize("src,dst", [(10, 16), (16, 10), (10, -16), (2, 36), (36, -2)])
def test_conv_matches_int_and_divmod(src, dst):
    rng = random.Random(src * 100 + dst)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"[:src] + "xz-"
    texts = [None if i % 11 == 0 else "".join(rng.choices(alphabet, k=i % 14)) for i in range(300)]
    texts += ["-1", "18446744073709551615", "18446744073709551616", "-9223372036854775808"]
    got = run(F.conv(col("s"), src, dst), pa.table({"s": texts}))
    assert got == [None if t is None else python_conv(t, src, dst) for t in texts]


def test_conv_reads_integers_and_refuses_bad_bases_with_null():
    table = pa.table({"i": [255, -1, None]})
    assert run(F.conv(col("i"), 10, 2), table) == ["11111111", "1" * 64, None]
    assert run(F.conv(col("i"), 1, 10), table) == [None, None, None]


def test_great_circle_distance_matches_the_haversine_package():
    rng = random.Random(4)
    rows = [
        (rng.uniform(-90, 90), rng.uniform(-180, 180), rng.uniform(-90, 90), rng.uniform(-180, 180))
        for _ in range(300)
    ]
    rows += [(91.0, 0.0, 0.0, 0.0), (0.0, float("nan"), 0.0, 0.0), (None, 0.0, 0.0, 0.0)]
    table = pa.table({k: [r[i] for r in rows] for i, k in enumerate(["a", "b", "c", "d"])})
    got = run(F.great_circle_distance(col("a"), col("b"), col("c"), col("d")), table)
    # The haversine package's mean radius is the same 6,371,008.8 m.
    for r, g in zip(rows[:300], got):
        assert g == pytest.approx(haversine.haversine(r[:2], r[2:], unit="m"), rel=1e-9)
    assert got[300:] == [None, None, None]


def test_jaccard_similarity_reads_non_zero_elements_as_sets():
    rng = random.Random(5)
    a = [[rng.choice([0.0, 1.0, 2.5]) for _ in range(6)] for _ in range(200)]
    b = [[rng.choice([0.0, 0.0, 3.0]) for _ in range(6)] for _ in range(200)]
    a[0] = None
    b[1] = [0.0] * 6
    a[1] = [0.0] * 6
    emb = D.embedding(D.float64(), 6)
    df = daft.from_pydict({"a": a, "b": b}).select(
        F.jaccard_similarity(col("a").cast(emb), col("b").cast(emb)).alias("r")
    )

    def sets(x, y):
        p = {i for i, v in enumerate(x) if v}
        q = {i for i, v in enumerate(y) if v}
        return 1.0 if not (p | q) else len(p & q) / len(p | q)

    assert df.to_pydict()["r"] == [None if x is None else sets(x, y) for x, y in zip(a, b)]
