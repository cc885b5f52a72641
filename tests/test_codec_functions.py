"""encode/decode and compress/decompress (and their try_ twins) of issue 11
against Python's base64, binascii, gzip and zlib and pyarrow's zstd codec, on
random bytes and strings with nulls."""

from __future__ import annotations

import base64
import binascii
import gzip
import random
import zlib

import daft
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col
from daft import functions as F


def run(expr, data: dict) -> list:
    return daft.from_arrow(pa.table(data)).select(expr.alias("r")).to_pydict()["r"]


def blobs(n: int = 200, seed: int = 0) -> list:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.1:
            out.append(None)
        else:
            # Repetitive bytes compress; random ones do not: both occur.
            unit = bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
            out.append(unit * rng.randint(0, 40))
    return out


ENCODERS = {
    "base64": lambda b: base64.b64encode(b),
    "hex": lambda b: binascii.hexlify(b),
}


@pytest.mark.parametrize("charset", sorted(ENCODERS))
def test_encode_and_decode_match_pythons_codecs(charset):
    data = blobs()
    encoded = run(F.encode(col("b"), charset), {"b": pa.array(data, pa.binary())})
    assert encoded == [None if b is None else ENCODERS[charset](b) for b in data]
    back = run(F.decode(col("e"), charset), {"e": pa.array(encoded, pa.binary())})
    assert back == data
    # Text in a string column decodes too (Daft 0.7.26 refuses strings).
    text = [None if e is None else e.decode() for e in encoded]
    assert run(F.decode(col("s"), charset), {"s": text}) == data


def test_utf8_encode_checks_bytes_and_decode_gives_strings():
    words = ["héllo", "", None, "日本"]
    as_bytes = [None if w is None else w.encode() for w in words]
    assert run(F.encode(col("s"), "utf-8"), {"s": words}) == as_bytes
    df = daft.from_pydict({"b": as_bytes}).select(F.decode(col("b"), "utf-8").alias("r"))
    assert df.schema()["r"].dtype == D.string()
    assert df.to_pydict()["r"] == words


def test_bad_input_is_an_error_naming_the_row_and_try_gives_null():
    bad = {"b": pa.array([b"aGk=", b"!!!", None], pa.binary())}
    with pytest.raises(Exception, match=r'decode: row 1 \("!!!"\) failed: not base64'):
        run(F.decode(col("b"), "base64"), bad)
    assert run(F.try_decode(col("b"), "base64"), bad) == [b"hi", None, None]
    # Daft gives null here silently; bytes that are no UTF-8 are an error.
    utf = {"b": pa.array([b"ok", b"\xff"], pa.binary())}
    with pytest.raises(Exception, match="row 1 .* no UTF-8"):
        run(F.decode(col("b"), "utf-8"), utf)
    assert run(F.try_decode(col("b"), "utf-8"), utf) == ["ok", None]
    assert run(F.try_encode(col("b"), "utf-8"), utf) == [b"ok", None]


# pyarrow's zstd needs the decompressed size given: the test records it.
len_of: dict = {}

ORACLES = {
    "gzip": (gzip.decompress, lambda b: gzip.compress(b)),
    "zlib": (zlib.decompress, lambda b: zlib.compress(b)),
    "deflate": (
        lambda b: zlib.decompress(b, wbits=-15),
        lambda b: (lambda c: c.compress(b) + c.flush())(zlib.compressobj(wbits=-15)),
    ),
    "zstd": (
        lambda b: pa.Codec("zstd").decompress(b, decompressed_size=len_of[b], asbytes=True),
        lambda b: pa.Codec("zstd").compress(b, asbytes=True),
    ),
}


@pytest.mark.parametrize("codec", sorted(ORACLES))
def test_compress_round_trips_through_the_reference_codec(codec):
    unpack, pack = ORACLES[codec]
    data = blobs(seed=1)
    packed = run(F.compress(col("b"), codec), {"b": pa.array(data, pa.binary())})
    for b, p in zip(data, packed):
        if b is not None:
            len_of[p] = len(b)
    # What the engine compresses, the reference decompresses ...
    assert [None if p is None else unpack(p) for p in packed] == data
    # ... and what the reference compresses, the engine decompresses.
    theirs = [None if b is None else pack(b) for b in data]
    assert run(F.decompress(col("p"), codec), {"p": pa.array(theirs, pa.binary())}) == data


def test_strings_compress_as_their_utf8_bytes():
    assert run(F.compress(col("s"), "gzip"), {"s": ["héllo", None]})[1] is None
    [packed, _] = run(F.compress(col("s"), "gzip"), {"s": ["héllo", None]})
    assert gzip.decompress(packed) == "héllo".encode()


def test_damaged_input_is_an_error_and_try_decompress_gives_null():
    good = gzip.compress(b"abc")
    data = {"p": pa.array([good, good[:-3], b"junk", None], pa.binary())}
    with pytest.raises(Exception, match=r"decompress: row 1 .* failed"):
        run(F.decompress(col("p"), "gzip"), data)
    assert run(F.try_decompress(col("p"), "gzip"), data) == [b"abc", None, None, None]
    # Two gzip members are one gzip value, as Python reads them.
    two = gzip.compress(b"ab") + gzip.compress(b"cd")
    assert run(F.decompress(col("p"), "gzip"), {"p": pa.array([two])}) == [b"abcd"]


def test_unknown_codecs_and_charsets_are_refused_at_plan_time():
    df = daft.from_pydict({"b": [b"x"]})
    with pytest.raises(Exception, match='compress: codec "lzma" is not supported'):
        df.select(F.compress(col("b"), "lzma"))
    with pytest.raises(Exception, match='encode: charset "latin1" is not supported'):
        df.select(col("b").encode("latin1"))
    with pytest.raises(Exception, match="argument `expr`"):
        daft.from_pydict({"x": [1]}).select(F.encode(col("x"), "hex"))


def test_codec_functions_are_expression_methods():
    data = {"b": pa.array([b"abc", None], pa.binary())}
    assert run(col("b").compress("zstd").decompress("zstd"), data) == [b"abc", None]
    assert run(col("b").try_compress("zlib").try_decompress("zlib"), data) == [b"abc", None]
    assert run(col("b").encode("hex").try_decode("hex"), data) == [b"abc", None]
