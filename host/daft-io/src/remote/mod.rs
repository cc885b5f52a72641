//! Files in object stores (S3, GCS, Azure Blob, HTTP) through the
//! `object_store` crate, the one DataFusion reads through: URLs, the client
//! of each bucket (built from Daft's `IOConfig`, cached), listing and globs,
//! reading, and uploading written files.
//!
//! Every store's HTTP requests run on one small runtime of this crate
//! ([`runtime`]): plan-time calls (listing, footers) wait on it from the
//! caller's thread, and DataFusion's scans, which run on the engine's own
//! runtime, use the same clients.

mod checked;
mod config;
mod list;
mod upload;

use std::collections::HashMap;
use std::future::Future;
use std::io::Read;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use url::Url;

use daft_core::{DaftError, DaftResult, TransientKind};

use checked::Checked;
pub use config::{AzureConfig, GcsConfig, HttpConfig, IoConfig, S3Config};
pub(crate) use list::expand_remote;
pub(crate) use upload::upload_files;
pub use upload::{put_object, remove_other_objects};

/// The kind of store a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    S3,
    Gcs,
    Azure,
    Http,
}

/// A URL of an object store, split into its store and key.
#[derive(Clone, Debug)]
pub(crate) struct RemoteUrl {
    pub scheme: Scheme,
    /// `scheme://authority` as a URL (what clients are built from).
    pub url: Url,
    /// `scheme://authority`: one store (a bucket, a container, a host).
    pub base: String,
    /// The bucket, container (`container@account...`) or host and port.
    pub authority: String,
    /// The object's key as written, without the leading `/` (for HTTP, the
    /// URL's path: a query string is refused).
    pub key: String,
}

impl RemoteUrl {
    /// `text` as an object-store URL, `None` if it is a local path (or a
    /// `file://` URL).
    pub fn parse(text: &str) -> DaftResult<Option<RemoteUrl>> {
        let Some((scheme, _)) = text.split_once("://") else {
            return Ok(None);
        };
        let kind = match scheme.to_ascii_lowercase().as_str() {
            "s3" | "s3a" => Scheme::S3,
            "gs" | "gcs" => Scheme::Gcs,
            "az" | "abfs" | "abfss" => Scheme::Azure,
            "http" | "https" => Scheme::Http,
            _ => return Ok(None),
        };
        let rest = &text[scheme.len() + 3..];
        let (authority, raw_key) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.is_empty() {
            return Err(DaftError::value_error(format!(
                "{text}: the URL names no bucket or host (expected {scheme}://<bucket>/<key>)"
            )));
        }
        let scheme = scheme.to_ascii_lowercase();
        let base = format!("{scheme}://{authority}");
        let url = Url::parse(&base)
            .map_err(|e| DaftError::value_error(format!("{text}: not a valid URL: {e}")))?;
        // An object key is taken as written (glob characters, `?`, spaces
        // and `%` included), as Daft does; an HTTP path is a URL's path.
        if kind == Scheme::Http && raw_key.contains(['?', '#']) {
            // The path would be sent without them, which could name another
            // resource (`?version=2`) or fail a signature: refused instead.
            return Err(DaftError::value_error(format!(
                "{text}: URLs with a query string or fragment are not supported yet (signed \
                 URLs included); pass the URL without them"
            )));
        }
        let key = raw_key.to_string();
        Ok(Some(RemoteUrl {
            scheme: kind,
            url,
            base,
            authority: authority.to_string(),
            key,
        }))
    }

    /// The path of `key` in the same store, as users see it.
    pub fn with_key(&self, key: &str) -> String {
        format!("{}/{key}", self.base)
    }

    /// The path of this object as users see it.
    pub fn display(&self) -> String {
        self.with_key(&self.key)
    }

    /// The URL DataFusion reads this object by: the key percent-encoded
    /// (`?`, `#`, spaces), so that its path decodes to the key again.
    pub fn scan_url(&self) -> Url {
        let mut url = self.url.clone();
        url.set_path(&self.key);
        url
    }

    pub(crate) fn store_path(&self) -> StorePath {
        store_path(&self.key)
    }
}

/// `key` as object_store's path: as written where it is a valid one (the
/// common case), else with the characters object_store does not allow
/// escaped.
pub(crate) fn store_path(key: &str) -> StorePath {
    StorePath::parse(key).unwrap_or_else(|_| StorePath::from(key))
}

struct Io {
    pid: u32,
    runtime: Arc<tokio::runtime::Runtime>,
    /// Clients by store and settings.
    stores: HashMap<String, Arc<Checked>>,
    /// The client each `scheme://authority` was last planned with, for
    /// DataFusion's scans ([`bound_store`]).
    bound: HashMap<String, Arc<Checked>>,
}

static IO: Mutex<Option<Io>> = Mutex::new(None);

fn io() -> DaftResult<MutexGuard<'static, Option<Io>>> {
    let mut slot = IO.lock().unwrap_or_else(|p| p.into_inner());
    let pid = std::process::id();
    if slot.as_ref().is_none_or(|io| io.pid != pid) {
        // After `fork` the parent's runtime threads do not exist here:
        // its runtime and the clients bound to it are leaked, not dropped
        // (dropping would wait for those threads).
        if let Some(old) = slot.take() {
            std::mem::forget(old);
        }
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 8);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("daft-io")
            .enable_all()
            .build()
            .map_err(|e| DaftError::Internal(format!("cannot start the I/O runtime: {e}")))?;
        *slot = Some(Io {
            pid,
            runtime: Arc::new(runtime),
            stores: HashMap::new(),
            bound: HashMap::new(),
        });
    }
    Ok(slot)
}

/// Waits for `fut` on the caller's thread, inside the I/O runtime's context
/// (for its timers); the requests themselves run on the I/O runtime.
pub(crate) fn wait<F: Future>(fut: F) -> DaftResult<F::Output> {
    let runtime = io()?.as_ref().expect("io() fills the slot").runtime.clone();
    let _context = runtime.enter();
    Ok(futures::executor::block_on(fut))
}

/// The client of `url`'s store with `cfg`, built once per store and
/// settings, and bound as the one DataFusion's scans of that store use.
pub(crate) fn store_for(url: &RemoteUrl, cfg: &IoConfig) -> DaftResult<Arc<Checked>> {
    let key = config::store_key(url, cfg);
    let mut guard = io()?;
    let io = guard.as_mut().expect("io() fills the slot");
    let store = match io.stores.get(&key) {
        Some(s) => s.clone(),
        None => {
            let s = Arc::new(Checked::new(config::build_store(
                url,
                cfg,
                io.runtime.handle().clone(),
            )?));
            io.stores.insert(key, s.clone());
            s
        }
    };
    io.bound.insert(url.base.clone(), store.clone());
    Ok(store)
}

/// The client a scan of `url` (`scheme://authority/...`) reads through:
/// the one its files were last planned with. For DataFusion's object-store
/// registry.
pub fn bound_store(url: &Url) -> Option<Arc<dyn ObjectStore>> {
    let base = RemoteUrl::parse(url.as_str()).ok()??.base;
    IO.lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()?
        .bound
        .get(&base)
        .map(|s| s.clone() as Arc<dyn ObjectStore>)
}

/// A remote file as planned: its client and identity.
#[derive(Clone)]
pub(crate) struct RemoteFile {
    pub store: Arc<Checked>,
    pub url: RemoteUrl,
    pub e_tag: Option<String>,
}

impl RemoteFile {
    /// Binds this file's client as the one DataFusion reads its store with
    /// (another query may have planned the store with other settings since).
    pub fn bind(&self) -> DaftResult<()> {
        let mut guard = io()?;
        let io = guard.as_mut().expect("io() fills the slot");
        io.bound.insert(self.url.base.clone(), self.store.clone());
        Ok(())
    }
}

/// What went wrong with `op` on `url`, in words a user can act on.
pub(crate) fn store_err(url: &str, op: &str, e: object_store::Error) -> DaftError {
    object_store_error(url, op, &e)
}

/// [`store_err`] of an error held by reference (as DataFusion's errors
/// hold it): the engine's error for `op` on `path` failing with `e`.
pub fn object_store_error(path: &str, op: &str, e: &object_store::Error) -> DaftError {
    use object_store::Error as E;
    match e {
        E::NotFound { .. } => DaftError::FileNotFound(path.to_string()),
        E::PermissionDenied { source, .. } => DaftError::Io {
            path: path.to_string(),
            message: format!("{op}: access denied: {}", chain(source.as_ref())),
        },
        E::Unauthenticated { source, .. } => DaftError::Io {
            path: path.to_string(),
            message: format!(
                "{op}: not authenticated (check the credentials): {}",
                chain(source.as_ref())
            ),
        },
        other => {
            let message = format!("{op} failed: {}", chain(other));
            match transient_kind(other, &message) {
                Some(kind) => DaftError::Transient {
                    path: path.to_string(),
                    message,
                    kind,
                },
                None => DaftError::Io {
                    path: path.to_string(),
                    message,
                },
            }
        }
    }
}

/// Whether `e` (described by `message`) may pass if tried again later, and
/// as which of Daft's exception classes.
fn transient_kind(e: &(dyn std::error::Error + 'static), message: &str) -> Option<TransientKind> {
    use object_store::client::{HttpError, HttpErrorKind};
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(http) = err.downcast_ref::<HttpError>() {
            let connecting = message.contains("Connect") || message.contains("tcp connect");
            return Some(match http.kind() {
                HttpErrorKind::Timeout if connecting => TransientKind::ConnectTimeout,
                HttpErrorKind::Timeout => TransientKind::ReadTimeout,
                HttpErrorKind::Connect if message.contains("timed out") => {
                    TransientKind::ConnectTimeout
                }
                HttpErrorKind::Connect | HttpErrorKind::Request | HttpErrorKind::Interrupted => {
                    TransientKind::Socket
                }
                _ => return None,
            });
        }
        cur = err.source();
    }
    let throttled = [
        "503 Service Unavailable",
        "429 Too Many Requests",
        "SlowDown",
    ];
    throttled
        .iter()
        .any(|t| message.contains(t))
        .then_some(TransientKind::Throttled)
}

/// An error and its causes on one line, a store's XML error document
/// shortened to its code and message.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    shorten_xml(&out)
}

/// `text` with an S3/GCS/Azure XML error body replaced by its `Code` and
/// `Message`, and the code in words where it is a common one.
fn shorten_xml(text: &str) -> String {
    let Some(start) = text.find("<?xml") else {
        // A HEAD answer has no body: the status says it.
        for (status, meaning) in [
            ("503 Service Unavailable", "throttled or unavailable"),
            ("429 Too Many Requests", "throttled"),
        ] {
            if text.contains(status) {
                return format!("{}: {meaning}", text.trim_end().trim_end_matches(':'));
            }
        }
        return text.to_string();
    };
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let from = text.find(&open)? + open.len();
        let len = text[from..].find(&format!("</{name}>"))?;
        Some(text[from..from + len].to_string())
    };
    let code = tag("Code").unwrap_or_default();
    let meaning = match code.as_str() {
        "NoSuchBucket" | "ContainerNotFound" => "no such bucket: ",
        "NoSuchKey" | "BlobNotFound" => "no such key: ",
        "AccessDenied" | "AuthorizationFailure" => "access denied: ",
        "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "AuthenticationFailed" => {
            "credentials refused: "
        }
        "SlowDown" | "ServerBusy" | "TooManyRequests" => "throttled: ",
        _ => "",
    };
    let message = tag("Message").unwrap_or_default();
    format!("{} {meaning}{code} ({message})", text[..start].trim_end())
}

/// The object at `url` now (a HEAD request with `store`).
pub(crate) fn head_with(store: &Checked, url: &RemoteUrl) -> DaftResult<ObjectMeta> {
    wait(head_async(store, url))?
}

/// [`head_with`], to be awaited (several at once: [`concurrently`]). Always
/// asks the store, and leaves the answer for DataFusion's scan (`Checked`).
pub(crate) async fn head_async(store: &Checked, url: &RemoteUrl) -> DaftResult<ObjectMeta> {
    let path = url.store_path();
    let meta = store
        .inner()
        .head(&path)
        .await
        .map_err(|e| store_err(&url.display(), "HEAD", e))?;
    store.record(&meta);
    Ok(meta)
}

/// Runs `f` on every item at once and waits for all (the requests in flight
/// bounded by each store's limit), results in the items' order: a remote
/// dataset of many files costs a few round trips, not one per file.
pub(crate) fn concurrently<'a, T, R, F, Fut>(items: &'a [T], f: F) -> DaftResult<Vec<R>>
where
    F: Fn(&'a T) -> Fut,
    Fut: Future<Output = R>,
{
    wait(futures::future::join_all(items.iter().map(f)))
}

/// Reads a remote object front to back as it arrives (for schema
/// inference, which stops after its first rows).
pub(crate) fn open_remote(file: &RemoteFile) -> DaftResult<Box<dyn Read + Send>> {
    let path = file.url.store_path();
    let result =
        wait(file.store.get(&path))?.map_err(|e| store_err(&file.url.display(), "GET", e))?;
    Ok(Box::new(StreamRead {
        url: file.url.display(),
        stream: result.into_stream(),
        chunk: Bytes::new(),
    }))
}

struct StreamRead {
    url: String,
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    chunk: Bytes,
}

impl Read for StreamRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match wait(self.stream.next()).map_err(std::io::Error::other)? {
                None => return Ok(0),
                Some(Ok(bytes)) => self.chunk = bytes,
                Some(Err(e)) => {
                    return Err(std::io::Error::other(store_err(&self.url, "GET", e)));
                }
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk = self.chunk.slice(n..);
        Ok(n)
    }
}

/// Ranged reads of one object, for the Parquet footer reader.
struct Ranges {
    store: Arc<dyn ObjectStore>,
    path: StorePath,
}

impl parquet::arrow::async_reader::MetadataFetch for Ranges {
    fn fetch(
        &mut self,
        range: std::ops::Range<u64>,
    ) -> futures::future::BoxFuture<'_, parquet::errors::Result<Bytes>> {
        Box::pin(async move {
            self.store
                .get_range(&self.path, range)
                .await
                .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))
        })
    }
}

/// The Arrow schema in a remote Parquet file's footer: one ranged read of
/// its last 64 KiB, and a second only for a larger footer.
pub(crate) async fn remote_parquet_schema(
    file: &RemoteFile,
    size: u64,
) -> DaftResult<arrow::datatypes::SchemaRef> {
    use parquet::file::metadata::ParquetMetaDataReader;
    let url = file.url.display();
    let bad = |e: parquet::errors::ParquetError| {
        crate::paths::io_err(&url, format!("not a readable Parquet file: {e}"))
    };
    let fetch = Ranges {
        store: file.store.clone() as Arc<dyn ObjectStore>,
        path: file.url.store_path(),
    };
    let meta = ParquetMetaDataReader::new()
        .with_prefetch_hint(Some(64 * 1024))
        .load_and_finish(fetch, size)
        .await
        .map_err(|e| match e {
            parquet::errors::ParquetError::External(inner) => {
                match inner.downcast::<object_store::Error>() {
                    Ok(store) => store_err(&url, "GET", *store),
                    Err(other) => bad(parquet::errors::ParquetError::External(other)),
                }
            }
            e => bad(e),
        })?;
    let file_meta = meta.file_metadata();
    let schema = parquet::arrow::parquet_to_arrow_schema(
        file_meta.schema_descr(),
        file_meta.key_value_metadata(),
    )
    .map_err(bad)?;
    Ok(Arc::new(schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_store_urls_split_into_store_and_key() {
        let u = RemoteUrl::parse("s3://bucket/dir/a b?.parquet")
            .unwrap()
            .unwrap();
        assert_eq!(u.scheme, Scheme::S3);
        assert_eq!(u.base, "s3://bucket");
        assert_eq!(u.authority, "bucket");
        assert_eq!(u.key, "dir/a b?.parquet");
        assert_eq!(u.scan_url().as_str(), "s3://bucket/dir/a%20b%3F.parquet");
        let u = RemoteUrl::parse("http://127.0.0.1:9000/x/y.csv")
            .unwrap()
            .unwrap();
        assert_eq!(
            (u.scheme, u.base.as_str()),
            (Scheme::Http, "http://127.0.0.1:9000")
        );
        assert_eq!(u.key, "x/y.csv");
        let err = RemoteUrl::parse("https://h/x.parquet?sig=1")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("https://h/x.parquet?sig=1") && err.contains("query"),
            "{err}"
        );
        let u = RemoteUrl::parse("abfss://c@acct.dfs.core.windows.net/p/q.json")
            .unwrap()
            .unwrap();
        assert_eq!(u.authority, "c@acct.dfs.core.windows.net");
        assert_eq!(u.key, "p/q.json");
        let u = RemoteUrl::parse("gs://b/**/*.parquet").unwrap().unwrap();
        assert_eq!(u.key, "**/*.parquet");
    }

    #[test]
    fn local_paths_and_file_urls_are_not_remote() {
        for p in ["/tmp/a.csv", "a.csv", "file:///tmp/a.csv", "C:\\x.csv"] {
            assert!(RemoteUrl::parse(p).unwrap().is_none(), "{p}");
        }
        let err = RemoteUrl::parse("s3:///key").unwrap_err();
        assert!(err.to_string().contains("names no bucket"), "{err}");
    }

    #[test]
    fn with_key_keeps_the_store() {
        let u = RemoteUrl::parse("S3://bucket/dir/*.csv").unwrap().unwrap();
        assert_eq!(u.with_key("dir/a b.csv"), "s3://bucket/dir/a b.csv");
    }

    #[test]
    fn xml_error_bodies_are_shortened_to_code_and_message() {
        let text = "GET http://h/b in 5ms - 404 Not Found: <?xml version=\"1.0\"?>\
            <Error><Code>NoSuchBucket</Code><Message>The bucket does not exist</Message>\
            <RequestId>XYZ</RequestId></Error>";
        assert_eq!(
            shorten_xml(text),
            "GET http://h/b in 5ms - 404 Not Found: no such bucket: NoSuchBucket \
             (The bucket does not exist)"
        );
        assert_eq!(shorten_xml("plain"), "plain");
        assert_eq!(
            shorten_xml("HEAD x after 2 retries - 503 Service Unavailable: "),
            "HEAD x after 2 retries - 503 Service Unavailable: throttled or unavailable"
        );
    }

    #[test]
    fn every_store_builds_its_client_from_its_settings_without_a_request() {
        let handle = io().unwrap().as_ref().unwrap().runtime.handle().clone();
        let cfg = IoConfig::from_json(Some(
            r#"{"gcs": {"anonymous": true},
                "azure": {"storage_account": "acct", "access_key": "a2V5", "use_ssl": false},
                "http": {"bearer_token": "tok", "num_tries": 1}}"#,
        ))
        .unwrap();
        for url in [
            "gs://bucket/a.parquet",
            "az://container/a.parquet",
            "abfss://container@acct.dfs.core.windows.net/a.parquet",
            "https://example.com/a.parquet",
        ] {
            let u = RemoteUrl::parse(url).unwrap().unwrap();
            config::build_store(&u, &cfg, handle.clone()).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
        // A user agent that is no header value is an error naming the store.
        let bad = IoConfig::from_json(Some(r#"{"http": {"user_agent": "a\nb"}}"#)).unwrap();
        let u = RemoteUrl::parse("http://h/x").unwrap().unwrap();
        let err = config::build_store(&u, &bad, handle)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("http://h") && err.contains("user_agent"),
            "{err}"
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let cfg = IoConfig::from_json(Some(r#"{"s3": {"access_key": "SECRET123"}}"#)).unwrap();
        assert_eq!(cfg.s3.access_key.as_deref(), Some("SECRET123"));
        assert!(!format!("{cfg:?}").contains("SECRET123"));
    }
}
