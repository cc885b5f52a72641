//! The native half of the progress display: hands a running query's counters
//! (`daft_exec::progress`) to `daft._progress`, which draws them with tqdm.
//!
//! It runs in the callback a waiting query calls every `daft_exec::POLL`, which
//! holds the GIL for it anyway, and does nothing before a query has run for
//! [`SHOW_AFTER`]: a short query never reaches Python for it.

use std::sync::Arc;
use std::time::Duration;

use daft_exec::progress::QueryProgress;
use pyo3::prelude::*;

/// Queries that end sooner show no progress.
pub(crate) const SHOW_AFTER: Duration = Duration::from_secs(1);

/// What the display does for the query a thread waits for.
#[derive(Default)]
pub(crate) enum Display {
    /// Not asked yet (the query is younger than [`SHOW_AFTER`]).
    #[default]
    Undecided,
    /// Progress is off (not a terminal, CI, `DAFT_PROGRESS_BAR=0`, ...).
    Off,
    /// Bars are up for this query.
    Shown(Arc<QueryProgress>),
}

/// Called on every poll of a waiting query.
pub(crate) fn tick(py: Python<'_>, display: &mut Display) {
    if matches!(display, Display::Off) {
        return;
    }
    let Some(progress) = daft_exec::progress::current() else {
        return;
    };
    let elapsed = progress.elapsed();
    if elapsed < SHOW_AFTER {
        return;
    }
    let shown = py.import("daft._progress").and_then(|m| {
        m.call_method1(
            "update",
            (key(&progress), elapsed.as_secs_f64(), operators(&progress)),
        )?
        .is_truthy()
    });
    *display = match shown {
        Ok(true) => Display::Shown(progress),
        Ok(false) => Display::Off,
        Err(e) => {
            // A display that fails must not fail the query: it is switched off.
            tracing::debug!(target: "daft::progress", "progress display failed: {e}");
            Display::Off
        }
    };
}

/// Called once the query has ended (successfully or not): draws the final counts,
/// then removes its bars.
pub(crate) fn finish(py: Python<'_>, display: &Display) {
    if let Display::Shown(progress) = display {
        let done = py.import("daft._progress").and_then(|m| {
            let elapsed = progress.elapsed().as_secs_f64();
            m.call_method1("update", (key(progress), elapsed, operators(progress)))?;
            m.call_method1("finish", (key(progress),))
        });
        if let Err(e) = done {
            tracing::debug!(target: "daft::progress", "progress display failed: {e}");
        }
    }
}

/// The query's name for the display: its address, unique while it runs.
fn key(progress: &Arc<QueryProgress>) -> usize {
    Arc::as_ptr(progress) as usize
}

fn operators(progress: &QueryProgress) -> Vec<(usize, String, Option<usize>, usize)> {
    progress
        .snapshot()
        .into_iter()
        .map(|o| (o.depth, o.name, o.rows, o.bytes))
        .collect()
}
