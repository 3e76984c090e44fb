//! Name resolution for the client's connections.
//!
//! ureq resolves the host on every request, even when a pooled connection will carry it, and
//! with a timeout set it does so on a freshly spawned thread. For a client that makes
//! thousands of calls to one host that is one thread per call. This resolver answers IP
//! literals at once and remembers names for a short while, so only a cache miss pays for a
//! real (timeout-bounded) lookup.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a resolved name is reused before it is looked up again: short enough to follow a
/// DNS change within a minute, long enough that a busy client resolves rarely.
pub const NAME_CACHE_TTL: Duration = Duration::from_secs(30);

/// Answers IP literals directly and caches name lookups for [`NAME_CACHE_TTL`]. Clones share
/// the cache, so a client's stream agents reuse what its run agent resolved.
#[derive(Debug, Default, Clone)]
pub struct CachingResolver {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    lookup: DefaultResolver,
    names: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(authority) = uri.authority() else {
            return self.shared.lookup.resolve(uri, config, timeout);
        };
        let default_port = match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        };
        let port = authority.port_u16().or(default_port);
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if let (Ok(ip), Some(port)) = (host.parse::<IpAddr>(), port) {
            let mut addresses = self.empty();
            addresses.push(SocketAddr::new(ip, port));
            return Ok(addresses);
        }
        let key = format!("{}:{}", host, port.unwrap_or(0));
        let now = Instant::now();
        {
            let names = self.shared.names.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, addresses)) = names.get(&key) {
                if now.duration_since(*at) < NAME_CACHE_TTL {
                    return Ok(addresses.clone());
                }
            }
        }
        let addresses = self.shared.lookup.resolve(uri, config, timeout)?;
        let mut names = self.shared.names.lock().unwrap_or_else(|e| e.into_inner());
        names.insert(key, (now, addresses.clone()));
        Ok(addresses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(resolver: &CachingResolver, url: &str) -> Vec<SocketAddr> {
        let uri: Uri = url.parse().unwrap();
        resolver
            .resolve(&uri, &Config::default(), NextTimeout::default())
            .unwrap()
            .iter()
            .copied()
            .collect()
    }

    #[test]
    fn ip_literals_resolve_without_a_lookup() {
        let resolver = CachingResolver::default();
        assert_eq!(
            resolve(&resolver, "http://127.0.0.1:8080/x"),
            ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            resolve(&resolver, "https://[::1]/x"),
            ["[::1]:443".parse::<SocketAddr>().unwrap()]
        );
        assert!(resolver.shared.names.lock().unwrap().is_empty());
    }

    #[test]
    fn names_are_looked_up_once_and_cached() {
        let resolver = CachingResolver::default();
        let first = resolve(&resolver, "http://localhost:9/");
        assert!(!first.is_empty());
        assert!(resolver
            .shared
            .names
            .lock()
            .unwrap()
            .contains_key("localhost:9"));
        assert_eq!(resolve(&resolver, "http://localhost:9/other"), first);
    }
}
