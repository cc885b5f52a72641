//! Running the engine's plans beyond one process.
//!
//! [`codec`] turns a DataFusion physical plan of the engine into bytes and
//! back, with every function named by provider and registry name; the Ray
//! runner sends plan fragments to its workers that way. [`stages`] cuts a
//! plan into the stages a runner schedules, and [`task`] runs one task of a
//! stage where it is sent.

pub mod codec;
mod messages;
pub mod stages;
pub mod task;

pub use codec::{EngineCodec, FunctionCatalog};
pub use stages::{split_stages, Stage, StageInputs, StageOutput, StageReaderExec};
pub use task::{decode_batches, encode_stages, run_encoded_task, EncodedStage};
