//! Python UDFs see batches of Daft's morsel size (131,072 rows), not
//! DataFusion's 8,192.
//!
//! Each call of a Python UDF has a fixed cost (taking the GIL, moving the
//! arrays across the Arrow C interface, the Python runner's own work: tens
//! of microseconds), which a batch UDF pays once per batch. On 8,192-row
//! batches that cost is most of the time of a cheap batch UDF; real Daft
//! 0.7.26 hands its UDFs morsels of 131,072 rows. [`BiggerBatchesForPython`]
//! puts a [`CoalesceForPythonExec`] below every projection and filter that
//! calls a Python UDF, which concatenates its input into batches of that
//! size (in order, within each partition) before the UDF sees them. A UDF's
//! own `batch_size` cuts them smaller again, in the Python runner.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use arrow::compute::BatchCoalescer;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use daft_core::registry::Provider;
use daft_lowering::RegistryUdf;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{internal_err, Result, Statistics};
use datafusion::execution::{RecordBatchStream, TaskContext};
use datafusion::physical_expr::{PhysicalExpr, ScalarFunctionExpr};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::execution_plan::{replace_children_if_necessary, CardinalityEffect};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::filter_pushdown::{
    ChildPushdownResult, FilterDescription, FilterPushdownPhase, FilterPushdownPropagation,
};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::statistics::{ChildStats, StatisticsArgs};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use futures::{Stream, StreamExt};

/// Rows per batch handed to a Python UDF: Daft's default morsel size.
pub const PYTHON_BATCH_ROWS: usize = 131_072;

/// Whether `e` calls a Python UDF anywhere in its tree.
fn calls_python(e: &Arc<dyn PhysicalExpr>) -> bool {
    let mut found = false;
    let _ = e.apply(|node| {
        let python = node
            .downcast_ref::<ScalarFunctionExpr>()
            .and_then(|f| f.fun().inner().downcast_ref::<RegistryUdf>())
            .is_some_and(|u| u.provider() == &Provider::Python);
        found |= python;
        Ok(if python {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    });
    found
}

/// The physical rule: a [`CoalesceForPythonExec`] below each projection or
/// filter that calls a Python UDF.
#[derive(Debug, Default)]
pub struct BiggerBatchesForPython;

impl PhysicalOptimizerRule for BiggerBatchesForPython {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let (python, input) = if let Some(p) = node.downcast_ref::<ProjectionExec>() {
                (p.expr().iter().any(|e| calls_python(&e.expr)), p.input())
            } else if let Some(f) = node.downcast_ref::<FilterExec>() {
                (calls_python(f.predicate()), f.input())
            } else {
                return Ok(Transformed::no(node));
            };
            if !python || input.downcast_ref::<CoalesceForPythonExec>().is_some() {
                return Ok(Transformed::no(node));
            }
            let bigger: Arc<dyn ExecutionPlan> =
                Arc::new(CoalesceForPythonExec::new(Arc::clone(input)));
            Ok(Transformed::yes(replace_children_if_necessary(
                node,
                vec![bigger],
            )?))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "BiggerBatchesForPython"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Concatenates its input's batches into batches of [`PYTHON_BATCH_ROWS`]
/// rows (the last of each partition smaller), keeping their order.
#[derive(Debug)]
pub struct CoalesceForPythonExec {
    input: Arc<dyn ExecutionPlan>,
    properties: Arc<PlanProperties>,
}

impl CoalesceForPythonExec {
    /// Coalescing above `input`.
    pub fn new(input: Arc<dyn ExecutionPlan>) -> Self {
        let properties = Arc::clone(input.properties());
        CoalesceForPythonExec { input, properties }
    }
}

impl DisplayAs for CoalesceForPythonExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "CoalesceForPythonExec: rows={PYTHON_BATCH_ROWS}")
    }
}

impl ExecutionPlan for CoalesceForPythonExec {
    fn name(&self) -> &str {
        "CoalesceForPythonExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn supports_limit_pushdown(&self) -> bool {
        true
    }

    fn cardinality_effect(&self) -> CardinalityEffect {
        CardinalityEffect::Equal
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != 1 {
            return internal_err!("CoalesceForPythonExec takes one child");
        }
        Ok(Arc::new(CoalesceForPythonExec::new(
            children.swap_remove(0),
        )))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let schema = input.schema();
        let coalescer = BatchCoalescer::new(Arc::clone(&schema), PYTHON_BATCH_ROWS)
            // A batch already half the size passes through uncopied.
            .with_biggest_coalesce_batch_size(Some(PYTHON_BATCH_ROWS / 2));
        Ok(Box::pin(Coalescing {
            input,
            schema,
            coalescer,
            done: false,
        }))
    }

    /// Filters (and the top-K's dynamic filter) pass through to the input.
    fn gather_filters_for_pushdown(
        &self,
        _: FilterPushdownPhase,
        parent_filters: Vec<Arc<dyn PhysicalExpr>>,
        _: &ConfigOptions,
    ) -> Result<FilterDescription> {
        FilterDescription::from_children(parent_filters, &self.children())
    }

    fn handle_child_pushdown_result(
        &self,
        _: FilterPushdownPhase,
        child_pushdown_result: ChildPushdownResult,
        _: &ConfigOptions,
    ) -> Result<FilterPushdownPropagation<Arc<dyn ExecutionPlan>>> {
        Ok(FilterPushdownPropagation::if_all(child_pushdown_result))
    }

    fn child_stats_requests(&self, partition: Option<usize>) -> Vec<ChildStats> {
        vec![ChildStats::At(partition)]
    }

    fn statistics_from_inputs(
        &self,
        input_stats: &[Arc<Statistics>],
        _: &StatisticsArgs,
    ) -> Result<Arc<Statistics>> {
        match input_stats.first() {
            Some(stats) => Ok(Arc::clone(stats)),
            None => internal_err!("CoalesceForPythonExec has one child"),
        }
    }
}

struct Coalescing {
    input: SendableRecordBatchStream,
    schema: SchemaRef,
    coalescer: BatchCoalescer,
    done: bool,
}

impl Stream for Coalescing {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(batch) = self.coalescer.next_completed_batch() {
                return Poll::Ready(Some(Ok(batch)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            let pushed = match futures::ready!(self.input.poll_next_unpin(cx)) {
                Some(Ok(batch)) => self.coalescer.push_batch(batch),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => {
                    self.done = true;
                    self.coalescer.finish_buffered_batch()
                }
            };
            if let Err(e) = pushed {
                return Poll::Ready(Some(Err(e.into())));
            }
        }
    }
}

impl RecordBatchStream for Coalescing {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
