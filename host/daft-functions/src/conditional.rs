//! Conditionals and membership: `if_else`, `is_in`, `between`.

use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, AsArray, BooleanArray};
use arrow::compute::kernels::cmp::{eq, gt_eq, lt_eq};
use arrow::compute::kernels::zip::zip;
use arrow::compute::{and_kleene, is_null, nullif, or};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Field, Float16Type, Float32Type, Float64Type,
};
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, Param};
use daft_core::types::TypeClass;
use daft_core::DaftResult;

use crate::util::{cast_to, common_type, function, variadic_names};

/// The common type of the arrays' types (already checked at plan time).
fn common_of(args: &[ArrayRef], names: &[String]) -> DaftResult<DataType> {
    let fields: Vec<Field> = args
        .iter()
        .map(|a| Field::new("", a.data_type().clone(), true))
        .collect();
    common_type(&fields, names)
}

fn if_else_rule(args: &[Field], _: &FunctionOptions) -> DaftResult<DataType> {
    common_type(&args[1..], &["if_true".into(), "if_false".into()])
}

fn if_else_def() -> FunctionDef {
    function(
        "if_else",
        r#"
Chooses between two values per row according to a predicate.

`if_true` and `if_false` are cast to their common type. A null predicate
gives a null result, as in `pyarrow.compute.if_else` (and Daft).

Args:
    predicate: A Boolean expression.
    if_true: The value where the predicate is true.
    if_false: The value where the predicate is false.

Returns:
    Expression: `if_true` where `predicate` is true, `if_false` where it is
    false, and null where it is null.

Example:
    >>> df = daft.from_pydict({"x": [1, -2, None]})
    >>> df.select(daft.functions.if_else(daft.col("x") > 0, daft.lit("pos"), daft.lit("neg")))
"#,
        vec![
            Param::expr("predicate", TypeClass::Boolean),
            Param::expr("if_true", TypeClass::Any),
            Param::expr("if_false", TypeClass::Any),
        ],
        if_else_rule,
        |args, _, n| {
            let dt = common_of(&args[1..], &["if_true".into(), "if_false".into()])?;
            if dt == DataType::Null {
                return Ok(new_null_array(&dt, n));
            }
            let pred = cast_to(&args[0], &DataType::Boolean)?;
            let pred = pred.as_boolean();
            let (t, f) = (cast_to(&args[1], &dt)?, cast_to(&args[2], &dt)?);
            // zip reads a null predicate as false; null those rows afterwards.
            let chosen = zip(pred, &t, &f)?;
            if pred.null_count() == 0 {
                return Ok(chosen);
            }
            Ok(nullif(&chosen, &is_null(pred)?)?)
        },
    )
}
inventory::submit! { BuiltinFunction(if_else_def) }

fn is_in_def() -> FunctionDef {
    function(
        "is_in",
        r#"
Checks whether each value equals any of the given items.

The value and items are cast to their common type. Null items never match;
floats compare by Arrow's total order, so NaN matches NaN.

Args:
    expr: An expression of any comparable type.
    *items: Zero or more expressions (usually literals) to compare with;
        with none, nothing matches (every non-null value gives False).

Returns:
    Expression: A Boolean expression; null where `expr` is null.

Example:
    >>> df = daft.from_pydict({"x": [1, 2, 3, None]})
    >>> df.select(daft.functions.is_in(daft.col("x"), daft.lit(1), daft.lit(3)))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::variadic("items", TypeClass::Any, 0),
        ],
        |args, _| {
            common_type(args, &variadic_names(&["expr"], "items", args.len()))?;
            Ok(DataType::Boolean)
        },
        |args, _, n| {
            let dt = common_of(args, &variadic_names(&["expr"], "items", args.len()))?;
            if dt == DataType::Null {
                return Ok(Arc::new(BooleanArray::new_null(n)));
            }
            let x = cast_to(&args[0], &dt)?;
            let mut found = BooleanArray::from(vec![false; n]);
            for item in &args[1..] {
                let item = cast_to(item, &dt)?;
                let equal = eq(&x, &item)?;
                // A null comparison (null item) counts as no match.
                let equal = BooleanArray::new(equal.values().clone(), None);
                let equal = match eq_nulls(&x, &item) {
                    Some(valid) => arrow::compute::and(&equal, &valid)?,
                    None => equal,
                };
                found = or(&found, &equal)?;
            }
            let found = BooleanArray::new(found.values().clone(), x.logical_nulls());
            Ok(Arc::new(found) as ArrayRef)
        },
    )
}
inventory::submit! { BuiltinFunction(is_in_def) }

/// Rows where both `a` and `b` are valid, or `None` when all are. Needed
/// because the values of a comparison's null rows are unspecified.
fn eq_nulls(a: &ArrayRef, b: &ArrayRef) -> Option<BooleanArray> {
    let nulls =
        arrow::buffer::NullBuffer::union(a.logical_nulls().as_ref(), b.logical_nulls().as_ref())?;
    Some(BooleanArray::new(nulls.inner().clone(), None))
}

/// `a >= b` (or `a <= b` when `ge` is false) as the engine's `>=` / `<=`
/// operators compare (DataFusion's comparison of Arrow arrays): floats by
/// Arrow's total order (a NaN is above +inf, a NaN with its sign bit set
/// below -inf), except that -0.0 equals 0.0. So `x.between(lo, hi)` is
/// `(x >= lo) & (x <= hi)`, as in Daft (whose `between` is total-order too).
fn compare(a: &ArrayRef, b: &ArrayRef, ge: bool) -> DaftResult<BooleanArray> {
    fn total<T: ArrowPrimitiveType>(a: &ArrayRef, b: &ArrayRef, ge: bool) -> BooleanArray
    where
        T::Native: num_traits::Float,
    {
        use num_traits::Zero;
        // `v + 0.0` turns -0.0 into 0.0 and keeps every other value
        // (a NaN keeps its sign); then Arrow's total order.
        let key = |v: T::Native| v + T::Native::zero();
        let (a, b) = (a.as_primitive::<T>(), b.as_primitive::<T>());
        BooleanArray::from_binary(a, b, |x, y| {
            let o = arrow::array::ArrowNativeTypeOp::compare(key(x), key(y));
            if ge {
                o.is_ge()
            } else {
                o.is_le()
            }
        })
    }
    Ok(match a.data_type() {
        DataType::Float16 => total::<Float16Type>(a, b, ge),
        DataType::Float32 => total::<Float32Type>(a, b, ge),
        DataType::Float64 => total::<Float64Type>(a, b, ge),
        _ if ge => gt_eq(a, b)?,
        _ => lt_eq(a, b)?,
    })
}

fn between_def() -> FunctionDef {
    function(
        "between",
        r#"
Checks whether each value lies between two bounds, both inclusive.

All three arguments are cast to their common type. As in SQL, the result is
false when one comparison is false even if the other bound is null, and
null when it depends on a null.

Args:
    expr: An expression of any ordered type.
    lower: The lower bound (inclusive).
    upper: The upper bound (inclusive).

Returns:
    Expression: A Boolean expression, `lower <= expr <= upper`.

Example:
    >>> df = daft.from_pydict({"x": [1, 5, 10, None]})
    >>> df.select(daft.functions.between(daft.col("x"), daft.lit(2), daft.lit(10)))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::expr("lower", TypeClass::Any),
            Param::expr("upper", TypeClass::Any),
        ],
        |args, _| {
            common_type(args, &["expr".into(), "lower".into(), "upper".into()])?;
            Ok(DataType::Boolean)
        },
        |args, _, n| {
            let dt = common_of(args, &["expr".into(), "lower".into(), "upper".into()])?;
            if dt == DataType::Null {
                return Ok(Arc::new(BooleanArray::new_null(n)));
            }
            let x = cast_to(&args[0], &dt)?;
            let ge = compare(&x, &cast_to(&args[1], &dt)?, true)?;
            let le = compare(&x, &cast_to(&args[2], &dt)?, false)?;
            Ok(Arc::new(and_kleene(&ge, &le)?) as ArrayRef)
        },
    )
}
inventory::submit! { BuiltinFunction(between_def) }

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int32Array, Int64Array, StringArray,
    };

    use crate::util::testing::run;

    #[test]
    fn if_else_null_predicate_gives_null() {
        let p: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)]));
        let t: ArrayRef = Arc::new(Int32Array::from(vec![1, 1, 1]));
        let f: ArrayRef = Arc::new(Int64Array::from(vec![Some(2), Some(2), None]));
        let out = run("if_else", &[p, t, f], &[]);
        assert_eq!(
            out.as_ref(),
            &Int64Array::from(vec![Some(1), None, None]) as &dyn Array
        );
    }

    #[test]
    fn is_in_with_no_items_matches_nothing() {
        let x: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(3)]));
        let out = run("is_in", &[x], &[]);
        assert_eq!(
            out.as_ref(),
            &BooleanArray::from(vec![Some(false), None, Some(false)]) as &dyn Array
        );
    }

    #[test]
    fn is_in_ignores_null_items_and_keeps_null_input() {
        let x: ArrayRef = Arc::new(StringArray::from(vec![
            Some("z"),
            Some("a"),
            Some("b"),
            None,
            Some("c"),
            Some("q"),
        ]));
        let a: ArrayRef = Arc::new(StringArray::from(vec!["a"; 6]));
        let null_item: ArrayRef = Arc::new(StringArray::from(vec![None::<&str>; 6]));
        let out = run(
            "is_in",
            &[x.slice(1, 4), a.slice(1, 4), null_item.slice(1, 4)],
            &[],
        );
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![Some(true), Some(false), None, Some(false)])
        );
    }

    #[test]
    fn between_with_a_nan_bound_compares_as_the_operators_do() {
        // `x <= NaN` is true for every number (NaN is above +inf, as in
        // `col("x") <= lit(float("nan"))`); a NaN with its sign bit set is
        // below -inf; -0.0 equals 0.0.
        let x: ArrayRef = Arc::new(Float64Array::from(vec![
            1.0,
            f64::INFINITY,
            f64::NAN,
            -0.0,
            1.0,
        ]));
        let lo: ArrayRef = Arc::new(Float64Array::from(vec![0.0, 0.0, 0.0, 0.0, -f64::NAN]));
        let hi: ArrayRef = Arc::new(Float64Array::from(vec![f64::NAN; 5]));
        let out = run("between", &[x, lo, hi], &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![true, true, true, true, true])
        );
    }

    #[test]
    fn between_is_inclusive_with_sql_null_logic_and_ieee_floats() {
        let x: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(1.0),
            Some(2.0),
            Some(-0.0),
            Some(f64::NAN),
            None,
            Some(5.0),
        ]));
        let lo: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(2.0),
            Some(2.0),
            Some(0.0),
            Some(0.0),
            Some(0.0),
            None,
        ]));
        let hi: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(3.0),
            None,
            Some(1.0),
            Some(f64::INFINITY),
            Some(1.0),
            Some(4.0),
        ]));
        let out = run("between", &[x, lo, hi], &[]);
        assert_eq!(
            out.as_boolean(),
            &BooleanArray::from(vec![
                Some(false),
                None,
                Some(true),
                Some(false),
                None,
                Some(false),
            ])
        );
    }
}
