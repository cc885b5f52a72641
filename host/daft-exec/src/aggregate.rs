//! Hash grouping, distinct and aggregations.
//!
//! Rows are numbered by group with a hash table over Arrow's row format
//! (`arrow-row`), which handles every key type, nulls included, in one code
//! path. A counting sort then lays each group's rows out contiguously, so
//! every aggregation is an arrow kernel over a zero-copy slice per group.

use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, BooleanArray, ListArray, PrimitiveArray, StringArray,
    UInt32Array, UInt64Array,
};
use arrow::buffer::OffsetBuffer;
use arrow::compute::{cast, take};
use arrow::datatypes::{ArrowNumericType, DataType, Field, SchemaRef};
use arrow::record_batch::RecordBatch;
use arrow_row::{RowConverter, SortField};
use hashbrown::{HashMap, HashSet};

use daft_core::{DaftError, DaftResult};
use daft_dsl::{AggKind, CountMode, Expr};

/// Rows grouped by key: `perm` lists row indices group by group, group `g`
/// owning `perm[offsets[g]..offsets[g + 1]]`; `firsts[g]` is its first row.
struct Groups {
    perm: UInt32Array,
    offsets: Vec<usize>,
    firsts: Vec<u32>,
}

impl Groups {
    fn len(&self) -> usize {
        self.firsts.len()
    }

    fn range(&self, g: usize) -> (usize, usize) {
        (self.offsets[g], self.offsets[g + 1] - self.offsets[g])
    }
}

fn group_rows(keys: &[ArrayRef], num_rows: usize) -> DaftResult<Groups> {
    if keys.is_empty() {
        // One group of every row, even when there are none (a global agg).
        return Ok(Groups {
            perm: UInt32Array::from_iter_values(0..num_rows as u32),
            offsets: vec![0, num_rows],
            firsts: vec![0],
        });
    }
    let converter = RowConverter::new(
        keys.iter()
            .map(|k| SortField::new(k.data_type().clone()))
            .collect(),
    )?;
    let rows = converter.convert_columns(keys)?;
    let mut table: HashMap<arrow_row::Row<'_>, u32> = HashMap::new();
    let mut ids = Vec::with_capacity(num_rows);
    let mut firsts = Vec::new();
    for i in 0..num_rows {
        let next = firsts.len() as u32;
        let id = *table.entry(rows.row(i)).or_insert_with(|| {
            firsts.push(i as u32);
            next
        });
        ids.push(id);
    }
    let mut offsets = vec![0usize; firsts.len() + 1];
    for &g in &ids {
        offsets[g as usize + 1] += 1;
    }
    for g in 0..firsts.len() {
        offsets[g + 1] += offsets[g];
    }
    let mut cursor = offsets.clone();
    let mut perm = vec![0u32; num_rows];
    for (i, &g) in ids.iter().enumerate() {
        perm[cursor[g as usize]] = i as u32;
        cursor[g as usize] += 1;
    }
    Ok(Groups {
        perm: UInt32Array::from(perm),
        offsets,
        firsts,
    })
}

/// The distinct rows of `batch`, in order of first appearance.
pub fn distinct(batch: &RecordBatch) -> DaftResult<RecordBatch> {
    let groups = group_rows(batch.columns(), batch.num_rows())?;
    if batch.num_columns() == 0 {
        return Ok(batch.clone());
    }
    let firsts = UInt32Array::from(groups.firsts);
    let columns = batch
        .columns()
        .iter()
        .map(|c| Ok(take(c.as_ref(), &firsts, None)?))
        .collect::<DaftResult<Vec<_>>>()?;
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// Groups `batch` by `group_by` and computes `aggs`, giving one row per group
/// (one row in all when there are no keys).
pub fn aggregate(
    batch: &RecordBatch,
    aggs: &[Expr],
    group_by: &[Expr],
    schema: &SchemaRef,
) -> DaftResult<RecordBatch> {
    let keys = group_by
        .iter()
        .map(|k| k.eval(batch))
        .collect::<DaftResult<Vec<_>>>()?;
    let groups = group_rows(&keys, batch.num_rows())?;
    let no_rows_with_keys = !keys.is_empty() && batch.num_rows() == 0;
    let mut columns = Vec::with_capacity(schema.fields().len());
    let firsts = UInt32Array::from(groups.firsts.clone());
    for k in &keys {
        columns.push(take(k.as_ref(), &firsts, None)?);
    }
    for (agg, field) in aggs.iter().zip(schema.fields().iter().skip(keys.len())) {
        let (kind, input) = match agg {
            Expr::Alias(e, _) => match e.as_ref() {
                Expr::Agg { kind, expr } => (*kind, expr),
                _ => return Err(DaftError::Internal(format!("not an aggregation: {agg}"))),
            },
            Expr::Agg { kind, expr } => (*kind, expr),
            _ => return Err(DaftError::Internal(format!("not an aggregation: {agg}"))),
        };
        let values = input.eval(batch)?;
        let sorted = take(values.as_ref(), &groups.perm, None)?;
        let out = if no_rows_with_keys {
            new_null_array(field.data_type(), 0)
        } else {
            aggregate_column(kind, &sorted, &groups, field)
                .map_err(|e| e.context(format!("{}({})", kind.name(), input)))?
        };
        columns.push(out);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

fn aggregate_column(
    kind: AggKind,
    sorted: &ArrayRef,
    groups: &Groups,
    out: &Field,
) -> DaftResult<ArrayRef> {
    let n = groups.len();
    match kind {
        AggKind::Count(mode) => {
            let counts = (0..n).map(|g| {
                let (off, len) = groups.range(g);
                let nulls = sorted.slice(off, len).logical_null_count();
                (match mode {
                    CountMode::Valid => len - nulls,
                    CountMode::Null => nulls,
                    CountMode::All => len,
                }) as u64
            });
            Ok(Arc::new(UInt64Array::from_iter_values(counts)))
        }
        AggKind::Sum | AggKind::Min | AggKind::Max => {
            let input = cast(sorted, out.data_type())?;
            reduce(kind, &input, groups)
        }
        AggKind::Mean => {
            let input = cast(sorted, &DataType::Float64)?;
            let sums = reduce(AggKind::Sum, &input, groups)?;
            let sums = sums
                .as_any()
                .downcast_ref::<PrimitiveArray<arrow::datatypes::Float64Type>>()
                .ok_or_else(|| DaftError::Internal("mean: sums are not Float64".into()))?;
            let means = (0..n).map(|g| {
                let (off, len) = groups.range(g);
                let valid = len - input.slice(off, len).logical_null_count();
                (valid > 0 && sums.is_valid(g)).then(|| sums.value(g) / valid as f64)
            });
            Ok(Arc::new(
                means.collect::<PrimitiveArray<arrow::datatypes::Float64Type>>(),
            ))
        }
        AggKind::CountDistinct => {
            let converter = RowConverter::new(vec![SortField::new(sorted.data_type().clone())])?;
            let rows = converter.convert_columns(std::slice::from_ref(sorted))?;
            // Logical nulls: a Null-typed array has no validity buffer, so
            // `is_valid` would call its nulls valid.
            let nulls = sorted.logical_nulls();
            let is_valid = |i: usize| nulls.as_ref().is_none_or(|n| n.is_valid(i));
            let counts = (0..n).map(|g| {
                let (off, len) = groups.range(g);
                let mut seen = HashSet::new();
                for i in off..off + len {
                    if is_valid(i) {
                        seen.insert(rows.row(i));
                    }
                }
                seen.len() as u64
            });
            Ok(Arc::new(UInt64Array::from_iter_values(counts)))
        }
        AggKind::AnyValue => {
            let nulls = sorted.logical_nulls();
            let picks: UInt32Array = (0..n)
                .map(|g| {
                    let (off, len) = groups.range(g);
                    (off..off + len)
                        .find(|&i| nulls.as_ref().is_none_or(|n| n.is_valid(i)))
                        .map(|i| i as u32)
                })
                .collect();
            Ok(take(sorted.as_ref(), &picks, None)?)
        }
        AggKind::ListAgg => {
            let item = match out.data_type() {
                DataType::List(f) => f.clone(),
                other => return Err(DaftError::Internal(format!("list_agg output type {other}"))),
            };
            let offsets: Vec<i32> = groups.offsets.iter().map(|&o| o as i32).collect();
            Ok(Arc::new(ListArray::try_new(
                item,
                OffsetBuffer::new(offsets.into()),
                sorted.clone(),
                None,
            )?))
        }
    }
}

/// Sum, min or max of each group's slice with arrow's aggregate kernels.
fn reduce(kind: AggKind, input: &ArrayRef, groups: &Groups) -> DaftResult<ArrayRef> {
    use arrow::datatypes::*;
    let slices: Vec<ArrayRef> = (0..groups.len())
        .map(|g| {
            let (off, len) = groups.range(g);
            input.slice(off, len)
        })
        .collect();
    Ok(match input.data_type() {
        DataType::Int8 => reduce_prim::<Int8Type>(kind, &slices),
        DataType::Int16 => reduce_prim::<Int16Type>(kind, &slices),
        DataType::Int32 => reduce_prim::<Int32Type>(kind, &slices),
        DataType::Int64 => reduce_prim::<Int64Type>(kind, &slices),
        DataType::UInt8 => reduce_prim::<UInt8Type>(kind, &slices),
        DataType::UInt16 => reduce_prim::<UInt16Type>(kind, &slices),
        DataType::UInt32 => reduce_prim::<UInt32Type>(kind, &slices),
        DataType::UInt64 => reduce_prim::<UInt64Type>(kind, &slices),
        DataType::Float32 => reduce_prim::<Float32Type>(kind, &slices),
        DataType::Float64 => reduce_prim::<Float64Type>(kind, &slices),
        DataType::Utf8 => {
            let out: StringArray = slices
                .iter()
                .map(|s| {
                    let s = s.as_any().downcast_ref::<StringArray>()?;
                    match kind {
                        AggKind::Min => arrow::compute::min_string(s),
                        _ => arrow::compute::max_string(s),
                    }
                    .map(str::to_owned)
                })
                .collect();
            Arc::new(out)
        }
        DataType::Boolean => {
            let out: BooleanArray = slices
                .iter()
                .map(|s| {
                    let s = s.as_any().downcast_ref::<BooleanArray>()?;
                    match kind {
                        AggKind::Min => arrow::compute::min_boolean(s),
                        _ => arrow::compute::max_boolean(s),
                    }
                })
                .collect();
            Arc::new(out)
        }
        DataType::Null => new_null_array(&DataType::Null, groups.len()),
        _ => reduce_by_sorting(kind, slices)?,
    })
}

fn reduce_prim<T: ArrowNumericType>(kind: AggKind, slices: &[ArrayRef]) -> ArrayRef {
    let out: PrimitiveArray<T> = slices
        .iter()
        .map(|s| {
            let s = s.as_any().downcast_ref::<PrimitiveArray<T>>()?;
            match kind {
                AggKind::Sum => arrow::compute::sum(s),
                AggKind::Min => arrow::compute::min(s),
                _ => arrow::compute::max(s),
            }
        })
        .collect();
    Arc::new(out)
}

/// Min/max of types without a dedicated kernel (dates, timestamps, binary):
/// each group's smallest or largest value by Arrow's sort order.
fn reduce_by_sorting(kind: AggKind, slices: Vec<ArrayRef>) -> DaftResult<ArrayRef> {
    if kind == AggKind::Sum {
        return Err(DaftError::type_error("sum needs a numeric column"));
    }
    let mut picked = Vec::with_capacity(slices.len());
    for s in &slices {
        let options = arrow::compute::SortOptions {
            descending: kind == AggKind::Max,
            nulls_first: false,
        };
        let idx = arrow::compute::sort_to_indices(s.as_ref(), Some(options), Some(1))?;
        let one = if idx.is_empty() || s.is_null(idx.value(0) as usize) {
            new_null_array(s.data_type(), 1)
        } else {
            s.slice(idx.value(0) as usize, 1)
        };
        picked.push(one);
    }
    let refs: Vec<&dyn Array> = picked.iter().map(|a| a.as_ref()).collect();
    Ok(arrow::compute::concat(&refs)?)
}
