//! Running the engine's plans beyond one process.
//!
//! [`codec`] turns a DataFusion physical plan of the engine into bytes and
//! back, with every function named by provider and registry name; the Ray
//! runner sends plan fragments to its workers that way.

pub mod codec;
mod messages;

pub use codec::{EngineCodec, FunctionCatalog};
