//! Plans sent as bytes and received in a fresh plan give the same rows,
//! with every engine node and function kind on the way; a function a
//! receiver cannot resolve is an error naming it, its plugin and versions.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::physical_plan::aggregates::AggregateExec;
use datafusion::physical_plan::ExecutionPlan;

use daft_core::DaftResult;
use daft_dsl::{AggKind, Expr, Percentiles};
use daft_exec::ordered::OrderedConcatExec;
use daft_lowering::wire::AggregateSpec;
use daft_plan::LogicalPlan;

use support::*;

/// The names of the plan's nodes and of the functions its expressions call.
fn parts(plan: &Arc<dyn ExecutionPlan>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    plan.apply(|node| {
        names.insert(node.name().to_string());
        // Expressions show their functions in the node's one-line form.
        let line = datafusion::physical_plan::displayable(node.as_ref())
            .one_line()
            .to_string();
        for word in line.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
            if word.starts_with("daft_") || word.starts_with("fixture") {
                names.insert(word.to_string());
            }
        }
        if let Some(agg) = node.downcast_ref::<AggregateExec>() {
            for e in agg.aggr_expr() {
                if let Some(spec) = AggregateSpec::of(e.fun()) {
                    let kind = format!("{spec:?}");
                    names.insert(kind.split([' ', '{', '(']).next().unwrap().to_string());
                }
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })
    .unwrap();
    names
}

/// Runs `sql` as planned here and as received from bytes (see [`round_trip`]).
fn round_trip_sql(sql: &str) -> BTreeSet<String> {
    fixture();
    let plan = daft_sql::plan_sql(sql, &catalog()).unwrap_or_else(|e| panic!("{sql}: {e}"));
    round_trip(&plan, sql)
}

/// Runs `plan` as planned here and as received from bytes; both must give
/// the same rows in the same order. Returns what the plan is made of.
fn round_trip(plan: &Arc<LogicalPlan>, sql: &str) -> BTreeSet<String> {
    round_trip_physical(daft_exec::physical_plan(plan).unwrap(), sql)
}

/// [`round_trip`] of a physical plan.
fn round_trip_physical(physical: Arc<dyn ExecutionPlan>, sql: &str) -> BTreeSet<String> {
    let codec = codec();
    let bytes = codec
        .encode_plan(physical.clone())
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let ctx = daft_exec::task_context().unwrap();
    let received = codec
        .decode_plan(&bytes, &ctx)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let here = daft_exec::collect_physical(physical.clone(), &mut never()).unwrap();
    let there = daft_exec::collect_physical(received, &mut never()).unwrap();
    let (mut here, mut there) = (rows(&here), rows(&there));
    assert!(!here.is_empty(), "{sql}: no rows");
    // A query's order is defined only by its ORDER BY (a random
    // repartitioning deals rows out as they arrive).
    if !sql.contains("ORDER BY") {
        here.sort();
        there.sort();
    }
    let same_row = |a: Option<&Vec<String>>, b: Option<&Vec<String>>| match (a, b) {
        (Some(a), Some(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        _ => false,
    };
    if let Some(i) =
        (0..here.len().max(there.len())).find(|&i| !same_row(here.get(i), there.get(i)))
    {
        panic!(
            "{sql}: the received plan gave other rows: {} rows here, {} there; row {i} is {:?} here, {:?} there",
            here.len(),
            there.len(),
            here.get(i),
            there.get(i)
        );
    }
    parts(&physical)
}

#[test]
fn plans_with_every_engine_node_and_function_kind_give_the_same_rows_after_a_round_trip() {
    let queries = [
        // Daft's operators and a registry built-in with an option.
        "SELECT k, x // 3 AS q, k % 5 AS m, upper(s) AS u, round(x, 2) AS r FROM facts ORDER BY k, q, u, r",
        // Exact sums, a decimal mean, float min/max with NaN, stddev,
        // grouped on canonical float keys.
        "SELECT k, sum(k) AS sk, sum(d) AS sd, avg(d) AS ad, min(x) AS lo, max(x) AS hi, \
         stddev(x) AS sx, stddev_pop(x) AS px, var_pop(x) AS vx, count(*) AS n FROM facts \
         GROUP BY k ORDER BY k",
        "SELECT x, count(*) AS n FROM facts GROUP BY x ORDER BY x LIMIT 50",
        "SELECT k, product(k % 2 + 1.5) AS p, product(k % 2) AS pi, skew(x) AS sk FROM facts \
         GROUP BY k ORDER BY k",
        // A plugin scalar with options of every kind, and a plugin aggregate.
        "SELECT fixture_sum(k, k, scale => 2.5, negate => true, offset => 3, label => 'z') AS f \
         FROM facts ORDER BY f",
        "SELECT k, fixture_count(s) AS c, fixture_count(x, mode => 'ok') AS cx FROM facts \
         GROUP BY k ORDER BY k",
        // A join, a window top-N, a union, explode with positions.
        "SELECT f.k, d.name, count(*) AS n FROM facts f JOIN dims d ON f.k = d.k \
         GROUP BY f.k, d.name ORDER BY f.k",
        "SELECT * FROM (SELECT k, x, row_number() OVER (PARTITION BY k ORDER BY x) AS rn \
         FROM facts) WHERE rn <= 2 ORDER BY k, rn",
        "SELECT k FROM facts UNION ALL SELECT k FROM dims ORDER BY k",
        "SELECT k, s FROM facts WHERE k > 3 LIMIT 25",
        "SELECT sum(k) AS t, count(*) AS n FROM facts",
    ];
    let mut seen = BTreeSet::new();
    for sql in queries {
        seen.extend(round_trip_sql(sql));
    }
    // What only the DataFrame API plans: hash and random repartitioning,
    // contiguous runs, explode with positions.
    let k = || Expr::col("k");
    let plans = [
        (
            "repartition(3, k)",
            facts().repartition(Some(3), vec![k()]).unwrap(),
        ),
        (
            "repartition(4)",
            facts().repartition(Some(4), vec![]).unwrap(),
        ),
        ("into_partitions(5)", facts().into_partitions(5).unwrap()),
        (
            "explode(l, index)",
            facts()
                .explode(vec!["l".into()], Some("pos".into()), false)
                .unwrap(),
        ),
    ];
    for (what, plan) in plans {
        seen.extend(round_trip(&plan, what));
    }
    // The ordered concatenation `collect` puts on top of a plan's
    // partitions (as the final gather of a distributed plan will).
    let gathered = OrderedConcatExec::new(
        daft_exec::physical_plan(&facts().into_partitions(3).unwrap()).unwrap(),
        Some(12_345),
    );
    seen.extend(round_trip_physical(
        Arc::new(gathered),
        "into_partitions(3).limit(12345) ORDER BY",
    ));
    for part in [
        "daft_op",
        "daft_canonical_float",
        "daft_list_positions",
        "Registry",
        "ExactSum",
        "ExactDecimalMean",
        "FloatMinMax",
        "Population",
        "Product",
        "Skew",
        "fixture_sum",
        "fixture_count",
        "OrderedConcatExec",
        "SplitExec",
        "KeptRepartitionExec",
        "UnionFenceExec",
        "PartitionTopNExec",
    ] {
        assert!(
            seen.iter().any(|s| s.contains(part)),
            "no plan had {part}: {seen:?}"
        );
    }
}

/// `sql` planned and encoded here, decoded by a process with `plugins`.
fn decode_elsewhere(sql: &str, plugins: &[(&str, &str)]) -> DaftResult<Arc<dyn ExecutionPlan>> {
    fixture();
    let plan = daft_sql::plan_sql(sql, &catalog()).unwrap();
    let bytes = codec()
        .encode_plan(daft_exec::physical_plan(&plan).unwrap())
        .unwrap();
    codec_with(plugins).decode_plan(&bytes, &daft_exec::task_context().unwrap())
}

#[test]
fn a_receiver_without_the_plugin_refuses_the_plan_naming_plugin_function_and_place() {
    let version = fixture().version.as_str();
    for sql in [
        "SELECT fixture_sum(k, offset => 1) AS f FROM facts",
        "SELECT k, fixture_count(s) AS c FROM facts GROUP BY k",
    ] {
        let err = decode_elsewhere(sql, &[]).unwrap_err().to_string();
        let function = if sql.contains("fixture_sum") {
            "fixture_sum"
        } else {
            "fixture_count"
        };
        for part in [
            "plugin \"fixture\"",
            function,
            &format!("version {version} where the plan was made"),
            "not loaded on worker 7",
        ] {
            assert!(err.contains(part), "{sql}: {part:?} missing from: {err}");
        }
    }
}

#[test]
fn a_receiver_with_another_plugin_version_refuses_the_plan_naming_both_versions() {
    let version = fixture().version.as_str();
    let err = decode_elsewhere(
        "SELECT fixture_sum(k, offset => 1) AS f FROM facts",
        &[("fixture", "9.9.9")],
    )
    .unwrap_err()
    .to_string();
    for part in [
        "plugin \"fixture\"",
        "fixture_sum",
        &format!("version {version} where the plan was made"),
        "worker 7 has version 9.9.9",
    ] {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
}

#[test]
fn a_plan_of_built_ins_only_needs_no_plugin_on_the_receiver() {
    let received = decode_elsewhere("SELECT upper(s) AS u, k // 2 AS h FROM facts", &[]).unwrap();
    let out = daft_exec::collect_physical(received, &mut never()).unwrap();
    assert_eq!(out.iter().map(|b| b.num_rows()).sum::<usize>(), 20_000);
}

#[test]
fn a_malformed_plan_is_an_error_not_a_crash() {
    fixture();
    let ctx = daft_exec::task_context().unwrap();
    let plan = daft_sql::plan_sql(
        "SELECT fixture_sum(k, offset => 1) AS f FROM facts",
        &catalog(),
    )
    .unwrap();
    let bytes = codec()
        .encode_plan(daft_exec::physical_plan(&plan).unwrap())
        .unwrap();
    // Every prefix of a valid plan: truncated in transit.
    for cut in (0..bytes.len()).step_by(7) {
        let _ = codec().decode_plan(&bytes[..cut], &ctx);
    }
    assert!(codec()
        .decode_plan(&bytes[..bytes.len() / 2], &ctx)
        .is_err());
}

#[test]
fn an_aggregate_the_codec_cannot_send_is_refused_when_encoding_naming_it() {
    fixture();
    for (kind, name) in [
        (
            AggKind::Percentile as fn(Percentiles) -> AggKind,
            "daft_percentile",
        ),
        (AggKind::ApproxPercentiles, "daft_approx_percentiles"),
    ] {
        let percentiles = Percentiles::new("percentile", &[0.5], false).unwrap();
        let agg = Expr::col("x").agg(kind(percentiles)).unwrap().alias("p");
        let plan = facts().aggregate(vec![agg], vec![Expr::col("k")]).unwrap();
        let err = codec()
            .encode_plan(daft_exec::physical_plan(&plan).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("the aggregate {name}")) && err.contains("cannot be sent"),
            "{name}: {err}"
        );
    }
}
