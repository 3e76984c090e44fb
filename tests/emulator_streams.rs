//! The Rust stream API against the emulator.

mod common;

use common::{emulator, unique_task};
use mindra::{ErrorKind, EventKind};
use std::time::{Duration, Instant};

fn open(slug: &str, metadata: Option<&str>) -> (mindra::Client, mindra::EventStream) {
    let client = emulator().client();
    let execution = client
        .run_workflow(slug, &unique_task(slug), metadata)
        .unwrap();
    let stream = client.stream(&execution.stream_url).unwrap();
    (client, stream)
}

#[test]
fn hello_streams_chunks_a_tool_call_and_done() {
    let (_client, stream) = open("hello", None);
    let events: Vec<_> = stream.map(Result::unwrap).collect();
    let names: Vec<_> = events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "chunk",
            "chunk",
            "chunk",
            "tool_executing",
            "tool_result",
            "chunk",
            "done"
        ]
    );
    assert!(events.last().unwrap().is_done());
    let request = emulator()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r["method"] == "GET")
        .unwrap();
    assert_eq!(request["headers"]["accept"], "text/event-stream");
    assert_eq!(request["headers"]["cache-control"], "no-cache");
    assert_eq!(request["headers"]["accept-encoding"], "identity");
}

#[test]
fn after_done_the_stream_ends_quietly_even_if_the_server_keeps_the_socket() {
    let (_client, mut stream) = open("done-keep-open", None);
    let started = Instant::now();
    let mut saw_done = false;
    while let Some(event) = stream.next_event().unwrap() {
        saw_done |= event.is_done();
    }
    assert!(saw_done);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(stream.next_event().unwrap().is_none());
}

#[test]
fn a_drop_without_ids_is_a_transport_error() {
    let (_client, mut stream) = open("drop-no-ids", None);
    let mut chunks = 0;
    let error = loop {
        match stream.next_event() {
            Ok(Some(_)) => chunks += 1,
            Ok(None) => panic!("a dropped stream must not end quietly"),
            Err(error) => break error,
        }
    };
    assert_eq!(chunks, 2);
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(
        stream.next_event().unwrap_err().kind(),
        ErrorKind::Transport
    );
}

#[test]
fn a_drop_with_ids_resumes_from_the_last_event_id_without_duplicates() {
    let (_client, stream) = open("drop-with-ids", None);
    let events: Vec<_> = stream.map(Result::unwrap).collect();
    let ids: Vec<_> = events.iter().map(|e| e.id.clone().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"]);
    let resumed = emulator()
        .requests()
        .into_iter()
        .any(|r| r["headers"]["last-event-id"] == "3");
    assert!(resumed);
}

#[test]
fn cancel_wakes_a_blocked_read_promptly() {
    let (_client, mut stream) = open("keepalive", Some(r#"{"pause_ms": 30000}"#));
    let handle = stream.cancel_handle();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let at = Instant::now();
        handle.cancel();
        at
    });
    let error = stream.next_event().unwrap_err();
    let cancelled_at = canceller.join().unwrap();
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert!(cancelled_at.elapsed() < Duration::from_millis(100));
    assert_eq!(
        stream.next_event().unwrap_err().kind(),
        ErrorKind::Cancelled
    );
}

#[test]
fn keep_alives_reset_the_idle_timeout_and_silence_trips_it() {
    let client = emulator().client();
    client.set_timeout(Duration::from_millis(500));
    let execution = client
        .run_workflow(
            "keepalive",
            &unique_task("ka"),
            Some(r#"{"pause_ms": 1500}"#),
        )
        .unwrap();
    let events: Vec<_> = client
        .stream(&execution.execution_id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(events.last().unwrap().is_done());

    let execution = client
        .run_workflow(
            "slow-stream",
            &unique_task("slow"),
            Some(r#"{"silence_ms": 5000}"#),
        )
        .unwrap();
    let mut stream = client.stream(&execution.execution_id).unwrap();
    assert!(matches!(
        stream.next_event().unwrap().unwrap().kind,
        EventKind::Chunk { .. }
    ));
    let started = Instant::now();
    assert_eq!(stream.next_event().unwrap_err().kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn many_events_are_counted_exactly() {
    let (_client, stream) = open("many-events", Some(r#"{"events": 100000}"#));
    let started = Instant::now();
    let mut chunks = 0usize;
    let mut done = 0usize;
    for event in stream {
        match event.unwrap().kind {
            EventKind::Chunk { .. } => chunks += 1,
            EventKind::Done { .. } => done += 1,
            _ => {}
        }
    }
    assert_eq!((chunks, done), (100_000, 1));
    eprintln!(
        "many-events: {:.0} events/s",
        100_001.0 / started.elapsed().as_secs_f64()
    );
}

#[test]
fn streams_refuse_foreign_origins_and_report_http_errors() {
    let client = emulator().client();
    for foreign in [
        "https://example.com/x",
        "http://127.0.0.2:1/api",
        "//evil/x",
    ] {
        assert_eq!(
            client.stream(foreign).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
    let error = client.stream("ex_does_not_exist").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.code(), Some("EXECUTION_NOT_FOUND"));

    let execution = client.run_workflow("not-sse", "t", None).unwrap();
    assert_eq!(
        client.stream(&execution.stream_url).unwrap_err().kind(),
        ErrorKind::Protocol
    );
}
