//! Crash isolation: a plugin loaded with `isolation="process"` runs in
//! supervised worker processes, never in the host.
//!
//! The host never opens such a plugin's library. It starts a worker (a
//! child process given a socket and a shared memory region), which opens
//! the library with the same checks as an in-process load and sends back
//! the manifest; the host registers the plugin's functions with
//! [`supervisor::IsolatedFunction`] as their implementation. Each call of
//! a return-type rule or kernel is then a request to a worker: options and
//! fields in a socket message (`wire.rs`), arrays as Arrow IPC in the
//! region (`region.rs`). The worker runs the same adapter as an in-process
//! call (`serve.rs`), so errors and validation are the same.
//!
//! A worker that dies (segfault, abort, `exit()`), stops answering within
//! the call timeout, or breaks the protocol fails that one call with a
//! [`daft_core::DaftError::Plugin`] naming the plugin, the function and
//! how the worker ended; it is dropped and the next call starts a new one.
//! Results coming back are fully validated by the IPC reader, so a worker
//! cannot hand the host an unsound array either.

mod region;
mod serve;
mod supervisor;
mod wire;

pub use serve::serve;
pub use supervisor::ProcessOptions;
pub(crate) use supervisor::{IsolatedFunction, Pool};
pub(crate) use wire::Manifest;
