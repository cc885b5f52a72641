//! This process as a sender and receiver of plans (`daft-distributed`):
//! its registry, the plugins it loaded, and where it runs.

use std::sync::{Arc, OnceLock};

use daft_core::registry::{self, Registry};
use daft_distributed::{EngineCodec, FunctionCatalog};
use daft_plan::{LogicalPlan, Source};
use pyo3::prelude::*;

use crate::plan::{interruptible, PyLogicalPlan};

/// The functions this process can resolve: the global registry and the
/// plugins its loader loaded.
struct ProcessCatalog;

impl FunctionCatalog for ProcessCatalog {
    fn registry(&self) -> &Registry {
        registry::global()
    }

    fn plugin_version(&self, name: &str) -> Option<String> {
        daft_plugin_loader::loaded_version(name)
    }

    fn place(&self) -> String {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "this host".into());
        format!("{host} (process {})", std::process::id())
    }
}

/// The codec of this process.
pub(crate) fn codec() -> &'static EngineCodec {
    static CODEC: OnceLock<EngineCodec> = OnceLock::new();
    CODEC.get_or_init(|| EngineCodec::new(Arc::new(ProcessCatalog)))
}

/// Runs the plan `plan_bytes` (from `PyLogicalPlan.plan_bytes`, here or in
/// another process) and returns its output as an in-memory plan. Functions
/// are resolved in this process: a plugin it has not loaded, or has in
/// another version, is an error naming it.
#[pyfunction]
pub fn run_plan_bytes(py: Python<'_>, plan_bytes: &[u8]) -> PyResult<PyLogicalPlan> {
    let bytes = plan_bytes.to_vec();
    let (schema, batches) = interruptible(py, move |stop| {
        let ctx = daft_exec::task_context()?;
        let plan = codec().decode_plan(&bytes, &ctx)?;
        let schema = plan.schema();
        Ok((schema, daft_exec::collect_physical(plan, stop)?))
    })?;
    Ok(LogicalPlan::scan(Source::InMemory(Arc::new(batches)), schema).into())
}
