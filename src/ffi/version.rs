//! `mindra_version`.

use super::guard;
use std::ffi::c_char;

const VERSION_C: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version ("MAJOR.MINOR.PATCH"), as a static string: never NULL, do not free
/// it. Compare with the header's `MINDRA_VERSION_*` macros to detect a header/library
/// mismatch. Safe from any thread.
#[no_mangle]
pub extern "C" fn mindra_version() -> *const c_char {
    guard(|| VERSION_C.as_ptr().cast(), || VERSION_C.as_ptr().cast())
}
