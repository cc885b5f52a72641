//! The process's query engine: one tokio runtime and one DataFusion session,
//! built on first use, rebuilt when the execution config changes, and
//! rebuilt from scratch in a child process after `fork`.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::optimizer::{Optimizer, OptimizerRule};
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::prelude::{SessionConfig, SessionContext};

use daft_core::{DaftError, DaftResult};

use crate::guards::{GuardedPhysicalRule, GuardedPushDownFilter};
use crate::ordered::PreserveOrder;

/// What a user can set with `daft.set_execution_config(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionConfig {
    /// Memory that the query's operators (hash tables, sort buffers) may
    /// hold before they spill to disk or fail. Default: [`default_memory_limit`].
    pub memory_limit_bytes: usize,
    /// Parallel partitions per query. Default: the number of cores.
    pub target_partitions: usize,
    /// Where operators spill; `None` is the OS temporary directory
    /// (`TMPDIR`).
    pub spill_dir: Option<String>,
    /// Rows per batch inside DataFusion.
    pub batch_size: usize,
    /// Keep the input's row order through projections, filters and
    /// limits (Daft's `maintain_order`, default true); false lets
    /// partitions' outputs interleave, which is a little faster.
    pub maintain_order: bool,
}

impl Default for ExecutionConfig {
    fn default() -> Self {
        ExecutionConfig {
            memory_limit_bytes: default_memory_limit(),
            target_partitions: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            spill_dir: None,
            batch_size: 8192,
            maintain_order: true,
        }
    }
}

/// Three quarters of the memory this process may use: the machine's RAM, or
/// the cgroup's limit where one is set (containers, CI). Operator state is
/// only part of a query's memory (inputs in flight and results are not
/// counted), hence not all of it.
pub fn default_memory_limit() -> usize {
    let total = physical_memory().unwrap_or(8 << 30);
    let limit = cgroup_memory_limit().map_or(total, |c| c.min(total));
    limit / 4 * 3
}

fn physical_memory() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn cgroup_memory_limit() -> Option<usize> {
    // cgroup v2, then v1; "max" (no limit) does not parse and gives None.
    [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok()?.trim().parse().ok())
}

/// The runtime and session queries run on.
pub struct Engine {
    pid: u32,
    /// The config this engine was built with.
    pub config: ExecutionConfig,
    /// Runs DataFusion's tasks; callers wait on it from their own thread.
    pub runtime: tokio::runtime::Runtime,
    /// The DataFusion session (config, memory pool, disk manager).
    pub ctx: SessionContext,
}

static ENGINE: Mutex<Option<Arc<Engine>>> = Mutex::new(None);
static CONFIG: Mutex<Option<ExecutionConfig>> = Mutex::new(None);

/// How many times [`stop_queries_and_wait`] was called: a query started
/// before the latest call stops at its next poll; one started afterwards
/// (an exit handler that runs a query) runs as usual.
static STOPS: AtomicU64 = AtomicU64::new(0);

/// Engines replaced by a config change that a thread of their own is still
/// dropping (their runtimes finishing the tasks of queries that used them).
static DROPPING: AtomicUsize = AtomicUsize::new(0);

/// A query's token taken when it starts: [`stopped_since`] tells it
/// whether [`stop_queries_and_wait`] was called since.
pub(crate) fn stop_token() -> u64 {
    STOPS.load(Ordering::SeqCst)
}

/// Whether [`stop_queries_and_wait`] was called since `token` was taken.
pub(crate) fn stopped_since(token: u64) -> bool {
    STOPS.load(Ordering::SeqCst) != token
}

/// Called when the process is about to exit: the queries running now stop,
/// and this waits up to `timeout` until no task of the engine's runtime is
/// left. Returns whether none is.
///
/// A query that fails in one partition returns its error while the other
/// partitions' tasks still run until their next await point, holding
/// batches that may be Arrow memory of the Python process (`from_pydict`
/// imports pyarrow's buffers without copying). Releasing such a buffer
/// after `exit` has destroyed pyarrow's memory pool aborts the process
/// ("cannot create default memory pool"), so the tasks must be gone first.
pub fn stop_queries_and_wait(timeout: Duration) -> bool {
    STOPS.fetch_add(1, Ordering::SeqCst);
    let deadline = Instant::now() + timeout;
    let pid = std::process::id();
    loop {
        let alive = lock(&ENGINE)
            .as_ref()
            .filter(|e| e.pid == pid)
            .map_or(0, |e| e.runtime.metrics().num_alive_tasks());
        if alive == 0 && DROPPING.load(Ordering::SeqCst) == 0 {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks leaves plain data that is still
    // valid (an Option being replaced), so poisoning is ignored.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The current execution config.
pub fn execution_config() -> ExecutionConfig {
    lock(&CONFIG).clone().unwrap_or_default()
}

/// Replaces the execution config; queries started after this use it.
pub fn set_execution_config(config: ExecutionConfig) -> DaftResult<()> {
    if config.target_partitions == 0 {
        return Err(DaftError::value_error(
            "set_execution_config: target_partitions must be at least 1",
        ));
    }
    if config.batch_size == 0 {
        return Err(DaftError::value_error(
            "set_execution_config: batch_size must be at least 1",
        ));
    }
    *lock(&CONFIG) = Some(config);
    Ok(())
}

/// The engine for the current process and config, built if needed.
pub fn engine() -> DaftResult<Arc<Engine>> {
    let config = execution_config();
    let mut slot = lock(&ENGINE);
    let pid = std::process::id();
    if let Some(e) = slot.as_ref() {
        if e.pid == pid && e.config == config {
            return Ok(e.clone());
        }
        if e.pid != pid {
            // A child of `fork`: the parent's runtime threads do not exist
            // here, and its memory pool may count reservations of queries
            // that were running in them. Dropping it would wait for those
            // threads forever; it is leaked instead and a new one built.
            if let Some(old) = slot.take() {
                std::mem::forget(old);
            }
        }
    }
    let built = Arc::new(build(pid, config)?);
    // An engine replaced because the config changed is dropped when the
    // last query using it ends; runtimes must not be dropped inside one.
    let previous = slot.replace(built.clone());
    drop(slot);
    if let Some(previous) = previous {
        DROPPING.fetch_add(1, Ordering::SeqCst);
        std::thread::spawn(move || {
            drop(previous);
            DROPPING.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(built)
}

/// DataFusion's logical rules, with `PushDownFilter` guarded (see
/// `guards`), then the engine's own.
fn logical_rules() -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
    let guarded: Arc<dyn OptimizerRule + Send + Sync> = Arc::new(GuardedPushDownFilter::default());
    let mut rules = replace_rule(Optimizer::new().rules, guarded, |r| r.name());
    // After DataFusion's own rules, which bring filters down to the
    // windows they bound.
    rules.push(Arc::new(crate::topn::RankingPrefilter));
    rules
}

/// `rules` with the one named like `with` (a guard wrapping it, which keeps
/// its name) replaced by `with`, in the same place.
fn replace_rule<R: ?Sized>(
    rules: Vec<Arc<R>>,
    with: Arc<R>,
    name: impl Fn(&R) -> &str,
) -> Vec<Arc<R>> {
    rules
        .into_iter()
        .map(|rule| {
            if name(&rule) == name(&with) {
                with.clone()
            } else {
                rule
            }
        })
        .collect()
}

fn build(pid: u32, config: ExecutionConfig) -> DaftResult<Engine> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.target_partitions.max(1))
        .thread_name("daft-exec")
        // Plans are built and run on these threads, and DataFusion's type
        // derivation (`ExprSchemable::to_field`) recurses once per level of
        // a nested expression without growing the stack: tokio's 2 MiB
        // overflowed on a 999-deep chain of checked integer operators
        // (UDFs, whose frames are larger than BinaryExpr's). Untouched
        // stack pages cost no memory.
        .thread_stack_size(16 << 20)
        .enable_time()
        .build()
        .map_err(|e| DaftError::Internal(format!("cannot start the query runtime: {e}")))?;
    let mut disk = DiskManagerBuilder::default();
    disk.set_mode(match &config.spill_dir {
        Some(dir) => DiskManagerMode::Directories(vec![dir.into()]),
        None => DiskManagerMode::OsTmpDirectory,
    });
    let pool = TrackConsumersPool::new(
        FairSpillPool::new(config.memory_limit_bytes),
        NonZeroUsize::new(5).expect("5 is not zero"),
    );
    let runtime_env = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(pool))
        .with_disk_manager_builder(disk)
        .with_object_store_registry(Arc::new(crate::stores::PlannedStores::default()))
        .build_arc()
        .map_err(crate::df_err)?;
    let mut session = SessionConfig::new()
        .with_target_partitions(config.target_partitions)
        .with_batch_size(config.batch_size);
    let opts = session.options_mut();
    // Round-robin repartitioning would interleave rows of different input
    // ranges; Daft keeps the input order through projections, filters and
    // limits, and parallelism comes from splitting the input instead.
    opts.optimizer.enable_round_robin_repartition = false;
    // The engine's string type is Utf8 (one code path per type family in
    // the kernels); reading Parquet strings as views would cast them back.
    opts.execution.parquet.schema_force_view_types = false;
    // A scan's files are listed and their footers read one after another:
    // concurrently, DataFusion would keep them in the order they finish, and
    // Daft reads files in the order the paths and globs gave them.
    // Partitions stealing each other's files would break the contiguous
    // runs that make ordered concatenation give the input order.
    opts.execution.enable_file_stream_work_stealing = !config.maintain_order;
    opts.execution.meta_fetch_concurrency =
        datafusion::common::config::ConfigNonZeroUsize::try_new(1).map_err(crate::df_err)?;
    let mut rules = PhysicalOptimizer::new().rules;
    for guarded in [
        GuardedPhysicalRule::float_safe_topk_aggregation(),
        GuardedPhysicalRule::guarded_aggregate_statistics(),
    ] {
        let guarded: Arc<dyn PhysicalOptimizerRule + Send + Sync> = Arc::new(guarded);
        rules = replace_rule(rules, guarded, |r| r.name());
    }
    // Before every rule that plans a sort (see the module's docs).
    rules.insert(0, Arc::new(crate::union_fence::FenceUnions));
    // Just before DataFusion's sanity check, which it serves.
    let check = rules
        .iter()
        .position(|r| r.name() == "SanityCheckPlan")
        .unwrap_or(rules.len());
    rules.insert(check, Arc::new(crate::sort_repair::RepairSortRequirements));
    if config.maintain_order {
        rules.push(Arc::new(PreserveOrder));
    }
    // Before DataFusion's projection pushdown, which would otherwise move a
    // UDF's projection into the scan, out of the coalescing's reach.
    rules.insert(0, Arc::new(crate::python_batches::BiggerBatchesForPython));
    let state = SessionStateBuilder::new()
        .with_config(session)
        .with_runtime_env(runtime_env)
        .with_physical_optimizer_rules(rules)
        .with_query_planner(Arc::new(crate::layout::EnginePlanner))
        .with_optimizer_rules(logical_rules())
        // DataFusion's rewrite of `DISTINCT ON` (the engine's `distinct(*on)`)
        // looks this aggregate up by name; every other function reaches the
        // plan as an expression already resolved.
        .with_aggregate_functions(vec![
            datafusion::functions_aggregate::first_last::first_value_udaf(),
        ])
        .build();
    Ok(Engine {
        pid,
        config,
        runtime,
        ctx: SessionContext::new_with_state(state),
    })
}
