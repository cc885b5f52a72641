"""String functions of issue 11 against DuckDB and Python on random strings
with nulls, sliced and empty input: split_part, substring_index, concat_ws,
translate, count_matches, soundex, ascii, chr, bin, format and the case family."""

from __future__ import annotations

import random
import re

import daft
import duckdb
import pyarrow as pa
import pytest
from daft import col, lit
from daft import functions as F

ALPHABET = "ab,c. -_xYZé"


def words(n: int = 200, seed: int = 0) -> list:
    rng = random.Random(seed)
    return [
        None
        if rng.random() < 0.1
        else "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        for _ in range(n)
    ]


S = words()


def run(expr, data: dict | None = None, start: int = 0) -> list:
    t = pa.table(data or {"s": S}).slice(start)
    return daft.from_arrow(t).select(expr.alias("r")).to_pydict()["r"]


def duck(sql: str, data: dict | None = None, start: int = 0) -> list:
    t = pa.table(data or {"s": S}).slice(start)  # noqa: F841  (read by DuckDB)
    return [r[0] for r in duckdb.sql(f"select {sql} from t").fetchall()]


@pytest.mark.parametrize("part", [1, 2, 3, -1, -2, 9])
def test_split_part_matches_python_split(part):
    def oracle(s):
        if s is None:
            return None
        parts = s.split(",")
        k = part - 1 if part > 0 else len(parts) + part
        return parts[k] if 0 <= k < len(parts) else ""

    assert run(F.split_part(col("s"), ",", part), start=5) == [oracle(s) for s in S[5:]]


def test_split_part_zero_is_an_error():
    with pytest.raises(Exception, match="split_part: part must not be 0"):
        run(F.split_part(col("s"), ",", 0))


@pytest.mark.parametrize("count", [1, 2, -1, -2, 0])
def test_substring_index_matches_the_mysql_rule(count):
    def oracle(s):
        if s is None:
            return None
        if count == 0:
            return ""
        parts = s.split(".")
        return ".".join(parts[:count]) if count > 0 else ".".join(parts[count:])

    assert run(F.substring_index(col("s"), ".", count)) == [oracle(s) for s in S]


def test_concat_ws_skips_nulls_as_duckdb():
    data = {"a": words(seed=1), "b": words(seed=2)}
    got = run(F.concat_ws("|", col("a"), col("b"), lit("!")), data)
    assert got == duck("concat_ws('|', a, b, '!')", data)


def test_translate_matches_duckdb():
    assert run(F.translate(col("s"), "abc", "xy")) == duck("translate(s, 'abc', 'xy')")


@pytest.mark.parametrize("case_sensitive", [True, False])
def test_count_matches_counts_literal_non_overlapping_matches(case_sensitive):
    pats = ["ab", "a", ".", "xy"]
    got = run(F.count_matches(col("s"), pats, case_sensitive=case_sensitive))
    flags = 0 if case_sensitive else re.IGNORECASE
    # Longest pattern first: the regex alternation then picks it where several start.
    rx = re.compile("|".join(re.escape(p) for p in sorted(pats, key=len, reverse=True)), flags)
    assert got == [None if s is None else len(rx.findall(s)) for s in S]


def test_count_matches_whole_words_and_bad_patterns():
    data = {"s": ["the cat and the hat", "theme", None]}
    assert run(col("s").count_matches("the", whole_words=True), data) == [2, 0, None]
    with pytest.raises(TypeError, match="count_matches: patterns must be a str"):
        F.count_matches(col("s"), 3)


def test_soundex_matches_the_standard_and_leaves_non_letters_alone():
    data = {"s": ["Robert", "Rupert", "Tymczak", "Pfister", "Honeyman", "", " x", None]}
    assert run(F.soundex(col("s")), data) == [
        "R163",
        "R163",
        "T522",
        "P236",
        "H555",
        "",
        " x",
        None,
    ]


def test_ascii_and_chr_match_duckdb_code_points():
    assert run(F.ascii(col("s"))) == [None if s is None else (ord(s[0]) if s else 0) for s in S]
    assert run(F.ascii_func(col("s"))) == run(F.ascii(col("s")))
    data = {"n": [65, 8364, 0x1F600, None, 97]}
    assert run(F.chr_func(col("n")), data) == duck("chr(n::INTEGER)", data)
    with pytest.raises(Exception, match="chr: 1114112 is not a Unicode code point"):
        run(F.chr(col("n")), {"n": [1114112]})


def test_bin_matches_duckdb_including_negative_numbers():
    rng = random.Random(3)
    data = {"n": [None if rng.random() < 0.1 else rng.randint(-(2**40), 2**40) for _ in range(100)]}
    assert run(F.bin(col("n")), data) == duck("bin(n)", data)


def test_format_fills_placeholders_and_checks_their_count():
    data = {"s": ["a", None], "n": [1, 2]}
    assert run(F.format("{}-{}!", col("s"), "n"), data) == ["a-1!", None]
    with pytest.raises(ValueError, match="has 1 placeholders but 2 arguments"):
        F.format("{}", col("s"), col("n"))


CASES = {
    # Daft 0.7.26's values for the same strings.
    "to_snake_case": ["hello_world_foo_bar", "", None, "camel_case_string", "multiple_spaces"],
    "to_upper_snake_case": [
        "HELLO_WORLD_FOO_BAR",
        "",
        None,
        "CAMEL_CASE_STRING",
        "MULTIPLE_SPACES",
    ],
    "to_kebab_case": ["hello-world-foo-bar", "", None, "camel-case-string", "multiple-spaces"],
    "to_upper_kebab_case": [
        "HELLO-WORLD-FOO-BAR",
        "",
        None,
        "CAMEL-CASE-STRING",
        "MULTIPLE-SPACES",
    ],
    "to_camel_case": ["helloWorldFooBar", "", None, "camelCaseString", "multipleSpaces"],
    "to_upper_camel_case": ["HelloWorldFooBar", "", None, "CamelCaseString", "MultipleSpaces"],
    "to_title_case": ["Hello World Foo Bar", "", None, "Camel Case String", "Multiple Spaces"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_family_matches_daft(name):
    data = {"s": ["hello World_foo-bar", "", None, "camelCaseString", "  multiple   spaces "]}
    assert run(getattr(F, name)(col("s")), data) == CASES[name]
    assert run(getattr(col("s"), name)(), data) == CASES[name]


def test_seq_and_space():
    assert run(F.seq(col("n")), {"n": [3, 0, -2, None]}) == [[0, 1, 2], [], [], None]
    assert run(F.space(col("n")), {"n": [3, 0, None]}) == ["   ", "", None]


def test_string_functions_on_empty_input():
    t = pa.table({"s": pa.array([], pa.string())})
    df = daft.from_arrow(t).select(
        F.split_part(col("s"), ",", 1).alias("a"),
        F.soundex(col("s")).alias("b"),
        F.to_snake_case(col("s")).alias("c"),
        F.count_matches(col("s"), "x").alias("d"),
    )
    assert df.to_pydict() == {"a": [], "b": [], "c": [], "d": []}
