//! What is observable about one parse of an event stream, and the one way to obtain it: shared
//! by the property tests (`tests/sse_properties.rs`) and the fuzz target
//! (`fuzz/fuzz_targets/sse_parser.rs`), which include this file with `#[path]`.

use mindra::sse::{SseError, SseEvent, SseParser};

/// Everything observable about one parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub events: Vec<SseEvent>,
    pub last_id: String,
    pub retry: Option<u64>,
    pub seen_id: bool,
    pub started: bool,
    pub error: Option<SseError>,
}

/// Feeds `pieces` to a parser bounded by `max_line`, taking every event after each feed; a
/// `None` piece is a `reset_connection`. Checks on the way what must hold whatever the input:
/// an error is sticky and nothing is dispatched after it; a reset keeps the committed id,
/// `has_seen_id` and the retry time; no event breaks the WHATWG invariants (a non-empty name
/// without CR/LF, data without CR, an id that is non-empty and without NUL, CR or LF).
pub fn parse(max_line: usize, pieces: &[Option<&[u8]>]) -> Outcome {
    let mut p = SseParser::with_max_line(max_line);
    let mut events = Vec::new();
    let mut error = None;
    for piece in pieces {
        match piece {
            Some(bytes) => {
                let result = p.feed(bytes);
                while let Some(event) = p.next_event() {
                    events.push(event.into_owned());
                }
                if let Err(e) = result {
                    assert_eq!(p.feed(b"data: x\n\n"), Err(e.clone()));
                    assert_eq!(p.next_event(), None);
                    error = Some(e);
                    break;
                }
            }
            None => {
                let (id, seen, retry) =
                    (p.last_event_id().to_owned(), p.has_seen_id(), p.retry_ms());
                p.reset_connection();
                assert!(!p.started());
                assert_eq!(p.last_event_id(), id);
                assert_eq!(p.has_seen_id(), seen);
                assert_eq!(p.retry_ms(), retry);
            }
        }
    }
    for event in &events {
        assert!(!event.event.is_empty());
        assert!(!event.event.contains(['\r', '\n']), "{event:?}");
        assert!(!event.data.contains('\r'), "{event:?}");
        if let Some(id) = &event.id {
            assert!(
                !id.is_empty() && !id.contains(['\0', '\r', '\n']),
                "{event:?}"
            );
        }
    }
    Outcome {
        events,
        last_id: p.last_event_id().to_owned(),
        retry: p.retry_ms(),
        seen_id: p.has_seen_id(),
        started: p.started(),
        error,
    }
}
