//! `min` and `max` of floats with one order: every NaN (whatever its sign
//! bit) is larger than every number, infinities included, as in sorting and
//! in DuckDB. So `max` is NaN when a NaN is present, and `min` is NaN only
//! when every value is.
//!
//! DataFusion 55's own `min`/`max` of floats give wrong answers:
//! - grouped, they compare with `partial_cmp` and take the new value when
//!   the two are incomparable, so whether a group's NaN survives depends on
//!   the order of its rows (and so on partitioning);
//! - grouped, they start from `f64::MIN` / `f64::MAX` instead of the
//!   infinities, so the `max` of a group of only `-inf` is
//!   `-1.7976931348623157e308` (and the `min` of only `inf` is `f64::MAX`);
//! - global, they order by IEEE total order, in which a NaN with its sign
//!   bit set (`inf - inf` on x86) is below `-inf`, so `min` returns it.
//!
//! These aggregates replace them for grouped and global aggregations. Window
//! frames keep DataFusion's (a sliding frame needs retraction), over the
//! argument with every NaN made the positive one (`window.rs`): in IEEE
//! total order, which those use, that NaN is above every number.

use std::fmt::Debug;
use std::mem::size_of;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Field, FieldRef, Float32Type, Float64Type};
use datafusion::common::{DataFusionError, Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, GroupsAccumulator, Signature, Volatility,
};
use datafusion_functions_aggregate_common::aggregate::groups_accumulator::prim_op::PrimitiveGroupsAccumulator;

/// Which end of the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Extreme {
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
}

/// The float types these aggregates take.
trait FloatValue: Copy + PartialOrd + Debug + Send + Sync + 'static {
    type Arrow: ArrowPrimitiveType<Native = Self>;
    const NAN: Self;
    const NEG_INFINITY: Self;
    fn is_nan(self) -> bool;
}

impl FloatValue for f32 {
    type Arrow = Float32Type;
    const NAN: Self = f32::NAN;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
}

impl FloatValue for f64 {
    type Arrow = Float64Type;
    const NAN: Self = f64::NAN;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
}

impl Extreme {
    /// The value no other changes: `-inf` for `max`, NaN (the largest) for
    /// `min`. Groups without any value are null by the null tracking, so it
    /// is never emitted on its own.
    fn identity<F: FloatValue>(self) -> F {
        match self {
            Extreme::Max => F::NEG_INFINITY,
            Extreme::Min => F::NAN,
        }
    }

    /// The extreme of two values. NaN comes out as the positive quiet NaN.
    fn pick<F: FloatValue>(self, cur: F, new: F) -> F {
        match (self, cur.is_nan(), new.is_nan()) {
            (Extreme::Max, true, _) | (Extreme::Max, _, true) => F::NAN,
            (Extreme::Min, true, true) => F::NAN,
            (Extreme::Min, true, false) => new,
            (Extreme::Min, false, true) => cur,
            (Extreme::Max, false, false) => {
                if new > cur {
                    new
                } else {
                    cur
                }
            }
            (Extreme::Min, false, false) => {
                if new < cur {
                    new
                } else {
                    cur
                }
            }
        }
    }
}

/// `min` or `max` of a Float32 or Float64 column as a DataFusion aggregate.
pub fn float_min_max_udaf(extreme: Extreme, input: DataType) -> AggregateUDF {
    AggregateUDF::new_from_impl(FloatMinMax {
        signature: Signature::exact(vec![input.clone()], Volatility::Immutable),
        extreme,
        input,
    })
}

/// Whether [`float_min_max_udaf`] takes this type.
pub fn is_float(dt: &DataType) -> bool {
    matches!(dt, DataType::Float32 | DataType::Float64)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct FloatMinMax {
    pub(crate) extreme: Extreme,
    pub(crate) input: DataType,
    signature: Signature,
}

impl AggregateUDFImpl for FloatMinMax {
    fn name(&self) -> &str {
        match self.extreme {
            Extreme::Min => "min",
            Extreme::Max => "max",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(self.input.clone())
    }

    fn accumulator(&self, _: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(match self.input {
            DataType::Float32 => Box::new(Acc::<f32>::new(self.extreme)),
            _ => Box::new(Acc::<f64>::new(self.extreme)),
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        let name = format!("{}[{}]", args.name, self.name());
        Ok(vec![Arc::new(Field::new(name, self.input.clone(), true))])
    }

    fn groups_accumulator_supported(&self, _: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _: AccumulatorArgs,
    ) -> DfResult<Box<dyn GroupsAccumulator>> {
        let extreme = self.extreme;
        Ok(match self.input {
            DataType::Float32 => Box::new(
                PrimitiveGroupsAccumulator::<Float32Type, _>::new(
                    &self.input,
                    move |cur: &mut f32, new: f32| *cur = extreme.pick(*cur, new),
                )
                .with_starting_value(extreme.identity()),
            ),
            _ => Box::new(
                PrimitiveGroupsAccumulator::<Float64Type, _>::new(
                    &self.input,
                    move |cur: &mut f64, new: f64| *cur = extreme.pick(*cur, new),
                )
                .with_starting_value(extreme.identity()),
            ),
        })
    }
}

/// One running extreme (global aggregates).
#[derive(Debug)]
struct Acc<F: FloatValue> {
    extreme: Extreme,
    value: Option<F>,
}

impl<F: FloatValue> Acc<F> {
    fn new(extreme: Extreme) -> Self {
        Acc {
            extreme,
            value: None,
        }
    }

    fn add(&mut self, values: &ArrayRef) -> DfResult<()> {
        let values = values.as_primitive_opt::<F::Arrow>().ok_or_else(|| {
            DataFusionError::Internal(format!("float min/max got {}", values.data_type()))
        })?;
        for v in values.iter().flatten() {
            let cur = self.value.unwrap_or_else(|| self.extreme.identity());
            self.value = Some(self.extreme.pick(cur, v));
        }
        Ok(())
    }
}

impl<F: FloatValue> Accumulator for Acc<F> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.add(&values[0])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.add(&states[0])
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        ScalarValue::new_primitive::<F::Arrow>(self.value, &F::Arrow::DATA_TYPE)
    }

    fn size(&self) -> usize {
        size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_is_larger_than_every_number_and_the_infinities_are_their_own_extremes() {
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        let fold = |e: Extreme, v: &[f64]| v.iter().fold(e.identity(), |c, &x| e.pick(c, x));
        assert!(fold(Extreme::Max, &[1.0, nan, 2.0]).is_nan());
        assert!(fold(Extreme::Max, &[nan, 1.0]).is_nan());
        assert_eq!(fold(Extreme::Max, &[-inf]), -inf);
        assert_eq!(fold(Extreme::Min, &[inf]), inf);
        assert_eq!(fold(Extreme::Min, &[nan, 3.0, -f64::NAN, 2.0]), 2.0);
        assert!(fold(Extreme::Min, &[nan, -f64::NAN]).is_nan());
        // NaN comes out positive, whatever went in.
        assert!(fold(Extreme::Max, &[-f64::NAN]).is_sign_positive());
    }
}
