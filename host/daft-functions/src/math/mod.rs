//! Numeric functions: rounding, signs, exponentials, logarithms,
//! trigonometry and clipping.
//!
//! Functions that keep their input type (`abs`, `ceil`, `round`, ...) accept
//! integers, Float32 and Float64. Functions whose result is irrational in
//! general (`sqrt`, `exp`, `sin`, ...) return Float32 for Float32 input and
//! Float64 for every other numeric input, as `pyarrow.compute` does.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Field, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use daft_core::options::{FunctionOptions, OptionValue};
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};
use num_traits::{Bounded, Float, NumCast, One, PrimInt, WrappingNeg, Zero};

use crate::arrow_kernels::abs_int64;
use crate::util::{build_prims, cast_to, common_type, function, opt};

/// The integer natives the type-preserving kernels are generic over.
trait IntNative: PrimInt + WrappingNeg + Into<i128> + TryFrom<i128> {}
impl<X: PrimInt + WrappingNeg + Into<i128> + TryFrom<i128>> IntNative for X {}

/// A type-preserving numeric operation, written once for all integer types
/// and once for both float types; [`dispatch`] picks the concrete type.
trait NumOp {
    fn int<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: IntNative;
    fn float<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: Float;
}

fn dispatch(a: &ArrayRef, op: &impl NumOp) -> DaftResult<ArrayRef> {
    match a.data_type() {
        DataType::Int8 => op.int(a.as_primitive::<Int8Type>()),
        DataType::Int16 => op.int(a.as_primitive::<Int16Type>()),
        DataType::Int32 => op.int(a.as_primitive::<Int32Type>()),
        DataType::Int64 => op.int(a.as_primitive::<Int64Type>()),
        DataType::UInt8 => op.int(a.as_primitive::<UInt8Type>()),
        DataType::UInt16 => op.int(a.as_primitive::<UInt16Type>()),
        DataType::UInt32 => op.int(a.as_primitive::<UInt32Type>()),
        DataType::UInt64 => op.int(a.as_primitive::<UInt64Type>()),
        DataType::Float32 => op.float(a.as_primitive::<Float32Type>()),
        DataType::Float64 => op.float(a.as_primitive::<Float64Type>()),
        DataType::Null => Ok(a.clone()),
        other => Err(DaftError::Internal(format!(
            "numeric kernel reached with unsupported type {other}"
        ))),
    }
}

/// Whether the type-preserving kernels handle `dt`.
fn is_preservable(dt: &DataType) -> bool {
    dt.is_integer() || matches!(dt, DataType::Float32 | DataType::Float64 | DataType::Null)
}

/// Return rule of type-preserving functions: the input type, if supported.
fn same_numeric(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    check_preservable("expr", args[0].data_type())
}

fn check_preservable(arg: &str, dt: &DataType) -> DaftResult<DataType> {
    if is_preservable(dt) {
        Ok(dt.clone())
    } else {
        Err(DaftError::type_error(format!(
            "argument `{arg}` has type {}; expected an integer, Float32 or Float64 \
             (cast Float16 and decimals to Float64 first)",
            display_data_type(dt)
        )))
    }
}

/// The float type of a float-valued result for an input of type `dt`.
fn float_out(dt: &DataType) -> DataType {
    match dt {
        DataType::Float32 => DataType::Float32,
        _ => DataType::Float64,
    }
}

fn float_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    Ok(float_out(args[0].data_type()))
}

/// Applies a float function, computing in the output float type.
fn float_unary(
    a: &ArrayRef,
    f32_op: impl Fn(f32) -> f32,
    f64_op: impl Fn(f64) -> f64,
) -> DaftResult<ArrayRef> {
    let out = float_out(a.data_type());
    let a = cast_to(a, &out)?;
    Ok(match out {
        DataType::Float32 => Arc::new(
            a.as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(f32_op),
        ),
        _ => Arc::new(
            a.as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(f64_op),
        ),
    })
}

fn expr_param() -> Vec<Param> {
    vec![Param::expr("expr", TypeClass::Numeric)]
}

// ---------------------------------------------------------------------------
// abs, ceil, floor, sign, negate

struct Abs;
impl NumOp for Abs {
    fn int<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: IntNative,
    {
        // Checked, like pyarrow's `abs_checked`: the smallest signed value
        // has no absolute value in its type. After a wrapping negation it
        // is the only negative value left, which keeps the kernel vectorized.
        let zero = T::Native::zero();
        let out = a.unary::<_, T>(|v| if v < zero { v.wrapping_neg() } else { v });
        first_overflow(a, |i| out.value(i) < zero, "abs")?;
        Ok(Arc::new(out))
    }
    fn float<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: Float,
    {
        Ok(Arc::new(a.unary::<_, T>(|v| v.abs())))
    }
}

/// An overflow error for the first valid slot `i` of `a` where `bad(i)`,
/// if any. `bad` is tried on every slot first without looking at nulls (a
/// branch-free scan), and null slots are skipped only when one matched.
fn first_overflow<T: ArrowPrimitiveType>(
    a: &PrimitiveArray<T>,
    bad: impl Fn(usize) -> bool,
    func: &str,
) -> DaftResult<()> {
    if !(0..a.len()).any(&bad) {
        return Ok(());
    }
    match (0..a.len()).find(|&i| a.is_valid(i) && bad(i)) {
        Some(i) => Err(DaftError::ComputeError(format!(
            "{func}({:?}) overflows {}: the result does not fit the input's type; cast to a \
             wider type first",
            a.value(i),
            a.data_type()
        ))),
        None => Ok(()),
    }
}

fn abs_def() -> FunctionDef {
    function(
        "abs",
        r#"
Returns the absolute value of each number.

Integers keep their type; the absolute value of the smallest signed integer
(e.g. -2**63 for int64), which that type cannot hold, is an error rather than
a wrapped value (as in `pyarrow.compute.abs_checked`).

Args:
    expr: The numeric expression.

Returns:
    Expression: The absolute values, of the input's type; null stays null.

Example:
    >>> df = daft.from_pydict({"x": [-1, 2, None]})
    >>> df.select(daft.functions.abs(daft.col("x")))
"#,
        expr_param(),
        same_numeric,
        |args, _, _| match args[0].data_type() {
            // The kernel shared with the benchmark plugin (see `arrow_kernels`).
            DataType::Int64 => Ok(Arc::new(abs_int64(args[0].as_primitive::<Int64Type>())?)),
            _ => dispatch(&args[0], &Abs),
        },
    )
}
inventory::submit! { BuiltinFunction(abs_def) }

/// Ceil or floor: integers are already whole, floats round toward +/- infinity.
struct Whole {
    up: bool,
}
impl NumOp for Whole {
    fn int<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: IntNative,
    {
        Ok(Arc::new(a.clone()))
    }
    fn float<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: Float,
    {
        Ok(Arc::new(if self.up {
            a.unary::<_, T>(|v| v.ceil())
        } else {
            a.unary::<_, T>(|v| v.floor())
        }))
    }
}

fn ceil_def() -> FunctionDef {
    function(
        "ceil",
        r#"
Rounds each number up to the nearest integer.

Args:
    expr: The numeric expression.

Returns:
    Expression: The smallest whole numbers not below the inputs, of the
    input's type (integers are returned unchanged); null stays null.

Example:
    >>> df = daft.from_pydict({"x": [1.2, -1.5, None]})
    >>> df.select(daft.functions.ceil(daft.col("x")))
"#,
        expr_param(),
        same_numeric,
        |args, _, _| dispatch(&args[0], &Whole { up: true }),
    )
}
inventory::submit! { BuiltinFunction(ceil_def) }

fn floor_def() -> FunctionDef {
    function(
        "floor",
        r#"
Rounds each number down to the nearest integer.

Args:
    expr: The numeric expression.

Returns:
    Expression: The largest whole numbers not above the inputs, of the
    input's type (integers are returned unchanged); null stays null.

Example:
    >>> df = daft.from_pydict({"x": [1.7, -1.5, None]})
    >>> df.select(daft.functions.floor(daft.col("x")))
"#,
        expr_param(),
        same_numeric,
        |args, _, _| dispatch(&args[0], &Whole { up: false }),
    )
}
inventory::submit! { BuiltinFunction(floor_def) }

struct Sign;
impl NumOp for Sign {
    fn int<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: IntNative,
    {
        let (zero, one) = (T::Native::zero(), T::Native::one());
        Ok(Arc::new(a.unary::<_, T>(|v| {
            if v > zero {
                one
            } else if v < zero {
                one.wrapping_neg()
            } else {
                zero
            }
        })))
    }
    fn float<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: Float,
    {
        // As pyarrow: NaN stays NaN and both zeros give +0.
        Ok(Arc::new(a.unary::<_, T>(|v| {
            if v.is_nan() {
                v
            } else if v == T::Native::zero() {
                T::Native::zero()
            } else if v.is_sign_negative() {
                -T::Native::one()
            } else {
                T::Native::one()
            }
        })))
    }
}

fn sign_def() -> FunctionDef {
    function(
        "sign",
        r#"
Returns the sign of each number: -1, 0 or 1.

Args:
    expr: The numeric expression.

Returns:
    Expression: -1 for negative, 0 for zero and 1 for positive inputs, of the
    input's type; NaN stays NaN and null stays null.

Example:
    >>> df = daft.from_pydict({"x": [-3, 0, 5, None]})
    >>> df.select(daft.functions.sign(daft.col("x")))
"#,
        expr_param(),
        same_numeric,
        |args, _, _| dispatch(&args[0], &Sign),
    )
}
inventory::submit! { BuiltinFunction(sign_def) }

struct Negate;
impl NumOp for Negate {
    fn int<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: IntNative,
    {
        // Checked, like pyarrow's `negate_checked`: the smallest signed value
        // and every nonzero unsigned value have no negation in their type.
        let zero = T::Native::zero();
        let signed = T::Native::min_value() < zero;
        let out = a.unary::<_, T>(|v| v.wrapping_neg());
        first_overflow(
            a,
            |i| {
                let v = a.value(i);
                if signed {
                    v < zero && out.value(i) < zero
                } else {
                    v != zero
                }
            },
            "negate",
        )?;
        Ok(Arc::new(out))
    }
    fn float<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: Float,
    {
        Ok(Arc::new(a.unary::<_, T>(|v| -v)))
    }
}

fn negate_def() -> FunctionDef {
    function(
        "negate",
        r#"
Returns the negation of each number.

Integers keep their type; negating the smallest signed integer or any nonzero
unsigned integer, which that type cannot hold, is an error rather than a
wrapped value (as in `pyarrow.compute.negate_checked`).

Args:
    expr: The numeric expression.

Returns:
    Expression: The negated values, of the input's type; null stays null.

Example:
    >>> df = daft.from_pydict({"x": [1, -2, None]})
    >>> df.select(daft.functions.negate(daft.col("x")))
"#,
        expr_param(),
        same_numeric,
        |args, _, _| dispatch(&args[0], &Negate),
    )
}
inventory::submit! { BuiltinFunction(negate_def) }

// ---------------------------------------------------------------------------
// round

struct Round {
    decimals: i64,
}

impl NumOp for Round {
    fn int<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: IntNative,
    {
        if self.decimals >= 0 {
            return Ok(Arc::new(a.clone()));
        }
        let max: i128 = <T::Native as Bounded>::max_value().into();
        let q = u32::try_from(self.decimals.unsigned_abs())
            .ok()
            .and_then(|k| 10i128.checked_pow(k))
            .filter(|q| *q <= max)
            .ok_or_else(|| {
                DaftError::value_error(format!(
                    "round: decimals={} does not fit the precision of {}",
                    self.decimals,
                    T::DATA_TYPE
                ))
            })?;
        let out = a.try_unary::<_, T, _>(|v| {
            let v: i128 = v.into();
            let below = v.div_euclid(q) * q;
            let twice_rest = 2 * (v - below);
            let up = twice_rest > q || (twice_rest == q && (below / q) % 2 != 0);
            let r = if up { below + q } else { below };
            T::Native::try_from(r).map_err(|_| {
                arrow::error::ArrowError::ComputeError(format!(
                    "round: rounding {v} to a multiple of {q} overflows {}",
                    T::DATA_TYPE
                ))
            })
        })?;
        Ok(Arc::new(out))
    }

    fn float<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: Float,
    {
        let d = self.decimals;
        let pow10 =
            <T::Native as NumCast>::from(10f64.powi(d.clamp(-400, 400).unsigned_abs() as i32))
                .unwrap_or_else(T::Native::infinity);
        let out = a.try_unary::<_, T, _>(|x| {
            round_half_even(x, d, pow10).ok_or_else(|| {
                arrow::error::ArrowError::ComputeError(format!(
                    "round: overflow while rounding to {d} decimals"
                ))
            })
        })?;
        Ok(Arc::new(out))
    }
}

/// Rounds `x` to `d` decimals with ties to even, following
/// `pyarrow.compute.round`'s algorithm (scale, round, unscale) so results
/// agree bit for bit. `None` when the result overflows.
fn round_half_even<F: Float>(x: F, d: i64, pow10: F) -> Option<F> {
    if !x.is_finite() {
        return Some(x);
    }
    if pow10.is_infinite() {
        // More decimals than the type holds leaves x as is; fewer than its
        // magnitude allows rounds it to zero.
        return Some(if d > 0 { x } else { F::zero() * x.signum() });
    }
    let scaled = if d >= 0 { x * pow10 } else { x / pow10 };
    let frac = scaled - scaled.floor();
    if frac == F::zero() {
        return Some(x);
    }
    let half = <F as NumCast>::from(0.5).unwrap_or_else(F::zero);
    let two = F::one() + F::one();
    let rounded = if frac == half {
        (scaled / two).round() * two
    } else {
        scaled.round()
    };
    let r = if d > 0 {
        rounded / pow10
    } else {
        rounded * pow10
    };
    r.is_finite().then_some(r)
}

fn round_def() -> FunctionDef {
    function(
        "round",
        r#"
Rounds each number to a given number of decimal places.

Ties are rounded to the nearest even digit ("banker's rounding"), the
default `half_to_even` mode of `pyarrow.compute.round`: 0.5 rounds to 0 and
1.5 to 2. Negative `decimals` round to tens, hundreds, and so on; integers
with `decimals >= 0` are returned unchanged.

Args:
    expr: The numeric expression.
    decimals: The number of decimal places to keep (default 0).

Returns:
    Expression: The rounded values, of the input's type; null stays null.

Example:
    >>> df = daft.from_pydict({"x": [1.25, 2.5, None]})
    >>> df.select(daft.functions.round(daft.col("x"), decimals=1))
"#,
        vec![
            Param::expr("expr", TypeClass::Numeric),
            Param::option("decimals", OptionKind::Int, OptionValue::Int(0)),
        ],
        same_numeric,
        |args, opts, _| {
            let decimals = opts.int("decimals").unwrap_or(0);
            dispatch(&args[0], &Round { decimals })
        },
    )
}
inventory::submit! { BuiltinFunction(round_def) }

// ---------------------------------------------------------------------------
// clip

struct Clip {
    lo: ArrayRef,
    hi: ArrayRef,
}

impl Clip {
    fn rows<T: ArrowPrimitiveType>(&self, x: &PrimitiveArray<T>) -> ArrayRef
    where
        T::Native: PartialOrd,
    {
        let (lo, hi) = (self.lo.as_primitive::<T>(), self.hi.as_primitive::<T>());
        build_prims::<T>(x.len(), |i| {
            let mut v = opt(x, i)?;
            // A null bound leaves that side open; comparisons with a NaN
            // bound are false, so NaN bounds are open too.
            if let Some(l) = opt(lo, i) {
                if v < l {
                    v = l;
                }
            }
            if let Some(h) = opt(hi, i) {
                if v > h {
                    v = h;
                }
            }
            Some(v)
        })
    }
}

impl NumOp for Clip {
    fn int<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: IntNative,
    {
        Ok(self.rows(a))
    }
    fn float<T: ArrowPrimitiveType>(&self, a: &PrimitiveArray<T>) -> DaftResult<ArrayRef>
    where
        T::Native: Float,
    {
        Ok(self.rows(a))
    }
}

fn clip_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    let names = ["expr", "min", "max"].map(String::from);
    let dt = common_type(args, &names)?;
    check_preservable("expr", &dt).map_err(|_| {
        DaftError::type_error(format!(
            "the common type of `expr`, `min` and `max` is {}; expected an integer, Float32 or \
             Float64",
            display_data_type(&dt)
        ))
    })
}

fn clip_def() -> FunctionDef {
    function(
        "clip",
        r#"
Clips each number to the range [min, max].

The bounds are expressions, so they may differ per row. A null bound leaves
that side unbounded; when `min > max` the result is `max` (as `numpy.clip`).
All three arguments are cast to their common numeric type first.

Args:
    expr: The numeric expression to clip.
    min: The lower bound, or null for none.
    max: The upper bound, or null for none.

Returns:
    Expression: The clipped values, of the common type of the arguments;
    null where `expr` is null.

Example:
    >>> df = daft.from_pydict({"x": [-5, 3, 12, None]})
    >>> df.select(daft.functions.clip(daft.col("x"), daft.lit(0), daft.lit(10)))
"#,
        vec![
            Param::expr("expr", TypeClass::Numeric),
            Param::expr("min", TypeClass::Numeric),
            Param::expr("max", TypeClass::Numeric),
        ],
        clip_rule,
        |args, _, _| {
            let dt = args
                .iter()
                .try_fold(DataType::Null, |acc, a| {
                    daft_core::types::supertype(&acc, a.data_type())
                })
                .ok_or_else(|| DaftError::Internal("clip: no common type".into()))?;
            let x = cast_to(&args[0], &dt)?;
            let clip = Clip {
                lo: cast_to(&args[1], &dt)?,
                hi: cast_to(&args[2], &dt)?,
            };
            dispatch(&x, &clip)
        },
    )
}
inventory::submit! { BuiltinFunction(clip_def) }

mod binary;
mod conv;
mod float;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, Float32Array, Float64Array, Int64Array, Int8Array};
    use daft_core::options::OptionValue;

    use crate::util::testing::{eval, run};

    fn f64s(v: &[Option<f64>]) -> ArrayRef {
        Arc::new(Float64Array::from(v.to_vec()))
    }

    #[test]
    fn abs_keeps_int_type_and_refuses_min() {
        let a: ArrayRef = Arc::new(Int8Array::from(vec![Some(-3), None, Some(i8::MAX)]));
        let out = run("abs", &[a], &[]);
        assert_eq!(
            out.as_ref(),
            &Int8Array::from(vec![Some(3), None, Some(i8::MAX)]) as &dyn Array
        );
        let a: ArrayRef = Arc::new(Int8Array::from(vec![Some(-3), Some(i8::MIN)]));
        let e = eval("abs", &[a], &[]).unwrap_err().to_string();
        assert!(e.contains("abs(-128) overflows Int8"), "{e}");
    }

    #[test]
    fn negate_refuses_what_the_type_cannot_hold() {
        let a: ArrayRef = Arc::new(Int8Array::from(vec![Some(-3), None, Some(i8::MAX)]));
        let out = run("negate", &[a], &[]);
        assert_eq!(
            out.as_ref(),
            &Int8Array::from(vec![Some(3), None, Some(-i8::MAX)]) as &dyn Array
        );
        let a: ArrayRef = Arc::new(Int8Array::from(vec![Some(i8::MIN)]));
        let e = eval("negate", &[a], &[]).unwrap_err().to_string();
        assert!(e.contains("negate(-128) overflows Int8"), "{e}");
        let u: ArrayRef = Arc::new(arrow::array::UInt8Array::from(vec![Some(0), None]));
        assert_eq!(run("negate", &[u], &[]).null_count(), 1);
        let u: ArrayRef = Arc::new(arrow::array::UInt8Array::from(vec![Some(0), Some(1)]));
        let e = eval("negate", &[u], &[]).unwrap_err().to_string();
        assert!(e.contains("negate(1) overflows UInt8"), "{e}");
    }

    #[test]
    fn round_is_half_to_even_for_floats_and_ints() {
        let a = f64s(&[
            Some(0.5),
            Some(1.5),
            Some(2.5),
            Some(-0.5),
            None,
            Some(1.2345),
        ]);
        let out = run("round", &[a], &[]);
        let expected = f64s(&[Some(0.0), Some(2.0), Some(2.0), Some(-0.0), None, Some(1.0)]);
        assert_eq!(&out, &expected);

        let a = f64s(&[Some(1.25), Some(1.35)]);
        let out = run("round", &[a], &[("decimals", OptionValue::Int(1))]);
        assert_eq!(&out, &f64s(&[Some(1.2), Some(1.4)]));

        let a: ArrayRef = Arc::new(Int64Array::from(vec![Some(15), Some(25), Some(-15), None]));
        let out = run("round", &[a], &[("decimals", OptionValue::Int(-1))]);
        let expected: ArrayRef =
            Arc::new(Int64Array::from(vec![Some(20), Some(20), Some(-20), None]));
        assert_eq!(&out, &expected);
    }

    #[test]
    fn round_rejects_decimals_beyond_int_precision() {
        let a: ArrayRef = Arc::new(Int8Array::from(vec![Some(1)]));
        let err = eval("round", &[a], &[("decimals", OptionValue::Int(-3))]).unwrap_err();
        assert!(err.to_string().contains("decimals=-3"), "{err}");
    }

    #[test]
    fn sqrt_of_ints_is_float64_and_of_float32_is_float32() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![Some(4), None, Some(-1)]));
        let out = run("sqrt", &[a], &[]);
        let out = out.as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(out.value(0), 2.0);
        assert!(out.is_null(1));
        assert!(out.value(2).is_nan());

        let a: ArrayRef = Arc::new(Float32Array::from(vec![9.0f32]));
        let out = run("sqrt", &[a], &[]);
        assert_eq!(
            out.as_ref(),
            &Float32Array::from(vec![3.0f32]) as &dyn Array
        );
    }

    #[test]
    fn sign_and_negate_handle_zero_nan_and_nulls() {
        let a = f64s(&[Some(-2.0), Some(-0.0), Some(3.0), Some(f64::NAN), None]);
        let out = run("sign", std::slice::from_ref(&a), &[]);
        let out = out.as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(out.values()[..3], [-1.0, 0.0, 1.0]);
        assert!(out.value(1).is_sign_positive());
        assert!(out.value(3).is_nan());
        assert!(out.is_null(4));
        let neg = run("negate", &[a], &[]);
        assert_eq!(
            neg.as_any()
                .downcast_ref::<Float64Array>()
                .unwrap()
                .value(0),
            2.0
        );
    }

    #[test]
    fn clip_treats_null_bounds_as_open_on_sliced_input() {
        let x: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(100),
            Some(100),
            Some(100),
            Some(-5),
            Some(5),
            Some(50),
            None,
            Some(-50),
        ]));
        let lo: ArrayRef = Arc::new(Int64Array::from(vec![Some(0); 8]));
        let hi: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(10),
            Some(10),
            Some(10),
            Some(10),
            Some(10),
            None,
            Some(10),
            Some(10),
        ]));
        let out = run(
            "clip",
            &[x.slice(3, 5), lo.slice(3, 5), hi.slice(3, 5)],
            &[],
        );
        let expected: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(0),
            Some(5),
            Some(50),
            None,
            Some(0),
        ]));
        assert_eq!(&out, &expected);
    }

    #[test]
    fn log_uses_base_option_and_pow_returns_float64() {
        let a = f64s(&[Some(8.0), None]);
        let out = run("log", &[a], &[("base", OptionValue::Int(2))]);
        let out = out.as_any().downcast_ref::<Float64Array>().unwrap();
        assert!((out.value(0) - 3.0).abs() < 1e-12);
        assert!(out.is_null(1));

        let b: ArrayRef = Arc::new(Int64Array::from(vec![Some(2), Some(3), None]));
        let e: ArrayRef = Arc::new(Int64Array::from(vec![Some(10), None, Some(1)]));
        let out = run("pow", &[b, e], &[]);
        assert_eq!(&out, &f64s(&[Some(1024.0), None, None]));
    }

    #[test]
    fn float16_input_to_type_preserving_function_is_a_type_error() {
        let a: ArrayRef = Arc::new(arrow::array::Float16Array::from(vec![half_free_f16_one()]));
        let err = eval("abs", &[a], &[]).unwrap_err().to_string();
        assert!(err.contains("abs") && err.contains("Float16"), "{err}");
    }

    /// A Float16 1.0 without depending on the `half` crate.
    fn half_free_f16_one(
    ) -> Option<<arrow::datatypes::Float16Type as arrow::datatypes::ArrowPrimitiveType>::Native>
    {
        let a = arrow::compute::cast(
            &(Arc::new(Float32Array::from(vec![1.0f32])) as ArrayRef),
            &arrow::datatypes::DataType::Float16,
        )
        .unwrap();
        Some(
            a.as_any()
                .downcast_ref::<arrow::array::Float16Array>()
                .unwrap()
                .value(0),
        )
    }
}
