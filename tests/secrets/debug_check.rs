//! The API key never shows in the `Debug` (or `Display`) output of the mindra crate's public
//! types. A standalone program, compiled by tests/secrets/run.sh with rustc against the
//! release build's `libmindra.rlib`, and run against an emulator that accepts the key in
//! MINDRA_API_KEY (MINDRA_WRONG_KEY is a key it refuses).
//!
//! Prints one line per value checked and ends with "N passed, N failed".

use mindra::{Client, Decision, ErrorKind};

struct Check {
    keys: Vec<String>,
    passed: u32,
    failed: u32,
}

impl Check {
    fn no_key(&mut self, what: &str, text: &str) {
        let leaked = self.keys.iter().any(|key| text.contains(key.as_str()));
        if leaked {
            self.failed += 1;
            println!("FAIL {what}: the key is in its output: {text}");
        } else {
            self.passed += 1;
            println!("ok   {what}: {}", text.chars().take(160).collect::<String>());
        }
    }

    fn debug<T: std::fmt::Debug>(&mut self, what: &str, value: &T) {
        self.no_key(&format!("{what} (Debug)"), &format!("{value:?}"));
        self.no_key(&format!("{what} (Debug, pretty)"), &format!("{value:#?}"));
    }

    fn error(&mut self, what: &str, error: &mindra::Error) {
        self.debug(what, error);
        self.no_key(&format!("{what} (Display)"), &error.to_string());
    }
}

fn main() {
    let key = std::env::var("MINDRA_API_KEY").expect("MINDRA_API_KEY");
    let wrong = std::env::var("MINDRA_WRONG_KEY").expect("MINDRA_WRONG_KEY");
    let base = std::env::var("MINDRA_BASE_URL").expect("MINDRA_BASE_URL");
    let mut check = Check {
        keys: vec![key.clone(), wrong.clone()],
        passed: 0,
        failed: 0,
    };

    // The builder, before and after the key is set, and the client it builds.
    let builder = Client::builder().api_key(key.clone()).base_url(base.clone());
    check.debug("ClientBuilder with api_key", &builder);
    let client = builder.build().expect("client");
    check.debug("Client", &client);
    check.debug("Client::from_env", &Client::from_env().expect("client from env"));
    let wrong_client = Client::builder()
        .api_key(wrong.clone())
        .base_url(base.clone())
        .build()
        .expect("client");
    check.debug("Client with the wrong key", &wrong_client);

    // Errors: a server that repeats the key in its message, code and request id; a wrong key
    // (also repeated by echo-key's 401); configuration errors carrying the key.
    match client.run_workflow("echo-key", "debug", None) {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::BadRequest);
            check.error("Error from echo-key", &e);
            check.debug("Error::code from echo-key", &e.code());
            check.debug("Error::request_id from echo-key", &e.request_id());
        }
        Ok(x) => panic!("echo-key started: {x:?}"),
    }
    for slug in ["hello", "echo-key"] {
        match wrong_client.run_workflow(slug, "debug", None) {
            Err(e) => check.error(&format!("Error from {slug} with the wrong key"), &e),
            Ok(x) => panic!("wrong key accepted: {x:?}"),
        }
    }
    for url in [
        format!("http://{key}@127.0.0.1:1"),
        format!("http://example.com/{key}"),
        format!("http://127.0.0.1:1/{key}\n"),
    ] {
        match Client::builder().api_key(key.clone()).base_url(url).build() {
            Err(e) => check.error("Error from a base URL holding the key", &e),
            Ok(c) => check.debug("Client from a base URL holding the key", &c),
        }
    }
    match Client::builder().api_key(format!("{key}\r\n")).build() {
        Err(e) => check.error("Error from a key with CR LF", &e),
        Ok(c) => check.debug("Client from a key with CR LF", &c),
    }

    // Successful values: an execution, its stream, events, a cancel handle, approvals and
    // a whole run_and_wait outcome.
    let execution = client
        .run_workflow("approval", "debug", Some(r#"{"k":1}"#))
        .expect("run");
    check.debug("Execution", &execution);
    let mut stream = client.stream(&execution.stream_url).expect("stream");
    check.debug("EventStream", &stream);
    check.debug("CancelHandle", &stream.cancel_handle());
    while let Some(event) = stream.next_event().expect("event") {
        check.debug(&format!("Event {}", event.name), &event);
        if let mindra::EventKind::ApprovalRequest { approval_id, .. } = &event.kind {
            client
                .decide(&execution.execution_id, approval_id, Decision::Approve, None)
                .expect("approve");
        }
    }
    check.debug("EventStream after done", &stream);
    match client.approve(&execution.execution_id, "ap_nope", Some("again")) {
        Err(e) => check.error("Error from an unknown approval", &e),
        Ok(x) => panic!("unknown approval accepted: {x:?}"),
    }
    let outcome = client
        .run_and_wait("tools", "debug", None, |_| None)
        .expect("run_and_wait");
    check.debug("RunOutcome", &outcome);
    match client.stream("ex_doesnotexist") {
        Err(e) => check.error("Error from an unknown stream", &e),
        Ok(s) => panic!("unknown stream opened: {s:?}"),
    }

    println!("{} passed, {} failed", check.passed, check.failed);
    std::process::exit(if check.failed == 0 { 0 } else { 1 });
}
