//! A local emulator of the Mindra workflow API.
//!
//! It is a real HTTP/1.1 server so that the Rust, C and Go test suites of libmindra all run
//! against the same scenarios. The behaviour of a run is chosen by its workflow slug (see
//! README.md for the full table); every API request must carry [`TEST_API_KEY`] in
//! `x-api-key`. The binary `mindra-emulator` prints its base URL as the first line on
//! stdout; tests can also embed it with [`Emulator`].
//!
//! This crate is test infrastructure only and must never become a dependency of `mindra`.

#![warn(missing_docs)]

mod conn;
mod faults;
mod record;
mod scenarios;
mod server;
mod util;

pub use conn::tls_acceptor;
pub use server::Emulator;

/// The only API key the emulator accepts (header `x-api-key`). Any other value, or none,
/// is answered with `401 {"error":"Invalid API key","code":"UNAUTHORIZED"}`.
pub const TEST_API_KEY: &str = "mk_0123456789abcdef0123456789abcdef";

/// Every workflow slug the emulator knows (the fault scenarios `fault-*` included); any
/// other slug is `404 WORKFLOW_NOT_FOUND`. `GET /_emulator/scenarios` lists the same.
pub fn scenario_slugs() -> impl Iterator<Item = &'static str> {
    scenarios::all().map(|(slug, _)| *slug)
}

/// The gzip member of the `fault-gzip-bomb` scenario: about `mib` MiB of zeros compressed
/// at deflate's best ratio (exposed for the emulator's own tests).
pub fn gzip_bomb(mib: u64) -> Vec<u8> {
    faults::gzip_bomb(mib)
}
