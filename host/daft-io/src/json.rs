//! Newline-delimited JSON: schema inference across files and the writer.
//! Reading runs in DataFusion (its JSON format, which streams the files);
//! what is here decides the schema at plan time.

use std::fs::File;
use std::io::Write;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::json::reader::infer_json_schema;
use arrow::json::writer::{LineDelimited, WriterBuilder};
use arrow::record_batch::RecordBatch;

use daft_core::types::supertype;
use daft_core::{DaftError, DaftResult};

use crate::paths::io_err;
use crate::write::check_strftime;
use crate::FileStamp;

/// Infers one schema for all `paths` from their first `infer_rows` lines
/// each: the union of the keys in order of first appearance, a key seen
/// with different types getting their common type (Utf8 when none).
pub fn json_schema(files: &[FileStamp], infer_rows: usize) -> DaftResult<SchemaRef> {
    let mut fields: Vec<Field> = Vec::new();
    for file in files {
        let path = &file.path;
        let (schema, _) = infer_json_schema(file.open()?, Some(infer_rows.max(1)))
            .map_err(|e| io_err(path, format!("cannot infer a JSON schema: {e}")))?;
        for f in schema.fields() {
            match fields.iter_mut().find(|g| g.name() == f.name()) {
                None => fields.push(f.as_ref().clone()),
                Some(g) => {
                    let dt = supertype(g.data_type(), f.data_type()).unwrap_or(DataType::Utf8);
                    *g = g.clone().with_data_type(dt);
                }
            }
        }
    }
    if fields.is_empty() {
        return Err(DaftError::value_error(format!(
            "read_json: no JSON objects found in {} to infer a schema from; expected one object \
             per line",
            files
                .iter()
                .map(|f| f.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // Every JSON key may be missing from a line.
    let fields: Vec<Field> = fields.into_iter().map(|f| f.with_nullable(true)).collect();
    Ok(Arc::new(Schema::new(fields)))
}

/// Writes `batches` as one JSON object per line with `options` (nulls as
/// `null` unless they are left out, as Daft's writer does).
/// How JSON files are written (Daft's `write_json` options); the default
/// writes nulls and ISO 8601 dates, as Daft does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonWriteOptions {
    /// Leave null fields out of the objects (Daft's `ignore_null_fields`);
    /// default false: they are written as `null`.
    pub ignore_null_fields: bool,
    /// A chrono `strftime` format for dates; default ISO 8601.
    pub date_format: Option<String>,
    /// A chrono `strftime` format for timestamps; default ISO 8601.
    pub timestamp_format: Option<String>,
}

impl JsonWriteOptions {
    /// The options, if their formats are valid.
    pub(crate) fn checked(&self) -> DaftResult<Self> {
        check_strftime("write_json", "date_format", &self.date_format)?;
        check_strftime("write_json", "timestamp_format", &self.timestamp_format)?;
        Ok(self.clone())
    }
}

pub(crate) fn write_json_file(
    file: File,
    path: &str,
    options: &JsonWriteOptions,
    batches: impl Iterator<Item = DaftResult<RecordBatch>>,
) -> DaftResult<File> {
    let mut builder = WriterBuilder::new().with_explicit_nulls(!options.ignore_null_fields);
    if let Some(f) = &options.date_format {
        builder = builder.with_date_format(f.clone());
    }
    if let Some(f) = &options.timestamp_format {
        builder = builder
            .with_timestamp_format(f.clone())
            .with_timestamp_tz_format(f.clone());
    }
    let mut writer = builder.build::<_, LineDelimited>(file);
    for batch in batches {
        writer.write(&batch?).map_err(|e| io_err(path, e))?;
    }
    writer.finish().map_err(|e| io_err(path, e))?;
    let mut file = writer.into_inner();
    file.flush().map_err(|e| io_err(path, e))?;
    Ok(file)
}
