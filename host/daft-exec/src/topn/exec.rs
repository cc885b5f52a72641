//! [`PartitionTopNExec`]: the physical side of [`PartitionTopNNode`].
//!
//! Each input partition is filtered on its own: a row among the best of its
//! key over the whole input is among the best of its key within any part of
//! it, so filtering before the window's repartition is exact and moves
//! fewer rows. Order keys are compared in arrow's row format, whose byte
//! order is the sort order (direction and null placement included), and
//! partition keys are grouped by their row bytes.
//!
//! The kept rows are copied out of each input batch as it is read, so an
//! input batch is not held because one of its rows was kept. When most rows
//! are kept (a key per row, or all rows ties), the filter does not pay for
//! itself: after [`PASS_THROUGH_AFTER`] rows with more than half of them
//! kept, or when the memory pool refuses more, the node emits what it kept
//! and passes the rest of its input through unchanged, for the window to
//! sort as it would have without it.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use arrow::compute::{interleave_record_batch, take_record_batch, SortOptions};
use arrow::row::{RowConverter, Rows, SortField};
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{internal_err, HashMap, Result};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::{LogicalPlan, UserDefinedLogicalNode};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
    SendableRecordBatchStream,
};
use datafusion::physical_planner::{ExtensionPlanner, PhysicalPlanner};
use futures::StreamExt;

use super::{Keep, PartitionTopNNode};

/// Input rows after which the node checks whether it filters enough.
pub const PASS_THROUGH_AFTER: usize = 65_536;

/// Keeps, per partition of its input and per partition key, the rows that
/// can still have a rank of at most `k` (see the module docs).
#[derive(Debug)]
pub struct PartitionTopNExec {
    input: Arc<dyn ExecutionPlan>,
    partition_by: Vec<Arc<dyn PhysicalExpr>>,
    order_by: Vec<(Arc<dyn PhysicalExpr>, SortOptions)>,
    k: usize,
    keep: Keep,
    properties: Arc<PlanProperties>,
}

impl PartitionTopNExec {
    /// The partition keys.
    pub fn partition_by(&self) -> &[Arc<dyn PhysicalExpr>] {
        &self.partition_by
    }

    /// The order keys and their directions.
    pub fn order_by(&self) -> &[(Arc<dyn PhysicalExpr>, SortOptions)] {
        &self.order_by
    }

    /// The highest rank kept, and how ties count.
    pub fn limit(&self) -> (usize, Keep) {
        (self.k, self.keep)
    }

    /// Filters `input` for ranks up to `k` of `order_by` within each value
    /// of `partition_by`.
    pub fn new(
        input: Arc<dyn ExecutionPlan>,
        partition_by: Vec<Arc<dyn PhysicalExpr>>,
        order_by: Vec<(Arc<dyn PhysicalExpr>, SortOptions)>,
        k: usize,
        keep: Keep,
    ) -> Self {
        // Rows stay in their input partition, so a hash partitioning still
        // holds; their order within it does not.
        let properties = PlanProperties::new(
            EquivalenceProperties::new(input.schema()),
            input.output_partitioning().clone(),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        PartitionTopNExec {
            input,
            partition_by,
            order_by,
            k,
            keep,
            properties: Arc::new(properties),
        }
    }
}

impl DisplayAs for PartitionTopNExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let part: Vec<String> = self.partition_by.iter().map(|e| e.to_string()).collect();
        let order: Vec<String> = self
            .order_by
            .iter()
            .map(|(e, o)| format!("{e} {o}"))
            .collect();
        write!(
            f,
            "PartitionTopNExec: k={} keep={:?} partition_by=[{}] order_by=[{}]",
            self.k,
            self.keep,
            part.join(", "),
            order.join(", ")
        )
    }
}

impl ExecutionPlan for PartitionTopNExec {
    fn name(&self) -> &str {
        "PartitionTopNExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        for e in self
            .partition_by
            .iter()
            .chain(self.order_by.iter().map(|(e, _)| e))
        {
            if f(e)? == TreeNodeRecursion::Stop {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        // Any split of the input is filtered exactly; a repartition before
        // this node would move the rows it is about to drop.
        vec![false]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != 1 {
            return internal_err!("PartitionTopNExec takes one child");
        }
        Ok(Arc::new(PartitionTopNExec::new(
            children.swap_remove(0),
            self.partition_by.clone(),
            self.order_by.clone(),
            self.k,
            self.keep,
        )))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let schema = self.input.schema();
        let converter = |fields: Vec<SortField>| -> Result<Option<RowConverter>> {
            Ok(match fields.is_empty() {
                true => None,
                false => Some(RowConverter::new(fields)?),
            })
        };
        let part_fields = self
            .partition_by
            .iter()
            .map(|e| Ok(SortField::new(e.data_type(&schema)?)))
            .collect::<Result<Vec<_>>>()?;
        let order_fields = self
            .order_by
            .iter()
            .map(|(e, o)| Ok(SortField::new_with_options(e.data_type(&schema)?, *o)))
            .collect::<Result<Vec<_>>>()?;
        let Some(order_converter) = converter(order_fields)? else {
            return internal_err!("PartitionTopNExec needs order keys");
        };
        let reservation = MemoryConsumer::new(format!("PartitionTopNExec[{partition}]"))
            .register(context.memory_pool());
        let state = StreamState {
            input: self.input.execute(partition, context.clone())?,
            partition_by: self.partition_by.clone(),
            order_by: self.order_by.iter().map(|(e, _)| e.clone()).collect(),
            part_converter: converter(part_fields)?,
            order_converter,
            topn: Some(TopN::new(self.k, self.keep)),
            reservation,
            pending: VecDeque::new(),
            batch_size: context.session_config().batch_size(),
            done: false,
        };
        let stream = futures::stream::unfold(state, |mut st| async move {
            let item = st.next().await?;
            Some((item, st))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
    }
}

/// One partition's stream: filtering until the input ends or filtering
/// stops paying, then the kept rows, then (if it stopped) the rest of the
/// input as it is.
struct StreamState {
    input: SendableRecordBatchStream,
    partition_by: Vec<Arc<dyn PhysicalExpr>>,
    order_by: Vec<Arc<dyn PhysicalExpr>>,
    part_converter: Option<RowConverter>,
    order_converter: RowConverter,
    /// `None` once the node passes its input through.
    topn: Option<TopN>,
    reservation: MemoryReservation,
    pending: VecDeque<RecordBatch>,
    batch_size: usize,
    done: bool,
}

impl StreamState {
    async fn next(&mut self) -> Option<Result<RecordBatch>> {
        loop {
            if let Some(b) = self.pending.pop_front() {
                return Some(Ok(b));
            }
            if self.done {
                return None;
            }
            let batch = match self.input.next().await {
                Some(Ok(batch)) => batch,
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                None => {
                    self.done = true;
                    if let Err(e) = self.emit_kept() {
                        return Some(Err(e));
                    }
                    continue;
                }
            };
            if self.topn.is_none() {
                return Some(Ok(batch));
            }
            if let Err(e) = self.offer(&batch) {
                self.done = true;
                return Some(Err(e));
            }
        }
    }

    fn offer(&mut self, batch: &RecordBatch) -> Result<()> {
        let Some(topn) = self.topn.as_mut() else {
            return Ok(());
        };
        let eval = |exprs: &[Arc<dyn PhysicalExpr>]| -> Result<Vec<ArrayRef>> {
            exprs
                .iter()
                .map(|e| e.evaluate(batch)?.into_array(batch.num_rows()))
                .collect()
        };
        let order = self
            .order_converter
            .convert_columns(&eval(&self.order_by)?)?;
        let part = match &self.part_converter {
            Some(c) => Some(c.convert_columns(&eval(&self.partition_by)?)?),
            None => None,
        };
        topn.offer(batch, part.as_ref(), &order)?;
        let fits = self.reservation.try_resize(topn.kept_bytes).is_ok();
        if !fits || topn.filters_too_little() {
            tracing::debug!(
                kept = topn.live_rows,
                seen = topn.seen,
                memory_refused = !fits,
                "PartitionTopNExec passes the rest of its input through"
            );
            self.emit_kept()?;
        }
        Ok(())
    }

    /// Queues the kept rows and stops filtering.
    fn emit_kept(&mut self) -> Result<()> {
        if let Some(topn) = self.topn.take() {
            if let Some(all) = topn.finish()? {
                let mut offset = 0;
                while offset < all.num_rows() {
                    let len = self.batch_size.min(all.num_rows() - offset);
                    self.pending.push_back(all.slice(offset, len));
                    offset += len;
                }
            }
        }
        self.reservation.free();
        Ok(())
    }
}

/// The kept rows of one partition key, best first by order key bytes.
#[derive(Debug, Default)]
struct Group {
    entries: Vec<(Box<[u8]>, u32)>,
    /// The worst order key a new row may have and still be kept, once the
    /// group holds `k` rows (`k` distinct keys for [`Keep::Distinct`]).
    bound: Option<Box<[u8]>>,
}

impl Group {
    /// Keeps row `id` with order key `key` if it can pass; ids of rows it
    /// pushes out go to `dropped`.
    fn offer(&mut self, key: &[u8], id: u32, k: usize, keep: Keep, dropped: &mut Vec<u32>) -> bool {
        if self.bound.as_deref().is_some_and(|b| key > b) {
            return false;
        }
        let pos = self.entries.partition_point(|(e, _)| e.as_ref() <= key);
        self.entries.insert(pos, (key.into(), id));
        let last = match keep {
            // The k-th row's key: rows after it with a worse key have at
            // least k rows before them.
            Keep::Ties => (self.entries.len() >= k).then(|| k - 1),
            Keep::Distinct => {
                let mut distinct = 0;
                let mut found = None;
                for (i, (e, _)) in self.entries.iter().enumerate() {
                    if i == 0 || self.entries[i - 1].0 != *e {
                        distinct += 1;
                        if distinct == k {
                            found = Some(i);
                            break;
                        }
                    }
                }
                found
            }
        };
        if let Some(last) = last {
            let bound = self.entries[last].0.clone();
            let cut = last + self.entries[last..].partition_point(|(e, _)| *e <= bound);
            dropped.extend(self.entries.drain(cut..).map(|(_, id)| id));
            self.bound = Some(bound);
        }
        true
    }
}

/// The rows kept so far from every batch of one input partition.
struct TopN {
    k: usize,
    keep: Keep,
    groups: HashMap<Vec<u8>, Group>,
    /// The one group when there are no partition keys.
    single: Group,
    /// Per kept row id: whether it is still kept, and where its copy is
    /// (`kept` batch, row).
    live: Vec<bool>,
    location: Vec<(usize, usize)>,
    kept: Vec<RecordBatch>,
    kept_rows: usize,
    /// Memory of the `kept` batches.
    kept_bytes: usize,
    live_rows: usize,
    seen: usize,
}

impl TopN {
    fn new(k: usize, keep: Keep) -> Self {
        TopN {
            k,
            keep,
            groups: HashMap::default(),
            single: Group::default(),
            live: Vec::new(),
            location: Vec::new(),
            kept: Vec::new(),
            kept_rows: 0,
            kept_bytes: 0,
            live_rows: 0,
            seen: 0,
        }
    }

    /// Offers every row of `batch`, its partition and order keys in row
    /// format; the rows kept are copied out of it.
    fn offer(&mut self, batch: &RecordBatch, part: Option<&Rows>, order: &Rows) -> Result<()> {
        let first = self.live.len();
        if first + batch.num_rows() > u32::MAX as usize {
            return internal_err!("PartitionTopNExec: more than 2^32 rows kept");
        }
        let mut accepted: Vec<u32> = Vec::new();
        let mut dropped: Vec<u32> = Vec::new();
        for i in 0..batch.num_rows() {
            let group = match part {
                None => &mut self.single,
                Some(p) => self.groups.entry_ref(p.row(i).as_ref()).or_default(),
            };
            let id = (first + accepted.len()) as u32;
            if group.offer(order.row(i).as_ref(), id, self.k, self.keep, &mut dropped) {
                accepted.push(i as u32);
            }
        }
        self.seen += batch.num_rows();
        self.live.resize(first + accepted.len(), true);
        self.location
            .resize(first + accepted.len(), (usize::MAX, usize::MAX));
        self.live_rows += accepted.len();
        for id in dropped {
            self.live[id as usize] = false;
            self.live_rows -= 1;
        }
        // Copy out only what is still kept at the end of the batch.
        let mut rows = Vec::new();
        for (j, &row) in accepted.iter().enumerate() {
            let id = first + j;
            if self.live[id] {
                self.location[id] = (self.kept.len(), rows.len());
                rows.push(row);
            }
        }
        if !rows.is_empty() {
            let copy = take_record_batch(batch, &UInt32Array::from(rows))?;
            self.kept_rows += copy.num_rows();
            self.kept_bytes += copy.get_array_memory_size();
            self.kept.push(copy);
        }
        if self.kept_rows > 2 * self.live_rows + 8192 {
            self.compact()?;
        }
        Ok(())
    }

    /// Whether most rows seen were kept, so that filtering costs more than
    /// it saves.
    fn filters_too_little(&self) -> bool {
        self.seen >= PASS_THROUGH_AFTER && self.live_rows * 2 > self.seen
    }

    /// The kept rows as one batch, `None` if there are none.
    fn gather(&self) -> Result<Option<RecordBatch>> {
        if self.live_rows == 0 {
            return Ok(None);
        }
        let indices: Vec<(usize, usize)> = self
            .live
            .iter()
            .zip(&self.location)
            .filter(|(live, _)| **live)
            .map(|(_, loc)| *loc)
            .collect();
        let batches: Vec<&RecordBatch> = self.kept.iter().collect();
        Ok(Some(interleave_record_batch(&batches, &indices)?))
    }

    /// Rewrites the kept copies as one batch without the rows dropped since.
    fn compact(&mut self) -> Result<()> {
        let all = self.gather()?;
        let mut next = 0;
        for (live, loc) in self.live.iter().zip(self.location.iter_mut()) {
            if *live {
                *loc = (0, next);
                next += 1;
            }
        }
        self.kept_bytes = all.as_ref().map_or(0, |b| b.get_array_memory_size());
        self.kept = all.into_iter().collect();
        self.kept_rows = self.live_rows;
        Ok(())
    }

    fn finish(self) -> Result<Option<RecordBatch>> {
        self.gather()
    }
}

/// Plans [`PartitionTopNNode`]s.
#[derive(Debug)]
pub struct TopNPlanner;

#[async_trait]
impl ExtensionPlanner for TopNPlanner {
    async fn plan_extension(
        &self,
        planner: &dyn PhysicalPlanner,
        node: &dyn UserDefinedLogicalNode,
        logical_inputs: &[&LogicalPlan],
        physical_inputs: &[Arc<dyn ExecutionPlan>],
        session: &dyn Session,
        planning_ctx: &PhysicalPlanningContext,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let Some(node) = node.as_any().downcast_ref::<PartitionTopNNode>() else {
            return Ok(None);
        };
        let schema = logical_inputs[0].schema();
        let physical = |e: &datafusion::logical_expr::Expr| {
            planner.create_physical_expr(e, schema, session, planning_ctx)
        };
        let partition_by = node
            .partition_by
            .iter()
            .map(physical)
            .collect::<Result<Vec<_>>>()?;
        let order_by = node
            .order_by
            .iter()
            .map(|s| {
                let options = SortOptions {
                    descending: !s.asc,
                    nulls_first: s.nulls_first,
                };
                Ok((physical(&s.expr)?, options))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Arc::new(PartitionTopNExec::new(
            physical_inputs[0].clone(),
            partition_by,
            order_by,
            node.k,
            node.keep,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType, Field, Schema};

    /// The ranks of `values` (desc = false: smaller is better) computed by
    /// definition: 1 + rows strictly better, 1 + distinct keys strictly better.
    fn ranks(values: &[i64], keep: Keep) -> Vec<usize> {
        values
            .iter()
            .map(|v| match keep {
                Keep::Ties => 1 + values.iter().filter(|w| *w < v).count(),
                Keep::Distinct => {
                    let mut better: Vec<i64> = values.iter().copied().filter(|w| w < v).collect();
                    better.sort_unstable();
                    better.dedup();
                    1 + better.len()
                }
            })
            .collect()
    }

    fn run(groups: &[i64], values: &[i64], k: usize, keep: Keep, batch: usize) -> Vec<(i64, i64)> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("g", DataType::Int64, false),
            Field::new("v", DataType::Int64, false),
        ]));
        let part_conv = RowConverter::new(vec![SortField::new(DataType::Int64)]).unwrap();
        let order_conv = RowConverter::new(vec![SortField::new(DataType::Int64)]).unwrap();
        let mut topn = TopN::new(k, keep);
        for start in (0..values.len()).step_by(batch) {
            let end = (start + batch).min(values.len());
            let g: ArrayRef = Arc::new(Int64Array::from(groups[start..end].to_vec()));
            let v: ArrayRef = Arc::new(Int64Array::from(values[start..end].to_vec()));
            let b = RecordBatch::try_new(schema.clone(), vec![g.clone(), v.clone()]).unwrap();
            let p = part_conv.convert_columns(&[g]).unwrap();
            let o = order_conv.convert_columns(&[v]).unwrap();
            topn.offer(&b, Some(&p), &o).unwrap();
        }
        let mut out = Vec::new();
        if let Some(b) = topn.finish().unwrap() {
            let g = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
            let v = b.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
            out.extend(g.values().iter().copied().zip(v.values().iter().copied()));
        }
        out.sort_unstable();
        out
    }

    /// The rows whose rank is at most `k`, by definition.
    fn expected(groups: &[i64], values: &[i64], k: usize, keep: Keep) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        let mut keys: Vec<i64> = groups.to_vec();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            let vals: Vec<i64> = groups
                .iter()
                .zip(values)
                .filter(|(g, _)| **g == key)
                .map(|(_, v)| *v)
                .collect();
            for (v, r) in vals.iter().zip(ranks(&vals, keep)) {
                if r <= k {
                    out.push((key, *v));
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// A small deterministic generator (xorshift), so the cases repeat.
    fn numbers(seed: u64, n: usize, modulo: i64) -> Vec<i64> {
        let mut x = seed.max(1);
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % modulo as u64) as i64
            })
            .collect()
    }

    #[test]
    fn keeps_exactly_the_rows_ranked_at_most_k_with_ties_and_distinct_keys() {
        for seed in 1..40u64 {
            for (n, n_groups, n_values) in [(50, 3, 5), (500, 7, 40), (2000, 20, 1000)] {
                let groups = numbers(seed, n, n_groups);
                let values = numbers(seed * 7919, n, n_values);
                for k in [1, 2, 3, 10] {
                    for keep in [Keep::Ties, Keep::Distinct] {
                        for batch in [1, 7, 64, 10_000] {
                            assert_eq!(
                                run(&groups, &values, k, keep, batch),
                                expected(&groups, &values, k, keep),
                                "seed={seed} n={n} k={k} keep={keep:?} batch={batch}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn rows_arriving_best_last_are_dropped_as_better_ones_come() {
        // Every row is kept when it arrives and dropped later: the copies
        // are compacted, and the result is still the k best.
        let n = 50_000;
        let groups = vec![0i64; n];
        let values: Vec<i64> = (0..n as i64).rev().collect();
        assert_eq!(
            run(&groups, &values, 3, Keep::Ties, 100),
            vec![(0, 0), (0, 1), (0, 2)]
        );
    }

    /// Runs a `PartitionTopNExec` (one group, `k` = 1, ascending) over
    /// `batches` with a memory pool of `limit` bytes; the output row count.
    fn rows_out(batches: Vec<RecordBatch>, limit: usize) -> usize {
        use datafusion::datasource::memory::MemorySourceConfig;
        use datafusion::execution::runtime_env::RuntimeEnvBuilder;
        use datafusion::physical_expr::expressions::col;

        let schema = batches[0].schema();
        let input = MemorySourceConfig::try_new_exec(&[batches], schema.clone(), None).unwrap();
        let order = vec![(col("v", &schema).unwrap(), SortOptions::default())];
        let exec = Arc::new(PartitionTopNExec::new(input, vec![], order, 1, Keep::Ties));
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(limit, 1.0)
            .build_arc()
            .unwrap();
        let ctx = Arc::new(TaskContext::default().with_runtime(runtime));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out = rt
            .block_on(datafusion::physical_plan::collect(exec, ctx))
            .unwrap();
        out.iter().map(|b| b.num_rows()).sum()
    }

    #[test]
    fn a_memory_pool_that_refuses_the_kept_rows_makes_the_rest_pass_through() {
        let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Int64, false)]));
        let batches: Vec<RecordBatch> = (0..4)
            .map(|b| {
                let v: ArrayRef = Arc::new(Int64Array::from_iter_values(b * 1000..(b + 1) * 1000));
                RecordBatch::try_new(schema.clone(), vec![v]).unwrap()
            })
            .collect();
        // With room, one row (the smallest) comes out; with none, the first
        // batch's kept row, then the other three batches as they are.
        assert_eq!(rows_out(batches.clone(), 1 << 20), 1);
        assert_eq!(rows_out(batches, 1), 1 + 3000);
    }

    #[test]
    fn filtering_stops_paying_when_most_rows_are_kept() {
        let mut topn = TopN::new(1, Keep::Ties);
        topn.seen = PASS_THROUGH_AFTER;
        topn.live_rows = PASS_THROUGH_AFTER / 2 + 1;
        assert!(topn.filters_too_little());
        topn.live_rows = PASS_THROUGH_AFTER / 4;
        assert!(!topn.filters_too_little());
    }
}
