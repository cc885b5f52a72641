//! The PyO3 binding: the native module `daft.daft`.
//!
//! Its entry point initializes the process-wide state once — the global
//! allocator (mimalloc, declared below), the `tracing` bridge to Python's
//! `logging`, and the function registry — then registers every binding
//! class and function in one pass. Everything here converts between Python
//! and the engine crates; no engine logic lives in this crate.

mod arrow_ffi;
mod boundary;
mod distributed;
mod error;
mod execution;
mod expr;
mod info;
mod logging;
mod plan;
mod plugins;
mod progress;
mod registry;
mod storage;
mod table;
mod types;
mod udaf;
mod udf;

use pyo3::prelude::*;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The native module, imported as `daft.daft`.
#[pymodule]
#[pyo3(name = "daft")]
fn daft_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    init_once(m.py())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<expr::PyExpr>()?;
    m.add_class::<plan::PyLogicalPlan>()?;
    m.add_class::<plan::PyBatchStream>()?;
    m.add_class::<plan::PySchema>()?;
    m.add_class::<registry::PyFunction>()?;
    m.add_class::<boundary::ApiFunction>()?;
    m.add_class::<boundary::BoundApiMethod>()?;
    m.add_function(wrap_pyfunction!(info::build_info, m)?)?;
    m.add_function(wrap_pyfunction!(storage::find_files, m)?)?;
    m.add_function(wrap_pyfunction!(storage::remove_other_objects, m)?)?;
    m.add_function(wrap_pyfunction!(storage::put_object, m)?)?;
    m.add_function(wrap_pyfunction!(execution::set_execution_config, m)?)?;
    m.add_function(wrap_pyfunction!(execution::get_execution_config, m)?)?;
    m.add_function(wrap_pyfunction!(execution::stop_queries, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::run_plan_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::run_stage_task, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::set_distributed_runner, m)?)?;
    m.add_function(wrap_pyfunction!(registry::list_functions, m)?)?;
    m.add_function(wrap_pyfunction!(types::display_type, m)?)?;
    m.add_function(wrap_pyfunction!(types::sql_datatype, m)?)?;
    m.add_function(wrap_pyfunction!(registry::get_function, m)?)?;
    m.add_function(wrap_pyfunction!(logging::refresh_logger_levels, m)?)?;
    m.add_function(wrap_pyfunction!(plugins::load_plugin, m)?)?;
    m.add_function(wrap_pyfunction!(plugins::plugin_statuses, m)?)?;
    m.add_function(wrap_pyfunction!(plugins::record_plugin_failure, m)?)?;
    m.add_function(wrap_pyfunction!(plugins::set_plugin_strict_validation, m)?)?;
    m.add_function(wrap_pyfunction!(plugins::plugin_extension_types, m)?)?;
    #[cfg(unix)]
    m.add_function(wrap_pyfunction!(plugins::plugin_worker, m)?)?;
    let functions = PyModule::new(m.py(), registry::SUBMODULE)?;
    functions.add(
        "__doc__",
        "Every function of the registry, built in or from a plugin, as a PyFunction.",
    )?;
    for def in daft_core::registry::global().functions() {
        functions.add(def.name.clone(), registry::PyFunction::from(def))?;
    }
    m.add_submodule(&functions)?;
    Ok(())
}

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_t`, the
/// same in mimalloc 2 and 3).
pub(crate) const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory for ten seconds before mimalloc returns it to the OS
/// (its default is 10 ms), unless `MIMALLOC_PURGE_DELAY` says otherwise;
/// ten seconds is also jemalloc's default decay.
///
/// A query frees each batch's buffers and allocates the next batch's right
/// after, and queries follow each other; once pages have gone back to the
/// OS, every new buffer is faulted in and zeroed by the kernel again.
/// Measured on a 2-core VM, over 100 runs of `hash` of 10 M Int64 in one
/// process: 640 page faults of 2 MiB with a delay of one second and none
/// with ten (`perf stat -e page-faults`); a delay of 100 ms or more had
/// already taken one `hash` from 26 ms to 16 ms (`benchmarks/`, kernels
/// section). Peak memory is unchanged: freed pages are reused, not added.
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set stores one integer in mimalloc's option
        // table; it runs once, at import, before the engine starts threads,
        // and a concurrent reader would see either the old or the new delay.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10_000) }
    }
}

/// Process-wide initialization; a second import (e.g. a sub-interpreter or
/// `importlib.reload`) finds it done and changes nothing.
fn init_once(py: Python<'_>) -> PyResult<()> {
    static INIT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    INIT.get_or_init(|| {
        tune_allocator();
        logging::install(py).map_err(|e| format!("cannot bridge tracing to logging: {e}"))?;
        // Referencing the crate keeps its inventory submissions in the link.
        daft_functions::link();
        let n = daft_core::registry::global().functions().len();
        tracing::debug!(target: "daft::init", functions = n, "function registry built");
        Ok(())
    })
    .clone()
    .map_err(pyo3::exceptions::PyImportError::new_err)
}
