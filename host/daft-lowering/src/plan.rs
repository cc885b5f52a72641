//! Daft logical plans lowered to DataFusion logical plans.
//!
//! Every node keeps the schema Daft planned: names and types of each
//! output column are checked after the node is lowered, and where
//! DataFusion's rules give another type (a `sum` of `Float32`, which
//! DataFusion widens), a cast brings it back, so what the user was shown at
//! plan time is what comes out.

use std::sync::Arc;

use arrow::datatypes::{DataType, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::datasource::provider_as_source;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{
    self as dfx, Expr as DfExpr, ExprFunctionExt, LogicalPlan as DfPlan, LogicalPlanBuilder,
    SortExpr,
};

use daft_core::{DaftError, DaftResult};
use daft_dsl::{AggKind, CountMode, Expr};
use daft_plan::{LogicalPlan, Source};

use crate::error::from_df;
use crate::explode::lower_explode;
use crate::expr::{cast_to, lower_expr};
use crate::float_keys::{canonical_columns, canonical_key};
use crate::float_minmax::Extreme;
use crate::join::{lower_join, lower_set_op};
use crate::partition::lower_repartition;
use crate::scan;
use crate::views;
use crate::window::lower_windows;

/// Choices the lowering needs from the session.
#[derive(Debug, Clone)]
pub struct LowerOptions {
    /// Partitions for in-memory data: the session's target parallelism.
    pub target_partitions: usize,
}

/// Lowers `plan` to a DataFusion logical plan with the same output schema.
pub fn lower_plan(plan: &LogicalPlan, opts: &LowerOptions) -> DaftResult<DfPlan> {
    let ctx = Ctx {
        opts,
        strings: views::StringReads::of(plan),
    };
    let b = lower(plan, &ctx)?;
    conform(b, &plan.schema(), Exactly::Yes)?
        .build()
        .map_err(from_df)
}

/// What every node's lowering needs to know.
struct Ctx<'a> {
    opts: &'a LowerOptions,
    /// Which string columns Parquet scans read as views (see [`views`]).
    strings: views::StringReads,
}

fn lower(plan: &LogicalPlan, ctx: &Ctx) -> DaftResult<LogicalPlanBuilder> {
    let opts = ctx.opts;
    let df = |r: datafusion::common::Result<LogicalPlanBuilder>| r.map_err(from_df);
    Ok(match plan {
        LogicalPlan::Scan { source, schema } => {
            let (name, providers) = match source {
                Source::InMemory(batches) => (
                    "in_memory",
                    vec![scan::in_memory(
                        schema.clone(),
                        batches,
                        opts.target_partitions,
                    )?],
                ),
                Source::Partitions(parts) => {
                    ("in_memory", vec![scan::partitions(schema.clone(), parts)?])
                }
                Source::Parquet(files) => (
                    "parquet",
                    scan::parquet(schema.clone(), files, &ctx.strings)?,
                ),
                Source::Csv(files, o) => ("csv", scan::csv(schema.clone(), files, o)?),
                Source::Json(files) => ("json", scan::json(schema.clone(), files)?),
            };
            // Several tables (files in an order DataFusion would not keep)
            // are concatenated in order: a union's partitions are its
            // inputs' partitions, one after the other.
            let mut scans = providers.into_iter().map(|p| {
                LogicalPlanBuilder::scan(name, provider_as_source(p), None).map_err(from_df)
            });
            let mut b = scans
                .next()
                .ok_or_else(|| DaftError::Internal("a scan with no table".into()))??;
            for next in scans {
                b = df(b.union(next?.build().map_err(from_df)?))?;
            }
            match source {
                Source::Csv(..) => empty_strings_not_null(b, schema)?,
                _ => b,
            }
        }
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } => {
            let in_schema = input.schema();
            let b = lower(input, ctx)?;
            let (b, exprs, in_schema) = if exprs.iter().any(|e| e.has_window()) {
                let w = lower_windows(b, exprs, &in_schema)?;
                (w.builder, w.exprs, Arc::new(w.schema))
            } else {
                (b, exprs.clone(), in_schema)
            };
            let lowered = exprs
                .iter()
                .map(|e| Ok(lower_expr(e, &in_schema)?.0.alias(e.name())))
                .collect::<DaftResult<Vec<_>>>()?;
            let b = df(b.project(lowered))?;
            conform(b, schema, Exactly::No)?
        }
        LogicalPlan::Filter { input, predicate } => {
            let (p, f) = lower_expr(predicate, &input.schema())?;
            let p = cast_to(p, f.data_type(), &DataType::Boolean);
            df(lower(input, ctx)?.filter(p))?
        }
        LogicalPlan::Limit {
            input,
            offset,
            limit,
        } => df(lower(input, ctx)?.limit(*offset, *limit))?,
        LogicalPlan::Sort { input, keys } => {
            let in_schema = input.schema();
            let keys = keys
                .iter()
                .map(|k| {
                    // Floats sort by their canonical key: every NaN last (Arrow's
                    // total order puts a NaN with its sign bit set, as `0.0 / 0.0`
                    // gives on x86, below -inf) and -0.0 tied with 0.0, as in Daft.
                    let (e, f) = lower_expr(&k.expr, &in_schema)?;
                    Ok(SortExpr::new(
                        canonical_key(e, f.data_type()),
                        !k.descending,
                        k.nulls_first,
                    ))
                })
                .collect::<DaftResult<Vec<_>>>()?;
            df(lower(input, ctx)?.sort(keys))?
        }
        LogicalPlan::Repartition { input, scheme } => lower_repartition(
            lower(input, ctx)?,
            &input.schema(),
            scheme,
            opts.target_partitions,
        )?,
        LogicalPlan::Distinct { input, on: None } => {
            df(canonical_columns(lower(input, ctx)?)?.distinct())?
        }
        LogicalPlan::Distinct {
            input,
            on: Some(on),
        } => {
            let in_schema = input.schema();
            let b = lower(input, ctx)?;
            let on = on
                .iter()
                .map(|e| {
                    let (x, f) = lower_expr(e, &in_schema)?;
                    Ok(canonical_key(x, f.data_type()))
                })
                .collect::<DaftResult<Vec<_>>>()?;
            let select = b
                .schema()
                .columns()
                .into_iter()
                .map(DfExpr::Column)
                .collect();
            let b = df(b.distinct_on(on, select, None))?;
            conform(b, &input.schema(), Exactly::No)?
        }
        LogicalPlan::Join {
            left,
            right,
            left_on,
            right_on,
            how,
            columns,
            schema,
        } => {
            let b = lower_join(
                lower(left, ctx)?,
                lower(right, ctx)?,
                &left.schema(),
                &right.schema(),
                left_on,
                right_on,
                *how,
                columns,
                schema,
            )?;
            conform(b, schema, Exactly::No)?
        }
        LogicalPlan::Explode {
            input,
            columns,
            index_column,
            ignore_empty_and_null,
            schema,
        } => {
            let b = lower_explode(
                lower(input, ctx)?,
                columns,
                index_column.as_deref(),
                *ignore_empty_and_null,
            )?;
            conform(b, schema, Exactly::No)?
        }
        LogicalPlan::Concat { inputs, schema } => {
            let mut parts = inputs
                .iter()
                .map(|i| conform(lower(i, ctx)?, schema, Exactly::Yes));
            let mut b = parts
                .next()
                .ok_or_else(|| DaftError::Internal("a concat with no input".into()))??;
            for p in parts {
                b = df(b.union(p?.build().map_err(from_df)?))?;
            }
            b
        }
        LogicalPlan::SetOp {
            left,
            right,
            kind,
            all,
            schema,
        } => {
            let l = conform(lower(left, ctx)?, schema, Exactly::Yes)?;
            let r = conform(lower(right, ctx)?, schema, Exactly::Yes)?;
            conform(lower_set_op(l, r, *kind, *all)?, schema, Exactly::No)?
        }
        LogicalPlan::Aggregate {
            input,
            aggs,
            group_by,
            schema,
        } => {
            let in_schema = input.schema();
            let keys = group_by
                .iter()
                .map(|g| {
                    let (x, f) = lower_expr(g, &in_schema)?;
                    Ok(canonical_key(x, f.data_type()).alias(g.name()))
                })
                .collect::<DaftResult<Vec<_>>>()?;
            let aggs_spec = aggs;
            let aggs = aggs
                .iter()
                .map(|a| Ok(lower_agg(a, &in_schema)?.alias(a.name())))
                .collect::<DaftResult<Vec<_>>>()?;
            let b = df(lower(input, ctx)?.aggregate(keys, aggs))?;
            let b = empty_lists_for_no_values(b, group_by.len(), aggs_spec, schema)?;
            conform(b, schema, Exactly::No)?
        }
    })
}

/// CSV has no null string: an empty field in a string column is `""`, as
/// Daft reads it (a number column reads an empty field as null). Arrow's
/// reader gives null for both, so string columns are mapped back.
fn empty_strings_not_null(
    b: LogicalPlanBuilder,
    schema: &SchemaRef,
) -> DaftResult<LogicalPlanBuilder> {
    if !schema
        .fields()
        .iter()
        .any(|f| f.data_type() == &DataType::Utf8)
    {
        return Ok(b);
    }
    let exprs = b
        .schema()
        .columns()
        .into_iter()
        .zip(schema.fields())
        .map(|(c, f)| {
            let e = DfExpr::Column(c);
            if f.data_type() != &DataType::Utf8 {
                return Ok(e);
            }
            let filled = dfx::when(e.clone().is_null(), dfx::lit(""))
                .otherwise(e)
                .map_err(from_df)?;
            Ok(filled.alias(f.name()))
        })
        .collect::<DaftResult<Vec<_>>>()?;
    b.project(exprs).map_err(from_df)
}

/// One aggregation (possibly under an alias) as a DataFusion aggregate.
/// Window frames lower their `min`/`max` themselves (see `window`).
pub(crate) fn lower_agg(e: &Expr, schema: &Schema) -> DaftResult<DfExpr> {
    let (kind, input) = match e {
        Expr::Alias(inner, _) => return lower_agg(inner, schema),
        Expr::Agg { kind, expr } => (kind.clone(), expr),
        other => {
            return Err(DaftError::Internal(format!(
                "expected an aggregation, got {other}"
            )))
        }
    };
    let (x, f) = lower_expr(input, schema)?;
    let dt = f.data_type();
    // DataFusion's sum and avg take numbers only; Daft also sums booleans
    // (as 0/1) and all-null columns.
    let numeric_input = |to: DataType| {
        if matches!(dt, DataType::Boolean | DataType::Null) {
            cast_to(x.clone(), dt, &to)
        } else {
            x.clone()
        }
    };
    let df = |r: datafusion::common::Result<DfExpr>| r.map_err(from_df);
    Ok(match kind {
        AggKind::User(u) => crate::user_agg::user_udaf(&u, dt)?.call(vec![x]),
        AggKind::Registry(r) => {
            crate::registry_agg::registry_udaf(&r, dt, e.to_string())?.call(vec![x])
        }
        AggKind::Sum => match kind.output_type(&f)? {
            // Integer and decimal sums are exact or an error, never
            // wrapped (see `sum`).
            out @ (DataType::Int64 | DataType::UInt64 | DataType::Decimal128(..)) => {
                crate::sum::exact_sum_udaf(out.clone(), e.to_string())
                    .call(vec![cast_to(x, dt, &out)])
            }
            _ => agg::sum(numeric_input(DataType::Int64)),
        },
        // A decimal mean divides the exact sum (see `sum`); DataFusion's
        // decimal avg wraps its sum.
        AggKind::Mean => match dt {
            DataType::Decimal128(_, s) => {
                let input = DataType::Decimal128(38, *s);
                crate::sum::exact_decimal_mean_udaf(*s, e.to_string())
                    .call(vec![cast_to(x, dt, &input)])
            }
            _ => agg::avg(numeric_input(DataType::Float64)),
        },
        // DataFusion's float min/max mishandle NaN and the infinities (see
        // `float_minmax`).
        AggKind::Min if crate::float_minmax::is_float(dt) => {
            crate::float_minmax::float_min_max_udaf(Extreme::Min, dt.clone()).call(vec![x])
        }
        AggKind::Max if crate::float_minmax::is_float(dt) => {
            crate::float_minmax::float_min_max_udaf(Extreme::Max, dt.clone()).call(vec![x])
        }
        AggKind::Min => agg::min(x),
        AggKind::Max => agg::max(x),
        AggKind::Count(CountMode::Valid) => agg::count(x),
        AggKind::Count(CountMode::All) => agg::count(dfx::lit(1i64)),
        AggKind::Count(CountMode::Null) => {
            df(agg::count(dfx::lit(1i64)).filter(x.is_null()).build())?
        }
        AggKind::CountDistinct => agg::count_distinct(canonical_key(x, dt)),
        // Daft's any_value skips nulls: a group's value is null only when
        // all of its values are.
        AggKind::AnyValue => df(agg::first_value(x, vec![])
            .null_treatment(dfx::expr::NullTreatment::IgnoreNulls)
            .build())?,
        // A list of views would not be the planned list type; the cast is
        // a no-op for any other input.
        AggKind::ListAgg => agg::array_agg(dfx::cast(x, dt.clone())),
        // Daft's agg_set leaves nulls out.
        AggKind::ListAggDistinct => df(agg::array_agg(dfx::cast(
            canonical_key(x.clone(), dt),
            dt.clone(),
        ))
        .distinct()
        .filter(x.is_not_null())
        .build())?,
        AggKind::StringAgg(delimiter) => datafusion::functions_aggregate::string_agg::string_agg(
            dfx::cast(x, DataType::Utf8),
            dfx::lit(ScalarValue::Utf8(Some(delimiter.to_string()))),
        ),
        // DataFusion's give 0.0 for one NaN or infinity (see `variance`).
        AggKind::Stddev(0) => {
            crate::variance::population_udaf(true).call(vec![cast_to(x, dt, &DataType::Float64)])
        }
        AggKind::Stddev(_) => agg::stddev(cast_to(x, dt, &DataType::Float64)),
        AggKind::Var(0) => {
            crate::variance::population_udaf(false).call(vec![cast_to(x, dt, &DataType::Float64)])
        }
        AggKind::Var(_) => agg::var_sample(cast_to(x, dt, &DataType::Float64)),
        AggKind::Product => {
            let out = kind.output_type(&f)?;
            crate::aggregates::product_udaf(out.clone(), e.to_string())
                .call(vec![cast_to(x, dt, &out)])
        }
        AggKind::Skew => {
            crate::aggregates::skew_udaf().call(vec![cast_to(x, dt, &DataType::Float64)])
        }
        AggKind::BoolAnd => agg::bool_and(cast_to(x, dt, &DataType::Boolean)),
        AggKind::BoolOr => agg::bool_or(cast_to(x, dt, &DataType::Boolean)),
        AggKind::Percentile(p) => crate::percentile::exact_udaf(p.values().collect(), p.is_list())
            .call(vec![cast_to(x, dt, &DataType::Float64)]),
        AggKind::ApproxPercentiles(p) => crate::percentile::approx_udaf(
            p.values().collect(),
            p.is_list(),
        )
        .call(vec![cast_to(x, dt, &DataType::Float64)]),
        // DataFusion's sketch hashes no floats: their canonical text (one NaN
        // and one zero for all, as the engine's distinct counts them) is
        // distinct exactly where they are.
        AggKind::ApproxCountDistinct => agg::approx_distinct(match dt {
            DataType::Null => cast_to(x, dt, &DataType::Int64),
            DataType::Float16 => dfx::cast(
                canonical_key(dfx::cast(x, DataType::Float32), &DataType::Float32),
                DataType::Utf8,
            ),
            DataType::Float32 | DataType::Float64 => {
                dfx::cast(canonical_key(x, dt), DataType::Utf8)
            }
            _ => x,
        }),
    })
}

/// A global `agg_list` over no rows, and an `agg_set` of a group whose
/// values are all null, is an empty list in Daft, where DataFusion's
/// `array_agg` gives null; every other aggregation agrees. The output's
/// first `n_keys` columns are the grouping keys.
fn empty_lists_for_no_values(
    b: LogicalPlanBuilder,
    n_keys: usize,
    aggs: &[Expr],
    planned: &SchemaRef,
) -> DaftResult<LogicalPlanBuilder> {
    let lists = |k: &AggKind| matches!(k, AggKind::ListAgg | AggKind::ListAggDistinct);
    let is_list_agg = |e: &Expr| match e {
        Expr::Alias(inner, _) => matches!(inner.as_ref(), Expr::Agg { kind, .. } if lists(kind)),
        Expr::Agg { kind, .. } => lists(kind),
        _ => false,
    };
    if !aggs.iter().any(is_list_agg) {
        return Ok(b);
    }
    let columns = b.schema().columns();
    let keys = columns
        .iter()
        .zip(planned.fields())
        .take(n_keys)
        .map(|(c, f)| Ok(DfExpr::Column(c.clone()).alias(f.name())));
    let values = columns
        .iter()
        .skip(n_keys)
        .zip(aggs)
        .zip(planned.fields().iter().skip(n_keys))
        .map(|((c, a), f)| {
            let e = DfExpr::Column(c.clone());
            if !is_list_agg(a) {
                return Ok(e.alias(f.name()));
            }
            let DataType::List(item) = f.data_type() else {
                return Err(DaftError::Internal(format!(
                    "agg_list has type {}",
                    f.data_type()
                )));
            };
            let empty = ScalarValue::List(ScalarValue::new_list_nullable(&[], item.data_type()));
            let filled = dfx::when(e.clone().is_null(), dfx::lit(empty))
                .otherwise(e)
                .map_err(from_df)?;
            Ok(filled.alias(f.name()))
        });
    let exprs = keys.chain(values).collect::<DaftResult<Vec<_>>>()?;
    b.project(exprs).map_err(from_df)
}

/// Whether [`conform`] must give exactly the planned types, or may leave a
/// view where Daft planned a string or binary column ([`views`]).
#[derive(Clone, Copy, PartialEq)]
enum Exactly {
    Yes,
    No,
}

/// Projects `b` onto the planned `schema`: the same names, with a cast
/// wherever DataFusion's type differs from Daft's.
fn conform(
    b: LogicalPlanBuilder,
    planned: &SchemaRef,
    exactly: Exactly,
) -> DaftResult<LogicalPlanBuilder> {
    let fits = |have: &DataType, want: &DataType| match exactly {
        Exactly::Yes => have == want,
        Exactly::No => views::same_values(have, want),
    };
    let have = b.schema().as_arrow().clone();
    if have.fields().len() != planned.fields().len() {
        return Err(DaftError::Internal(format!(
            "lowered node has {} columns, planned {}",
            have.fields().len(),
            planned.fields().len()
        )));
    }
    let mismatched = have
        .fields()
        .iter()
        .zip(planned.fields())
        .any(|(h, p)| !fits(h.data_type(), p.data_type()) || h.name() != p.name());
    if !mismatched {
        return Ok(b);
    }
    let exprs: Vec<DfExpr> = b
        .schema()
        .columns()
        .into_iter()
        .zip(have.fields().iter().zip(planned.fields()))
        .map(|(c, (h, p))| {
            let e = DfExpr::Column(c);
            if fits(h.data_type(), p.data_type()) {
                e.alias(p.name())
            } else {
                cast_to(e, h.data_type(), p.data_type()).alias(p.name())
            }
        })
        .collect();
    b.project(exprs).map_err(from_df)
}
