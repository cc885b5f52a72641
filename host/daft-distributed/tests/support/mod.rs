//! What the plan tests share: the test fixture plugin, codecs of imagined
//! receivers, and tables with nulls, NaN, decimals and lists.

#![allow(dead_code)]

#[path = "../../../daft-plugin-loader/tests/common/mod.rs"]
pub mod common;

use std::sync::{Arc, OnceLock};

use arrow::array::{ArrayRef, Decimal128Array, Float64Array, Int64Array, ListArray, StringArray};
use arrow::datatypes::{Field, Int64Type, Schema};
use arrow::record_batch::RecordBatch;
use arrow::util::display::array_value_to_string;

use daft_core::registry::{self, Registry};
use daft_distributed::{EngineCodec, FunctionCatalog};
use daft_plan::{LogicalPlan, Source};

/// The plugin the plans call: the loader's test fixture, loaded once.
pub fn fixture() -> &'static daft_plugin_loader::PluginStatus {
    static STATUS: OnceLock<daft_plugin_loader::PluginStatus> = OnceLock::new();
    STATUS.get_or_init(|| {
        daft_functions::link();
        daft_plugin_loader::load_plugin(common::fixture_path()).expect("load the test fixture")
    })
}

/// A process with the global registry and these plugin versions.
pub struct Catalog {
    pub plugins: Vec<(String, String)>,
}

impl FunctionCatalog for Catalog {
    fn registry(&self) -> &Registry {
        registry::global()
    }

    fn plugin_version(&self, name: &str) -> Option<String> {
        self.plugins
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    fn place(&self) -> String {
        "worker 7".into()
    }
}

pub fn codec_with(plugins: &[(&str, &str)]) -> EngineCodec {
    EngineCodec::new(Arc::new(Catalog {
        plugins: plugins
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    }))
}

/// A codec of a process that has the fixture plugin as loaded here.
pub fn codec() -> EngineCodec {
    let status = fixture();
    codec_with(&[(status.name.as_str(), status.version.as_str())])
}

pub fn table(columns: Vec<(&str, ArrayRef)>) -> Arc<LogicalPlan> {
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

/// A table with nulls, NaN, decimals and lists, large enough that plans
/// over it have several partitions.
pub fn facts() -> Arc<LogicalPlan> {
    let n = 20_000i64;
    let key: Vec<Option<i64>> = (0..n).map(|i| (i % 11 != 0).then_some(i % 37)).collect();
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| match i % 13 {
            0 => None,
            1 => Some(f64::NAN),
            _ => Some((i as f64) * 0.25 - 900.0),
        })
        .collect();
    let d = Decimal128Array::from_iter((0..n).map(|i| (i % 7 != 0).then_some(i as i128 * 3 - 5)))
        .with_precision_and_scale(12, 2)
        .unwrap();
    let s: Vec<Option<String>> = (0..n)
        .map(|i| (i % 17 != 0).then(|| format!("w{}", i % 101)))
        .collect();
    let l = ListArray::from_iter_primitive::<Int64Type, _, _>(
        (0..n)
            .map(|i| (i % 19 != 0).then(|| (0..(i % 4)).map(|j| Some(i * j)).collect::<Vec<_>>())),
    );
    table(vec![
        ("k", Arc::new(Int64Array::from(key)) as ArrayRef),
        ("x", Arc::new(Float64Array::from(x))),
        ("d", Arc::new(d)),
        ("s", Arc::new(StringArray::from(s))),
        ("l", Arc::new(l)),
    ])
}

pub fn catalog() -> daft_sql::Catalog {
    let dims = table(vec![
        (
            "k",
            Arc::new(Int64Array::from_iter_values(0..40)) as ArrayRef,
        ),
        (
            "name",
            Arc::new(StringArray::from_iter_values(
                (0..40).map(|i| format!("dim{i}")),
            )),
        ),
    ]);
    let mut c = daft_sql::Catalog::new();
    c.insert("facts", facts());
    c.insert("dims", dims);
    c
}

/// Every row of `batches`, each column shown as text, in order.
pub fn rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            out.push(
                b.columns()
                    .iter()
                    .map(|c| array_value_to_string(c, r).unwrap())
                    .collect(),
            );
        }
    }
    out
}

pub fn never() -> impl FnMut() -> bool {
    || false
}

/// Whether two shown values are equal, floats within a relative 1e-9: a
/// float aggregate's partial results merge in the order they arrive.
pub fn same(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        _ => false,
    }
}
