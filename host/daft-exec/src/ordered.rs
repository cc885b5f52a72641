//! Keeping Daft's row order on a parallel executor.
//!
//! DataFusion runs a scan as several partitions, each a contiguous run of
//! the input (a range of in-memory rows, of a file's row groups), and
//! merges partitions with `CoalescePartitionsExec`, which interleaves
//! batches as they come. Daft promises more: a projection, filter or
//! `limit` without a sort keeps the input order (`df.limit(5)` is the
//! first five rows). [`OrderedConcatExec`] gives that promise its parallel
//! form: every partition runs at once, and their outputs are emitted one
//! partition after another. [`PreserveOrder`] puts it wherever DataFusion
//! planned a coalesce.

use std::fmt;
use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use datafusion::common::config::ConfigOptions;
use datafusion::common::runtime::SpawnedTask;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{internal_err, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning,
    PlanProperties, SendableRecordBatchStream,
};
use futures::StreamExt;
use tokio::sync::mpsc;

/// Runs every input partition concurrently and emits partition 0's
/// batches, then partition 1's, and so on; stops after `fetch` rows.
///
/// Later partitions' batches wait in memory until their turn, so the
/// buffer is at most the output itself: what a `collect` holds anyway,
/// and under a `limit` (each partition is limited too) at most `fetch`
/// rows per partition.
#[derive(Debug)]
pub struct OrderedConcatExec {
    input: Arc<dyn ExecutionPlan>,
    fetch: Option<usize>,
    properties: Arc<PlanProperties>,
}

impl OrderedConcatExec {
    /// Concatenates the partitions of `input` in order, up to `fetch` rows.
    pub fn new(input: Arc<dyn ExecutionPlan>, fetch: Option<usize>) -> Self {
        let mut eq = input.equivalence_properties().clone();
        eq.clear_orderings();
        eq.clear_per_partition_constants();
        let properties = PlanProperties::new(
            eq,
            Partitioning::UnknownPartitioning(1),
            input.pipeline_behavior(),
            input.boundedness(),
        );
        OrderedConcatExec {
            input,
            fetch,
            properties: Arc::new(properties),
        }
    }

    /// The most rows it emits, if limited.
    pub fn fetch(&self) -> Option<usize> {
        self.fetch
    }
}

impl DisplayAs for OrderedConcatExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match self.fetch {
            Some(n) => write!(f, "OrderedConcatExec: fetch={n}"),
            None => write!(f, "OrderedConcatExec"),
        }
    }
}

impl ExecutionPlan for OrderedConcatExec {
    fn name(&self) -> &str {
        "OrderedConcatExec"
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

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != 1 {
            return internal_err!("OrderedConcatExec takes one child");
        }
        Ok(Arc::new(OrderedConcatExec::new(
            children.swap_remove(0),
            self.fetch,
        )))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return internal_err!("OrderedConcatExec has one partition, not {partition}");
        }
        let schema = self.input.schema();
        let n = self.input.output_partitioning().partition_count();
        let mut receivers = Vec::with_capacity(n);
        let mut tasks = Vec::with_capacity(n);
        for i in 0..n {
            let (tx, rx) = mpsc::unbounded_channel::<Result<RecordBatch>>();
            receivers.push(rx);
            let input = self.input.clone();
            let ctx = context.clone();
            tasks.push(SpawnedTask::spawn(async move {
                let mut stream = match input.execute(i, ctx) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                while let Some(item) = stream.next().await {
                    let failed = item.is_err();
                    // A closed receiver means the output was dropped (a
                    // limit was met, or the query was cancelled): stop.
                    if tx.send(item).is_err() || failed {
                        return;
                    }
                }
            }));
        }
        let state = Concat {
            receivers,
            current: 0,
            remaining: self.fetch,
            _tasks: tasks,
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            schema,
            futures::stream::unfold(state, next_batch),
        )))
    }
}

/// The state of one ordered concatenation: the partitions' channels, the
/// one being emitted, the rows still allowed, and the tasks (aborted when
/// this is dropped).
struct Concat {
    receivers: Vec<mpsc::UnboundedReceiver<Result<RecordBatch>>>,
    current: usize,
    remaining: Option<usize>,
    _tasks: Vec<SpawnedTask<()>>,
}

async fn next_batch(mut s: Concat) -> Option<(Result<RecordBatch>, Concat)> {
    loop {
        if s.remaining == Some(0) {
            return None;
        }
        let rx = s.receivers.get_mut(s.current)?;
        match rx.recv().await {
            None => s.current += 1,
            Some(Err(e)) => {
                s.remaining = Some(0);
                return Some((Err(e), s));
            }
            Some(Ok(batch)) => {
                let batch = match s.remaining {
                    Some(r) if batch.num_rows() > r => batch.slice(0, r),
                    _ => batch,
                };
                if let Some(r) = s.remaining.as_mut() {
                    *r -= batch.num_rows();
                }
                return Some((Ok(batch), s));
            }
        }
    }
}

/// Replaces every `CoalescePartitionsExec` with an [`OrderedConcatExec`]
/// (keeping its `fetch`), so that no merge of partitions reorders rows.
#[derive(Debug, Default)]
pub struct PreserveOrder;

impl PhysicalOptimizerRule for PreserveOrder {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(c) = node.downcast_ref::<CoalescePartitionsExec>() else {
                return Ok(Transformed::no(node));
            };
            let ordered = OrderedConcatExec::new(c.input().clone(), c.fetch());
            Ok(Transformed::yes(Arc::new(ordered) as Arc<dyn ExecutionPlan>))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "daft_preserve_order"
    }

    fn schema_check(&self) -> bool {
        true
    }
}
