//! Type conversion, to Arrow types and to Daft's logical types.

use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::compute::{can_cast_types, cast_with_options, CastOptions};
use arrow::datatypes::Field;
use daft_core::logical::LogicalKind;
use daft_core::options::FunctionOptions;
use daft_core::registry::{
    BuiltinFunction, FunctionDef, Implementation, OptionKind, Param, Provider, ScalarFunction,
};
use daft_core::types::{display_type, TypeClass};
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
type casts to anything its storage casts to (an embedding to a list). A
tensor casts to a fixed-shape tensor (a row of another shape becomes null)
and back. Python objects can be neither cast from nor to in a query: build
them with `daft.Series.from_pylist(..., dtype=daft.DataType.python())`.

Args:
    expr: An expression of any type.
    dtype: The target data type.

Returns:
    Expression: The converted values, of type `dtype`; null stays null.

Example:
    >>> df = daft.from_pydict({"s": ["1", "2", "x", None]})
    >>> df.select(daft.functions.cast(daft.col("s"), dtype=daft.DataType.int64()))
"#;

use daft_core::logical::field_kind as kind_of;

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
        let between_tensors = matches!(
            (kind_of(from), kind_of(to)),
            (
                Some(LogicalKind::Tensor),
                Some(LogicalKind::FixedShapeTensor(_))
            ) | (
                Some(LogicalKind::FixedShapeTensor(_)),
                Some(LogicalKind::Tensor)
            )
        );
        // A logical type is cast through its storage, then carries its metadata.
        if !between_tensors && !can_cast_types(from.data_type(), to.data_type()) {
            return Err(refuse(""));
        }
        Ok(Field::new("", to.data_type().clone(), true).with_metadata(to.metadata().clone()))
    }

    fn call_with_fields(
        &self,
        args: &[ArrayRef],
        fields: &[Field],
        opts: &FunctionOptions,
        rows: usize,
    ) -> DaftResult<ArrayRef> {
        let to = Cast::target(opts)?;
        match (fields.first().and_then(kind_of), kind_of(to)) {
            (Some(LogicalKind::Tensor), Some(LogicalKind::FixedShapeTensor(shape))) => {
                tensors::to_fixed_shape(&args[0], &shape, to.data_type())
            }
            (Some(LogicalKind::FixedShapeTensor(shape)), Some(LogicalKind::Tensor)) => {
                tensors::to_variable_shape(&args[0], &shape, to.data_type())
            }
            _ => self.call(args, opts, rows),
        }
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

/// Casts between the two tensor layouts: a shape per row (`struct<data,
/// shape>`) and one shape for the column (`fixed_size_list`).
mod tensors {
    use std::sync::Arc;

    use arrow::array::{
        new_null_array, Array, ArrayRef, AsArray, FixedSizeListArray, LargeListArray, StructArray,
        UInt64Array,
    };
    use arrow::buffer::{NullBuffer, OffsetBuffer};
    use arrow::compute::{cast, concat};
    use arrow::datatypes::{DataType, UInt64Type};
    use daft_core::{DaftError, DaftResult};

    fn internal(what: &str) -> DaftError {
        DaftError::Internal(format!("cast: a tensor's storage is not {what}"))
    }

    /// Rows whose shape is `shape` keep their data; a row of another shape
    /// becomes null, as any value a cast cannot represent.
    pub fn to_fixed_shape(arr: &ArrayRef, shape: &[u64], to: &DataType) -> DaftResult<ArrayRef> {
        let DataType::FixedSizeList(item, size) = to else {
            return Err(internal("a fixed-size list"));
        };
        let s = arr.as_struct_opt().ok_or_else(|| internal("a struct"))?;
        let data = s
            .column_by_name("data")
            .ok_or_else(|| internal("with data"))?;
        let shapes = s
            .column_by_name("shape")
            .ok_or_else(|| internal("with shape"))?;
        let (data, shapes) = (data.as_list::<i64>(), shapes.as_list::<i64>());
        let mut parts: Vec<ArrayRef> = Vec::with_capacity(arr.len());
        let mut valid = Vec::with_capacity(arr.len());
        for row in 0..arr.len() {
            let fits = arr.is_valid(row)
                && shapes.is_valid(row)
                && shapes.value(row).as_primitive::<UInt64Type>().values() == shape;
            valid.push(fits);
            parts.push(if fits {
                cast(&data.value(row), item.data_type())?
            } else {
                new_null_array(item.data_type(), *size as usize)
            });
        }
        let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
        let values = if refs.is_empty() {
            new_null_array(item.data_type(), 0)
        } else {
            concat(&refs)?
        };
        let out = FixedSizeListArray::try_new(
            item.clone(),
            *size,
            values,
            Some(NullBuffer::from(valid)),
        )?;
        Ok(Arc::new(out))
    }

    /// Every row gets the column's shape.
    pub fn to_variable_shape(arr: &ArrayRef, shape: &[u64], to: &DataType) -> DaftResult<ArrayRef> {
        let DataType::Struct(fields) = to else {
            return Err(internal("a struct"));
        };
        let list = arr
            .as_fixed_size_list_opt()
            .ok_or_else(|| internal("a fixed-size list"))?;
        let size = list.value_length() as usize;
        // A sliced FixedSizeListArray holds its values already sliced (offset 0).
        let values = list.values().slice(0, list.len() * size);
        let (DataType::LargeList(data_item), DataType::LargeList(shape_item)) =
            (fields[0].data_type(), fields[1].data_type())
        else {
            return Err(internal("two large lists"));
        };
        let data = LargeListArray::try_new(
            data_item.clone(),
            OffsetBuffer::from_lengths(std::iter::repeat_n(size, list.len())),
            cast(&values, data_item.data_type())?,
            list.nulls().cloned(),
        )?;
        let dims: ArrayRef = Arc::new(UInt64Array::from_iter_values(
            (0..list.len()).flat_map(|_| shape.iter().copied()),
        ));
        let shapes = LargeListArray::try_new(
            shape_item.clone(),
            OffsetBuffer::from_lengths(std::iter::repeat_n(shape.len(), list.len())),
            dims,
            list.nulls().cloned(),
        )?;
        let out = StructArray::try_new(
            fields.clone(),
            vec![Arc::new(data), Arc::new(shapes)],
            list.nulls().cloned(),
        )?;
        Ok(Arc::new(out))
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
        implementation: Implementation::Scalar(Arc::new(Cast)),
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

    #[test]
    fn a_sliced_fixed_shape_tensor_becomes_per_row_tensors_of_its_own_rows() {
        use arrow::array::{AsArray, FixedSizeListArray, Int64Array};
        use arrow::datatypes::{Field, Fields, Int64Type, UInt64Type};

        let item = Arc::new(Field::new("item", DataType::Int64, true));
        let values = Arc::new(Int64Array::from((0..6).collect::<Vec<i64>>()));
        let fixed = FixedSizeListArray::try_new(item.clone(), 2, values, None).unwrap();
        let sliced: ArrayRef = Arc::new(fixed.slice(1, 2));
        let large = |dt| DataType::LargeList(Arc::new(Field::new("item", dt, true)));
        let to = DataType::Struct(Fields::from(vec![
            Field::new("data", large(DataType::Int64), true),
            Field::new("shape", large(DataType::UInt64), true),
        ]));
        let out = super::tensors::to_variable_shape(&sliced, &[2], &to).unwrap();
        let s = out.as_struct();
        let data = s.column(0).as_list::<i64>();
        let row = |i: usize| data.value(i).as_primitive::<Int64Type>().values().to_vec();
        assert_eq!((row(0), row(1)), (vec![2, 3], vec![4, 5]));
        let shapes = s.column(1).as_list::<i64>();
        assert_eq!(
            shapes
                .value(1)
                .as_primitive::<UInt64Type>()
                .values()
                .to_vec(),
            vec![2]
        );
        let back =
            super::tensors::to_fixed_shape(&out, &[2], &DataType::FixedSizeList(item, 2)).unwrap();
        assert_eq!(
            back.as_fixed_size_list()
                .value(0)
                .as_primitive::<Int64Type>()
                .values()
                .to_vec(),
            vec![2, 3]
        );
    }
}
