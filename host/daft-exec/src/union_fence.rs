//! A fence above every union, against two gaps in DataFusion 55.2's sort planning.
//!
//! `l.union_all(r).sort("k").limit(3)` where `k` is `lit(1)` in `l` and
//! `lit(2)` in `r`: DataFusion 55's union reports `k` as constant per
//! partition (a "heterogeneous" constant), and its `add_sort_above`, which
//! `EnforceSorting` and `EnforceDistribution` use, drops every sort key it
//! finds constant, uniform or not. The sort above the union then orders
//! each branch by the other keys only. Without a limit the merge above
//! still compares `k`, but the plan fails DataFusion's own sanity check
//! when a branch was sorted and another was not; with a limit the top-K
//! operators of the branches share one dynamic filter on the remaining
//! keys, so a branch that finishes first filters rows out of the other:
//! the wrong rows, depending on timing. (Fixed upstream in
//! apache/datafusion#23528, after 55.2.)
//!
//! A second gap of the same kind: DataFusion's sort pushdown sorts each
//! branch by the keys not constant *in that branch* (`p2` is a literal on
//! the left, `p3` on the right), which is right, but the union cannot
//! derive from such branches that its output is sorted, and the sanity
//! check refuses the plan.
//!
//! A third, of the opposite kind: DataFusion drops a sort below a union
//! when nothing above needs the order, since its union promises none. Daft
//! keeps each branch's rows in their order, one branch after the other
//! (`l.sort("x").union_all(r)` is `l` sorted, then `r`), and so does this
//! engine's ordered gather (`ordered.rs`), given sorted branches.
//!
//! [`FenceUnions`] puts a [`UnionFenceExec`] above every union, and
//! DataFusion's `OutputRequirementExec` above every branch that comes out
//! sorted, which keeps its sort (DataFusion removes those nodes after its
//! sorting rules, as it does the one it puts above the whole plan). The fence
//! passes batches through and tells the optimizer less: no per-partition
//! constants, and no sort pushed through it. A sort or merge a parent needs
//! is planned above the fence, on all its keys, unless the orderings the
//! union derives itself (each branch sorted the same way) satisfy it. The
//! work is the same: a sort above a union sorts each of its partitions,
//! which are the branches' partitions.

use std::fmt;
use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{internal_err, Result, Statistics};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::Distribution;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::output_requirements::OutputRequirementExec;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::execution_plan::{replace_children_if_necessary, CardinalityEffect};
use datafusion::physical_plan::filter_pushdown::{
    ChildPushdownResult, FilterDescription, FilterPushdownPhase, FilterPushdownPropagation,
};
use datafusion::physical_plan::projection::{make_with_child, ProjectionExec};
use datafusion::physical_plan::statistics::{ChildStats, StatisticsArgs};
use datafusion::physical_plan::union::UnionExec;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
    SendableRecordBatchStream,
};

/// Passes its input (a union) through unchanged, without the per-partition
/// constants it reports (see the module docs for why).
#[derive(Debug)]
pub struct UnionFenceExec {
    input: Arc<dyn ExecutionPlan>,
    properties: Arc<PlanProperties>,
}

impl UnionFenceExec {
    /// A fence above `input`.
    pub fn new(input: Arc<dyn ExecutionPlan>) -> Self {
        let mut eq = input.equivalence_properties().clone();
        eq.clear_per_partition_constants();
        let properties = PlanProperties::new(
            eq,
            input.output_partitioning().clone(),
            input.pipeline_behavior(),
            input.boundedness(),
        );
        UnionFenceExec {
            input,
            properties: Arc::new(properties),
        }
    }

    /// The fenced plan.
    pub fn input(&self) -> &Arc<dyn ExecutionPlan> {
        &self.input
    }
}

impl DisplayAs for UnionFenceExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "UnionFenceExec")
    }
}

impl ExecutionPlan for UnionFenceExec {
    fn name(&self) -> &str {
        "UnionFenceExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    /// `false` although rows keep their order: it stops DataFusion's sort
    /// pushdown here, which would otherwise sort the branches below the
    /// union by keys the union's properties cannot account for.
    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn supports_limit_pushdown(&self) -> bool {
        true
    }

    fn cardinality_effect(&self) -> CardinalityEffect {
        CardinalityEffect::Equal
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != 1 {
            return internal_err!("UnionFenceExec takes one child");
        }
        Ok(Arc::new(UnionFenceExec::new(children.swap_remove(0))))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        self.input.execute(partition, context)
    }

    fn child_stats_requests(&self, partition: Option<usize>) -> Vec<ChildStats> {
        vec![ChildStats::At(partition)]
    }

    fn statistics_from_inputs(
        &self,
        input_stats: &[Arc<Statistics>],
        _: &StatisticsArgs,
    ) -> Result<Arc<Statistics>> {
        match input_stats.first() {
            Some(stats) => Ok(Arc::clone(stats)),
            None => internal_err!("UnionFenceExec has one child"),
        }
    }

    /// A projection above the fence moves below it, so that DataFusion can
    /// push it on into the union's branches.
    fn try_swapping_with_projection(
        &self,
        projection: &ProjectionExec,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        if projection.expr().len() >= projection.input().schema().fields().len() {
            return Ok(None);
        }
        let below = make_with_child(projection, &self.input)?;
        Ok(Some(Arc::new(UnionFenceExec::new(below))))
    }

    /// Filters (and the top-K's dynamic filter) pass through to the union.
    fn gather_filters_for_pushdown(
        &self,
        _: FilterPushdownPhase,
        parent_filters: Vec<Arc<dyn PhysicalExpr>>,
        _: &ConfigOptions,
    ) -> Result<FilterDescription> {
        FilterDescription::from_children(parent_filters, &self.children())
    }

    fn handle_child_pushdown_result(
        &self,
        _: FilterPushdownPhase,
        child_pushdown_result: ChildPushdownResult,
        _: &ConfigOptions,
    ) -> Result<FilterPushdownPropagation<Arc<dyn ExecutionPlan>>> {
        Ok(FilterPushdownPropagation::if_all(child_pushdown_result))
    }
}

/// `branch`, required to keep the order it comes out in, if any.
fn keep_sorted(branch: &Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
    match branch.output_ordering() {
        Some(ordering) if branch.downcast_ref::<OutputRequirementExec>().is_none() => {
            Arc::new(OutputRequirementExec::new(
                Arc::clone(branch),
                Some(ordering.clone().into()),
                Distribution::UnspecifiedDistribution,
                None,
            ))
        }
        _ => Arc::clone(branch),
    }
}

/// Puts a [`UnionFenceExec`] above every union, and keeps its sorted
/// branches sorted. It runs first, before any rule that plans sorts.
#[derive(Debug, Default)]
pub struct FenceUnions;

impl PhysicalOptimizerRule for FenceUnions {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            // Run twice over one plan, the rule leaves one fence.
            if let Some(inner) = node
                .downcast_ref::<UnionFenceExec>()
                .map(|f| f.input())
                .filter(|i| i.downcast_ref::<UnionFenceExec>().is_some())
            {
                return Ok(Transformed::yes(Arc::clone(inner)));
            }
            if node.downcast_ref::<UnionExec>().is_none() {
                return Ok(Transformed::no(node));
            }
            let branches = node.children().into_iter().map(keep_sorted).collect();
            let union = replace_children_if_necessary(node, branches)?;
            Ok(Transformed::yes(
                Arc::new(UnionFenceExec::new(union)) as Arc<dyn ExecutionPlan>
            ))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "daft_fence_unions"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;
    use datafusion::common::ScalarValue;
    use datafusion::datasource::memory::MemorySourceConfig;
    use datafusion::physical_expr::expressions::{col, lit};
    use datafusion::physical_expr::{
        AcrossPartitions, LexOrdering, LexRequirement, PhysicalSortExpr,
    };
    use datafusion::physical_plan::sorts::sort::SortExec;

    /// `SELECT p1, <literal> AS p2` over rows 0..3, for each literal: a
    /// union of branches that agree on `p2` only within each branch.
    pub(crate) fn union_of_literals(literals: &[i64]) -> Arc<dyn ExecutionPlan> {
        let schema = Arc::new(Schema::new(vec![Field::new("p1", DataType::Int64, false)]));
        let values: ArrayRef = Arc::new(Int64Array::from(vec![2, 0, 1]));
        let batch = RecordBatch::try_new(schema.clone(), vec![values]).unwrap();
        let branches = literals
            .iter()
            .map(|v| {
                let scan =
                    MemorySourceConfig::try_new_exec(&[vec![batch.clone()]], schema.clone(), None)
                        .unwrap();
                let p1 = col("p1", &schema).unwrap();
                let p2 = lit(ScalarValue::Int64(Some(*v)));
                let exprs = vec![(p1, "p1".to_string()), (p2, "p2".to_string())];
                Arc::new(ProjectionExec::try_new(exprs, scan).unwrap()) as Arc<dyn ExecutionPlan>
            })
            .collect();
        UnionExec::try_new(branches).unwrap()
    }

    fn p2_constant(plan: &Arc<dyn ExecutionPlan>) -> Option<AcrossPartitions> {
        let p2 = col("p2", &plan.schema()).unwrap();
        plan.equivalence_properties().is_expr_constant(&p2)
    }

    #[test]
    fn a_key_that_is_a_different_literal_per_branch_is_not_a_constant_above_the_fence() {
        let union = union_of_literals(&[-2, 1]);
        // What DataFusion 55.2's sort planning then drops from a sort.
        assert_eq!(p2_constant(&union), Some(AcrossPartitions::Heterogeneous));
        let fenced = FenceUnions
            .optimize(union, &ConfigOptions::default())
            .unwrap();
        assert_eq!(fenced.name(), "UnionFenceExec");
        assert_eq!(p2_constant(&fenced), None);
        assert_eq!(fenced.output_partitioning().partition_count(), 2);
    }

    #[test]
    fn a_literal_every_branch_shares_stays_a_constant() {
        let fenced = FenceUnions
            .optimize(union_of_literals(&[7, 7]), &ConfigOptions::default())
            .unwrap();
        let uniform = AcrossPartitions::Uniform(Some(ScalarValue::Int64(Some(7))));
        assert_eq!(p2_constant(&fenced), Some(uniform));
    }

    #[test]
    fn a_sorted_branch_is_required_to_stay_sorted() {
        let union = union_of_literals(&[-2, 1]);
        let first = Arc::clone(union.children()[0]);
        let p1 = PhysicalSortExpr::new(col("p1", &first.schema()).unwrap(), Default::default());
        let sorted = SortExec::new(LexOrdering::new([p1]).unwrap(), first);
        let second = Arc::clone(union.children()[1]);
        let union = UnionExec::try_new(vec![Arc::new(sorted), second]).unwrap();
        let fenced = FenceUnions
            .optimize(union, &ConfigOptions::default())
            .unwrap();
        let branches = fenced.children()[0].children();
        assert_eq!(branches[0].name(), "OutputRequirementExec");
        let required = branches[0].required_input_ordering()[0]
            .clone()
            .map(|r| r.into_single());
        let expected = LexRequirement::from(
            branches[0].children()[0]
                .output_ordering()
                .cloned()
                .unwrap(),
        );
        assert_eq!(required, Some(expected));
        assert_eq!(branches[1].name(), "ProjectionExec");
    }

    #[test]
    fn fencing_a_plan_twice_leaves_one_fence() {
        let config = ConfigOptions::default();
        let once = FenceUnions
            .optimize(union_of_literals(&[-2, 1]), &config)
            .unwrap();
        let twice = FenceUnions.optimize(once, &config).unwrap();
        assert_eq!(twice.name(), "UnionFenceExec");
        assert_eq!(twice.children()[0].name(), "UnionExec");
    }
}
