//! Two DataFusion rules kept from wrong answers, both found by the
//! differential query fuzzer (tests/fuzz_queries).
//!
//! **`PushDownFilter` below an aggregate without GROUP BY.** The rule pushes
//! a predicate below an aggregate when every column it references is a
//! grouping column. A predicate that references no column (`WHERE false`,
//! or `w <> w` after `w` was replaced by the literal it projects) passes
//! that test vacuously, and below an aggregate without groups it only
//! empties the aggregate's input: the aggregate still makes its one row
//! (`sum` null, `count` 0), so `SELECT * FROM (SELECT sum(x) …) WHERE
//! false` returned a row. Spark and Presto had the same bug (SPARK-22983).
//! Over grouped aggregates the push is right (no input, no groups), so only
//! filters directly above a global aggregate stay where they are.
//!
//! **`LimitAggregation` over float keys.** The top-K aggregation this rule
//! plans (a group-by under a sort and a limit) finds groups in a hash table
//! that compares keys with `==`, so NaN never finds its own group: the
//! engine's canonical NaN (`float_keys` in daft-lowering) came out once per
//! partition. Plans that group by a float keep the ordinary aggregation.
//!
//! **`AggregateStatistics` over an aggregate of an aggregate.** For a global
//! aggregate in two stages (`Final` over `Partial`) the rule looks down the
//! single-input operators below the `Final` for a raw-input, ungrouped
//! `Partial` without `FILTER`, to replace the aggregate by the values the
//! statistics give. When this aggregate's own `Partial` has a `FILTER`
//! (`count_null`, `agg_set`: `FILTER (WHERE x IS NULL)`) it walks past it
//! to an aggregate further down (a `count` whose input has exact row and
//! null counts) and replaces the upper aggregate with the lower one's
//! values: "Column references column … at index 1" or "Input field name a1
//! does not match with the projection expression a3" (fuzz seeds 28246,
//! 40778, 44032, 69815), or the lower aggregate's values as the upper
//! one's where names and types happen to agree. (DataFusion 55.2,
//! `aggregate_statistics.rs`, `take_optimizable`.) Plans where the walk
//! would pass an aggregate are left to the ordinary aggregation.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::Result;
use datafusion::logical_expr::LogicalPlan;
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::push_down_filter::PushDownFilter;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};
use datafusion::physical_optimizer::aggregate_statistics::AggregateStatistics;
use datafusion::physical_optimizer::topk_aggregation::TopKAggregation;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateInputMode};
use datafusion::physical_plan::ExecutionPlan;

/// `PushDownFilter`, except for filters directly above a global aggregate.
#[derive(Debug, Default)]
pub struct GuardedPushDownFilter(PushDownFilter);

impl OptimizerRule for GuardedPushDownFilter {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        self.0.apply_order()
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        if filters_over_global_aggregate(&plan) {
            return Ok(Transformed::no(plan));
        }
        self.0.rewrite(plan, config)
    }
}

/// Whether `plan` is one or more filters whose input is an aggregate
/// without grouping expressions. (DataFusion merges stacked filters and
/// pushes the merged one in the same step, so the whole stack is checked.)
fn filters_over_global_aggregate(plan: &LogicalPlan) -> bool {
    let mut node = plan;
    let mut filtered = false;
    while let LogicalPlan::Filter(f) = node {
        filtered = true;
        node = f.input.as_ref();
    }
    filtered && matches!(node, LogicalPlan::Aggregate(a) if a.group_expr.is_empty())
}

/// A DataFusion physical optimizer rule, skipped for the plans its guard
/// recognises (the plans it would get wrong).
#[derive(Debug)]
pub struct GuardedPhysicalRule {
    rule: Arc<dyn PhysicalOptimizerRule + Send + Sync>,
    skip: fn(&Arc<dyn ExecutionPlan>) -> Result<bool>,
}

impl GuardedPhysicalRule {
    /// `TopKAggregation` (DataFusion's "LimitAggregation"), except for plans
    /// with an aggregate grouped by a float, and plans with a window.
    ///
    /// From a `SortExec` with a fetch the rule walks down through every
    /// operator whose cardinality effect is `Equal` to a group-by and gives
    /// it the limit. A window operator keeps the row count but its values
    /// depend on every row of its partition: with the limit below it,
    /// `union(...).with_column("w", mean("x").over(Window())).sort("x").limit(2)`
    /// averaged only the two kept groups (fuzz seeds 48709, 95466; upstream
    /// apache/datafusion#25066, open).
    pub fn float_safe_topk_aggregation() -> Self {
        GuardedPhysicalRule {
            rule: Arc::new(TopKAggregation::default()),
            skip: |p| Ok(groups_by_a_float(p)? || has_a_window(p)?),
        }
    }

    /// `AggregateStatistics`, except for plans where it would take an
    /// aggregate below another one for that one's partial stage (see the
    /// module docs).
    ///
    /// Also skipped for plans with a DISTINCT aggregate: `count(DISTINCT c)`
    /// is answered from `c`'s `distinct_count` statistic, which a projection
    /// of a literal sets to `Exact(1)` whatever the row count and also for a
    /// NULL literal (DataFusion 55.2, physical-expr `projection.rs`,
    /// `project_statistics`), so `count_distinct` of a literal column gave 1
    /// over no rows and for `lit(None)` (fuzz seeds 32933, 77713, 60844).
    ///
    /// And for plans with a window: a one-row aggregate replaced by its
    /// statistics' literal loses its constness through the window's
    /// equivalence properties, and `SanityCheckPlan` then refuses an order
    /// above it ("does not satisfy order requirements"; seeds 60844, 68263,
    /// 94708: a window partitioned by a global count, then one ordered by
    /// the first).
    pub fn guarded_aggregate_statistics() -> Self {
        GuardedPhysicalRule {
            rule: Arc::new(AggregateStatistics::default()),
            skip: |p| {
                Ok(statistics_walk_passes_an_aggregate(p)?
                    || has_a_distinct_aggregate(p)?
                    || has_a_window(p)?)
            },
        }
    }
}

impl PhysicalOptimizerRule for GuardedPhysicalRule {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if (self.skip)(&plan)? {
            return Ok(plan);
        }
        self.rule.optimize(plan, config)
    }

    fn name(&self) -> &str {
        self.rule.name()
    }

    fn schema_check(&self) -> bool {
        self.rule.schema_check()
    }
}

fn has_a_window(plan: &Arc<dyn ExecutionPlan>) -> Result<bool> {
    use datafusion::physical_plan::windows::{BoundedWindowAggExec, WindowAggExec};
    plan.exists(|node| {
        Ok(node.downcast_ref::<WindowAggExec>().is_some()
            || node.downcast_ref::<BoundedWindowAggExec>().is_some())
    })
}

fn has_a_distinct_aggregate(plan: &Arc<dyn ExecutionPlan>) -> Result<bool> {
    plan.exists(|node| {
        Ok(node
            .downcast_ref::<AggregateExec>()
            .is_some_and(|agg| agg.aggr_expr().iter().any(|e| e.is_distinct())))
    })
}

fn groups_by_a_float(plan: &Arc<dyn ExecutionPlan>) -> Result<bool> {
    plan.exists(|node| {
        let Some(agg) = node.downcast_ref::<AggregateExec>() else {
            return Ok(false);
        };
        let schema = agg.input().schema();
        for (e, _) in agg.group_expr().expr() {
            if e.data_type(&schema)?.is_floating() {
                return Ok(true);
            }
        }
        Ok(false)
    })
}

/// Whether `plan` has an ungrouped aggregate over partial states whose
/// search, as `AggregateStatistics` makes it (down single-input operators,
/// to the first raw-input ungrouped aggregate without filters), passes an
/// aggregate that reads raw rows (its own partial stage with a `FILTER`,
/// or any other aggregation) before it finds one.
pub(crate) fn statistics_walk_passes_an_aggregate(plan: &Arc<dyn ExecutionPlan>) -> Result<bool> {
    let mut found = false;
    plan.apply(|node| {
        let Some(agg) = node.downcast_ref::<AggregateExec>() else {
            return Ok(TreeNodeRecursion::Continue);
        };
        if agg.mode().input_mode() != AggregateInputMode::Partial || !agg.group_expr().is_empty() {
            return Ok(TreeNodeRecursion::Continue);
        }
        let mut passed = false;
        let mut child = Arc::clone(agg.input());
        loop {
            if let Some(below) = child.downcast_ref::<AggregateExec>() {
                if below.mode().input_mode() == AggregateInputMode::Raw {
                    let taken = below.group_expr().is_empty()
                        && below.filter_expr().iter().all(|e| e.is_none());
                    if taken {
                        if passed {
                            found = true;
                            return Ok(TreeNodeRecursion::Stop);
                        }
                        break;
                    }
                    passed = true;
                }
            }
            let next = match child.children().as_slice() {
                [only] => Arc::clone(only),
                _ => break,
            };
            child = next;
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::functions_aggregate::expr_fn::sum;
    use datafusion::logical_expr::{col, lit, LogicalPlanBuilder};

    #[test]
    fn a_filter_above_a_global_aggregate_is_not_pushed() {
        let plan = LogicalPlanBuilder::empty(true)
            .project(vec![lit(1i64).alias("x")])
            .unwrap()
            .aggregate(
                Vec::<datafusion::logical_expr::Expr>::new(),
                vec![sum(col("x"))],
            )
            .unwrap()
            .filter(lit(false))
            .unwrap()
            .filter(lit(true))
            .unwrap()
            .build()
            .unwrap();
        assert!(filters_over_global_aggregate(&plan));
        let grouped = LogicalPlanBuilder::empty(true)
            .project(vec![lit(1i64).alias("x")])
            .unwrap()
            .aggregate(vec![col("x")], vec![sum(col("x"))])
            .unwrap()
            .filter(lit(false))
            .unwrap()
            .build()
            .unwrap();
        assert!(!filters_over_global_aggregate(&grouped));
    }
}
