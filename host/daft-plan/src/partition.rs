//! `repartition` and `into_partitions`: how the rows of a plan are laid out
//! over the parallel partitions that later operators, `iter_partitions` and
//! `num_partitions` see.
//!
//! Real Daft 0.7.26 ignores both on its native runner (with a warning);
//! here they take effect, as they do on Daft's Ray runner, because the
//! engine's executor is partitioned too and the Ray runner will ship
//! partitions between workers.

use std::sync::Arc;

use daft_core::{DaftError, DaftResult};
use daft_dsl::Expr;

use crate::LogicalPlan;

/// The layout `repartition` / `into_partitions` ask for. A `num` of `None`
/// keeps the executor's parallelism (its `target_partitions`).
#[derive(Debug, Clone)]
pub enum Partitioning {
    /// Rows with equal `by` values land in the same partition.
    Hash { num: Option<usize>, by: Vec<Expr> },
    /// Rows spread evenly with no regard for their values
    /// (`repartition` without columns).
    Random { num: Option<usize> },
    /// `num` contiguous runs of the input, in order (`into_partitions`):
    /// concatenating the partitions gives the input order back.
    Split { num: usize },
}

impl Partitioning {
    /// How the node is shown in `explain()`.
    pub fn describe(&self) -> String {
        let n = |num: &Option<usize>| num.map_or("default".to_string(), |n| n.to_string());
        match self {
            Partitioning::Hash { num, by } => {
                let by: Vec<String> = by.iter().map(|e| e.to_string()).collect();
                format!(
                    "Repartition: hash by {} into {} partitions",
                    by.join(", "),
                    n(num)
                )
            }
            Partitioning::Random { num } => {
                format!("Repartition: random into {} partitions", n(num))
            }
            Partitioning::Split { num } => format!("IntoPartitions: {num}"),
        }
    }

    /// The expressions of the layout (the hash keys).
    pub fn exprs(&self) -> &[Expr] {
        match self {
            Partitioning::Hash { by, .. } => by,
            _ => &[],
        }
    }
}

fn check_num(num: Option<usize>, what: &str) -> DaftResult<()> {
    match num {
        Some(0) => Err(DaftError::value_error(format!(
            "{what}: the number of partitions must be at least 1, got 0"
        ))),
        _ => Ok(()),
    }
}

impl LogicalPlan {
    /// `repartition(num, *by)`: hash-partitioned by `by`, or spread evenly
    /// when `by` is empty. The keys are type-checked now; every Arrow type
    /// hashes, nested ones included.
    pub fn repartition(
        self: &Arc<Self>,
        num: Option<usize>,
        by: Vec<Expr>,
    ) -> DaftResult<Arc<Self>> {
        check_num(num, "repartition")?;
        let schema = self.schema();
        let mut bound = Vec::with_capacity(by.len());
        for e in by {
            if e.has_agg() || e.has_window() {
                return Err(DaftError::value_error(format!(
                    "repartition: {e} is an aggregation or window; partition by plain expressions"
                )));
            }
            let b = e.bind(&schema)?;
            b.to_field(&schema)?;
            bound.push(b);
        }
        let scheme = if bound.is_empty() {
            Partitioning::Random { num }
        } else {
            Partitioning::Hash { num, by: bound }
        };
        Ok(Arc::new(LogicalPlan::Repartition {
            input: self.clone(),
            scheme,
        }))
    }

    /// `into_partitions(num)`: `num` contiguous runs of the rows, in order.
    pub fn into_partitions(self: &Arc<Self>, num: usize) -> DaftResult<Arc<Self>> {
        check_num(Some(num), "into_partitions")?;
        Ok(Arc::new(LogicalPlan::Repartition {
            input: self.clone(),
            scheme: Partitioning::Split { num },
        }))
    }
}
