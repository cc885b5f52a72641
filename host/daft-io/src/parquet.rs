use std::fs::File;
use std::sync::Arc;

use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use daft_core::types::{canonical_batch, canonical_schema};
use daft_core::{DaftError, DaftResult};

use crate::paths::io_err;
use crate::schema::{check_unique_names, merge_nullability};
use crate::{BatchStream, FileStamp};

fn open_builder(path: &str) -> DaftResult<ParquetRecordBatchReaderBuilder<File>> {
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| io_err(path, format!("not a readable Parquet file: {e}")))
}

/// The Arrow schema in the footer of the local Parquet file `path`.
pub(crate) fn local_parquet_schema(path: &str) -> DaftResult<SchemaRef> {
    Ok(open_builder(path)?.schema().clone())
}

/// The schema shared by all `files`, read from their footers only. Files
/// that differ only in which columns may hold nulls are read with those
/// columns nullable; files whose schemas differ otherwise are an error
/// naming both files and the first column that differs.
pub fn parquet_schema(files: &[FileStamp]) -> DaftResult<SchemaRef> {
    let mut first: Option<(String, Schema)> = None;
    for (file, footer) in files.iter().zip(FileStamp::parquet_schemas(files)?) {
        let path = &file.path;
        let schema = canonical_schema(footer?.as_ref());
        let schema = Schema::new(schema.fields().clone());
        let fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        check_unique_names(
            path,
            &fields,
            "rewrite the file with unique column names (pyarrow can read it by position)",
        )?;
        match &mut first {
            None => first = Some((path.clone(), schema)),
            Some((p0, s0)) => *s0 = merged(p0, s0, path, &schema)?,
        }
    }
    first
        .map(|(_, s)| Arc::new(s))
        .ok_or_else(|| DaftError::value_error("read_parquet: no files given"))
}

/// Whether a file whose footer now says `now` still reads as `planned`
/// (the same columns and types; nullable where `planned` is).
pub fn parquet_schema_fits(now: &Schema, planned: &Schema) -> bool {
    now.fields().len() == planned.fields().len()
        && now
            .fields()
            .iter()
            .zip(planned.fields())
            .all(|(n, p)| merge_nullability(n, p).as_ref() == Some(p.as_ref()))
}

/// `s0` (of file `p0`) and `s` (of file `path`) as one schema, or the error
/// naming what differs.
fn merged(p0: &str, s0: &Schema, path: &str, s: &Schema) -> DaftResult<Schema> {
    let mismatch = |what: String| {
        DaftError::SchemaMismatch(format!(
            "Parquet files have different schemas: {what}; {p0} has [{}] but {path} has [{}]",
            daft_core::types::schema_line(s0),
            daft_core::types::schema_line(s)
        ))
    };
    if s0.fields().len() != s.fields().len() {
        return Err(mismatch(format!(
            "{} columns against {}",
            s0.fields().len(),
            s.fields().len()
        )));
    }
    let mut fields = Vec::with_capacity(s.fields().len());
    for (a, b) in s0.fields().iter().zip(s.fields()) {
        match merge_nullability(a, b) {
            Some(f) => fields.push(f),
            None if a.name() != b.name() => {
                return Err(mismatch(format!(
                    "column {:?} where the first has {:?}",
                    b.name(),
                    a.name()
                )))
            }
            None if a.data_type() == b.data_type() => {
                return Err(mismatch(format!(
                    "column {:?} has different field metadata",
                    a.name()
                )))
            }
            None => {
                return Err(mismatch(format!(
                    "column {:?} is {} in one and {} in the other",
                    a.name(),
                    daft_core::types::display_type(a),
                    daft_core::types::display_type(b)
                )))
            }
        }
    }
    Ok(Schema::new(fields))
}

/// Streams the rows of `paths`, file after file, in batches of at most
/// `batch_size` rows.
pub fn read_parquet(paths: Vec<String>, batch_size: usize) -> BatchStream {
    let iter = paths.into_iter().flat_map(move |path| {
        let reader = open_builder(&path).and_then(|b| {
            b.with_batch_size(batch_size)
                .build()
                .map_err(|e| io_err(&path, e))
        });
        let items: Box<dyn Iterator<Item = DaftResult<RecordBatch>> + Send> = match reader {
            Ok(r) => {
                let p = path.clone();
                Box::new(r.map(move |b| {
                    let b = b.map_err(|e| io_err(&p, e))?;
                    canonical_batch(b)
                }))
            }
            Err(e) => Box::new(std::iter::once(Err(e))),
        };
        items
    });
    Box::new(iter)
}

/// The Parquet compression named `name` (`snappy`, `zstd`, `lz4`, `none`).
pub(crate) fn parse_compression(name: &str) -> DaftResult<Compression> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "snappy" => Compression::SNAPPY,
        "zstd" => Compression::ZSTD(ZstdLevel::default()),
        "lz4" => Compression::LZ4_RAW,
        "none" | "uncompressed" => Compression::UNCOMPRESSED,
        other => {
            return Err(DaftError::value_error(format!(
                "write_parquet: unknown compression {other:?}; expected snappy, zstd, lz4 or none"
            )))
        }
    })
}

/// Writes `batches` as one Parquet file into `file` (named `path` in
/// errors), footer included, and hands the file back for syncing. The
/// caller names and removes the file.
pub(crate) fn write_parquet_file(
    file: File,
    path: &str,
    schema: SchemaRef,
    compression: Compression,
    batches: impl Iterator<Item = DaftResult<RecordBatch>>,
) -> DaftResult<File> {
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let mut writer =
        ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| io_err(path, e))?;
    for batch in batches {
        writer.write(&batch?).map_err(|e| io_err(path, e))?;
    }
    // Writes the footer.
    writer.into_inner().map_err(|e| io_err(path, e))
}
