//! The layouts users ask for (`repartition`, `into_partitions`), planned as
//! operators DataFusion's physical optimizer keeps.
//!
//! DataFusion treats its own repartitions as hints: the distribution rule
//! removes each one and adds back what operators need. [`KeptRepartitionExec`]
//! runs a DataFusion hash repartition that the rule does not see as one.
//!
//! `into_partitions(n)` is the input's rows, in order, as `n` contiguous runs.
//! DataFusion's repartitioning is by hash or round-robin over batches, and
//! neither keeps the input order across partitions. [`SplitExec`] reads
//! its input (one ordered partition) to the end, then hands partition `i`
//! the `i`-th run of (nearly) equal length, as zero-copy slices, so that
//! concatenating the partitions gives the input back. Like Daft's own
//! split, it holds the whole input in memory; those batches are not
//! counted in the memory pool.

use std::fmt;
use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{internal_err, DataFusionError, Result};
use datafusion::execution::context::QueryPlanner;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::{LogicalPlan, UserDefinedLogicalNode};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, Distribution, ExecutionPlan, ExecutionPlanProperties,
    Partitioning, PlanProperties, SendableRecordBatchStream,
};
use datafusion::physical_planner::{DefaultPhysicalPlanner, ExtensionPlanner, PhysicalPlanner};
use futures::TryStreamExt;
use tokio::sync::OnceCell;

use datafusion::physical_plan::repartition::RepartitionExec;

use daft_lowering::partition::{Layout, LayoutNode};

/// The input, read once by whichever partition runs first.
type Buffered = OnceCell<std::result::Result<Arc<Vec<RecordBatch>>, Arc<DataFusionError>>>;

/// Splits its single input partition into `num` contiguous output
/// partitions (see the module docs).
#[derive(Debug)]
pub struct SplitExec {
    input: Arc<dyn ExecutionPlan>,
    num: usize,
    properties: Arc<PlanProperties>,
    buffered: Arc<Buffered>,
}

impl SplitExec {
    /// `input` split into `num` runs; `input` must have one partition
    /// (DataFusion's distribution rule ensures it, see
    /// [`ExecutionPlan::required_input_distribution`]).
    pub fn new(input: Arc<dyn ExecutionPlan>, num: usize) -> Self {
        let properties = PlanProperties::new(
            input.equivalence_properties().clone(),
            Partitioning::UnknownPartitioning(num),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        SplitExec {
            input,
            num,
            properties: Arc::new(properties),
            buffered: Arc::new(OnceCell::new()),
        }
    }

    /// How many runs it splits its input into.
    pub fn num(&self) -> usize {
        self.num
    }
}

impl DisplayAs for SplitExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "SplitExec: partitions={}", self.num)
    }
}

/// Rows `[start, end)` of `batches` as slices.
fn rows(batches: &[RecordBatch], start: usize, end: usize) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let mut offset = 0;
    for b in batches {
        let (lo, hi) = (offset, offset + b.num_rows());
        offset = hi;
        if hi <= start || lo >= end {
            continue;
        }
        let from = start.max(lo) - lo;
        let to = end.min(hi) - lo;
        out.push(b.slice(from, to - from));
    }
    out
}

impl ExecutionPlan for SplitExec {
    fn name(&self) -> &str {
        "SplitExec"
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

    fn required_input_distribution(&self) -> Vec<Distribution> {
        vec![Distribution::SinglePartition]
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
            return internal_err!("SplitExec takes one child");
        }
        Ok(Arc::new(SplitExec::new(children.swap_remove(0), self.num)))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition >= self.num {
            return internal_err!("SplitExec has {} partitions, not {partition}", self.num);
        }
        if self.input.output_partitioning().partition_count() != 1 {
            return internal_err!("SplitExec's input must have one partition");
        }
        let (input, buffered, num) = (self.input.clone(), self.buffered.clone(), self.num);
        let run = async move {
            let all = buffered
                .get_or_init(|| async move {
                    let stream = input.execute(0, context).map_err(Arc::new)?;
                    let batches: Vec<RecordBatch> = stream.try_collect().await.map_err(Arc::new)?;
                    Ok(Arc::new(batches))
                })
                .await
                .clone()
                .map_err(DataFusionError::Shared)?;
            let total: usize = all.iter().map(|b| b.num_rows()).sum();
            let (start, end) = (partition * total / num, (partition + 1) * total / num);
            Ok::<_, DataFusionError>(futures::stream::iter(
                rows(&all, start, end).into_iter().map(Ok),
            ))
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.input.schema(),
            futures::stream::once(run).try_flatten(),
        )))
    }
}

/// A DataFusion [`RepartitionExec`] that is not a child in the plan tree,
/// so the distribution rule cannot remove it; its child is the
/// repartition's input. `reported` is the partitioning it tells the
/// optimizer (a random layout claims no hash keys).
#[derive(Debug)]
pub struct KeptRepartitionExec {
    inner: Arc<RepartitionExec>,
    properties: Arc<PlanProperties>,
}

impl KeptRepartitionExec {
    /// `input` repartitioned as `partitioning`; with `random`, the
    /// partitioning is reported as unknown.
    pub fn try_new(
        input: Arc<dyn ExecutionPlan>,
        partitioning: Partitioning,
        random: bool,
    ) -> Result<Self> {
        let n = partitioning.partition_count();
        let inner = RepartitionExec::try_new(input, partitioning)?;
        let mut properties = inner.properties().as_ref().clone();
        if random {
            properties = properties.with_partitioning(Partitioning::UnknownPartitioning(n));
        }
        Ok(KeptRepartitionExec {
            inner: Arc::new(inner),
            properties: Arc::new(properties),
        })
    }

    /// How rows are distributed, as the inner repartition does it.
    pub fn partitioning(&self) -> &Partitioning {
        self.inner.partitioning()
    }

    /// Whether the partitioning is reported as unknown (a random layout).
    pub fn random(&self) -> bool {
        matches!(
            self.properties.output_partitioning(),
            Partitioning::UnknownPartitioning(_)
        )
    }
}

impl DisplayAs for KeptRepartitionExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Kept")?;
        self.inner.fmt_as(t, f)
    }
}

impl ExecutionPlan for KeptRepartitionExec {
    fn name(&self) -> &str {
        "KeptRepartitionExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![self.inner.input()]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        self.inner.apply_expressions(f)
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        self.inner.maintains_input_order()
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != 1 {
            return internal_err!("KeptRepartitionExec takes one child");
        }
        Ok(Arc::new(KeptRepartitionExec::try_new(
            children.swap_remove(0),
            self.inner.partitioning().clone(),
            self.random(),
        )?))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        self.inner.execute(partition, context)
    }
}

/// Plans [`LayoutNode`]s.
struct LayoutPlanner;

#[async_trait]
impl ExtensionPlanner for LayoutPlanner {
    async fn plan_extension(
        &self,
        planner: &dyn PhysicalPlanner,
        node: &dyn UserDefinedLogicalNode,
        logical_inputs: &[&LogicalPlan],
        physical_inputs: &[Arc<dyn ExecutionPlan>],
        session: &dyn Session,
        planning_ctx: &PhysicalPlanningContext,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let Some(node) = node.as_any().downcast_ref::<LayoutNode>() else {
            return Ok(None);
        };
        let input = physical_inputs[0].clone();
        let schema = logical_inputs[0].schema();
        let physical = |e: &datafusion::logical_expr::Expr| {
            planner.create_physical_expr(e, schema, session, planning_ctx)
        };
        let plan: Arc<dyn ExecutionPlan> = match &node.layout {
            Layout::Hash { keys, num } => {
                let keys = keys.iter().map(physical).collect::<Result<Vec<_>>>()?;
                Arc::new(KeptRepartitionExec::try_new(
                    input,
                    Partitioning::Hash(keys, *num),
                    false,
                )?)
            }
            // Hashing a random number per row spreads even a one-batch
            // input over every partition, which round-robin over batches
            // would not.
            Layout::Random { num } => {
                let random = physical(&datafusion::functions::math::expr_fn::random())?;
                Arc::new(KeptRepartitionExec::try_new(
                    input,
                    Partitioning::Hash(vec![random], *num),
                    true,
                )?)
            }
            Layout::Split { num } => Arc::new(SplitExec::new(input, *num)),
        };
        Ok(Some(plan))
    }
}

/// DataFusion's physical planner with the engine's own nodes (layouts and
/// [`crate::topn`]'s top-N per group).
#[derive(Debug)]
pub struct EnginePlanner;

#[async_trait]
impl QueryPlanner for EnginePlanner {
    async fn create_physical_plan(
        &self,
        logical_plan: &LogicalPlan,
        session: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        DefaultPhysicalPlanner::with_extension_planners(vec![
            Arc::new(LayoutPlanner),
            Arc::new(crate::topn::TopNPlanner),
        ])
        .create_physical_plan(logical_plan, session)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::rows;
    use arrow::array::{Array, Int64Array};
    use arrow::record_batch::RecordBatch;
    use std::sync::Arc;

    fn batch(values: std::ops::Range<i64>) -> RecordBatch {
        RecordBatch::try_from_iter([(
            "x",
            Arc::new(Int64Array::from_iter_values(values)) as Arc<dyn Array>,
        )])
        .unwrap()
    }

    fn values(batches: &[RecordBatch]) -> Vec<i64> {
        batches
            .iter()
            .flat_map(|b| {
                let a = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                a.values().to_vec()
            })
            .collect()
    }

    #[test]
    fn runs_of_rows_cross_batch_boundaries_and_cover_the_input_once() {
        let input = vec![batch(0..3), batch(3..4), batch(4..10)];
        for num in 1..=12 {
            let mut all = Vec::new();
            for i in 0..num {
                let part = rows(&input, i * 10 / num, (i + 1) * 10 / num);
                let v = values(&part);
                assert!(v.len() >= 10 / num && v.len() <= 10usize.div_ceil(num));
                all.extend(v);
            }
            assert_eq!(all, (0..10).collect::<Vec<_>>(), "num={num}");
        }
    }
}
