//! The scenarios and options added for the hardening tests: the raw `fault-*` answers down
//! to the byte, `echo-key`, the `redirect` knobs, `no-blank-lines`, `long-line`, and the
//! `--api-key`, `--no-record`, `--max-executions` and `--tls-cert` options.

mod common;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Server, KEY};

/// What a raw exchange saw: the bytes, how the connection ended, and when each byte came.
struct Raw {
    bytes: Vec<u8>,
    /// `Ok` for an orderly end of file, the error otherwise (a reset, a timeout).
    end: io::Result<()>,
    elapsed: Duration,
}

impl Raw {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    fn head(&self) -> String {
        let text = self.text();
        text[..text.find("\r\n\r\n").map_or(text.len(), |i| i + 4)].to_owned()
    }

    fn body(&self) -> &[u8] {
        let at = self
            .bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(self.bytes.len(), |i| i + 4);
        &self.bytes[at..]
    }
}

/// Sends `request` on a fresh connection and reads until the server ends it, at most
/// `limit` bytes, giving up after `timeout` of silence.
fn exchange(srv: &Server, request: &[u8], limit: usize, timeout: Duration) -> Raw {
    let mut s = TcpStream::connect(&srv.addr).unwrap();
    s.set_read_timeout(Some(timeout)).unwrap();
    s.write_all(request).unwrap();
    read_all(&mut s, limit)
}

fn read_all(s: &mut impl Read, limit: usize) -> Raw {
    let start = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    let end = loop {
        if bytes.len() >= limit {
            break Ok(());
        }
        match s.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) => break Err(e),
        }
    };
    Raw {
        bytes,
        end,
        elapsed: start.elapsed(),
    }
}

fn run_request(slug: &str, metadata: &str) -> Vec<u8> {
    let body = format!(r#"{{"task":"t","metadata":{metadata}}}"#);
    format!(
        "POST /v1/workflows/{slug}/run HTTP/1.1\r\nhost: e\r\nx-api-key: {KEY}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn stream_request(execution_id: &str, key: &str) -> Vec<u8> {
    format!(
        "GET /api/v1/workflows/execute/{execution_id}/stream HTTP/1.1\r\nhost: e\r\n\
         x-api-key: {key}\r\naccept: text/event-stream\r\n\r\n"
    )
    .into_bytes()
}

fn fault(srv: &Server, slug: &str, metadata: &str) -> Raw {
    exchange(
        srv,
        &run_request(slug, metadata),
        64 << 20,
        Duration::from_secs(5),
    )
}

fn content_length(head: &str) -> Option<u64> {
    head.lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn every_slug_is_listed_by_the_scenarios_hook() {
    let srv = Server::start();
    let listed = srv.call("GET", "/_emulator/scenarios", &[], "").json();
    let listed: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let known: Vec<&str> = mindra_emulator::scenario_slugs().collect();
    assert_eq!(listed, known);
    for slug in [
        "hello",
        "echo-key",
        "no-blank-lines",
        "long-line",
        "fault-reset",
        "fault-gzip-bomb",
    ] {
        assert!(known.contains(&slug), "{slug}");
    }
}

#[test]
fn reset_cuts_the_run_body_in_half_with_a_tcp_reset() {
    let srv = Server::start();
    let r = fault(&srv, "fault-reset", "{}");
    let head = r.head();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("connection: close\r\n"));
    let length = content_length(&head).unwrap() as usize;
    assert_eq!(r.body().len(), length / 2);
    let end = r.end.expect_err("a reset, not an orderly end");
    assert_eq!(end.kind(), io::ErrorKind::ConnectionReset, "{end}");
}

#[test]
fn faults_strike_the_stream_when_asked_and_on_a_kept_alive_connection() {
    let srv = Server::start();
    // The fault comes second on a connection that already served a normal request.
    let mut c = srv.connect();
    c.send(
        "POST",
        "/v1/workflows/fault-reset/run",
        &[("x-api-key", KEY)],
        br#"{"task":"t","metadata":{"on":"stream"}}"#,
    );
    let run = c.response();
    assert_eq!(run.status, 200, "the run itself succeeds: {}", run.text());
    let id = run.json()["execution_id"].as_str().unwrap().to_owned();
    c.send(
        "GET",
        &format!("/api/v1/workflows/execute/{id}/stream"),
        &[("x-api-key", KEY)],
        b"",
    );
    let (status, headers) = c.head();
    assert_eq!(status, 200);
    assert_eq!(
        common::header(&headers, "content-type"),
        Some("text/event-stream")
    );
    let first = c.next_chunk().unwrap().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&first),
        "event: chunk\ndata: {\"content\":\"Before the reset.\"}\n\n"
    );
    let half = c.next_chunk().unwrap().unwrap();
    assert!(!half.ends_with(b"\n\n"));
    let end = c.next_chunk().expect_err("reset");
    assert_eq!(end.kind(), io::ErrorKind::ConnectionReset, "{end}");
}

#[test]
fn no_answer_holds_the_connection_silently() {
    let srv = Server::start();
    let r = exchange(
        &srv,
        &run_request("fault-no-answer", "{}"),
        1,
        Duration::from_millis(400),
    );
    assert!(r.bytes.is_empty());
    let end = r.end.expect_err("still open");
    assert!(
        matches!(
            end.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "{end}"
    );
}

#[test]
fn trickle_sends_the_run_body_a_byte_at_a_time() {
    let srv = Server::start();
    let r = fault(&srv, "fault-trickle", r#"{"interval_ms":5}"#);
    r.end.as_ref().unwrap();
    let length = content_length(&r.head()).unwrap() as u128;
    assert_eq!(r.body().len() as u128, length);
    assert!(r.elapsed.as_millis() >= length * 5, "{:?}", r.elapsed);
    serde_json::from_slice::<serde_json::Value>(r.body()).unwrap();

    // On the stream: one byte per chunk, then the rest of the event and done.
    let run = srv.start_run(
        "fault-trickle",
        r#"{"task":"t","metadata":{"on":"stream","interval_ms":20,"text":"abc"}}"#,
    );
    let id = run["execution_id"].as_str().unwrap();
    let r = exchange(
        &srv,
        &stream_request(id, KEY),
        1 << 20,
        Duration::from_secs(5),
    );
    r.end.as_ref().unwrap();
    let body = String::from_utf8_lossy(r.body()).into_owned();
    assert!(
        body.contains("\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n"),
        "{body}"
    );
    assert!(body.contains("event: done\n"), "{body}");
    assert!(body.ends_with("0\r\n\r\n"), "{body}");
    assert!(r.elapsed >= Duration::from_millis(60));
}

#[test]
fn chunked_truncated_announces_more_than_it_sends() {
    let srv = Server::start();
    let r = fault(&srv, "fault-chunked-truncated", "{}");
    r.end.as_ref().unwrap();
    assert!(r.head().contains("transfer-encoding: chunked\r\n"));
    let body = r.body();
    // First chunk complete, second announced but short, no last chunk.
    let text = String::from_utf8_lossy(body);
    let (size1, rest) = text.split_once("\r\n").unwrap();
    let size1 = usize::from_str_radix(size1, 16).unwrap();
    let rest = &rest[size1 + 2..];
    let (size2, data2) = rest.split_once("\r\n").unwrap();
    assert!(usize::from_str_radix(size2, 16).unwrap() > data2.len() + 200);
    assert!(!text.ends_with("0\r\n\r\n"));

    let r = fault(
        &srv,
        "fault-chunked-truncated",
        r#"{"cut":"no-last-chunk"}"#,
    );
    let text = String::from_utf8_lossy(r.body()).into_owned();
    assert!(text.ends_with("}\r\n"), "{text}");
    assert!(!text.contains("\r\n0\r\n"));
}

#[test]
fn short_body_promises_a_million_bytes() {
    let srv = Server::start();
    let r = fault(&srv, "fault-short-body", "{}");
    r.end.as_ref().unwrap();
    assert_eq!(content_length(&r.head()), Some(1_000_000));
    serde_json::from_slice::<serde_json::Value>(r.body()).expect("a complete JSON body");
    let r = exchange(
        &srv,
        &run_request("fault-short-body", r#"{"end":"hold"}"#),
        1 << 20,
        Duration::from_millis(300),
    );
    assert!(r.end.is_err(), "held open");
}

#[test]
fn huge_body_declares_a_gib_and_streams_until_the_client_leaves() {
    let srv = Server::start();
    let r = exchange(
        &srv,
        &run_request("fault-huge-body", "{}"),
        4 << 20,
        Duration::from_secs(5),
    );
    assert_eq!(content_length(&r.head()), Some(1 << 30));
    assert!(r.body().starts_with(b"{\"execution_id\":\"xxxx"));
    assert!(r.bytes.len() >= 4 << 20);
    // A small body_bytes ends on time with exactly that many bytes.
    let r = fault(&srv, "fault-huge-body", r#"{"body_bytes":100000}"#);
    r.end.as_ref().unwrap();
    assert_eq!(r.body().len(), 100_000);
}

#[test]
fn gzip_bomb_is_a_valid_gzip_of_zeros() {
    let srv = Server::start();
    let r = fault(&srv, "fault-gzip-bomb", r#"{"inflated_mib":4}"#);
    r.end.as_ref().unwrap();
    let head = r.head();
    assert!(head.contains("content-encoding: gzip\r\n"), "{head}");
    let body = r.body();
    assert_eq!(content_length(&head), Some(body.len() as u64));
    assert_eq!(&body[..3], &[0x1f, 0x8b, 8]);
    assert_eq!(body, mindra_emulator::gzip_bomb(4).as_slice());
    // gzip(1) checks the deflate data, the CRC-32 and the size, when it is installed.
    match std::process::Command::new("gzip")
        .args(["-d", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        Ok(mut gz) => {
            let mut stdin = gz.stdin.take().unwrap();
            let data = body.to_vec();
            let feeder = std::thread::spawn(move || stdin.write_all(&data));
            let out = gz.wait_with_output().unwrap();
            feeder.join().unwrap().unwrap();
            assert!(out.status.success(), "gzip -d failed");
            let size = ((4u64 << 20) - 1) / 258 * 258 + 1;
            assert_eq!(out.stdout.len() as u64, size);
            assert!(out.stdout.iter().all(|b| *b == 0));
        }
        Err(_) => eprintln!("gzip not installed: checked the bytes only"),
    }
}

#[test]
fn huge_header_pads_the_head() {
    let srv = Server::start();
    let r = fault(&srv, "fault-huge-header", r#"{"header_bytes":300000}"#);
    r.end.as_ref().unwrap();
    let head = r.head();
    assert!(head.len() > 300_000);
    assert!(head.contains(&format!("x-padding-0: {}\r\n", "a".repeat(300_000))));
    let r = fault(
        &srv,
        "fault-huge-header",
        r#"{"header_bytes":1000,"header_lines":10}"#,
    );
    let head = r.head();
    assert_eq!(head.matches("x-padding-").count(), 10);
    assert!(head.contains(&format!("x-padding-9: {}\r\n", "a".repeat(100))));
    serde_json::from_slice::<serde_json::Value>(r.body()).unwrap();
}

#[test]
fn echo_key_repeats_the_key_everywhere() {
    let srv = Server::start();
    let r = srv.run("echo-key", r#"{"task":"t"}"#);
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains(KEY));
    assert_eq!(r.code(), format!("KEY_REJECTED_{KEY}"));
    assert_eq!(r.header("x-request-id"), Some(&*format!("req_echo_{KEY}")));

    let run = srv.start_run("echo-key", r#"{"task":"t","metadata":{"on":"stream"}}"#);
    let id = run["execution_id"].as_str().unwrap();
    let s = srv.call(
        "GET",
        &format!("/api/v1/workflows/execute/{id}/stream"),
        &[("x-api-key", KEY)],
        "",
    );
    assert_eq!(s.status, 400);
    assert!(s.text().contains(KEY));
    let a = srv.call(
        "POST",
        &format!("/v1/workflows/execute/{id}/approve/ap_x"),
        &[("x-api-key", KEY)],
        "",
    );
    assert_eq!(a.status, 400);
    assert!(a.text().contains(KEY));

    // A wrong key is repeated in echo-key's 401 (and only there).
    let wrong = "mk_wrong_key_for_echo";
    let r = srv.call(
        "POST",
        "/v1/workflows/echo-key/run",
        &[("x-api-key", wrong)],
        r#"{"task":"t"}"#,
    );
    assert_eq!(r.status, 401);
    assert!(r.text().contains(wrong));
    let r = srv.call(
        "POST",
        "/v1/workflows/hello/run",
        &[("x-api-key", wrong)],
        r#"{"task":"t"}"#,
    );
    assert_eq!(r.status, 401);
    assert!(!r.text().contains(wrong));
}

#[test]
fn redirect_status_and_location_are_knobs_and_the_stream_can_redirect() {
    let srv = Server::start();
    let r = srv.run(
        "redirect",
        r#"{"task":"t","metadata":{"status":302,"location":"http://127.0.0.9:1/x"}}"#,
    );
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("http://127.0.0.9:1/x"));
    let r = srv.run("redirect", r#"{"task":"t","metadata":{"status":200}}"#);
    assert_eq!(r.status, 307, "not a redirect status: the default");

    let run = srv.start_run("redirect", r#"{"task":"t","metadata":{"on":"stream"}}"#);
    let id = run["execution_id"].as_str().unwrap();
    let s = srv.call(
        "GET",
        &format!("/api/v1/workflows/execute/{id}/stream"),
        &[("x-api-key", KEY)],
        "",
    );
    assert_eq!(s.status, 307);
    assert!(s
        .header("location")
        .unwrap()
        .ends_with(&format!("/api/v1/workflows/execute/{id}/stream")));
}

#[test]
fn no_blank_lines_and_long_line_streams() {
    let srv = Server::start();
    let run = srv.start_run("no-blank-lines", r#"{"task":"t"}"#);
    let id = run["execution_id"].as_str().unwrap();
    let r = exchange(
        &srv,
        &stream_request(id, KEY),
        1 << 20,
        Duration::from_secs(5),
    );
    let body = r.text();
    assert_eq!(body.matches("data: x\n").count(), 10_000);
    assert!(!body.contains("\n\n"));
    assert!(body.ends_with("0\r\n\r\n"), "a clean end");

    let run = srv.start_run(
        "no-blank-lines",
        r#"{"task":"t","metadata":{"lines":3,"terminate":true}}"#,
    );
    let mut events = srv.open_stream(run["execution_id"].as_str().unwrap(), &[]);
    let ev = events.expect();
    assert_eq!(ev.event, "message");
    assert_eq!(ev.data, "x\nx\nx");
    assert_eq!(events.expect().event, "done");

    let run = srv.start_run(
        "long-line",
        r#"{"task":"t","metadata":{"line_bytes":3000000}}"#,
    );
    let mut events = srv.open_stream(run["execution_id"].as_str().unwrap(), &[]);
    let ev = events.expect();
    assert_eq!(ev.data.len(), 3_000_000);
    assert_eq!(events.expect().event, "done");
}

#[test]
fn api_key_option_replaces_the_test_key() {
    let key = "mk_another_key_0123";
    let srv = Server::start_with(&["--api-key", key]);
    assert_eq!(srv.run("hello", r#"{"task":"t"}"#).status, 401);
    let r = srv.call(
        "POST",
        "/v1/workflows/hello/run",
        &[("x-api-key", key)],
        r#"{"task":"t"}"#,
    );
    assert_eq!(r.status, 200);
}

#[test]
fn no_record_and_max_executions_bound_the_memory() {
    let srv = Server::start_with(&["--no-record", "--max-executions", "2"]);
    let ids: Vec<String> = (0..3)
        .map(|_| {
            srv.start_run("hello", r#"{"task":"t"}"#)["execution_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(srv.requests().is_empty());
    assert_eq!(srv.stats()["requests"], 3);
    // The oldest execution is forgotten; the two newest stream.
    let s = srv.call(
        "GET",
        &format!("/api/v1/workflows/execute/{}/stream", ids[0]),
        &[("x-api-key", KEY)],
        "",
    );
    assert_eq!(s.status, 404);
    let mut events = srv.open_stream(&ids[2], &[]);
    assert_eq!(events.expect().event, "chunk");
}

/// Makes the throwaway certificates with the same script the C tests use, when the
/// openssl CLI is there.
fn test_certs() -> Option<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("mindra-emulator-tls-{}", std::process::id()));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tls/make-test-certs.sh");
    let ok = std::process::Command::new("bash")
        .arg(script)
        .arg(&dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        Some(dir)
    } else {
        eprintln!("no openssl CLI: TLS mode not tested here");
        None
    }
}

#[test]
fn tls_mode_serves_https_with_the_given_certificate() {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

    let Some(dir) = test_certs() else { return };
    let cert = dir.join("server.pem");
    let key = dir.join("server.key");
    let srv = Server::start_with(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    assert!(srv.base.starts_with("https://127.0.0.1:"), "{}", srv.base);

    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(dir.join("ca.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name.clone()).unwrap();
    let tcp = TcpStream::connect(&srv.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let body = r#"{"task":"t"}"#;
    write!(
        tls,
        "POST /v1/workflows/hello/run HTTP/1.1\r\nhost: e\r\nx-api-key: {KEY}\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let r = read_all(&mut tls, 1 << 20);
    assert!(r.text().starts_with("HTTP/1.1 200 OK\r\n"), "{}", r.text());
    assert!(r.text().contains("\"workflow_slug\":\"hello\""));

    // A client that trusts another CA gets no answer at all.
    let mut other = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(dir.join("other-ca.pem")).unwrap() {
        other.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(other)
        .with_no_client_auth();
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(&srv.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let err = tls
        .write_all(b"GET / HTTP/1.1\r\n\r\n")
        .and_then(|_| tls.flush());
    let r = read_all(&mut tls, 1024);
    assert!(err.is_err() || r.end.is_err(), "the handshake must fail");
    assert!(r.bytes.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}
