//! One task of a stage on a worker, and the bytes stage outputs travel as.

use std::io::Cursor;
use std::sync::Arc;

use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use arrow::record_batch::RecordBatch;
use datafusion::common::Result;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::metrics::Time;
use datafusion::physical_plan::repartition::BatchPartitioner;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};
use futures::StreamExt;

use daft_core::{DaftError, DaftResult};

use daft_lowering::from_df;

use crate::codec::EngineCodec;
use crate::stages::{shuffle, split_stages, task_count, StageInputs, StageOutput, TaskInputs};

/// A stage as a runner schedules it: [`crate::Stage`] with its plan as
/// bytes.
#[derive(Debug, Clone)]
pub struct EncodedStage {
    /// Its position in the list; readers name it.
    pub id: usize,
    /// The plan, encoded by the codec.
    pub plan: Vec<u8>,
    /// How many tasks it runs.
    pub tasks: usize,
    /// What each task hands on.
    pub output: StageOutput,
    /// The stages it reads.
    pub inputs: Vec<usize>,
}

/// The stages of `plan` (see [`split_stages`]), encoded with `codec`.
pub fn encode_stages(
    codec: &EngineCodec,
    plan: Arc<dyn ExecutionPlan>,
) -> DaftResult<Vec<EncodedStage>> {
    split_stages(plan)
        .map_err(from_df)?
        .into_iter()
        .map(|s| {
            Ok(EncodedStage {
                id: s.id,
                plan: codec.encode_plan(s.plan)?,
                tasks: s.tasks,
                output: s.output,
                inputs: s.inputs,
            })
        })
        .collect()
}

/// Runs task `task` of the encoded stage `plan_bytes` in this process
/// (functions resolved by `codec`, earlier stages' output fetched from
/// `inputs`) and returns its output as Arrow IPC bytes: one piece per
/// bucket, or one piece.
pub fn run_encoded_task(
    codec: &EngineCodec,
    plan_bytes: &[u8],
    task: usize,
    inputs: Arc<dyn StageInputs>,
    interrupted: &mut dyn FnMut() -> bool,
) -> DaftResult<Vec<Vec<u8>>> {
    let ctx = daft_exec::task_context()?;
    let plan = codec.decode_plan(plan_bytes, &ctx)?;
    let tasks = task_count(&plan);
    if task >= tasks {
        return Err(DaftError::ValueError(format!(
            "task {task} of a stage that has {tasks} tasks"
        )));
    }
    let schema = match shuffle(&plan) {
        Some(_) => plan.children()[0].schema(),
        None => plan.schema(),
    };
    let ctx = task_context(&ctx, inputs);
    let buckets = daft_exec::run_on_engine(
        async move { run_task(plan, task, ctx).await.map_err(from_df) },
        interrupted,
    )?;
    buckets.iter().map(|b| encode_batches(&schema, b)).collect()
}

/// `ctx` with `inputs` as the source of the stage readers of the plan it
/// runs.
pub fn task_context(ctx: &TaskContext, inputs: Arc<dyn StageInputs>) -> Arc<TaskContext> {
    let config = ctx
        .session_config()
        .clone()
        .with_extension(Arc::new(TaskInputs(inputs)));
    Arc::new(TaskContext::new(
        ctx.task_id(),
        ctx.session_id(),
        config,
        ctx.scalar_functions().clone(),
        ctx.higher_order_functions().clone(),
        ctx.aggregate_functions().clone(),
        ctx.window_functions().clone(),
        ctx.runtime_env(),
    ))
}

/// Runs task `task` of the stage `plan` (see [`crate::stages`]): its
/// output as one piece, or, when the plan's root is a repartition, split
/// into the repartition's buckets (each concatenated into one batch).
pub async fn run_task(
    plan: Arc<dyn ExecutionPlan>,
    task: usize,
    ctx: Arc<TaskContext>,
) -> Result<Vec<Vec<RecordBatch>>> {
    let Some(partitioning) = shuffle(&plan) else {
        let mut stream = plan.execute(task, ctx)?;
        let mut out = Vec::new();
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            if batch.num_rows() > 0 {
                out.push(batch);
            }
        }
        return Ok(vec![out]);
    };
    let input = plan.children()[0].clone();
    let schema = input.schema();
    let inputs = input.output_partitioning().partition_count();
    let mut buckets = vec![Vec::new(); partitioning.partition_count()];
    let mut partitioner = BatchPartitioner::try_new(partitioning, Time::new(), task, inputs)?;
    let mut stream = input.execute(task, ctx)?;
    while let Some(batch) = stream.next().await {
        partitioner.partition(batch?, |i, piece| {
            if piece.num_rows() > 0 {
                buckets[i].push(piece);
            }
            Ok(())
        })?;
    }
    buckets
        .into_iter()
        .map(|pieces| {
            if pieces.len() <= 1 {
                return Ok(pieces);
            }
            Ok(vec![concat_batches(&schema, &pieces)?])
        })
        .collect()
}

/// `batches` as Arrow IPC stream bytes; no batches are no bytes.
pub fn encode_batches(schema: &SchemaRef, batches: &[RecordBatch]) -> DaftResult<Vec<u8>> {
    if batches.is_empty() {
        return Ok(Vec::new());
    }
    let ipc = |e: arrow::error::ArrowError| {
        DaftError::Internal(format!(
            "a stage's output could not be written as Arrow IPC: {e}"
        ))
    };
    let mut writer = StreamWriter::try_new(Vec::new(), schema).map_err(ipc)?;
    for b in batches {
        writer.write(b).map_err(ipc)?;
    }
    writer.into_inner().map_err(ipc)
}

/// The batches of [`encode_batches`]' bytes.
pub fn decode_batches(bytes: &[u8]) -> DaftResult<Vec<RecordBatch>> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let ipc = |e: arrow::error::ArrowError| {
        DaftError::Internal(format!(
            "a stage's output could not be read as Arrow IPC: {e}"
        ))
    };
    StreamReader::try_new(Cursor::new(bytes), None)
        .map_err(ipc)?
        .map(|b| b.map_err(ipc))
        .collect()
}
