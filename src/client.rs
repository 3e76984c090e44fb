//! The client: configuration, the connection pool, and the request loop with its retries.

use crate::endpoint::{BaseUrl, DEFAULT_BASE_URL};
use crate::error::{Error, ErrorKind, Result};
use crate::proxy;
use crate::resolver::CachingResolver;
use crate::retry::{self, Clock, Decision, Outcome, SystemClock};
use crate::transport::CoalescingConnector;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use ureq::unversioned::transport::Connector as _;

/// The timeout a new client starts with: per request for runs and approvals, and the longest
/// silence between bytes on a stream.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a new client retries a request that failed in a retryable way.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// The largest response body (run, approve, reject, errors) the client reads; a larger one is
/// [`ErrorKind::Protocol`], so a broken server cannot make the client hold unbounded memory.
pub const MAX_RESPONSE_BODY: u64 = 10 * 1024 * 1024;

/// The longest API key accepted: far above any real key, far below what breaks a header.
pub const MAX_API_KEY_LEN: usize = 4096;

/// The API key, kept out of `Debug` output and error messages.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ApiKey(String);

impl ApiKey {
    fn parse(key: String) -> Result<ApiKey> {
        if key.is_empty() {
            return Err(Error::new(ErrorKind::Config, "the API key is empty"));
        }
        if key.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err(Error::new(
                ErrorKind::Config,
                "the API key contains a control character (such as CR or LF)",
            ));
        }
        if key.len() > MAX_API_KEY_LEN {
            return Err(Error::new(
                ErrorKind::Config,
                format!("the API key is longer than {MAX_API_KEY_LEN} bytes"),
            ));
        }
        if !key.is_ascii() {
            return Err(Error::new(
                ErrorKind::Config,
                "the API key contains a non-ASCII character",
            ));
        }
        Ok(ApiKey(key))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

/// `mindra-c/<version> (<os>; <arch>)`, sent as the User-Agent of every request.
pub fn user_agent() -> String {
    format!(
        "mindra-c/{} ({}; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Builds a [`Client`]; every setting not given falls back to the environment or a default.
/// Its `Debug` output never shows the key.
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    max_retries: Option<u32>,
    max_reconnects: Option<u32>,
    ca_file: Option<std::path::PathBuf>,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("max_reconnects", &self.max_reconnects)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API key; without it, `MINDRA_API_KEY` is read.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL (which may carry a path prefix); without it, `MINDRA_BASE_URL` or
    /// [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The timeout; see [`Client::set_timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The maximum number of retries; see [`Client::set_max_retries`].
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// The maximum number of stream reconnections; see [`Client::set_max_reconnects`].
    pub fn max_reconnects(mut self, reconnects: u32) -> Self {
        self.max_reconnects = Some(reconnects);
        self
    }

    /// Trusts the PEM certificates in `path` (a private deployment's CA) instead of the
    /// built-in Mozilla root store; without it, `MINDRA_CA_FILE` is read.
    pub fn ca_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Replaces the clock used to wait between retries (for tests that must not sleep).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Validates the settings and builds the client.
    ///
    /// Errors: [`ErrorKind::Config`] for a missing or malformed key, an unusable base URL, a
    /// refused plain-http URL, or an unusable proxy setting.
    pub fn build(self) -> Result<Client> {
        let env = |name: &str| std::env::var(name).ok();
        let api_key = match self.api_key.or_else(|| env("MINDRA_API_KEY")) {
            Some(key) if !key.is_empty() => ApiKey::parse(key)?,
            _ => {
                return Err(Error::new(
                    ErrorKind::Config,
                    "no API key: pass one or set the MINDRA_API_KEY environment variable",
                ))
            }
        };
        let base_url = self
            .base_url
            .or_else(|| env("MINDRA_BASE_URL").filter(|url| !url.is_empty()))
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let allow_insecure = env("MINDRA_ALLOW_INSECURE_HTTP").as_deref() == Some("1");
        let base = BaseUrl::parse(&base_url, allow_insecure)
            .map_err(|error| error.redacted(api_key.expose()))?;
        let proxy_url = proxy::proxy_for(base.origin(), &env);
        let proxy = match &proxy_url {
            Some(url) => Some(ureq::Proxy::new(url).map_err(|_| {
                Error::new(
                    ErrorKind::Config,
                    "the proxy URL from HTTPS_PROXY/HTTP_PROXY/ALL_PROXY is unusable",
                )
            })?),
            None => None,
        };
        let ca_file = self.ca_file.or_else(|| {
            env("MINDRA_CA_FILE")
                .filter(|path| !path.is_empty())
                .map(Into::into)
        });
        let roots = match ca_file {
            Some(path) => Some(load_ca_file(&path).map_err(|e| e.redacted(api_key.expose()))?),
            None => None,
        };
        let resolver = CachingResolver::default();
        let agent = new_agent(
            agent_config(proxy.clone(), roots.clone(), RUN_BUFFERS),
            &resolver,
        );
        let stream_config = agent_config(proxy, roots, STREAM_BUFFERS);
        Ok(Client {
            inner: Arc::new(Inner {
                base,
                api_key,
                agent,
                stream_config,
                resolver,
                proxy_url,
                timeout_ms: AtomicU64::new(
                    self.timeout.unwrap_or(DEFAULT_TIMEOUT).as_millis() as u64
                ),
                max_retries: AtomicU32::new(self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES)),
                max_reconnects: AtomicU32::new(
                    self.max_reconnects
                        .unwrap_or(crate::stream::MAX_RECONNECT_ATTEMPTS),
                ),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            }),
        })
    }
}

/// Reads the PEM certificates a private deployment's CA file holds.
///
/// Errors: [`ErrorKind::Config`] when the file cannot be read or holds no certificate.
fn load_ca_file(path: &std::path::Path) -> Result<ureq::tls::RootCerts> {
    let unusable = |why: String| {
        Error::new(
            ErrorKind::Config,
            format!("unusable CA file {}: {why}", path.display()),
        )
    };
    let pem = std::fs::read(path).map_err(|error| unusable(error.to_string()))?;
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(certificate)) => certificates.push(certificate),
            Ok(_) => {}
            Err(error) => return Err(unusable(error.to_string())),
        }
    }
    if certificates.is_empty() {
        return Err(unusable("it holds no PEM certificate".to_string()));
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certificates))
}

/// The largest response head (status line and headers) accepted; a larger one is
/// [`ErrorKind::Protocol`]. The API's heads are a few hundred bytes.
pub const MAX_RESPONSE_HEAD: usize = 32 * 1024;

/// Input and output buffer sizes of one connection. ureq's default (128 KiB each) costs
/// 256 KiB per open stream; a run's answer and a stream's reads fit in far less.
#[derive(Debug, Clone, Copy)]
struct BufferSizes {
    input: usize,
    output: usize,
}

/// Runs send small JSON bodies and read small answers. The input buffer must stay larger than
/// [`MAX_RESPONSE_HEAD`]: a head that fills it is otherwise seen as a dropped connection
/// rather than as an oversized head.
const RUN_BUFFERS: BufferSizes = BufferSizes {
    input: 64 * 1024,
    output: 16 * 1024,
};

/// A stream sends one GET and reads a long body.
const STREAM_BUFFERS: BufferSizes = BufferSizes {
    input: 64 * 1024,
    output: 4 * 1024,
};

/// An agent with the given settings and the client's shared resolver.
fn new_agent(config: ureq::config::Config, resolver: &CachingResolver) -> ureq::Agent {
    ureq::Agent::with_parts(
        config,
        // Last in the chain: a request leaves in one write (see transport.rs).
        ureq::unversioned::transport::DefaultConnector::new().chain(CoalescingConnector),
        resolver.clone(),
    )
}

/// The ureq settings every connection of the client shares.
fn agent_config(
    proxy: Option<ureq::Proxy>,
    roots: Option<ureq::tls::RootCerts>,
    buffers: BufferSizes,
) -> ureq::config::Config {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(roots) = roots {
        tls = tls.root_certs(roots);
    }
    ureq::Agent::config_builder()
        .tls_config(tls.build())
        // Error statuses carry the API's {error, code} body: read them, do not raise.
        .http_status_as_error(false)
        // Never follow redirects: the x-api-key header must not travel to another host.
        .max_redirects(0)
        .user_agent(user_agent())
        .proxy(proxy)
        .max_idle_connections(64)
        .max_idle_connections_per_host(32)
        .input_buffer_size(buffers.input)
        .output_buffer_size(buffers.output)
        .max_response_header_size(MAX_RESPONSE_HEAD)
        .build()
}

/// A Mindra API client: its key, base URL, settings and pool of kept-alive connections.
///
/// Cloning is cheap and clones share the pool and the settings. A client is safe to use from
/// many threads at once.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) base: BaseUrl,
    pub(crate) api_key: ApiKey,
    agent: ureq::Agent,
    stream_config: ureq::config::Config,
    resolver: CachingResolver,
    pub(crate) proxy_url: Option<String>,
    timeout_ms: AtomicU64,
    max_retries: AtomicU32,
    max_reconnects: AtomicU32,
    pub(crate) clock: Arc<dyn Clock>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field("api_key", &self.inner.api_key)
            .field("timeout", &self.timeout())
            .field("max_retries", &self.max_retries())
            .finish()
    }
}

/// An HTTP answer read whole: what the request loop hands back to its callers.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body, at most [`MAX_RESPONSE_BODY`] bytes.
    pub body: Vec<u8>,
    /// The `x-request-id` (or `request-id`) header.
    pub request_id: Option<String>,
}

static DEFAULT_CLIENT: OnceLock<Client> = OnceLock::new();

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `MINDRA_API_KEY` and `MINDRA_BASE_URL`.
    pub fn from_env() -> Result<Client> {
        Client::builder().build()
    }

    /// The process-wide default client: built from the environment on first success and then
    /// reused, with its connection pool, by every later call. A failure is not remembered, so a
    /// program may set the environment and try again.
    pub fn shared_default() -> Result<Client> {
        if let Some(client) = DEFAULT_CLIENT.get() {
            return Ok(client.clone());
        }
        let built = Client::from_env()?;
        Ok(DEFAULT_CLIENT.get_or_init(|| built).clone())
    }

    /// The validated base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The proxy requests go through, or `None` for direct connections.
    pub fn proxy(&self) -> Option<&str> {
        self.inner.proxy_url.as_deref()
    }

    /// The current timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.inner.timeout_ms.load(Ordering::Relaxed))
    }

    /// Sets the timeout: per request for runs and approvals (each attempt), and for a stream
    /// the longest silence between bytes. Zero means no timeout. Takes effect for requests
    /// started afterwards, on every clone of this client.
    pub fn set_timeout(&self, timeout: Duration) {
        let millis = timeout.as_millis().min(u64::MAX as u128) as u64;
        self.inner.timeout_ms.store(millis, Ordering::Relaxed);
    }

    /// The current maximum number of retries.
    pub fn max_retries(&self) -> u32 {
        self.inner.max_retries.load(Ordering::Relaxed)
    }

    /// Sets how often a request is retried after 429, 503 or a failure to connect.
    pub fn set_max_retries(&self, retries: u32) {
        self.inner.max_retries.store(retries, Ordering::Relaxed);
    }

    /// The current maximum number of reconnections of a dropped stream.
    pub fn max_reconnects(&self) -> u32 {
        self.inner.max_reconnects.load(Ordering::Relaxed)
    }

    /// Sets how often a stream that drops before `done` is reopened with `Last-Event-ID`
    /// (default and maximum 5, as the contract bounds it; 0 turns reconnection off, so a drop
    /// is reported at once). Applies to streams opened afterwards.
    pub fn set_max_reconnects(&self, reconnects: u32) {
        let bounded = reconnects.min(crate::stream::MAX_RECONNECT_ATTEMPTS);
        self.inner.max_reconnects.store(bounded, Ordering::Relaxed);
    }

    /// The timeout as ureq wants it: `None` for "no timeout".
    pub(crate) fn timeout_option(&self) -> Option<Duration> {
        Some(self.timeout()).filter(|timeout| !timeout.is_zero())
    }

    /// A fresh agent for one stream: a stream holds its connection for its whole life, and an
    /// agent of its own lets a cancel close exactly that connection.
    pub(crate) fn stream_agent(&self) -> ureq::Agent {
        new_agent(self.inner.stream_config.clone(), &self.inner.resolver)
    }

    pub(crate) fn redact(&self, error: Error) -> Error {
        error.redacted(self.inner.api_key.expose())
    }

    /// Sends a JSON POST to `url`, retrying as the contract allows, and returns a 2xx answer
    /// or the error that describes the final answer.
    pub(crate) fn post_json(&self, url: &str, body: &[u8]) -> Result<Answer> {
        let mut attempt = 0;
        loop {
            let outcome = self.post_once(url, body);
            let (retry_outcome, error) = match outcome {
                Ok((answer, _)) if (200..300).contains(&answer.status) => return Ok(answer),
                Ok((answer, retry_after)) => {
                    let retry_outcome = Outcome::Status {
                        status: answer.status,
                        retry_after,
                    };
                    (retry_outcome, error_from_answer(&answer))
                }
                Err((retry_outcome, error)) => (retry_outcome, error),
            };
            match retry::decide(retry_outcome, attempt, self.max_retries(), retry::jitter()) {
                Decision::RetryAfter(wait) => {
                    self.inner.clock.sleep(wait);
                    attempt += 1;
                }
                Decision::GiveUp => return Err(self.redact(error)),
            }
        }
    }

    fn post_once(
        &self,
        url: &str,
        body: &[u8],
    ) -> std::result::Result<(Answer, Option<Duration>), (Outcome, Error)> {
        let response = self
            .inner
            .agent
            .post(url)
            .header("x-api-key", self.inner.api_key.expose())
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .config()
            .timeout_global(self.timeout_option())
            .build()
            .send(body)
            .map_err(|error| classify_transport_error(&error))?;
        let status = response.status().as_u16();
        let request_id = request_id_of(response.headers());
        let retry_after = header_text(response.headers(), "retry-after")
            .and_then(|value| retry::parse_retry_after(value, self.inner.clock.now()));
        if (300..400).contains(&status) {
            let error = self.redirect_error(status, response.headers(), request_id);
            return Err((Outcome::LostAfterSending, error));
        }
        let body = response
            .into_body()
            .with_config()
            .limit(MAX_RESPONSE_BODY)
            .read_to_vec()
            .map_err(|error| {
                let (outcome, error) = classify_transport_error(&error);
                let error = Error::http(
                    error.kind(),
                    status,
                    format!(
                        "reading the HTTP {status} response body failed: {}",
                        error.message()
                    ),
                    None,
                    request_id.clone(),
                );
                (outcome, error)
            })?;
        Ok((
            Answer {
                status,
                body,
                request_id,
            },
            retry_after,
        ))
    }
}

impl Client {
    /// The error for a 3xx answer: redirects are never followed, so that the `x-api-key`
    /// header is never sent anywhere but the base URL's origin.
    pub(crate) fn redirect_error(
        &self,
        status: u16,
        headers: &ureq::http::HeaderMap,
        request_id: Option<String>,
    ) -> Error {
        let location = header_text(headers, "location").unwrap_or("(no location)");
        Error::http(
            ErrorKind::Protocol,
            status,
            format!(
                "the server answered HTTP {status} redirecting to {location}; libmindra does not \
                 follow redirects, so the API key is never sent anywhere but {}",
                self.inner.base.origin().to_url_prefix()
            ),
            None,
            request_id,
        )
    }
}

/// A header's value as text, if present and visible ASCII.
pub(crate) fn header_text<'a>(headers: &'a ureq::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The request id the server gave, from `x-request-id` or `request-id`.
pub(crate) fn request_id_of(headers: &ureq::http::HeaderMap) -> Option<String> {
    ["x-request-id", "request-id"]
        .iter()
        .filter_map(|name| header_text(headers, name))
        .map(str::to_string)
        .find(|value| !value.is_empty())
}

/// The API's error body: `{"error": "message", "code": "ERROR_CODE"}`.
#[derive(serde::Deserialize)]
struct ApiErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// Describes a non-2xx answer: its kind from the status, the API's message and code when the
/// body is the documented error object, and a summary otherwise. Public so the fuzz targets
/// can reach it.
pub fn error_from_answer(answer: &Answer) -> Error {
    let status = answer.status;
    let kind = ErrorKind::from_http_status(status).unwrap_or(ErrorKind::Protocol);
    let parsed = serde_json::from_slice::<ApiErrorBody>(&answer.body).ok();
    let (message, code) = match parsed {
        Some(ApiErrorBody {
            error: Some(message),
            code,
        }) if !message.is_empty() => (format!("HTTP {status}: {message}"), code),
        Some(ApiErrorBody { code, .. }) => (
            format!("HTTP {status} from the server (no error message in the body)"),
            code,
        ),
        None => (
            format!(
                "HTTP {status} from the server; the body is not a Mindra error object: {}",
                snippet(&answer.body)
            ),
            None,
        ),
    };
    Error::http(kind, status, message, code, answer.request_id.clone())
}

/// The first bytes of a body, for a message: one line, at most 120 characters.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(480)]);
    let mut line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect();
    if line.trim().is_empty() {
        line = "(empty)".to_string();
    } else if text.chars().count() > 120 || body.len() > 480 {
        line.push_str("...");
    }
    line
}

/// Maps a ureq failure onto the retry outcome and the error kind the contract names.
pub(crate) fn classify_transport_error(error: &ureq::Error) -> (Outcome, Error) {
    use std::io::ErrorKind as Io;
    use ureq::Timeout as T;
    let transport = |message: String| Error::new(ErrorKind::Transport, message);
    match error {
        ureq::Error::Timeout(T::Connect | T::Resolve) => (
            Outcome::ConnectFailed,
            Error::new(ErrorKind::Timeout, "timed out while connecting"),
        ),
        ureq::Error::Timeout(which) => (
            Outcome::LostAfterSending,
            Error::new(
                ErrorKind::Timeout,
                format!("timed out ({which:?}) waiting for the server"),
            ),
        ),
        ureq::Error::HostNotFound => (
            Outcome::ConnectFailed,
            transport("could not resolve the host name".to_string()),
        ),
        ureq::Error::ConnectionFailed => (
            Outcome::ConnectFailed,
            transport("could not connect to the server".to_string()),
        ),
        ureq::Error::Io(io) => match io.kind() {
            Io::ConnectionRefused
            | Io::AddrNotAvailable
            | Io::NetworkUnreachable
            | Io::HostUnreachable => (
                Outcome::ConnectFailed,
                transport(format!("could not connect to the server: {io}")),
            ),
            Io::TimedOut | Io::WouldBlock => (
                Outcome::LostAfterSending,
                Error::new(ErrorKind::Timeout, format!("timed out: {io}")),
            ),
            _ => (
                Outcome::LostAfterSending,
                transport(format!("connection to the server failed: {io}")),
            ),
        },
        ureq::Error::Protocol(detail) => (
            Outcome::LostAfterSending,
            Error::new(
                ErrorKind::Protocol,
                format!("the server's HTTP answer is malformed: {detail}"),
            ),
        ),
        ureq::Error::BodyExceedsLimit(limit) => (
            Outcome::LostAfterSending,
            Error::new(
                ErrorKind::Protocol,
                format!("the response body is larger than {limit} bytes"),
            ),
        ),
        ureq::Error::LargeResponseHeader(size, limit) => (
            Outcome::LostAfterSending,
            Error::new(
                ErrorKind::Protocol,
                format!("the server's response head is larger than {limit} bytes ({size})"),
            ),
        ),
        // The http crate refuses the request itself (a URL too long to send, say): nothing
        // was sent, and the cause is the caller's argument.
        ureq::Error::Http(detail) => (
            Outcome::LostAfterSending,
            Error::new(
                ErrorKind::InvalidArgument,
                format!("the request cannot be built: {detail}"),
            ),
        ),
        ureq::Error::InvalidProxyUrl => (
            Outcome::LostAfterSending,
            Error::new(ErrorKind::Config, "the proxy URL is unusable"),
        ),
        ureq::Error::BadUri(detail) => (
            Outcome::LostAfterSending,
            Error::new(
                ErrorKind::InvalidArgument,
                format!("unusable URL: {detail}"),
            ),
        ),
        other => (
            // TLS and the rest: sending again would fail the same way.
            Outcome::LostAfterSending,
            transport(format!("request failed: {other}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_names_the_version_os_and_arch() {
        let agent = user_agent();
        assert!(agent.starts_with(&format!("mindra-c/{} (", env!("CARGO_PKG_VERSION"))));
        assert!(agent.contains(std::env::consts::OS));
        assert!(agent.ends_with(&format!("; {})", std::env::consts::ARCH)));
    }

    #[test]
    fn keys_with_control_characters_are_config_errors() {
        for bad in ["mk_1\r\nX-Evil: 1", "mk_\t", "mk_\u{7f}", "mk_é"] {
            let error = ApiKey::parse(bad.to_string()).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Config, "{bad:?}");
            assert!(!error.message().contains(bad));
        }
    }

    #[test]
    fn unusable_ca_files_are_config_errors() {
        let missing = Client::builder()
            .api_key("mk_1")
            .base_url("https://api.mindra.co")
            .ca_file("/nonexistent/ca.pem")
            .build()
            .unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::Config);
        assert!(missing.message().contains("/nonexistent/ca.pem"));

        let empty =
            std::env::temp_dir().join(format!("mindra-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let error = Client::builder()
            .api_key("mk_1")
            .base_url("https://api.mindra.co")
            .ca_file(&empty)
            .build()
            .unwrap_err();
        std::fs::remove_file(&empty).unwrap();
        assert_eq!(error.kind(), ErrorKind::Config);
        assert!(
            error.message().contains("no PEM certificate"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = "mk_0123456789abcdef0123456789abcdef";
        let client = Client::builder()
            .api_key(key)
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains(key), "{debug}");
        assert!(debug.contains("[redacted]"));
        let builder = format!("{:?}", Client::builder().api_key(key));
        assert!(!builder.contains(key), "{builder}");
    }

    #[test]
    fn error_answers_carry_message_code_and_request_id() {
        let answer = Answer {
            status: 404,
            body: br#"{"error":"Workflow 'x' not found","code":"WORKFLOW_NOT_FOUND"}"#.to_vec(),
            request_id: Some("req_1".into()),
        };
        let error = error_from_answer(&answer);
        assert_eq!(error.kind(), ErrorKind::NotFound);
        assert_eq!(error.http_status(), 404);
        assert_eq!(error.code(), Some("WORKFLOW_NOT_FOUND"));
        assert_eq!(error.request_id(), Some("req_1"));
        assert!(error.message().contains("Workflow 'x' not found"));

        let html = Answer {
            status: 502,
            body: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
            request_id: None,
        };
        let error = error_from_answer(&html);
        assert_eq!(error.kind(), ErrorKind::Server);
        assert_eq!(error.code(), None);
        assert!(
            error.message().contains("502 Bad Gateway"),
            "{}",
            error.message()
        );
    }
}
