//! `MindraClient` and its functions.

use super::error::{report, MindraError, MindraErrorKind};
use super::{guard, optional_str, panic_error};
use crate::client::Client;
use crate::error::{ErrorKind, Result};
use std::ffi::c_char;
use std::time::Duration;

/// A Mindra API client: API key, base URL, timeout, retries and a pool of kept-alive
/// connections. Opaque.
///
/// Methods: `mindra_client_new`, `mindra_client_set_timeout_ms`,
/// `mindra_client_set_max_retries`, `mindra_client_set_max_reconnects`,
/// `mindra_client_run_workflow`, `mindra_stream_open`,
/// `mindra_approve`, `mindra_reject`, `mindra_client_free`.
///
/// A `const MindraClient *` is safe to use from many threads at once. Wherever a function takes
/// a client, NULL means the default client: built once, on first use, from `MINDRA_API_KEY`
/// and `MINDRA_BASE_URL`, then reused with its connection pool.
pub struct MindraClient {
    pub(crate) client: Client,
}

/// The client a call uses: the given one, or the default client for NULL.
///
/// # Safety
/// `client` is NULL or a live client from `mindra_client_new`.
pub(crate) unsafe fn client_or_default(client: *const MindraClient) -> Result<Client> {
    match client.as_ref() {
        Some(client) => Ok(client.client.clone()),
        None => Client::shared_default(),
    }
}

/// Creates a client. Returns an owned client; release it with `mindra_client_free`.
///
/// `api_key`: NULL reads `MINDRA_API_KEY`. `base_url`: NULL reads `MINDRA_BASE_URL`, else
/// uses `https://api.mindra.co`; it may carry a path prefix (`https://gw.example.com/mindra`),
/// and a trailing `/` is ignored. Both strings are copied; the caller may free them at once.
///
/// Returns NULL on error and, when `error_out` is not NULL, stores an owned `MindraError` in
/// `*error_out` (NULL on success): `MINDRA_ERR_CONFIG` for a missing or empty key, a key or URL
/// with control characters or invalid UTF-8, a key longer than 4096 bytes, a base URL longer
/// than 2048 bytes, an unusable or empty base URL, or plain `http://` to a non-loopback host
/// without `MINDRA_ALLOW_INSECURE_HTTP=1`.
///
/// TLS trusts Mozilla's root store, built in; `MINDRA_CA_FILE` names a PEM file whose
/// certificates are trusted instead (a private deployment's CA); an unreadable file or one
/// without certificates is `MINDRA_ERR_CONFIG`.
///
/// Defaults: timeout 30000 ms, 2 retries. Proxies come from `HTTPS_PROXY` / `HTTP_PROXY` /
/// `ALL_PROXY` and `NO_PROXY`, as with curl; loopback hosts are never proxied.
///
/// # Safety
/// `api_key` and `base_url` are NULL or NUL-terminated strings; `error_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mindra_client_new(
    api_key: *const c_char,
    base_url: *const c_char,
    error_out: *mut *mut MindraError,
) -> *mut MindraClient {
    guard(
        || {
            report(error_out, Some(&panic_error()));
            std::ptr::null_mut()
        },
        || {
            let built = (|| {
                let mut builder = Client::builder();
                if let Some(key) = optional_str(api_key, "api_key", ErrorKind::Config)? {
                    builder = builder.api_key(key);
                }
                if let Some(url) = optional_str(base_url, "base_url", ErrorKind::Config)? {
                    builder = builder.base_url(url);
                }
                builder.build()
            })();
            match built {
                Ok(client) => {
                    report(error_out, None);
                    Box::into_raw(Box::new(MindraClient { client }))
                }
                Err(error) => {
                    report(error_out, Some(&error));
                    std::ptr::null_mut()
                }
            }
        },
    )
}

/// Applies a setting to a caller's client; the default client (NULL) is configured only
/// through the environment.
unsafe fn configure(client: *mut MindraClient, apply: impl FnOnce(&Client)) -> MindraErrorKind {
    match client.cast_const().as_ref() {
        Some(client) => {
            apply(&client.client);
            MindraErrorKind::MINDRA_OK
        }
        None => MindraErrorKind::MINDRA_ERR_INVALID_ARGUMENT,
    }
}

/// Sets the client's timeout in milliseconds (0 = none; default 30000): per request (each
/// attempt) for runs, approvals and rejections; for a stream, the longest silence between
/// bytes (keep-alive comments count as bytes).
///
/// Returns `MINDRA_OK`, or `MINDRA_ERR_INVALID_ARGUMENT` for a NULL client (the default
/// client is configured only through the environment). Applies to requests started
/// afterwards; safe to call while other threads use the client.
///
/// # Safety
/// `client` is NULL or a live client.
#[no_mangle]
pub unsafe extern "C" fn mindra_client_set_timeout_ms(
    client: *mut MindraClient,
    timeout_ms: u64,
) -> MindraErrorKind {
    guard(
        || MindraErrorKind::MINDRA_ERR_INTERNAL,
        || configure(client, |c| c.set_timeout(Duration::from_millis(timeout_ms))),
    )
}

/// Sets how many times a request is retried (default 2) after HTTP 429 or 503 (honouring
/// `Retry-After`, capped at 60 s) or a failure to connect, with exponential backoff and
/// jitter. A run is never retried once the server may have started it (500, 502, 504, a
/// connection lost after sending).
///
/// Returns `MINDRA_OK`, or `MINDRA_ERR_INVALID_ARGUMENT` for a NULL client.
///
/// # Safety
/// `client` is NULL or a live client.
#[no_mangle]
pub unsafe extern "C" fn mindra_client_set_max_retries(
    client: *mut MindraClient,
    max_retries: u32,
) -> MindraErrorKind {
    guard(
        || MindraErrorKind::MINDRA_ERR_INTERNAL,
        || configure(client, |c| c.set_max_retries(max_retries)),
    )
}

/// Sets how many times a stream that drops before `done` is reopened with `Last-Event-ID`,
/// when the server has sent event ids (default 5, the most allowed; larger values are
/// capped at 5). 0 turns reconnection off: a drop is then reported at once as
/// `MINDRA_ERR_TRANSPORT`. Applies to streams opened afterwards. (Extension to the contract.)
///
/// Returns `MINDRA_OK`, or `MINDRA_ERR_INVALID_ARGUMENT` for a NULL client.
///
/// # Safety
/// `client` is NULL or a live client.
#[no_mangle]
pub unsafe extern "C" fn mindra_client_set_max_reconnects(
    client: *mut MindraClient,
    max_reconnects: u32,
) -> MindraErrorKind {
    guard(
        || MindraErrorKind::MINDRA_ERR_INTERNAL,
        || configure(client, |c| c.set_max_reconnects(max_reconnects)),
    )
}

/// Releases a client and closes its idle connections. NULL is ignored. Streams opened from
/// it stay usable until they are freed. No other thread may be using the client; freeing it
/// twice is undefined behaviour (not detected).
///
/// # Safety
/// `client` is NULL or a live client not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn mindra_client_free(client: *mut MindraClient) {
    guard(
        || (),
        || {
            if !client.is_null() {
                drop(Box::from_raw(client));
            }
        },
    )
}
