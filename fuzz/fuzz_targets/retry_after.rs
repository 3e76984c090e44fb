//! `parse_retry_after` on arbitrary strings: it never panics, delay-seconds always parse to
//! themselves (saturating), and every IMF-fixdate between 1970 and 9999 parses to its distance
//! from `now` (zero when in the past).
//!
//! Input layout: bytes 0-7 a "now" and bytes 8-15 a number (both big-endian u64, reduced to
//! the years 1970-9999), then the header value (invalid UTF-8 replaced by U+FFFD).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mindra::retry::parse_retry_after;
use std::time::{Duration, UNIX_EPOCH};

/// 9999-12-31T23:59:59Z + 1 s: the first instant a 4-digit year cannot spell.
const END_OF_9999: u64 = 253_402_300_800;

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `t` seconds after the epoch as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn imf_fixdate(t: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (t / 86_400) as i64;
    let secs = t % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        day,
        MONTHS[month as usize - 1],
        year,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    let (numbers, text) = data.split_at(16);
    let now_secs = u64::from_be_bytes(numbers[..8].try_into().unwrap()) % END_OF_9999;
    let n = u64::from_be_bytes(numbers[8..].try_into().unwrap());
    let now = UNIX_EPOCH + Duration::from_secs(now_secs);

    // Arbitrary text: no panic; a run of ASCII digits (after trimming) is delay-seconds.
    let value = String::from_utf8_lossy(text);
    let parsed = parse_retry_after(&value, now);
    let trimmed = value.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = trimmed.parse::<u64>().unwrap_or(u64::MAX);
        assert_eq!(parsed, Some(Duration::from_secs(seconds)), "{value:?}");
    }

    // Delay-seconds round-trip, with optional whitespace around.
    for spelled in [n.to_string(), format!(" {n}\t"), format!("{n:05}")] {
        assert_eq!(
            parse_retry_after(&spelled, now),
            Some(Duration::from_secs(n)),
            "{spelled:?}"
        );
    }

    // IMF-fixdate round-trip: the distance from now, or zero for a date in the past.
    let t = n % END_OF_9999;
    let date = imf_fixdate(t);
    assert_eq!(
        parse_retry_after(&date, now),
        Some(Duration::from_secs(t.saturating_sub(now_secs))),
        "{date:?} at now = {now_secs}"
    );
});
