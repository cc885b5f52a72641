//! String and binary columns of Parquet scans are read as Arrow views
//! (`Utf8View`, `BinaryView`) inside DataFusion when the plan filters,
//! sorts, groups or deduplicates, and given back as Daft's `Utf8`/`Binary`
//! where they leave it.
//!
//! Why: DataFusion's Parquet reader decodes strings into views without
//! copying their bytes into one buffer, and its grouping, sorting and top-k
//! operators have faster paths for views. Measured with plain DataFusion 55
//! on the 10 M-row file of `make bench` (median of 7), views against `Utf8`:
//! group by a string key 268 vs 316 ms, sort + limit 253 vs 344 ms, TPC-H
//! Q1 shape 361 vs 479 ms, three string columns behind a filter that keeps
//! half the rows 256 vs 275 ms. Without such a node, views cost: the same
//! three columns read whole and cast back took 240 vs 174 ms, so a plan of
//! projections and limits only reads `Utf8`.
//!
//! Daft's types stay what the user sees: every plan node keeps its planned
//! names and types except that a view may stand where Daft planned `Utf8` or
//! `Binary` ([`same_values`]); the root of a lowered plan is cast back to the
//! planned types exactly, and registry functions receive the argument types
//! resolved at plan time (their `coerce_types` asks DataFusion for a cast).
//! A column that a registry function reads is read as `Utf8` from the start,
//! since casting views back for the kernel would cost more than the view
//! saved.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use daft_dsl::Expr;
use daft_plan::LogicalPlan;

/// Whether `have` (a DataFusion column's type) holds the same values as
/// Daft's planned type `planned`, possibly as a view.
pub fn same_values(have: &DataType, planned: &DataType) -> bool {
    have == planned
        || matches!(
            (have, planned),
            (DataType::Utf8View, DataType::Utf8) | (DataType::BinaryView, DataType::Binary)
        )
}

/// Which string and binary columns a plan's Parquet scans read as views.
#[derive(Debug, Clone, Default)]
pub struct StringReads {
    /// Whether the plan has a node where views pay off (filter, sort,
    /// aggregate, distinct).
    views: bool,
    /// Columns read as `Utf8`/`Binary` all the same: those that a registry
    /// function reads.
    plain: HashSet<String>,
}

impl StringReads {
    /// The choice for `plan`. Names are matched without following renames:
    /// a column renamed before a function reads it is read as a view and
    /// cast for the function, which is correct, only slower.
    pub fn of(plan: &LogicalPlan) -> Self {
        let mut reads = StringReads::default();
        let mut stack = vec![plan];
        while let Some(p) = stack.pop() {
            reads.views |= matches!(
                p,
                LogicalPlan::Filter { .. }
                    | LogicalPlan::Sort { .. }
                    | LogicalPlan::Aggregate { .. }
                    | LogicalPlan::Distinct { .. }
                    | LogicalPlan::Join { .. }
                    | LogicalPlan::SetOp { .. }
            );
            for e in node_exprs(p) {
                function_args(e, &mut reads.plain);
            }
            stack.extend(p.inputs().into_iter().map(|i| i.as_ref()));
        }
        reads
    }

    /// The schema a Parquet scan is read with: `planned`, with top-level
    /// `Utf8`/`Binary` columns as views where this choice says so.
    pub fn scan_schema(&self, planned: &SchemaRef) -> SchemaRef {
        let view = |f: &Field| match f.data_type() {
            _ if !self.views || self.plain.contains(f.name()) => None,
            DataType::Utf8 => Some(DataType::Utf8View),
            DataType::Binary => Some(DataType::BinaryView),
            _ => None,
        };
        if !planned.fields().iter().any(|f| view(f).is_some()) {
            return planned.clone();
        }
        let fields: Vec<Field> = planned
            .fields()
            .iter()
            .map(|f| match view(f) {
                Some(v) => f.as_ref().clone().with_data_type(v),
                None => f.as_ref().clone(),
            })
            .collect();
        Arc::new(Schema::new_with_metadata(
            fields,
            planned.metadata().clone(),
        ))
    }
}

fn node_exprs(p: &LogicalPlan) -> Vec<&Expr> {
    match p {
        LogicalPlan::Scan { .. }
        | LogicalPlan::Limit { .. }
        | LogicalPlan::Concat { .. }
        | LogicalPlan::Explode { .. }
        | LogicalPlan::SetOp { .. } => vec![],
        LogicalPlan::Distinct { on, .. } => on.iter().flatten().collect(),
        LogicalPlan::Repartition { scheme, .. } => scheme.exprs().iter().collect(),
        LogicalPlan::Join {
            left_on, right_on, ..
        } => left_on.iter().chain(right_on).collect(),
        LogicalPlan::Project { exprs, .. } => exprs.iter().collect(),
        LogicalPlan::Filter { predicate, .. } => vec![predicate],
        LogicalPlan::Sort { keys, .. } => keys.iter().map(|k| &k.expr).collect(),
        LogicalPlan::Aggregate { aggs, group_by, .. } => aggs.iter().chain(group_by).collect(),
    }
}

fn function_args(e: &Expr, out: &mut HashSet<String>) {
    match e {
        Expr::Column(_) | Expr::Literal(_) | Expr::Element => {}
        Expr::Alias(inner, _) | Expr::Not(inner) | Expr::Agg { expr: inner, .. } => {
            function_args(inner, out)
        }
        // Everything a lambda reads is an argument of its UDF.
        Expr::ListLambda { .. } => {
            let mut names = Vec::new();
            e.columns(&mut names);
            out.extend(names);
        }
        Expr::Binary { left, right, .. } => {
            function_args(left, out);
            function_args(right, out);
        }
        Expr::Function { args, .. } => {
            let mut names = Vec::new();
            args.iter().for_each(|a| a.columns(&mut names));
            out.extend(names);
        }
        Expr::Window { func, spec } => {
            for e in func
                .args()
                .into_iter()
                .chain(spec.iter().flat_map(|s| s.exprs()))
            {
                function_args(e, out);
            }
        }
    }
}
