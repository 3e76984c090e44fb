//! The C ABI of `include/mindra.h`: `extern "C"` functions that check their arguments,
//! convert them, call the safe Rust API, and convert the answer back. No product logic lives
//! here; one module per C type.
//!
//! Every exported function runs its body inside [`guard`], so a panic becomes
//! `MINDRA_ERR_INTERNAL` instead of unwinding into C; a test reads these sources and fails
//! if an export lacks the guard.

pub mod approval;
pub mod client;
pub mod error;
pub mod event;
pub mod run;
pub mod stream;
pub mod version;

use crate::error::{Error, ErrorKind};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `body`, turning a panic into `on_panic()`'s value. Every exported function's body
/// sits inside this call.
pub(crate) fn guard<T>(on_panic: impl FnOnce() -> T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| on_panic())
}

/// The error a caught panic is reported as.
pub(crate) fn panic_error() -> Error {
    Error::new(
        ErrorKind::Internal,
        "internal error: libmindra panicked (this is a bug; please report it)",
    )
}

/// Borrows a required C string argument as UTF-8.
///
/// Errors with `kind` when it is NULL, empty or not valid UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the returned borrow.
pub unsafe fn required_str<'a>(
    ptr: *const c_char,
    name: &str,
    kind: ErrorKind,
) -> Result<&'a str, Error> {
    match optional_str(ptr, name, kind)? {
        None => Err(Error::new(kind, format!("{name} is NULL"))),
        Some("") => Err(Error::new(kind, format!("{name} is empty"))),
        Some(text) => Ok(text),
    }
}

/// Borrows an optional C string argument as UTF-8; NULL is `None`.
///
/// # Safety
/// As [`required_str`].
pub unsafe fn optional_str<'a>(
    ptr: *const c_char,
    name: &str,
    kind: ErrorKind,
) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map(Some)
        .map_err(|_| Error::new(kind, format!("{name} is not valid UTF-8")))
}

/// Hands a Rust string to C as an owned NUL-terminated copy. C strings cannot carry NUL, so
/// an embedded NUL (which JSON can encode as `\u0000`) becomes U+FFFD rather than silently
/// cutting the text short.
pub fn owned_c_string(text: &str) -> *mut c_char {
    match CString::new(text) {
        Ok(c) => c.into_raw(),
        Err(_) => CString::new(text.replace('\0', "\u{FFFD}"))
            .expect("NULs were replaced")
            .into_raw(),
    }
}

/// As [`owned_c_string`] for an optional value; `None` is NULL.
pub(crate) fn owned_c_string_opt(text: Option<&str>) -> *mut c_char {
    text.map_or(std::ptr::null_mut(), owned_c_string)
}

/// Frees a string made by [`owned_c_string`]; NULL is ignored.
///
/// # Safety
/// `ptr` is NULL or came from [`owned_c_string`] and is freed once.
pub unsafe fn free_c_string(ptr: *mut c_char) {
    if !ptr.is_null() {
        drop(CString::from_raw(ptr));
    }
}
