//! `mindra_approve` and `mindra_reject`.

use super::client::{client_or_default, MindraClient};
use super::error::{report, MindraError, MindraErrorKind};
use super::{guard, optional_str, panic_error, required_str};
use crate::approval::Decision;
use crate::error::{Error, ErrorKind};
use std::ffi::c_char;

/// Shared by both exports: argument conversion, the Rust API, and the report.
unsafe fn decide(
    client: *const MindraClient,
    execution_id: *const c_char,
    approval_id: *const c_char,
    reason: *const c_char,
    decision: Decision,
    error_out: *mut *mut MindraError,
) -> MindraErrorKind {
    let outcome = (|| -> Result<(), Error> {
        let execution_id = required_str(execution_id, "execution_id", ErrorKind::InvalidArgument)?;
        let approval_id = required_str(approval_id, "approval_id", ErrorKind::InvalidArgument)?;
        let reason = optional_str(reason, "reason", ErrorKind::InvalidArgument)?;
        client_or_default(client)?.decide(execution_id, approval_id, decision, reason)
    })();
    match outcome {
        Ok(()) => {
            report(error_out, None);
            MindraErrorKind::MINDRA_OK
        }
        Err(error) => {
            report(error_out, Some(&error));
            error.kind().into()
        }
    }
}

fn internal(error_out: *mut *mut MindraError) -> MindraErrorKind {
    // SAFETY: the caller of the export guarantees error_out is NULL or writable.
    unsafe { report(error_out, Some(&panic_error())) };
    MindraErrorKind::MINDRA_ERR_INTERNAL
}

/// Approves the paused tool call `approval_id` of execution `execution_id`; the workflow
/// resumes and runs the tool. `client` NULL means the default client. `reason` may be NULL
/// (no reason is sent); it is sent as a JSON string. The ids follow the slug's rules (one
/// percent-encoded path segment; empty, `.` and `..` are `MINDRA_ERR_INVALID_ARGUMENT`).
///
/// Returns `MINDRA_OK`, or the error kind with an owned `MindraError` in `*error_out` (when
/// not NULL): an unknown approval is `MINDRA_ERR_NOT_FOUND`, an expired or already decided one
/// `MINDRA_ERR_BAD_REQUEST`, each with the API's `code`; these are never retried. Safe to call
/// from another thread while a stream of the same execution is blocked in `mindra_stream_next`.
///
/// # Safety
/// `client` is NULL or a live client; the strings are NULL or NUL-terminated; `error_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mindra_approve(
    client: *const MindraClient,
    execution_id: *const c_char,
    approval_id: *const c_char,
    reason: *const c_char,
    error_out: *mut *mut MindraError,
) -> MindraErrorKind {
    guard(
        || internal(error_out),
        || {
            decide(
                client,
                execution_id,
                approval_id,
                reason,
                Decision::Approve,
                error_out,
            )
        },
    )
}

/// Rejects the paused tool call `approval_id` of execution `execution_id`; the workflow
/// resumes without running the tool. Arguments, errors and threading as `mindra_approve`.
///
/// # Safety
/// As `mindra_approve`.
#[no_mangle]
pub unsafe extern "C" fn mindra_reject(
    client: *const MindraClient,
    execution_id: *const c_char,
    approval_id: *const c_char,
    reason: *const c_char,
    error_out: *mut *mut MindraError,
) -> MindraErrorKind {
    guard(
        || internal(error_out),
        || {
            decide(
                client,
                execution_id,
                approval_id,
                reason,
                Decision::Reject,
                error_out,
            )
        },
    )
}
