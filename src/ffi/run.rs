//! `MindraRunResult` and the run functions.

use super::client::{client_or_default, MindraClient};
use super::error::MindraErrorKind;
use super::{
    free_c_string, guard, optional_str, owned_c_string, owned_c_string_opt, panic_error,
    required_str,
};
use crate::error::{Error, ErrorKind};
use crate::run::Execution;
use std::ffi::c_char;
use std::ptr::null_mut;

/// The outcome of starting a workflow. Always allocated by the library (fields may be
/// appended in later versions, so never allocate or copy it yourself); release it with
/// `mindra_run_result_free`. Its strings belong to it.
#[repr(C)]
pub struct MindraRunResult {
    /// `MINDRA_OK` when the workflow was started.
    pub error: MindraErrorKind,
    /// The HTTP status of the answer; 0 when no HTTP response was received.
    pub http_status: u16,
    /// NULL on success; never NULL when `error` is not `MINDRA_OK`. Never contains the key.
    pub error_message: *mut c_char,
    /// The API's `code` field (such as `"RATE_LIMITED"`), or NULL.
    pub error_code: *mut c_char,
    /// The execution's id; NULL on error.
    pub execution_id: *mut c_char,
    /// The execution's status (such as `"running"`); NULL on error.
    pub status: *mut c_char,
    /// The workflow's slug as the server reports it; NULL on error.
    pub workflow_slug: *mut c_char,
    /// The workflow's name; NULL on error.
    pub workflow_name: *mut c_char,
    /// The stream URL as the server sent it (a relative path); pass it to
    /// `mindra_stream_open`. NULL on error.
    pub stream_url: *mut c_char,
    /// The creation time as the server sent it (RFC 3339); NULL on error.
    pub created_at: *mut c_char,
    /// The conversation id; NULL when the server sent null, and on error.
    pub conversation_id: *mut c_char,
    /// The whole response body, for fields added to the API later; may be NULL (always NULL
    /// on error).
    pub raw_json: *mut c_char,
    /// The response's `x-request-id` (or `request-id`) header, or NULL.
    pub request_id: *mut c_char,
}

impl MindraRunResult {
    fn boxed(outcome: Result<Execution, Error>) -> *mut MindraRunResult {
        let result = match outcome {
            Ok(execution) => MindraRunResult {
                error: MindraErrorKind::MINDRA_OK,
                http_status: execution.http_status,
                error_message: null_mut(),
                error_code: null_mut(),
                execution_id: owned_c_string(&execution.execution_id),
                status: owned_c_string(&execution.status),
                workflow_slug: owned_c_string(&execution.workflow_slug),
                workflow_name: owned_c_string(&execution.workflow_name),
                stream_url: owned_c_string(&execution.stream_url),
                created_at: owned_c_string(&execution.created_at),
                conversation_id: owned_c_string_opt(execution.conversation_id.as_deref()),
                raw_json: owned_c_string(&execution.raw_json),
                request_id: owned_c_string_opt(execution.request_id.as_deref()),
            },
            Err(error) => MindraRunResult {
                error: error.kind().into(),
                http_status: error.http_status(),
                error_message: owned_c_string(error.message()),
                error_code: owned_c_string_opt(error.code()),
                execution_id: null_mut(),
                status: null_mut(),
                workflow_slug: null_mut(),
                workflow_name: null_mut(),
                stream_url: null_mut(),
                created_at: null_mut(),
                conversation_id: null_mut(),
                raw_json: null_mut(),
                request_id: owned_c_string_opt(error.request_id()),
            },
        };
        Box::into_raw(Box::new(result))
    }
}

/// Shared by both run functions: argument conversion, then the Rust API.
unsafe fn run(
    client: *const MindraClient,
    slug: *const c_char,
    task: *const c_char,
    metadata_json: *const c_char,
) -> Result<Execution, Error> {
    let slug = required_str(slug, "slug", ErrorKind::InvalidArgument)?;
    let task = required_str(task, "task", ErrorKind::InvalidArgument)?;
    let metadata = optional_str(metadata_json, "metadata_json", ErrorKind::InvalidMetadata)?;
    client_or_default(client)?.run_workflow(slug, task, metadata)
}

/// Starts the workflow `slug` with `task` using the default client (built once from
/// `MINDRA_API_KEY` / `MINDRA_BASE_URL` and reused, so consecutive calls share a kept-alive
/// connection). Equivalent to `mindra_client_run_workflow(NULL, slug, task, metadata_json)`.
///
/// Returns an owned result, never NULL; release it with `mindra_run_result_free`.
///
/// # Safety
/// As `mindra_client_run_workflow`.
#[no_mangle]
pub unsafe extern "C" fn mindra_run_workflow(
    slug: *const c_char,
    task: *const c_char,
    metadata_json: *const c_char,
) -> *mut MindraRunResult {
    guard(
        || MindraRunResult::boxed(Err(panic_error())),
        || MindraRunResult::boxed(run(std::ptr::null(), slug, task, metadata_json)),
    )
}

/// Starts the workflow `slug` with `task` and returns at once with the execution's id and
/// stream URL. `client` NULL means the default client.
///
/// - `slug`: required; sent as one path segment (every byte outside `A-Z a-z 0-9 - . _ ~` is
///   percent-encoded); empty, `.` and `..` are `MINDRA_ERR_INVALID_ARGUMENT`.
/// - `task`: required, non-empty; sent as a JSON string (newlines are fine).
/// - `metadata_json`: NULL or "" sends `{}`; otherwise it must be one JSON object nested at
///   most 128 levels deep (`MINDRA_ERR_INVALID_METADATA` if not, and nothing is sent), and it
///   reaches the server exactly as written: key order, whitespace, unicode and number spelling.
///
/// An answer whose head exceeds 32 KiB or whose body exceeds 10 MiB is `MINDRA_ERR_PROTOCOL`
/// (the same bounds apply to approvals). A redirect is never followed: `MINDRA_ERR_PROTOCOL`.
///
/// Returns an owned result, never NULL: every failure is described inside it (`error`,
/// `http_status`, `error_message`, `error_code`, `request_id`). Release it with
/// `mindra_run_result_free`. Retries 429/503 (honouring `Retry-After`) and failures to connect;
/// never re-sends a run the server may have started. Safe from many threads on one client.
///
/// # Safety
/// `client` is NULL or a live client; the strings are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn mindra_client_run_workflow(
    client: *const MindraClient,
    slug: *const c_char,
    task: *const c_char,
    metadata_json: *const c_char,
) -> *mut MindraRunResult {
    guard(
        || MindraRunResult::boxed(Err(panic_error())),
        || MindraRunResult::boxed(run(client, slug, task, metadata_json)),
    )
}

/// Releases a run result and its strings. NULL is ignored; freeing twice is undefined
/// behaviour (not detected).
///
/// # Safety
/// `result` is NULL or a result from libmindra not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mindra_run_result_free(result: *mut MindraRunResult) {
    guard(
        || (),
        || {
            if result.is_null() {
                return;
            }
            let result = Box::from_raw(result);
            for text in [
                result.error_message,
                result.error_code,
                result.execution_id,
                result.status,
                result.workflow_slug,
                result.workflow_name,
                result.stream_url,
                result.created_at,
                result.conversation_id,
                result.raw_json,
                result.request_id,
            ] {
                free_c_string(text);
            }
        },
    )
}
