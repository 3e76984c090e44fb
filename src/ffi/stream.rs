//! `MindraStream` and its functions.

use super::client::{client_or_default, MindraClient};
use super::error::{report, MindraError};
use super::event::MindraEvent;
use super::{guard, panic_error, required_str};
use crate::error::{Error, ErrorKind};
use crate::stream::{CancelHandle, EventStream};
use std::ffi::c_char;
use std::ptr::null_mut;
use std::sync::Mutex;

/// A workflow's live event stream. Opaque.
///
/// Methods: `mindra_stream_open`, `mindra_stream_next`, `mindra_stream_cancel`,
/// `mindra_stream_free`.
///
/// One thread consumes a stream at a time; `mindra_stream_cancel` may be called from any
/// thread.
pub struct MindraStream {
    /// Reachable without the consumer's lock, so a cancel never waits for a blocked read.
    cancel: CancelHandle,
    stream: Mutex<EventStream>,
}

/// Opens the event stream of an execution. `client` NULL means the default client.
///
/// `execution_or_stream_url` is an execution id, the run result's `stream_url` (a path
/// starting with "/", appended to the base URL's prefix), or an absolute URL of the same
/// origin as the base URL; another origin is `MINDRA_ERR_INVALID_ARGUMENT`, so the API key
/// never leaves its host. The string is copied.
///
/// Sends the request (`Accept: text/event-stream`, `Cache-Control: no-cache`,
/// `Accept-Encoding: identity`) and waits for the response head: an HTTP error (401, 404, ...)
/// or a response that is not `text/event-stream` (`MINDRA_ERR_PROTOCOL`) is reported here.
///
/// Returns an owned stream; release it with `mindra_stream_free`. Returns NULL on error, with
/// an owned `MindraError` in `*error_out` when `error_out` is not NULL (NULL on success).
///
/// # Safety
/// `client` is NULL or a live client; the string is NULL or NUL-terminated; `error_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mindra_stream_open(
    client: *const MindraClient,
    execution_or_stream_url: *const c_char,
    error_out: *mut *mut MindraError,
) -> *mut MindraStream {
    guard(
        || {
            report(error_out, Some(&panic_error()));
            null_mut()
        },
        || {
            let opened = (|| {
                let target = required_str(
                    execution_or_stream_url,
                    "execution_or_stream_url",
                    ErrorKind::InvalidArgument,
                )?;
                client_or_default(client)?.stream(target)
            })();
            match opened {
                Ok(stream) => {
                    report(error_out, None);
                    Box::into_raw(Box::new(MindraStream {
                        cancel: stream.cancel_handle(),
                        stream: Mutex::new(stream),
                    }))
                }
                Err(error) => {
                    report(error_out, Some(&error));
                    null_mut()
                }
            }
        },
    )
}

/// Blocks until the next event and returns it as an owned event; release it with
/// `mindra_event_free`.
///
/// Events are handed over the moment their blank line arrives. Keep-alive comments are not
/// events but reset the idle timeout (the client timeout). After `done` has been returned,
/// returns NULL with no error (`*error_out` set to NULL); the connection is closed as soon as
/// `done` arrives.
///
/// On failure returns NULL with an owned `MindraError` in `*error_out` (when not NULL):
/// `MINDRA_ERR_TRANSPORT` when the stream ends or drops before `done` (it first reconnects with
/// `Last-Event-ID`, up to 5 times, when the server sent event ids), `MINDRA_ERR_TIMEOUT` after a
/// silence longer than the client timeout, `MINDRA_ERR_PROTOCOL` for a line longer than
/// 16 MiB, `MINDRA_ERR_CANCELLED` after `mindra_stream_cancel`, `MINDRA_ERR_INVALID_ARGUMENT`
/// for a NULL stream. These end the stream: every later call reports the same error again.
/// One error does not end it: `MINDRA_ERR_PROTOCOL` for a single event whose data is not the
/// documented JSON object; that event is skipped and the next call goes on with the next one.
///
/// # Safety
/// `stream` is NULL or a live stream used by no other thread (except for
/// `mindra_stream_cancel`); `error_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mindra_stream_next(
    stream: *mut MindraStream,
    error_out: *mut *mut MindraError,
) -> *mut MindraEvent {
    guard(
        || {
            report(error_out, Some(&panic_error()));
            null_mut()
        },
        || {
            let Some(stream) = stream.cast_const().as_ref() else {
                report(
                    error_out,
                    Some(&Error::new(ErrorKind::InvalidArgument, "stream is NULL")),
                );
                return null_mut();
            };
            let mut consumer = stream.stream.lock().unwrap_or_else(|e| e.into_inner());
            let next = consumer
                .next_with(|sse, view| MindraEvent::from_view(sse.event, sse.data, sse.id, view));
            match next {
                Ok(Some(event)) => {
                    report(error_out, None);
                    event
                }
                Ok(None) => {
                    report(error_out, None);
                    null_mut()
                }
                Err(error) => {
                    report(error_out, Some(&error));
                    null_mut()
                }
            }
        },
    )
}

/// Cancels a stream from any thread: a blocked `mindra_stream_next` returns promptly (well
/// under a second) with `MINDRA_ERR_CANCELLED`, as does every later call. A stream that has
/// already ended (its `done` returned, or an error reported) keeps reporting that end. NULL is
/// a no-op; cancelling twice is harmless. The stream must still be released with `mindra_stream_free`.
///
/// # Safety
/// `stream` is NULL or a live stream (not yet freed).
#[no_mangle]
pub unsafe extern "C" fn mindra_stream_cancel(stream: *const MindraStream) {
    guard(
        || (),
        || {
            if let Some(stream) = stream.as_ref() {
                stream.cancel.cancel();
            }
        },
    )
}

/// Closes the stream's connection and releases it. NULL is ignored. No other thread may be
/// using the stream (cancel it and let `mindra_stream_next` return first); freeing twice is
/// undefined behaviour (not detected).
///
/// # Safety
/// `stream` is NULL or a live stream no other thread uses.
#[no_mangle]
pub unsafe extern "C" fn mindra_stream_free(stream: *mut MindraStream) {
    guard(
        || (),
        || {
            if !stream.is_null() {
                drop(Box::from_raw(stream));
            }
        },
    )
}
