//! Object-store calls the Python layer makes outside a query: listing
//! (`from_glob_path`, hive-partitioned reads) and the finishing steps of
//! writes (overwrite's removals, `_SUCCESS` markers). `io_config` is the
//! JSON of `daft.io.IOConfig` (`daft._io_config.config_json`).

use pyo3::prelude::*;

use crate::error::IntoPyResult;

fn config(io_config: &str) -> PyResult<daft_io::IoConfig> {
    daft_io::IoConfig::from_json(Some(io_config)).py()
}

/// The files `paths` name (paths, directories, globs or object-store URLs),
/// as `(path, size in bytes)`; a directory's files are those ending in
/// `.{extension}` (any, for an empty `extension`).
#[pyfunction]
pub fn find_files(
    py: Python<'_>,
    paths: Vec<String>,
    extension: String,
    io_config: String,
) -> PyResult<Vec<(String, u64)>> {
    let cfg = config(&io_config)?;
    let files = py
        .detach(|| daft_io::find_files(&paths, &extension, &cfg))
        .py()?;
    Ok(files.into_iter().map(|f| (f.path, f.size)).collect())
}

/// Removes the objects under the prefix `root` but `keep` and marker files.
#[pyfunction]
pub fn remove_other_objects(
    py: Python<'_>,
    root: String,
    keep: Vec<String>,
    io_config: String,
) -> PyResult<()> {
    let cfg = config(&io_config)?;
    py.detach(|| daft_io::remove_other_objects(&root, &keep, &cfg))
        .py()
}

/// Writes `data` as the object `url`.
#[pyfunction]
pub fn put_object(py: Python<'_>, url: String, data: Vec<u8>, io_config: String) -> PyResult<()> {
    let cfg = config(&io_config)?;
    py.detach(|| daft_io::put_object(&url, data, &cfg)).py()
}
