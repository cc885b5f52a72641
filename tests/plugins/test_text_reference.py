"""Reference checks of the ``text`` plugin (wheel ``daft-plugin-text``).

Each function runs through ``import daft`` on seeded random inputs with nulls and is compared
with a well-known Python implementation:

* ``levenshtein``  — ``rapidfuzz.distance.Levenshtein.distance``
* ``jaro_winkler`` — ``rapidfuzz.distance.JaroWinkler.similarity`` (``jellyfish`` is not used:
  its ``jaro_winkler_similarity`` uses a narrower match window and gives other values)
* ``slugify``      — ``python-slugify``'s ``slugify``, with the intentional differences listed
  in :func:`test_slugify_intentional_differences`
* ``normalize``    — ``unicodedata.normalize``
* ``token_count``  — ``len(s.split())``

The module is skipped when the plugin is not installed, and each test when its reference
package is missing.
"""

from __future__ import annotations

import os
import random
import unicodedata

import daft
import pytest
from daft.exceptions import DaftTypeError

if not hasattr(daft.functions, "levenshtein"):
    if os.environ.get("CI"):
        # `make test` installs the plugin wheels; in CI a missing plugin is a failure.
        raise ImportError("the text plugin (daft-plugin-text) is not installed")
    pytest.skip("the text plugin (daft-plugin-text) is not installed", allow_module_level=True)

N = 600
NULL_RATE = 0.15


def fn(name: str):
    """The plugin's function, through its namespace when the registry has one (so a later
    built-in of the same name cannot shadow it), else the plain ``daft.functions`` name."""
    namespace = getattr(daft.functions, "text", None)
    return getattr(namespace, name, None) or getattr(daft.functions, name)


def run(expr_of, **columns: list) -> list:
    """Evaluates ``expr_of(col...)`` on the given columns and returns the single result column."""
    df = daft.from_pydict(columns)
    out = df.select(expr_of(*(daft.col(c) for c in columns)).alias("out")).to_pydict()
    return out["out"]


def with_nulls(rng: random.Random, values: list) -> list:
    return [None if rng.random() < NULL_RATE else v for v in values]


# A small alphabet so that pairs share characters (similarities span the whole range), with
# multi-byte characters, a combining mark, an emoji, CJK and whitespace.
SIMILAR = list("abcab") + ["é", "e\u0301", "ß", "😀", "北", " "]


def random_string(rng: random.Random, pool: list, max_len: int = 12) -> str:
    return "".join(rng.choice(pool) for _ in range(rng.randint(0, max_len)))


def mutate(rng: random.Random, s: str, pool: list) -> str:
    """``s`` after up to three random insertions, deletions or substitutions."""
    chars = list(s)
    for _ in range(rng.randint(0, 3)):
        op = rng.random()
        if op < 1 / 3 and chars:
            del chars[rng.randrange(len(chars))]
        elif op < 2 / 3:
            chars.insert(rng.randint(0, len(chars)), rng.choice(pool))
        elif chars:
            chars[rng.randrange(len(chars))] = rng.choice(pool)
    return "".join(chars)


def random_pairs(seed: int) -> tuple[list, list]:
    rng = random.Random(seed)
    a = [random_string(rng, SIMILAR) for _ in range(N)]
    b = [mutate(rng, s, SIMILAR) if rng.random() < 0.6 else random_string(rng, SIMILAR) for s in a]
    return with_nulls(rng, a), with_nulls(rng, b)


# ---- levenshtein ------------------------------------------------------------------


def test_levenshtein_matches_rapidfuzz():
    distance = pytest.importorskip("rapidfuzz.distance").Levenshtein.distance
    a, b = random_pairs(101)
    got = run(fn("levenshtein"), a=a, b=b)
    expected = [None if x is None or y is None else distance(x, y) for x, y in zip(a, b)]
    assert got == expected


def test_levenshtein_known_values():
    got = run(
        fn("levenshtein"),
        a=["kitten", "", "héllo", "😀😀", None],
        b=["sitting", "", "hello", "😀", "x"],
    )
    assert got == [3, 0, 1, 1, None]


# ---- jaro_winkler -----------------------------------------------------------------


def test_jaro_winkler_matches_rapidfuzz():
    similarity = pytest.importorskip("rapidfuzz.distance").JaroWinkler.similarity
    a, b = random_pairs(202)
    got = run(fn("jaro_winkler"), a=a, b=b)
    assert len(got) == N
    for i, (x, y, g) in enumerate(zip(a, b, got)):
        if x is None or y is None:
            assert g is None, f"row {i}"
        else:
            assert g == pytest.approx(similarity(x, y), abs=1e-12), f"row {i}: {x!r} vs {y!r}"


def test_jaro_winkler_known_values():
    got = run(
        fn("jaro_winkler"),
        a=["martha", "dwayne", "dixon", "", "abc", None],
        b=["marhta", "duane", "dicksonx", "", "", "x"],
    )
    expected = [0.9611111111111111, 0.84, 0.8133333333333332, 1.0, 0.0, None]
    assert got[-1] is None
    assert got[:-1] == pytest.approx(expected[:-1], abs=1e-12)


# ---- slugify ------------------------------------------------------------------------

# Latin letters with and without accents, digits, punctuation, whitespace and a few symbols
# that both transliteration tables spell the same way. Left out on purpose: "," between
# digits, "&" and "#" (HTML entities) and emoji — see test_slugify_intentional_differences.
SLUG_POOL = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(" -_.!?'\"()/:;@+*=%$~`^|\\[]{}<>\t\n")
    + list("éèêëàâäîïôöûüçñßøåæœÉÀÖÜÇÑŁłđĐþÞðÐĳŒÆ")
    + ["e\u0301", "a\u0308", "€", "£", "©", "™", "°", "–", "…", "«", "»", "¿", "×", "½", "²", "ﬁ"]
)


def test_slugify_matches_python_slugify():
    slugify = pytest.importorskip("slugify").slugify
    rng = random.Random(303)
    values = with_nulls(rng, [random_string(rng, SLUG_POOL, 16) for _ in range(N)])
    got = run(fn("slugify"), s=values)
    expected = [None if v is None else slugify(v) for v in values]
    assert got == expected


def test_slugify_examples_shared_with_python_slugify():
    slugify = pytest.importorskip("slugify").slugify
    values = [
        "Héllo Wörld!",
        "  --Hello,   World--  ",
        "Straße",
        "naïve café",
        "北京市",
        "Привет мир",
        "Γειά σου",
        "日本語テキスト",
        "don't",
        "ｆｕｌｌ ｗｉｄｔｈ",
        "",
        "!!!",
    ]
    got = run(fn("slugify"), s=values)
    assert got == [slugify(v) for v in values]
    assert got[0] == "hello-world"


def test_slugify_intentional_differences():
    """Where this plugin deliberately differs from python-slugify's defaults: it treats the
    input as plain text, so every non-alphanumeric run is one separator (no special case for
    thousands separators, no HTML entity decoding), and it transliterates emoji and other
    symbols to words (``deunicode``) where python-slugify drops them."""
    values = ["1,000 people", "Tom &amp; Jerry", "I ❤ Rust 😀", "🇺🇸", "ᴀʙᴄ"]
    got = run(fn("slugify"), s=values)
    assert got == ["1-000-people", "tom-amp-jerry", "i-heart-rust-grinning", "us", "abc"]
    slugify = pytest.importorskip("slugify").slugify
    assert [slugify(v) for v in values] == ["1000-people", "tom-jerry", "i-rust", "", "b"]


# ---- normalize ----------------------------------------------------------------------


def normalization_inputs(seed: int) -> list:
    """Random strings of assigned code points from the BMP and the first astral planes,
    heavy in characters that normalization changes (Hangul, Latin with accents,
    compatibility forms, combining marks)."""
    rng = random.Random(seed)
    assigned = [
        chr(c)
        for c in range(0x20, 0x30000)
        if unicodedata.category(chr(c)) not in ("Cs", "Cn", "Co")
    ]
    interesting = [chr(c) for c in range(0x00C0, 0x0250)] + [chr(c) for c in range(0x0300, 0x0370)]
    interesting += [chr(c) for c in range(0xAC00, 0xAC40)] + [chr(c) for c in range(0xFB00, 0xFB07)]
    interesting += [chr(c) for c in range(0x1100, 0x1176)] + ["²", "½", "Å", "Ω", "ﬃ", "①"]

    def one() -> str:
        pool = interesting if rng.random() < 0.5 else assigned
        return "".join(rng.choice(pool) for _ in range(rng.randint(0, 10)))

    return with_nulls(rng, [one() for _ in range(N)])


@pytest.mark.parametrize("form", ["NFC", "NFD", "NFKC", "NFKD"])
def test_normalize_matches_unicodedata(form):
    values = normalization_inputs(404)
    got = run(lambda s: fn("normalize")(s, form=form), s=values)
    expected = [None if v is None else unicodedata.normalize(form, v) for v in values]
    assert got == expected


def test_normalize_defaults_to_nfc_and_accepts_lowercase_forms():
    values = ["e\u0301", "ﬁ", None]
    assert run(fn("normalize"), s=values) == ["é", "ﬁ", None]
    assert run(lambda s: fn("normalize")(s, form="nfkd"), s=values) == ["e\u0301", "fi", None]


def test_normalize_unknown_form_fails_when_the_expression_is_built():
    df = daft.from_pydict({"s": ["a", None]})
    # `select` resolves the plan (the return-type rule runs) before any data is computed.
    with pytest.raises(DaftTypeError) as info:
        df.select(fn("normalize")(daft.col("s"), form="NFX"))
    message = str(info.value)
    assert "form" in message and "NFX" in message
    for accepted in ("NFC", "NFD", "NFKC", "NFKD"):
        assert accepted in message


# ---- token_count ----------------------------------------------------------------------

# Every character Python's str.split() splits at, plus look-alikes it does not.
WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()]
NOT_WHITESPACE = ["\u200b", "\ufeff", "\u180e", "\u2060"]


def test_token_count_matches_str_split():
    rng = random.Random(505)
    pool = WHITESPACE + NOT_WHITESPACE + list("ab") + ["é", "北"]
    values = with_nulls(rng, [random_string(rng, pool, 14) for _ in range(N)])
    got = run(fn("token_count"), s=values)
    expected = [None if v is None else len(v.split()) for v in values]
    assert got == expected


def test_token_count_known_values():
    got = run(fn("token_count"), s=["the quick  brown fox", "", "   ", "a\u00a0b\u3000c", None])
    assert got == [4, 0, 0, 3, None]


# ---- nulls and empty input ------------------------------------------------------------


@pytest.mark.parametrize(
    "expr_of",
    [
        lambda s: fn("levenshtein")(s, s),
        lambda s: fn("jaro_winkler")(s, s),
        lambda s: fn("slugify")(s),
        lambda s: fn("normalize")(s, form="NFKC"),
        lambda s: fn("token_count")(s),
    ],
    ids=["levenshtein", "jaro_winkler", "slugify", "normalize", "token_count"],
)
def test_all_null_and_empty_columns(expr_of):
    assert run(expr_of, s=[None, None, None]) == [None, None, None]
    assert run(expr_of, s=[]) == []
