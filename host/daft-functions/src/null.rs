//! Null and NaN handling: tests, replacement and coalescing.

use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, AsArray, BooleanArray};
use arrow::compute::kernels::cmp::eq;
use arrow::compute::kernels::zip::zip;
use arrow::compute::{is_not_null, is_null, nullif};
use arrow::datatypes::{DataType, Field, Float32Type, Float64Type};
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, Param};
use daft_core::types::TypeClass;
use daft_core::DaftResult;

use crate::util::{cast_to, common_type, function, valid_mask, variadic_names};

fn is_null_def() -> FunctionDef {
    function(
        "is_null",
        r#"
Checks whether each value is null.

Args:
    expr: An expression of any type.

Returns:
    Expression: A Boolean expression that is never null. NaN is not null.

Example:
    >>> df = daft.from_pydict({"x": [1, None, 3]})
    >>> df.select(daft.functions.is_null(daft.col("x")))
"#,
        vec![Param::expr("expr", TypeClass::Any)],
        |_, _| Ok(DataType::Boolean),
        |args, _, _| Ok(Arc::new(is_null(&args[0])?) as ArrayRef),
    )
}
inventory::submit! { BuiltinFunction(is_null_def) }

fn not_null_def() -> FunctionDef {
    function(
        "not_null",
        r#"
Checks whether each value is not null.

Args:
    expr: An expression of any type.

Returns:
    Expression: A Boolean expression that is never null. NaN is not null.

Example:
    >>> df = daft.from_pydict({"x": [1, None, 3]})
    >>> df.select(daft.functions.not_null(daft.col("x")))
"#,
        vec![Param::expr("expr", TypeClass::Any)],
        |_, _| Ok(DataType::Boolean),
        |args, _, _| Ok(Arc::new(is_not_null(&args[0])?) as ArrayRef),
    )
}
inventory::submit! { BuiltinFunction(not_null_def) }

/// Casts every argument to their common type `dt`.
fn cast_all(args: &[ArrayRef], dt: &DataType) -> DaftResult<Vec<ArrayRef>> {
    args.iter().map(|a| cast_to(a, dt)).collect()
}

/// The common type of all arguments, recomputed at run time from the arrays.
fn common_of(args: &[ArrayRef], names: &[&str], variadic: &str) -> DaftResult<DataType> {
    let fields: Vec<Field> = args
        .iter()
        .map(|a| Field::new("", a.data_type().clone(), true))
        .collect();
    common_type(&fields, &variadic_names(names, variadic, args.len()))
}

/// The first non-null value of the arguments, row by row.
fn coalesce_arrays(args: &[ArrayRef], dt: &DataType, n: usize) -> DaftResult<ArrayRef> {
    if dt == &DataType::Null {
        return Ok(new_null_array(dt, n));
    }
    let args = cast_all(args, dt)?;
    let mut iter = args.iter().rev();
    let Some(last) = iter.next() else {
        return Ok(new_null_array(dt, n));
    };
    // Fold from the right: each earlier argument wins where it is valid.
    let mut acc = last.clone();
    for a in iter {
        acc = zip(&valid_mask(a)?, a, &acc)?;
    }
    Ok(acc)
}

fn fill_null_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    common_type(args, &["expr".into(), "fill_value".into()])
}

fn fill_null_def() -> FunctionDef {
    function(
        "fill_null",
        r#"
Replaces null values with a fill value.

Both arguments are cast to their common type first.

Args:
    expr: An expression of any type.
    fill_value: The replacement, an expression (often a literal) whose type
        combines with `expr`'s.

Returns:
    Expression: `expr` where it is not null, else `fill_value`; of the common
    type of both.

Example:
    >>> df = daft.from_pydict({"x": [1, None, 3]})
    >>> df.select(daft.functions.fill_null(daft.col("x"), daft.lit(0)))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::expr("fill_value", TypeClass::Any),
        ],
        fill_null_rule,
        |args, _, n| {
            let dt = common_of(args, &["expr", "fill_value"], "")?;
            coalesce_arrays(args, &dt, n)
        },
    )
}
inventory::submit! { BuiltinFunction(fill_null_def) }

fn coalesce_def() -> FunctionDef {
    function(
        "coalesce",
        r#"
Returns the first non-null value among the arguments, row by row.

All arguments are cast to their common type first.

Args:
    *exprs: One or more expressions whose types combine.

Returns:
    Expression: The first non-null argument per row, or null when all are
    null; of the common type of the arguments.

Example:
    >>> df = daft.from_pydict({"a": [None, 2, None], "b": [1, None, None]})
    >>> df.select(daft.functions.coalesce(daft.col("a"), daft.col("b"), daft.lit(0)))
"#,
        vec![Param::variadic("exprs", TypeClass::Any, 1)],
        |args, _| common_type(args, &variadic_names(&[], "exprs", args.len())),
        |args, _, n| {
            let dt = common_of(args, &[], "exprs")?;
            coalesce_arrays(args, &dt, n)
        },
    )
}
inventory::submit! { BuiltinFunction(coalesce_def) }

/// Applies a float predicate to each value: computed on floats, `false` for
/// every other numeric type (which cannot hold NaN or infinity).
fn float_test(
    a: &ArrayRef,
    f32_op: fn(f32) -> bool,
    f64_op: fn(f64) -> bool,
) -> DaftResult<ArrayRef> {
    let out = match a.data_type() {
        DataType::Null => BooleanArray::new_null(a.len()),
        DataType::Float16 | DataType::Float32 => {
            let a = cast_to(a, &DataType::Float32)?;
            BooleanArray::from_unary(a.as_primitive::<Float32Type>(), f32_op)
        }
        DataType::Float64 => BooleanArray::from_unary(a.as_primitive::<Float64Type>(), f64_op),
        _ => BooleanArray::new(
            arrow::buffer::BooleanBuffer::new_unset(a.len()),
            a.logical_nulls(),
        ),
    };
    Ok(Arc::new(out))
}

fn float_test_def(
    name: &'static str,
    summary: &str,
    f32_op: fn(f32) -> bool,
    f64_op: fn(f64) -> bool,
) -> FunctionDef {
    function(
        name,
        &format!(
            r#"
{summary}

Integers and decimals cannot hold NaN or infinity: for them the test is
always false.

Args:
    expr: A numeric expression.

Returns:
    Expression: A Boolean expression; null stays null.

Example:
    >>> df = daft.from_pydict({{"x": [1.0, float("nan"), float("inf"), None]}})
    >>> df.select(daft.functions.{name}(daft.col("x")))
"#
        ),
        vec![Param::expr("expr", TypeClass::Numeric)],
        |_, _| Ok(DataType::Boolean),
        move |args, _, _| float_test(&args[0], f32_op, f64_op),
    )
}
fn is_nan_def() -> FunctionDef {
    let summary = "Checks whether each value is NaN (not a number).";
    float_test_def("is_nan", summary, f32::is_nan, f64::is_nan)
}
inventory::submit! { BuiltinFunction(is_nan_def) }

fn is_inf_def() -> FunctionDef {
    let summary = "Checks whether each value is positive or negative infinity.";
    float_test_def("is_inf", summary, f32::is_infinite, f64::is_infinite)
}
inventory::submit! { BuiltinFunction(is_inf_def) }

fn not_nan_def() -> FunctionDef {
    function(
        "not_nan",
        r#"
Checks whether each value is not NaN.

Integers and decimals are never NaN, so for them the result is always true.

Args:
    expr: A numeric expression.

Returns:
    Expression: A Boolean expression; null stays null.

Example:
    >>> df = daft.from_pydict({"x": [1.0, float("nan"), None]})
    >>> df.select(daft.functions.not_nan(daft.col("x")))
"#,
        vec![Param::expr("expr", TypeClass::Numeric)],
        |_, _| Ok(DataType::Boolean),
        |args, _, _| {
            let nan = float_test(&args[0], f32::is_nan, f64::is_nan)?;
            Ok(Arc::new(arrow::compute::not(nan.as_boolean())?) as ArrayRef)
        },
    )
}
inventory::submit! { BuiltinFunction(not_nan_def) }

fn fill_nan_def() -> FunctionDef {
    function(
        "fill_nan",
        r#"
Replaces NaN values with a fill value.

Both arguments are cast to their common numeric type first. Nulls are not
NaN and stay null (see `fill_null`).

Args:
    expr: A numeric expression.
    fill_value: The replacement, a numeric expression (often a literal).

Returns:
    Expression: `expr` where it is not NaN, else `fill_value`; of the common
    type of both.

Example:
    >>> df = daft.from_pydict({"x": [1.0, float("nan"), None]})
    >>> df.select(daft.functions.fill_nan(daft.col("x"), daft.lit(0.0)))
"#,
        vec![
            Param::expr("expr", TypeClass::Numeric),
            Param::expr("fill_value", TypeClass::Numeric),
        ],
        |args, _| common_type(args, &["expr".into(), "fill_value".into()]),
        |args, _, _| {
            let dt = common_of(args, &["expr", "fill_value"], "")?;
            let args = cast_all(args, &dt)?;
            let nan = float_test(&args[0], f32::is_nan, f64::is_nan)?;
            // A null in the mask selects `expr`, keeping its nulls.
            Ok(zip(nan.as_boolean(), &args[1], &args[0])?)
        },
    )
}
inventory::submit! { BuiltinFunction(fill_nan_def) }

fn nullif_def() -> FunctionDef {
    function(
        "nullif",
        r#"
Returns null where a value equals another, else the value (SQL NULLIF).

Both arguments are cast to their common type first. Floats compare by
Arrow's total order, so NaN equals NaN.

Args:
    expr: An expression of any comparable type.
    other: The value to turn into null, an expression (often a literal).

Returns:
    Expression: `expr`, with null where it equals `other`; of the common
    type of both.

Example:
    >>> df = daft.from_pydict({"x": [0, 1, None]})
    >>> df.select(daft.functions.nullif(daft.col("x"), daft.lit(0)))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::expr("other", TypeClass::Any),
        ],
        |args, _| common_type(args, &["expr".into(), "other".into()]),
        |args, _, n| {
            let dt = common_of(args, &["expr", "other"], "")?;
            if dt == DataType::Null {
                return Ok(new_null_array(&dt, n));
            }
            let args = cast_all(args, &dt)?;
            let equal = eq(&args[0], &args[1])?;
            Ok(nullif(&args[0], &equal)?)
        },
    )
}
inventory::submit! { BuiltinFunction(nullif_def) }

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int32Array, Int64Array, NullArray,
        StringArray,
    };
    use arrow::datatypes::DataType;
    use daft_core::DaftError;

    use crate::util::testing::{eval, run};

    #[test]
    fn is_null_and_not_null_are_never_null_even_when_sliced() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(1),
            None,
            Some(3),
            None,
            Some(5),
            None,
            Some(7),
            Some(8),
        ]));
        let out = run("is_null", &[a.slice(3, 5)], &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![true, false, true, false, false])
        );
        let out = run("not_null", &[Arc::new(NullArray::new(2)) as ArrayRef], &[]);
        assert_eq!(out.as_boolean(), &BooleanArray::from(vec![false, false]));
    }

    #[test]
    fn fill_null_uses_supertype() {
        let a: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), None]));
        let f: ArrayRef = Arc::new(Float64Array::from(vec![0.5, 0.5]));
        let out = run("fill_null", &[a, f], &[]);
        assert_eq!(
            out.as_ref(),
            &Float64Array::from(vec![1.0, 0.5]) as &dyn Array
        );
    }

    #[test]
    fn fill_null_without_common_type_names_the_argument() {
        let a: ArrayRef = Arc::new(Int32Array::from(vec![Some(1)]));
        let f: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
        let err = eval("fill_null", &[a, f], &[]).unwrap_err();
        assert!(matches!(err, DaftError::TypeError(_)));
        let msg = err.to_string();
        assert!(
            msg.contains("fill_null") && msg.contains("fill_value") && msg.contains("String"),
            "{msg}"
        );
    }

    #[test]
    fn coalesce_takes_first_non_null() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![None, Some(2), None]));
        let b: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), Some(9), None]));
        let c: ArrayRef = Arc::new(NullArray::new(3));
        let out = run("coalesce", &[a, b, c], &[]);
        assert_eq!(out.data_type(), &DataType::Int64);
        assert_eq!(
            out.as_ref(),
            &Int64Array::from(vec![Some(1), Some(2), None]) as &dyn Array
        );
    }

    #[test]
    fn nan_tests_and_fill_nan() {
        let a: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(1.0),
            Some(f64::NAN),
            None,
            Some(f64::INFINITY),
        ]));
        let out = run("is_nan", std::slice::from_ref(&a), &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![Some(false), Some(true), None, Some(false)])
        );
        let out = run("not_nan", std::slice::from_ref(&a), &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![Some(true), Some(false), None, Some(true)])
        );
        let out = run("is_inf", std::slice::from_ref(&a), &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![Some(false), Some(false), None, Some(true)])
        );
        let fill: ArrayRef = Arc::new(Float64Array::from(vec![0.0; 4]));
        let out = run("fill_nan", &[a, fill], &[]);
        assert_eq!(
            out.as_ref(),
            &Float64Array::from(vec![Some(1.0), Some(0.0), None, Some(f64::INFINITY)])
                as &dyn Array
        );
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None]));
        let out = run("is_nan", &[ints], &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![Some(false), None])
        );
    }

    #[test]
    fn nullif_nulls_equal_values() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![Some(0), Some(1), None]));
        let b: ArrayRef = Arc::new(Int64Array::from(vec![0, 0, 0]));
        let out = run("nullif", &[a, b], &[]);
        assert_eq!(
            out.as_ref(),
            &Int64Array::from(vec![None, Some(1), None]) as &dyn Array
        );
    }
}
