//! The error type of the Rust API and its kinds, which map one-to-one onto the C API's
//! `MindraErrorKind` values.

use std::ffi::CStr;
use std::fmt;

/// What went wrong, in the categories a caller acts on.
///
/// Every kind has a fixed number in the C API (`MINDRA_ERR_*`); [`ErrorKind::code`] gives it.
/// The numbers are ABI: they are never renumbered or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A required argument is missing or empty, is not valid UTF-8, or is an unusable slug or id.
    InvalidArgument,
    /// The metadata is not a JSON object (or not valid UTF-8).
    InvalidMetadata,
    /// Missing API key, unusable base URL, or a refused insecure URL.
    Config,
    /// DNS, connect, TLS or I/O failure, or a connection lost.
    Transport,
    /// A request took longer than the client timeout (for a stream: a silence longer than it).
    Timeout,
    /// HTTP 401 or 403.
    Unauthorized,
    /// HTTP 404.
    NotFound,
    /// HTTP 429 once retries are spent.
    RateLimited,
    /// Any other HTTP 4xx.
    BadRequest,
    /// HTTP 5xx once retries are spent.
    Server,
    /// The server's answer is not what the API documents (bad JSON, missing field, broken SSE).
    Protocol,
    /// The operation was cancelled by the caller.
    Cancelled,
    /// A bug in the library (a caught panic).
    Internal,
}

impl ErrorKind {
    /// Every kind, in the order of their C values (1..=13).
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidMetadata,
        ErrorKind::Config,
        ErrorKind::Transport,
        ErrorKind::Timeout,
        ErrorKind::Unauthorized,
        ErrorKind::NotFound,
        ErrorKind::RateLimited,
        ErrorKind::BadRequest,
        ErrorKind::Server,
        ErrorKind::Protocol,
        ErrorKind::Cancelled,
        ErrorKind::Internal,
    ];

    /// The kind's fixed number in the C API (`MINDRA_ERR_*`); 0 is reserved for success.
    pub fn code(self) -> i32 {
        match self {
            ErrorKind::InvalidArgument => 1,
            ErrorKind::InvalidMetadata => 2,
            ErrorKind::Config => 3,
            ErrorKind::Transport => 4,
            ErrorKind::Timeout => 5,
            ErrorKind::Unauthorized => 6,
            ErrorKind::NotFound => 7,
            ErrorKind::RateLimited => 8,
            ErrorKind::BadRequest => 9,
            ErrorKind::Server => 10,
            ErrorKind::Protocol => 11,
            ErrorKind::Cancelled => 12,
            ErrorKind::Internal => 13,
        }
    }

    /// The static lowercase name the C API reports (`mindra_error_kind_name`).
    pub fn name(self) -> &'static str {
        self.c_name().to_str().expect("the names are ASCII")
    }

    /// [`ErrorKind::name`] as a NUL-terminated static string, for the C API.
    pub fn c_name(self) -> &'static CStr {
        match self {
            ErrorKind::InvalidArgument => c"invalid_argument",
            ErrorKind::InvalidMetadata => c"invalid_metadata",
            ErrorKind::Config => c"config",
            ErrorKind::Transport => c"transport",
            ErrorKind::Timeout => c"timeout",
            ErrorKind::Unauthorized => c"unauthorized",
            ErrorKind::NotFound => c"not_found",
            ErrorKind::RateLimited => c"rate_limited",
            ErrorKind::BadRequest => c"bad_request",
            ErrorKind::Server => c"server",
            ErrorKind::Protocol => c"protocol",
            ErrorKind::Cancelled => c"cancelled",
            ErrorKind::Internal => c"internal",
        }
    }

    /// The kind an HTTP error status maps to, or `None` for a status below 400.
    pub fn from_http_status(status: u16) -> Option<ErrorKind> {
        match status {
            401 | 403 => Some(ErrorKind::Unauthorized),
            404 => Some(ErrorKind::NotFound),
            429 => Some(ErrorKind::RateLimited),
            400..=499 => Some(ErrorKind::BadRequest),
            500..=599 => Some(ErrorKind::Server),
            // A status the API never documents (600+) is still a failure of the server's.
            600.. => Some(ErrorKind::Protocol),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error from the Mindra client: a kind, a human-readable message, and what the server
/// said about it when it answered.
///
/// The message never contains the API key: the client removes it from every message it
/// builds, including text that comes from the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    http_status: u16,
    message: String,
    code: Option<String>,
    request_id: Option<String>,
}

impl Error {
    /// An error of `kind` with `message` and no HTTP details.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            http_status: 0,
            message: message.into(),
            code: None,
            request_id: None,
        }
    }

    /// An error describing an HTTP answer: its status, the API's `code` and the request id.
    pub fn http(
        kind: ErrorKind,
        http_status: u16,
        message: impl Into<String>,
        code: Option<String>,
        request_id: Option<String>,
    ) -> Error {
        Error {
            kind,
            http_status,
            message: message.into(),
            code,
            request_id,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status of the answer, or 0 when no HTTP response was received.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The human-readable message; never empty, never contains the API key.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The API's `code` field (such as `WORKFLOW_NOT_FOUND`), when the server sent one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The response's `x-request-id` (or `request-id`) header, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Returns this error with every occurrence of `secret` in its texts replaced, so that
    /// text echoed by a server can never carry the API key into a log.
    pub(crate) fn redacted(mut self, secret: &str) -> Error {
        if secret.is_empty() {
            return self;
        }
        let scrub = |text: &mut String| {
            if text.contains(secret) {
                *text = text.replace(secret, "[redacted]");
            }
        };
        scrub(&mut self.message);
        if let Some(code) = self.code.as_mut() {
            scrub(code);
        }
        if let Some(id) = self.request_id.as_mut() {
            scrub(id);
        }
        self
    }
}

/// The result type of the Rust API.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_contract_numbers_in_order() {
        for (index, kind) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(kind.code(), index as i32 + 1, "{kind}");
        }
        assert_eq!(ErrorKind::Internal.name(), "internal");
        assert_eq!(ErrorKind::NotFound.name(), "not_found");
    }

    #[test]
    fn every_status_class_maps_to_its_kind() {
        let cases = [
            (200, None),
            (204, None),
            (302, None),
            (400, Some(ErrorKind::BadRequest)),
            (401, Some(ErrorKind::Unauthorized)),
            (403, Some(ErrorKind::Unauthorized)),
            (404, Some(ErrorKind::NotFound)),
            (409, Some(ErrorKind::BadRequest)),
            (410, Some(ErrorKind::BadRequest)),
            (422, Some(ErrorKind::BadRequest)),
            (429, Some(ErrorKind::RateLimited)),
            (499, Some(ErrorKind::BadRequest)),
            (500, Some(ErrorKind::Server)),
            (502, Some(ErrorKind::Server)),
            (503, Some(ErrorKind::Server)),
            (504, Some(ErrorKind::Server)),
            (599, Some(ErrorKind::Server)),
            (600, Some(ErrorKind::Protocol)),
        ];
        for (status, kind) in cases {
            assert_eq!(ErrorKind::from_http_status(status), kind, "status {status}");
        }
    }

    #[test]
    fn redaction_scrubs_every_text() {
        let key = "mk_0123456789abcdef0123456789abcdef";
        let error = Error::http(
            ErrorKind::BadRequest,
            400,
            format!("bad key {key} given"),
            Some(key.to_string()),
            Some(format!("req-{key}")),
        )
        .redacted(key);
        assert_eq!(error.message(), "bad key [redacted] given");
        assert_eq!(error.code(), Some("[redacted]"));
        assert_eq!(error.request_id(), Some("req-[redacted]"));
        assert!(!format!("{error:?}").contains(key));
    }
}
