//! What each of the lowering's own DataFusion functions is made from, as
//! plain data, so that a plan can be rebuilt in another process.
//!
//! DataFusion's plan serialization names a function and leaves the rest to
//! an extension codec (`daft-distributed`). The functions here hold the
//! registry's [`FunctionDef`]s and plan-time types; [`ScalarSpec`] and
//! [`AggregateSpec`] take them apart into what was decided at plan time, and
//! the `build` functions make the same function again from it. A function is
//! never sent as a pointer: the codec names a `FunctionDef` by provider and
//! name and looks it up again on the other side.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

use daft_core::options::FunctionOptions;
use daft_core::registry::FunctionDef;
use daft_core::DaftResult;
use daft_dsl::{Operator, RegistryAgg};

use crate::aggregates::{product_udaf, skew_udaf, ProductUdaf, SkewUdaf};
use crate::explode::ListPositions;
use crate::float_keys::CanonicalFloat;
use crate::float_minmax::{float_min_max_udaf, Extreme, FloatMinMax};
use crate::operators::OperatorUdf;
use crate::registry_agg::{registry_udaf, RegistryAggUdf};
use crate::sum::{exact_decimal_mean_udaf, exact_sum_udaf, ExactSum};
use crate::udf::RegistryUdf;
use crate::variance::{population_udaf, Population};

/// A scalar function of the lowering, as plain data.
#[derive(Debug, Clone)]
pub enum ScalarSpec {
    /// A registry function (built-in, plugin or Python) at one call site.
    Registry {
        func: Arc<FunctionDef>,
        arg_fields: Vec<Field>,
        options: FunctionOptions,
        return_field: FieldRef,
    },
    /// A binary operator with Daft's semantics.
    Operator {
        op: Operator,
        output: DataType,
        shown: String,
    },
    /// The canonical form of float grouping keys (one NaN, one zero).
    CanonicalFloat,
    /// The positions of an exploded list's items.
    ListPositions,
}

/// An aggregate function of the lowering, as plain data.
#[derive(Debug, Clone)]
pub enum AggregateSpec {
    /// A registry aggregate over the struct of its arguments' fields.
    Registry {
        func: Arc<FunctionDef>,
        options: FunctionOptions,
        args: Vec<Field>,
        shown: String,
    },
    /// An exact `sum` with output type `output`.
    ExactSum { output: DataType, shown: String },
    /// An exact `mean` of Decimal128(38, `scale`).
    ExactDecimalMean { scale: i8, shown: String },
    /// `min` (`max: false`) or `max` of floats, NaN ordered as Daft does.
    FloatMinMax { max: bool, input: DataType },
    /// Population variance, or standard deviation with `stddev`.
    Population { stddev: bool },
    /// `product` over `dt` (Int64, UInt64 or Float64).
    Product { dt: DataType, shown: String },
    /// Daft's population skewness.
    Skew,
}

impl ScalarSpec {
    /// What `udf` is made from, if it is one of the lowering's own.
    pub fn of(udf: &ScalarUDF) -> Option<ScalarSpec> {
        let inner = udf.inner();
        if let Some(f) = inner.downcast_ref::<RegistryUdf>() {
            return Some(ScalarSpec::Registry {
                func: f.func.clone(),
                arg_fields: f.arg_fields.clone(),
                options: f.options.clone(),
                return_field: f.return_field.clone(),
            });
        }
        if let Some(f) = inner.downcast_ref::<OperatorUdf>() {
            return Some(ScalarSpec::Operator {
                op: f.op,
                output: f.output.clone(),
                shown: f.shown.clone(),
            });
        }
        if inner.downcast_ref::<CanonicalFloat>().is_some() {
            return Some(ScalarSpec::CanonicalFloat);
        }
        if inner.downcast_ref::<ListPositions>().is_some() {
            return Some(ScalarSpec::ListPositions);
        }
        None
    }

    /// The function again.
    pub fn build(self) -> ScalarUDF {
        match self {
            ScalarSpec::Registry {
                func,
                arg_fields,
                options,
                return_field,
            } => {
                ScalarUDF::new_from_impl(RegistryUdf::new(func, arg_fields, options, return_field))
            }
            ScalarSpec::Operator { op, output, shown } => {
                ScalarUDF::new_from_impl(OperatorUdf::new(op, output, shown))
            }
            ScalarSpec::CanonicalFloat => ScalarUDF::new_from_impl(CanonicalFloat::new()),
            ScalarSpec::ListPositions => ScalarUDF::new_from_impl(ListPositions::new()),
        }
    }
}

impl AggregateSpec {
    /// What `udaf` is made from, if it is one of the lowering's own.
    pub fn of(udaf: &AggregateUDF) -> Option<AggregateSpec> {
        let inner = udaf.inner();
        if let Some(f) = inner.downcast_ref::<RegistryAggUdf>() {
            return Some(AggregateSpec::Registry {
                func: f.func.clone(),
                options: f.options.clone(),
                args: f.args.clone(),
                shown: f.shown.clone(),
            });
        }
        if let Some(f) = inner.downcast_ref::<ExactSum>() {
            let shown = f.parts.shown.clone();
            return Some(match (&f.input, f.parts.mean_digits) {
                (&DataType::Decimal128(_, scale), Some(_)) => {
                    AggregateSpec::ExactDecimalMean { scale, shown }
                }
                _ => AggregateSpec::ExactSum {
                    output: f.parts.output.clone(),
                    shown,
                },
            });
        }
        if let Some(f) = inner.downcast_ref::<FloatMinMax>() {
            return Some(AggregateSpec::FloatMinMax {
                max: f.extreme == Extreme::Max,
                input: f.input.clone(),
            });
        }
        if let Some(f) = inner.downcast_ref::<Population>() {
            return Some(AggregateSpec::Population { stddev: f.stddev });
        }
        if let Some(f) = inner.downcast_ref::<ProductUdaf>() {
            return Some(AggregateSpec::Product {
                dt: f.dt.clone(),
                shown: f.shown.clone(),
            });
        }
        if inner.downcast_ref::<SkewUdaf>().is_some() {
            return Some(AggregateSpec::Skew);
        }
        None
    }

    /// The aggregate again.
    pub fn build(self) -> DaftResult<AggregateUDF> {
        Ok(match self {
            AggregateSpec::Registry {
                func,
                options,
                args,
                shown,
            } => registry_udaf(
                &RegistryAgg { func, options },
                &DataType::Struct(args.into()),
                shown,
            )?,
            AggregateSpec::ExactSum { output, shown } => exact_sum_udaf(output, shown),
            AggregateSpec::ExactDecimalMean { scale, shown } => {
                exact_decimal_mean_udaf(scale, shown)
            }
            AggregateSpec::FloatMinMax { max, input } => {
                let extreme = if max { Extreme::Max } else { Extreme::Min };
                float_min_max_udaf(extreme, input)
            }
            AggregateSpec::Population { stddev } => population_udaf(stddev),
            AggregateSpec::Product { dt, shown } => product_udaf(dt, shown),
            AggregateSpec::Skew => skew_udaf(),
        })
    }
}
