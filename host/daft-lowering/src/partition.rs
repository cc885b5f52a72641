//! `repartition` and `into_partitions` lowered to a [`LayoutNode`], which
//! `daft-exec` plans as a hash repartition (of the keys, or of a random
//! number per row) or as its order-keeping split.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use datafusion::common::{DFSchemaRef, Result as DfResult};
use datafusion::logical_expr::{
    Expr as DfExpr, Extension, LogicalPlan as DfPlan, LogicalPlanBuilder,
    UserDefinedLogicalNodeCore,
};

use daft_core::DaftResult;
use daft_plan::Partitioning;

use crate::error::from_df;
use crate::expr::lower_expr;

/// The layout a [`LayoutNode`] gives its input's rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Hash-partitioned by `keys` into `num` partitions.
    Hash { keys: Vec<DfExpr>, num: usize },
    /// Each row to a random one of `num` partitions.
    Random { num: usize },
    /// `num` contiguous runs of (nearly) equal length, in order.
    Split { num: usize },
}

impl Layout {
    fn num(&self) -> usize {
        match self {
            Layout::Hash { num, .. } | Layout::Random { num } | Layout::Split { num } => *num,
        }
    }
}

/// `repartition` / `into_partitions` in a DataFusion plan.
///
/// DataFusion's own `Repartition` is a hint: its physical optimizer removes
/// every repartition and adds back only those its operators need, so a
/// layout the user asked for would vanish. This node is planned by
/// `daft-exec` as operators the optimizer keeps.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LayoutNode {
    pub input: DfPlan,
    pub layout: Layout,
}

impl PartialOrd for LayoutNode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        // Plans are compared only to order equal-cost alternatives, which
        // never arise for this node; the count is a stable order.
        self.layout.num().partial_cmp(&other.layout.num())
    }
}

impl UserDefinedLogicalNodeCore for LayoutNode {
    fn name(&self) -> &str {
        "Layout"
    }

    fn inputs(&self) -> Vec<&DfPlan> {
        vec![&self.input]
    }

    fn schema(&self) -> &DFSchemaRef {
        self.input.schema()
    }

    fn expressions(&self) -> Vec<DfExpr> {
        match &self.layout {
            Layout::Hash { keys, .. } => keys.clone(),
            _ => vec![],
        }
    }

    fn fmt_for_explain(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.layout {
            Layout::Hash { keys, num } => {
                let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                write!(f, "Repartition: hash({}) into {num}", keys.join(", "))
            }
            Layout::Random { num } => write!(f, "Repartition: random into {num}"),
            Layout::Split { num } => write!(f, "IntoPartitions: {num}"),
        }
    }

    fn with_exprs_and_inputs(&self, exprs: Vec<DfExpr>, mut inputs: Vec<DfPlan>) -> DfResult<Self> {
        let layout = match &self.layout {
            Layout::Hash { num, .. } => Layout::Hash {
                keys: exprs,
                num: *num,
            },
            other => other.clone(),
        };
        Ok(LayoutNode {
            input: inputs.swap_remove(0),
            layout,
        })
    }
}

/// Lowers a `Repartition` node over the already lowered `input`;
/// `in_schema` is the Daft schema the hash keys are bound against and
/// `default_num` the session's parallelism, for `num=None`.
pub fn lower_repartition(
    input: LogicalPlanBuilder,
    in_schema: &SchemaRef,
    scheme: &Partitioning,
    default_num: usize,
) -> DaftResult<LogicalPlanBuilder> {
    let layout = match scheme {
        Partitioning::Hash { num, by } => Layout::Hash {
            keys: by
                .iter()
                .map(|e| Ok(lower_expr(e, in_schema)?.0))
                .collect::<DaftResult<Vec<_>>>()?,
            num: num.unwrap_or(default_num),
        },
        Partitioning::Random { num } => Layout::Random {
            num: num.unwrap_or(default_num),
        },
        Partitioning::Split { num } => Layout::Split { num: *num },
    };
    let node = LayoutNode {
        input: input.build().map_err(from_df)?,
        layout,
    };
    Ok(LogicalPlanBuilder::from(DfPlan::Extension(Extension {
        node: Arc::new(node),
    })))
}
