//! File I/O: finding files from paths and globs, reading Parquet and CSV as
//! streams of record batches, and writing them.

mod csv;
mod parquet;
mod paths;
mod stamp;

pub use crate::csv::{csv_schema, read_csv, write_csv};
pub use crate::parquet::{parquet_schema, read_parquet, write_parquet};
pub use crate::paths::expand_paths;
pub use crate::stamp::FileStamp;

use arrow::record_batch::RecordBatch;
use daft_core::DaftResult;

/// A stream of record batches, the unit that flows between operators.
pub type BatchStream = Box<dyn Iterator<Item = DaftResult<RecordBatch>> + Send>;
