//! Micro-benchmark of the SSE parser alone (`mindra::sse::SseParser`), std only.
//!
//! Generates the benchmark's stream in memory — 1,000,000 `chunk` events of 64 bytes of text
//! and a `done` event, byte for byte the file `make bench` serves (`BENCH_EVENTS` changes the
//! count) — feeds it in 64 KiB pieces, drains every event, and reports the median MB/s of
//! `BENCH_RUNS` runs (default 5). With `BENCH_RUST_OUT` set, the result is also written there
//! as one JSON line for `make bench`'s results file.
//!
//! Run: `cargo bench --bench sse_parser` (or `make bench`).

use mindra::sse::SseParser;
use std::hint::black_box;
use std::time::Instant;

const WORDS: &[u8] = b"the quick brown fox jumps over the lazy dog while seven wizards quietly judge boxing matches and a jovial sphinx of black quartz reviews my vow ";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The same bytes as `bench gen FILE EVENTS 64 chunk` (bench/c/bench.c).
fn stream(events: usize, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(events * (size + 40) + 200);
    for i in 0..events {
        let off = (i * 7) % WORDS.len();
        out.extend_from_slice(b"event: chunk\ndata: {\"content\":\"");
        out.extend((0..size).map(|k| WORDS[(off + k) % WORDS.len()]));
        out.extend_from_slice(b"\"}\n\n");
    }
    out.extend_from_slice(
        format!(
            "event: done\ndata: {{\"execution_id\":\"ex_0123456789abcdef\",\"status\":\
             \"completed\",\"final_answer\":\"{events} chunks sent\"}}\n\n"
        )
        .as_bytes(),
    );
    out
}

fn main() {
    let events = env_usize("BENCH_EVENTS", 1_000_000);
    let runs = env_usize("BENCH_RUNS", 5).max(1);
    let input = stream(events, 64);
    let mut rates = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut parser = SseParser::new();
        let mut count = 0usize;
        let mut touched = 0usize;
        let start = Instant::now();
        for piece in input.chunks(64 * 1024) {
            parser.feed(black_box(piece)).expect("the stream parses");
            while let Some(event) = parser.next_event() {
                count += 1;
                touched += event.event.len() + event.data.len();
            }
        }
        let secs = start.elapsed().as_secs_f64();
        black_box(touched);
        assert_eq!(count, events + 1, "every event and the done event");
        rates.push(input.len() as f64 / secs / 1e6);
    }
    rates.sort_by(f64::total_cmp);
    let median = if runs % 2 == 1 {
        rates[runs / 2]
    } else {
        (rates[runs / 2 - 1] + rates[runs / 2]) / 2.0
    };
    println!(
        "sse_parser (Rust, in memory): {median:.1} MB/s median of {runs} runs \
         ({} events, {} bytes, 64 KiB pieces; runs: {})",
        events + 1,
        input.len(),
        rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    if let Ok(path) = std::env::var("BENCH_RUST_OUT") {
        let line = format!(
            "{{\"mb_s\":{median:.3},\"runs\":{runs},\"events\":{},\"bytes\":{}}}\n",
            events + 1,
            input.len()
        );
        std::fs::write(&path, line).expect("write BENCH_RUST_OUT");
    }
}
