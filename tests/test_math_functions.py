"""Numeric functions of issue 11 against Python's math module and DuckDB on
random data with nulls, sliced and empty input: the hyperbolic and reciprocal
trigonometric family, arctan2, hypot, pmod, try_divide, factorial, power, the
bitwise operations and shifts, e and pi, eq_null_safe."""

from __future__ import annotations

import math
import random

import daft
import duckdb
import pyarrow as pa
import pytest
from daft import DataType as D
from daft import col, lit
from daft import functions as F


def floats(n: int = 200, seed: int = 0, lo: float = -5.0, hi: float = 5.0) -> list:
    rng = random.Random(seed)
    return [None if rng.random() < 0.1 else rng.uniform(lo, hi) for _ in range(n)]


def ints(n: int = 200, seed: int = 0, lo: int = -50, hi: int = 50) -> list:
    rng = random.Random(seed)
    return [None if rng.random() < 0.1 else rng.randint(lo, hi) for _ in range(n)]


def select(data: dict, expr, types: dict | None = None) -> list:
    table = pa.table({k: pa.array(v, (types or {}).get(k)) for k, v in data.items()})
    return daft.from_arrow(table).select(expr.alias("r")).to_pydict()["r"]


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def safe(f, *xs):
    if any(x is None for x in xs):
        return None
    try:
        return f(*xs)
    except (ValueError, ZeroDivisionError):
        return float("nan")


UNARY = {
    "arcsinh": math.asinh,
    "arccosh": math.acosh,
    "arctanh": math.atanh,
    "cot": lambda x: 1 / math.tan(x),
    "sec": lambda x: 1 / math.cos(x),
    "csc": lambda x: 1 / math.sin(x),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_float_function_matches_math_module_with_nulls(name):
    xs = floats(lo=-3, hi=3) + [0.0, 1.0, -1.0]
    got = select({"x": xs}, getattr(F, name)(col("x")))
    want = [safe(UNARY[name], x) for x in xs]
    # math raises where IEEE gives an infinity (atanh(1), 1/tan(0)); the engine
    # follows IEEE, so compare those rows by sign only.
    for x, g, w in zip(xs, got, want):
        if w is not None and math.isnan(w) and g is not None and math.isinf(g):
            continue
        assert close(g, w), (name, x, g, w)


def test_float_functions_keep_float32_and_take_sliced_input():
    t = pa.table({"x": pa.array([0.5, None, 0.25, 2.0], pa.float32())}).slice(1)
    df = daft.from_arrow(t).select(F.arcsinh(col("x")).alias("r"))
    assert df.schema()["r"].dtype == D.float32()
    got = df.to_pydict()["r"]
    assert got[0] is None and math.isclose(got[1], math.asinh(0.25), rel_tol=1e-6)


@pytest.mark.parametrize(
    "name,f", [("arctan2", math.atan2), ("hypot", math.hypot)], ids=["arctan2", "hypot"]
)
def test_binary_float_functions_match_math_module(name, f):
    a, b = floats(seed=1), ints(seed=2)
    got = select({"a": a, "b": b}, getattr(F, name)(col("a"), col("b")))
    assert all(close(g, safe(f, x, y)) for g, x, y in zip(got, a, b))


def test_pmod_matches_duckdb_rule_for_ints_and_floats():
    a, b = ints(seed=3), ints(seed=4, lo=-6, hi=6)
    got = select({"a": a, "b": b}, F.pmod(col("a"), col("b")))

    def pmod(x, y):
        if x is None or y is None or y == 0:
            return None
        r = math.fmod(x, y)
        return int(math.fmod(r + y, y)) if r < 0 else int(r)

    assert got == [pmod(x, y) for x, y in zip(a, b)]
    # Daft 0.7.26's values for a negative divisor.
    assert select({"a": [5, -7, -1, 21]}, F.pmod(col("a"), lit(-3))) == [2, -1, -1, 0]
    fl = select({"a": [-7.5, 7.5, None]}, F.pmod(col("a"), lit(2.0)))
    assert fl == [0.5, 1.5, None]


def test_pmod_of_the_smallest_int_by_minus_one_is_zero_not_a_crash():
    got = select(
        {"a": [-(2**63)], "b": [-1]}, F.pmod(col("a"), col("b")), {"a": pa.int64(), "b": pa.int64()}
    )
    assert got == [0]


def test_try_divide_is_null_for_a_zero_divisor():
    got = select({"a": [6, 1, None, 1.5], "b": [3, 0, 2, 0.0]}, F.try_divide(col("a"), col("b")))
    assert got == [2.0, None, None, None]


def test_factorial_matches_math_and_refuses_what_int64_cannot_hold():
    xs = list(range(-3, 21)) + [None]
    assert select({"n": xs}, F.factorial(col("n"))) == [
        None if x is None or x < 0 else math.factorial(x) for x in xs
    ]
    with pytest.raises(Exception, match=r"factorial\(21\) does not fit Int64"):
        select({"n": [1, 21]}, F.factorial(col("n")))
    with pytest.raises(Exception, match="factorial"):
        select({"n": [1.5]}, F.factorial(col("n")))


def test_power_is_pow():
    assert select({"x": [2, 3, None]}, F.power(col("x"), lit(2))) == [4.0, 9.0, None]
    assert select({"x": [2]}, col("x").power(10)) == [1024.0]


@pytest.mark.parametrize(
    "op,sql", [("bitwise_and", "&"), ("bitwise_or", "|"), ("bitwise_xor", "xor")]
)
def test_bitwise_operations_match_duckdb(op, sql):
    a, b = ints(seed=5, lo=-1000, hi=1000), ints(seed=6, lo=-1000, hi=1000)
    got = select({"a": a, "b": b}, getattr(F, op)(col("a"), col("b")))
    t = pa.table({"a": a, "b": b})  # noqa: F841  (read by DuckDB)
    expr = "xor(a, b)" if sql == "xor" else f"a {sql} b"
    want = [r[0] for r in duckdb.sql(f"select {expr} from t").fetchall()]
    assert got == want


def test_bitwise_widens_to_the_common_integer_type_and_refuses_floats():
    df = daft.from_arrow(
        pa.table({"a": pa.array([1, 2], pa.int8()), "b": pa.array([3, 6], pa.uint16())})
    ).select(F.bitwise_and(col("a"), col("b")).alias("r"))
    assert df.schema()["r"].dtype == D.int32()
    assert df.to_pydict()["r"] == [1, 2]
    with pytest.raises(Exception, match="bitwise_or"):
        daft.from_pydict({"a": [1.0]}).select(F.bitwise_or(col("a"), col("a"))).collect()


def test_shifts_match_python_within_the_type_and_refuse_out_of_range_amounts():
    a = ints(seed=7, lo=-(2**20), hi=2**20)
    bits = ints(seed=8, lo=0, hi=40)
    got_l = select({"a": a, "b": bits}, F.shift_left(col("a"), col("b")))
    got_r = select({"a": a, "b": bits}, F.shift_right(col("a"), col("b")))

    def wrap64(v: int) -> int:
        v &= (1 << 64) - 1
        return v - (1 << 64) if v >= 1 << 63 else v

    assert got_l == [None if x is None or k is None else wrap64(x << k) for x, k in zip(a, bits)]
    assert got_r == [None if x is None or k is None else x >> k for x, k in zip(a, bits)]
    # Within a narrow type the dropped bits are gone (Daft's values).
    i8 = daft.from_arrow(pa.table({"x": pa.array([1, 2, 3], pa.int8())}))
    assert i8.select(F.shift_left(col("x"), lit(7))).to_pydict()["x"] == [-128, 0, -128]
    u8 = daft.from_arrow(pa.table({"x": pa.array([200], pa.uint8())}))
    assert u8.select(F.shift_right(col("x"), lit(1))).to_pydict()["x"] == [100]
    for bad in (64, -1):
        with pytest.raises(Exception, match=r"num_bits must be between 0 and 63"):
            select({"x": [1]}, F.shift_left(col("x"), lit(bad)))


def test_e_and_pi_are_float64_constants():
    df = daft.from_pydict({"x": [1, 2]}).select(F.e(), F.pi())
    assert df.to_pydict() == {"e": [math.e] * 2, "pi": [math.pi] * 2}


def test_eq_null_safe_treats_null_as_a_value():
    a = [1, None, 3, None, 5.0]
    b = [1, None, None, 4, 6.0]
    got = select({"a": a, "b": b}, F.eq_null_safe(col("a"), col("b")))
    assert got == [True, True, False, False, False]
    assert select({"a": a, "b": b}, col("a").eq_null_safe(col("b"))) == got


def test_empty_input_gives_empty_output():
    t = pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.int64())})
    df = daft.from_arrow(t).select(
        F.pmod(col("a"), col("b")).alias("p"),
        F.bitwise_xor(col("a"), col("b")).alias("x"),
        F.factorial(col("a")).alias("f"),
        F.hypot(col("a"), col("b")).alias("h"),
    )
    assert df.to_pydict() == {"p": [], "x": [], "f": [], "h": []}
