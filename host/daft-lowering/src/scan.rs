//! Scans: each Daft source becomes a DataFusion table provider whose schema
//! is the one planned (Parquet strings read as views, see
//! [`crate::views`]), so DataFusion's projection and predicate pushdown,
//! statistics and parallel file scans apply unchanged.

use std::sync::Arc;

use arrow::datatypes::{Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::MemTable;

use daft_core::types::schema_line;
use daft_core::{DaftError, DaftResult};
use daft_plan::{CsvOptions, FileStamp};

use crate::error::from_df;
use crate::views::StringReads;

/// Rows per in-memory batch handed to DataFusion: large enough that per-batch
/// costs vanish, small enough that partitions balance and operators stream.
/// Daft's morsel size, so a Python UDF gets these batches whole. Measured: a
/// select of one column of 10 M in-memory rows took 1.0–1.35 ms with 64 Ki
/// rows a batch and 0.7–1.0 ms with 128 Ki (the per-batch cost is DataFusion
/// polling and waking the task on the other thread).
const IN_MEMORY_BATCH_ROWS: usize = 128 * 1024;

/// Below this many rows per partition, splitting costs more than it gains.
const MIN_ROWS_PER_PARTITION: usize = 32 * 1024;

/// A table over batches already in memory, split into up to `partitions`
/// contiguous runs of rows (zero-copy slices), so that every core works
/// and concatenating the partitions in order gives the input order back.
pub fn in_memory(
    schema: SchemaRef,
    batches: &[RecordBatch],
    partitions: usize,
) -> DaftResult<Arc<dyn TableProvider>> {
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let partitions = partitions
        .min(total.div_ceil(MIN_ROWS_PER_PARTITION))
        .max(1);
    let per_partition = total.div_ceil(partitions).max(1);
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new()];
    let mut in_current = 0;
    for batch in batches {
        let mut offset = 0;
        while offset < batch.num_rows() {
            if in_current == per_partition {
                parts.push(Vec::new());
                in_current = 0;
            }
            let len = (batch.num_rows() - offset)
                .min(per_partition - in_current)
                .min(IN_MEMORY_BATCH_ROWS);
            parts
                .last_mut()
                .expect("parts starts non-empty")
                .push(batch.slice(offset, len));
            offset += len;
            in_current += len;
        }
    }
    if total == 0 {
        // One empty batch rather than none, so that a query over no rows
        // still calls its functions once (with zero rows), as before: the
        // conformance kit checks how a plugin kernel handles empty input.
        parts = vec![vec![RecordBatch::new_empty(schema.clone())]];
    }
    let table = MemTable::try_new(schema, parts).map_err(from_df)?;
    Ok(Arc::new(table))
}

/// A table over a collected result's partitions, exactly as they are.
pub fn partitions(
    schema: SchemaRef,
    parts: &[Vec<RecordBatch>],
) -> DaftResult<Arc<dyn TableProvider>> {
    let table = MemTable::try_new(schema, parts.to_vec()).map_err(from_df)?;
    Ok(Arc::new(table))
}

/// Tables over Parquet files, read with the planned schema, string and
/// binary columns as views where `strings` says so (see [`crate::views`]);
/// see [`listing`] for why there may be several.
pub fn parquet(
    schema: SchemaRef,
    files: &[FileStamp],
    strings: &StringReads,
) -> DaftResult<Vec<Arc<dyn TableProvider>>> {
    check_unchanged(files, &schema, |file| {
        let now = daft_io::parquet_schema(std::slice::from_ref(file))?;
        Ok((daft_io::parquet_schema_fits(&now, &schema), now))
    })?;
    let read_as = strings.scan_schema(&schema);
    listing(read_as, files, Arc::new(ParquetFormat::default()))
}

/// Tables over CSV files, parsed with the planned schema; see [`listing`]
/// for why there may be several.
pub fn csv(
    schema: SchemaRef,
    files: &[FileStamp],
    opts: &CsvOptions,
) -> DaftResult<Vec<Arc<dyn TableProvider>>> {
    // A rewritten CSV file is parsed with the planned types, so a value that
    // no longer fits its column fails to parse with an error; what must
    // match is the columns, which CSV matches by position.
    check_unchanged(files, &schema, |file| {
        let now = daft_io::csv_schema(std::slice::from_ref(file), opts)?;
        let names = |s: &Schema| {
            s.fields()
                .iter()
                .map(|f| f.name().clone())
                .collect::<Vec<_>>()
        };
        Ok((names(&now) == names(&schema), now))
    })?;
    let format = CsvFormat::default()
        .with_has_header(opts.has_header)
        .with_delimiter(opts.delimiter)
        .with_quote(opts.quote)
        .with_escape(opts.escape)
        .with_comment(opts.comment);
    listing(schema, files, Arc::new(format))
}

/// Tables over newline-delimited JSON files, parsed with the planned
/// schema (keys a line lacks are null; keys the schema lacks are skipped).
pub fn json(schema: SchemaRef, files: &[FileStamp]) -> DaftResult<Vec<Arc<dyn TableProvider>>> {
    check_unchanged(files, &schema, |file| {
        let now = daft_io::json_schema(std::slice::from_ref(file), 1000)?;
        let known = now
            .fields()
            .iter()
            .all(|f| schema.field_with_name(f.name()).is_ok());
        Ok((known, now))
    })?;
    listing(schema, files, Arc::new(JsonFormat::default()))
}

/// The tables to read `files` from, in the order given: one table when the
/// files are in path order (directories and globs expand so), else one
/// table per file, which the plan concatenates in order. DataFusion reads a
/// table's files sorted by path, and Daft reads them in the order given.
fn listing(
    schema: SchemaRef,
    files: &[FileStamp],
    format: Arc<dyn FileFormat>,
) -> DaftResult<Vec<Arc<dyn TableProvider>>> {
    let urls = files.iter().map(file_url).collect::<DaftResult<Vec<_>>>()?;
    let sorted = urls.windows(2).all(|w| w[0].as_str() <= w[1].as_str());
    if sorted {
        return Ok(vec![listing_table(schema, urls, format)?]);
    }
    urls.into_iter()
        .map(|u| listing_table(schema.clone(), vec![u], format.clone()))
        .collect()
}

fn listing_table(
    schema: SchemaRef,
    urls: Vec<ListingTableUrl>,
    format: Arc<dyn FileFormat>,
) -> DaftResult<Arc<dyn TableProvider>> {
    // The files were chosen at plan time (globs expanded, extensions
    // checked): DataFusion must read exactly them, whatever their names.
    let options = ListingOptions::new(format).with_file_extension("");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config).map_err(from_df)?))
}

/// The URL of a file, without glob interpretation of its name: an
/// object's URL (its store's client bound for DataFusion's registry, see
/// `daft_exec`'s session), or a local file's `file://` URL.
fn file_url(file: &FileStamp) -> DaftResult<ListingTableUrl> {
    if let Some(url) = file.scan_url()? {
        return ListingTableUrl::try_new(url, None).map_err(from_df);
    }
    let path = &file.path;
    let abs = std::path::absolute(path).map_err(|e| DaftError::Io {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    let url = url::Url::from_file_path(&abs)
        .map_err(|_| DaftError::value_error(format!("{path}: not a path that has a file URL")))?;
    ListingTableUrl::try_new(url, None).map_err(from_df)
}

/// Fails if a file changed since planning in a way that the planned
/// schema no longer describes. `now_matches` reads the file's current
/// schema and says whether it still matches; it runs only for files whose
/// size or time changed, so an unchanged dataset costs one `stat` (or one
/// HEAD request) per file.
fn check_unchanged(
    files: &[FileStamp],
    planned: &Schema,
    now_matches: impl Fn(&FileStamp) -> DaftResult<(bool, SchemaRef)>,
) -> DaftResult<()> {
    for (f, now) in files.iter().zip(FileStamp::now_all(files)?) {
        let now = now.map_err(|e| match e {
            DaftError::FileNotFound(p) => DaftError::FileNotFound(format!(
                "{p} (it was there when the query was planned and has been removed since)"
            )),
            e => e,
        })?;
        if &now == f {
            continue;
        }
        let (matches, now) = now_matches(&now)?;
        if !matches {
            return Err(DaftError::SchemaMismatch(format!(
                "{} changed after the query was planned: it was planned with schema [{}] \
                 but now has schema [{}]; plan the query again (read the file again) to read \
                 its new content",
                f.path,
                schema_line(planned),
                schema_line(&now)
            )));
        }
    }
    Ok(())
}
