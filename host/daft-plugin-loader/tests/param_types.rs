//! Precise parameter types (ABI 1.1) declared by a plugin and checked by
//! the registry before the plugin's return-type rule runs.

mod common;

use std::collections::HashMap;

use arrow::datatypes::{DataType, Field};
use daft_core::options::FunctionOptions;
use daft_core::registry::ParamKind;
use daft_core::types::TypeClass;

use common::{load_plugins, plugin_fn};

fn resolve(function: &str, args: &[Field]) -> Result<Field, String> {
    load_plugins();
    plugin_fn("fixture", function)
        .resolve(args, &FunctionOptions::default())
        .map_err(|e| e.to_string())
}

fn point(name: &str) -> Field {
    let metadata: HashMap<String, String> = [(
        "ARROW:extension:name".to_string(),
        "fixture.point".to_string(),
    )]
    .into();
    Field::new(name, DataType::Int64, true).with_metadata(metadata)
}

#[test]
fn the_registry_holds_the_precise_classes() {
    load_plugins();
    let def = plugin_fn("fixture", "fixture_scale");
    let classes: Vec<TypeClass> = def
        .params
        .iter()
        .filter_map(|p| match p.kind {
            ParamKind::Expr(c) => Some(c),
            _ => None,
        })
        .collect();
    static FLOAT64: DataType = DataType::Float64;
    assert_eq!(classes, [TypeClass::Exact(&FLOAT64), TypeClass::SameAs(0)]);
}

#[test]
fn an_exact_type_and_same_as_are_checked_before_the_rule() {
    let f64 = |n: &str| Field::new(n, DataType::Float64, true);
    let out = resolve("fixture_scale", &[f64("x"), f64("f")]).unwrap();
    assert_eq!(out.data_type(), &DataType::Float64);
    // Null columns fit every declaration.
    resolve(
        "fixture_scale",
        &[f64("x"), Field::new("f", DataType::Null, true)],
    )
    .unwrap();
    let e = resolve(
        "fixture_scale",
        &[Field::new("x", DataType::Int64, true), f64("f")],
    )
    .unwrap_err();
    assert!(
        e.contains("argument `x` (column \"x\") has type Int64; expected exactly Float64"),
        "{e}"
    );
    let e = resolve(
        "fixture_scale",
        &[f64("x"), Field::new("f", DataType::Float32, true)],
    )
    .unwrap_err();
    assert!(
        e.contains("argument `factor` (column \"f\") has type Float32; expected the same type as `x` (Float64)"),
        "{e}"
    );
}

#[test]
fn an_extension_type_parameter_takes_only_that_extension_type() {
    let out = resolve("fixture_point_meters", &[point("p")]).unwrap();
    assert_eq!(out.data_type(), &DataType::Float64);
    let e = resolve(
        "fixture_point_meters",
        &[Field::new("p", DataType::Int64, true)],
    )
    .unwrap_err();
    assert!(
        e.contains("expected the extension type fixture.point (stored as Int64)"),
        "{e}"
    );
    // The name alone is not enough: a column labelled fixture.point but stored
    // otherwise is not one.
    let metadata: HashMap<String, String> = [(
        "ARROW:extension:name".to_string(),
        "fixture.point".to_string(),
    )]
    .into();
    let fake = Field::new("p", DataType::Utf8, true).with_metadata(metadata);
    assert!(resolve("fixture_point_meters", &[fake]).is_err());
}
