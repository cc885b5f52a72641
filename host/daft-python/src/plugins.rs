//! The plugin loader as seen from Python: load one library, list what was
//! loaded or failed. Discovery (entry points, `DAFT_PLUGIN_PATH`, the
//! switches) is Python's job, in `daft/plugins.py`.

use daft_plugin_loader::{Isolation, LoadRecord, PluginStatus};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::IntoPyResult;

fn status_dict<'py>(py: Python<'py>, s: &PluginStatus) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", &s.name)?;
    d.set_item("version", &s.version)?;
    d.set_item("status", "loaded")?;
    d.set_item(
        "abi_version",
        format!("{}.{}", s.abi_version.0, s.abi_version.1),
    )?;
    d.set_item("path", s.path.to_string_lossy())?;
    d.set_item(
        "functions",
        s.functions
            .iter()
            .map(|f| f.name.clone())
            .collect::<Vec<_>>(),
    )?;
    let shadowed: Vec<String> = s
        .functions
        .iter()
        .filter(|f| f.registration != daft_core::registry::Registration::Global)
        .map(|f| f.name.clone())
        .collect();
    d.set_item("namespaced_only", shadowed)?;
    d.set_item(
        "types",
        s.types.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
    )?;
    d.set_item("isolation", if s.isolated { "process" } else { "none" })?;
    d.set_item("allocator", if s.host_allocator { "host" } else { "own" })?;
    d.set_item("error", py.None())?;
    Ok(d)
}

/// Loads the plugin library at `path` and registers its functions; returns
/// its status, or `None` when `allow` is given and does not name it.
///
/// `isolation` is `None` (in process) or `(command, call_timeout_s,
/// workers)`: the plugin then runs in worker processes started with
/// `command` (see `daft/_plugin_worker.py`).
#[pyfunction]
#[pyo3(signature = (path, allow=None, isolation=None))]
pub fn load_plugin<'py>(
    py: Python<'py>,
    path: String,
    allow: Option<Vec<String>>,
    isolation: Option<(Vec<String>, f64, usize)>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let isolation = match isolation {
        None => Isolation::InProcess,
        #[cfg(not(unix))]
        Some(_) => {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "load_plugin: isolation='process' needs a Unix system (worker processes are \
                 started with fork/exec and talk over Unix sockets)",
            ))
        }
        #[cfg(unix)]
        Some((command, timeout, workers)) => {
            let call_timeout = std::time::Duration::try_from_secs_f64(timeout)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    pyo3::exceptions::PyValueError::new_err(format!(
                        "load_plugin: call_timeout must be a positive number of seconds, got {timeout}"
                    ))
                })?;
            if workers == 0 {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "load_plugin: workers must be at least 1",
                ));
            }
            Isolation::Process(daft_plugin_loader::ProcessOptions {
                command: command.into_iter().map(Into::into).collect(),
                call_timeout,
                workers,
            })
        }
    };
    let result = py
        .detach(|| daft_plugin_loader::load_plugin_with(&path, allow.as_deref(), &isolation))
        .py()?;
    for status in result.iter() {
        for f in &status.functions {
            if let daft_core::registry::Registration::NamespacedOnly { taken_by } = &f.registration
            {
                let msg = format!(
                    "daft: plugin {:?} function {:?} clashes with {} {:?}; it stays reachable as \
                     daft.functions.{}.{}",
                    status.name,
                    f.name,
                    if *taken_by == daft_core::registry::Provider::Builtin {
                        "the built-in"
                    } else {
                        "the function of plugin"
                    },
                    if let daft_core::registry::Provider::Plugin(p) = taken_by {
                        p.clone()
                    } else {
                        f.name.clone()
                    },
                    status.name,
                    f.name
                );
                let warnings = py.import("warnings")?;
                warnings.call_method1(
                    "warn",
                    (msg, py.get_type::<pyo3::exceptions::PyUserWarning>()),
                )?;
            }
        }
    }
    if result.is_some() {
        crate::registry::sync_native_module(py)?;
    }
    result.map(|s| status_dict(py, &s)).transpose()
}

/// Every load attempt of this process, loaded or failed, in order.
#[pyfunction]
pub fn plugin_statuses(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    daft_plugin_loader::statuses()
        .iter()
        .map(|r| match r {
            LoadRecord::Loaded(s) => status_dict(py, s),
            LoadRecord::Failed(f) => {
                let d = PyDict::new(py);
                d.set_item("name", py.None())?;
                d.set_item("version", py.None())?;
                d.set_item("status", "failed")?;
                d.set_item("abi_version", py.None())?;
                d.set_item("path", f.path.to_string_lossy())?;
                d.set_item("functions", Vec::<String>::new())?;
                d.set_item("namespaced_only", Vec::<String>::new())?;
                d.set_item("types", Vec::<String>::new())?;
                d.set_item("isolation", py.None())?;
                d.set_item("allocator", py.None())?;
                d.set_item("error", &f.reason)?;
                Ok(d)
            }
        })
        .collect()
}

/// Records a plugin that failed before the loader saw it (e.g. a broken
/// entry point), so `daft.plugins()` lists it.
#[pyfunction]
pub fn record_plugin_failure(source: String, reason: String) {
    daft_plugin_loader::record_failure(source, reason);
}

/// Turns full Arrow validation of every plugin result on or off.
#[pyfunction]
pub fn set_plugin_strict_validation(on: bool) {
    daft_plugin_loader::set_strict_validation(on);
}

/// Every extension type the loaded plugins declared, as a schema with one
/// field per type: named like the type, of its storage type, carrying its
/// `ARROW:extension:name` and `ARROW:extension:metadata` (so
/// `pyarrow.schema(...)` of it gives fields to build columns of the type).
#[pyfunction]
pub fn plugin_extension_types() -> crate::plan::PySchema {
    use arrow::datatypes::{Field, Schema};
    use daft_core::types::{EXTENSION_METADATA_KEY, EXTENSION_NAME_KEY};
    let fields: Vec<Field> = daft_plugin_loader::extension_types()
        .into_iter()
        .map(|t| {
            let metadata: std::collections::HashMap<String, String> = [
                (EXTENSION_NAME_KEY.to_string(), t.name.clone()),
                (EXTENSION_METADATA_KEY.to_string(), t.metadata),
            ]
            .into_iter()
            .collect();
            Field::new(t.name, t.storage, true).with_metadata(metadata)
        })
        .collect();
    crate::plan::PySchema {
        schema: std::sync::Arc::new(Schema::new(fields)),
    }
}

/// The body of an isolated plugin's worker process: serves the plugin at
/// `plugin` over the two descriptors the host passed, until the host closes
/// the socket. Only `daft/_plugin_worker.py` calls it.
#[cfg(unix)]
#[pyfunction]
#[pyo3(name = "_plugin_worker")]
pub fn plugin_worker(
    py: Python<'_>,
    plugin: String,
    socket_fd: i32,
    region_fd: i32,
) -> PyResult<()> {
    py.detach(|| {
        // SAFETY: the worker script passes the descriptor numbers the host
        // put on its command line; the host opened them for this process
        // only, and nothing else in the worker uses them.
        unsafe {
            daft_plugin_loader::isolation::serve(
                std::path::Path::new(&plugin),
                socket_fd,
                region_fd,
            )
        }
    })
    .py()
}
