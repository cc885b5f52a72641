use std::path::Path;

use daft_core::{DaftError, DaftResult};

/// Expands each of `patterns` into files: a file is itself, a directory is
/// the files in it ending in `.{extension}` (sorted), anything with glob
/// characters is a glob. A pattern that matches nothing is an error naming it.
pub fn expand_paths(patterns: &[String], extension: &str) -> DaftResult<Vec<String>> {
    let mut out = Vec::new();
    for pattern in patterns {
        let before = out.len();
        let p = Path::new(pattern);
        if p.is_file() {
            out.push(pattern.clone());
        } else if p.is_dir() {
            let mut files: Vec<String> = std::fs::read_dir(p)
                .map_err(|e| DaftError::Io {
                    path: pattern.clone(),
                    message: e.to_string(),
                })?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == extension))
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            files.sort();
            out.extend(files);
        } else if pattern.contains(['*', '?', '[']) {
            let entries = glob::glob(pattern).map_err(|e| {
                DaftError::value_error(format!("invalid glob pattern {pattern:?}: {e}"))
            })?;
            for entry in entries {
                let path = entry.map_err(|e| DaftError::Io {
                    path: pattern.clone(),
                    message: e.to_string(),
                })?;
                if path.is_file() {
                    out.push(path.to_string_lossy().into_owned());
                }
            }
        }
        if out.len() == before {
            return Err(if p.is_dir() {
                DaftError::FileNotFound(format!(
                    "{pattern} (a directory with no .{extension} files)"
                ))
            } else {
                DaftError::FileNotFound(pattern.clone())
            });
        }
    }
    Ok(out)
}

/// An I/O error of `path` in the engine's error type.
pub(crate) fn io_err(path: &str, e: impl std::fmt::Display) -> DaftError {
    DaftError::Io {
        path: path.to_string(),
        message: e.to_string(),
    }
}
