//! The function registry as seen from Python: one `PyFunction` per
//! function, the same class for built-ins and plugin functions, so the
//! Python package can expose all of them with one code path.

use std::sync::Arc;

use daft_core::options::OptionValue;
use daft_core::registry::{FunctionDef, ParamKind, Provider};
use daft_dsl::Expr;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyModule};
use pyo3::IntoPyObjectExt;

use crate::error::IntoPyResult;
use crate::expr::{options_from_py, PyExpr};

/// One parameter as Python sees it: `(name, kind, has_default, default, accepts)`.
type ParamTuple = (String, String, bool, Py<PyAny>, String);

/// Plugin name and that plugin's functions.
type ProviderFunctions = (String, Vec<Py<PyFunction>>);

/// A registry function: name, provider, docstring, parameters, and a way to
/// build a call expression.
#[pyclass(module = "daft.daft", name = "PyFunction", frozen)]
pub struct PyFunction {
    def: Arc<FunctionDef>,
}

fn option_to_py(py: Python<'_>, v: &OptionValue) -> PyResult<Py<PyAny>> {
    Ok(match v {
        OptionValue::Null => py.None(),
        OptionValue::Bool(b) => b.into_py_any(py)?,
        OptionValue::Int(i) => i.into_py_any(py)?,
        OptionValue::Float(x) => x.into_py_any(py)?,
        OptionValue::Str(s) => s.into_py_any(py)?,
        OptionValue::DataType(d) => daft_core::types::display_type(d).into_py_any(py)?,
    })
}

impl From<Arc<FunctionDef>> for PyFunction {
    fn from(def: Arc<FunctionDef>) -> Self {
        PyFunction { def }
    }
}

#[pymethods]
impl PyFunction {
    /// The name users call it by.
    #[getter]
    fn name(&self) -> &str {
        &self.def.name
    }

    /// `"builtin"` or the plugin's name.
    #[getter]
    fn provider(&self) -> String {
        self.def.provider.to_string()
    }

    /// Whether the function is built into the engine.
    #[getter]
    fn is_builtin(&self) -> bool {
        self.def.provider == Provider::Builtin
    }

    /// The docstring.
    /// Whether this is an aggregation (used in `agg`, `groupby().agg`, SQL
    /// and windows) rather than a function of each row.
    #[getter]
    fn is_aggregate(&self) -> bool {
        self.def.is_aggregate()
    }

    #[getter]
    fn doc(&self) -> &str {
        &self.def.doc
    }

    /// The Python-style signature text, e.g. `(expr, *, decimals=0)`.
    #[getter]
    fn signature(&self) -> String {
        self.def.signature_text()
    }

    /// Parameters as `(name, kind, has_default, default, accepts)` with kind
    /// one of `"expr"`, `"variadic"`, `"option"`.
    #[getter]
    fn params(&self, py: Python<'_>) -> PyResult<Vec<ParamTuple>> {
        let expr_names: Vec<String> = self
            .def
            .params
            .iter()
            .filter(|p| !matches!(p.kind, ParamKind::Option { .. }))
            .map(|p| p.name.clone())
            .collect();
        self.def
            .params
            .iter()
            .map(|p| {
                Ok(match &p.kind {
                    ParamKind::Expr(c) => (
                        p.name.clone(),
                        "expr".into(),
                        false,
                        py.None(),
                        c.describe_with(&expr_names),
                    ),
                    ParamKind::Variadic { accepts, .. } => (
                        p.name.clone(),
                        "variadic".into(),
                        false,
                        py.None(),
                        accepts.describe_with(&expr_names),
                    ),
                    ParamKind::Option { kind, default } => (
                        p.name.clone(),
                        "option".into(),
                        default.is_some(),
                        match default {
                            Some(d) => option_to_py(py, d)?,
                            None => py.None(),
                        },
                        format!("{kind:?}"),
                    ),
                })
            })
            .collect()
    }

    /// Builds the call expression `name(*args, **options)`; arity and options
    /// are checked now, argument types when the expression meets a schema.
    #[pyo3(signature = (args, options=None))]
    fn call(&self, args: Vec<PyExpr>, options: Option<&Bound<'_, PyDict>>) -> PyResult<PyExpr> {
        // A wrong number of arguments is a Python TypeError, as for any
        // Python function (the signature cannot express a variadic's minimum).
        self.def
            .check_arity(args.len())
            .map_err(|e| pyo3::exceptions::PyTypeError::new_err(e.to_string()))?;
        let options = options_from_py(&self.def.qualified_name(), options)?;
        let args = args.into_iter().map(|a| a.expr).collect();
        Ok(Expr::call(self.def.clone(), args, options).py()?.into())
    }

    fn __repr__(&self) -> String {
        format!(
            "<daft function {}{} from {}>",
            self.def.qualified_name(),
            self.def.signature_text(),
            self.def.provider
        )
    }
}

/// Every function reachable by its plain name, then every plugin's own
/// functions as `(provider, [functions])`.
#[pyfunction]
pub fn list_functions(py: Python<'_>) -> PyResult<(Bound<'_, PyList>, Vec<ProviderFunctions>)> {
    let reg = daft_core::registry::global();
    let plain = PyList::empty(py);
    for def in reg.functions() {
        plain.append(Py::new(py, PyFunction { def })?)?;
    }
    let mut by_provider = Vec::new();
    for (provider, defs) in reg.providers() {
        let fs = defs
            .into_iter()
            .map(|def| Py::new(py, PyFunction { def }))
            .collect::<PyResult<Vec<_>>>()?;
        by_provider.push((provider, fs));
    }
    Ok((plain, by_provider))
}

/// The function called `name` (`"lower"` or `"plugin.name"`).
#[pyfunction]
pub fn get_function(name: &str) -> PyResult<PyFunction> {
    let def = daft_core::registry::global().lookup(name).py()?;
    Ok(PyFunction { def })
}

/// Name of the submodule of `daft.daft` that holds every registry function.
pub const SUBMODULE: &str = "functions";

/// Makes every registry function an attribute of `daft.daft.functions`
/// (plugin functions also under `daft.daft.functions.<plugin>`), so the
/// native module itself exposes what the registry holds. Run at init and
/// after each plugin load; attributes are only ever added.
pub fn sync_native_module(py: Python<'_>) -> PyResult<()> {
    let native = py.import("daft.daft")?;
    let module = native.getattr(SUBMODULE)?.cast_into::<PyModule>()?;
    let reg = daft_core::registry::global();
    for def in reg.functions() {
        if !module.hasattr(def.name.as_str())? {
            module.add(
                def.name.clone(),
                Py::new(py, PyFunction { def: def.clone() })?,
            )?;
        }
    }
    for (provider, defs) in reg.providers() {
        let sub = match module.getattr(provider.as_str()) {
            Ok(existing) => match existing.cast_into::<PyModule>() {
                Ok(m) => m,
                // A function already owns that attribute name.
                Err(_) => continue,
            },
            Err(_) => {
                let m = PyModule::new(py, &provider)?;
                module.add(provider.clone(), &m)?;
                m
            }
        };
        for def in defs {
            if !sub.hasattr(def.name.as_str())? {
                sub.add(def.name.clone(), Py::new(py, PyFunction { def })?)?;
            }
        }
    }
    Ok(())
}
