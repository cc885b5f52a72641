//! Storage settings as plain data (Daft's `IOConfig`, sent by the Python
//! layer as JSON) and the `object_store` client each one builds.

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::client::SpawnedReqwestConnector;
use object_store::gcp::{GcpCredential, GoogleCloudStorageBuilder};
use object_store::http::HttpBuilder;
use object_store::limit::LimitStore;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, RetryConfig, StaticCredentialProvider,
};
use serde::{Deserialize, Serialize};

use daft_core::{DaftError, DaftResult};

use super::{RemoteUrl, Scheme};

/// The settings of every store, as `daft.io.IOConfig` holds them. Every
/// field has Daft 0.7.26's default; the Python layer sends them all.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct IoConfig {
    /// `s3://` paths.
    pub s3: S3Config,
    /// `gs://` paths.
    pub gcs: GcsConfig,
    /// `az://` and `abfs(s)://` paths.
    pub azure: AzureConfig,
    /// `http(s)://` paths.
    pub http: HttpConfig,
}

impl std::fmt::Debug for IoConfig {
    // Secrets stay out of logs and plans: only which stores are configured.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IoConfig { .. }")
    }
}

impl IoConfig {
    /// The config the Python layer sent (`IOConfig._to_json()`), or the
    /// defaults for `None`.
    pub fn from_json(json: Option<&str>) -> DaftResult<IoConfig> {
        match json {
            None => Ok(IoConfig::default()),
            Some(text) => serde_json::from_str(text)
                .map_err(|e| DaftError::value_error(format!("io_config: {e}"))),
        }
    }
}

/// How long a request may take and how often it is tried.
fn client_options(connect_ms: u64, read_ms: u64, allow_http: bool) -> ClientOptions {
    ClientOptions::new()
        .with_connect_timeout(Duration::from_millis(connect_ms.max(1)))
        .with_timeout(Duration::from_millis(read_ms.max(1)))
        .with_allow_http(allow_http)
}

fn retry(num_tries: u32, initial_backoff_ms: u64) -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(initial_backoff_ms),
            max_backoff: Duration::from_secs(15),
            base: 2.0,
        },
        // Daft counts the first attempt; object_store counts retries.
        max_retries: num_tries.saturating_sub(1) as usize,
        retry_timeout: Duration::from_secs(180),
    }
}

/// Requests in flight per store: Daft's `max_connections` is per I/O thread,
/// and it runs one I/O thread per core.
fn request_limit(max_connections: u32) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (max_connections.max(1) as usize) * cores
}

/// Settings of `s3://` paths (Daft's `S3Config`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct S3Config {
    pub region_name: Option<String>,
    pub endpoint_url: Option<String>,
    pub key_id: Option<String>,
    pub access_key: Option<String>,
    pub session_token: Option<String>,
    pub max_connections: u32,
    pub retry_initial_backoff_ms: u64,
    pub connect_timeout_ms: u64,
    pub read_timeout_ms: u64,
    pub num_tries: u32,
    pub anonymous: bool,
    pub use_ssl: bool,
    pub verify_ssl: bool,
    pub requester_pays: bool,
    pub force_virtual_addressing: bool,
}

impl Default for S3Config {
    fn default() -> Self {
        S3Config {
            region_name: None,
            endpoint_url: None,
            key_id: None,
            access_key: None,
            session_token: None,
            max_connections: 8,
            retry_initial_backoff_ms: 1000,
            connect_timeout_ms: 30_000,
            read_timeout_ms: 30_000,
            num_tries: 25,
            anonymous: false,
            use_ssl: true,
            verify_ssl: true,
            requester_pays: false,
            force_virtual_addressing: false,
        }
    }
}

/// Settings of `gs://` paths (Daft's `GCSConfig`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GcsConfig {
    pub project_id: Option<String>,
    pub credentials: Option<String>,
    pub token: Option<String>,
    pub anonymous: bool,
    pub max_connections: u32,
    pub retry_initial_backoff_ms: u64,
    pub connect_timeout_ms: u64,
    pub read_timeout_ms: u64,
    pub num_tries: u32,
}

impl Default for GcsConfig {
    fn default() -> Self {
        GcsConfig {
            project_id: None,
            credentials: None,
            token: None,
            anonymous: false,
            max_connections: 8,
            retry_initial_backoff_ms: 1000,
            connect_timeout_ms: 30_000,
            read_timeout_ms: 30_000,
            num_tries: 5,
        }
    }
}

/// Settings of `az://` and `abfs(s)://` paths (Daft's `AzureConfig`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AzureConfig {
    pub storage_account: Option<String>,
    pub access_key: Option<String>,
    pub sas_token: Option<String>,
    pub bearer_token: Option<String>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub use_fabric_endpoint: bool,
    pub anonymous: bool,
    pub endpoint_url: Option<String>,
    pub use_ssl: bool,
    pub max_connections: u32,
    pub retry_initial_backoff_ms: u64,
    pub connect_timeout_ms: u64,
    pub read_timeout_ms: u64,
    pub num_tries: u32,
}

impl Default for AzureConfig {
    fn default() -> Self {
        AzureConfig {
            storage_account: None,
            access_key: None,
            sas_token: None,
            bearer_token: None,
            tenant_id: None,
            client_id: None,
            client_secret: None,
            use_fabric_endpoint: false,
            anonymous: false,
            endpoint_url: None,
            use_ssl: true,
            max_connections: 8,
            retry_initial_backoff_ms: 1000,
            connect_timeout_ms: 30_000,
            read_timeout_ms: 30_000,
            num_tries: 5,
        }
    }
}

/// Settings of `http(s)://` paths (Daft's `HTTPConfig`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    pub user_agent: String,
    pub bearer_token: Option<String>,
    pub retry_initial_backoff_ms: u64,
    pub connect_timeout_ms: u64,
    pub read_timeout_ms: u64,
    pub num_tries: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            user_agent: "daft/0.0.1".to_string(),
            bearer_token: None,
            retry_initial_backoff_ms: 1000,
            connect_timeout_ms: 30_000,
            read_timeout_ms: 30_000,
            num_tries: 5,
        }
    }
}

/// The part of `cfg` that `url`'s store is built from, as a cache key.
pub(super) fn store_key(url: &RemoteUrl, cfg: &IoConfig) -> String {
    let part = match url.scheme {
        Scheme::S3 => serde_json::to_string(&cfg.s3),
        Scheme::Gcs => serde_json::to_string(&cfg.gcs),
        Scheme::Azure => serde_json::to_string(&cfg.azure),
        Scheme::Http => serde_json::to_string(&cfg.http),
    };
    format!("{}\u{0}{}", url.base, part.unwrap_or_default())
}

/// An error building the client of `url`.
fn build_err(url: &RemoteUrl, e: impl std::fmt::Display) -> DaftError {
    DaftError::Io {
        path: url.base.clone(),
        message: format!("cannot set up the storage client: {e}"),
    }
}

/// Whether a cloud's instance metadata service answers here (within one
/// second), so that a store without configured credentials can ask it
/// instead of waiting for its timeouts and retries on a machine that has
/// none. `AWS_EC2_METADATA_DISABLED=true` says there is none.
fn metadata_service_reachable() -> bool {
    if std::env::var("AWS_EC2_METADATA_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true")) {
        return false;
    }
    let addr = std::net::SocketAddr::from(([169, 254, 169, 254], 80));
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

fn env_set(names: &[&str]) -> bool {
    names
        .iter()
        .any(|n| std::env::var_os(n).is_some_and(|v| !v.is_empty()))
}

/// The store that serves `url` with `cfg`, its HTTP requests run on `io`.
pub(super) fn build_store(
    url: &RemoteUrl,
    cfg: &IoConfig,
    io: tokio::runtime::Handle,
) -> DaftResult<Arc<dyn ObjectStore>> {
    let connector = SpawnedReqwestConnector::new(io);
    let (store, limit): (Arc<dyn ObjectStore>, u32) = match url.scheme {
        Scheme::S3 => {
            let c = &cfg.s3;
            // The environment first (web identity, container credentials),
            // then what the config says, which wins.
            let mut b = AmazonS3Builder::from_env()
                .with_bucket_name(&url.authority)
                .with_region(c.region_name.as_deref().unwrap_or("us-east-1"))
                .with_virtual_hosted_style_request(c.force_virtual_addressing)
                .with_request_payer(c.requester_pays)
                .with_retry(retry(c.num_tries, c.retry_initial_backoff_ms))
                .with_http_connector(connector);
            let mut allow_http = !c.use_ssl;
            if let Some(endpoint) = &c.endpoint_url {
                allow_http |= endpoint.starts_with("http://");
                b = b.with_endpoint(endpoint);
            }
            let mut options = client_options(c.connect_timeout_ms, c.read_timeout_ms, allow_http);
            if !c.verify_ssl {
                options = options.with_allow_invalid_certificates(true);
            }
            b = b.with_client_options(options);
            if c.anonymous {
                b = b.with_skip_signature(true);
            } else if let (Some(id), Some(secret)) = (&c.key_id, &c.access_key) {
                b = b.with_access_key_id(id).with_secret_access_key(secret);
                if let Some(token) = &c.session_token {
                    b = b.with_token(token);
                }
            } else if !env_set(&[
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            ]) && !metadata_service_reachable()
            {
                return Err(DaftError::Io {
                    path: url.base.clone(),
                    message: "no credentials: none in io_config (S3Config key_id and \
                              access_key), none in the environment (AWS_ACCESS_KEY_ID and \
                              AWS_SECRET_ACCESS_KEY) or ~/.aws/credentials, and no instance \
                              metadata service answers here; for a public bucket pass \
                              S3Config(anonymous=True)"
                        .to_string(),
                });
            }
            let store = b.build().map_err(|e| build_err(url, e))?;
            (Arc::new(store), c.max_connections)
        }
        Scheme::Gcs => {
            let c = &cfg.gcs;
            let mut b = GoogleCloudStorageBuilder::from_env()
                .with_bucket_name(&url.authority)
                .with_retry(retry(c.num_tries, c.retry_initial_backoff_ms))
                .with_client_options(client_options(
                    c.connect_timeout_ms,
                    c.read_timeout_ms,
                    false,
                ))
                .with_http_connector(connector);
            if c.anonymous {
                b = b.with_skip_signature(true);
            } else if let Some(token) = &c.token {
                let credential = GcpCredential {
                    bearer: token.clone(),
                };
                b = b.with_credentials(Arc::new(StaticCredentialProvider::new(credential)));
            } else if let Some(key) = &c.credentials {
                b = if key.trim_start().starts_with('{') {
                    b.with_service_account_key(key)
                } else {
                    b.with_service_account_path(key)
                };
            }
            let store = b.build().map_err(|e| build_err(url, e))?;
            (Arc::new(store), c.max_connections)
        }
        Scheme::Azure => {
            let c = &cfg.azure;
            let mut b = MicrosoftAzureBuilder::from_env()
                .with_url(url.url.as_str())
                .with_use_fabric_endpoint(c.use_fabric_endpoint)
                .with_retry(retry(c.num_tries, c.retry_initial_backoff_ms))
                .with_client_options(client_options(
                    c.connect_timeout_ms,
                    c.read_timeout_ms,
                    !c.use_ssl,
                ))
                .with_allow_http(!c.use_ssl)
                .with_http_connector(connector);
            if let Some(account) = &c.storage_account {
                b = b.with_account(account);
            }
            if let Some(endpoint) = &c.endpoint_url {
                b = b.with_endpoint(endpoint.clone());
            }
            if c.anonymous {
                b = b.with_skip_signature(true);
            } else if let Some(key) = &c.access_key {
                b = b.with_access_key(key);
            } else if let Some(sas) = &c.sas_token {
                let pairs = url::form_urlencoded::parse(sas.trim_start_matches('?').as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect::<Vec<_>>();
                b = b.with_sas_authorization(pairs);
            } else if let Some(token) = &c.bearer_token {
                b = b.with_bearer_token_authorization(token);
            } else if let (Some(tenant), Some(id), Some(secret)) =
                (&c.tenant_id, &c.client_id, &c.client_secret)
            {
                b = b.with_client_secret_authorization(id, secret, tenant);
            }
            let store = b.build().map_err(|e| build_err(url, e))?;
            (Arc::new(store), c.max_connections)
        }
        Scheme::Http => {
            let c = &cfg.http;
            let mut options = client_options(
                c.connect_timeout_ms,
                c.read_timeout_ms,
                url.url.scheme() == "http",
            );
            let agent = c
                .user_agent
                .parse()
                .map_err(|e| build_err(url, format!("user_agent {:?}: {e}", c.user_agent)))?;
            options = options.with_user_agent(agent);
            if let Some(token) = &c.bearer_token {
                let mut headers = http::HeaderMap::new();
                let value = format!("Bearer {token}")
                    .parse()
                    .map_err(|_| build_err(url, "bearer_token is not a valid header value"))?;
                headers.insert("authorization", value);
                options = options.with_default_headers(headers);
            }
            let store = HttpBuilder::new()
                .with_url(url.base.as_str())
                .with_retry(retry(c.num_tries, c.retry_initial_backoff_ms))
                .with_client_options(options)
                .with_http_connector(connector)
                .build()
                .map_err(|e| build_err(url, e))?;
            (Arc::new(store), 8)
        }
    };
    Ok(Arc::new(LimitStore::new(store, request_limit(limit))))
}
