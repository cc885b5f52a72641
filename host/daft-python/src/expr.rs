//! `PyExpr`: the native side of `daft.Expression`.

use std::collections::BTreeMap;

use daft_core::options::OptionValue;
use daft_dsl::{AggKind, Expr, Operator};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};

use crate::arrow_ffi;
use crate::error::IntoPyResult;
use crate::plan::PySchema;

/// An expression tree; the Python `Expression` class wraps one.
#[pyclass(module = "daft.daft", name = "PyExpr", frozen)]
#[derive(Clone)]
pub struct PyExpr {
    pub expr: Expr,
}

impl From<Expr> for PyExpr {
    fn from(expr: Expr) -> Self {
        PyExpr { expr }
    }
}

#[pymethods]
impl PyExpr {
    /// A reference to a column.
    #[staticmethod]
    fn col(name: String) -> Self {
        Expr::col(name).into()
    }

    /// A literal from a one-element Arrow array (anything with `__arrow_c_array__`).
    #[staticmethod]
    fn lit(array: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (_, arr) = arrow_ffi::import_array(array)?;
        let arr = arrow::compute::cast(&arr, &daft_core::types::canonical_type(arr.data_type()))
            .map_err(daft_core::DaftError::from)
            .py()?;
        Ok(Expr::lit(arr).py()?.into())
    }

    /// `self <op> other` for an operator symbol such as `"+"` or `"=="`.
    fn binary(&self, op: &str, other: &PyExpr) -> PyResult<Self> {
        let op = Operator::parse(op).py()?;
        Ok(self
            .expr
            .clone()
            .binary(op, other.expr.clone())
            .py()?
            .into())
    }

    /// Boolean negation.
    fn not_(&self) -> PyResult<Self> {
        Ok(self.expr.clone().negate().py()?.into())
    }

    /// Renames the output.
    fn alias(&self, name: String) -> Self {
        self.expr.clone().alias(name).into()
    }

    /// An aggregation (`"sum"`, `"mean"`, `"count"`, ...).
    fn agg(&self, kind: &str) -> PyResult<Self> {
        Ok(self
            .expr
            .clone()
            .agg(AggKind::parse(kind).py()?)
            .py()?
            .into())
    }

    /// The output column name.
    fn name(&self) -> String {
        self.expr.name()
    }

    /// Whether the expression contains an aggregation.
    fn has_agg(&self) -> bool {
        self.expr.has_agg()
    }

    /// `(name, type as shown in schemas)` of the output against `schema`.
    fn to_field(&self, schema: &PySchema) -> PyResult<(String, String)> {
        let f = self.expr.to_field(&schema.schema).py()?;
        Ok((f.name().clone(), daft_core::types::display_type(&f)))
    }

    fn __repr__(&self) -> String {
        self.expr.to_string()
    }
}

/// Converts Python keyword arguments into function option values.
pub fn options_from_py(
    function: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<BTreeMap<String, OptionValue>> {
    let mut out = BTreeMap::new();
    let Some(kwargs) = kwargs else {
        return Ok(out);
    };
    for (k, v) in kwargs.iter() {
        let name: String = k.extract()?;
        let value = if v.is_none() {
            OptionValue::Null
        } else if v.is_instance_of::<PyBool>() {
            OptionValue::Bool(v.extract()?)
        } else if v.is_instance_of::<PyInt>() {
            OptionValue::Int(v.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "function {function}: option `{name}` does not fit in a 64-bit integer"
                ))
            })?)
        } else if v.is_instance_of::<PyFloat>() {
            OptionValue::Float(v.extract()?)
        } else if v.is_instance_of::<PyString>() {
            OptionValue::Str(v.extract()?)
        } else if v.hasattr("__arrow_c_schema__")? {
            OptionValue::DataType(arrow_ffi::import_data_type(&v)?)
        } else {
            return Err(PyTypeError::new_err(format!(
                "function {function}: option `{name}` must be a literal (None, bool, int, float, \
                 str or DataType), got {}",
                v.get_type().name()?
            )));
        };
        out.insert(name, value);
    }
    Ok(out)
}
