//! User-defined aggregates (`@daft.udaf`, see `daft_core::aggregate`) as
//! DataFusion aggregate UDFs, so they run partial/final across partitions
//! like the built-in ones.
//!
//! DataFusion feeds an accumulator a group's rows a slice at a time; each
//! slice becomes a partial state (`aggregate`), kept until the state or the
//! value is asked for, when the pending states are combined into one. A
//! group's value is therefore `finalize(combine(aggregate(part) ...))`, which
//! equals Daft's result whenever `combine` is associative and commutative,
//! as Daft requires of it.

use std::sync::Arc;

use arrow::array::{new_empty_array, Array, ArrayRef, AsArray};
use arrow::compute::concat;
use arrow::datatypes::{DataType, Field};
use daft_core::aggregate::UserAggregate;
use daft_core::{DaftError, DaftResult};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{create_udaf, Accumulator, AggregateUDF, Volatility};

use crate::error::to_df;

struct UserAccumulator {
    agg: UserAggregate,
    /// The types of the call's arguments (the fields of its input struct).
    arg_types: Vec<DataType>,
    state_fields: Vec<Field>,
    /// States not yet combined, each one array per state field.
    pending: Vec<Vec<ArrayRef>>,
}

impl std::fmt::Debug for UserAccumulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UserAccumulator({})", self.agg.0.name())
    }
}

impl UserAccumulator {
    fn name(&self) -> &str {
        self.agg.0.name()
    }

    /// Checks a step's output: one array per state field, of its type, with
    /// `rows` rows (`None`: any number).
    fn checked(
        &self,
        step: &str,
        state: Vec<ArrayRef>,
        rows: Option<usize>,
    ) -> DaftResult<Vec<ArrayRef>> {
        if state.len() != self.state_fields.len() {
            return Err(DaftError::Internal(format!(
                "UDAF {}: {step} gave {} state arrays for {} state fields",
                self.name(),
                state.len(),
                self.state_fields.len()
            )));
        }
        for (a, f) in state.iter().zip(&self.state_fields) {
            if a.data_type() != f.data_type() || rows.is_some_and(|n| a.len() != n) {
                return Err(DaftError::Internal(format!(
                    "UDAF {}: {step} gave state {:?} as {} values of {}, expected {} of {}",
                    self.name(),
                    f.name(),
                    a.len(),
                    a.data_type(),
                    rows.map_or("any number".into(), |n| n.to_string()),
                    f.data_type()
                )));
            }
        }
        Ok(state)
    }

    /// The one state of everything seen so far (an empty group's state is
    /// that of no rows).
    fn merged(&mut self) -> DaftResult<Vec<ArrayRef>> {
        let one_row = |s: &Vec<ArrayRef>| s.first().is_some_and(|a| a.len() == 1);
        let state = match self.pending.len() {
            0 => {
                let empty: Vec<ArrayRef> = self.arg_types.iter().map(new_empty_array).collect();
                let s = self.agg.0.aggregate(&empty)?;
                self.checked("aggregate", s, Some(1))?
            }
            1 if one_row(&self.pending[0]) => self.pending[0].clone(),
            _ => {
                let columns = (0..self.state_fields.len())
                    .map(|i| {
                        let parts: Vec<&dyn Array> =
                            self.pending.iter().map(|s| s[i].as_ref()).collect();
                        concat(&parts).map_err(DaftError::from)
                    })
                    .collect::<DaftResult<Vec<_>>>()?;
                let s = self.agg.0.combine(&columns)?;
                self.checked("combine", s, Some(1))?
            }
        };
        self.pending = vec![state.clone()];
        Ok(state)
    }
}

impl Accumulator for UserAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let input = values[0].as_struct();
        if input.is_empty() {
            return Ok(());
        }
        let state = self.agg.0.aggregate(input.columns()).map_err(to_df)?;
        let state = self.checked("aggregate", state, Some(1)).map_err(to_df)?;
        self.pending.push(state);
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        if states.first().is_some_and(|s| !s.is_empty()) {
            let states = self
                .checked("a partial aggregate", states.to_vec(), None)
                .map_err(to_df)?;
            self.pending.push(states);
        }
        Ok(())
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        self.merged()
            .map_err(to_df)?
            .iter()
            .map(|a| ScalarValue::try_from_array(a, 0))
            .collect()
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let state = self.merged().map_err(to_df)?;
        let value = self.agg.0.finalize(&state).map_err(to_df)?;
        let expected = self.agg.0.return_field();
        if value.len() != 1 || value.data_type() != expected.data_type() {
            return Err(to_df(DaftError::Internal(format!(
                "UDAF {}: finalize gave {} values of {}, expected one of {}",
                self.name(),
                value.len(),
                value.data_type(),
                expected.data_type()
            ))));
        }
        ScalarValue::try_from_array(&value, 0)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .pending
                .iter()
                .flatten()
                .map(|a| a.get_array_memory_size())
                .sum::<usize>()
    }
}

/// The DataFusion aggregate of `agg` over `input`, the struct of the call's
/// arguments.
pub fn user_udaf(agg: &UserAggregate, input: &DataType) -> DaftResult<AggregateUDF> {
    let DataType::Struct(fields) = input else {
        return Err(DaftError::Internal(format!(
            "UDAF {} takes a struct of its arguments, got {input}",
            agg.0.name()
        )));
    };
    let arg_types: Vec<DataType> = fields.iter().map(|f| f.data_type().clone()).collect();
    let state_fields = agg.0.state_fields();
    let state_types = state_fields.iter().map(|f| f.data_type().clone()).collect();
    let out = agg.0.return_field().data_type().clone();
    // One DataFusion function per call site: two UDAFs (or one with two
    // constructions) of the same name must never be taken for one.
    let name = format!("udaf_{}_{:p}", agg.0.name(), Arc::as_ptr(&agg.0));
    let a = agg.clone();
    Ok(create_udaf(
        &name,
        vec![input.clone()],
        Arc::new(out),
        Volatility::Volatile,
        Arc::new(move |_: AccumulatorArgs| {
            Ok(Box::new(UserAccumulator {
                agg: a.clone(),
                arg_types: arg_types.clone(),
                state_fields: state_fields.clone(),
                pending: Vec::new(),
            }) as Box<dyn Accumulator>)
        }),
        Arc::new(state_types),
    ))
}
