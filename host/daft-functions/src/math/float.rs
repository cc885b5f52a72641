//! Float-valued numeric functions: roots, exponentials, logarithms and
//! the trigonometric and hyperbolic families, of one argument, plus `log`
//! with a base and `pow`.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray};
use arrow::compute::binary;
use arrow::datatypes::{DataType, Float64Type};
use daft_core::options::OptionValue;
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::TypeClass;

use super::{expr_param, float_rule, float_unary};
use crate::util::{cast_to, function};

fn float_doc(name: &str, summary: &str, returns: &str, sample: &str) -> String {
    format!(
        r#"
{summary}

Integer and decimal inputs are computed as Float64; Float32 stays Float32.

Args:
    expr: The numeric expression.

Returns:
    Expression: {returns}; null stays null. The type is Float32 for
    Float32 input, else Float64.

Example:
    >>> df = daft.from_pydict({{"x": {sample}}})
    >>> df.select(daft.functions.{name}(daft.col("x")))
"#
    )
}

/// A float-valued function of one argument, as plain data: its doc parts
/// and its kernels for both float widths.
struct FloatFn {
    name: &'static str,
    summary: &'static str,
    returns: &'static str,
    /// A Python list literal for the doc's example.
    sample: &'static str,
    f32_op: fn(f32) -> f32,
    f64_op: fn(f64) -> f64,
}

fn float_fn(f: &FloatFn) -> FunctionDef {
    let (f32_op, f64_op) = (f.f32_op, f.f64_op);
    function(
        f.name,
        &float_doc(f.name, f.summary, f.returns, f.sample),
        expr_param(),
        float_rule,
        move |args, _, _| float_unary(&args[0], f32_op, f64_op),
    )
}

const SQRT: FloatFn = FloatFn {
    name: "sqrt",
    summary: "Returns the square root of each number.",
    returns: "The square roots; negative inputs give NaN",
    sample: "[1.0, 4.0, None]",
    f32_op: f32::sqrt,
    f64_op: f64::sqrt,
};
inventory::submit! { BuiltinFunction(|| float_fn(&SQRT)) }

const CBRT: FloatFn = FloatFn {
    name: "cbrt",
    summary: "Returns the cube root of each number.",
    returns: "The cube roots",
    sample: "[1.0, -8.0, None]",
    f32_op: f32::cbrt,
    f64_op: f64::cbrt,
};
inventory::submit! { BuiltinFunction(|| float_fn(&CBRT)) }

const EXP: FloatFn = FloatFn {
    name: "exp",
    summary: "Returns e raised to the power of each number.",
    returns: "e**x for each x",
    sample: "[0.0, 1.0, None]",
    f32_op: f32::exp,
    f64_op: f64::exp,
};
inventory::submit! { BuiltinFunction(|| float_fn(&EXP)) }

const EXPM1: FloatFn = FloatFn {
    name: "expm1",
    summary: "Returns e raised to the power of each number, minus 1, accurate near zero.",
    returns: "e**x - 1 for each x",
    sample: "[0.0, 1e-10, None]",
    f32_op: f32::exp_m1,
    f64_op: f64::exp_m1,
};
inventory::submit! { BuiltinFunction(|| float_fn(&EXPM1)) }

const LN: FloatFn = FloatFn {
    name: "ln",
    summary: "Returns the natural logarithm of each number.",
    returns: "The natural logarithms; 0 gives -inf and negative inputs NaN",
    sample: "[1.0, 2.718281828459045, None]",
    f32_op: f32::ln,
    f64_op: f64::ln,
};
inventory::submit! { BuiltinFunction(|| float_fn(&LN)) }

const LOG1P: FloatFn = FloatFn {
    name: "log1p",
    summary: "Returns the natural logarithm of one plus each number, accurate near zero.",
    returns: "ln(1 + x) for each x; -1 gives -inf",
    sample: "[0.0, 1e-10, None]",
    f32_op: f32::ln_1p,
    f64_op: f64::ln_1p,
};
inventory::submit! { BuiltinFunction(|| float_fn(&LOG1P)) }

const LOG2: FloatFn = FloatFn {
    name: "log2",
    summary: "Returns the base-2 logarithm of each number.",
    returns: "The base-2 logarithms; 0 gives -inf and negative inputs NaN",
    sample: "[1.0, 8.0, None]",
    f32_op: f32::log2,
    f64_op: f64::log2,
};
inventory::submit! { BuiltinFunction(|| float_fn(&LOG2)) }

const LOG10: FloatFn = FloatFn {
    name: "log10",
    summary: "Returns the base-10 logarithm of each number.",
    returns: "The base-10 logarithms; 0 gives -inf and negative inputs NaN",
    sample: "[1.0, 100.0, None]",
    f32_op: f32::log10,
    f64_op: f64::log10,
};
inventory::submit! { BuiltinFunction(|| float_fn(&LOG10)) }

const SIN: FloatFn = FloatFn {
    name: "sin",
    summary: "Returns the sine of each number, in radians.",
    returns: "The sines",
    sample: "[0.0, 1.5707963267948966, None]",
    f32_op: f32::sin,
    f64_op: f64::sin,
};
inventory::submit! { BuiltinFunction(|| float_fn(&SIN)) }

const COS: FloatFn = FloatFn {
    name: "cos",
    summary: "Returns the cosine of each number, in radians.",
    returns: "The cosines",
    sample: "[0.0, 3.141592653589793, None]",
    f32_op: f32::cos,
    f64_op: f64::cos,
};
inventory::submit! { BuiltinFunction(|| float_fn(&COS)) }

const TAN: FloatFn = FloatFn {
    name: "tan",
    summary: "Returns the tangent of each number, in radians.",
    returns: "The tangents",
    sample: "[0.0, 0.7853981633974483, None]",
    f32_op: f32::tan,
    f64_op: f64::tan,
};
inventory::submit! { BuiltinFunction(|| float_fn(&TAN)) }

const ARCSIN: FloatFn = FloatFn {
    name: "arcsin",
    summary: "Returns the inverse sine of each number, in radians.",
    returns: "The arcsines; inputs outside [-1, 1] give NaN",
    sample: "[0.0, 1.0, None]",
    f32_op: f32::asin,
    f64_op: f64::asin,
};
inventory::submit! { BuiltinFunction(|| float_fn(&ARCSIN)) }

const ARCCOS: FloatFn = FloatFn {
    name: "arccos",
    summary: "Returns the inverse cosine of each number, in radians.",
    returns: "The arccosines; inputs outside [-1, 1] give NaN",
    sample: "[1.0, 0.0, None]",
    f32_op: f32::acos,
    f64_op: f64::acos,
};
inventory::submit! { BuiltinFunction(|| float_fn(&ARCCOS)) }

const ARCTAN: FloatFn = FloatFn {
    name: "arctan",
    summary: "Returns the inverse tangent of each number, in radians.",
    returns: "The arctangents",
    sample: "[0.0, 1.0, None]",
    f32_op: f32::atan,
    f64_op: f64::atan,
};
inventory::submit! { BuiltinFunction(|| float_fn(&ARCTAN)) }

const SINH: FloatFn = FloatFn {
    name: "sinh",
    summary: "Returns the hyperbolic sine of each number.",
    returns: "The hyperbolic sines",
    sample: "[0.0, 1.0, None]",
    f32_op: f32::sinh,
    f64_op: f64::sinh,
};
inventory::submit! { BuiltinFunction(|| float_fn(&SINH)) }

const COSH: FloatFn = FloatFn {
    name: "cosh",
    summary: "Returns the hyperbolic cosine of each number.",
    returns: "The hyperbolic cosines",
    sample: "[0.0, 1.0, None]",
    f32_op: f32::cosh,
    f64_op: f64::cosh,
};
inventory::submit! { BuiltinFunction(|| float_fn(&COSH)) }

const TANH: FloatFn = FloatFn {
    name: "tanh",
    summary: "Returns the hyperbolic tangent of each number.",
    returns: "The hyperbolic tangents",
    sample: "[0.0, 1.0, None]",
    f32_op: f32::tanh,
    f64_op: f64::tanh,
};
inventory::submit! { BuiltinFunction(|| float_fn(&TANH)) }

const ARCSINH: FloatFn = FloatFn {
    name: "arcsinh",
    summary: "Returns the inverse hyperbolic sine of each number.",
    returns: "The inverse hyperbolic sines",
    sample: "[0.0, 1.0, None]",
    f32_op: f32::asinh,
    f64_op: f64::asinh,
};
inventory::submit! { BuiltinFunction(|| float_fn(&ARCSINH)) }

const ARCCOSH: FloatFn = FloatFn {
    name: "arccosh",
    summary: "Returns the inverse hyperbolic cosine of each number.",
    returns: "The inverse hyperbolic cosines; inputs below 1 give NaN",
    sample: "[1.0, 2.0, None]",
    f32_op: f32::acosh,
    f64_op: f64::acosh,
};
inventory::submit! { BuiltinFunction(|| float_fn(&ARCCOSH)) }

const ARCTANH: FloatFn = FloatFn {
    name: "arctanh",
    summary: "Returns the inverse hyperbolic tangent of each number.",
    returns: "The inverse hyperbolic tangents; 1 and -1 give infinities and inputs beyond them NaN",
    sample: "[0.0, 0.5, None]",
    f32_op: f32::atanh,
    f64_op: f64::atanh,
};
inventory::submit! { BuiltinFunction(|| float_fn(&ARCTANH)) }

const COT: FloatFn = FloatFn {
    name: "cot",
    summary: "Returns the cotangent (1 / tan) of each number of radians.",
    returns: "The cotangents; 0 gives infinity",
    sample: "[1.0, 0.5, None]",
    f32_op: |x| 1.0 / x.tan(),
    f64_op: |x| 1.0 / x.tan(),
};
inventory::submit! { BuiltinFunction(|| float_fn(&COT)) }

const SEC: FloatFn = FloatFn {
    name: "sec",
    summary: "Returns the secant (1 / cos) of each number of radians.",
    returns: "The secants",
    sample: "[0.0, 1.0, None]",
    f32_op: |x| 1.0 / x.cos(),
    f64_op: |x| 1.0 / x.cos(),
};
inventory::submit! { BuiltinFunction(|| float_fn(&SEC)) }

const CSC: FloatFn = FloatFn {
    name: "csc",
    summary: "Returns the cosecant (1 / sin) of each number of radians.",
    returns: "The cosecants; 0 gives infinity",
    sample: "[1.0, 0.5, None]",
    f32_op: |x| 1.0 / x.sin(),
    f64_op: |x| 1.0 / x.sin(),
};
inventory::submit! { BuiltinFunction(|| float_fn(&CSC)) }

const DEGREES: FloatFn = FloatFn {
    name: "degrees",
    summary: "Converts each angle from radians to degrees.",
    returns: "The angles in degrees",
    sample: "[0.0, 3.141592653589793, None]",
    f32_op: f32::to_degrees,
    f64_op: f64::to_degrees,
};
inventory::submit! { BuiltinFunction(|| float_fn(&DEGREES)) }

const RADIANS: FloatFn = FloatFn {
    name: "radians",
    summary: "Converts each angle from degrees to radians.",
    returns: "The angles in radians",
    sample: "[0.0, 180.0, None]",
    f32_op: f32::to_radians,
    f64_op: f64::to_radians,
};
inventory::submit! { BuiltinFunction(|| float_fn(&RADIANS)) }

// ---------------------------------------------------------------------------
// log, pow

fn log_def() -> FunctionDef {
    function(
        "log",
        r#"
Returns the logarithm of each number in a given base.

Computed as ln(x) / ln(base); integer and decimal inputs are computed as
Float64, Float32 stays Float32.

Args:
    expr: The numeric expression.
    base: The base of the logarithm (default e).

Returns:
    Expression: The logarithms (Float32 for Float32 input, else Float64);
    null stays null.

Example:
    >>> df = daft.from_pydict({"x": [1.0, 9.0, None]})
    >>> df.select(daft.functions.log(daft.col("x"), base=3))
"#,
        vec![
            Param::expr("expr", TypeClass::Numeric),
            Param::option(
                "base",
                OptionKind::Float,
                OptionValue::Float(std::f64::consts::E),
            ),
        ],
        float_rule,
        |args, opts, _| {
            let base = opts.float("base").unwrap_or(std::f64::consts::E);
            let (ln32, ln64) = ((base as f32).ln(), base.ln());
            float_unary(&args[0], |x| x.ln() / ln32, |x| x.ln() / ln64)
        },
    )
}
inventory::submit! { BuiltinFunction(log_def) }

fn pow_fn(name: &'static str) -> FunctionDef {
    let doc = format!(
        r#"
Raises each number to a power.

Both arguments are computed as Float64, so the result is Float64 even for
integer inputs.

Args:
    expr: The base, a numeric expression.
    exponent: The exponent, a numeric expression (often a literal).

Returns:
    Expression: expr ** exponent as Float64; null where either is null.

Example:
    >>> df = daft.from_pydict({{"x": [2, 3, None]}})
    >>> df.select(daft.functions.{name}(daft.col("x"), daft.lit(2)))
"#
    );
    function(
        name,
        &doc,
        vec![
            Param::expr("expr", TypeClass::Numeric),
            Param::expr("exponent", TypeClass::Numeric),
        ],
        |_, _| Ok(DataType::Float64),
        |args, _, _| {
            let b = cast_to(&args[0], &DataType::Float64)?;
            let e = cast_to(&args[1], &DataType::Float64)?;
            let out = binary::<_, _, _, Float64Type>(
                b.as_primitive::<Float64Type>(),
                e.as_primitive::<Float64Type>(),
                f64::powf,
            )?;
            Ok(Arc::new(out) as ArrayRef)
        },
    )
}
inventory::submit! { BuiltinFunction(|| pow_fn("pow")) }
// Daft's other name for it.
inventory::submit! { BuiltinFunction(|| pow_fn("power")) }
