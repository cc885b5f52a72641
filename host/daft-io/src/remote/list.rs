//! Finding the objects a remote path or glob names, with the local rules
//! (`crate::paths`): a directory is the files directly in it with the
//! format's extension, wildcards skip hidden entries.

use std::path::Path;

use futures::StreamExt;
use glob::{MatchOptions, Pattern};
use object_store::ObjectStore;

use daft_core::{DaftError, DaftResult};

use super::{
    head_with, store_err, store_for, store_path, wait, IoConfig, RemoteFile, RemoteUrl, Scheme,
};
use crate::paths::{glob_match_is_hidden, has_glob_chars, is_hidden};
use crate::FileStamp;

/// The files `url` names: the object itself, the objects directly under it
/// ending in `.{extension}` when it is a prefix ("directory"), or the
/// objects a glob matches (any extension for an empty `extension` (listed as they stream in, under the glob's
/// literal prefix), sorted by key.
pub(crate) fn expand_remote(
    url: &RemoteUrl,
    extension: &str,
    cfg: &IoConfig,
) -> DaftResult<Vec<FileStamp>> {
    let store = store_for(url, cfg)?;
    let stamp = |meta: &object_store::ObjectMeta| {
        let file = RemoteFile {
            store: store.clone(),
            url: RemoteUrl {
                key: meta.location.to_string(),
                ..url.clone()
            },
            e_tag: meta.e_tag.clone(),
        };
        FileStamp::of_remote(file, meta)
    };
    let shown = url.display();
    if url.scheme == Scheme::Http {
        if has_glob_chars(&url.key) {
            return Err(DaftError::value_error(format!(
                "{shown}: HTTP servers cannot be listed, so http(s):// paths cannot be globs; \
                 pass the files' URLs"
            )));
        }
        return Ok(vec![stamp(&head_with(&store, url)?)]);
    }
    if !has_glob_chars(&url.key) {
        if !url.key.is_empty() && !url.key.ends_with('/') {
            match head_with(&store, url) {
                Ok(meta) => return Ok(vec![stamp(&meta)]),
                Err(DaftError::FileNotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        // A prefix: the objects directly under it.
        let dir = url.key.trim_end_matches('/');
        let prefix = (!dir.is_empty()).then(|| store_path(dir));
        let listed = wait(store.list_with_delimiter(prefix.as_ref()))?
            .map_err(|e| store_err(&shown, "LIST", e))?;
        let any = !listed.objects.is_empty() || !listed.common_prefixes.is_empty();
        let mut files: Vec<_> = listed
            .objects
            .iter()
            .filter(|m| {
                let name = m.location.filename().unwrap_or_default();
                !is_hidden(name)
                    && (extension.is_empty() || name.ends_with(&format!(".{extension}")))
            })
            .map(stamp)
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        if files.is_empty() {
            return Err(DaftError::FileNotFound(if any {
                format!("{shown} (a directory with no .{extension} files)")
            } else {
                shown
            }));
        }
        return Ok(files);
    }
    let pattern = Pattern::new(&url.key)
        .map_err(|e| DaftError::value_error(format!("invalid glob pattern {shown:?}: {e}")))?;
    let options = MatchOptions {
        require_literal_separator: true,
        ..MatchOptions::new()
    };
    let first_glob = url.key.find(['*', '?', '[']).unwrap_or(url.key.len());
    let literal = url.key[..first_glob].rsplit_once('/').map(|(d, _)| d);
    let prefix = literal.filter(|d| !d.is_empty()).map(store_path);
    let mut files = Vec::new();
    let mut listing = store.list(prefix.as_ref());
    while let Some(meta) = wait(listing.next())? {
        let meta = meta.map_err(|e| store_err(&shown, "LIST", e))?;
        let key = meta.location.as_ref();
        if pattern.matches_with(key, options) && !glob_match_is_hidden(&url.key, Path::new(key)) {
            files.push(stamp(&meta));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if files.is_empty() {
        return Err(DaftError::FileNotFound(shown));
    }
    Ok(files)
}
