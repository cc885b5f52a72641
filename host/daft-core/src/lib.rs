//! Shared foundations of the engine: the error type, option values for
//! functions, and the function registry that built-ins and plugins fill.
//!
//! Nothing here knows about Python or about plugins' ABI; both sit on top.

pub mod aggregate;
pub mod error;
pub mod logical;
pub mod options;
pub mod registry;
pub mod types;

pub use error::{Cause, DaftError, DaftResult, TransientKind};
