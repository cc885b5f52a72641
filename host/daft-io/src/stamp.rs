//! What a file looked like when a query was planned, so that a file
//! rewritten before the query runs is noticed instead of being read under
//! the schema planned for its old content.

use std::io::{BufRead, BufReader};
use std::time::SystemTime;

use daft_core::{DaftError, DaftResult};

use crate::remote::{self, IoConfig, RemoteFile, RemoteUrl};

/// A file as planned: its path, size and modification time (and, for an
/// object in a store, its client and entity tag).
#[derive(Clone)]
pub struct FileStamp {
    /// The path as expanded from the user's pattern (for an object, its
    /// `scheme://bucket/key`).
    pub path: String,
    /// Size in bytes when planned.
    pub size: u64,
    /// Modification time when planned, where the filesystem keeps one.
    pub modified: Option<SystemTime>,
    remote: Option<RemoteFile>,
}

impl PartialEq for FileStamp {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
            && self.size == other.size
            && self.modified == other.modified
            && self.remote.as_ref().map(|r| &r.e_tag) == other.remote.as_ref().map(|r| &r.e_tag)
    }
}

impl Eq for FileStamp {}

impl std::fmt::Debug for FileStamp {
    // The client (and its credentials) stays out of plans and logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStamp")
            .field("path", &self.path)
            .field("size", &self.size)
            .field("modified", &self.modified)
            .finish()
    }
}

impl FileStamp {
    /// The stamp of the local file `path` now.
    pub fn of(path: &str) -> DaftResult<FileStamp> {
        let meta = std::fs::metadata(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                DaftError::FileNotFound(path.to_string())
            } else {
                DaftError::Io {
                    path: path.to_string(),
                    message: e.to_string(),
                }
            }
        })?;
        Ok(FileStamp {
            path: path.to_string(),
            size: meta.len(),
            modified: meta.modified().ok(),
            remote: None,
        })
    }

    /// The stamps of the local files `paths`, in order.
    pub fn of_all(paths: &[String]) -> DaftResult<Vec<FileStamp>> {
        paths.iter().map(|p| FileStamp::of(p)).collect()
    }

    pub(crate) fn of_remote(file: RemoteFile, meta: &object_store::ObjectMeta) -> FileStamp {
        FileStamp {
            path: file.url.display(),
            size: meta.size,
            modified: Some(meta.last_modified.into()),
            remote: Some(file),
        }
    }

    /// This file as it is now.
    pub fn now(&self) -> DaftResult<FileStamp> {
        match &self.remote {
            // Local files need no I/O runtime (its threads start on first use).
            None => FileStamp::of(&self.path),
            Some(_) => remote::wait(self.now_async())?,
        }
    }

    async fn now_async(&self) -> DaftResult<FileStamp> {
        match &self.remote {
            None => FileStamp::of(&self.path),
            Some(r) => {
                let meta = remote::head_async(&r.store, &r.url).await?;
                let file = RemoteFile {
                    e_tag: meta.e_tag.clone(),
                    ..r.clone()
                };
                Ok(FileStamp::of_remote(file, &meta))
            }
        }
    }

    /// Each of `files` as it is now, the objects' HEAD requests at once.
    pub fn now_all(files: &[FileStamp]) -> DaftResult<Vec<DaftResult<FileStamp>>> {
        if files.iter().all(|f| f.remote.is_none()) {
            return Ok(files.iter().map(FileStamp::now).collect());
        }
        remote::concurrently(files, |f| f.now_async())
    }

    /// The URL DataFusion scans this object by, its client bound as the one
    /// its store is read with; `None` for a local file.
    pub fn scan_url(&self) -> DaftResult<Option<url::Url>> {
        match &self.remote {
            None => Ok(None),
            Some(r) => {
                r.bind()?;
                Ok(Some(r.url.scan_url()))
            }
        }
    }

    /// The file's bytes from the start, read as they are needed.
    pub fn open(&self) -> DaftResult<Box<dyn BufRead + Send>> {
        match &self.remote {
            None => {
                let file = std::fs::File::open(&self.path)
                    .map_err(|e| crate::paths::io_err(&self.path, e))?;
                Ok(Box::new(BufReader::new(file)))
            }
            Some(r) => Ok(Box::new(BufReader::with_capacity(
                1 << 20,
                remote::open_remote(r)?,
            ))),
        }
    }

    /// The Arrow schema of this Parquet file's footer.
    async fn parquet_schema(&self) -> DaftResult<arrow::datatypes::SchemaRef> {
        match &self.remote {
            None => crate::parquet::local_parquet_schema(&self.path),
            Some(r) => remote::remote_parquet_schema(r, self.size).await,
        }
    }

    /// The footers' schemas of the Parquet files `files`, the objects' reads
    /// at once.
    pub(crate) fn parquet_schemas(
        files: &[FileStamp],
    ) -> DaftResult<Vec<DaftResult<arrow::datatypes::SchemaRef>>> {
        if files.iter().all(|f| f.remote.is_none()) {
            let local = |f: &FileStamp| crate::parquet::local_parquet_schema(&f.path);
            return Ok(files.iter().map(local).collect());
        }
        remote::concurrently(files, |f| f.parquet_schema())
    }
}

/// The files `patterns` name (paths, directories, globs, or object-store
/// URLs of any of these, read with `cfg`), stamped, in order: see
/// [`crate::expand_paths`] for local paths and `remote::expand_remote` for
/// URLs, which follow the same rules.
pub fn find_files(
    patterns: &[String],
    extension: &str,
    cfg: &IoConfig,
) -> DaftResult<Vec<FileStamp>> {
    let mut out = Vec::new();
    for pattern in patterns {
        match RemoteUrl::parse(pattern)? {
            Some(url) => out.extend(remote::expand_remote(&url, extension, cfg)?),
            None => {
                let files = crate::expand_paths(std::slice::from_ref(pattern), extension)?;
                out.extend(FileStamp::of_all(&files)?);
            }
        }
    }
    Ok(out)
}
