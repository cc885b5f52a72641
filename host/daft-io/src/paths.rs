use std::path::{Component, Path};

use daft_core::{DaftError, DaftResult};

/// Whether readers skip a directory entry named `name`: a name starting with
/// `.` or `_` is hidden (in-progress writes, `_SUCCESS` and other markers),
/// as Spark does when it lists a directory.
pub(crate) fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

pub(crate) fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Whether a glob match `path` of `pattern` went through a hidden entry that
/// a wildcard matched. A component is checked when the pattern component
/// that matched it has glob characters (or is `**`) and does not itself
/// start with the hidden name's first character: `d/*.csv` skips
/// `d/.x.csv`, but `d/.*.csv` asks for hidden files and gets them, and a
/// literal `.staging/` in a pattern is followed as written.
pub(crate) fn glob_match_is_hidden(pattern: &str, path: &Path) -> bool {
    let names = |p: &Path| -> Vec<String> {
        p.components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    let pat = names(Path::new(pattern));
    let got = names(path);
    let wildcard_hides = |p: &str, name: &str| {
        is_hidden(name)
            && name != ".."
            && (p == "**" || (has_glob_chars(p) && !p.starts_with(&name[..1])))
    };
    match pat.iter().position(|p| p == "**") {
        // Without `**` each pattern component matched one path component.
        None if pat.len() == got.len() => pat.iter().zip(&got).any(|(p, n)| wildcard_hides(p, n)),
        // Not expected from the glob crate; judge the file name alone.
        None => match (pat.last(), got.last()) {
            (Some(p), Some(n)) => wildcard_hides(p, n),
            _ => false,
        },
        // With `**`, the components before it align from the start, those
        // after it from the end, and `**` matched the ones in between.
        Some(star) => {
            let after = pat.len() - star - 1;
            if got.len() < star + after {
                return false;
            }
            let head = pat[..star].iter().zip(&got[..star]);
            let tail = pat[star + 1..].iter().zip(&got[got.len() - after..]);
            let middle = got[star..got.len() - after].iter().map(|n| ("**", n));
            head.map(|(p, n)| (p.as_str(), n))
                .chain(middle)
                .chain(tail.map(|(p, n)| (p.as_str(), n)))
                .any(|(p, n)| wildcard_hides(p, n))
        }
    }
}

/// Expands each of `patterns` into files: a file is itself, a directory is
/// the files in it ending in `.{extension}` (sorted), anything with glob
/// characters is a glob. Hidden entries (names starting with `.` or `_`, such
/// as the in-progress files of a write) are skipped in a directory and where
/// a glob's wildcard matched them; a file named explicitly is read whatever
/// its name. A pattern that matches nothing is an error naming it.
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
                .filter(|e| !is_hidden(&e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == extension))
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            files.sort();
            out.extend(files);
        } else if has_glob_chars(pattern) {
            let entries = glob::glob(pattern).map_err(|e| {
                DaftError::value_error(format!("invalid glob pattern {pattern:?}: {e}"))
            })?;
            for entry in entries {
                let path = entry.map_err(|e| DaftError::Io {
                    path: pattern.clone(),
                    message: e.to_string(),
                })?;
                if path.is_file() && !glob_match_is_hidden(pattern, &path) {
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

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct TestDir(PathBuf);

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// `d/a.csv`, `d/.b.csv`, `d/_c.csv`, `d/.x.csv.daft-tmp`, `d/sub/e.csv`,
    /// `d/.staging/f.csv`, `d/_tmp/g.csv`.
    fn layout() -> (TestDir, String) {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "daft-io-paths-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let d = root.join("d");
        for sub in ["sub", ".staging", "_tmp"] {
            fs::create_dir_all(d.join(sub)).unwrap();
        }
        for f in [
            "a.csv",
            ".b.csv",
            "_c.csv",
            ".x.csv.daft-tmp",
            "sub/e.csv",
            ".staging/f.csv",
            "_tmp/g.csv",
        ] {
            fs::write(d.join(f), "x\n1\n").unwrap();
        }
        let d = d.to_string_lossy().into_owned();
        (TestDir(root), d)
    }

    fn names(d: &str, found: Vec<String>) -> Vec<String> {
        let mut out: Vec<String> = found
            .into_iter()
            .map(|p| p.strip_prefix(&format!("{d}/")).unwrap().to_string())
            .collect();
        out.sort();
        out
    }

    fn expand(d: &str, pattern: &str) -> DaftResult<Vec<String>> {
        expand_paths(&[format!("{d}/{pattern}")], "csv").map(|f| names(d, f))
    }

    #[test]
    fn directory_listing_skips_hidden_and_in_progress_files() {
        let (_t, d) = layout();
        assert_eq!(
            names(&d, expand_paths(std::slice::from_ref(&d), "csv").unwrap()),
            ["a.csv"]
        );
    }

    #[test]
    fn directory_of_only_hidden_files_is_an_error() {
        let (_t, d) = layout();
        let err = expand_paths(&[format!("{d}/.staging")], "csv");
        // Listing `.staging` itself is explicit, so its visible file is found.
        assert_eq!(names(&d, err.unwrap()), [".staging/f.csv"]);
        fs::rename(
            format!("{d}/.staging/f.csv"),
            format!("{d}/.staging/.f.csv"),
        )
        .unwrap();
        let err = expand_paths(&[format!("{d}/.staging")], "csv").unwrap_err();
        assert!(matches!(err, DaftError::FileNotFound(_)), "{err}");
    }

    #[test]
    fn glob_skips_hidden_entries_its_wildcards_match() {
        let (_t, d) = layout();
        assert_eq!(expand(&d, "*.csv").unwrap(), ["a.csv"]);
        assert_eq!(expand(&d, "*").unwrap(), ["a.csv"]);
        assert_eq!(expand(&d, "*/*.csv").unwrap(), ["sub/e.csv"]);
        assert_eq!(expand(&d, "**/*.csv").unwrap(), ["a.csv", "sub/e.csv"]);
        assert_eq!(expand(&d, "s*/**/*.csv").unwrap(), ["sub/e.csv"]);
    }

    #[test]
    fn glob_that_names_hidden_entries_gets_them() {
        let (_t, d) = layout();
        assert_eq!(expand(&d, ".*.csv").unwrap(), [".b.csv"]);
        assert_eq!(expand(&d, "_*.csv").unwrap(), ["_c.csv"]);
        assert_eq!(expand(&d, ".staging/*.csv").unwrap(), [".staging/f.csv"]);
    }

    #[test]
    fn file_named_explicitly_is_read_whatever_its_name() {
        let (_t, d) = layout();
        assert_eq!(expand(&d, ".b.csv").unwrap(), [".b.csv"]);
        assert_eq!(expand(&d, "_tmp/g.csv").unwrap(), ["_tmp/g.csv"]);
    }
}
