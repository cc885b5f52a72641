//! This process as a sender and receiver of plans (`daft-distributed`):
//! its registry, the plugins it loaded, and where it runs.

use std::sync::{Arc, Mutex, OnceLock};

use arrow::record_batch::RecordBatch;
use daft_core::registry::{self, FunctionDef, Registry};
use daft_core::{DaftError, DaftResult};
use daft_distributed::{
    decode_batches, encode_stages, run_encoded_task, EngineCodec, FunctionCatalog, StageInputs,
    StageOutput,
};
use daft_plan::{LogicalPlan, Source};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::error::IntoPyResult;
use crate::udf::{python_function, PythonKernel};

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

    /// A Python UDF as cloudpickle's bytes of its name and runner (which
    /// holds its declared type).
    fn encode_python(&self, func: &FunctionDef) -> DaftResult<Vec<u8>> {
        let kernel = func
            .implementation
            .scalar()
            .and_then(|f| f.as_any())
            .and_then(|f| f.downcast_ref::<PythonKernel>())
            .ok_or_else(|| {
                DaftError::ValueError(format!(
                    "the Python aggregate {} cannot be sent to another process yet",
                    func.name
                ))
            })?;
        Python::attach(|py| -> PyResult<Vec<u8>> {
            let payload = (kernel.name.clone(), kernel.runner.clone_ref(py));
            py.import("cloudpickle")?
                .call_method1("dumps", (payload,))?
                .extract()
        })
        .map_err(|e| {
            DaftError::ValueError(format!(
                "UDF {}: it must be picklable with cloudpickle to run on other processes: {e}",
                func.name
            ))
        })
    }

    /// The Python UDF of `bytes`, unpickled once per process: every task of
    /// this worker then shares its runner, so a `@daft.cls` instance is
    /// built once per worker process.
    fn decode_python(&self, name: &str, bytes: &[u8]) -> DaftResult<Arc<FunctionDef>> {
        static DECODED: Mutex<Vec<(Vec<u8>, Arc<FunctionDef>)>> = Mutex::new(Vec::new());
        let mut decoded = DECODED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, def)) = decoded.iter().find(|(b, _)| b.as_slice() == bytes) {
            return Ok(def.clone());
        }
        let def = Python::attach(|py| -> PyResult<DaftResult<FunctionDef>> {
            let loaded = py
                .import("cloudpickle")?
                .call_method1("loads", (PyBytes::new(py, bytes),))?;
            let (udf_name, runner): (String, Bound<'_, PyAny>) = loaded.extract()?;
            let declared = py
                .import("daft._udf")?
                .call_method1("_arrow_field", (&udf_name, runner.getattr("dtype")?))?;
            Ok(python_function(udf_name, runner.unbind(), &declared))
        })
        .map_err(|e| {
            DaftError::ValueError(format!(
                "UDF {name} could not be unpickled in {}: {e}",
                self.place()
            ))
        })??;
        let def = Arc::new(def);
        decoded.push((bytes.to_vec(), def.clone()));
        Ok(def)
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

/// The distributed runner queries run on (`daft.set_runner_ray`), if any:
/// a Python object whose `run_stages` runs a plan's stages.
static RUNNER: Mutex<Option<Py<PyAny>>> = Mutex::new(None);

/// Makes `runner` (an object with `prepare()`, called before a query is
/// planned, and `run_stages(stages)`, see `daft/_ray_runner.py`) run every query from now on; `None` runs them in
/// this process again.
#[pyfunction]
#[pyo3(signature = (runner))]
pub fn set_distributed_runner(runner: Option<Py<PyAny>>) {
    *RUNNER.lock().unwrap_or_else(|p| p.into_inner()) = runner;
}

/// Whether queries run on a distributed runner.
pub(crate) fn runner_is_set() -> bool {
    RUNNER.lock().unwrap_or_else(|p| p.into_inner()).is_some()
}

/// Under a distributed runner, the output partitions of `plan` run there
/// (its stages scheduled by the runner's `run_stages`); `None` when
/// queries run in this process.
pub(crate) fn run_distributed(
    py: Python<'_>,
    plan: &Arc<LogicalPlan>,
) -> PyResult<Option<Vec<Vec<RecordBatch>>>> {
    let runner = match RUNNER.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        Some(r) => r.clone_ref(py),
        None => return Ok(None),
    };
    runner.call_method0(py, "prepare")?;
    let logical = plan.clone();
    let stages = py
        .detach(move || encode_stages(codec(), daft_exec::physical_plan_for_tasks(&logical)?))
        .py()?;
    let stages: Vec<_> = stages
        .into_iter()
        .map(|s| {
            let buckets = match s.output {
                StageOutput::Buckets(n) => n,
                StageOutput::Whole => 0,
            };
            (s.id, PyBytes::new(py, &s.plan), s.tasks, buckets, s.inputs)
        })
        .collect();
    let parts = runner.call_method1(py, "run_stages", (stages,))?;
    let parts: Vec<Vec<Bound<'_, PyBytes>>> = parts.extract(py)?;
    let schema = plan.schema();
    let mut out = Vec::with_capacity(parts.len());
    for pieces in parts {
        let mut batches = Vec::new();
        for piece in pieces {
            batches.extend(decode_batches(piece.as_bytes()).py()?);
        }
        out.push(daft_exec::conform_batches(batches, &schema).py()?);
    }
    Ok(Some(out))
}

/// Fetches a task's stage inputs through the runner's Python callable
/// `fetch(stage, partition) -> list[bytes]`.
struct PythonFetch(Py<PyAny>);

impl std::fmt::Debug for PythonFetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PythonFetch")
    }
}

impl StageInputs for PythonFetch {
    fn fetch(&self, stage: usize, partition: usize) -> DaftResult<Vec<RecordBatch>> {
        let pieces: Vec<Vec<u8>> =
            Python::attach(|py| self.0.call1(py, (stage, partition))?.extract(py)).map_err(
                |e| DaftError::UserCode {
                    function: format!("the runner's fetch of stage {stage}"),
                    message: format!("fetching partition {partition} of stage {stage}: {e}"),
                    cause: daft_core::Cause(Arc::new(e)),
                },
            )?;
        let mut out = Vec::new();
        for p in pieces {
            out.extend(decode_batches(&p)?);
        }
        Ok(out)
    }
}

/// Runs task `task` of the stage `plan_bytes` (from the runner's stages)
/// in this process, fetching earlier stages' output with
/// `fetch(stage, partition) -> list[bytes]`. Returns the task's output as
/// Arrow IPC bytes: one piece per bucket, or one piece.
#[pyfunction]
pub fn run_stage_task<'py>(
    py: Python<'py>,
    plan_bytes: &[u8],
    task: usize,
    fetch: Py<PyAny>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let bytes = plan_bytes.to_vec();
    let inputs: Arc<dyn StageInputs> = Arc::new(PythonFetch(fetch));
    let pieces = interruptible(py, move |stop| {
        run_encoded_task(codec(), &bytes, task, inputs, stop)
    })?;
    Ok(pieces.iter().map(|p| PyBytes::new(py, p)).collect())
}
