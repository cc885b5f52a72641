//! Runs the engine's plans on Apache DataFusion.
//!
//! A plan is lowered (`daft-lowering`), optimized by DataFusion's logical
//! and physical optimizers and run by its executor on the process's tokio
//! runtime ([`session`]). The caller's thread only waits, and asks its
//! `interrupted` callback every [`POLL`] whether to stop, so a Ctrl-C in
//! Python stops a query within a fraction of a second. Output keeps Daft's
//! row order ([`ordered`]).

pub mod guards;
pub mod layout;
pub mod ordered;
pub mod progress;
pub mod python_batches;
pub mod session;
pub mod sort_repair;
mod stores;
pub mod topn;
pub mod union_fence;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::common::runtime::SpawnedTask;
use datafusion::common::DataFusionError;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{lit, LogicalPlan as DfPlan, LogicalPlanBuilder};
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::{
    displayable, ExecutionPlan, ExecutionPlanProperties, SendableRecordBatchStream,
};
use futures::StreamExt;

use daft_core::{DaftError, DaftResult};
use daft_lowering::{from_df, lower_plan, LowerOptions};
use daft_plan::LogicalPlan;

pub use session::{
    default_memory_limit, execution_config, set_execution_config, stop_queries_and_wait,
    ExecutionConfig,
};

use crate::ordered::OrderedConcatExec;
use crate::session::{engine, Engine};

/// How often a waiting caller is asked whether the query should stop.
pub const POLL: Duration = Duration::from_millis(50);

/// A DataFusion error as the engine's error.
pub(crate) fn df_err(e: DataFusionError) -> DaftError {
    from_df(e)
}

fn lower_options(engine: &Engine) -> LowerOptions {
    LowerOptions {
        target_partitions: engine.ctx.copied_config().target_partitions(),
    }
}

/// How many queries were interrupted so far in this process. Code that
/// runs long inside one kernel call (a Python UDF's row loop) compares it
/// with the count when it started, and stops early once it changed: the
/// query it computes for was then most likely dropped.
static INTERRUPTS: AtomicU64 = AtomicU64::new(0);

/// The number of queries interrupted so far (see [`INTERRUPTS`]).
pub fn interrupts() -> u64 {
    INTERRUPTS.load(Ordering::Relaxed)
}

/// Runs `fut` on the engine's runtime and waits for it, asking
/// `interrupted` every [`POLL`]; when it says yes, the query's tasks are
/// aborted (dropping every stream, which stops DataFusion's own tasks) and
/// the result is [`DaftError::Cancelled`].
fn run<T: Send + 'static>(
    engine: &Engine,
    fut: impl Future<Output = DaftResult<T>> + Send + 'static,
    interrupted: &mut dyn FnMut() -> bool,
) -> DaftResult<T> {
    let token = session::stop_token();
    let progress = Arc::new(progress::QueryProgress::new());
    let _waiting = progress::waiting(progress.clone());
    let mut handle = engine.runtime.spawn(progress::scope(progress, fut));
    loop {
        match engine
            .runtime
            .block_on(async { tokio::time::timeout(POLL, &mut handle).await })
        {
            Ok(Ok(result)) => return result,
            Ok(Err(join)) => {
                return Err(DaftError::Internal(format!(
                    "the query task failed: {join}"
                )))
            }
            Err(_) if session::stopped_since(token) || interrupted() => {
                INTERRUPTS.fetch_add(1, Ordering::Relaxed);
                handle.abort();
                return Err(DaftError::Cancelled("interrupted".into()));
            }
            Err(_) => {}
        }
    }
}

async fn physical(
    engine_ctx: &datafusion::prelude::SessionContext,
    plan: DfPlan,
) -> DaftResult<Arc<dyn ExecutionPlan>> {
    let state = engine_ctx.state();
    let physical = state.create_physical_plan(&plan).await.map_err(from_df)?;
    progress::planned(&physical);
    Ok(physical)
}

/// The output streams of `plan` concatenated in partition order.
fn ordered_stream(
    plan: Arc<dyn ExecutionPlan>,
    ctx: &datafusion::prelude::SessionContext,
    maintain_order: bool,
) -> DaftResult<SendableRecordBatchStream> {
    let plan: Arc<dyn ExecutionPlan> = if plan.output_partitioning().partition_count() == 1 {
        plan
    } else if maintain_order {
        Arc::new(OrderedConcatExec::new(plan, None))
    } else {
        Arc::new(CoalescePartitionsExec::new(plan))
    };
    plan.execute(0, ctx.task_ctx()).map_err(from_df)
}

/// Gives each batch the planned schema (field names, nullability and
/// metadata such as extension types, which DataFusion may not carry).
fn conform_batch(batch: RecordBatch, schema: &SchemaRef) -> DaftResult<RecordBatch> {
    if batch.schema_ref() == schema {
        return Ok(batch);
    }
    RecordBatch::try_new(schema.clone(), batch.columns().to_vec()).map_err(|e| {
        DaftError::Internal(format!(
            "the query's output does not have the planned schema: {e}"
        ))
    })
}

/// The process's engine and `plan` lowered for its session.
fn engine_and_lowered(plan: &LogicalPlan) -> DaftResult<(Arc<Engine>, DfPlan)> {
    let engine = engine()?;
    let lowered = lower_plan(plan, &lower_options(&engine))?;
    Ok((engine, lowered))
}

/// Reads `stream` to the end: its non-empty batches, given `schema` if one
/// is passed.
async fn drain(
    mut stream: SendableRecordBatchStream,
    schema: Option<&SchemaRef>,
) -> DaftResult<Vec<RecordBatch>> {
    let mut out = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(from_df)?;
        if batch.num_rows() > 0 {
            out.push(match schema {
                Some(schema) => conform_batch(batch, schema)?,
                None => batch,
            });
        }
    }
    Ok(out)
}

/// Runs the DataFusion plan `df_plan` to completion and returns its
/// non-empty output batches in order.
fn run_to_batches(
    engine: &Engine,
    df_plan: DfPlan,
    interrupted: &mut dyn FnMut() -> bool,
) -> DaftResult<Vec<RecordBatch>> {
    let ctx = engine.ctx.clone();
    let keep_order = engine.config.maintain_order;
    run(
        engine,
        async move {
            let physical = physical(&ctx, df_plan).await?;
            drain(ordered_stream(physical, &ctx, keep_order)?, None).await
        },
        interrupted,
    )
}

/// Runs `plan` to completion and returns its output batches in order.
pub fn collect(
    plan: &Arc<LogicalPlan>,
    interrupted: &mut dyn FnMut() -> bool,
) -> DaftResult<Vec<RecordBatch>> {
    let _span = tracing::debug_span!(target: "daft::exec", "collect").entered();
    let (engine, lowered) = engine_and_lowered(plan)?;
    let schema = plan.schema();
    run_to_batches(&engine, lowered, interrupted)?
        .into_iter()
        .map(|b| conform_batch(b, &schema))
        .collect()
}

/// Runs `plan` to completion and returns each output partition's
/// batches, partitions in order (concatenated, they are what [`collect`]
/// returns). All partitions run at once; the result is held in memory.
pub fn collect_partitions(
    plan: &Arc<LogicalPlan>,
    interrupted: &mut dyn FnMut() -> bool,
) -> DaftResult<Vec<Vec<RecordBatch>>> {
    let _span = tracing::debug_span!(target: "daft::exec", "collect_partitions").entered();
    let (engine, lowered) = engine_and_lowered(plan)?;
    let schema = plan.schema();
    let ctx = engine.ctx.clone();
    run(
        &engine,
        async move {
            let physical = physical(&ctx, lowered).await?;
            let n = physical.output_partitioning().partition_count();
            let tasks: Vec<_> = (0..n)
                .map(|i| {
                    let (plan, ctx, schema) = (physical.clone(), ctx.clone(), schema.clone());
                    SpawnedTask::spawn(async move {
                        let stream = plan.execute(i, ctx.task_ctx()).map_err(from_df)?;
                        drain(stream, Some(&schema)).await
                    })
                })
                .collect();
            let mut parts = Vec::with_capacity(n);
            for t in tasks {
                parts.push(t.join().await.map_err(|e| {
                    DaftError::Internal(format!("a partition's task failed: {e}"))
                })??);
            }
            Ok(parts)
        },
        interrupted,
    )
}

/// The optimized DataFusion physical plan of `plan` in this process's
/// engine: what [`collect`] runs, before its partitions are concatenated.
/// The distributed runner cuts it into fragments that run elsewhere.
pub fn physical_plan(plan: &Arc<LogicalPlan>) -> DaftResult<Arc<dyn ExecutionPlan>> {
    let (engine, lowered) = engine_and_lowered(plan)?;
    let ctx = engine.ctx.clone();
    run(
        &engine,
        async move { physical(&ctx, lowered).await },
        &mut || false,
    )
}

/// The physical plan of `plan` for a distributed runner, which runs each
/// partition as a task of its own: [`physical_plan`] without the hash
/// joins' dynamic filters, whose build sides wait for every partition of
/// the join to report before any probes (a task runs only one of them, so
/// it would wait forever).
pub fn physical_plan_for_tasks(plan: &Arc<LogicalPlan>) -> DaftResult<Arc<dyn ExecutionPlan>> {
    let (engine, lowered) = engine_and_lowered(plan)?;
    let ctx = engine.ctx.clone();
    run(
        &engine,
        async move {
            let mut state = ctx.state();
            state
                .config_mut()
                .options_mut()
                .optimizer
                .enable_join_dynamic_filter_pushdown = false;
            state.create_physical_plan(&lowered).await.map_err(from_df)
        },
        &mut || false,
    )
}

/// The task context of this process's engine (its functions, memory pool
/// and configuration), in which a plan received from another process is
/// decoded and run.
pub fn task_context() -> DaftResult<Arc<datafusion::execution::TaskContext>> {
    Ok(engine()?.ctx.task_ctx())
}

/// Runs the physical plan `plan` (made by [`physical_plan`] here or
/// received from another process) to completion and returns its
/// non-empty output batches, partitions concatenated in order.
pub fn collect_physical(
    plan: Arc<dyn ExecutionPlan>,
    interrupted: &mut dyn FnMut() -> bool,
) -> DaftResult<Vec<RecordBatch>> {
    let engine = engine()?;
    let ctx = engine.ctx.clone();
    run(
        &engine,
        async move { drain(ordered_stream(plan, &ctx, true)?, None).await },
        interrupted,
    )
}

/// Runs `fut` (work on plans received from another process) on this
/// process's engine runtime, as queries run: Ctrl-C and
/// `daft.daft.stop_queries` stop it.
pub fn run_on_engine<T: Send + 'static>(
    fut: impl Future<Output = DaftResult<T>> + Send + 'static,
    interrupted: &mut dyn FnMut() -> bool,
) -> DaftResult<T> {
    let engine = engine()?;
    run(&engine, fut, interrupted)
}

/// `batches` with the planned schema `schema` (field names, nullability
/// and metadata that DataFusion may not carry).
pub fn conform_batches(
    batches: Vec<RecordBatch>,
    schema: &SchemaRef,
) -> DaftResult<Vec<RecordBatch>> {
    batches
        .into_iter()
        .map(|b| conform_batch(b, schema))
        .collect()
}

/// How many partitions the output of `plan` has before they are
/// concatenated: what `DataFrame.num_partitions()` reports.
pub fn num_partitions(plan: &Arc<LogicalPlan>) -> DaftResult<usize> {
    let (engine, lowered) = engine_and_lowered(plan)?;
    let ctx = engine.ctx.clone();
    run(
        &engine,
        async move {
            let physical = physical(&ctx, lowered).await?;
            Ok(physical.output_partitioning().partition_count())
        },
        &mut || false,
    )
}

/// The number of output rows of `plan`; DataFusion answers from file
/// metadata where the plan allows (a scan with no filter).
pub fn count_rows(
    plan: &Arc<LogicalPlan>,
    interrupted: &mut dyn FnMut() -> bool,
) -> DaftResult<usize> {
    let _span = tracing::debug_span!(target: "daft::exec", "count_rows").entered();
    let (engine, lowered) = engine_and_lowered(plan)?;
    let counted = LogicalPlanBuilder::from(lowered)
        .aggregate(
            Vec::<datafusion::logical_expr::Expr>::new(),
            vec![count(lit(1i64)).alias("count")],
        )
        .and_then(|b| b.build())
        .map_err(from_df)?;
    let mut total = 0usize;
    for batch in run_to_batches(&engine, counted, interrupted)? {
        let counts = batch
            .column(0)
            .as_any()
            .downcast_ref::<arrow::array::Int64Array>()
            .ok_or_else(|| DaftError::Internal("count(*) is not Int64".into()))?;
        total += counts.iter().flatten().sum::<i64>() as usize;
    }
    Ok(total)
}

/// The plans of `plan` as text: DataFusion's logical plan as lowered, as
/// optimized, and the physical plan.
pub fn explain_datafusion(plan: &Arc<LogicalPlan>) -> DaftResult<String> {
    let (engine, lowered) = engine_and_lowered(plan)?;
    let ctx = engine.ctx.clone();
    run(
        &engine,
        async move {
            let state = ctx.state();
            let optimized = state.optimize(&lowered).map_err(from_df)?;
            let physical = state
                .query_planner()
                .create_physical_plan(&optimized, &state)
                .await
                .map_err(from_df)?;
            Ok(format!(
                "== Lowered DataFusion Logical Plan ==\n{}\n\n== Optimized Logical Plan ==\n{}\n\n\
                 == Physical Plan ==\n{}",
                lowered.display_indent(),
                optimized.display_indent(),
                displayable(physical.as_ref()).indent(true)
            ))
        },
        &mut || false,
    )
}

/// A blocking iterator over a running query's output batches (writers,
/// `to_arrow_iter`).
/// Each `next` waits on the engine's runtime (it must not be called from
/// inside it) and gives [`DaftError::Cancelled`] once the query is
/// cancelled.
pub struct BatchIter {
    engine: Arc<Engine>,
    stream: Option<SendableRecordBatchStream>,
    schema: SchemaRef,
    cancelled: Arc<AtomicBool>,
    /// Taken when the query started (see `session::stopped_since`).
    stop_token: u64,
}

impl BatchIter {
    /// The next non-empty batch, asking `stop` every [`POLL`] while it
    /// waits; once `stop` says yes, the query is dropped and the result is
    /// [`DaftError::Cancelled`].
    pub fn next_or_stop(
        &mut self,
        stop: &mut dyn FnMut() -> bool,
    ) -> Option<DaftResult<RecordBatch>> {
        loop {
            let stream = self.stream.as_mut()?;
            let next = self
                .engine
                .runtime
                .block_on(async { tokio::time::timeout(POLL, stream.next()).await });
            match next {
                Err(_) if session::stopped_since(self.stop_token) || stop() => {
                    INTERRUPTS.fetch_add(1, Ordering::Relaxed);
                    self.stream = None;
                    return Some(Err(DaftError::Cancelled("interrupted".into())));
                }
                Err(_) => continue,
                Ok(None) => {
                    self.stream = None;
                    return None;
                }
                Ok(Some(Err(e))) => {
                    self.stream = None;
                    return Some(Err(from_df(e)));
                }
                Ok(Some(Ok(b))) if b.num_rows() == 0 => continue,
                Ok(Some(Ok(b))) => return Some(conform_batch(b, &self.schema)),
            }
        }
    }

    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl Iterator for BatchIter {
    type Item = DaftResult<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let cancelled = self.cancelled.clone();
        self.next_or_stop(&mut || cancelled.load(Ordering::Relaxed))
    }
}

/// Starts `plan` and returns its output, in row order, as a blocking
/// iterator: the query runs as batches are asked for, so only a few are
/// in memory at once. Planning asks `interrupted` as [`collect`] does.
pub fn stream(
    plan: &Arc<LogicalPlan>,
    interrupted: &mut dyn FnMut() -> bool,
) -> DaftResult<BatchIter> {
    let _span = tracing::debug_span!(target: "daft::exec", "stream").entered();
    let (engine, lowered) = engine_and_lowered(plan)?;
    let ctx = engine.ctx.clone();
    let keep_order = engine.config.maintain_order;
    let stream = run(
        &engine,
        async move {
            let physical = physical(&ctx, lowered).await?;
            ordered_stream(physical, &ctx, keep_order)
        },
        interrupted,
    )?;
    Ok(BatchIter {
        engine,
        stream: Some(stream),
        schema: plan.schema(),
        cancelled: Arc::new(AtomicBool::new(false)),
        stop_token: session::stop_token(),
    })
}

/// Runs `plan` and hands its output, in row order, to `writer` (on a
/// thread of its own) as a blocking iterator. The calling thread waits,
/// asking `interrupted` every [`POLL`]; when it says yes, the iterator
/// fails with [`DaftError::Cancelled`], so the writer stops and cleans up,
/// and the result is that error.
pub fn write_with<T: Send>(
    plan: &Arc<LogicalPlan>,
    interrupted: &mut dyn FnMut() -> bool,
    writer: impl FnOnce(BatchIter, SchemaRef) -> DaftResult<T> + Send,
) -> DaftResult<T> {
    let _span = tracing::debug_span!(target: "daft::exec", "write").entered();
    let token = session::stop_token();
    let iter = stream(plan, interrupted)?;
    let schema = iter.schema();
    let cancelled = iter.cancelled.clone();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        let out_schema = schema.clone();
        scope.spawn(move || {
            let _ = tx.send(writer(iter, out_schema));
        });
        let mut stopping = false;
        loop {
            match rx.recv_timeout(POLL) {
                // A writer that finished before it saw the cancellation
                // wrote everything: its result stands.
                Ok(result) => return result,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if !stopping && (session::stopped_since(token) || interrupted()) {
                        stopping = true;
                        cancelled.store(true, Ordering::Relaxed);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(DaftError::Internal("the writer thread panicked".into()))
                }
            }
        }
    })
}
