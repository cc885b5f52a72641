//! `daft.set_execution_config` and friends: the session's execution
//! settings, applied to queries started afterwards.

use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::IntoPyResult;

/// Changes the given settings (others keep their values): the memory limit
/// of query operators in bytes, and whether row order is maintained.
#[pyfunction]
#[pyo3(signature = (memory_limit_bytes=None, maintain_order=None, target_partitions=None))]
pub fn set_execution_config(
    memory_limit_bytes: Option<usize>,
    maintain_order: Option<bool>,
    target_partitions: Option<usize>,
) -> PyResult<()> {
    let mut config = daft_exec::execution_config();
    if let Some(m) = memory_limit_bytes {
        config.memory_limit_bytes = m;
    }
    if let Some(o) = maintain_order {
        config.maintain_order = o;
    }
    if let Some(p) = target_partitions {
        config.target_partitions = p;
    }
    daft_exec::set_execution_config(config).py()
}

/// The current settings as a dict.
#[pyfunction]
pub fn get_execution_config(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let c = daft_exec::execution_config();
    let d = PyDict::new(py);
    d.set_item("memory_limit_bytes", c.memory_limit_bytes)?;
    d.set_item("maintain_order", c.maintain_order)?;
    d.set_item("target_partitions", c.target_partitions)?;
    d.set_item("spill_dir", c.spill_dir)?;
    Ok(d)
}

/// Called at interpreter exit (`atexit`, registered by `import daft`): with
/// the GIL released, stops the Python UDF batches still running (see
/// `udf::stop_python_udfs`), then the queries, and waits until the engine
/// has no task left (see `daft_exec::stop_queries_and_wait`), all within
/// `timeout_s`. UDFs go first: a task inside a UDF batch ends only when the
/// batch does. Returns whether everything stopped.
#[pyfunction]
pub fn stop_queries(py: Python<'_>, timeout_s: f64) -> bool {
    let deadline = Instant::now() + Duration::from_secs_f64(timeout_s.max(0.0));
    py.detach(|| {
        let udfs = crate::udf::stop_python_udfs(deadline);
        let left = deadline.saturating_duration_since(Instant::now());
        daft_exec::stop_queries_and_wait(left) && udfs
    })
}
