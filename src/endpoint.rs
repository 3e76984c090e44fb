//! Where requests go: parsing the base URL, checking origins, and building each endpoint's URL
//! with its slug or ids encoded as exactly one path segment.
//!
//! Everything here is pure string work, so the rules that keep the API key on its host are
//! tested without a network.

use crate::error::{Error, ErrorKind, Result};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The service's public base URL, used when neither the caller nor `MINDRA_BASE_URL` gives one.
pub const DEFAULT_BASE_URL: &str = "https://api.mindra.co";

/// The longest base URL accepted; every request path is appended to it, and URLs much longer
/// than a few kilobytes are refused by servers and proxies anyway.
pub const MAX_BASE_URL_LEN: usize = 2048;

/// The URL scheme of a base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `http://`: plain text, accepted only for loopback hosts unless explicitly allowed.
    Http,
    /// `https://`.
    Https,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// Scheme, host and port: the unit the API key is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The scheme.
    pub scheme: Scheme,
    /// The host, lower-cased; IPv6 literals keep their brackets.
    pub host: String,
    /// The port, with the scheme's default filled in.
    pub port: u16,
}

impl Origin {
    /// True for `localhost`, `127.0.0.0/8` and `::1`: hosts where plain HTTP never leaves
    /// the machine.
    pub fn is_loopback(&self) -> bool {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        if host == "localhost" || host.ends_with(".localhost") {
            return true;
        }
        match host.parse::<IpAddr>() {
            Ok(IpAddr::V4(v4)) => v4.is_loopback(),
            Ok(IpAddr::V6(v6)) => {
                v6 == Ipv6Addr::LOCALHOST
                    || v6
                        .to_ipv4_mapped()
                        .is_some_and(|v4: Ipv4Addr| v4.is_loopback())
            }
            Err(_) => false,
        }
    }

    /// `scheme://host[:port]`, omitting a default port.
    pub fn to_url_prefix(&self) -> String {
        if self.port == self.scheme.default_port() {
            format!("{}://{}", self.scheme.as_str(), self.host)
        } else {
            format!("{}://{}:{}", self.scheme.as_str(), self.host, self.port)
        }
    }
}

/// A validated base URL: an origin plus an optional path prefix (such as a gateway's
/// `/mindra`), without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    origin: Origin,
    prefix: String,
}

fn config_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Config, message)
}

/// True for bytes no URL or header value of ours may carry: C0 controls, DEL.
fn is_control(byte: u8) -> bool {
    byte < 0x20 || byte == 0x7f
}

/// Splits `scheme://authority/path` into its origin and path; shared by base URLs and by
/// absolute stream URLs. Errors are returned as plain text for the caller to classify.
fn split_absolute(url: &str) -> std::result::Result<(Origin, &str), String> {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
        Some((scheme, _)) => return Err(format!("unsupported scheme \"{scheme}\"")),
        None => return Err("it is not an absolute http:// or https:// URL".to_string()),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err("user information in the URL is not supported".to_string());
    }
    let (host, port) = if let Some(stripped) = authority.strip_prefix('[') {
        let close = stripped
            .find(']')
            .ok_or_else(|| "an IPv6 host lacks its closing ']'".to_string())?;
        let literal = &stripped[..close];
        literal
            .parse::<Ipv6Addr>()
            .map_err(|_| format!("\"[{literal}]\" is not an IPv6 address"))?;
        let after = &stripped[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return Err("unexpected text after the IPv6 host".to_string()),
        };
        (format!("[{}]", literal.to_ascii_lowercase()), port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_ascii_lowercase(), Some(port)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err("the URL has no host".to_string());
    }
    if !host.starts_with('[')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return Err(format!("\"{host}\" is not a valid host name"));
    }
    let port = match port {
        None | Some("") => scheme.default_port(),
        Some(digits) => digits
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0 && digits.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("\"{digits}\" is not a valid port"))?,
    };
    Ok((Origin { scheme, host, port }, path))
}

impl BaseUrl {
    /// Validates a base URL.
    ///
    /// Refused with [`ErrorKind::Config`]: an empty URL, control characters, a scheme other
    /// than http/https, user information, a query or fragment, and plain `http://` to a
    /// host that is not loopback unless `allow_insecure_http` is set.
    pub fn parse(url: &str, allow_insecure_http: bool) -> Result<BaseUrl> {
        if url.is_empty() {
            return Err(config_error("the base URL is empty"));
        }
        if url.bytes().any(is_control) {
            return Err(config_error(
                "the base URL contains a control character (such as CR or LF)",
            ));
        }
        if url.len() > MAX_BASE_URL_LEN {
            return Err(config_error(format!(
                "the base URL is longer than {MAX_BASE_URL_LEN} bytes"
            )));
        }
        let (origin, path) = split_absolute(url)
            .map_err(|why| config_error(format!("unusable base URL \"{url}\": {why}")))?;
        if path.contains(['?', '#', ' ']) {
            return Err(config_error(format!(
                "unusable base URL \"{url}\": a base URL may carry a path but no query, fragment or space"
            )));
        }
        if origin.scheme == Scheme::Http && !origin.is_loopback() && !allow_insecure_http {
            return Err(config_error(format!(
                "refusing plain http:// to non-loopback host {}: the API key would travel unencrypted \
                 (use https://, or set MINDRA_ALLOW_INSECURE_HTTP=1 to allow it)",
                origin.host
            )));
        }
        Ok(BaseUrl {
            origin,
            prefix: path.trim_end_matches('/').to_string(),
        })
    }

    /// The origin the API key is bound to.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The path prefix (empty, or starting with `/` and without a trailing `/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The URL of `path` (which starts with `/`) under this base URL's prefix.
    pub fn join(&self, path: &str) -> String {
        let mut url = self.origin.to_url_prefix();
        url.push_str(&self.prefix);
        url.push_str(path);
        url
    }

    /// `POST {prefix}/v1/workflows/{slug}/run`.
    pub fn run_url(&self, slug: &str) -> Result<String> {
        Ok(self.join(&format!(
            "/v1/workflows/{}/run",
            encode_segment("workflow slug", slug)?
        )))
    }

    /// `GET {prefix}/api/v1/workflows/execute/{execution_id}/stream`.
    pub fn stream_url_for_execution(&self, execution_id: &str) -> Result<String> {
        Ok(self.join(&format!(
            "/api/v1/workflows/execute/{}/stream",
            encode_segment("execution id", execution_id)?
        )))
    }

    /// `POST {prefix}/v1/workflows/execute/{execution_id}/{approve|reject}/{approval_id}`.
    pub fn decision_url(
        &self,
        execution_id: &str,
        approval_id: &str,
        decision: &str,
    ) -> Result<String> {
        Ok(self.join(&format!(
            "/v1/workflows/execute/{}/{decision}/{}",
            encode_segment("execution id", execution_id)?,
            encode_segment("approval id", approval_id)?
        )))
    }

    /// Resolves what a caller passes to open a stream: an execution id, a path starting with
    /// `/` (the run result's `stream_url`, appended to the prefix), or an absolute URL that
    /// must share this base URL's origin so the key never leaves its host.
    pub fn resolve_stream_target(&self, target: &str) -> Result<String> {
        let invalid = |message: String| Error::new(ErrorKind::InvalidArgument, message);
        let lower_head = target
            .chars()
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        let is_url = lower_head.starts_with("http://") || lower_head.starts_with("https://");
        // An execution id is percent-encoded like any id; a URL or path is used as given, so it
        // must not carry bytes that could end a request line.
        if (is_url || target.starts_with('/')) && target.bytes().any(is_control) {
            return Err(invalid(
                "the stream URL contains a control character".to_string(),
            ));
        }
        if is_url {
            let (origin, path) = split_absolute(target)
                .map_err(|why| invalid(format!("unusable stream URL: {why}")))?;
            if origin != self.origin {
                return Err(invalid(format!(
                    "the stream URL's origin {} differs from the base URL's origin {}; \
                     libmindra sends the API key only to its own origin",
                    origin.to_url_prefix(),
                    self.origin.to_url_prefix()
                )));
            }
            let mut url = origin.to_url_prefix();
            url.push_str(&encode_path(if path.is_empty() { "/" } else { path }));
            return Ok(url);
        }
        if let Some(rest) = target.strip_prefix('/') {
            if rest.starts_with('/') {
                // "//host/path" is a network-path reference: another host, so never ours.
                return Err(invalid(
                    "a stream URL starting with \"//\" names another host".to_string(),
                ));
            }
            return Ok(self.join(&encode_path(target)));
        }
        self.stream_url_for_execution(target)
    }
}

/// Percent-encodes `value` as one path segment: every byte outside RFC 3986's unreserved set
/// becomes `%XX` (upper-case hex), so `/`, `?`, `#`, spaces or CR/LF cannot change which URL
/// is called. Empty, `.` and `..` are refused because URL normalisation would turn even an
/// encoded `%2E%2E` into a step up.
pub fn encode_segment(what: &str, value: &str) -> Result<String> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("the {what} must not be empty, \".\" or \"..\" (got \"{value}\")"),
        ));
    }
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    Ok(out)
}

/// Percent-encodes the bytes of a server-given path that a URL cannot carry as they are
/// (spaces, non-ASCII, quotes...), leaving its structure (`/`, `?`, existing `%XX`) intact.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'%'
                    | b'?'
                    | b'='
                    | b'&'
                    | b':'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
            );
        if keep {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str) -> BaseUrl {
        BaseUrl::parse(url, false).expect(url)
    }

    #[test]
    fn segments_encode_every_reserved_byte_in_upper_case_hex() {
        assert_eq!(
            encode_segment("slug", "a/b?c#d e").unwrap(),
            "a%2Fb%3Fc%23d%20e"
        );
        assert_eq!(encode_segment("slug", "A-z_0.9~").unwrap(), "A-z_0.9~");
        assert_eq!(encode_segment("slug", "x\r\ny").unwrap(), "x%0D%0Ay");
        assert_eq!(encode_segment("slug", "é").unwrap(), "%C3%A9");
        assert_eq!(encode_segment("slug", "%2E").unwrap(), "%252E");
        assert_eq!(encode_segment("slug", "...").unwrap(), "...");
        for refused in ["", ".", ".."] {
            let error = encode_segment("slug", refused).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        }
    }

    #[test]
    fn endpoints_are_appended_to_the_prefix() {
        let gateway = base("https://gw.example.com/mindra/");
        assert_eq!(
            gateway.run_url("hello").unwrap(),
            "https://gw.example.com/mindra/v1/workflows/hello/run"
        );
        assert_eq!(
            gateway.stream_url_for_execution("ex_1").unwrap(),
            "https://gw.example.com/mindra/api/v1/workflows/execute/ex_1/stream"
        );
        assert_eq!(
            gateway.decision_url("ex 1", "ap/2", "approve").unwrap(),
            "https://gw.example.com/mindra/v1/workflows/execute/ex%201/approve/ap%2F2"
        );
        let plain = base("https://api.mindra.co");
        assert_eq!(
            plain.run_url("a/b").unwrap(),
            "https://api.mindra.co/v1/workflows/a%2Fb/run"
        );
        assert_eq!(base("http://127.0.0.1:8080//").prefix(), "");
        assert_eq!(
            base("HTTPS://API.Mindra.CO:443").run_url("x").unwrap(),
            "https://api.mindra.co/v1/workflows/x/run"
        );
    }

    #[test]
    fn stream_targets_resolve_ids_paths_and_same_origin_urls_only() {
        let gateway = base("https://gw.example.com/mindra");
        assert_eq!(
            gateway.resolve_stream_target("ex_9").unwrap(),
            "https://gw.example.com/mindra/api/v1/workflows/execute/ex_9/stream"
        );
        assert_eq!(
            gateway
                .resolve_stream_target("/api/v1/workflows/execute/ex_9/stream")
                .unwrap(),
            "https://gw.example.com/mindra/api/v1/workflows/execute/ex_9/stream"
        );
        assert_eq!(
            gateway
                .resolve_stream_target("https://GW.example.com:443/other/path")
                .unwrap(),
            "https://gw.example.com/other/path"
        );
        for foreign in [
            "https://evil.example.com/api/v1/workflows/execute/e/stream",
            "http://gw.example.com/x",
            "https://gw.example.com:8443/x",
            "//evil.example.com/x",
        ] {
            let error = gateway.resolve_stream_target(foreign).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{foreign}");
        }
        assert_eq!(
            gateway.resolve_stream_target("ex\r\n1").unwrap(),
            "https://gw.example.com/mindra/api/v1/workflows/execute/ex%0D%0A1/stream"
        );
        for bad in [
            "",
            ".",
            "..",
            "/x\r\nHost: evil",
            "https://gw.example.com/x\ny",
        ] {
            assert_eq!(
                gateway.resolve_stream_target(bad).unwrap_err().kind(),
                ErrorKind::InvalidArgument,
                "{bad:?}"
            );
        }
        assert_eq!(
            gateway.resolve_stream_target("/a b/é").unwrap(),
            "https://gw.example.com/mindra/a%20b/%C3%A9"
        );
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            base("https://api.mindra.co").origin(),
            base("https://API.mindra.co:443/x").origin()
        );
        assert_ne!(
            base("https://api.mindra.co").origin(),
            base("https://api.mindra.co:8443").origin()
        );
        assert_eq!(base("http://[::1]:9/").origin().host, "[::1]");
    }

    #[test]
    fn plain_http_only_for_loopback_unless_allowed() {
        for loopback in [
            "http://localhost:1",
            "http://127.0.0.1",
            "http://127.9.8.7:80/p",
            "http://[::1]:8080",
            "http://api.localhost",
        ] {
            assert!(BaseUrl::parse(loopback, false).is_ok(), "{loopback}");
        }
        for remote in [
            "http://example.com",
            "http://10.0.0.1:80",
            "http://127.0.0.1.evil.com",
        ] {
            let error = BaseUrl::parse(remote, false).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Config, "{remote}");
            assert!(BaseUrl::parse(remote, true).is_ok(), "{remote}");
        }
    }

    #[test]
    fn unusable_base_urls_are_config_errors() {
        for bad in [
            "",
            "api.mindra.co",
            "ftp://api.mindra.co",
            "https://",
            "https://user:pw@api.mindra.co",
            "https://api.mindra.co/x?y=1",
            "https://api.mindra.co/#f",
            "https://api.mindra.co\r\nX: y",
            "https://api.mindra.co\t",
            "https://api.mindra.co:99999",
            "https://api.mindra.co:0",
            "https://api mindra.co",
            "https://[::1",
            &format!("https://api.mindra.co/{}", "p".repeat(4096)),
        ] {
            let error = BaseUrl::parse(bad, true).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Config, "{bad:?}");
        }
    }
}
