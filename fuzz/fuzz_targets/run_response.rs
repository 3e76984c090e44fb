//! `parse_run_response` on arbitrary bodies and statuses: it never panics, a body that is not
//! a JSON object is always `Protocol`, and a success is exactly the body's documented fields.
//!
//! Input layout: bytes 0-1 the HTTP status (big-endian), byte 2 bit 0 whether a request id
//! is passed, then the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mindra::run::parse_run_response;
use mindra::ErrorKind;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let [hi, lo, flags, body @ ..] = data else {
        return;
    };
    let status = u16::from_be_bytes([*hi, *lo]);
    let request_id = (flags & 1 != 0).then(|| "req_fuzz".to_string());
    let parsed = serde_json::from_slice::<Value>(body);
    match parse_run_response(status, body.to_vec(), request_id.clone()) {
        Ok(execution) => {
            let Ok(Value::Object(object)) = parsed else {
                panic!(
                    "accepted a body that is not a JSON object: {:?}",
                    String::from_utf8_lossy(body)
                );
            };
            let field = |name: &str| object.get(name).and_then(Value::as_str);
            assert_eq!(Some(execution.execution_id.as_str()), field("execution_id"));
            assert_eq!(Some(execution.status.as_str()), field("status"));
            assert_eq!(
                Some(execution.workflow_slug.as_str()),
                field("workflow_slug")
            );
            assert_eq!(
                Some(execution.workflow_name.as_str()),
                field("workflow_name")
            );
            assert_eq!(Some(execution.stream_url.as_str()), field("stream_url"));
            assert_eq!(Some(execution.created_at.as_str()), field("created_at"));
            assert_eq!(
                execution.conversation_id.as_deref(),
                field("conversation_id")
            );
            assert_eq!(execution.raw_json.as_bytes(), body);
            assert_eq!(execution.http_status, status);
            assert_eq!(execution.request_id, request_id);
        }
        Err(error) => {
            assert_eq!(error.kind(), ErrorKind::Protocol);
            assert_eq!(error.http_status(), status);
            assert_eq!(error.request_id(), request_id.as_deref());
            assert!(!error.message().is_empty());
        }
    }
});
