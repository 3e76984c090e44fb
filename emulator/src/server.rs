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
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::record::{lock, Recorder};
use crate::scenarios::{self, Execution};
use crate::util::Obj;
use crate::TEST_API_KEY;

/// Request bodies above this are refused; far above anything a test sends, low enough that
/// a runaway client cannot exhaust memory.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// How long a shutdown waits for open connections before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// State shared by every connection.
pub(crate) struct Shared {
    /// The address the emulator listens on; the `redirect` scenario needs its port.
    pub(crate) local: SocketAddr,
    pub(crate) recorder: Recorder,
    next_request_id: AtomicU64,
    pub(crate) executions: Mutex<HashMap<String, Arc<Execution>>>,
    /// `(slug, task)` pairs already answered with an error by the `*-once` scenarios.
    pub(crate) once_seen: Mutex<HashSet<(String, String)>>,
    /// Becomes true when the server stops, so open streams end instead of holding it up.
    pub(crate) shutdown: watch::Sender<bool>,
    /// Whether to skip the per-request log line on stderr.
    quiet: AtomicBool,
}

/// An emulator bound to its address but not yet serving; see [`Emulator::serve`].
pub struct Emulator {
    listener: TcpListener,
    shared: Arc<Shared>,
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
            executions: Mutex::new(HashMap::new()),
            once_seen: Mutex::new(HashSet::new()),
            shutdown: watch::Sender::new(false),
            quiet: AtomicBool::new(false),
        });
        Ok(Emulator { listener, shared })
    }

    /// Turns off the per-request log line on stderr.
    pub fn quiet(self, quiet: bool) -> Self {
        self.shared.quiet.store(quiet, Ordering::Relaxed);
        self
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local
    }

    /// `http://host:port`, the base URL clients are given.
    pub fn base_url(&self) -> String {
        match self.shared.local.ip() {
            IpAddr::V6(ip) => format!("http://[{ip}]:{}", self.shared.local.port()),
            IpAddr::V4(ip) => format!("http://{ip}:{}", self.shared.local.port()),
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
        let listener = CountingListener {
            inner: self.listener,
            shared: shared.clone(),
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

/// What each connection carries into its requests: a 1-based id for `connection_id`.
#[derive(Clone, Debug)]
pub(crate) struct ConnMeta {
    id: u64,
    #[allow(dead_code)] // kept for Debug output in axum's traces
    peer: SocketAddr,
}

impl Connected<IncomingStream<'_, CountingListener>> for ConnMeta {
    fn connect_info(stream: IncomingStream<'_, CountingListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP listener that counts connections and numbers them, so tests can check connection
/// reuse (`/_emulator/stats`) and which requests shared a connection (`connection_id`).
pub(crate) struct CountingListener {
    inner: TcpListener,
    shared: Arc<Shared>,
}

impl Listener for CountingListener {
    type Io = TcpStream;
    type Addr = ConnMeta;

    async fn accept(&mut self) -> (TcpStream, ConnMeta) {
        loop {
            match self.inner.accept().await {
                Ok((stream, peer)) => {
                    // Events are small writes that must leave at once; Nagle would hold
                    // them back waiting for the client's delayed ACK.
                    let _ = stream.set_nodelay(true);
                    let id = self.shared.recorder.accept_connection();
                    return (stream, ConnMeta { id, peer });
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
        Ok(ConnMeta {
            id: 0,
            peer: self.inner.local_addr()?,
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
    let mut resp = dispatch(&shared, conn.id, req).await;
    if let Ok(v) = HeaderValue::from_str(&format!("req_{request_id}")) {
        resp.headers_mut().insert("x-request-id", v);
    }
    shared.log(format_args!(
        "#{request_id} conn {} {method} {raw} -> {}",
        conn.id,
        resp.status().as_u16()
    ));
    resp
}

async fn dispatch(shared: &Arc<Shared>, conn_id: u64, req: Request) -> Response {
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

    let key_ok = parts
        .headers
        .get("x-api-key")
        .is_some_and(|v| v.as_bytes() == TEST_API_KEY.as_bytes());
    if !key_ok {
        return error(StatusCode::UNAUTHORIZED, "Invalid API key", "UNAUTHORIZED");
    }

    route(shared, &parts.method, &path, &parts.headers, &body).await
}

/// Routes on whatever follows the first `/v1/workflows/` (which also covers
/// `/api/v1/workflows/`), after splitting on `/` and only then percent-decoding.
async fn route(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
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
            scenarios::run(shared, slug, body).await
        }
        ["execute", id, "stream"] => {
            if method != Method::GET {
                return method_not_allowed();
            }
            scenarios::stream(shared, id, headers)
        }
        ["execute", id, action @ ("approve" | "reject"), approval_id] => {
            if method != Method::POST {
                return method_not_allowed();
            }
            scenarios::decide(shared, id, approval_id, *action == "approve", body)
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
        lock(&self.executions).get(id).cloned()
    }
}
