//! The engine's built-in scalar functions.
//!
//! Each function is declared beside its kernel as a
//! [`daft_core::registry::FunctionDef`] and submitted to the registry with
//! `inventory`; there is no central list of names. Names and semantics follow
//! Daft's Python API (`daft.functions.NAME`); where `pyarrow.compute` has the
//! same function, results agree with it. Every kernel reads arrays through
//! Arrow's accessors, so sliced arrays (non-zero offsets) are handled.

pub mod arrow_kernels;
mod cast;
mod codec;
mod conditional;
mod generate;
mod hash;
mod json;
mod list;
mod lsh;
mod maps;
mod math;
mod nested;
mod null;
mod partition;
mod regex;
mod similarity;
mod string;
mod string_case;
mod string_parts;
mod temporal;
mod url_parts;
mod util;

#[cfg(test)]
mod tests;

/// Referenced by the binding crate so the linker keeps this crate's inventory submissions.
pub fn link() {}
