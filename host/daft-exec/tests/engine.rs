//! Running plans on DataFusion: order, limits, registry functions through the
//! one adapter, Daft's operator semantics, cancellation and errors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use daft_core::registry;
use daft_core::DaftError;
use daft_dsl::{AggKind, Expr, Operator};
use daft_plan::{LogicalPlan, SortKey, Source};

fn never() -> impl FnMut() -> bool {
    || false
}

fn in_memory(columns: Vec<(&str, ArrayRef)>) -> Arc<LogicalPlan> {
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

fn lit_i64(v: i64) -> Expr {
    Expr::lit(Arc::new(Int64Array::from(vec![v]))).unwrap()
}

fn column_i64(batches: &[RecordBatch], i: usize) -> Vec<Option<i64>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b.column(i).as_any().downcast_ref::<Int64Array>().unwrap();
            a.iter().collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn filter_and_project_keep_the_input_order_across_partitions() {
    let n = 500_000i64;
    let plan = in_memory(vec![("a", Arc::new(Int64Array::from_iter_values(0..n)))]);
    let odd = Expr::col("a")
        .binary(Operator::Modulus, lit_i64(2))
        .unwrap()
        .binary(Operator::Eq, lit_i64(1))
        .unwrap();
    let plan = plan
        .filter(odd)
        .unwrap()
        .project(vec![Expr::col("a")
            .binary(Operator::Plus, lit_i64(1))
            .unwrap()
            .alias("b")])
        .unwrap();
    let out = daft_exec::collect(&plan, &mut never()).unwrap();
    let got = column_i64(&out, 0);
    let want: Vec<Option<i64>> = (0..n).filter(|v| v % 2 == 1).map(|v| Some(v + 1)).collect();
    assert_eq!(got, want);
    assert_eq!(out[0].schema().field(0).name(), "b");
}

#[test]
fn limit_without_a_sort_gives_the_first_rows() {
    let plan = in_memory(vec![(
        "a",
        Arc::new(Int64Array::from_iter_values(0..300_000)),
    )]);
    let out = daft_exec::collect(&plan.limit(3), &mut never()).unwrap();
    assert_eq!(column_i64(&out, 0), vec![Some(0), Some(1), Some(2)]);
}

#[test]
fn floor_division_and_modulus_truncate_toward_zero_as_daft_does() {
    let plan = in_memory(vec![
        ("a", Arc::new(Int64Array::from(vec![7, -7, 7, -7]))),
        ("b", Arc::new(Int64Array::from(vec![2, 2, -2, -2]))),
    ]);
    let plan = plan
        .project(vec![
            Expr::col("a")
                .binary(Operator::FloorDivide, Expr::col("b"))
                .unwrap()
                .alias("q"),
            Expr::col("a")
                .binary(Operator::Modulus, Expr::col("b"))
                .unwrap()
                .alias("r"),
        ])
        .unwrap();
    let out = daft_exec::collect(&plan, &mut never()).unwrap();
    // Daft truncates toward zero: 7 // 2 == 3, -7 // 2 == -3, 7 // -2 == -3,
    // -7 // -2 == 3, and the remainder has the dividend's sign.
    assert_eq!(
        column_i64(&out, 0),
        vec![Some(3), Some(-3), Some(-3), Some(3)]
    );
    assert_eq!(
        column_i64(&out, 1),
        vec![Some(1), Some(-1), Some(1), Some(-1)]
    );
}

#[test]
fn integer_division_by_zero_in_floor_division_is_an_error_naming_the_expression() {
    let plan = in_memory(vec![("a", Arc::new(Int64Array::from(vec![1, 2])))]);
    let plan = plan
        .project(vec![Expr::col("a")
            .binary(Operator::FloorDivide, lit_i64(0))
            .unwrap()])
        .unwrap();
    let err = daft_exec::collect(&plan, &mut never()).unwrap_err();
    assert!(
        matches!(&err, DaftError::ComputeError(m) if m.contains("col(a) // lit(0)") && m.contains("division by zero")),
        "{err}"
    );
}

#[test]
fn true_division_gives_float64_as_in_daft() {
    let plan = in_memory(vec![("a", Arc::new(Int64Array::from(vec![1, 3])))]);
    let plan = plan
        .project(vec![Expr::col("a")
            .binary(Operator::TrueDivide, lit_i64(2))
            .unwrap()])
        .unwrap();
    let out = daft_exec::collect(&plan, &mut never()).unwrap();
    let a = out[0]
        .column(0)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert_eq!(a.values().to_vec(), vec![0.5, 1.5]);
}

#[test]
fn a_builtin_registry_function_runs_through_the_adapter() {
    daft_functions::link();
    let lower = registry::global().lookup("lower").unwrap();
    let plan = in_memory(vec![(
        "s",
        Arc::new(StringArray::from(vec![Some("AbC"), None])),
    )]);
    let call = Expr::call(lower, vec![Expr::col("s")], Default::default()).unwrap();
    let plan = plan.project(vec![call]).unwrap();
    let out = daft_exec::collect(&plan, &mut never()).unwrap();
    let s = out[0]
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!(s.iter().collect::<Vec<_>>(), vec![Some("abc"), None]);
    assert_eq!(out[0].schema().field(0).name(), "s");
}

#[test]
fn a_global_aggregation_keeps_daft_output_types() {
    let plan = in_memory(vec![(
        "x",
        Arc::new(arrow::array::Float32Array::from(vec![1.0f32, 2.0, 3.5])),
    )]);
    let plan = plan
        .aggregate(
            vec![
                Expr::col("x").agg(AggKind::Sum).unwrap().alias("s"),
                Expr::col("x")
                    .agg(AggKind::Count(daft_dsl::CountMode::Valid))
                    .unwrap()
                    .alias("n"),
            ],
            vec![],
        )
        .unwrap();
    let out = daft_exec::collect(&plan, &mut never()).unwrap();
    assert_eq!(out[0].schema().field(0).data_type(), &DataType::Float32);
    assert_eq!(out[0].schema().field(1).data_type(), &DataType::UInt64);
    assert_eq!(out[0].num_rows(), 1);
}

#[test]
fn sort_puts_nulls_where_asked() {
    let plan = in_memory(vec![(
        "a",
        Arc::new(Int64Array::from(vec![Some(2), None, Some(1)])),
    )]);
    let key = |descending, nulls_first| SortKey {
        expr: Expr::col("a"),
        descending,
        nulls_first,
    };
    let asc = plan.sort(vec![key(false, false)]).unwrap();
    let out = daft_exec::collect(&asc, &mut never()).unwrap();
    assert_eq!(column_i64(&out, 0), vec![Some(1), Some(2), None]);
    let desc = plan.sort(vec![key(true, true)]).unwrap();
    let out = daft_exec::collect(&desc, &mut never()).unwrap();
    assert_eq!(column_i64(&out, 0), vec![None, Some(2), Some(1)]);
}

#[test]
fn an_interrupted_query_stops_promptly_with_cancelled() {
    // A sort of 20 M floats takes seconds; the callback asks it to stop at once.
    let n = 20_000_000;
    let values: Float64Array = (0..n).map(|i| ((i * 7919) % n) as f64).collect();
    let plan = in_memory(vec![("x", Arc::new(values))]);
    let plan = plan
        .sort(vec![SortKey {
            expr: Expr::col("x"),
            descending: false,
            nulls_first: false,
        }])
        .unwrap();
    let start = Instant::now();
    let err = daft_exec::collect(&plan, &mut || start.elapsed() > Duration::from_millis(100))
        .unwrap_err();
    assert!(matches!(err, DaftError::Cancelled(_)), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
    // The engine still runs queries afterwards.
    let small = in_memory(vec![("a", Arc::new(Int64Array::from(vec![1])))]);
    assert_eq!(daft_exec::count_rows(&small, &mut never()).unwrap(), 1);
}

#[test]
fn count_rows_counts_after_a_filter() {
    let plan = in_memory(vec![("a", Arc::new(Int64Array::from_iter_values(0..1000)))]);
    let plan = plan
        .filter(Expr::col("a").binary(Operator::Lt, lit_i64(10)).unwrap())
        .unwrap();
    assert_eq!(daft_exec::count_rows(&plan, &mut never()).unwrap(), 10);
}

fn lowered_scan_types(plan: &LogicalPlan) -> Vec<DataType> {
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    use datafusion::logical_expr::LogicalPlan as DfPlan;
    let opts = daft_lowering::LowerOptions {
        target_partitions: 2,
    };
    let lowered = daft_lowering::lower_plan(plan, &opts).unwrap();
    let mut found = None;
    lowered
        .apply(|node| {
            if let DfPlan::TableScan(scan) = node {
                found = Some(scan.source.schema());
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .unwrap();
    let schema = found.expect("a table scan");
    schema
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect()
}

#[test]
fn parquet_strings_are_views_inside_a_filtering_plan_except_where_a_function_reads_them() {
    let dir = std::env::temp_dir().join(format!("daft-exec-views-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("s", DataType::Utf8, true),
        Field::new("t", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["a", "B", "z"])),
            Arc::new(StringArray::from(vec!["X", "y", "Q"])),
        ],
    )
    .unwrap();
    let file = std::fs::File::create(&path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let files = daft_plan::FileStamp::of_all(&[path.to_str().unwrap().to_string()]).unwrap();
    let scan = LogicalPlan::scan(Source::Parquet(files), schema.clone());

    let z = Expr::lit(Arc::new(StringArray::from(vec!["z"]))).unwrap();
    let lower = registry::global().lookup("lower").unwrap();
    let lower_t = Expr::call(lower, vec![Expr::col("t")], Default::default()).unwrap();
    let filtered = scan
        .filter(Expr::col("s").binary(Operator::NotEq, z).unwrap())
        .unwrap()
        .project(vec![Expr::col("s"), lower_t.alias("u")])
        .unwrap();
    // `s` is only compared, so it is read as a view; `t` goes to a kernel.
    assert_eq!(
        lowered_scan_types(&filtered),
        [DataType::Utf8View, DataType::Utf8]
    );
    // A plan of projections only reads strings as they are planned.
    let projected = scan.project(vec![Expr::col("s")]).unwrap();
    assert_eq!(
        lowered_scan_types(&projected),
        [DataType::Utf8, DataType::Utf8]
    );

    let out = daft_exec::collect(&filtered, &mut never()).unwrap();
    let out = arrow::compute::concat_batches(&out[0].schema(), &out).unwrap();
    assert_eq!(out.schema().as_ref(), filtered.schema().as_ref());
    let strings = |i: usize| {
        let a = out
            .column(i)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        a.iter().map(|v| v.unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(strings(0), ["a", "B"]);
    assert_eq!(strings(1), ["x", "y"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
