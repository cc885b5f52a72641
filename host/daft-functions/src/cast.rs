//! Type conversion.

use arrow::compute::{can_cast_types, cast_with_options, CastOptions};
use arrow::datatypes::DataType;
use daft_core::options::FunctionOptions;
use daft_core::registry::{BuiltinFunction, FunctionDef, OptionKind, Param};
use daft_core::types::{display_data_type, TypeClass};
use daft_core::{DaftError, DaftResult};

use crate::util::function;

fn target(opts: &FunctionOptions) -> DaftResult<&DataType> {
    opts.data_type("dtype")
        .ok_or_else(|| DaftError::type_error("option `dtype` must be a DataType"))
}

fn cast_def() -> FunctionDef {
    function(
        "cast",
        r#"
Converts each value to another data type.

Uses Arrow's cast in safe mode: a value that cannot be represented in the
target type (an unparsable string, an out-of-range number) becomes null
instead of failing the query. Casting between types that have no conversion
at all is an error when the expression is built.

Args:
    expr: An expression of any type.
    dtype: The target data type.

Returns:
    Expression: The converted values, of type `dtype`; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["1", "2", "x", None]})
    >>> df.select(daft.functions.cast(daft.col("s"), dtype=daft.DataType.int64()))
"#,
        vec![
            Param::expr("expr", TypeClass::Any),
            Param::required_option("dtype", OptionKind::DataType),
        ],
        |args, opts| {
            let to = target(opts)?;
            let from = args[0].data_type();
            if !can_cast_types(from, to) {
                return Err(DaftError::type_error(format!(
                    "argument `expr` has type {}, which cannot be cast to {}",
                    display_data_type(from),
                    display_data_type(to)
                )));
            }
            Ok(to.clone())
        },
        |args, opts, _| {
            let to = target(opts)?;
            let options = CastOptions {
                safe: true,
                ..Default::default()
            };
            cast_with_options(&args[0], to, &options).map_err(|e| {
                DaftError::compute(format!(
                    "cast: from {} to {} failed: {e}",
                    display_data_type(args[0].data_type()),
                    display_data_type(to)
                ))
            })
        },
    )
}
inventory::submit! { BuiltinFunction(cast_def) }

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, Int64Array, StringArray};
    use arrow::datatypes::DataType;
    use daft_core::options::OptionValue;
    use daft_core::DaftError;

    use crate::util::testing::{eval, run};

    #[test]
    fn cast_is_safe_and_turns_bad_values_into_nulls() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![
            Some("9"),
            Some("1"),
            Some("x"),
            None,
            Some("42"),
        ]));
        let out = run(
            "cast",
            &[a.slice(1, 4)],
            &[("dtype", OptionValue::DataType(DataType::Int64))],
        );
        assert_eq!(
            out.as_ref(),
            &Int64Array::from(vec![Some(1), None, None, Some(42)]) as &dyn Array
        );
    }

    #[test]
    fn impossible_cast_is_a_type_error_naming_both_types() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![1]));
        let to =
            DataType::Struct(vec![arrow::datatypes::Field::new("a", DataType::Int64, true)].into());
        let err = eval(
            "cast",
            std::slice::from_ref(&a),
            &[("dtype", OptionValue::DataType(to))],
        )
        .unwrap_err();
        assert!(matches!(err, DaftError::TypeError(_)));
        assert!(
            err.to_string().contains("Int64") && err.to_string().contains("cast"),
            "{err}"
        );
        let err = eval("cast", &[a], &[]).unwrap_err();
        assert!(err.to_string().contains("dtype"), "{err}");
    }
}
