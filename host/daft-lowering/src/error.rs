//! Errors across the DataFusion boundary, in both directions.
//!
//! A `DaftError` raised inside DataFusion (by a registry function or an
//! operator kernel) travels as `DataFusionError::External` and comes out as
//! the same `DaftError`, so the Python exception class and message are the
//! ones the engine chose. DataFusion's own errors are mapped by whose fault
//! they are.

use std::error::Error;

use datafusion::common::DataFusionError;

use daft_core::DaftError;

/// Wraps a `DaftError` for DataFusion.
pub fn to_df(e: DaftError) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// The engine's error for an error DataFusion returned.
pub fn from_df(e: DataFusionError) -> DaftError {
    // A DaftError anywhere in the chain is the real cause.
    let mut cur: Option<&(dyn Error + 'static)> = Some(&e);
    while let Some(err) = cur {
        if let Some(d) = err.downcast_ref::<DaftError>() {
            return d.clone();
        }
        cur = err.source();
    }
    match e.find_root() {
        DataFusionError::ArrowError(a, _) => DaftError::from(a.as_ref()),
        DataFusionError::ResourcesExhausted(m) => DaftError::OutOfMemory(format!(
            "the query needs more memory than its memory limit allows (set it with \
             daft.set_execution_config(memory_limit_bytes=...)): {m}"
        )),
        DataFusionError::ParquetError(p) => DaftError::Io {
            path: "<parquet>".into(),
            message: p.to_string(),
        },
        DataFusionError::IoError(io) => DaftError::Io {
            path: "<file>".into(),
            message: io.to_string(),
        },
        // The store's own error names the object's URL.
        DataFusionError::ObjectStore(o) => daft_io::object_store_error("<file>", "read", o),
        DataFusionError::Execution(m) => DaftError::ComputeError(m.clone()),
        DataFusionError::ExecutionJoin(j) => {
            DaftError::Internal(format!("a query task failed: {j}"))
        }
        other => DaftError::Internal(format!("DataFusion: {other}")),
    }
}
