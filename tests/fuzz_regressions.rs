//! Regression tests for inputs the fuzz targets (fuzz/, `make fuzz`) found to crash, each cut
//! down to a minimal reproducer. They run with the ordinary `cargo test`, so a fixed bug stays
//! fixed without a fuzzing toolchain.

use mindra::retry::parse_retry_after;
use mindra::run::validate_metadata;
use mindra::ErrorKind;
use std::time::{Duration, UNIX_EPOCH};

/// Found by fuzz target `retry_after`: a 29-byte value that is not ASCII made
/// `parse_imf_fixdate` (src/retry.rs:86) slice the string off a char boundary
/// (`&value[3..5]`, `&value[25..]`) and panic, where any unparseable value must give `None`. Not
/// reachable from a server today (the client only passes header values that
/// `HeaderValue::to_str` accepted, i.e. visible ASCII), but `parse_retry_after` is public.
#[test]
fn retry_after_non_ascii_29_byte_values_are_none_not_a_panic() {
    let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
    for value in [
        // 'é' covers bytes 2..4: `&value[3..5]` starts inside it.
        "aa\u{e9}xxxxxxxxxxxxxxxxxxxxxxxxx",
        // A date whose last seconds digit is 'é' (bytes 24..26): `&value[25..]` starts inside it.
        "Sun, 06 Nov 1994 08:49:3\u{e9}GMT",
        // 'ö' in the month (bytes 9..11): no slice starts inside it, but it must be None too.
        "Sun, 06 N\u{f6}v 1994 08:49:3 GMT",
    ] {
        assert_eq!(value.len(), 29, "{value:?}");
        assert_eq!(parse_retry_after(value, now), None, "{value:?}");
    }
}

/// Found by fuzz target `metadata`: valid JSON nested deeper than serde_json's recursion limit
/// was accepted (and sent), while run.rs documents that it is refused. `IgnoredAny` skips a
/// value iteratively without counting depth, so the limit never applied; the unit test
/// `deeply_nested_metadata_is_refused_without_overflowing_the_stack` passes only because its
/// innermost `{"a":}` is a syntax error. The limit is serde_json's: `serde_json::Value`
/// parses 127 nested arrays/objects and refuses 128.
#[test]
fn metadata_nested_deeper_than_the_recursion_limit_is_refused() {
    let arrays = |depth: usize| {
        format!(
            "{{\"a\":{}{}}}",
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        )
    };
    let objects = |depth: usize| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    for deep in [arrays(129), arrays(201), objects(129), objects(100_000)] {
        let error = validate_metadata(Some(&deep)).expect_err("deep JSON must be refused");
        assert_eq!(error.kind(), ErrorKind::InvalidMetadata);
    }
    // Within the limit it is metadata like any other.
    for within in [arrays(127), objects(127)] {
        assert_eq!(validate_metadata(Some(&within)).unwrap(), within);
    }
}
