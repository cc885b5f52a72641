use std::fs::File;
use std::io::Seek;
use std::sync::Arc;

use arrow::csv::reader::Format;
use arrow::csv::{ReaderBuilder, WriterBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use daft_core::types::{canonical_batch, supertype};
use daft_core::{DaftError, DaftResult};

use crate::paths::io_err;
use crate::schema::check_unique_names;
use crate::write::check_strftime;
use crate::BatchStream;
use crate::FileStamp;

/// Options of a CSV scan.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    pub has_header: bool,
    pub delimiter: u8,
    /// The quote character (`"` unless told).
    pub quote: u8,
    /// An escape character inside quoted fields, if any.
    pub escape: Option<u8>,
    /// Lines starting with this character are skipped.
    pub comment: Option<u8>,
    /// Rows read to infer the schema.
    pub infer_rows: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            has_header: true,
            delimiter: b',',
            quote: b'"',
            escape: None,
            comment: None,
            infer_rows: 1000,
        }
    }
}

fn format(o: &CsvOptions) -> Format {
    let mut f = Format::default()
        .with_header(o.has_header)
        .with_delimiter(o.delimiter)
        .with_quote(o.quote);
    if let Some(e) = o.escape {
        f = f.with_escape(e);
    }
    if let Some(c) = o.comment {
        f = f.with_comment(c);
    }
    f
}

/// Infers one schema for all `paths` from their first `infer_rows` rows
/// each. The files must have the same column names in the same order (CSV
/// columns are matched by position); a column inferred with different types
/// gets their common type (an int column with a float in another file
/// becomes float), or Utf8 when there is none, since every CSV value is text.
pub fn csv_schema(files: &[FileStamp], opts: &CsvOptions) -> DaftResult<SchemaRef> {
    let mut merged: Option<(String, Vec<Field>)> = None;
    for file in files {
        let path = &file.path;
        let (schema, _) = format(opts)
            .infer_schema(file.open()?, Some(opts.infer_rows))
            .map_err(|e| io_err(path, format!("cannot infer a CSV schema: {e}")))?;
        let fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        check_unique_names(
            path,
            &fields,
            "rename the columns in the header line, or read the file with has_headers=False",
        )?;
        match &mut merged {
            None => merged = Some((path.clone(), fields)),
            Some((first, acc)) => {
                let names = |fs: &[Field]| fs.iter().map(|f| f.name().clone()).collect::<Vec<_>>();
                if names(acc) != names(&fields) {
                    return Err(DaftError::SchemaMismatch(format!(
                        "CSV files have different columns: {first} has [{}] but {path} has [{}]",
                        names(acc).join(", "),
                        names(&fields).join(", ")
                    )));
                }
                for (a, f) in acc.iter_mut().zip(&fields) {
                    let dt = supertype(a.data_type(), f.data_type()).unwrap_or(DataType::Utf8);
                    *a = a.clone().with_data_type(dt);
                }
            }
        }
    }
    let fields = merged.map(|(_, f)| f).unwrap_or_default();
    if fields.is_empty() {
        return Err(DaftError::value_error(format!(
            "read_csv: {} has no columns",
            files
                .first()
                .map(|f| f.path.as_str())
                .unwrap_or("<no file>")
        )));
    }
    Ok(Arc::new(Schema::new(fields)))
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

/// How CSV files are written (Daft's `write_csv` options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvWriteOptions {
    /// Between fields; default `,`.
    pub delimiter: u8,
    /// Around fields that need it; default `"`.
    pub quote: u8,
    /// A first line with the column names; default true. A quote inside a
    /// quoted field is doubled: arrow's escape mode does not escape the
    /// escape character itself, so such files would not read back.
    pub header: bool,
    /// A chrono `strftime` format for dates; default ISO 8601.
    pub date_format: Option<String>,
    /// A chrono `strftime` format for timestamps; default RFC 3339.
    pub timestamp_format: Option<String>,
}

impl Default for CsvWriteOptions {
    fn default() -> Self {
        CsvWriteOptions {
            delimiter: b',',
            quote: b'"',
            header: true,
            date_format: None,
            timestamp_format: None,
        }
    }
}

impl CsvWriteOptions {
    /// The options, if they can write a file that reads back: a delimiter
    /// and quote that differ and are not line breaks, and formats
    /// chrono understands.
    pub(crate) fn checked(&self) -> DaftResult<Self> {
        let named = [("delimiter", self.delimiter), ("quote", self.quote)];
        for (i, (name, c)) in named.iter().enumerate() {
            if *c == b'\n' || *c == b'\r' {
                return Err(DaftError::value_error(format!(
                    "write_csv: {name} cannot be a line break"
                )));
            }
            for (other, d) in &named[i + 1..] {
                if c == d {
                    return Err(DaftError::value_error(format!(
                        "write_csv: {name} and {other} are both {:?}; the file could not be \
                         read back",
                        *c as char
                    )));
                }
            }
        }
        check_strftime("write_csv", "date_format", &self.date_format)?;
        check_strftime("write_csv", "timestamp_format", &self.timestamp_format)?;
        Ok(self.clone())
    }
}

/// Writes `batches` as one CSV file with `options` (the header, if any, also
/// when there are no rows) into `file` (named `path` in errors), and hands
/// the file back for syncing. The caller names and removes the file.
pub(crate) fn write_csv_file(
    file: File,
    path: &str,
    schema: SchemaRef,
    options: &CsvWriteOptions,
    batches: impl Iterator<Item = DaftResult<RecordBatch>>,
) -> DaftResult<File> {
    let mut builder = WriterBuilder::new()
        .with_header(options.header)
        .with_delimiter(options.delimiter)
        .with_quote(options.quote);
    if let Some(f) = &options.date_format {
        builder = builder.with_date_format(f.clone());
    }
    if let Some(f) = &options.timestamp_format {
        builder = builder
            .with_timestamp_format(f.clone())
            .with_timestamp_tz_format(f.clone());
    }
    let mut writer = builder.build(file);
    let mut wrote_any = false;
    for batch in batches {
        writer.write(&batch?).map_err(|e| io_err(path, e))?;
        wrote_any = true;
    }
    if !wrote_any {
        // The writer emits the header with the first batch.
        writer
            .write(&RecordBatch::new_empty(schema))
            .map_err(|e| io_err(path, e))?;
    }
    // `write` flushes after every batch, so nothing is left buffered.
    Ok(writer.into_inner())
}
