//! Engine errors as exceptions of `daft.exceptions`.

use daft_core::{DaftError, TransientKind};
use pyo3::exceptions::{PyFileNotFoundError, PyKeyboardInterrupt, PyMemoryError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyType;

/// Raises `err` as the `daft.exceptions` class for its kind.
pub fn to_py(err: DaftError) -> PyErr {
    let class = match &err {
        DaftError::FieldNotFound { .. } => "DaftFieldNotFoundError",
        DaftError::TypeError(_) => "DaftTypeError",
        DaftError::SchemaMismatch(_) => "DaftSchemaMismatchError",
        DaftError::Plugin { .. } => "DaftPluginError",
        DaftError::Transient { kind, .. } => match kind {
            TransientKind::ConnectTimeout => "ConnectTimeoutError",
            TransientKind::ReadTimeout => "ReadTimeoutError",
            TransientKind::Throttled => "DaftTransientError",
            TransientKind::Socket => "SocketError",
        },
        DaftError::FileNotFound(_) => return PyFileNotFoundError::new_err(err.to_string()),
        DaftError::OutOfMemory(_) => return PyMemoryError::new_err(err.to_string()),
        DaftError::Cancelled(_) => return PyKeyboardInterrupt::new_err(err.to_string()),
        _ => "DaftCoreException",
    };
    let message = err.to_string();
    if let DaftError::UserCode { cause, .. } = &err {
        // The user's own exception, traceback intact, as the `__cause__`.
        if let Some(original) = cause.0.downcast_ref::<PyErr>() {
            return Python::attach(|py| {
                let raised = core_exception(py, "DaftCoreException", message);
                raised.set_cause(py, Some(original.clone_ref(py)));
                raised
            });
        }
    }
    Python::attach(|py| core_exception(py, class, message))
}

/// An exception of class `class` of `daft.exceptions` with `message`.
fn core_exception(py: Python<'_>, class: &str, message: String) -> PyErr {
    match py.import("daft.exceptions").and_then(|m| m.getattr(class)) {
        Ok(cls) => match cls.cast_into::<PyType>() {
            Ok(t) => PyErr::from_type(t, message),
            Err(_) => PyRuntimeError::new_err(message),
        },
        Err(_) => PyRuntimeError::new_err(message),
    }
}

/// `?`-friendly conversion of engine results.
pub trait IntoPyResult<T> {
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, DaftError> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
