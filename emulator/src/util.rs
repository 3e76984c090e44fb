//! Small helpers kept in-crate so the emulator needs no extra dependencies
//! (percent-decoding, RFC 3339 time, random ids, ordered JSON objects).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// Percent-decodes one path segment. Invalid escapes are kept literally and invalid UTF-8
/// is replaced, because the emulator must never reject what a client sends: tests look at
/// what arrived.
pub(crate) fn percent_decode(segment: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The current time as RFC 3339 UTC with second precision (`2026-11-29T10:00:00Z`).
pub(crate) fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339_from_unix(secs)
}

/// Formats seconds since the Unix epoch; split out so it can be unit-tested.
pub(crate) fn rfc3339_from_unix(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm: avoids a date crate for one timestamp field.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 64 random-looking bits as 16 lower-case hex digits. `RandomState` is seeded randomly per
/// process, and the counter makes every call distinct, which is all ids here need.
pub(crate) fn random_hex16() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("{:016x}", h.finish())
}

/// Builds a JSON object as text with keys in insertion order. serde_json's `Map` sorts keys
/// unless its `preserve_order` feature is on, and enabling that feature here would leak into
/// the `mindra` crate's serde_json through workspace feature unification.
pub(crate) struct Obj {
    buf: String,
}

impl Obj {
    pub(crate) fn new() -> Self {
        Obj {
            buf: String::from("{"),
        }
    }

    fn key(&mut self, k: &str) {
        if self.buf.len() > 1 {
            self.buf.push(',');
        }
        self.buf.push_str(&json_string(k));
        self.buf.push(':');
    }

    /// Adds a string member.
    pub(crate) fn str(mut self, k: &str, v: &str) -> Self {
        self.key(k);
        self.buf.push_str(&json_string(v));
        self
    }

    /// Adds a member whose value is already JSON text (a nested object, null, a number).
    pub(crate) fn raw(mut self, k: &str, json: &str) -> Self {
        self.key(k);
        self.buf.push_str(json);
        self
    }

    pub(crate) fn finish(mut self) -> String {
        self.buf.push('}');
        self.buf
    }
}

/// A string as a JSON string literal.
pub(crate) fn json_string(s: &str) -> String {
    // Serialising a &str cannot fail.
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

/// Reads a non-negative integer scenario parameter from metadata. Numbers and numeric strings
/// are both accepted because C and Go tests build metadata JSON by hand.
pub(crate) fn meta_u64(meta: &Map<String, Value>, key: &str) -> Option<u64> {
    match meta.get(key)? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The `Retry-After` header value for the rate-limit scenarios: `metadata.retry_after` spelt
/// as sent (so tests can also send odd values such as `"abc"` or `0.5`), default `1`.
pub(crate) fn retry_after(meta: &Map<String, Value>) -> String {
    match meta.get("retry_after") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::from("1"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes_per_segment() {
        assert_eq!(percent_decode("a%2Fb%3Fc%23d%20e"), "a/b?c#d e");
        assert_eq!(percent_decode("%E2%9C%93"), "\u{2713}");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%41"), "A");
        assert_eq!(percent_decode(""), "");
    }

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_from_unix(1_795_946_400), "2026-11-29T10:00:00Z");
    }

    #[test]
    fn builds_ordered_objects() {
        let s = Obj::new()
            .str("b", "x\"y")
            .raw("a", "null")
            .raw("c", "{}")
            .finish();
        assert_eq!(s, r#"{"b":"x\"y","a":null,"c":{}}"#);
    }

    #[test]
    fn ids_are_16_hex_and_distinct() {
        let a = random_hex16();
        let b = random_hex16();
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
