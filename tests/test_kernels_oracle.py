"""Built-in kernels checked against pyarrow.compute as the oracle.

Every test runs on three layouts of the same seeded random data with nulls:
the whole table, an empty table, and a slice at a non-zero offset (so kernels
must read arrays through their offsets). Where our documented semantics
differ from pyarrow's on purpose, the test checks our documented behaviour
and a comment says why.
"""

from __future__ import annotations

import math
import random

import daft
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import assert_float_lists_equal
from daft import DataType, col, lit
from daft import functions as F
from daft.exceptions import DaftCoreException

N = 90
SEED = 20240601

ALPHABET = "abcxyzABCXYZ019 _-.,éÉßΣσ中\t"
WORDS = ["ab", "abc", "xyz", "Ab", "a.c", "", "中文", "  pad  ", "\tx\n"]


def _make_base() -> pa.Table:
    r = random.Random(SEED)

    def maybe(value):
        return None if r.random() < 0.15 else value

    def word():
        if r.random() < 0.4:
            return r.choice(WORDS) + r.choice(WORDS)
        return "".join(r.choice(ALPHABET) for _ in range(r.randint(0, 12)))

    def ws_word():
        core = "".join(r.choice("abc é") for _ in range(r.randint(0, 5)))
        pad = " \t\n\r\u3000\xa0"
        left = "".join(r.choice(pad) for _ in range(r.randint(0, 3)))
        right = "".join(r.choice(pad) for _ in range(r.randint(0, 3)))
        return left + core + right

    def float_value():
        kind = r.random()
        if kind < 0.3:
            return round(r.uniform(-20, 20)) + 0.5  # ties for round()
        if kind < 0.4:
            return r.choice([0.0, -0.0, 1.0, -1.0])
        return r.uniform(-1000, 1000)

    return pa.table(
        {
            "i": pa.array([maybe(r.randint(-100, 100)) for _ in range(N)], pa.int64()),
            "j": pa.array([maybe(r.randint(-100, 100)) for _ in range(N)], pa.int64()),
            "k": pa.array([maybe(r.randint(-100, 100)) for _ in range(N)], pa.int64()),
            "f": pa.array([maybe(float_value()) for _ in range(N)], pa.float64()),
            "g": pa.array([maybe(r.uniform(-5, 5)) for _ in range(N)], pa.float64()),
            "pos": pa.array([maybe(r.uniform(0, 1e4)) for _ in range(N)], pa.float64()),
            "small": pa.array([maybe(r.uniform(-3, 3)) for _ in range(N)], pa.float64()),
            "s": pa.array([maybe(word()) for _ in range(N)], pa.string()),
            "t": pa.array([maybe(r.choice(WORDS)) for _ in range(N)], pa.string()),
            "w": pa.array([maybe(ws_word()) for _ in range(N)], pa.string()),
            "num_s": pa.array(
                [
                    maybe(r.choice([str(r.randint(-999, 999)), "x1", "", " 7", "1.5"]))
                    for _ in range(N)
                ],
                pa.string(),
            ),
            "b": pa.array([maybe(r.random() < 0.5) for _ in range(N)], pa.bool_()),
            "start": pa.array([maybe(r.randint(0, 8)) for _ in range(N)], pa.int64()),
            "len": pa.array([maybe(r.randint(0, 6)) for _ in range(N)], pa.int64()),
        }
    )


BASE = _make_base()
LAYOUTS = {
    "whole": BASE,
    "empty": BASE.slice(0, 0),
    "sliced": BASE.slice(3, 50),
}


@pytest.fixture(params=list(LAYOUTS))
def table(request) -> pa.Table:
    return LAYOUTS[request.param]


def test_the_layouts_are_what_they_claim():
    assert LAYOUTS["sliced"]["i"].chunk(0).offset == 3
    assert LAYOUTS["empty"].num_rows == 0
    assert BASE["i"].null_count > 0 and BASE["s"].null_count > 0


def evaluate(table: pa.Table, expr) -> pa.ChunkedArray:
    out = daft.from_arrow(table).select(expr.alias("out")).to_arrow()
    assert out.num_rows == table.num_rows
    return out["out"]


def check_exact(table: pa.Table, expr, expected) -> None:
    got = evaluate(table, expr).to_pylist()
    assert got == expected.to_pylist()


def check_floats(table: pa.Table, expr, expected, rel: float = 1e-12) -> None:
    got = evaluate(table, expr).to_pylist()
    assert_float_lists_equal(got, expected.to_pylist(), rel=rel)


def null_where(mask_source: pa.ChunkedArray, values: pa.ChunkedArray) -> pa.ChunkedArray:
    """`values`, with null wherever `mask_source` is null."""
    return pc.if_else(pc.is_null(mask_source), pa.scalar(None, values.type), values)


# --- math -------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["i", "f"])
def test_abs(table, column):
    check_floats(table, col(column).abs(), pc.abs(table[column]), rel=0)


def test_abs_keeps_the_integer_type(table):
    assert evaluate(table, col("i").abs()).type == pa.int64()


@pytest.mark.parametrize("name", ["ceil", "floor"])
def test_ceil_and_floor_of_floats(table, name):
    check_floats(table, getattr(col("f"), name)(), getattr(pc, name)(table["f"]), rel=0)


@pytest.mark.parametrize("name", ["ceil", "floor"])
def test_ceil_and_floor_of_ints_return_them_unchanged(table, name):
    # Documented: integers keep their type and value (pyarrow makes them Float64).
    got = evaluate(table, getattr(col("i"), name)())
    assert got.type == pa.int64()
    assert got.to_pylist() == table["i"].to_pylist()


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
def test_round_half_to_even(table, decimals):
    expected = pc.round(table["f"], ndigits=decimals, round_mode="half_to_even")
    check_floats(table, col("f").round(decimals), expected, rel=1e-15)


def test_round_ties_go_to_the_even_digit():
    df = daft.from_pydict({"x": [0.5, 1.5, 2.5, -0.5, -1.5]})
    assert df.select(col("x").round()).to_pydict() == {"x": [0.0, 2.0, 2.0, -0.0, -2.0]}


def test_round_of_ints(table):
    # Documented: integers with decimals >= 0 are returned unchanged.
    assert evaluate(table, col("i").round(1)).to_pylist() == table["i"].to_pylist()
    expected = pc.round(table["i"], ndigits=-1, round_mode="half_to_even")
    assert evaluate(table, col("i").round(-1)).to_pylist() == expected.to_pylist()


@pytest.mark.parametrize(
    ("name", "oracle", "column"),
    [
        ("sqrt", pc.sqrt, "f"),  # negative inputs give NaN in both
        ("exp", pc.exp, "small"),
        ("ln", pc.ln, "f"),  # 0 -> -inf, negative -> NaN in both
        ("log2", pc.log2, "f"),
        ("log10", pc.log10, "f"),
        ("ln", pc.ln, "pos"),
        ("sqrt", pc.sqrt, "i"),  # integers are computed as Float64
    ],
)
def test_float_math(table, name, oracle, column):
    got = evaluate(table, getattr(col(column), name)())
    assert got.type == pa.float64()
    expected = oracle(pc.cast(table[column], pa.float64()))
    assert_float_lists_equal(got.to_pylist(), expected.to_pylist(), rel=1e-14)


def test_float32_math_stays_float32(table):
    x = pc.cast(table["pos"], pa.float32())
    got = evaluate(table.append_column("x32", x), col("x32").sqrt())
    assert got.type == pa.float32()
    assert_float_lists_equal(got.to_pylist(), pc.sqrt(x).to_pylist(), rel=1e-6)


@pytest.mark.parametrize("column", ["i", "f"])
def test_sign(table, column):
    # pyarrow returns Int8 for integer input; ours keeps the input's type (documented).
    got = evaluate(table, col(column).sign())
    assert got.type == table[column].type
    assert_float_lists_equal(got.to_pylist(), pc.sign(table[column]).to_pylist(), rel=0)


def test_sign_of_nan_is_nan():
    out = daft.from_pydict({"x": [float("nan"), -0.0]}).select(col("x").sign()).to_pydict()
    assert math.isnan(out["x"][0])
    assert out["x"][1] == 0.0


@pytest.mark.parametrize("column", ["i", "f"])
def test_negate(table, column):
    check_floats(table, col(column).negate(), pc.negate(table[column]), rel=0)


def test_negate_refuses_the_smallest_integer_like_pyarrows_negate_checked():
    x = pa.array([-(2**63), 2**63 - 1, None], pa.int64())
    with pytest.raises(pa.ArrowInvalid, match="overflow"):
        pc.negate_checked(x)
    with pytest.raises(DaftCoreException, match="overflow"):
        daft.from_arrow(pa.table({"x": x})).select(col("x").negate()).to_pydict()
    fits = x[1:]
    got = daft.from_arrow(pa.table({"x": fits})).select(col("x").negate()).to_pydict()["x"]
    assert got == pc.negate_checked(fits).to_pylist()


def test_pow_with_a_literal_exponent(table):
    expected = pc.power(pc.cast(table["g"], pa.float64()), 3.0)
    check_floats(table, col("g").pow(3), expected, rel=1e-14)


def test_pow_with_column_exponent_is_float64(table):
    got = evaluate(table, col("g").pow(col("small")))
    assert got.type == pa.float64()
    expected = pc.power(table["g"], table["small"])
    assert_float_lists_equal(got.to_pylist(), expected.to_pylist(), rel=1e-13)


def test_pow_of_ints_is_float64(table):
    got = evaluate(table, col("i").pow(2))
    assert got.type == pa.float64()
    expected = pc.power(pc.cast(table["i"], pa.float64()), 2.0)
    assert_float_lists_equal(got.to_pylist(), expected.to_pylist(), rel=0)


def clip_oracle(x, lo, hi):
    # pyarrow's element-wise min/max skip nulls, so a null x would take a
    # bound; ours keeps null x null (documented), hence the null mask.
    clipped = pc.min_element_wise(pc.max_element_wise(x, lo), hi)
    return null_where(x, clipped)


def test_clip_with_literal_bounds(table):
    expected = clip_oracle(table["i"], pa.scalar(-10), pa.scalar(25))
    check_exact(table, col("i").clip(-10, 25), expected)


def test_clip_with_column_bounds_where_null_means_unbounded(table):
    lo = pc.subtract(table["j"], 50)
    hi = pc.add(table["k"], 50)
    t = table.append_column("lo", lo).append_column("hi", hi)
    check_exact(t, col("i").clip(col("lo"), col("hi")), clip_oracle(t["i"], t["lo"], t["hi"]))


def test_clip_of_floats_with_int_bounds(table):
    expected = clip_oracle(table["f"], pa.scalar(-1.5), pa.scalar(2.0))
    check_floats(table, col("f").clip(-1.5, 2), expected, rel=0)


def test_clip_with_min_above_max_gives_max():
    df = daft.from_pydict({"x": [1, 5, 9]})
    assert df.select(col("x").clip(6, 4)).to_pydict() == {"x": [4, 4, 4]}


# --- strings ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "oracle"), [("lower", pc.utf8_lower), ("upper", pc.utf8_upper)])
def test_case_mapping(table, name, oracle):
    check_exact(table, getattr(col("s"), name)(), oracle(table["s"]))


def test_upper_uses_one_to_one_mappings_as_documented():
    # "ŉ" has no one-character uppercase and stays; "ß" becomes "ẞ" (as in pyarrow).
    df = daft.from_pydict({"s": ["straße", "ŉa"]})
    assert df.select(col("s").upper()).to_pydict() == {"s": ["STRAẞE", "ŉA"]}


def test_length_counts_code_points(table):
    got = evaluate(table, col("s").length())
    assert got.type == pa.uint64()  # documented; pyarrow gives Int32
    assert got.to_pylist() == pc.utf8_length(table["s"]).to_pylist()


@pytest.mark.parametrize("pattern", ["ab", "a", "中", "", "."])
def test_contains(table, pattern):
    check_exact(table, col("s").contains(pattern), pc.match_substring(table["s"], pattern))


def test_contains_with_a_column_pattern(table):
    got = evaluate(table, col("s").contains(col("t"))).to_pylist()
    expected = [
        None if s is None or t is None else t in s
        for s, t in zip(table["s"].to_pylist(), table["t"].to_pylist())
    ]
    assert got == expected


@pytest.mark.parametrize("pattern", ["a", "ab", "", "x"])
def test_startswith_and_endswith(table, pattern):
    check_exact(table, col("s").startswith(pattern), pc.starts_with(table["s"], pattern))
    check_exact(table, col("s").endswith(pattern), pc.ends_with(table["s"], pattern))


@pytest.mark.parametrize(
    ("pattern", "replacement"), [("a", "X"), ("ab", ""), ("中", "zh"), (".", "!")]
)
def test_replace(table, pattern, replacement):
    expected = pc.replace_substring(table["s"], pattern, replacement)
    check_exact(table, col("s").replace(pattern, replacement), expected)


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [(r"[a-c]+", "_"), (r"\d", "#"), (r"^.", ""), (r"\s+", " "), (r"x|y", "Q")],
)
def test_regexp_replace(table, pattern, replacement):
    expected = pc.replace_substring_regex(table["s"], pattern, replacement)
    check_exact(table, col("s").regexp_replace(pattern, replacement), expected)


def test_regexp_replace_group_references_use_dollar_syntax():
    # Documented: Rust regex syntax `$1` (pyarrow's RE2 writes `\1`).
    df = daft.from_pydict({"s": ["2024-01-31", None]})
    expr = col("s").regexp_replace(r"(\d+)-(\d+)-(\d+)", "$3/$2/$1")
    expected = pc.replace_substring_regex(
        pa.array(["2024-01-31", None]), r"(\d+)-(\d+)-(\d+)", r"\3/\2/\1"
    )
    assert df.select(expr).to_pydict()["s"] == expected.to_pylist()


@pytest.mark.parametrize("pattern", [r"[A-Z]", r"^a", r"c$", r"\d{2}", r"(ab|xy)z?", r"中"])
def test_regexp_match(table, pattern):
    check_exact(
        table, col("s").regexp_match(pattern), pc.match_substring_regex(table["s"], pattern)
    )


@pytest.mark.parametrize(
    ("name", "oracle"),
    [
        ("strip", pc.utf8_trim_whitespace),
        ("lstrip", pc.utf8_ltrim_whitespace),
        ("rstrip", pc.utf8_rtrim_whitespace),
    ],
)
def test_strip(table, name, oracle):
    check_exact(table, getattr(col("w"), name)(), oracle(table["w"]))


def test_strip_uses_python_whitespace():
    values = ["\x1c a \x1f", "\u2028b\u2029", "\u200bc"]
    got = daft.from_pydict({"s": values}).select(col("s").strip()).to_pydict()["s"]
    assert got == [v.strip() for v in values]


def test_reverse(table):
    check_exact(table, col("s").reverse(), pc.utf8_reverse(table["s"]))


@pytest.mark.parametrize("start", [0, 2, 5, 20])
@pytest.mark.parametrize("length", [0, 1, 3, 50])
def test_substr_with_start_and_length(table, start, length):
    expected = pc.utf8_slice_codeunits(table["s"], start, start + length)
    check_exact(table, col("s").substr(start, length), expected)


@pytest.mark.parametrize("start", [0, 3, -2, -20])
def test_substr_without_length_runs_to_the_end(table, start):
    check_exact(table, col("s").substr(start), pc.utf8_slice_codeunits(table["s"], start))


def test_substr_with_column_arguments(table):
    got = evaluate(table, col("s").substr(col("start"), col("len"))).to_pylist()
    expected = []
    for s, st, ln in zip(
        table["s"].to_pylist(), table["start"].to_pylist(), table["len"].to_pylist()
    ):
        if s is None or st is None:
            expected.append(None)  # documented: null where expr or start is null
        elif ln is None:
            expected.append(s[st:])  # documented: a null length runs to the end
        else:
            expected.append(s[st : st + ln])
    assert got == expected


@pytest.mark.parametrize("pattern", [",", "a", "ab", " ", "中"])
def test_split(table, pattern):
    check_exact(table, col("s").split(pattern), pc.split_pattern(table["s"], pattern))


def test_split_with_regex(table):
    got = evaluate(table, col("s").split(r"[ab]+", regex=True))
    assert got.to_pylist() == pc.split_pattern_regex(table["s"], r"[ab]+").to_pylist()


# --- nulls and conditionals ---------------------------------------------------------------


@pytest.mark.parametrize("column", ["i", "f", "s", "b"])
def test_is_null_and_not_null(table, column):
    check_exact(table, col(column).is_null(), pc.is_null(table[column]))
    check_exact(table, col(column).not_null(), pc.is_valid(table[column]))


def test_is_null_does_not_count_nan():
    out = daft.from_pydict({"x": [float("nan"), None]}).select(col("x").is_null())
    assert out.to_pydict() == {"x": [False, True]}


@pytest.mark.parametrize(("column", "value"), [("i", 0), ("f", -1.5), ("s", "?"), ("b", False)])
def test_fill_null_with_a_literal(table, column, value):
    expected = pc.fill_null(table[column], value)
    if column == "f":
        check_floats(table, col(column).fill_null(value), expected, rel=0)
    else:
        check_exact(table, col(column).fill_null(value), expected)


def test_fill_null_with_a_column(table):
    check_exact(table, col("i").fill_null(col("j")), pc.coalesce(table["i"], table["j"]))


def test_fill_null_of_int_with_float_gives_float(table):
    got = evaluate(table, col("i").fill_null(0.5))
    assert got.type == pa.float64()
    expected = pc.fill_null(pc.cast(table["i"], pa.float64()), 0.5)
    assert got.to_pylist() == expected.to_pylist()


def test_coalesce(table):
    expected = pc.coalesce(table["i"], table["j"], table["k"])
    check_exact(table, F.coalesce(col("i"), col("j"), col("k")), expected)


def test_coalesce_with_a_final_literal_has_no_nulls(table):
    expected = pc.coalesce(table["s"], table["t"], "none")
    check_exact(table, F.coalesce(col("s"), col("t"), lit("none")), expected)


def test_if_else(table):
    expected = pc.if_else(table["b"], table["i"], table["j"])
    check_exact(table, col("b").if_else(col("i"), col("j")), expected)


def test_if_else_on_a_comparison_with_mixed_branch_types(table):
    cond = pc.greater(table["f"], 0)
    expected = pc.if_else(cond, pc.cast(table["i"], pa.float64()), table["g"])
    check_exact(table, (col("f") > 0).if_else(col("i"), col("g")), expected)


def test_if_else_of_strings(table):
    expected = pc.if_else(table["b"], table["s"], "-")
    check_exact(table, col("b").if_else(col("s"), lit("-")), expected)


@pytest.mark.parametrize("items", [[1, 5, -3], [0], [7, None]])
def test_is_in(table, items):
    # Documented: null items never match and a null value gives null, where
    # pyarrow's is_in lets null match null and gives false for a null value.
    value_set = pa.array([v for v in items if v is not None], pa.int64())
    expected = null_where(table["i"], pc.is_in(table["i"], value_set=value_set))
    check_exact(table, col("i").is_in(items), expected)


def test_is_in_of_strings(table):
    value_set = pa.array(["ab", "xyz", ""])
    expected = null_where(table["t"], pc.is_in(table["t"], value_set=value_set))
    check_exact(table, col("t").is_in(["ab", "xyz", ""]), expected)


def test_between_with_literal_bounds(table):
    expected = pc.and_kleene(pc.greater_equal(table["i"], -20), pc.less_equal(table["i"], 30))
    check_exact(table, col("i").between(-20, 30), expected)


def test_between_with_column_bounds_is_kleene(table):
    expected = pc.and_kleene(
        pc.greater_equal(table["i"], table["j"]), pc.less_equal(table["i"], table["k"])
    )
    check_exact(table, col("i").between(col("j"), col("k")), expected)


def test_between_of_floats_and_int_bounds(table):
    expected = pc.and_kleene(pc.greater_equal(table["f"], -1.0), pc.less_equal(table["f"], 1.0))
    check_exact(table, col("f").between(-1, 1), expected)


# --- cast --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "dtype"),
    [
        ("i", DataType.float64()),
        ("i", DataType.int32()),
        ("i", DataType.string()),
        ("b", DataType.int64()),
        ("g", DataType.int64()),  # truncation toward zero, as pyarrow's unsafe cast
        ("g", DataType.float32()),
        ("s", DataType.string()),
    ],
)
def test_cast(table, column, dtype):
    got = evaluate(table, col(column).cast(dtype))
    assert got.type == dtype.to_arrow_dtype()
    expected = pc.cast(table[column], dtype.to_arrow_dtype(), safe=False)
    assert got.to_pylist() == expected.to_pylist()


def test_cast_of_unparsable_strings_gives_null(table):
    # Documented: safe mode turns a value that cannot be converted into null
    # (pyarrow's safe cast raises instead).
    def parse(v):
        try:
            return None if v is None else int(v)
        except ValueError:
            return None

    got = evaluate(table, col("num_s").cast(DataType.int64())).to_pylist()
    assert got == [parse(v) for v in table["num_s"].to_pylist()]


def test_cast_out_of_range_ints_gives_null(table):
    got = evaluate(table, col("i").cast(DataType.int8())).to_pylist()
    assert got == table["i"].to_pylist()  # all in range
    big = pa.table({"x": pa.array([1, 300, -129, None], pa.int64())})
    out = daft.from_arrow(big).select(col("x").cast(DataType.int8())).to_pydict()
    assert out == {"x": [1, None, None, None]}


# --- further kernels, against pyarrow, numpy or Python's own str/re/hashlib ----------------


@pytest.mark.parametrize(
    ("name", "oracle"),
    [
        ("sin", pc.sin),
        ("cos", pc.cos),
        ("tan", pc.tan),
        ("arcsin", pc.asin),
        ("arccos", pc.acos),
        ("arctan", pc.atan),
        ("log1p", pc.log1p),
        ("expm1", pc.expm1) if hasattr(pc, "expm1") else ("expm1", None),
    ],
)
def test_trigonometry_and_friends(table, name, oracle):
    if oracle is None:
        pytest.skip("this pyarrow has no expm1")
    check_floats(table, getattr(col("small"), name)(), oracle(table["small"]), rel=1e-14)


@pytest.mark.parametrize(
    ("name", "oracle"),
    [
        ("cbrt", lambda v: math.copysign(abs(v) ** (1 / 3), v)),
        ("sinh", math.sinh),
        ("cosh", math.cosh),
        ("tanh", math.tanh),
        ("degrees", math.degrees),
        ("radians", math.radians),
    ],
)
def test_math_against_python(table, name, oracle):
    got = evaluate(table, getattr(col("g"), name)()).to_pylist()
    expected = [None if v is None else oracle(v) for v in table["g"].to_pylist()]
    assert_float_lists_equal(got, expected, rel=1e-13)


@pytest.mark.parametrize("base", [2, 3, 10, 0.5])
def test_log_with_a_base(table, base):
    check_floats(table, col("pos").log(base), pc.logb(table["pos"], float(base)), rel=1e-13)


def test_is_nan_is_inf_fill_nan():
    x = pa.array([1.0, float("nan"), float("inf"), -float("inf"), None])
    df = daft.from_arrow(pa.table({"x": x}).slice(0))
    out = df.select(
        col("x").is_nan().alias("nan"),
        col("x").is_inf().alias("inf"),
        col("x").not_nan().alias("not_nan"),
        col("x").fill_nan(0.0).alias("filled"),
    ).to_pydict()
    assert out["nan"] == pc.is_nan(x).to_pylist()
    assert out["inf"] == pc.is_inf(x).to_pylist()
    assert out["not_nan"] == pc.invert(pc.is_nan(x)).to_pylist()
    assert out["filled"] == [1.0, 0.0, float("inf"), -float("inf"), None]


def test_capitalize(table):
    check_exact(table, col("s").capitalize(), pc.utf8_capitalize(table["s"]))


def test_capitalize_of_plain_words():
    df = daft.from_pydict({"s": ["hello WORLD", "a", "", None]})
    assert df.select(col("s").capitalize()).to_pydict() == {"s": ["Hello world", "A", "", None]}


@pytest.mark.parametrize("needle", ["a", "ab", "中", "", "zz"])
def test_find_gives_the_character_index(table, needle):
    got = evaluate(table, col("s").find(needle)).to_pylist()
    assert got == [None if s is None else s.find(needle) for s in table["s"].to_pylist()]


@pytest.mark.parametrize("n", [0, 2, 5, -1])
def test_left_and_right(table, n):
    values = table["s"].to_pylist()
    left = evaluate(table, col("s").left(n)).to_pylist()
    right = evaluate(table, col("s").right(n)).to_pylist()
    assert left == [None if s is None else (s[:n] if n > 0 else "") for s in values]
    assert right == [None if s is None else (s[-n:] if n > 0 else "") for s in values]


@pytest.mark.parametrize("n", [0, 1, 3])
def test_repeat(table, n):
    got = evaluate(table, col("s").repeat(n)).to_pylist()
    assert got == [None if s is None else s * n for s in table["s"].to_pylist()]


@pytest.mark.parametrize(("length", "pad"), [(8, "*"), (3, "ab"), (6, "é")])
def test_lpad_and_rpad(table, length, pad):
    def fill(s: str, right: bool) -> str:
        if len(s) >= length:
            return s[:length]
        extra = (pad * length)[: length - len(s)]
        return s + extra if right else extra + s

    values = table["s"].to_pylist()
    got_l = evaluate(table, col("s").lpad(length, pad)).to_pylist()
    got_r = evaluate(table, col("s").rpad(length, pad)).to_pylist()
    assert got_l == [None if s is None else fill(s, False) for s in values]
    assert got_r == [None if s is None else fill(s, True) for s in values]


@pytest.mark.parametrize("pattern", ["a%", "%b%", "_", "__%", "%\\%%", "A_c"])
def test_like_and_ilike(table, pattern):
    check_exact(table, col("s").like(pattern), pc.match_like(table["s"], pattern))
    expected = pc.match_like(table["s"], pattern, ignore_case=True)
    check_exact(table, col("s").ilike(pattern), expected)


@pytest.mark.parametrize("name", ["md5", "sha1", "sha256"])
def test_digests_match_hashlib(table, name):
    import hashlib

    got = evaluate(table, getattr(col("s"), name)()).to_pylist()
    expected = [
        None if s is None else getattr(hashlib, name)(s.encode()).hexdigest()
        for s in table["s"].to_pylist()
    ]
    assert got == expected


def test_hash_is_deterministic_and_seeded(table):
    a = evaluate(table, col("s").hash()).to_pylist()
    b = evaluate(table, col("s").hash()).to_pylist()
    c = evaluate(table, col("s").hash(seed=7)).to_pylist()
    assert a == b
    # As in Daft 0.7.26, a null hashes to XXH3 of no bytes with seed 0, whatever the seed.
    null_hash = 0x2D06800538D394C2
    assert all(x is not None for x in a + c)
    nulls = [s is None for s in table["s"].to_pylist()]
    assert [x for x, n in zip(a, nulls) if n] == [null_hash] * sum(nulls)
    assert [x for x, n in zip(c, nulls) if n] == [null_hash] * sum(nulls)
    if table.num_rows:
        assert any(x != y for x, y in zip(a, c) if x is not None)


def test_hash_of_the_empty_string_is_xxh3():
    out = daft.from_pydict({"s": [""]}).select(col("s").hash()).to_pydict()
    assert out == {"s": [0x2D06800538D394C2]}  # XXH3_64bits("") with seed 0


@pytest.mark.parametrize(
    ("pattern", "index"), [(r"([a-c])(\d)?", 0), (r"([a-c])(\d)?", 1), (r"(x)(y)", 2)]
)
def test_regexp_extract(table, pattern, index):
    import re

    def extract(s):
        if s is None:
            return None
        m = re.search(pattern, s)
        return None if m is None else m.group(index)

    got = evaluate(table, col("s").regexp_extract(pattern, index=index)).to_pylist()
    assert got == [extract(s) for s in table["s"].to_pylist()]


@pytest.mark.parametrize("pattern", [r"[a-c]", r"\d+", r"ab|xy"])
def test_regexp_extract_all_and_count(table, pattern):
    import re

    values = table["s"].to_pylist()
    got = evaluate(table, col("s").regexp_extract_all(pattern)).to_pylist()
    assert got == [None if s is None else re.findall(pattern, s) for s in values]
    check_exact(
        table, col("s").regexp_count(pattern), pc.count_substring_regex(table["s"], pattern)
    )


@pytest.mark.parametrize("pattern", [r"[ab]+", r"\s", r"中"])
def test_regexp_split(table, pattern):
    expected = pc.split_pattern_regex(table["s"], pattern)
    check_exact(table, col("s").regexp_split(pattern), expected)


def test_concat(table):
    expected = pc.binary_join_element_wise(table["s"], table["t"], "")
    check_exact(table, F.concat(col("s"), col("t")), expected)


def test_length_bytes(table):
    got = evaluate(table, col("s").length_bytes())
    assert got.to_pylist() == pc.binary_length(table["s"]).to_pylist()


def test_nullif(table):
    # SQL NULLIF: a null `other` never equals, so the value is kept.
    equal = pc.fill_null(pc.equal(table["i"], table["j"]), False)
    expected = pc.if_else(equal, pa.scalar(None, pa.int64()), table["i"])
    check_exact(table, col("i").nullif(col("j")), expected)
    check_exact(table, col("i").nullif(0), pc.if_else(pc.equal(table["i"], 0), None, table["i"]))


@pytest.mark.parametrize("name", ["lower", "upper", "capitalize", "reverse", "strip"])
def test_string_functions_on_an_all_null_column_give_utf8_nulls(name):
    # A column of only nulls has the Null type; the result is the engine's
    # string type (documented in the kernels: Utf8 for a Null input).
    df = daft.from_pydict({"n": [None, None]})
    out = df.select(getattr(col("n"), name)()).to_arrow()
    assert out["n"].type == pa.string()
    assert out["n"].to_pylist() == [None, None]
