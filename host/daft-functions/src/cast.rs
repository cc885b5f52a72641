//! Type conversion, to Arrow types and to Daft's logical types.

use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::compute::{can_cast_types, cast_with_options, CastOptions};
use arrow::datatypes::Field;
use daft_core::logical::{logical_kind, LogicalKind};
use daft_core::options::FunctionOptions;
use daft_core::registry::{
    BuiltinFunction, FunctionDef, OptionKind, Param, Provider, ScalarFunction,
};
use daft_core::types::{display_type, TypeClass, EXTENSION_METADATA_KEY, EXTENSION_NAME_KEY};
use daft_core::{DaftError, DaftResult};

const DOC: &str = r#"
Converts each value to another data type.

Uses Arrow's cast in safe mode: a value that cannot be represented in the
target type (an unparsable string, an out-of-range number) becomes null
instead of failing the query. Casting between types that have no conversion
at all is an error when the expression is built.

A Daft logical type is reached through its storage: a list of numbers casts
to an embedding or a fixed-shape tensor of as many numbers (a row of another
length becomes null), a fixed-size binary of 16 bytes to a UUID, and a logical
type casts to anything its storage casts to (an embedding to a list). Python
objects can be neither cast from nor to: build them with
`daft.Series.from_pylist(..., dtype=daft.DataType.python())`.

Args:
    expr: An expression of any type.
    dtype: The target data type.

Returns:
    Expression: The converted values, of type `dtype`; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["1", "2", "x", None]})
    >>> df.select(daft.functions.cast(daft.col("s"), dtype=daft.DataType.int64()))
"#;

/// The logical type a field carries, if any.
fn kind_of(field: &Field) -> Option<LogicalKind> {
    let meta = field.metadata();
    meta.get(EXTENSION_NAME_KEY)
        .and_then(|n| logical_kind(n, meta.get(EXTENSION_METADATA_KEY).map(String::as_str)))
}

struct Cast;

impl Cast {
    fn target(opts: &FunctionOptions) -> DaftResult<&Field> {
        opts.type_field("dtype")
            .ok_or_else(|| DaftError::type_error("option `dtype` must be a DataType"))
    }
}

impl ScalarFunction for Cast {
    fn return_field(&self, args: &[Field], opts: &FunctionOptions) -> DaftResult<Field> {
        let to = Cast::target(opts)?;
        let from = &args[0];
        let refuse = |why: &str| {
            DaftError::type_error(format!(
                "argument `expr` has type {}, which cannot be cast to {}{why}",
                display_type(from),
                display_type(to)
            ))
        };
        if kind_of(from) == Some(LogicalKind::Python) || kind_of(to) == Some(LogicalKind::Python) {
            return Err(refuse(
                ": Python objects are opaque to the engine; convert them in Python",
            ));
        }
        // A logical type is cast through its storage, then carries its metadata.
        if !can_cast_types(from.data_type(), to.data_type()) {
            return Err(refuse(""));
        }
        Ok(Field::new("", to.data_type().clone(), true).with_metadata(to.metadata().clone()))
    }

    fn call(&self, args: &[ArrayRef], opts: &FunctionOptions, _: usize) -> DaftResult<ArrayRef> {
        let to = Cast::target(opts)?;
        let options = CastOptions {
            safe: true,
            ..Default::default()
        };
        cast_with_options(&args[0], to.data_type(), &options).map_err(|e| {
            DaftError::compute(format!(
                "cast: from {} to {} failed: {e}",
                daft_core::types::display_data_type(args[0].data_type()),
                display_type(to)
            ))
        })
    }
}

fn cast_def() -> FunctionDef {
    FunctionDef {
        name: "cast".into(),
        provider: Provider::Builtin,
        doc: DOC.trim().to_string(),
        params: vec![
            Param::expr("expr", TypeClass::Any),
            Param::required_option("dtype", OptionKind::DataType),
        ],
        implementation: Arc::new(Cast),
    }
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
            &[("dtype", OptionValue::data_type(DataType::Int64))],
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
            &[("dtype", OptionValue::data_type(to))],
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
