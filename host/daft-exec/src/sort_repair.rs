//! Sorts that DataFusion 55.2 leaves out and then cannot account for.
//!
//! When DataFusion plans a sort for an operator that needs sorted input
//! (a merge, a window), it leaves out every key it knows to be constant
//! at that point. Later rules rebuild parts of the plan (a join swapped or
//! made `CollectLeft`, a projection pushed down) and the rebuilt operators
//! do not always know the same constants: a column that a filter made
//! constant, `count(distinct)` over one group, `x = lit` computed from a
//! column a filter fixed. The plan is still right, since the key still is
//! constant, but DataFusion's sanity check can no longer prove it and
//! refuses the query ("does not satisfy order requirements").
//!
//! [`RepairSortRequirements`] runs just before that check. Wherever an
//! operator's input does not provably satisfy its required ordering, it
//! sorts that input by every required key, per partition. A sort by keys
//! that are constant anyway costs a comparison per row, and the query
//! runs instead of failing.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::Result;
use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::execution_plan::replace_children_if_necessary;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};

/// Sorts, by all the keys, every input whose required ordering its
/// equivalence properties do not show (see the module docs).
#[derive(Debug, Default)]
pub struct RepairSortRequirements;

impl PhysicalOptimizerRule for RepairSortRequirements {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(repair).map(|t| t.data)
    }

    fn name(&self) -> &str {
        "daft_repair_sort_requirements"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `node` with a sort under each input that does not provably have the
/// order `node` requires.
fn repair(node: Arc<dyn ExecutionPlan>) -> Result<Transformed<Arc<dyn ExecutionPlan>>> {
    let mut changed = false;
    let mut children = Vec::with_capacity(node.children().len());
    let required = node.required_input_ordering();
    for (child, required) in node.children().into_iter().zip(required) {
        let Some(required) = required else {
            children.push(Arc::clone(child));
            continue;
        };
        let required = required.into_single();
        if child
            .equivalence_properties()
            .ordering_satisfy_requirement(required.clone())?
        {
            children.push(Arc::clone(child));
            continue;
        }
        // A requirement without a direction (a window's partition keys) is
        // met by any: ascending, nulls first.
        let keys = required
            .into_iter()
            .map(|r| PhysicalSortExpr::new(r.expr, r.options.unwrap_or_default()));
        let Some(ordering) = LexOrdering::new(keys) else {
            children.push(Arc::clone(child));
            continue;
        };
        tracing::debug!(
            operator = node.name(),
            keys = %ordering,
            "sorting an input DataFusion could not prove sorted"
        );
        children.push(sorted(child, ordering));
        changed = true;
    }
    if !changed {
        return Ok(Transformed::no(node));
    }
    Ok(Transformed::yes(replace_children_if_necessary(
        node, children,
    )?))
}

/// `child` sorted by `ordering` within each of its partitions. A sort that
/// is already there (by the keys minus the constants) is replaced, keeping
/// its limit and partitioning.
fn sorted(child: &Arc<dyn ExecutionPlan>, ordering: LexOrdering) -> Arc<dyn ExecutionPlan> {
    if let Some(sort) = child.downcast_ref::<SortExec>() {
        let resorted = SortExec::new(ordering, Arc::clone(sort.input()))
            .with_fetch(sort.fetch())
            .with_preserve_partitioning(sort.preserve_partitioning());
        return Arc::new(resorted);
    }
    let partitioned = child.output_partitioning().partition_count() > 1;
    Arc::new(SortExec::new(ordering, Arc::clone(child)).with_preserve_partitioning(partitioned))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::union_fence::tests::union_of_literals;
    use crate::union_fence::FenceUnions;
    use datafusion::physical_expr::expressions::col;
    use datafusion::physical_plan::sorts::sort_preserving_merge::SortPreservingMergeExec;

    fn by_p2_then_p1(plan: &Arc<dyn ExecutionPlan>) -> LexOrdering {
        let schema = plan.schema();
        let keys = ["p2", "p1"]
            .into_iter()
            .map(|c| PhysicalSortExpr::new(col(c, &schema).unwrap(), Default::default()));
        LexOrdering::new(keys).unwrap()
    }

    #[test]
    fn an_unsorted_input_of_a_merge_is_sorted_by_every_key_per_partition() {
        let union = union_of_literals(&[-2, 1]);
        let merge = Arc::new(SortPreservingMergeExec::new(by_p2_then_p1(&union), union));
        let repaired = RepairSortRequirements
            .optimize(merge, &ConfigOptions::default())
            .unwrap();
        let sort = repaired.children()[0].downcast_ref::<SortExec>().unwrap();
        assert_eq!(sort.expr().to_string(), "p2@1 ASC, p1@0 ASC");
        assert!(sort.preserve_partitioning());
    }

    #[test]
    fn a_sort_that_left_out_a_key_is_replaced_keeping_its_limit() {
        // Over the bare union the check would take `p2` for a constant too:
        // the fence is what makes the missing key visible.
        let union = FenceUnions
            .optimize(union_of_literals(&[-2, 1]), &ConfigOptions::default())
            .unwrap();
        let p1 = PhysicalSortExpr::new(col("p1", &union.schema()).unwrap(), Default::default());
        let partial = SortExec::new(LexOrdering::new([p1]).unwrap(), Arc::clone(&union))
            .with_fetch(Some(3))
            .with_preserve_partitioning(true);
        let merge = Arc::new(SortPreservingMergeExec::new(
            by_p2_then_p1(&union),
            Arc::new(partial),
        ));
        let repaired = RepairSortRequirements
            .optimize(merge, &ConfigOptions::default())
            .unwrap();
        let sort = repaired.children()[0].downcast_ref::<SortExec>().unwrap();
        assert_eq!(sort.expr().to_string(), "p2@1 ASC, p1@0 ASC");
        assert_eq!(sort.fetch(), Some(3));
        assert_eq!(sort.input().name(), "UnionFenceExec");
    }

    #[test]
    fn a_plan_whose_orders_hold_is_left_as_it_is() {
        let union = union_of_literals(&[-2, 1]);
        let sort = SortExec::new(by_p2_then_p1(&union), Arc::clone(&union))
            .with_preserve_partitioning(true);
        let merge: Arc<dyn ExecutionPlan> = Arc::new(SortPreservingMergeExec::new(
            by_p2_then_p1(&union),
            Arc::new(sort),
        ));
        let repaired = RepairSortRequirements
            .optimize(Arc::clone(&merge), &ConfigOptions::default())
            .unwrap();
        assert!(Arc::ptr_eq(&repaired, &merge));
    }
}
