//! Top-N per group for filters on ranking window functions.
//!
//! `where(rank <= 3)` over `rank().over(Window().partition_by(k).order_by(v))`
//! asks for the best three rows of each `k`, but a window sorts every row of
//! every partition to rank rows the filter then drops. [`RankingPrefilter`]
//! puts a [`PartitionTopNNode`] under such a window: it streams its input
//! once, keeps per partition key only the rows that can still pass, and
//! passes those on to the window, which ranks them exactly as before.
//!
//! Why the ranks do not change: the node keeps a *downward closed* set of
//! rows — with every row it keeps, every row ordered strictly before it in
//! the same partition. `rank`, `dense_rank` and `row_number` of a row depend
//! only on the rows before it and its ties, so they are the same over the
//! kept rows as over all of them. The filter itself stays in the plan; the
//! node only removes rows the filter would remove.
//!
//! - `rank <= K` and `row_number <= K` keep the rows with fewer than `K`
//!   rows strictly before them ([`Keep::Ties`]): ties of the K-th row stay.
//! - `dense_rank <= K` keeps the rows whose order key is one of the `K`
//!   best distinct keys ([`Keep::Distinct`]).
//!
//! The rewrite applies only when every function of the window node is one
//! of these three over the same partition and order keys (any other window
//! function would see fewer rows), and only to filters directly above the
//! window or above projections of it.

mod exec;

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, DFSchemaRef, Result, ScalarValue};
use datafusion::functions_window::rank::Rank;
use datafusion::functions_window::row_number::RowNumber;
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::utils::split_conjunction;
use datafusion::logical_expr::{
    BinaryExpr, Expr, Extension, LogicalPlan, Operator, SortExpr, UserDefinedLogicalNodeCore,
    Window, WindowFunctionDefinition,
};
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

pub use exec::{PartitionTopNExec, TopNPlanner};

/// The largest `K` the rewrite is used for: beyond it the kept rows per
/// key are many and the sorted insertions cost more than the window's sort.
pub const MAX_K: u64 = 4096;

/// Which rows of each partition key a [`PartitionTopNNode`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd)]
pub enum Keep {
    /// Rows with fewer than `k` rows strictly before them (for `rank` and
    /// `row_number`).
    Ties,
    /// Rows whose order key is among the `k` best distinct keys (for
    /// `dense_rank`).
    Distinct,
}

/// Keeps, per value of `partition_by`, the rows that can have a rank of at
/// most `k` under `order_by` (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartitionTopNNode {
    /// The rows to filter.
    pub input: LogicalPlan,
    /// The window's partition keys.
    pub partition_by: Vec<Expr>,
    /// The window's order keys.
    pub order_by: Vec<SortExpr>,
    /// The largest rank that can pass the filter above.
    pub k: usize,
    /// Which rows count towards `k`.
    pub keep: Keep,
}

impl PartialOrd for PartitionTopNNode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        // Only used to order equal-cost alternatives, which never arise for
        // this node; `k` is a stable order.
        self.k.partial_cmp(&other.k)
    }
}

impl UserDefinedLogicalNodeCore for PartitionTopNNode {
    fn name(&self) -> &str {
        "PartitionTopN"
    }

    fn inputs(&self) -> Vec<&LogicalPlan> {
        vec![&self.input]
    }

    fn schema(&self) -> &DFSchemaRef {
        self.input.schema()
    }

    fn expressions(&self) -> Vec<Expr> {
        self.partition_by
            .iter()
            .cloned()
            .chain(self.order_by.iter().map(|s| s.expr.clone()))
            .collect()
    }

    fn fmt_for_explain(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let part: Vec<String> = self.partition_by.iter().map(|e| e.to_string()).collect();
        let order: Vec<String> = self.order_by.iter().map(|s| s.to_string()).collect();
        write!(
            f,
            "PartitionTopN: k={} keep={:?} partition_by=[{}] order_by=[{}]",
            self.k,
            self.keep,
            part.join(", "),
            order.join(", ")
        )
    }

    fn with_exprs_and_inputs(
        &self,
        exprs: Vec<Expr>,
        mut inputs: Vec<LogicalPlan>,
    ) -> Result<Self> {
        let n = self.partition_by.len();
        let order_by = self
            .order_by
            .iter()
            .zip(&exprs[n..])
            .map(|(s, e)| SortExpr::new(e.clone(), s.asc, s.nulls_first))
            .collect();
        Ok(PartitionTopNNode {
            input: inputs.swap_remove(0),
            partition_by: exprs[..n].to_vec(),
            order_by,
            k: self.k,
            keep: self.keep,
        })
    }

    fn necessary_children_exprs(&self, output_columns: &[usize]) -> Option<Vec<Vec<usize>>> {
        // The output is the input's columns; the keys are read as well.
        let schema = self.input.schema();
        let mut needed = output_columns.to_vec();
        for e in self.expressions() {
            for c in e.column_refs() {
                needed.push(schema.index_of_column(c).ok()?);
            }
        }
        needed.sort_unstable();
        needed.dedup();
        Some(vec![needed])
    }
}

/// Puts a [`PartitionTopNNode`] under a window whose ranking function a
/// filter bounds (see the module docs).
#[derive(Debug, Default)]
pub struct RankingPrefilter;

impl OptimizerRule for RankingPrefilter {
    fn name(&self) -> &str {
        "daft_ranking_prefilter"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::TopDown)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let LogicalPlan::Filter(filter) = &plan else {
            return Ok(Transformed::no(plan));
        };
        for conjunct in split_conjunction(&filter.predicate) {
            let Some((column, k)) = rank_bound(conjunct) else {
                continue;
            };
            if let Some(input) = prefiltered(&filter.input, &column, k)? {
                let mut filter = filter.clone();
                filter.input = Arc::new(input);
                return Ok(Transformed::yes(LogicalPlan::Filter(filter)));
            }
        }
        Ok(Transformed::no(plan))
    }
}

/// `column <= K` (or `<`, `=`, and the same with the sides swapped) as the
/// column and the largest value of it that can pass.
fn rank_bound(e: &Expr) -> Option<(Column, u64)> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = e else {
        return None;
    };
    let (column, op, value) = match (strip_casts(left), strip_casts(right)) {
        (Expr::Column(c), Expr::Literal(v, _)) => (c, *op, v),
        (Expr::Literal(v, _), Expr::Column(c)) => (c, op.swap()?, v),
        _ => return None,
    };
    let value = number(value)?;
    // The largest integer rank that passes.
    let k = match op {
        Operator::LtEq => value.floor(),
        Operator::Eq if value.fract() == 0.0 => value,
        Operator::Lt => value.ceil() - 1.0,
        _ => return None,
    };
    (1.0..=MAX_K as f64)
        .contains(&k)
        .then(|| (column.clone(), k as u64))
}

/// A non-null numeric literal. Daft compares the UInt64 rank with an Int64
/// literal as Float64 (their common type), so the bound may be a float.
fn number(v: &ScalarValue) -> Option<f64> {
    let n = match v {
        ScalarValue::Int8(Some(x)) => f64::from(*x),
        ScalarValue::Int16(Some(x)) => f64::from(*x),
        ScalarValue::Int32(Some(x)) => f64::from(*x),
        ScalarValue::Int64(Some(x)) => *x as f64,
        ScalarValue::UInt8(Some(x)) => f64::from(*x),
        ScalarValue::UInt16(Some(x)) => f64::from(*x),
        ScalarValue::UInt32(Some(x)) => f64::from(*x),
        ScalarValue::UInt64(Some(x)) => *x as f64,
        ScalarValue::Float32(Some(x)) => f64::from(*x),
        ScalarValue::Float64(Some(x)) => *x,
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// Ranks are positive integers, exact in every type below up to far beyond
/// [`MAX_K`], and these casts keep their order (an overflow is an error or
/// null, never a wrapped value): a filter on the cast rank passes the same
/// ranks up to `K` as on the rank itself.
fn strip_casts(e: &Expr) -> &Expr {
    let order_keeping = |t: &DataType| {
        matches!(
            t,
            DataType::Int32
                | DataType::Int64
                | DataType::UInt32
                | DataType::UInt64
                | DataType::Float32
                | DataType::Float64
        )
    };
    match e {
        Expr::Cast(c) if order_keeping(c.field.data_type()) => strip_casts(&c.expr),
        Expr::TryCast(c) if order_keeping(c.field.data_type()) => strip_casts(&c.expr),
        Expr::Alias(a) => strip_casts(&a.expr),
        other => other,
    }
}

/// `plan` with a [`PartitionTopNNode`] under the window that computes
/// `column`, if `column` is a ranking function that the rewrite applies to;
/// projections and aliases between the filter and the window are followed.
fn prefiltered(plan: &LogicalPlan, column: &Column, k: u64) -> Result<Option<LogicalPlan>> {
    let Ok(idx) = plan.schema().index_of_column(column) else {
        return Ok(None);
    };
    let rebuilt = match plan {
        LogicalPlan::Projection(p) => {
            let Expr::Column(below) = strip_casts(&p.expr[idx]) else {
                return Ok(None);
            };
            let Some(input) = prefiltered(&p.input, below, k)? else {
                return Ok(None);
            };
            plan.with_new_exprs(plan.expressions(), vec![input])?
        }
        LogicalPlan::SubqueryAlias(a) => {
            let below = Column::from(a.input.schema().qualified_field(idx));
            let Some(input) = prefiltered(&a.input, &below, k)? else {
                return Ok(None);
            };
            plan.with_new_exprs(plan.expressions(), vec![input])?
        }
        LogicalPlan::Window(w) => match prefilter_window(w, idx, k) {
            Some(node) => {
                let mut w = w.clone();
                w.input = Arc::new(node);
                LogicalPlan::Window(w)
            }
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    Ok(Some(rebuilt))
}

/// The window's input under a [`PartitionTopNNode`] for output column
/// `idx` bounded by `k`, or `None` where the rewrite does not apply.
fn prefilter_window(w: &Window, idx: usize, k: u64) -> Option<LogicalPlan> {
    if let LogicalPlan::Extension(e) = w.input.as_ref() {
        if e.node.as_any().is::<PartitionTopNNode>() {
            return None;
        }
    }
    let n_input = w.input.schema().fields().len();
    let target = ranking(w.window_expr.get(idx.checked_sub(n_input)?)?)?;
    let params = &target.0.params;
    if params.order_by.is_empty() {
        return None;
    }
    let all_ranking_alike = w.window_expr.iter().all(|e| {
        ranking(e).is_some_and(|(f, _)| {
            f.params.partition_by == params.partition_by && f.params.order_by == params.order_by
        })
    });
    if !all_ranking_alike {
        return None;
    }
    let node = PartitionTopNNode {
        input: w.input.as_ref().clone(),
        partition_by: params.partition_by.clone(),
        order_by: params.order_by.clone(),
        k: usize::try_from(k).ok()?,
        keep: target.1,
    };
    Some(LogicalPlan::Extension(Extension {
        node: Arc::new(node),
    }))
}

/// `e` (under aliases) as a `rank`, `dense_rank` or `row_number` without a
/// `FILTER` clause, with the rows it needs kept.
fn ranking(e: &Expr) -> Option<(&WindowFunction, Keep)> {
    let Expr::WindowFunction(f) = strip_casts(e) else {
        return None;
    };
    if f.params.filter.is_some() {
        return None;
    }
    let WindowFunctionDefinition::WindowUDF(udf) = &f.fun else {
        return None;
    };
    // Upcast to `Any`, a supertrait of `WindowUDFImpl`.
    let inner: &dyn std::any::Any = udf.inner().as_ref();
    let keep = if inner.is::<RowNumber>() {
        Keep::Ties
    } else if inner.is::<Rank>() {
        // `Rank` also implements `percent_rank`, which depends on the
        // partition's size and so cannot be prefiltered.
        match udf.name() {
            "rank" => Keep::Ties,
            "dense_rank" => Keep::Distinct,
            _ => return None,
        }
    } else {
        return None;
    };
    Some((f, keep))
}
