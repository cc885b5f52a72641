//! The API boundary: what the user calls (`DataFrame` methods, the readers, `sql`)
//! is wrapped in [`ApiFunction`], a native callable, so that an error raised inside
//! reaches the user's code
//!
//! - with a traceback that ends at the user's line: the engine's own frames are cut
//!   off, and the wrapper, being native, adds no frame of its own (a Python wrapper
//!   would always show one);
//! - saying which API call it came from: a `DaftCoreException`'s message starts with
//!   the call's name (`DataFrame.select: column "x" not found; ...`); where API calls
//!   nest (`show` calls `limit`), the outermost, the one the user wrote, names it.
//!
//! Exceptions chained to it (`__cause__`, such as the exception a Python UDF raised)
//! keep their tracebacks. `DAFT_FULL_TRACEBACK=1` keeps the engine's frames too, for
//! debugging the engine itself.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// A function of the API (or, through `__get__`, a method) that calls `func`.
#[pyclass(module = "daft.daft", frozen, dict)]
pub struct ApiFunction {
    func: Py<PyAny>,
    name: String,
}

#[pymethods]
impl ApiFunction {
    /// Wraps `func`, an API function called `name` in messages (`"DataFrame.select"`).
    #[new]
    fn new(py: Python<'_>, func: Py<PyAny>, name: String) -> PyResult<Py<Self>> {
        let wrapper = Py::new(
            py,
            ApiFunction {
                func: func.clone_ref(py),
                name,
            },
        )?;
        copy_identity(py, func.bind(py), wrapper.bind(py).as_any(), func.bind(py))?;
        Ok(wrapper)
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        call(py, self.func.bind(py), &self.name, args, kwargs)
    }

    /// As a class attribute: accessed on an instance, the method bound to it.
    fn __get__(
        slf: &Bound<'_, Self>,
        obj: Option<Bound<'_, PyAny>>,
        _owner: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let Some(obj) = obj.filter(|o| !o.is_none()) else {
            return Ok(slf.clone().into_any().unbind());
        };
        let me = slf.get();
        let bound = Py::new(
            py,
            BoundApiMethod {
                func: me.func.clone_ref(py),
                obj: obj.clone().unbind(),
                name: me.name.clone(),
            },
        )?;
        // `__wrapped__` is the plain bound method, so that inspect.signature() shows the
        // parameters without `self`.
        let plain = me
            .func
            .bind(py)
            .call_method1("__get__", (obj.clone(), obj.get_type()))?;
        copy_identity(py, me.func.bind(py), bound.bind(py).as_any(), &plain)?;
        Ok(bound.into_any())
    }

    fn __repr__(&self) -> String {
        format!("<daft API function {}>", self.name)
    }
}

/// An API method bound to its object (`df.select`).
#[pyclass(module = "daft.daft", frozen, dict)]
pub struct BoundApiMethod {
    func: Py<PyAny>,
    obj: Py<PyAny>,
    name: String,
}

#[pymethods]
impl BoundApiMethod {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.obj.bind(py).clone());
        all.extend(args.iter());
        let all = PyTuple::new(py, all)?;
        call(py, self.func.bind(py), &self.name, &all, kwargs)
    }

    /// Already bound: binding again (as `help()` and `inspect` do) gives itself.
    fn __get__(
        slf: &Bound<'_, Self>,
        _obj: Option<Bound<'_, PyAny>>,
        _owner: Option<Bound<'_, PyAny>>,
    ) -> Py<Self> {
        slf.clone().unbind()
    }

    fn __repr__(&self) -> String {
        format!("<bound daft API method {}>", self.name)
    }
}

/// Gives `wrapper` the name, docstring and module of `func`, and `wrapped` as its
/// `__wrapped__`, as `functools.update_wrapper` does.
fn copy_identity(
    _py: Python<'_>,
    func: &Bound<'_, PyAny>,
    wrapper: &Bound<'_, PyAny>,
    wrapped: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let dict = wrapper.getattr("__dict__")?;
    for attr in ["__name__", "__qualname__", "__doc__", "__module__"] {
        if let Ok(value) = func.getattr(attr) {
            dict.set_item(attr, value)?;
        }
    }
    dict.set_item("__wrapped__", wrapped)?;
    Ok(())
}

fn call(
    py: Python<'_>,
    func: &Bound<'_, PyAny>,
    name: &str,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    match func.call(args, kwargs) {
        Ok(value) => Ok(value.unbind()),
        Err(err) => Err(located(py, err, name)),
    }
}

/// `err` as the user should see it: named after the API call, without the engine's
/// frames.
fn located(py: Python<'_>, err: PyErr, name: &str) -> PyErr {
    let value = err.value(py).clone();
    if let Err(e) = name_the_call(py, &value, name) {
        // Naming is a courtesy: the original error is what matters.
        tracing::debug!(target: "daft::errors", "could not name the API call: {e}");
    }
    if full_traceback() {
        return err;
    }
    let _ = value.setattr("__traceback__", py.None());
    PyErr::from_value(value.into_any())
}

fn name_the_call(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<()> {
    let base = py.import("daft.exceptions")?.getattr("DaftCoreException")?;
    if !value.is_instance(&base)? {
        return Ok(());
    }
    // The message as the engine wrote it, kept on the exception so that an outer API
    // call (the one the user wrote) renames it rather than stacking names.
    let original = match value.getattr("_daft_message") {
        Ok(m) if !m.is_none() => m,
        _ => {
            let args = value.getattr("args")?;
            let args = args.cast::<PyTuple>()?;
            if args.len() != 1 {
                return Ok(());
            }
            let first = args.get_item(0)?;
            value.setattr("_daft_message", &first)?;
            first
        }
    };
    // An engine message that already starts with the call's short name ("join: ...")
    // is not named twice.
    let original = original.str()?.to_string();
    let short = name.rsplit('.').next().unwrap_or(name);
    let body = original
        .strip_prefix(&format!("{short}: "))
        .unwrap_or(&original);
    let text = format!("{name}: {body}");
    value.setattr("args", PyTuple::new(py, [text])?)?;
    Ok(())
}

fn full_traceback() -> bool {
    std::env::var("DAFT_FULL_TRACEBACK")
        .map(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"))
        .unwrap_or(false)
}
