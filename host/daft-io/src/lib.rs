//! File I/O: finding files from paths and globs, reading Parquet, CSV and JSON as
//! streams of record batches, and writing them so that no reader sees a
//! partial file (`write_files`); paths may be object-store URLs (`remote`).

mod csv;
mod json;
mod parquet;
mod paths;
mod remote;
mod schema;
mod stamp;
mod write;

pub use crate::csv::{csv_schema, read_csv, CsvOptions, CsvWriteOptions};
pub use crate::json::{json_schema, JsonWriteOptions};
pub use crate::parquet::{parquet_schema, parquet_schema_fits, read_parquet};
pub use crate::paths::expand_paths;
pub use crate::remote::{
    bound_store, object_store_error, put_object, remove_other_objects, AzureConfig, GcsConfig,
    HttpConfig, IoConfig, S3Config,
};
pub use crate::stamp::{find_files, FileStamp};
pub use crate::write::{write_files, FileFormat, WriteMode};

use arrow::record_batch::RecordBatch;
use daft_core::DaftResult;

/// A stream of record batches, the unit that flows between operators.
pub type BatchStream = Box<dyn Iterator<Item = DaftResult<RecordBatch>> + Send>;
