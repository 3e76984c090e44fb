//! Which proxy, if any, carries requests to the base URL, following the environment
//! conventions curl and Go's net/http users already rely on.
//!
//! - `https://` targets use `HTTPS_PROXY` / `https_proxy`, then `ALL_PROXY` / `all_proxy`;
//!   `http://` targets use `HTTP_PROXY` / `http_proxy`, then `ALL_PROXY` / `all_proxy`.
//! - `NO_PROXY` / `no_proxy` is a comma-separated list of hosts that bypass the proxy: `*`
//!   (everything), a name matching itself and its subdomains (`example.com`, `.example.com`,
//!   `*.example.com`), an IP address, optionally with `:port`.
//! - Loopback hosts never go through a proxy, as in Go: a local emulator must stay local.

use crate::endpoint::{Origin, Scheme};

/// Reads one environment variable; injectable so tests do not touch the process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn first_set(env: EnvLookup<'_>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|name| env(name))
        .map(|value| value.trim().to_string())
        .find(|value| !value.is_empty())
}

/// The proxy URL to use for `origin`, or `None` for a direct connection.
pub fn proxy_for(origin: &Origin, env: EnvLookup<'_>) -> Option<String> {
    if origin.is_loopback() {
        return None;
    }
    let candidates: &[&str] = match origin.scheme {
        Scheme::Https => &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        Scheme::Http => &["http_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"],
    };
    let proxy = first_set(env, candidates)?;
    let no_proxy = first_set(env, &["NO_PROXY", "no_proxy"]).unwrap_or_default();
    if bypasses_proxy(origin, &no_proxy) {
        return None;
    }
    Some(proxy)
}

/// True when a `NO_PROXY` list names `origin`.
fn bypasses_proxy(origin: &Origin, no_proxy: &str) -> bool {
    let host = origin.host.trim_start_matches('[').trim_end_matches(']');
    no_proxy
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let (pattern, port) = split_port(entry);
            if port.is_some_and(|port| port != origin.port) {
                return false;
            }
            let pattern = pattern
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase();
            !pattern.is_empty()
                && (host == pattern
                    || (host.len() > pattern.len()
                        && host.ends_with(&pattern)
                        && host.as_bytes()[host.len() - pattern.len() - 1] == b'.'))
        })
}

/// Splits `host:port` (or `[v6]:port`); a bare IPv6 address has no port.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if entry.starts_with('[') {
        if let Some((host, port)) = entry.rsplit_once("]:") {
            return (&entry[..host.len() + 1], port.parse().ok());
        }
        return (entry, None);
    }
    match entry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, port.parse().ok()),
        _ => (entry, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn origin(url_scheme: Scheme, host: &str, port: u16) -> Origin {
        Origin {
            scheme: url_scheme,
            host: host.to_string(),
            port,
        }
    }

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn scheme_selects_the_variable() {
        let env = lookup(&[
            ("HTTPS_PROXY", "http://secure-proxy:3128"),
            ("http_proxy", "http://plain-proxy:3128"),
        ]);
        let api = origin(Scheme::Https, "api.mindra.co", 443);
        assert_eq!(
            proxy_for(&api, &env).as_deref(),
            Some("http://secure-proxy:3128")
        );
        let plain = origin(Scheme::Http, "gw.internal", 80);
        assert_eq!(
            proxy_for(&plain, &env).as_deref(),
            Some("http://plain-proxy:3128")
        );
        let only_all = lookup(&[("ALL_PROXY", "http://all:1")]);
        assert_eq!(proxy_for(&api, &only_all).as_deref(), Some("http://all:1"));
        assert_eq!(proxy_for(&api, &lookup(&[])), None);
        assert_eq!(proxy_for(&api, &lookup(&[("HTTPS_PROXY", "  ")])), None);
    }

    #[test]
    fn loopback_is_never_proxied() {
        let env = lookup(&[("HTTPS_PROXY", "http://p:1"), ("HTTP_PROXY", "http://p:1")]);
        for host in ["127.0.0.1", "localhost", "[::1]"] {
            assert_eq!(
                proxy_for(&origin(Scheme::Http, host, 8080), &env),
                None,
                "{host}"
            );
        }
    }

    #[test]
    fn no_proxy_matches_hosts_suffixes_ports_and_star() {
        let api = origin(Scheme::Https, "api.mindra.co", 443);
        let bypassed = [
            "*",
            "api.mindra.co",
            "mindra.co",
            ".mindra.co",
            "*.mindra.co",
            "other.com, mindra.co",
            "API.MINDRA.CO",
            "mindra.co:443",
        ];
        for no_proxy in bypassed {
            let env = lookup(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)]);
            assert_eq!(proxy_for(&api, &env), None, "{no_proxy}");
        }
        let proxied = ["indra.co", "mindra.com", "mindra.co:8443", "co.mindra", ""];
        for no_proxy in proxied {
            let env = lookup(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", no_proxy)]);
            assert!(proxy_for(&api, &env).is_some(), "{no_proxy}");
        }
        let v6 = origin(Scheme::Https, "[2001:db8::1]", 443);
        let env = lookup(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "2001:db8::1")]);
        assert_eq!(proxy_for(&v6, &env), None);
    }
}
