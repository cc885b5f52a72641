//! `PyExpr`: the native side of `daft.Expression`.

use std::collections::BTreeMap;

use daft_core::options::OptionValue;
use std::sync::Arc;

use daft_dsl::{
    AggKind, Expr, FrameBound, FrameUnit, Operator, Percentiles, WindowFrame, WindowFunc,
    WindowOrder, WindowSpec,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};

use crate::arrow_ffi;
use crate::error::IntoPyResult;
use crate::plan::PySchema;

/// A one-row array as a literal, in the engine's canonical Arrow layout.
fn literal(arr: arrow::array::ArrayRef) -> PyResult<PyExpr> {
    let arr = arrow::compute::cast(&arr, &daft_core::types::canonical_type(arr.data_type()))
        .map_err(daft_core::DaftError::from)
        .py()?;
    Ok(Expr::lit(arr).py()?.into())
}

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

    /// `daft.element()`: each element of a list, inside `list_map` /
    /// `list_filter`.
    #[staticmethod]
    fn element() -> Self {
        Expr::Element.into()
    }

    /// `list_map` (`kind="map"`) or `list_filter` (`kind="filter"`) of this
    /// list expression with `body` evaluated on every element.
    fn list_lambda(&self, kind: &str, body: PyExpr) -> PyResult<Self> {
        let kind = daft_dsl::LambdaKind::parse(kind).py()?;
        Ok(Expr::list_lambda(kind, self.expr.clone(), body.expr)
            .py()?
            .into())
    }

    /// `monotonically_increasing_id()`: each row's position, from 0.
    #[staticmethod]
    fn monotonically_increasing_id() -> Self {
        WindowFunc::monotonic_id().into()
    }

    /// A call of a Python UDF: `runner(capsules, num_rows)` computes each
    /// batch (see `daft._udf`), `output` is the declared pyarrow field.
    #[staticmethod]
    fn python_udf(
        name: String,
        runner: Py<PyAny>,
        output: &Bound<'_, PyAny>,
        args: Vec<PyExpr>,
    ) -> PyResult<Self> {
        let args = args.into_iter().map(|a| a.expr).collect();
        Ok(crate::udf::python_udf(name, runner, output, args)
            .py()?
            .into())
    }

    /// An aggregation by the Python UDAF `name` over `input`, the struct of
    /// its arguments: `steps` runs its aggregate / combine / finalize (see
    /// `daft._udf.udaf`); `output` and `state` are pyarrow fields.
    #[staticmethod]
    fn python_udaf(
        name: String,
        steps: Py<PyAny>,
        output: &Bound<'_, PyAny>,
        state: Vec<Bound<'_, PyAny>>,
        input: PyExpr,
    ) -> PyResult<Self> {
        Ok(
            crate::udaf::python_udaf(name, steps, output, state, input.expr)
                .py()?
                .into(),
        )
    }

    /// An expression from SQL text (`daft.sql_expr`); its columns are
    /// checked when it is used.
    #[staticmethod]
    fn sql(text: &str) -> PyResult<Self> {
        Ok(daft_sql::plan_sql_expr(text).py()?.into())
    }

    /// A literal from a one-element Arrow array (anything with `__arrow_c_array__`).
    #[staticmethod]
    fn lit(array: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (_, arr) = arrow_ffi::import_array(array)?;
        literal(arr)
    }

    /// A literal from a plain Python scalar (`None`, `bool`, `int`, `float`, `str`,
    /// `bytes`) with the type `pyarrow.array([value])` gives it, built here so that
    /// `col("x") > 5` does not import pyarrow; `None` for any other value (and for an
    /// int beyond 64 bits or a str with lone surrogates), which the caller converts
    /// through pyarrow, errors included.
    #[staticmethod]
    fn lit_scalar(value: &Bound<'_, PyAny>) -> PyResult<Option<Self>> {
        use arrow::array::{
            ArrayRef, BinaryArray, BooleanArray, Float64Array, Int64Array, NullArray, StringArray,
            UInt64Array,
        };
        use pyo3::types::PyBytes;
        let arr: ArrayRef = if value.is_none() {
            Arc::new(NullArray::new(1))
        } else if let Ok(b) = value.cast_exact::<PyBool>() {
            Arc::new(BooleanArray::from(vec![b.is_true()]))
        } else if value.is_exact_instance_of::<PyInt>() {
            if let Ok(i) = value.extract::<i64>() {
                Arc::new(Int64Array::from(vec![i]))
            } else if let Ok(u) = value.extract::<u64>() {
                Arc::new(UInt64Array::from(vec![u]))
            } else {
                return Ok(None);
            }
        } else if let Ok(f) = value.cast_exact::<PyFloat>() {
            Arc::new(Float64Array::from(vec![f.value()]))
        } else if let Ok(s) = value.cast_exact::<PyString>() {
            match s.to_cow() {
                Ok(s) => Arc::new(StringArray::from(vec![s.as_ref()])),
                Err(_) => return Ok(None),
            }
        } else if let Ok(b) = value.cast_exact::<PyBytes>() {
            Arc::new(BinaryArray::from(vec![b.as_bytes()]))
        } else {
            return Ok(None);
        };
        literal(arr).map(Some)
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

    /// An aggregation (`"sum"`, `"mean"`, `"count"`, ...); `ddof` for
    /// `"stddev"` and `"var"` (0 or 1), `delimiter` for `"string_agg"`,
    /// `percentages` (and whether the result is a list) for `"percentile"`
    /// and `"approx_percentiles"`.
    #[pyo3(signature = (kind, ddof=None, delimiter=None, percentages=None, as_list=false))]
    fn agg(
        &self,
        kind: &str,
        ddof: Option<i64>,
        delimiter: Option<String>,
        percentages: Option<Vec<f64>>,
        as_list: bool,
    ) -> PyResult<Self> {
        let mut kind = match (kind, percentages) {
            ("percentile", Some(p)) => {
                AggKind::Percentile(Percentiles::new(kind, &p, as_list).py()?)
            }
            ("approx_percentiles", Some(p)) => {
                AggKind::ApproxPercentiles(Percentiles::new(kind, &p, as_list).py()?)
            }
            (kind, _) => AggKind::parse(kind).py()?,
        };
        if let (Some(d), AggKind::StringAgg(_)) = (&delimiter, &kind) {
            kind = AggKind::StringAgg(d.as_str().into());
        }
        if let Some(d) = ddof {
            let d = match d {
                0 | 1 => d as u8,
                other => {
                    return Err(crate::error::to_py(daft_core::DaftError::value_error(
                        format!(
                            "{}: ddof must be 0 (population) or 1 (sample), got {other}",
                            kind.name()
                        ),
                    )))
                }
            };
            kind = match kind {
                AggKind::Stddev(_) => AggKind::Stddev(d),
                AggKind::Var(_) => AggKind::Var(d),
                k => k,
            };
        }
        Ok(self.expr.clone().agg(kind).py()?.into())
    }

    /// A window function not yet over a window: `row_number`, `rank`,
    /// `dense_rank`, `percent_rank`, `lag` / `lead` (of `input`, `offset`
    /// rows, `default`), `first_value`, `last_value`.
    #[staticmethod]
    #[pyo3(signature = (name, input=None, offset=1, default=None))]
    fn window_function(
        name: &str,
        input: Option<PyExpr>,
        offset: i64,
        default: Option<PyExpr>,
    ) -> PyResult<Self> {
        let input = input.map(|e| Arc::new(e.expr));
        let default = default.map(|d| Arc::new(d.expr));
        let func = WindowFunc::from_name("", name, input, offset, default)
            .py()?
            .ok_or_else(|| {
                crate::error::to_py(daft_core::DaftError::value_error(format!(
                    "unknown window function {name:?}"
                )))
            })?;
        Ok(Expr::window_function(func).py()?.into())
    }

    /// This aggregation or window function over a window. `frame` is
    /// `(unit, start, end)` with `unit` `"rows"` or `"range"` and each end
    /// a one-row literal offset (negative: before the current row) or
    /// `None` for unbounded.
    #[pyo3(signature = (partition_by, order_by, descending, nulls_first, frame=None, min_periods=1))]
    fn over(
        &self,
        partition_by: Vec<PyExpr>,
        order_by: Vec<PyExpr>,
        descending: Vec<bool>,
        nulls_first: Vec<bool>,
        frame: Option<(String, Option<PyExpr>, Option<PyExpr>)>,
        min_periods: u64,
    ) -> PyResult<Self> {
        let bound = |b: Option<PyExpr>| -> PyResult<FrameBound> {
            Ok(match b.map(|e| e.expr) {
                None => FrameBound::Unbounded,
                Some(Expr::Literal(a)) => FrameBound::Offset(a),
                Some(other) => {
                    return Err(PyTypeError::new_err(format!(
                        "a window frame bound must be a literal offset, got {other}"
                    )))
                }
            })
        };
        let frame = match frame {
            None => None,
            Some((unit, start, end)) => Some(WindowFrame {
                unit: if unit == "rows" {
                    FrameUnit::Rows
                } else {
                    FrameUnit::Range
                },
                start: bound(start)?,
                end: bound(end)?,
            }),
        };
        let order_by = order_by
            .into_iter()
            .zip(descending)
            .zip(nulls_first)
            .map(|((e, d), n)| WindowOrder {
                expr: e.expr,
                descending: d,
                nulls_first: n,
            })
            .collect();
        let spec = WindowSpec {
            partition_by: partition_by.into_iter().map(|e| e.expr).collect(),
            order_by,
            frame,
            min_periods,
        };
        Ok(self.expr.clone().over(spec).py()?.into())
    }

    /// The output column name.
    fn name(&self) -> String {
        self.expr.name()
    }

    /// Column names the expression reads.
    fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.expr.columns(&mut out);
        out
    }

    /// The column's name when the expression is a bare column reference.
    fn column_name(&self) -> Option<String> {
        match &self.expr {
            Expr::Column(name) => Some(name.clone()),
            _ => None,
        }
    }

    /// A literal's one-row array as an Arrow stream of one column, or None
    /// when the expression is not a literal.
    fn literal_stream<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<Bound<'py, pyo3::types::PyCapsule>>> {
        let Expr::Literal(array) = &self.expr else {
            return Ok(None);
        };
        let schema = std::sync::Arc::new(arrow::datatypes::Schema::new(vec![
            arrow::datatypes::Field::new("literal", array.data_type().clone(), true),
        ]));
        let batch = arrow::record_batch::RecordBatch::try_new(schema.clone(), vec![array.clone()])
            .map_err(daft_core::DaftError::from)
            .py()?;
        Ok(Some(arrow_ffi::export_stream(py, schema, vec![batch])?))
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
            OptionValue::DataType(arrow_ffi::import_field(&v)?)
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
