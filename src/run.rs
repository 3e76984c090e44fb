//! Starting a workflow: metadata validation, the request body, and the run response.

use crate::client::{snippet, Client};
use crate::error::{Error, ErrorKind, Result};
use serde::de::IgnoredAny;

/// A started workflow: the documented fields of the run response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    /// The execution's id; use it to stream events and to approve or reject tool calls.
    pub execution_id: String,
    /// The execution's status when it was started (such as `running`).
    pub status: String,
    /// The workflow's slug as the server reports it.
    pub workflow_slug: String,
    /// The workflow's human-readable name.
    pub workflow_name: String,
    /// Where its events stream, as the server sent it (a path relative to the base URL).
    pub stream_url: String,
    /// When it was created, as the server sent it (RFC 3339).
    pub created_at: String,
    /// The conversation it belongs to; `None` when the server sent `null`.
    pub conversation_id: Option<String>,
    /// The whole response body, for fields added to the API later.
    pub raw_json: String,
    /// The response's `x-request-id` (or `request-id`) header.
    pub request_id: Option<String>,
    /// The HTTP status of the response (2xx).
    pub http_status: u16,
}

/// The run response as the API documents it; every field but `conversation_id` is required.
#[derive(serde::Deserialize)]
struct RunResponse {
    execution_id: String,
    status: String,
    workflow_slug: String,
    workflow_name: String,
    stream_url: String,
    created_at: String,
    #[serde(default)]
    conversation_id: Option<String>,
}

/// Checks that `metadata` is one JSON object and returns the text to embed: `{}` for `None`
/// or an empty string, otherwise the caller's text untouched, so key order, whitespace,
/// unicode escapes and number spelling reach the server exactly as written.
///
/// Errors: [`ErrorKind::InvalidMetadata`] for anything but a JSON object (including JSON
/// nested deeper than serde_json's recursion limit of 128, refused without deep recursion).
pub fn validate_metadata(metadata: Option<&str>) -> Result<&str> {
    let text = match metadata {
        None | Some("") => return Ok("{}"),
        Some(text) => text,
    };
    let first = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .bytes()
        .next();
    if first != Some(b'{') {
        return Err(Error::new(
            ErrorKind::InvalidMetadata,
            "metadata must be a JSON object (it must start with '{')",
        ));
    }
    if let Some(depth) = nesting_deeper_than(text, MAX_METADATA_DEPTH) {
        return Err(Error::new(
            ErrorKind::InvalidMetadata,
            format!("metadata nests deeper than {MAX_METADATA_DEPTH} levels (at least {depth})"),
        ));
    }
    // IgnoredAny checks the syntax (and trailing garbage) without building a value.
    serde_json::from_str::<IgnoredAny>(text).map_err(|error| {
        Error::new(
            ErrorKind::InvalidMetadata,
            format!("metadata is not valid JSON: {error}"),
        )
    })?;
    Ok(text)
}

/// The deepest nesting of objects and arrays metadata may have: serde_json's own recursion
/// limit, so any metadata accepted here is one a server built on serde_json can parse.
pub const MAX_METADATA_DEPTH: usize = 128;

/// The nesting depth reached, if it exceeds `limit`. A flat scan outside strings: it never
/// recurses, so no input can overflow the stack. (serde's IgnoredAny skips nested values in a
/// loop without counting depth, so the syntax check alone would accept any depth.)
fn nesting_deeper_than(text: &str, limit: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for byte in text.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return Some(depth);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The run request body: `{"task":<task as a JSON string>,"metadata":<metadata as written>}`.
pub fn run_request_body(task: &str, metadata: &str) -> String {
    let task = serde_json::to_string(task).expect("a str always serialises");
    let mut body = String::with_capacity(task.len() + metadata.len() + 24);
    body.push_str("{\"task\":");
    body.push_str(&task);
    body.push_str(",\"metadata\":");
    body.push_str(metadata);
    body.push('}');
    body
}

/// Reads a 2xx run response; anything but the documented object is [`ErrorKind::Protocol`].
/// Public so the fuzz targets can reach it; [`Client::run_workflow`] is the API to call.
pub fn parse_run_response(
    status: u16,
    body: Vec<u8>,
    request_id: Option<String>,
) -> Result<Execution> {
    let protocol = |message: String| {
        Error::http(
            ErrorKind::Protocol,
            status,
            message,
            None,
            request_id.clone(),
        )
    };
    let raw_json = String::from_utf8(body).map_err(|error| {
        protocol(format!(
            "the run response is not UTF-8: {}",
            snippet(error.as_bytes())
        ))
    })?;
    let response: RunResponse = serde_json::from_str(&raw_json).map_err(|error| {
        protocol(format!(
            "the run response is not the documented JSON object ({error}): {}",
            snippet(raw_json.as_bytes())
        ))
    })?;
    Ok(Execution {
        execution_id: response.execution_id,
        status: response.status,
        workflow_slug: response.workflow_slug,
        workflow_name: response.workflow_name,
        stream_url: response.stream_url,
        created_at: response.created_at,
        conversation_id: response.conversation_id,
        raw_json,
        request_id,
        http_status: status,
    })
}

impl Client {
    /// Starts the workflow `slug` with `task` and optional `metadata` (JSON object text) and
    /// returns at once with the execution's id and stream URL.
    ///
    /// The metadata is validated before any byte is sent and embedded exactly as written. The
    /// slug is sent as one percent-encoded path segment. 429 and 503 (honouring
    /// `Retry-After`, capped at 60 s) and failures to connect are retried up to
    /// [`Client::max_retries`] times; a run is never sent again once the server may have
    /// started it (500, 502, 504, a connection lost after sending).
    ///
    /// Errors: every [`ErrorKind`] but `Cancelled` and `Config`.
    pub fn run_workflow(
        &self,
        slug: &str,
        task: &str,
        metadata: Option<&str>,
    ) -> Result<Execution> {
        let url = self.base_url().run_url(slug)?;
        if task.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArgument, "the task is empty"));
        }
        let metadata = validate_metadata(metadata)?;
        let body = run_request_body(task, metadata);
        let answer = self.post_json(&url, body.as_bytes())?;
        parse_run_response(answer.status, answer.body, answer.request_id)
            .map_err(|error| self.redact(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_must_be_one_json_object() {
        assert_eq!(validate_metadata(None).unwrap(), "{}");
        assert_eq!(validate_metadata(Some("")).unwrap(), "{}");
        let exact = " {\"b\": 1,  \"a\":123456789012345678901234567890, \"u\":\"\\u00e9\"} ";
        assert_eq!(validate_metadata(Some(exact)).unwrap(), exact);
        for bad in [
            "[]", "1", "\"x\"", "null", "{", "{} {}", "{\"a\":}", "not json", " ", "{}x",
        ] {
            let error = validate_metadata(Some(bad)).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidMetadata, "{bad:?}");
        }
    }

    #[test]
    fn deeply_nested_metadata_is_refused_without_overflowing_the_stack() {
        let nested = |depth: usize| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        for depth in [129, 10_000, 1_000_000] {
            let error = validate_metadata(Some(&nested(depth))).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidMetadata, "{depth}");
            assert!(
                error.message().contains("deeper than 128"),
                "{}",
                error.message()
            );
        }
        assert!(validate_metadata(Some(&nested(128))).is_ok());
        let arrays = format!("{{\"a\":{}{}}}", "[".repeat(127), "]".repeat(127));
        assert!(validate_metadata(Some(&arrays)).is_ok());
        // Brackets inside strings are text, not nesting.
        let text = format!("{{\"a\":\"{}\\\"{}\"}}", "[".repeat(500), "{".repeat(500));
        assert!(validate_metadata(Some(&text)).is_ok(), "{text}");
    }

    #[test]
    fn body_embeds_metadata_verbatim_and_escapes_the_task() {
        let body = run_request_body("say \"hi\"\nplease", "{ \"n\" : 1e400 }");
        assert_eq!(
            body,
            "{\"task\":\"say \\\"hi\\\"\\nplease\",\"metadata\":{ \"n\" : 1e400 }}"
        );
    }

    #[test]
    fn run_responses_need_every_documented_field() {
        let good = br#"{"execution_id":"ex_1","status":"running","workflow_slug":"hello","workflow_name":"Hello","stream_url":"/api/v1/workflows/execute/ex_1/stream","created_at":"2026-11-29T10:00:00Z","conversation_id":null,"extra":1}"#;
        let execution = parse_run_response(200, good.to_vec(), Some("req_7".into())).unwrap();
        assert_eq!(execution.execution_id, "ex_1");
        assert_eq!(execution.conversation_id, None);
        assert_eq!(execution.raw_json.as_bytes(), good);
        assert_eq!(execution.request_id.as_deref(), Some("req_7"));

        for bad in [
            &br#"{"execution_id": "ex_trunc", "status": "runn"#[..],
            br#"{"status":"running"}"#,
            br#"[]"#,
            b"",
            b"\xff\xfe",
            br#"{"execution_id":1,"status":"running","workflow_slug":"h","workflow_name":"H","stream_url":"/s","created_at":"t"}"#,
        ] {
            let error = parse_run_response(200, bad.to_vec(), None).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Protocol);
            assert_eq!(error.http_status(), 200);
        }
    }
}
