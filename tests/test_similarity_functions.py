"""Similarity functions of issue 11 against rapidfuzz (strings) and numpy
(vectors) on random data with nulls, sliced and empty input."""

from __future__ import annotations

import math
import random

import daft
import numpy as np
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col
from daft import functions as F
from rapidfuzz.distance import DamerauLevenshtein, Hamming, Jaro, JaroWinkler, Levenshtein


def words(n: int = 200, seed: int = 0) -> list:
    rng = random.Random(seed)
    return [
        None
        if rng.random() < 0.1
        else "".join(rng.choice("abcé d") for _ in range(rng.randint(0, 8)))
        for _ in range(n)
    ]


A, B = words(seed=1), words(seed=2)


def run(expr, data: dict, start: int = 0) -> list:
    return daft.from_arrow(pa.table(data).slice(start)).select(expr.alias("r")).to_pydict()["r"]


STRINGS = {
    "levenshtein_distance": Levenshtein.distance,
    "damerau_levenshtein_distance": DamerauLevenshtein.distance,
    "jaro_similarity": Jaro.similarity,
    "jaro_winkler_similarity": JaroWinkler.similarity,
}


@pytest.mark.parametrize("name", sorted(STRINGS))
@pytest.mark.parametrize("start", [0, 9])
def test_string_measures_match_rapidfuzz(name, start):
    got = run(getattr(F, name)(col("a"), col("b")), {"a": A, "b": B}, start)
    want = [
        None if a is None or b is None else STRINGS[name](a, b)
        for a, b in zip(A[start:], B[start:])
    ]
    assert [g is None for g in got] == [w is None for w in want]
    assert all(math.isclose(g, w, abs_tol=1e-12) for g, w in zip(got, want) if g is not None)


def test_hamming_distance_str_is_null_for_different_lengths():
    got = run(F.hamming_distance_str(col("a"), col("b")), {"a": A, "b": B})
    want = [
        Hamming.distance(a, b) if a is not None and b is not None and len(a) == len(b) else None
        for a, b in zip(A, B)
    ]
    assert got == want


def test_hamming_distance_of_ints_and_fixed_size_binaries_counts_bits():
    rng = random.Random(4)
    xs = [rng.getrandbits(63) for _ in range(50)] + [None, -1]
    ys = [rng.getrandbits(63) for _ in range(50)] + [3, 0]
    got = run(F.hamming_distance(col("x"), col("y")), {"x": xs, "y": ys})
    assert got[:50] == [bin(x ^ y).count("1") for x, y in zip(xs[:50], ys[:50])]
    assert got[50:] == [None, 64]
    fb = pa.array([b"\x00\xff", b"\x0f\x0f", None], pa.binary(2))
    fb2 = pa.array([b"\xff\xff", b"\x0f\x0e", b"\x00\x00"], pa.binary(2))
    assert run(F.hamming_distance(col("x"), col("y")), {"x": fb, "y": fb2}) == [8, 1, None]
    with pytest.raises(Exception, match="hamming_distance: both inputs must be integers"):
        run(F.hamming_distance(col("x"), col("y")), {"x": [1.5], "y": [1.0]})


def vectors(n: int = 60, seed: int = 0, dim: int = 4) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        if i % 11 == 5:
            out.append(None)
        else:
            out.append(list(rng.normal(size=dim)))
    return out


def cosine(a, b):
    d = np.linalg.norm(a) * np.linalg.norm(b)
    return None if d == 0 else float(np.dot(a, b) / d)


VECTORS = {
    "cosine_similarity": cosine,
    "cosine_distance": lambda a, b: None if cosine(a, b) is None else 1 - cosine(a, b),
    "dot_product": lambda a, b: float(np.dot(a, b)),
    "euclidean_distance": lambda a, b: float(np.linalg.norm(np.subtract(a, b))),
    "pearson_correlation": lambda a, b: float(np.corrcoef(a, b)[0, 1]),
}


@pytest.mark.parametrize("name", sorted(VECTORS))
@pytest.mark.parametrize("embedding", [False, True])
def test_vector_measures_match_numpy(name, embedding):
    va, vb = vectors(seed=1), vectors(seed=2)
    df = daft.from_pydict({"a": va, "b": vb})
    if embedding:
        t = D.embedding(D.float64(), 4)
        df = df.with_columns({"a": col("a").cast(t), "b": col("b").cast(t)})
    got = df.select(getattr(F, name)(col("a"), col("b")).alias("r")).to_pydict()["r"]
    want = [None if a is None or b is None else VECTORS[name](a, b) for a, b in zip(va, vb)]
    assert [g is None for g in got] == [w is None for w in want]
    assert all(math.isclose(g, w, abs_tol=1e-9) for g, w in zip(got, want) if g is not None)


def test_zero_and_constant_vectors_give_null_and_lengths_must_agree():
    df = daft.from_pydict({"a": [[0.0, 0.0], [1.0, 1.0]], "b": [[1.0, 2.0], [1.0, 2.0]]})
    got = df.select(
        F.cosine_similarity(col("a"), col("b")).alias("c"),
        F.cosine_distance(col("a"), col("b")).alias("d"),
        F.pearson_correlation(col("a"), col("b")).alias("p"),
    ).to_pydict()
    assert got == {
        "c": [None, pytest.approx(0.9486832980505138)],
        "d": [None, pytest.approx(0.05131670194948623)],
        "p": [None, None],
    }
    bad = daft.from_pydict({"a": [[1.0, 2.0]], "b": [[1.0]]})
    with pytest.raises(Exception, match="dot_product: the vectors of row 0 have different lengths"):
        bad.select(F.dot_product(col("a"), col("b"))).collect()
    with pytest.raises(Exception, match="dot_product: argument `left` must be an embedding"):
        daft.from_pydict({"a": [["x"]], "b": [[1.0]]}).select(
            F.dot_product(col("a"), col("b"))
        ).collect()


def test_similarity_functions_on_empty_input():
    t = pa.table({"a": pa.array([], pa.string()), "b": pa.array([], pa.string())})
    df = daft.from_arrow(t).select(
        F.levenshtein_distance(col("a"), col("b")).alias("l"),
        F.jaro_winkler_similarity(col("a"), col("b")).alias("j"),
    )
    assert df.to_pydict() == {"l": [], "j": []}
