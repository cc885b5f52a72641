"""minhash and simhash (issue 11). simhash against a Python implementation of
its documented rule over mmh3, xxhash and hashlib; minhash by the properties
that define MinHash: every slot is a minimum over the n-grams (so a superset's
slots are never larger), equal n-gram sets give equal signatures, and the
share of equal slots estimates the Jaccard similarity."""

from __future__ import annotations

import hashlib
import random

import daft
import mmh3
import pyarrow as pa
import pytest
import xxhash
from daft import DataType as D
from daft import col
from daft import functions as F


def run(expr, texts: list) -> list:
    return (
        daft.from_arrow(pa.table({"t": pa.array(texts, pa.string())}))
        .select(expr.alias("r"))
        .to_pydict()["r"]
    )


HASH64 = {
    "xxhash3_64": lambda b: xxhash.xxh3_64_intdigest(b),
    "xxhash64": lambda b: xxhash.xxh64_intdigest(b),
    "xxhash32": lambda b: xxhash.xxh32_intdigest(b),
    "murmurhash3": lambda b: mmh3.hash64(b, 0, signed=False)[0],
    "sha1": lambda b: int.from_bytes(hashlib.sha1(b).digest()[:8], "little"),
}


def python_simhash(text: str, n: int, h) -> int:
    grams = (
        []
        if not text
        else [text]
        if len(text) <= n
        else [text[i : i + n] for i in range(len(text) - n + 1)]
    )
    votes = [0] * 64
    for g in grams:
        x = h(g.encode())
        for bit in range(64):
            votes[bit] += 1 if x >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if votes[bit] > 0)


def texts(n: int = 150, seed: int = 0) -> list:
    rng = random.Random(seed)
    words = ["data", "frame", "daft", "ray", "arrow", "engine", "é", "日本"]
    return [
        None if rng.random() < 0.1 else " ".join(rng.choices(words, k=rng.randint(0, 9)))
        for _ in range(n)
    ]


@pytest.mark.parametrize("hash_function", sorted(HASH64))
@pytest.mark.parametrize("ngram_size", [1, 3, 5])
def test_simhash_matches_its_rule_over_reference_hashes(hash_function, ngram_size):
    ts = texts(seed=ngram_size)
    got = run(F.simhash(col("t"), ngram_size=ngram_size, hash_function=hash_function), ts)
    h = HASH64[hash_function]
    assert got == [None if t is None else python_simhash(t, ngram_size, h) for t in ts]


def test_minhash_slots_are_minimums_over_the_ngrams():
    rng = random.Random(1)
    words = [f"w{i}" for i in range(40)]
    base = [" ".join(rng.sample(words, 12)) for _ in range(60)]
    longer = [b + " " + " ".join(rng.sample(words, 5)) for b in base]
    sig = lambda ts: run(F.minhash(col("t"), num_hashes=32, ngram_size=2), ts)  # noqa: E731
    small, big = sig(base), sig(longer)
    for s, b in zip(small, big):
        # Every n-gram of `base` is one of `longer`'s: no slot can grow.
        assert all(y <= x for x, y in zip(s, b))


def test_minhash_estimates_the_jaccard_similarity_of_ngram_sets():
    rng = random.Random(2)
    for shared in (0, 20, 60, 100):
        # Unigram sets of 100 tokens each sharing `shared`: Jaccard = s / (200 - s).
        pool = [f"t{i}" for i in range(1000)]
        rng.shuffle(pool)
        common, rest = pool[:shared], pool[shared:]
        a = " ".join(common + rest[: 100 - shared])
        b = " ".join(common + rest[100 - shared : 200 - 2 * shared])
        sa, sb = run(F.minhash(col("t"), num_hashes=512, ngram_size=1, seed=7), [a, b])
        equal = sum(x == y for x, y in zip(sa, sb)) / 512
        assert abs(equal - shared / (200 - shared)) < 0.08, (shared, equal)


def test_minhash_is_stable_for_a_seed_and_typed_as_a_fixed_size_list():
    ts = texts(seed=3)
    one = run(F.minhash(col("t"), num_hashes=8, ngram_size=2, seed=5), ts)
    assert one == run(F.minhash(col("t"), num_hashes=8, ngram_size=2, seed=5), ts)
    other = run(F.minhash(col("t"), num_hashes=8, ngram_size=2, seed=6), ts)
    assert [o is None for o in one] == [t is None for t in ts]
    assert one != other
    df = daft.from_pydict({"t": ["a b"]}).select(
        col("t").minhash(num_hashes=8, ngram_size=1, hash_function="sha1").alias("r")
    )
    assert df.schema()["r"].dtype == D.fixed_size_list(D.uint32(), 8)
    # The same n-gram set in another order is the same signature.
    x, y = run(F.minhash(col("t"), num_hashes=16, ngram_size=1), ["a b c", "c a b"])
    assert x == y


def test_bad_options_are_refused_at_plan_time():
    df = daft.from_pydict({"t": ["x"]})
    with pytest.raises(Exception, match="num_hashes must be a positive integer"):
        df.select(F.minhash(col("t"), num_hashes=0, ngram_size=1))
    with pytest.raises(Exception, match='hash_function "md5" is not one of'):
        df.select(F.simhash(col("t"), hash_function="md5"))
