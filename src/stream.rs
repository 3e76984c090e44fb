//! Watching a workflow: the event stream, its reconnection rules, and cancellation.

use crate::client::{
    classify_transport_error, error_from_answer, header_text, request_id_of, Answer, Client,
};
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, EventView};
use crate::sse::{SseError, SseEventRef, SseParser};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How often a dropped stream is reopened with `Last-Event-ID` before the error is reported.
pub const MAX_RECONNECT_ATTEMPTS: u32 = 5;

/// The reconnection delay before the server sets one with `retry:`.
pub const DEFAULT_RECONNECT_DELAY: Duration = Duration::from_millis(1000);

/// Bounds for the reconnection delay: `retry: 0` must not become a tight loop, and a huge
/// value must not stall the caller for hours.
pub const RECONNECT_DELAY_RANGE: (Duration, Duration) =
    (Duration::from_millis(100), Duration::from_secs(60));

/// Bytes taken from the connection per read. Small enough that a burst of events is not all
/// parsed and queued before the first is handed over; large enough to amortise the call.
const READ_BUFFER: usize = 16 * 1024;
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// What [`CancelHandle::cancel`] and the stream share.
#[derive(Debug, Default)]
struct Control {
    cancelled: AtomicBool,
    /// The agent that owns the stream's connection; shutting it down wakes a blocked read.
    agent: Mutex<Option<ureq::Agent>>,
    /// Wakes a reconnection backoff early when the stream is cancelled.
    wake: Condvar,
}

/// Cancels a stream from any thread: a blocked [`EventStream::next_event`] returns
/// [`ErrorKind::Cancelled`] promptly, and so does every later call.
#[derive(Debug, Clone)]
pub struct CancelHandle(Arc<Control>);

impl CancelHandle {
    /// Cancels the stream; calling it again, or after the stream ended, does nothing more.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        let agent = self.0.agent.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(agent) = agent.as_ref() {
            // Closes the socket under a blocked read, which then fails at once.
            agent.clone().shutdown();
        }
        self.0.wake.notify_all();
    }

    /// True once [`CancelHandle::cancel`] has been called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }
}

/// A workflow's live event stream.
///
/// Events are handed over the moment their blank line arrives. After `done` the connection is
/// closed at once and [`EventStream::next_event`] returns `Ok(None)`. One thread consumes a
/// stream; [`EventStream::cancel_handle`] gives a handle for the others.
pub struct EventStream {
    client: Client,
    url: String,
    control: Arc<Control>,
    reader: Option<ureq::BodyReader<'static>>,
    parser: SseParser,
    buffer: Box<[u8]>,
    finished: bool,
    failure: Option<Error>,
    reconnect_attempts: u32,
    max_reconnects: u32,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("url", &self.url)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Opens the event stream of an execution. `target` is an execution id, the run result's
    /// `stream_url` (a path starting with `/`, appended to the base URL's prefix), or an
    /// absolute URL of the base URL's origin (another origin is refused, so the key never
    /// leaves its host).
    ///
    /// Sends the request and waits for the response head: an HTTP error or a response that is
    /// not `text/event-stream` is reported here.
    pub fn stream(&self, target: &str) -> Result<EventStream> {
        let url = self.base_url().resolve_stream_target(target)?;
        let mut stream = EventStream {
            client: self.clone(),
            url,
            control: Arc::new(Control::default()),
            reader: None,
            parser: SseParser::new(),
            buffer: vec![0; READ_BUFFER].into_boxed_slice(),
            finished: false,
            failure: None,
            reconnect_attempts: 0,
            max_reconnects: self.max_reconnects(),
        };
        stream.connect(None).map_err(|error| self.redact(error))?;
        Ok(stream)
    }
}

impl EventStream {
    /// A handle that cancels this stream from any thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(self.control.clone())
    }

    /// Cancels the stream (see [`CancelHandle::cancel`]).
    pub fn cancel(&self) {
        self.cancel_handle().cancel();
    }

    /// The stream's last event id (empty when the server sent none).
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// Blocks until the next event and returns it; `Ok(None)` after `done` has been returned.
    ///
    /// Errors: [`ErrorKind::Transport`] when the stream ends or drops before `done` (after up
    /// to [`MAX_RECONNECT_ATTEMPTS`] reconnections when the server sent event ids),
    /// [`ErrorKind::Timeout`] after a silence longer than the client timeout,
    /// [`ErrorKind::Protocol`] for an over-long line, [`ErrorKind::Cancelled`] after a cancel:
    /// these end the stream, and every later call returns the same error. The exception is
    /// [`ErrorKind::Protocol`] for one event whose data is not the documented object: that
    /// event is skipped and the next call goes on with the next event.
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        self.next_with(|sse, view| Event::from_view(sse, view))
    }

    /// As [`EventStream::next_event`], but hands `consume` the SSE event and a view of its
    /// fields, both borrowed from the stream's buffer, so a caller that copies the fields
    /// elsewhere (the C API) builds no owned strings first. Returns what `consume` returns.
    pub fn next_with<R>(
        &mut self,
        consume: impl FnOnce(SseEventRef<'_>, EventView<'_>) -> R,
    ) -> Result<Option<R>> {
        if !self.wait_for_event()? {
            return Ok(None);
        }
        let sse = self
            .parser
            .next_event()
            .expect("wait_for_event leaves an event queued");
        let view = EventView::decode(sse.event, sse.data).map_err(|e| self.client.redact(e))?;
        Ok(Some(consume(sse, view)))
    }

    /// Reads until the parser holds an event (`Ok(true)`), or returns `Ok(false)` once `done`
    /// has been handed over. Closes the connection as soon as `done` is queued.
    fn wait_for_event(&mut self) -> Result<bool> {
        loop {
            if self.finished {
                return Ok(false);
            }
            if let Some(failure) = &self.failure {
                return Err(failure.clone());
            }
            if let Some(sse) = self.parser.peek_event() {
                self.reconnect_attempts = 0;
                if sse.event == "done" {
                    // The last event: close now rather than wait for the server to.
                    self.close();
                    self.finished = true;
                }
                return Ok(true);
            }
            if self.control.cancelled.load(Ordering::SeqCst) {
                return Err(self.fail(cancelled()));
            }
            let Some(reader) = self.reader.as_mut() else {
                self.reconnect()?;
                continue;
            };
            match reader.read(&mut self.buffer) {
                Ok(0) => {
                    self.reader = None;
                    if !self.can_resume() {
                        return Err(self.fail(Error::new(
                            ErrorKind::Transport,
                            "the stream ended before its done event",
                        )));
                    }
                }
                Ok(read) => {
                    if let Err(SseError::LineTooLong { limit }) =
                        self.parser.feed(&self.buffer[..read])
                    {
                        return Err(self.fail(Error::new(
                            ErrorKind::Protocol,
                            format!("a line or event of the stream is longer than {limit} bytes"),
                        )));
                    }
                }
                Err(io) => {
                    self.reader = None;
                    if self.control.cancelled.load(Ordering::SeqCst) {
                        return Err(self.fail(cancelled()));
                    }
                    // ureq wraps its own errors (a per-read timeout among them) in io::Error.
                    let (_, error) = classify_transport_error(&ureq::Error::from(io));
                    if error.kind() == ErrorKind::Timeout {
                        return Err(self.fail(Error::new(
                            ErrorKind::Timeout,
                            format!(
                                "the stream was silent for longer than the timeout ({} ms)",
                                self.client.timeout().as_millis()
                            ),
                        )));
                    }
                    if !self.can_resume() {
                        return Err(self.fail(Error::new(
                            ErrorKind::Transport,
                            format!(
                                "the stream's connection was lost before done: {}",
                                error.message()
                            ),
                        )));
                    }
                }
            }
        }
    }

    /// Resuming is safe only when the server numbered its events: without ids a new
    /// connection could repeat events the caller has already seen.
    fn can_resume(&self) -> bool {
        self.parser.has_seen_id() && self.reconnect_attempts < self.max_reconnects
    }

    fn fail(&mut self, error: Error) -> Error {
        let error = self.client.redact(error);
        self.close();
        self.failure = Some(error.clone());
        error
    }

    /// Closes the connection now, without waiting for the server to end it.
    fn close(&mut self) {
        self.reader = None;
        let agent = self
            .control
            .agent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(agent) = agent {
            agent.shutdown();
        }
    }

    /// Waits the reconnection delay, then reopens the stream with `Last-Event-ID`.
    fn reconnect(&mut self) -> Result<()> {
        if !self.can_resume() {
            return Err(self.fail(Error::new(
                ErrorKind::Transport,
                format!(
                    "the stream dropped and {} reconnections did not restore it",
                    self.reconnect_attempts
                ),
            )));
        }
        self.reconnect_attempts += 1;
        let base = self
            .parser
            .retry_ms()
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_RECONNECT_DELAY);
        let delay = base
            .saturating_mul(1 << (self.reconnect_attempts - 1).min(6))
            .clamp(RECONNECT_DELAY_RANGE.0, RECONNECT_DELAY_RANGE.1);
        {
            let guard = self.control.agent.lock().unwrap_or_else(|e| e.into_inner());
            let _unused = self
                .control
                .wake
                .wait_timeout_while(guard, delay, |_| {
                    !self.control.cancelled.load(Ordering::SeqCst)
                })
                .unwrap_or_else(|e| e.into_inner());
        }
        if self.control.cancelled.load(Ordering::SeqCst) {
            return Err(self.fail(cancelled()));
        }
        self.parser.reset_connection();
        let last_id = Some(self.parser.last_event_id().to_string()).filter(|id| !id.is_empty());
        match self.connect(last_id.as_deref()) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == ErrorKind::Transport && error.http_status() == 0 => {
                // Could not reach the server: the next call tries again while attempts last.
                if self.reconnect_attempts >= self.max_reconnects {
                    return Err(self.fail(error));
                }
                Ok(())
            }
            Err(error) => Err(self.fail(error)),
        }
    }

    /// Sends the stream request and checks the response head.
    fn connect(&mut self, last_event_id: Option<&str>) -> Result<()> {
        let agent = self.client.stream_agent();
        *self.control.agent.lock().unwrap_or_else(|e| e.into_inner()) = Some(agent.clone());
        if self.control.cancelled.load(Ordering::SeqCst) {
            return Err(cancelled());
        }
        let timeout = self.client.timeout_option();
        let mut request = agent
            .get(&self.url)
            .header("x-api-key", self.client.inner.api_key.expose())
            .header("accept", "text/event-stream")
            .header("cache-control", "no-cache")
            // Compression would hold events back until a compressor's buffer fills.
            .header("accept-encoding", "identity");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request
            .config()
            .timeout_connect(timeout)
            .timeout_send_request(timeout)
            .timeout_recv_response(timeout)
            .timeout_per_read(timeout)
            .build()
            .call()
            .map_err(|error| {
                if self.control.cancelled.load(Ordering::SeqCst) {
                    cancelled()
                } else {
                    classify_transport_error(&error).1
                }
            })?;
        let status = response.status().as_u16();
        let request_id = request_id_of(response.headers());
        if status == 204 {
            return Err(Error::http(
                ErrorKind::Transport,
                status,
                "the server answered 204: it will send no more events",
                None,
                request_id,
            ));
        }
        if (300..400).contains(&status) {
            return Err(self
                .client
                .redirect_error(status, response.headers(), request_id));
        }
        if !(200..300).contains(&status) {
            let body = response
                .into_body()
                .with_config()
                .limit(MAX_ERROR_BODY)
                .read_to_vec()
                .unwrap_or_default();
            return Err(error_from_answer(&Answer {
                status,
                body,
                request_id,
            }));
        }
        let content_type = header_text(response.headers(), "content-type")
            .unwrap_or("")
            .to_string();
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case("text/event-stream") {
            return Err(Error::http(
                ErrorKind::Protocol,
                status,
                format!(
                    "the stream's response is not text/event-stream (content-type \"{content_type}\")"
                ),
                None,
                request_id,
            ));
        }
        self.reader = Some(response.into_body().into_reader());
        Ok(())
    }
}

impl Iterator for EventStream {
    type Item = Result<Event>;

    /// Yields events until `done` (then `None`); an error ends the iteration after it is
    /// yielded once.
    fn next(&mut self) -> Option<Result<Event>> {
        if self.failure.is_some() {
            return None;
        }
        self.next_event().transpose()
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.close();
    }
}

fn cancelled() -> Error {
    Error::new(ErrorKind::Cancelled, "the stream was cancelled")
}
