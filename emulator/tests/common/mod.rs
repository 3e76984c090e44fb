//! A deliberately plain HTTP/1.1 client over `std::net::TcpStream`, so the emulator is
//! tested at the byte level (chunk terminators, aborted bodies) without an HTTP crate.

#![allow(dead_code)] // each test binary uses a different subset

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

pub use mindra_emulator::TEST_API_KEY as KEY;

/// An emulator process started for one test; killed when dropped.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// `127.0.0.1:PORT`
    pub addr: String,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the emulator with extra options (`--api-key`, `--tls-cert`, ...).
    pub fn start_with(options: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mindra-emulator"))
            .args(["--port", "0", "--quiet"])
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mindra-emulator");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read base URL");
        let base = line.trim().to_owned();
        let addr = base
            .strip_prefix("http://")
            .or_else(|| base.strip_prefix("https://"))
            .expect("base URL starts with http:// or https://")
            .to_owned();
        Server {
            child,
            base,
            addr,
            _stdout: stdout,
        }
    }

    pub fn connect(&self) -> Http {
        Http::connect(&self.addr)
    }

    /// One request on a fresh connection.
    pub fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut c = self.connect();
        c.send(method, path, headers, body.as_bytes());
        c.response()
    }

    /// `POST {path_prefix}/v1/workflows/{slug}/run` with the test key.
    pub fn run(&self, slug: &str, body: &str) -> Resp {
        self.call(
            "POST",
            &format!("/v1/workflows/{slug}/run"),
            &[("x-api-key", KEY), ("content-type", "application/json")],
            body,
        )
    }

    /// Starts a run that must succeed and returns the parsed response.
    pub fn start_run(&self, slug: &str, body: &str) -> serde_json::Value {
        let r = self.run(slug, body);
        assert_eq!(r.status, 200, "run {slug}: {}", r.text());
        r.json()
    }

    /// Opens the stream of an execution and checks the response head.
    pub fn open_stream(&self, execution_id: &str, extra: &[(&str, &str)]) -> Events {
        let mut c = self.connect();
        let mut headers = vec![("x-api-key", KEY), ("accept", "text/event-stream")];
        headers.extend_from_slice(extra);
        c.send(
            "GET",
            &format!("/api/v1/workflows/execute/{execution_id}/stream"),
            &headers,
            b"",
        );
        let (status, headers) = c.head();
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-type"), Some("text/event-stream"));
        assert_eq!(header(&headers, "transfer-encoding"), Some("chunked"));
        Events::new(c)
    }

    pub fn stats(&self) -> serde_json::Value {
        self.call("GET", "/_emulator/stats", &[], "").json()
    }

    pub fn requests(&self) -> Vec<serde_json::Value> {
        match self.call("GET", "/_emulator/requests", &[], "").json() {
            serde_json::Value::Array(a) => a,
            other => panic!("requests is not an array: {other}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A finished response.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The API error `code`.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One client connection; can carry several requests (keep-alive).
pub struct Http {
    r: BufReader<TcpStream>,
    /// Set once `head` has seen `transfer-encoding: chunked`.
    chunked: bool,
    content_length: Option<usize>,
}

impl Http {
    pub fn connect(addr: &str) -> Http {
        let s = TcpStream::connect(addr).expect("connect to emulator");
        // A hung emulator fails the test instead of hanging it.
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Http {
            r: BufReader::new(s),
            chunked: false,
            content_length: None,
        }
    }

    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: emulator\r\n");
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!("content-length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let s = self.r.get_mut();
        s.write_all(req.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        s.flush().unwrap();
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.r.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// Reads a response head.
    pub fn head(&mut self) -> (u16, Vec<(String, String)>) {
        let status_line = self.line().expect("status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let l = self.line().expect("header line");
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').expect("header has a colon");
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
        self.chunked = header(&headers, "transfer-encoding") == Some("chunked");
        self.content_length = header(&headers, "content-length").and_then(|v| v.parse().ok());
        (status, headers)
    }

    /// The next chunk of a chunked body: `Ok(None)` after the final empty chunk, an
    /// `UnexpectedEof` error when the connection ends without it (an aborted body).
    pub fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        let size_line = self.line()?;
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, size_line.clone()))?;
        let mut data = vec![0; size];
        self.r.read_exact(&mut data)?;
        let mut crlf = [0; 2];
        self.r.read_exact(&mut crlf)?;
        if size == 0 {
            return Ok(None);
        }
        Ok(Some(data))
    }

    /// Reads a whole response (head and body).
    pub fn response(&mut self) -> Resp {
        let (status, headers) = self.head();
        let mut body = Vec::new();
        if self.chunked {
            while let Some(c) = self.next_chunk().expect("chunked body") {
                body.extend_from_slice(&c);
            }
        } else if let Some(n) = self.content_length {
            body.resize(n, 0);
            self.r.read_exact(&mut body).expect("body");
        } else if status != 204 && status != 304 {
            self.r.read_to_end(&mut body).expect("body to EOF");
        }
        Resp {
            status,
            headers,
            body,
        }
    }
}

/// One parsed server-sent event.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
    pub json: serde_json::Value,
}

/// Reads events from an open stream. Assumes the emulator's own framing (LF line ends).
pub struct Events {
    pub http: Http,
    buf: Vec<u8>,
}

impl Events {
    /// Wraps a connection whose response head has been read.
    pub fn new(http: Http) -> Events {
        Events {
            http,
            buf: Vec::new(),
        }
    }

    /// The next event; comment-only and `retry`-only blocks are skipped. `Ok(None)` when the
    /// body ended properly, `Err` when the connection was cut.
    pub fn next(&mut self) -> io::Result<Option<Event>> {
        loop {
            if let Some(pos) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..pos + 2).collect();
                if let Some(ev) = parse_block(&String::from_utf8_lossy(&block)) {
                    return Ok(Some(ev));
                }
                continue;
            }
            match self.http.next_chunk()? {
                Some(c) => self.buf.extend_from_slice(&c),
                None => return Ok(None),
            }
        }
    }

    /// The next event, which must exist.
    pub fn expect(&mut self) -> Event {
        self.next()
            .expect("stream still open")
            .expect("another event")
    }

    /// Raw body bytes up to and including `needle`, to look at comments and `retry:`.
    pub fn raw_until(&mut self, needle: &str, timeout: Duration) -> String {
        let start = Instant::now();
        while !String::from_utf8_lossy(&self.buf).contains(needle) {
            assert!(start.elapsed() < timeout, "no {needle:?} in time");
            match self.http.next_chunk().expect("stream open") {
                Some(c) => self.buf.extend_from_slice(&c),
                None => panic!("stream ended before {needle:?}"),
            }
        }
        let text = String::from_utf8_lossy(&self.buf).into_owned();
        let end = text.find(needle).unwrap_or(0) + needle.len();
        self.buf.drain(..end);
        text[..end].to_owned()
    }
}

fn parse_block(block: &str) -> Option<Event> {
    let mut id = None;
    let mut event = None;
    let mut data: Option<String> = None;
    for line in block.lines() {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => id = Some(value.to_owned()),
            "event" => event = Some(value.to_owned()),
            "data" => match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
    let data = data?;
    Some(Event {
        id,
        event: event.unwrap_or_else(|| String::from("message")),
        json: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
        data,
    })
}
