//! Arrow data between Python and Rust through the Arrow PyCapsule
//! interface (`__arrow_c_stream__`, `__arrow_c_array__`,
//! `__arrow_c_schema__`), so any Arrow-speaking library (pyarrow, polars,
//! duckdb, ...) can hand data in and read it out without a copy.

use std::ffi::CString;

use arrow::array::{make_array, ArrayRef, RecordBatchIterator, RecordBatchReader};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow::record_batch::RecordBatch;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};

fn capsule<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Bound<'py, PyCapsule>> {
    obj.cast::<PyCapsule>()
        .cloned()
        .map_err(|_| PyTypeError::new_err(format!("expected a PyCapsule from {what}")))
}

/// Reads every batch of an object that has `__arrow_c_stream__`.
pub fn import_stream(obj: &Bound<'_, PyAny>) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    if !obj.hasattr("__arrow_c_stream__")? {
        return Err(PyTypeError::new_err(format!(
            "expected an object with __arrow_c_stream__ (a pyarrow Table or RecordBatchReader, ...), got {}",
            obj.get_type().name()?
        )));
    }
    let cap = capsule(
        &obj.call_method0("__arrow_c_stream__")?,
        "__arrow_c_stream__",
    )?;
    let ptr = cap.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: the capsule is named "arrow_array_stream", so by the PyCapsule
    // interface it holds an FFI_ArrowArrayStream. `from_raw` moves the stream
    // out and leaves a released (empty) one in the capsule, so the capsule's
    // destructor does not release it a second time.
    let reader = unsafe { ArrowArrayStreamReader::from_raw(ptr.as_ptr().cast()) }
        .map_err(|e| PyValueError::new_err(format!("invalid Arrow stream: {e}")))?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PyValueError::new_err(format!("reading an Arrow stream failed: {e}")))?;
    Ok((schema, batches))
}

/// Reads a one-column array from an object with `__arrow_c_array__`.
pub fn import_array(obj: &Bound<'_, PyAny>) -> PyResult<(Field, ArrayRef)> {
    let pair = obj.call_method0("__arrow_c_array__")?;
    let pair = pair.cast::<PyTuple>()?;
    let schema_cap = capsule(&pair.get_item(0)?, "__arrow_c_array__")?;
    let array_cap = capsule(&pair.get_item(1)?, "__arrow_c_array__")?;
    let schema_ptr = schema_cap.pointer_checked(Some(c"arrow_schema"))?;
    let array_ptr = array_cap.pointer_checked(Some(c"arrow_array"))?;
    // SAFETY: the capsule names guarantee the pointee types. The schema is
    // only borrowed; the array is moved out with `replace`, leaving an empty
    // (released) struct so the capsule's destructor does not free it again.
    let (field, data) = unsafe {
        let schema = &*(schema_ptr.as_ptr() as *const FFI_ArrowSchema);
        let array = std::ptr::replace(
            array_ptr.as_ptr() as *mut FFI_ArrowArray,
            FFI_ArrowArray::empty(),
        );
        let field = Field::try_from(schema)
            .map_err(|e| PyValueError::new_err(format!("invalid Arrow schema: {e}")))?;
        let data = from_ffi(array, schema)
            .map_err(|e| PyValueError::new_err(format!("invalid Arrow array: {e}")))?;
        (field, data)
    };
    Ok((field, make_array(data)))
}

/// Converts the `FFI_ArrowSchema` behind `obj.__arrow_c_schema__()` with `convert`.
fn from_c_schema<T, E: std::fmt::Display>(
    obj: &Bound<'_, PyAny>,
    what: &str,
    convert: impl FnOnce(&FFI_ArrowSchema) -> Result<T, E>,
) -> PyResult<T> {
    let cap = capsule(
        &obj.call_method0("__arrow_c_schema__")?,
        "__arrow_c_schema__",
    )?;
    let ptr = cap.pointer_checked(Some(c"arrow_schema"))?;
    // SAFETY: the capsule is named "arrow_schema", so it holds an
    // FFI_ArrowSchema, which we only borrow for the conversion while the
    // capsule is alive.
    let schema = unsafe { &*(ptr.as_ptr() as *const FFI_ArrowSchema) };
    convert(schema).map_err(|e| PyValueError::new_err(format!("invalid Arrow {what}: {e}")))
}

/// Reads a data type from an object with `__arrow_c_schema__` (a pyarrow
/// DataType or Field).
pub fn import_data_type(obj: &Bound<'_, PyAny>) -> PyResult<DataType> {
    from_c_schema(obj, "type", |s| DataType::try_from(s))
}

/// Reads a field, with its metadata, from an object with
/// `__arrow_c_schema__` (a pyarrow Field, or a DataType as an unnamed field).
pub fn import_field(obj: &Bound<'_, PyAny>) -> PyResult<Field> {
    from_c_schema(obj, "type", |s| Field::try_from(s))
}

/// Reads a schema from an object with `__arrow_c_schema__` (a pyarrow Schema).
pub fn import_schema(obj: &Bound<'_, PyAny>) -> PyResult<Schema> {
    from_c_schema(obj, "schema", |s| Schema::try_from(s))
}

/// A PyCapsule holding a stream over `batches`, for `__arrow_c_stream__`.
pub fn export_stream<'py>(
    py: Python<'py>,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> PyResult<Bound<'py, PyCapsule>> {
    let reader: Box<dyn RecordBatchReader + Send> = Box::new(RecordBatchIterator::new(
        batches.into_iter().map(Ok),
        schema,
    ));
    let stream = FFI_ArrowArrayStream::new(reader);
    // The consumer moves the stream out and marks ours released; dropping
    // the capsule then frees only what was not taken.
    PyCapsule::new(py, stream, Some(CString::from(c"arrow_array_stream")))
}

/// A PyCapsule holding `schema`, for `__arrow_c_schema__`.
pub fn export_schema<'py>(py: Python<'py>, schema: &SchemaRef) -> PyResult<Bound<'py, PyCapsule>> {
    let ffi = FFI_ArrowSchema::try_from(schema.as_ref())
        .map_err(|e| PyValueError::new_err(format!("cannot export schema: {e}")))?;
    PyCapsule::new(py, ffi, Some(CString::from(c"arrow_schema")))
}

/// The `(schema, array)` PyCapsule pair of `__arrow_c_array__` for `array`
/// as a column `field`, which `pyarrow.Array._import_from_c_capsule` reads
/// without a copy.
pub fn export_array<'py>(
    py: Python<'py>,
    field: &Field,
    array: &ArrayRef,
) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
    let schema = FFI_ArrowSchema::try_from(field).map_err(|e| {
        PyValueError::new_err(format!("cannot export field {:?}: {e}", field.name()))
    })?;
    let data = FFI_ArrowArray::new(&array.to_data());
    Ok((
        PyCapsule::new(py, schema, Some(CString::from(c"arrow_schema")))?,
        PyCapsule::new(py, data, Some(CString::from(c"arrow_array")))?,
    ))
}
