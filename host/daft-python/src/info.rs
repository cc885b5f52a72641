//! `daft.daft.build_info()`.

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Versions the native module was built with, for bug reports.
#[pyfunction]
pub fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("version", env!("CARGO_PKG_VERSION"))?;
    d.set_item("rustc_version", env!("DAFT_RUSTC_VERSION"))?;
    d.set_item("arrow_version", arrow::ARROW_VERSION)?;
    d.set_item("pyo3_version", env!("DAFT_PYO3_VERSION"))?;
    d.set_item("allocator", "mimalloc")?;
    // SAFETY: mi_option_get reads one integer of mimalloc's option table.
    let purge = unsafe { libmimalloc_sys::mi_option_get(crate::MI_OPTION_PURGE_DELAY) };
    d.set_item("allocator_purge_delay_ms", purge)?;
    let abi = daft_plugin_api::abi::ABI_VERSION;
    d.set_item("plugin_abi_version", format!("{}.{}", abi.major, abi.minor))?;
    d.set_item(
        "profile",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    )?;
    d.set_item("target", env!("DAFT_TARGET"))?;
    d.set_item("threads", daft_exec::execution_config().target_partitions)?;
    d.set_item(
        "builtin_functions",
        daft_core::registry::global()
            .functions()
            .iter()
            .filter(|f| f.provider == daft_core::registry::Provider::Builtin)
            .count(),
    )?;
    Ok(d)
}
