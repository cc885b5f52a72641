//! Stateful scalar functions (ABI 1.1): a function whose kernel needs
//! something built once — a dictionary loaded from a file, a compiled
//! pattern, a model, options parsed and validated — rather than per batch.
//!
//! The engine calls the function's initializer once per call site and
//! query, before the first batch, with the argument fields and the output
//! field resolved at plan time and the call's options. The state it
//! returns computes every batch of that call site ([`FunctionState::call`],
//! from several threads at once) and is dropped when the query ends.

use crate::arrow::array::ArrayRef;
use crate::arrow::datatypes::Field;
use crate::sdk::{Param, ReturnFieldRule};
use crate::Options;

/// What an initializer receives: everything known about the call at plan
/// time.
#[derive(Debug)]
pub struct Setup<'a> {
    /// The argument fields (types, nullability and extension metadata).
    pub args: &'a [Field],
    /// The call's options, validated against the declared parameters.
    pub options: &'a Options,
    /// The output field the return-type rule gave for these arguments; the
    /// kernel's results must have its type.
    pub return_field: &'a Field,
}

/// The state of one call site of a stateful function in one query, and its
/// kernel. Shared by the engine's threads, hence `Send + Sync`: keep
/// mutable parts behind a `Mutex` or atomics.
pub trait FunctionState: Send + Sync {
    /// Computes the result of one batch: every argument has `num_rows` rows
    /// (the host broadcasts literals), and so must the result.
    fn call(&self, args: &[ArrayRef], num_rows: usize) -> Result<ArrayRef, String>;
}

/// The initializer of a stateful function (see [`StatefulFunction::init`]).
pub type Initializer = fn(&Setup<'_>) -> Result<Box<dyn FunctionState>, String>;

/// A scalar function with per-query state, declared with plain data and
/// submitted with `daft_plugin_api::inventory::submit!`. Users call it
/// exactly like a [`crate::ScalarFunction`].
#[derive(Debug)]
pub struct StatefulFunction {
    /// The name users call (a valid Python identifier, unique in the plugin).
    pub name: &'static str,
    /// The docstring shown by `help()`.
    pub doc: &'static str,
    /// Expression parameters first, then options.
    pub params: &'static [Param],
    /// Computes the output field at plan time.
    pub return_field: ReturnFieldRule,
    /// Builds the state once per call site and query, before its first
    /// batch; an error fails the query with the message, naming the plugin
    /// and function. A panic is caught and reported the same way.
    pub init: Initializer,
}

inventory::collect!(StatefulFunction);
