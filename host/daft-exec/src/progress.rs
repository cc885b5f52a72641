//! What a running query has done so far, operator by operator, for a progress
//! display.
//!
//! DataFusion's operators count their output in live metrics (atomic counters in
//! each [`ExecutionPlan`]'s `metrics()`), so reading progress costs the query
//! nothing: [`crate::run`] keeps the physical plan of the query it waits for in a
//! [`QueryProgress`], and the waiting thread — the caller's, which wakes every
//! [`crate::POLL`] anyway to ask whether to stop — reads the counters through
//! [`current`] and hands them to whatever draws them (`daft/_progress.py`).

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use datafusion::physical_plan::ExecutionPlan;

/// One operator's counters: its depth in the plan (0 is the root), its name, and the
/// rows it has output so far (`None` for an operator that does not count them) and the
/// bytes (output, or read by a scan; 0 where the operator counts neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorProgress {
    pub depth: usize,
    pub name: String,
    pub rows: Option<usize>,
    pub bytes: usize,
}

/// A running query: when it started and, once planned, its physical plan.
#[derive(Debug)]
pub struct QueryProgress {
    started: Instant,
    plan: OnceLock<Arc<dyn ExecutionPlan>>,
}

impl QueryProgress {
    pub(crate) fn new() -> Self {
        QueryProgress {
            started: Instant::now(),
            plan: OnceLock::new(),
        }
    }

    /// How long the query has been running.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Every operator's counters, root first, depth-first; empty until the query is
    /// planned.
    pub fn snapshot(&self) -> Vec<OperatorProgress> {
        let mut out = Vec::new();
        if let Some(plan) = self.plan.get() {
            walk(plan.as_ref(), 0, &mut out);
        }
        out
    }
}

fn walk(plan: &dyn ExecutionPlan, depth: usize, out: &mut Vec<OperatorProgress>) {
    let (rows, bytes) = match plan.metrics() {
        Some(m) => (
            m.output_rows(),
            m.sum_by_name("output_bytes")
                .or_else(|| m.sum_by_name("bytes_scanned"))
                .map(|v| v.as_usize())
                .unwrap_or(0),
        ),
        None => (None, 0),
    };
    out.push(OperatorProgress {
        depth,
        name: plan.name().to_string(),
        rows,
        bytes,
    });
    for child in plan.children() {
        walk(child.as_ref(), depth + 1, out);
    }
}

tokio::task_local! {
    /// The progress of the query whose task this is (set by [`crate::run`]).
    static TASK: Arc<QueryProgress>;
}

thread_local! {
    /// The progress of the query this thread is waiting for (set by [`crate::run`]).
    static WAITING: RefCell<Option<Arc<QueryProgress>>> = const { RefCell::new(None) };
}

/// The query the calling thread is waiting for, if it is waiting for one: what a
/// `run` caller's `interrupted` callback reads to show progress.
pub fn current() -> Option<Arc<QueryProgress>> {
    WAITING.with(|w| w.borrow().clone())
}

/// Records `plan` as the physical plan of the query whose task calls it.
pub(crate) fn planned(plan: &Arc<dyn ExecutionPlan>) {
    let _ = TASK.try_with(|p| p.plan.set(plan.clone()));
}

/// Runs `fut` as the task of the query `progress` describes.
pub(crate) fn scope<F: std::future::Future>(
    progress: Arc<QueryProgress>,
    fut: F,
) -> impl std::future::Future<Output = F::Output> {
    TASK.scope(progress, fut)
}

/// Marks the calling thread as waiting for `progress`'s query until the guard drops.
pub(crate) fn waiting(progress: Arc<QueryProgress>) -> WaitingGuard {
    let previous = WAITING.with(|w| w.borrow_mut().replace(progress));
    WaitingGuard { previous }
}

/// Restores what the thread waited for before (a query run from inside another
/// query's callback, such as a UDF that runs a query).
pub(crate) struct WaitingGuard {
    previous: Option<Arc<QueryProgress>>,
}

impl Drop for WaitingGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        WAITING.with(|w| *w.borrow_mut() = previous);
    }
}
