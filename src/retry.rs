//! When a failed request is sent again, and how long to wait first.
//!
//! The rule that matters most: a run is never sent twice once the server may have started
//! it. Only answers that say "nothing happened, try later" (429, 503) and failures to connect
//! are retried.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest wait a `Retry-After` header can impose; longer values are capped.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The first backoff step when the server gave no `Retry-After`; doubled on each attempt.
pub const BASE_BACKOFF: Duration = Duration::from_millis(250);

/// How one attempt ended, as far as the retry decision needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The connection could not be made (DNS, refused, connect timeout): nothing was sent.
    ConnectFailed,
    /// The request may have reached the server, but no answer came back.
    LostAfterSending,
    /// The server answered with this status; `retry_after` is its parsed header, if any.
    Status {
        /// The HTTP status.
        status: u16,
        /// The parsed `Retry-After` header.
        retry_after: Option<Duration>,
    },
}

/// What to do after an attempt that did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send the request again.
    RetryAfter(Duration),
    /// Report the failure.
    GiveUp,
}

/// Decides whether attempt number `attempt` (0 for the first) is followed by another.
///
/// `jitter` is a value in `[0, 1)` that spreads clients out so they do not retry in step.
pub fn decide(outcome: Outcome, attempt: u32, max_retries: u32, jitter: f64) -> Decision {
    if attempt >= max_retries {
        return Decision::GiveUp;
    }
    match outcome {
        Outcome::ConnectFailed => Decision::RetryAfter(backoff(attempt, jitter)),
        Outcome::Status {
            status: 429 | 503,
            retry_after,
        } => Decision::RetryAfter(match retry_after {
            Some(wait) => wait.min(MAX_RETRY_AFTER),
            None => backoff(attempt, jitter),
        }),
        // 500, 502, 504 or a lost connection: the server may have started the workflow.
        Outcome::LostAfterSending | Outcome::Status { .. } => Decision::GiveUp,
    }
}

/// Exponential backoff with "equal jitter": half the step is fixed, half is random, so a
/// retry never comes sooner than half the step.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let step = BASE_BACKOFF.saturating_mul(1u32 << attempt.min(8));
    let step = step.min(MAX_RETRY_AFTER);
    step / 2 + step.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
}

/// Parses a `Retry-After` value: delay-seconds, or an HTTP-date (IMF-fixdate, as RFC 9110
/// requires senders to use) measured from `now`. A date in the past means "now"; anything
/// unparseable is `None`, so the caller falls back to its own backoff.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // A huge number of seconds is still just "the cap".
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds));
    }
    let when = parse_imf_fixdate(value)?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses `Sun, 06 Nov 1994 08:49:37 GMT`.
fn parse_imf_fixdate(value: &str) -> Option<SystemTime> {
    // Byte offsets below are only char boundaries in ASCII text.
    if value.len() != 29 || !value.is_ascii() || &value[3..5] != ", " || &value[25..] != " GMT" {
        return None;
    }
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    if !DAYS.contains(&&value[..3]) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let text = value.get(range)?;
        if text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse().ok()
        } else {
            None
        }
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day = number(5..7)?;
    let month = MONTHS.iter().position(|m| *m == &value[8..11])? as u64 + 1;
    let year = number(12..16)?;
    if &value[7..8] != " " || &value[11..12] != " " || &value[16..17] != " " {
        return None;
    }
    if &value[19..20] != ":" || &value[22..23] != ":" {
        return None;
    }
    let (hour, minute, second) = (number(17..19)?, number(20..22)?, number(23..25)?);
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || year < 1970 {
        return None;
    }
    let days = days_from_civil(year as i64, month as i64, day as i64);
    let seconds = days as u64 * 86_400 + hour * 3600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::from_secs(seconds))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A value in `[0, 1)` that differs between calls and processes, for backoff jitter.
pub fn jitter() -> f64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// How the client waits between attempts and reads the wall clock; replaceable so tests of
/// the retry loop do not sleep.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Blocks the calling thread for `duration`.
    fn sleep(&self, duration: Duration);
    /// The current wall-clock time (for `Retry-After` dates).
    fn now(&self) -> SystemTime;
}

/// The real clock: `std::thread::sleep` and `SystemTime::now`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, retry_after: Option<u64>) -> Outcome {
        Outcome::Status {
            status,
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    #[test]
    fn only_429_503_and_connect_failures_are_retried() {
        for retried in [
            status(429, None),
            status(503, Some(1)),
            Outcome::ConnectFailed,
        ] {
            assert!(
                matches!(decide(retried, 0, 2, 0.5), Decision::RetryAfter(_)),
                "{retried:?}"
            );
        }
        for final_outcome in [
            status(500, None),
            status(502, None),
            status(504, Some(1)),
            status(400, None),
            status(401, None),
            status(404, None),
            Outcome::LostAfterSending,
        ] {
            assert_eq!(
                decide(final_outcome, 0, 2, 0.5),
                Decision::GiveUp,
                "{final_outcome:?}"
            );
        }
    }

    #[test]
    fn retries_stop_at_the_maximum() {
        assert!(matches!(
            decide(status(429, None), 1, 2, 0.0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(decide(status(429, None), 2, 2, 0.0), Decision::GiveUp);
        assert_eq!(decide(Outcome::ConnectFailed, 0, 0, 0.0), Decision::GiveUp);
    }

    #[test]
    fn retry_after_is_honoured_and_capped_at_60_seconds() {
        assert_eq!(
            decide(status(429, Some(3)), 0, 2, 0.9),
            Decision::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            decide(status(503, Some(3600)), 0, 2, 0.9),
            Decision::RetryAfter(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        assert_eq!(backoff(0, 0.0), Duration::from_millis(125));
        assert_eq!(backoff(0, 1.0), Duration::from_millis(250));
        assert_eq!(backoff(1, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(2, 0.5), Duration::from_millis(750));
        assert!(backoff(30, 1.0) <= MAX_RETRY_AFTER);
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:00 GMT", UNIX_EPOCH),
            Some(Duration::from_secs(1_767_225_600))
        );
        for junk in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Xyz 1994 08:49:37 GMT",
            "Sun, 36 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 28:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:3é GMT",
            "Sün, 06 Nov 1994 08:49:3 GMT",
        ] {
            assert_eq!(parse_retry_after(junk, now), None, "{junk:?}");
        }
    }
}
