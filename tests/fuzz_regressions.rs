//! Regression tests for inputs the fuzz targets (fuzz/, `make fuzz`) found to crash, each cut
//! down to a minimal reproducer. They run with the ordinary `cargo test`, so a fixed bug stays
//! fixed without a fuzzing toolchain.

use mindra::retry::parse_retry_after;
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
