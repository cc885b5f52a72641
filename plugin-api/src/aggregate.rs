//! Aggregate functions (ABI 1.1): what a plugin author writes to add an
//! aggregation that users call in `agg`, `groupby().agg`, SQL and over
//! windows, exactly like `sum` or `mean`.
//!
//! An aggregate is vectorized over groups, in the shape of DataFusion's
//! `GroupsAccumulator`: the engine hands the accumulator a batch of rows
//! together with each row's group index, and asks it later for every
//! group's value. Partial aggregates travel between partitions (and, later,
//! machines) as Arrow arrays, the *state*: `state` emits it, `merge` folds
//! states of other accumulators in. A group's result must not depend on how
//! its rows were split into batches and partitions, nor on their order.

use crate::arrow::array::ArrayRef;
use crate::arrow::datatypes::Field;
use crate::sdk::{Param, ReturnFieldRule};
use crate::Options;

/// Which groups to emit from [`GroupsAccumulator::evaluate`] and
/// [`GroupsAccumulator::state`]. Emitted groups are forgotten: after
/// `First(n)` the group that was `n` is group `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    /// Every group; the accumulator is empty afterwards.
    All,
    /// Groups `0..n`; groups `n..` shift down by `n`.
    First(usize),
}

impl Emit {
    /// Removes the emitted groups' entries from `per_group` (one entry per
    /// group) and returns them, in group order. The usual way to implement
    /// `evaluate` and `state` over `Vec`s of per-group values.
    pub fn take<T>(self, per_group: &mut Vec<T>) -> Vec<T> {
        match self {
            Emit::All => std::mem::take(per_group),
            Emit::First(n) => {
                let n = n.min(per_group.len());
                per_group.drain(..n).collect()
            }
        }
    }
}

/// The running state of one aggregation over many groups.
///
/// Group indices are dense, `0..total_groups`; `total_groups` only grows
/// between calls (until an [`Emit`] removes groups), and a group may have no
/// rows at all (its value is then that of no rows, usually null).
/// Every argument array of `update` has one row per entry of `groups`, and
/// so does every state array of `merge`. An accumulator is used by one
/// thread at a time, but may move between threads (hence `Send`).
pub trait GroupsAccumulator: Send {
    /// Adds the rows of `args` (one array per expression argument) to the
    /// groups `groups[i]`.
    fn update(
        &mut self,
        args: &[ArrayRef],
        groups: &[usize],
        total_groups: usize,
    ) -> Result<(), String>;

    /// Folds partial states (one array per field of the declared state,
    /// as another accumulator's [`GroupsAccumulator::state`] emitted them)
    /// into the groups `groups[i]`.
    fn merge(
        &mut self,
        states: &[ArrayRef],
        groups: &[usize],
        total_groups: usize,
    ) -> Result<(), String>;

    /// The final value of the emitted groups: one row per group, of the
    /// type the return-type rule gave.
    fn evaluate(&mut self, emit: Emit) -> Result<ArrayRef, String>;

    /// The partial state of the emitted groups: one array per declared
    /// state field, each with one row per group.
    fn state(&mut self, emit: Emit) -> Result<Vec<ArrayRef>, String>;

    /// Bytes held, for the engine's memory accounting (an estimate).
    fn size(&self) -> usize;
}

/// The state-type rule of an aggregate: given the argument fields and the
/// options (as for the return-type rule), the fields of its partial state.
pub type StateFieldsRule = fn(&[Field], &Options) -> Result<Vec<Field>, String>;

/// Creates an empty accumulator for a call with these argument fields and
/// options. Runs once per partition and query, so it is the place to parse
/// options or load a table once.
pub type CreateAccumulator = fn(&[Field], &Options) -> Result<Box<dyn GroupsAccumulator>, String>;

/// An aggregate function, declared with plain data and submitted with
/// `daft_plugin_api::inventory::submit!` (needs a daft of plugin ABI 1.1
/// or newer).
///
/// Parameters are declared as for a [`crate::ScalarFunction`]; a
/// variadic parameter is allowed. A panic in any of the entry points or in
/// an accumulator method is caught and reported as an error naming the
/// plugin and function.
#[derive(Debug)]
pub struct AggregateFunction {
    /// The name users call (a valid Python identifier, unique in the plugin
    /// among its scalar and aggregate functions).
    pub name: &'static str,
    /// The docstring shown by `help()`.
    pub doc: &'static str,
    /// Expression parameters first, then options.
    pub params: &'static [Param],
    /// The result's field, at plan time.
    pub return_field: ReturnFieldRule,
    /// The partial state's fields, at plan time.
    pub state_fields: StateFieldsRule,
    /// A new accumulator.
    pub create: CreateAccumulator,
}

inventory::collect!(AggregateFunction);
