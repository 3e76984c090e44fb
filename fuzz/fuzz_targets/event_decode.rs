//! `Event::try_from(SseEvent)` on arbitrary names, data and ids: it never panics, keeps the
//! SSE fields as received, maps only the documented names to typed kinds, and reports bad
//! data of a documented event as `Protocol`.
//!
//! Input layout: byte 0 picks the event name (0-5: `chunk`, `tool_executing`, `tool_result`,
//! `approval_request`, `done`, `message`; otherwise the text before the first 0xFF byte of the
//! rest is the name), byte 1 bit 0 whether an id is set; the rest (after that name, if any)
//! is the data. Invalid UTF-8 becomes U+FFFD, as the SSE parser does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mindra::sse::SseEvent;
use mindra::{ErrorKind, Event, EventKind};

const NAMES: [&str; 6] = [
    "chunk",
    "tool_executing",
    "tool_result",
    "approval_request",
    "done",
    "message",
];

fuzz_target!(|data: &[u8]| {
    let [pick, flags, rest @ ..] = data else {
        return;
    };
    let (name, payload) = match NAMES.get(usize::from(*pick)) {
        Some(name) => (name.to_string(), rest),
        None => {
            let end = rest.iter().position(|&b| b == 0xFF).unwrap_or(rest.len());
            let name = String::from_utf8_lossy(&rest[..end]).into_owned();
            (name, rest.get(end + 1..).unwrap_or(&[]))
        }
    };
    let sse = SseEvent {
        event: name.clone(),
        data: String::from_utf8_lossy(payload).into_owned(),
        id: (flags & 1 != 0).then(|| "7".to_string()),
    };
    let documented = NAMES[..5].contains(&name.as_str());
    match Event::try_from(sse.clone()) {
        Ok(event) => {
            assert_eq!(event.name, sse.event);
            assert_eq!(event.data, sse.data);
            assert_eq!(event.id, sse.id);
            assert_eq!(event.is_done(), name == "done");
            let expected_name = match &event.kind {
                EventKind::Chunk { .. } => "chunk",
                EventKind::ToolExecuting { .. } => "tool_executing",
                EventKind::ToolResult { .. } => "tool_result",
                EventKind::ApprovalRequest { .. } => "approval_request",
                EventKind::Done { .. } => "done",
                EventKind::Other => {
                    assert!(!documented, "{name} decoded as Other");
                    return;
                }
            };
            assert_eq!(name, expected_name);
            // Raw JSON texts handed out are themselves valid JSON.
            let raw = match &event.kind {
                EventKind::ToolExecuting { tool_input, .. } => tool_input.as_deref(),
                EventKind::ApprovalRequest { tool_input, .. } => tool_input.as_deref(),
                _ => None,
            };
            if let Some(raw) = raw {
                assert!(
                    serde_json::from_str::<serde::de::IgnoredAny>(raw).is_ok(),
                    "{raw:?}"
                );
            }
        }
        Err(error) => {
            assert!(documented, "an undocumented name failed: {name:?}");
            assert_eq!(error.kind(), ErrorKind::Protocol);
            assert!(!error.message().is_empty());
        }
    }
});
