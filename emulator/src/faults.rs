//! The fault scenarios (`fault-*` slugs): answers no well-behaved HTTP server gives, written
//! as raw bytes on the socket after the connection has been taken over from hyper (see
//! [`crate::conn::Takeover`]). Each fault can hit the run request (the default) or, with
//! `metadata.on = "stream"`, the stream request of a run that itself succeeded.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use tokio::time::sleep;

use crate::conn::Io;
use crate::util::{json_string, meta_u64, Obj};

/// The fault slugs, with the `workflow_name` a run of theirs reports.
pub(crate) const FAULTS: &[(&str, &str)] = &[
    ("fault-reset", "Fault: Connection Reset"),
    ("fault-no-answer", "Fault: No Answer"),
    ("fault-trickle", "Fault: Trickling Body"),
    ("fault-chunked-truncated", "Fault: Truncated Chunked Body"),
    (
        "fault-short-body",
        "Fault: Body Shorter Than Content-Length",
    ),
    ("fault-huge-body", "Fault: Huge Body"),
    ("fault-gzip-bomb", "Fault: Gzip Bomb"),
    ("fault-huge-header", "Fault: Huge Header"),
];

/// How long a closing script keeps reading what the client still sends before dropping the
/// socket (dropping it with unread input would turn the FIN into a reset).
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// Where a fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// The answer to `POST .../run`.
    Run,
    /// The answer to the stream request of a run that succeeded normally.
    Stream,
}

impl Target {
    /// `metadata.on`: `"stream"` moves the fault to the stream request.
    pub(crate) fn of(meta: &Map<String, Value>) -> Target {
        match meta.get("on").and_then(Value::as_str) {
            Some("stream") => Target::Stream,
            _ => Target::Run,
        }
    }
}

/// One thing a script does on the socket.
#[derive(Debug)]
pub(crate) enum Step {
    /// Writes these bytes at once.
    Write(Vec<u8>),
    /// Writes one byte at a time with a pause before each; with `chunked`, every byte is a
    /// chunk of its own (`1\r\nX\r\n`), as a server flushing each byte would send it.
    Trickle {
        bytes: Vec<u8>,
        every: Duration,
        chunked: bool,
    },
    /// Writes `total` copies of `byte` in 64 KiB pieces (each a chunk when `chunked`); stops
    /// early, without error, when the client goes away.
    Fill { byte: u8, total: u64, chunked: bool },
    /// Waits.
    Pause(Duration),
}

/// How a script leaves the connection once its steps are done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// An orderly close (FIN).
    Close,
    /// A TCP reset (RST).
    Reset,
    /// Nothing: the connection stays open, silent, until the client closes it or the
    /// server stops.
    Hold,
}

/// What a taken-over connection receives.
#[derive(Debug)]
pub(crate) struct Script {
    pub(crate) steps: Vec<Step>,
    pub(crate) end: End,
}

/// Plays a script on a socket taken over from hyper.
pub(crate) async fn play(script: Script, mut io: Io, mut shutdown: watch::Receiver<bool>) {
    let stopped = async move {
        let _ = shutdown.wait_for(|s| *s).await;
    };
    tokio::pin!(stopped);
    let wrote = tokio::select! {
        r = steps(&mut io, &script.steps) => r,
        _ = &mut stopped => return,
    };
    if wrote.is_err() {
        return; // the client went away
    }
    match script.end {
        End::Reset => io.reset(),
        End::Close => {
            let _ = io.shutdown().await;
            tokio::select! {
                _ = tokio::time::timeout(DRAIN_LIMIT, drain(&mut io)) => {}
                _ = &mut stopped => {}
            }
        }
        End::Hold => {
            tokio::select! {
                _ = drain(&mut io) => {}
                _ = &mut stopped => {}
            }
        }
    }
}

async fn steps(io: &mut Io, steps: &[Step]) -> std::io::Result<()> {
    for step in steps {
        match step {
            Step::Write(bytes) => {
                io.write_all(bytes).await?;
                io.flush().await?;
            }
            Step::Trickle {
                bytes,
                every,
                chunked,
            } => {
                for b in bytes {
                    sleep(*every).await;
                    if *chunked {
                        io.write_all(&chunk(&[*b])).await?;
                    } else {
                        io.write_all(&[*b]).await?;
                    }
                    io.flush().await?;
                }
            }
            Step::Fill {
                byte,
                total,
                chunked,
            } => {
                const PIECE: u64 = 64 * 1024;
                let piece = vec![*byte; PIECE as usize];
                let framed = if *chunked {
                    chunk(&piece)
                } else {
                    piece.clone()
                };
                let mut left = *total;
                while left > 0 {
                    let n = left.min(PIECE);
                    let r = if n == PIECE {
                        io.write_all(&framed).await
                    } else if *chunked {
                        io.write_all(&chunk(&piece[..n as usize])).await
                    } else {
                        io.write_all(&piece[..n as usize]).await
                    };
                    if r.is_err() {
                        // The client stopped reading, as it should: not an error of ours.
                        return Ok(());
                    }
                    left -= n;
                }
                io.flush().await?;
            }
            Step::Pause(d) => sleep(*d).await,
        }
    }
    Ok(())
}

/// Reads and discards until end of file or an error.
async fn drain(io: &mut Io) {
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = io.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

/// One chunk of a chunked body.
pub(crate) fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// The chunk that ends a chunked body.
const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// A response head: status line, the given headers, `x-request-id` and `connection: close`
/// (every script ends the connection, and a client must not pool it for the next request),
/// blank line.
fn head(status: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("x-request-id: req_fault\r\nconnection: close\r\n\r\n");
    out.into_bytes()
}

fn json_head(content_length: u64) -> Vec<u8> {
    head(
        "200 OK",
        &[
            ("content-type", String::from("application/json")),
            ("content-length", content_length.to_string()),
        ],
    )
}

fn sse_head(extra: &[(&str, String)]) -> Vec<u8> {
    let mut headers = vec![
        ("content-type", String::from("text/event-stream")),
        ("cache-control", String::from("no-cache")),
        ("transfer-encoding", String::from("chunked")),
    ];
    headers.extend(extra.iter().cloned());
    head("200 OK", &headers)
}

/// The documented run response of a fault run (its execution does not exist).
fn run_body(slug: &str, name: &str) -> Vec<u8> {
    crate::scenarios::run_response("ex_fa0170000000000", slug, name, "null").into_bytes()
}

fn event(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn chunk_event(content: &str) -> String {
    event("chunk", &Obj::new().str("content", content).finish())
}

fn done_event(execution_id: &str, answer: &str) -> String {
    event(
        "done",
        &Obj::new()
            .str("execution_id", execution_id)
            .str("status", "completed")
            .str("final_answer", answer)
            .finish(),
    )
}

/// `metadata.end` overrides how a script leaves the connection.
fn end_of(meta: &Map<String, Value>, default: End) -> End {
    match meta.get("end").and_then(Value::as_str) {
        Some("close") => End::Close,
        Some("reset") => End::Reset,
        Some("hold") => End::Hold,
        _ => default,
    }
}

/// The script of fault `slug` for `target`; `execution_id` is the run's (stream target) or
/// a placeholder. `None` for a slug that is not a fault.
pub(crate) fn script(
    slug: &str,
    target: Target,
    meta: &Map<String, Value>,
    execution_id: &str,
) -> Option<Script> {
    let name = FAULTS.iter().find(|(s, _)| *s == slug)?.1;
    let body = run_body(slug, name);
    let ms =
        |key: &str, default: u64| Duration::from_millis(meta_u64(meta, key).unwrap_or(default));
    let settle = Duration::from_millis(50);
    let (steps, end) = match (slug, target) {
        ("fault-reset", Target::Run) => (
            vec![
                Step::Write(
                    [
                        json_head(body.len() as u64),
                        body[..body.len() / 2].to_vec(),
                    ]
                    .concat(),
                ),
                Step::Pause(settle),
            ],
            End::Reset,
        ),
        ("fault-reset", Target::Stream) => {
            let unfinished = chunk_event("This event is cut by a reset.");
            (
                vec![
                    Step::Write(
                        [
                            sse_head(&[]),
                            chunk(chunk_event("Before the reset.").as_bytes()),
                        ]
                        .concat(),
                    ),
                    Step::Pause(settle),
                    Step::Write(chunk(&unfinished.as_bytes()[..unfinished.len() / 2])),
                    Step::Pause(settle),
                ],
                End::Reset,
            )
        }
        ("fault-no-answer", _) => (Vec::new(), End::Hold),
        ("fault-trickle", Target::Run) => (
            vec![
                Step::Write(json_head(body.len() as u64)),
                Step::Trickle {
                    bytes: body,
                    every: ms("interval_ms", 1000),
                    chunked: false,
                },
            ],
            End::Close,
        ),
        ("fault-trickle", Target::Stream) => {
            let text = meta
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("trickle");
            let quoted = json_string(text);
            let inner = quoted[1..quoted.len() - 1].as_bytes().to_vec();
            let tail = format!("\"}}\n\n{}", done_event(execution_id, text));
            (
                vec![
                    Step::Write(
                        [sse_head(&[]), chunk(b"event: chunk\ndata: {\"content\":\"")].concat(),
                    ),
                    Step::Trickle {
                        bytes: inner,
                        every: ms("interval_ms", 200),
                        chunked: true,
                    },
                    Step::Write([chunk(tail.as_bytes()), LAST_CHUNK.to_vec()].concat()),
                ],
                End::Close,
            )
        }
        ("fault-chunked-truncated", target) => {
            let whole_chunks = meta.get("cut").and_then(Value::as_str) == Some("no-last-chunk");
            let head = match target {
                Target::Run => head(
                    "200 OK",
                    &[
                        ("content-type", String::from("application/json")),
                        ("transfer-encoding", String::from("chunked")),
                    ],
                ),
                Target::Stream => sse_head(&[]),
            };
            let mut out = head;
            match (target, whole_chunks) {
                // Every byte of the body in complete chunks, but no terminating chunk.
                (Target::Run, true) => out.extend(chunk(&body)),
                (Target::Stream, true) => {
                    out.extend(chunk(chunk_event("Complete chunk one.").as_bytes()));
                    out.extend(chunk(chunk_event("Complete chunk two.").as_bytes()));
                }
                // A chunk that announces more bytes than ever arrive.
                (Target::Run, false) => {
                    let (first, rest) = body.split_at(body.len() / 2);
                    out.extend(chunk(first));
                    out.extend(format!("{:x}\r\n", rest.len() + 256).into_bytes());
                    out.extend_from_slice(rest);
                }
                (Target::Stream, false) => {
                    out.extend(chunk(chunk_event("Before the cut.").as_bytes()));
                    out.extend(b"1000\r\n".iter());
                    out.extend(b"event: chunk\ndata: {\"content\":\"cut short".iter());
                }
            }
            (vec![Step::Write(out), Step::Pause(settle)], End::Close)
        }
        ("fault-short-body", target) => {
            let length = meta_u64(meta, "content_length").unwrap_or(1_000_000);
            let out = match target {
                Target::Run => [json_head(length), body].concat(),
                Target::Stream => [
                    head(
                        "200 OK",
                        &[
                            ("content-type", String::from("text/event-stream")),
                            ("cache-control", String::from("no-cache")),
                            ("content-length", length.to_string()),
                        ],
                    ),
                    chunk_event("Only this event arrives.").into_bytes(),
                ]
                .concat(),
            };
            (vec![Step::Write(out), Step::Pause(settle)], End::Close)
        }
        ("fault-huge-body", target) => {
            let total = meta_u64(meta, "body_bytes").unwrap_or(1 << 30);
            match target {
                Target::Run => {
                    let prefix = b"{\"execution_id\":\"";
                    (
                        vec![
                            Step::Write([json_head(total), prefix.to_vec()].concat()),
                            Step::Fill {
                                byte: b'x',
                                total: total.saturating_sub(prefix.len() as u64),
                                chunked: false,
                            },
                        ],
                        End::Close,
                    )
                }
                // One `data:` line of `total` bytes, never finished.
                Target::Stream => (
                    vec![
                        Step::Write([sse_head(&[]), chunk(b"data: ")].concat()),
                        Step::Fill {
                            byte: b'x',
                            total,
                            chunked: true,
                        },
                    ],
                    End::Close,
                ),
            }
        }
        ("fault-gzip-bomb", target) => {
            let mib = meta_u64(meta, "inflated_mib").unwrap_or(1024);
            let bomb = gzip_bomb(mib);
            let out = match target {
                Target::Run => [
                    head(
                        "200 OK",
                        &[
                            ("content-type", String::from("application/json")),
                            ("content-encoding", String::from("gzip")),
                            ("content-length", bomb.len().to_string()),
                        ],
                    ),
                    bomb,
                ]
                .concat(),
                Target::Stream => [
                    sse_head(&[("content-encoding", String::from("gzip"))]),
                    chunk(&bomb),
                    LAST_CHUNK.to_vec(),
                ]
                .concat(),
            };
            (vec![Step::Write(out), Step::Pause(settle)], End::Close)
        }
        ("fault-huge-header", target) => {
            let bytes = meta_u64(meta, "header_bytes").unwrap_or(4 << 20).max(1);
            let lines = meta_u64(meta, "header_lines").unwrap_or(1).clamp(1, bytes);
            let per_line = (bytes / lines) as usize;
            let mut padding: Vec<(String, String)> = (0..lines)
                .map(|i| (format!("x-padding-{i}"), "a".repeat(per_line)))
                .collect();
            if let Some(last) = padding.last_mut() {
                last.1.push_str(&"a".repeat((bytes % lines) as usize));
            }
            let mut headers: Vec<(&str, String)> = padding
                .iter()
                .map(|(n, v)| (n.as_str(), v.clone()))
                .collect();
            let out = match target {
                Target::Run => {
                    headers.push(("content-type", String::from("application/json")));
                    headers.push(("content-length", body.len().to_string()));
                    [head("200 OK", &headers), body].concat()
                }
                Target::Stream => {
                    headers.push(("content-type", String::from("text/event-stream")));
                    headers.push(("transfer-encoding", String::from("chunked")));
                    let events =
                        chunk_event("Behind a huge header.") + &done_event(execution_id, "ok");
                    [
                        head("200 OK", &headers),
                        chunk(events.as_bytes()),
                        LAST_CHUNK.to_vec(),
                    ]
                    .concat()
                }
            };
            (vec![Step::Write(out), Step::Pause(settle)], End::Close)
        }
        _ => return None,
    };
    Some(Script {
        steps,
        end: end_of(meta, end),
    })
}

/// A gzip member whose deflate data inflates to about `mib` MiB of zero bytes at the best
/// ratio deflate allows (~1:1032): one dynamic-Huffman block of a literal zero followed by
/// length-258/distance-1 matches, each two bits long. 1024 MiB is about 1 MiB of gzip. The
/// CRC-32 and size in the trailer are right, so `gzip -d` accepts it.
pub(crate) fn gzip_bomb(mib: u64) -> Vec<u8> {
    static DEFAULT: OnceLock<Vec<u8>> = OnceLock::new();
    if mib == 1024 {
        return DEFAULT.get_or_init(|| build_gzip_bomb(1024)).clone();
    }
    build_gzip_bomb(mib)
}

fn build_gzip_bomb(mib: u64) -> Vec<u8> {
    let matches = (mib << 20).saturating_sub(1) / 258;
    let inflated = 1 + 258 * matches;
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]; // gzip header, no name
    let mut bits = Bits::default();
    bits.put(1, 1); // BFINAL
    bits.put(2, 2); // BTYPE = dynamic Huffman
    bits.put(29, 5); // HLIT: 286 literal/length codes
    bits.put(0, 5); // HDIST: 1 distance code
    bits.put(14, 4); // HCLEN: 18 code length codes
                     // Code length code lengths in the RFC 1951 order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1:
                     // symbol 18 (a run of zeros) gets 1 bit, symbols 1 and 2 get 2 bits.
    for len in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        bits.put(len, 3);
    }
    // Canonical code length codes: 18 = 0, 1 = 10, 2 = 11.
    let (cl1, cl2, cl18) = ((0b10, 2), (0b11, 2), (0b0, 1));
    let zeros = |bits: &mut Bits, n: u64| {
        bits.code(cl18.0, cl18.1);
        bits.put(n - 11, 7);
    };
    bits.code(cl2.0, cl2.1); // literal 0: 2 bits
    zeros(&mut bits, 138); // literals 1..=138
    zeros(&mut bits, 117); // literals 139..=255
    bits.code(cl2.0, cl2.1); // 256 (end of block): 2 bits
    zeros(&mut bits, 28); // lengths 257..=284
    bits.code(cl1.0, cl1.1); // 285 (length 258): 1 bit
    bits.code(cl1.0, cl1.1); // distance code 0 (distance 1): 1 bit
                             // Canonical literal/length codes: 285 = 0, literal 0 = 10, end of block = 11; distance 0 = 0.
    bits.code(0b10, 2);
    for _ in 0..matches {
        bits.put(0, 2); // length 258 (code 0), distance 1 (code 0)
    }
    bits.code(0b11, 2);
    out.extend(bits.finish());
    out.extend(crc32_of_zeros(inflated).to_le_bytes());
    out.extend((inflated as u32).to_le_bytes());
    out
}

/// A deflate bit writer: fields least significant bit first, Huffman codes most significant
/// bit first, as RFC 1951 packs them.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u64, len: u32) {
        let mut reversed = 0;
        for i in 0..len {
            reversed |= ((code >> i) & 1) << (len - 1 - i);
        }
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

const CRC_POLY: u32 = 0xedb8_8320;

/// (a * b) modulo the CRC-32 polynomial, in the reflected bit order CRC-32 uses.
fn mult_mod_p(a: u32, mut b: u32) -> u32 {
    let mut m = 1u32 << 31;
    let mut p = 0u32;
    loop {
        if a & m != 0 {
            p ^= b;
            if a & (m - 1) == 0 {
                break;
            }
        }
        m >>= 1;
        b = if b & 1 != 0 {
            (b >> 1) ^ CRC_POLY
        } else {
            b >> 1
        };
    }
    p
}

/// The CRC-32 of `n` zero bytes in O(log n): running n zero bytes through the register
/// multiplies it by x^(8n).
pub(crate) fn crc32_of_zeros(n: u64) -> u32 {
    let mut x2k = 1u32 << 30; // x^1
    let mut power = 1u32 << 31; // x^0
    let mut bits = n * 8;
    while bits > 0 {
        if bits & 1 != 0 {
            power = mult_mod_p(x2k, power);
        }
        x2k = mult_mod_p(x2k, x2k);
        bits >>= 1;
    }
    mult_mod_p(power, 0xffff_ffff) ^ 0xffff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ CRC_POLY
                } else {
                    crc >> 1
                };
            }
        }
        crc ^ 0xffff_ffff
    }

    #[test]
    fn crc_of_zeros_matches_the_bitwise_crc() {
        for n in [0usize, 1, 2, 3, 7, 8, 100, 1000, 65_537] {
            assert_eq!(crc32_of_zeros(n as u64), crc32(&vec![0; n]), "n = {n}");
        }
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn bomb_is_small_and_well_formed() {
        let bomb = gzip_bomb(1024);
        assert!(bomb.len() < 1_100_000, "{}", bomb.len());
        assert!(bomb.len() > 1_000_000, "{}", bomb.len());
        assert_eq!(&bomb[..3], &[0x1f, 0x8b, 8]);
        let matches = ((1u64 << 30) - 1) / 258;
        let size = u32::from_le_bytes(bomb[bomb.len() - 4..].try_into().unwrap_or_default());
        assert_eq!(u64::from(size), 1 + 258 * matches);
    }

    #[test]
    fn every_fault_has_a_script_for_both_targets() {
        let meta = Map::new();
        for (slug, _) in FAULTS {
            assert!(script(slug, Target::Run, &meta, "ex_1").is_some(), "{slug}");
            assert!(
                script(slug, Target::Stream, &meta, "ex_1").is_some(),
                "{slug}"
            );
        }
        assert!(script("hello", Target::Run, &meta, "ex_1").is_none());
    }
}
