//! The proxy environment variables, end to end: a request to a host that does not resolve
//! succeeds only because it went through the CONNECT proxy named by `HTTP_PROXY`, and
//! `NO_PROXY` sends it direct again. One test in its own binary: it changes the environment.

mod common;

use common::{emulator, TEST_KEY};
use mindra::ErrorKind;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

/// A minimal HTTP CONNECT proxy that sends every tunnel to `upstream`, whatever host the client
/// asked for, and counts the tunnels it opened.
fn start_connect_proxy(upstream: String) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let tunnels = Arc::new(AtomicUsize::new(0));
    let counter = tunnels.clone();
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let upstream = upstream.clone();
            let counter = counter.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                assert!(line.starts_with("CONNECT mindra.invalid:"), "{line}");
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    if header == "\r\n" || header.is_empty() {
                        break;
                    }
                }
                let server = TcpStream::connect(&upstream).unwrap();
                counter.fetch_add(1, Ordering::SeqCst);
                let mut client_write = client;
                client_write
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let mut server_read = server.try_clone().unwrap();
                let mut to_client = client_write.try_clone().unwrap();
                thread::spawn(move || {
                    let _ = std::io::copy(&mut server_read, &mut to_client);
                });
                let mut server_write = server;
                let buffered = reader.buffer().to_vec();
                server_write.write_all(&buffered).unwrap();
                let mut rest = reader.into_inner();
                let mut buf = [0u8; 8192];
                while let Ok(n) = rest.read(&mut buf) {
                    if n == 0 || server_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, tunnels)
}

#[test]
fn http_proxy_carries_requests_and_no_proxy_bypasses_it() {
    let upstream = emulator()
        .base_url
        .trim_start_matches("http://")
        .to_string();
    let emulator_port = upstream.rsplit(':').next().unwrap().to_string();
    let (proxy_port, tunnels) = start_connect_proxy(upstream);
    // A host that never resolves: only the proxy can reach "it".
    let base_url = format!("http://mindra.invalid:{emulator_port}");
    std::env::set_var("MINDRA_ALLOW_INSECURE_HTTP", "1");
    std::env::set_var("HTTP_PROXY", format!("http://127.0.0.1:{proxy_port}"));
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let client = mindra::Client::builder()
        .api_key(TEST_KEY)
        .base_url(&base_url)
        .build()
        .unwrap();
    assert_eq!(
        client.proxy(),
        Some(format!("http://127.0.0.1:{proxy_port}").as_str())
    );
    let execution = client
        .run_workflow("hello", "through a proxy", None)
        .unwrap();
    assert!(execution.execution_id.starts_with("ex_"));
    assert!(tunnels.load(Ordering::SeqCst) >= 1);

    std::env::set_var("NO_PROXY", ".invalid");
    let direct = mindra::Client::builder()
        .api_key(TEST_KEY)
        .base_url(&base_url)
        .max_retries(0)
        .build()
        .unwrap();
    assert_eq!(direct.proxy(), None);
    let before = tunnels.load(Ordering::SeqCst);
    let error = direct.run_workflow("hello", "direct", None).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert_eq!(tunnels.load(Ordering::SeqCst), before);
}
