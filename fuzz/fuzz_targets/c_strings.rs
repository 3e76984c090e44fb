//! The C-string helpers of the FFI layer over arbitrary bytes.
//!
//! - `required_str` / `optional_str` on a NUL-terminated copy of the input (up to its first
//!   NUL): `Ok` exactly when the bytes are valid UTF-8 (and, for `required_str`, not empty),
//!   borrowing exactly those bytes; NULL is `Ok(None)` / an error.
//! - `owned_c_string` then `free_c_string`: the C string reads back as the text with every NUL
//!   replaced by U+FFFD. Built with AddressSanitizer (cargo-fuzz's default), a wrong length, a
//!   read past the terminator or a double free is reported as a crash.
//!
//! Input: arbitrary bytes. Byte 0 bit 0 chooses the error kind passed in (the helpers must
//! report the kind they are given); the rest is the string.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mindra::ffi::{free_c_string, optional_str, owned_c_string, required_str};
use mindra::ErrorKind;
use std::ffi::{c_char, CStr};

fuzz_target!(|data: &[u8]| {
    let [flags, bytes @ ..] = data else {
        return;
    };
    let kind = if flags & 1 == 0 {
        ErrorKind::InvalidArgument
    } else {
        ErrorKind::InvalidMetadata
    };

    // C side: the bytes up to the first NUL, in a heap buffer of exactly that size + 1.
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let mut c_buffer = bytes[..end].to_vec();
    c_buffer.push(0);
    let ptr = c_buffer.as_ptr().cast::<c_char>();
    let utf8 = std::str::from_utf8(&bytes[..end]).ok();

    // SAFETY: ptr is a NUL-terminated buffer that outlives the borrows below.
    let optional = unsafe { optional_str(ptr, "arg", kind) };
    match (&optional, utf8) {
        (Ok(Some(text)), Some(expected)) => {
            assert_eq!(*text, expected);
            assert_eq!(text.as_ptr(), c_buffer.as_ptr(), "a borrow, not a copy");
        }
        (Err(error), None) => {
            assert_eq!(error.kind(), kind);
            assert!(error.message().contains("arg"));
        }
        other => panic!("optional_str: {other:?} for {:?}", &bytes[..end]),
    }
    // SAFETY: as above.
    let required = unsafe { required_str(ptr, "arg", kind) };
    match (&required, utf8) {
        (Ok(text), Some(expected)) if !expected.is_empty() => assert_eq!(*text, expected),
        (Err(error), _) if utf8.is_none_or(str::is_empty) => {
            assert_eq!(error.kind(), kind);
            assert!(error.message().contains("arg"));
        }
        other => panic!("required_str: {other:?} for {:?}", &bytes[..end]),
    }
    // NULL: optional is None, required is an error of the given kind.
    // SAFETY: NULL is allowed.
    unsafe {
        assert!(matches!(
            optional_str(std::ptr::null(), "arg", kind),
            Ok(None)
        ));
        assert_eq!(
            required_str(std::ptr::null(), "arg", kind).map_err(|e| e.kind()),
            Err(kind)
        );
    }

    // Rust to C: the whole input as text, NULs included, round-trips with NUL -> U+FFFD.
    let text = String::from_utf8_lossy(bytes);
    let owned = owned_c_string(&text);
    assert!(!owned.is_null());
    // SAFETY: owned came from owned_c_string and is freed exactly once, after this read.
    unsafe {
        let back = CStr::from_ptr(owned).to_str().expect("UTF-8");
        assert_eq!(back, text.replace('\0', "\u{FFFD}"));
        free_c_string(owned);
        free_c_string(std::ptr::null_mut());
    }
});
