//! Daft's aggregations that DataFusion has no function for: `product` and
//! `skew`, as DataFusion aggregate UDFs (so they run partial/final in
//! parallel and over windows like the built-in ones).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type, UInt64Type};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

/// The product of the non-null values (null when there are none); an
/// integer product that does not fit its type is an error (real Daft wraps).
#[derive(Debug)]
struct Product {
    dt: DataType,
    value: ScalarValue,
    seen: bool,
    /// The aggregation as the user wrote it, for the overflow error.
    shown: Arc<str>,
}

impl Product {
    fn multiply(&mut self, a: &ArrayRef) -> DfResult<()> {
        if a.null_count() == a.len() {
            return Ok(());
        }
        self.seen = true;
        let overflow = || {
            crate::error::to_df(daft_core::DaftError::ComputeError(format!(
                "{} overflows {}: cast the column to float64 before multiplying",
                self.shown, self.dt
            )))
        };
        self.value = match (&self.value, a.data_type()) {
            (ScalarValue::Int64(Some(p)), DataType::Int64) => ScalarValue::Int64(Some(
                a.as_primitive::<Int64Type>()
                    .iter()
                    .flatten()
                    .try_fold(*p, i64::checked_mul)
                    .ok_or_else(overflow)?,
            )),
            (ScalarValue::UInt64(Some(p)), DataType::UInt64) => ScalarValue::UInt64(Some(
                a.as_primitive::<UInt64Type>()
                    .iter()
                    .flatten()
                    .try_fold(*p, u64::checked_mul)
                    .ok_or_else(overflow)?,
            )),
            (ScalarValue::Float64(Some(p)), DataType::Float64) => ScalarValue::Float64(Some(
                a.as_primitive::<Float64Type>()
                    .iter()
                    .flatten()
                    .fold(*p, |x, y| x * y),
            )),
            (v, t) => {
                return Err(datafusion::common::DataFusionError::Internal(format!(
                    "product of {t} into {v:?}"
                )))
            }
        };
        Ok(())
    }
}

impl Accumulator for Product {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.multiply(&values[0])
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        if self.seen {
            Ok(self.value.clone())
        } else {
            ScalarValue::try_from(&self.dt)
        }
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.multiply(&states[0])
    }
}

/// `product` over `dt` (Int64, UInt64 or Float64: the input is cast first);
/// `shown` names it in errors.
pub fn product_udaf(dt: DataType, shown: String) -> AggregateUDF {
    AggregateUDF::new_from_impl(ProductUdaf {
        name: format!("daft_product_{dt}"),
        signature: Signature::exact(vec![dt.clone()], Volatility::Immutable),
        dt,
        shown,
    })
}

/// The `product` aggregate: its parameters are plain data, so a plan that
/// calls it can be sent to another process (`daft_lowering::wire`).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ProductUdaf {
    pub(crate) dt: DataType,
    pub(crate) shown: String,
    name: String,
    signature: Signature,
}

impl AggregateUDFImpl for ProductUdaf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(self.dt.clone())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        let name = format_state_name(args.name, "product");
        Ok(vec![Arc::new(Field::new(name, self.dt.clone(), true))])
    }

    fn accumulator(&self, _: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        let one = match self.dt {
            DataType::Int64 => ScalarValue::Int64(Some(1)),
            DataType::UInt64 => ScalarValue::UInt64(Some(1)),
            _ => ScalarValue::Float64(Some(1.0)),
        };
        Ok(Box::new(Product {
            dt: self.dt.clone(),
            value: one,
            seen: false,
            shown: self.shown.as_str().into(),
        }))
    }
}

/// The population skewness of the non-null values (Daft's `skew`):
/// the third central moment over the second's 1.5th power, from running
/// sums of x, x² and x³.
#[derive(Debug, Default)]
struct Skew {
    n: f64,
    s1: f64,
    s2: f64,
    s3: f64,
}

impl Accumulator for Skew {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        for x in values[0].as_primitive::<Float64Type>().iter().flatten() {
            self.n += 1.0;
            self.s1 += x;
            self.s2 += x * x;
            self.s3 += x * x * x;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        if self.n == 0.0 {
            return Ok(ScalarValue::Float64(None));
        }
        let mean = self.s1 / self.n;
        let m2 = self.s2 / self.n - mean * mean;
        let m3 = self.s3 / self.n - 3.0 * mean * self.s2 / self.n + 2.0 * mean.powi(3);
        Ok(ScalarValue::Float64(Some(m3 / m2.powf(1.5))))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok([self.n, self.s1, self.s2, self.s3]
            .into_iter()
            .map(|v| ScalarValue::Float64(Some(v)))
            .collect())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let col = |i: usize| states[i].as_primitive::<Float64Type>().clone();
        let (n, s1, s2, s3) = (col(0), col(1), col(2), col(3));
        for i in 0..n.len() {
            if n.is_valid(i) {
                self.n += n.value(i);
                self.s1 += s1.value(i);
                self.s2 += s2.value(i);
                self.s3 += s3.value(i);
            }
        }
        Ok(())
    }
}

/// `skew` over Float64 (the input is cast first).
pub fn skew_udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SkewUdaf {
        signature: Signature::exact(vec![DataType::Float64], Volatility::Immutable),
    })
}

/// The `skew` aggregate (no parameters).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct SkewUdaf {
    signature: Signature,
}

impl AggregateUDFImpl for SkewUdaf {
    fn name(&self) -> &str {
        "daft_skew"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(["n", "s1", "s2", "s3"]
            .into_iter()
            .map(|part| {
                let name = format_state_name(args.name, part);
                Arc::new(Field::new(name, DataType::Float64, true))
            })
            .collect())
    }

    fn accumulator(&self, _: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::<Skew>::default())
    }
}
