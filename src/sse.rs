//! Incremental Server-Sent Events parser (WHATWG HTML, "Parsing an event stream" and
//! "Interpreting an event stream").
//!
//! The parser is fed raw bytes exactly as they arrive from the network, split anywhere (even
//! inside a UTF-8 character, inside a CRLF pair or inside the leading BOM, and including empty
//! reads). It frames lines on bytes — LF, CRLF or a lone CR end a line — and decodes each
//! complete line as a whole, replacing invalid UTF-8 with U+FFFD, so a split never changes the
//! result.
//!
//! Memory is bounded: a line longer than the bound, or a pending event whose data grows past
//! it, is refused with [`SseError::LineTooLong`] while it is being accumulated, so the parser
//! never holds much more than the bound whatever the peer sends.
//!
//! Depends on `std` only.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::ops::Range;

/// Default bound on one line and on one event's accumulated data/fields: 16 MiB.
pub const DEFAULT_MAX_LINE: usize = 16 * 1024 * 1024;

/// The UTF-8 byte order mark, stripped once at the very start of a stream.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Line buffers bigger than this are given back after use, so one big line does not pin its
/// memory for the rest of a long-lived stream.
const KEEP_CAPACITY: usize = 64 * 1024;

/// One dispatched event, owned. [`SseParser::next_event`] lends events as [`SseEventRef`];
/// [`SseEventRef::into_owned`] makes one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// Event type; "message" when none (or an empty one) was given.
    pub event: String,
    /// The `data` lines joined with "\n" (the final trailing LF removed, per WHATWG).
    pub data: String,
    /// The stream's last event id at dispatch time; `None` when it is empty.
    pub id: Option<String>,
}

/// One dispatched event, borrowed from the parser's buffer: valid until the parser is next
/// changed (the borrow checker enforces it). Handing events out this way is what keeps the
/// parser free of allocations per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseEventRef<'a> {
    /// Event type; "message" when none (or an empty one) was given.
    pub event: &'a str,
    /// The `data` lines joined with "\n" (the final trailing LF removed, per WHATWG).
    pub data: &'a str,
    /// The stream's last event id at dispatch time; `None` when it is empty.
    pub id: Option<&'a str>,
}

impl SseEventRef<'_> {
    /// An owned copy of the event.
    pub fn into_owned(self) -> SseEvent {
        SseEvent {
            event: self.event.to_owned(),
            data: self.data.to_owned(),
            id: self.id.map(str::to_owned),
        }
    }
}

/// Parse failure. The parser is unusable afterwards: every later `feed` returns the same error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseError {
    /// A line (or the pending event) exceeded the bound; the parser is now unusable.
    LineTooLong {
        /// The bound, in bytes.
        limit: usize,
    },
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseError::LineTooLong { limit } => write!(
                f,
                "server-sent event stream: a line or event exceeds the limit of {limit} bytes"
            ),
        }
    }
}

impl std::error::Error for SseError {}

/// A dispatched event waiting in the queue: byte ranges of [`SseParser::text`].
#[derive(Debug, Clone)]
struct Queued {
    /// The event type; `None` for "message".
    event: Option<Range<usize>>,
    data: Range<usize>,
    /// The last event id at dispatch; `None` when it was empty.
    id: Option<Range<usize>>,
}

/// Incremental event-stream parser. See the module documentation.
///
/// Dispatched events are not separate allocations: their data, type and id are appended to
/// one text buffer and queued as ranges of it, and the buffer is reused once the queue has
/// been drained, so a long stream parses without allocating per event.
#[derive(Debug)]
pub struct SseParser {
    max_line: usize,
    /// Bytes of the current line not yet terminated (only the tail of a feed is copied here).
    line: Vec<u8>,
    /// The previous feed ended with a CR: an LF at the start of the next feed belongs to it.
    pending_cr: bool,
    /// How many bytes of a leading BOM have been matched (while `bom_done` is false).
    bom_matched: usize,
    bom_done: bool,
    started: bool,
    /// The queued events' texts, then (from `pending_start`) the WHATWG data buffer of the
    /// event being parsed: each `data` value followed by LF.
    text: String,
    /// Where the pending event's data starts in `text`.
    pending_start: usize,
    /// Where `last_id` was last copied into `text` for a queued event, while it still holds.
    queued_last_id: Option<Range<usize>>,
    /// WHATWG event type buffer.
    event_type: String,
    /// WHATWG last event ID buffer, as set by `id` fields of the current block.
    id_buffer: String,
    /// An `id` field was processed since the last blank line.
    id_pending: bool,
    /// WHATWG "last event ID string": the buffer as committed by the last blank line.
    last_id: String,
    seen_id: bool,
    retry: Option<u64>,
    ready: VecDeque<Queued>,
    error: Option<SseError>,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    /// A parser with the default bound ([`DEFAULT_MAX_LINE`]).
    pub fn new() -> Self {
        Self::with_max_line(DEFAULT_MAX_LINE)
    }

    /// A parser whose lines, and whose pending event's data, may not exceed `max_line` bytes.
    pub fn with_max_line(max_line: usize) -> Self {
        SseParser {
            max_line,
            line: Vec::new(),
            pending_cr: false,
            bom_matched: 0,
            bom_done: false,
            started: false,
            text: String::new(),
            pending_start: 0,
            queued_last_id: None,
            event_type: String::new(),
            id_buffer: String::new(),
            id_pending: false,
            last_id: String::new(),
            seen_id: false,
            retry: None,
            ready: VecDeque::new(),
            error: None,
        }
    }

    /// Feeds bytes as they arrive from the network (any split, including empty slices).
    ///
    /// Complete events are queued; take them with [`next_event`](Self::next_event) (draining
    /// the queue before the next feed lets the parser reuse its buffer). Returns `Err` once a
    /// line or event exceeds the bound, and every later call returns the same error. Events
    /// completed before the offending line stay queued.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        if bytes.is_empty() {
            return Ok(());
        }
        self.started = true;
        self.reclaim_text();
        let mut input = bytes;

        if !self.bom_done {
            input = self.strip_bom(input)?;
            if input.is_empty() {
                return Ok(());
            }
        }

        if self.pending_cr {
            self.pending_cr = false;
            if input[0] == b'\n' {
                input = &input[1..];
            }
        }

        while let Some(pos) = find_line_end(input) {
            let next = if input[pos] == b'\n' {
                pos + 1
            } else if pos + 1 < input.len() {
                // CR: swallow an LF that directly follows it.
                pos + 1 + usize::from(input[pos + 1] == b'\n')
            } else {
                // CR at the very end of this feed: its LF, if any, comes with the next one.
                self.pending_cr = true;
                pos + 1
            };

            if self.line.is_empty() {
                // The whole line is in this feed: parse it in place, no copy.
                if pos > self.max_line {
                    return Err(self.fail());
                }
                self.process_line(&input[..pos])?;
            } else {
                if self.line.len() + pos > self.max_line {
                    return Err(self.fail());
                }
                reserve_bounded(&mut self.line, pos, self.max_line);
                self.line.extend_from_slice(&input[..pos]);
                let mut line = std::mem::take(&mut self.line);
                self.process_line(&line)?;
                // Keep a modest buffer for the next partial line; give a big one back.
                if line.capacity() <= KEEP_CAPACITY {
                    line.clear();
                    self.line = line;
                }
            }
            input = &input[next..];
        }

        // Unterminated tail: keep it, but never beyond the bound.
        if !input.is_empty() {
            let needed = self.line.len() + input.len();
            if needed > self.max_line {
                return Err(self.fail());
            }
            reserve_bounded(&mut self.line, input.len(), self.max_line);
            self.line.extend_from_slice(input);
        }
        Ok(())
    }

    /// The next complete event, in order, or `None`. The event borrows the parser.
    pub fn next_event(&mut self) -> Option<SseEventRef<'_>> {
        let queued = self.ready.pop_front()?;
        Some(self.lend(queued))
    }

    /// The event [`next_event`](Self::next_event) would return, without taking it.
    pub fn peek_event(&self) -> Option<SseEventRef<'_>> {
        self.ready.front().cloned().map(|queued| self.lend(queued))
    }

    fn lend(&self, queued: Queued) -> SseEventRef<'_> {
        SseEventRef {
            event: queued.event.map_or("message", |range| &self.text[range]),
            data: &self.text[queued.data],
            id: queued.id.map(|range| &self.text[range]),
        }
    }

    /// The stream's last event id: the WHATWG "last event ID string", i.e. the last event ID
    /// buffer as it stood at the most recent blank line. It is set by an `id` field without
    /// NUL, kept across events, and "" after an empty `id`. An `id` whose block has not been
    /// ended by a blank line yet does not count (its block may still be lost with the
    /// connection, so resuming from it could skip an event).
    pub fn last_event_id(&self) -> &str {
        &self.last_id
    }

    /// The reconnection time from the last valid `retry` field (ASCII digits only), if any.
    /// Values too large for a `u64` saturate at `u64::MAX`.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry
    }

    /// True when any `id` field (without NUL) has been taken into the last event id on this
    /// stream, even if a later one emptied it — used to decide whether a reconnect can resume.
    pub fn has_seen_id(&self) -> bool {
        self.seen_id
    }

    /// True once `feed` has seen at least one byte of the stream (of the current connection,
    /// since [`reset_connection`](Self::reset_connection) starts a new stream).
    pub fn started(&self) -> bool {
        self.started
    }

    /// Prepares for the response body of a new connection (a reconnect): what belonged to the
    /// dropped connection is discarded — its unterminated line, a pending CR, the pending
    /// event's data and type, an `id` whose block never ended — and the next bytes are a new
    /// stream (a leading BOM is stripped again, `started` is false again).
    ///
    /// Kept: the last event id and [`has_seen_id`](Self::has_seen_id) (so `Last-Event-ID`
    /// can be sent and later events carry the id), the reconnection time, events already
    /// queued, and a bound error (a failed parser stays failed).
    pub fn reset_connection(&mut self) {
        if self.line.capacity() > KEEP_CAPACITY {
            self.line = Vec::new();
        } else {
            self.line.clear();
        }
        self.pending_cr = false;
        self.bom_matched = 0;
        self.bom_done = false;
        self.started = false;
        self.text.truncate(self.pending_start);
        self.reclaim_text();
        self.event_type.clear();
        self.id_buffer.clear();
        self.id_pending = false;
    }

    /// Once every queued event has been taken, their texts are dead: moves the pending data
    /// to the front of the buffer, and gives a big buffer back so that one big event does not
    /// pin its memory for the rest of a long-lived stream.
    fn reclaim_text(&mut self) {
        if !self.ready.is_empty() {
            return;
        }
        if self.pending_start > 0 {
            self.text.drain(..self.pending_start);
            self.pending_start = 0;
            self.queued_last_id = None;
        }
        if self.text.capacity() > KEEP_CAPACITY && self.text.len() <= KEEP_CAPACITY / 2 {
            self.text.shrink_to(KEEP_CAPACITY / 2);
        }
    }

    /// Matches (part of) the leading BOM; returns the rest of `input` to parse.
    fn strip_bom<'a>(&mut self, input: &'a [u8]) -> Result<&'a [u8], SseError> {
        let mut i = 0;
        while i < input.len() && self.bom_matched < BOM.len() {
            if input[i] != BOM[self.bom_matched] {
                // Not a BOM after all: the bytes matched so far are ordinary line content.
                self.bom_done = true;
                let prefix = &BOM[..self.bom_matched];
                if prefix.len() > self.max_line {
                    return Err(self.fail());
                }
                self.line.extend_from_slice(prefix);
                return Ok(&input[i..]);
            }
            self.bom_matched += 1;
            i += 1;
        }
        if self.bom_matched == BOM.len() {
            self.bom_done = true;
        }
        Ok(&input[i..])
    }

    /// Records the error, gives the buffered memory back (but for the queued events, which
    /// stay readable) and returns the error.
    fn fail(&mut self) -> SseError {
        let err = SseError::LineTooLong {
            limit: self.max_line,
        };
        self.error = Some(err.clone());
        self.line = Vec::new();
        if self.ready.is_empty() {
            self.text = String::new();
            self.pending_start = 0;
            self.queued_last_id = None;
        } else {
            self.text.truncate(self.pending_start);
        }
        self.event_type = String::new();
        self.id_buffer = String::new();
        err
    }

    /// Interprets one complete line (without its terminator).
    fn process_line(&mut self, line: &[u8]) -> Result<(), SseError> {
        let Some(&first) = line.first() else {
            self.dispatch();
            return Ok(());
        };
        if first == b':' {
            return Ok(()); // comment
        }
        let (name, value): (&[u8], &[u8]) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                let value = value.strip_prefix(b" ").unwrap_or(value);
                (&line[..colon], value)
            }
            None => (line, &[]),
        };
        match name {
            b"data" => {
                let text = match std::str::from_utf8(value) {
                    Ok(text) => Cow::Borrowed(text),
                    Err(_) => String::from_utf8_lossy(value),
                };
                let pending = self.text.len() - self.pending_start;
                if pending + text.len() + 1 > self.max_line {
                    return Err(self.fail());
                }
                reserve_bounded_str(
                    &mut self.text,
                    text.len() + 1,
                    self.pending_start + self.max_line,
                );
                self.text.push_str(&text);
                self.text.push('\n');
            }
            b"event" => set_lossy(&mut self.event_type, value),
            // An id containing NUL is ignored altogether.
            b"id" if !value.contains(&0) => {
                set_lossy(&mut self.id_buffer, value);
                self.id_pending = true;
            }
            // Only a non-empty run of ASCII digits is a reconnection time.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let ms = value.iter().fold(0u64, |acc, &d| {
                    acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                self.retry = Some(ms);
            }
            _ => {} // unknown field, or an ignored id/retry
        }
        Ok(())
    }

    /// The blank-line step ("dispatch the event"): queues the pending data, with the event
    /// type and the last event id, as ranges of `text`.
    fn dispatch(&mut self) {
        if self.id_pending {
            self.id_pending = false;
            if self.last_id != self.id_buffer {
                self.last_id.clear();
                self.last_id.push_str(&self.id_buffer);
                self.queued_last_id = None;
            }
            self.seen_id = true;
        }
        if self.text.len() == self.pending_start {
            self.event_type.clear();
            return;
        }
        self.text.pop(); // the data buffer always ends with the LF of its last line
        let data = self.pending_start..self.text.len();
        let event = (!self.event_type.is_empty()).then(|| {
            let start = self.text.len();
            self.text.push_str(&self.event_type);
            self.event_type.clear();
            start..self.text.len()
        });
        // Consecutive events share one copy of an unchanged id, so a long id followed by many
        // tiny events costs its length once, not once per event.
        let id = if self.last_id.is_empty() {
            None
        } else {
            let range = self.queued_last_id.get_or_insert_with(|| {
                let start = self.text.len();
                self.text.push_str(&self.last_id);
                start..self.text.len()
            });
            Some(range.clone())
        };
        self.pending_start = self.text.len();
        self.ready.push_back(Queued { event, data, id });
    }
}

/// Position of the first CR or LF in `haystack`.
///
/// Scans eight bytes at a time (SWAR): for a word `w`, a byte of `w ^ pattern` is zero where
/// `w` has the pattern byte, and `(x - 0x01..) & !x & 0x80..` flags zero bytes; flags above a
/// real zero may be spurious, but the lowest flag is always exact, which is all we need.
#[inline]
fn find_line_end(haystack: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const LF: u64 = ONES * b'\n' as u64;
    const CR: u64 = ONES * b'\r' as u64;
    #[inline(always)]
    fn zero_bytes(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGHS
    }

    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        // Little-endian load: byte 0 of the chunk is the lowest byte on every platform.
        let word = u64::from_le_bytes(chunk.try_into().expect("chunk of 8"));
        let found = zero_bytes(word ^ LF) | zero_bytes(word ^ CR);
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map(|p| offset + p)
}

/// Replaces `target` with `value` decoded as UTF-8 (invalid sequences become U+FFFD).
fn set_lossy(target: &mut String, value: &[u8]) {
    target.clear();
    match std::str::from_utf8(value) {
        Ok(text) => target.push_str(text),
        Err(_) => target.push_str(&String::from_utf8_lossy(value)),
    }
}

/// Grows `buf` for `additional` more bytes like `Vec` would (doubling), but never past `max`
/// when the result fits in `max`, so an accumulating buffer stays within its bound.
fn reserve_bounded(buf: &mut Vec<u8>, additional: usize, max: usize) {
    let needed = buf.len() + additional;
    if needed <= buf.capacity() {
        return;
    }
    let target = needed
        .max(buf.capacity().saturating_mul(2))
        .min(max.max(needed));
    buf.reserve_exact(target - buf.len());
}

/// [`reserve_bounded`] for a `String`.
fn reserve_bounded_str(buf: &mut String, additional: usize, max: usize) {
    let needed = buf.len() + additional;
    if needed <= buf.capacity() {
        return;
    }
    let target = needed
        .max(buf.capacity().saturating_mul(2))
        .min(max.max(needed));
    buf.reserve_exact(target - buf.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything observable about a parse: events, last event id, retry, has_seen_id.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Outcome {
        events: Vec<SseEvent>,
        last_id: String,
        retry: Option<u64>,
        seen_id: bool,
        error: Option<SseError>,
    }

    fn run_feeds(max_line: usize, feeds: &[&[u8]]) -> Outcome {
        let mut p = SseParser::with_max_line(max_line);
        let mut events = Vec::new();
        let mut error = None;
        for feed in feeds {
            match p.feed(feed) {
                Ok(()) => {}
                Err(e) => {
                    // Sticky: the next call fails the same way.
                    assert_eq!(p.feed(b"data: more\n\n"), Err(e.clone()));
                    assert_eq!(p.feed(b""), Err(e.clone()));
                    error = Some(e);
                }
            }
            while let Some(ev) = next(&mut p) {
                events.push(ev);
            }
            if error.is_some() {
                break;
            }
        }
        Outcome {
            events,
            last_id: p.last_event_id().to_owned(),
            retry: p.retry_ms(),
            seen_id: p.has_seen_id(),
            error,
        }
    }

    /// Runs `input` whole, split in two at every offset, one byte at a time with empty feeds in
    /// between, and (for short inputs) split in three at every pair of offsets; every run must
    /// give the same outcome, which is returned.
    fn outcome_all_splits(max_line: usize, input: &[u8]) -> Outcome {
        let whole = run_feeds(max_line, &[input]);
        let n = input.len();
        for i in 0..=n {
            let got = run_feeds(max_line, &[&input[..i], &input[i..]]);
            assert_eq!(
                got,
                whole,
                "split at {i} of {:?}",
                String::from_utf8_lossy(input)
            );
        }
        let mut bytewise: Vec<&[u8]> = vec![b""];
        for i in 0..n {
            bytewise.push(&input[i..i + 1]);
            bytewise.push(b"");
        }
        assert_eq!(run_feeds(max_line, &bytewise), whole, "byte at a time");
        if n <= 160 {
            for i in 0..=n {
                for j in i..=n {
                    let got = run_feeds(max_line, &[&input[..i], &input[i..j], &input[j..]]);
                    assert_eq!(got, whole, "split at {i},{j}");
                }
            }
        }
        whole
    }

    /// The next event, owned, so tests can compare it with [`ev`] and [`msg`].
    fn next(p: &mut SseParser) -> Option<SseEvent> {
        p.next_event().map(SseEventRef::into_owned)
    }

    fn ev(event: &str, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: id.map(Into::into),
        }
    }

    fn msg(data: &str) -> SseEvent {
        ev("message", data, None)
    }

    /// Asserts the events (under every split) and returns the outcome for further checks.
    fn check(input: &[u8], expected: &[SseEvent]) -> Outcome {
        let out = outcome_all_splits(DEFAULT_MAX_LINE, input);
        assert_eq!(out.error, None);
        assert_eq!(
            out.events,
            expected,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        out
    }

    #[test]
    fn case01_basic() {
        check(b"data: hello\n\n", &[msg("hello")]);
    }

    #[test]
    fn case02_no_space() {
        check(b"data:hello\n\n", &[msg("hello")]);
    }

    #[test]
    fn case03_one_space_removed() {
        check(b"data:  x\n\n", &[msg(" x")]);
    }

    #[test]
    fn case04_lines_joined() {
        check(b"data: a\ndata: b\n\n", &[msg("a\nb")]);
    }

    #[test]
    fn case05_field_without_colon() {
        check(b"data\n\n", &[msg("")]);
    }

    #[test]
    fn case06_two_empty_data_lines() {
        check(b"data\ndata\n\n", &[msg("\n")]);
    }

    #[test]
    fn case07_no_data_no_event_and_type_reset() {
        check(b"event: chunk\n\n", &[]);
        // The type buffer was reset by the blank line.
        check(b"event: chunk\n\ndata: x\n\n", &[msg("x")]);
    }

    #[test]
    fn case08_empty_event_name() {
        check(b"event:\ndata: x\n\n", &[msg("x")]);
    }

    #[test]
    fn case09_comments() {
        check(b": ping\n\n", &[]);
        check(b":\n", &[]);
        check(b"data: a\n: comment between\ndata: b\n\n", &[msg("a\nb")]);
    }

    #[test]
    fn case10_crlf() {
        check(b"data: a\r\n\r\n", &[msg("a")]);
    }

    #[test]
    fn case11_lone_cr() {
        check(b"data: a\r\rdata: b\r\r", &[msg("a"), msg("b")]);
    }

    #[test]
    fn case12_crlf_split_across_reads() {
        let input = b"data: A\r\ndata: B\r\ndata: C\r\n\n";
        check(input, &[msg("A\nB\nC")]);
        let feeds: [&[u8]; 5] = [b"data: A\r\n", b"data: B\r", b"\n", b"data: C\r\n", b"\n"];
        let out = run_feeds(DEFAULT_MAX_LINE, &feeds);
        assert_eq!(out.events, vec![msg("A\nB\nC")]);
    }

    #[test]
    fn case13_cr_then_crlf() {
        check(b"data: one\r\r\n", &[msg("one")]);
        let out = run_feeds(DEFAULT_MAX_LINE, &[b"data: one\r", b"\r", b"\n"]);
        assert_eq!(out.events, vec![msg("one")]);
    }

    #[test]
    fn case15_mixed_line_ends_unfinished_tail() {
        let out = check(
            b"id:one\r\ndata:x\r\n\ndata:two\n\rdata:unfinished",
            &[
                ev("message", "x", Some("one")),
                ev("message", "two", Some("one")),
            ],
        );
        assert_eq!(out.last_id, "one");
    }

    #[test]
    fn case16_bom() {
        check(b"\xEF\xBB\xBFdata: x\n\n", &[msg("x")]);
        let out = run_feeds(DEFAULT_MAX_LINE, &[b"\xEF", b"\xBB\xBFdata: x\n\n"]);
        assert_eq!(out.events, vec![msg("x")]);
    }

    #[test]
    fn bom_only_once_and_only_at_start() {
        // A second BOM is part of the field name, which is then unknown.
        check(
            b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n",
            &[msg("y")],
        );
        // A BOM later in the stream is not stripped either.
        check(b"data: a\n\n\xEF\xBB\xBFdata: b\n\n", &[msg("a")]);
        // A BOM inside a value is kept as U+FEFF.
        check(b"data: \xEF\xBB\xBFz\n\n", &[msg("\u{FEFF}z")]);
        // Without a BOM, the stream is parsed from its first byte.
        check(b"data: x\n\n", &[msg("x")]);
    }

    #[test]
    fn partial_bom_is_content() {
        // EF BB not followed by BF: those bytes belong to the first line (an unknown field).
        check(b"\xEF\xBBdata: x\n\ndata: y\n\n", &[msg("y")]);
        // A partial BOM directly followed by a line end is a (non-empty) line of its own.
        check(b"\xEF\n\ndata: y\n\n", &[msg("y")]);
        check(b"\xEF\xBB\rdata: y\n\n", &[msg("y")]);
        // Only the BOM and a blank line.
        check(b"\xEF\xBB\xBF\n", &[]);
    }

    #[test]
    fn case18_utf8_split_across_reads() {
        check(b"data: \xE4\xBD\xA0\n\n", &[msg("你")]);
        let out = run_feeds(DEFAULT_MAX_LINE, &[b"data: \xE4\xBD", b"\xA0\n\n"]);
        assert_eq!(out.events, vec![msg("你")]);
        assert!(!out.events[0].data.contains('\u{FFFD}'));
        check(
            "event: 事件\ndata: 😀 é\n\n".as_bytes(),
            &[ev("事件", "😀 é", None)],
        );
    }

    #[test]
    fn case20_invalid_utf8_replaced() {
        check(b"data: \xFF\n\n", &[msg("\u{FFFD}")]);
        // A truncated sequence followed by ASCII: one U+FFFD for the maximal subpart.
        check(b"data: \xE4\xBDx\n\n", &[msg("\u{FFFD}x")]);
        check(
            b"event: \xFFt\ndata: \xC0\xAF\n\n",
            &[ev("\u{FFFD}t", "\u{FFFD}\u{FFFD}", None)],
        );
    }

    #[test]
    fn case21_last_event_id_persists() {
        let out = check(
            b"id: 7\ndata: a\n\ndata: b\n\n",
            &[ev("message", "a", Some("7")), ev("message", "b", Some("7"))],
        );
        assert_eq!(out.last_id, "7");
        assert!(out.seen_id);
    }

    #[test]
    fn case22_id_only_block() {
        let out = check(b"id: 7\n\n", &[]);
        assert_eq!(out.last_id, "7");
        assert!(out.seen_id);
    }

    #[test]
    fn case23_empty_id_clears() {
        let out = check(b"id: 7\n\nid\n\n", &[]);
        assert_eq!(out.last_id, "");
        assert!(out.seen_id);
        let out = check(
            b"id: 7\ndata: a\n\nid:\ndata: b\n\n",
            &[ev("message", "a", Some("7")), msg("b")],
        );
        assert_eq!(out.last_id, "");
        assert!(out.seen_id);
    }

    #[test]
    fn id_with_nul_is_ignored() {
        let out = check(
            b"id: 1\n\nid: x\0y\ndata: a\n\nid: \0\ndata: b\n\n",
            &[ev("message", "a", Some("1")), ev("message", "b", Some("1"))],
        );
        assert_eq!(out.last_id, "1");
        let out = check(b"id: \0\n\n", &[]);
        assert!(!out.seen_id);
        assert_eq!(out.last_id, "");
    }

    #[test]
    fn id_takes_effect_at_the_blank_line() {
        // The id of a block applies to that block's event even when it comes after the data.
        check(b"data: a\nid: 9\n\n", &[ev("message", "a", Some("9"))]);
        // Until the blank line, the stream's last event id is unchanged (the block may be lost).
        let mut p = SseParser::new();
        p.feed(b"id: 1\n\ndata: a\nid: 2\n").unwrap();
        assert_eq!(p.last_event_id(), "1");
        p.feed(b"\n").unwrap();
        assert_eq!(p.last_event_id(), "2");
        assert_eq!(next(&mut p), Some(ev("message", "a", Some("2"))));
        let mut p = SseParser::new();
        p.feed(b"id: 5\n").unwrap();
        assert!(!p.has_seen_id());
        assert_eq!(p.last_event_id(), "");
    }

    #[test]
    fn case25_retry() {
        let out = check(b"retry: 3000\n\n", &[]);
        assert_eq!(out.retry, Some(3000));
        for bad in [
            &b"retry: 3s\n\n"[..],
            b"retry: -1\n\n",
            b"retry: +5\n\n",
            b"retry: \n\n",
            b"retry\n\n",
            b"retry: 1 \n\n",
            b"retry:  1\n\n",
            b"retry: 1.5\n\n",
            "retry: ３\n\n".as_bytes(), // full-width digit is not ASCII
        ] {
            let out = check(bad, &[]);
            assert_eq!(out.retry, None, "{:?}", String::from_utf8_lossy(bad));
        }
        // An invalid retry keeps the previous valid one.
        let out = check(b"retry: 1500\n\nretry: 3s\n\n", &[]);
        assert_eq!(out.retry, Some(1500));
        // retry takes effect without a blank line, and with data it does not stop the event.
        let out = check(b"data: x\nretry: 42\n\nretry: 7\n", &[msg("x")]);
        assert_eq!(out.retry, Some(7));
    }

    #[test]
    fn case26_retry_zero_and_huge() {
        let out = check(b"retry: 0\n\n", &[]);
        assert_eq!(out.retry, Some(0));
        let out = check(b"retry: 99999999999999999999999999\n\n", &[]);
        assert_eq!(out.retry, Some(u64::MAX));
        let out = check(b"retry: 007\n\n", &[]);
        assert_eq!(out.retry, Some(7));
    }

    #[test]
    fn case27_names_are_byte_exact() {
        check(b"Data: x\n\n", &[]);
        check(b"data : x\n\n", &[]);
        check(b" data: x\n\n", &[]);
        check(b"EVENT: e\ndata: x\n\n", &[msg("x")]);
        let out = check(b"ID: 3\ndata: x\n\n", &[msg("x")]);
        assert!(!out.seen_id);
        let out = check(b"Retry: 3\n\n", &[]);
        assert_eq!(out.retry, None);
        check(b"foo: bar\ndata: x\n\n", &[msg("x")]);
    }

    #[test]
    fn case28_eof_before_blank_line() {
        check(b"data: x", &[]);
        check(b"data: x\n", &[]);
        check(b"data: x\r", &[]);
        check(b"event: e\ndata: x\r\n", &[]);
    }

    #[test]
    fn case30_overlong_line_small_bound() {
        let limit = 32;
        // A data line over the bound, terminated.
        let mut line = b"data: ".to_vec();
        line.extend(std::iter::repeat_n(b'x', 40));
        line.extend_from_slice(b"\n\n");
        let out = outcome_all_splits(limit, &line);
        assert_eq!(out.error, Some(SseError::LineTooLong { limit }));
        assert!(out.events.is_empty());
        // Same without any newline, whatever the field.
        let mut line = b"x:".to_vec();
        line.extend(std::iter::repeat_n(b'y', 60));
        let out = outcome_all_splits(limit, &line);
        assert_eq!(out.error, Some(SseError::LineTooLong { limit }));
        // A comment line is a line too.
        let mut line = b":".to_vec();
        line.extend(std::iter::repeat_n(b'c', 40));
        line.push(b'\n');
        let out = outcome_all_splits(limit, &line);
        assert_eq!(out.error, Some(SseError::LineTooLong { limit }));
        // Exactly at the bound is fine (the terminator does not count).
        let mut line = b"data:".to_vec();
        line.extend(std::iter::repeat_n(b'z', limit - 5));
        line.extend_from_slice(b"\r\n\r\n");
        let out = outcome_all_splits(limit, &line);
        assert_eq!(out.error, None);
        assert_eq!(out.events, vec![msg(&"z".repeat(limit - 5))]);
        // One more byte is not.
        let mut line = b"data:".to_vec();
        line.extend(std::iter::repeat_n(b'z', limit - 4));
        line.extend_from_slice(b"\r\n\r\n");
        let out = outcome_all_splits(limit, &line);
        assert_eq!(out.error, Some(SseError::LineTooLong { limit }));
    }

    #[test]
    fn case30_events_before_the_error_are_kept() {
        let mut input = b"data: ok\n\n".to_vec();
        input.extend(std::iter::repeat_n(b'y', 100));
        let out = outcome_all_splits(16, &input);
        assert_eq!(out.error, Some(SseError::LineTooLong { limit: 16 }));
        assert_eq!(out.events, vec![msg("ok")]);
    }

    #[test]
    fn case30_pending_event_data_bounded() {
        // Short lines, but the event's data grows past the bound.
        let limit = 40;
        let input = b"data: 0123456789\n".repeat(5);
        let out = outcome_all_splits(limit, &input);
        assert_eq!(out.error, Some(SseError::LineTooLong { limit }));
        // The same lines in separate events are fine.
        let input = b"data: 0123456789\n\n".repeat(5);
        let out = outcome_all_splits(limit, &input);
        assert_eq!(out.error, None);
        assert_eq!(out.events.len(), 5);
        // Data of exactly the bound (with its LF) is fine: 3 * ("0123456789" + LF) = 33 <= 40.
        let input = b"data: 0123456789\n".repeat(3);
        let out = outcome_all_splits(limit, &[&input[..], b"\n"].concat());
        assert_eq!(out.error, None);
        assert_eq!(out.events, vec![msg("0123456789\n0123456789\n0123456789")]);
        // The bound applies to the decoded data: each invalid byte becomes a 3-byte U+FFFD.
        let out = outcome_all_splits(8, b"data:\xFF\xFF\n\n");
        assert_eq!(out.error, None); // 6 + LF = 7
        let out = outcome_all_splits(8, b"data:\xFF\xFF\xFF\n\n");
        assert_eq!(out.error, Some(SseError::LineTooLong { limit: 8 })); // 9 + LF > 8
    }

    #[test]
    fn case30_default_bound_20_mib_in_64_kib_pieces() {
        let mut p = SseParser::new();
        let piece = vec![b'x'; 64 * 1024];
        p.feed(b"data: ").unwrap();
        let mut fed = 6usize;
        let mut failed_at = None;
        for _ in 0..(20 * 1024 * 1024 / piece.len()) {
            match p.feed(&piece) {
                Ok(()) => {
                    fed += piece.len();
                    // Memory held stays within the bound.
                    assert!(p.line.capacity() <= DEFAULT_MAX_LINE);
                }
                Err(e) => {
                    assert_eq!(
                        e,
                        SseError::LineTooLong {
                            limit: DEFAULT_MAX_LINE
                        }
                    );
                    failed_at = Some(fed + piece.len());
                    break;
                }
            }
        }
        let failed_at = failed_at.expect("a 20 MiB line must be refused");
        // Refused as soon as the accumulated line passed the bound, not at its end.
        assert!(failed_at > DEFAULT_MAX_LINE);
        assert!(failed_at <= DEFAULT_MAX_LINE + piece.len());
        // The memory is given back, and the error is sticky.
        assert_eq!(p.line.capacity(), 0);
        assert!(p.feed(b"\n\n").is_err());
        assert_eq!(next(&mut p), None);
    }

    #[test]
    fn case30_default_bound_50_mib_without_newline() {
        let mut p = SseParser::new();
        let piece = vec![b'y'; 64 * 1024];
        p.feed(b"x:").unwrap();
        let mut err = None;
        for _ in 0..(50 * 1024 * 1024 / piece.len()) {
            if let Err(e) = p.feed(&piece) {
                err = Some(e);
                break;
            }
            assert!(p.line.capacity() <= DEFAULT_MAX_LINE);
        }
        assert_eq!(
            err,
            Some(SseError::LineTooLong {
                limit: DEFAULT_MAX_LINE
            })
        );
    }

    #[test]
    fn case30_overlong_line_within_one_feed() {
        // A complete over-long line in a single feed is refused too, without being buffered.
        let mut input = b"data: ".to_vec();
        input.extend(std::iter::repeat_n(b'x', DEFAULT_MAX_LINE));
        input.extend_from_slice(b"\n\n");
        let mut p = SseParser::new();
        assert_eq!(
            p.feed(&input),
            Err(SseError::LineTooLong {
                limit: DEFAULT_MAX_LINE
            })
        );
        assert_eq!(p.line.capacity(), 0);
        assert_eq!(p.text.capacity(), 0);
    }

    #[test]
    fn one_mib_lines_pass_with_default() {
        let value = "v".repeat(1024 * 1024);
        let input = format!("data: {value}\ndata: {value}\n\n");
        for piece in [input.len(), 64 * 1024, 1000, 7] {
            let mut p = SseParser::new();
            for chunk in input.as_bytes().chunks(piece) {
                p.feed(chunk).unwrap();
            }
            let ev = next(&mut p).expect("event");
            assert_eq!(ev.data.len(), 2 * value.len() + 1);
            assert_eq!(next(&mut p), None);
            assert!(p.line.capacity() <= KEEP_CAPACITY);
        }
        // A 1 MiB comment / unknown-field line is fine too.
        let mut p = SseParser::new();
        let input = format!(":{value}\nfoo:{value}\r\n\r");
        for chunk in input.as_bytes().chunks(4096) {
            p.feed(chunk).unwrap();
        }
        assert_eq!(next(&mut p), None);
    }

    #[test]
    fn case31_every_chunk_boundary() {
        let input = b"event: chunk\ndata: {\"content\":\"a\"}\n\nevent: done\ndata: {\"execution_id\":\"e\",\"status\":\"completed\",\"final_answer\":\"ok\"}\n\n";
        check(
            input,
            &[
                ev("chunk", "{\"content\":\"a\"}", None),
                ev(
                    "done",
                    "{\"execution_id\":\"e\",\"status\":\"completed\",\"final_answer\":\"ok\"}",
                    None,
                ),
            ],
        );
    }

    #[test]
    fn case32_other_event_names() {
        check(
            b"event: heartbeat\ndata: {}\n\ndata: next\n\n",
            &[ev("heartbeat", "{}", None), msg("next")],
        );
    }

    #[test]
    fn type_persists_within_block_and_last_wins() {
        check(
            b"event: a\nevent: b\ndata: x\n\ndata: y\n\n",
            &[ev("b", "x", None), msg("y")],
        );
        check(b"data: x\nevent: late\n\n", &[ev("late", "x", None)]);
    }

    #[test]
    fn value_keeps_further_colons_and_spaces() {
        check(b"data: a: b :c \n\n", &[msg("a: b :c ")]);
        check(b"data:\n\n", &[msg("")]);
        check(b"data: \n\n", &[msg("")]);
        check(b"data:\t x\n\n", &[msg("\t x")]);
    }

    #[test]
    fn many_blank_lines_and_empty_input() {
        check(b"", &[]);
        check(b"\n\n\n\r\r\n\r\n", &[]);
        check(b"\n\ndata: x\n\n\n\n", &[msg("x")]);
    }

    #[test]
    fn nul_in_data_is_kept() {
        check(b"data: a\0b\n\n", &[msg("a\0b")]);
    }

    #[test]
    fn started_and_empty_feeds() {
        let mut p = SseParser::default();
        assert!(!p.started());
        p.feed(b"").unwrap();
        assert!(!p.started());
        p.feed(b":").unwrap();
        assert!(p.started());
        assert_eq!(next(&mut p), None);
        assert_eq!(p.retry_ms(), None);
        assert_eq!(p.last_event_id(), "");
        assert!(!p.has_seen_id());
        // A lone partial BOM byte counts as started.
        let mut p = SseParser::new();
        p.feed(b"\xEF").unwrap();
        assert!(p.started());
    }

    #[test]
    fn events_are_handed_over_at_their_blank_line() {
        let mut p = SseParser::new();
        p.feed(b"data: a\n").unwrap();
        assert_eq!(next(&mut p), None);
        p.feed(b"\r").unwrap(); // a lone CR at the end of a feed already ends the line
        assert_eq!(next(&mut p), Some(msg("a")));
        p.feed(b"\ndata: b\r\n").unwrap(); // the LF of that CRLF, then a new line
        assert_eq!(next(&mut p), None);
        p.feed(b"\r\n").unwrap();
        assert_eq!(next(&mut p), Some(msg("b")));
        assert_eq!(next(&mut p), None);
    }

    #[test]
    fn reset_connection_drops_the_old_connection_state() {
        let mut p = SseParser::new();
        p.feed(b"retry: 250\nid: 4\ndata: done\n\nid: 5\nevent: e\ndata: lost\ndata: par")
            .unwrap();
        assert!(p.started());
        p.reset_connection();
        assert!(!p.started());
        // Kept: the committed id (not the pending 5), has_seen_id, retry, queued events.
        assert_eq!(p.last_event_id(), "4");
        assert!(p.has_seen_id());
        assert_eq!(p.retry_ms(), Some(250));
        assert_eq!(next(&mut p), Some(ev("message", "done", Some("4"))));
        assert_eq!(next(&mut p), None);
        // The new stream: BOM stripped again, no leftover line, data or type; the id carries on.
        p.feed(b"\xEF\xBB\xBFdata: new\n\n").unwrap();
        assert_eq!(next(&mut p), Some(ev("message", "new", Some("4"))));
        assert_eq!(next(&mut p), None);
        assert_eq!(p.last_event_id(), "4");

        // A CR at the end of the old connection does not swallow an LF of the new one.
        let mut p = SseParser::new();
        p.feed(b"data: a\r").unwrap();
        p.reset_connection();
        p.feed(b"\ndata: b\n\n").unwrap();
        assert_eq!(next(&mut p), Some(msg("b")));
        assert_eq!(next(&mut p), None);

        // A partial BOM of the old connection does not combine with the new one.
        let mut p = SseParser::new();
        p.feed(b"\xEF\xBB").unwrap();
        p.reset_connection();
        p.feed(b"\xBFdata: c\n\n").unwrap();
        assert_eq!(next(&mut p), None); // "\xBFdata" is an unknown field
        p.feed(b"data: d\n\n").unwrap();
        assert_eq!(next(&mut p), Some(msg("d")));

        // A bound error survives a reset.
        let mut p = SseParser::with_max_line(4);
        assert!(p.feed(b"data: long").is_err());
        p.reset_connection();
        assert!(p.feed(b"\n").is_err());
    }

    #[test]
    fn a_long_id_is_stored_once_for_many_events() {
        // One 64 KiB id, then 20,000 tiny events in one feed: each event carries the id, but the
        // queued texts hold one copy of it, not one per event (20,000 copies would be 1.3 GB).
        let id = "i".repeat(64 * 1024);
        let mut input = format!("id: {id}\n").into_bytes();
        input.extend(b"data:\n\n".repeat(20_000));
        let mut p = SseParser::new();
        p.feed(&input).unwrap();
        assert!(p.text.capacity() <= 4 * id.len(), "{}", p.text.capacity());
        let mut count = 0;
        while let Some(event) = p.next_event() {
            assert_eq!(event.id, Some(id.as_str()));
            assert_eq!(event.data, "");
            count += 1;
        }
        assert_eq!(count, 20_000);
        // A changed id is stored again, and events before the change keep the old one.
        p.feed(b"data: a\n\nid: 2\ndata: b\n\n").unwrap();
        assert_eq!(next(&mut p), Some(ev("message", "a", Some(&id))));
        assert_eq!(next(&mut p), Some(ev("message", "b", Some("2"))));
    }

    #[test]
    fn the_buffer_is_reused_once_drained() {
        let mut p = SseParser::new();
        let block = b"event: chunk\ndata: {\"content\":\"abc\"}\nid: 7\n\n".repeat(100);
        p.feed(&block).unwrap();
        while p.next_event().is_some() {}
        let capacity = p.text.capacity();
        let start = p.text.as_ptr();
        for _ in 0..1000 {
            p.feed(&block).unwrap();
            let mut count = 0;
            while let Some(event) = p.next_event() {
                assert_eq!(event.event, "chunk");
                assert_eq!(event.data, "{\"content\":\"abc\"}");
                assert_eq!(event.id, Some("7"));
                count += 1;
            }
            assert_eq!(count, 100);
        }
        // Same allocation throughout: no growth, no reallocation per feed or per event.
        assert_eq!(p.text.capacity(), capacity);
        assert_eq!(p.text.as_ptr(), start);
        // A pending event survives the reuse: its data moves to the front.
        p.feed(b"data: x\n\ndata: par").unwrap();
        assert_eq!(next(&mut p), Some(ev("message", "x", Some("7"))));
        p.feed(b"tial\ndata: end\n\n").unwrap();
        assert_eq!(next(&mut p), Some(ev("message", "partial\nend", Some("7"))));
        // A big event's buffer is given back once it has been taken.
        let big = format!("data: {}\n\n", "b".repeat(1024 * 1024));
        p.feed(big.as_bytes()).unwrap();
        assert_eq!(p.next_event().map(|e| e.data.len()), Some(1024 * 1024));
        p.feed(b":").unwrap();
        assert!(p.text.capacity() <= KEEP_CAPACITY, "{}", p.text.capacity());
    }

    #[test]
    fn peek_does_not_take() {
        let mut p = SseParser::new();
        assert_eq!(p.peek_event(), None);
        p.feed(b"event: e\ndata: 1\n\ndata: 2\n\n").unwrap();
        let peeked = p.peek_event().map(SseEventRef::into_owned);
        assert_eq!(peeked, Some(ev("e", "1", None)));
        assert_eq!(next(&mut p), peeked);
        assert_eq!(p.peek_event().map(|e| e.data), Some("2"));
        assert_eq!(next(&mut p), Some(msg("2")));
        assert_eq!(p.peek_event(), None);
    }

    #[test]
    fn error_display_and_sticky() {
        let mut p = SseParser::with_max_line(4);
        let err = p.feed(b"data: too long").unwrap_err();
        assert_eq!(err, SseError::LineTooLong { limit: 4 });
        assert!(err.to_string().contains('4'));
        let dyn_err: &dyn std::error::Error = &err;
        assert!(dyn_err.source().is_none());
        assert_eq!(p.feed(b""), Err(err.clone()));
        assert_eq!(p.feed(b"\n\n"), Err(err));
    }

    #[test]
    fn zero_bound() {
        let out = outcome_all_splits(0, b"\n\r\n\r");
        assert_eq!(out.error, None);
        let out = outcome_all_splits(0, b"d");
        assert_eq!(out.error, Some(SseError::LineTooLong { limit: 0 }));
        let out = outcome_all_splits(0, b"\xEF\xBBx");
        assert_eq!(out.error, Some(SseError::LineTooLong { limit: 0 }));
        // A BOM is not part of a line.
        let out = outcome_all_splits(0, b"\xEF\xBB\xBF\n");
        assert_eq!(out.error, None);
    }

    #[test]
    fn find_line_end_matches_naive() {
        let mut buf = vec![b'a'; 40];
        assert_eq!(find_line_end(&buf), None);
        for i in 0..40 {
            for &t in b"\r\n" {
                buf[i] = t;
                assert_eq!(find_line_end(&buf), Some(i));
                assert_eq!(find_line_end(&buf[..i]), None);
                // A later terminator does not hide an earlier one.
                if i + 3 < 40 {
                    buf[i + 3] = b'\n';
                    assert_eq!(find_line_end(&buf), Some(i));
                    buf[i + 3] = b'a';
                }
                buf[i] = b'a';
            }
        }
        // Bytes near the patterns (0x0B, 0x0C, 0x8A, 0x8D, 0x00) are not line ends.
        let tricky = [
            0x0B, 0x0C, 0x8A, 0x8D, 0x00, 0x09, 0x0E, 0xFF, 0x01, 0x0B, 0x0C,
        ];
        assert_eq!(find_line_end(&tricky), None);
        let mut t = tricky.to_vec();
        t.push(b'\r');
        assert_eq!(find_line_end(&t), Some(tricky.len()));
    }

    #[test]
    fn buffers_stay_bounded() {
        let limit = 1000;
        let mut p = SseParser::with_max_line(limit);
        // Grow the partial line in uneven steps right up to the bound.
        p.feed(b"data:").unwrap();
        let mut len = 5;
        for step in [1usize, 3, 17, 200, 300, 400, 74] {
            p.feed(&vec![b'q'; step]).unwrap();
            len += step;
            assert!(p.line.capacity() <= limit, "capacity {}", p.line.capacity());
        }
        assert_eq!(len, limit);
        assert!(p.feed(b"q").is_err());
        // The data buffer of a pending event stays within the bound too.
        let mut p = SseParser::with_max_line(limit);
        // Each line adds 31 bytes + LF: 31 lines = 992 bytes fit, the 32nd does not.
        for _ in 0..31 {
            p.feed(b"data: 0123456789012345678901234567890\n").unwrap();
            assert!(p.text.capacity() <= limit, "capacity {}", p.text.capacity());
        }
        assert!(p.feed(b"data: 0123456789012345678901234567890\n").is_err());
    }
}
