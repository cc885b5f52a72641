//! Python UDAFs (`@daft.udaf`) as [`AggregateKernel`]s: each step calls the
//! Python helper (`daft._udf.udaf.Steps`) with Arrow arrays through the C data
//! interface, holding the GIL only for the call.

use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::datatypes::Field;
use daft_core::aggregate::{AggregateKernel, UserAggregate};
use daft_core::{Cause, DaftError, DaftResult};
use daft_dsl::{AggKind, Expr};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::arrow_ffi;
use crate::udf::{exception_kind, off_the_runtime, InFlight};

struct PythonAggregate {
    name: String,
    /// The helper whose `aggregate`, `combine` and `finalize` take a list of
    /// Arrow capsule pairs and return pyarrow arrays.
    steps: Py<PyAny>,
    output: Field,
    state: Vec<Field>,
}

impl PythonAggregate {
    fn call(&self, step: &str, arrays: &[ArrayRef], fields: &[Field]) -> DaftResult<Vec<ArrayRef>> {
        let Some(_running) = InFlight::enter() else {
            return Err(DaftError::Cancelled(format!(
                "UDAF {}: the interpreter is exiting",
                self.name
            )));
        };
        let call = || {
            Python::attach(|py| -> PyResult<Vec<ArrayRef>> {
                let capsules = PyList::empty(py);
                for (a, f) in arrays.iter().zip(fields) {
                    capsules.append(arrow_ffi::export_array(py, f, a)?)?;
                }
                let result = self.steps.bind(py).call_method1(step, (capsules,))?;
                let mut out = Vec::new();
                for item in result.try_iter()? {
                    out.push(arrow_ffi::import_array(&item?)?.1);
                }
                Ok(out)
            })
        };
        off_the_runtime(call).map_err(|e| self.error(step, e))
    }

    fn error(&self, step: &str, e: PyErr) -> DaftError {
        let message = Python::attach(|py| {
            let kind = exception_kind(py, &e);
            let text = e.value(py).to_string();
            if kind == "UdfContractError" {
                text
            } else {
                format!("UDAF {} raised {kind} in {step}: {text}", self.name)
            }
        });
        DaftError::UserCode {
            function: format!("UDAF {}", self.name),
            message,
            cause: Cause(Arc::new(e)),
        }
    }
}

impl AggregateKernel for PythonAggregate {
    fn name(&self) -> &str {
        &self.name
    }

    fn return_field(&self) -> Field {
        self.output.clone()
    }

    fn state_fields(&self) -> Vec<Field> {
        self.state.clone()
    }

    fn aggregate(&self, args: &[ArrayRef]) -> DaftResult<Vec<ArrayRef>> {
        let fields: Vec<Field> = args
            .iter()
            .enumerate()
            .map(|(i, a)| Field::new(format!("arg{i}"), a.data_type().clone(), true))
            .collect();
        self.call("aggregate", args, &fields)
    }

    fn combine(&self, states: &[ArrayRef]) -> DaftResult<Vec<ArrayRef>> {
        self.call("combine", states, &self.state)
    }

    fn finalize(&self, state: &[ArrayRef]) -> DaftResult<ArrayRef> {
        let mut out = self.call("finalize", state, &self.state)?;
        match (out.pop(), out.is_empty()) {
            (Some(a), true) => Ok(a),
            _ => Err(DaftError::Internal(format!(
                "UDAF {}: finalize gave no single array",
                self.name
            ))),
        }
    }
}

/// The aggregation of the Python UDAF `name` over `input`, a struct of the
/// call's arguments; `output` and `state` are pyarrow fields.
pub fn python_udaf(
    name: String,
    steps: Py<PyAny>,
    output: &Bound<'_, PyAny>,
    state: Vec<Bound<'_, PyAny>>,
    input: Expr,
) -> DaftResult<Expr> {
    let field = |f: &Bound<'_, PyAny>, what: &str| {
        arrow_ffi::import_field(f)
            .map(|f| f.with_nullable(true))
            .map_err(|e| DaftError::value_error(format!("UDAF {name}: its {what}: {e}")))
    };
    let output = field(output, "return type")?;
    let state = state
        .iter()
        .map(|f| field(f, "state type"))
        .collect::<DaftResult<Vec<_>>>()?;
    let kernel = PythonAggregate {
        name,
        steps,
        output,
        state,
    };
    input.agg(AggKind::User(UserAggregate(Arc::new(kernel))))
}
