//! Registry aggregates (a plugin's aggregate functions, see
//! `daft_core::aggregate::AggregateFunction`) as DataFusion aggregate UDFs.
//!
//! The registry's accumulator already has DataFusion's `GroupsAccumulator`
//! shape, so grouped aggregation maps call for call. Global aggregates and
//! window frames use DataFusion's one-group `Accumulator`, adapted here as a
//! groups accumulator holding group 0. The call's arguments arrive packed
//! as one struct (see `daft_dsl::Expr::call`) and are unpacked here.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use arrow::array::{new_empty_array, Array, ArrayRef, AsArray, BooleanArray};
use arrow::compute::filter;
use arrow::datatypes::{DataType, Field, FieldRef};
use daft_core::aggregate::{Emit, GroupsAccumulator as DaftGroups};
use daft_core::options::FunctionOptions;
use daft_core::registry::FunctionDef;
use daft_core::{DaftError, DaftResult};
use daft_dsl::RegistryAgg;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

use crate::error::to_df;

/// The DataFusion aggregate of one registry-aggregate call.
#[derive(Debug, Clone)]
pub(crate) struct RegistryAggUdf {
    /// The call as shown in plans and errors, e.g. `text.checksum(col(s))`;
    /// also its identity (with the function): two calls with the same text
    /// and function compute the same thing.
    pub(crate) shown: String,
    pub(crate) func: Arc<FunctionDef>,
    pub(crate) options: FunctionOptions,
    /// The fields of the call's arguments (the packed struct's fields).
    pub(crate) args: Vec<Field>,
    output: Field,
    state: Vec<Field>,
    signature: Signature,
}

impl PartialEq for RegistryAggUdf {
    fn eq(&self, other: &Self) -> bool {
        self.shown == other.shown && Arc::ptr_eq(&self.func, &other.func)
    }
}

impl Eq for RegistryAggUdf {}

impl Hash for RegistryAggUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.shown.hash(state);
    }
}

impl RegistryAggUdf {
    fn new_accumulator(&self) -> DaftResult<Box<dyn DaftGroups>> {
        let f =
            self.func.implementation.aggregate().ok_or_else(|| {
                DaftError::Internal(format!("{} is not an aggregate", self.shown))
            })?;
        f.accumulator(&self.args, &self.options, &self.output, &self.state)
            .map_err(|e| e.context(format!("aggregate {}", self.func.qualified_name())))
    }
}

/// The columns of the packed struct argument.
fn unpack(values: &[ArrayRef]) -> DfResult<Vec<ArrayRef>> {
    match values.first().map(|v| v.data_type()) {
        Some(DataType::Struct(_)) => Ok(values[0].as_struct().columns().to_vec()),
        other => Err(to_df(DaftError::Internal(format!(
            "a registry aggregate takes a struct of its arguments, got {other:?}"
        )))),
    }
}

/// The rows (and their group indices) that pass a SQL `FILTER` clause;
/// without one, the group indices as they came (no copy per batch).
fn filtered<'a>(
    columns: Vec<ArrayRef>,
    groups: &'a [usize],
    opt_filter: Option<&BooleanArray>,
) -> DfResult<(Vec<ArrayRef>, Cow<'a, [usize]>)> {
    let Some(keep) = opt_filter else {
        return Ok((columns, Cow::Borrowed(groups)));
    };
    let columns = columns
        .iter()
        .map(|c| filter(c.as_ref(), keep))
        .collect::<Result<Vec<_>, _>>()?;
    let groups = groups
        .iter()
        .zip(keep.iter())
        .filter(|(_, k)| *k == Some(true))
        .map(|(g, _)| *g)
        .collect();
    Ok((columns, Cow::Owned(groups)))
}

fn emit_of(emit_to: EmitTo) -> Emit {
    match emit_to {
        EmitTo::All => Emit::All,
        EmitTo::First(n) => Emit::First(n),
    }
}

/// A registry accumulator as DataFusion's groups accumulator; `udf`
/// creates the fresh accumulators `convert_to_state` needs.
struct Groups {
    acc: Box<dyn DaftGroups>,
    udf: Arc<RegistryAggUdf>,
}

impl std::fmt::Debug for Groups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RegistryGroupsAccumulator")
    }
}

impl GroupsAccumulator for Groups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        let (columns, groups) = filtered(unpack(values)?, group_indices, opt_filter)?;
        self.acc
            .update(&columns, &groups, total_num_groups)
            .map_err(to_df)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.acc
            .merge(values, group_indices, total_num_groups)
            .map_err(to_df)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        self.acc.evaluate(emit_of(emit_to)).map_err(to_df)
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        self.acc.state(emit_of(emit_to)).map_err(to_df)
    }

    /// Each row its own group: a fresh accumulator fed the rows under
    /// groups `0..n` (a row the filter drops is a group that saw nothing),
    /// whose state is then one row per input row.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> DfResult<Vec<ArrayRef>> {
        let columns = unpack(values)?;
        let rows = columns.first().map_or(0, |c| c.len());
        let all: Vec<usize> = (0..rows).collect();
        let (columns, groups) = filtered(columns, &all, opt_filter)?;
        let mut fresh = self.udf.new_accumulator().map_err(to_df)?;
        fresh.update(&columns, &groups, rows).map_err(to_df)?;
        fresh.state(Emit::All).map_err(to_df)
    }

    fn size(&self) -> usize {
        self.acc.size()
    }
}

/// A registry accumulator holding one group (0), as DataFusion's
/// one-group accumulator (global aggregates, window frames).
///
/// DataFusion may read a one-group accumulator's value or state and go on
/// adding rows (a window frame that grows), while emitting a group takes it
/// out of a groups accumulator; so reading takes the state out, puts it
/// back, and evaluates a fresh accumulator merged with a copy of it.
struct Single {
    // DataFusion's accumulators are `Sync`; a plugin's need only be `Send`.
    acc: Mutex<Box<dyn DaftGroups>>,
    udf: Arc<RegistryAggUdf>,
}

impl std::fmt::Debug for Single {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RegistryAccumulator({})", self.udf.shown)
    }
}

impl Single {
    fn acc(&mut self) -> &mut Box<dyn DaftGroups> {
        // A poisoned lock means a panic mid-call, which already failed the query.
        self.acc.get_mut().unwrap_or_else(|e| e.into_inner())
    }

    /// The current state (one row per field), left in place.
    fn peek_state(&mut self) -> DaftResult<Vec<ArrayRef>> {
        let acc = self.acc();
        let state = acc.state(Emit::All)?;
        acc.merge(&state, &[0], 1)?;
        Ok(state)
    }
}

impl Accumulator for Single {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let columns = unpack(values)?;
        let rows = columns.first().map_or(0, |c| c.len());
        self.acc()
            .update(&columns, &vec![0; rows], 1)
            .map_err(to_df)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let rows = states.first().map_or(0, |c| c.len());
        self.acc().merge(states, &vec![0; rows], 1).map_err(to_df)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let state = self.peek_state().map_err(to_df)?;
        state
            .iter()
            .map(|a| ScalarValue::try_from_array(a, 0))
            .collect()
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let state = self.peek_state().map_err(to_df)?;
        let mut fresh = self.udf.new_accumulator().map_err(to_df)?;
        fresh.merge(&state, &[0], 1).map_err(to_df)?;
        let value = fresh.evaluate(Emit::All).map_err(to_df)?;
        ScalarValue::try_from_array(&value, 0)
    }

    fn size(&self) -> usize {
        let held = self.acc.lock().map(|a| a.size()).unwrap_or(0);
        std::mem::size_of_val(self) + held
    }
}

impl AggregateUDFImpl for RegistryAggUdf {
    fn name(&self) -> &str {
        &self.shown
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(self.output.data_type().clone())
    }

    fn return_field(&self, _: &[FieldRef]) -> DfResult<FieldRef> {
        Ok(Arc::new(self.output.clone().with_nullable(true)))
    }

    /// The accumulator is told of its one group before any row arrives:
    /// DataFusion reads the state and value of a global aggregate's
    /// partition even when no row reached it (a filter or a repartition
    /// left it empty), and a groups accumulator has nothing to give for a
    /// group it never heard of.
    fn accumulator(&self, _: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        let mut acc = self.new_accumulator().map_err(to_df)?;
        let no_rows: Vec<ArrayRef> = self
            .args
            .iter()
            .map(|f| new_empty_array(f.data_type()))
            .collect();
        acc.update(&no_rows, &[], 1).map_err(to_df)?;
        Ok(Box::new(Single {
            acc: Mutex::new(acc),
            udf: Arc::new(self.clone()),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(self
            .state
            .iter()
            .map(|f| {
                Arc::new(
                    Field::new(
                        format!("{}[{}]", args.name, f.name()),
                        f.data_type().clone(),
                        true,
                    )
                    .with_metadata(f.metadata().clone()),
                )
            })
            .collect())
    }

    fn groups_accumulator_supported(&self, _: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _: AccumulatorArgs,
    ) -> DfResult<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(Groups {
            acc: self.new_accumulator().map_err(to_df)?,
            udf: Arc::new(self.clone()),
        }))
    }
}

/// The DataFusion aggregate of the registry-aggregate call `agg` over
/// `input`, the struct of the call's arguments; `shown` is the call as the
/// user wrote it.
pub fn registry_udaf(
    agg: &RegistryAgg,
    input: &DataType,
    shown: String,
) -> DaftResult<AggregateUDF> {
    let DataType::Struct(fields) = input else {
        return Err(DaftError::Internal(format!(
            "aggregate {} takes a struct of its arguments, got {input}",
            agg.func.qualified_name()
        )));
    };
    let args: Vec<Field> = fields.iter().map(|f| f.as_ref().clone()).collect();
    let f = agg.func.implementation.aggregate().ok_or_else(|| {
        DaftError::Internal(format!("{} is not an aggregate", agg.func.qualified_name()))
    })?;
    let context = |e: DaftError| e.context(format!("aggregate {}", agg.func.qualified_name()));
    let output = agg.func.resolve(&args, &agg.options)?;
    let state = f.state_fields(&args, &agg.options).map_err(context)?;
    Ok(AggregateUDF::new_from_impl(RegistryAggUdf {
        shown,
        func: agg.func.clone(),
        options: agg.options.clone(),
        args,
        output,
        state,
        signature: Signature::any(1, Volatility::Immutable),
    }))
}
