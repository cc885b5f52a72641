//! Execution of logical plans as streams of Arrow record batches.
//!
//! Scans produce morsels of at most [`MORSEL_ROWS`] rows; projections and
//! filters run over several morsels at once on rayon's thread pool (one
//! worker per core) and keep the input order; sorts, distinct and
//! aggregations gather their input first.

mod aggregate;
mod parallel;

use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::compute::{concat_batches, lexsort_to_indices, take, SortColumn, SortOptions};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

use daft_core::{DaftError, DaftResult};
use daft_io::BatchStream;
use daft_plan::{LogicalPlan, Source};

pub use parallel::parallel_map;

/// Rows per morsel: large enough to amortize per-batch overhead, small
/// enough that a few morsels per core fit in cache-friendly memory.
pub const MORSEL_ROWS: usize = 128 * 1024;

/// Executes `plan`, returning its output as a stream of batches.
pub fn execute(plan: &Arc<LogicalPlan>) -> DaftResult<BatchStream> {
    let span = tracing::debug_span!("execute", node = node_name(plan));
    let _enter = span.enter();
    tracing::debug!("building stream for {}", node_name(plan));
    Ok(match plan.as_ref() {
        LogicalPlan::Scan { source, schema } => scan(source, schema.clone()),
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } => {
            let exprs = exprs.clone();
            let schema = schema.clone();
            parallel_map(execute(input)?, move |batch| {
                let columns = exprs
                    .iter()
                    .map(|e| e.eval(&batch))
                    .collect::<DaftResult<Vec<ArrayRef>>>()?;
                with_columns(&schema, columns, batch.num_rows())
            })
        }
        LogicalPlan::Filter { input, predicate } => {
            let predicate = predicate.clone();
            let filtered = parallel_map(execute(input)?, move |batch| {
                let mask = predicate.eval(&batch)?;
                let mask = arrow::compute::cast(&mask, &arrow::datatypes::DataType::Boolean)?;
                let mask = mask
                    .as_any()
                    .downcast_ref::<arrow::array::BooleanArray>()
                    .ok_or_else(|| DaftError::Internal("filter mask is not boolean".into()))?;
                Ok(arrow::compute::filter_record_batch(&batch, mask)?)
            });
            Box::new(filtered.filter(|b| !matches!(b, Ok(b) if b.num_rows() == 0)))
        }
        LogicalPlan::Limit { input, limit } => limit_stream(execute(input)?, *limit),
        LogicalPlan::Sort { input, keys } => {
            let batch = gather(execute(input)?, input.schema())?;
            let columns = keys
                .iter()
                .map(|k| {
                    Ok(SortColumn {
                        values: k.expr.eval(&batch)?,
                        options: Some(SortOptions {
                            descending: k.descending,
                            nulls_first: k.nulls_first,
                        }),
                    })
                })
                .collect::<DaftResult<Vec<_>>>()?;
            let indices = lexsort_to_indices(&columns, None)?;
            let sorted = batch
                .columns()
                .iter()
                .map(|c| Ok(take(c.as_ref(), &indices, None)?))
                .collect::<DaftResult<Vec<_>>>()?;
            morsels(RecordBatch::try_new(batch.schema(), sorted)?)
        }
        LogicalPlan::Distinct { input } => {
            let batch = gather(execute(input)?, input.schema())?;
            morsels(aggregate::distinct(&batch)?)
        }
        LogicalPlan::Aggregate {
            input,
            aggs,
            group_by,
            schema,
        } => {
            let batch = gather(execute(input)?, input.schema())?;
            morsels(aggregate::aggregate(&batch, aggs, group_by, schema)?)
        }
    })
}

/// Collects the whole output of `plan` into memory.
pub fn collect(plan: &Arc<LogicalPlan>) -> DaftResult<Vec<RecordBatch>> {
    let span = tracing::info_span!("collect");
    let _enter = span.enter();
    let start = std::time::Instant::now();
    let out = execute(plan)?.collect::<DaftResult<Vec<_>>>()?;
    tracing::debug!(
        rows = out.iter().map(|b| b.num_rows()).sum::<usize>(),
        batches = out.len(),
        elapsed_ms = start.elapsed().as_secs_f64() * 1e3,
        "query finished"
    );
    Ok(out)
}

fn node_name(plan: &LogicalPlan) -> &'static str {
    match plan {
        LogicalPlan::Scan { .. } => "Scan",
        LogicalPlan::Project { .. } => "Project",
        LogicalPlan::Filter { .. } => "Filter",
        LogicalPlan::Limit { .. } => "Limit",
        LogicalPlan::Sort { .. } => "Sort",
        LogicalPlan::Distinct { .. } => "Distinct",
        LogicalPlan::Aggregate { .. } => "Aggregate",
    }
}

/// A batch with `columns` under `schema`, also when there are no columns.
fn with_columns(
    schema: &SchemaRef,
    columns: Vec<ArrayRef>,
    rows: usize,
) -> DaftResult<RecordBatch> {
    let options = arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(rows));
    Ok(RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &options,
    )?)
}

fn scan(source: &Source, schema: SchemaRef) -> BatchStream {
    match source {
        Source::InMemory(batches) => {
            let batches = batches.clone();
            let iter = (0..batches.len()).flat_map(move |i| split_morsels(batches[i].clone()));
            Box::new(iter.map(Ok))
        }
        Source::Parquet(paths) => daft_io::read_parquet(paths.clone(), MORSEL_ROWS),
        Source::Csv(paths, opts) => daft_io::read_csv(
            paths.clone(),
            schema,
            opts.has_header,
            opts.delimiter,
            MORSEL_ROWS,
        ),
    }
}

fn split_morsels(batch: RecordBatch) -> Vec<RecordBatch> {
    let n = batch.num_rows();
    if n <= MORSEL_ROWS {
        return vec![batch];
    }
    (0..n)
        .step_by(MORSEL_ROWS)
        .map(|off| batch.slice(off, MORSEL_ROWS.min(n - off)))
        .collect()
}

fn morsels(batch: RecordBatch) -> BatchStream {
    Box::new(split_morsels(batch).into_iter().map(Ok))
}

fn limit_stream(input: BatchStream, limit: usize) -> BatchStream {
    Box::new(Limit { input, left: limit })
}

/// Passes on the first `left` rows, then stops pulling from its input.
struct Limit {
    input: BatchStream,
    left: usize,
}

impl Iterator for Limit {
    type Item = DaftResult<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        match self.input.next()? {
            Ok(batch) => {
                let keep = batch.num_rows().min(self.left);
                self.left -= keep;
                Some(Ok(batch.slice(0, keep)))
            }
            Err(e) => {
                self.left = 0;
                Some(Err(e))
            }
        }
    }
}

/// Concatenates a whole stream into one batch (for operators that need all
/// their input at once).
fn gather(input: BatchStream, schema: SchemaRef) -> DaftResult<RecordBatch> {
    let batches = input.collect::<DaftResult<Vec<_>>>()?;
    Ok(concat_batches(&schema, &batches)?)
}
