//! HTTP plumbing: the counting listener, the single fallback handler that routes on the raw
//! path, authentication, `x-request-id`, the test hooks and shutdown.

use std::collections::{HashMap, HashSet};
use std::future::{Future, IntoFuture};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;

use crate::conn::{Conn, Io, Takeover};
use crate::faults::Script;
use crate::record::{lock, Recorder};
use crate::scenarios::{self, Execution};
use crate::util::Obj;
use crate::TEST_API_KEY;

/// Request bodies above this are refused; far above anything a test sends, low enough that
/// a runaway client cannot exhaust memory.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// How long a shutdown waits for open connections before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// How long a TLS handshake may take before the connection is dropped.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

/// State shared by every connection.
pub(crate) struct Shared {
    /// The address the emulator listens on; the `redirect` scenario needs its port.
    pub(crate) local: SocketAddr,
    pub(crate) recorder: Recorder,
    next_request_id: AtomicU64,
    pub(crate) executions: Mutex<Executions>,
    /// `(slug, task)` pairs already answered with an error by the `*-once` scenarios.
    pub(crate) once_seen: Mutex<HashSet<(String, String)>>,
    /// Becomes true when the server stops, so open streams end instead of holding it up.
    pub(crate) shutdown: watch::Sender<bool>,
    /// Whether to skip the per-request log line on stderr.
    quiet: AtomicBool,
    /// The API key requests must carry (`--api-key`; [`TEST_API_KEY`] by default).
    pub(crate) api_key: Mutex<String>,
    /// Whether connections are TLS (`--tls-cert`), for the base URL's scheme.
    tls: AtomicBool,
}

/// The executions in memory, with their creation order so that `--max-executions` can
/// forget the oldest.
#[derive(Default)]
pub(crate) struct Executions {
    pub(crate) by_id: HashMap<String, Arc<Execution>>,
    order: std::collections::VecDeque<String>,
    /// 0: keep every execution.
    max: usize,
}

impl Executions {
    pub(crate) fn insert(&mut self, id: String, execution: Arc<Execution>) {
        if self.max > 0 {
            while self.order.len() >= self.max {
                if let Some(old) = self.order.pop_front() {
                    self.by_id.remove(&old);
                }
            }
            self.order.push_back(id.clone());
        }
        self.by_id.insert(id, execution);
    }
}

/// An emulator bound to its address but not yet serving; see [`Emulator::serve`].
pub struct Emulator {
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
}

impl Emulator {
    /// Binds the listener (port 0 picks a free port). Binding happens before serving so the
    /// caller can print the base URL only once connections are already accepted.
    pub async fn bind(addr: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let shared = Arc::new(Shared {
            local,
            recorder: Recorder::default(),
            next_request_id: AtomicU64::new(1),
            executions: Mutex::new(Executions::default()),
            once_seen: Mutex::new(HashSet::new()),
            shutdown: watch::Sender::new(false),
            quiet: AtomicBool::new(false),
            api_key: Mutex::new(TEST_API_KEY.to_owned()),
            tls: AtomicBool::new(false),
        });
        Ok(Emulator {
            listener,
            shared,
            tls: None,
        })
    }

    /// Turns off the per-request log line on stderr.
    pub fn quiet(self, quiet: bool) -> Self {
        self.shared.quiet.store(quiet, Ordering::Relaxed);
        self
    }

    /// Accepts `key` instead of [`TEST_API_KEY`] (`--api-key`).
    pub fn api_key(self, key: &str) -> Self {
        *lock(&self.shared.api_key) = key.to_owned();
        self
    }

    /// Serves HTTPS with this certificate and key (`--tls-cert`, `--tls-key`); the base
    /// URL becomes `https://`. See [`crate::tls_acceptor`].
    pub fn tls(mut self, acceptor: TlsAcceptor) -> Self {
        self.shared.tls.store(true, Ordering::Relaxed);
        self.tls = Some(acceptor);
        self
    }

    /// Keeps no request log (`--no-record`): `/_emulator/requests` stays empty while the
    /// counters go on. For long load runs, where the log would grow without end.
    pub fn record_requests(self, record: bool) -> Self {
        self.shared.recorder.set_enabled(record);
        self
    }

    /// Keeps at most `max` executions in memory, forgetting the oldest (`--max-executions`;
    /// 0, the default, keeps all). A forgotten execution's stream and approvals are 404.
    pub fn max_executions(self, max: usize) -> Self {
        lock(&self.shared.executions).max = max;
        self
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local
    }

    /// `http://host:port` (`https://` with TLS), the base URL clients are given.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        match self.shared.local.ip() {
            IpAddr::V6(ip) => format!("{scheme}://[{ip}]:{}", self.shared.local.port()),
            IpAddr::V4(ip) => format!("{scheme}://{ip}:{}", self.shared.local.port()),
        }
    }

    /// Serves until `shutdown` completes, then stops accepting, ends open streams, and waits
    /// at most one second for connections to finish: a test that left a stream open must
    /// not keep the emulator alive.
    pub async fn serve<F>(self, shutdown: F) -> io::Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let shared = self.shared.clone();
        let app = Router::new()
            .fallback(handle)
            .with_state(shared.clone())
            .into_make_service_with_connect_info::<ConnMeta>();
        let (ready_tx, ready_rx) = mpsc::channel(64);
        let listener = CountingListener {
            inner: self.listener,
            shared: shared.clone(),
            tls: self.tls,
            ready_tx,
            ready_rx,
        };
        let mut stop_rx = shared.shutdown.subscribe();
        let server = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop_rx.wait_for(|stop| *stop).await;
            })
            .into_future();
        let mut server = tokio::spawn(server);
        tokio::select! {
            res = &mut server => return res.map_err(io::Error::other)?,
            _ = shutdown => {}
        }
        shared.shutdown.send_replace(true);
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await {
            Ok(res) => res.map_err(io::Error::other)?,
            Err(_) => {
                eprintln!("mindra-emulator: connections still open after 1 s, stopping anyway");
                server.abort();
                Ok(())
            }
        }
    }
}

/// What each connection carries into its requests: a 1-based id for `connection_id`, and
/// the slot through which a fault scenario takes the socket over.
#[derive(Clone)]
pub(crate) struct ConnMeta {
    id: u64,
    takeover: Arc<Takeover>,
}

impl std::fmt::Debug for ConnMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnMeta").field("id", &self.id).finish()
    }
}

impl ConnMeta {
    /// Hands this connection to `script` as soon as the current handler returns (its
    /// response is then discarded).
    pub(crate) fn take_over(&self, script: Script) {
        self.takeover.request(script);
    }
}

impl Connected<IncomingStream<'_, CountingListener>> for ConnMeta {
    fn connect_info(stream: IncomingStream<'_, CountingListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP listener that counts connections and numbers them, so tests can check connection
/// reuse (`/_emulator/stats`) and which requests shared a connection (`connection_id`).
/// With TLS, handshakes run in tasks of their own, so a client that never finishes one
/// holds up nobody; finished ones come back through `ready_rx`.
pub(crate) struct CountingListener {
    inner: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    ready_tx: mpsc::Sender<(Conn, ConnMeta)>,
    ready_rx: mpsc::Receiver<(Conn, ConnMeta)>,
}

impl CountingListener {
    fn wrap(shared: &Shared, io: Io, id: u64) -> (Conn, ConnMeta) {
        let takeover = Arc::new(Takeover::default());
        let conn = Conn::new(io, takeover.clone(), shared.shutdown.subscribe());
        (conn, ConnMeta { id, takeover })
    }
}

impl Listener for CountingListener {
    type Io = Conn;
    type Addr = ConnMeta;

    async fn accept(&mut self) -> (Conn, ConnMeta) {
        loop {
            let accepted = tokio::select! {
                Some(ready) = self.ready_rx.recv() => return ready,
                accepted = self.inner.accept() => accepted,
            };
            match accepted {
                Ok((stream, _peer)) => {
                    // Events are small writes that must leave at once; Nagle would hold
                    // them back waiting for the client's delayed ACK.
                    let _ = stream.set_nodelay(true);
                    let id = self.shared.recorder.accept_connection();
                    let Some(acceptor) = self.tls.clone() else {
                        return Self::wrap(&self.shared, Io::Plain(stream), id);
                    };
                    let shared = self.shared.clone();
                    let ready = self.ready_tx.clone();
                    tokio::spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_LIMIT, acceptor.accept(stream)).await {
                            Ok(Ok(tls)) => {
                                let _ = ready
                                    .send(Self::wrap(&shared, Io::Tls(Box::new(tls)), id))
                                    .await;
                            }
                            Ok(Err(e)) => {
                                shared.log(format_args!("conn {id}: TLS handshake failed: {e}"))
                            }
                            Err(_) => {
                                shared.log(format_args!("conn {id}: TLS handshake timed out"))
                            }
                        }
                    });
                }
                Err(e) => {
                    // Per-connection errors (reset before accept) and resource exhaustion
                    // are transient; back off briefly instead of spinning.
                    eprintln!("mindra-emulator: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<ConnMeta> {
        self.inner.local_addr()?;
        Ok(ConnMeta {
            id: 0,
            takeover: Arc::new(Takeover::default()),
        })
    }
}

/// The one handler: every request lands here and is routed by hand on the raw path, which
/// keeps percent-encoded slashes inside a segment and ignores any gateway prefix.
async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnMeta>,
    req: Request,
) -> Response {
    let request_id = shared.next_request_id.fetch_add(1, Ordering::SeqCst);
    let method = req.method().clone();
    let raw = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_default();
    let mut resp = dispatch(&shared, &conn, req).await;
    // A scenario may set its own (echo-key does); every other answer gets `req_<n>`.
    if !resp.headers().contains_key("x-request-id") {
        if let Ok(v) = HeaderValue::from_str(&format!("req_{request_id}")) {
            resp.headers_mut().insert("x-request-id", v);
        }
    }
    shared.log(format_args!(
        "#{request_id} conn {} {method} {raw} -> {}",
        conn.id,
        resp.status().as_u16()
    ));
    resp
}

async fn dispatch(shared: &Arc<Shared>, conn: &ConnMeta, req: Request) -> Response {
    let conn_id = conn.id;
    let path = req.uri().path().to_owned();
    if path.starts_with("/_emulator/") {
        return hooks(shared, req.method(), &path);
    }

    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            shared.recorder.record(&parts, b"", conn_id);
            return error(
                StatusCode::BAD_REQUEST,
                "Request body could not be read",
                "INVALID_REQUEST",
            );
        }
    };
    shared.recorder.record(&parts, &body, conn_id);

    let expected = lock(&shared.api_key).clone();
    let given = parts.headers.get("x-api-key");
    if !given.is_some_and(|v| v.as_bytes() == expected.as_bytes()) {
        // The echo-key scenario's 401 repeats the key it was given, as careless servers do.
        if path.contains("/echo-key/") {
            let given = given.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            return error(
                StatusCode::UNAUTHORIZED,
                &format!("Invalid API key {}", given.unwrap_or_default()),
                "UNAUTHORIZED",
            );
        }
        return error(StatusCode::UNAUTHORIZED, "Invalid API key", "UNAUTHORIZED");
    }

    let ctx = scenarios::Ctx {
        shared,
        conn,
        headers: &parts.headers,
    };
    route(&ctx, &parts.method, &path, &body).await
}

/// Routes on whatever follows the first `/v1/workflows/` (which also covers
/// `/api/v1/workflows/`), after splitting on `/` and only then percent-decoding.
async fn route(ctx: &scenarios::Ctx<'_>, method: &Method, path: &str, body: &[u8]) -> Response {
    const MARK: &str = "/v1/workflows/";
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            &format!("No route for {method} {path}"),
            "NOT_FOUND",
        )
    };
    let Some(at) = path.find(MARK) else {
        return not_found();
    };
    let segs: Vec<String> = path[at + MARK.len()..]
        .split('/')
        .map(crate::util::percent_decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        [slug, "run"] => {
            if method != Method::POST {
                return method_not_allowed();
            }
            scenarios::run(ctx, slug, body).await
        }
        ["execute", id, "stream"] => {
            if method != Method::GET {
                return method_not_allowed();
            }
            scenarios::stream(ctx, id)
        }
        ["execute", id, action @ ("approve" | "reject"), approval_id] => {
            if method != Method::POST {
                return method_not_allowed();
            }
            scenarios::decide(ctx, id, approval_id, *action == "approve", body)
        }
        _ => not_found(),
    }
}

fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "METHOD_NOT_ALLOWED",
    )
}

/// The `/_emulator/` test hooks; they need no key so a test can inspect even a run whose
/// key was wrong.
fn hooks(shared: &Arc<Shared>, method: &Method, path: &str) -> Response {
    match (method.as_str(), path) {
        ("GET", "/_emulator/requests") => json(StatusCode::OK, shared.recorder.requests_json()),
        ("DELETE", "/_emulator/requests") => {
            shared.recorder.clear();
            json(StatusCode::OK, String::from("[]"))
        }
        ("GET", "/_emulator/stats") => json(StatusCode::OK, shared.recorder.stats_json()),
        ("GET", "/_emulator/scenarios") => json(
            StatusCode::OK,
            serde_json::Value::from(crate::scenario_slugs().collect::<Vec<_>>()).to_string(),
        ),
        ("GET", "/_emulator/health") => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("ok"))
            .unwrap_or_default(),
        _ => error(
            StatusCode::NOT_FOUND,
            &format!("No test hook {method} {path}"),
            "NOT_FOUND",
        ),
    }
}

/// A JSON response with the given body text.
pub(crate) fn json(status: StatusCode, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

/// The API's error shape: `{"error": message, "code": code}`.
pub(crate) fn error(status: StatusCode, message: &str, code: &str) -> Response {
    json(
        status,
        Obj::new().str("error", message).str("code", code).finish(),
    )
}

impl Shared {
    /// One line on stderr unless `--quiet`.
    pub(crate) fn log(&self, msg: std::fmt::Arguments<'_>) {
        if !self.quiet.load(Ordering::Relaxed) {
            eprintln!("mindra-emulator: {msg}");
        }
    }

    /// Looks an execution up by its (decoded) id.
    pub(crate) fn execution(&self, id: &str) -> Option<Arc<Execution>> {
        lock(&self.executions).by_id.get(id).cloned()
    }
}
