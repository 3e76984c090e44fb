//! Shared by the Rust integration tests: one emulator process per test binary, and a raw
//! HTTP helper for its test hooks.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// The emulator's test key.
pub const TEST_KEY: &str = "mk_0123456789abcdef0123456789abcdef";

/// A running emulator; killed when the test binary exits (through the child's drop guard).
pub struct Emulator {
    pub base_url: String,
    _child: Mutex<ChildGuard>,
}

pub struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn emulator_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("MINDRA_EMULATOR_BIN") {
        return PathBuf::from(path);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for profile in ["release", "debug"] {
        let candidate = root.join("target").join(profile).join("mindra-emulator");
        if candidate.exists() {
            return candidate;
        }
    }
    panic!("mindra-emulator is not built: run `make build` or set MINDRA_EMULATOR_BIN");
}

/// Starts a new emulator on a free port.
pub fn start_emulator() -> Emulator {
    let mut child = Command::new(emulator_binary())
        .args(["--port", "0", "--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the emulator starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("the emulator prints its base URL");
    Emulator {
        base_url: line.trim().to_string(),
        _child: Mutex::new(ChildGuard(child)),
    }
}

/// The emulator shared by the tests of one binary.
pub fn emulator() -> &'static Emulator {
    static SHARED: OnceLock<Emulator> = OnceLock::new();
    SHARED.get_or_init(start_emulator)
}

impl Emulator {
    /// Calls a test hook (`/_emulator/...`) and returns the response body.
    pub fn hook(&self, method: &str, path: &str) -> String {
        let authority = self.base_url.trim_start_matches("http://");
        let mut socket = TcpStream::connect(authority).expect("connect to the emulator");
        write!(
            socket,
            "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        socket.read_to_string(&mut response).unwrap();
        response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default()
    }

    /// Every recorded API request, parsed.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.hook("GET", "/_emulator/requests")).expect("JSON array")
    }

    /// The recorded requests whose path contains `needle`.
    pub fn requests_to(&self, needle: &str) -> Vec<serde_json::Value> {
        self.requests()
            .into_iter()
            .filter(|request| request["path"].as_str().unwrap_or("").contains(needle))
            .collect()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        let stats: serde_json::Value =
            serde_json::from_str(&self.hook("GET", "/_emulator/stats")).unwrap();
        stats["connections"].as_u64().unwrap()
    }

    /// A client for this emulator with the test key.
    pub fn client(&self) -> mindra::Client {
        mindra::Client::builder()
            .api_key(TEST_KEY)
            .base_url(&self.base_url)
            .build()
            .expect("client")
    }
}

/// A task string no other test uses, so scenarios keyed by task do not interfere.
pub fn unique_task(label: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{label} #{} pid {}",
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::process::id()
    )
}
