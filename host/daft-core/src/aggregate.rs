//! Aggregate functions whose code lives outside the engine (Python UDAFs,
//! `@daft.udaf`), described by the three steps Daft gives them: `aggregate`
//! a group's values into a partial state, `combine` partial states into one,
//! `finalize` a state into the group's value. Every step takes and returns
//! Arrow data, so partial states can be merged across partitions.

use std::fmt;
use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::datatypes::Field;

use crate::error::DaftResult;

/// The code of a user-defined aggregate. States are one array per state
/// field (`state_fields`); a single state is one row of each.
pub trait AggregateKernel: Send + Sync {
    /// The name shown in plans and errors.
    fn name(&self) -> &str;
    /// The type of the result.
    fn return_field(&self) -> Field;
    /// The fields of the intermediate state.
    fn state_fields(&self) -> Vec<Field>;
    /// The partial state (one row per field) of `args`: some of one group's
    /// rows, one array per argument.
    fn aggregate(&self, args: &[ArrayRef]) -> DaftResult<Vec<ArrayRef>>;
    /// One state (one row per field) merging `states` (any number of rows).
    fn combine(&self, states: &[ArrayRef]) -> DaftResult<Vec<ArrayRef>>;
    /// The group's value (one row) from its merged state.
    fn finalize(&self, state: &[ArrayRef]) -> DaftResult<ArrayRef>;
}

/// A shared [`AggregateKernel`]; two are equal when they are the same
/// kernel (one call site), so plans holding them stay comparable.
#[derive(Clone)]
pub struct UserAggregate(pub Arc<dyn AggregateKernel>);

impl PartialEq for UserAggregate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for UserAggregate {}

impl fmt::Debug for UserAggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserAggregate({})", self.0.name())
    }
}

/// Which groups an accumulator emits; emitted groups are forgotten, and
/// the group that was `n` becomes group `0` after `First(n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    /// Every group.
    All,
    /// Groups `0..n`.
    First(usize),
}

/// The running state of one registry aggregate over many groups, in the
/// shape of DataFusion's `GroupsAccumulator` (which the lowering adapts it
/// to): rows arrive with their dense group indices, partial states leave
/// and arrive as Arrow arrays (one per state field, one row per group).
pub trait GroupsAccumulator: Send {
    /// Adds the rows of `args` (one array per argument) to groups `groups[i]`.
    fn update(
        &mut self,
        args: &[ArrayRef],
        groups: &[usize],
        total_groups: usize,
    ) -> DaftResult<()>;
    /// Folds partial states into groups `groups[i]`.
    fn merge(
        &mut self,
        states: &[ArrayRef],
        groups: &[usize],
        total_groups: usize,
    ) -> DaftResult<()>;
    /// The emitted groups' values, one row each.
    fn evaluate(&mut self, emit: Emit) -> DaftResult<ArrayRef>;
    /// The emitted groups' partial states.
    fn state(&mut self, emit: Emit) -> DaftResult<Vec<ArrayRef>>;
    /// Bytes held (an estimate, for memory accounting).
    fn size(&self) -> usize;
}

/// The behaviour of an aggregate function of the registry (one a plugin
/// provides): its type rules, evaluated at plan time, and its accumulator,
/// created per partition and query.
pub trait AggregateFunction: Send + Sync {
    /// The result's field for these argument fields (already checked
    /// against the declared type classes).
    fn return_field(
        &self,
        args: &[Field],
        options: &crate::options::FunctionOptions,
    ) -> DaftResult<Field>;
    /// The fields of the partial state.
    fn state_fields(
        &self,
        args: &[Field],
        options: &crate::options::FunctionOptions,
    ) -> DaftResult<Vec<Field>>;
    /// A new, empty accumulator, given what the rules above resolved at
    /// plan time (`output`, `state`), so that they are not asked again per
    /// partition.
    fn accumulator(
        &self,
        args: &[Field],
        options: &crate::options::FunctionOptions,
        output: &Field,
        state: &[Field],
    ) -> DaftResult<Box<dyn GroupsAccumulator>>;
}
