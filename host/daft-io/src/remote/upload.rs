//! Putting written files into an object store: each file becomes one
//! object only when it is whole (a multipart upload completed at the end,
//! aborted on failure, or one PUT for a small file), so a reader never sees
//! a partial object, and a failed or killed write leaves none behind.

use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;

use bytes::Bytes;
use futures::StreamExt;
use object_store::buffered::BufWriter;
use object_store::ObjectStore;
use object_store::ObjectStoreExt;
use tokio::io::AsyncWriteExt;

use daft_core::{DaftError, DaftResult};

use super::{store_err, store_for, store_path, wait, IoConfig, RemoteUrl};
use crate::paths::io_err;

/// Bytes buffered before an upload turns multipart (and the part size).
const PART_BYTES: usize = 8 << 20;

/// Uploads each `(local file, name)` of `files` as `root/name`, in order,
/// and returns the objects' paths. With `overwrite`, every other object
/// under `root` is then removed, except the marker files Daft's listing
/// ignores (as a local overwrite keeps them). An object store has no
/// rename: during that removal a reader can see old and new objects
/// together (docs/user-guide.md).
pub(crate) fn upload_files(
    root: &RemoteUrl,
    cfg: &IoConfig,
    files: &[(PathBuf, String)],
    overwrite: bool,
    is_marker: impl Fn(&str) -> bool,
) -> DaftResult<Vec<String>> {
    let store = store_for(root, cfg)?;
    let dir = root.key.trim_end_matches('/');
    let key_of = |name: &str| {
        if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        }
    };
    let mut written = Vec::with_capacity(files.len());
    for (local, name) in files {
        let key = key_of(name);
        let shown = root.with_key(&key);
        let mut file =
            std::fs::File::open(local).map_err(|e| io_err(&local.to_string_lossy(), e))?;
        let target: std::sync::Arc<dyn object_store::ObjectStore> = store.clone();
        let mut writer = BufWriter::with_capacity(target, store_path(&key), PART_BYTES);
        let result: DaftResult<()> = wait(async {
            let mut buf = vec![0u8; PART_BYTES];
            loop {
                let n = file
                    .read(&mut buf)
                    .map_err(|e| io_err(&local.to_string_lossy(), e))?;
                if n == 0 {
                    break;
                }
                writer
                    .put(Bytes::copy_from_slice(&buf[..n]))
                    .await
                    .map_err(|e| store_err(&shown, "upload", e))?;
            }
            writer.shutdown().await.map_err(|e| DaftError::Io {
                path: shown.clone(),
                message: format!("upload failed: {e}"),
            })
        })?;
        if let Err(e) = result {
            // Nothing of this object becomes visible; the parts uploaded so
            // far are discarded.
            let _ = wait(writer.abort());
            return Err(e);
        }
        written.push(key);
    }
    if overwrite {
        remove_others(root, &store, dir, &written, is_marker)?;
    }
    Ok(written.iter().map(|k| root.with_key(k)).collect())
}

fn remove_others(
    root: &RemoteUrl,
    store: &super::Checked,
    dir: &str,
    keep: &[String],
    is_marker: impl Fn(&str) -> bool,
) -> DaftResult<()> {
    let keep: HashSet<&str> = keep.iter().map(|k| k.as_str()).collect();
    let prefix = (!dir.is_empty()).then(|| store_path(dir));
    let shown = root.display();
    let mut listing = store.list(prefix.as_ref());
    let mut old = Vec::new();
    while let Some(meta) = wait(listing.next())? {
        let meta = meta.map_err(|e| store_err(&shown, "LIST", e))?;
        let key = meta.location.as_ref();
        let name = meta.location.filename().unwrap_or_default();
        if !keep.contains(key) && !is_marker(name) {
            old.push(meta.location);
        }
    }
    for location in old {
        let url = root.with_key(location.as_ref());
        wait(store.delete(&location))?.map_err(|e| store_err(&url, "DELETE", e))?;
    }
    Ok(())
}

/// Removes every object under the prefix `root` but those in `keep` (their
/// URLs) and Daft's marker files: the second half of an overwrite whose new
/// files were written by several writes (a partitioned write).
pub fn remove_other_objects(root: &str, keep: &[String], cfg: &IoConfig) -> DaftResult<()> {
    let root_url = RemoteUrl::parse(root)?
        .ok_or_else(|| DaftError::value_error(format!("{root}: not an object-store URL")))?;
    let store = store_for(&root_url, cfg)?;
    let keep: Vec<String> = keep
        .iter()
        .filter_map(|u| RemoteUrl::parse(u).ok().flatten())
        .filter(|u| u.base == root_url.base)
        .map(|u| u.key)
        .collect();
    let dir = root_url.key.trim_end_matches('/').to_string();
    remove_others(&root_url, &store, &dir, &keep, crate::write::is_daft_marker)
}

/// Writes `data` as the object `url` in one request (a marker file such as
/// `_SUCCESS`).
pub fn put_object(url: &str, data: Vec<u8>, cfg: &IoConfig) -> DaftResult<()> {
    let target = RemoteUrl::parse(url)?
        .ok_or_else(|| DaftError::value_error(format!("{url}: not an object-store URL")))?;
    let store = store_for(&target, cfg)?;
    let payload = object_store::PutPayload::from(data);
    wait(store.put(&target.store_path(), payload))?.map_err(|e| store_err(url, "PUT", e))?;
    Ok(())
}
