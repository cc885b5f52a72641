//! What a file looked like when a query was planned, so that a file
//! rewritten before the query runs is noticed instead of being read under
//! the schema planned for its old content.

use std::time::SystemTime;

use daft_core::{DaftError, DaftResult};

/// A file as planned: its path, size and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    /// The path as expanded from the user's pattern.
    pub path: String,
    /// Size in bytes when planned.
    pub size: u64,
    /// Modification time when planned, where the filesystem keeps one.
    pub modified: Option<SystemTime>,
}

impl FileStamp {
    /// The stamp of `path` now.
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
        })
    }

    /// The stamps of `paths`, in order.
    pub fn of_all(paths: &[String]) -> DaftResult<Vec<FileStamp>> {
        paths.iter().map(|p| FileStamp::of(p)).collect()
    }

    /// Whether the file is still as stamped (same size and time).
    pub fn is_unchanged(&self) -> DaftResult<bool> {
        Ok(&FileStamp::of(&self.path)? == self)
    }
}
