//! `MindraErrorKind`, `MindraError` and their functions.

use super::{free_c_string, guard, owned_c_string, owned_c_string_opt};
use crate::error::{Error, ErrorKind};
use std::ffi::c_char;

/// What went wrong. The values are fixed and never reused; new kinds are appended.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MindraErrorKind {
    /// Success.
    MINDRA_OK = 0,
    /// A NULL or empty required argument, invalid UTF-8, or an unusable slug or id.
    MINDRA_ERR_INVALID_ARGUMENT = 1,
    /// `metadata_json` is not a JSON object (or not valid UTF-8).
    MINDRA_ERR_INVALID_METADATA = 2,
    /// A missing API key, an unusable base URL, or a refused insecure URL.
    MINDRA_ERR_CONFIG = 3,
    /// A DNS, connect, TLS or I/O failure, or a connection lost.
    MINDRA_ERR_TRANSPORT = 4,
    /// The client timeout passed (for a stream: the longest allowed silence).
    MINDRA_ERR_TIMEOUT = 5,
    /// HTTP 401 or 403.
    MINDRA_ERR_UNAUTHORIZED = 6,
    /// HTTP 404.
    MINDRA_ERR_NOT_FOUND = 7,
    /// HTTP 429 once retries are spent.
    MINDRA_ERR_RATE_LIMITED = 8,
    /// Any other HTTP 4xx.
    MINDRA_ERR_BAD_REQUEST = 9,
    /// HTTP 5xx once retries are spent.
    MINDRA_ERR_SERVER = 10,
    /// The server's answer is not what the API documents (bad JSON, missing field, broken SSE).
    MINDRA_ERR_PROTOCOL = 11,
    /// The operation was cancelled.
    MINDRA_ERR_CANCELLED = 12,
    /// A bug in the library (a caught panic).
    MINDRA_ERR_INTERNAL = 13,
}

impl From<ErrorKind> for MindraErrorKind {
    fn from(kind: ErrorKind) -> Self {
        use MindraErrorKind::*;
        match kind {
            ErrorKind::InvalidArgument => MINDRA_ERR_INVALID_ARGUMENT,
            ErrorKind::InvalidMetadata => MINDRA_ERR_INVALID_METADATA,
            ErrorKind::Config => MINDRA_ERR_CONFIG,
            ErrorKind::Transport => MINDRA_ERR_TRANSPORT,
            ErrorKind::Timeout => MINDRA_ERR_TIMEOUT,
            ErrorKind::Unauthorized => MINDRA_ERR_UNAUTHORIZED,
            ErrorKind::NotFound => MINDRA_ERR_NOT_FOUND,
            ErrorKind::RateLimited => MINDRA_ERR_RATE_LIMITED,
            ErrorKind::BadRequest => MINDRA_ERR_BAD_REQUEST,
            ErrorKind::Server => MINDRA_ERR_SERVER,
            ErrorKind::Protocol => MINDRA_ERR_PROTOCOL,
            ErrorKind::Cancelled => MINDRA_ERR_CANCELLED,
            ErrorKind::Internal => MINDRA_ERR_INTERNAL,
        }
    }
}

/// The details of a failure. Returned owned through a `MindraError **error_out` argument;
/// release it with `mindra_error_free`. Its strings belong to it.
#[repr(C)]
pub struct MindraError {
    /// What went wrong; never `MINDRA_OK`.
    pub kind: MindraErrorKind,
    /// The HTTP status of the server's answer; 0 when no HTTP response was received.
    pub http_status: u16,
    /// Human-readable; never NULL, never contains the API key.
    pub message: *mut c_char,
    /// The API's `code` field (such as `"WORKFLOW_NOT_FOUND"`), or NULL.
    pub code: *mut c_char,
    /// The response's `x-request-id` (or `request-id`) header, or NULL.
    pub request_id: *mut c_char,
}

impl MindraError {
    pub(crate) fn boxed(error: &Error) -> *mut MindraError {
        Box::into_raw(Box::new(MindraError {
            kind: error.kind().into(),
            http_status: error.http_status(),
            message: owned_c_string(error.message()),
            code: owned_c_string_opt(error.code()),
            request_id: owned_c_string_opt(error.request_id()),
        }))
    }
}

/// Reports the outcome through an optional `error_out`: NULL on success, an owned
/// `MindraError` on failure. A NULL `error_out` means the caller does not want details.
///
/// # Safety
/// `error_out` is NULL or points to writable storage for one pointer.
pub(crate) unsafe fn report(error_out: *mut *mut MindraError, error: Option<&Error>) {
    if !error_out.is_null() {
        *error_out = error.map_or(std::ptr::null_mut(), MindraError::boxed);
    }
}

/// Releases an error returned through an `error_out` argument, with its strings. NULL is
/// ignored. Freeing the same error twice is undefined behaviour (libmindra does not detect
/// it).
///
/// # Safety
/// `error` is NULL or an error from libmindra not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mindra_error_free(error: *mut MindraError) {
    guard(
        || (),
        || {
            if error.is_null() {
                return;
            }
            let error = Box::from_raw(error);
            free_c_string(error.message);
            free_c_string(error.code);
            free_c_string(error.request_id);
        },
    )
}

/// The static lowercase name of an error kind: "ok", "invalid_argument", "invalid_metadata",
/// "config", "transport", "timeout", "unauthorized", "not_found", "rate_limited",
/// "bad_request", "server", "protocol", "cancelled", "internal"; "unknown" for any other value.
/// Never NULL; the string is static (do not free it).
///
/// It takes an `int32_t` rather than the enum because an unlisted value in a Rust enum
/// parameter would be undefined behaviour. Safe from any thread.
#[no_mangle]
pub extern "C" fn mindra_error_kind_name(kind: i32) -> *const c_char {
    guard(
        || c"unknown".as_ptr(),
        || {
            if kind == 0 {
                return c"ok".as_ptr();
            }
            let name = ErrorKind::ALL
                .iter()
                .find(|k| k.code() == kind)
                .map_or(c"unknown", |k| k.c_name());
            name.as_ptr()
        },
    )
}
