//! The SSE parser: split invariance, the memory bound, and `reset_connection`.
//!
//! Input layout (so the seeds in corpus/sse_parser/ can be written by hand):
//!
//! | byte | meaning |
//! |---|---|
//! | 0 | bits 0-2: the small bound used besides the default one (`SMALL_BOUNDS`); bit 3: reset the connection at a piece boundary |
//! | 1 | bits 0-3: how many split sizes follow (k); bits 4-7: after which piece to reset (if bit 3 of byte 0) |
//! | 2 .. 2+k | the sizes of the first k reads (0 = an empty read); the rest of the stream is the last read |
//! | 2+k .. | the stream bytes |
//!
//! For the default bound and for the small one, the stream is parsed three ways — in one
//! piece, in the pieces the header chooses, and one byte at a time — and everything
//! observable must be identical: the events, the last event id, the retry time,
//! `has_seen_id`, `started` and the error. With a reset, each way resets at the same byte
//! offset. Every dispatched event must also respect the WHATWG invariants (no CR/LF in names,
//! no CR in data, no NUL in ids, no empty id).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mindra::sse::DEFAULT_MAX_LINE;

#[path = "../../tests/support/sse_outcome.rs"]
mod sse_outcome;
use sse_outcome::parse;

const SMALL_BOUNDS: [usize; 8] = [0, 1, 3, 8, 16, 40, 64, 1024];

/// Cuts `stream` into reads of the given sizes (the rest is the last read), inserting a reset
/// after piece `reset_after` when asked; returns the pieces and the reset's byte offset.
fn cut<'a>(
    stream: &'a [u8],
    sizes: &[u8],
    reset_after: Option<usize>,
) -> (Vec<Option<&'a [u8]>>, Option<usize>) {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut reset_at = None;
    for (i, &size) in sizes.iter().enumerate() {
        let end = (start + usize::from(size)).min(stream.len());
        pieces.push(Some(&stream[start..end]));
        start = end;
        if reset_after == Some(i) {
            pieces.push(None);
            reset_at = Some(start);
        }
    }
    pieces.push(Some(&stream[start..]));
    (pieces, reset_at)
}

fuzz_target!(|data: &[u8]| {
    let [config, counts, rest @ ..] = data else {
        return;
    };
    let k = usize::from(counts & 0x0f).min(rest.len());
    let (sizes, stream) = rest.split_at(k);
    let reset_after = (config & 0x08 != 0).then_some(usize::from(counts >> 4));
    let small = SMALL_BOUNDS[usize::from(config & 0x07)];

    let (pieces, reset_at) = cut(stream, sizes, reset_after);
    let whole: Vec<Option<&[u8]>> = match reset_at {
        Some(at) => vec![Some(&stream[..at]), None, Some(&stream[at..])],
        None => vec![Some(stream)],
    };
    let mut bytes: Vec<Option<&[u8]>> = Vec::with_capacity(stream.len() + 1);
    for (i, chunk) in stream.chunks(1).enumerate() {
        if reset_at == Some(i) {
            bytes.push(None);
        }
        bytes.push(Some(chunk));
    }
    if reset_at.is_some_and(|at| at >= stream.len()) {
        bytes.push(None);
    }

    for max_line in [DEFAULT_MAX_LINE, small] {
        let expected = parse(max_line, &whole);
        assert_eq!(parse(max_line, &pieces), expected, "pieces {pieces:?}");
        assert_eq!(parse(max_line, &bytes), expected, "one byte at a time");
    }
});
