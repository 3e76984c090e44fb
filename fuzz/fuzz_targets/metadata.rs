//! `validate_metadata` on arbitrary text: `Ok` exactly when the text parses as one JSON object
//! (or is empty, meaning "no metadata"), with the text handed back untouched; never a stack
//! overflow, however deep the nesting (libFuzzer reports a stack overflow as a crash).
//!
//! "Parses" is serde_json's: RFC 8259 syntax (numbers of any magnitude are syntax, so `1e400`
//! is fine) within serde_json's recursion limit of 128 — what `serde_json::Value` accepts is
//! at most 127 nested arrays/objects, and run.rs documents that deeper JSON is refused. The
//! oracle is an independent, non-recursive syntax checker below that also measures the
//! nesting; a depth of exactly 128 may go either way (an off-by-one in where a fix puts the
//! limit is not worth a failure). Input: the text (invalid UTF-8 becomes U+FFFD; the C API
//! refuses invalid UTF-8 before this check).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mindra::run::validate_metadata;
use mindra::ErrorKind;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Deepest nesting `serde_json::Value` parses (its recursion limit is 128).
const MAX_DEPTH: usize = 127;

/// RFC 8259 syntax of one value, with an explicit stack: when the text is one JSON object,
/// its deepest nesting of arrays and objects (1 for `{}`), else `None`.
fn json_object_depth(text: &[u8]) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Frame {
        Object,
        Array,
    }
    let check = |ok: bool| if ok { Some(()) } else { None };
    let skip_ws = |i: &mut usize| {
        while *i < text.len() && is_ws(text[*i]) {
            *i += 1;
        }
    };
    let mut i = 0;
    skip_ws(&mut i);
    check(text.get(i) == Some(&b'{'))?;
    let mut stack: Vec<Frame> = Vec::new();
    let mut max_depth = 0;
    // Either a value is expected, or what may follow a value (a separator, a closing
    // bracket, or the end).
    let mut expect_value = true;
    loop {
        skip_ws(&mut i);
        if expect_value {
            let &b = text.get(i)?;
            match b {
                b'{' | b'[' => {
                    max_depth = max_depth.max(stack.len() + 1);
                    i += 1;
                    skip_ws(&mut i);
                    let close = if b == b'{' { b'}' } else { b']' };
                    if text.get(i) == Some(&close) {
                        i += 1;
                        expect_value = false;
                    } else if b == b'{' {
                        stack.push(Frame::Object);
                        check(string(text, &mut i))?;
                        skip_ws(&mut i);
                        check(text.get(i) == Some(&b':'))?;
                        i += 1;
                    } else {
                        stack.push(Frame::Array);
                    }
                }
                b'"' => {
                    check(string(text, &mut i))?;
                    expect_value = false;
                }
                b't' | b'f' | b'n' => {
                    let word: &[u8] = match b {
                        b't' => b"true",
                        b'f' => b"false",
                        _ => b"null",
                    };
                    check(text[i..].starts_with(word))?;
                    i += word.len();
                    expect_value = false;
                }
                b'-' | b'0'..=b'9' => {
                    check(number(text, &mut i))?;
                    expect_value = false;
                }
                _ => return None,
            }
        } else {
            let Some(&frame) = stack.last() else {
                return (i == text.len()).then_some(max_depth);
            };
            let &b = text.get(i)?;
            i += 1;
            match (frame, b) {
                (Frame::Object, b'}') | (Frame::Array, b']') => {
                    stack.pop();
                }
                (Frame::Array, b',') => expect_value = true,
                (Frame::Object, b',') => {
                    skip_ws(&mut i);
                    check(string(text, &mut i))?;
                    skip_ws(&mut i);
                    check(text.get(i) == Some(&b':'))?;
                    i += 1;
                    expect_value = true;
                }
                _ => return None,
            }
        }
    }
}

/// A string at `text[*i]` (which must be `"`): no raw control characters, valid escapes.
fn string(text: &[u8], i: &mut usize) -> bool {
    if text.get(*i) != Some(&b'"') {
        return false;
    }
    *i += 1;
    loop {
        let Some(&b) = text.get(*i) else { return false };
        *i += 1;
        match b {
            b'"' => return true,
            b'\\' => {
                let Some(&e) = text.get(*i) else { return false };
                *i += 1;
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let hex = text.get(*i..*i + 4);
                        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                            return false;
                        }
                        *i += 4;
                    }
                    _ => return false,
                }
            }
            0x00..=0x1f => return false,
            _ => {}
        }
    }
}

/// A number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, any magnitude.
fn number(text: &[u8], i: &mut usize) -> bool {
    let digits = |i: &mut usize| {
        let start = *i;
        while text.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if text.get(*i) == Some(&b'-') {
        *i += 1;
    }
    match text.get(*i) {
        Some(b'0') => *i += 1,
        Some(b'1'..=b'9') => {
            digits(i);
        }
        _ => return false,
    }
    if text.get(*i) == Some(&b'.') {
        *i += 1;
        if !digits(i) {
            return false;
        }
    }
    if matches!(text.get(*i), Some(b'e' | b'E')) {
        *i += 1;
        if matches!(text.get(*i), Some(b'+' | b'-')) {
            *i += 1;
        }
        if !digits(i) {
            return false;
        }
    }
    true
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let result = validate_metadata(Some(&text));
    if text.is_empty() {
        assert_eq!(result.map_err(|e| e.kind()), Ok("{}"));
        return;
    }
    let depth = json_object_depth(text.as_bytes());
    match result {
        Ok(returned) => {
            assert!(
                depth.is_some_and(|d| d <= MAX_DEPTH + 1),
                "accepted {text:?} (depth {depth:?})"
            );
            assert_eq!(returned, &*text, "not handed back untouched");
        }
        Err(error) => {
            assert!(
                depth.is_none_or(|d| d >= MAX_DEPTH + 1),
                "refused {text:?}: {}",
                error.message()
            );
            assert_eq!(error.kind(), ErrorKind::InvalidMetadata);
            assert!(!error.message().is_empty());
        }
    }
});
