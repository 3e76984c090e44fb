//! `error_from_answer` on arbitrary bodies and statuses: it never panics, the message is never
//! empty, the kind follows the status, and the API's message and code are kept when the body
//! is the documented error object.
//!
//! Input layout: bytes 0-1 the HTTP status (big-endian), byte 2 bit 0 whether a request id
//! is passed, then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mindra::client::{error_from_answer, Answer};
use mindra::ErrorKind;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

/// The top-level keys of a JSON object in order, duplicates included (serde_json's `Value`
/// keeps only the last of duplicate keys, while a derived struct refuses them).
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Keys, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
        }
        deserializer.deserialize_map(KeysVisitor)
    }
}

fuzz_target!(|data: &[u8]| {
    let [hi, lo, flags, body @ ..] = data else {
        return;
    };
    let status = u16::from_be_bytes([*hi, *lo]);
    let request_id = (flags & 1 != 0).then(|| "req_fuzz".to_string());
    let answer = Answer {
        status,
        body: body.to_vec(),
        request_id: request_id.clone(),
    };
    let error = error_from_answer(&answer);
    assert!(!error.message().is_empty());
    assert!(
        error.message().starts_with(&format!("HTTP {status}")),
        "{}",
        error.message()
    );
    assert_eq!(error.http_status(), status);
    assert_eq!(
        error.kind(),
        ErrorKind::from_http_status(status).unwrap_or(ErrorKind::Protocol)
    );
    assert_eq!(error.request_id(), request_id.as_deref());
    // The documented error object: its message (when a non-empty string) and code are kept.
    if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) {
        let keys = serde_json::from_slice::<Keys>(body).expect("an object").0;
        let unique = ["error", "code"]
            .iter()
            .all(|k| keys.iter().filter(|key| key == k).count() <= 1);
        let well_typed = unique
            && ["error", "code"].iter().all(|k| {
                matches!(
                    object.get(*k),
                    None | Some(Value::Null) | Some(Value::String(_))
                )
            });
        if well_typed {
            if let Some(Value::String(message)) = object.get("error") {
                assert!(
                    error.message().contains(message.as_str()),
                    "{}",
                    error.message()
                );
            }
            assert_eq!(error.code(), object.get("code").and_then(Value::as_str));
        }
    } else if body.trim_ascii_start().first() != Some(&b'{') {
        // Not an object at all. (An object that serde_json's Value refuses can still be read
        // for its code: invalid UTF-8 or a huge number in an ignored field is skipped, not
        // checked, by the derived struct. That is lenient, not wrong.)
        assert_eq!(error.code(), None);
    }
});
