//! Numeric functions of two arguments (`arctan2`, `hypot`, `pmod`,
//! `try_divide`), the bitwise family on integers, and `factorial`.
//!
//! Integer functions compute in the arguments' common integer type (Int8
//! with UInt16 is Int32, as Daft widens them) and keep it; float-valued ones
//! return Float64.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, PrimitiveArray};
use arrow::compute::binary;
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Field, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};
use num_traits::PrimInt;

use super::IntNative;
use crate::util::{build_prims, cast_to, common_type, function, opt};

/// Runs `$body` with `$t` bound to the Arrow integer type of `$dt`.
macro_rules! with_int_type {
    ($dt:expr, $t:ident => $body:expr, $other:expr) => {
        match $dt {
            DataType::Int8 => {
                type $t = Int8Type;
                $body
            }
            DataType::Int16 => {
                type $t = Int16Type;
                $body
            }
            DataType::Int32 => {
                type $t = Int32Type;
                $body
            }
            DataType::Int64 => {
                type $t = Int64Type;
                $body
            }
            DataType::UInt8 => {
                type $t = UInt8Type;
                $body
            }
            DataType::UInt16 => {
                type $t = UInt16Type;
                $body
            }
            DataType::UInt32 => {
                type $t = UInt32Type;
                $body
            }
            DataType::UInt64 => {
                type $t = UInt64Type;
                $body
            }
            _ => $other,
        }
    };
}

/// The common integer type of both arguments (Int64 where both are null).
fn int_pair_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    let names = ["left".to_string(), "right".to_string()];
    Ok(match common_type(args, &names)? {
        DataType::Null => DataType::Int64,
        dt => dt,
    })
}

/// The type `rule` plans for arguments like `args`, for kernels that cast
/// to it.
fn run_type(
    args: &[ArrayRef],
    rule: fn(&[Field], &FunctionOptions) -> DaftResult<DataType>,
) -> DaftResult<DataType> {
    let fields: Vec<Field> = args
        .iter()
        .map(|a| Field::new("", a.data_type().clone(), true))
        .collect();
    rule(&fields, &FunctionOptions::default())
}

fn float64_pair(args: &[ArrayRef]) -> DaftResult<(ArrayRef, ArrayRef)> {
    Ok((
        cast_to(&args[0], &DataType::Float64)?,
        cast_to(&args[1], &DataType::Float64)?,
    ))
}

/// A Float64 function of two numeric arguments, as plain data.
struct FloatPairFn {
    name: &'static str,
    params: [&'static str; 2],
    doc: &'static str,
    op: fn(f64, f64) -> f64,
}

fn float_pair_fn(f: &'static FloatPairFn) -> FunctionDef {
    function(
        f.name,
        f.doc,
        vec![
            Param::expr(f.params[0], TypeClass::Numeric),
            Param::expr(f.params[1], TypeClass::Numeric),
        ],
        |_, _| Ok(DataType::Float64),
        move |args, _, _| {
            let (a, b) = float64_pair(args)?;
            let out = binary::<_, _, _, Float64Type>(
                a.as_primitive::<Float64Type>(),
                b.as_primitive::<Float64Type>(),
                f.op,
            )?;
            Ok(Arc::new(out) as ArrayRef)
        },
    )
}

const ARCTAN2: FloatPairFn = FloatPairFn {
    name: "arctan2",
    params: ["y", "x"],
    doc: r#"
The four-quadrant inverse tangent of y / x, in radians (-pi to pi).

Args:
    y: The numeric y coordinate.
    x: The numeric x coordinate.

Returns:
    Expression: Float64 angles; null where either is null.

Example:
    >>> df = daft.from_pydict({"y": [1.0, -1.0, None], "x": [1.0, -1.0, 2.0]})
    >>> df.select(daft.functions.arctan2(daft.col("y"), daft.col("x")))
"#,
    op: f64::atan2,
};
inventory::submit! { BuiltinFunction(|| float_pair_fn(&ARCTAN2)) }

const HYPOT: FloatPairFn = FloatPairFn {
    name: "hypot",
    params: ["a", "b"],
    doc: r#"
The length sqrt(a² + b²) of each vector (a, b).

Computed without overflow or underflow in the squares.

Args:
    a: A numeric expression.
    b: A numeric expression.

Returns:
    Expression: Float64 lengths; null where either is null.

Example:
    >>> df = daft.from_pydict({"a": [3, 5, None], "b": [4, 12, 1]})
    >>> df.select(daft.functions.hypot(daft.col("a"), daft.col("b")))
"#,
    op: f64::hypot,
};
inventory::submit! { BuiltinFunction(|| float_pair_fn(&HYPOT)) }

fn try_divide_def() -> FunctionDef {
    function(
        "try_divide",
        r#"
Divides two numbers as Float64, with null where the divisor is 0.

Args:
    dividend: A numeric expression.
    divisor: A numeric expression.

Returns:
    Expression: Float64 quotients; null where either is null or the divisor
    is 0 (also for floats, where `/` gives an infinity or NaN).

Example:
    >>> df = daft.from_pydict({"a": [6, 1, None], "b": [3, 0, 2]})
    >>> df.select(daft.functions.try_divide(daft.col("a"), daft.col("b")))
"#,
        vec![
            Param::expr("dividend", TypeClass::Numeric),
            Param::expr("divisor", TypeClass::Numeric),
        ],
        |_, _| Ok(DataType::Float64),
        |args, _, n| {
            let (a, b) = float64_pair(args)?;
            let (a, b) = (
                a.as_primitive::<Float64Type>(),
                b.as_primitive::<Float64Type>(),
            );
            Ok(build_prims::<Float64Type>(n, |i| {
                let d = opt(b, i).filter(|d| *d != 0.0)?;
                Some(opt(a, i)? / d)
            }))
        },
    )
}
inventory::submit! { BuiltinFunction(try_divide_def) }

// ---------------------------------------------------------------------------
// pmod

fn pmod_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    let names = ["a".to_string(), "b".to_string()];
    let dt = common_type(args, &names)?;
    Ok(match dt {
        DataType::Null => DataType::Int64,
        DataType::Float16 | DataType::Float32 | DataType::Decimal128(..) => DataType::Float64,
        dt if dt.is_integer() || dt == DataType::Float64 => dt,
        other => {
            return Err(DaftError::type_error(format!(
                "pmod: the arguments' common type {} is not numeric",
                display_data_type(&other)
            )))
        }
    })
}

/// Spark's and Daft's positive modulo: the remainder `a % b` (of the sign
/// of `a`), moved into the sign of `b` when it is negative. Computed in
/// i128, where neither step can overflow, and back in range of `T`.
fn pmod_int<T: ArrowPrimitiveType>(a: &PrimitiveArray<T>, b: &PrimitiveArray<T>) -> ArrayRef
where
    T::Native: IntNative,
{
    build_prims::<T>(a.len(), |i| {
        let (x, y): (i128, i128) = (opt(a, i)?.into(), opt(b, i)?.into());
        if y == 0 {
            return None;
        }
        let r = x % y;
        let r = if r < 0 { (r + y) % y } else { r };
        T::Native::try_from(r).ok()
    })
}

fn pmod_def() -> FunctionDef {
    function(
        "pmod",
        r#"
The positive modulo of `a` by `b` (Spark's and Daft's `pmod`).

That is `a % b`, and where that is negative, `(a % b + b) % b`.

Integers keep their common type; other numbers compute as Float64.

Args:
    a: A numeric expression (the dividend).
    b: A numeric expression (the divisor).

Returns:
    Expression: The moduli; null where either is null or `b` is 0.

Example:
    >>> df = daft.from_pydict({"a": [-7, 7, None], "b": [3, 3, 3]})
    >>> df.select(daft.functions.pmod(daft.col("a"), daft.col("b")))
"#,
        vec![
            Param::expr("a", TypeClass::Numeric),
            Param::expr("b", TypeClass::Numeric),
        ],
        pmod_rule,
        |args, _, n| {
            let out = run_type(args, pmod_rule)?;
            let (a, b) = (cast_to(&args[0], &out)?, cast_to(&args[1], &out)?);
            with_int_type!(&out, T => Ok(pmod_int(a.as_primitive::<T>(), b.as_primitive::<T>())), {
                let (a, b) = (a.as_primitive::<Float64Type>(), b.as_primitive::<Float64Type>());
                Ok(build_prims::<Float64Type>(n, |i| {
                    let y = opt(b, i).filter(|y| *y != 0.0)?;
                    let r = opt(a, i)? % y;
                    Some(if r < 0.0 { (r + y) % y } else { r })
                }))
            })
        },
    )
}
inventory::submit! { BuiltinFunction(pmod_def) }

// ---------------------------------------------------------------------------
// Bitwise operations

/// A bitwise operation of two integers, as plain data.
struct BitFn {
    name: &'static str,
    what: &'static str,
    sample: &'static str,
    op: BitOp,
}

#[derive(Clone, Copy)]
enum BitOp {
    And,
    Or,
    Xor,
}

fn bit_kernel<T: ArrowPrimitiveType>(a: &ArrayRef, b: &ArrayRef, op: BitOp) -> DaftResult<ArrayRef>
where
    T::Native: PrimInt,
{
    let (a, b) = (a.as_primitive::<T>(), b.as_primitive::<T>());
    let out: PrimitiveArray<T> = match op {
        BitOp::And => binary(a, b, |x, y| x & y)?,
        BitOp::Or => binary(a, b, |x, y| x | y)?,
        BitOp::Xor => binary(a, b, |x, y| x ^ y)?,
    };
    Ok(Arc::new(out))
}

fn bit_fn(f: &'static BitFn) -> FunctionDef {
    let doc = format!(
        r#"
The bitwise {what} of two integers.

Both are cast to their common integer type first (Int8 with UInt16 is
Int32), which is the result's type.

Args:
    left: An integer expression.
    right: An integer expression.

Returns:
    Expression: The bitwise {what}; null where either is null.

Example:
    >>> df = daft.from_pydict({{"a": [12, 10, None], "b": [10, 6, 1]}})
    >>> df.select(daft.functions.{name}(daft.col("a"), daft.col("b")))  # {sample}
"#,
        what = f.what,
        name = f.name,
        sample = f.sample,
    );
    function(
        f.name,
        &doc,
        vec![
            Param::expr("left", TypeClass::Integer),
            Param::expr("right", TypeClass::Integer),
        ],
        int_pair_rule,
        move |args, _, _| {
            let dt = run_type(args, int_pair_rule)?;
            let (a, b) = (cast_to(&args[0], &dt)?, cast_to(&args[1], &dt)?);
            with_int_type!(&dt, T => bit_kernel::<T>(&a, &b, f.op), unreachable_type(f.name, &dt))
        },
    )
}

fn unreachable_type(name: &str, dt: &DataType) -> DaftResult<ArrayRef> {
    Err(DaftError::Internal(format!(
        "{name}: kernel reached with type {dt}"
    )))
}

macro_rules! bit {
    ($konst:ident, $name:literal, $what:literal, $sample:literal, $op:expr) => {
        const $konst: BitFn = BitFn {
            name: $name,
            what: $what,
            sample: $sample,
            op: $op,
        };
        inventory::submit! { BuiltinFunction(|| bit_fn(&$konst)) }
    };
}

bit!(BITWISE_AND, "bitwise_and", "AND", "8, 2, None", BitOp::And);
bit!(BITWISE_OR, "bitwise_or", "OR", "14, 14, None", BitOp::Or);
bit!(BITWISE_XOR, "bitwise_xor", "XOR", "6, 12, None", BitOp::Xor);

// ---------------------------------------------------------------------------
// Shifts

fn shift_kernel<T: ArrowPrimitiveType>(
    name: &str,
    a: &ArrayRef,
    bits: &ArrayRef,
    left: bool,
) -> DaftResult<ArrayRef>
where
    T::Native: PrimInt,
{
    let width = (std::mem::size_of::<T::Native>() * 8) as i64;
    let bits = cast_to(bits, &DataType::Int64)?;
    let bits = bits.as_primitive::<Int64Type>();
    // A shift by the width or more is undefined in C and masked (wrapped
    // around) by Rust's and Daft's kernels, so 1 << 65 would be 2: a wrong
    // number with no sign of it. Refused instead.
    if let Some(bad) = (0..bits.len())
        .filter_map(|i| opt(bits, i))
        .find(|b| !(0..width).contains(b))
    {
        return Err(DaftError::value_error(format!(
            "{name}: num_bits must be between 0 and {} for {}, got {bad}",
            width - 1,
            a.data_type()
        )));
    }
    let a = a.as_primitive::<T>();
    Ok(build_prims::<T>(a.len(), |i| {
        let (v, b) = (opt(a, i)?, opt(bits, i)? as usize);
        // Bits shifted past the top are dropped, as in Daft; a signed right
        // shift copies the sign bit.
        Some(if left { v << b } else { v >> b })
    }))
}

fn shift_def(name: &'static str, left: bool) -> FunctionDef {
    let (op, what, sample) = if left {
        (
            "<<",
            "left (toward the high bits; bits shifted past the top are dropped)",
            "[2, -6, None]",
        )
    } else {
        (
            ">>",
            "right (a signed value keeps its sign, so -3 >> 1 is -2)",
            "[0, -2, None]",
        )
    };
    let doc = format!(
        r#"
Shifts the bits of each integer {what}: `expr {op} num_bits`.

Args:
    expr: An integer expression; the result has its type.
    num_bits: An integer expression: how many bits, from 0 to the type's
        width minus one (an error otherwise: Daft wraps a shift by 65 of an
        Int64 to a shift by 1).

Returns:
    Expression: The shifted integers; null where either is null.

Example:
    >>> df = daft.from_pydict({{"x": [1, -3, None]}})
    >>> df.select(daft.functions.{name}(daft.col("x"), 1))  # {sample}
"#
    );
    function(
        name,
        &doc,
        vec![
            Param::expr("expr", TypeClass::Integer),
            Param::expr("num_bits", TypeClass::Integer),
        ],
        |args, _| {
            Ok(match args[0].data_type() {
                DataType::Null => DataType::Int64,
                dt => dt.clone(),
            })
        },
        move |args, _, _| {
            let a = match args[0].data_type() {
                DataType::Null => cast_to(&args[0], &DataType::Int64)?,
                _ => args[0].clone(),
            };
            with_int_type!(a.data_type(), T => shift_kernel::<T>(name, &a, &args[1], left),
                unreachable_type(name, a.data_type()))
        },
    )
}
inventory::submit! { BuiltinFunction(|| shift_def("shift_left", true)) }
inventory::submit! { BuiltinFunction(|| shift_def("shift_right", false)) }

// ---------------------------------------------------------------------------
// factorial

fn factorial_def() -> FunctionDef {
    function(
        "factorial",
        r#"
The factorial n! of each integer.

Args:
    expr: An integer expression.

Returns:
    Expression: Int64 factorials; null where the input is null or
    negative (n! is not defined there). 21! and beyond do not fit Int64 and
    are an error naming the value (Daft 0.7.26 gives null for them).

Example:
    >>> df = daft.from_pydict({"n": [0, 5, 20, None]})
    >>> df.select(daft.functions.factorial(daft.col("n")))
"#,
        vec![Param::expr("expr", TypeClass::Integer)],
        |_, _| Ok(DataType::Int64),
        |args, _, n| {
            let a = &args[0];
            with_int_type!(a.data_type(), T => factorials(a.as_primitive::<T>()),
                Ok(arrow::array::new_null_array(&DataType::Int64, n)))
        },
    )
}

fn factorials<T: ArrowPrimitiveType>(a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
where
    T::Native: IntNative,
{
    let value = |i| opt(a, i).map(Into::<i128>::into);
    if let Some(v) = (0..a.len()).filter_map(value).find(|v| *v > 20) {
        return Err(DaftError::ComputeError(format!(
            "factorial({v}) does not fit Int64 (20! is the largest that does)"
        )));
    }
    Ok(build_prims::<Int64Type>(a.len(), |i| {
        let v = value(i)?;
        (v >= 0).then(|| (1..=v as i64).product::<i64>())
    }))
}
inventory::submit! { BuiltinFunction(factorial_def) }
