//! Population `var` and `stddev` (`ddof=0`) whose value for a single row is
//! `v - v`: 0.0 for a number, NaN for NaN or an infinity, as in real Daft
//! (and as every larger group gives, since NaN propagates through the sums).
//!
//! DataFusion 55's `var_pop`/`stddev_pop` return 0.0 for any single value,
//! NaN included. These aggregates keep DataFusion's accumulators (Welford's
//! update, merge and retraction) and compute the final value from their
//! state (`m2 / count`, and `mean - mean` for one row).

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, BooleanArray, Float64Array};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, UInt64Type};
use datafusion::common::{DataFusionError, Result as DfResult, ScalarValue};
use datafusion::functions_aggregate::variance::{VarianceAccumulator, VarianceGroupsAccumulator};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion_functions_aggregate_common::stats::StatsType;

/// Population variance (`stddev: false`) or standard deviation of Float64.
pub fn population_udaf(stddev: bool) -> AggregateUDF {
    AggregateUDF::new_from_impl(Population {
        stddev,
        signature: Signature::exact(vec![DataType::Float64], Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Population {
    pub(crate) stddev: bool,
    signature: Signature,
}

/// The value from one group's state. One row gives `v - v` from its mean
/// (the row itself): the state of a single row that skipped the partial
/// aggregation has `m2 = 0` whatever the value.
fn finish(stddev: bool, count: u64, mean: f64, m2: f64) -> Option<f64> {
    let var = match count {
        0 => return None,
        // `v - v`: 0.0 for a number, NaN for NaN and the infinities.
        1 if mean.is_finite() => 0.0,
        1 => f64::NAN,
        n => m2 / n as f64,
    };
    Some(if stddev { var.sqrt() } else { var })
}

impl AggregateUDFImpl for Population {
    fn name(&self) -> &str {
        if self.stddev {
            "stddev_pop"
        } else {
            "var_pop"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        let field = |part: &str, dt: DataType| {
            Arc::new(Field::new(format!("{}[{part}]", args.name), dt, true))
        };
        Ok(vec![
            field("count", DataType::UInt64),
            field("mean", DataType::Float64),
            field("m2", DataType::Float64),
        ])
    }

    fn accumulator(&self, _: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(Acc {
            inner: VarianceAccumulator::try_new(StatsType::Population)?,
            stddev: self.stddev,
        }))
    }

    fn groups_accumulator_supported(&self, _: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _: AccumulatorArgs,
    ) -> DfResult<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(Groups {
            inner: VarianceGroupsAccumulator::new(StatsType::Population),
            stddev: self.stddev,
        }))
    }

    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        self.accumulator(args)
    }
}

#[derive(Debug)]
struct Acc {
    inner: VarianceAccumulator,
    stddev: bool,
}

impl Accumulator for Acc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.inner.update_batch(values)
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.inner.retract_batch(values)
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.inner.merge_batch(states)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        self.inner.state()
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let state = self.inner.state()?;
        let (
            ScalarValue::UInt64(Some(count)),
            ScalarValue::Float64(Some(mean)),
            ScalarValue::Float64(Some(m2)),
        ) = (&state[0], &state[1], &state[2])
        else {
            return Err(DataFusionError::Internal(format!(
                "variance state {state:?}"
            )));
        };
        Ok(ScalarValue::Float64(finish(
            self.stddev,
            *count,
            *mean,
            *m2,
        )))
    }

    fn size(&self) -> usize {
        self.inner.size()
    }
}

#[derive(Debug)]
struct Groups {
    inner: VarianceGroupsAccumulator,
    stddev: bool,
}

impl GroupsAccumulator for Groups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.inner
            .update_batch(values, group_indices, opt_filter, total_num_groups)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.inner
            .merge_batch(values, group_indices, total_num_groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        let state = self.inner.state(emit_to)?;
        let counts = state[0].as_primitive::<UInt64Type>().values();
        let means = state[1].as_primitive::<Float64Type>().values();
        let m2s = state[2].as_primitive::<Float64Type>().values();
        let values: Vec<f64> = (0..counts.len())
            .map(|i| finish(self.stddev, counts[i], means[i], m2s[i]).unwrap_or(0.0))
            .collect();
        let nulls = NullBuffer::from_iter(counts.iter().map(|&c| c > 0));
        Ok(Arc::new(Float64Array::new(values.into(), Some(nulls))))
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        self.inner.state(emit_to)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> DfResult<Vec<ArrayRef>> {
        self.inner.convert_to_state(values, opt_filter)
    }

    fn size(&self) -> usize {
        self.inner.size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_gives_v_minus_v() {
        assert_eq!(finish(false, 1, 7.5, 0.0), Some(0.0));
        assert!(finish(false, 1, f64::NAN, 0.0).unwrap().is_nan());
        assert!(finish(true, 1, f64::INFINITY, 0.0).unwrap().is_nan());
        assert_eq!(finish(true, 4, 1.0, 16.0), Some(2.0));
        assert_eq!(finish(true, 0, 0.0, 0.0), None);
    }
}
