//! A plan cut into stages and run task by task, each task from its stage's
//! bytes and reading earlier stages only through its readers (as the Ray
//! runner runs it, without Ray), gives the rows the plan gives in one
//! process.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow::record_batch::RecordBatch;
use datafusion::physical_plan::ExecutionPlan;

use daft_core::{DaftError, DaftResult};
use daft_distributed::{
    decode_batches, encode_stages, run_encoded_task, EncodedStage, StageInputs, StageOutput,
};
use daft_dsl::Expr;

use support::*;

/// The outputs of the stages run so far: per stage, its output kind and
/// each task's pieces (Arrow IPC bytes).
type Outputs = HashMap<usize, (StageOutput, Vec<Vec<Vec<u8>>>)>;

/// A task's view of earlier stages: only the stages its stage reads.
#[derive(Debug)]
struct Store {
    outputs: Arc<Mutex<Outputs>>,
    reads: Vec<usize>,
}

impl StageInputs for Store {
    fn fetch(&self, stage: usize, partition: usize) -> DaftResult<Vec<RecordBatch>> {
        if !self.reads.contains(&stage) {
            return Err(DaftError::Internal(format!(
                "a task read stage {stage}, which its stage does not list"
            )));
        }
        let outputs = self.outputs.lock().unwrap();
        let (output, tasks) = &outputs[&stage];
        let pieces: Vec<&Vec<u8>> = match output {
            StageOutput::Buckets(_) => tasks.iter().map(|t| &t[partition]).collect(),
            StageOutput::Whole => vec![&tasks[partition][0]],
        };
        let mut out = Vec::new();
        for p in pieces {
            out.extend(decode_batches(p)?);
        }
        Ok(out)
    }
}

/// Runs `physical`'s stages one after another, every task of a stage from
/// the stage's bytes; returns the stages and the last one's partitions.
fn run_staged(physical: Arc<dyn ExecutionPlan>) -> (Vec<EncodedStage>, Vec<Vec<RecordBatch>>) {
    let codec = codec();
    let stages = encode_stages(&codec, physical).unwrap();
    let outputs = Arc::new(Mutex::new(Outputs::new()));
    for stage in &stages {
        let mut tasks = Vec::new();
        for t in 0..stage.tasks {
            let store = Arc::new(Store {
                outputs: outputs.clone(),
                reads: stage.inputs.clone(),
            });
            let pieces = run_encoded_task(&codec, &stage.plan, t, store, &mut never())
                .unwrap_or_else(|e| panic!("stage {} task {t}: {e}", stage.id));
            let expected = match stage.output {
                StageOutput::Buckets(n) => n,
                StageOutput::Whole => 1,
            };
            assert_eq!(pieces.len(), expected, "stage {} task {t}", stage.id);
            tasks.push(pieces);
        }
        outputs
            .lock()
            .unwrap()
            .insert(stage.id, (stage.output, tasks));
    }
    let last = stages.last().unwrap();
    let outputs = outputs.lock().unwrap();
    let partitions = outputs[&last.id]
        .1
        .iter()
        .map(|t| decode_batches(&t[0]).unwrap())
        .collect();
    (stages, partitions)
}

/// Runs `sql` staged and in one process; the rows must agree (in order
/// where the query orders them). Returns the stages.
fn staged_sql(sql: &str) -> Vec<EncodedStage> {
    fixture();
    let mut tables = catalog();
    tables.insert("spread", facts().repartition(Some(4), vec![]).unwrap());
    let plan = daft_sql::plan_sql(sql, &tables).unwrap_or_else(|e| panic!("{sql}: {e}"));
    staged(&plan, sql, sql.contains("ORDER BY"))
}

fn staged(plan: &Arc<daft_plan::LogicalPlan>, what: &str, ordered: bool) -> Vec<EncodedStage> {
    // Two plans: running one updates its dynamic filters (a top-N's
    // threshold), which the bytes of the same plan would then carry.
    let here =
        daft_exec::collect_physical(daft_exec::physical_plan(plan).unwrap(), &mut never()).unwrap();
    let (stages, partitions) = run_staged(daft_exec::physical_plan_for_tasks(plan).unwrap());
    let there: Vec<RecordBatch> = partitions.into_iter().flatten().collect();
    let (mut here, mut there) = (rows(&here), rows(&there));
    assert!(!here.is_empty(), "{what}: no rows");
    if !ordered {
        here.sort();
        there.sort();
    }
    assert_eq!(here.len(), there.len(), "{what}: row counts differ");
    for (i, (a, b)) in here.iter().zip(&there).enumerate() {
        assert!(
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
            "{what}: row {i} is {a:?} in one process, {b:?} staged"
        );
    }
    stages
}

fn shuffles(stages: &[EncodedStage]) -> usize {
    stages
        .iter()
        .filter(|s| matches!(s.output, StageOutput::Buckets(_)))
        .count()
}

#[test]
fn staged_queries_give_the_rows_of_one_process() {
    let queries = [
        // Group-bys: partial aggregates per task, a shuffle, final aggregates.
        "SELECT k, sum(k) AS sk, sum(d) AS sd, avg(d) AS ad, min(x) AS lo, max(x) AS hi, \
         stddev(x) AS sx, count(*) AS n FROM facts GROUP BY k ORDER BY k",
        "SELECT k, fixture_count(s) AS c FROM facts GROUP BY k ORDER BY k",
        "SELECT s, count(*) AS n FROM facts GROUP BY s",
        "SELECT DISTINCT k FROM facts",
        // Joins: both sides shuffled by key, or the small side broadcast.
        "SELECT f.k, d.name, count(*) AS n FROM facts f JOIN dims d ON f.k = d.k \
         GROUP BY f.k, d.name ORDER BY f.k",
        "SELECT f.k, d.name, f.x FROM facts f LEFT JOIN dims d ON f.k = d.k",
        // A broadcast join probed by several partitions, each a task.
        "SELECT f.k, d.name, f.x FROM spread f JOIN dims d ON f.k = d.k",
        // A window per key, a global sort, limits, a union, a plugin scalar.
        "SELECT * FROM (SELECT k, x, row_number() OVER (PARTITION BY k ORDER BY x) AS rn \
         FROM facts) WHERE rn <= 2 ORDER BY k, rn",
        "SELECT k, x, s FROM facts ORDER BY x DESC, k, s LIMIT 100",
        "SELECT k FROM facts UNION ALL SELECT k FROM dims ORDER BY k",
        "SELECT fixture_sum(k, k, scale => 2.5, negate => true, offset => 3, label => 'z') AS f \
         FROM facts ORDER BY f",
        "SELECT sum(k) AS t, count(*) AS n FROM facts",
    ];
    let mut total_shuffles = 0;
    for sql in queries {
        total_shuffles += shuffles(&staged_sql(sql));
    }
    assert!(total_shuffles >= 4, "only {total_shuffles} shuffles in all");
}

#[test]
fn a_group_by_is_cut_at_its_shuffle() {
    let stages = staged_sql("SELECT k, count(*) AS n FROM facts GROUP BY k");
    assert_eq!(shuffles(&stages), 1, "{stages:?}");
    let last = stages.last().unwrap();
    assert_eq!(last.output, StageOutput::Whole);
    assert!(
        last.tasks > 1,
        "the final aggregates run as {} tasks",
        last.tasks
    );
    // Every stage but the first reads an earlier one.
    for s in &stages[1..] {
        assert!(s.inputs.iter().all(|&i| i < s.id), "{s:?}");
        assert!(!s.inputs.is_empty(), "{s:?}");
    }
}

#[test]
fn user_layouts_survive_staging() {
    let k = || Expr::col("k");
    let plans = [
        (
            "repartition(3, k)",
            facts().repartition(Some(3), vec![k()]).unwrap(),
            false,
        ),
        (
            "repartition(4)",
            facts().repartition(Some(4), vec![]).unwrap(),
            false,
        ),
        (
            "into_partitions(5)",
            facts().into_partitions(5).unwrap(),
            true,
        ),
    ];
    for (what, plan, ordered) in plans {
        let physical = daft_exec::physical_plan_for_tasks(&plan).unwrap();
        let (_, partitions) = run_staged(physical.clone());
        // The staged plan has the layout the query asked for.
        let want = physical
            .properties()
            .output_partitioning()
            .partition_count();
        assert_eq!(partitions.len(), want, "{what}");
        staged(&plan, what, ordered);
    }
    // A hash layout puts every key in one partition only.
    let plan = facts().repartition(Some(3), vec![k()]).unwrap();
    let (_, partitions) = run_staged(daft_exec::physical_plan_for_tasks(&plan).unwrap());
    let mut home: HashMap<String, usize> = HashMap::new();
    for (i, p) in partitions.iter().enumerate() {
        for row in rows(p) {
            let previous = home.insert(row[0].clone(), i);
            assert!(
                previous.is_none() || previous == Some(i),
                "key {} in two partitions",
                row[0]
            );
        }
    }
}

#[test]
fn a_task_beyond_its_stage_is_an_error() {
    fixture();
    let plan = daft_sql::plan_sql("SELECT k FROM facts", &catalog()).unwrap();
    let codec = codec();
    let stages = encode_stages(&codec, daft_exec::physical_plan_for_tasks(&plan).unwrap()).unwrap();
    let last = stages.last().unwrap();
    let store = Arc::new(Store {
        outputs: Arc::new(Mutex::new(Outputs::new())),
        reads: vec![],
    });
    let err = run_encoded_task(&codec, &last.plan, last.tasks, store, &mut never()).unwrap_err();
    let want = format!("task {0} of a stage that has {0} tasks", last.tasks);
    assert!(err.to_string().contains(&want), "{err}");
}
