use std::fs::File;
use std::io::{BufReader, Seek};
use std::sync::Arc;

use arrow::csv::reader::Format;
use arrow::csv::{ReaderBuilder, WriterBuilder};
use arrow::datatypes::{Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use daft_core::types::canonical_batch;
use daft_core::{DaftError, DaftResult};

use crate::paths::io_err;
use crate::BatchStream;

fn format(has_header: bool, delimiter: u8) -> Format {
    Format::default().with_header(has_header).with_delimiter(delimiter)
}

/// Infers one schema for all `paths` from their first `infer_rows` rows
/// each, merged (an int column with a float in another file becomes float).
pub fn csv_schema(
    paths: &[String],
    has_header: bool,
    delimiter: u8,
    infer_rows: usize,
) -> DaftResult<SchemaRef> {
    let mut schemas = Vec::new();
    for path in paths {
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        let (schema, _) = format(has_header, delimiter)
            .infer_schema(BufReader::new(file), Some(infer_rows))
            .map_err(|e| io_err(path, format!("cannot infer a CSV schema: {e}")))?;
        schemas.push(schema);
    }
    let merged = Schema::try_merge(schemas).map_err(|e| {
        DaftError::SchemaMismatch(format!("CSV files have incompatible schemas: {e}"))
    })?;
    if merged.fields().is_empty() {
        return Err(DaftError::value_error(format!(
            "read_csv: {} has no columns",
            paths.first().map(|s| s.as_str()).unwrap_or("<no file>")
        )));
    }
    Ok(Arc::new(merged))
}

/// Streams the rows of `paths` parsed with `schema`.
pub fn read_csv(
    paths: Vec<String>,
    schema: SchemaRef,
    has_header: bool,
    delimiter: u8,
    batch_size: usize,
) -> BatchStream {
    let iter = paths.into_iter().flat_map(move |path| {
        let reader = File::open(&path)
            .and_then(|mut f| f.rewind().map(|_| f))
            .map_err(|e| io_err(&path, e))
            .and_then(|f| {
                ReaderBuilder::new(schema.clone())
                    .with_header(has_header)
                    .with_delimiter(delimiter)
                    .with_batch_size(batch_size)
                    .build(f)
                    .map_err(|e| io_err(&path, e))
            });
        let items: Box<dyn Iterator<Item = DaftResult<RecordBatch>> + Send> = match reader {
            Ok(r) => {
                let p = path.clone();
                Box::new(r.map(move |b| canonical_batch(b.map_err(|e| io_err(&p, e))?)))
            }
            Err(e) => Box::new(std::iter::once(Err(e))),
        };
        items
    });
    Box::new(iter)
}

/// Writes `batches` as one CSV file with a header. Returns the rows written.
pub fn write_csv(batches: BatchStream, path: &str) -> DaftResult<usize> {
    let file = File::create(path).map_err(|e| io_err(path, e))?;
    let mut writer = WriterBuilder::new().with_header(true).build(file);
    let mut rows = 0;
    for batch in batches {
        let batch = batch?;
        rows += batch.num_rows();
        writer.write(&batch).map_err(|e| io_err(path, e))?;
    }
    Ok(rows)
}
