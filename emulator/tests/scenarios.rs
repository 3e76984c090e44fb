//! End-to-end tests of the emulator binary, one process per test so counters and state
//! never leak between tests.

mod common;

use std::time::{Duration, Instant};

use common::{Server, KEY};

fn names(events: &[common::Event]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

#[test]
fn hello_run_and_stream_behind_a_path_prefix() {
    let srv = Server::start();
    let r = srv.call(
        "POST",
        "/gw/mindra/v1/workflows/hello/run",
        &[("x-api-key", KEY)],
        r#"{"task":"find \"x\"","metadata":{"k":[1,2]}}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("x-request-id").unwrap().starts_with("req_"));
    let run = r.json();
    let id = run["execution_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ex_") && id.len() == 19, "{id}");
    assert_eq!(run["status"], "running");
    assert_eq!(run["workflow_slug"], "hello");
    assert!(run["workflow_name"].is_string());
    assert_eq!(
        run["stream_url"],
        format!("/api/v1/workflows/execute/{id}/stream")
    );
    let created = run["created_at"].as_str().unwrap();
    assert_eq!(created.len(), 20);
    assert!(created.ends_with('Z') && created.as_bytes()[10] == b'T');
    assert!(run["conversation_id"]
        .as_str()
        .unwrap()
        .starts_with("conv_"));

    // The stream through the same prefix, as a client with a gateway base URL would ask.
    let mut c = srv.connect();
    c.send(
        "GET",
        &format!("/gw/mindra/api/v1/workflows/execute/{id}/stream"),
        &[("x-api-key", KEY)],
        b"",
    );
    let (status, headers) = c.head();
    assert_eq!(status, 200);
    assert_eq!(
        common::header(&headers, "content-type"),
        Some("text/event-stream")
    );
    assert_eq!(common::header(&headers, "cache-control"), Some("no-cache"));
    assert_eq!(common::header(&headers, "content-encoding"), None);
    let mut stream = common::Events::new(c);
    let mut events = Vec::new();
    while let Some(ev) = stream.next().expect("clean end of body") {
        events.push(ev);
    }
    assert_eq!(
        names(&events),
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
    let text: String = events[..3]
        .iter()
        .map(|e| e.json["content"].as_str().unwrap())
        .collect();
    assert_eq!(text, "Hello, world!");
    assert_eq!(events[3].json["tool_name"], "search");
    assert_eq!(events[3].json["tool_input"]["query"], "find \"x\"");
    assert_eq!(events[4].json["result"], "3 results");
    let done = &events[6].json;
    assert_eq!(done["execution_id"], id.as_str());
    assert_eq!(done["status"], "completed");
    assert_eq!(done["final_answer"], "Hello, world!");

    // The raw path is recorded as received, prefix and all.
    let recs = srv.requests();
    assert_eq!(recs[0]["path"], "/gw/mindra/v1/workflows/hello/run");
    assert_eq!(recs[0]["method"], "POST");
    assert_eq!(recs[0]["headers"]["x-api-key"], KEY);
    assert_eq!(
        recs[0]["body"],
        r#"{"task":"find \"x\"","metadata":{"k":[1,2]}}"#
    );

    // no-conversation differs only in its null conversation_id.
    let run = srv.start_run("no-conversation", r#"{"task":"t"}"#);
    assert!(run["conversation_id"].is_null());
}

#[test]
fn missing_or_wrong_key_is_401_but_hooks_need_none() {
    let srv = Server::start();
    let body = r#"{"task":"t"}"#;
    for headers in [vec![], vec![("x-api-key", "mk_wrong")]] {
        let r = srv.call("POST", "/v1/workflows/hello/run", &headers, body);
        assert_eq!(r.status, 401);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert!(r.header("x-request-id").is_some());
        assert_eq!(
            r.text(),
            r#"{"error":"Invalid API key","code":"UNAUTHORIZED"}"#
        );
    }
    let r = srv.call("GET", "/_emulator/health", &[], "");
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    assert!(r.header("x-request-id").is_some());
    assert_eq!(srv.stats()["requests"], 2);
}

#[test]
fn not_found_and_bad_requests() {
    let srv = Server::start();
    // An encoded slash stays inside the slug.
    let r = srv.run("a%2Fb%3Fc%23d%20e", r#"{"task":"t"}"#);
    assert_eq!(r.status, 404);
    assert_eq!(
        r.text(),
        r#"{"error":"Workflow 'a/b?c#d e' not found","code":"WORKFLOW_NOT_FOUND"}"#
    );
    let recs = srv.requests();
    assert_eq!(recs[0]["path"], "/v1/workflows/a%2Fb%3Fc%23d%20e/run");

    let r = srv.call(
        "GET",
        "/api/v1/workflows/execute/ex_nope/stream",
        &[("x-api-key", KEY)],
        "",
    );
    assert_eq!((r.status, r.code().as_str()), (404, "EXECUTION_NOT_FOUND"));

    for body in [
        "not json",
        "{}",
        r#"{"task":5}"#,
        r#"{"task":"t","metadata":3}"#,
    ] {
        let r = srv.run("hello", body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "INVALID_REQUEST"),
            "{body}"
        );
    }
}

#[test]
fn error_scenarios() {
    let srv = Server::start();
    let r = srv.run("server-error", r#"{"task":"t"}"#);
    assert_eq!((r.status, r.code().as_str()), (500, "INTERNAL_ERROR"));

    let r = srv.run("rate-limited", r#"{"task":"t"}"#);
    assert_eq!((r.status, r.header("retry-after")), (429, Some("1")));

    let r = srv.run("bad-gateway", r#"{"task":"t"}"#);
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html"));

    let r = srv.run("truncated", r#"{"task":"t"}"#);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), r#"{"execution_id": "ex_trunc", "status": "runn"#);
    assert_eq!(r.header("content-length"), Some("44"));

    let r = srv.run("missing-field", r#"{"task":"t"}"#);
    assert_eq!(r.status, 200);
    assert!(r.json().get("execution_id").is_none());

    let r = srv.run("redirect", r#"{"task":"t"}"#);
    assert_eq!(r.status, 307);
    let port = srv.addr.rsplit(':').next().unwrap();
    assert_eq!(
        r.header("location").unwrap(),
        format!("http://127.0.0.2:{port}/v1/workflows/hello/run")
    );

    let start = Instant::now();
    let r = srv.run("slow", r#"{"task":"t","metadata":{"delay_ms":300}}"#);
    assert_eq!(r.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));

    let r = srv.run("unavailable-once", r#"{"task":"u"}"#);
    assert_eq!((r.status, r.header("retry-after")), (503, Some("1")));
    assert_eq!(srv.run("unavailable-once", r#"{"task":"u"}"#).status, 200);
}

#[test]
fn rate_limited_once_is_keyed_by_task() {
    let srv = Server::start();
    let body = r#"{"task":"rl-a","metadata":{"retry_after":2}}"#;
    let r = srv.run("rate-limited-once", body);
    assert_eq!(r.status, 429);
    assert_eq!(r.code(), "RATE_LIMITED");
    assert_eq!(r.header("retry-after"), Some("2"));
    let r = srv.run("rate-limited-once", body);
    assert_eq!(r.status, 200, "{}", r.text());
    // Another task has its own first time.
    let r = srv.run("rate-limited-once", r#"{"task":"rl-b"}"#);
    assert_eq!((r.status, r.header("retry-after")), (429, Some("1")));
}

fn decide(srv: &Server, action: &str, exec: &str, approval: &str, body: &str) -> common::Resp {
    srv.call(
        "POST",
        &format!("/v1/workflows/execute/{exec}/{action}/{approval}"),
        &[("x-api-key", KEY)],
        body,
    )
}

#[test]
fn approval_flow_approve_and_early_reject() {
    let srv = Server::start();
    let run = srv.start_run("approval", r#"{"task":"mail it"}"#);
    let id = run["execution_id"].as_str().unwrap();
    let mut s = srv.open_stream(id, &[]);
    assert_eq!(s.expect().event, "chunk");
    let req = s.expect();
    assert_eq!(req.event, "approval_request");
    assert_eq!(req.json["tool_name"], "send_email");
    assert_eq!(req.json["tool_input"]["to"], "ops@example.com");
    let ap = req.json["approval_id"].as_str().unwrap().to_owned();
    assert!(ap.starts_with("ap_"));

    // Paused: only keep-alive comments arrive.
    s.raw_until(": keep-alive\n\n", Duration::from_secs(2));

    let r = decide(&srv, "approve", id, "ap_other", "");
    assert_eq!((r.status, r.code().as_str()), (404, "APPROVAL_NOT_FOUND"));
    let r = decide(&srv, "approve", "ex_other", &ap, "");
    assert_eq!((r.status, r.code().as_str()), (404, "EXECUTION_NOT_FOUND"));
    let r = decide(&srv, "approve", id, &ap, "{bad");
    assert_eq!((r.status, r.code().as_str()), (400, "INVALID_REQUEST"));
    let r = decide(&srv, "approve", id, &ap, "");
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, r#"{"status":"approved"}"#)
    );

    let rest: Vec<_> = std::iter::from_fn(|| s.next().expect("clean end")).collect();
    assert_eq!(names(&rest), ["tool_executing", "tool_result", "done"]);
    assert_eq!(rest[1].json["result"], "sent");
    assert_eq!(rest[2].json["final_answer"], "Email sent.");
    assert_eq!(rest[2].json["execution_id"], id);

    let r = decide(&srv, "reject", id, &ap, "");
    assert_eq!(
        (r.status, r.code().as_str()),
        (409, "APPROVAL_ALREADY_DECIDED")
    );

    // A rejection sent before anyone opened the stream still counts.
    let run = srv.start_run("approval", r#"{"task":"mail it"}"#);
    let id = run["execution_id"].as_str().unwrap();
    let ap = format!("ap_{}", &id[3..]);
    let r = decide(&srv, "reject", id, &ap, r#"{"reason":"not now"}"#);
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, r#"{"status":"rejected"}"#)
    );
    let mut s = srv.open_stream(id, &[]);
    let all: Vec<_> = std::iter::from_fn(|| s.next().expect("clean end")).collect();
    assert_eq!(names(&all), ["chunk", "approval_request", "chunk", "done"]);
    assert_eq!(
        all[3].json["final_answer"],
        "Email not sent: rejected: not now"
    );
}

#[test]
fn approval_expires() {
    let srv = Server::start();
    let run = srv.start_run(
        "approval-expires",
        r#"{"task":"t","metadata":{"expire_ms":100}}"#,
    );
    let id = run["execution_id"].as_str().unwrap();
    let mut s = srv.open_stream(id, &[]);
    let all: Vec<_> = std::iter::from_fn(|| s.next().expect("clean end")).collect();
    assert_eq!(names(&all), ["chunk", "approval_request", "done"]);
    assert_eq!(all[2].json["status"], "failed");
    let ap = all[1].json["approval_id"].as_str().unwrap();
    let r = decide(&srv, "approve", id, ap, "");
    assert_eq!((r.status, r.code().as_str()), (400, "APPROVAL_EXPIRED"));
}

#[test]
fn drop_with_ids_resumes_after_last_event_id() {
    let srv = Server::start();
    let run = srv.start_run("drop-with-ids", r#"{"task":"t"}"#);
    let id = run["execution_id"].as_str().unwrap();

    let mut s = srv.open_stream(id, &[]);
    assert_eq!(
        s.raw_until("\n\n", Duration::from_secs(2)),
        "retry: 100\n\n"
    );
    for n in 1..=3 {
        let ev = s.expect();
        assert_eq!(ev.id.as_deref(), Some(n.to_string().as_str()));
        assert_eq!(ev.json["content"], format!("part{n}"));
    }
    // The body is cut: no final empty chunk, the connection just ends.
    let err = s.next().expect_err("body must be aborted");
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);

    let mut s = srv.open_stream(id, &[("Last-Event-ID", "3")]);
    let rest: Vec<_> = std::iter::from_fn(|| s.next().expect("clean end")).collect();
    assert_eq!(names(&rest), ["chunk", "chunk", "done"]);
    let ids: Vec<_> = rest.iter().map(|e| e.id.clone().unwrap()).collect();
    assert_eq!(ids, ["4", "5", "6"]);
    assert_eq!(rest[2].json["execution_id"], id);

    let recs = srv.requests();
    let last = recs.last().unwrap();
    assert_eq!(last["headers"]["last-event-id"], "3");
}

#[test]
fn drop_no_ids_cuts_after_two_chunks() {
    let srv = Server::start();
    let run = srv.start_run("drop-no-ids", r#"{"task":"t"}"#);
    let mut s = srv.open_stream(run["execution_id"].as_str().unwrap(), &[]);
    assert_eq!(s.expect().event, "chunk");
    assert!(s.expect().id.is_none());
    assert!(s.next().is_err());
}

#[test]
fn connections_are_counted_and_numbered() {
    let srv = Server::start();
    let before = srv.stats();
    let mut c = srv.connect();
    for _ in 0..3 {
        c.send(
            "POST",
            "/v1/workflows/hello/run",
            &[("x-api-key", KEY)],
            br#"{"task":"t"}"#,
        );
        assert_eq!(c.response().status, 200);
    }
    let after = srv.stats();
    let delta = |k: &str| after[k].as_u64().unwrap() - before[k].as_u64().unwrap();
    // Our keep-alive connection plus the one that fetched `after`.
    assert_eq!(delta("connections"), 2);
    assert_eq!(delta("requests"), 3);
    assert_eq!(delta("api_connections"), 1);

    let recs = srv.requests();
    assert_eq!(recs.len(), 3);
    let conn = &recs[0]["connection_id"];
    assert!(conn.as_u64().unwrap() >= 1);
    assert!(recs.iter().all(|r| &r["connection_id"] == conn));

    let r = srv.call("DELETE", "/_emulator/requests", &[], "");
    assert_eq!(r.status, 200);
    assert!(srv.requests().is_empty());
    assert_eq!(srv.stats()["requests"], 3);
}

#[test]
fn many_events_are_streamed_fast() {
    let srv = Server::start();
    let run = srv.start_run(
        "many-events",
        r#"{"task":"t","metadata":{"events":200000,"chunk_size":16}}"#,
    );
    let start = Instant::now();
    let mut s = srv.open_stream(run["execution_id"].as_str().unwrap(), &[]);
    let first = s.expect();
    assert_eq!(first.json["content"], "x".repeat(16));
    let mut chunks = 1;
    let mut done = None;
    while let Some(ev) = s.next().expect("clean end") {
        match ev.event.as_str() {
            "chunk" => chunks += 1,
            "done" => done = Some(ev),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(chunks, 200_000);
    assert!(done.is_some());
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn sigterm_stops_promptly_with_a_stream_open() {
    let mut srv = Server::start();
    let run = srv.start_run("done-keep-open", r#"{"task":"t"}"#);
    let mut s = srv.open_stream(run["execution_id"].as_str().unwrap(), &[]);
    assert_eq!(s.expect().event, "chunk");
    assert_eq!(s.expect().event, "done");

    let start = Instant::now();
    let pid = srv.child.id().to_string();
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(ok.success());
    loop {
        if let Some(status) = srv.child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0));
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(3), "still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn other_stream_scenarios() {
    let srv = Server::start();
    let collect = |slug: &str, meta: &str| {
        let run = srv.start_run(slug, &format!(r#"{{"task":"t","metadata":{meta}}}"#));
        let mut s = srv.open_stream(run["execution_id"].as_str().unwrap(), &[]);
        std::iter::from_fn(|| s.next().expect("clean end")).collect::<Vec<_>>()
    };

    let ev = collect("tools", "{}");
    assert_eq!(
        names(&ev),
        ["chunk", "tool_executing", "tool_result", "chunk", "done"]
    );
    assert_eq!(
        ev[1].data,
        r#"{"tool_name":"calculator","tool_input":{"expression":"6*7"}}"#
    );
    assert_eq!(ev[2].json["result"], "42");
    assert_eq!(ev[4].json["final_answer"], "42");

    let ev = collect("unknown-event", "{}");
    assert_eq!(names(&ev), ["chunk", "heartbeat", "chunk", "done"]);

    let start = Instant::now();
    let ev = collect("keepalive", r#"{"pause_ms":400}"#);
    assert_eq!(names(&ev), ["chunk", "done"]);
    assert!(start.elapsed() >= Duration::from_millis(400));

    let start = Instant::now();
    let ev = collect("slow-stream", r#"{"silence_ms":300}"#);
    assert_eq!(names(&ev), ["chunk", "done"]);
    assert!(start.elapsed() >= Duration::from_millis(300));

    let run = srv.start_run("not-sse", r#"{"task":"t"}"#);
    let r = srv.call(
        "GET",
        run["stream_url"].as_str().unwrap(),
        &[("x-api-key", KEY)],
        "",
    );
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("application/json"))
    );
    assert_eq!(r.text(), "{}");
}

#[test]
fn drop_with_ids_tuning() {
    let srv = Server::start();
    // Every connection is cut before its first event.
    let run = srv.start_run(
        "drop-with-ids",
        r#"{"task":"t","metadata":{"drops":10,"drop_after":0,"retry_ms":250}}"#,
    );
    let id = run["execution_id"].as_str().unwrap();
    for last in [None, Some("0")] {
        let extra: Vec<(&str, &str)> = last.map(|l| ("Last-Event-ID", l)).into_iter().collect();
        let mut s = srv.open_stream(id, &extra);
        assert_eq!(
            s.raw_until("\n\n", Duration::from_secs(2)),
            "retry: 250\n\n"
        );
        assert!(s.next().is_err());
    }

    // A reconnection may be refused with 204.
    let run = srv.start_run(
        "drop-with-ids",
        r#"{"task":"t","metadata":{"reconnect_status":204}}"#,
    );
    let id = run["execution_id"].as_str().unwrap();
    let r = srv.call(
        "GET",
        &format!("/api/v1/workflows/execute/{id}/stream"),
        &[("x-api-key", KEY), ("Last-Event-ID", "3")],
        "",
    );
    assert_eq!(r.status, 204);
}
