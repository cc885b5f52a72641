//! Daft's percentile aggregations as DataFusion aggregate UDFs: `median`
//! and `percentile` (exact, linearly interpolated) and `approx_percentiles`
//! (a t-digest sketch, DataFusion's), each giving one Float64 or, for a list
//! of percentages, a fixed-size list of them.
//!
//! DataFusion's own `percentile_cont` and `approx_percentile_cont` take one
//! percentage each and order NaN by its bit pattern (a NaN with its sign
//! bit set, as `0.0 / 0.0` gives on x86, below every number); here every NaN
//! is above every number, as in the engine's sorts.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::datatypes::{DataType, Field, Float64Type, UInt64Type};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{create_udaf, Accumulator, AggregateUDF, Volatility};
use datafusion_functions_aggregate_common::tdigest::TDigest;

/// The result of several percentages: one Float64, or a fixed-size list.
fn result(values: Vec<Option<f64>>, list: bool) -> ScalarValue {
    if !list {
        return ScalarValue::Float64(values[0]);
    }
    let n = values.len() as i32;
    let items: ArrayRef = Arc::new(Float64Array::from(values));
    let field = Arc::new(Field::new("item", DataType::Float64, true));
    ScalarValue::FixedSizeList(Arc::new(arrow::array::FixedSizeListArray::new(
        field, n, items, None,
    )))
}

fn return_type(n: usize, list: bool) -> DataType {
    if list {
        DataType::FixedSizeList(
            Arc::new(Field::new("item", DataType::Float64, true)),
            n as i32,
        )
    } else {
        DataType::Float64
    }
}

/// The value at fraction `q` of `sorted` (NaN last), interpolated linearly
/// between the two nearest ranks.
fn interpolate(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let (a, b) = (sorted[lo], sorted[hi]);
    // Equal neighbours (infinities among them) need no arithmetic, which
    // would give NaN for inf - inf.
    if lo == hi || a == b {
        return a;
    }
    a + (b - a) * (pos - lo as f64)
}

/// Exact percentiles: every non-null value of the group is kept.
#[derive(Debug)]
struct Exact {
    percentages: Arc<[f64]>,
    list: bool,
    values: Vec<f64>,
}

impl Accumulator for Exact {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.values
            .extend(values[0].as_primitive::<Float64Type>().iter().flatten());
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        if self.values.is_empty() {
            return Ok(result(vec![None; self.percentages.len()], self.list));
        }
        // One NaN for all NaNs, so `total_cmp` puts each after +inf.
        for v in self.values.iter_mut() {
            if v.is_nan() {
                *v = f64::NAN;
            }
        }
        self.values.sort_unstable_by(f64::total_cmp);
        let out = self
            .percentages
            .iter()
            .map(|q| Some(interpolate(&self.values, *q)))
            .collect();
        Ok(result(out, self.list))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.capacity() * 8
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let values = ScalarValue::new_list_nullable(
            &self
                .values
                .iter()
                .map(|v| ScalarValue::Float64(Some(*v)))
                .collect::<Vec<_>>(),
            &DataType::Float64,
        );
        Ok(vec![ScalarValue::List(values)])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let lists = states[0].as_list::<i32>();
        for i in 0..lists.len() {
            if lists.is_valid(i) {
                let part = lists.value(i);
                self.values
                    .extend(part.as_primitive::<Float64Type>().iter().flatten());
            }
        }
        Ok(())
    }
}

/// Exact percentiles of a Float64 input (cast first) at `percentages`;
/// `list` makes the result a fixed-size list.
pub fn exact_udaf(percentages: Vec<f64>, list: bool) -> AggregateUDF {
    let out = return_type(percentages.len(), list);
    let name = format!("daft_percentile_{percentages:?}_{list}");
    let percentages: Arc<[f64]> = percentages.into();
    create_udaf(
        &name,
        vec![DataType::Float64],
        Arc::new(out),
        Volatility::Immutable,
        Arc::new(move |_: AccumulatorArgs| {
            Ok(Box::new(Exact {
                percentages: percentages.clone(),
                list,
                values: Vec::new(),
            }) as Box<dyn Accumulator>)
        }),
        Arc::new(vec![DataType::List(Arc::new(Field::new_list_field(
            DataType::Float64,
            true,
        )))]),
    )
}

/// DataFusion's default sketch size.
const DIGEST_SIZE: usize = 100;

/// Approximate percentiles: a t-digest of the numbers, and a count of the
/// NaNs, which the sketch cannot order.
#[derive(Debug)]
struct Approx {
    percentages: Arc<[f64]>,
    list: bool,
    digest: TDigest,
    nans: u64,
}

impl Accumulator for Approx {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let mut numbers = Vec::with_capacity(values[0].len());
        for v in values[0].as_primitive::<Float64Type>().iter().flatten() {
            if v.is_nan() {
                self.nans += 1;
            } else {
                numbers.push(v);
            }
        }
        if !numbers.is_empty() {
            self.digest = self.digest.merge_unsorted_f64(numbers);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let numbers = self.digest.count();
        let all = numbers + self.nans as f64;
        if all == 0.0 {
            return Ok(result(vec![None; self.percentages.len()], self.list));
        }
        let out = self
            .percentages
            .iter()
            .map(|q| {
                // The rank among all values; the NaNs are the top ranks.
                let rank = q * (all - 1.0);
                Some(if rank > numbers - 1.0 {
                    f64::NAN
                } else if numbers <= 1.0 {
                    self.digest.estimate_quantile(0.0)
                } else {
                    self.digest.estimate_quantile(rank / (numbers - 1.0))
                })
            })
            .collect();
        Ok(result(out, self.list))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.digest.size() - std::mem::size_of_val(&self.digest)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let mut state = self.digest.to_scalar_state();
        state.push(ScalarValue::UInt64(Some(self.nans)));
        Ok(state)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let mut digests = vec![self.digest.clone()];
        for row in 0..states[0].len() {
            let state = states[..6]
                .iter()
                .map(|a| ScalarValue::try_from_array(a, row))
                .collect::<DfResult<Vec<_>>>()?;
            digests.push(TDigest::from_scalar_state(&state));
            self.nans += states[6].as_primitive::<UInt64Type>().value(row);
        }
        self.digest = TDigest::merge_digests(&digests);
        Ok(())
    }
}

/// Approximate percentiles of a Float64 input (cast first).
pub fn approx_udaf(percentages: Vec<f64>, list: bool) -> AggregateUDF {
    let out = return_type(percentages.len(), list);
    let name = format!("daft_approx_percentiles_{percentages:?}_{list}");
    let percentages: Arc<[f64]> = percentages.into();
    let centroids = DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)));
    create_udaf(
        &name,
        vec![DataType::Float64],
        Arc::new(out),
        Volatility::Immutable,
        Arc::new(move |_: AccumulatorArgs| {
            Ok(Box::new(Approx {
                percentages: percentages.clone(),
                list,
                digest: TDigest::new(DIGEST_SIZE),
                nans: 0,
            }) as Box<dyn Accumulator>)
        }),
        Arc::new(vec![
            DataType::UInt64,
            DataType::Float64,
            DataType::Float64,
            DataType::Float64,
            DataType::Float64,
            centroids,
            DataType::UInt64,
        ]),
    )
}

#[cfg(test)]
mod tests {
    use super::interpolate;

    #[test]
    fn interpolates_between_ranks_and_keeps_infinities() {
        let v = [1.0, 2.0, 3.0, 10.0];
        assert_eq!(interpolate(&v, 0.0), 1.0);
        assert_eq!(interpolate(&v, 1.0), 10.0);
        assert_eq!(interpolate(&v, 0.5), 2.5);
        assert_eq!(
            interpolate(&[f64::INFINITY, f64::INFINITY], 0.5),
            f64::INFINITY
        );
        assert!(interpolate(&[1.0, f64::NAN], 1.0).is_nan());
        assert_eq!(interpolate(&[1.0, f64::NAN], 0.0), 1.0);
    }
}
