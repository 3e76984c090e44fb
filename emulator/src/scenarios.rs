//! The scenarios: what each workflow slug answers on run, stream and approve/reject.
//! README.md has the same table in prose; keep both in step.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};
use tokio::time::sleep;

use crate::faults::{self, Target, FAULTS};
use crate::record::lock;
use crate::server::{error, json, ConnMeta, Shared};
use crate::util::{json_string, meta_u64, now_rfc3339, random_hex16, retry_after, Obj};

/// What a handler knows about the request besides its path and body.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Arc<Shared>,
    pub(crate) conn: &'a ConnMeta,
    pub(crate) headers: &'a HeaderMap,
}

/// Every slug the emulator knows, with the `workflow_name` its run response reports.
/// Any other slug is `404 WORKFLOW_NOT_FOUND`.
pub(crate) const SCENARIOS: &[(&str, &str)] = &[
    ("hello", "Hello World"),
    ("no-conversation", "No Conversation"),
    ("rate-limited-once", "Rate Limited Once"),
    ("rate-limited", "Rate Limited"),
    ("server-error", "Server Error"),
    ("unavailable-once", "Unavailable Once"),
    ("slow", "Slow Start"),
    ("bad-gateway", "Bad Gateway"),
    ("truncated", "Truncated Response"),
    ("missing-field", "Missing Field"),
    ("redirect", "Redirect"),
    ("tools", "Calculator Tools"),
    ("approval", "Email Approval"),
    ("approval-expires", "Expiring Approval"),
    ("drop-no-ids", "Dropped Stream Without Ids"),
    ("drop-with-ids", "Dropped Stream With Ids"),
    ("keepalive", "Keep-Alive"),
    ("many-events", "Many Events"),
    ("unknown-event", "Unknown Event"),
    ("done-keep-open", "Done But Open"),
    ("slow-stream", "Slow Stream"),
    ("not-sse", "Not SSE"),
    ("no-blank-lines", "Lines Without Blank Line"),
    ("long-line", "Long Line"),
    ("echo-key", "Echo Key"),
];

/// Every slug: the scenarios above and the faults (`fault-*`, see faults.rs).
pub(crate) fn all() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    SCENARIOS.iter().chain(FAULTS.iter())
}

/// How long a dropping stream waits after its last event before cutting the connection:
/// hyper discards unflushed output when a body fails, and the events sent before the cut
/// are what the resume tests rely on.
const FLUSH_BEFORE_ABORT: Duration = Duration::from_millis(20);

/// One started workflow run, kept in memory for its stream and approval endpoints.
pub(crate) struct Execution {
    id: String,
    slug: String,
    task: String,
    meta: Map<String, Value>,
    approval: Option<Arc<Approval>>,
    /// How many times the stream endpoint was opened; `drop-with-ids` drops the first ones.
    stream_connections: AtomicU64,
}

/// The approval of an `approval*` run. The decision lives here rather than in the stream
/// so that an approve/reject sent before (or between) stream connections still counts.
struct Approval {
    id: String,
    state: watch::Sender<Decision>,
    expiry_started: AtomicBool,
}

#[derive(Clone, Debug, PartialEq)]
enum Decision {
    Pending,
    Approved,
    Rejected(Option<String>),
    Expired,
}

impl Approval {
    /// Starts the expiry clock once (`approval-expires`); later calls do nothing, so a
    /// reconnecting stream does not extend the deadline.
    fn start_expiry(self: &Arc<Self>, after: Duration) {
        if self.expiry_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            sleep(after).await;
            me.state.send_if_modified(|d| {
                if *d == Decision::Pending {
                    *d = Decision::Expired;
                    true
                } else {
                    false
                }
            });
        });
    }
}

/// `POST .../v1/workflows/{slug}/run`.
pub(crate) async fn run(ctx: &Ctx<'_>, slug: &str, body: &[u8]) -> Response {
    let shared = ctx.shared;
    let Some(&(_, name)) = all().find(|(s, _)| *s == slug) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("Workflow '{slug}' not found"),
            "WORKFLOW_NOT_FOUND",
        );
    };
    let (task, meta) = match parse_run_body(body) {
        Ok(v) => v,
        Err(msg) => return error(StatusCode::BAD_REQUEST, msg, "INVALID_REQUEST"),
    };
    // Keyed by (slug, task) so parallel tests that use distinct tasks never interfere.
    let first_time = || lock(&shared.once_seen).insert((slug.to_owned(), task.clone()));
    let on_run = Target::of(&meta) == Target::Run;
    if on_run {
        if let Some(script) = faults::script(slug, Target::Run, &meta, "") {
            ctx.conn.take_over(script);
            return Response::default();
        }
    }
    match slug {
        "echo-key" if on_run => echo_key(ctx),
        "rate-limited" => rate_limited(&meta),
        "rate-limited-once" if first_time() => rate_limited(&meta),
        "unavailable-once" if first_time() => with_retry_after(
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service temporarily unavailable",
                "SERVICE_UNAVAILABLE",
            ),
            &meta,
        ),
        "server-error" => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
            "INTERNAL_ERROR",
        ),
        "bad-gateway" => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from(
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            ))
            .unwrap_or_default(),
        // A fixed-size body: hyper sends Content-Length for exactly these bytes.
        "truncated" => json(
            StatusCode::OK,
            String::from(r#"{"execution_id": "ex_trunc", "status": "runn"#),
        ),
        "missing-field" => json(
            StatusCode::OK,
            Obj::new()
                .str("status", "running")
                .str("workflow_slug", slug)
                .str("workflow_name", name)
                .str("created_at", &now_rfc3339())
                .raw("conversation_id", "null")
                .finish(),
        ),
        "redirect" if on_run => redirect(shared, &meta, "/v1/workflows/hello/run"),
        "slow" => {
            let delay = meta_u64(&meta, "delay_ms").unwrap_or(2000);
            sleep(Duration::from_millis(delay)).await;
            start(shared, slug, name, task, meta)
        }
        _ => start(shared, slug, name, task, meta),
    }
}

/// `redirect`: `metadata.status` (default 307) to `metadata.location`, by default the same
/// path on another loopback address (another origin: a client must not follow it with the
/// key; nothing listens there unless a test does).
fn redirect(shared: &Shared, meta: &Map<String, Value>, path: &str) -> Response {
    let host = if shared.local.ip().to_string() == "127.0.0.2" {
        "127.0.0.3"
    } else {
        "127.0.0.2"
    };
    let location = match meta.get("location").and_then(Value::as_str) {
        Some(l) => l.to_owned(),
        None => format!("http://{host}:{}{path}", shared.local.port()),
    };
    let status = meta_u64(meta, "status")
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .filter(StatusCode::is_redirection)
        .unwrap_or(StatusCode::TEMPORARY_REDIRECT);
    Response::builder()
        .status(status)
        .header(header::LOCATION, location)
        .body(Body::empty())
        .unwrap_or_default()
}

/// `echo-key`: a 400 whose message, code and `x-request-id` all repeat the `x-api-key` the
/// request carried, as a careless server might. A client must not pass the key on.
fn echo_key(ctx: &Ctx<'_>) -> Response {
    let key = ctx
        .headers
        .get("x-api-key")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let mut resp = error(
        StatusCode::BAD_REQUEST,
        &format!("The API key {key} may not run this workflow"),
        &format!("KEY_REJECTED_{key}"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("req_echo_{key}")) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

fn rate_limited(meta: &Map<String, Value>) -> Response {
    with_retry_after(
        error(
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded",
            "RATE_LIMITED",
        ),
        meta,
    )
}

fn with_retry_after(mut resp: Response, meta: &Map<String, Value>) -> Response {
    if let Ok(v) = HeaderValue::from_str(&retry_after(meta)) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// `{"task": string, "metadata": object (optional)}`; anything else is INVALID_REQUEST.
/// The documented run response; `conversation` is JSON text (a quoted id or `null`). Shared
/// with the fault scenarios so every scenario answers with the same shape.
pub(crate) fn run_response(id: &str, slug: &str, name: &str, conversation: &str) -> String {
    Obj::new()
        .str("execution_id", id)
        .str("status", "running")
        .str("workflow_slug", slug)
        .str("workflow_name", name)
        .str(
            "stream_url",
            &format!("/api/v1/workflows/execute/{id}/stream"),
        )
        .str("created_at", &now_rfc3339())
        .raw("conversation_id", conversation)
        .finish()
}

fn parse_run_body(body: &[u8]) -> Result<(String, Map<String, Value>), &'static str> {
    let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(body) else {
        return Err("Request body must be a JSON object");
    };
    let Some(Value::String(task)) = obj.remove("task") else {
        return Err("Field 'task' (string) is required");
    };
    let meta = match obj.remove("metadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("Field 'metadata' must be an object"),
    };
    Ok((task, meta))
}

/// Stores a new execution and answers the documented run response.
fn start(
    shared: &Arc<Shared>,
    slug: &str,
    name: &str,
    task: String,
    meta: Map<String, Value>,
) -> Response {
    let mut executions = lock(&shared.executions);
    let hex = loop {
        let hex = random_hex16();
        if !executions.by_id.contains_key(&format!("ex_{hex}")) {
            break hex;
        }
    };
    let id = format!("ex_{hex}");
    // The approval id shares the execution's hex digits so a test can predict it and
    // approve before it has read the stream.
    let approval = matches!(slug, "approval" | "approval-expires").then(|| {
        Arc::new(Approval {
            id: format!("ap_{hex}"),
            state: watch::Sender::new(Decision::Pending),
            expiry_started: AtomicBool::new(false),
        })
    });
    executions.insert(
        id.clone(),
        Arc::new(Execution {
            id: id.clone(),
            slug: slug.to_owned(),
            task,
            meta,
            approval,
            stream_connections: AtomicU64::new(0),
        }),
    );
    drop(executions);

    let conversation = if slug == "no-conversation" {
        String::from("null")
    } else {
        json_string(&format!("conv_{}", random_hex16()))
    };
    json(StatusCode::OK, run_response(&id, slug, name, &conversation))
}

/// `POST .../v1/workflows/execute/{id}/approve|reject/{approval_id}`.
pub(crate) fn decide(
    ctx: &Ctx<'_>,
    execution_id: &str,
    approval_id: &str,
    approve: bool,
    body: &[u8],
) -> Response {
    let Some(exec) = ctx.shared.execution(execution_id) else {
        return execution_not_found(execution_id);
    };
    if exec.slug == "echo-key" {
        return echo_key(ctx);
    }
    let Some(approval) = exec.approval.as_ref().filter(|a| a.id == approval_id) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("Approval '{approval_id}' not found"),
            "APPROVAL_NOT_FOUND",
        );
    };
    let reason = match parse_reason(body) {
        Ok(r) => r,
        Err(msg) => return error(StatusCode::BAD_REQUEST, msg, "INVALID_REQUEST"),
    };
    let wanted = if approve {
        Decision::Approved
    } else {
        Decision::Rejected(reason)
    };
    let mut before = Decision::Pending;
    approval.state.send_if_modified(|d| {
        before = d.clone();
        if *d == Decision::Pending {
            *d = wanted;
            true
        } else {
            false
        }
    });
    match before {
        Decision::Pending => {
            let status = if approve { "approved" } else { "rejected" };
            json(StatusCode::OK, Obj::new().str("status", status).finish())
        }
        Decision::Expired => error(
            StatusCode::BAD_REQUEST,
            "Approval has expired",
            "APPROVAL_EXPIRED",
        ),
        Decision::Approved | Decision::Rejected(_) => error(
            StatusCode::CONFLICT,
            "Approval was already decided",
            "APPROVAL_ALREADY_DECIDED",
        ),
    }
}

/// An empty body means no reason; otherwise `{"reason": string|null}`.
fn parse_reason(body: &[u8]) -> Result<Option<String>, &'static str> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(body) else {
        return Err("Request body must be empty or a JSON object");
    };
    match obj.remove("reason") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err("Field 'reason' must be a string"),
    }
}

fn execution_not_found(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("Execution '{id}' not found"),
        "EXECUTION_NOT_FOUND",
    )
}

/// `GET .../api/v1/workflows/execute/{id}/stream`.
pub(crate) fn stream(ctx: &Ctx<'_>, execution_id: &str) -> Response {
    let (shared, headers) = (ctx.shared, ctx.headers);
    let Some(exec) = shared.execution(execution_id) else {
        return execution_not_found(execution_id);
    };
    if exec.slug == "not-sse" {
        return json(StatusCode::OK, String::from("{}"));
    }
    if exec.slug == "echo-key" {
        return echo_key(ctx);
    }
    if exec.slug == "redirect" {
        let path = format!("/api/v1/workflows/execute/{}/stream", exec.id);
        return redirect(shared, &exec.meta, &path);
    }
    if let Some(script) = faults::script(&exec.slug, Target::Stream, &exec.meta, &exec.id) {
        ctx.conn.take_over(script);
        return Response::default();
    }
    let last_event_id = headers.get("last-event-id");
    if exec.slug == "drop-with-ids" && last_event_id.is_some() {
        if let Some(status) = meta_u64(&exec.meta, "reconnect_status") {
            return refuse_reconnect(status);
        }
    }
    let resume_after = last_event_id
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let conn_no = exec.stream_connections.fetch_add(1, Ordering::SeqCst) + 1;

    // A small channel gives backpressure: the script runs no further ahead of the client
    // than a few chunks, which keeps `many-events` at a constant memory footprint.
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, io::Error>>(4);
    let sink = Sink(tx);
    let mut stop = shared.shutdown.subscribe();
    let shared = shared.clone();
    tokio::spawn(async move {
        let how = tokio::select! {
            r = script(&exec, &sink, resume_after, conn_no) => match r {
                Ok(()) => "finished",
                Err(Gone) => "client gone",
            },
            // The guard returned by `wait_for` is not Send, so drop it inside the future.
            _ = async { let _ = stop.wait_for(|s| *s).await; } => {
                sink.abort().await;
                "server stopping"
            }
        };
        shared.log(format_args!("stream #{conn_no} of {}: {how}", exec.id));
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(body))
        .unwrap_or_default()
}

/// `drop-with-ids` with `reconnect_status`: 204 is the SSE "stop reconnecting" answer;
/// any other status is sent as an API error.
fn refuse_reconnect(status: u64) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::NO_CONTENT || status.is_success() {
        return Response::builder()
            .status(status)
            .body(Body::empty())
            .unwrap_or_default();
    }
    error(status, "Reconnection refused", "RECONNECT_REFUSED")
}

/// The client went away (the body was dropped): the script just stops.
struct Gone;

/// The writing end of one stream body. Every send is one body chunk, which hyper writes
/// out as soon as the body has nothing more ready.
struct Sink(mpsc::Sender<Result<Bytes, io::Error>>);

impl Sink {
    async fn bytes(&self, b: Bytes) -> Result<(), Gone> {
        self.0.send(Ok(b)).await.map_err(|_| Gone)
    }

    async fn text(&self, s: impl Into<String>) -> Result<(), Gone> {
        self.bytes(Bytes::from(s.into())).await
    }

    async fn event(&self, name: &str, data: &str) -> Result<(), Gone> {
        self.text(format_event(None, name, data)).await
    }

    async fn chunk(&self, content: &str) -> Result<(), Gone> {
        self.event("chunk", &Obj::new().str("content", content).finish())
            .await
    }

    async fn done(&self, exec: &Execution, status: &str, answer: &str) -> Result<(), Gone> {
        self.event("done", &done_data(exec, status, answer)).await
    }

    /// Sleeps, but gives up as soon as the client has gone, so abandoned streams do not
    /// linger for the rest of a long pause.
    async fn pause(&self, ms: u64) -> Result<(), Gone> {
        tokio::select! {
            _ = sleep(Duration::from_millis(ms)) => Ok(()),
            _ = self.0.closed() => Err(Gone),
        }
    }

    async fn keepalive(&self) -> Result<(), Gone> {
        self.text(": keep-alive\n\n").await
    }

    /// Makes the body fail, so hyper cuts the connection without the final empty chunk:
    /// to the client this is a connection lost mid-stream.
    async fn abort(&self) {
        // Wait until the body has taken everything queued, then a moment for hyper to
        // flush it; a failing body makes hyper drop unflushed output.
        while self.0.capacity() < self.0.max_capacity() {
            if self.0.is_closed() {
                return;
            }
            sleep(Duration::from_millis(2)).await;
        }
        sleep(FLUSH_BEFORE_ABORT).await;
        let cut = io::Error::other("mindra-emulator: stream cut on purpose");
        let _ = tokio::time::timeout(Duration::from_secs(1), self.0.send(Err(cut))).await;
    }
}

fn format_event(id: Option<u64>, name: &str, data: &str) -> String {
    let mut out = String::with_capacity(name.len() + data.len() + 32);
    if let Some(id) = id {
        out.push_str(&format!("id: {id}\n"));
    }
    out.push_str("event: ");
    out.push_str(name);
    out.push_str("\ndata: ");
    out.push_str(data);
    out.push_str("\n\n");
    out
}

fn done_data(exec: &Execution, status: &str, answer: &str) -> String {
    Obj::new()
        .str("execution_id", &exec.id)
        .str("status", status)
        .str("final_answer", answer)
        .finish()
}

/// `{tool_name, <key>: <raw JSON>}` for tool_executing (tool_input) and tool_result (result).
fn tool_event(tool: &str, key: &str, raw_value: &str) -> String {
    Obj::new()
        .str("tool_name", tool)
        .raw(key, raw_value)
        .finish()
}

/// The event script of one stream connection.
async fn script(exec: &Execution, s: &Sink, resume_after: u64, conn_no: u64) -> Result<(), Gone> {
    let meta = &exec.meta;
    match exec.slug.as_str() {
        "tools" => {
            s.chunk("Let me calculate that.").await?;
            let input = Obj::new().str("expression", "6*7").finish();
            s.event(
                "tool_executing",
                &tool_event("calculator", "tool_input", &input),
            )
            .await?;
            s.event(
                "tool_result",
                &tool_event("calculator", "result", &json_string("42")),
            )
            .await?;
            s.chunk("The answer is 42.").await?;
            s.done(exec, "completed", "42").await
        }
        "approval" | "approval-expires" => approval_script(exec, s).await,
        "drop-no-ids" => {
            s.chunk("This stream ").await?;
            s.chunk("will break.").await?;
            s.abort().await;
            Ok(())
        }
        "drop-with-ids" => {
            let retry = meta_u64(meta, "retry_ms").unwrap_or(100);
            s.text(format!("retry: {retry}\n\n")).await?;
            let drops = meta_u64(meta, "drops").unwrap_or(1);
            let drop_after = meta_u64(meta, "drop_after").unwrap_or(3);
            let dropping = conn_no <= drops;
            // A dropping connection never sends `done` (id 6), or there would be nothing
            // left to resume.
            let last = if dropping {
                resume_after.saturating_add(drop_after).min(5)
            } else {
                6
            };
            for n in resume_after.saturating_add(1)..=last {
                let ev = if n <= 5 {
                    let data = Obj::new().str("content", &format!("part{n}")).finish();
                    format_event(Some(n), "chunk", &data)
                } else {
                    let data = done_data(exec, "completed", "part1part2part3part4part5");
                    format_event(Some(n), "done", &data)
                };
                s.text(ev).await?;
            }
            if dropping {
                s.abort().await;
            }
            Ok(())
        }
        "keepalive" => {
            let pause = meta_u64(meta, "pause_ms").unwrap_or(1000);
            for _ in 0..pause / 200 {
                s.pause(200).await?;
                s.keepalive().await?;
            }
            s.pause(pause % 200).await?;
            s.chunk("Still here.").await?;
            s.done(exec, "completed", "Still here.").await
        }
        "many-events" => many_events(exec, s).await,
        "no-blank-lines" => {
            // `lines` data lines and no blank line, so no event is ever complete; then the
            // body ends properly (or, with `terminate`, a blank line and `done` follow).
            let lines = meta_u64(meta, "lines").unwrap_or(10_000);
            let batch = Bytes::from("data: x\n".repeat(1000));
            for _ in 0..lines / 1000 {
                s.bytes(batch.clone()).await?;
            }
            s.text("data: x\n".repeat((lines % 1000) as usize)).await?;
            if meta.get("terminate").and_then(Value::as_bool) == Some(true) {
                s.text("\n").await?;
                s.done(exec, "completed", &format!("{lines} lines")).await?;
            }
            Ok(())
        }
        "long-line" => {
            // One `data:` line of `line_bytes` bytes (default 20 MiB), sent 64 KiB at a time
            // so the emulator never holds it whole; then the line ends, a blank line
            // completes the event, and `done` follows.
            const PIECE: u64 = 64 * 1024;
            let total = meta_u64(meta, "line_bytes").unwrap_or(20 << 20);
            let piece = Bytes::from(vec![b'x'; PIECE as usize]);
            s.text("data: ").await?;
            let mut left = total;
            while left >= PIECE {
                s.bytes(piece.clone()).await?;
                left -= PIECE;
            }
            s.bytes(piece.slice(..left as usize)).await?;
            s.text("\n\n").await?;
            s.done(exec, "completed", "long line sent").await
        }
        "unknown-event" => {
            s.chunk("Before the heartbeat.").await?;
            s.text("event: heartbeat\ndata: {}\n\n").await?;
            s.chunk("After the heartbeat.").await?;
            s.done(exec, "completed", "Survived an unknown event.")
                .await
        }
        "done-keep-open" => {
            s.chunk("All done.").await?;
            s.done(exec, "completed", "All done.").await?;
            // Hold the body open until the client goes away (or the server stops).
            s.0.closed().await;
            Ok(())
        }
        "slow-stream" => {
            s.chunk("Thinking...").await?;
            let silence = meta_u64(meta, "silence_ms").unwrap_or(5000);
            s.pause(silence).await?;
            s.done(exec, "completed", "Thought about it.").await
        }
        // hello, no-conversation, slow, rate-limited-once, unavailable-once.
        _ => {
            s.chunk("Hello").await?;
            s.chunk(", ").await?;
            s.chunk("world!").await?;
            let input = Obj::new().str("query", &exec.task).finish();
            s.event(
                "tool_executing",
                &tool_event("search", "tool_input", &input),
            )
            .await?;
            s.event(
                "tool_result",
                &tool_event("search", "result", &json_string("3 results")),
            )
            .await?;
            s.chunk(" (found 3 results)").await?;
            s.done(exec, "completed", "Hello, world!").await
        }
    }
}

async fn approval_script(exec: &Execution, s: &Sink) -> Result<(), Gone> {
    let Some(approval) = exec.approval.as_ref() else {
        return Ok(());
    };
    let input = Obj::new()
        .str("to", "ops@example.com")
        .str("subject", "Report")
        .finish();
    s.chunk("I will email the report to ops.").await?;
    let request = Obj::new()
        .str("approval_id", &approval.id)
        .str("tool_name", "send_email")
        .raw("tool_input", &input)
        .finish();
    s.event("approval_request", &request).await?;
    if exec.slug == "approval-expires" {
        let ms = meta_u64(&exec.meta, "expire_ms").unwrap_or(300);
        approval.start_expiry(Duration::from_millis(ms));
    }

    // Paused: comments every 200 ms keep the connection visibly alive until a decision.
    let mut rx = approval.state.subscribe();
    let decision = loop {
        let d = rx.borrow_and_update().clone();
        if d != Decision::Pending {
            break d;
        }
        tokio::select! {
            _ = rx.changed() => {}
            r = s.pause(200) => {
                r?;
                s.keepalive().await?;
            }
        }
    };
    match decision {
        Decision::Approved => {
            s.event(
                "tool_executing",
                &tool_event("send_email", "tool_input", &input),
            )
            .await?;
            s.event(
                "tool_result",
                &tool_event("send_email", "result", &json_string("sent")),
            )
            .await?;
            s.done(exec, "completed", "Email sent.").await
        }
        Decision::Rejected(reason) => {
            s.chunk("Skipped sending the email.").await?;
            let answer = match reason {
                Some(r) => format!("Email not sent: rejected: {r}"),
                None => String::from("Email not sent: rejected"),
            };
            s.done(exec, "completed", &answer).await
        }
        Decision::Expired | Decision::Pending => s.done(exec, "failed", "Approval expired.").await,
    }
}

/// `many-events`: the first event goes out alone (so time-to-first-event stays low), the
/// rest in ~64 KiB body chunks so a million events take well under a second to produce.
async fn many_events(exec: &Execution, s: &Sink) -> Result<(), Gone> {
    const BATCH_BYTES: usize = 64 * 1024;
    const MAX_CHUNK: u64 = 256 * 1024 * 1024;
    let n = meta_u64(&exec.meta, "events").unwrap_or(1000);
    let size = meta_u64(&exec.meta, "chunk_size")
        .unwrap_or(64)
        .min(MAX_CHUNK) as usize;
    let data = Obj::new().str("content", &"x".repeat(size)).finish();
    let one = Bytes::from(format_event(None, "chunk", &data));
    if n > 0 {
        s.bytes(one.clone()).await?;
    }
    let per_batch = (BATCH_BYTES / one.len()).max(1) as u64;
    let batch = Bytes::from(one.repeat(per_batch as usize));
    let mut left = n.saturating_sub(1);
    while left >= per_batch {
        s.bytes(batch.clone()).await?;
        left -= per_batch;
    }
    if left > 0 {
        s.bytes(Bytes::from(one.repeat(left as usize))).await?;
    }
    s.done(exec, "completed", &format!("{n} chunks sent")).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_body_validation() {
        assert!(parse_run_body(b"not json").is_err());
        assert!(parse_run_body(b"[]").is_err());
        assert!(parse_run_body(br#"{"metadata":{}}"#).is_err());
        assert!(parse_run_body(br#"{"task":1}"#).is_err());
        assert!(parse_run_body(br#"{"task":"t","metadata":[]}"#).is_err());
        let (task, meta) = parse_run_body(br#"{"task":"t"}"#).unwrap_or_default();
        assert_eq!(task, "t");
        assert!(meta.is_empty());
        let (_, meta) = parse_run_body(br#"{"task":"t","metadata":{"a":1}}"#).unwrap_or_default();
        assert_eq!(meta.get("a"), Some(&Value::from(1)));
    }

    #[test]
    fn reason_parsing() {
        assert_eq!(parse_reason(b""), Ok(None));
        assert_eq!(parse_reason(b" \n"), Ok(None));
        assert_eq!(parse_reason(b"{}"), Ok(None));
        assert_eq!(
            parse_reason(br#"{"reason":"too late"}"#),
            Ok(Some(String::from("too late")))
        );
        assert!(parse_reason(b"{").is_err());
        assert!(parse_reason(br#"{"reason":5}"#).is_err());
    }

    #[test]
    fn event_format() {
        assert_eq!(
            format_event(Some(3), "chunk", "{}"),
            "id: 3\nevent: chunk\ndata: {}\n\n"
        );
        assert_eq!(
            format_event(None, "done", "{}"),
            "event: done\ndata: {}\n\n"
        );
    }
}
