//! # libmindra
//!
//! The native SDK for the Mindra workflow API: start a workflow (an AI agent), watch its
//! events live, and approve or reject the tool calls it pauses on.
//!
//! The crate has two faces. This safe Rust API stands on its own:
//!
//! ```no_run
//! let client = mindra::Client::from_env()?;
//! let execution = client.run_workflow("hello", "Say hello", None)?;
//! for event in client.stream(&execution.stream_url)? {
//!     if let mindra::EventKind::Chunk { content } = event?.kind {
//!         print!("{content}");
//!     }
//! }
//! # Ok::<(), mindra::Error>(())
//! ```
//!
//! and the [`ffi`] module exposes it as the C ABI of `include/mindra.h` (`libmindra.so`,
//! `libmindra.a`), which only converts and guards.

pub mod approval;
pub mod client;
pub mod endpoint;
pub mod error;
pub mod event;
pub mod ffi;
pub mod proxy;
pub mod resolver;
pub mod retry;
pub mod run;
pub mod sse;
pub mod stream;
mod transport;
pub mod wait;

pub use approval::Decision;
pub use client::{Client, ClientBuilder};
pub use error::{Error, ErrorKind, Result};
pub use event::{Event, EventKind, EventView};
pub use run::Execution;
pub use stream::{CancelHandle, EventStream};
pub use wait::{RunOutcome, ToolCall};

/// The crate version, as the C API's `mindra_version` reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
