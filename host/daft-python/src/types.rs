//! Daft's type names and SQL type names for `daft.DataType`.

use std::sync::Arc;

use arrow::datatypes::{Field, Schema};
use pyo3::prelude::*;

use crate::error::IntoPyResult;

/// How Daft names the type of a field (`String`, `Tensor[Float32]`,
/// `Timestamp[us; UTC]`): the field is anything with `__arrow_c_schema__`,
/// so the names of Daft's logical types come from its extension metadata.
#[pyfunction]
pub fn display_type(field: &Bound<'_, PyAny>) -> PyResult<String> {
    let field = crate::arrow_ffi::import_field(field)?;
    Ok(daft_core::types::display_type(&field))
}

/// The type a SQL type name means, as a one-field schema (`pyarrow.schema`
/// of it gives the Arrow type).
#[pyfunction]
pub fn sql_datatype(text: &str) -> PyResult<crate::plan::PySchema> {
    let dt = daft_sql::sql_data_type(text).py()?;
    Ok(crate::plan::PySchema {
        schema: Arc::new(Schema::new(vec![Field::new("", dt, true)])),
    })
}
