//! Joins, set operations, windows, explode and SQL, planned by the engine's
//! crates and run on DataFusion: the contract the Python API relies on
//! (column naming, null keys, multisets, Daft's default frames).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int64Array, ListArray, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Int64Type, Schema};
use arrow::record_batch::RecordBatch;

use daft_dsl::{AggKind, Expr, WindowFunc, WindowOrder, WindowSpec};
use daft_plan::{JoinType, LogicalPlan, SetOpKind, SortKey, Source};

fn never() -> impl FnMut() -> bool {
    || false
}

fn table(columns: Vec<(&str, ArrayRef)>) -> Arc<LogicalPlan> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    LogicalPlan::scan(Source::InMemory(Arc::new(vec![batch])), schema)
}

fn ints(v: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(Int64Array::from(v))
}

fn names(plan: &LogicalPlan) -> Vec<String> {
    plan.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

/// The rows of `plan`'s output sorted, each column shown as text.
fn rows(plan: &Arc<LogicalPlan>) -> Vec<Vec<String>> {
    let out = daft_exec::collect(plan, &mut never()).unwrap();
    let mut rows = Vec::new();
    for b in &out {
        for r in 0..b.num_rows() {
            rows.push(
                b.columns()
                    .iter()
                    .map(|c| arrow::util::display::array_value_to_string(c, r).unwrap())
                    .collect(),
            );
        }
    }
    rows.sort();
    rows
}

fn row(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

#[test]
fn join_keeps_a_shared_key_once_prefixes_clashes_and_never_matches_null_keys() {
    let l = table(vec![
        ("k", ints(vec![Some(1), Some(2), None])),
        ("v", ints(vec![Some(10), Some(20), Some(30)])),
    ]);
    let r = table(vec![
        ("k", ints(vec![Some(2), Some(3), None])),
        ("v", ints(vec![Some(200), Some(300), Some(400)])),
    ]);
    let key = || vec![Expr::col("k")];
    let inner = l
        .join(&r, key(), key(), JoinType::Inner, None, None)
        .unwrap();
    assert_eq!(names(&inner), ["k", "v", "right.v"]);
    assert_eq!(rows(&inner), vec![row(&["2", "20", "200"])]);
    let outer = l
        .join(&r, key(), key(), JoinType::Outer, None, None)
        .unwrap();
    // The outer join's key is the first non-null of both sides; null keys
    // stay unmatched, one row each.
    assert_eq!(
        rows(&outer),
        vec![
            row(&["", "", "400"]),
            row(&["", "30", ""]),
            row(&["1", "10", ""]),
            row(&["2", "20", "200"]),
            row(&["3", "", "300"]),
        ]
    );
    let anti = l
        .join(&r, key(), key(), JoinType::Anti, None, None)
        .unwrap();
    assert_eq!(names(&anti), ["k", "v"]);
    assert_eq!(rows(&anti), vec![row(&["", "30"]), row(&["1", "10"])]);
    let suffixed = l
        .join(&r, key(), key(), JoinType::Left, None, Some("_r".into()))
        .unwrap();
    assert_eq!(names(&suffixed), ["k", "v", "v_r"]);
}

#[test]
fn join_keys_without_a_common_type_are_refused_at_plan_time() {
    let l = table(vec![("k", ints(vec![Some(1)]))]);
    let r = table(vec![(
        "k",
        Arc::new(StringArray::from(vec!["1"])) as ArrayRef,
    )]);
    let err = l
        .join(
            &r,
            vec![Expr::col("k")],
            vec![Expr::col("k")],
            JoinType::Inner,
            None,
            None,
        )
        .unwrap_err();
    assert!(err.to_string().contains("no common type"), "{err}");
}

#[test]
fn intersect_all_and_except_all_are_multiset_operations() {
    let a = table(vec![(
        "x",
        ints(vec![Some(1), Some(2), Some(2), Some(2), None, None]),
    )]);
    let b = table(vec![("x", ints(vec![Some(2), Some(2), None, Some(3)]))]);
    let both = a.set_op(&b, SetOpKind::Intersect, true).unwrap();
    assert_eq!(rows(&both), vec![row(&[""]), row(&["2"]), row(&["2"])]);
    let minus = a.set_op(&b, SetOpKind::Except, true).unwrap();
    assert_eq!(rows(&minus), vec![row(&[""]), row(&["1"]), row(&["2"])]);
    let distinct = a.set_op(&b, SetOpKind::Except, false).unwrap();
    assert_eq!(rows(&distinct), vec![row(&["1"])]);
}

#[test]
fn window_aggregation_without_frame_covers_the_partition_and_ranks_tie() {
    let t = table(vec![
        (
            "g",
            Arc::new(StringArray::from(vec!["a", "a", "a", "b"])) as ArrayRef,
        ),
        ("t", ints(vec![Some(1), Some(2), Some(2), Some(1)])),
        ("x", ints(vec![Some(1), Some(2), Some(3), Some(4)])),
    ]);
    let spec = WindowSpec {
        partition_by: vec![Expr::col("g")],
        order_by: vec![WindowOrder {
            expr: Expr::col("t"),
            descending: false,
            nulls_first: false,
        }],
        frame: None,
        min_periods: 1,
    };
    let total = Expr::col("x")
        .agg(AggKind::Sum)
        .unwrap()
        .over(spec.clone())
        .unwrap()
        .alias("total");
    let rank = Expr::window_function(WindowFunc::Rank)
        .unwrap()
        .over(spec)
        .unwrap()
        .alias("rank");
    let plan = t
        .project(vec![Expr::col("x"), total, rank])
        .unwrap()
        .sort(vec![SortKey {
            expr: Expr::col("x"),
            descending: false,
            nulls_first: false,
        }])
        .unwrap();
    assert_eq!(plan.schema().field(2).data_type(), &DataType::UInt64);
    let out = daft_exec::collect(&plan, &mut never()).unwrap();
    let col = |i: usize| -> Vec<u64> {
        out.iter()
            .flat_map(|b| {
                let c = arrow::compute::cast(b.column(i), &DataType::UInt64).unwrap();
                let c = c.as_any().downcast_ref::<UInt64Array>().unwrap().clone();
                c.values().to_vec()
            })
            .collect()
    };
    assert_eq!(col(1), vec![6, 6, 6, 4]);
    assert_eq!(col(2), vec![1, 2, 2, 1]);
}

#[test]
fn explode_gives_one_null_row_for_null_and_empty_lists() {
    let lists = ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
        Some(vec![Some(1), Some(2)]),
        Some(vec![]),
        None,
    ]);
    let t = table(vec![
        ("id", ints(vec![Some(1), Some(2), Some(3)])),
        ("l", Arc::new(lists) as ArrayRef),
    ]);
    let plan = t
        .explode(vec!["l".into()], Some("i".into()), false)
        .unwrap();
    assert_eq!(names(&plan), ["id", "l", "i"]);
    assert_eq!(
        rows(&plan),
        vec![
            row(&["1", "1", "0"]),
            row(&["1", "2", "1"]),
            row(&["2", "", ""]),
            row(&["3", "", ""]),
        ]
    );
    let dropped = t.explode(vec!["l".into()], None, true).unwrap();
    assert_eq!(rows(&dropped).len(), 2);
}

#[test]
fn sql_over_two_tables_plans_the_same_nodes_and_runs() {
    daft_functions::link();
    let orders = table(vec![
        ("cust", ints(vec![Some(1), Some(1), Some(2), None])),
        ("amount", ints(vec![Some(5), Some(7), Some(1), Some(9)])),
    ]);
    let customers = table(vec![
        ("cust", ints(vec![Some(1), Some(2)])),
        (
            "name",
            Arc::new(StringArray::from(vec!["ada", "bob"])) as ArrayRef,
        ),
    ]);
    let mut catalog = daft_sql::Catalog::new();
    catalog.insert("orders", orders);
    catalog.insert("customers", customers);
    let plan = daft_sql::plan_sql(
        "SELECT upper(c.name) AS who, sum(o.amount) AS total, count(*) AS n \
         FROM orders o JOIN customers c ON o.cust = c.cust GROUP BY c.name ORDER BY total DESC",
        &catalog,
    )
    .unwrap();
    assert_eq!(names(&plan), ["who", "total", "n"]);
    let out = daft_exec::collect(&plan, &mut never()).unwrap();
    let b = arrow::compute::concat_batches(&out[0].schema(), &out).unwrap();
    let who = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(
        who.iter().collect::<Vec<_>>(),
        vec![Some("ADA"), Some("BOB")]
    );
    let err = daft_sql::plan_sql("SELECT nope FROM orders", &catalog).unwrap_err();
    assert!(
        err.to_string()
            .contains("column nope (line 1, column 8) not found"),
        "{err}"
    );
    assert!(b.column(2).null_count() == 0);
}
