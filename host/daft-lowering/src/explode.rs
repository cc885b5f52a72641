//! `explode` lowered to DataFusion's unnest.
//!
//! DataFusion's `PreserveAndExpandEmpty` null handling is Daft's: a null or
//! empty list gives one row of nulls (`Drop` for `ignore_empty_and_null`).
//! The index column is unnested alongside the lists: a list of positions
//! `[0, 1, ..., len - 1]` per row ([`ListPositions`]), so each element's
//! row gets its position and a null or empty list's row a null.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, ListArray, UInt64Array};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field};
use datafusion::common::{
    Column, DataFusionError, NullHandling, Result as DfResult, UnnestOptions,
};
use datafusion::logical_expr::{
    ColumnarValue, Expr as DfExpr, LogicalPlanBuilder, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};

use daft_core::DaftResult;

use crate::error::from_df;
use crate::expr::column;

/// `[0, 1, ..., len - 1]` for each list (null for a null list).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ListPositions {
    signature: Signature,
}

impl ListPositions {
    pub(crate) fn new() -> Self {
        ListPositions {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

fn item_field() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::UInt64, true))
}

impl ScalarUDFImpl for ListPositions {
    fn name(&self) -> &str {
        "daft_list_positions"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::List(item_field()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let [arg] = args.args.as_slice() else {
            return Err(DataFusionError::Internal(
                "daft_list_positions takes one argument".into(),
            ));
        };
        let list = arg.to_array(args.number_rows)?;
        let list: ArrayRef = match list.data_type() {
            DataType::List(_) => list,
            DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                arrow::compute::cast(&list, &DataType::List(f.clone()))?
            }
            other => {
                return Err(DataFusionError::Internal(format!(
                    "daft_list_positions of {other}"
                )))
            }
        };
        let list = list.as_list::<i32>();
        let mut lengths = Vec::with_capacity(list.len());
        let mut values = Vec::new();
        for i in 0..list.len() {
            let n = if list.is_null(i) {
                0
            } else {
                list.value_length(i) as usize
            };
            lengths.push(n);
            values.extend(0..n as u64);
        }
        let out = ListArray::try_new(
            item_field(),
            OffsetBuffer::from_lengths(lengths),
            Arc::new(UInt64Array::from(values)),
            list.nulls().cloned(),
        )?;
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// Unnests `columns` of `b` (plus an index column named `index`).
pub fn lower_explode(
    b: LogicalPlanBuilder,
    columns: &[String],
    index: Option<&str>,
    ignore_empty_and_null: bool,
) -> DaftResult<LogicalPlanBuilder> {
    let mut unnest: Vec<Column> = columns.iter().map(Column::new_unqualified).collect();
    let b = match index {
        None => b,
        Some(ix) => {
            let positions =
                ScalarUDF::new_from_impl(ListPositions::new()).call(vec![column(&columns[0])]);
            let mut exprs: Vec<DfExpr> = b
                .schema()
                .columns()
                .into_iter()
                .map(DfExpr::Column)
                .collect();
            exprs.push(positions.alias(ix));
            unnest.push(Column::new_unqualified(ix));
            b.project(exprs).map_err(from_df)?
        }
    };
    let handling = if ignore_empty_and_null {
        NullHandling::Drop
    } else {
        NullHandling::PreserveAndExpandEmpty
    };
    b.unnest_columns_with_options(unnest, UnnestOptions::new().with_null_handling(handling))
        .map_err(from_df)
}
