//! Python UDFs as registry functions: a [`PythonKernel`] per call site, made
//! by `PyExpr.python_udf`, whose kernel hands each batch to the Python
//! runner (`daft._udf._runner.Runner`) through the Arrow C data interface.
//!
//! The GIL is taken only for the runner's call: DataFusion's threads keep
//! running native operators around it. An exception from the runner becomes
//! [`DaftError::UserCode`] carrying the exception itself, which
//! [`crate::error::to_py`] chains to the exception it raises.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::ArrayRef;
use arrow::datatypes::Field;
use daft_core::options::FunctionOptions;
use daft_core::registry::{FunctionDef, Implementation, Param, Provider, ScalarFunction};
use daft_core::types::TypeClass;
use daft_core::{Cause, DaftError, DaftResult};
use daft_dsl::Expr;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::arrow_ffi;

/// A Python function at one call site: the runner and its declared output.
pub(crate) struct PythonKernel {
    pub(crate) name: String,
    pub(crate) runner: Py<PyAny>,
    output: Field,
}

impl ScalarFunction for PythonKernel {
    fn return_field(&self, _args: &[Field], _options: &FunctionOptions) -> DaftResult<Field> {
        Ok(self.output.clone())
    }

    fn call(
        &self,
        _args: &[ArrayRef],
        _options: &FunctionOptions,
        _num_rows: usize,
    ) -> DaftResult<ArrayRef> {
        Err(DaftError::Internal(format!(
            "UDF {} was called without its argument fields",
            self.name
        )))
    }

    fn call_with_fields(
        &self,
        args: &[ArrayRef],
        fields: &[Field],
        _options: &FunctionOptions,
        num_rows: usize,
    ) -> DaftResult<ArrayRef> {
        let stop = StopCheck {
            since: daft_exec::interrupts(),
        };
        let Some(_running) = InFlight::enter() else {
            return Err(DaftError::Cancelled(format!(
                "UDF {}: the interpreter is exiting",
                self.name
            )));
        };
        // A batch of a slow UDF can take minutes (see `off_the_runtime`).
        let call = || {
            Python::attach(|py| -> PyResult<ArrayRef> {
                let capsules = PyList::empty(py);
                for (a, f) in args.iter().zip(fields) {
                    capsules.append(arrow_ffi::export_array(py, f, a)?)?;
                }
                let result = self.runner.bind(py).call1((capsules, num_rows, stop))?;
                Ok(arrow_ffi::import_array(&result)?.1)
            })
        };
        off_the_runtime(call).map_err(|e| self.error(e))
        // The result's length and type are checked by `RegistryUdf`, as
        // every function's are.
    }

    fn is_volatile(&self) -> bool {
        // A Python function may do anything (draw random numbers, call a
        // service); never fold or deduplicate its calls.
        true
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// Passed to the runner: called between rows, it says whether a query was
/// interrupted since the batch began, so a long batch stops early.
#[pyclass(module = "daft.daft", frozen)]
struct StopCheck {
    since: u64,
}

#[pymethods]
impl StopCheck {
    fn __call__(&self) -> bool {
        daft_exec::interrupts() != self.since || SHUTTING_DOWN.load(Ordering::Relaxed)
    }
}

/// Batches of Python UDFs running now, on any thread.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// Set when the interpreter exits: running batches stop at their next check.
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// Counts one running call of Python code (a UDF batch, a UDAF step) while
/// it lives.
pub(crate) struct InFlight;

impl InFlight {
    /// `None` once the interpreter is exiting: the call must not touch
    /// Python. Counting before checking (both SeqCst) closes the race with
    /// [`stop_python_udfs`], which sets the flag before it waits for the
    /// count: a call either sees the flag or is waited for.
    pub(crate) fn enter() -> Option<Self> {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        let running = InFlight;
        (!SHUTTING_DOWN.load(Ordering::SeqCst)).then_some(running)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Stops the batches of Python UDFs still running (those of an interrupted
/// query finish their current row) and refuses new ones, then waits until
/// `deadline` for them. Called at interpreter exit (`stop_queries`, with the
/// GIL released): an engine thread that touched Python after the
/// interpreter finalized would be killed mid-frame and abort the process.
/// Returns whether all stopped.
pub(crate) fn stop_python_udfs(deadline: Instant) -> bool {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    while IN_FLIGHT.load(Ordering::SeqCst) > 0 {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

/// Runs `call` (Python code, which may take minutes) with this engine
/// thread's other tasks, and the runtime's timers (which notice a Ctrl-C),
/// handed to another thread meanwhile (`block_in_place`).
pub(crate) fn off_the_runtime<T>(call: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(call)
        }
        _ => call(),
    }
}

/// The class name of a Python exception (`"exception"` if it has none).
pub(crate) fn exception_kind(py: Python<'_>, e: &PyErr) -> String {
    e.get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "exception".into())
}

impl PythonKernel {
    fn error(&self, e: PyErr) -> DaftError {
        let message = Python::attach(|py| {
            let kind = exception_kind(py, &e);
            if kind == "UdfInterrupted" {
                return None;
            }
            let is_contract = kind == "UdfContractError";
            let text = e.value(py).to_string();
            Some(if is_contract {
                text
            } else {
                format!("UDF {} raised {kind}: {text}", self.name)
            })
        });
        let Some(message) = message else {
            return DaftError::Cancelled(format!(
                "UDF {} stopped: the query was interrupted",
                self.name
            ));
        };
        DaftError::UserCode {
            function: format!("UDF {}", self.name),
            message,
            cause: Cause(Arc::new(e)),
        }
    }
}

/// A call of the Python UDF `name` on `args`: `runner(capsules, num_rows)`
/// computes a batch, `output` (a pyarrow field) is its declared result.
pub fn python_udf(
    name: String,
    runner: Py<PyAny>,
    output: &Bound<'_, PyAny>,
    args: Vec<Expr>,
) -> DaftResult<Expr> {
    let def = python_function(name, runner, output)?;
    Expr::call(Arc::new(def), args, Default::default())
}

/// The registry entry of the Python UDF `name` (see [`python_udf`]).
pub(crate) fn python_function(
    name: String,
    runner: Py<PyAny>,
    output: &Bound<'_, PyAny>,
) -> DaftResult<FunctionDef> {
    let output = arrow_ffi::import_field(output)
        .map_err(|e| DaftError::value_error(format!("UDF {name}: its return type: {e}")))?;
    Ok(FunctionDef {
        doc: format!("The Python UDF {name}."),
        params: vec![Param::variadic("args", TypeClass::Any, 0)],
        provider: Provider::Python,
        implementation: Implementation::Scalar(Arc::new(PythonKernel {
            name: name.clone(),
            runner,
            output: output.with_nullable(true),
        })),
        name,
    })
}
