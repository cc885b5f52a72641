//! `sum` of integers and decimals that never wraps.
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

use std::marker::PhantomData;
use std::mem::size_of;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, PrimitiveArray};
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

/// The error for a sum that does not fit the output type (`sum` is `None`
/// when even an `i128` could not hold it).
fn overflow(shown: &str, dt: &DataType, sum: Option<i128>) -> DataFusionError {
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
    crate::error::to_df(daft_core::DaftError::ComputeError(format!(
        "{shown} overflows {dt}: {what}; cast the column to float64 (approximate) or {remedy} \
         before summing"
    )))
}

/// `sum` over Int64, UInt64 or Decimal128 input (narrower integers and
/// booleans are cast first), exact or an error.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ExactSum {
    output: DataType,
    /// The aggregation as the user wrote it, for the overflow error.
    shown: String,
    signature: Signature,
}

/// The `sum` aggregate whose input and output have type `output` (Int64,
/// UInt64 or Decimal128(38, s)); `shown` names it in errors.
pub fn exact_sum_udaf(output: DataType, shown: String) -> AggregateUDF {
    AggregateUDF::new_from_impl(ExactSum {
        signature: Signature::exact(vec![output.clone()], Volatility::Immutable),
        output,
        shown,
    })
}

impl ExactSum {
    fn parts(&self) -> Parts {
        Parts {
            output: self.output.clone(),
            shown: self.shown.clone(),
        }
    }
}

/// What every accumulator of one `sum` knows.
#[derive(Debug, Clone)]
struct Parts {
    output: DataType,
    shown: String,
}

impl AggregateUDFImpl for ExactSum {
    fn name(&self) -> &str {
        "daft_sum"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(self.output.clone())
    }

    fn accumulator(&self, _: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        let p = self.parts();
        Ok(match self.output {
            DataType::UInt64 => Box::new(SumAcc::<UInt64Type>::new(p)),
            DataType::Decimal128(..) => Box::new(SumAcc::<Decimal128Type>::new(p)),
            _ => Box::new(SumAcc::<Int64Type>::new(p)),
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[sum]", args.name),
            STATE,
            true,
        ))])
    }

    fn groups_accumulator_supported(&self, _: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _: AccumulatorArgs,
    ) -> DfResult<Box<dyn GroupsAccumulator>> {
        let p = self.parts();
        Ok(match self.output {
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
    /// Non-null values currently in the sum (a window frame retracts them).
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
        let v = self
            .sum
            .and_then(T::narrow)
            .ok_or_else(|| overflow(&self.parts.shown, out, self.sum))?;
        ScalarValue::new_primitive::<T>(Some(v), out)
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.parts.shown.capacity()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        if self.count == 0 {
            return Ok(vec![ScalarValue::Decimal128(None, 38, 0)]);
        }
        let sum = self
            .sum
            .ok_or_else(|| overflow(&self.parts.shown, &self.parts.output, None))?;
        Ok(vec![ScalarValue::Decimal128(Some(sum), 38, 0)])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let s = states[0].as_primitive::<Decimal128Type>();
        self.count += (s.len() - s.null_count()) as u64;
        self.add_all(s.iter().flatten());
        Ok(())
    }
}

/// Running sums for every group of a grouped aggregate.
#[derive(Debug)]
struct SumGroups<T> {
    sums: Vec<i128>,
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
        let sums = &mut self.sums;
        let exceeded = &mut self.exceeded;
        self.seen.accumulate(
            group_indices,
            values,
            opt_filter,
            total_num_groups,
            |g, v| match T::add(sums[g], widen(v)) {
                Some(s) => sums[g] = s,
                None => *exceeded = true,
            },
        );
        if self.exceeded {
            return Err(overflow(&self.parts.shown, &self.parts.output, None));
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
        let nulls = self.seen.build(emit_to);
        let mut out = Vec::with_capacity(sums.len());
        for (i, s) in sums.into_iter().enumerate() {
            match T::narrow(s) {
                Some(v) => out.push(v),
                // A group without values has sum 0, so this is not reached
                // for one; the check keeps it that way if that changes.
                None if nulls.as_ref().is_some_and(|n| n.is_null(i)) => {
                    out.push(T::Native::default())
                }
                None => return Err(overflow(&self.parts.shown, &self.parts.output, Some(s))),
            }
        }
        let out =
            PrimitiveArray::<T>::new(out.into(), nulls).with_data_type(self.parts.output.clone());
        Ok(Arc::new(out))
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        let sums = emit_to.take_needed(&mut self.sums);
        let nulls = self.seen.build(emit_to);
        Ok(vec![Arc::new(
            Decimal128Array::new(sums.into(), nulls).with_data_type(STATE),
        )])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> DfResult<()> {
        let s = values[0].as_primitive::<Decimal128Type>();
        self.add(s, group_indices, None, total_num_groups, |v| v)
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
        Ok(vec![Arc::new(
            Decimal128Array::new(sums.into(), nulls).with_data_type(STATE),
        )])
    }

    fn size(&self) -> usize {
        self.sums.capacity() * size_of::<i128>() + self.seen.size() + self.parts.shown.capacity()
    }
}
