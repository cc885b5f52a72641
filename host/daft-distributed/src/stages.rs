//! A physical plan cut into stages at its exchanges, as a distributed
//! runner schedules it.
//!
//! Inside a stage every operator computes its output partition `i` from
//! partition `i` of its inputs (or from inputs with one partition, such as
//! a broadcast join's build side), so a stage runs as independent tasks,
//! one per partition. An operator that needs several partitions of its
//! input for one of its own (a repartition, a merge, a coalesce, a split)
//! is where the plan is cut: its input becomes an earlier stage whose
//! outputs the runner keeps, and a [`StageReaderExec`] stands in its place.
//!
//! A hash or round-robin repartition is not run as one operator: each task
//! of the stage below it splits its own output into the repartition's
//! buckets ([`StageOutput::Buckets`]), and partition `j` of the reader is
//! bucket `j` of every task. That is the shuffle; no task ever reads all
//! of the data.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::execution_plan::{
    replace_children_if_necessary, Boundedness, EmissionType,
};
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::union::{InterleaveExec, UnionExec};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning,
    PlanProperties, SendableRecordBatchStream,
};

use daft_core::DaftError;
use daft_exec::layout::KeptRepartitionExec;
use daft_exec::union_fence::UnionFenceExec;
use daft_lowering::to_df;

/// What a stage's tasks hand on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageOutput {
    /// Each task's output split into this many buckets by the stage
    /// root's repartitioning; a reader's partition `j` is bucket `j` of
    /// every task, in task order.
    Buckets(usize),
    /// Each task's output as one piece; a reader's partition `i` is task
    /// `i`'s output. The last stage's pieces are the query's partitions.
    Whole,
}

/// One stage of a plan: its tasks run `plan` (task `i` runs partition `i`;
/// for [`StageOutput::Buckets`], partition `i` of the root's input).
#[derive(Debug, Clone)]
pub struct Stage {
    /// The stage's position in [`split_stages`]'s list; readers name it.
    pub id: usize,
    /// The stage's plan; its readers read earlier stages.
    pub plan: Arc<dyn ExecutionPlan>,
    /// How many tasks the stage runs.
    pub tasks: usize,
    /// What each task hands on.
    pub output: StageOutput,
    /// The stages this one reads, each once.
    pub inputs: Vec<usize>,
}

/// `plan` cut into stages, in an order that runs every stage after the
/// stages it reads; the last stage's output is the plan's.
pub fn split_stages(plan: Arc<dyn ExecutionPlan>) -> Result<Vec<Stage>> {
    let mut stages = Vec::new();
    let root = cut(plan, &mut stages)?;
    push_stage(&mut stages, root, StageOutput::Whole);
    Ok(stages)
}

/// `node` with the exchanges below it (and, if it is one, itself) turned
/// into stages of `stages`.
fn cut(node: Arc<dyn ExecutionPlan>, stages: &mut Vec<Stage>) -> Result<Arc<dyn ExecutionPlan>> {
    let children: Vec<Arc<dyn ExecutionPlan>> = node.children().into_iter().cloned().collect();
    if children.is_empty() {
        return Ok(node);
    }
    let mut new_children = Vec::with_capacity(children.len());
    for child in &children {
        let cut_child = cut(child.clone(), stages)?;
        new_children.push(
            if reads_many_partitions(&node, child) && !moves_data_only(&cut_child) {
                let id = push_stage(stages, cut_child, StageOutput::Whole);
                Arc::new(StageReaderExec::in_place_of(id, child)) as Arc<dyn ExecutionPlan>
            } else {
                cut_child
            },
        );
    }
    let node = replace_children_if_necessary(node, new_children)?;
    if let Some(partitioning) = shuffle(&node) {
        let buckets = partitioning.partition_count();
        let id = push_stage(stages, node.clone(), StageOutput::Buckets(buckets));
        return Ok(Arc::new(StageReaderExec::in_place_of(id, &node)));
    }
    Ok(node)
}

fn push_stage(stages: &mut Vec<Stage>, plan: Arc<dyn ExecutionPlan>, output: StageOutput) -> usize {
    let id = stages.len();
    let tasks = task_count(&plan);
    let mut inputs = Vec::new();
    collect_readers(&plan, &mut inputs);
    stages.push(Stage {
        id,
        plan,
        tasks,
        output,
        inputs,
    });
    id
}

fn collect_readers(plan: &Arc<dyn ExecutionPlan>, out: &mut Vec<usize>) {
    if let Some(r) = plan.downcast_ref::<StageReaderExec>() {
        if !out.contains(&r.stage) {
            out.push(r.stage);
        }
        return;
    }
    for c in plan.children() {
        collect_readers(c, out);
    }
}

/// How many tasks the stage `plan` runs (see [`Stage::tasks`]).
pub fn task_count(plan: &Arc<dyn ExecutionPlan>) -> usize {
    match shuffle(plan) {
        Some(_) => plan.children()[0].output_partitioning().partition_count(),
        None => plan.output_partitioning().partition_count(),
    }
}

/// The repartitioning `node` does by itself, if the runner can do it as a
/// shuffle instead: hash and round-robin repartitions that need not keep
/// their inputs' order.
pub(crate) fn shuffle(node: &Arc<dyn ExecutionPlan>) -> Option<Partitioning> {
    let partitioning = if let Some(r) = node.downcast_ref::<RepartitionExec>() {
        if r.preserve_order() {
            return None;
        }
        r.partitioning().clone()
    } else if let Some(r) = node.downcast_ref::<KeptRepartitionExec>() {
        r.partitioning().clone()
    } else {
        return None;
    };
    matches!(
        partitioning,
        Partitioning::Hash(..) | Partitioning::RoundRobinBatch(_)
    )
    .then_some(partitioning)
}

/// Whether `node` may read more than one partition of `child` (or one
/// partition many times) for one of its own: then `child` runs as a stage
/// of its own, once per partition, instead of inside each of `node`'s
/// tasks.
fn reads_many_partitions(node: &Arc<dyn ExecutionPlan>, child: &Arc<dyn ExecutionPlan>) -> bool {
    // A union's partitions are its inputs' partitions, one each.
    if node.downcast_ref::<UnionExec>().is_some()
        || node.downcast_ref::<UnionFenceExec>().is_some()
        || node.downcast_ref::<InterleaveExec>().is_some()
    {
        return false;
    }
    if shuffle(node).is_some() {
        return false;
    }
    // A repartition that keeps its inputs' order reads all of them for each
    // of its partitions; its tasks then fetch its input's pieces instead of
    // computing all of them again.
    if node.downcast_ref::<RepartitionExec>().is_some()
        || node.downcast_ref::<KeptRepartitionExec>().is_some()
    {
        return true;
    }
    let (mine, theirs) = (
        node.output_partitioning().partition_count(),
        child.output_partitioning().partition_count(),
    );
    mine != theirs
}

/// Whether `plan` only gathers what readers fetched (no scan, no
/// computation): a stage of it would move the data once more for nothing.
fn moves_data_only(plan: &Arc<dyn ExecutionPlan>) -> bool {
    plan.downcast_ref::<StageReaderExec>().is_some()
        || (plan.downcast_ref::<CoalescePartitionsExec>().is_some()
            && plan.children().iter().all(|c| moves_data_only(c)))
}

/// Fetches the output of earlier stages for a task: the runner's side of
/// a [`StageReaderExec`].
pub trait StageInputs: Send + Sync + std::fmt::Debug {
    /// The batches of partition `partition` of stage `stage`'s output as a
    /// reader sees it (see [`StageOutput`]).
    fn fetch(
        &self,
        stage: usize,
        partition: usize,
    ) -> daft_core::DaftResult<Vec<arrow::record_batch::RecordBatch>>;
}

/// The [`StageInputs`] of the task a context runs, set as an extension of
/// its session configuration.
#[derive(Debug, Clone)]
pub struct TaskInputs(pub Arc<dyn StageInputs>);

/// Reads the output of an earlier stage (see the module docs).
#[derive(Debug)]
pub struct StageReaderExec {
    stage: usize,
    properties: Arc<PlanProperties>,
}

impl StageReaderExec {
    /// A reader of stage `stage` with the properties of `replaced`, the
    /// part of the plan it stands for.
    fn in_place_of(stage: usize, replaced: &Arc<dyn ExecutionPlan>) -> Self {
        StageReaderExec {
            stage,
            properties: replaced.properties().clone(),
        }
    }

    /// A reader of stage `stage` with `partitions` partitions of `schema`,
    /// as a received plan has it (no ordering or partitioning claimed: the
    /// received plan is not optimized again).
    pub fn new(stage: usize, schema: SchemaRef, partitions: usize) -> Self {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema),
            Partitioning::UnknownPartitioning(partitions),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        StageReaderExec {
            stage,
            properties: Arc::new(properties),
        }
    }

    /// The stage it reads.
    pub fn stage(&self) -> usize {
        self.stage
    }
}

impl DisplayAs for StageReaderExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "StageReaderExec: stage={}, partitions={}",
            self.stage,
            self.properties.output_partitioning().partition_count()
        )
    }
}

impl ExecutionPlan for StageReaderExec {
    fn name(&self) -> &str {
        "StageReaderExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            Err(DataFusionError::Internal(
                "StageReaderExec has no inputs".into(),
            ))
        }
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let inputs = context
            .session_config()
            .get_extension::<TaskInputs>()
            .ok_or_else(|| {
                to_df(DaftError::Internal(format!(
                    "the plan reads stage {} but its task was given no stage inputs",
                    self.stage
                )))
            })?;
        let batches = inputs.0.fetch(self.stage, partition).map_err(to_df)?;
        let stream = MemoryStream::try_new(batches, self.schema(), None)?;
        Ok(Box::pin(stream))
    }
}
