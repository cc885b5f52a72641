//! The client DataFusion reads a store through: HEAD requests for objects
//! the engine itself has just checked are answered from that check.
//!
//! When a query starts, the engine checks every planned object with a HEAD
//! request (all at once, `FileStamp::now_all`) to notice objects rewritten
//! since planning. DataFusion's scan then asks for each object's metadata
//! again, one object after another (the engine keeps its listing sequential
//! to keep the files' order): on a store with 20–50 ms per request, a
//! thousand files would wait a minute for answers it already has.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// How long a checked object's metadata answers HEAD requests: the engine
/// checks an object just before DataFusion plans its scan.
const FRESH_FOR: Duration = Duration::from_secs(30);

/// A store client that remembers the objects the engine checked.
pub(crate) struct Checked {
    inner: Arc<dyn ObjectStore>,
    checked: Mutex<HashMap<Path, (ObjectMeta, Instant)>>,
}

impl Checked {
    pub(crate) fn new(inner: Arc<dyn ObjectStore>) -> Checked {
        Checked {
            inner,
            checked: Mutex::new(HashMap::new()),
        }
    }

    /// The store itself, every request sent.
    pub(crate) fn inner(&self) -> &Arc<dyn ObjectStore> {
        &self.inner
    }

    /// Records `meta` as what a HEAD request answered just now.
    pub(crate) fn record(&self, meta: &ObjectMeta) {
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        checked.retain(|_, (_, at)| now.duration_since(*at) < FRESH_FOR);
        checked.insert(meta.location.clone(), (meta.clone(), now));
    }

    fn fresh(&self, location: &Path) -> Option<ObjectMeta> {
        let checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        let (meta, at) = checked.get(location)?;
        (at.elapsed() < FRESH_FOR).then(|| meta.clone())
    }
}

impl fmt::Debug for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checked({})", self.inner)
    }
}

impl fmt::Display for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checked({})", self.inner)
    }
}

/// Whether `options` ask for nothing but the metadata (no conditions, no
/// version, no range), which a recent check answers.
fn plain_head(options: &GetOptions) -> bool {
    options.head
        && options.if_match.is_none()
        && options.if_none_match.is_none()
        && options.if_modified_since.is_none()
        && options.if_unmodified_since.is_none()
        && options.range.is_none()
        && options.version.is_none()
}

#[async_trait]
impl ObjectStore for Checked {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        if plain_head(&options) {
            if let Some(meta) = self.fresh(location) {
                return Ok(GetResult {
                    payload: GetResultPayload::Stream(Box::pin(futures::stream::empty())),
                    range: 0..meta.size,
                    meta,
                    attributes: Attributes::default(),
                });
            }
        }
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;
    use object_store::ObjectStoreExt;

    use super::*;

    #[test]
    fn a_checked_object_answers_head_from_the_check_and_nothing_else() {
        futures::executor::block_on(async {
            let inner = Arc::new(InMemory::new());
            let path = Path::from("a/b.parquet");
            inner
                .put(&path, PutPayload::from(vec![1u8; 10]))
                .await
                .unwrap();
            let store = Checked::new(inner.clone());
            let mut meta = store.head(&path).await.unwrap();
            assert_eq!(meta.size, 10);
            // What the check saw is answered, not what the store has now...
            meta.size = 99;
            store.record(&meta);
            assert_eq!(store.head(&path).await.unwrap().size, 99);
            // ...but only for plain HEADs: reads go to the store.
            assert_eq!(
                store.get(&path).await.unwrap().bytes().await.unwrap().len(),
                10
            );
            let other = Path::from("a/c.parquet");
            assert!(store.head(&other).await.is_err());
        });
    }
}
