//! The Rust API against the emulator: runs, errors, retries and approvals.

mod common;

use common::{emulator, unique_task, TEST_KEY};
use mindra::retry::Clock;
use mindra::{Client, ErrorKind};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A clock that records the waits instead of sleeping.
#[derive(Debug, Default)]
struct RecordingClock {
    sleeps: Mutex<Vec<Duration>>,
}

impl Clock for RecordingClock {
    fn sleep(&self, duration: Duration) {
        self.sleeps.lock().unwrap().push(duration);
    }
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

fn client_with_clock(clock: Arc<RecordingClock>) -> Client {
    Client::builder()
        .api_key(TEST_KEY)
        .base_url(&emulator().base_url)
        .clock(clock)
        .build()
        .unwrap()
}

#[test]
fn hello_returns_the_documented_fields() {
    let execution = emulator()
        .client()
        .run_workflow("hello", &unique_task("fields"), Some(r#"{"k":"v"}"#))
        .unwrap();
    assert!(execution.execution_id.starts_with("ex_"));
    assert_eq!(execution.status, "running");
    assert_eq!(execution.workflow_slug, "hello");
    assert_eq!(
        execution.stream_url,
        format!(
            "/api/v1/workflows/execute/{}/stream",
            execution.execution_id
        )
    );
    assert!(execution.conversation_id.is_some());
    assert!(execution.request_id.as_deref().unwrap().starts_with("req_"));
    assert_eq!(execution.http_status, 200);
    let raw: serde_json::Value = serde_json::from_str(&execution.raw_json).unwrap();
    assert_eq!(raw["execution_id"], execution.execution_id.as_str());

    let none = emulator()
        .client()
        .run_workflow("no-conversation", "t", None)
        .unwrap();
    assert_eq!(none.conversation_id, None);
}

#[test]
fn the_request_carries_key_agent_and_verbatim_metadata() {
    let task = unique_task("verbatim");
    let metadata = "{\"z\" : 1, \"a\":123456789012345678901234567890 }";
    emulator()
        .client()
        .run_workflow("hello", &task, Some(metadata))
        .unwrap();
    let request = emulator()
        .requests()
        .into_iter()
        .find(|r| r["body"].as_str().unwrap_or("").contains(&task))
        .expect("the run was recorded");
    let body = request["body"].as_str().unwrap();
    assert_eq!(
        body,
        format!(
            "{{\"task\":{},\"metadata\":{metadata}}}",
            serde_json::to_string(&task).unwrap()
        )
    );
    assert_eq!(request["headers"]["x-api-key"], TEST_KEY);
    assert_eq!(request["headers"]["content-type"], "application/json");
    assert_eq!(
        request["headers"]["user-agent"],
        mindra::client::user_agent()
    );
}

#[test]
fn http_errors_map_to_kinds_with_code_and_request_id() {
    let client = emulator().client();
    client.set_max_retries(0);
    let cases = [
        (
            "no-such-flow",
            ErrorKind::NotFound,
            404,
            Some("WORKFLOW_NOT_FOUND"),
        ),
        (
            "server-error",
            ErrorKind::Server,
            500,
            Some("INTERNAL_ERROR"),
        ),
        ("bad-gateway", ErrorKind::Server, 502, None),
        (
            "rate-limited",
            ErrorKind::RateLimited,
            429,
            Some("RATE_LIMITED"),
        ),
        ("truncated", ErrorKind::Protocol, 200, None),
        ("missing-field", ErrorKind::Protocol, 200, None),
        ("redirect", ErrorKind::Protocol, 307, None),
    ];
    for (slug, kind, status, code) in cases {
        let error = client
            .run_workflow(slug, &unique_task(slug), None)
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{slug}: {error}");
        assert_eq!(error.http_status(), status, "{slug}");
        assert_eq!(error.code(), code, "{slug}");
        assert!(error.request_id().is_some(), "{slug}");
        assert!(!error.message().contains(TEST_KEY), "{slug}");
    }
    let wrong = Client::builder()
        .api_key("mk_ffffffffffffffffffffffffffffffff")
        .base_url(&emulator().base_url)
        .build()
        .unwrap();
    let error = wrong.run_workflow("hello", "t", None).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert_eq!(error.code(), Some("UNAUTHORIZED"));
}

#[test]
fn retry_after_is_honoured_through_the_clock() {
    let clock = Arc::new(RecordingClock::default());
    let client = client_with_clock(clock.clone());
    let task = unique_task("429 once");
    client
        .run_workflow("rate-limited-once", &task, Some(r#"{"retry_after": 7}"#))
        .unwrap();
    assert_eq!(*clock.sleeps.lock().unwrap(), vec![Duration::from_secs(7)]);
    let sent = emulator()
        .requests()
        .into_iter()
        .filter(|r| r["body"].as_str().unwrap_or("").contains(&task))
        .count();
    assert_eq!(sent, 2, "one 429, then the retry");

    let clock = Arc::new(RecordingClock::default());
    let client = client_with_clock(clock.clone());
    client
        .run_workflow(
            "unavailable-once",
            &unique_task("503 once"),
            Some(r#"{"retry_after": 120}"#),
        )
        .unwrap();
    // Capped at 60 s.
    assert_eq!(*clock.sleeps.lock().unwrap(), vec![Duration::from_secs(60)]);
}

#[test]
fn retries_are_bounded_and_never_follow_a_500() {
    let clock = Arc::new(RecordingClock::default());
    let client = client_with_clock(clock.clone());
    let task = unique_task("always 429");
    let error = client
        .run_workflow("rate-limited", &task, Some(r#"{"retry_after": 1}"#))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(clock.sleeps.lock().unwrap().len(), 2, "default: 2 retries");
    let sent = emulator()
        .requests()
        .into_iter()
        .filter(|r| r["body"].as_str().unwrap_or("").contains(&task))
        .count();
    assert_eq!(sent, 3);

    let clock = Arc::new(RecordingClock::default());
    let client = client_with_clock(clock.clone());
    let task = unique_task("500");
    assert_eq!(
        client
            .run_workflow("server-error", &task, None)
            .unwrap_err()
            .kind(),
        ErrorKind::Server
    );
    assert!(clock.sleeps.lock().unwrap().is_empty());
}

#[test]
fn connect_failures_are_retried_then_transport() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let clock = Arc::new(RecordingClock::default());
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .clock(clock.clone())
        .build()
        .unwrap();
    let error = client.run_workflow("hello", "t", None).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert_eq!(error.http_status(), 0);
    assert_eq!(clock.sleeps.lock().unwrap().len(), 2);
}

#[test]
fn the_timeout_bounds_a_slow_answer() {
    let client = emulator().client();
    client.set_timeout(Duration::from_millis(250));
    let started = Instant::now();
    let error = client
        .run_workflow("slow", &unique_task("slow"), Some(r#"{"delay_ms": 3000}"#))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn consecutive_runs_share_one_connection() {
    let emulator = common::start_emulator();
    let client = emulator.client();
    let before = emulator.connections();
    for _ in 0..50 {
        client.run_workflow("hello", "keep-alive", None).unwrap();
    }
    // The run connection plus the stats call's own.
    assert_eq!(emulator.connections() - before, 2);
}

#[test]
fn approvals_resume_the_workflow() {
    let client = emulator().client();
    let outcome = client
        .run_and_wait("approval", &unique_task("approve"), None, |event| {
            matches!(event.kind, mindra::EventKind::ApprovalRequest { .. })
                .then(|| (mindra::Decision::Approve, None))
        })
        .unwrap();
    assert_eq!(outcome.final_answer.as_deref(), Some("Email sent."));
    assert_eq!(outcome.status.as_deref(), Some("completed"));
    assert_eq!(outcome.tool_calls.len(), 1);
    assert_eq!(outcome.tool_calls[0].result.as_deref(), Some("sent"));

    let outcome = client
        .run_and_wait("approval", &unique_task("reject"), None, |event| {
            matches!(event.kind, mindra::EventKind::ApprovalRequest { .. })
                .then(|| (mindra::Decision::Reject, Some("not today".to_string())))
        })
        .unwrap();
    let answer = outcome.final_answer.unwrap();
    assert!(
        answer.contains("rejected") && answer.contains("not today"),
        "{answer}"
    );
    let decision = emulator()
        .requests_to("/reject/")
        .into_iter()
        .find(|r| r["body"] == r#"{"reason":"not today"}"#);
    assert!(decision.is_some());
}

#[test]
fn unknown_and_expired_approvals_are_reported_with_the_api_code() {
    let client = emulator().client();
    let execution = client.run_workflow("approval", "t", None).unwrap();
    let error = client
        .approve(&execution.execution_id, "ap_nope", None)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.code(), Some("APPROVAL_NOT_FOUND"));

    let execution = client
        .run_workflow("approval-expires", "t", Some(r#"{"expire_ms": 100}"#))
        .unwrap();
    let mut stream = client.stream(&execution.stream_url).unwrap();
    let mut approval = None;
    while let Some(event) = stream.next_event().unwrap() {
        if let mindra::EventKind::ApprovalRequest { approval_id, .. } = event.kind {
            approval = Some(approval_id);
        }
    }
    let error = client
        .approve(&execution.execution_id, &approval.unwrap(), Some("late"))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadRequest);
    assert_eq!(error.code(), Some("APPROVAL_EXPIRED"));
    assert_eq!(error.http_status(), 400);
}
