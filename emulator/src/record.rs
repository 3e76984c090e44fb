//! The request log behind `GET /_emulator/requests` and the counters behind
//! `GET /_emulator/stats`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::http::request::Parts;
use serde_json::{json, Map, Value};

/// Everything the test hooks report. Counters are never reset (only the request list is),
/// so a test can take deltas without racing other tests against a shared emulator.
#[derive(Default)]
pub(crate) struct Recorder {
    /// TCP connections accepted since start, including the hooks' own connections.
    pub(crate) connections: AtomicU64,
    /// API requests (everything outside `/_emulator/`) since start.
    api_requests: AtomicU64,
    /// Ids of connections that carried at least one API request: lets a test count the
    /// client's connections without counting its own calls to the hooks.
    api_connections: Mutex<HashSet<u64>>,
    log: Mutex<Vec<Value>>,
    /// `--no-record` turns the log off (the counters go on).
    disabled: std::sync::atomic::AtomicBool,
}

impl Recorder {
    /// Hands out the next connection id (1-based) and counts the connection.
    pub(crate) fn accept_connection(&self) -> u64 {
        self.connections.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Turns the request log on or off.
    pub(crate) fn set_enabled(&self, enabled: bool) {
        self.disabled.store(!enabled, Ordering::SeqCst);
    }

    /// Appends one API request to the log.
    pub(crate) fn record(&self, parts: &Parts, body: &[u8], connection_id: u64) {
        if self.disabled.load(Ordering::SeqCst) {
            self.api_requests.fetch_add(1, Ordering::SeqCst);
            lock(&self.api_connections).insert(connection_id);
            return;
        }
        let mut headers = Map::new();
        for (name, value) in &parts.headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            // Repeated headers are joined as HTTP allows, so none is silently lost.
            match headers.get_mut(name.as_str()) {
                Some(Value::String(prev)) => {
                    prev.push_str(", ");
                    prev.push_str(&value);
                }
                _ => {
                    headers.insert(name.as_str().to_owned(), Value::String(value));
                }
            }
        }
        let path = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| parts.uri.to_string());
        let entry = json!({
            "method": parts.method.as_str(),
            "path": path,
            "headers": headers,
            "body": String::from_utf8_lossy(body),
            "connection_id": connection_id,
        });
        self.api_requests.fetch_add(1, Ordering::SeqCst);
        lock(&self.api_connections).insert(connection_id);
        lock(&self.log).push(entry);
    }

    /// The log as a JSON array.
    pub(crate) fn requests_json(&self) -> String {
        Value::Array(lock(&self.log).clone()).to_string()
    }

    /// Empties the log (counters are kept).
    pub(crate) fn clear(&self) {
        lock(&self.log).clear();
    }

    /// `{"connections", "requests", "api_connections"}`.
    pub(crate) fn stats_json(&self) -> String {
        json!({
            "connections": self.connections.load(Ordering::SeqCst),
            "requests": self.api_requests.load(Ordering::SeqCst),
            "api_connections": lock(&self.api_connections).len(),
        })
        .to_string()
    }
}

/// Locks a mutex, ignoring poisoning: a panicking handler must not take the emulator down
/// for every later test.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
