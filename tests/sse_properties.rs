//! Property tests for the SSE parser: split invariance, agreement with a naive reference
//! model of the WHATWG rules, no panics, and the memory bound.

mod support {
    pub mod sse_outcome;
}

use mindra::sse::{SseError, SseEvent, SseParser, DEFAULT_MAX_LINE};
use proptest::prelude::*;
use support::sse_outcome::{parse, Outcome};

/// Parses `feeds` in order (`max_line` `None` is the default bound).
fn parse_feeds<'a>(max_line: Option<usize>, feeds: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let pieces: Vec<Option<&[u8]>> = feeds.into_iter().map(Some).collect();
    parse(max_line.unwrap_or(DEFAULT_MAX_LINE), &pieces)
}

/// Cuts `input` at the given offsets (taken modulo len+1, sorted), keeping empty pieces.
fn split_at<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for c in cuts {
        pieces.push(&input[start..c]);
        start = c;
    }
    pieces.push(&input[start..]);
    pieces
}

/// A deliberately naive model of the WHATWG rules: whole input at once, lines split by a
/// byte loop, every line decoded on its own, the bound checked per line and on the data buffer.
fn reference(input: &[u8], max_line: usize) -> Outcome {
    reference_after(input, max_line, Carried::default())
}

/// What a parser carries over to a new connection.
#[derive(Default)]
struct Carried {
    last_id: String,
    seen_id: bool,
    retry: Option<u64>,
}

/// The reference model for the stream of a new connection, starting from carried-over state.
fn reference_after(input: &[u8], max_line: usize, carried: Carried) -> Outcome {
    let mut events = Vec::new();
    let mut last_id = carried.last_id;
    let mut id_buffer: Option<String> = None;
    let mut seen_id = carried.seen_id;
    let mut retry = carried.retry;
    let mut data = String::new();
    let mut event_type = String::new();
    let error = Some(SseError::LineTooLong { limit: max_line });

    let body = input.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(input);
    let mut i = 0;
    let mut line_start = 0;
    loop {
        // Find the end of the current line; an unterminated tail is never processed, but it
        // still counts against the bound.
        while i < body.len() && body[i] != b'\n' && body[i] != b'\r' {
            i += 1;
        }
        let line = &body[line_start..i];
        if line.len() > max_line {
            return Outcome {
                events,
                last_id,
                retry,
                seen_id,
                started: !input.is_empty(),
                error,
            };
        }
        if i == body.len() {
            break;
        }
        if body[i] == b'\r' && body.get(i + 1) == Some(&b'\n') {
            i += 1;
        }
        i += 1;
        line_start = i;

        let text = String::from_utf8_lossy(line).into_owned();
        if text.is_empty() {
            if let Some(id) = id_buffer.take() {
                last_id = id;
                seen_id = true;
            }
            if !data.is_empty() {
                data.pop();
                events.push(SseEvent {
                    event: if event_type.is_empty() {
                        "message".into()
                    } else {
                        event_type.clone()
                    },
                    data: std::mem::take(&mut data),
                    id: if last_id.is_empty() {
                        None
                    } else {
                        Some(last_id.clone())
                    },
                });
            }
            data.clear();
            event_type.clear();
            continue;
        }
        if text.starts_with(':') {
            continue;
        }
        let (name, value) = match text.find(':') {
            Some(c) => {
                let v = &text[c + 1..];
                (&text[..c], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (&text[..], ""),
        };
        match name {
            "data" => {
                if data.len() + value.len() + 1 > max_line {
                    return Outcome {
                        events,
                        last_id,
                        retry,
                        seen_id,
                        started: true,
                        error,
                    };
                }
                data.push_str(value);
                data.push('\n');
            }
            "event" => event_type = value.to_owned(),
            "id" if !value.contains('\0') => {
                id_buffer = Some(value.to_owned());
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                retry = Some(value.parse::<u64>().unwrap_or(u64::MAX));
            }
            _ => {}
        }
    }
    Outcome {
        events,
        last_id,
        retry,
        seen_id,
        started: !input.is_empty(),
        error: None,
    }
}

/// Pieces of SSE-ish input: field names, separators, every kind of line end, BOM bytes,
/// multibyte UTF-8 (whole and truncated), invalid bytes and NUL.
fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => Just(b"data:".to_vec()),
        2 => Just(b"data: ".to_vec()),
        1 => Just(b"data".to_vec()),
        2 => Just(b"event:".to_vec()),
        1 => Just(b"event: chunk".to_vec()),
        2 => Just(b"id:".to_vec()),
        1 => Just(b"id".to_vec()),
        2 => Just(b"retry:".to_vec()),
        1 => Just(b"Data:".to_vec()),
        2 => Just(b":".to_vec()),
        2 => Just(b" ".to_vec()),
        4 => Just(b"\r".to_vec()),
        5 => Just(b"\n".to_vec()),
        3 => Just(b"\r\n".to_vec()),
        2 => Just(vec![0xEF, 0xBB, 0xBF]),
        1 => Just(vec![0xEF]),
        1 => Just(vec![0xEF, 0xBB]),
        2 => Just("你".as_bytes().to_vec()),
        1 => Just("😀é".as_bytes().to_vec()),
        1 => Just(vec![0xE4, 0xBD]),
        1 => Just(vec![0xFF]),
        1 => Just(vec![0]),
        2 => Just(b"12".to_vec()),
        1 => Just(b"-".to_vec()),
        3 => Just(b"x".to_vec()),
        2 => "[a-z0-9{}\"]{1,6}".prop_map(String::into_bytes),
        2 => any::<u8>().prop_map(|b| vec![b]),
    ]
}

fn sse_bytes(max_tokens: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(token(), 0..max_tokens).prop_map(|ts| ts.concat())
}

/// Well-formed-ish lines (field, short value, any line end) with rare blank lines, so events
/// with many data lines — and pending data that outgrows a small bound — are common.
fn sse_lines() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        6 => Just(&b"data:"[..]),
        3 => Just(&b"data: "[..]),
        2 => Just(&b"data"[..]),
        1 => Just(&b"event:"[..]),
        1 => Just(&b"id:"[..]),
        1 => Just(&b"retry:"[..]),
        1 => Just(&b":"[..]),
        1 => Just(&b""[..]),
    ];
    let value = prop_oneof![
        4 => "[a-z0-9 ]{0,6}".prop_map(String::into_bytes),
        1 => Just("你".as_bytes().to_vec()),
        1 => Just(vec![0xFF, 0xFE]),
    ];
    let end = prop_oneof![Just(&b"\n"[..]), Just(&b"\r"[..]), Just(&b"\r\n"[..])];
    prop::collection::vec((field, value, end), 0..24).prop_map(|lines| {
        let mut out = Vec::new();
        for (field, value, end) in lines {
            out.extend_from_slice(field);
            if !field.is_empty() {
                out.extend_from_slice(&value);
            }
            out.extend_from_slice(end);
        }
        out
    })
}

fn sse_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![sse_bytes(64), sse_lines()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Split feeding (with empty reads) gives exactly what whole feeding gives.
    #[test]
    fn split_feeding_equals_whole(input in sse_input(), cuts in prop::collection::vec(any::<usize>(), 0..10)) {
        let whole = parse_feeds(None, [&input[..]]);
        let pieces = split_at(&input, &cuts);
        prop_assert_eq!(&parse_feeds(None, pieces.iter().copied()), &whole);
        // And byte at a time, with an empty read between bytes.
        let bytewise: Vec<&[u8]> = input.chunks(1).flat_map(|c| [c, &b""[..]]).collect();
        prop_assert_eq!(&parse_feeds(None, bytewise), &whole);
    }

    /// The parser agrees with the naive reference model of the WHATWG rules.
    #[test]
    fn matches_reference_model(input in sse_input(), cuts in prop::collection::vec(any::<usize>(), 0..6)) {
        let expected = reference(&input, usize::MAX);
        let pieces = split_at(&input, &cuts);
        prop_assert_eq!(parse_feeds(None, pieces.iter().copied()), expected);
    }

    /// Arbitrary bytes never panic, whatever the split and the bound.
    #[test]
    fn arbitrary_bytes_never_panic(
        input in prop::collection::vec(any::<u8>(), 0..300),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
        bound in prop::option::of(0usize..64),
    ) {
        let pieces = split_at(&input, &cuts);
        let split = parse_feeds(bound, pieces.iter().copied());
        prop_assert_eq!(split, parse_feeds(bound, [&input[..]]));
    }

    /// With a small bound, every input either parses or fails, identically for every split,
    /// and exactly as the reference model says (a line or the pending data over the bound).
    #[test]
    fn small_bound_parses_or_errors(
        input in sse_input(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
        bound in 0usize..24,
    ) {
        let expected = reference(&input, bound);
        let pieces = split_at(&input, &cuts);
        let got = parse_feeds(Some(bound), pieces.iter().copied());
        prop_assert_eq!(&got, &expected);
        prop_assert_eq!(&parse_feeds(Some(bound), [&input[..]]), &expected);
    }

    /// After `reset_connection`, the new connection's bytes are parsed as a fresh stream that
    /// keeps only the last event id, has_seen_id and retry (and the events already queued).
    #[test]
    fn reconnect_is_a_fresh_stream_keeping_id_and_retry(
        first in sse_input(),
        second in sse_input(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let before = parse_feeds(None, [&first[..]]);
        let mut pieces = vec![Some(&first[..]), None];
        pieces.extend(split_at(&second, &cuts).into_iter().map(Some));
        let got = parse(DEFAULT_MAX_LINE, &pieces);
        let mut expected = reference_after(&second, usize::MAX, Carried {
            last_id: before.last_id.clone(),
            seen_id: before.seen_id,
            retry: before.retry,
        });
        let mut all = before.events;
        all.append(&mut expected.events);
        expected.events = all;
        prop_assert_eq!(got, expected);
    }

    /// A line longer than the bound is refused by the very feed that takes it past the bound,
    /// however it is cut up — the parser never buffers far beyond its bound.
    #[test]
    fn overlong_line_refused_as_soon_as_it_passes_the_bound(
        prefix in "(data: [a-z]{0,8}\n\n|: c\n|id: 1\r\n\r\n){0,4}",
        bound in 16usize..200,
        extra in 1usize..100,
        piece in 1usize..50,
        field in prop_oneof![Just(&b"data:"[..]), Just(&b"x:"[..]), Just(&b":"[..]), Just(&b""[..])],
    ) {
        let mut p = SseParser::with_max_line(bound);
        p.feed(prefix.as_bytes()).unwrap();
        let mut line = field.to_vec();
        line.resize(bound + extra, b'y');
        let mut fed = 0;
        for chunk in line.chunks(piece) {
            let r = p.feed(chunk);
            fed += chunk.len();
            if fed > bound {
                prop_assert_eq!(r, Err(SseError::LineTooLong { limit: bound }));
                break;
            }
            prop_assert_eq!(r, Ok(()));
        }
        prop_assert!(p.feed(b"\n\n").is_err());
    }
}

#[test]
fn reference_model_sanity() {
    // The model itself must get the basics right, or the comparison above proves nothing.
    let out = reference(
        b"\xEF\xBB\xBFid: 7\r\ndata: a\rdata:  b\n\nevent: e\ndata\n\n",
        usize::MAX,
    );
    assert_eq!(
        out.events,
        vec![
            SseEvent {
                event: "message".into(),
                data: "a\n b".into(),
                id: Some("7".into())
            },
            SseEvent {
                event: "e".into(),
                data: "".into(),
                id: Some("7".into())
            },
        ]
    );
    assert_eq!(out.error, None);
    assert_eq!(
        reference(b"data: 123456\n", 5).error,
        Some(SseError::LineTooLong { limit: 5 })
    );
    assert_eq!(
        parse_feeds(Some(5), [&b"data: 123456\n"[..]]).error,
        Some(SseError::LineTooLong { limit: 5 })
    );
}
