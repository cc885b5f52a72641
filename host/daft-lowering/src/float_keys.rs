//! Float values as keys: every NaN one value, -0.0 the same as 0.0.
//!
//! DataFusion hashes and compares float keys by their bits, so NaN and
//! -NaN (or NaNs with other payloads) form separate groups, as do 0.0 and
//! -0.0, and `count_distinct` counts them apart; real Daft does the same.
//! DuckDB and Polars treat each pair as one value, which is what a user
//! grouping measurements means. Keys of grouping, `distinct`,
//! `count_distinct`, `agg_set`, joins, set operations and window partitions
//! are therefore passed through [`canonical_key`] first; the kept key of a
//! group is the canonical value (`NaN`, `0.0`).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float32Type, Float64Type};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr as DfExpr, LogicalPlanBuilder, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use daft_core::DaftResult;

use crate::error::from_df;

/// `e` (of type `dt`) with its NaNs made one NaN and -0.0 made 0.0 when
/// `dt` is a float type; `e` itself otherwise.
pub fn canonical_key(e: DfExpr, dt: &DataType) -> DfExpr {
    if matches!(dt, DataType::Float32 | DataType::Float64) {
        ScalarUDF::new_from_impl(CanonicalFloat::new()).call(vec![e])
    } else {
        e
    }
}

/// `b` with each float column passed through [`canonical_key`] under its
/// own name; `b` unchanged when it has none.
pub fn canonical_columns(b: LogicalPlanBuilder) -> DaftResult<LogicalPlanBuilder> {
    let schema = b.schema().clone();
    if !schema
        .fields()
        .iter()
        .any(|f| matches!(f.data_type(), DataType::Float32 | DataType::Float64))
    {
        return Ok(b);
    }
    let exprs = schema
        .columns()
        .into_iter()
        .zip(schema.fields())
        .map(|(c, f)| {
            let e = DfExpr::Column(c);
            match f.data_type() {
                DataType::Float32 | DataType::Float64 => {
                    canonical_key(e, f.data_type()).alias(f.name())
                }
                _ => e,
            }
        })
        .collect::<Vec<_>>();
    b.project(exprs).map_err(from_df)
}

/// The canonicalizing function, as a DataFusion UDF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct CanonicalFloat {
    signature: Signature,
}

impl CanonicalFloat {
    pub(crate) fn new() -> Self {
        CanonicalFloat {
            signature: Signature::new(
                TypeSignature::Uniform(1, vec![DataType::Float32, DataType::Float64]),
                Volatility::Immutable,
            ),
        }
    }
}

/// Canonical floats of `a`: `v + 0.0` turns -0.0 into 0.0 and leaves
/// every other number as it is.
fn canonical(a: &ArrayRef) -> ArrayRef {
    match a.data_type() {
        DataType::Float32 => Arc::new(
            a.as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(|v| if v.is_nan() { f32::NAN } else { v + 0.0 }),
        ),
        _ => Arc::new(
            a.as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(|v| if v.is_nan() { f64::NAN } else { v + 0.0 }),
        ),
    }
}

impl ScalarUDFImpl for CanonicalFloat {
    fn name(&self) -> &str {
        "daft_canonical_float"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> DfResult<DataType> {
        Ok(args[0].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        Ok(match &args.args[0] {
            ColumnarValue::Array(a) => ColumnarValue::Array(canonical(a)),
            ColumnarValue::Scalar(s) => {
                let a = canonical(&s.to_array()?);
                ColumnarValue::Scalar(ScalarValue::try_from_array(&a, 0)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Float64Array;

    #[test]
    fn nans_become_one_bit_pattern_and_negative_zero_becomes_zero() {
        let neg_nan = f64::from_bits(f64::NAN.to_bits() | (1 << 63));
        let a: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(neg_nan),
            Some(f64::NAN),
            Some(-0.0),
            Some(0.0),
            None,
            Some(-1.5),
        ]));
        let out = canonical(&a);
        let out = out.as_primitive::<Float64Type>();
        assert_eq!(out.value(0).to_bits(), f64::NAN.to_bits());
        assert_eq!(out.value(1).to_bits(), f64::NAN.to_bits());
        assert_eq!(out.value(2).to_bits(), 0.0f64.to_bits());
        assert_eq!(out.value(3).to_bits(), 0.0f64.to_bits());
        assert!(out.is_null(4));
        assert_eq!(out.value(5), -1.5);
    }
}
