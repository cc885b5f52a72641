//! Writing query output as files so that a reader never sees a partial one,
//! even when the writer is killed.
//!
//! Every output file is written under a hidden name (`.<final>.daft-tmp`,
//! skipped by [`crate::expand_paths`]), synced, and renamed to its final
//! `<uuid>-<n>.<ext>` name only once it is complete.
//!
//! `append` writes the temporary files in `root_dir` and renames them once
//! every stream has finished, so with one stream a reader sees the old files
//! or the old files plus the new one. With several streams the renames run
//! one after another: a kill between two of them leaves some of the new
//! files (each complete).
//!
//! `overwrite` has Daft's meaning: afterwards `root_dir` holds the new files
//! and, of what it held before, only its directories and the marker files
//! Daft's listing ignores (`_SUCCESS`, `_metadata`, `_common_metadata`,
//! `_started*`, `_committed*`, `*.crc`); every other file under it, at any
//! depth and whatever its name, is removed. It is done in one step: the new
//! content is built in a hidden sibling directory
//! (`<parent>/.<root-name>.daft-staging-<uuid>`), swapped with `root_dir` by
//! `renameat2(RENAME_EXCHANGE)`, and the staging directory, which then holds
//! the old content, is removed. A reader sees the old content or the new
//! content, never a mix. When `root_dir` does not exist the staging
//! directory is renamed into place. The swapped-in directory gets the old
//! one's permission bits, but it is a new directory: its owner is the
//! writer, and a file another process adds to `root_dir` during the write is
//! swapped out with the old content. A symlink `root_dir` is resolved and its
//! target swapped.
//!
//! When the swap cannot be done (not Linux, a filesystem without
//! `RENAME_EXCHANGE`, `root_dir` a mount point, a parent directory the
//! sibling cannot be made in, or the process's working directory inside
//! `root_dir`) the write falls back to: all new files complete (staged, in
//! the sibling or in a hidden `root_dir/.daft-staging-<uuid>`), then moved
//! into `root_dir` one by one, then the old files removed one by one. That
//! fallback is not atomic: from the first move to the last removal a reader
//! sees old and new files together, and a kill in that window leaves them so.
//!
//! A failing stream (a query error) or a failed write leaves `root_dir` as
//! it was and removes every temporary file and staging directory. A killed
//! writer can leave a hidden `.…daft-tmp` file in `root_dir` or a hidden
//! `.…daft-staging-…` directory beside (or, in the fallback, inside) it;
//! readers skip both. A later `overwrite` removes the files of those inside
//! `root_dir`; a sibling staging directory stays until removed by hand.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use arrow::datatypes::SchemaRef;
use parquet::basic::Compression;

use daft_core::{DaftError, DaftResult};

use crate::csv::{write_csv_file, CsvWriteOptions};
use crate::json::{write_json_file, JsonWriteOptions};
use crate::parquet::{parse_compression, write_parquet_file};
use crate::paths::io_err;
use crate::remote::{upload_files, IoConfig, RemoteUrl, Scheme};
use crate::BatchStream;

/// What a write does with the files already under `root_dir`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Keep them; add the new files beside them.
    Append,
    /// Replace them: see the module documentation for what is kept.
    Overwrite,
}

impl WriteMode {
    /// `"append"` or `"overwrite"`.
    pub fn parse(mode: &str) -> DaftResult<Self> {
        match mode {
            "append" => Ok(Self::Append),
            "overwrite" => Ok(Self::Overwrite),
            other => Err(DaftError::value_error(format!(
                "write_mode must be 'append' or 'overwrite', got {other:?}"
            ))),
        }
    }
}

/// The format of the files written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// Parquet with `compression`: `snappy`, `zstd`, `lz4` or `none`.
    Parquet { compression: String },
    /// CSV, with a header line unless the options say otherwise.
    Csv(CsvWriteOptions),
    /// Newline-delimited JSON, one object per row.
    Json(JsonWriteOptions),
}

impl FileFormat {
    /// The extension of the files written, without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            FileFormat::Parquet { .. } => "parquet",
            FileFormat::Csv(_) => "csv",
            FileFormat::Json(_) => "json",
        }
    }
}

/// Fails unless `format` (option `name` of `function`) is a strftime format
/// chrono, which arrow's writers format with, understands.
pub(crate) fn check_strftime(
    function: &str,
    name: &str,
    format: &Option<String>,
) -> DaftResult<()> {
    let Some(f) = format else { return Ok(()) };
    let bad = chrono::format::StrftimeItems::new(f)
        .any(|item| matches!(item, chrono::format::Item::Error));
    if bad {
        return Err(DaftError::value_error(format!(
            "{function}: {name} {f:?} is not a valid strftime format"
        )));
    }
    Ok(())
}

/// A [`FileFormat`] whose options were checked.
#[derive(Clone)]
enum Encoder {
    Parquet(Compression),
    Csv(CsvWriteOptions),
    Json(JsonWriteOptions),
}

/// Writes one file per stream of `streams` under `root_dir` (created if
/// missing) in `format`, and returns the files' paths (`root_dir` joined with
/// `<uuid>-<n>.<ext>`, `n` the stream's index) in stream order. The streams
/// are consumed on one thread each when there are several. See the module
/// documentation for what `mode` does and what a kill leaves behind. On an
/// error, from a stream or from the filesystem, `root_dir` is left as it was.
///
/// A `root_dir` in an object store (`s3://`, `gs://`, `az://`, read with
/// `cfg`) gets the files written locally first (in the temporary
/// directory) and then uploaded, each object complete or absent
/// (`remote::upload_files`).
pub fn write_files(
    root_dir: &str,
    cfg: &IoConfig,
    mode: WriteMode,
    format: FileFormat,
    schema: SchemaRef,
    streams: Vec<BatchStream>,
) -> DaftResult<Vec<String>> {
    match RemoteUrl::parse(root_dir)? {
        Some(root) => write_remote(&root, cfg, mode, &format, schema, streams),
        None => write_files_with(root_dir, mode, &format, schema, streams, Swap::Exchange),
    }
}

/// Removes a local staging directory when the write ends, however it ends.
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn write_remote(
    root: &RemoteUrl,
    cfg: &IoConfig,
    mode: WriteMode,
    format: &FileFormat,
    schema: SchemaRef,
    streams: Vec<BatchStream>,
) -> DaftResult<Vec<String>> {
    if root.scheme == Scheme::Http {
        return Err(DaftError::value_error(format!(
            "{}: http(s):// URLs are read-only; write to a local path or an object store \
             (s3://, gs://, az://)",
            root.display()
        )));
    }
    let staging = std::env::temp_dir().join(format!("daft-upload-{}", uuid::Uuid::new_v4()));
    let _cleanup = RemoveDir(staging.clone());
    let local = write_files_with(
        &path_str(&staging),
        WriteMode::Append,
        format,
        schema,
        streams,
        Swap::Exchange,
    )?;
    let files: Vec<(PathBuf, String)> = local
        .iter()
        .map(|p| {
            let path = PathBuf::from(p);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (path, name)
        })
        .collect();
    upload_files(
        root,
        cfg,
        &files,
        mode == WriteMode::Overwrite,
        is_daft_marker,
    )
}

/// How an overwrite puts its staged content in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Swap {
    /// One `RENAME_EXCHANGE`, or the fallback when that is not supported.
    Exchange,
    /// The fallback only, as after a failed exchange (for tests).
    #[cfg(test)]
    Fallback,
    /// The fallback with the staging directory inside `root_dir`, as when no
    /// sibling can be made (for tests).
    #[cfg(test)]
    FallbackInside,
}

fn write_files_with(
    root_dir: &str,
    mode: WriteMode,
    format: &FileFormat,
    schema: SchemaRef,
    streams: Vec<BatchStream>,
    swap: Swap,
) -> DaftResult<Vec<String>> {
    let encoder = match format {
        FileFormat::Parquet { compression } => {
            check_parquet_types(&schema)?;
            Encoder::Parquet(parse_compression(compression)?)
        }
        FileFormat::Csv(o) => Encoder::Csv(o.checked()?),
        FileFormat::Json(o) => Encoder::Json(o.checked()?),
    };
    let ext = format.extension();
    let names: Vec<String> = (0..streams.len())
        .map(|i| format!("{}-{i}.{ext}", uuid::Uuid::new_v4()))
        .collect();
    let jobs = names.iter().cloned().zip(streams).collect();
    let root = Path::new(root_dir);
    match mode {
        WriteMode::Append => append(root, &encoder, &schema, jobs)?,
        WriteMode::Overwrite => overwrite(root, &encoder, &schema, jobs, swap)?,
    }
    Ok(names
        .iter()
        .map(|n| root.join(n).to_string_lossy().into_owned())
        .collect())
}

/// Refuses, before any file is made, a column whose type Parquet cannot
/// store (arrow-rs would fail mid-write naming only a staging file).
fn check_parquet_types(schema: &arrow::datatypes::Schema) -> DaftResult<()> {
    use arrow::datatypes::DataType as D;
    fn unsupported(dt: &D) -> Option<&D> {
        match dt {
            D::Interval(_) | D::Union(_, _) => Some(dt),
            D::List(f) | D::LargeList(f) | D::FixedSizeList(f, _) | D::Map(f, _) => {
                unsupported(f.data_type())
            }
            D::Struct(fields) => fields.iter().find_map(|f| unsupported(f.data_type())),
            _ => None,
        }
    }
    for f in schema.fields() {
        if let Some(dt) = unsupported(f.data_type()) {
            let inner = if dt == f.data_type() {
                String::new()
            } else {
                format!(", which holds {}", daft_core::types::display_data_type(dt))
            };
            return Err(DaftError::value_error(format!(
                "write_parquet: column {:?} is {}{inner}, which Parquet cannot store; \
                 cast it or leave it out first",
                f.name(),
                daft_core::types::display_type(f),
            )));
        }
    }
    Ok(())
}

fn path_str(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn path_err(path: &Path, what: &str, e: impl std::fmt::Display) -> DaftError {
    io_err(&path_str(path), format!("{what}: {e}"))
}

/// The hidden name a file is written under until it is complete.
fn temp_name(final_name: &str) -> String {
    format!(".{final_name}.daft-tmp")
}

/// A file or directory that is removed when dropped unless kept, so that
/// errors and panics alike leave nothing behind.
struct Cleanup {
    path: PathBuf,
    dir: bool,
    armed: bool,
}

impl Cleanup {
    fn file(path: PathBuf) -> Self {
        Self {
            path,
            dir: false,
            armed: true,
        }
    }

    fn dir(path: PathBuf) -> Self {
        Self {
            path,
            dir: true,
            armed: true,
        }
    }

    fn keep(mut self) -> PathBuf {
        self.armed = false;
        std::mem::take(&mut self.path)
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.armed {
            let _ = if self.dir {
                fs::remove_dir_all(&self.path)
            } else {
                fs::remove_file(&self.path)
            };
        }
    }
}

/// Syncs a directory so that the renames in it survive a crash of the
/// machine. Filesystems that cannot sync a directory are not an error.
fn sync_dir(dir: &Path) -> DaftResult<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        Ok(()) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(path_err(dir, "cannot sync the directory", e)),
    }
}

/// A complete file under its temporary name in `dir`, to be renamed to `name`.
struct Staged {
    temp: Cleanup,
    name: String,
}

/// Writes `stream` as the complete, synced file `dir/.<name>.daft-tmp`.
/// Stops early (and the caller discards the file) once `cancel` is set.
fn write_one(
    dir: &Path,
    name: String,
    encoder: &Encoder,
    schema: &SchemaRef,
    stream: BatchStream,
    cancel: &AtomicBool,
) -> DaftResult<Staged> {
    let path = dir.join(temp_name(&name));
    let shown = path_str(&path);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| path_err(&path, "cannot create the temporary output file", e))?;
    let temp = Cleanup::file(path);
    let batches = stream.take_while(|_| !cancel.load(Ordering::Relaxed));
    let file = match encoder {
        Encoder::Parquet(c) => write_parquet_file(file, &shown, schema.clone(), *c, batches),
        Encoder::Csv(o) => write_csv_file(file, &shown, schema.clone(), o, batches),
        Encoder::Json(o) => write_json_file(file, &shown, o, batches),
    }?;
    file.sync_all()
        .map_err(|e| path_err(&temp.path, "cannot sync the output file", e))?;
    Ok(Staged { temp, name })
}

/// Writes every stream to a temporary file in `dir`, on one thread each when
/// there are several. The first failure stops the other streams; then every
/// temporary file is removed and that failure returned.
fn write_all(
    dir: &Path,
    encoder: &Encoder,
    schema: &SchemaRef,
    jobs: Vec<(String, BatchStream)>,
) -> DaftResult<Vec<Staged>> {
    let cancel = AtomicBool::new(false);
    let run = |name: String, stream: BatchStream| {
        let result = write_one(dir, name, encoder, schema, stream, &cancel);
        if result.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        result
    };
    let results: Vec<DaftResult<Staged>> = if jobs.len() <= 1 {
        jobs.into_iter().map(|(n, s)| run(n, s)).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .into_iter()
                .map(|(n, s)| {
                    let run = &run;
                    scope.spawn(move || run(n, s))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        cancel.store(true, Ordering::Relaxed);
                        Err(DaftError::Internal(format!(
                            "a thread writing under {} panicked",
                            path_str(dir)
                        )))
                    })
                })
                .collect()
        })
    };
    // Collecting drops (removes) the files already written on the first error.
    let staged: DaftResult<Vec<Staged>> = results.into_iter().collect();
    if staged.is_ok() && cancel.load(Ordering::Relaxed) {
        return Err(DaftError::Internal(
            "a write was cancelled with no error to show".into(),
        ));
    }
    staged
}

/// Renames each staged file to its final name in `dir`. If one rename fails,
/// the files already renamed are removed again and the error returned.
fn publish(dir: &Path, staged: Vec<Staged>) -> DaftResult<()> {
    let mut done: Vec<Cleanup> = Vec::with_capacity(staged.len());
    for s in staged {
        let to = dir.join(&s.name);
        fs::rename(&s.temp.path, &to).map_err(|e| {
            path_err(
                &s.temp.path,
                &format!("cannot rename the finished file to {}", path_str(&to)),
                e,
            )
        })?;
        s.temp.keep();
        done.push(Cleanup::file(to));
    }
    sync_dir(dir)?;
    for d in done {
        d.keep();
    }
    Ok(())
}

fn append(
    root: &Path,
    encoder: &Encoder,
    schema: &SchemaRef,
    jobs: Vec<(String, BatchStream)>,
) -> DaftResult<()> {
    fs::create_dir_all(root)
        .map_err(|e| path_err(root, "cannot create the output directory", e))?;
    let staged = write_all(root, encoder, schema, jobs)?;
    publish(root, staged)
}

fn overwrite(
    root: &Path,
    encoder: &Encoder,
    schema: &SchemaRef,
    jobs: Vec<(String, BatchStream)>,
    swap: Swap,
) -> DaftResult<()> {
    let names: Vec<String> = jobs.iter().map(|(n, _)| n.clone()).collect();
    let exists = match fs::metadata(root) {
        Ok(m) if m.is_dir() => true,
        Ok(_) => return Err(path_err(root, "cannot write here", "not a directory")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(path_err(root, "cannot read the output directory", e)),
    };
    if !exists {
        return overwrite_new(root, encoder, schema, jobs, &names, swap);
    }
    // Symlinks resolved: the directory swapped is the one the path names.
    let real = fs::canonicalize(root)
        .map_err(|e| path_err(root, "cannot resolve the output directory", e))?;
    #[cfg(test)]
    let sibling = if swap == Swap::FallbackInside {
        None
    } else {
        sibling_staging(&real)
    };
    #[cfg(not(test))]
    let sibling = sibling_staging(&real);
    let staging = match sibling {
        Some(s) => s,
        None => inner_staging(&real)?,
    };
    let staged = write_all(&staging.dir.path, encoder, schema, jobs)?;
    publish(&staging.dir.path, staged)?;
    commit(&real, staging, &names, swap)
}

/// Overwrite of a `root` that does not exist yet: build it beside, rename it
/// into place.
fn overwrite_new(
    root: &Path,
    encoder: &Encoder,
    schema: &SchemaRef,
    jobs: Vec<(String, BatchStream)>,
    names: &[String],
    swap: Swap,
) -> DaftResult<()> {
    let abs = std::path::absolute(root)
        .map_err(|e| path_err(root, "cannot resolve the output directory", e))?;
    let (Some(parent), Some(base)) = (abs.parent(), abs.file_name()) else {
        return Err(path_err(root, "cannot write here", "no parent directory"));
    };
    fs::create_dir_all(parent)
        .map_err(|e| path_err(parent, "cannot create the output directory", e))?;
    let dir = parent.join(staging_name(base));
    fs::create_dir(&dir).map_err(|e| path_err(&dir, "cannot create the staging directory", e))?;
    let staging = Staging {
        dir: Cleanup::dir(dir),
        beside: true,
    };
    let staged = write_all(&staging.dir.path, encoder, schema, jobs)?;
    publish(&staging.dir.path, staged)?;
    sync_dir(&staging.dir.path)?;
    match fs::rename(&staging.dir.path, &abs) {
        Ok(()) => {
            staging.dir.keep();
            sync_dir(parent)
        }
        // Someone made the directory meanwhile: replace it like any other.
        Err(_) if abs.is_dir() => {
            let real = fs::canonicalize(&abs)
                .map_err(|e| path_err(&abs, "cannot resolve the output directory", e))?;
            commit(&real, staging, names, swap)
        }
        Err(e) => Err(path_err(
            &staging.dir.path,
            &format!("cannot rename the staged output to {}", path_str(&abs)),
            e,
        )),
    }
}

/// Where an overwrite builds the new content.
struct Staging {
    dir: Cleanup,
    /// Beside the output directory (and so swappable with it), or inside it.
    beside: bool,
}

fn staging_name(root_name: &std::ffi::OsStr) -> String {
    format!(
        ".{}.daft-staging-{}",
        root_name.to_string_lossy(),
        uuid::Uuid::new_v4()
    )
}

/// A fresh staging directory beside `real`, when one can be swapped with it:
/// same filesystem, a parent we can write, and not holding the process's
/// working directory (which the swap would move away with the old content).
fn sibling_staging(real: &Path) -> Option<Staging> {
    let (parent, base) = (real.parent()?, real.file_name()?);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if fs::metadata(parent).ok()?.dev() != fs::metadata(real).ok()?.dev() {
            return None;
        }
    }
    let cwd = std::env::current_dir().and_then(fs::canonicalize);
    if cwd.is_ok_and(|c| c.starts_with(real)) {
        return None;
    }
    let dir = parent.join(staging_name(base));
    fs::create_dir(&dir).ok()?;
    Some(Staging {
        dir: Cleanup::dir(dir),
        beside: true,
    })
}

/// A fresh hidden staging directory inside `real` (fallback only).
fn inner_staging(real: &Path) -> DaftResult<Staging> {
    let dir = real.join(format!(".daft-staging-{}", uuid::Uuid::new_v4()));
    fs::create_dir(&dir).map_err(|e| path_err(&dir, "cannot create the staging directory", e))?;
    Ok(Staging {
        dir: Cleanup::dir(dir),
        beside: false,
    })
}

/// Puts the complete staged files `names` in place of the content of `real`.
fn commit(real: &Path, staging: Staging, names: &[String], swap: Swap) -> DaftResult<()> {
    if staging.beside && swap == Swap::Exchange {
        let dir = &staging.dir.path;
        keep_daft_survivors(real, dir)?;
        if let Ok(m) = fs::metadata(real) {
            let _ = fs::set_permissions(dir, m.permissions());
        }
        sync_dir(dir)?;
        match exchange(dir, real) {
            Ok(()) => {
                if let Some(parent) = real.parent() {
                    sync_dir(parent)?;
                }
                // `dir` now holds the old content; the Cleanup removes it. A
                // failure there leaves only a hidden sibling behind.
                drop(staging);
                return Ok(());
            }
            Err(e) if exchange_unsupported(&e) => {
                tracing::warn!(
                    "overwrite of {}: cannot swap directories ({e}); replacing files one by one",
                    path_str(real)
                );
            }
            Err(e) => {
                return Err(path_err(
                    real,
                    &format!("cannot swap in the staged output {}", path_str(dir)),
                    e,
                ))
            }
        }
    }
    replace_files(real, staging, names)
}

/// Whether Daft's listing skips the file `name`, so that its overwrite keeps
/// it: Spark and Databricks markers.
pub(crate) fn is_daft_marker(name: &str) -> bool {
    let name = name.to_lowercase();
    name.ends_with(".crc")
        || ["_metadata", "_common_metadata", "_success"].contains(&name.as_str())
        || name.starts_with("_started")
        || name.starts_with("_committed")
}

/// Copies into the staging directory what Daft's overwrite leaves of the old
/// content: every directory (emptied) and the marker files (hard-linked).
fn keep_daft_survivors(old: &Path, new: &Path) -> DaftResult<()> {
    for entry in fs::read_dir(old).map_err(|e| path_err(old, "cannot list the directory", e))? {
        let entry = entry.map_err(|e| path_err(old, "cannot list the directory", e))?;
        let (from, to) = (entry.path(), new.join(entry.file_name()));
        let kind = entry
            .file_type()
            .map_err(|e| path_err(&from, "cannot read the entry", e))?;
        if kind.is_dir() {
            match fs::create_dir(&to) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(path_err(&to, "cannot create the directory", e)),
            }
            keep_daft_survivors(&from, &to)?;
        } else if is_daft_marker(&entry.file_name().to_string_lossy()) {
            fs::hard_link(&from, &to)
                .or_else(|_| fs::copy(&from, &to).map(|_| ()))
                .map_err(|e| path_err(&from, "cannot keep the marker file", e))?;
        }
    }
    Ok(())
}

/// The fallback: moves the complete staged files into `real`, then removes
/// every other file under `real` that Daft's overwrite removes. Between the
/// first move and the last removal a reader sees old and new files.
fn replace_files(real: &Path, staging: Staging, names: &[String]) -> DaftResult<()> {
    let dir = &staging.dir.path;
    let mut moved: Vec<Cleanup> = Vec::with_capacity(names.len());
    for name in names {
        let (from, to) = (dir.join(name), real.join(name));
        move_file(&from, &to, real, name)?;
        moved.push(Cleanup::file(to));
    }
    sync_dir(real)?;
    // From here on the new files stay, whatever fails.
    for m in moved {
        m.keep();
    }
    let keep: HashSet<OsString> = names.iter().map(OsString::from).collect();
    let skip = (!staging.beside).then_some(dir.as_path());
    remove_old(real, real, &keep, skip)?;
    drop(staging);
    Ok(())
}

/// Renames `from` to `to`; across filesystems, copies to a hidden name in
/// `to_dir`, syncs, renames.
fn move_file(from: &Path, to: &Path, to_dir: &Path, name: &str) -> DaftResult<()> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(EXDEV) => {
            let temp = Cleanup::file(to_dir.join(temp_name(name)));
            fs::copy(from, &temp.path)
                .and_then(|_| File::open(&temp.path)?.sync_all())
                .map_err(|e| path_err(&temp.path, "cannot copy the finished file", e))?;
            fs::rename(&temp.path, to)
                .map_err(|e| path_err(&temp.path, "cannot rename the finished file", e))?;
            temp.keep();
            Ok(())
        }
        Err(e) => Err(path_err(
            from,
            &format!("cannot move the finished file to {}", path_str(to)),
            e,
        )),
    }
}

#[cfg(unix)]
const EXDEV: i32 = libc::EXDEV;
#[cfg(not(unix))]
const EXDEV: i32 = 17;

/// Removes every file under `dir` (recursively; symlinks are removed, not
/// followed) except the new files `keep` directly in `root`, Daft's marker
/// files, and the directory `skip`. Directories stay.
fn remove_old(
    root: &Path,
    dir: &Path,
    keep: &HashSet<OsString>,
    skip: Option<&Path>,
) -> DaftResult<()> {
    for entry in fs::read_dir(dir).map_err(|e| path_err(dir, "cannot list the directory", e))? {
        let entry = entry.map_err(|e| path_err(dir, "cannot list the directory", e))?;
        let path = entry.path();
        if skip == Some(path.as_path()) {
            continue;
        }
        let name = entry.file_name();
        let kind = entry
            .file_type()
            .map_err(|e| path_err(&path, "cannot read the entry", e))?;
        if kind.is_dir() {
            remove_old(root, &path, keep, skip)?;
        } else {
            let is_new = dir == root && keep.contains(&name);
            if is_new || is_daft_marker(&name.to_string_lossy()) {
                continue;
            }
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(path_err(
                        &path,
                        "the new files are in place, but removing this old file failed",
                        e,
                    ))
                }
            }
        }
    }
    Ok(())
}

/// Swaps the two directories `a` and `b` atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both arguments are NUL-terminated paths that outlive the call;
    // the raw syscall needs no glibc wrapper (glibc has one only since 2.28).
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Whether a failed exchange means "cannot swap here" (so the fallback
/// applies) rather than a failure the write must report.
fn exchange_unsupported(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if let Some(code) = e.raw_os_error() {
        return [
            libc::EINVAL,
            libc::ENOSYS,
            libc::EOPNOTSUPP,
            libc::EXDEV,
            libc::EBUSY,
            libc::EPERM,
            libc::EACCES,
        ]
        .contains(&code);
    }
    e.kind() == io::ErrorKind::Unsupported
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;

    use super::*;
    use crate::{csv_schema, expand_paths, read_csv, read_parquet};

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TestDir(PathBuf);

    impl TestDir {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(format!("daft-io-write-{}", uuid::Uuid::new_v4()));
            fs::create_dir(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, true)]))
    }

    fn batch(values: &[i64]) -> RecordBatch {
        RecordBatch::try_new(schema(), vec![Arc::new(Int64Array::from(values.to_vec()))]).unwrap()
    }

    fn stream(batches: Vec<DaftResult<RecordBatch>>) -> BatchStream {
        Box::new(batches.into_iter())
    }

    fn ok(values: &[i64]) -> BatchStream {
        stream(vec![Ok(batch(values))])
    }

    fn failing() -> BatchStream {
        stream(vec![
            Ok(batch(&[1, 2])),
            Err(DaftError::ComputeError("boom".into())),
        ])
    }

    /// Every entry under `dir`, relative, sorted (directories end in `/`).
    fn tree(dir: &Path) -> Vec<String> {
        fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                if p.is_dir() {
                    out.push(format!("{rel}/"));
                    walk(base, &p, out);
                } else {
                    out.push(rel);
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    /// The values of column `x` of every CSV file a reader finds in `dir`.
    fn read_dir_csv(dir: &Path) -> DaftResult<Vec<i64>> {
        let files = expand_paths(&[path_str(dir)], "csv")?;
        let schema = csv_schema(
            &crate::FileStamp::of_all(&files)?,
            &crate::CsvOptions::default(),
        )?;
        let mut out = Vec::new();
        for b in read_csv(files, schema, true, b',', 1024) {
            let b = b?;
            let col = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
            out.extend((0..col.len()).map(|i| col.value(i)));
        }
        out.sort();
        Ok(out)
    }

    fn write_csv_files(
        root: &Path,
        mode: WriteMode,
        streams: Vec<BatchStream>,
        swap: Swap,
    ) -> DaftResult<Vec<String>> {
        write_files_with(
            &path_str(root),
            mode,
            &FileFormat::Csv(CsvWriteOptions::default()),
            schema(),
            streams,
            swap,
        )
    }

    /// An old write's file, plus things that are not this format's data.
    fn old_content(root: &Path) {
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("old-0.csv"), "x\n7\n8\n").unwrap();
        fs::write(root.join("README.txt"), "not data").unwrap();
        fs::write(root.join("sub/nested.csv"), "x\n9\n").unwrap();
        fs::write(root.join("_SUCCESS"), "").unwrap();
        fs::write(root.join(".old.csv.daft-tmp"), "x\n1").unwrap();
    }

    const SWAPS: [Swap; 3] = [Swap::Exchange, Swap::Fallback, Swap::FallbackInside];

    #[test]
    fn append_writes_a_complete_file_under_its_final_name() {
        let dir = TestDir::new();
        let root = dir.0.join("out");
        let paths = write_csv_files(
            &root,
            WriteMode::Append,
            vec![ok(&[1, 2, 3])],
            Swap::Exchange,
        )
        .unwrap();
        assert_eq!(paths.len(), 1);
        let name = Path::new(&paths[0])
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.ends_with("-0.csv"), "{name}");
        assert_eq!(name.len(), 36 + "-0.csv".len(), "{name}");
        assert_eq!(tree(&root), vec![name]);
        assert_eq!(read_dir_csv(&root).unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn file_is_hidden_from_readers_until_complete() {
        let dir = TestDir::new();
        let root = dir.0.clone();
        fs::write(root.join("old-0.csv"), "x\n7\n").unwrap();
        let seen = Arc::new(std::sync::Mutex::new(None));
        // A stream that, between two batches, looks at the directory.
        let (r, s) = (root.clone(), seen.clone());
        let mut n = 0;
        let probe: BatchStream = Box::new(std::iter::from_fn(move || {
            n += 1;
            match n {
                1 => Some(Ok(batch(&[1]))),
                2 => {
                    *s.lock().unwrap() = Some((tree(&r), read_dir_csv(&r)));
                    Some(Ok(batch(&[2])))
                }
                _ => None,
            }
        }));
        let paths = write_csv_files(&root, WriteMode::Append, vec![probe], Swap::Exchange).unwrap();
        let name = Path::new(&paths[0])
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let (during, read) = seen.lock().unwrap().take().unwrap();
        assert_eq!(during, vec![temp_name(&name), "old-0.csv".to_string()]);
        assert_eq!(
            read.unwrap(),
            vec![7],
            "a reader saw the file being written"
        );
        assert_eq!(tree(&root), vec![name, "old-0.csv".to_string()]);
        assert_eq!(read_dir_csv(&root).unwrap(), vec![1, 2, 7]);
    }

    #[test]
    fn failing_stream_leaves_old_data_and_no_temporary_files() {
        for mode in [WriteMode::Append, WriteMode::Overwrite] {
            for swap in SWAPS {
                let dir = TestDir::new();
                let root = dir.0.join("out");
                old_content(&root);
                let before = tree(&root);
                let siblings = tree(&dir.0);
                let err = write_csv_files(&root, mode, vec![ok(&[5]), failing(), ok(&[6])], swap)
                    .unwrap_err();
                assert!(err.to_string().contains("boom"), "{mode:?} {swap:?}: {err}");
                assert_eq!(tree(&root), before, "{mode:?} {swap:?}");
                assert_eq!(tree(&dir.0), siblings, "{mode:?} {swap:?}");
                assert_eq!(read_dir_csv(&root).unwrap(), vec![7, 8]);
            }
        }
    }

    #[test]
    fn failing_write_into_missing_directory_leaves_nothing() {
        let dir = TestDir::new();
        let root = dir.0.join("out");
        assert!(
            write_csv_files(&root, WriteMode::Overwrite, vec![failing()], Swap::Exchange).is_err()
        );
        assert_eq!(tree(&dir.0), Vec::<String>::new());
    }

    #[test]
    fn overwrite_replaces_every_file_but_keeps_directories_and_markers() {
        for swap in SWAPS {
            let dir = TestDir::new();
            let root = dir.0.join("out");
            old_content(&root);
            let paths = write_csv_files(
                &root,
                WriteMode::Overwrite,
                vec![ok(&[1, 2]), ok(&[3])],
                swap,
            )
            .unwrap();
            let mut expected: Vec<String> = paths
                .iter()
                .map(|p| {
                    Path::new(p)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            assert!(expected[0].ends_with("-0.csv") && expected[1].ends_with("-1.csv"));
            expected.extend(["_SUCCESS".to_string(), "sub/".to_string()]);
            expected.sort();
            assert_eq!(tree(&root), expected, "{swap:?}");
            let beside: Vec<_> = fs::read_dir(&dir.0)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(beside, ["out"], "{swap:?}: staging left");
            assert_eq!(read_dir_csv(&root).unwrap(), vec![1, 2, 3]);
            for p in &paths {
                assert!(Path::new(p).is_file(), "{p}");
            }
        }
    }

    #[test]
    fn overwrite_creates_a_missing_directory() {
        let dir = TestDir::new();
        let root = dir.0.join("a/b");
        let paths =
            write_csv_files(&root, WriteMode::Overwrite, vec![ok(&[4])], Swap::Exchange).unwrap();
        assert_eq!(
            tree(&dir.0.join("a")),
            vec![
                "b/".to_string(),
                format!(
                    "b/{}",
                    Path::new(&paths[0]).file_name().unwrap().to_string_lossy()
                )
            ]
        );
        assert_eq!(read_dir_csv(&root).unwrap(), vec![4]);
    }

    #[test]
    fn overwrite_through_a_symlink_replaces_the_target() {
        let dir = TestDir::new();
        let real = dir.0.join("real");
        old_content(&real);
        let link = dir.0.join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_csv_files(&link, WriteMode::Overwrite, vec![ok(&[1])], Swap::Exchange).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(read_dir_csv(&link).unwrap(), vec![1]);
        assert_eq!(read_dir_csv(&real).unwrap(), vec![1]);
    }

    #[test]
    fn overwrite_keeps_the_directory_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TestDir::new();
        let root = dir.0.join("out");
        old_content(&root);
        fs::set_permissions(&root, fs::Permissions::from_mode(0o750)).unwrap();
        write_csv_files(&root, WriteMode::Overwrite, vec![ok(&[1])], Swap::Exchange).unwrap();
        assert_eq!(
            fs::metadata(&root).unwrap().permissions().mode() & 0o777,
            0o750
        );
    }

    #[test]
    fn exchange_swaps_two_directories() {
        let dir = TestDir::new();
        let (a, b) = (dir.0.join("a"), dir.0.join("b"));
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("in-a"), "").unwrap();
        exchange(&a, &b).unwrap();
        assert_eq!(tree(&b), vec!["in-a".to_string()]);
        assert_eq!(tree(&a), Vec::<String>::new());
        let missing = exchange(&a, &dir.0.join("missing")).unwrap_err();
        assert!(!exchange_unsupported(&missing), "{missing}");
    }

    #[test]
    fn parquet_files_are_written_and_read_back() {
        let dir = TestDir::new();
        let root = dir.0.join("out");
        let format = FileFormat::Parquet {
            compression: "zstd".into(),
        };
        let paths = write_files(
            &path_str(&root),
            &IoConfig::default(),
            WriteMode::Overwrite,
            format,
            schema(),
            vec![ok(&[1, 2]), ok(&[])],
        )
        .unwrap();
        assert!(paths[1].ends_with("-1.parquet"));
        let files = expand_paths(&[path_str(&root)], "parquet").unwrap();
        let rows: usize = read_parquet(files, 1024)
            .map(|b| b.unwrap().num_rows())
            .sum();
        assert_eq!(rows, 2);
    }

    #[test]
    fn bad_options_are_errors_before_anything_is_written() {
        let dir = TestDir::new();
        let root = dir.0.join("out");
        let format = FileFormat::Parquet {
            compression: "brotli9".into(),
        };
        let err = write_files(
            &path_str(&root),
            &IoConfig::default(),
            WriteMode::Append,
            format,
            schema(),
            vec![ok(&[1])],
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown compression"), "{err}");
        assert!(!root.exists());
        assert!(WriteMode::parse("upsert").is_err());
        assert_eq!(WriteMode::parse("overwrite").unwrap(), WriteMode::Overwrite);
    }

    #[test]
    fn errors_name_the_path() {
        let dir = TestDir::new();
        let file = dir.0.join("a-file");
        fs::write(&file, "").unwrap();
        for mode in [WriteMode::Append, WriteMode::Overwrite] {
            let err = write_csv_files(&file, mode, vec![ok(&[1])], Swap::Exchange).unwrap_err();
            assert!(
                matches!(&err, DaftError::Io { path, .. } if path.contains("a-file")),
                "{err}"
            );
        }
    }
}
