//! `sum` of integers and decimals that never wraps, and `mean` of decimals
//! from the same exact sums.
//!
//! DataFusion's `sum` of Int64 adds with wrapping arithmetic, so
//! `sum([2**63 - 1, 1])` silently comes back negative (real Daft and Polars
//! wrap too, and real Daft also wraps a Decimal128 sum past 38 digits).
//! Here every partial sum is an `i128`, which no count of 64-bit values a
//! machine can hold overflows (decimal partial sums add checked), and the
//! sum is narrowed to the planned type only when it is emitted: a sum that
//! does not fit is an error naming the expression, as in DuckDB and
//! PostgreSQL. Partial sums cross partitions as `Decimal128(38, 0)` arrays
//! (an `i128` in Arrow's clothes), so they merge exactly wherever the final
//! aggregate runs.
//!
//! The mean of a Decimal128(p, s) is Decimal128(38, min(38, s + 4)) and
//! truncates toward zero, as in real Daft; where real Daft's fixed-point
//! intermediate overflows or the mean needs more than 38 digits it returns
//! null, and here the exact sum is divided (so only a mean that itself does
//! not fit fails) and a mean that does not fit is an error.

use std::marker::PhantomData;
use std::mem::size_of;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, PrimitiveArray, UInt64Array,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Decimal128Type, Field, FieldRef, Int64Type, UInt64Type,
    DECIMAL128_MAX_PRECISION,
};
use datafusion::common::{DataFusionError, Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion_functions_aggregate_common::aggregate::groups_accumulator::accumulate::NullState;

/// The type partial sums travel as.
const STATE: DataType = DataType::Decimal128(38, 0);

/// An Int64, UInt64 or Decimal128 input, widened to `i128` to add and
/// narrowed back, checked, to emit.
trait SumInput: ArrowPrimitiveType + std::fmt::Debug + Send + Sync {
    fn widen(v: Self::Native) -> i128;
    fn narrow(v: i128) -> Option<Self::Native>;
    /// `acc + v`, or `None` where an `i128` cannot hold it (only reachable
    /// for decimals: integers would need 2**64 values).
    fn add(acc: i128, v: i128) -> Option<i128>;
}

impl SumInput for Int64Type {
    fn widen(v: i64) -> i128 {
        v.into()
    }
    fn narrow(v: i128) -> Option<i64> {
        i64::try_from(v).ok()
    }
    fn add(acc: i128, v: i128) -> Option<i128> {
        Some(acc.wrapping_add(v))
    }
}

impl SumInput for UInt64Type {
    fn widen(v: u64) -> i128 {
        v.into()
    }
    fn narrow(v: i128) -> Option<u64> {
        u64::try_from(v).ok()
    }
    fn add(acc: i128, v: i128) -> Option<i128> {
        Some(acc.wrapping_add(v))
    }
}

/// The largest unscaled value of 38 decimal digits.
const DECIMAL_MAX: i128 = 10_i128.pow(DECIMAL128_MAX_PRECISION as u32) - 1;

impl SumInput for Decimal128Type {
    fn widen(v: i128) -> i128 {
        v
    }
    fn narrow(v: i128) -> Option<i128> {
        (-DECIMAL_MAX..=DECIMAL_MAX).contains(&v).then_some(v)
    }
    fn add(acc: i128, v: i128) -> Option<i128> {
        acc.checked_add(v)
    }
}

/// `sum / count` at `digits` more fraction digits than the sum's, truncated
/// toward zero (as Daft's decimal mean), or `None` when it has more than
/// 38 digits. Exact: the remainder is scaled on its own, and it is below
/// `count`, so `r * 10^digits` (digits <= 4) cannot overflow.
fn decimal_mean(sum: i128, count: u64, digits: u32) -> Option<i128> {
    let c = i128::from(count);
    let scale = 10_i128.pow(digits);
    let (q, r) = (sum / c, sum % c);
    let v = q.checked_mul(scale)?.checked_add(r * scale / c)?;
    (-DECIMAL_MAX..=DECIMAL_MAX).contains(&v).then_some(v)
}

/// The error for a sum or mean that does not fit the output type (`sum`
/// is `None` when even an `i128` could not hold the sum).
fn overflow(p: &Parts, sum: Option<i128>) -> DataFusionError {
    let (shown, dt) = (&p.shown, &p.output);
    if let (Some(v), Some(_), DataType::Decimal128(_, s)) = (sum, p.mean_digits, dt) {
        return crate::error::to_df(daft_core::DaftError::ComputeError(format!(
            "{shown} overflows {dt}: a mean (of a sum of unscaled {v}) needs more than 38 \
             digits at scale {s}; cast the column to float64 (approximate) or to a decimal128 \
             with fewer fraction digits before averaging"
        )));
    }
    let (what, remedy) = match (sum, dt) {
        (Some(v), DataType::Decimal128(_, s)) => (
            format!("a sum has more than 38 digits (unscaled {v}, scale {s})"),
            "to a decimal128 with fewer fraction digits",
        ),
        (None, _) => (
            "a partial sum exceeds 128 bits".to_string(),
            "to a decimal128 with fewer fraction digits",
        ),
        (Some(v), _) => (
            format!("a sum is {v}, outside the range of {dt}"),
            "to decimal128(38, 0) (exact up to 38 digits)",
        ),
    };
    let verb = if p.mean_digits.is_some() {
        "averaging"
    } else {
        "summing"
    };
    crate::error::to_df(daft_core::DaftError::ComputeError(format!(
        "{shown} overflows {dt}: {what}; cast the column to float64 (approximate) or {remedy} \
         before {verb}"
    )))
}

/// `sum` over Int64, UInt64 or Decimal128 input (narrower integers and
/// booleans are cast first), or `mean` over Decimal128, exact or an error.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ExactSum {
    pub(crate) input: DataType,
    pub(crate) parts: Parts,
    signature: Signature,
}

/// The `sum` aggregate whose input and output have type `output` (Int64,
/// UInt64 or Decimal128(38, s)); `shown` names it in errors.
pub fn exact_sum_udaf(output: DataType, shown: String) -> AggregateUDF {
    AggregateUDF::new_from_impl(ExactSum {
        signature: Signature::exact(vec![output.clone()], Volatility::Immutable),
        input: output.clone(),
        parts: Parts {
            output,
            mean_digits: None,
            shown,
        },
    })
}

/// The `mean` aggregate of Decimal128(38, `scale`) input, whose output is
/// Decimal128(38, min(38, scale + 4)) as in Daft; `shown` names it in errors.
pub fn exact_decimal_mean_udaf(scale: i8, shown: String) -> AggregateUDF {
    let input = DataType::Decimal128(38, scale);
    let out_scale = (scale.saturating_add(4)).min(38);
    AggregateUDF::new_from_impl(ExactSum {
        signature: Signature::exact(vec![input.clone()], Volatility::Immutable),
        input,
        parts: Parts {
            output: DataType::Decimal128(38, out_scale),
            mean_digits: Some(out_scale.saturating_sub(scale).max(0) as u32),
            shown,
        },
    })
}

/// What every accumulator of one `sum` or `mean` knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Parts {
    pub(crate) output: DataType,
    /// For a mean: how many more fraction digits the output has than the
    /// input; `None` for a sum.
    pub(crate) mean_digits: Option<u32>,
    /// The aggregation as the user wrote it, for the overflow error.
    pub(crate) shown: String,
}

impl Parts {
    /// The emitted value of a non-empty group: the sum narrowed to the
    /// output type, or the mean of `count` values.
    fn finish<T: SumInput>(&self, sum: Option<i128>, count: u64) -> DfResult<T::Native> {
        let v = match self.mean_digits {
            None => sum.and_then(T::narrow),
            Some(digits) => sum
                .and_then(|s| decimal_mean(s, count, digits))
                .and_then(T::narrow),
        };
        v.ok_or_else(|| overflow(self, sum))
    }
}

impl AggregateUDFImpl for ExactSum {
    fn name(&self) -> &str {
        if self.parts.mean_digits.is_some() {
            "daft_mean"
        } else {
            "daft_sum"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(self.parts.output.clone())
    }

    fn accumulator(&self, _: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        let p = self.parts.clone();
        Ok(match self.input {
            DataType::UInt64 => Box::new(SumAcc::<UInt64Type>::new(p)),
            DataType::Decimal128(..) => Box::new(SumAcc::<Decimal128Type>::new(p)),
            _ => Box::new(SumAcc::<Int64Type>::new(p)),
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        let sum = Field::new(format!("{}[sum]", args.name), STATE, true);
        let mut fields = vec![Arc::new(sum)];
        if self.parts.mean_digits.is_some() {
            let count = Field::new(format!("{}[count]", args.name), DataType::UInt64, true);
            fields.push(Arc::new(count));
        }
        Ok(fields)
    }

    fn groups_accumulator_supported(&self, _: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _: AccumulatorArgs,
    ) -> DfResult<Box<dyn GroupsAccumulator>> {
        let p = self.parts.clone();
        Ok(match self.input {
            DataType::UInt64 => Box::new(SumGroups::<UInt64Type>::new(p)),
            DataType::Decimal128(..) => Box::new(SumGroups::<Decimal128Type>::new(p)),
            _ => Box::new(SumGroups::<Int64Type>::new(p)),
        })
    }

    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        self.accumulator(args)
    }
}

/// One running sum (global aggregates and window frames).
#[derive(Debug)]
struct SumAcc<T> {
    /// `None` once a partial sum exceeded an `i128`.
    sum: Option<i128>,
    /// Non-null values currently in the sum (a window frame retracts them;
    /// merged partial sums count their own values).
    count: u64,
    parts: Parts,
    _input: PhantomData<T>,
}

impl<T: SumInput> SumAcc<T> {
    fn new(parts: Parts) -> Self {
        SumAcc {
            sum: Some(0),
            count: 0,
            parts,
            _input: PhantomData,
        }
    }

    fn add_all(&mut self, values: impl Iterator<Item = i128>) {
        for v in values {
            self.sum = self.sum.and_then(|s| T::add(s, v));
        }
    }
}

impl<T: SumInput> Accumulator for SumAcc<T> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let a = values[0].as_primitive::<T>();
        self.count += (a.len() - a.null_count()) as u64;
        self.add_all(a.iter().flatten().map(T::widen));
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let a = values[0].as_primitive::<T>();
        self.count -= (a.len() - a.null_count()) as u64;
        self.add_all(a.iter().flatten().map(|v| T::widen(v).wrapping_neg()));
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let out = &self.parts.output;
        if self.count == 0 {
            return ScalarValue::try_from(out);
        }
        let v = self.parts.finish::<T>(self.sum, self.count)?;
        ScalarValue::new_primitive::<T>(Some(v), out)
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.parts.shown.capacity()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let sum = match (self.count, self.sum) {
            (0, _) => None,
            (_, Some(s)) => Some(s),
            (_, None) => return Err(overflow(&self.parts, None)),
        };
        let mut state = vec![ScalarValue::Decimal128(sum, 38, 0)];
        if self.parts.mean_digits.is_some() {
            state.push(ScalarValue::UInt64(Some(self.count)));
        }
        Ok(state)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let s = states[0].as_primitive::<Decimal128Type>();
        self.count += match states.get(1) {
            // A mean's partial states carry their counts.
            Some(c) => c.as_primitive::<UInt64Type>().iter().flatten().sum(),
            None => (s.len() - s.null_count()) as u64,
        };
        self.add_all(s.iter().flatten());
        Ok(())
    }
}

/// Running sums for every group of a grouped aggregate.
#[derive(Debug)]
struct SumGroups<T> {
    sums: Vec<i128>,
    /// Values per group, kept for a mean only (empty for a sum).
    counts: Vec<u64>,
    /// Which groups have seen a non-null value (the others sum to null).
    seen: NullState,
    /// Set once a partial sum exceeded an `i128` (decimals only).
    exceeded: bool,
    parts: Parts,
    _input: PhantomData<T>,
}

impl<T: SumInput> SumGroups<T> {
    fn new(parts: Parts) -> Self {
        SumGroups {
            sums: Vec::new(),
            counts: Vec::new(),
            seen: NullState::new(),
            exceeded: false,
            parts,
            _input: PhantomData,
        }
    }

    fn add<V: ArrowPrimitiveType + Send>(
        &mut self,
        values: &PrimitiveArray<V>,
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
        widen: fn(V::Native) -> i128,
    ) -> DfResult<()>
    where
        V::Native: Send,
    {
        self.sums.resize(total_num_groups, 0);
        if self.parts.mean_digits.is_some() {
            self.counts.resize(total_num_groups, 0);
        }
        let sums = &mut self.sums;
        let counts = &mut self.counts;
        let exceeded = &mut self.exceeded;
        self.seen.accumulate(
            group_indices,
            values,
            opt_filter,
            total_num_groups,
            |g, v| {
                match T::add(sums[g], widen(v)) {
                    Some(s) => sums[g] = s,
                    None => *exceeded = true,
                }
                if let Some(c) = counts.get_mut(g) {
                    *c += 1;
                }
            },
        );
        if self.exceeded {
            return Err(overflow(&self.parts, None));
        }
        Ok(())
    }
}

impl<T: SumInput> GroupsAccumulator for SumGroups<T> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        let a = values[0].as_primitive::<T>();
        self.add(a, group_indices, opt_filter, total_num_groups, T::widen)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        let sums = emit_to.take_needed(&mut self.sums);
        let counts = match self.parts.mean_digits {
            Some(_) => emit_to.take_needed(&mut self.counts),
            None => Vec::new(),
        };
        let nulls = self.seen.build(emit_to);
        let mut out = Vec::with_capacity(sums.len());
        for (i, s) in sums.into_iter().enumerate() {
            if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                out.push(T::Native::default());
                continue;
            }
            out.push(
                self.parts
                    .finish::<T>(Some(s), counts.get(i).copied().unwrap_or(0))?,
            );
        }
        let out =
            PrimitiveArray::<T>::new(out.into(), nulls).with_data_type(self.parts.output.clone());
        Ok(Arc::new(out))
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        let sums = emit_to.take_needed(&mut self.sums);
        let nulls = self.seen.build(emit_to);
        let mut state: Vec<ArrayRef> = vec![Arc::new(
            Decimal128Array::new(sums.into(), nulls).with_data_type(STATE),
        )];
        if self.parts.mean_digits.is_some() {
            let counts = emit_to.take_needed(&mut self.counts);
            state.push(Arc::new(UInt64Array::from(counts)));
        }
        Ok(state)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> DfResult<()> {
        let s = values[0].as_primitive::<Decimal128Type>();
        self.add(s, group_indices, None, total_num_groups, |v| v)?;
        if let Some(c) = values.get(1) {
            // `add` counted one per partial sum; a mean needs the values
            // each partial sum stands for.
            let c = c.as_primitive::<UInt64Type>();
            for (row, &g) in group_indices.iter().enumerate() {
                if s.is_valid(row) {
                    self.counts[g] += c.value(row).saturating_sub(1);
                }
            }
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> DfResult<Vec<ArrayRef>> {
        let a = values[0].as_primitive::<T>();
        let sums: Vec<i128> = a.values().iter().map(|v| T::widen(*v)).collect();
        // A row the filter drops (false or null) is a group with no value.
        let kept = opt_filter.map(|f| {
            let keep = match f.nulls() {
                Some(n) => f.values() & n.inner(),
                None => f.values().clone(),
            };
            NullBuffer::new(keep)
        });
        let nulls = NullBuffer::union(a.nulls(), kept.as_ref());
        // A mean's count per row: one for a value, zero for a dropped row.
        let counts = self.parts.mean_digits.map(|_| {
            let valid = |i| u64::from(nulls.as_ref().is_none_or(|n| n.is_valid(i)));
            UInt64Array::from_iter_values((0..a.len()).map(valid))
        });
        let mut state: Vec<ArrayRef> = vec![Arc::new(
            Decimal128Array::new(sums.into(), nulls).with_data_type(STATE),
        )];
        state.extend(counts.map(|c| Arc::new(c) as ArrayRef));
        Ok(state)
    }

    fn size(&self) -> usize {
        self.sums.capacity() * size_of::<i128>()
            + self.counts.capacity() * size_of::<u64>()
            + self.seen.size()
            + self.parts.shown.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_mean_truncates_toward_zero_at_four_more_digits() {
        // 2/3 and -2/3 at scale 0 -> 4: 0.6666 and -0.6666, as real Daft.
        assert_eq!(decimal_mean(2, 3, 4), Some(6666));
        assert_eq!(decimal_mean(-2, 3, 4), Some(-6666));
        assert_eq!(decimal_mean(-1, 2, 4), Some(-5000));
    }

    #[test]
    fn decimal_mean_of_a_sum_past_38_digits_is_exact_when_the_mean_fits() {
        // 30 values of 10**33: the sum has 35 digits, the scaled sum 39.
        let sum = 30 * 10_i128.pow(33);
        assert_eq!(decimal_mean(sum, 30, 4), Some(10_i128.pow(37)));
    }

    #[test]
    fn decimal_mean_that_needs_more_than_38_digits_is_none() {
        // 5/3 at scale 36 -> 38 needs 39 digits.
        let sum = 5 * 10_i128.pow(36);
        assert_eq!(decimal_mean(sum, 3, 2), None);
        assert_eq!(decimal_mean(i128::MAX, 1, 4), None);
    }
}
